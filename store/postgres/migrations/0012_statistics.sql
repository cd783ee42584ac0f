-- Statistics snapshots (Rocket.Chat's statistics collection, package
-- statistics): the documents GET statistics?refresh=true answered.
CREATE TABLE statistics (
	id         text COLLATE "C" PRIMARY KEY,
	created_at bigint NOT NULL,
	data       text NOT NULL
);
CREATE INDEX statistics_created_at ON statistics (created_at);
