package model

import (
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"slices"
	"testing"
)

// everyEvent holds one value of each event kind, with its stream.
var everyEvent = []struct {
	e      Event
	stream string
	stored bool // numbered by the store (has Pos)
}{
	{MessageSaved{Message: &Message{ID: "m", RoomID: "r1"}}, "r1", true},
	{MessageDeleted{RoomID: "r1", MessageID: "m"}, "r1", true},
	{MessagesPruned{RoomID: "r1", IDs: []string{"m"}}, "r1", true},
	{RoomChanged{Action: ActionUpdated, Room: &Room{ID: "r1"}}, "r1", true},
	{SubscriptionChanged{Action: ActionInserted, Subscription: &Subscription{ID: "s", RoomID: "r1"}}, "r1", true},
	{UserChanged{User: &User{ID: "u"}}, "", true},
	{UserDeleted{UserID: "u"}, "", true},
	{PresenceChanged{UserID: "u", Status: StatusOnline}, "", true},
	{RoleChanged{Type: "added", RoleID: "owner", UserID: "u", Scope: "r1"}, "r1", true},
	{RoleChanged{Type: "added", RoleID: "admin", UserID: "u"}, "", true},
	{PermissionChanged{Permission: &Permission{ID: "p"}}, "", true},
	{SettingChanged{Setting: &Setting{ID: "s"}}, "", true},
	{UserActivity{RoomID: "r1", Username: "u"}, "", false},
	{EphemeralMessage{UserID: "u", RoomID: "r1"}, "", false},
	{DesktopNotification{UserID: "u", RoomID: "r1"}, "", false},
	{LoginTokensRemoved{UserID: "u", Hashes: []string{"h"}}, "", false},
	{AuthChanged{UserID: "u", Hashes: []string{"h"}}, "", false},
	{UserCreated{User: &User{ID: "u"}}, "", false},
	{EmojiChanged{Action: ActionUpdated, Emoji: &Emoji{ID: "e"}}, "", false},
	{CustomUserStatusChanged{Action: ActionRemoved, Status: &CustomUserStatus{ID: "s"}}, "", false},
	{E2EKeyRequest{RoomID: "r1", KeyID: "k"}, "", false},
	{InviteCreated{Invite: Invite{ID: "i", UserID: "u1"}}, "", false},
}

func TestPositions(t *testing.T) {
	p := Position{Stream: "x", Seq: 7, Epoch: "e1"}
	for _, c := range everyEvent {
		kind := c.e.EventKind()
		ptr := reflect.New(reflect.TypeOf(c.e))
		ptr.Elem().Set(reflect.ValueOf(c.e))
		asPtr := ptr.Interface().(Event)
		for _, e := range []Event{c.e, asPtr} {
			if got := StreamOf(e); got != c.stream {
				t.Errorf("%s (%T): stream %q, want %q", kind, e, got, c.stream)
			}
			placed := WithPosition(e, p)
			got, ok := PositionOf(placed)
			if ok != c.stored || (c.stored && got != p) {
				t.Errorf("%s (%T): position %+v, %v after WithPosition", kind, e, got, ok)
			}
			if reflect.TypeOf(placed) != reflect.TypeOf(e) {
				t.Errorf("%s: WithPosition changed the type to %T", kind, placed)
			}
			if was, _ := PositionOf(e); !was.IsZero() {
				t.Errorf("%s (%T): WithPosition changed its argument", kind, e)
			}
		}
		_, hasPos := reflect.TypeOf(c.e).FieldByName("Pos")
		if hasPos != c.stored {
			t.Errorf("%s: has a Pos field: %v, stored: %v", kind, hasPos, c.stored)
		}
	}
}

// TestEveryEventKindHasPositionCases fails when an event type is added
// without a line in everyEvent (and so, probably, without its cases in
// StreamOf, PositionOf and WithPosition).
func TestEveryEventKindHasPositionCases(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "events.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var declared []string
	for _, d := range f.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || fn.Name.Name != "EventKind" || fn.Recv == nil {
			continue
		}
		if id, ok := fn.Recv.List[0].Type.(*ast.Ident); ok {
			declared = append(declared, id.Name)
		}
	}
	var listed []string
	for _, c := range everyEvent {
		listed = append(listed, reflect.TypeOf(c.e).Name())
	}
	for _, name := range declared {
		if !slices.Contains(listed, name) {
			t.Errorf("event type %s is missing from everyEvent: decide its stream and whether the store numbers it (position.go)", name)
		}
	}
	if len(declared) < 10 {
		t.Fatalf("found only %d event types in events.go", len(declared))
	}
}
