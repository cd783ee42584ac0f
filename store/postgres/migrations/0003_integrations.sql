-- Webhook integrations (incoming and outgoing) and the history of their
-- calls; the same schema as SQLite's 0009_integrations.sql.
CREATE TABLE integrations (
	id         text COLLATE "C" PRIMARY KEY,
	seq        bigint GENERATED ALWAYS AS IDENTITY,
	type       text COLLATE "C" NOT NULL,
	name_fold  text NOT NULL DEFAULT '',
	enabled    boolean NOT NULL DEFAULT false,
	created_by text COLLATE "C" NOT NULL DEFAULT '',
	created_at bigint NOT NULL DEFAULT 0,
	updated_at bigint NOT NULL DEFAULT 0,
	data       text NOT NULL
);
CREATE INDEX integrations_type ON integrations (type, enabled);

CREATE TABLE integration_history (
	id             text COLLATE "C" PRIMARY KEY,
	seq            bigint GENERATED ALWAYS AS IDENTITY,
	integration_id text COLLATE "C" NOT NULL,
	created_at     bigint NOT NULL DEFAULT 0,
	updated_at     bigint NOT NULL DEFAULT 0,
	data           text NOT NULL
);
CREATE INDEX integration_history_integration ON integration_history (integration_id, updated_at);
