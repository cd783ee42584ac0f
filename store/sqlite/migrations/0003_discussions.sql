-- Discussions.
--
-- A discussion is a room whose prid names its parent room; the parent holds
-- a "discussion-created" system message whose drid names the discussion.
-- Both are columns so that a room's discussions, and the message that
-- links to a discussion, are index lookups. drid is NULL when unset, so
-- the partial indexes hold only the few messages that start a discussion.

ALTER TABLE rooms ADD COLUMN prid TEXT NOT NULL DEFAULT '';
UPDATE rooms SET prid = json_extract(data, '$.prid') WHERE json_extract(data, '$.prid') IS NOT NULL;
CREATE INDEX rooms_prid ON rooms (prid, fname) WHERE prid <> '';

ALTER TABLE messages ADD COLUMN drid TEXT;
UPDATE messages SET drid = json_extract(data, '$.drid') WHERE json_extract(data, '$.drid') <> '';
CREATE INDEX messages_room_discussions ON messages (rid, ts) WHERE drid IS NOT NULL;
CREATE INDEX messages_drid ON messages (drid) WHERE drid IS NOT NULL;
