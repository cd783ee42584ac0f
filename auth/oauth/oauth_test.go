package oauth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"liftoff/auth/pending"
)

func TestFieldValue(t *testing.T) {
	var data map[string]any
	_ = json.Unmarshal([]byte(`{"id": 42, "email": "alice.l@corp.example", "user": {"profile": {"name": "Alice"}},
		"emails": [{"address": "a@x"}], "flag": true}`), &data)
	tests := []struct{ field, want string }{
		{"email", "alice.l@corp.example"},
		{"id", "42"},
		{"user.profile.name", "Alice"},
		{"emails.0.address", "a@x"},
		{"missing.path", ""},
		{"{{/^([^@]+)@/::email}}", "alice.l"},
		{"{{user.profile.name}} <{{email}}>", "Alice <alice.l@corp.example>"},
		{"x-{{/corp/::email}}", "x-corp"},
		{"{{/^nomatch$/::email}}", ""},
		{"flag", "true"},
	}
	for _, tc := range tests {
		got, err := fieldValue(tc.field, data)
		if err != nil || got != tc.want {
			t.Fatalf("%q: %q %v, want %q", tc.field, got, err, tc.want)
		}
	}
	if _, err := fieldValue("{{/([/::email}}", data); err == nil {
		t.Fatal("a broken regular expression was accepted")
	}
}

func TestNormalize(t *testing.T) {
	cases := []struct{ in, id, email string }{
		{`{"sub": "s1"}`, "s1", ""},
		{`{"ID": 7, "user_id": "u"}`, "7", ""},
		{`{"_id": "m", "emails": [{"address": "m@x"}]}`, "m", "m@x"},
		{`{"ocs": {"data": {"id": "nc", "email": "nc@x", "displayname": "N"}}}`, "nc", "nc@x"},
		{`{"result": {"id": "r"}}`, "r", ""},
		{`{"id": "keep", "sub": "other"}`, "keep", ""},
	}
	for _, c := range cases {
		var m map[string]any
		_ = json.Unmarshal([]byte(c.in), &m)
		out := normalize(m)
		if text(out["id"]) != c.id || text(out["email"]) != c.email {
			t.Fatalf("%s: %v", c.in, out)
		}
	}
}

func TestSettings(t *testing.T) {
	ids := []string{"Accounts_OAuth_Custom-Dex", "Accounts_OAuth_Custom-Dex-url", "Accounts_OAuth_Custom-Keycloak",
		"Accounts_OAuth_Google", "Accounts_OAuth_Custom-Dex"}
	if got := CustomServiceNames(ids); !slices.Equal(got, []string{"Dex", "Keycloak"}) {
		t.Fatalf("names %v", got)
	}
	if NormalizeCustomName("My Keycloak!") != "Mykeycloak" || NormalizeCustomName("!!") != "" {
		t.Fatal(NormalizeCustomName("My Keycloak!"))
	}
	c, err := CustomConfig(settingsMap{"Accounts_OAuth_Custom-Corp-url": "https://sso.corp.example/",
		"Accounts_OAuth_Custom-Corp-id": "cid"}, "Corp", true)
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != "corp" || c.AuthorizeURL != "https://sso.corp.example/oauth/authorize" || c.TokenURL != "https://sso.corp.example/oauth/token" ||
		c.IdentityURL != "https://sso.corp.example/me" || !slices.Equal(c.Scopes, []string{"openid"}) || c.KeyField != "username" ||
		c.TokenSentVia != "payload" || c.IdentityTokenSentVia != "payload" || c.Issuer != "https://sso.corp.example" || !c.OptionalIssuer {
		t.Fatalf("defaults %+v", c)
	}
	p := c.Policy(true)
	if p.MatchBy != "username" || p.Merge || !p.Create {
		t.Fatalf("policy %+v", p)
	}
	c2, err := CustomConfig(settingsMap{"Accounts_OAuth_Custom-Corp-url": "https://sso.corp.example",
		"Accounts_OAuth_Custom-Corp-id": "cid", "Accounts_OAuth_Custom-Corp-token_path": "https://other.example/token"}, "Corp", true)
	if err != nil || c2.TokenURL != "https://other.example/token" {
		t.Fatalf("absolute path: %v %v", c2.TokenURL, err)
	}
	for _, bad := range []settingsMap{
		{"Accounts_OAuth_Custom-Corp-url": "https://sso.corp.example"},
		{"Accounts_OAuth_Custom-Corp-url": "ftp://x", "Accounts_OAuth_Custom-Corp-id": "c"},
		{"Accounts_OAuth_Custom-Corp-url": "https://x", "Accounts_OAuth_Custom-Corp-id": "c", "Accounts_OAuth_Custom-Corp-key_field": "phone"},
		{"Accounts_OAuth_Custom-Corp-url": "https://x", "Accounts_OAuth_Custom-Corp-id": "c", "Accounts_OAuth_Custom-Corp-groups_channel_map": "{"},
	} {
		if _, err := CustomConfig(bad, "Corp", true); err == nil {
			t.Fatalf("%v accepted", bad)
		}
	}
	for _, name := range []string{Google, GitHub, GitLab, Apple} {
		s := settingsMap{"Accounts_OAuth_Google_id": "g", "Accounts_OAuth_Github_id": "h", "Accounts_OAuth_Gitlab_id": "l", "Accounts_OAuth_Apple_id": "a"}
		if _, err := BuiltinConfig(s, name, true); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	for _, c := range []Config{MicrosoftPreset("contoso.onmicrosoft.com", "id", "s"), KeycloakPreset("https://kc/realms/r", "id", "s")} {
		if err := c.Validate(); err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		vals := c.CustomSettings()
		back, err := CustomConfig(settingsMap(stringsOnly(vals)), NormalizeCustomName(c.Name), true)
		if err != nil || back.AuthorizeURL != c.AuthorizeURL || back.TokenURL != c.TokenURL || back.IdentityURL != c.IdentityURL {
			t.Fatalf("%s round trip: %+v %v", c.Name, back, err)
		}
	}
}

func stringsOnly(m map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	return out
}

func TestMeteorState(t *testing.T) {
	r, err := ParseMeteorState(meteorState("tok-123456789012345"))
	if err != nil || r.CredentialToken != "tok-123456789012345" || r.LoginStyle != "popup" {
		t.Fatalf("%+v %v", r, err)
	}
	if _, err := ParseMeteorState("%%%"); err == nil {
		t.Fatal("garbage accepted")
	}
	r, _ = BeginRequestFromQuery(map[string][]string{"credentialToken": {"x"}, "loginStyle": {"redirect"}, "isCordova": {"true"}})
	if r.CredentialToken != "x" || r.LoginStyle != "redirect" || !r.IsCordova {
		t.Fatalf("%+v", r)
	}
}

func TestEndOfLoginPage(t *testing.T) {
	rec := httptest.NewRecorder()
	err := WriteEndOfLogin(rec, &Completion{CredentialToken: "tok</script><b>", CredentialSecret: "sec", LoginStyle: "popup"})
	if err != nil {
		t.Fatal(err)
	}
	body := rec.Body.String()
	if strings.Contains(body, "tok</script>") || !strings.Contains(body, `"credentialSecret":"sec"`) ||
		!strings.Contains(body, `"setCredentialToken":true`) || rec.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("page:\n%s", body)
	}
	rec = httptest.NewRecorder()
	_ = WriteEndOfLogin(rec, &Completion{CredentialToken: "tok", LoginStyle: "redirect", RedirectURL: "http://s/", Err: ErrDenied})
	if b := rec.Body.String(); strings.Contains(b, `"credentialSecret":`) || !strings.Contains(b, `"setCredentialToken":false`) {
		t.Fatalf("failure page:\n%s", b)
	}
}

func TestAppleClientSecret(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(key)
	keyPEM := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	now := time.Unix(1_800_000_000, 0)
	s, err := signAppleSecret(keyPEM, "TEAM123", "KEY456", "org.example.chat", now, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.ParseSigned(s, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatal(err)
	}
	var c jwt.Claims
	if err := tok.Claims(&key.PublicKey, &c); err != nil {
		t.Fatal(err)
	}
	if c.Issuer != "TEAM123" || c.Subject != "org.example.chat" || !slices.Equal([]string(c.Audience), []string{"https://appleid.apple.com"}) ||
		tok.Headers[0].KeyID != "KEY456" || c.Expiry.Time().Sub(c.IssuedAt.Time()) != time.Hour {
		t.Fatalf("claims %+v header %+v", c, tok.Headers[0])
	}
	if _, err := signAppleSecret("not pem", "t", "k", "c", now, time.Hour); err == nil {
		t.Fatal("a broken key was accepted")
	}
}

// TestGitHubEmails checks the address choice on GitHub's /user/emails
// shape, served locally (GitHub itself is not reachable from tests).
func TestGitHubEmails(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok" {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		switch r.URL.Path {
		case "/user":
			_, _ = w.Write([]byte(`{"id": 583231, "login": "octocat", "name": "The Octocat", "email": null, "avatar_url": "https://a/x.png"}`))
		case "/user/emails":
			_, _ = w.Write([]byte(`[{"email": "old@x", "verified": false, "primary": false},
				{"email": "second@x", "verified": true, "primary": false},
				{"email": "octo@github.example", "verified": true, "primary": true}]`))
		}
	}))
	defer srv.Close()
	c := GitHubPreset("id", "secret")
	c.IdentityURL, c.EmailsURL = srv.URL+"/user", srv.URL+"/user/emails"
	f, err := NewFlow(c, Options{SiteURL: siteURL, States: pending.NewMemory(0, nil), Credentials: pending.NewCredentials(pending.NewMemory(0, nil), 0)})
	if err != nil {
		t.Fatal(err)
	}
	id, err := f.IdentityFromAccessToken(context.Background(), "tok")
	if err != nil {
		t.Fatal(err)
	}
	if id.ID != "583231" || id.Username != "octocat" || id.Email != "octo@github.example" || !id.EmailVerified ||
		id.Name != "The Octocat" || id.AvatarURL != "https://a/x.png" {
		t.Fatalf("identity %+v", id)
	}
	if _, err := f.IdentityFromAccessToken(context.Background(), "other"); err == nil {
		t.Fatal("a rejected token gave an identity")
	}
}
