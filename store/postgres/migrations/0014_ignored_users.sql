-- Ignored users: the same change as SQLite's 0018_ignored_users.sql.
ALTER TABLE subscriptions ADD COLUMN ignored text[] NOT NULL DEFAULT '{}';
