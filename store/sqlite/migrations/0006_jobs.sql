-- The durable job queue (package jobs): notifications, webhooks, bridges.
--
-- A claimed job is 'running' with run_at set to the end of its lease, so
-- that one index finds both the pending jobs that are due and the running
-- ones whose worker died (state IN ('pending','running') AND run_at <= now).
-- Keys are unique among stored jobs (idempotent enqueue); finished jobs keep
-- their key, without their payload, until purged.
CREATE TABLE jobs (
	seq         INTEGER PRIMARY KEY,
	id          TEXT NOT NULL UNIQUE,
	kind        TEXT NOT NULL,
	key         TEXT NOT NULL DEFAULT '',
	grp         TEXT NOT NULL DEFAULT '',
	payload     BLOB NOT NULL,
	state       TEXT NOT NULL,
	run_at      INTEGER NOT NULL,
	attempts    INTEGER NOT NULL DEFAULT 0,
	last_error  TEXT NOT NULL DEFAULT '',
	lease_id    TEXT NOT NULL DEFAULT '',
	created_at  INTEGER NOT NULL,
	finished_at INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX jobs_key ON jobs (key) WHERE key <> '';
CREATE INDEX jobs_due ON jobs (state, run_at);
CREATE INDEX jobs_group ON jobs (grp, kind, state) WHERE grp <> '';
CREATE INDEX jobs_finished ON jobs (finished_at) WHERE finished_at > 0;
