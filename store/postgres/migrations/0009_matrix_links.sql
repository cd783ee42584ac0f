-- The Matrix bridge's links between Liftoff ids and Matrix ids, and the
-- homeserver transactions already applied (federation/matrix/links).
CREATE TABLE matrix_links (
	kind       text COLLATE "C" NOT NULL,
	local_id   text COLLATE "C" NOT NULL,
	remote_id  text COLLATE "C" NOT NULL,
	created_at bigint NOT NULL DEFAULT 0,
	PRIMARY KEY (kind, local_id)
);
CREATE UNIQUE INDEX matrix_links_remote ON matrix_links (kind, remote_id);
