// Package sqlite implements store.Store on an embedded SQLite database
// (modernc.org/sqlite, pure Go, so the liftoff binary stays static).
//
// Writes go through one writer connection owned by one goroutine, which does
// group commit: it takes every pending Update (up to Options.MaxBatch), runs
// each function inside its own SAVEPOINT of one BEGIN IMMEDIATE transaction,
// commits once, publishes the events of the functions that succeeded, and
// only then answers the callers. The fsync of a commit is thus shared by a
// whole batch while each Update still succeeds or fails on its own. Reads of
// the Store use a separate pool of query-only connections; reads of a Tx use
// the writer connection, so they see the transaction's own writes.
//
// The schema lives in embedded migration files (migrations/NNNN_name.sql),
// applied in order by Open and recorded in PRAGMA user_version. Records are
// stored in a hybrid layout: columns for what is filtered, sorted, uniquely
// constrained or bulk-updated, and a JSON data column with the whole record.
// Subscriptions, updated in bulk on every message, are plain columns only.
//
// Case-insensitive lookups and uniqueness (usernames, e-mail addresses) use
// columns lower-cased by Go (strings.ToLower), so they fold Unicode letters.
// Text filters (UserQuery.Text, RoomQuery.Text, MemberQuery.Text) match
// substrings of such folded columns; MessageQuery.TextContains uses SQL LIKE,
// which folds ASCII letters only. SearchMessages uses the FTS5 full-text
// index: every word of the query must occur, as a word prefix.
package sqlite
