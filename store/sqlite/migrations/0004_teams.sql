-- Teams.
--
-- A team is a record of its own (teams) with a main room; rooms belong to
-- a team through their team_id column (the main room also has team_main
-- set), and team_default marks the rooms every new member joins. Team
-- memberships (team_members) follow the subscriptions to the main room and
-- carry the member's team roles.

CREATE TABLE teams (
	id         TEXT PRIMARY KEY,
	name       TEXT NOT NULL,
	type       INTEGER NOT NULL DEFAULT 0,
	room_id    TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL DEFAULT 0,
	updated_at INTEGER NOT NULL DEFAULT 0,
	data       TEXT NOT NULL
);
CREATE UNIQUE INDEX teams_name ON teams (name);

CREATE TABLE team_members (
	team_id    TEXT NOT NULL,
	user_id    TEXT NOT NULL,
	roles      TEXT NOT NULL DEFAULT '[]', -- JSON array of team role ids
	created_at INTEGER NOT NULL DEFAULT 0,
	data       TEXT NOT NULL,
	PRIMARY KEY (team_id, user_id)
) WITHOUT ROWID;
CREATE INDEX team_members_user ON team_members (user_id);

ALTER TABLE rooms ADD COLUMN team_id TEXT NOT NULL DEFAULT '';
ALTER TABLE rooms ADD COLUMN team_main INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rooms ADD COLUMN team_default INTEGER NOT NULL DEFAULT 0;
UPDATE rooms SET team_id = json_extract(data, '$.teamId') WHERE json_extract(data, '$.teamId') IS NOT NULL;
UPDATE rooms SET team_main = 1 WHERE json_extract(data, '$.teamMain') = 1;
UPDATE rooms SET team_default = 1 WHERE json_extract(data, '$.teamDefault') = 1;
CREATE INDEX rooms_team ON rooms (team_id, name) WHERE team_id <> '';
