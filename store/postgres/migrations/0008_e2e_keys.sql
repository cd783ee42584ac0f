-- End-to-end encryption (Rocket.Chat's E2E): each member's copies of the
-- room key on the subscription (E2EKey, E2ESuggestedKey, and the keys held
-- before a reset as JSON arrays), and each user's key pair, whose private
-- half the user's client encrypted before sending it.
ALTER TABLE subscriptions ADD COLUMN e2e_key text NOT NULL DEFAULT '';
ALTER TABLE subscriptions ADD COLUMN e2e_suggested_key text NOT NULL DEFAULT '';
ALTER TABLE subscriptions ADD COLUMN e2e_old_keys text NOT NULL DEFAULT '';
ALTER TABLE subscriptions ADD COLUMN e2e_suggested_old_keys text NOT NULL DEFAULT '';

CREATE TABLE user_e2e_keys (
	user_id     text COLLATE "C" PRIMARY KEY,
	public_key  text NOT NULL,
	private_key text NOT NULL,
	updated_at  bigint NOT NULL DEFAULT 0
);
