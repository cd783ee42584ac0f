// Package moderationtest is the contract suite every moderation.Store must
// pass (store/sqlite and store/postgres run it).
package moderationtest

import (
	"context"
	"errors"
	"testing"
	"time"

	"liftoff/model"
	"liftoff/moderation"
	"liftoff/store"
)

// Run checks a fresh, empty store returned by open.
func Run(t *testing.T, open func(t *testing.T) moderation.Store) {
	t.Run("insert, list, hide", func(t *testing.T) {
		s := open(t)
		ctx := context.Background()
		base := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
		at := func(m int) model.Time { return model.TimeOf(base.Add(time.Duration(m) * time.Minute)) }
		by := moderation.UserInfo{ID: "rep", Username: "reporter"}
		msg := func(id, author string) *model.Message {
			return &model.Message{ID: id, RoomID: "r1", Msg: "text of " + id, Author: model.UserRef{ID: author, Username: author}, SentAt: at(0)}
		}
		room := &moderation.RoomInfo{ID: "r1", Name: "general", Type: "c"}
		m1 := &moderation.Report{ID: "a", Message: msg("m1", "bob"), Room: room, Description: "spam", TS: at(1), ReportedBy: by, UpdatedAt: at(1)}
		m2 := &moderation.Report{ID: "b", Message: msg("m1", "bob"), Room: room, Description: "again", TS: at(2), ReportedBy: by, UpdatedAt: at(2)}
		m3 := &moderation.Report{ID: "c", Message: msg("m2", "carl"), Room: room, Description: "rude", TS: at(3), ReportedBy: by, UpdatedAt: at(3)}
		u1 := &moderation.Report{ID: "d", ReportedUser: &moderation.UserInfo{ID: "bob", Username: "bob", Emails: []model.Email{{Address: "b@x.org"}}},
			Description: "troll", TS: at(4), ReportedBy: by, UpdatedAt: at(4)}
		for _, r := range []*moderation.Report{m1, m2, m3, u1} {
			if err := s.InsertReport(ctx, r); err != nil {
				t.Fatalf("insert %s: %v", r.ID, err)
			}
		}
		if err := s.InsertReport(ctx, &moderation.Report{ID: "a", TS: at(5), ReportedUser: &moderation.UserInfo{ID: "x"}}); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("duplicate id: %v", err)
		}
		ids := func(q moderation.Query) []string {
			t.Helper()
			rs, err := s.Reports(ctx, q)
			if err != nil {
				t.Fatalf("reports %+v: %v", q, err)
			}
			var out []string
			for _, r := range rs {
				out = append(out, r.ID)
			}
			return out
		}
		same := func(got []string, want ...string) {
			t.Helper()
			if len(got) != len(want) {
				t.Fatalf("got %v, want %v", got, want)
			}
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("got %v, want %v", got, want)
				}
			}
		}
		same(ids(moderation.Query{}), "d", "c", "b", "a")
		same(ids(moderation.Query{Kind: moderation.KindMessage}), "c", "b", "a")
		same(ids(moderation.Query{Kind: moderation.KindUser}), "d")
		same(ids(moderation.Query{MessageID: "m1"}), "b", "a")
		same(ids(moderation.Query{MessageAuthorID: "carl"}), "c")
		same(ids(moderation.Query{ReportedUserID: "bob"}), "d")

		got, err := s.ReportByID(ctx, "a")
		if err != nil || got.Message == nil || got.Message.ID != "m1" || got.Message.Author.ID != "bob" || got.Room == nil || got.Room.Name != "general" ||
			got.Description != "spam" || !got.TS.Equal(at(1).Time) || got.ReportedBy.Username != "reporter" || got.Hidden || got.ModerationInfo != nil {
			t.Fatalf("by id: %+v %v", got, err)
		}
		if got, err := s.ReportByID(ctx, "d"); err != nil || got.ReportedUser == nil || len(got.ReportedUser.Emails) != 1 {
			t.Fatalf("user report: %+v %v", got, err)
		}
		if _, err := s.ReportByID(ctx, "zz"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("missing: %v", err)
		}

		info := moderation.Info{ModeratedBy: "mod", HiddenAt: at(9), Reason: "ok", Action: "None"}
		n, err := s.HideReports(ctx, moderation.Query{Kind: moderation.KindMessage, MessageID: "m1"}, info)
		if err != nil || n != 2 {
			t.Fatalf("hide: %d %v", n, err)
		}
		same(ids(moderation.Query{}), "d", "c")
		if n, err := s.HideReports(ctx, moderation.Query{MessageID: "m1"}, info); err != nil || n != 0 {
			t.Fatalf("hide again: %d %v", n, err)
		}
		got, err = s.ReportByID(ctx, "b")
		if err != nil || !got.Hidden || got.ModerationInfo == nil || got.ModerationInfo.ModeratedBy != "mod" ||
			got.ModerationInfo.Reason != "ok" || got.ModerationInfo.Action != "None" || !got.ModerationInfo.HiddenAt.Equal(at(9).Time) {
			t.Fatalf("hidden report: %+v %v", got, err)
		}
		if n, err := s.HideReports(ctx, moderation.Query{Kind: moderation.KindUser, ReportedUserID: "bob"}, info); err != nil || n != 1 {
			t.Fatalf("hide user reports: %d %v", n, err)
		}
		same(ids(moderation.Query{}), "c")
	})
}
