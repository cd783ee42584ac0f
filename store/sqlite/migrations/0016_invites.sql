-- Invitation links to rooms (Rocket.Chat's invites collection, package
-- invites). uses and max_uses are columns so that a use is counted in one
-- statement that respects the limit; data holds the rest of the record.
CREATE TABLE invites (
	id         TEXT PRIMARY KEY,
	token      TEXT NOT NULL UNIQUE,
	uses       INTEGER NOT NULL DEFAULT 0,
	max_uses   INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL,
	data       TEXT NOT NULL
);
