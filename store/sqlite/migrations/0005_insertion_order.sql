-- Insertion order.
--
-- Every list sorted by a time breaks ties by insertion order (the store
-- contract; records created in one millisecond are common). Rowid tables
-- (users, rooms, tokens, teams, tombstones) use their rowid: SQLite gives
-- a new row a rowid above every existing one, and VACUUM keeps their
-- relative order. The two clustered (WITHOUT ROWID) tables get an
-- insertion sequence of their own, set on insert and never changed;
-- existing rows are numbered by creation time, then id.

ALTER TABLE subscriptions ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
UPDATE subscriptions SET seq = o.n
	FROM (SELECT rid, u_id, ROW_NUMBER() OVER (ORDER BY ts, id) AS n FROM subscriptions) AS o
	WHERE o.rid = subscriptions.rid AND o.u_id = subscriptions.u_id;
CREATE INDEX subscriptions_seq ON subscriptions (seq);

ALTER TABLE team_members ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
UPDATE team_members SET seq = o.n
	FROM (SELECT team_id, user_id, ROW_NUMBER() OVER (ORDER BY created_at, team_id, user_id) AS n FROM team_members) AS o
	WHERE o.team_id = team_members.team_id AND o.user_id = team_members.user_id;
CREATE INDEX team_members_seq ON team_members (seq);
