package settings

import "liftoff/model"

// CustomOAuth returns the settings of a new custom OAuth service named
// name (already normalised, "Keycloak"), with Rocket.Chat's defaults
// (addOAuthService): Accounts_OAuth_Custom-<name> and its -url,
// -token_path, ... fields, in group OAuth, section "Custom OAuth: <name>".
// Only the secret is private, as in Rocket.Chat.
func CustomOAuth(name string) []*model.Setting {
	var b builder
	b.group("OAuth")
	b.section("Custom OAuth: " + name)
	k := "Accounts_OAuth_Custom-" + name
	b.boolean(k, false, public)
	k += "-"
	b.str(k+"url", "", public)
	b.str(k+"token_path", "/oauth/token", public)
	b.choice(k+"token_sent_via", "payload", public, opt("header", "Header"), opt("payload", "Payload"))
	b.choice(k+"identity_token_sent_via", "default", public, opt("default", "Same_As_Token_Sent_Via"), opt("header", "Header"), opt("payload", "Payload"))
	b.str(k+"identity_path", "/me", public)
	b.str(k+"authorize_path", "/oauth/authorize", public)
	b.str(k+"scope", "openid", public)
	b.str(k+"access_token_param", "access_token", public)
	b.str(k+"id", "", public)
	b.add(k+"secret", TypeString, "", private)
	b.choice(k+"login_style", "popup", public, opt("redirect", "Redirect"), opt("popup", "Popup"), opt("", "Default"))
	b.str(k+"button_label_text", "", public)
	b.str(k+"button_label_color", "#FFFFFF", public)
	b.str(k+"button_color", "#1d74f5", public)
	b.choice(k+"key_field", "username", public, opt("username", "Username"), opt("email", "Email"))
	b.str(k+"username_field", "", public)
	b.str(k+"email_field", "", public)
	b.str(k+"name_field", "", public)
	b.str(k+"avatar_field", "", public)
	b.str(k+"roles_claim", "role", public)
	b.str(k+"groups_claim", "groups", public)
	b.str(k+"channels_admin", "rocket.cat", public)
	b.boolean(k+"map_channels", false, public)
	b.boolean(k+"merge_roles", false, public)
	b.str(k+"roles_to_sync", "", public)
	b.boolean(k+"merge_users", false, public)
	b.boolean(k+"merge_users_distinct_services", false, public)
	b.boolean(k+"show_button", true, public)
	b.code(k+"groups_channel_map", "{\n\t\"rocket-admin\": \"admin\",\n\t\"tech-support\": \"support\"\n}", public)
	return b.out
}
