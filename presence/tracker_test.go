package presence

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"liftoff/model"
)

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

func (c *fakeClock) AfterFunc(d time.Duration, f func()) Timer {
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

func setup(t *testing.T) (*Tracker, *fakeStore, *fakeClock) {
	t.Helper()
	st, clk := &fakeStore{}, &fakeClock{}
	tr, err := NewTracker(Config{Store: st, Clock: clk, Grace: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return tr, st, clk
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

var ctx = context.Background()

func TestOnlineWhileConnectedOfflineAfterGrace(t *testing.T) {
	tr, st, clk := setup(t)
	u := &model.User{ID: "u1", Status: model.StatusOffline}
	tr.UserConnected(ctx, "s1", u)
	tr.UserConnected(ctx, "s2", u)
	tr.UserDisconnected("s1", "u1")
	if got := st.history("u1"); !eq(got, []change{{"online", "online"}}) {
		t.Fatalf("after connect: %v", got)
	}
	tr.UserDisconnected("s2", "u1")
	clk.advance(9 * time.Second)
	if s, _, _ := tr.Status("u1"); s != model.StatusOnline {
		t.Fatalf("within grace: %s", s)
	}
	clk.advance(2 * time.Second)
	if got := st.history("u1"); !eq(got, []change{{"online", "online"}, {"offline", "online"}}) {
		t.Fatalf("after grace: %v", got)
	}
	if tr.Connections("u1") != 0 {
		t.Fatal("connections left")
	}
}

func TestReconnectWithinGraceDoesNotFlap(t *testing.T) {
	tr, st, clk := setup(t)
	u := &model.User{ID: "u1", Status: model.StatusOffline}
	tr.UserConnected(ctx, "s1", u)
	tr.UserDisconnected("s1", "u1")
	clk.advance(5 * time.Second)
	tr.UserConnected(ctx, "s2", u)
	clk.advance(time.Minute) // the old grace timer must not fire
	if got := st.history("u1"); !eq(got, []change{{"online", "online"}}) {
		t.Fatalf("reconnect within grace: %v", got)
	}
	if s, _, _ := tr.Status("u1"); s != model.StatusOnline {
		t.Fatalf("status %s", s)
	}
}

func TestDefaultStatusWins(t *testing.T) {
	tr, st, clk := setup(t)
	u := &model.User{ID: "u1", Status: model.StatusOffline, StatusDefault: model.StatusBusy}
	tr.UserConnected(ctx, "s1", u)
	if got := st.history("u1"); !eq(got, []change{{"busy", "busy"}}) {
		t.Fatalf("busy default: %v", got)
	}
	// Invisible shows as offline; "offline" is accepted as invisible.
	if err := tr.SetDefaultStatus(ctx, "u1", model.StatusOffline); err != nil {
		t.Fatal(err)
	}
	if s, d, _ := tr.Status("u1"); s != model.StatusOffline || d != model.StatusInvisible {
		t.Fatalf("invisible: %s %s", s, d)
	}
	if err := tr.SetDefaultStatus(ctx, "u1", model.StatusOnline); err != nil {
		t.Fatal(err)
	}
	if err := tr.SetDefaultStatus(ctx, "u1", "sleeping"); err == nil {
		t.Fatal("unknown status accepted")
	}
	tr.UserDisconnected("s1", "u1")
	clk.advance(11 * time.Second)
	want := []change{{"busy", "busy"}, {"offline", "invisible"}, {"online", "online"}, {"offline", "online"}}
	if got := st.history("u1"); !eq(got, want) {
		t.Fatalf("history %v, want %v", got, want)
	}
}

func TestAwayWhenEveryConnectionIdle(t *testing.T) {
	tr, st, _ := setup(t)
	u := &model.User{ID: "u1"}
	tr.UserConnected(ctx, "s1", u)
	tr.UserConnected(ctx, "s2", u)
	if err := tr.SetConnectionStatus(ctx, "s1", "u1", true); err != nil {
		t.Fatal(err)
	}
	if s, _, _ := tr.Status("u1"); s != model.StatusOnline {
		t.Fatalf("one idle of two: %s", s)
	}
	_ = tr.SetConnectionStatus(ctx, "s2", "u1", true)
	if s, _, _ := tr.Status("u1"); s != model.StatusAway {
		t.Fatalf("all idle: %s", s)
	}
	_ = tr.SetConnectionStatus(ctx, "s1", "u1", false)
	want := []change{{"online", "online"}, {"away", "online"}, {"online", "online"}}
	if got := st.history("u1"); !eq(got, want) {
		t.Fatalf("history %v, want %v", got, want)
	}
	// Closing the active connection leaves the idle one: away.
	tr.UserDisconnected("s1", "u1")
	if s, _, _ := tr.Status("u1"); s != model.StatusAway {
		t.Fatalf("idle connection left: %s", s)
	}
}

func TestStoreFailureIsRetriedOnNextChange(t *testing.T) {
	tr, st, _ := setup(t)
	st.fail = true
	tr.UserConnected(ctx, "s1", &model.User{ID: "u1", Status: model.StatusOffline})
	if err := tr.SetDefaultStatus(ctx, "u1", model.StatusAway); err == nil {
		t.Fatal("store failure not reported")
	}
	st.mu.Lock()
	st.fail = false
	st.mu.Unlock()
	if err := tr.SetDefaultStatus(ctx, "u1", model.StatusAway); err != nil {
		t.Fatal(err)
	}
	if got := st.history("u1"); !eq(got, []change{{"away", "away"}}) {
		t.Fatalf("history %v", got)
	}
}

func TestConcurrentConnections(t *testing.T) {
	tr, st, clk := setup(t)
	u := &model.User{ID: "u1"}
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sid := "s" + string(rune('A'+i))
			tr.UserConnected(ctx, sid, u)
			_ = tr.SetConnectionStatus(ctx, sid, "u1", i%2 == 0)
			tr.UserDisconnected(sid, "u1")
		}()
	}
	wg.Wait()
	clk.advance(time.Minute)
	h := st.history("u1")
	if len(h) == 0 || h[len(h)-1].status != model.StatusOffline {
		t.Fatalf("final status: %v", h)
	}
}
