package e2e

import (
	"testing"

	"liftoff/internal/testserver"
)

// End-to-end tests of im.delete / dm.delete and im.setTopic / dm.setTopic.

func directIDs(t *testing.T, c *testserver.Client) []string {
	t.Helper()
	return ids(c.Get("/api/v1/im.list").OK(t).List("ims"))
}

func TestDirectDelete(t *testing.T) {
	srv := testserver.Start(t)
	admin := srv.Admin(t)
	alice, aliceRT := rtUser(t, srv, "alice")
	srv.CreateUser(t, "bob")
	carol := srv.CreateUser(t, "carol")
	dm := alice.Post("/api/v1/im.create", map[string]any{"username": "bob"}).OK(t).Str("room._id")
	say(t, alice, dm, "hello bob")
	aliceRT.sub("stream-notify-user", aliceRT.userID+"/subscriptions-changed", false)
	aliceRT.sub("stream-notify-user", aliceRT.userID+"/rooms-changed", false)
	stillThere := func() {
		t.Helper()
		if h := alice.Get("/api/v1/im.history", "roomId", dm).OK(t); len(h.List("messages")) != 1 || !includes(directIDs(t, alice), dm) {
			t.Fatalf("the conversation changed: %s", h.Body)
		}
	}

	// Members may read it but need delete-d (administrators only) to erase it.
	alice.Post("/api/v1/im.delete", map[string]any{"roomId": dm}).Fail(t, 403, "error-not-allowed")
	// Others may not even reach it.
	carol.Post("/api/v1/dm.delete", map[string]any{"roomId": dm}).Fail(t, 403, "error-not-allowed")
	// Bad input.
	alice.Post("/api/v1/im.delete", map[string]any{}).Fail(t, 400, "error-room-param-not-provided")
	alice.Post("/api/v1/im.delete", map[string]any{"roomId": "GENERAL"}).Fail(t, 400, "error-room-not-found")
	alice.Post("/api/v1/im.delete", map[string]any{"username": "nobody-here"}).Fail(t, 400, "error-room-not-found")
	stillThere()

	// An administrator who is not in the conversation may erase it:
	// messages, room and both subscriptions go, and members are told.
	admin.Post("/api/v1/im.delete", map[string]any{"roomId": dm}).OK(t)
	aliceRT.event("stream-notify-user", aliceRT.userID+"/rooms-changed", func(args []any) bool {
		room, _ := args[1].(map[string]any)
		return args[0] == "removed" && room["_id"] == dm
	})
	aliceRT.event("stream-notify-user", aliceRT.userID+"/subscriptions-changed", func(args []any) bool {
		sub, _ := args[1].(map[string]any)
		return args[0] == "removed" && sub["rid"] == dm
	})
	if includes(directIDs(t, alice), dm) {
		t.Fatal("the erased conversation is still listed")
	}
	alice.Get("/api/v1/im.history", "roomId", dm).Fail(t, 400, "error-room-not-found")
	if subscribed(t, alice, dm) {
		t.Fatal("alice is still subscribed")
	}
	rg := alice.Get("/api/v1/rooms.get", "updatedSince", "1970-01-01T00:00:00.000Z").OK(t)
	if !includes(ids(rg.List("remove")), dm) {
		t.Fatalf("rooms.get does not report the erased conversation: %s", rg.Body)
	}

	// dm.delete by username: the administrator's own conversation with carol.
	own := admin.Post("/api/v1/im.create", map[string]any{"username": "carol"}).OK(t).Str("room._id")
	admin.Post("/api/v1/dm.delete", map[string]any{"username": "carol"}).OK(t)
	if includes(directIDs(t, carol), own) {
		t.Fatal("dm.delete by username left the conversation")
	}
}

func TestDirectSetTopic(t *testing.T) {
	srv := testserver.Start(t)
	admin := srv.Admin(t)
	alice := srv.CreateUser(t, "alice")
	bob, bobRT := rtUser(t, srv, "bob")
	carol := srv.CreateUser(t, "carol")
	dm := alice.Post("/api/v1/im.create", map[string]any{"username": "bob"}).OK(t).Str("room._id")
	topic := func(c *testserver.Client, rid string) any {
		t.Helper()
		return c.Get("/api/v1/rooms.info", "roomId", rid).OK(t).Get("room.topic")
	}

	// Setting a topic goes through the room settings: it needs edit-room,
	// which members of a conversation do not hold.
	alice.Post("/api/v1/im.setTopic", map[string]any{"roomId": dm, "topic": "plans"}).Fail(t, 403, "error-action-not-allowed")
	carol.Post("/api/v1/im.setTopic", map[string]any{"roomId": dm, "topic": "plans"}).Fail(t, 403, "")
	alice.Post("/api/v1/im.setTopic", map[string]any{"topic": "plans"}).Fail(t, 400, "error-room-param-not-provided")
	alice.Post("/api/v1/im.setTopic", map[string]any{"roomId": "no-such-room", "topic": "plans"}).Fail(t, 403, "")
	if v := topic(alice, dm); v != nil {
		t.Fatalf("refused calls set the topic: %v", v)
	}

	// An administrator in a conversation holds edit-room.
	own := admin.Post("/api/v1/im.create", map[string]any{"username": "bob"}).OK(t).Str("room._id")
	bobRT.sub("stream-notify-user", bobRT.userID+"/rooms-changed", false)
	r := admin.Post("/api/v1/dm.setTopic", map[string]any{"roomId": own, "topic": "plans"}).OK(t)
	if r.Str("topic") != "plans" {
		t.Fatalf("dm.setTopic answer: %s", r.Body)
	}
	if v := topic(bob, own); v != "plans" {
		t.Fatalf("topic = %v", v)
	}
	bobRT.event("stream-notify-user", bobRT.userID+"/rooms-changed", func(args []any) bool {
		room, _ := args[1].(map[string]any)
		return args[0] == "updated" && room["_id"] == own && room["topic"] == "plans"
	})
	h := bob.Get("/api/v1/im.history", "roomId", own).OK(t)
	if h.Str("messages.0.t") != "room_changed_topic" || h.Str("messages.0.msg") != "plans" {
		t.Fatalf("no room_changed_topic message: %s", h.Body)
	}
	// Without a topic it is cleared, and the answer carries none.
	r = admin.Post("/api/v1/im.setTopic", map[string]any{"roomId": own}).OK(t)
	if r.Get("topic") != nil {
		t.Fatalf("answer without a topic: %s", r.Body)
	}
	if v := topic(bob, own); v != nil {
		t.Fatalf("topic not cleared: %v", v)
	}
	// Only conversations.
	admin.Post("/api/v1/im.setTopic", map[string]any{"roomId": "GENERAL", "topic": "x"}).Fail(t, 400, "error-room-not-found")
}
