// Package bustest is the contract suite every bus.Bus implementation must
// pass: ordered, complete delivery to every subscriber, back-pressure
// instead of loss, unsubscribe and close.
package bustest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"liftoff/bus"
	"liftoff/model"
)

// Run runs the contract suite; open returns a fresh, empty bus.
func Run(t *testing.T, open func(t *testing.T) bus.Bus) {
	t.Run("OrderedCompleteDelivery", func(t *testing.T) { testOrdered(t, open(t)) })
	t.Run("SlowSubscriberLosesNothing", func(t *testing.T) { testSlow(t, open(t)) })
	t.Run("Unsubscribe", func(t *testing.T) { testUnsubscribe(t, open(t)) })
	t.Run("CloseDrains", func(t *testing.T) { testClose(t, open(t)) })
	t.Run("ConcurrentPublishersKeepTheirOrder", func(t *testing.T) { testConcurrent(t, open(t)) })
	t.Run("BatchSubscriber", func(t *testing.T) {
		b := open(t)
		bs, ok := b.(bus.BatchSubscriber)
		if !ok {
			b.Close()
			t.Skip("the bus does not implement bus.BatchSubscriber")
		}
		testBatch(t, b, bs)
	})
}

// testBatch checks a batch subscriber gets every event once, in order,
// each Publish call's events in one batch.
func testBatch(t *testing.T, b bus.Bus, bs bus.BatchSubscriber) {
	defer b.Close()
	const n, per = 3000, 3
	c := newCollector()
	var mu sync.Mutex
	var split []string
	defer bs.SubscribeBatch("batch", func(events []model.Event) {
		if len(events)%per != 0 {
			mu.Lock()
			split = append(split, fmt.Sprintf("a batch of %d events", len(events)))
			mu.Unlock()
		}
		for _, e := range events {
			c.handle(e)
		}
	})()
	ctx := context.Background()
	for i := 0; i < n; i += per {
		if err := b.Publish(ctx, seq(0, i), seq(0, i+1), seq(0, i+2)); err != nil {
			t.Fatal(err)
		}
	}
	got := c.wait(t, n)
	if len(got) != n {
		t.Fatalf("got %d events, want %d", len(got), n)
	}
	for i, e := range got {
		if e.Username != fmt.Sprint(i) {
			t.Fatalf("event %d is %s: out of order", i, e.Username)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(split) > 0 {
		t.Fatalf("a Publish call's events were split: %v", split[0])
	}
}

// seq is the test event: a publisher id and a sequence number.
func seq(pub, n int) model.Event {
	return model.UserActivity{RoomID: fmt.Sprint(pub), Username: fmt.Sprint(n)}
}

type collector struct {
	mu   sync.Mutex
	got  []model.UserActivity
	cond *sync.Cond
}

func newCollector() *collector {
	c := &collector{}
	c.cond = sync.NewCond(&c.mu)
	return c
}

func (c *collector) handle(e model.Event) {
	c.mu.Lock()
	c.got = append(c.got, e.(model.UserActivity))
	c.cond.Broadcast()
	c.mu.Unlock()
}

// wait blocks until n events arrived or the deadline passes.
func (c *collector) wait(t *testing.T, n int) []model.UserActivity {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	timer := time.AfterFunc(10*time.Second, func() { c.mu.Lock(); c.cond.Broadcast(); c.mu.Unlock() })
	defer timer.Stop()
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(c.got) < n && time.Now().Before(deadline) {
		c.cond.Wait()
	}
	if len(c.got) < n {
		t.Fatalf("got %d events, want %d", len(c.got), n)
	}
	return append([]model.UserActivity(nil), c.got...)
}

func testOrdered(t *testing.T, b bus.Bus) {
	defer b.Close()
	const n = 2000
	cs := []*collector{newCollector(), newCollector(), newCollector()}
	for i, c := range cs {
		defer b.Subscribe(fmt.Sprint("sub", i), c.handle)()
	}
	ctx := context.Background()
	for i := 0; i < n; i += 4 { // batches of several events per call
		if err := b.Publish(ctx, seq(0, i), seq(0, i+1), seq(0, i+2), seq(0, i+3)); err != nil {
			t.Fatal(err)
		}
	}
	for ci, c := range cs {
		got := c.wait(t, n)
		if len(got) != n {
			t.Fatalf("subscriber %d got %d events, want %d", ci, len(got), n)
		}
		for i, e := range got {
			if e.Username != fmt.Sprint(i) {
				t.Fatalf("subscriber %d: event %d is %s: out of order", ci, i, e.Username)
			}
		}
	}
}

func testSlow(t *testing.T, b bus.Bus) {
	defer b.Close()
	const n = 10000 // more than any sane queue bound
	slow := newCollector()
	release := make(chan struct{})
	defer b.Subscribe("slow", func(e model.Event) {
		<-release
		slow.handle(e)
	})()
	fast := newCollector()
	defer b.Subscribe("fast", fast.handle)()
	done := make(chan error, 1)
	go func() {
		for i := 0; i < n; i++ {
			if err := b.Publish(context.Background(), seq(0, i)); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := slow.wait(t, n); len(got) != n || got[n-1].Username != fmt.Sprint(n-1) {
		t.Fatalf("slow subscriber got %d events", len(got))
	}
	fast.wait(t, n)

	// A publisher blocked by a full queue gives up when its context ends.
	stuck := make(chan struct{})
	defer close(stuck)
	unsub := b.Subscribe("stuck", func(model.Event) { <-stuck })
	defer func() { go unsub() }()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	var err error
	for i := 0; i < 1_000_000 && err == nil; i++ {
		err = b.Publish(ctx, seq(1, i))
	}
	if err == nil {
		t.Fatal("publishing into a stuck subscriber never blocked")
	}
}

func testUnsubscribe(t *testing.T, b bus.Bus) {
	defer b.Close()
	a, c := newCollector(), newCollector()
	unsubA := b.Subscribe("a", a.handle)
	defer b.Subscribe("c", c.handle)()
	ctx := context.Background()
	if err := b.Publish(ctx, seq(0, 0)); err != nil {
		t.Fatal(err)
	}
	a.wait(t, 1)
	unsubA()
	unsubA() // idempotent
	if err := b.Publish(ctx, seq(0, 1)); err != nil {
		t.Fatal(err)
	}
	c.wait(t, 2)
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.got) != 1 {
		t.Fatalf("unsubscribed handler got %d events, want 1", len(a.got))
	}
}

func testClose(t *testing.T, b bus.Bus) {
	c := newCollector()
	b.Subscribe("c", c.handle)
	ctx := context.Background()
	for i := 0; i < 100; i++ {
		if err := b.Publish(ctx, seq(0, i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	c.mu.Lock()
	n := len(c.got)
	c.mu.Unlock()
	if n != 100 {
		t.Fatalf("close returned before queued events were handled: %d of 100", n)
	}
	if err := b.Publish(ctx, seq(0, 100)); err == nil {
		t.Fatal("publish after close succeeded")
	}
}

func testConcurrent(t *testing.T, b bus.Bus) {
	defer b.Close()
	const pubs, n = 4, 500
	c := newCollector()
	defer b.Subscribe("c", c.handle)()
	var wg sync.WaitGroup
	for p := 0; p < pubs; p++ {
		wg.Add(1)
		go func(p int) {
			defer wg.Done()
			for i := 0; i < n; i++ {
				if err := b.Publish(context.Background(), seq(p, i)); err != nil {
					t.Error(err)
					return
				}
			}
		}(p)
	}
	wg.Wait()
	got := c.wait(t, pubs*n)
	next := make([]int, pubs)
	for _, e := range got {
		var p, i int
		fmt.Sscan(e.RoomID, &p)
		fmt.Sscan(e.Username, &i)
		if i != next[p] {
			t.Fatalf("publisher %d: event %d arrived when %d was expected", p, i, next[p])
		}
		next[p]++
	}
}
