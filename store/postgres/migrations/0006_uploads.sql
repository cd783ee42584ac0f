-- Uploads (files/uploads): the records of uploaded files, as SQLite's
-- 0008_uploads.sql. The bytes are blobs in the file store under store_key.

CREATE TABLE uploads (
	id          text COLLATE "C" PRIMARY KEY,
	seq         bigint GENERATED ALWAYS AS IDENTITY,
	rid         text COLLATE "C" NOT NULL DEFAULT '',
	user_id     text COLLATE "C" NOT NULL DEFAULT '',
	message_id  text COLLATE "C" NOT NULL DEFAULT '',
	store_key   text COLLATE "C" NOT NULL DEFAULT '',
	type        text COLLATE "C" NOT NULL DEFAULT '',
	type_group  text COLLATE "C" NOT NULL DEFAULT '',
	search      text COLLATE "C" NOT NULL DEFAULT '',
	size        bigint NOT NULL DEFAULT 0,
	complete    boolean NOT NULL DEFAULT false,
	uploaded_at bigint NOT NULL DEFAULT 0,
	expires_at  bigint NOT NULL DEFAULT 0,
	data        text NOT NULL
);
CREATE INDEX uploads_room ON uploads (rid, uploaded_at);
CREATE INDEX uploads_message ON uploads (message_id) WHERE message_id <> '';
CREATE INDEX uploads_key ON uploads (store_key);
CREATE INDEX uploads_expires ON uploads (expires_at) WHERE expires_at <> 0;
