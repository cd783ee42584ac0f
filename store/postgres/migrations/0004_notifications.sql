-- Notifications: the same change as SQLite's 0008_notifications.sql (reserved: 0009).
ALTER TABLE subscriptions
	ADD COLUMN hide_mention boolean NOT NULL DEFAULT false,
	ADD COLUMN mute_group_mentions boolean NOT NULL DEFAULT false,
	ADD COLUMN audio_notif text NOT NULL DEFAULT '',
	ADD COLUMN desktop_origin text NOT NULL DEFAULT '',
	ADD COLUMN mobile_origin text NOT NULL DEFAULT '',
	ADD COLUMN email_origin text NOT NULL DEFAULT '';

CREATE TABLE push_tokens (
	id         text PRIMARY KEY,
	user_id    text NOT NULL,
	type       text NOT NULL,
	token      text NOT NULL,
	app_name   text NOT NULL DEFAULT '',
	keys       text NOT NULL DEFAULT '',
	enabled    boolean NOT NULL DEFAULT true,
	created_at bigint NOT NULL,
	updated_at bigint NOT NULL
);
CREATE UNIQUE INDEX push_tokens_token ON push_tokens (type, token);
CREATE INDEX push_tokens_user ON push_tokens (user_id);
