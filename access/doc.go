// Package access decides who may do what. It holds Rocket.Chat's default
// roles and permission table, and a Checker that resolves a permission for a
// user, optionally within a room.
//
// Rocket.Chat's rule, which Checker follows: a user's effective roles are
// their global roles (User.Roles) plus, when the check is scoped to a room,
// the room roles on their subscription (Subscription.Roles, such as owner,
// moderator or leader). A permission is granted when any effective role is
// among the permission's roles; a permission nobody defined is denied. No
// role is special: admin holds a permission only because the table lists it.
//
// The package is pure logic with no I/O. The store persists roles and
// permissions; the wiring loads them into a Checker at start and calls
// Checker.Update when an administrator changes one at runtime.
package access
