-- Statistics snapshots (Rocket.Chat's statistics collection, package
-- statistics): the documents GET statistics?refresh=true answered.
CREATE TABLE statistics (
	id         TEXT PRIMARY KEY,
	created_at INTEGER NOT NULL,
	data       TEXT NOT NULL
);
CREATE INDEX statistics_created_at ON statistics (created_at);
