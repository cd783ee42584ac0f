package chat

import (
	"context"
	"errors"
	"testing"

	"liftoff/model"
	"liftoff/store"
)

// Posting checks a room's rules against a cache; every change to them,
// whether made through the service or straight in the store (another
// process on the same database), is seen by the next post, which writes
// nothing when refused.
func TestSendMessageSeesRoomRuleChanges(t *testing.T) {
	ctx := context.Background()
	svc, _ := testService(t)
	alice, err := svc.Accounts.InsertUser(ctx, NewUserInput{Username: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	bob, err := svc.Accounts.InsertUser(ctx, NewUserInput{Username: "bob"})
	if err != nil {
		t.Fatal(err)
	}
	room, err := svc.Rooms.CreateRoom(ctx, alice, CreateRoomInput{Type: model.RoomChannel, Name: "rules", Members: []string{"bob"}})
	if err != nil {
		t.Fatal(err)
	}
	posted := 0
	post := func(step, wantErr string) {
		t.Helper()
		_, err := svc.Messages.SendMessage(ctx, bob, SendInput{RoomID: room.ID, Msg: step})
		if wantErr == "" {
			if err != nil {
				t.Fatalf("%s: %v", step, err)
			}
			posted++
		} else if e, ok := model.AsError(err); !ok || e.Type != wantErr {
			t.Fatalf("%s: got %v, want %s", step, err, wantErr)
		}
		ms, _, err := svc.Admin.store.ListMessages(ctx, store.MessageQuery{RoomID: room.ID}, model.Page{})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, m := range ms {
			if m.Type == "" {
				n++
			}
		}
		if n != posted {
			t.Fatalf("%s: %d messages stored, want %d", step, n, posted)
		}
	}
	direct := func(change func(*model.Room)) {
		t.Helper()
		err := svc.Admin.store.Update(ctx, func(tx store.Tx) error {
			r, err := tx.RoomByID(ctx, room.ID)
			if err != nil {
				return err
			}
			change(r)
			return tx.UpdateRoom(ctx, r)
		})
		if err != nil {
			t.Fatal(err)
		}
	}

	post("first", "") // caches the rules
	if err := svc.Members.MuteUser(ctx, alice, room.ID, "bob"); err != nil {
		t.Fatal(err)
	}
	post("while muted", "error-not-allowed")
	if err := svc.Members.UnmuteUser(ctx, alice, room.ID, "bob"); err != nil {
		t.Fatal(err)
	}
	post("unmuted", "") // the cache said muted: re-checked on a fresh read
	direct(func(r *model.Room) { r.Archived = true })
	post("archived behind the service's back", "error-room-archived")
	direct(func(r *model.Room) { r.Archived = false })
	post("unarchived", "")
	direct(func(r *model.Room) { r.ReadOnly = true })
	post("read-only", "error-not-allowed")
	direct(func(r *model.Room) { r.ReadOnly = false })
	post("writable again", "")
	if err := svc.Rooms.DeleteRoom(ctx, alice, RoomRef{ID: room.ID}, model.RoomChannel); err != nil {
		t.Fatal(err)
	}
	_, err = svc.Messages.SendMessage(ctx, bob, SendInput{RoomID: room.ID, Msg: "deleted"})
	if e, ok := model.AsError(err); !ok || e.Type != "error-invalid-room" {
		t.Fatalf("posting to a deleted room: %v", err)
	}
	if errors.Is(err, errStaleRules) {
		t.Fatal("errStaleRules escaped SendMessage")
	}
}
