// Package statustest is the contract suite every userstatus.Store must
// pass (store/sqlite and store/postgres run it).
package statustest

import (
	"context"
	"errors"
	"testing"

	"liftoff/model"
	"liftoff/store"
	"liftoff/userstatus"
)

// Run checks a fresh, empty store returned by open.
func Run(t *testing.T, open func(t *testing.T) userstatus.Store) {
	t.Run("CRUD", func(t *testing.T) {
		s := open(t)
		ctx := context.Background()
		list := func() []string {
			t.Helper()
			all, err := s.CustomUserStatuses(ctx)
			if err != nil {
				t.Fatalf("CustomUserStatuses: %v", err)
			}
			var names []string
			for _, st := range all {
				names = append(names, st.ID+"="+st.Name+"/"+st.StatusType)
			}
			return names
		}
		if got := list(); len(got) != 0 {
			t.Fatalf("fresh store has %v", got)
		}
		for _, st := range []*model.CustomUserStatus{
			{ID: "b", Name: "Lunch", StatusType: "away"},
			{ID: "a", Name: "Meeting", StatusType: "busy"},
		} {
			if err := s.InsertCustomUserStatus(ctx, st); err != nil {
				t.Fatalf("insert %s: %v", st.ID, err)
			}
		}
		if got := list(); len(got) != 2 || got[0] != "b=Lunch/away" || got[1] != "a=Meeting/busy" {
			t.Fatalf("by name: %v", got)
		}
		if err := s.InsertCustomUserStatus(ctx, &model.CustomUserStatus{ID: "c", Name: "Lunch"}); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("duplicate name: %v", err)
		}
		if err := s.InsertCustomUserStatus(ctx, &model.CustomUserStatus{ID: "a", Name: "Other"}); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("duplicate id: %v", err)
		}
		if err := s.UpdateCustomUserStatus(ctx, &model.CustomUserStatus{ID: "a", Name: "Lunch"}); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("update onto a taken name: %v", err)
		}
		if err := s.UpdateCustomUserStatus(ctx, &model.CustomUserStatus{ID: "zz", Name: "Free"}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("update of a missing status: %v", err)
		}
		if err := s.UpdateCustomUserStatus(ctx, &model.CustomUserStatus{ID: "a", Name: "Call", StatusType: "online"}); err != nil {
			t.Fatalf("update: %v", err)
		}
		if err := s.UpdateCustomUserStatus(ctx, &model.CustomUserStatus{ID: "a", Name: "Call", StatusType: "busy"}); err != nil {
			t.Fatalf("update keeping its name: %v", err)
		}
		if got := list(); len(got) != 2 || got[0] != "a=Call/busy" || got[1] != "b=Lunch/away" {
			t.Fatalf("after update: %v", got)
		}
		if err := s.DeleteCustomUserStatus(ctx, "b"); err != nil {
			t.Fatalf("delete: %v", err)
		}
		if err := s.DeleteCustomUserStatus(ctx, "b"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("delete twice: %v", err)
		}
		if got := list(); len(got) != 1 || got[0] != "a=Call/busy" {
			t.Fatalf("after delete: %v", got)
		}
	})
}
