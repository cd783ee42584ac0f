-- History pages read through one index (issue 19): the room/time index of
-- visible messages carries the thread filter's columns (tmid, tshow) and the type (t), so an
-- offset's rows are skipped in an index-only scan and the table is read
-- only for the page's own rows (ListMessages looks deep pages up by seq).
DROP INDEX messages_room_ts;
CREATE INDEX messages_room_ts ON messages (rid, ts, seq) INCLUDE (tmid, tshow, t) WHERE NOT hidden;
