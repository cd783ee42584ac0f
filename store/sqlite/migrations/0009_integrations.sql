-- Webhook integrations (incoming and outgoing) and the history of their
-- calls. The record is the JSON in data; the columns are what lists filter
-- and sort on. Deleting an integration deletes its history (the store
-- does it; no foreign keys in this schema).
CREATE TABLE integrations (
	seq        INTEGER PRIMARY KEY,
	id         TEXT NOT NULL UNIQUE,
	type       TEXT NOT NULL,
	name_fold  TEXT NOT NULL DEFAULT '',
	enabled    INTEGER NOT NULL DEFAULT 0,
	created_by TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL DEFAULT 0,
	updated_at INTEGER NOT NULL DEFAULT 0,
	data       TEXT NOT NULL
);
CREATE INDEX integrations_type ON integrations (type, enabled);

CREATE TABLE integration_history (
	seq            INTEGER PRIMARY KEY,
	id             TEXT NOT NULL UNIQUE,
	integration_id TEXT NOT NULL,
	created_at     INTEGER NOT NULL DEFAULT 0,
	updated_at     INTEGER NOT NULL DEFAULT 0,
	data           TEXT NOT NULL
);
CREATE INDEX integration_history_integration ON integration_history (integration_id, updated_at);
