package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"liftoff/access/perm"
	"liftoff/api"
	"liftoff/auth"
	"liftoff/model"
	"liftoff/settings"
	"liftoff/settings/setting"
)

// tokens authenticates "<id>-token" as user <id>.
type tokens map[string]*model.User

func (t tokens) Authenticate(_ context.Context, uid, tok string) (*model.User, error) {
	if uid == "unreachable" {
		return nil, errors.New("resume: the database is unreachable")
	}
	if u := t[uid]; u != nil && tok == uid+"-token" {
		return u, nil
	}
	return nil, auth.ErrInvalidToken
}
func (tokens) Login(context.Context, auth.Credentials, string) (*auth.LoginResult, error) {
	return nil, auth.ErrLoginFailed
}
func (tokens) Logout(context.Context, string, string) error       { return nil }
func (tokens) LogoutOthers(context.Context, string, string) error { return nil }
func (tokens) TokenExpires(context.Context, string, string) (model.Time, error) {
	return model.Time{}, nil
}
func (tokens) GeneratePersonalToken(context.Context, string, string, bool) (string, error) {
	return "", nil
}
func (tokens) RemovePersonalToken(context.Context, string, string) error { return nil }
func (tokens) IssueToken(context.Context, *model.User) (string, model.Time, error) {
	return "", model.Time{}, nil
}
func (tokens) PersonalTokens(context.Context, string) ([]auth.PersonalToken, error) {
	return nil, nil
}

// grants is the permission check of the route guards; the rest of the
// administration service is not needed here.
type grants struct {
	api.Admin
	held map[perm.ID][]string // permission -> user ids
}

func (g grants) Can(u *model.User, p perm.ID) bool {
	for _, id := range g.held[p] {
		if u != nil && u.ID == id {
			return true
		}
	}
	return false
}

// notes is a toy capability declared from outside package api, as files,
// integrations or a bridge will declare theirs.
type noteBody struct {
	Text string `json:"text"`
}

func declareNotes(rt *api.Router) {
	rt.Post("notes.add", api.Bind(func(r *api.Request, b *noteBody) (any, error) {
		if b.Text == "" {
			return nil, model.ErrMissingParam("text")
		}
		return api.M{"note": api.M{"text": b.Text, "by": r.User.Username}}, nil
	}), api.Permission(perm.CreateC), api.Method("addNote"))
	rt.Get("notes.list", func(r *api.Request) (any, error) {
		p := r.Params()
		room := p.RequireString("roomId")
		page := p.Page(nil)
		if err := p.Err(); err != nil {
			return nil, err
		}
		if room == "missing" {
			return nil, model.NotFound("error-room-not-found", "No such room").InMethod()
		}
		return api.Paged("notes", []string{room}, 1, page, 1), nil
	}, api.Public(), api.Status(model.KindNotFound, http.StatusNotFound), api.NoRateLimit())
	rt.HandleHTTP("GET /notes-raw/{id}", func(w http.ResponseWriter, r *http.Request) {
		who := "anonymous"
		if u := rt.Authenticate(r); u != nil {
			who = u.Username
		}
		_, _ = w.Write([]byte(r.PathValue("id") + " for " + who))
	})
}

func TestRouterDeclaresCapabilityRoutes(t *testing.T) {
	alice := &model.User{ID: "alice", Username: "alice"}
	bob := &model.User{ID: "bob", Username: "bob"}
	set := settings.NewRegistry(settings.Defaults())
	set.Set(&model.Setting{ID: string(setting.APIEnableRateLimiter), Type: settings.TypeBoolean, Value: false})
	srv := api.New(api.Deps{
		Auth: tokens{"alice": alice, "bob": bob}, Settings: set,
		Admin: grants{held: map[perm.ID][]string{perm.CreateC: {"alice"}}},
	}, api.Config{})
	declareNotes(srv.Router())
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)

	do := func(method, path, user, body string) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest(method, hs.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if user != "" {
			req.Header.Set("X-User-Id", user)
			req.Header.Set("X-Auth-Token", user+"-token")
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(res.Body).Decode(&out)
		return res.StatusCode, out
	}

	if st, out := do("POST", "/api/v1/notes.add", "", `{"text":"x"}`); st != 401 {
		t.Fatalf("anonymous: %d %v", st, out)
	}
	if st, out := do("POST", "/api/v1/notes.add", "bob", `{"text":"x"}`); st != 403 || out["error"] != "unauthorized" {
		t.Fatalf("without the permission: %d %v", st, out)
	}
	if st, out := do("POST", "/api/v1/notes.add", "alice", `{"text":`); st != 400 || out["errorType"] != "error-invalid-body" {
		t.Fatalf("bad body: %d %v", st, out)
	}
	st, out := do("POST", "/api/v1/notes.add", "alice", `{"text":"hello"}`)
	if note, _ := out["note"].(map[string]any); st != 200 || out["success"] != true || note["by"] != "alice" {
		t.Fatalf("add: %d %v", st, out)
	}
	st, out = do("GET", "/api/v1/notes.list?roomId=r1&count=5", "", "")
	if st != 200 || out["total"] != 1.0 || out["count"] != 1.0 {
		t.Fatalf("public list: %d %v", st, out)
	}
	if st, out := do("GET", "/api/v1/notes.list?count=x", "", ""); st != 400 || !strings.Contains(out["error"].(string), "roomId") {
		t.Fatalf("sticky params keep the first error: %d %v", st, out)
	}
	st, out = do("GET", "/api/v1/notes.list?roomId=missing", "", "")
	if d, _ := out["details"].(map[string]any); st != 404 || d["method"] != "notes.list" {
		t.Fatalf("declared status: %d %v", st, out)
	}

	mounts := map[string]int{}
	for _, m := range srv.Mounts() {
		mounts[m]++
	}
	if len(mounts) != len(srv.Mounts()) || mounts["/api/"] != 1 || mounts["/avatar/"] != 1 || mounts["/notes-raw/"] != 1 {
		t.Fatalf("mounts %v: want /api/, /avatar/ and /notes-raw/ once each", srv.Mounts())
	}
	req, _ := http.NewRequest("GET", hs.URL+"/notes-raw/7", nil)
	req.AddCookie(&http.Cookie{Name: "rc_uid", Value: "bob"})
	req.AddCookie(&http.Cookie{Name: "rc_token", Value: "bob-token"})
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 64)
	n, _ := res.Body.Read(b)
	res.Body.Close()
	if string(b[:n]) != "7 for bob" {
		t.Fatalf("raw route: %q", b[:n])
	}
}

// Credentials that cannot be checked (the store failing) are a server
// error, not a logout: clients drop their session on 401.
func TestRouterAuthenticationFailureIsServerError(t *testing.T) {
	set := settings.NewRegistry(settings.Defaults())
	srv := api.New(api.Deps{Auth: tokens{}, Settings: set, Admin: grants{}}, api.Config{})
	declareNotes(srv.Router())
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	for uid, want := range map[string]int{"unreachable": http.StatusInternalServerError, "nobody": http.StatusUnauthorized} {
		req, _ := http.NewRequest(http.MethodGet, hs.URL+"/api/v1/notes.list?roomId=r", nil)
		req.Header.Set("X-User-Id", uid)
		req.Header.Set("X-Auth-Token", "t")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("%s: status %d %v, want %d", uid, resp.StatusCode, body, want)
		}
		if want == http.StatusInternalServerError && (body["success"] != false || strings.Contains(fmt.Sprint(body), "unreachable")) {
			t.Errorf("%s: body %v (want a failure that does not reveal the cause)", uid, body)
		}
	}
}
