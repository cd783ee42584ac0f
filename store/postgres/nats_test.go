package postgres

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	natsbus "liftoff/bus/nats"
	"liftoff/internal/natstest"
	"liftoff/model"
)

// These tests run the scaled-out write path: instances sharing a
// PostgreSQL database, their outbox published to a NATS bus, subscribers
// on other instances.

// frozen is a publisher that never gets its events out: an instance that
// hangs (or dies) between COMMIT and publishing.
type frozen struct{}

func (frozen) Publish(ctx context.Context, _ ...model.Event) error {
	<-ctx.Done()
	return ctx.Err()
}

// flaky publishes through a bus but reports failure on its first call
// after it published: the acknowledgment is lost.
type flaky struct {
	bus  *natsbus.Bus
	once sync.Once
}

func (f *flaky) Publish(ctx context.Context, events ...model.Event) error {
	if err := f.bus.Publish(ctx, events...); err != nil {
		return err
	}
	err := error(nil)
	f.once.Do(func() { err = errors.New("acknowledgment lost") })
	return err
}

func openBus(t *testing.T, url, prefix string) *natsbus.Bus {
	t.Helper()
	b, err := natsbus.Open(t.Context(), natsbus.Options{URL: url, Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// counting collects SettingChanged events from a bus subscription.
type counting struct {
	mu     sync.Mutex
	values []int
}

func (c *counting) handle(e model.Event) {
	if sc, ok := e.(model.SettingChanged); ok {
		c.mu.Lock()
		c.values = append(c.values, int(sc.Setting.Value.(float64)))
		c.mu.Unlock()
	}
}

// waitCounting waits until the subscriber saw 1..n, failing on anything
// else (a duplicate, a gap, disorder).
func (c *counting) waitCounting(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		c.mu.Lock()
		got := append([]int(nil), c.values...)
		c.mu.Unlock()
		for i, v := range got {
			if v != i+1 {
				t.Fatalf("subscriber got %v: not 1..n once each", got)
			}
		}
		if len(got) == n {
			return
		}
		if len(got) > n || time.Now().After(deadline) {
			t.Fatalf("subscriber got %d events, want %d", len(got), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestCrashBetweenCommitAndPublish: instance a commits and never publishes
// (it hangs, then goes); instance b takes the outbox over and publishes a's
// events, in commit order, to the subscribers of a third instance.
func TestCrashBetweenCommitAndPublish(t *testing.T) {
	url, nurl := testURL(t), natstest.URL(t)
	prefix := natstest.Prefix(t, nurl)
	watcher := openBus(t, nurl, prefix)
	var seen counting
	defer watcher.Subscribe("watcher", seen.handle)()

	a, err := Open(t.Context(), url, frozen{}, Options{CloseTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	waitUntil(t, "instance a publishes", a.Publishing)
	b := openURL(t, url, openBus(t, nurl, prefix), Options{StandbyPoll: 50 * time.Millisecond})
	ctx := t.Context()
	for i := range 10 {
		db := a
		if i%2 == 1 {
			db = b
		}
		if err := counterUpdate(ctx, db, false); err != nil {
			t.Fatal(err)
		}
	}
	a.Close() // a goes, its events unpublished
	waitUntil(t, "instance b takes over", b.Publishing)
	if err := counterUpdate(ctx, b, false); err != nil {
		t.Fatal(err)
	}
	seen.waitCounting(t, 11)
}

// TestLostAcknowledgmentDeliveredOnce: the publisher's bus stored the
// events but the store did not learn it and publishes them again: the
// subscribers of every instance still get each event once.
func TestLostAcknowledgmentDeliveredOnce(t *testing.T) {
	url, nurl := testURL(t), natstest.URL(t)
	prefix := natstest.Prefix(t, nurl)
	watcher := openBus(t, nurl, prefix)
	var seen counting
	defer watcher.Subscribe("watcher", seen.handle)()
	own := openBus(t, nurl, prefix)
	var local counting
	defer own.Subscribe("local", local.handle)()
	db := openURL(t, url, &flaky{bus: own}, Options{})
	for range 8 {
		if err := counterUpdate(t.Context(), db, false); err != nil {
			t.Fatal(err)
		}
	}
	seen.waitCounting(t, 8)
	local.waitCounting(t, 8)
}
