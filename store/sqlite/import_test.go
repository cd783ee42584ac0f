package sqlite

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"liftoff/model"
	"liftoff/store"
)

// TestInsertMessages checks the bulk path against the single-row one: every
// message is stored with its columns (thread replies findable by tmid), in
// time order, full-text indexed, and a duplicate id fails the whole call.
func TestInsertMessages(t *testing.T) {
	db := openTest(t, nil, Options{Synchronous: "NORMAL"})
	ctx := t.Context()
	base := time.Now().Add(-time.Hour)
	const n = 2*importRowsPerStatement + 7 // two full statements and a short one
	msgs := make([]*model.Message, n)
	for i := range msgs {
		ts := model.TimeOf(base.Add(time.Duration(i) * time.Second))
		msgs[i] = &model.Message{ID: fmt.Sprintf("bulk%05d", i), RoomID: "r1", Msg: fmt.Sprintf("bulk text number%d", i),
			SentAt: ts, UpdatedAt: ts, Author: model.UserRef{ID: "u1", Username: "ann"}}
		if i%10 == 9 {
			msgs[i].ThreadID = msgs[i-1].ID
		}
	}
	if err := db.Update(ctx, func(tx store.Tx) error { return InsertMessages(ctx, tx, msgs) }); err != nil {
		t.Fatalf("InsertMessages: %v", err)
	}
	page, total, err := db.ListMessages(ctx, store.MessageQuery{RoomID: "r1"}, store.Page{Count: 3})
	if err != nil || total != n || len(page) != 3 || page[0].ID != msgs[n-1].ID || page[0].Author.Username != "ann" {
		t.Fatalf("ListMessages: total %d, first %+v, %v", total, page, err)
	}
	replies, _, err := db.ListMessages(ctx, store.MessageQuery{RoomID: "r1", ThreadID: msgs[8].ID}, store.Page{})
	if err != nil || len(replies) != 1 || replies[0].ID != msgs[9].ID {
		t.Fatalf("thread replies: %v, %v", replies, err)
	}
	found, _, err := db.SearchMessages(ctx, "r1", "number150", store.Page{})
	if err != nil || len(found) != 1 || found[0].ID != msgs[150].ID {
		t.Fatalf("search: %v, %v", found, err)
	}
	dup := []*model.Message{{ID: "fresh1", RoomID: "r1", Msg: "x"}, {ID: msgs[3].ID, RoomID: "r1", Msg: "y"}}
	err = db.Update(ctx, func(tx store.Tx) error { return InsertMessages(ctx, tx, dup) })
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("duplicate id: %v, want ErrConflict", err)
	}
	if _, err := db.MessageByID(ctx, "fresh1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a failed call kept a message: %v", err)
	}
}

// TestNoTotal checks that Page.NoTotal skips the count of a full page.
func TestNoTotal(t *testing.T) {
	db := openTest(t, nil, Options{Synchronous: "NORMAL"})
	ctx := t.Context()
	msgs := make([]*model.Message, 10)
	for i := range msgs {
		msgs[i] = &model.Message{ID: fmt.Sprintf("nt%02d", i), RoomID: "r1", Msg: "x", SentAt: model.TimeOf(time.UnixMilli(int64(1000 + i)))}
	}
	if err := db.Update(ctx, func(tx store.Tx) error { return InsertMessages(ctx, tx, msgs) }); err != nil {
		t.Fatal(err)
	}
	q := store.MessageQuery{RoomID: "r1"}
	if page, total, err := db.ListMessages(ctx, q, store.Page{Offset: 2, Count: 3}); err != nil || len(page) != 3 || total != 10 {
		t.Fatalf("counted: %d messages, total %d, %v", len(page), total, err)
	}
	if page, total, err := db.ListMessages(ctx, q, store.Page{Offset: 2, Count: 3, NoTotal: true}); err != nil || len(page) != 3 || total != 5 {
		t.Fatalf("NoTotal: %d messages, total %d (want offset+page = 5), %v", len(page), total, err)
	}
}
