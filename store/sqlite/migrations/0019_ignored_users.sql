-- Ignored users (package ignore, Rocket.Chat's ignoreUser): the ids of the
-- users whose messages the subscription's user hides in that room, a JSON
-- array as the other list columns.
ALTER TABLE subscriptions ADD COLUMN ignored TEXT NOT NULL DEFAULT '[]';
