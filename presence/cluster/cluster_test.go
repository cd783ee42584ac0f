package cluster

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"liftoff/internal/natstest"
	"liftoff/model"
)

// statuses is the store of the test: the status of each user, changes
// signalled.
type statuses struct {
	mu      sync.Mutex
	status  map[string]string
	def     map[string]string
	changed chan struct{}
}

func newStatuses() *statuses {
	return &statuses{status: map[string]string{}, def: map[string]string{}, changed: make(chan struct{}, 100)}
}

func (s *statuses) SetStatusFrom(ctx context.Context, userID, statusDefault string, status func(context.Context, string) (string, error)) error {
	s.mu.Lock() // one write at a time, as the store's write transactions
	defer s.mu.Unlock()
	def := statusDefault
	if def == "" {
		def = s.def[userID]
	}
	if def == "" {
		def = model.StatusOnline
	}
	st, err := status(ctx, def)
	if err != nil {
		return err
	}
	s.status[userID], s.def[userID] = st, def
	select {
	case s.changed <- struct{}{}:
	default:
	}
	return nil
}

func (s *statuses) get(userID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.status[userID]
}

// waitFor waits until the user's stored status is want.
func (s *statuses) waitFor(t *testing.T, userID, want string) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for s.get(userID) != want {
		select {
		case <-s.changed:
		case <-deadline:
			t.Fatalf("status of %s is %q, want %q", userID, s.get(userID), want)
		}
	}
}

// halt stops an instance as a crash would: no heartbeat, nothing withdrawn.
func (d *Directory) halt() {
	d.once.Do(func() {
		close(d.stop)
		<-d.done
		d.nc.Close()
	})
}

func TestCombine(t *testing.T) {
	for _, tc := range []struct {
		def       string
		announced []string
		want      string
	}{
		{model.StatusOnline, nil, model.StatusOffline},
		{model.StatusOnline, []string{model.StatusAway, model.StatusOnline}, model.StatusOnline},
		{model.StatusOnline, []string{model.StatusAway, model.StatusAway}, model.StatusAway},
		{model.StatusBusy, []string{model.StatusOnline}, model.StatusBusy},
		{model.StatusAway, []string{model.StatusOnline}, model.StatusAway},
		{model.StatusInvisible, []string{model.StatusOnline}, model.StatusOffline},
		{model.StatusBusy, nil, model.StatusOffline},
	} {
		if got := Combine(tc.def, tc.announced); got != tc.want {
			t.Errorf("Combine(%s, %v) = %s, want %s", tc.def, tc.announced, got, tc.want)
		}
	}
}

func TestDirectoryAcrossInstances(t *testing.T) {
	url := natstest.URL(t)
	prefix := natstest.Prefix(t, url)
	st := newStatuses()
	ctx := context.Background()
	open := func() *Directory {
		d, err := Open(ctx, Options{URL: url, Prefix: prefix, Heartbeat: 100 * time.Millisecond}, st)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(d.Close)
		return d
	}
	a, b, c := open(), open(), open()
	const u = "user1"

	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(a.SetStatus(ctx, u, model.StatusOnline, model.StatusOnline))
	st.waitFor(t, u, model.StatusOnline)
	must(b.SetStatus(ctx, u, model.StatusAway, model.StatusOnline)) // idle on B
	// The connection on A closes: B's idle one remains.
	must(a.SetStatus(ctx, u, model.StatusOffline, model.StatusOnline))
	if got := st.get(u); got != model.StatusAway {
		t.Fatalf("after A's connection closed: %s, want away (B's idle connection)", got)
	}
	must(b.SetStatus(ctx, u, model.StatusOnline, model.StatusOnline))
	if got := st.get(u); got != model.StatusOnline {
		t.Fatalf("B active: %s", got)
	}

	// A and B change another user at the same time, many times: every
	// change is kept (compare-and-set), so both withdrawals leave none.
	var wg sync.WaitGroup
	for _, d := range []*Directory{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				st := model.StatusOnline
				if i%2 == 1 {
					st = model.StatusAway
				}
				if err := d.SetStatus(ctx, "user3", st, model.StatusOnline); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if got := st.get("user3"); got != model.StatusAway {
		t.Fatalf("after both instances' last change (away): %s", got)
	}
	must(a.SetStatus(ctx, "user3", model.StatusOffline, model.StatusOnline))
	if got := st.get("user3"); got != model.StatusAway {
		t.Fatalf("after A withdrew, B's idle connection remains: %s", got)
	}
	must(b.SetStatus(ctx, "user3", model.StatusOffline, model.StatusOnline))
	if got := st.get("user3"); got != model.StatusOffline {
		t.Fatalf("after both withdrew: %s", got)
	}
	if m, rev, err := a.read(ctx, "user3"); err != nil || len(m) != 0 || rev != 0 {
		t.Fatalf("announcements left: %v rev %d %v", m, rev, err)
	}

	// A user id that is not a plain key token.
	const odd = "odd.user id"
	must(c.SetStatus(ctx, odd, model.StatusOnline, model.StatusOnline))
	st.waitFor(t, odd, model.StatusOnline)

	// B and C crash: within three heartbeats and a sweep, A stores their
	// users offline.
	b.halt()
	c.halt()
	st.waitFor(t, u, model.StatusOffline)
	st.waitFor(t, odd, model.StatusOffline)

	// A closes cleanly: its users are withdrawn at once.
	must(a.SetStatus(ctx, "user2", model.StatusOnline, model.StatusOnline))
	st.waitFor(t, "user2", model.StatusOnline)
	a.Close()
	if got := st.get("user2"); got != model.StatusOffline {
		t.Fatalf("after a clean close: %s", got)
	}
}

// The whole cluster stops at once (crashes): the next instance to start
// finds the dead instances' announcements and turns their users offline.
func TestDirectoryAfterWholeClusterCrash(t *testing.T) {
	url := natstest.URL(t)
	prefix := natstest.Prefix(t, url)
	st := newStatuses()
	ctx := context.Background()
	opts := Options{URL: url, Prefix: prefix, Heartbeat: 100 * time.Millisecond}
	a, err := Open(ctx, opts, st)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.SetStatus(ctx, "left-online", model.StatusOnline, model.StatusOnline); err != nil {
		t.Fatal(err)
	}
	id := a.ID()
	a.halt()
	nc, err := natsgo.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	live, err := js.KeyValue(ctx, prefix+"_instances")
	if err != nil {
		t.Fatal(err)
	}
	// Wait until A's key has expired (three heartbeats): no instance runs.
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := live.Get(ctx, id); errors.Is(err, jetstream.ErrKeyNotFound) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the crashed instance's key did not expire")
		}
		time.Sleep(20 * time.Millisecond) // polling the key's expiry, bounded by the deadline
	}
	if got := st.get("left-online"); got != model.StatusOnline {
		t.Fatalf("before any instance runs again: %s", got)
	}
	b, err := Open(ctx, opts, st)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	st.waitFor(t, "left-online", model.StatusOffline)
	if n := b.beats.Load(); n >= sweepEvery {
		t.Fatalf("swept only after %d heartbeats: the first heartbeat should sweep", n)
	}
}
