package main

import (
	"path/filepath"
	"testing"
	"time"

	"liftoff/model"
	"liftoff/store"
	"liftoff/store/sqlite"
)

// TestSeedMessages seeds a room in several transactions and checks the
// room's counters, the time order and the thread bookkeeping.
func TestSeedMessages(t *testing.T) {
	ctx := t.Context()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "liftoff.db"), nil, sqlite.Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := model.Now()
	err = db.Update(ctx, func(tx store.Tx) error {
		if err := tx.InsertRoom(ctx, &model.Room{ID: "room1", Type: model.RoomChannel, Name: "big", CreatedAt: now, UpdatedAt: now}); err != nil {
			return err
		}
		for _, u := range []string{"ann", "bob"} {
			s := &model.Subscription{ID: "s-" + u, RoomID: "room1", User: model.UserRef{ID: "id-" + u, Username: u}, RoomType: model.RoomChannel, Name: "big", JoinedAt: now, UpdatedAt: now}
			if err := tx.InsertSubscription(ctx, s); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	const n = 2500
	var calls int
	opts := seedOptions{Room: "big", Count: n, Batch: 1000, Span: 24 * time.Hour, Insert: sqlite.InsertMessages}
	if err := seedMessages(ctx, db, opts, func(int, float64) { calls++ }); err != nil {
		t.Fatalf("seedMessages: %v", err)
	}
	if calls != 3 {
		t.Errorf("%d progress calls for 3 transactions", calls)
	}
	room, err := db.RoomByID(ctx, "room1")
	if err != nil || room.MessageCount != n || room.LastMessage == nil || !room.LastMessageAt.Equal(room.LastMessage.SentAt.Time) {
		t.Fatalf("room after seeding: %+v, %v", room, err)
	}
	all, total, err := db.ListMessages(ctx, store.MessageQuery{RoomID: "room1"}, store.Page{Sort: []store.SortKey{{Field: "ts"}}})
	if err != nil || total != n {
		t.Fatalf("ListMessages: %d, %v", total, err)
	}
	if first := all[0].SentAt.Time; first.Before(time.Now().Add(-25*time.Hour)) || all[n-1].SentAt.After(time.Now()) {
		t.Errorf("timestamps from %v to %v, want within the last 24 h", first, all[n-1].SentAt)
	}
	replies, tcounts := 0, 0
	for i, m := range all {
		if i > 0 && m.SentAt.Before(all[i-1].SentAt.Time) {
			t.Fatalf("not in time order at %d", i)
		}
		if m.Author.Username != "ann" && m.Author.Username != "bob" {
			t.Fatalf("author %q is not a member", m.Author.Username)
		}
		if m.ThreadID != "" {
			replies++
		}
		tcounts += m.ThreadCount
	}
	if replies == 0 || replies != tcounts {
		t.Errorf("%d thread replies, parents count %d", replies, tcounts)
	}
	if err := seedMessages(ctx, db, seedOptions{Room: "nope", Count: 1}, nil); err == nil {
		t.Error("seeding an unknown room succeeded")
	}
}
