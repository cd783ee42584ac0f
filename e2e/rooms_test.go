package e2e

import (
	"testing"
	"time"

	"liftoff/internal/testserver"
)

// These tests cover unread counters, rooms.* (get, delete) and
// subscriptions.*; the rs* helpers serve the room-settings and
// direct-message tests too. Subtests of one test share a server and use
// their own users and rooms.

// rsRoom creates a channel or group ("channels" / "groups") as c with the
// members and returns its id.
func rsRoom(t *testing.T, c *testserver.Client, kind, name string, members ...string) string {
	t.Helper()
	body := map[string]any{"name": name, "members": members}
	key := "channel"
	if kind == "groups" {
		key = "group"
	}
	id := c.Post("/api/v1/"+kind+".create", body).OK(t).Str(key + "._id")
	if id == "" {
		t.Fatalf("%s.create %s: no id", kind, name)
	}
	return id
}

// rsSub returns c's subscription to the room (nil when none).
func rsSub(t *testing.T, c *testserver.Client, roomID string) map[string]any {
	t.Helper()
	sub, _ := c.Get("/api/v1/subscriptions.getOne", "roomId", roomID).OK(t).Get("subscription").(map[string]any)
	return sub
}

// rsPost posts text to a room as c and returns the message id.
func rsPost(t *testing.T, c *testserver.Client, roomID, text string) string {
	t.Helper()
	return c.Post("/api/v1/chat.postMessage", map[string]any{"roomId": roomID, "text": text}).OK(t).Str("message._id")
}

// rsLatestMessage returns the newest message of a channel or group history.
func rsLatestMessage(t *testing.T, c *testserver.Client, kind, roomID string) map[string]any {
	t.Helper()
	list := c.Get("/api/v1/"+kind+".history", "roomId", roomID, "count", "1").OK(t).List("messages")
	if len(list) == 0 {
		t.Fatalf("%s.history of %s is empty", kind, roomID)
	}
	return list[0].(map[string]any)
}

// rsIDs returns the _id of each object in list.
func rsIDs(list []any) map[string]bool {
	out := map[string]bool{}
	for _, x := range list {
		if m, ok := x.(map[string]any); ok {
			if id, ok := m["_id"].(string); ok {
				out[id] = true
			}
		}
	}
	return out
}

func TestUnreadCounts(t *testing.T) {
	srv := testserver.Start(t)
	alice := srv.CreateUser(t, "unalice")
	bob := srv.CreateUser(t, "unbob")
	id := rsRoom(t, alice, "channels", "unread-chan", bob.Username)
	bob.Post("/api/v1/subscriptions.read", map[string]any{"rid": id}).OK(t)

	rsPost(t, alice, id, "plain message")
	sub := rsSub(t, bob, id)
	// The default Unread_Count counts mentions only; a plain message alerts.
	if sub["alert"] != true || sub["unread"] != 0.0 || sub["userMentions"] != 0.0 {
		t.Fatalf("after a plain message: %v", sub)
	}
	mention := rsPost(t, alice, id, "@unbob have a look")
	sub = rsSub(t, bob, id)
	if sub["unread"] != 1.0 || sub["userMentions"] != 1.0 || sub["alert"] != true {
		t.Fatalf("after a mention: %v", sub)
	}
	rsPost(t, alice, id, "@all meeting now")
	sub = rsSub(t, bob, id)
	if sub["unread"] != 2.0 || sub["groupMentions"] != 1.0 {
		t.Fatalf("after @all: %v", sub)
	}
	// The author's own subscription does not count their messages.
	if own := rsSub(t, alice, id); own["unread"] != 0.0 || own["userMentions"] != 0.0 {
		t.Fatalf("author's subscription: %v", own)
	}

	before, _ := sub["_updatedAt"].(string)
	bob.Post("/api/v1/subscriptions.read", map[string]any{"roomId": id}).OK(t)
	sub = rsSub(t, bob, id)
	if sub["unread"] != 0.0 || sub["userMentions"] != 0.0 || sub["groupMentions"] != 0.0 || sub["alert"] != false || sub["ls"] == nil {
		t.Fatalf("after subscriptions.read: %v", sub)
	}
	if sub["_updatedAt"] == before {
		t.Fatal("subscriptions.read did not touch _updatedAt")
	}

	// Marking unread from a message moves ls back to it and alerts.
	bob.Post("/api/v1/subscriptions.unread", map[string]any{"firstUnreadMessage": map[string]any{"_id": mention}}).OK(t)
	sub = rsSub(t, bob, id)
	msg := bob.Get("/api/v1/channels.messages", "roomId", id, "mentionIds", bob.UserID).OK(t).List("messages")
	if len(msg) != 1 || sub["alert"] != true || sub["ls"] != msg[0].(map[string]any)["ts"] {
		t.Fatalf("after subscriptions.unread: %v (message %v)", sub, msg)
	}
	bob.Post("/api/v1/subscriptions.read", map[string]any{"rid": id}).OK(t)
	bob.Post("/api/v1/subscriptions.unread", map[string]any{"roomId": id}).OK(t)
	if sub := rsSub(t, bob, id); sub["alert"] != true {
		t.Fatalf("after subscriptions.unread by room: %v", sub)
	}

	alice.Post("/api/v1/subscriptions.unread", map[string]any{"firstUnreadMessage": map[string]any{"_id": mention}}).Fail(t, 400, "error-action-not-allowed")
	bob.Post("/api/v1/subscriptions.unread", map[string]any{}).Fail(t, 400, "The 'roomId' or 'firstUnreadMessage' param is required")
	bob.Post("/api/v1/subscriptions.read", map[string]any{}).Fail(t, 400, "invalid-params")
	bob.Post("/api/v1/subscriptions.read", map[string]any{"rid": "nosuchroom"}).Fail(t, 400, "error-invalid-subscription")
	bob.Get("/api/v1/subscriptions.getOne").Fail(t, 400, "The 'roomId' param is required")
	if got := bob.Get("/api/v1/subscriptions.getOne", "roomId", "nosuchroom").OK(t).Get("subscription"); got != nil {
		t.Fatalf("subscription of an unknown room: %v", got)
	}
	srv.Anon(t).Post("/api/v1/subscriptions.read", map[string]any{"rid": id}).Fail(t, 401, "")
}

func TestRoomsAndSubscriptions(t *testing.T) {
	srv := testserver.Start(t)
	owner := srv.CreateUser(t, "syncowner")
	bob := srv.CreateUser(t, "syncbob")
	outsider := srv.CreateUser(t, "syncoutsider")

	changed := rsRoom(t, owner, "channels", "sync-changed", bob.Username)
	quiet := rsRoom(t, owner, "channels", "sync-quiet", bob.Username)
	left := rsRoom(t, owner, "groups", "sync-left", bob.Username)
	deleted := rsRoom(t, owner, "channels", "sync-deleted", bob.Username)
	rejoined := rsRoom(t, owner, "channels", "sync-rejoined", bob.Username)

	all := bob.Get("/api/v1/rooms.get").OK(t)
	for _, id := range []string{changed, quiet, left, deleted} {
		if !rsIDs(all.List("update"))[id] {
			t.Fatalf("rooms.get misses %s: %s", id, all.Body)
		}
	}
	if len(all.List("remove")) != 0 {
		t.Fatalf("rooms.get without updatedSince removes: %s", all.Body)
	}
	subs := bob.Get("/api/v1/subscriptions.get").OK(t)
	leftSub, deletedSub := rsSub(t, bob, left)["_id"].(string), rsSub(t, bob, deleted)["_id"].(string)
	if !rsIDs(subs.List("update"))[leftSub] || len(subs.List("remove")) != 0 {
		t.Fatalf("subscriptions.get: %s", subs.Body)
	}

	// Everything so far is older than since; later changes are not.
	since := srv.Now().UTC()
	srv.Advance(t, 5*time.Millisecond)
	owner.Post("/api/v1/channels.setTopic", map[string]any{"roomId": changed, "topic": "changed"}).OK(t)
	joined := rsRoom(t, owner, "channels", "sync-joined", bob.Username)
	bob.Post("/api/v1/rooms.leave", map[string]any{"roomId": left}).OK(t)
	owner.Post("/api/v1/channels.delete", map[string]any{"roomId": deleted}).OK(t)
	bob.Post("/api/v1/rooms.leave", map[string]any{"roomId": rejoined}).OK(t)
	bob.Post("/api/v1/channels.join", map[string]any{"roomId": rejoined}).OK(t)
	joinedSub := rsSub(t, bob, joined)["_id"].(string)

	iso := since.Format("2006-01-02T15:04:05.000Z")
	r := bob.Get("/api/v1/rooms.get", "updatedSince", iso).OK(t)
	update, remove := rsIDs(r.List("update")), rsIDs(r.List("remove"))
	// A room left and joined again is an update, not a removal.
	if !update[changed] || !update[joined] || !update[rejoined] || update[quiet] || update[left] || update[deleted] {
		t.Fatalf("rooms.get update: %s", r.Body)
	}
	if !remove[left] || !remove[deleted] || len(remove) != 2 || r.Str("remove.0._deletedAt") == "" {
		t.Fatalf("rooms.get remove: %s", r.Body)
	}
	s := bob.Get("/api/v1/subscriptions.get", "updatedSince", iso).OK(t)
	update, remove = rsIDs(s.List("update")), rsIDs(s.List("remove"))
	if !update[joinedSub] || !remove[leftSub] || !remove[deletedSub] || len(remove) != 3 {
		t.Fatalf("subscriptions.get since: %s", s.Body)
	}
	// Other users' changes do not show.
	if n := outsider.Get("/api/v1/rooms.get", "updatedSince", iso).OK(t).List("remove"); len(n) != 0 {
		t.Fatalf("outsider's removals: %v", n)
	}
	bob.Get("/api/v1/rooms.get", "updatedSince", "yesterday").Fail(t, 400, "error-updatedSince-param-invalid")
	bob.Get("/api/v1/subscriptions.get", "updatedSince", "yesterday").Fail(t, 400, "error-roomId-param-invalid")

	t.Run("info", func(t *testing.T) {
		if bob.Get("/api/v1/rooms.info", "roomId", changed).OK(t).Str("room.topic") != "changed" {
			t.Fatal("rooms.info by id")
		}
		if bob.Get("/api/v1/rooms.info", "roomName", "sync-quiet").OK(t).Str("room._id") != quiet {
			t.Fatal("rooms.info by name")
		}
		bob.Get("/api/v1/rooms.info").Fail(t, 400, "error-roomid-param-not-provided")
		bob.Get("/api/v1/rooms.info", "roomId", "nosuchroom").Fail(t, 400, "error-room-not-found")
		secret := rsRoom(t, owner, "groups", "sync-secret")
		outsider.Get("/api/v1/rooms.info", "roomId", secret).Fail(t, 400, "error-room-not-found")
		owner.Get("/api/v1/rooms.info", "roomId", secret).OK(t)
	})

	t.Run("favorite", func(t *testing.T) {
		bob.Post("/api/v1/rooms.favorite", map[string]any{"roomId": quiet, "favorite": true}).OK(t)
		if sub := rsSub(t, bob, quiet); sub["f"] != true {
			t.Fatalf("favorite not set: %v", sub)
		}
		bob.Post("/api/v1/rooms.favorite", map[string]any{"roomName": "sync-quiet", "favorite": false}).OK(t)
		if sub := rsSub(t, bob, quiet); sub["f"] == true {
			t.Fatalf("favorite not cleared: %v", sub)
		}
		bob.Post("/api/v1/rooms.favorite", map[string]any{"roomId": quiet}).Fail(t, 400, "The 'favorite' param is required")
		outsider.Post("/api/v1/rooms.favorite", map[string]any{"roomId": quiet, "favorite": true}).Fail(t, 400, "error-invalid-subscription")
		bob.Post("/api/v1/rooms.favorite", map[string]any{"roomId": "nosuchroom", "favorite": true}).Fail(t, 400, "error-room-not-found")
	})

	t.Run("leave", func(t *testing.T) {
		id := rsRoom(t, owner, "channels", "sync-leave", bob.Username)
		bob.Post("/api/v1/rooms.leave", map[string]any{"roomId": id}).OK(t)
		if sub := rsSub(t, bob, id); sub != nil {
			t.Fatalf("still subscribed: %v", sub)
		}
		if m := rsLatestMessage(t, owner, "channels", id); m["t"] != "ul" || m["msg"] != bob.Username {
			t.Fatalf("leave message: %v", m)
		}
		bob.Post("/api/v1/rooms.leave", map[string]any{"roomId": id}).Fail(t, 400, "error-user-not-in-room")
		owner.Post("/api/v1/rooms.leave", map[string]any{"roomId": id}).Fail(t, 400, "error-you-are-last-owner")
		owner.Post("/api/v1/rooms.leave", map[string]any{}).Fail(t, 400, "error-roomid-param-not-provided")
	})
}

func TestRoomsDelete(t *testing.T) {
	srv := testserver.Start(t)
	alice := srv.CreateUser(t, "alice")
	bob := srv.CreateUser(t, "bob")
	r := alice.Post("/api/v1/teams.create", map[string]any{"name": "yard", "type": 0, "members": []string{"bob"}}).OK(t)
	teamID, mainID := r.Str("team._id"), r.Str("team.roomId")
	chID := alice.Post("/api/v1/channels.create", map[string]any{"name": "yard-room", "members": []string{"bob"}, "extraData": map[string]any{"teamId": teamID}}).OK(t).Str("channel._id")
	grID := alice.Post("/api/v1/groups.create", map[string]any{"name": "loose-group", "members": []string{"bob"}}).OK(t).Str("group._id")

	t.Run("refused", func(t *testing.T) {
		alice.Post("/api/v1/rooms.delete", map[string]any{}).Fail(t, 400, "The 'roomId' param is required")
		alice.Post("/api/v1/rooms.delete", map[string]any{"roomId": "nope"}).Fail(t, 400, "error-invalid-room")
		alice.Post("/api/v1/rooms.delete", map[string]any{"roomId": mainID}).Fail(t, 400, "error-cannot-delete-team-channel")
		bob.Post("/api/v1/rooms.delete", map[string]any{"roomId": chID}).Fail(t, 403, "error-not-allowed")
		bob.Post("/api/v1/rooms.delete", map[string]any{"roomId": grID}).Fail(t, 403, "error-not-allowed")
		alice.Get("/api/v1/teams.info", "teamId", teamID).OK(t)
		alice.Get("/api/v1/rooms.info", "roomId", chID).OK(t)
		alice.Get("/api/v1/rooms.info", "roomId", grID).OK(t)
	})
	t.Run("team room", func(t *testing.T) {
		alice.Post("/api/v1/rooms.delete", map[string]any{"roomId": chID}).OK(t)
		alice.Get("/api/v1/rooms.info", "roomId", chID).Fail(t, 400, "")
		if msgs := sysMessages(t, alice, "channels", mainID); len(msgs) == 0 || msgs[0] != "user-deleted-room-from-team:yard-room" {
			t.Fatalf("main room messages: %v", msgs)
		}
		if n := alice.Get("/api/v1/teams.listRooms", "teamId", teamID).OK(t).Num("total"); n != 0 {
			t.Fatalf("team rooms left: %v", n)
		}
	})
	t.Run("group", func(t *testing.T) {
		alice.Post("/api/v1/rooms.delete", map[string]any{"roomId": grID}).OK(t)
		bob.Get("/api/v1/rooms.info", "roomId", grID).Fail(t, 400, "")
	})
}
