package nats_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"liftoff/bus"
	"liftoff/bus/bustest"
	natsbus "liftoff/bus/nats"
	"liftoff/internal/natstest"
	"liftoff/model"
)

func open(t *testing.T, url, prefix string) *natsbus.Bus {
	t.Helper()
	b, err := natsbus.Open(t.Context(), natsbus.Options{URL: url, Prefix: prefix})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func TestContract(t *testing.T) {
	url := natstest.URL(t)
	bustest.Run(t, func(t *testing.T) bus.Bus {
		return open(t, url, natstest.Prefix(t, url))
	}, bustest.Durable())
	bustest.RunCluster(t, func(t *testing.T, n int) []bus.Bus {
		prefix := natstest.Prefix(t, url)
		bs := make([]bus.Bus, n)
		for i := range bs {
			bs[i] = open(t, url, prefix)
		}
		return bs
	})
}

// seqCollector records the positions it gets, for one stream.
type seqCollector struct {
	mu   sync.Mutex
	got  []int64
	more chan struct{}
}

func newSeqCollector() *seqCollector { return &seqCollector{more: make(chan struct{})} }

func (c *seqCollector) handle(e model.Event) {
	p, _ := model.PositionOf(e)
	c.mu.Lock()
	c.got = append(c.got, p.Seq)
	close(c.more)
	c.more = make(chan struct{})
	c.mu.Unlock()
}

// waitCount waits until n events arrived and checks they are 1..n.
func (c *seqCollector) waitCount(t *testing.T, who string, n int) {
	t.Helper()
	deadline := time.After(60 * time.Second)
	for {
		c.mu.Lock()
		got, more := append([]int64(nil), c.got...), c.more
		c.mu.Unlock()
		for i, s := range got {
			if s != int64(i+1) {
				t.Fatalf("%s: event %d is seq %d (duplicate, gap or disorder): %v", who, i, s, got)
			}
		}
		if len(got) >= n {
			if len(got) > n {
				t.Fatalf("%s: %d events, want %d", who, len(got), n)
			}
			return
		}
		select {
		case <-more:
		case <-deadline:
			t.Fatalf("%s: got %d events, want %d", who, len(got), n)
		}
	}
}

func stored(seq int64) model.Event {
	return model.MessageDeleted{RoomID: "r1", MessageID: fmt.Sprint("m", seq), Pos: model.Position{Stream: "r1", Seq: seq, Epoch: "e"}}
}

// publishUntilStored publishes like the PostgreSQL outbox does: again and
// again until the server takes it.
// onFail, when not nil, is called after each failed attempt.
func publishUntilStored(t *testing.T, b *natsbus.Bus, e model.Event, onFail func()) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
		err := b.Publish(ctx, e)
		cancel()
		if err == nil {
			return
		}
		if onFail != nil {
			onFail()
		}
		if time.Now().After(deadline) {
			t.Errorf("publish never succeeded: %v", err) // not Fatal: may run on another goroutine
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestServerRestartLosesNothing: the NATS server is killed and restarted
// while two instances publish and subscribe; publications fail while it is
// down (and are retried), delivery resumes by itself, and every subscriber
// gets every event once, in order.
func TestServerRestartLosesNothing(t *testing.T) {
	srv := natstest.Start(t)
	a, b := open(t, srv.URL, "restart"), open(t, srv.URL, "restart")
	ca, cb := newSeqCollector(), newSeqCollector()
	defer a.Subscribe("a", ca.handle)()
	defer b.Subscribe("b", cb.handle)()
	for seq := int64(1); seq <= 20; seq++ {
		publishUntilStored(t, a, stored(seq), nil)
	}
	ca.waitCount(t, "subscriber of a", 20)
	cb.waitCount(t, "subscriber of b", 20)

	srv.Stop()
	// While the server is down, a publication fails within its deadline
	// instead of hanging.
	ctx, cancel := context.WithTimeout(t.Context(), time.Second)
	err := a.Publish(ctx, stored(21))
	cancel()
	if err == nil {
		t.Fatal("publishing with the server down succeeded")
	}
	done := make(chan struct{})
	failed := make(chan struct{})
	var once sync.Once
	go func() {
		defer close(done)
		for seq := int64(21); seq <= 40; seq++ {
			publishUntilStored(t, b, stored(seq), func() { once.Do(func() { close(failed) }) })
		}
	}()
	// Down until a publication has failed (and been retried; the client
	// also buffers publications and sends them on reconnect, so the server
	// sees repeats, which it drops by message id).
	select {
	case <-failed:
	case <-time.After(30 * time.Second):
		t.Fatal("no publication failed while the server was down")
	}
	srv.Restart()
	<-done
	ca.waitCount(t, "subscriber of a", 40)
	cb.waitCount(t, "subscriber of b", 40)
}

func TestOptions(t *testing.T) {
	for _, o := range []natsbus.Options{{}, {URL: "nats://127.0.0.1:1", Prefix: "a.b"}, {URL: "nats://127.0.0.1:1", Prefix: "a b"}} {
		if _, err := natsbus.Open(t.Context(), o); err == nil {
			t.Fatalf("Open(%+v) succeeded", o)
		}
	}
	_, err := natsbus.Open(t.Context(), natsbus.Options{URL: "nats://127.0.0.1:1", Prefix: "ok"})
	if err == nil || !strings.Contains(err.Error(), "connect") {
		t.Fatalf("Open without a server: %v", err)
	}
}

// TestLargePublishSplits: a Publish call whose events exceed the server's
// largest message goes out as several, still in order; one event too large
// on its own is refused with a clear error.
func TestLargePublishSplits(t *testing.T) {
	url := natstest.URL(t)
	b := open(t, url, natstest.Prefix(t, url))
	c := newSeqCollector()
	defer b.Subscribe("c", c.handle)()
	big := strings.Repeat("x", 200_000)
	var events []model.Event
	for seq := int64(1); seq <= 12; seq++ {
		m := &model.Message{ID: fmt.Sprint("m", seq), RoomID: "r1", Msg: big}
		events = append(events, model.MessageSaved{Message: m, Pos: model.Position{Stream: "r1", Seq: seq, Epoch: "e"}})
	}
	if err := b.Publish(t.Context(), events...); err != nil {
		t.Fatal(err)
	}
	c.waitCount(t, "subscriber", 12)
	huge := model.MessageSaved{Message: &model.Message{ID: "huge", Msg: strings.Repeat("y", 2<<20)}}
	if err := b.Publish(t.Context(), huge); err == nil || !strings.Contains(err.Error(), "exceeds") {
		t.Fatalf("publishing a 2 MiB event: %v", err)
	}
}

func TestPublishAfterClose(t *testing.T) {
	url := natstest.URL(t)
	b := open(t, url, natstest.Prefix(t, url))
	b.Close()
	if err := b.Publish(t.Context(), stored(1)); !errors.Is(err, bus.ErrClosed) {
		t.Fatalf("Publish after Close = %v", err)
	}
}

// BenchmarkNATS measures the NATS bus on the machine's server: published
// on one instance, delivered to a subscriber of another.
//
//	go test ./bus/nats -run '^$' -bench NATS -count 3
func BenchmarkNATS(b *testing.B) {
	url := natstest.URL(b)
	pair := func(b *testing.B) (*natsbus.Bus, *natsbus.Bus) {
		prefix := natstest.Prefix(b, url)
		var bs [2]*natsbus.Bus
		for i := range bs {
			x, err := natsbus.Open(b.Context(), natsbus.Options{URL: url, Prefix: prefix})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { x.Close() })
			bs[i] = x
		}
		return bs[0], bs[1]
	}
	b.Run("Latency", func(b *testing.B) {
		pub, sub := pair(b)
		bustest.BenchLatency(b, pub, sub)
	})
	for _, batch := range []int{1, 100} {
		b.Run(fmt.Sprintf("Throughput/batch=%d", batch), func(b *testing.B) {
			pub, sub := pair(b)
			bustest.BenchThroughput(b, pub, sub, batch)
		})
	}
}
