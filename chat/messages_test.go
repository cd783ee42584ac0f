package chat

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"liftoff/access"
	"liftoff/model"
	"liftoff/settings"
	"liftoff/settings/setting"
	"liftoff/store"
	"liftoff/store/sqlite"
)

func TestNormalizeEmoji(t *testing.T) {
	for _, c := range []struct {
		in, want string
		ok       bool
	}{
		{"smile", ":smile:", true},
		{":smile:", ":smile:", true},
		{" :+1: ", ":+1:", true},
		{"flag-fr", ":flag-fr:", true},
		{"", "", false},
		{"::", "", false},
		{"no spaces", "", false},
		{"<script>", "", false},
	} {
		got, ok := NormalizeEmoji(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("NormalizeEmoji(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestToggleReaction(t *testing.T) {
	yes, no := true, false
	m := &model.Message{}
	steps := []struct {
		user   string
		should *bool
		change bool
		want   string
	}{
		{"bob", nil, true, "map[:x::[bob]]"},
		{"alice", nil, true, "map[:x::[bob alice]]"},
		{"alice", &yes, false, "map[:x::[bob alice]]"},
		{"bob", nil, true, "map[:x::[alice]]"},
		{"bob", &no, false, "map[:x::[alice]]"},
		{"alice", &no, true, "map[]"},
	}
	for i, st := range steps {
		before := m.Reactions
		var snapshot string
		if before != nil {
			snapshot = render(before)
		}
		changed := toggleReaction(m, ":x:", st.user, st.should)
		if changed != st.change || render(m.Reactions) != st.want {
			t.Fatalf("step %d: changed %v, reactions %s; want %v, %s", i, changed, render(m.Reactions), st.change, st.want)
		}
		if before != nil && render(before) != snapshot {
			t.Fatalf("step %d: the previous reactions map was mutated", i)
		}
	}
	if m.Reactions != nil {
		t.Fatal("an empty reactions map should be nil (omitted)")
	}
}

func render(r map[string]*model.Reaction) string {
	out := map[string][]string{}
	for k, v := range r {
		out[k] = v.Usernames
	}
	return fmt.Sprint(out)
}

func TestSyncCursors(t *testing.T) {
	ts := func(ms ...int64) []model.Time {
		out := make([]model.Time, len(ms))
		for i, m := range ms {
			out[i] = model.TimeFromMillis(m)
		}
		return out
	}
	for _, c := range []struct {
		name           string
		stamps         []model.Time
		count          int
		next, previous bool
		wantNext       string
		wantPrev       string
	}{
		{"empty", nil, 2, true, false, "", ""},
		{"no cursor", ts(1, 2, 3), 2, false, false, "3", "1"},
		{"next, last page", ts(5, 6), 2, true, false, "", "5"},
		{"next, more follow", ts(5, 6, 7), 2, true, false, "6", "5"},
		{"previous, first page", ts(9, 8), 2, false, true, "9", ""},
		{"previous, more before", ts(9, 8, 7), 2, false, true, "9", "8"},
	} {
		got := syncCursors(c.stamps, c.count, c.next, c.previous)
		if got.Next != c.wantNext || got.Previous != c.wantPrev {
			t.Errorf("%s: cursors %q/%q, want %q/%q", c.name, got.Next, got.Previous, c.wantNext, c.wantPrev)
		}
	}
}

// testService is a service on a fresh SQLite database with a settable clock.
func testService(t *testing.T) (*Services, *atomic.Int64) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "test.db"), nil, sqlite.Options{Synchronous: "OFF"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	var clock atomic.Int64
	clock.Store(time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC).UnixMilli())
	svc := New(Deps{
		Store:       db,
		Permissions: access.NewChecker(access.DefaultPermissions()),
		Settings:    settings.NewRegistry(settings.Defaults()),
		Now:         func() time.Time { return time.UnixMilli(clock.Load()) },
	})
	return svc, &clock
}

func TestEditAndDeleteTimeLimits(t *testing.T) {
	ctx := context.Background()
	svc, clock := testService(t)
	alice, err := svc.Accounts.InsertUser(ctx, NewUserInput{Username: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	// bob is a plain member: the owner alice could force-delete anything.
	bob, err := svc.Accounts.InsertUser(ctx, NewUserInput{Username: "bob"})
	if err != nil {
		t.Fatal(err)
	}
	room, err := svc.Rooms.CreateRoom(ctx, alice, CreateRoomInput{Type: model.RoomChannel, Name: "limits", Members: []string{"bob"}})
	if err != nil {
		t.Fatal(err)
	}
	msg, err := svc.Messages.SendMessage(ctx, bob, SendInput{RoomID: room.ID, Msg: "hello"})
	if err != nil {
		t.Fatal(err)
	}
	set := func(id string, v any) {
		st, _ := svc.Admin.settings.Get(setting.ID(id))
		c := *st
		c.Value = v
		svc.Admin.settings.Set(&c)
	}
	set("Message_AllowEditing_BlockEditInMinutes", 5)
	set("Message_AllowDeleting_BlockDeleteInMinutes", 5)

	clock.Add((4 * time.Minute).Milliseconds())
	if _, err := svc.Messages.UpdateMessage(ctx, bob, UpdateInput{RoomID: room.ID, MessageID: msg.ID, Text: "edited in time"}); err != nil {
		t.Fatalf("edit within the limit: %v", err)
	}
	clock.Add((2 * time.Minute).Milliseconds()) // 6 minutes after posting
	_, err = svc.Messages.UpdateMessage(ctx, bob, UpdateInput{RoomID: room.ID, MessageID: msg.ID, Text: "too late"})
	if e, ok := model.AsError(err); !ok || e.Type != "error-message-editing-blocked" {
		t.Fatalf("late edit: %v", err)
	}
	_, err = svc.Messages.DeleteMessage(ctx, bob, DeleteInput{RoomID: room.ID, MessageID: msg.ID})
	if !errors.Is(err, model.ErrActionNotAllowed) {
		t.Fatalf("late delete: %v", err)
	}
	set("Message_AllowDeleting_BlockDeleteInMinutes", 0)
	if _, err := svc.Messages.DeleteMessage(ctx, bob, DeleteInput{RoomID: room.ID, MessageID: msg.ID}); err != nil {
		t.Fatalf("delete without a limit: %v", err)
	}
	if _, err := svc.Admin.store.MessageByID(ctx, msg.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("message still stored: %v", err)
	}
	gone, _, err := svc.Admin.store.Deleted(ctx, store.DeletedQuery{Kind: store.KindMessage, RoomID: room.ID}, model.Page{})
	if err != nil || len(gone) != 1 || gone[0].ID != msg.ID {
		t.Fatalf("tombstones %v, %v", gone, err)
	}
	r, err := svc.Admin.store.RoomByID(ctx, room.ID)
	if err != nil || r.MessageCount != 0 || r.LastMessage != nil {
		t.Fatalf("room after deleting its only message: msgs %d, lastMessage %v, %v", r.MessageCount, r.LastMessage, err)
	}
}

// With the clock standing still, a room's messages still get distinct,
// increasing timestamps, so paging history by timestamp misses none.
func TestRoomTimestampsIncrease(t *testing.T) {
	ctx := context.Background()
	svc, _ := testService(t)
	alice, err := svc.Accounts.InsertUser(ctx, NewUserInput{Username: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	room, err := svc.Rooms.CreateRoom(ctx, alice, CreateRoomInput{Type: model.RoomChannel, Name: "same-ms"})
	if err != nil {
		t.Fatal(err)
	}
	var sent []*model.Message
	for i := range 7 {
		m, err := svc.Messages.SendMessage(ctx, alice, SendInput{RoomID: room.ID, Msg: fmt.Sprint("m", i)})
		if err != nil {
			t.Fatal(err)
		}
		if len(sent) > 0 && !m.SentAt.After(sent[len(sent)-1].SentAt.Time) {
			t.Fatalf("message %d at %v, not after %v", i, m.SentAt, sent[len(sent)-1].SentAt)
		}
		sent = append(sent, m)
	}
	var got []string
	var end model.Time
	for range len(sent) {
		h, err := svc.Messages.HistoryBefore(ctx, alice, HistoryBeforeQuery{RoomID: room.ID, End: end, Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		if len(h.Messages) == 0 {
			break
		}
		for _, m := range h.Messages {
			got = append(got, m.Msg)
		}
		end = h.Messages[len(h.Messages)-1].SentAt
	}
	if fmt.Sprint(got) != "[m6 m5 m4 m3 m2 m1 m0]" {
		t.Fatalf("paged history %v", got)
	}
}
