// Package jobs is Liftoff's durable job queue: work that must happen after
// a write commits and may be slow or fail (push notifications, e-mails,
// outgoing webhooks, the Matrix bridge) is stored as jobs and drained by a
// pool of workers, with retries, exponential backoff with jitter, and
// Prometheus metrics per kind.
//
// Guarantees. A job, once Enqueue returns, survives restarts and crashes: it
// is delivered at least once. A job whose handler returned nil is recorded
// as done and never runs again, so a restart never repeats completed work.
// Only a crash between a handler's success and the recording of it makes a
// job run twice; handlers pass the job's Key (or ID) to providers that
// deduplicate (an e-mail's Message-ID, an APNs collapse id, a Web Push
// topic) so that even then the user sees one notification. A job's Key is
// also an idempotency key for Enqueue: a second job with the same Key is
// ignored for as long as the first is kept (until Purge removes it), so
// consumers of an at-least-once event bus may enqueue the same work twice.
//
// Several server instances may drain one queue: a worker claims jobs with a
// lease (a random lease id and an expiry) in one store transaction, so no
// two workers hold the same job; a job whose lease expired (its worker
// died) becomes claimable again. Results are recorded only under the lease
// that claimed the job, so a worker that outlived its lease cannot undo a
// newer claim.
//
// Batches. A kind registered with HandleBatch gets, with each due job, the
// other pending jobs of the same kind and Group (up to a maximum), even
// those not yet due: the notification e-mail uses it to send one e-mail
// summarising every message that arrived while the first one waited.
//
// The storage is the Store interface, declared here and implemented by
// each store backend (store/sqlite; store/storetest.RunJobs is its contract
// suite).
package jobs
