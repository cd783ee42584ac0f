-- Event numbering (model.Position).
--
-- Every event a committed transaction emits gets the next number of its
-- stream (a room id, or '' for the global stream): event_streams holds the
-- last number handed out per stream, bumped in the transaction that emits,
-- so numbers are gapless and in commit order. The epoch names this
-- database's numbering; a backup gets a new one (its numbers restart below
-- those already handed out), so receivers do not take the restored
-- database's events for duplicates.

CREATE TABLE event_streams (
	stream TEXT PRIMARY KEY,
	seq    INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO meta (key, value) VALUES ('epoch', lower(hex(randomblob(8))));
