-- What users keep for sign-in services and factors (Rocket.Chat's
-- services.<name>): external account links (ldap, saml, OAuth services)
-- and the two-factor state. Reserved as migration 0010 in issue 16; numbered
-- to follow this branch's last migration.
CREATE TABLE user_services (
	user_id     text COLLATE "C" NOT NULL,
	service     text COLLATE "C" NOT NULL,
	external_id text COLLATE "C" NOT NULL DEFAULT '',
	updated_at  bigint NOT NULL DEFAULT 0,
	data        text NOT NULL,
	PRIMARY KEY (user_id, service)
);
CREATE UNIQUE INDEX user_services_external ON user_services (service, external_id) WHERE external_id <> '';
CREATE INDEX user_services_service ON user_services (service, user_id);

-- Short-lived sign-in handshake state (OAuth state, pending credentials,
-- SAML requests), shared by every instance.
CREATE TABLE pending_auth (
	key        text COLLATE "C" PRIMARY KEY,
	value      bytea NOT NULL,
	expires_at bigint NOT NULL
);
CREATE INDEX pending_auth_expires ON pending_auth (expires_at);
