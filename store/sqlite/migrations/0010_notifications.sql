-- Notifications (package notify, docs/notifications.md).
--
-- Subscriptions get the rest of Rocket.Chat's per-room notification fields.
-- The *_origin columns say whether desktop_notifs, mobile_notifs and
-- email_notifs were chosen for the room ('subscription') or copied from the
-- user's preferences ('user', and changed when those change).
ALTER TABLE subscriptions ADD COLUMN hide_mention INTEGER NOT NULL DEFAULT 0;
ALTER TABLE subscriptions ADD COLUMN mute_group_mentions INTEGER NOT NULL DEFAULT 0;
ALTER TABLE subscriptions ADD COLUMN audio_notif TEXT NOT NULL DEFAULT '';
ALTER TABLE subscriptions ADD COLUMN desktop_origin TEXT NOT NULL DEFAULT '';
ALTER TABLE subscriptions ADD COLUMN mobile_origin TEXT NOT NULL DEFAULT '';
ALTER TABLE subscriptions ADD COLUMN email_origin TEXT NOT NULL DEFAULT '';

-- The devices and browsers a user receives push notifications on
-- (Rocket.Chat's _raix_push_app_tokens, plus Web Push subscriptions): type
-- is 'apn', 'gcm' or 'web'; token is the device token, or the Web Push
-- endpoint with keys its JSON {p256dh, auth}.
CREATE TABLE push_tokens (
	id         TEXT PRIMARY KEY,
	user_id    TEXT NOT NULL,
	type       TEXT NOT NULL,
	token      TEXT NOT NULL,
	app_name   TEXT NOT NULL DEFAULT '',
	keys       TEXT NOT NULL DEFAULT '',
	enabled    INTEGER NOT NULL DEFAULT 1,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX push_tokens_token ON push_tokens (type, token);
CREATE INDEX push_tokens_user ON push_tokens (user_id);
