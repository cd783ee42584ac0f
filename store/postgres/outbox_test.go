package postgres

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"liftoff/model"
	"liftoff/store"
)

// recorder is a Publisher that keeps what it is given. fail, when set,
// decides whether a call fails; taken tells whether a failing call still
// delivered its events (an acknowledgment lost on the way back).
type recorder struct {
	mu      sync.Mutex
	events  []model.Event
	calls   int
	changed chan struct{}
	fail    func(call int) (fail, taken bool)
}

func newRecorder() *recorder { return &recorder{changed: make(chan struct{})} }

func (r *recorder) Publish(_ context.Context, events ...model.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	fail, taken := false, true
	if r.fail != nil {
		fail, taken = r.fail(r.calls)
	}
	if taken {
		r.events = append(r.events, events...)
		close(r.changed)
		r.changed = make(chan struct{})
	}
	if fail {
		return errors.New("planned publish failure")
	}
	return nil
}

// waitFor waits until the recorders together hold at least n events.
func waitFor(t *testing.T, n int, rs ...*recorder) []model.Event {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		var all []model.Event
		var chs []chan struct{}
		for _, r := range rs {
			r.mu.Lock()
			all = append(all, r.events...)
			chs = append(chs, r.changed)
			r.mu.Unlock()
		}
		if len(all) >= n {
			return all
		}
		// Wake on any recorder's change (or poll the others every 50 ms).
		select {
		case <-chs[0]:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			t.Fatalf("waited for %d events, got %d", n, len(all))
		}
	}
}

// counterUpdate increments the setting "counter" and emits its new value;
// failing calls roll the increment back.
func counterUpdate(ctx context.Context, db *DB, fail bool) error {
	return db.Update(ctx, func(tx store.Tx) error {
		v := 0.0
		s, err := tx.SettingByID(ctx, "counter")
		switch {
		case err == nil:
			v = s.Value.(float64)
		case !errors.Is(err, store.ErrNotFound):
			return err
		}
		s = &model.Setting{ID: "counter", Value: v + 1, Type: "int"}
		if err := tx.UpsertSetting(ctx, s); err != nil {
			return err
		}
		tx.Emit(model.SettingChanged{Setting: s})
		if fail {
			return errors.New("planned failure")
		}
		return nil
	})
}

// checkCounting fails unless events count 1, 2, 3... and their positions
// in the global stream do too.
func checkCounting(t *testing.T, events []model.Event, epoch string) {
	t.Helper()
	for i, e := range events {
		sc := e.(model.SettingChanged)
		if v := int(sc.Setting.Value.(float64)); v != i+1 {
			t.Fatalf("event %d carries counter %d: events are not in commit order", i, v)
		}
		if sc.Pos.Stream != "" || sc.Pos.Seq != int64(i+1) || sc.Pos.Epoch != epoch {
			t.Fatalf("event %d at %+v, want seq %d of epoch %s", i, sc.Pos, i+1, epoch)
		}
	}
}

// TestCommitOrderAcrossInstances runs concurrent read-modify-write calls on
// two instances sharing a database: they must behave as if run one at a
// time (no lost update), and their events come out of the outbox in commit
// order, without gaps, whichever instance publishes.
func TestCommitOrderAcrossInstances(t *testing.T) {
	url := testURL(t)
	ra, rb := newRecorder(), newRecorder()
	a := openURL(t, url, ra, Options{MaxBatch: 16})
	b := openURL(t, url, rb, Options{MaxBatch: 16})
	ctx := t.Context()
	const n = 300
	var wg sync.WaitGroup
	var committed atomic.Int64
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db := a
			if i%2 == 1 {
				db = b
			}
			err := counterUpdate(ctx, db, i%5 == 0)
			if err == nil {
				committed.Add(1)
			} else if i%5 != 0 {
				t.Errorf("update %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	events := waitFor(t, int(committed.Load()), ra, rb)
	if len(events) != int(committed.Load()) {
		t.Fatalf("%d events for %d commits", len(events), committed.Load())
	}
	if len(ra.events) > 0 && len(rb.events) > 0 {
		t.Fatalf("both instances published (%d and %d events)", len(ra.events), len(rb.events))
	}
	checkCounting(t, events, a.Epoch())
	s, err := b.SettingByID(ctx, "counter")
	if err != nil || int(s.Value.(float64)) != int(committed.Load()) {
		t.Fatalf("counter = %v, %v; want %d (a lost update?)", s, err, committed.Load())
	}
}

// TestOutboxRetriesUntilPublished: a publisher that fails keeps the events
// in the outbox; they go out, in order, once it works, and an
// acknowledgment lost on the way back shows as a duplicate with the same
// position (at least once), never as a gap.
func TestOutboxRetriesUntilPublished(t *testing.T) {
	r := newRecorder()
	r.fail = func(call int) (bool, bool) {
		switch call {
		case 1, 2:
			return true, false // refused
		case 3:
			return true, true // taken, but the answer is lost
		}
		return false, true
	}
	db := openTest(t, r, Options{})
	ctx := t.Context()
	const n = 20
	for range n {
		if err := counterUpdate(ctx, db, false); err != nil {
			t.Fatal(err)
		}
	}
	// The call whose acknowledgment was lost is retried: wait for that
	// fourth call, then for every event.
	waitUntil(t, "the publisher is called again after the lost acknowledgment", func() bool {
		r.mu.Lock()
		defer r.mu.Unlock()
		return r.calls >= 4
	})
	// Drop duplicates by position, as consumers do.
	var unique []model.Event
	dups := 0
	for len(unique) < n {
		events := waitFor(t, len(unique)+dups+1, r)
		unique, dups = unique[:0], 0
		last := int64(0)
		for _, e := range events {
			p, _ := model.PositionOf(e)
			if p.Seq <= last {
				dups++
				continue
			}
			if p.Seq != last+1 {
				t.Fatalf("gap: %d after %d", p.Seq, last)
			}
			last = p.Seq
			unique = append(unique, e)
		}
	}
	if len(unique) != n {
		t.Fatalf("%d distinct events, want %d", len(unique), n)
	}
	if dups == 0 {
		t.Fatal("the lost acknowledgment produced no duplicate: was the failing call retried?")
	}
	checkCounting(t, unique, db.Epoch())
}

// TestPublisherFailover: events committed while the publishing instance
// cannot publish are published by another instance once the first is gone.
func TestPublisherFailover(t *testing.T) {
	url := testURL(t)
	broken := newRecorder()
	broken.fail = func(int) (bool, bool) { return true, false }
	a, err := Open(t.Context(), url, broken, Options{CloseTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	waitUntil(t, "instance a publishes", a.Publishing)
	good := newRecorder()
	b := openURL(t, url, good, Options{StandbyPoll: 50 * time.Millisecond})
	ctx := t.Context()
	for range 5 {
		if err := counterUpdate(ctx, a, false); err != nil {
			t.Fatal(err)
		}
		if err := counterUpdate(ctx, b, false); err != nil {
			t.Fatal(err)
		}
	}
	if b.Publishing() {
		t.Fatal("two instances publish")
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "instance b takes over", b.Publishing)
	if err := counterUpdate(ctx, b, false); err != nil {
		t.Fatal(err)
	}
	checkCounting(t, waitFor(t, 11, good), b.Epoch())
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestUnnumberedKindsPassThrough: a never-stored kind emitted in a
// transaction goes through the outbox without a position, between the
// numbered ones.
func TestUnnumberedKindsPassThrough(t *testing.T) {
	r := newRecorder()
	db := openTest(t, r, Options{})
	err := db.Update(t.Context(), func(tx store.Tx) error {
		tx.Emit(model.MessageDeleted{RoomID: "r1", MessageID: "a"})
		tx.Emit(model.UserActivity{RoomID: "r1", Username: "bob", Activities: []string{"user-typing"}})
		tx.Emit(model.MessageDeleted{RoomID: "r1", MessageID: "b"})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	events := waitFor(t, 3, r)
	if p, _ := model.PositionOf(events[0]); p.Seq != 1 {
		t.Fatalf("first event at %+v", p)
	}
	if ua, ok := events[1].(model.UserActivity); !ok || ua.Username != "bob" {
		t.Fatalf("second event = %#v", events[1])
	}
	if p, _ := model.PositionOf(events[2]); p.Seq != 2 || p.Stream != "r1" {
		t.Fatalf("third event at %+v", p)
	}
}
