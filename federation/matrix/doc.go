// Package matrix bridges Liftoff rooms to Matrix rooms through a Matrix
// application service that runs inside the Liftoff process, built on
// maunium.net/go/mautrix (its client, appservice registration, event and
// format packages).
//
// Liftoff → Matrix. Events of federated rooms (a room with federated:
// true, or a direct conversation with a remote user) are read from the
// bus and stored as durable jobs (package jobs, kind "matrix.out", grouped
// by room so a room's jobs run in order as one batch). A job's handler
// creates the portal room on first use (the bridge bot creates it and
// invites the puppets), registers the author's puppet
// @<prefix><username>:<domain> with its display name, and sends the
// message, edit (m.replace), redaction, reaction (m.annotation), thread
// reply (m.thread), or topic and name change. Sends carry a transaction id
// made from the job, so a job run twice (a crash after the send) reaches
// the room once; a homeserver that is down makes the job retry with
// backoff; the queue survives restarts.
//
// Matrix → Liftoff. The homeserver pushes transactions to
// PUT /_matrix/app/v1/transactions/{txnId} (and the legacy
// /transactions/{txnId}), authenticated with the hs_token. A transaction
// already applied (its id is stored) is acknowledged at once; otherwise
// its events are applied in order through the chat services, as their
// remote senders, and only then is the id stored and the transaction
// acknowledged, so the homeserver retries what failed. Each event is also
// deduplicated by its event id: a message's Liftoff id is derived from the
// event id, and edits, reactions and redactions are linked to their event
// ids. Events sent by the bridge's own users (the bot and every puppet)
// are dropped, so nothing loops. Remote users get accounts named
// localpart:server (federated, role federated-external, no password), and
// go through the same permission, read-only and mute checks as anyone.
package matrix
