-- History pages read through one index (issue 19).
--
-- The room/time index of visible messages also holds seq (the order's tie
-- break), the thread filter's columns (tmid, tshow: channels.history and
-- loadHistory leave out thread replies not shown in the room) and the type
-- (Hide_System_Messages), so a page's
-- rows are found, and an offset's rows skipped, without reading the table:
-- the table is read only for the page's own rows (ListMessages looks deep
-- pages up by seq). With the former (rid, ts) index every row skipped by an
-- offset cost a table lookup for the thread filter. hidden is in the
-- index too: without it SQLite does not take the partial index as covering.
DROP INDEX messages_room_ts;
CREATE INDEX messages_room_ts ON messages (rid, ts, seq, tmid, tshow, t, hidden) WHERE hidden = 0;
