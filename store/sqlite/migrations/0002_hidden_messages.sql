-- Hidden messages and thread-aware message tombstones.
--
-- hidden marks Rocket.Chat's _hidden messages: the previous versions kept by
-- Message_KeepHistory (an edited or deleted message's copy, with parent set)
-- and messages hidden instead of removed. No list, search, count or sync
-- query returns them.
--
-- A message tombstone remembers the thread the removed message replied to
-- (tmid) and whether it was a thread's first message (thread), so the thread
-- sync calls can answer which replies and threads went away.

ALTER TABLE messages ADD COLUMN hidden INTEGER NOT NULL DEFAULT 0;
UPDATE messages SET hidden = 1 WHERE json_extract(data, '$._hidden') = 1;

ALTER TABLE tombstones ADD COLUMN tmid TEXT NOT NULL DEFAULT '';
ALTER TABLE tombstones ADD COLUMN thread INTEGER NOT NULL DEFAULT 0;
CREATE INDEX tombstones_thread ON tombstones (tmid, deleted_at) WHERE tmid <> '';

-- Visible messages are what every list reads: the room/time index covers
-- only them, so counting a room's messages stays an index-only scan; the
-- few hidden ones have an index of their own (history clean-up).
DROP INDEX messages_room_ts;
CREATE INDEX messages_room_ts ON messages (rid, ts) WHERE hidden = 0;
CREATE INDEX messages_hidden ON messages (rid, ts) WHERE hidden = 1;
