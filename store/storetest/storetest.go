package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"liftoff/model"
	"liftoff/store"
)

// Opener opens a fresh, empty store for one test, closed by t.Cleanup. The
// backend passes the committed events to sink.
type Opener func(t *testing.T, sink store.EventSink) store.Store

// Run runs the whole contract suite, each test on its own fresh store.
//
// Unlike a plain func(t) store.Store, the opener receives the event sink:
// events are part of the contract, and a sink is given to a backend when it
// is opened.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(h *harness)
	}{
		{"Users", testUsers},
		{"UserUpdateDelete", testUserUpdateDelete},
		{"ListUsers", testListUsers},
		{"Passwords", testPasswords},
		{"Tokens", testTokens},
		{"UserServices", testUserServices},
		{"Pending", testPending},
		{"Rooms", testRooms},
		{"ListRooms", testListRooms},
		{"ListRoomsDirectoryFilters", testListRoomsDirectoryFilters},
		{"DeleteRoom", testDeleteRoom},
		{"Subscriptions", testSubscriptions},
		{"SubscriptionsOfRoom", testSubscriptionsOfRoom},
		{"UpdateSubscriptionsOfRoom", testUpdateSubscriptionsOfRoom},
		{"UpdateSubscriptionsOfRoomThreads", testUpdateSubscriptionsThreads},
		{"RenameSubscriptions", testRenameSubscriptions},
		{"Messages", testMessages},
		{"ListMessages", testListMessages},
		{"MessagePaging", testMessagePaging},
		{"SearchMessages", testSearchMessages},
		{"Deleted", testDeleted},
		{"HiddenMessages", testHiddenMessages},
		{"ThreadTombstones", testThreadTombstones},
		{"Discussions", testDiscussions},
		{"Teams", testTeams},
		{"Uploads", testUploads},
		{"RolesPermissionsSettings", testRolesPermissionsSettings},
		{"UsersInRole", testUsersInRole},
		{"Counts", testCounts},
		{"TxReadsOwnWrites", testTxReadsOwnWrites},
		{"FnErrorRollsBack", testFnErrorRollsBack},
		{"EventsAfterCommit", testEventsAfterCommit},
		{"EventOrder", testEventOrder},
		{"EventPositions", testEventPositions},
		{"ConcurrentUpdates", testConcurrentUpdates},
		{"CanceledContext", testCanceledContext},
		{"Backup", testBackup},
		{"TimeTies", testTimeTies},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := &harness{T: t, ctx: t.Context(), rec: newRecorder()}
			h.s = open(t, h.rec.sink)
			h.rec.store = h.s
			tc.fn(h)
		})
	}
}

// harness is one test's store with its recorded events.
type harness struct {
	*testing.T
	ctx context.Context
	s   store.Store
	rec *recorder
}

// recorder is the event sink of a test store.
type recorder struct {
	mu      sync.Mutex
	store   store.Store
	events  []model.Event
	calls   int
	changed chan struct{} // closed and replaced on every call
	// unseen counts MessageSaved events whose message a read from inside
	// the sink could not find: the sink ran before the commit was visible.
	unseen int
}

func newRecorder() *recorder { return &recorder{changed: make(chan struct{})} }

func (r *recorder) sink(events []model.Event) {
	r.mu.Lock()
	s := r.store
	r.mu.Unlock()
	unseen := 0
	if s != nil {
		for _, e := range events {
			if m, ok := e.(model.MessageSaved); ok && m.Message != nil {
				if _, err := s.MessageByID(context.Background(), m.Message.ID); err != nil {
					unseen++
				}
			}
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, events...)
	r.calls++
	r.unseen += unseen
	close(r.changed)
	r.changed = make(chan struct{})
}

// snapshot returns the events received so far.
func (r *recorder) snapshot() []model.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.events)
}

// waitFor waits until at least n events arrived (backends may publish
// asynchronously), failing the test after a deadline.
func (h *harness) waitFor(n int) []model.Event {
	h.Helper()
	deadline := time.After(10 * time.Second)
	for {
		h.rec.mu.Lock()
		got, ch := len(h.rec.events), h.rec.changed
		h.rec.mu.Unlock()
		if got >= n {
			return h.rec.snapshot()
		}
		select {
		case <-ch:
		case <-deadline:
			h.Fatalf("waited for %d events, got %d", n, got)
		}
	}
}

// update runs fn in a transaction, failing the test on an error.
func (h *harness) update(fn func(tx store.Tx) error) {
	h.Helper()
	if err := h.s.Update(h.ctx, fn); err != nil {
		h.Fatalf("update: %v", err)
	}
}

// mustErr fails unless err matches target.
func (h *harness) mustErr(err, target error, what string) {
	h.Helper()
	if !errors.Is(err, target) {
		h.Fatalf("%s: got error %v, want %v", what, err, target)
	}
}

func (h *harness) noErr(err error, what string) {
	h.Helper()
	if err != nil {
		h.Fatalf("%s: %v", what, err)
	}
}

// sameJSON fails unless got and want encode to the same JSON.
func (h *harness) sameJSON(got, want any, what string) {
	h.Helper()
	g, err := json.Marshal(got)
	h.noErr(err, "encode")
	w, err := json.Marshal(want)
	h.noErr(err, "encode")
	if string(g) != string(w) {
		h.Fatalf("%s:\n got %s\nwant %s", what, g, w)
	}
}

// base is a fixed instant tests count from.
var base = model.TimeOf(time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC))

func at(sec int) model.Time { return model.TimeOf(base.Add(time.Duration(sec) * time.Second)) }

func newUser(username string) *model.User {
	return &model.User{
		ID:        "u-" + username,
		CreatedAt: at(0),
		UpdatedAt: at(0),
		Username:  username,
		Name:      "Name of " + username,
		Emails:    []model.Email{{Address: username + "@example.com", Verified: true}},
		Type:      model.UserTypeUser,
		Active:    true,
		Roles:     []string{"user"},
		Status:    model.StatusOffline,
		UTCOffset: 1,
		Settings:  &model.UserSettings{Preferences: map[string]any{"theme": "dark"}},
	}
}

func newRoom(id, t, name string) *model.Room {
	return &model.Room{
		ID: id, Type: t, Name: name, DisplayName: name, Creator: &model.UserRef{ID: "u-owner", Username: "owner"},
		CreatedAt: at(0), UpdatedAt: at(0), SystemMessages: true,
	}
}

func newSub(room *model.Room, u *model.User) *model.Subscription {
	return &model.Subscription{
		ID: "s-" + room.ID + "-" + u.ID, RoomID: room.ID, User: u.Ref(), RoomType: room.Type, Name: room.Name, DisplayName: room.DisplayName,
		JoinedAt: at(0), UpdatedAt: at(0), Open: true,
	}
}

func newMessage(id, rid string, u *model.User, sec int, text string) *model.Message {
	return &model.Message{
		ID: id, RoomID: rid, Msg: text, SentAt: at(sec), UpdatedAt: at(sec), Author: u.Ref(),
		Mentions: []model.Mention{}, Channels: []model.ChannelRef{},
	}
}

func (h *harness) insertUsers(us ...*model.User) {
	h.Helper()
	h.update(func(tx store.Tx) error {
		for _, u := range us {
			if err := tx.InsertUser(h.ctx, u); err != nil {
				return fmt.Errorf("insert %s: %w", u.Username, err)
			}
		}
		return nil
	})
}

func (h *harness) insertRooms(rs ...*model.Room) {
	h.Helper()
	h.update(func(tx store.Tx) error {
		for _, r := range rs {
			if err := tx.InsertRoom(h.ctx, r); err != nil {
				return fmt.Errorf("insert %s: %w", r.ID, err)
			}
		}
		return nil
	})
}

func (h *harness) insertSubs(ss ...*model.Subscription) {
	h.Helper()
	h.update(func(tx store.Tx) error {
		for _, s := range ss {
			if err := tx.InsertSubscription(h.ctx, s); err != nil {
				return fmt.Errorf("insert %s: %w", s.ID, err)
			}
		}
		return nil
	})
}

func (h *harness) insertMessages(ms ...*model.Message) {
	h.Helper()
	h.update(func(tx store.Tx) error {
		for _, m := range ms {
			if err := tx.InsertMessage(h.ctx, m); err != nil {
				return fmt.Errorf("insert %s: %w", m.ID, err)
			}
		}
		return nil
	})
}

// ids returns the ids of records, for comparisons.
func ids[T any](recs []T, id func(T) string) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = id(r)
	}
	return out
}

func userIDs(us []*model.User) []string { return ids(us, func(u *model.User) string { return u.ID }) }
func roomIDs(rs []*model.Room) []string { return ids(rs, func(r *model.Room) string { return r.ID }) }
func msgIDs(ms []*model.Message) []string {
	return ids(ms, func(m *model.Message) string { return m.ID })
}
func subIDs(ss []*model.Subscription) []string {
	return ids(ss, func(s *model.Subscription) string { return s.ID })
}

// sameIDs fails unless got equals want (order matters).
func (h *harness) sameIDs(got, want []string, what string) {
	h.Helper()
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !slices.Equal(got, want) {
		h.Fatalf("%s: got %q, want %q", what, got, want)
	}
}

// sameSet fails unless got and want hold the same ids in any order.
func (h *harness) sameSet(got, want []string, what string) {
	h.Helper()
	g, w := slices.Clone(got), slices.Clone(want)
	slices.Sort(g)
	slices.Sort(w)
	h.sameIDs(g, w, what)
}

func ptr[T any](v T) *T { return &v }
