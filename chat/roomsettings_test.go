package chat_test

import (
	"errors"
	"testing"

	"liftoff/chat"
	"liftoff/model"
)

// settingsFixture is a memberFixture (a chat service on a fresh SQLite
// database that records its events) with an owner and a member in one channel.
type settingsFixture struct {
	*memberFixture
	owner, member *model.User
	room          *model.Room
}

func newSettingsFixture(t *testing.T) *settingsFixture {
	t.Helper()
	f := &settingsFixture{memberFixture: newMemberFixture(t)}
	for _, name := range []string{"owner", "member"} {
		u, err := f.svc.Accounts.InsertUser(f.ctx, chat.NewUserInput{Username: name})
		if err != nil {
			t.Fatal(err)
		}
		if name == "owner" {
			f.owner = u
		} else {
			f.member = u
		}
	}
	var err error
	f.room, err = f.svc.Rooms.CreateRoom(f.ctx, f.owner, chat.CreateRoomInput{Type: model.RoomChannel, Name: "settings", Members: []string{"member"}})
	if err != nil {
		t.Fatal(err)
	}
	f.take()
	return f
}

// rsSummary counts the events by kind, system messages by type and
// subscription changes by user.
type rsSummary struct {
	rooms    []*model.Room
	messages map[string]int
	subs     map[string]int
}

func rsSummarize(es []model.Event) rsSummary {
	s := rsSummary{messages: map[string]int{}, subs: map[string]int{}}
	for _, e := range es {
		switch e := e.(type) {
		case model.RoomChanged:
			s.rooms = append(s.rooms, e.Room)
		case model.MessageSaved:
			s.messages[e.Message.Type]++
		case model.SubscriptionChanged:
			s.subs[e.Subscription.User.Username]++
		}
	}
	return s
}

func rsPtr[T any](v T) *T { return &v }

func TestSaveRoomSettingsEvents(t *testing.T) {
	f := newSettingsFixture(t)
	room, err := f.svc.Rooms.SaveRoomSettings(f.ctx, f.owner, f.room.ID, chat.RoomSettingsInput{
		Name: rsPtr("renamed"), Topic: rsPtr("a topic"), ReadOnly: rsPtr(true), Type: rsPtr(model.RoomPrivate),
	})
	if err != nil {
		t.Fatal(err)
	}
	if room.Name != "renamed" || room.Topic != "a topic" || !room.ReadOnly || room.Type != model.RoomPrivate {
		t.Fatalf("saved room: %+v", room)
	}
	// Four system messages, each counted in msgs; the last is the room's lastMessage.
	if room.MessageCount != 4 || room.LastMessage == nil || room.LastMessage.Type != "room-set-read-only" {
		t.Fatalf("room counters: msgs %d, last %+v", room.MessageCount, room.LastMessage)
	}
	s := rsSummarize(f.take())
	for _, typ := range []string{"r", "room_changed_topic", "room_changed_privacy", "room-set-read-only"} {
		if s.messages[typ] != 1 {
			t.Errorf("MessageSaved %q: %d events", typ, s.messages[typ])
		}
	}
	if len(s.rooms) != 1 || s.rooms[0].Name != "renamed" || s.rooms[0].Type != model.RoomPrivate {
		t.Errorf("RoomChanged events: %+v", s.rooms)
	}
	// Rename and type change both reach every member's subscription.
	if s.subs["owner"] != 2 || s.subs["member"] != 2 {
		t.Errorf("SubscriptionChanged per user: %v", s.subs)
	}
	sub, err := f.svc.Members.Subscription(f.ctx, f.member, f.room.ID)
	if err != nil || sub.Name != "renamed" || sub.RoomType != model.RoomPrivate {
		t.Fatalf("member's subscription: %+v, %v", sub, err)
	}

	// Unchanged values change nothing and emit nothing.
	if _, err := f.svc.Rooms.SaveRoomSettings(f.ctx, f.owner, f.room.ID, chat.RoomSettingsInput{Topic: rsPtr("a topic"), ReadOnly: rsPtr(true)}); err != nil {
		t.Fatal(err)
	}
	if es := f.take(); len(es) != 0 {
		t.Fatalf("no-op save emitted %d events", len(es))
	}

	// A member without edit-room is refused, and nothing is emitted.
	_, err = f.svc.Rooms.SaveRoomSettings(f.ctx, f.member, f.room.ID, chat.RoomSettingsInput{Topic: rsPtr("mine")})
	if e, ok := model.AsError(err); !ok || e.Type != "error-action-not-allowed" {
		t.Fatalf("member's change: %v", err)
	}
	if es := f.take(); len(es) != 0 {
		t.Fatalf("refused save emitted %d events", len(es))
	}
}

func TestArchiveEvents(t *testing.T) {
	f := newSettingsFixture(t)
	if err := f.svc.Rooms.ArchiveRoom(f.ctx, f.owner, f.room.ID); err != nil {
		t.Fatal(err)
	}
	s := rsSummarize(f.take())
	if s.messages["room-archived"] != 1 || len(s.rooms) != 1 || !s.rooms[0].Archived || s.subs["member"] != 1 || s.subs["owner"] != 1 {
		t.Fatalf("archive events: %+v", s)
	}
	sub, err := f.svc.Members.Subscription(f.ctx, f.member, f.room.ID)
	if err != nil || !sub.Archived || sub.Open || sub.Alert {
		t.Fatalf("archived subscription: %+v, %v", sub, err)
	}
	_, err = f.svc.Messages.SendMessage(f.ctx, f.member, chat.SendInput{RoomID: f.room.ID, Msg: "hello"})
	if !errors.Is(err, model.ErrRoomArchived) {
		t.Fatalf("posting to an archived room: %v", err)
	}
	// Owners cannot unarchive (unarchive-room is the admin's by default).
	if err := f.svc.Rooms.UnarchiveRoom(f.ctx, f.owner, f.room.ID); err == nil {
		t.Fatal("owner unarchived")
	}
}

func TestMarkReadEvents(t *testing.T) {
	f := newSettingsFixture(t)
	if _, err := f.svc.Messages.SendMessage(f.ctx, f.owner, chat.SendInput{RoomID: f.room.ID, Msg: "hey @member"}); err != nil {
		t.Fatal(err)
	}
	f.take()
	if err := f.svc.Members.MarkRead(f.ctx, f.member, f.room.ID, false); err != nil {
		t.Fatal(err)
	}
	es := f.take()
	if len(es) != 1 {
		t.Fatalf("MarkRead emitted %d events", len(es))
	}
	sc, ok := es[0].(model.SubscriptionChanged)
	if !ok || sc.Subscription.User.ID != f.member.ID || sc.Subscription.Unread != 0 || sc.Subscription.UserMentions != 0 || sc.Subscription.Alert || sc.Subscription.LastSeen.IsZero() {
		t.Fatalf("MarkRead event: %#v", es[0])
	}
	if err := f.svc.Members.SetFavorite(f.ctx, f.member, f.room.ID, true); err != nil {
		t.Fatal(err)
	}
	if es := f.take(); len(es) != 1 || !es[0].(model.SubscriptionChanged).Subscription.Favorite {
		t.Fatalf("SetFavorite events: %#v", es)
	}
}
