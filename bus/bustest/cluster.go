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

// RunCluster runs the tests that need several instances of one deployment:
// open returns n buses that share their events (an in-process bus returns
// itself n times), closed by the test.
func RunCluster(t *testing.T, open func(t *testing.T, n int) []bus.Bus) {
	t.Run("EveryInstanceGetsEveryEventInRoomOrder", func(t *testing.T) { testAcross(t, open(t, 3)) })
	t.Run("EventRepublishedByAnotherInstanceDeliveredOnce", func(t *testing.T) { testTakeover(t, open(t, 2)) })
}

// stored is a positioned test event: message id of room, at seq.
func stored(room string, seq int64, epoch string) model.Event {
	return model.MessageDeleted{RoomID: room, MessageID: fmt.Sprintf("%s-%d", room, seq),
		Pos: model.Position{Stream: room, Seq: seq, Epoch: epoch}}
}

// roomCollector keeps the positioned events a subscriber gets.
type roomCollector struct {
	mu   sync.Mutex
	got  []model.Position
	cond *sync.Cond
}

func newRoomCollector() *roomCollector {
	c := &roomCollector{}
	c.cond = sync.NewCond(&c.mu)
	return c
}

func (c *roomCollector) handle(e model.Event) {
	p, _ := model.PositionOf(e)
	c.mu.Lock()
	c.got = append(c.got, p)
	c.cond.Broadcast()
	c.mu.Unlock()
}

func (c *roomCollector) wait(t *testing.T, n int) []model.Position {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	timer := time.AfterFunc(20*time.Second, func() { c.mu.Lock(); c.cond.Broadcast(); c.mu.Unlock() })
	defer timer.Stop()
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(c.got) < n && time.Now().Before(deadline) {
		c.cond.Wait()
	}
	if len(c.got) < n {
		t.Fatalf("got %d events, want %d", len(c.got), n)
	}
	return append([]model.Position(nil), c.got...)
}

// checkRooms fails unless every room's positions count 1..want[room] in
// order, each once.
func checkRooms(t *testing.T, who string, got []model.Position, want map[string]int64) {
	t.Helper()
	next := map[string]int64{}
	for _, p := range got {
		if p.Seq != next[p.Stream]+1 {
			t.Fatalf("%s: room %s: event %d after %d (duplicate, gap or disorder)", who, p.Stream, p.Seq, next[p.Stream])
		}
		next[p.Stream] = p.Seq
	}
	for room, n := range want {
		if next[room] != n {
			t.Fatalf("%s: room %s ended at %d, want %d", who, room, next[room], n)
		}
	}
}

// testAcross: each instance publishes the events of its own rooms, in
// batches mixing rooms; every subscriber of every instance gets every
// event once, each room in order.
func testAcross(t *testing.T, bs []bus.Bus) {
	for _, b := range bs {
		defer b.Close()
	}
	var cs []*roomCollector
	for i, b := range bs {
		for j := range 2 {
			c := newRoomCollector()
			cs = append(cs, c)
			defer b.Subscribe(fmt.Sprintf("sub%d-%d", i, j), c.handle)()
		}
	}
	const perRoom = 60
	want := map[string]int64{}
	var wg sync.WaitGroup
	for i, b := range bs {
		rooms := []string{fmt.Sprintf("i%d-a", i), fmt.Sprintf("i%d-b", i), fmt.Sprintf("i%d-c", i)}
		for _, r := range rooms {
			want[r] = perRoom
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for seq := int64(1); seq <= perRoom; seq += 2 {
				var batch []model.Event
				for _, r := range rooms {
					batch = append(batch, stored(r, seq, "e1"), stored(r, seq+1, "e1"))
				}
				if err := b.Publish(context.Background(), batch...); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	total := perRoom * len(want)
	for i, c := range cs {
		checkRooms(t, fmt.Sprint("subscriber ", i), c.wait(t, total), want)
	}
}

// testTakeover: an instance publishes a stream; another one, taking over
// (as a new outbox publisher does after a crash), publishes again the
// events it cannot know were delivered, then new ones: subscribers of both
// get every event once, in order.
func testTakeover(t *testing.T, bs []bus.Bus) {
	for _, b := range bs {
		defer b.Close()
	}
	c0, c1 := newRoomCollector(), newRoomCollector()
	defer bs[0].Subscribe("c0", c0.handle)()
	defer bs[1].Subscribe("c1", c1.handle)()
	ctx := context.Background()
	publish := func(b bus.Bus, from, to int64) {
		t.Helper()
		var batch []model.Event
		for seq := from; seq <= to; seq++ {
			batch = append(batch, stored("r", seq, "e1"))
		}
		if err := b.Publish(ctx, batch...); err != nil {
			t.Fatal(err)
		}
	}
	publish(bs[0], 1, 10)
	c0.wait(t, 10)
	c1.wait(t, 10)
	publish(bs[1], 6, 10)
	publish(bs[1], 11, 15)
	checkRooms(t, "subscriber of the first instance", c0.wait(t, 15), map[string]int64{"r": 15})
	checkRooms(t, "subscriber of the second instance", c1.wait(t, 15), map[string]int64{"r": 15})
}

// testRepublished: events published again (same positions) reach each
// subscriber once; a new epoch starts the numbering over; events without a
// position always pass.
func testRepublished(t *testing.T, b bus.Bus) {
	defer b.Close()
	c := newRoomCollector()
	defer b.Subscribe("c", c.handle)()
	ctx := context.Background()
	var first []model.Event
	for seq := int64(1); seq <= 20; seq++ {
		first = append(first, stored("a", seq, "e1"), stored("b", seq, "e1"))
	}
	if err := b.Publish(ctx, first...); err != nil {
		t.Fatal(err)
	}
	if err := b.Publish(ctx, first[10:30]...); err != nil { // again: a5..b15
		t.Fatal(err)
	}
	if err := b.Publish(ctx, stored("a", 21, "e1"), model.UserActivity{RoomID: "a"}, stored("a", 15, "e1"), stored("b", 21, "e1")); err != nil {
		t.Fatal(err)
	}
	got := c.wait(t, 43)
	var positioned []model.Position
	unpositioned := 0
	for _, p := range got {
		if p.Seq == 0 {
			unpositioned++
			continue
		}
		positioned = append(positioned, p)
	}
	if unpositioned != 1 {
		t.Fatalf("%d events without a position, want 1", unpositioned)
	}
	checkRooms(t, "subscriber", positioned, map[string]int64{"a": 21, "b": 21})
	// A new epoch (a restored database) counts from 1 again.
	if err := b.Publish(ctx, stored("a", 1, "e2"), stored("a", 2, "e2")); err != nil {
		t.Fatal(err)
	}
	got = c.wait(t, 45)
	if got[43].Seq != 1 || got[43].Epoch != "e2" || got[44].Seq != 2 {
		t.Fatalf("events of the new epoch: %+v", got[43:])
	}
}
