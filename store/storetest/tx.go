package storetest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"liftoff/model"
	"liftoff/store"
)

func testTxReadsOwnWrites(h *harness) {
	alice := newUser("alice")
	h.update(func(tx store.Tx) error {
		if err := tx.InsertUser(h.ctx, alice); err != nil {
			return err
		}
		u, err := tx.UserByUsername(h.ctx, "ALICE")
		if err != nil {
			return fmt.Errorf("read own user: %w", err)
		}
		if u.ID != alice.ID {
			return fmt.Errorf("read user %s", u.ID)
		}
		if _, total, err := tx.ListUsers(h.ctx, store.UserQuery{}, store.Page{}); err != nil || total != 1 {
			return fmt.Errorf("ListUsers in tx: total %d, %v", total, err)
		}
		if err := tx.InsertMessage(h.ctx, newMessage("m1", "r1", alice, 1, "findable words")); err != nil {
			return err
		}
		if ms, _, err := tx.SearchMessages(h.ctx, "r1", "findable", store.Page{}); err != nil || len(ms) != 1 {
			return fmt.Errorf("SearchMessages in tx: %d, %v", len(ms), err)
		}
		upd := *alice
		upd.Name = "Changed"
		if err := tx.UpdateUser(h.ctx, &upd); err != nil {
			return err
		}
		if u, err := tx.UserByID(h.ctx, alice.ID); err != nil || u.Name != "Changed" {
			return fmt.Errorf("read own update: %v", err)
		}
		return nil
	})
}

var errPlanned = errors.New("planned failure")

func testFnErrorRollsBack(h *harness) {
	alice := newUser("alice")
	h.insertUsers(alice)
	err := h.s.Update(h.ctx, func(tx store.Tx) error {
		if err := tx.InsertUser(h.ctx, newUser("bob")); err != nil {
			return err
		}
		if err := tx.InsertMessage(h.ctx, newMessage("m1", "r1", alice, 1, "gone")); err != nil {
			return err
		}
		upd := *alice
		upd.Name = "Changed"
		if err := tx.UpdateUser(h.ctx, &upd); err != nil {
			return err
		}
		tx.Emit(model.UserChanged{User: &upd, Fields: []string{"name"}})
		return errPlanned
	})
	if err != errPlanned { // the contract: returned as is, unwrapped
		h.Fatalf("Update returned %v, want the function's error as is", err)
	}
	_, err = h.s.UserByUsername(h.ctx, "bob")
	h.mustErr(err, store.ErrNotFound, "user inserted by a failed update")
	_, err = h.s.MessageByID(h.ctx, "m1")
	h.mustErr(err, store.ErrNotFound, "message inserted by a failed update")
	u, err := h.s.UserByID(h.ctx, alice.ID)
	h.noErr(err, "UserByID")
	h.sameJSON(u, alice, "user updated by a failed update")

	// A conflict inside a function that goes on to fail: the earlier write
	// of the same function is rolled back too.
	err = h.s.Update(h.ctx, func(tx store.Tx) error {
		if err := tx.InsertUser(h.ctx, newUser("carl")); err != nil {
			return err
		}
		return tx.InsertUser(h.ctx, newUser("ALICE"))
	})
	h.mustErr(err, store.ErrConflict, "duplicate in update")
	_, err = h.s.UserByUsername(h.ctx, "carl")
	h.mustErr(err, store.ErrNotFound, "write before the conflict")

	// A function may handle an error and go on; its other writes commit.
	h.update(func(tx store.Tx) error {
		if err := tx.InsertUser(h.ctx, newUser("alice")); !errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("want a conflict, got %v", err)
		}
		return tx.InsertUser(h.ctx, newUser("dora"))
	})
	_, err = h.s.UserByUsername(h.ctx, "dora")
	h.noErr(err, "write after a handled conflict")

	// A sink never saw any of the failed updates.
	h.update(func(tx store.Tx) error {
		tx.Emit(model.SettingChanged{Setting: &model.Setting{ID: "marker"}})
		return nil
	})
	events := h.waitFor(1)
	if len(events) != 1 {
		h.Fatalf("events = %#v", events)
	}
	if e, ok := events[0].(model.SettingChanged); !ok || e.Setting.ID != "marker" {
		h.Fatalf("event = %#v", events[0])
	}
}

func testEventsAfterCommit(h *harness) {
	alice := newUser("alice")
	m := newMessage("m1", "r1", alice, 1, "hi")
	h.update(func(tx store.Tx) error {
		if err := tx.InsertMessage(h.ctx, m); err != nil {
			return err
		}
		tx.Emit(model.MessageSaved{Message: m, Created: true})
		tx.Emit(model.RoomChanged{Action: model.ActionUpdated, Room: newRoom("r1", "c", "one")})
		return nil
	})
	events := h.waitFor(2)
	if len(events) != 2 {
		h.Fatalf("%d events", len(events))
	}
	if e, ok := events[0].(model.MessageSaved); !ok || e.Message.ID != "m1" {
		h.Fatalf("first event = %#v", events[0])
	}
	if _, ok := events[1].(model.RoomChanged); !ok {
		h.Fatalf("second event = %#v", events[1])
	}
	h.rec.mu.Lock()
	unseen := h.rec.unseen
	h.rec.mu.Unlock()
	if unseen != 0 {
		h.Fatal("the sink got an event before its write was visible to readers")
	}
	// An update that emits nothing publishes nothing.
	h.update(func(tx store.Tx) error { return tx.InsertMessage(h.ctx, newMessage("m2", "r1", alice, 2, "quiet")) })
	h.update(func(tx store.Tx) error {
		tx.Emit(model.SettingChanged{Setting: &model.Setting{ID: "after"}})
		return nil
	})
	events = h.waitFor(3)
	if len(events) != 3 {
		h.Fatalf("%d events, want 3", len(events))
	}
}

func testEventOrder(h *harness) {
	const n = 30
	for i := range n {
		h.update(func(tx store.Tx) error {
			for j := range 3 {
				tx.Emit(model.SettingChanged{Setting: &model.Setting{ID: fmt.Sprintf("%03d-%d", i, j)}})
			}
			return nil
		})
	}
	events := h.waitFor(3 * n)
	if len(events) != 3*n {
		h.Fatalf("%d events, want %d", len(events), 3*n)
	}
	for k, e := range events {
		want := fmt.Sprintf("%03d-%d", k/3, k%3)
		if got := e.(model.SettingChanged).Setting.ID; got != want {
			h.Fatalf("event %d is %s, want %s", k, got, want)
		}
	}
}

func testConcurrentUpdates(h *harness) {
	alice := newUser("alice")
	h.insertUsers(alice)
	const n = 200
	type outcome struct {
		kind int // 0 commits, 1 fails on its own, 2 races for one id
		err  error
	}
	out := make([]outcome, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			kind := i % 4
			if kind == 3 {
				kind = 0
			}
			out[i].kind = kind
			out[i].err = h.s.Update(h.ctx, func(tx store.Tx) error {
				switch kind {
				case 1:
					if err := tx.InsertMessage(h.ctx, newMessage(fmt.Sprintf("c%03d", i), "r1", alice, i, "failed")); err != nil {
						return err
					}
					tx.Emit(model.SettingChanged{Setting: &model.Setting{ID: fmt.Sprintf("c%03d-a", i)}})
					return errPlanned
				case 2:
					if err := tx.InsertMessage(h.ctx, newMessage("shared", "r1", alice, i, fmt.Sprint(i))); err != nil {
						return err
					}
				default:
					if err := tx.InsertMessage(h.ctx, newMessage(fmt.Sprintf("c%03d", i), "r1", alice, i, "ok")); err != nil {
						return err
					}
				}
				// Two events per call, which must arrive together and in order.
				tx.Emit(model.SettingChanged{Setting: &model.Setting{ID: fmt.Sprintf("c%03d-a", i)}})
				tx.Emit(model.SettingChanged{Setting: &model.Setting{ID: fmt.Sprintf("c%03d-b", i)}})
				return nil
			})
		}()
	}
	close(start)
	wg.Wait()

	committed := map[string]bool{}
	sharedWinners := 0
	for i, o := range out {
		id := fmt.Sprintf("c%03d", i)
		switch o.kind {
		case 0:
			h.noErr(o.err, "update "+id)
			committed[id] = true
		case 1:
			if o.err != errPlanned { // returned as is, unwrapped
				h.Fatalf("update %s returned %v, want the planned failure", id, o.err)
			}
		case 2:
			if o.err == nil {
				sharedWinners++
				committed[id] = true
			} else {
				h.mustErr(o.err, store.ErrConflict, "racing insert "+id)
			}
		}
	}
	if sharedWinners != 1 {
		h.Fatalf("%d updates inserted the shared id, want 1", sharedWinners)
	}
	ms, total, err := h.s.ListMessages(h.ctx, store.MessageQuery{RoomID: "r1"}, store.Page{})
	h.noErr(err, "ListMessages")
	if total != len(committed) {
		h.Fatalf("%d messages stored, want %d", total, len(committed))
	}
	for _, m := range ms {
		if m.Msg == "failed" {
			h.Fatalf("message %s of a failed update was stored", m.ID)
		}
	}

	events := h.waitFor(2 * len(committed))
	if len(events) != 2*len(committed) {
		h.Fatalf("%d events, want %d", len(events), 2*len(committed))
	}
	seen := map[string]bool{}
	for k := 0; k < len(events); k += 2 {
		a := events[k].(model.SettingChanged).Setting.ID
		b := events[k+1].(model.SettingChanged).Setting.ID
		id := a[:len(a)-2]
		if a != id+"-a" || b != id+"-b" {
			h.Fatalf("events %d and %d are %s and %s: one call's events must be adjacent and in order", k, k+1, a, b)
		}
		if !committed[id] || seen[id] {
			h.Fatalf("event of %s: committed %v, seen before %v", id, committed[id], seen[id])
		}
		seen[id] = true
	}
}

func testCanceledContext(h *harness) {
	ctx, cancel := context.WithCancel(h.ctx)
	cancel()
	ran := false
	err := h.s.Update(ctx, func(tx store.Tx) error {
		ran = true
		return tx.InsertUser(ctx, newUser("alice"))
	})
	if !errors.Is(err, context.Canceled) {
		h.Fatalf("Update with a canceled context returned %v", err)
	}
	if ran {
		// A backend may run fn; then its writes must not be kept.
		h.Log("fn ran despite the canceled context")
	}
	_, err = h.s.UserByUsername(h.ctx, "alice")
	h.mustErr(err, store.ErrNotFound, "user of a canceled update")
	// The store still works.
	h.insertUsers(newUser("alice"))
}

func testBackup(h *harness) {
	alice := newUser("alice")
	h.insertUsers(alice)
	path := filepath.Join(h.TempDir(), "backup")
	h.noErr(h.s.Backup(h.ctx, path), "Backup")
	st, err := os.Stat(path)
	h.noErr(err, "stat backup")
	if st.Size() == 0 {
		h.Fatal("empty backup")
	}
}
