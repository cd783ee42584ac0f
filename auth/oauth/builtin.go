package oauth

import (
	"fmt"
	"strings"

	"liftoff/auth/provider"
)

// Built-in service names.
const (
	Google = "google"
	GitHub = "github"
	GitLab = "gitlab"
	Apple  = "apple"
)

// builtinEnabled maps a built-in service to its switch setting.
var builtinEnabled = map[string]string{
	Google: "Accounts_OAuth_Google",
	GitHub: "Accounts_OAuth_Github",
	GitLab: "Accounts_OAuth_Gitlab",
	Apple:  "Accounts_OAuth_Apple",
}

// BuiltinEnabled reports whether a built-in service's switch is on.
func BuiltinEnabled(r SettingsReader, name string) bool {
	id, ok := builtinEnabled[name]
	return ok && r.Bool(id)
}

// BuiltinConfig reads a built-in service (google, github, gitlab, apple)
// from its Rocket.Chat settings. trustEmail is
// Accounts_Verify_Email_For_External_Accounts.
func BuiltinConfig(r SettingsReader, name string, trustEmail bool) (Config, error) {
	var c Config
	switch name {
	case Google:
		c = GooglePreset(r.String("Accounts_OAuth_Google_id"), r.String("Accounts_OAuth_Google_secret"))
	case GitHub:
		c = GitHubPreset(r.String("Accounts_OAuth_Github_id"), r.String("Accounts_OAuth_Github_secret"))
	case GitLab:
		c = GitLabPreset(r.String("API_Gitlab_URL"), r.String("Accounts_OAuth_Gitlab_id"), r.String("Accounts_OAuth_Gitlab_secret"))
		if p := strings.TrimSpace(r.String("Accounts_OAuth_Gitlab_identity_path")); p != "" {
			c.IdentityURL = joinURL(c.ServerURL, p)
		}
		c.MergeUsers = r.Bool("Accounts_OAuth_Gitlab_merge_users")
	case Apple:
		c = ApplePreset(r.String("Accounts_OAuth_Apple_id"), r.String("Accounts_OAuth_Apple_secretKey"),
			r.String("Accounts_OAuth_Apple_iss"), r.String("Accounts_OAuth_Apple_kid"))
	default:
		return Config{}, fmt.Errorf("oauth: %q is not a built-in service", name)
	}
	c.TrustEmail = trustEmail && c.TrustEmail
	return c, c.Validate()
}

func builtin(name string) Config {
	return Config{Name: name, TokenSentVia: SentViaPayload, IdentityTokenSentVia: SentViaHeader, AccessTokenParam: "access_token",
		KeyField: "email", MergeUsers: true, ShowButton: true, ButtonLabelColor: "#FFFFFF", ButtonColor: "#1d74f5",
		ChannelsMap: provider.GroupMap{}, RolesClaim: "roles", GroupsClaim: "groups"}
}

// GooglePreset is Google's OpenID Connect service. Google marks addresses
// verified itself (email_verified).
func GooglePreset(clientID, secret string) Config {
	c := builtin(Google)
	c.Issuer = "https://accounts.google.com"
	c.Scopes = []string{"openid", "email", "profile"}
	c.ClientID, c.ClientSecret = strings.TrimSpace(clientID), secret
	c.NameField, c.AvatarField = "name", "picture"
	c.ButtonLabelText = "Google"
	return c
}

// GitHubPreset is GitHub's OAuth service; addresses and their verified
// flag come from /user/emails.
func GitHubPreset(clientID, secret string) Config {
	c := builtin(GitHub)
	c.ServerURL = "https://github.com"
	c.AuthorizeURL = "https://github.com/login/oauth/authorize"
	c.TokenURL = "https://github.com/login/oauth/access_token"
	c.IdentityURL = "https://api.github.com/user"
	c.EmailsURL = "https://api.github.com/user/emails"
	c.Scopes = []string{"user:email"}
	c.ClientID, c.ClientSecret = strings.TrimSpace(clientID), secret
	c.UsernameField, c.NameField, c.AvatarField = "login", "name", "avatar_url"
	c.ButtonLabelText = "GitHub"
	return c
}

// GitLabPreset is a GitLab server's OAuth service (gitlab.com when
// serverURL is empty). GitLab lists only confirmed addresses as the
// user's e-mail.
func GitLabPreset(serverURL, clientID, secret string) Config {
	c := builtin(GitLab)
	c.ServerURL = strings.TrimRight(orDefault(serverURL, "https://gitlab.com"), "/")
	c.AuthorizeURL = c.ServerURL + "/oauth/authorize"
	c.TokenURL = c.ServerURL + "/oauth/token"
	c.IdentityURL = c.ServerURL + "/api/v4/user"
	c.Scopes = []string{"read_user"}
	c.ClientID, c.ClientSecret = strings.TrimSpace(clientID), secret
	c.UsernameField, c.NameField, c.AvatarField = "username", "name", "avatar_url"
	c.KeyField, c.MergeUsers = "username", false
	c.TrustEmail = true
	c.ButtonLabelText = "GitLab"
	return c
}

// ApplePreset is Sign in with Apple: OpenID Connect without a userinfo
// endpoint (the identity is the ID token), the answer posted back
// (response_mode=form_post), and a client secret that is a JWT signed with
// the team's key (privateKeyPEM, teamID, keyID).
func ApplePreset(clientID, privateKeyPEM, teamID, keyID string) Config {
	c := builtin(Apple)
	c.Issuer = "https://appleid.apple.com"
	c.ServerURL = "https://appleid.apple.com"
	c.AuthorizeURL = "https://appleid.apple.com/auth/authorize"
	c.TokenURL = "https://appleid.apple.com/auth/token"
	c.Scopes = []string{"name", "email"}
	c.ResponseMode = "form_post"
	c.ClientID = strings.TrimSpace(clientID)
	c.AppleKey, c.AppleTeamID, c.AppleKeyID = privateKeyPEM, strings.TrimSpace(teamID), strings.TrimSpace(keyID)
	c.ButtonLabelText = "Apple"
	return c
}

// MicrosoftPreset is Microsoft Entra ID (Azure AD) for one tenant (its id
// or domain; "common" cannot be verified, as each token names its own
// tenant as issuer), as a custom service named "microsoft".
func MicrosoftPreset(tenant, clientID, secret string) Config {
	base := "https://login.microsoftonline.com/" + strings.TrimSpace(tenant)
	c := Config{Name: "microsoft", Custom: true, ServerURL: base, Issuer: base + "/v2.0",
		AuthorizeURL: base + "/oauth2/v2.0/authorize", TokenURL: base + "/oauth2/v2.0/token",
		IdentityURL: "https://graph.microsoft.com/oidc/userinfo",
		Scopes:      []string{"openid", "email", "profile"}, ClientID: strings.TrimSpace(clientID), ClientSecret: secret,
		TokenSentVia: SentViaPayload, IdentityTokenSentVia: SentViaHeader, AccessTokenParam: "access_token",
		KeyField: "email", UsernameField: "{{/^([^@]+)@/::email}}", NameField: "name",
		RolesClaim: "roles", GroupsClaim: "groups", ShowButton: true, ChannelsMap: provider.GroupMap{},
		ButtonLabelText: "Microsoft", ButtonLabelColor: "#FFFFFF", ButtonColor: "#2f2f2f"}
	return c
}

// KeycloakPreset is a Keycloak realm (realmURL: https://host/realms/NAME,
// the realm's issuer) as a custom service named "keycloak".
func KeycloakPreset(realmURL, clientID, secret string) Config {
	base := strings.TrimRight(strings.TrimSpace(realmURL), "/")
	return Config{Name: "keycloak", Custom: true, ServerURL: base, Issuer: base,
		AuthorizeURL: base + "/protocol/openid-connect/auth", TokenURL: base + "/protocol/openid-connect/token",
		IdentityURL: base + "/protocol/openid-connect/userinfo",
		Scopes:      []string{"openid", "email", "profile"}, ClientID: strings.TrimSpace(clientID), ClientSecret: secret,
		TokenSentVia: SentViaHeader, IdentityTokenSentVia: SentViaHeader, AccessTokenParam: "access_token",
		KeyField: "username", UsernameField: "preferred_username", NameField: "name",
		RolesClaim: "roles", GroupsClaim: "groups", ShowButton: true, ChannelsMap: provider.GroupMap{},
		ButtonLabelText: "Keycloak", ButtonLabelColor: "#FFFFFF", ButtonColor: "#1d74f5"}
}
