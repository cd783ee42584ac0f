-- Liftoff's PostgreSQL schema (the same records as the SQLite store's
-- migrations 0001-0005, in one step).
--
-- Hybrid layout: a column for every field that is filtered, sorted,
-- uniquely constrained or bulk-updated, and a data column holding the whole
-- record as JSON text (Rocket.Chat's field names; text, not jsonb: it is
-- written and read whole, and jsonb would cost a parse each way).
-- Subscriptions, bulk-updated on every message, are plain columns only.
-- Times are bigint milliseconds since the Unix epoch, 0 when unset. Lists
-- are text[]. Text columns that are sorted or compared use the "C"
-- collation: byte order, as SQLite sorts, whatever the database's locale.
-- seq columns record insertion order, the tie-break of sorted lists.
-- Foreign keys are not declared: deletes are cascaded by the store code,
-- which also leaves tombstones.

-- Full-text search of message text. 'simple' does no stemming and knows no
-- stop words, so it treats every language alike (a chat is multilingual,
-- and a stemmer for the wrong language makes searches miss); unaccent makes
-- "cafe" find "Café", as the SQLite store's unicode61 tokenizer does.
-- to_tsvector with a named configuration is immutable, so the index column
-- is a generated one.
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE TEXT SEARCH CONFIGURATION liftoff_search (COPY = simple);
ALTER TEXT SEARCH CONFIGURATION liftoff_search
	ALTER MAPPING FOR word, hword, hword_part, numword, numhword, hword_numpart WITH unaccent, simple;

CREATE TABLE meta (
	key   text COLLATE "C" PRIMARY KEY,
	value text NOT NULL
);
-- The epoch of the event numbering (model.Position).
INSERT INTO meta (key, value) VALUES ('epoch', substr(md5(random()::text || clock_timestamp()::text), 1, 16));

CREATE TABLE users (
	id            text COLLATE "C" PRIMARY KEY,
	seq           bigint GENERATED ALWAYS AS IDENTITY,
	username      text COLLATE "C" NOT NULL DEFAULT '',
	username_fold text COLLATE "C" UNIQUE, -- lower-cased username, NULL when none
	name          text COLLATE "C" NOT NULL DEFAULT '',
	name_fold     text COLLATE "C" NOT NULL DEFAULT '',
	type          text COLLATE "C" NOT NULL DEFAULT '',
	active        boolean NOT NULL DEFAULT false,
	status        text COLLATE "C" NOT NULL DEFAULT '',
	roles         text[] COLLATE "C" NOT NULL DEFAULT '{}',
	created_at    bigint NOT NULL DEFAULT 0,
	updated_at    bigint NOT NULL DEFAULT 0,
	search        text COLLATE "C" NOT NULL DEFAULT '', -- lower-cased username, name and e-mails, one a line
	data          text NOT NULL
);
CREATE INDEX users_updated_at ON users (updated_at);
CREATE INDEX users_roles ON users USING gin (roles);

-- Every address of every user, lower-cased: unique across all users.
CREATE TABLE user_emails (
	address text COLLATE "C" PRIMARY KEY,
	user_id text COLLATE "C" NOT NULL
);
CREATE INDEX user_emails_user ON user_emails (user_id);

CREATE TABLE passwords (
	user_id text COLLATE "C" PRIMARY KEY,
	hash    text NOT NULL
);

CREATE TABLE tokens (
	hash       text COLLATE "C" PRIMARY KEY,
	seq        bigint GENERATED ALWAYS AS IDENTITY,
	user_id    text COLLATE "C" NOT NULL,
	kind       text COLLATE "C" NOT NULL DEFAULT '',
	created_at bigint NOT NULL DEFAULT 0,
	data       text NOT NULL
);
CREATE INDEX tokens_user ON tokens (user_id, kind);

CREATE TABLE rooms (
	id           text COLLATE "C" PRIMARY KEY,
	seq          bigint GENERATED ALWAYS AS IDENTITY,
	t            text COLLATE "C" NOT NULL,
	name         text COLLATE "C" NOT NULL DEFAULT '',
	fname        text COLLATE "C" NOT NULL DEFAULT '',
	search       text COLLATE "C" NOT NULL DEFAULT '', -- lower-cased name and fname, one a line
	ts           bigint NOT NULL DEFAULT 0,
	updated_at   bigint NOT NULL DEFAULT 0,
	lm           bigint NOT NULL DEFAULT 0,
	msgs         bigint NOT NULL DEFAULT 0,
	users_count  bigint NOT NULL DEFAULT 0,
	is_default   boolean NOT NULL DEFAULT false,
	archived     boolean NOT NULL DEFAULT false,
	join_code    text NOT NULL DEFAULT '',
	prid         text COLLATE "C" NOT NULL DEFAULT '',
	team_id      text COLLATE "C" NOT NULL DEFAULT '',
	team_main    boolean NOT NULL DEFAULT false,
	team_default boolean NOT NULL DEFAULT false,
	data         text NOT NULL
) WITH (fillfactor = 80); -- room of its own for the row's next version: updated on every message
CREATE UNIQUE INDEX rooms_name ON rooms (name) WHERE t IN ('c', 'p') AND name <> '';
CREATE INDEX rooms_updated_at ON rooms (updated_at);
CREATE INDEX rooms_prid ON rooms (prid, fname) WHERE prid <> '';
CREATE INDEX rooms_team ON rooms (team_id, name) WHERE team_id <> '';

-- Updated in bulk on every message. The changed columns (open, alert,
-- unread, counters, updated_at...) are in no index and the pages keep half
-- their space free, so those updates are HOT (no index entry is touched),
-- also when one group commit updates a room's members several times
-- (measured: 96.6% HOT at fillfactor 70, 100% at 50, four messages per
-- room per transaction).
CREATE TABLE subscriptions (
	id              text COLLATE "C" NOT NULL UNIQUE,
	seq             bigint GENERATED ALWAYS AS IDENTITY,
	rid             text COLLATE "C" NOT NULL,
	u_id            text COLLATE "C" NOT NULL,
	u_username      text COLLATE "C" NOT NULL DEFAULT '',
	u_name          text COLLATE "C" NOT NULL DEFAULT '',
	u_search        text COLLATE "C" NOT NULL DEFAULT '', -- lower-cased username and name, one a line
	t               text COLLATE "C" NOT NULL DEFAULT '',
	name            text COLLATE "C" NOT NULL DEFAULT '',
	fname           text COLLATE "C" NOT NULL DEFAULT '',
	ts              bigint NOT NULL DEFAULT 0,
	updated_at      bigint NOT NULL DEFAULT 0,
	ls              bigint NOT NULL DEFAULT 0,
	open            boolean NOT NULL DEFAULT false,
	alert           boolean NOT NULL DEFAULT false,
	unread          bigint NOT NULL DEFAULT 0,
	user_mentions   bigint NOT NULL DEFAULT 0,
	group_mentions  bigint NOT NULL DEFAULT 0,
	f               boolean NOT NULL DEFAULT false,
	roles           text[] COLLATE "C" NOT NULL DEFAULT '{}',
	archived        boolean NOT NULL DEFAULT false,
	prid            text COLLATE "C" NOT NULL DEFAULT '',
	tunread         text[] COLLATE "C" NOT NULL DEFAULT '{}',
	tunread_user    text[] COLLATE "C" NOT NULL DEFAULT '{}',
	tunread_group   text[] COLLATE "C" NOT NULL DEFAULT '{}',
	disable_notifs  boolean NOT NULL DEFAULT false,
	hide_unread     boolean NOT NULL DEFAULT false,
	unread_alert    text NOT NULL DEFAULT '',
	desktop_notifs  text NOT NULL DEFAULT '',
	mobile_notifs   text NOT NULL DEFAULT '',
	email_notifs    text NOT NULL DEFAULT '',
	user_highlights text[] NOT NULL DEFAULT '{}',
	PRIMARY KEY (rid, u_id)
) WITH (fillfactor = 50);
CREATE INDEX subscriptions_user ON subscriptions (u_id);
CREATE INDEX subscriptions_room_username ON subscriptions (rid, u_username);

CREATE TABLE messages (
	seq          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	id           text COLLATE "C" NOT NULL UNIQUE,
	rid          text COLLATE "C" NOT NULL,
	ts           bigint NOT NULL DEFAULT 0,
	updated_at   bigint NOT NULL DEFAULT 0,
	t            text COLLATE "C" NOT NULL DEFAULT '',
	tmid         text COLLATE "C",               -- NULL when not a thread reply
	tshow        boolean NOT NULL DEFAULT false,
	u_id         text COLLATE "C" NOT NULL DEFAULT '',
	tcount       bigint NOT NULL DEFAULT 0,
	tlm          bigint NOT NULL DEFAULT 0,
	pinned       boolean NOT NULL DEFAULT false,
	hidden       boolean NOT NULL DEFAULT false, -- Rocket.Chat's _hidden: kept previous versions, hidden messages
	drid         text COLLATE "C",               -- NULL when the message starts no discussion
	msg          text NOT NULL DEFAULT '',
	mention_ids  text[] COLLATE "C" NOT NULL DEFAULT '{}',
	starred_ids  text[] COLLATE "C" NOT NULL DEFAULT '{}',
	follower_ids text[] COLLATE "C" NOT NULL DEFAULT '{}', -- the thread's replies (followers)
	data         text NOT NULL,
	search       tsvector GENERATED ALWAYS AS (to_tsvector('liftoff_search'::regconfig, msg)) STORED
);
-- Visible messages are what every list reads: the room/time index covers
-- only them, with seq for the order of equal times.
CREATE INDEX messages_room_ts ON messages (rid, ts, seq) WHERE NOT hidden;
CREATE INDEX messages_hidden ON messages (rid, ts) WHERE hidden;
CREATE INDEX messages_room_updated ON messages (rid, updated_at);
CREATE INDEX messages_thread ON messages (tmid, ts) WHERE tmid IS NOT NULL;
CREATE INDEX messages_room_discussions ON messages (rid, ts) WHERE drid IS NOT NULL;
CREATE INDEX messages_drid ON messages (drid) WHERE drid IS NOT NULL;
CREATE INDEX messages_search ON messages USING gin (search);

-- Removed records, for the sync calls. seq is renewed when a tombstone is
-- replaced.
CREATE TABLE tombstones (
	kind       text COLLATE "C" NOT NULL,
	id         text COLLATE "C" NOT NULL,
	seq        bigint GENERATED ALWAYS AS IDENTITY,
	rid        text COLLATE "C" NOT NULL DEFAULT '',
	uid        text COLLATE "C" NOT NULL DEFAULT '',
	deleted_at bigint NOT NULL,
	tmid       text COLLATE "C" NOT NULL DEFAULT '',
	thread     boolean NOT NULL DEFAULT false,
	PRIMARY KEY (kind, id)
);
CREATE INDEX tombstones_room ON tombstones (kind, rid, deleted_at);
CREATE INDEX tombstones_user ON tombstones (kind, uid, deleted_at);
CREATE INDEX tombstones_time ON tombstones (kind, deleted_at);
CREATE INDEX tombstones_thread ON tombstones (tmid, deleted_at) WHERE tmid <> '';

CREATE TABLE teams (
	id         text COLLATE "C" PRIMARY KEY,
	seq        bigint GENERATED ALWAYS AS IDENTITY,
	name       text COLLATE "C" NOT NULL UNIQUE,
	type       integer NOT NULL DEFAULT 0,
	room_id    text COLLATE "C" NOT NULL DEFAULT '',
	created_at bigint NOT NULL DEFAULT 0,
	updated_at bigint NOT NULL DEFAULT 0,
	data       text NOT NULL
);

CREATE TABLE team_members (
	team_id    text COLLATE "C" NOT NULL,
	user_id    text COLLATE "C" NOT NULL,
	seq        bigint GENERATED ALWAYS AS IDENTITY,
	roles      text[] COLLATE "C" NOT NULL DEFAULT '{}',
	created_at bigint NOT NULL DEFAULT 0,
	data       text NOT NULL,
	PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user ON team_members (user_id);

CREATE TABLE roles (
	id   text COLLATE "C" PRIMARY KEY,
	name text COLLATE "C" NOT NULL UNIQUE,
	data text NOT NULL
);

CREATE TABLE permissions (
	id   text COLLATE "C" PRIMARY KEY,
	data text NOT NULL
);

CREATE TABLE settings (
	id   text COLLATE "C" PRIMARY KEY,
	data text NOT NULL
);

-- Event numbering (model.Position): the last number handed out per stream
-- (a room id, or '' for the global stream), bumped by the transaction that
-- emits.
CREATE TABLE event_streams (
	stream text COLLATE "C" PRIMARY KEY,
	seq    bigint NOT NULL
);

-- The transactional outbox: the events of every committed transaction, in
-- commit order (write transactions are serialized, so id order is commit
-- order), until the publisher has handed them to the bus.
CREATE TABLE outbox (
	id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	stream text COLLATE "C" NOT NULL,
	seq    bigint NOT NULL, -- 0 for kinds that carry no position
	kind   text COLLATE "C" NOT NULL,
	body   text NOT NULL
);
