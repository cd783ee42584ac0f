-- Invitation links to rooms (Rocket.Chat's invites collection, package
-- invites). uses and max_uses are columns so that a use is counted in one
-- statement that respects the limit; data holds the rest of the record.
CREATE TABLE invites (
	id         text COLLATE "C" PRIMARY KEY,
	token      text COLLATE "C" NOT NULL UNIQUE,
	uses       integer NOT NULL DEFAULT 0,
	max_uses   integer NOT NULL DEFAULT 0,
	created_at bigint NOT NULL,
	seq        bigserial, -- insertion order, for invites made in the same millisecond
	data       text NOT NULL
);
