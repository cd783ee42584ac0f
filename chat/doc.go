// Package chat is Liftoff's domain service: users, rooms, memberships,
// messages, roles, permissions and settings, with Rocket.Chat's rules.
//
// Every operation takes the acting user and checks permissions itself, so
// the REST API and the realtime API share one set of checks. Writes that
// belong together happen in one store transaction, which also records the
// domain events; the store publishes them on the bus after commit.
package chat
