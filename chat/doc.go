// Package chat is Liftoff's chat domain: users and accounts, rooms,
// memberships, messages, teams and discussions, roles, permissions and
// settings, with Rocket.Chat's rules.
//
// It is cut into area services (Accounts, Rooms, Members, Messages, Teams,
// Admin; New returns them together as Services) over one unexported core
// that holds the store, the permission checker, the settings registry and
// the helpers the areas share. Every operation takes the acting user and
// checks permissions itself, so the REST API and the realtime API share
// one set of checks; what one user may see of another (profiles, avatars)
// is decided here too. Writes that belong together happen in one store
// transaction, which also records the domain events; the store publishes
// them on the bus after commit. The package knows no transport: errors
// carry a kind and Rocket.Chat's errorType, results are plain Go values
// that each transport renders.
package chat
