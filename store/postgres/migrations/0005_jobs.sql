-- The durable job queue (package jobs): the same table as SQLite's
-- 0006_jobs.sql. A claimed job is 'running' with run_at set to the end of
-- its lease, so one index finds both the pending jobs that are due and the
-- running ones whose worker died. Claims lock rows with FOR UPDATE SKIP
-- LOCKED, so instances sharing the database never claim the same job.
CREATE TABLE jobs (
	seq         bigserial PRIMARY KEY,
	id          text NOT NULL UNIQUE,
	kind        text NOT NULL,
	key         text NOT NULL DEFAULT '',
	grp         text NOT NULL DEFAULT '',
	payload     bytea NOT NULL,
	state       text NOT NULL,
	run_at      bigint NOT NULL,
	attempts    integer NOT NULL DEFAULT 0,
	last_error  text NOT NULL DEFAULT '',
	lease_id    text NOT NULL DEFAULT '',
	created_at  bigint NOT NULL,
	finished_at bigint NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX jobs_key ON jobs (key) WHERE key <> '';
CREATE INDEX jobs_due ON jobs (state, run_at);
CREATE INDEX jobs_group ON jobs (grp, kind, state) WHERE grp <> '';
CREATE INDEX jobs_finished ON jobs (finished_at) WHERE finished_at > 0;
