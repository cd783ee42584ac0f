// Package invitestest is the contract suite every invites.Store must pass
// (store/sqlite and store/postgres run it).
package invitestest

import (
	"context"
	"errors"
	"testing"
	"time"

	"liftoff/invites"
	"liftoff/model"
	"liftoff/store"
)

// Run checks a fresh, empty store returned by open.
func Run(t *testing.T, open func(t *testing.T) invites.Store) {
	t.Run("CRUD and uses", func(t *testing.T) {
		s := open(t)
		ctx := context.Background()
		if all, err := s.Invites(ctx); err != nil || len(all) != 0 {
			t.Fatalf("fresh store: %v %v", all, err)
		}
		base := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
		exp := model.TimeOf(base.AddDate(0, 0, 7))
		a := &invites.Invite{ID: "a", Token: "tok-a", RoomID: "r1", UserID: "u1", Days: 7, MaxUses: 2,
			CreatedAt: model.TimeOf(base.Add(time.Minute)), Expires: &exp}
		b := &invites.Invite{ID: "b", Token: "tok-b", RoomID: "r2", UserID: "u1", CreatedAt: model.TimeOf(base)}
		for _, inv := range []*invites.Invite{a, b} {
			if err := s.InsertInvite(ctx, inv); err != nil {
				t.Fatalf("insert %s: %v", inv.ID, err)
			}
		}
		if err := s.InsertInvite(ctx, &invites.Invite{ID: "c", Token: "tok-a", CreatedAt: model.TimeOf(base)}); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("duplicate token: %v", err)
		}
		if err := s.InsertInvite(ctx, &invites.Invite{ID: "a", Token: "tok-z", CreatedAt: model.TimeOf(base)}); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("duplicate id: %v", err)
		}
		all, err := s.Invites(ctx)
		if err != nil || len(all) != 2 || all[0].ID != "b" || all[1].ID != "a" {
			t.Fatalf("oldest first: %v %v", all, err)
		}
		got, err := s.InviteByToken(ctx, "tok-a")
		if err != nil || got.ID != "a" || got.RoomID != "r1" || got.UserID != "u1" || got.Days != 7 || got.MaxUses != 2 ||
			got.Uses != 0 || got.Expires == nil || !got.Expires.Equal(exp.Time) || !got.CreatedAt.Equal(a.CreatedAt.Time) {
			t.Fatalf("by token: %+v %v", got, err)
		}
		if _, err := s.InviteByToken(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown token: %v", err)
		}
		// A limited invite counts up to its limit, then refuses.
		for i := 0; i < 2; i++ {
			if err := s.UseInvite(ctx, "a"); err != nil {
				t.Fatalf("use %d: %v", i, err)
			}
		}
		if err := s.UseInvite(ctx, "a"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("use beyond maxUses: %v", err)
		}
		if got, _ := s.InviteByToken(ctx, "tok-a"); got.Uses != 2 {
			t.Fatalf("uses: %d", got.Uses)
		}
		// An unlimited one never refuses.
		for i := 0; i < 3; i++ {
			if err := s.UseInvite(ctx, "b"); err != nil {
				t.Fatalf("unlimited use %d: %v", i, err)
			}
		}
		if err := s.UseInvite(ctx, "zz"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("use of a missing invite: %v", err)
		}
		if err := s.DeleteInvite(ctx, "b"); err != nil {
			t.Fatalf("delete: %v", err)
		}
		if err := s.DeleteInvite(ctx, "b"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("delete twice: %v", err)
		}
		if all, _ := s.Invites(ctx); len(all) != 1 || all[0].ID != "a" || all[0].Uses != 2 {
			t.Fatalf("after delete: %v", all)
		}
	})
}
