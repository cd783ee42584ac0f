package oauth

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"liftoff/auth/provider"
)

// SettingsReader is the part of the settings registry the package reads.
type SettingsReader interface {
	Bool(id string) bool
	String(id string) string
}

// Token and identity token transport (token_sent_via, identity_token_sent_via).
const (
	SentViaHeader  = "header"
	SentViaPayload = "payload"
)

// Login styles (login_style).
const (
	LoginStylePopup    = "popup"
	LoginStyleRedirect = "redirect"
)

// Config is one OAuth service.
type Config struct {
	// Name is the service's name, lower case: the route /_oauth/<name>, the
	// key of the account link (services.<name>) and of login calls.
	Name string
	// Custom marks Rocket.Chat's custom services (login service
	// configuration's custom: true).
	Custom bool
	// ServerURL is the provider's base URL (custom url setting).
	ServerURL string
	// AuthorizeURL, TokenURL and IdentityURL are absolute: the custom
	// paths are joined to ServerURL unless they are URLs themselves.
	AuthorizeURL string
	TokenURL     string
	IdentityURL  string
	// EmailsURL, when set, lists the user's addresses with their verified
	// flag (GitHub's /user/emails), for providers whose identity lacks them.
	EmailsURL string
	// Issuer, when set, makes the service OpenID Connect: endpoints come
	// from the issuer's discovery document when the URLs above are empty,
	// and ID tokens are verified against its JWKS, with a nonce.
	Issuer string
	// OptionalIssuer (custom services asking for the openid scope): try
	// OpenID Connect discovery at ServerURL; a server that has no discovery
	// document (404) or names another issuer is used as plain OAuth 2.
	OptionalIssuer bool
	// Scopes requested (scope setting, space-separated).
	Scopes []string
	// ClientID and ClientSecret (id, secret settings).
	ClientID     string
	ClientSecret string
	// LoginStyle is "popup", "redirect" or "" (the client chooses).
	LoginStyle string
	// TokenSentVia: how the client credentials reach the token endpoint
	// ("header": HTTP Basic; "payload": form fields).
	TokenSentVia string
	// IdentityTokenSentVia: how the access token reaches the identity
	// endpoint ("header": Bearer; "payload": the AccessTokenParam query).
	IdentityTokenSentVia string
	AccessTokenParam     string
	// KeyField: "username" or "email", the attribute matched against
	// existing accounts.
	KeyField string
	// Field maps: dotted paths into the identity JSON, or templates with
	// {{path}} and {{/regex/::path}} parts ("" : the usual fields).
	UsernameField string
	EmailField    string
	NameField     string
	AvatarField   string
	// RolesClaim and GroupsClaim name the identity fields holding roles and groups.
	RolesClaim  string
	GroupsClaim string
	// MergeRoles syncs roles from RolesClaim; RolesToSync limits which.
	MergeRoles  bool
	RolesToSync []string
	// MapChannels joins users to the channels ChannelsMap maps their
	// groups to; ChannelsAdmin creates missing ones.
	MapChannels   bool
	ChannelsMap   provider.GroupMap
	ChannelsAdmin string
	// MergeUsers joins existing accounts matched by KeyField;
	// MergeUsersDistinctServices also joins accounts linked elsewhere.
	MergeUsers                 bool
	MergeUsersDistinctServices bool
	// TrustEmail marks the provider's addresses verified when it does not
	// say so itself (Accounts_Verify_Email_For_External_Accounts).
	TrustEmail bool
	// Button on the login page.
	ShowButton       bool
	ButtonLabelText  string
	ButtonLabelColor string
	ButtonColor      string
	// Apple: the private key (PEM), team id and key id that sign the
	// client secret, which Apple wants as a short-lived JWT.
	AppleKey, AppleTeamID, AppleKeyID string
	// ResponseMode is sent as response_mode ("form_post" for Apple).
	ResponseMode string
	// AuthParams are extra authorization parameters.
	AuthParams map[string]string
}

var customName = regexp.MustCompile(`(?i)^Accounts_OAuth_Custom-([a-z0-9_]+)$`)

// CustomServiceNames returns the names of the custom services among
// setting ids (the boolean Accounts_OAuth_Custom-<Name> setting of each),
// as they appear in the ids (Rocket.Chat capitalises them).
func CustomServiceNames(settingIDs []string) []string {
	var out []string
	for _, id := range settingIDs {
		if m := customName.FindStringSubmatch(id); m != nil && !slices.Contains(out, m[1]) {
			out = append(out, m[1])
		}
	}
	slices.Sort(out)
	return out
}

// NormalizeCustomName is Rocket.Chat's name rule for a new custom service:
// lower case letters, digits and '_' only, then capitalised ("my keycloak!"
// becomes "Mykeycloak").
func NormalizeCustomName(name string) string {
	name = strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '_':
			return r
		}
		return -1
	}, strings.ToLower(name))
	if name == "" {
		return ""
	}
	return strings.ToUpper(name[:1]) + name[1:]
}

func joinURL(base, path string) string {
	if u, err := url.Parse(path); err == nil && u.Scheme != "" && u.Host != "" {
		return path
	}
	return strings.TrimRight(base, "/") + path
}

func orDefault(v, def string) string {
	if strings.TrimSpace(v) == "" {
		return def
	}
	return strings.TrimSpace(v)
}

// CustomEnabled reports whether the custom service's switch is on.
func CustomEnabled(r SettingsReader, name string) bool {
	return r.Bool("Accounts_OAuth_Custom-" + name)
}

// CustomConfig reads the custom service <name> (as in its setting ids)
// from its Accounts_OAuth_Custom-<name>-* settings, with Rocket.Chat's
// defaults. trustEmail is Accounts_Verify_Email_For_External_Accounts.
func CustomConfig(r SettingsReader, name string, trustEmail bool) (Config, error) {
	k := "Accounts_OAuth_Custom-" + name + "-"
	get := func(s string) string { return r.String(k + s) }
	server := strings.TrimRight(strings.TrimSpace(get("url")), "/")
	c := Config{
		Name:                       strings.ToLower(name),
		Custom:                     true,
		ServerURL:                  server,
		AuthorizeURL:               joinURL(server, orDefault(get("authorize_path"), "/oauth/authorize")),
		TokenURL:                   joinURL(server, orDefault(get("token_path"), "/oauth/token")),
		IdentityURL:                joinURL(server, orDefault(get("identity_path"), "/me")),
		Scopes:                     strings.Fields(orDefault(get("scope"), "openid")),
		ClientID:                   strings.TrimSpace(get("id")),
		ClientSecret:               get("secret"),
		LoginStyle:                 get("login_style"),
		TokenSentVia:               orDefault(get("token_sent_via"), SentViaPayload),
		IdentityTokenSentVia:       get("identity_token_sent_via"),
		AccessTokenParam:           orDefault(get("access_token_param"), "access_token"),
		KeyField:                   orDefault(get("key_field"), "username"),
		UsernameField:              strings.TrimSpace(get("username_field")),
		EmailField:                 strings.TrimSpace(get("email_field")),
		NameField:                  strings.TrimSpace(get("name_field")),
		AvatarField:                strings.TrimSpace(get("avatar_field")),
		RolesClaim:                 orDefault(get("roles_claim"), "roles"),
		GroupsClaim:                orDefault(get("groups_claim"), "groups"),
		MergeRoles:                 r.Bool(k + "merge_roles"),
		RolesToSync:                splitList(get("roles_to_sync")),
		MapChannels:                r.Bool(k + "map_channels"),
		ChannelsAdmin:              orDefault(get("channels_admin"), "rocket.cat"),
		MergeUsers:                 r.Bool(k + "merge_users"),
		MergeUsersDistinctServices: r.Bool(k + "merge_users_distinct_services"),
		ShowButton:                 r.Bool(k + "show_button"),
		ButtonLabelText:            get("button_label_text"),
		ButtonLabelColor:           orDefault(get("button_label_color"), "#FFFFFF"),
		ButtonColor:                orDefault(get("button_color"), "#1d74f5"),
		TrustEmail:                 trustEmail,
	}
	if slices.Contains(c.Scopes, "openid") {
		c.Issuer, c.OptionalIssuer = server, true
	}
	if c.IdentityTokenSentVia == "" || c.IdentityTokenSentVia == "default" {
		c.IdentityTokenSentVia = c.TokenSentVia
	}
	var err error
	if c.ChannelsMap, err = provider.ParseGroupMap(get("groups_channel_map")); err != nil {
		return c, fmt.Errorf("oauth %s: groups_channel_map: %w", name, err)
	}
	return c, c.Validate()
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Validate reports a service that cannot work.
func (c Config) Validate() error {
	if c.Name == "" || NormalizeCustomName(c.Name) == "" || strings.ToLower(NormalizeCustomName(c.Name)) != c.Name {
		return fmt.Errorf("oauth: invalid service name %q", c.Name)
	}
	if c.ClientID == "" {
		return fmt.Errorf("oauth %s: no client id", c.Name)
	}
	httpURL := func(u string) bool {
		p, err := url.Parse(u)
		return err == nil && (p.Scheme == "https" || p.Scheme == "http") && p.Host != ""
	}
	for what, u := range map[string]string{"authorize": c.AuthorizeURL, "token": c.TokenURL, "identity": c.IdentityURL, "issuer": c.Issuer} {
		if u != "" && !httpURL(u) {
			return fmt.Errorf("oauth %s: the %s URL %q is not an http(s) URL", c.Name, what, u)
		}
	}
	if c.Issuer == "" && (c.AuthorizeURL == "" || c.TokenURL == "") {
		return fmt.Errorf("oauth %s: no authorization or token URL", c.Name)
	}
	switch c.TokenSentVia {
	case SentViaHeader, SentViaPayload:
	default:
		return fmt.Errorf("oauth %s: token_sent_via %q is not header or payload", c.Name, c.TokenSentVia)
	}
	switch c.KeyField {
	case "username", "email":
	default:
		return fmt.Errorf("oauth %s: key_field %q is not username or email", c.Name, c.KeyField)
	}
	switch c.LoginStyle {
	case "", LoginStylePopup, LoginStyleRedirect:
	default:
		return fmt.Errorf("oauth %s: login_style %q is not popup or redirect", c.Name, c.LoginStyle)
	}
	return nil
}

// Policy is what the service's settings say about local accounts.
// allowCreate is Accounts_Registration_AuthenticationServices_Enabled.
func (c Config) Policy(allowCreate bool) provider.Policy {
	return provider.Policy{MatchBy: provider.MatchBy(c.KeyField), Merge: c.MergeUsers,
		MergeLinkedToOther: c.MergeUsersDistinctServices, Create: allowCreate,
		OverwriteName: c.MergeUsers, OverwriteEmail: c.MergeUsers && c.KeyField == "username"}
}

// CustomSettings returns the Accounts_OAuth_Custom-<Name>-* values that
// make up this service (Name capitalised as Rocket.Chat does), for creating
// a custom service from a preset (addOAuthService with values).
func (c Config) CustomSettings() map[string]any {
	name := NormalizeCustomName(c.Name)
	k := "Accounts_OAuth_Custom-" + name
	path := func(u string) string {
		if c.ServerURL != "" && strings.HasPrefix(u, c.ServerURL) {
			return strings.TrimPrefix(u, c.ServerURL)
		}
		return u
	}
	return map[string]any{
		k:                              true,
		k + "-url":                     c.ServerURL,
		k + "-authorize_path":          path(c.AuthorizeURL),
		k + "-token_path":              path(c.TokenURL),
		k + "-identity_path":           path(c.IdentityURL),
		k + "-scope":                   strings.Join(c.Scopes, " "),
		k + "-id":                      c.ClientID,
		k + "-secret":                  c.ClientSecret,
		k + "-login_style":             orDefault(c.LoginStyle, LoginStylePopup),
		k + "-token_sent_via":          c.TokenSentVia,
		k + "-identity_token_sent_via": c.IdentityTokenSentVia,
		k + "-access_token_param":      orDefault(c.AccessTokenParam, "access_token"),
		k + "-key_field":               c.KeyField,
		k + "-username_field":          c.UsernameField,
		k + "-email_field":             c.EmailField,
		k + "-name_field":              c.NameField,
		k + "-avatar_field":            c.AvatarField,
		k + "-roles_claim":             orDefault(c.RolesClaim, "roles"),
		k + "-groups_claim":            orDefault(c.GroupsClaim, "groups"),
		k + "-merge_users":             c.MergeUsers,
		k + "-show_button":             true,
		k + "-button_label_text":       c.ButtonLabelText,
		k + "-button_label_color":      orDefault(c.ButtonLabelColor, "#FFFFFF"),
		k + "-button_color":            orDefault(c.ButtonColor, "#1d74f5"),
	}
}
