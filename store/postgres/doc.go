// Package postgres implements store.Store on PostgreSQL (jackc/pgx), for
// deployments of several Liftoff instances sharing one database. It passes
// the same contract suite (store/storetest) as the SQLite store.
//
// # Records
//
// The schema (migrations/NNNN_name.sql, embedded, applied by Open under an
// advisory lock so that instances starting together migrate once, recorded
// in schema_migrations) mirrors the SQLite store's: a column for every
// field that is filtered, sorted, unique or bulk-updated, and the whole
// record as JSON text; subscriptions as plain columns. Lists are text[];
// times bigint milliseconds; sorted and compared text columns use the "C"
// collation, so lists sort by bytes as in SQLite whatever the database's
// locale. Every list breaks ties by insertion order (seq identity columns).
// PostgreSQL's text refuses NUL characters and invalid UTF-8, which Go
// strings hold: the columns get them replaced by U+FFFD (text), the JSON
// document keeps the exact value.
//
// Full-text search uses a generated tsvector column with the configuration
// liftoff_search: 'simple' (no stemming, no stop words: the same for every
// language of a multilingual chat) with unaccent, so that "cafe" finds
// "Café". A query is split into words (runs of letters and digits) that
// must all occur as word prefixes, as in the SQLite store. PostgreSQL's
// parser keeps e-mail addresses, URLs and host names as single tokens
// (with the parts of hyphenated words), so a search for the middle of one
// of those finds nothing where SQLite's tokenizer, which splits them,
// would; the contract suite does not tell them apart.
//
// # Writes
//
// Update runs functions on one writer goroutine per instance, with group
// commit: every pending call (up to Options.MaxBatch) runs in its own
// savepoint of one transaction, which commits once. Each batch first takes
// a transaction-scoped advisory lock, so write transactions of all
// instances run one at a time; the isolation level is READ COMMITTED,
// which under that lock behaves as serial execution. This keeps the
// contract the service code was written against (a function runs once,
// sees every earlier commit, and is never retried; no serialization
// failures), and it makes commit order a single sequence: the outbox ids
// taken under the lock grow in commit order. The cost is that writes do not
// run in parallel across instances; reads (a pool per instance) do, and
// they are most of the load.
//
// Expected failures never break the transaction: inserts use ON CONFLICT
// DO NOTHING and report store.ErrConflict, updates that could clash carry
// a NOT EXISTS guard, and methods of several statements run in a savepoint
// of their own, so a function may handle ErrConflict and go on.
//
// When the connection fails while COMMIT is on its way, the batch learns
// the outcome on another connection from the transaction id
// (pg_xact_status) and answers accordingly, or ErrCommitUnknown when even
// that fails within Options.BatchTimeout. A writer connection found broken
// at the start of a batch is replaced at once.
//
// # Events: the transactional outbox
//
// The events of a batch's successful functions are numbered (each stream's
// counter in event_streams is bumped; see model.Position) and written to
// the outbox table in the same transaction, with a NOTIFY, in one round
// trip together with COMMIT: an event exists if and only if its write
// committed. One instance at a time (the holder of a session advisory
// lock; the others stand by and take over within Options.StandbyPoll when
// its connection goes) publishes the outbox: it reads rows in id order,
// hands them to the Publisher (the NATS bus), and deletes them once
// Publish succeeded. A crash in between publishes them again: delivery is
// at least once, and receivers drop repeats by position.
//
// Backup writes a plain SQL script that psql restores into an empty
// database.
package postgres
