package e2e

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"liftoff/internal/peer"
	"liftoff/internal/testserver"
)

const (
	dexClientID = "chat-server"
	dexSecret   = "chat-secret"
)

// startDex runs Dex with a static client whose callback is site's
// /_oauth/dex and two static users (password "password"), and returns its
// issuer URL.
func startDex(t *testing.T, site string) string {
	t.Helper()
	bin := peer.Path(t, "dex")
	hash, err := bcrypt.GenerateFromPassword([]byte("password"), 10)
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
staticClients:
  - id: %s
    secret: %s
    name: Chat Server
    redirectURIs: [%s/_oauth/dex]
`, issuer, port, hash, dexClientID, dexSecret, site)
	if err := os.WriteFile(filepath.Join(dir, "config.yaml"), []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	p := peer.Start(t, peer.Options{Dir: dir}, bin, "serve", filepath.Join(dir, "config.yaml"))
	p.WaitHTTP(t, issuer+"/.well-known/openid-configuration", 30*time.Second)
	deadline := time.Now().Add(30 * time.Second)
	for { // Dex makes its signing key a moment after it starts answering.
		if resp, err := http.Get(issuer + "/keys"); err == nil {
			var keys struct{ Keys []any }
			_ = json.NewDecoder(resp.Body).Decode(&keys)
			resp.Body.Close()
			if len(keys.Keys) > 0 {
				return issuer
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("dex published no signing key:\n%s", p.Logs())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

var (
	dexFormAction = regexp.MustCompile(`<form[^>]*action="([^"]*)"`)
	endPageSecret = regexp.MustCompile(`"credentialSecret":"([^"]+)"`)
)

// oauthPopup does what a browser popup does: it opens the server's
// /_oauth/dex/authorize with Meteor's state, follows Dex's login form, and
// returns the end-of-login page the server answers the callback with.
func oauthPopup(t *testing.T, srv *testserver.Server, credentialToken string) string {
	t.Helper()
	state, _ := json.Marshal(map[string]any{"loginStyle": "popup", "credentialToken": credentialToken, "isCordova": false})
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 20 * time.Second}
	resp, err := client.Get(srv.URL + "/_oauth/dex/authorize?state=" + url.QueryEscape(base64.StdEncoding.EncodeToString(state)))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := dexFormAction.FindSubmatch(body)
	if m == nil {
		t.Fatalf("no login form at %s (%s):\n%s", resp.Request.URL, resp.Status, body)
	}
	action, err := resp.Request.URL.Parse(strings.ReplaceAll(string(m[1]), "&amp;", "&"))
	if err != nil {
		t.Fatal(err)
	}
	resp, err = client.PostForm(action.String(), url.Values{"login": {"alice@example.org"}, "password": {"password"}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Request.URL.String(), srv.URL+"/_oauth/dex?") {
		t.Fatalf("the sign-in did not end on the server: %s %s\n%s", resp.Request.URL, resp.Status, body)
	}
	return string(body)
}

func TestOAuthDex(t *testing.T) {
	srv := testserver.Start(t)
	admin := srv.Admin(t)
	issuer := startDex(t, srv.URL)

	admin.Post("/api/v1/settings.addCustomOAuth", map[string]any{"name": "dex"}).OK(t)
	k := "Accounts_OAuth_Custom-Dex"
	for id, v := range map[string]any{
		k + "-url": issuer, k + "-authorize_path": "/auth", k + "-token_path": "/token", k + "-identity_path": "/userinfo",
		k + "-scope": "openid email profile groups", k + "-id": dexClientID, k + "-secret": dexSecret,
		k + "-token_sent_via": "header", k + "-key_field": "email", k + "-username_field": "{{/^([^@]+)@/::email}}",
		k + "-name_field": "name", k + "-roles_claim": "groups", k + "-merge_roles": true, k + "-roles_to_sync": "admin",
		k: true,
	} {
		admin.Post("/api/v1/settings/"+id, map[string]any{"value": v}).OK(t)
	}

	// The service is listed for clients, without its secret.
	anon := srv.Anon(t)
	r := anon.Get("/api/v1/settings.oauth").OK(t)
	if r.Str("services.0.service") != "dex" || r.Str("services.0.clientId") != dexClientID ||
		r.Str("services.0.authorizePath") != "/_oauth/dex/authorize" || strings.Contains(string(r.Body), dexSecret) {
		t.Fatalf("settings.oauth: %s", r.Body)
	}
	anon.Get("/api/v1/service.configurations").OK(t)
	c := ddpDial(t, srv)
	c.sendJSON(map[string]any{"msg": "sub", "id": "lsc", "name": "meteor.loginServiceConfiguration", "params": []any{}})
	added := c.take("loginServiceConfiguration", ddpWait, func(f map[string]any) bool {
		return f["msg"] == "added" && f["collection"] == "meteor_accounts_loginServiceConfiguration"
	})
	if fields, _ := added["fields"].(map[string]any); fields["clientId"] != dexClientID || added["id"] != "dex" {
		t.Fatalf("published configuration: %v", added)
	}
	c.take("ready", ddpWait, func(f map[string]any) bool { return f["msg"] == "ready" })

	// The full redirect flow, then the REST login with the credential.
	token := "aliceCredentialToken-0001"
	page := oauthPopup(t, srv, token)
	m := endPageSecret.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no credential secret in the end page:\n%s", page)
	}
	login := map[string]any{"oauth": map[string]any{"credentialToken": token, "credentialSecret": m[1]}}
	r = anon.Post("/api/v1/login", login)
	if r.Status != http.StatusOK {
		t.Fatalf("oauth login: %d %s", r.Status, r.Body)
	}
	uid := r.Str("data.userId")
	info := admin.Get("/api/v1/users.info", "userId", uid).OK(t)
	if info.Str("user.username") != "alice" || info.Str("user.name") != "Alice Liddell" ||
		info.Str("user.emails.0.address") != "alice@example.org" || !listHas(info.Get("user.roles"), "admin") {
		t.Fatalf("created user: %s", info.Body)
	}
	// The credential is spent.
	anon.Post("/api/v1/login", login).Fail(t, http.StatusUnauthorized, "")

	// A second sign-in, logged in over DDP, is the same user.
	token2 := "aliceCredentialToken-0002"
	m = endPageSecret.FindStringSubmatch(oauthPopup(t, srv, token2))
	var res struct{ ID, Token string }
	ddpDial(t, srv).call(&res, "login", map[string]any{"oauth": map[string]any{"credentialToken": token2, "credentialSecret": m[1]}})
	if res.ID != uid || res.Token == "" {
		t.Fatalf("second sign-in: %+v (first %s)", res, uid)
	}

	// A callback with a state this server did not issue is refused.
	resp, err := http.Get(srv.URL + "/_oauth/dex?code=forged&state=" + url.QueryEscape("forged-state-000000000000000000000000"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("forged state: %d", resp.StatusCode)
	}
}
