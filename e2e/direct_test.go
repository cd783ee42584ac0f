package e2e

import (
	"testing"

	"liftoff/internal/testserver"
)

// End-to-end tests of direct-message rooms: creating and listing them, the
// im.* and dm.* endpoints, im.delete / dm.delete and im.setTopic /
// dm.setTopic.

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

func TestDirectMessages(t *testing.T) {
	srv := testserver.Start(t)
	alice := srv.CreateUser(t, "dmalice")
	bob := srv.CreateUser(t, "dmbob")
	carol := srv.CreateUser(t, "dmcarol")

	r := alice.Post("/api/v1/im.create", map[string]any{"username": bob.Username}).OK(t)
	rid := r.Str("room._id")
	if rid == "" || r.Str("room.rid") != rid || r.Str("room.t") != "d" || len(r.List("room.usernames")) != 2 {
		t.Fatalf("im.create: %s", r.Body)
	}
	if again := bob.Post("/api/v1/im.create", map[string]any{"username": alice.Username}).OK(t).Str("room._id"); again != rid {
		t.Fatalf("the same pair got another room: %s vs %s", again, rid)
	}
	alice.Post("/api/v1/im.create", map[string]any{"username": "nobody-here"}).Fail(t, 400, "error-invalid-user")
	alice.Post("/api/v1/im.create", map[string]any{}).Fail(t, 400, "The 'username' or 'usernames' param is required")

	// Both sides see the conversation.
	m1 := rsPost(t, alice, rid, "hello bob")
	m2 := rsPost(t, alice, rid, "are you there?")
	for _, c := range []*testserver.Client{alice, bob} {
		h := c.Get("/api/v1/im.history", "roomId", rid).OK(t).List("messages")
		if len(h) != 2 || h[0].(map[string]any)["_id"] != m2 || h[1].(map[string]any)["_id"] != m1 {
			t.Fatalf("%s's history: %v", c.Username, h)
		}
		msgs := c.Get("/api/v1/im.messages", "roomId", rid).OK(t)
		if msgs.Num("total") != 2 || len(msgs.List("messages")) != 2 {
			t.Fatalf("%s's im.messages: %s", c.Username, msgs.Body)
		}
	}
	if n := bob.Get("/api/v1/dm.messages", "username", alice.Username).OK(t).Num("total"); n != 2 {
		t.Fatalf("dm.messages by username: total %v", n)
	}

	// Counters: a direct message counts as unread for the receiver.
	c := bob.Get("/api/v1/im.counters", "roomId", rid).OK(t)
	if c.Get("joined") != true || c.Num("unreads") != 2 || c.Num("members") != 2 || c.Num("msgs") != 2 || c.Str("latest") == "" || c.Str("unreadsFrom") == "" {
		t.Fatalf("im.counters: %s", c.Body)
	}
	bob.Post("/api/v1/subscriptions.read", map[string]any{"rid": rid}).OK(t)
	if n := bob.Get("/api/v1/im.counters", "roomId", rid).OK(t).Num("unreads"); n != 0 {
		t.Fatalf("unreads after read: %v", n)
	}
	bob.Get("/api/v1/im.counters", "roomId", rid, "userId", alice.UserID).Fail(t, 403, "")
	bob.Get("/api/v1/im.counters").Fail(t, 400, "error-room-param-not-provided")

	// Lists and members.
	l := bob.Get("/api/v1/im.list").OK(t)
	if !rsIDs(l.List("ims"))[rid] || l.Num("total") != 1 || l.Num("count") != 1 {
		t.Fatalf("im.list: %s", l.Body)
	}
	if n := carol.Get("/api/v1/dm.list").OK(t).Num("total"); n != 0 {
		t.Fatalf("carol has %v DMs", n)
	}
	mem := alice.Get("/api/v1/im.members", "roomId", rid).OK(t)
	if mem.Num("total") != 2 || mem.Str("members.0.subscription._id") == "" || mem.Str("members.0.username") == "" {
		t.Fatalf("im.members: %s", mem.Body)
	}
	if n := alice.Get("/api/v1/im.members", "roomId", rid, "filter", "dmbob").OK(t).Num("total"); n != 1 {
		t.Fatalf("filtered members: %v", n)
	}

	// Outsiders cannot read it.
	carol.Get("/api/v1/im.history", "roomId", rid).Fail(t, 403, "")
	carol.Get("/api/v1/im.messages", "roomId", rid).Fail(t, 403, "")
	carol.Get("/api/v1/im.members", "roomId", rid).Fail(t, 403, "")
	carol.Get("/api/v1/im.counters", "roomId", rid).Fail(t, 403, "")
	carol.Post("/api/v1/im.open", map[string]any{"roomId": rid}).Fail(t, 403, "")
	carol.Post("/api/v1/chat.postMessage", map[string]any{"roomId": rid, "text": "intrude"}).Fail(t, 400, "error-not-allowed")
	alice.Get("/api/v1/im.history").Fail(t, 400, "error-room-param-not-provided")
	alice.Get("/api/v1/im.history", "roomId", "nosuchroom").Fail(t, 400, "error-room-not-found")

	// Close and open.
	bob.Post("/api/v1/im.close", map[string]any{"roomId": rid}).OK(t)
	if sub := rsSub(t, bob, rid); sub["open"] != false {
		t.Fatalf("closed subscription: %v", sub)
	}
	bob.Post("/api/v1/im.close", map[string]any{"roomId": rid}).Fail(t, 400, "")
	bob.Post("/api/v1/im.close", map[string]any{}).Fail(t, 400, "error-room-param-not-provided")
	bob.Post("/api/v1/im.open", map[string]any{"roomId": rid}).OK(t)
	if sub := rsSub(t, bob, rid); sub["open"] != true {
		t.Fatalf("reopened subscription: %v", sub)
	}
	bob.Post("/api/v1/im.open", map[string]any{}).Fail(t, 400, "The 'roomId' param is required")

	// A multi-user conversation.
	g := alice.Post("/api/v1/dm.create", map[string]any{"usernames": bob.Username + ", " + carol.Username}).OK(t)
	gid := g.Str("room._id")
	if gid == "" || gid == rid || len(g.List("room.usernames")) != 3 || g.Num("room.usersCount") != 3 {
		t.Fatalf("group DM: %s", g.Body)
	}
	rsPost(t, carol, gid, "hi both")
	if n := bob.Get("/api/v1/im.history", "roomId", gid).OK(t).List("messages"); len(n) != 1 {
		t.Fatalf("bob's group DM history: %v", n)
	}
	if again := carol.Post("/api/v1/im.create", map[string]any{"usernames": alice.Username + "," + bob.Username}).OK(t).Str("room._id"); again != gid {
		t.Fatalf("same members got another group DM: %s", again)
	}
	if n := bob.Get("/api/v1/im.list").OK(t).Num("total"); n != 2 {
		t.Fatalf("bob's im.list total %v", n)
	}
	// Direct conversations cannot be left or renamed.
	bob.Post("/api/v1/rooms.leave", map[string]any{"roomId": gid}).Fail(t, 400, "error-not-allowed")
}
