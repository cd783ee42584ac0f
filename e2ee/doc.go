// Package e2ee is the server side of Rocket.Chat's end-to-end encryption:
// it keeps what clients need to exchange keys and never anything it could
// decrypt with. Each user's key pair is stored as the user's client sent
// it (the private key already encrypted with a secret only the user
// knows) and handed back to its owner only; each member's copy of a room
// key (E2EKey, wrapped by a client with the member's public key), the
// copies other members' clients offer (E2ESuggestedKey), and the keys held
// before a room key reset live on the member's subscription; the room
// carries its key id (e2eKeyId) and the queue of members waiting for a
// copy (usersWaitingForE2EKeys). Key requests are relayed to the room's
// members as stream events.
//
// The rules are Rocket.Chat 8's (apps/meteor/app/e2e/server and
// app/api/server/v1/e2e.ts): who may set what, the errors and their
// strings, the ten old keys kept per member, the fifty queued users, and
// one room key reset at a time per room (a lock that expires after ten
// seconds, per instance as in Rocket.Chat). docs/e2e.md describes what
// the server stores and what it never sees.
package e2ee
