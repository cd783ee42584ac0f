-- Custom user statuses (Rocket.Chat's custom_user_status collection): a
-- handful of presets administrators define. Names are unique.
CREATE TABLE custom_user_status (
	id   text COLLATE "C" PRIMARY KEY,
	name text COLLATE "C" NOT NULL UNIQUE,
	data text NOT NULL
);
