-- Read receipts (package receipts). messages.unread mirrors the message's
-- unread flag, set while Message_Read_Receipt_Enabled is on; the partial
-- index holds only the flagged messages, so it stays empty, and costs
-- nothing on the write path, while the setting is off.
ALTER TABLE messages ADD COLUMN unread INTEGER NOT NULL DEFAULT 0;
CREATE INDEX messages_unread ON messages (rid, ts) WHERE unread = 1;

-- One row per message and reader (Rocket.Chat's read_receipts
-- collection); id is the message id followed by the user id.
CREATE TABLE read_receipts (
	id         TEXT PRIMARY KEY,
	message_id TEXT NOT NULL,
	rid        TEXT NOT NULL,
	u_id       TEXT NOT NULL,
	ts         INTEGER NOT NULL
);
CREATE INDEX read_receipts_message ON read_receipts (message_id, ts);
