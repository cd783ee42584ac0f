package oauth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"liftoff/auth/pending"
	"liftoff/internal/peer"
)

const (
	dexClientID = "chat-server"
	dexSecret   = "chat-secret"
	siteURL     = "http://127.0.0.1:3999"
)

// startDex runs Dex with a static client and two static users, and returns
// its issuer URL.
func startDex(t *testing.T) string {
	t.Helper()
	bin := peer.Path(t, "dex")
	hash, err := bcrypt.GenerateFromPassword([]byte("password"), bcrypt.DefaultCost)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	port := peer.FreePort(t)
	issuer := fmt.Sprintf("http://127.0.0.1:%d/dex", port)
	conf := fmt.Sprintf(`issuer: %s
storage: {type: memory}
web: {http: 127.0.0.1:%d}
logger: {level: warn}
oauth2:
  skipApprovalScreen: true
  responseTypes: [code]
enablePasswordDB: true
staticPasswords:
  - email: alice@example.org
    hash: %q
    username: alice
    name: Alice Liddell
    preferredUsername: alice
    userID: "08a8684b-db88-4b73-90a9-3cd1661f5466"
    groups: [admin, devs]
  - email: bob@example.org
    hash: %q
    username: bob
    userID: "41331323-6f44-45e6-b3b9-2c4b60c02be5"
staticClients:
  - id: %s
    secret: %s
    name: Chat Server
    redirectURIs: [%s/_oauth/dex]
`, issuer, port, hash, hash, dexClientID, dexSecret, siteURL)
	if err := os.WriteFile(filepath.Join(dir, "config.yaml"), []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	p := peer.Start(t, peer.Options{Dir: dir}, bin, "serve", filepath.Join(dir, "config.yaml"))
	p.WaitHTTP(t, issuer+"/.well-known/openid-configuration", 30*time.Second)
	// Dex makes its signing key a moment after it starts answering.
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(issuer + "/keys")
		if err == nil {
			var keys struct{ Keys []any }
			_ = json.NewDecoder(resp.Body).Decode(&keys)
			resp.Body.Close()
			if len(keys.Keys) > 0 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("dex published no signing key:\n%s", p.Logs())
		}
		time.Sleep(50 * time.Millisecond)
	}
	return issuer
}

type settingsMap map[string]any

func (s settingsMap) Bool(id string) bool { b, _ := s[id].(bool); return b }
func (s settingsMap) String(id string) string {
	v, _ := s[id].(string)
	return v
}

func dexSettings(issuer string) settingsMap {
	k := "Accounts_OAuth_Custom-Dex-"
	return settingsMap{
		"Accounts_OAuth_Custom-Dex": true,
		k + "url":                   issuer, k + "authorize_path": "/auth", k + "token_path": "/token", k + "identity_path": "/userinfo",
		k + "scope": "openid email profile groups", k + "id": dexClientID, k + "secret": dexSecret,
		k + "token_sent_via": "header", k + "identity_token_sent_via": "default", k + "key_field": "email",
		k + "username_field": "{{/^([^@]+)@/::email}}", k + "name_field": "name",
		k + "roles_claim": "groups", k + "merge_roles": true, k + "roles_to_sync": "admin",
		k + "map_channels": true, k + "groups_channel_map": `{"devs": "engineering", "admin": ["staff"]}`,
		k + "login_style": "popup",
	}
}

type dexEnv struct {
	flow   *Flow
	states *pending.Memory
	creds  *pending.Credentials
}

func newDexFlow(t *testing.T, s settingsMap) *dexEnv {
	t.Helper()
	cfg, err := CustomConfig(s, "Dex", false)
	if err != nil {
		t.Fatal(err)
	}
	env := &dexEnv{states: pending.NewMemory(0, nil)}
	env.creds = pending.NewCredentials(pending.NewMemory(0, nil), 0)
	env.flow, err = NewFlow(cfg, Options{SiteURL: siteURL, States: env.states, Credentials: env.creds})
	if err != nil {
		t.Fatal(err)
	}
	return env
}

var formAction = regexp.MustCompile(`<form[^>]*action="([^"]*)"`)

// browse drives Dex like a browser: it follows the redirects to the login
// form, posts the user's credentials, and returns the callback parameters
// Dex redirects to (without calling the site, which this test has none of).
func browse(t *testing.T, authURL, login, password string) url.Values {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	var callback *url.URL
	client := &http.Client{Jar: jar, Timeout: 20 * time.Second,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if strings.HasPrefix(req.URL.String(), siteURL+"/") {
				callback = req.URL
				return http.ErrUseLastResponse
			}
			return nil
		}}
	resp, err := client.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if callback != nil {
		return callback.Query()
	}
	m := formAction.FindSubmatch(body)
	if m == nil {
		t.Fatalf("no login form at %s (%s):\n%s", resp.Request.URL, resp.Status, body)
	}
	action, err := resp.Request.URL.Parse(strings.ReplaceAll(string(m[1]), "&amp;", "&"))
	if err != nil {
		t.Fatal(err)
	}
	resp, err = client.PostForm(action.String(), url.Values{"login": {login}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if callback == nil {
		t.Fatalf("login did not redirect to the site (%s):\n%s", resp.Status, body)
	}
	return callback.Query()
}

func meteorState(token string) string {
	b, _ := json.Marshal(map[string]any{"loginStyle": "popup", "credentialToken": token, "isCordova": false})
	return base64.StdEncoding.EncodeToString(b)
}

func TestDex(t *testing.T) {
	issuer := startDex(t)
	ctx := context.Background()
	env := newDexFlow(t, dexSettings(issuer))

	signIn := func(t *testing.T, token string) (*Completion, url.Values) {
		t.Helper()
		req, err := BeginRequestFromQuery(url.Values{"state": {meteorState(token)}})
		if err != nil {
			t.Fatal(err)
		}
		authURL, err := env.flow.Begin(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(authURL)
		q := u.Query()
		if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("nonce") == "" ||
			q.Get("redirect_uri") != siteURL+"/_oauth/dex" || len(q.Get("state")) < 40 || strings.Contains(authURL, token) {
			t.Fatalf("authorization URL %s", authURL)
		}
		params := browse(t, authURL, "alice@example.org", "password")
		c, err := env.flow.Complete(ctx, params)
		if err != nil {
			t.Fatal(err)
		}
		if c.Err != nil {
			t.Fatalf("sign-in failed: %v", c.Err)
		}
		return c, params
	}

	lsc := env.flow.LoginServiceConfiguration()
	if lsc.Service != "dex" || !lsc.Custom || lsc.ServerURL != siteURL || lsc.AuthorizePath != "/_oauth/dex/authorize" ||
		lsc.ClientID != dexClientID || lsc.Scope != "openid email profile groups" {
		t.Fatalf("login service configuration %+v", lsc)
	}
	if b, _ := json.Marshal(lsc); strings.Contains(string(b), dexSecret) {
		t.Fatalf("the secret is published: %s", b)
	}

	var firstID string
	t.Run("full redirect flow maps the identity", func(t *testing.T) {
		token := "aliceCredentialToken-0001"
		c, _ := signIn(t, token)
		if c.CredentialToken != token || c.CredentialSecret == "" || c.LoginStyle != "popup" {
			t.Fatalf("completion %+v", c)
		}
		cred, err := env.creds.Retrieve(ctx, token, c.CredentialSecret)
		if err != nil {
			t.Fatal(err)
		}
		id := cred.Identity
		if id.Service != "dex" || id.ID == "" || id.Username != "alice" || id.Email != "alice@example.org" || !id.EmailVerified ||
			id.Name != "Alice Liddell" {
			t.Fatalf("identity %+v", id)
		}
		if !slices.Equal(id.Roles, []string{"admin"}) || !slices.Equal(id.Groups, []string{"admin", "devs"}) ||
			!slices.Equal(id.Channels, []string{"staff", "engineering"}) {
			t.Fatalf("roles %v groups %v channels %v", id.Roles, id.Groups, id.Channels)
		}
		if id.Attributes["idToken"] == "" || id.Attributes["accessToken"] == "" {
			t.Fatalf("attributes %v", id.Attributes)
		}
		firstID = id.ID

		// The access token alone also identifies the user (mobile clients'
		// login with serviceName and accessToken).
		again, err := env.flow.IdentityFromAccessToken(ctx, id.Attributes["accessToken"].(string))
		if err != nil || again.ID != id.ID || again.Email != id.Email {
			t.Fatalf("identity from access token: %+v %v", again, err)
		}
		if _, err := env.flow.IdentityFromAccessToken(ctx, "not-a-token"); !errors.Is(err, ErrInvalidToken) {
			t.Fatalf("bad access token: %v", err)
		}
	})

	t.Run("second login is the same user; replayed and forged callbacks are refused", func(t *testing.T) {
		c, params := signIn(t, "aliceCredentialToken-0002")
		if c.Identity.ID != firstID {
			t.Fatalf("id %q then %q", firstID, c.Identity.ID)
		}
		if _, err := env.flow.Complete(ctx, params); !errors.Is(err, ErrInvalidState) {
			t.Fatalf("replayed callback: %v", err)
		}
		forged := url.Values{"code": params["code"], "state": {"forged-state-never-issued"}}
		if _, err := env.flow.Complete(ctx, forged); !errors.Is(err, ErrInvalidState) {
			t.Fatalf("forged state: %v", err)
		}
		if _, err := env.flow.Complete(ctx, url.Values{"code": params["code"]}); !errors.Is(err, ErrInvalidState) {
			t.Fatalf("no state: %v", err)
		}
		// A Meteor state as the client would build it is not a state we issued.
		if _, err := env.flow.Complete(ctx, url.Values{"code": params["code"], "state": {meteorState("aliceCredentialToken-0003")}}); !errors.Is(err, ErrInvalidState) {
			t.Fatalf("client-made state: %v", err)
		}
	})

	// tamper starts a sign-in, lets Dex answer, then changes what the
	// server remembered of it before the callback is handled.
	tamper := func(t *testing.T, change func(a *authorization)) *Completion {
		t.Helper()
		authURL, err := env.flow.Begin(ctx, BeginRequest{CredentialToken: "tamperedCredentialToken"})
		if err != nil {
			t.Fatal(err)
		}
		params := browse(t, authURL, "alice@example.org", "password")
		key := stateKey(params.Get("state"))
		b, err := env.states.Take(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		var a authorization
		_ = json.Unmarshal(b, &a)
		change(&a)
		b, _ = json.Marshal(a)
		if err := env.states.Put(ctx, key, b, time.Minute); err != nil {
			t.Fatal(err)
		}
		c, err := env.flow.Complete(ctx, params)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	t.Run("PKCE: a wrong verifier cannot redeem the code", func(t *testing.T) {
		c := tamper(t, func(a *authorization) { a.Verifier = strings.Repeat("x", 43) })
		if !errors.Is(c.Err, ErrDenied) {
			t.Fatalf("wrong verifier: %v", c.Err)
		}
		// The failure is what the client's login call gets.
		cred, err := env.creds.Retrieve(ctx, "tamperedCredentialToken", "")
		if err != nil || cred.Err() == nil || !strings.Contains(cred.Err().Error(), "error-oauth-denied") {
			t.Fatalf("stored failure: %+v %v", cred, err)
		}
	})
	t.Run("nonce: an ID token for another sign-in is refused", func(t *testing.T) {
		c := tamper(t, func(a *authorization) { a.Nonce = "another-sign-in" })
		if !errors.Is(c.Err, ErrInvalidToken) {
			t.Fatalf("wrong nonce: %v", c.Err)
		}
	})

	t.Run("provider refusal and redirect URLs", func(t *testing.T) {
		authURL, err := env.flow.Begin(ctx, BeginRequest{CredentialToken: "deniedCredentialToken01"})
		if err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(authURL)
		c, err := env.flow.Complete(ctx, url.Values{"state": {u.Query().Get("state")}, "error": {"access_denied"}})
		if err != nil || !errors.Is(c.Err, ErrDenied) || c.CredentialSecret != "" {
			t.Fatalf("denied: %+v %v", c, err)
		}
		for _, bad := range []string{"https://evil.example/", "http://127.0.0.1:3999.evil.example/", "//evil.example/x", "http://user@127.0.0.1:3999/"} {
			if _, err := env.flow.Begin(ctx, BeginRequest{LoginStyle: "redirect", RedirectURL: bad}); !errors.Is(err, ErrRedirectURL) {
				t.Fatalf("redirect to %q: %v", bad, err)
			}
		}
		if _, err := env.flow.Begin(ctx, BeginRequest{LoginStyle: "redirect", RedirectURL: siteURL + "/home"}); err != nil {
			t.Fatalf("redirect under Site_Url: %v", err)
		}
	})

	t.Run("a provider that is down fails clearly", func(t *testing.T) {
		down := newDexFlow(t, dexSettings(fmt.Sprintf("http://127.0.0.1:%d/dex", peer.FreePort(t))))
		start := time.Now()
		if _, err := down.flow.Begin(ctx, BeginRequest{}); !errors.Is(err, ErrUnavailable) || time.Since(start) > 10*time.Second {
			t.Fatalf("down: %v after %v", err, time.Since(start))
		}
	})
}
