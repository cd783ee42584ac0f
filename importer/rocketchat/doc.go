// Package rocketchat imports a Rocket.Chat workspace from a mongodump of its
// database: users with their passwords (bcrypt or argon2 of the SHA-256 hex
// digest, copied as they are), login and personal access tokens (stored as
// Rocket.Chat stores them, base64 SHA-256, so sessions survive), custom
// roles, permissions and the settings Liftoff knows, rooms, teams,
// subscriptions and messages with their threads, reactions, pins, stars and
// edits, uploaded files, avatars and custom emoji. Ids and timestamps are
// kept.
//
// The import is idempotent and resumable: a record whose id exists is
// skipped and counted, never overwritten, so running it again after an
// interruption continues where it stopped, and running it twice changes
// nothing. Counters (a room's msgs and usersCount, a thread's tcount, tlm
// and replies, a subscription's unread and mention counts) are rebuilt from
// the imported data, and a consistency check runs at the end.
//
// Bad documents are reported with their _id and never stop the import.
// Writes emit no events: run the import before the server starts.
package rocketchat
