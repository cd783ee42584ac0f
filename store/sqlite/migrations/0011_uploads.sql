-- Uploads (files/uploads): the records of uploaded files. The bytes are
-- blobs in the file store under store_key; the record is the JSON document
-- plus the columns lists filter and sort on.

CREATE TABLE uploads (
	id          TEXT PRIMARY KEY,
	rid         TEXT NOT NULL DEFAULT '',
	user_id     TEXT NOT NULL DEFAULT '',
	message_id  TEXT NOT NULL DEFAULT '',
	store_key   TEXT NOT NULL DEFAULT '',
	type        TEXT NOT NULL DEFAULT '',
	type_group  TEXT NOT NULL DEFAULT '',
	search      TEXT NOT NULL DEFAULT '', -- the lower-cased name
	size        INTEGER NOT NULL DEFAULT 0,
	complete    INTEGER NOT NULL DEFAULT 0,
	uploaded_at INTEGER NOT NULL DEFAULT 0,
	expires_at  INTEGER NOT NULL DEFAULT 0, -- 0: not temporary
	data        TEXT NOT NULL
);
CREATE INDEX uploads_room ON uploads (rid, uploaded_at);
CREATE INDEX uploads_message ON uploads (message_id) WHERE message_id <> '';
CREATE INDEX uploads_key ON uploads (store_key);
CREATE INDEX uploads_expires ON uploads (expires_at) WHERE expires_at <> 0;
