-- Read receipts (package receipts). messages.unread mirrors the message's
-- unread flag, set while Message_Read_Receipt_Enabled is on; the partial
-- index holds only the flagged messages, so it stays empty, and costs
-- nothing on the write path, while the setting is off.
ALTER TABLE messages ADD COLUMN unread boolean NOT NULL DEFAULT false;
CREATE INDEX messages_unread ON messages (rid, ts) WHERE unread;

-- One row per message and reader (Rocket.Chat's read_receipts
-- collection); id is the message id followed by the user id.
CREATE TABLE read_receipts (
	id         text COLLATE "C" PRIMARY KEY,
	message_id text COLLATE "C" NOT NULL,
	rid        text COLLATE "C" NOT NULL,
	u_id       text COLLATE "C" NOT NULL,
	ts         bigint NOT NULL,
	seq        bigserial -- insertion order, for receipts of the same millisecond
);
CREATE INDEX read_receipts_message ON read_receipts (message_id, ts, seq);
