package e2e

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"liftoff/internal/testserver"
)

// fakeGitLab is a GitLab server's OAuth and user API as the built-in
// GitLab service uses them: /oauth/authorize sends the browser back with a
// code, /oauth/token trades it (PKCE verifier required) for an access
// token, /api/v4/user answers for that token and for one a mobile app got
// by itself ("native-token").
func fakeGitLab(t *testing.T) (*httptest.Server, *atomic.Int32) {
	var exchanges atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("GET /oauth/authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("client_id") != "gl-client" || q.Get("code_challenge") == "" || q.Get("state") == "" || q.Get("response_type") != "code" {
			http.Error(w, "bad authorize request: "+r.URL.RawQuery, http.StatusBadRequest)
			return
		}
		back, _ := url.Parse(q.Get("redirect_uri"))
		v := back.Query()
		v.Set("code", "the-code")
		v.Set("state", q.Get("state"))
		back.RawQuery = v.Encode()
		http.Redirect(w, r, back.String(), http.StatusFound)
	})
	mux.HandleFunc("POST /oauth/token", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		id, secret, ok := r.BasicAuth()
		if !ok {
			id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
		}
		if r.PostForm.Get("code") != "the-code" || r.PostForm.Get("code_verifier") == "" || id != "gl-client" || secret != "gl-secret" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"error":"invalid_grant"}`)
			return
		}
		exchanges.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"access_token":"flow-token","token_type":"Bearer","expires_in":7200}`)
	})
	mux.HandleFunc("GET /api/v4/user", func(w http.ResponseWriter, r *http.Request) {
		switch r.Header.Get("Authorization") {
		case "Bearer flow-token", "Bearer native-token":
		default:
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"message":"401 Unauthorized"}`)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"id":4242,"username":"gina","name":"Gina Lab","email":"gina@example.org","avatar_url":"","state":"active"}`)
	})
	s := httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s, &exchanges
}

// TestOAuthBuiltinServices covers the built-in services configured by
// Rocket.Chat's Accounts_OAuth_* settings: GitLab (against a GitLab API on
// loopback) through the full redirect flow and a mobile app's native
// sign-in ({serviceName, accessToken}) over REST and DDP, ending on the
// same account; GitHub listed and its sign-in sent to github.com with
// state and PKCE.
func TestOAuthBuiltinServices(t *testing.T) {
	gl, exchanges := fakeGitLab(t)
	srv := testserver.Start(t, testserver.Options{Env: []string{
		"OVERWRITE_SETTING_Accounts_OAuth_Gitlab=true", "OVERWRITE_SETTING_API_Gitlab_URL=" + gl.URL,
		"OVERWRITE_SETTING_Accounts_OAuth_Gitlab_id=gl-client", "OVERWRITE_SETTING_Accounts_OAuth_Gitlab_secret=gl-secret",
		"OVERWRITE_SETTING_Accounts_OAuth_Github=true", "OVERWRITE_SETTING_Accounts_OAuth_Github_id=gh-client",
		"OVERWRITE_SETTING_Accounts_OAuth_Github_secret=gh-secret",
	}})
	anon := srv.Anon(t)
	r := anon.Get("/api/v1/settings.oauth").OK(t)
	services := map[string]string{}
	for _, s := range r.List("services") {
		m, _ := s.(map[string]any)
		name, _ := m["service"].(string)
		services[name], _ = m["clientId"].(string)
	}
	if services["gitlab"] != "gl-client" || services["github"] != "gh-client" || strings.Contains(string(r.Body), "secret\":\"g") {
		t.Fatalf("settings.oauth: %s", r.Body)
	}

	// GitHub: the sign-in starts at github.com with our state and PKCE.
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }, Timeout: 10 * time.Second}
	state, _ := json.Marshal(map[string]any{"loginStyle": "popup", "credentialToken": "githubCredentialToken01", "isCordova": false})
	resp, err := noFollow.Get(srv.URL + "/_oauth/github/authorize?state=" + url.QueryEscape(base64.StdEncoding.EncodeToString(state)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || loc == nil || loc.Host != "github.com" || loc.Path != "/login/oauth/authorize" ||
		loc.Query().Get("client_id") != "gh-client" || loc.Query().Get("code_challenge") == "" || len(loc.Query().Get("state")) < 32 ||
		loc.Query().Get("redirect_uri") != srv.URL+"/_oauth/github" {
		t.Fatalf("github authorize: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}

	// GitLab: the whole redirect flow.
	token := "ginaCredentialToken-0001"
	state, _ = json.Marshal(map[string]any{"loginStyle": "popup", "credentialToken": token, "isCordova": false})
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, Timeout: 20 * time.Second}
	resp, err = browser.Get(srv.URL + "/_oauth/gitlab/authorize?state=" + url.QueryEscape(base64.StdEncoding.EncodeToString(state)))
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := endPageSecret.FindSubmatch(page)
	if resp.StatusCode != http.StatusOK || m == nil || exchanges.Load() != 1 {
		t.Fatalf("gitlab sign-in: %s %s (%d exchanges)\n%s", resp.Request.URL, resp.Status, exchanges.Load(), page)
	}
	r = anon.Post("/api/v1/login", map[string]any{"oauth": map[string]any{"credentialToken": token, "credentialSecret": string(m[1])}})
	if r.Status != http.StatusOK {
		t.Fatalf("oauth login: %d %s", r.Status, r.Body)
	}
	uid := r.Str("data.userId")
	info := srv.Admin(t).Get("/api/v1/users.info", "userId", uid).OK(t)
	if info.Str("user.username") != "gina" || info.Str("user.name") != "Gina Lab" {
		t.Fatalf("created user: %s", info.Body)
	}

	// A mobile app signed in with GitLab itself: the same account.
	r = anon.Post("/api/v1/login", map[string]any{"serviceName": "gitlab", "accessToken": "native-token", "expiresIn": 7200})
	if r.Status != http.StatusOK || r.Str("data.userId") != uid {
		t.Fatalf("native sign-in: %d %s", r.Status, r.Body)
	}
	var res struct{ ID, Token string }
	ddpDial(t, srv).call(&res, "login", map[string]any{"serviceName": "gitlab", "accessToken": "native-token", "expiresIn": 7200})
	if res.ID != uid || res.Token == "" {
		t.Fatalf("DDP native sign-in: %+v", res)
	}
	// A token GitLab refuses, or a service that is not on, logs nobody in.
	if r = anon.Post("/api/v1/login", map[string]any{"serviceName": "gitlab", "accessToken": "stolen-token"}); r.Status == http.StatusOK {
		t.Fatalf("refused token accepted: %s", r.Body)
	}
	if r = anon.Post("/api/v1/login", map[string]any{"serviceName": "google", "accessToken": "native-token"}); r.Status == http.StatusOK {
		t.Fatalf("disabled service accepted: %s", r.Body)
	}
	ddpDial(t, srv).callFail("error-oauth-invalid-token", "login", map[string]any{"serviceName": "gitlab", "accessToken": "stolen-token"})
}
