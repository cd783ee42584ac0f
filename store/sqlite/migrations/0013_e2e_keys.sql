-- End-to-end encryption (Rocket.Chat's E2E): each member's copies of the
-- room key on the subscription (E2EKey, E2ESuggestedKey, and the keys held
-- before a reset as JSON arrays), and each user's key pair, whose private
-- half the user's client encrypted before sending it.
ALTER TABLE subscriptions ADD COLUMN e2e_key TEXT NOT NULL DEFAULT '';
ALTER TABLE subscriptions ADD COLUMN e2e_suggested_key TEXT NOT NULL DEFAULT '';
ALTER TABLE subscriptions ADD COLUMN e2e_old_keys TEXT NOT NULL DEFAULT '';
ALTER TABLE subscriptions ADD COLUMN e2e_suggested_old_keys TEXT NOT NULL DEFAULT '';

CREATE TABLE user_e2e_keys (
	user_id     TEXT PRIMARY KEY,
	public_key  TEXT NOT NULL,
	private_key TEXT NOT NULL,
	updated_at  INTEGER NOT NULL DEFAULT 0
);
