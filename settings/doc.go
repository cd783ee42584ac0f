// Package settings holds Rocket.Chat's server settings: their ids, types,
// groups and default values (Defaults), an in-memory cache of current values
// with typed getters for hot paths (Registry), validation of new values sent
// by administrators (Coerce), and parsing of values given as text, such as
// the OVERWRITE_SETTING_<id> environment variables (Overrides, ParseValue).
//
// Setting ids, types, defaults and public flags are Rocket.Chat's, because
// clients read them by id (GET /api/v1/settings.public, the DDP
// public-settings/get method) and behave accordingly. The package is pure
// logic with no I/O; the store persists settings.
package settings
