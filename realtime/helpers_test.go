package realtime

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"liftoff/auth"
	"liftoff/bus"
	"liftoff/model"
)

// fakeAuth knows users by username and e-mail with plain passwords, and
// issues tokens "tok-<uid>".
type fakeAuth struct {
	mu       sync.Mutex
	users    map[string]*model.User // by username
	password map[string]string      // by user id
	loggedIn map[string]bool        // token -> valid
}

func newFakeAuth() *fakeAuth {
	return &fakeAuth{users: map[string]*model.User{}, password: map[string]string{}, loggedIn: map[string]bool{}}
}

func (a *fakeAuth) add(id, username, password string) *model.User {
	a.mu.Lock()
	defer a.mu.Unlock()
	u := &model.User{ID: id, Username: username, Name: strings.ToUpper(username), Active: true,
		Emails: []model.Email{{Address: username + "@example.com"}}}
	a.users[username] = u
	a.password[id] = password
	a.loggedIn["tok-"+id] = true
	return u
}

var errBadLogin = &model.Error{Type: "403", Reason: "User not found"}

func (a *fakeAuth) Login(_ context.Context, c auth.Credentials, _ string) (*auth.LoginResult, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	exp := model.TimeFromMillis(1_900_000_000_000)
	if c.Resume != "" {
		if !a.loggedIn[c.Resume] {
			return nil, errBadLogin
		}
		for _, u := range a.users {
			if "tok-"+u.ID == c.Resume {
				return &auth.LoginResult{User: u, Token: c.Resume, Expires: exp, Method: "resume"}, nil
			}
		}
		return nil, errBadLogin
	}
	var u *model.User
	for _, cand := range a.users {
		if cand.Username == c.User || cand.Email() == c.User {
			u = cand
		}
	}
	if u == nil {
		return nil, errBadLogin
	}
	pw := a.password[u.ID]
	sum := sha256.Sum256([]byte(pw))
	switch {
	case c.Password != "" && c.Password == pw:
	case c.Digest != "" && c.Digest == hex.EncodeToString(sum[:]):
	default:
		return nil, &model.Error{Type: "403", Reason: "Incorrect password"}
	}
	a.loggedIn["tok-"+u.ID] = true
	return &auth.LoginResult{User: u, Token: "tok-" + u.ID, Expires: exp, Method: "password"}, nil
}

func (a *fakeAuth) Logout(_ context.Context, userID, token string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.loggedIn, token)
	return nil
}

// fakeRooms holds room memberships.
type fakeRooms struct {
	mu      sync.Mutex
	members map[string]map[string]bool // rid -> uid -> member
}

func newFakeRooms() *fakeRooms { return &fakeRooms{members: map[string]map[string]bool{}} }

func (r *fakeRooms) join(rid string, uids ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.members[rid] == nil {
		r.members[rid] = map[string]bool{}
	}
	for _, u := range uids {
		r.members[rid][u] = true
	}
}

func (r *fakeRooms) leave(rid, uid string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.members[rid], uid)
}

func (r *fakeRooms) CanReadRoom(_ context.Context, u *model.User, rid string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if u == nil || !r.members[rid][u.ID] {
		return model.ErrNotAllowed
	}
	return nil
}

func (r *fakeRooms) RoomIDsOfUser(_ context.Context, uid string) ([]string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for rid, m := range r.members {
		if m[uid] {
			out = append(out, rid)
		}
	}
	return out, nil
}

type env struct {
	t     testing.TB
	srv   *Server
	http  *httptest.Server
	bus   *bus.Memory
	auth  *fakeAuth
	rooms *fakeRooms
}

// newEnv starts a Server on an httptest server; tweak adjusts the config.
func newEnv(t testing.TB, tweak func(*Config)) *env {
	t.Helper()
	e := &env{t: t, bus: bus.NewMemory(0), auth: newFakeAuth(), rooms: newFakeRooms()}
	cfg := Config{
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Bus:    e.bus,
		Auth:   e.auth,
		Rooms:  e.rooms,
	}
	if tweak != nil {
		tweak(&cfg)
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv.Start()
	e.srv = srv
	e.http = httptest.NewServer(srv)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Close(ctx)
		e.http.Close()
		_ = e.bus.Close()
	})
	return e
}

func (e *env) publish(events ...model.Event) {
	e.t.Helper()
	if err := e.bus.Publish(context.Background(), events...); err != nil {
		e.t.Fatal(err)
	}
}

// client is a raw DDP test client.
type client struct {
	t  testing.TB
	ws *websocket.Conn
	n  int
}

// frame is a decoded server frame.
type frame map[string]any

func (f frame) str(k string) string { s, _ := f[k].(string); return s }

// dial opens a WebSocket to path without the DDP handshake.
func (e *env) dial(path string) *client {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(e.http.URL, "http")+path, nil)
	if err != nil {
		e.t.Fatalf("dial: %v", err)
	}
	ws.SetReadLimit(64 << 20)
	c := &client{t: e.t, ws: ws}
	e.t.Cleanup(func() { _ = ws.CloseNow() })
	return c
}

// connect dials /websocket and completes the DDP handshake.
func (e *env) connect() *client {
	e.t.Helper()
	c := e.dial("/websocket")
	if f := c.read(); f.str("server_id") != "0" {
		e.t.Fatalf("first frame = %v, want server_id", f)
	}
	c.sendJSON(map[string]any{"msg": "connect", "version": "1", "support": []string{"1", "pre2", "pre1"}})
	f := c.read()
	if f.str("msg") != "connected" || f.str("session") == "" {
		e.t.Fatalf("handshake: got %v", f)
	}
	return c
}

// login connects and logs in with the resume token of uid.
func (e *env) login(uid string) *client {
	e.t.Helper()
	c := e.connect()
	res := c.call("login", map[string]any{"resume": "tok-" + uid})
	if res["error"] != nil {
		e.t.Fatalf("login %s: %v", uid, res["error"])
	}
	return c
}

func (c *client) sendRaw(b []byte) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.ws.Write(ctx, websocket.MessageText, b); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

func (c *client) sendJSON(v any) {
	c.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		c.t.Fatal(err)
	}
	c.sendRaw(b)
}

// readTimeout reads one frame, or returns an error.
func (c *client) readTimeout(d time.Duration) (frame, error) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	_, b, err := c.ws.Read(ctx)
	if err != nil {
		return nil, err
	}
	var f frame
	if err := json.Unmarshal(b, &f); err != nil {
		return frame{"raw": string(b)}, nil
	}
	return f, nil
}

func (c *client) read() frame {
	c.t.Helper()
	f, err := c.readTimeout(5 * time.Second)
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	return f
}

// until reads frames until match accepts one, skipping server pings.
func (c *client) until(match func(frame) bool) frame {
	c.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		f, err := c.readTimeout(time.Until(deadline))
		if err != nil {
			c.t.Fatalf("waiting for frame: %v", err)
		}
		if match(f) {
			return f
		}
	}
	c.t.Fatal("no matching frame before deadline")
	return nil
}

func (c *client) nextID() string {
	c.n++
	return "c" + strconv.Itoa(c.n)
}

// call invokes a method and returns its result frame, checking that
// "updated" follows.
func (c *client) call(method string, params ...any) frame {
	c.t.Helper()
	id := c.nextID()
	if params == nil {
		params = []any{}
	}
	c.sendJSON(map[string]any{"msg": "method", "id": id, "method": method, "params": params})
	res := c.until(func(f frame) bool { return f.str("msg") == "result" && f.str("id") == id })
	c.until(func(f frame) bool {
		if f.str("msg") != "updated" {
			return false
		}
		ms, _ := f["methods"].([]any)
		return len(ms) == 1 && ms[0] == id
	})
	return res
}

// sub subscribes and returns the ready or nosub frame.
func (c *client) sub(name string, params ...any) frame {
	c.t.Helper()
	id := c.nextID()
	c.sendJSON(map[string]any{"msg": "sub", "id": id, "name": name, "params": params})
	return c.until(func(f frame) bool {
		if f.str("msg") == "nosub" && f.str("id") == id {
			return true
		}
		if f.str("msg") == "ready" {
			subs, _ := f["subs"].([]any)
			return len(subs) == 1 && subs[0] == id
		}
		return false
	})
}

// mustSub subscribes and fails unless ready.
func (c *client) mustSub(name string, params ...any) {
	c.t.Helper()
	if f := c.sub(name, params...); f.str("msg") != "ready" {
		c.t.Fatalf("sub %s %v: %v", name, params, f)
	}
}

// event waits for a stream event of collection with eventName.
func (c *client) event(collection, eventName string) []any {
	c.t.Helper()
	f := c.until(func(f frame) bool {
		if f.str("msg") != "changed" || f.str("collection") != collection {
			return false
		}
		fields, _ := f["fields"].(map[string]any)
		return fields["eventName"] == eventName
	})
	args, _ := f["fields"].(map[string]any)["args"].([]any)
	return args
}

// nextEvent returns the next stream event frame, skipping other frames.
func (c *client) nextEvent() (collection, eventName string, args []any) {
	c.t.Helper()
	f := c.until(func(f frame) bool { return f.str("msg") == "changed" })
	fields, _ := f["fields"].(map[string]any)
	args, _ = fields["args"].([]any)
	name, _ := fields["eventName"].(string)
	return f.str("collection"), name, args
}

// opts is the modern second subscription parameter.
var opts = map[string]any{"useCollection": false, "args": []any{}}
