-- Liftoff's initial schema.
--
-- Hybrid layout: a column for every field that is filtered, sorted, uniquely
-- constrained or bulk-updated, and a data column holding the whole record as
-- JSON (Rocket.Chat's field names). Subscriptions, which are bulk-updated on
-- every message, are plain columns only. Times are INTEGER milliseconds since
-- the Unix epoch, 0 when unset. Foreign keys are not declared: deletes are
-- cascaded by the store code, which also leaves tombstones.

CREATE TABLE users (
	id            TEXT PRIMARY KEY,
	username      TEXT NOT NULL DEFAULT '',
	username_fold TEXT,                    -- lower-cased username, NULL when none
	name          TEXT NOT NULL DEFAULT '',
	type          TEXT NOT NULL DEFAULT '',
	active        INTEGER NOT NULL DEFAULT 0,
	status        TEXT NOT NULL DEFAULT '',
	roles         TEXT NOT NULL DEFAULT '[]', -- JSON array of global role ids
	created_at    INTEGER NOT NULL DEFAULT 0,
	updated_at    INTEGER NOT NULL DEFAULT 0,
	search        TEXT NOT NULL DEFAULT '', -- lower-cased username, name and e-mails, one a line
	data          TEXT NOT NULL
);
CREATE UNIQUE INDEX users_username ON users (username_fold);
CREATE INDEX users_updated_at ON users (updated_at);

-- Every address of every user, lower-cased: unique across all users.
CREATE TABLE user_emails (
	address TEXT PRIMARY KEY,
	user_id TEXT NOT NULL
);
CREATE INDEX user_emails_user ON user_emails (user_id);

CREATE TABLE passwords (
	user_id TEXT PRIMARY KEY,
	hash    TEXT NOT NULL
);

CREATE TABLE tokens (
	hash       TEXT PRIMARY KEY,
	user_id    TEXT NOT NULL,
	kind       TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL DEFAULT 0,
	data       TEXT NOT NULL
);
CREATE INDEX tokens_user ON tokens (user_id, kind);

CREATE TABLE rooms (
	id          TEXT PRIMARY KEY,
	t           TEXT NOT NULL,
	name        TEXT NOT NULL DEFAULT '',
	fname       TEXT NOT NULL DEFAULT '',
	search      TEXT NOT NULL DEFAULT '', -- lower-cased name and fname, one a line
	ts          INTEGER NOT NULL DEFAULT 0,
	updated_at  INTEGER NOT NULL DEFAULT 0,
	lm          INTEGER NOT NULL DEFAULT 0,
	msgs        INTEGER NOT NULL DEFAULT 0,
	users_count INTEGER NOT NULL DEFAULT 0,
	is_default  INTEGER NOT NULL DEFAULT 0,
	archived    INTEGER NOT NULL DEFAULT 0,
	join_code   TEXT NOT NULL DEFAULT '',
	data        TEXT NOT NULL
);
CREATE UNIQUE INDEX rooms_name ON rooms (name) WHERE t IN ('c', 'p') AND name <> '';
CREATE INDEX rooms_updated_at ON rooms (updated_at);

-- Clustered by (rid, u_id): the members of a room live together in a few
-- pages, so the bulk update of every message dirties (and writes to the WAL)
-- a handful of pages instead of one page per member.
CREATE TABLE subscriptions (
	id              TEXT NOT NULL UNIQUE,
	rid             TEXT NOT NULL,
	u_id            TEXT NOT NULL,
	u_username      TEXT NOT NULL DEFAULT '',
	u_name          TEXT NOT NULL DEFAULT '',
	u_search        TEXT NOT NULL DEFAULT '', -- lower-cased username and name, one a line
	t               TEXT NOT NULL DEFAULT '',
	name            TEXT NOT NULL DEFAULT '',
	fname           TEXT NOT NULL DEFAULT '',
	ts              INTEGER NOT NULL DEFAULT 0,
	updated_at      INTEGER NOT NULL DEFAULT 0,
	ls              INTEGER NOT NULL DEFAULT 0,
	lr              INTEGER NOT NULL DEFAULT 0,
	open            INTEGER NOT NULL DEFAULT 0,
	alert           INTEGER NOT NULL DEFAULT 0,
	unread          INTEGER NOT NULL DEFAULT 0,
	user_mentions   INTEGER NOT NULL DEFAULT 0,
	group_mentions  INTEGER NOT NULL DEFAULT 0,
	f               INTEGER NOT NULL DEFAULT 0,
	roles           TEXT NOT NULL DEFAULT '[]',
	archived        INTEGER NOT NULL DEFAULT 0,
	prid            TEXT NOT NULL DEFAULT '',
	tunread         TEXT NOT NULL DEFAULT '[]',
	tunread_user    TEXT NOT NULL DEFAULT '[]',
	tunread_group   TEXT NOT NULL DEFAULT '[]',
	disable_notifs  INTEGER NOT NULL DEFAULT 0,
	hide_unread     INTEGER NOT NULL DEFAULT 0,
	unread_alert    TEXT NOT NULL DEFAULT '',
	desktop_notifs  TEXT NOT NULL DEFAULT '',
	mobile_notifs   TEXT NOT NULL DEFAULT '',
	email_notifs    TEXT NOT NULL DEFAULT '',
	user_highlights TEXT NOT NULL DEFAULT '[]',
	PRIMARY KEY (rid, u_id)
) WITHOUT ROWID;
-- By user only, not (u_id, updated_at): updated_at changes on every
-- message for every member, and keeping it in an index costs an index delete
-- and insert per member per message; a user's subscriptions are few enough
-- to filter by updated_at after the lookup.
CREATE INDEX subscriptions_user ON subscriptions (u_id);
CREATE INDEX subscriptions_room_username ON subscriptions (rid, u_username);

-- seq is an explicit INTEGER PRIMARY KEY so that rowids survive VACUUM
-- (the full-text index refers to them).
CREATE TABLE messages (
	seq         INTEGER PRIMARY KEY,
	id          TEXT NOT NULL UNIQUE,
	rid         TEXT NOT NULL,
	ts          INTEGER NOT NULL DEFAULT 0,
	updated_at  INTEGER NOT NULL DEFAULT 0,
	t           TEXT NOT NULL DEFAULT '',
	tmid        TEXT,                      -- NULL when not a thread reply
	tshow       INTEGER NOT NULL DEFAULT 0,
	u_id        TEXT NOT NULL DEFAULT '',
	tcount      INTEGER NOT NULL DEFAULT 0,
	tlm         INTEGER NOT NULL DEFAULT 0,
	pinned      INTEGER NOT NULL DEFAULT 0,
	msg         TEXT NOT NULL DEFAULT '',
	mention_ids TEXT NOT NULL DEFAULT '[]', -- JSON array of mentioned user ids
	starred_ids TEXT NOT NULL DEFAULT '[]', -- JSON array of ids of users who starred it
	data        TEXT NOT NULL
);
CREATE INDEX messages_room_ts ON messages (rid, ts);
CREATE INDEX messages_room_updated ON messages (rid, updated_at);
CREATE INDEX messages_thread ON messages (tmid, ts) WHERE tmid IS NOT NULL;

-- Full-text index of message text (external content: the text lives in
-- messages.msg only). Every message is indexed, empty texts too, so that
-- FTS5's integrity-check can compare the index with the messages table.
--
-- New and edited texts are not indexed by the triggers directly: FTS5
-- flushes its pending terms to disk at every savepoint, and the writer runs
-- each Update in a savepoint, so indexing inside them would write one index
-- segment per message. The triggers queue the message in
-- messages_fts_pending instead, and the writer indexes the queue once per
-- batch, just before COMMIT (and before a search inside a transaction), so
-- the queue is always empty between transactions. Removing terms (delete
-- and edit of an indexed text) needs the old text, so it happens at once.
CREATE VIRTUAL TABLE messages_fts USING fts5(
	msg,
	content = 'messages',
	content_rowid = 'seq',
	tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TABLE messages_fts_pending (seq INTEGER PRIMARY KEY);
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
	INSERT OR IGNORE INTO messages_fts_pending (seq) VALUES (new.seq);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
	INSERT INTO messages_fts (messages_fts, rowid, msg)
		SELECT 'delete', old.seq, old.msg
		WHERE NOT EXISTS (SELECT 1 FROM messages_fts_pending WHERE seq = old.seq);
	DELETE FROM messages_fts_pending WHERE seq = old.seq;
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF msg ON messages WHEN old.msg IS NOT new.msg BEGIN
	INSERT INTO messages_fts (messages_fts, rowid, msg)
		SELECT 'delete', old.seq, old.msg
		WHERE NOT EXISTS (SELECT 1 FROM messages_fts_pending WHERE seq = old.seq);
	INSERT OR IGNORE INTO messages_fts_pending (seq) VALUES (new.seq);
END;

-- Removed records, for the sync calls.
CREATE TABLE tombstones (
	kind       TEXT NOT NULL,
	id         TEXT NOT NULL,
	rid        TEXT NOT NULL DEFAULT '',
	uid        TEXT NOT NULL DEFAULT '',
	deleted_at INTEGER NOT NULL,
	PRIMARY KEY (kind, id)
);
CREATE INDEX tombstones_room ON tombstones (kind, rid, deleted_at);
CREATE INDEX tombstones_user ON tombstones (kind, uid, deleted_at);
CREATE INDEX tombstones_time ON tombstones (kind, deleted_at);

CREATE TABLE roles (
	id   TEXT PRIMARY KEY,
	name TEXT NOT NULL UNIQUE,
	data TEXT NOT NULL
);

CREATE TABLE permissions (
	id   TEXT PRIMARY KEY,
	data TEXT NOT NULL
);

CREATE TABLE settings (
	id   TEXT PRIMARY KEY,
	data TEXT NOT NULL
);
