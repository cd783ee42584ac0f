// Package receiptstest is the contract suite every receipts.Store must
// pass (store/sqlite and store/postgres run it).
package receiptstest

import (
	"context"
	"testing"
	"time"

	"liftoff/model"
	"liftoff/receipts"
	"liftoff/store"
)

// Store is a backend: the core store (messages, subscriptions) and the
// receipts' store over the same database.
type Store interface {
	store.Store
	receipts.Store
}

// Run checks a fresh, empty store returned by open.
func Run(t *testing.T, open func(t *testing.T) Store) {
	base := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	at := func(min int) model.Time { return model.TimeOf(base.Add(time.Duration(min) * time.Minute)) }

	t.Run("unread messages follow the flag", func(t *testing.T) {
		s := open(t)
		ctx := context.Background()
		msgs := []*model.Message{
			{ID: "m1", RoomID: "r1", Msg: "a", SentAt: at(1), UpdatedAt: at(1), Author: model.UserRef{ID: "u1", Username: "one"}, Unread: true},
			{ID: "m2", RoomID: "r1", Msg: "b", SentAt: at(2), UpdatedAt: at(2), Author: model.UserRef{ID: "u2", Username: "two"}},
			{ID: "m3", RoomID: "r1", Msg: "c", SentAt: at(3), UpdatedAt: at(3), Author: model.UserRef{ID: "u2", Username: "two"}, Unread: true},
			{ID: "m4", RoomID: "r2", Msg: "d", SentAt: at(1), UpdatedAt: at(1), Author: model.UserRef{ID: "u1", Username: "one"}, Unread: true},
			{ID: "m5", RoomID: "r1", Msg: "e", SentAt: at(4), UpdatedAt: at(4), Author: model.UserRef{ID: "u1", Username: "one"}, Unread: true, Hidden: true},
		}
		err := s.Update(ctx, func(tx store.Tx) error {
			for _, m := range msgs {
				if err := tx.InsertMessage(ctx, m); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.UnreadMessages(ctx, "r1")
		if err != nil || len(got) != 2 || got[0].ID != "m1" || got[1].ID != "m3" ||
			got[0].AuthorID != "u1" || !got[0].SentAt.Equal(at(1).Time) || !got[1].SentAt.Equal(at(3).Time) {
			t.Fatalf("unread of r1 (hidden left out): %+v %v", got, err)
		}
		// Clearing the flag through UpdateMessage takes the message out.
		err = s.Update(ctx, func(tx store.Tx) error {
			m, err := tx.MessageByID(ctx, "m1")
			if err != nil {
				return err
			}
			if !m.Unread {
				t.Errorf("stored message lost its flag: %+v", m)
			}
			c := *m
			c.Unread = false
			return tx.UpdateMessage(ctx, &c)
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err = s.UnreadMessages(ctx, "r1")
		if err != nil || len(got) != 1 || got[0].ID != "m3" {
			t.Fatalf("after clearing m1: %+v %v", got, err)
		}
		if m, err := s.MessageByID(ctx, "m1"); err != nil || m.Unread {
			t.Fatalf("m1 read back: %+v %v", m, err)
		}
		if got, err := s.UnreadMessages(ctx, "nope"); err != nil || len(got) != 0 {
			t.Fatalf("unknown room: %+v %v", got, err)
		}
	})

	t.Run("last seen of members", func(t *testing.T) {
		s := open(t)
		ctx := context.Background()
		subs := []*model.Subscription{
			{ID: "s1", RoomID: "r1", User: model.UserRef{ID: "u1", Username: "one"}, RoomType: "c", Name: "r", JoinedAt: at(0), UpdatedAt: at(0), LastSeen: at(5)},
			{ID: "s2", RoomID: "r1", User: model.UserRef{ID: "u2", Username: "two"}, RoomType: "c", Name: "r", JoinedAt: at(0), UpdatedAt: at(0)},
			{ID: "s3", RoomID: "r2", User: model.UserRef{ID: "u3", Username: "three"}, RoomType: "c", Name: "q", JoinedAt: at(0), UpdatedAt: at(0), LastSeen: at(1)},
		}
		err := s.Update(ctx, func(tx store.Tx) error {
			for _, sub := range subs {
				if err := tx.InsertSubscription(ctx, sub); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		seen, err := s.LastSeenOfMembers(ctx, "r1")
		if err != nil || len(seen) != 2 || !seen["u1"].Equal(at(5).Time) || !seen["u2"].IsZero() {
			t.Fatalf("r1: %v %v", seen, err)
		}
	})

	t.Run("receipts", func(t *testing.T) {
		s := open(t)
		ctx := context.Background()
		rc := func(msg, user string, min int) receipts.Receipt {
			return receipts.Receipt{ID: msg + user, RoomID: "r1", UserID: user, MessageID: msg, At: at(min)}
		}
		if err := s.InsertReceipts(ctx, nil); err != nil {
			t.Fatalf("none: %v", err)
		}
		if err := s.InsertReceipts(ctx, []receipts.Receipt{rc("m1", "u2", 2), rc("m1", "u1", 1), rc("m2", "u1", 1)}); err != nil {
			t.Fatal(err)
		}
		// A second receipt of the same message by the same user is skipped,
		// the rest of the batch is kept; ties in time keep insertion order.
		if err := s.InsertReceipts(ctx, []receipts.Receipt{rc("m1", "u1", 9), rc("m1", "u4", 2), rc("m1", "u3", 2)}); err != nil {
			t.Fatal(err)
		}
		got, err := s.ReceiptsOfMessage(ctx, "m1", 0, 0)
		if err != nil || len(got) != 4 {
			t.Fatalf("m1: %+v %v", got, err)
		}
		want := []string{"u1", "u2", "u4", "u3"}
		for i, r := range got {
			if r.UserID != want[i] || r.MessageID != "m1" || r.RoomID != "r1" || r.ID != "m1"+want[i] {
				t.Fatalf("m1[%d] = %+v, want user %s", i, r, want[i])
			}
		}
		if !got[0].At.Equal(at(1).Time) {
			t.Fatalf("first receipt keeps its time: %+v", got[0])
		}
		page, err := s.ReceiptsOfMessage(ctx, "m1", 1, 2)
		if err != nil || len(page) != 2 || page[0].UserID != "u2" || page[1].UserID != "u4" {
			t.Fatalf("page: %+v %v", page, err)
		}
		if none, err := s.ReceiptsOfMessage(ctx, "m9", 0, 0); err != nil || len(none) != 0 {
			t.Fatalf("unknown message: %+v %v", none, err)
		}
		// A batch larger than one statement.
		var many []receipts.Receipt
		for i := 0; i < 1203; i++ {
			many = append(many, rc("big", model.NewID(), 1))
		}
		if err := s.InsertReceipts(ctx, many); err != nil {
			t.Fatal(err)
		}
		if all, err := s.ReceiptsOfMessage(ctx, "big", 0, 0); err != nil || len(all) != 1203 {
			t.Fatalf("big: %d %v", len(all), err)
		}
	})
}
