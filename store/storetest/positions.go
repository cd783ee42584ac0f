package storetest

import (
	"fmt"
	"sync"

	"liftoff/model"
	"liftoff/store"
)

// testEventPositions checks the numbering of events (model.Position): each
// stream (a room, or "" for global events) counts 1, 2, 3... in commit
// order, failed updates use no number, unnumbered kinds pass unnumbered,
// and the events of concurrent updates reach the sink in number order.
func testEventPositions(h *harness) {
	alice := newUser("alice")
	room := newRoom("r1", model.RoomChannel, "one")
	h.update(func(tx store.Tx) error {
		tx.Emit(model.MessageSaved{Message: newMessage("m1", "r1", alice, 1, "hi"), Created: true,
			Pos: model.Position{Stream: "forged", Seq: 99}}) // the store's numbering wins
		tx.Emit(model.RoomChanged{Action: model.ActionUpdated, Room: room})
		tx.Emit(model.SettingChanged{Setting: &model.Setting{ID: "a"}})
		tx.Emit(model.MessageDeleted{RoomID: "r2", MessageID: "x"})
		tx.Emit(model.UserActivity{RoomID: "r1", Username: "alice"}) // never numbered
		return nil
	})
	err := h.s.Update(h.ctx, func(tx store.Tx) error {
		tx.Emit(model.MessageDeleted{RoomID: "r1", MessageID: "m1"})
		tx.Emit(model.SettingChanged{Setting: &model.Setting{ID: "lost"}})
		return errPlanned
	})
	h.mustErr(err, errPlanned, "failed update")
	h.update(func(tx store.Tx) error {
		tx.Emit(model.SubscriptionChanged{Action: model.ActionInserted, Subscription: newSub(room, alice)})
		tx.Emit(model.RoleChanged{Type: "added", RoleID: "owner", UserID: alice.ID, Scope: "r1"})
		tx.Emit(model.UserChanged{User: alice, Fields: []string{"name"}})
		return nil
	})
	events := h.waitFor(8)
	if len(events) != 8 {
		h.Fatalf("%d events, want 8", len(events))
	}
	want := []struct {
		stream string
		seq    int64
	}{{"r1", 1}, {"r1", 2}, {"", 1}, {"r2", 1}, {"-", 0}, {"r1", 3}, {"r1", 4}, {"", 2}}
	epoch := ""
	for i, e := range events {
		p, ok := model.PositionOf(e)
		if want[i].stream == "-" {
			if ok {
				h.Fatalf("event %d (%s) has a position", i, e.EventKind())
			}
			continue
		}
		if !ok || p.Stream != want[i].stream || p.Seq != want[i].seq {
			h.Fatalf("event %d (%s) at %+v, want stream %q seq %d", i, e.EventKind(), p, want[i].stream, want[i].seq)
		}
		if p.Epoch == "" || (epoch != "" && p.Epoch != epoch) {
			h.Fatalf("event %d has epoch %q, others %q", i, p.Epoch, epoch)
		}
		epoch = p.Epoch
	}

	// Concurrent updates of one stream: the sink sees 5, 6, 7... in order.
	const n = 60
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := h.s.Update(h.ctx, func(tx store.Tx) error {
				tx.Emit(model.MessageDeleted{RoomID: "r1", MessageID: fmt.Sprint("c", i)})
				tx.Emit(model.MessageDeleted{RoomID: "r3", MessageID: fmt.Sprint("c", i)})
				if i%7 == 0 {
					return errPlanned
				}
				return nil
			})
			if err != nil && err != errPlanned {
				h.Errorf("update %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	failed := (n + 6) / 7
	events = h.waitFor(8 + 2*(n-failed))
	next := map[string]int64{"r1": 5, "r3": 1}
	for _, e := range events[8:] {
		p, _ := model.PositionOf(e)
		if p.Seq != next[p.Stream] || p.Epoch != epoch {
			h.Fatalf("event of %q at %d (epoch %q), want %d: numbers must follow commit order without gaps", p.Stream, p.Seq, p.Epoch, next[p.Stream])
		}
		next[p.Stream]++
	}
	if next["r1"] != 5+int64(n-failed) || next["r3"] != 1+int64(n-failed) {
		h.Fatalf("streams ended at %v", next)
	}
}
