// Package provider is the common ground of Liftoff's external sign-in
// providers (auth/oauth, auth/ldap, auth/saml): what a provider yields when a
// user has proved who they are (an Identity), and the pure decision of what
// that identity means for the local user base (Decide: log an already linked
// user in, link it to an existing account, create a new account, or refuse).
//
// Providers never touch the user store. The wiring layer (the REST and DDP
// login handlers) looks up the candidate accounts an Identity names, calls
// Decide, and carries the Decision out in one store transaction; then it
// issues the same resume token a password login gets.
package provider
