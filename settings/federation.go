package settings

// federation defines the Matrix bridge's settings (package
// federation/matrix), with Rocket.Chat's ids where its Matrix federation
// has the same setting and Liftoff_ ones for what only this bridge needs.
func federation(b *builder) {
	b.group("Federation")
	b.section("Matrix Bridge")
	b.boolean("Federation_Matrix_enabled", false, private)
	// Federation_Matrix_id is the appservice's id in the registration.
	b.str("Federation_Matrix_id", "liftoff", private)
	b.add("Federation_Matrix_hs_token", TypePassword, "", private)
	b.add("Federation_Matrix_as_token", TypePassword, "", private)
	// The homeserver's client-server API, e.g. http://localhost:8008.
	b.str("Federation_Matrix_homeserver_url", "http://localhost:8008", private)
	// The homeserver's server name (the part after ':' in user ids).
	b.str("Federation_Matrix_homeserver_domain", "localhost", private)
	// Where the homeserver reaches this server's appservice endpoints.
	b.str("Federation_Matrix_bridge_url", "http://localhost:3300", private)
	// The bridge bot's localpart (@<localpart>:<domain>).
	b.str("Federation_Matrix_bridge_localpart", "liftoff.bot", private)
	// The prefix of the localparts of Liftoff users' puppets.
	b.str("Liftoff_Federation_Matrix_puppet_prefix", "liftoff_", private)
}
