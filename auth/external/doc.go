// Package external signs in users whose identity an outside provider
// vouches for (an LDAP directory, an OAuth / OpenID Connect service, a
// SAML identity provider): Linker looks the candidate accounts up, asks
// provider.Decide what the identity means, and carries the decision out —
// log in the linked account, link an existing one, or create a new one
// with its link in the same transaction — then syncs the roles the
// provider manages. LDAP is the directory login and background sync on top
// of it (auth.Directory).
//
// A race of two first logins of the same person is settled by the store:
// the link (service, external id) is unique, so the second insert fails
// and SignIn runs again, then finding the account the first one made.
package external
