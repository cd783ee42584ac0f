package chat_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"

	"liftoff/access"
	"liftoff/chat"
	"liftoff/model"
	"liftoff/settings"
	"liftoff/store"
	"liftoff/store/sqlite"
)

// memberFixture is a chat service on a fresh SQLite database that records
// the events its writes emit.
type memberFixture struct {
	ctx    context.Context
	db     *sqlite.DB
	svc    *chat.Services
	mu     sync.Mutex
	events []model.Event
}

func newMemberFixture(t *testing.T) *memberFixture {
	t.Helper()
	f := &memberFixture{ctx: context.Background()}
	db, err := sqlite.Open(f.ctx, filepath.Join(t.TempDir(), "liftoff.db"), func(es []model.Event) {
		f.mu.Lock()
		f.events = append(f.events, es...)
		f.mu.Unlock()
	}, sqlite.Options{Synchronous: "OFF"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f.db = db
	f.svc = chat.New(chat.Deps{Store: db, Permissions: access.NewChecker(nil), Settings: settings.NewRegistry(settings.Defaults())})
	if err := f.svc.Admin.Bootstrap(f.ctx, chat.BootstrapInput{}); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *memberFixture) user(t *testing.T, name string, roles ...string) *model.User {
	t.Helper()
	u, err := f.svc.Accounts.InsertUser(f.ctx, chat.NewUserInput{Username: name, Roles: roles})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// take returns the events recorded since the last call.
func (f *memberFixture) take() []model.Event {
	f.mu.Lock()
	defer f.mu.Unlock()
	es := f.events
	f.events = nil
	return es
}

// systemMessages returns the room's messages, oldest first.
func (f *memberFixture) messages(t *testing.T, rid string) []*model.Message {
	t.Helper()
	ms, _, err := f.db.ListMessages(f.ctx, store.MessageQuery{RoomID: rid}, model.Page{Sort: []model.SortKey{{Field: "ts"}}})
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

func (f *memberFixture) room(t *testing.T, id string) *model.Room {
	t.Helper()
	r, err := f.db.RoomByID(f.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func wantErr(t *testing.T, err error, typ string) {
	t.Helper()
	e, ok := model.AsError(err)
	if !ok || e.Type != typ {
		t.Fatalf("got error %v, want %s", err, typ)
	}
}

// subEvents counts SubscriptionChanged events by action and user.
func subEvents(es []model.Event, action string) []string {
	var out []string
	for _, e := range es {
		if sc, ok := e.(model.SubscriptionChanged); ok && sc.Action == action {
			out = append(out, sc.Subscription.User.Username)
		}
	}
	return out
}

func TestMembershipMessagesAndEvents(t *testing.T) {
	f := newMemberFixture(t)
	alice, bob, carol := f.user(t, "alice"), f.user(t, "bob"), f.user(t, "carol")
	room, err := f.svc.Rooms.CreateRoom(f.ctx, alice, chat.CreateRoomInput{Type: model.RoomChannel, Name: "town"})
	if err != nil {
		t.Fatal(err)
	}
	ref := chat.RoomRef{ID: room.ID}
	f.take()

	// Invite: a subscription for bob, an "au" message by alice, usersCount 2.
	if _, err := f.svc.Members.Invite(f.ctx, alice, ref, model.RoomChannel, []*model.User{bob}); err != nil {
		t.Fatal(err)
	}
	es := f.take()
	if got := subEvents(es, model.ActionInserted); len(got) != 1 || got[0] != "bob" {
		t.Fatalf("invite events: %#v", es)
	}
	sub, err := f.db.Subscription(f.ctx, room.ID, bob.ID)
	if err != nil || !sub.Open || !sub.Alert || sub.Unread != 1 || sub.UserMentions != 1 {
		t.Fatalf("invited subscription: %+v %v", sub, err)
	}
	// Join: "uj" by carol herself.
	if _, err := f.svc.Members.Join(f.ctx, carol, chat.RoomRef{Name: "town"}, ""); err != nil {
		t.Fatal(err)
	}
	// Room roles: "subscription-role-added" with the role, and a RoleChanged.
	if err := f.svc.Members.SetRoomRole(f.ctx, alice, ref, model.RoomChannel, chat.RoleModerator, bob, true); err != nil {
		t.Fatal(err)
	}
	es = f.take()
	var roleEvents []model.RoleChanged
	for _, e := range es {
		if rc, ok := e.(model.RoleChanged); ok {
			if rc.Pos.Stream != room.ID || rc.Pos.Seq == 0 {
				t.Fatalf("role event numbered %+v, want a number in the room's stream", rc.Pos)
			}
			rc.Pos = model.Position{} // compared above
			roleEvents = append(roleEvents, rc)
		}
	}
	if len(roleEvents) != 1 || roleEvents[0] != (model.RoleChanged{Type: "added", RoleID: "moderator", UserID: bob.ID, Username: "bob", Scope: room.ID}) {
		t.Fatalf("role events: %#v", roleEvents)
	}
	// Kick: "ru" by bob (a moderator may remove users), carol's subscription removed.
	if _, err := f.svc.Members.Kick(f.ctx, bob, ref, model.RoomChannel, carol); err != nil {
		t.Fatal(err)
	}
	if got := subEvents(f.take(), model.ActionRemoved); len(got) != 1 || got[0] != "carol" {
		t.Fatal("kick did not report carol's subscription removed")
	}
	if err := f.svc.Members.SetRoomRole(f.ctx, alice, ref, model.RoomChannel, chat.RoleModerator, bob, false); err != nil {
		t.Fatal(err)
	}
	// Leave: "ul" by bob.
	if _, err := f.svc.Members.Leave(f.ctx, bob, ref, model.RoomChannel); err != nil {
		t.Fatal(err)
	}

	want := []struct{ t, msg, by, role string }{
		{"au", "bob", "alice", ""},
		{"uj", "carol", "carol", ""},
		{"subscription-role-added", "bob", "alice", "moderator"},
		{"ru", "carol", "bob", ""},
		{"subscription-role-removed", "bob", "alice", "moderator"},
		{"ul", "bob", "bob", ""},
	}
	ms := f.messages(t, room.ID)
	if len(ms) != len(want) {
		t.Fatalf("got %d messages, want %d", len(ms), len(want))
	}
	for i, w := range want {
		m := ms[i]
		if m.Type != w.t || m.Msg != w.msg || m.Author.Username != w.by || m.Role != w.role {
			t.Errorf("message %d: t=%q msg=%q u=%q role=%q, want %+v", i, m.Type, m.Msg, m.Author.Username, m.Role, w)
		}
	}
	r := f.room(t, room.ID)
	if r.UsersCount != 1 || r.MessageCount != len(want) {
		t.Fatalf("room usersCount=%d msgs=%d", r.UsersCount, r.MessageCount)
	}
	f.take()

	// Delete: the room and every remaining subscription are reported removed.
	if err := f.svc.Rooms.DeleteRoom(f.ctx, alice, ref, model.RoomChannel); err != nil {
		t.Fatal(err)
	}
	es = f.take()
	removedRoom := false
	for _, e := range es {
		if rc, ok := e.(model.RoomChanged); ok && rc.Action == model.ActionRemoved && rc.Room.ID == room.ID {
			removedRoom = true
		}
	}
	if got := subEvents(es, model.ActionRemoved); !removedRoom || len(got) != 1 || got[0] != "alice" {
		t.Fatalf("delete events: %#v", es)
	}
	if _, err := f.db.RoomByID(f.ctx, room.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("room still there: %v", err)
	}
	if ms := f.messages(t, room.ID); len(ms) != 0 {
		t.Fatalf("%d messages left", len(ms))
	}
}

// archive marks a room archived directly in the store.
func (f *memberFixture) archive(t *testing.T, id string) {
	t.Helper()
	err := f.db.Update(f.ctx, func(tx store.Tx) error {
		r, err := tx.RoomByID(f.ctx, id)
		if err != nil {
			return err
		}
		r.Archived = true
		return tx.UpdateRoom(f.ctx, r)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestArchivedRooms(t *testing.T) {
	f := newMemberFixture(t)
	alice, bob, carol := f.user(t, "alice"), f.user(t, "bob"), f.user(t, "carol")
	ch, err := f.svc.Rooms.CreateRoom(f.ctx, alice, chat.CreateRoomInput{Type: model.RoomChannel, Name: "old", Members: []string{"bob"}})
	if err != nil {
		t.Fatal(err)
	}
	gr, err := f.svc.Rooms.CreateRoom(f.ctx, alice, chat.CreateRoomInput{Type: model.RoomPrivate, Name: "oldgroup", Members: []string{"bob"}})
	if err != nil {
		t.Fatal(err)
	}
	f.archive(t, ch.ID)
	f.archive(t, gr.ID)
	c, g := chat.RoomRef{ID: ch.ID}, chat.RoomRef{ID: gr.ID}

	_, err = f.svc.Members.Invite(f.ctx, alice, c, model.RoomChannel, []*model.User{carol})
	wantErr(t, err, "error-room-archived")
	_, err = f.svc.Members.Join(f.ctx, carol, c, "")
	wantErr(t, err, "error-room-archived")
	_, err = f.svc.Members.Leave(f.ctx, bob, c, model.RoomChannel)
	wantErr(t, err, "error-room-archived")
	_, err = f.svc.Members.Kick(f.ctx, alice, g, model.RoomPrivate, bob)
	wantErr(t, err, "error-room-archived")
	wantErr(t, f.svc.Members.SetRoomRole(f.ctx, alice, c, model.RoomChannel, chat.RoleOwner, bob, true), "error-room-archived")
	_, err = f.svc.Members.RoomRoles(f.ctx, bob, c, model.RoomChannel)
	wantErr(t, err, "error-room-archived")
	_, _, err = f.svc.Members.Members(f.ctx, bob, g, model.RoomPrivate, chat.MembersInput{}, model.Page{})
	wantErr(t, err, "error-room-archived")
	if f.room(t, ch.ID).UsersCount != 2 {
		t.Fatal("a refused change changed the room")
	}

	// Reading members of an archived channel, hiding it and deleting it work.
	if _, n, err := f.svc.Members.Members(f.ctx, bob, c, model.RoomChannel, chat.MembersInput{}, model.Page{}); err != nil || n != 2 {
		t.Fatalf("members of an archived channel: %d %v", n, err)
	}
	if err := f.svc.Members.SetRoomOpen(f.ctx, bob, c, model.RoomChannel, false); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Rooms.DeleteRoom(f.ctx, alice, g, model.RoomPrivate); err != nil {
		t.Fatal(err)
	}
}

func TestJoinCode(t *testing.T) {
	f := newMemberFixture(t)
	alice, bob := f.user(t, "alice"), f.user(t, "bob")
	boss := f.user(t, "boss", "admin", "user")
	ch, err := f.svc.Rooms.CreateRoom(f.ctx, alice, chat.CreateRoomInput{Type: model.RoomChannel, Name: "club"})
	if err != nil {
		t.Fatal(err)
	}
	err = f.db.Update(f.ctx, func(tx store.Tx) error {
		r, err := tx.RoomByID(f.ctx, ch.ID)
		if err != nil {
			return err
		}
		r.JoinCode = "sesame"
		return tx.UpdateRoom(f.ctx, r)
	})
	if err != nil {
		t.Fatal(err)
	}
	ref := chat.RoomRef{ID: ch.ID}
	_, err = f.svc.Members.Join(f.ctx, bob, ref, "")
	wantErr(t, err, "error-code-required")
	_, err = f.svc.Members.Join(f.ctx, bob, ref, "guess")
	wantErr(t, err, "error-code-invalid")
	if f.room(t, ch.ID).UsersCount != 1 {
		t.Fatal("a refused join changed the room")
	}
	if _, err := f.svc.Members.Join(f.ctx, bob, ref, "sesame"); err != nil {
		t.Fatal(err)
	}
	// join-without-join-code (admins) needs no code.
	if _, err := f.svc.Members.Join(f.ctx, boss, ref, ""); err != nil {
		t.Fatal(err)
	}
	if n := f.room(t, ch.ID).UsersCount; n != 3 {
		t.Fatalf("usersCount %d, want 3", n)
	}
}

func TestLastOwnerRules(t *testing.T) {
	f := newMemberFixture(t)
	alice, bob := f.user(t, "alice"), f.user(t, "bob")
	gr, err := f.svc.Rooms.CreateRoom(f.ctx, alice, chat.CreateRoomInput{Type: model.RoomPrivate, Name: "pair", Members: []string{"bob"}})
	if err != nil {
		t.Fatal(err)
	}
	ref := chat.RoomRef{ID: gr.ID}
	_, err = f.svc.Members.Leave(f.ctx, alice, ref, model.RoomPrivate)
	wantErr(t, err, "error-you-are-last-owner")
	wantErr(t, f.svc.Members.SetRoomRole(f.ctx, alice, ref, model.RoomPrivate, chat.RoleOwner, alice, false), "error-remove-last-owner")
	// With a second owner, the first may leave; the second is then the last.
	if err := f.svc.Members.SetRoomRole(f.ctx, alice, ref, model.RoomPrivate, chat.RoleOwner, bob, true); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Members.Leave(f.ctx, alice, ref, model.RoomPrivate); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Members.Leave(f.ctx, bob, ref, model.RoomPrivate)
	wantErr(t, err, "error-you-are-last-owner")
	// Alice is gone: the group is hidden from her.
	_, err = f.svc.Members.Kick(f.ctx, alice, ref, model.RoomPrivate, bob)
	wantErr(t, err, "error-room-not-found")
}
