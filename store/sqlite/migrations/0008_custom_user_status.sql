-- Custom user statuses (Rocket.Chat's custom_user_status collection): a
-- handful of presets administrators define. Names are unique.
CREATE TABLE custom_user_status (
	id   TEXT PRIMARY KEY,
	name TEXT NOT NULL UNIQUE,
	data TEXT NOT NULL
);
