package ddpapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"liftoff/auth"
	"liftoff/model"
	"liftoff/presence"
	"liftoff/realtime"
)

type oneUser struct{ u *model.User }

func (a oneUser) Login(context.Context, auth.Credentials, string) (*auth.LoginResult, error) {
	return &auth.LoginResult{User: a.u, Token: "t", Method: "resume"}, nil
}
func (oneUser) Logout(context.Context, string, string) error { return nil }

type noRooms struct{}

func (noRooms) CanReadRoom(context.Context, *model.User, string) error  { return model.ErrNotAllowed }
func (noRooms) RoomIDsOfUser(context.Context, string) ([]string, error) { return nil, nil }

// TestPresenceMethodsOverDDP drives the presence methods through a real server:
// login counts the connection, UserPresence:* change the status, and
// closing the socket turns the user offline after the grace period.
func TestPresenceMethodsOverDDP(t *testing.T) {
	st, clk := &fakeStore{}, &fakeClock{}
	tr, err := presence.NewTracker(presence.Config{Store: st, Clock: clk, Grace: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := realtime.New(realtime.Config{
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
		Auth:     oneUser{&model.User{ID: "u1", Username: "alice"}},
		Rooms:    noRooms{},
		Presence: tr,
	})
	if err != nil {
		t.Fatal(err)
	}
	Register(srv, Deps{Presence: tr})
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(hs.URL, "http")+"/websocket", nil)
	if err != nil {
		t.Fatal(err)
	}
	send := func(v string) {
		if err := ws.Write(ctx, websocket.MessageText, []byte(v)); err != nil {
			t.Fatal(err)
		}
	}
	// waitResult reads until the result of call id and returns it.
	waitResult := func(id string) map[string]any {
		for {
			_, b, err := ws.Read(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var f map[string]any
			_ = json.Unmarshal(b, &f)
			if f["msg"] == "result" && f["id"] == id {
				return f
			}
		}
	}
	send(`{"msg":"connect","version":"1","support":["1"]}`)
	send(`{"msg":"method","id":"1","method":"login","params":[{"resume":"t"}]}`)
	waitResult("1")
	send(`{"msg":"method","id":"2","method":"UserPresence:away","params":[]}`)
	if r := waitResult("2"); r["result"] != true {
		t.Fatalf("away: %v", r)
	}
	send(`{"msg":"method","id":"3","method":"UserPresence:setDefaultStatus","params":["busy"]}`)
	if r := waitResult("3"); r["result"] != true {
		t.Fatalf("setDefaultStatus: %v", r)
	}
	send(`{"msg":"method","id":"4","method":"UserPresence:setDefaultStatus","params":["dancing"]}`)
	if r := waitResult("4"); r["error"] == nil {
		t.Fatalf("bad status accepted: %v", r)
	}
	_ = ws.Close(websocket.StatusNormalClosure, "")
	// The server notices the close asynchronously; the last connection's
	// close arms the grace timer.
	clk.waitArmed(t)
	if n := tr.Connections("u1"); n != 0 {
		t.Fatalf("%d connections after the close", n)
	}
	clk.advance(2 * time.Second)
	want := []change{{"online", "online"}, {"away", "online"}, {"busy", "busy"}, {"offline", "busy"}}
	if got := st.history("u1"); !eq(got, want) {
		t.Fatalf("history %v, want %v", got, want)
	}
}

// fakeClock runs timers only when the test advances it.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Duration
	timers []*fakeTimer
	armed  chan struct{} // closed when a timer is armed (made by waitArmed)
}

type fakeTimer struct {
	c       *fakeClock
	at      time.Duration
	f       func()
	stopped bool
	fired   bool
}

func (c *fakeClock) AfterFunc(d time.Duration, f func()) presence.Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{c: c, at: c.now + d, f: f}
	c.timers = append(c.timers, t)
	if c.armed != nil {
		close(c.armed)
		c.armed = nil
	}
	return t
}

// waitArmed waits until a timer is pending (the tracker armed one on its
// own goroutine), failing the test after 5 s.
func (c *fakeClock) waitArmed(t *testing.T) {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		c.mu.Lock()
		pending := 0
		for _, tm := range c.timers {
			if !tm.stopped && !tm.fired {
				pending++
			}
		}
		if c.armed == nil {
			c.armed = make(chan struct{})
		}
		armed := c.armed
		c.mu.Unlock()
		if pending > 0 {
			return
		}
		select {
		case <-armed:
		case <-deadline:
			t.Fatal("no timer armed within 5s")
		}
	}
}

func (t *fakeTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	pending := !t.stopped && !t.fired
	t.stopped = true
	return pending
}

// advance moves time forward and runs due timers synchronously.
func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.now += d
	var due []*fakeTimer
	for _, t := range c.timers {
		if !t.stopped && !t.fired && t.at <= c.now {
			t.fired = true
			due = append(due, t)
		}
	}
	c.mu.Unlock()
	for _, t := range due {
		t.f()
	}
}

type change struct{ status, def string }

type fakeStore struct {
	mu      sync.Mutex
	changes map[string][]change
	fail    bool
}

func (s *fakeStore) SetStatus(_ context.Context, uid, status, def string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail {
		return errors.New("store down")
	}
	if s.changes == nil {
		s.changes = map[string][]change{}
	}
	s.changes[uid] = append(s.changes[uid], change{status, def})
	return nil
}

func (s *fakeStore) history(uid string) []change {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]change(nil), s.changes[uid]...)
}

func eq(a, b []change) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
