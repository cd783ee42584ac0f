// Package ldap signs users in against an LDAP directory or Active Directory
// configured with Rocket.Chat's LDAP_* settings, on go-ldap.
//
// A login binds as the service account (LDAP_Authentication), finds the
// user with the configured search filter and field (the username escaped
// with ldap.EscapeFilter, so a name like "*)(uid=*" matches nothing), checks
// the group filter, and binds as the user's DN with the password to check
// it. An empty password is refused before anything is sent: many servers
// treat a simple bind with an empty password as an anonymous bind and
// answer success. The entry is then mapped to a provider.Identity (unique
// id, username, e-mail, name, avatar, groups mapped to roles and channels).
//
// Sync lists every user for the background sync and reports who is new,
// changed, or gone; TestConnection and TestSearch serve the admin
// endpoints ldap.testConnection and ldap.testSearch.
package ldap
