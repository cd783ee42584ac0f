package e2e

import (
	"testing"
	"time"

	"liftoff/internal/testserver"
)

// These tests cover room settings (rename, topic, description,
// announcement, read-only, type, archive), direct messages (im.*, dm.*),
// rooms.* and subscriptions.*. Subtests of one test share a server and use
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

func TestRoomSettings(t *testing.T) {
	srv := testserver.Start(t)
	admin := srv.Admin(t)
	owner := srv.CreateUser(t, "setowner")
	member := srv.CreateUser(t, "setmember")
	outsider := srv.CreateUser(t, "setoutsider")

	t.Run("rename", func(t *testing.T) {
		id := rsRoom(t, owner, "channels", "rename-me", member.Username)
		rsRoom(t, owner, "channels", "taken-name")

		r := owner.Post("/api/v1/channels.rename", map[string]any{"roomId": id, "name": "renamed"}).OK(t)
		if r.Str("channel.name") != "renamed" || r.Str("channel.fname") != "renamed" || r.Str("channel._id") != id {
			t.Fatalf("rename answer: %s", r.Body)
		}
		m := rsLatestMessage(t, owner, "channels", id)
		if m["t"] != "r" || m["msg"] != "renamed" {
			t.Fatalf("no rename system message: %v", m)
		}
		if sub := rsSub(t, member, id); sub["name"] != "renamed" || sub["fname"] != "renamed" {
			t.Fatalf("member's subscription not renamed: %v", sub)
		}
		owner.Get("/api/v1/channels.info", "roomName", "renamed").OK(t)

		owner.Post("/api/v1/channels.rename", map[string]any{"roomId": id, "name": "taken-name"}).Fail(t, 400, "error-duplicate-channel-name")
		owner.Post("/api/v1/channels.rename", map[string]any{"roomId": id, "name": "bad name!"}).Fail(t, 400, "error-invalid-room-name")
		owner.Post("/api/v1/channels.rename", map[string]any{"roomId": id, "name": "renamed"}).Fail(t, 400, "error-invalid-params")
		owner.Post("/api/v1/channels.rename", map[string]any{"roomId": id}).Fail(t, 400, "error-invalid-params")
		owner.Post("/api/v1/channels.rename", map[string]any{"roomId": "nosuchroom", "name": "x1"}).Fail(t, 400, "error-room-not-found")
		member.Post("/api/v1/channels.rename", map[string]any{"roomId": id, "name": "member-name"}).Fail(t, 403, "error-action-not-allowed")
		if name := owner.Get("/api/v1/channels.info", "roomId", id).OK(t).Str("channel.name"); name != "renamed" {
			t.Fatalf("refused renames changed the name to %q", name)
		}

		gid := rsRoom(t, owner, "groups", "group-rename", member.Username)
		r = owner.Post("/api/v1/groups.rename", map[string]any{"roomName": "group-rename", "name": "group-renamed"}).OK(t)
		if r.Str("group.name") != "group-renamed" {
			t.Fatalf("groups.rename: %s", r.Body)
		}
		outsider.Post("/api/v1/groups.rename", map[string]any{"roomId": gid, "name": "stolen"}).Fail(t, 400, "error-room-not-found")
		// A channel id is not a group.
		owner.Post("/api/v1/groups.rename", map[string]any{"roomId": id, "name": "other"}).Fail(t, 400, "error-room-not-found")
	})

	t.Run("topic description announcement", func(t *testing.T) {
		id := rsRoom(t, owner, "channels", "texts-chan", member.Username)
		for _, c := range []struct{ endpoint, param, field, msgType string }{
			{"setTopic", "topic", "topic", "room_changed_topic"},
			{"setDescription", "description", "description", "room_changed_description"},
			{"setAnnouncement", "announcement", "announcement", "room_changed_announcement"},
			{"setPurpose", "purpose", "description", "room_changed_description"},
		} {
			value := "new " + c.param
			r := owner.Post("/api/v1/channels."+c.endpoint, map[string]any{"roomId": id, c.param: value}).OK(t)
			if r.Str(c.param) != value {
				t.Fatalf("%s answer: %s", c.endpoint, r.Body)
			}
			if got := owner.Get("/api/v1/channels.info", "roomId", id).OK(t).Str("channel." + c.field); got != value {
				t.Fatalf("%s: room %s is %q", c.endpoint, c.field, got)
			}
			if m := rsLatestMessage(t, member, "channels", id); m["t"] != c.msgType || m["msg"] != value {
				t.Fatalf("%s: system message %v", c.endpoint, m)
			}
			member.Post("/api/v1/channels."+c.endpoint, map[string]any{"roomId": id, c.param: "member's"}).Fail(t, 403, "error-action-not-allowed")
			owner.Post("/api/v1/channels."+c.endpoint, map[string]any{"roomId": id}).Fail(t, 400, "error-invalid-params")
		}
		// Setting the same topic again is refused by channels.setTopic.
		owner.Post("/api/v1/channels.setTopic", map[string]any{"roomId": id, "topic": "new topic"}).Fail(t, 400, "error-invalid-params")
		if got := owner.Get("/api/v1/channels.info", "roomId", id).OK(t).Str("channel.topic"); got != "new topic" {
			t.Fatalf("refused calls changed the topic to %q", got)
		}

		gid := rsRoom(t, owner, "groups", "texts-group", member.Username)
		owner.Post("/api/v1/groups.setTopic", map[string]any{"roomId": gid, "topic": "group topic"}).OK(t)
		if got := member.Get("/api/v1/groups.info", "roomId", gid).OK(t).Str("group.topic"); got != "group topic" {
			t.Fatalf("group topic %q", got)
		}
		outsider.Post("/api/v1/groups.setTopic", map[string]any{"roomId": gid, "topic": "x"}).Fail(t, 400, "error-room-not-found")
	})

	t.Run("read only", func(t *testing.T) {
		id := rsRoom(t, owner, "channels", "ro-chan", member.Username)
		r := owner.Post("/api/v1/channels.setReadOnly", map[string]any{"roomId": id, "readOnly": true}).OK(t)
		if r.Get("channel.ro") != true {
			t.Fatalf("setReadOnly answer: %s", r.Body)
		}
		if m := rsLatestMessage(t, owner, "channels", id); m["t"] != "room-set-read-only" {
			t.Fatalf("system message %v", m)
		}
		member.Post("/api/v1/chat.postMessage", map[string]any{"roomId": id, "text": "hi"}).Fail(t, 403, "error-not-allowed")
		owner.Post("/api/v1/channels.setReadOnly", map[string]any{"roomId": id, "readOnly": true}).Fail(t, 400, "error-invalid-params")
		member.Post("/api/v1/channels.setReadOnly", map[string]any{"roomId": id, "readOnly": false}).Fail(t, 403, "error-action-not-allowed")
		owner.Post("/api/v1/channels.setReadOnly", map[string]any{"roomId": id}).Fail(t, 400, "error-invalid-params")
		owner.Post("/api/v1/channels.setReadOnly", map[string]any{"roomId": id, "readOnly": "maybe"}).Fail(t, 400, "error-invalid-params")

		owner.Post("/api/v1/channels.setReadOnly", map[string]any{"roomId": id, "readOnly": false}).OK(t)
		if m := rsLatestMessage(t, owner, "channels", id); m["t"] != "room-removed-read-only" {
			t.Fatalf("system message %v", m)
		}
		rsPost(t, member, id, "writable again")

		gid := rsRoom(t, owner, "groups", "ro-group", member.Username)
		if owner.Post("/api/v1/groups.setReadOnly", map[string]any{"roomId": gid, "readOnly": true}).OK(t).Get("group.ro") != true {
			t.Fatal("groups.setReadOnly did not set ro")
		}
	})

	t.Run("type", func(t *testing.T) {
		id := rsRoom(t, owner, "channels", "type-chan", member.Username)
		r := owner.Post("/api/v1/channels.setType", map[string]any{"roomId": id, "type": "p"}).OK(t)
		if r.Str("channel.t") != "p" {
			t.Fatalf("setType answer: %s", r.Body)
		}
		if sub := rsSub(t, member, id); sub["t"] != "p" {
			t.Fatalf("member's subscription type: %v", sub)
		}
		if m := rsLatestMessage(t, member, "groups", id); m["t"] != "room_changed_privacy" || m["msg"] != "private" {
			t.Fatalf("system message %v", m)
		}
		// Now a group: hidden from outsiders, not a channel any more.
		outsider.Get("/api/v1/groups.info", "roomId", id).Fail(t, 400, "error-room-not-found")
		owner.Get("/api/v1/channels.info", "roomId", id).Fail(t, 400, "error-room-not-found")

		owner.Post("/api/v1/groups.setType", map[string]any{"roomId": id, "type": "p"}).Fail(t, 400, "error-invalid-params")
		owner.Post("/api/v1/groups.setType", map[string]any{"roomId": id, "type": "d"}).Fail(t, 400, "error-invalid-room-type")
		owner.Post("/api/v1/groups.setType", map[string]any{"roomId": id}).Fail(t, 400, "error-invalid-params")
		member.Post("/api/v1/groups.setType", map[string]any{"roomId": id, "type": "c"}).Fail(t, 403, "error-action-not-allowed")

		if owner.Post("/api/v1/groups.setType", map[string]any{"roomId": id, "type": "c"}).OK(t).Str("group.t") != "c" {
			t.Fatal("groups.setType back to c failed")
		}
		outsider.Get("/api/v1/channels.info", "roomId", id).OK(t)
	})

	t.Run("archive", func(t *testing.T) {
		id := rsRoom(t, owner, "channels", "archive-chan", member.Username)
		rsPost(t, member, id, "before archiving")
		member.Post("/api/v1/channels.archive", map[string]any{"roomId": id}).Fail(t, 403, "error-not-authorized")
		owner.Post("/api/v1/channels.archive", map[string]any{"roomId": id}).OK(t)

		if owner.Get("/api/v1/channels.info", "roomId", id).OK(t).Get("channel.archived") != true {
			t.Fatal("room not archived")
		}
		sub := rsSub(t, member, id)
		if sub["archived"] != true || sub["open"] != false {
			t.Fatalf("member's subscription after archive: %v", sub)
		}
		if m := rsLatestMessage(t, owner, "channels", id); m["t"] != "room-archived" {
			t.Fatalf("system message %v", m)
		}
		member.Post("/api/v1/chat.postMessage", map[string]any{"roomId": id, "text": "refused"}).Fail(t, 400, "error-room-archived")
		owner.Post("/api/v1/channels.setTopic", map[string]any{"roomId": id, "topic": "x"}).Fail(t, 400, "error-room-archived")
		owner.Post("/api/v1/channels.archive", map[string]any{"roomId": id}).Fail(t, 400, "error-room-archived")
		// Owners may archive but, by default, only admins may unarchive.
		owner.Post("/api/v1/channels.unarchive", map[string]any{"roomId": id}).Fail(t, 403, "error-not-authorized")
		if owner.Get("/api/v1/channels.info", "roomId", id).OK(t).Get("channel.archived") != true {
			t.Fatal("refused unarchive changed the room")
		}

		admin.Post("/api/v1/channels.unarchive", map[string]any{"roomId": id}).OK(t)
		if owner.Get("/api/v1/channels.info", "roomId", id).OK(t).Get("channel.archived") == true {
			t.Fatal("room still archived")
		}
		if sub := rsSub(t, member, id); sub["archived"] == true || sub["open"] != true {
			t.Fatalf("member's subscription after unarchive: %v", sub)
		}
		if m := rsLatestMessage(t, owner, "channels", id); m["t"] != "room-unarchived" {
			t.Fatalf("system message %v", m)
		}
		rsPost(t, member, id, "after unarchiving")
		admin.Post("/api/v1/channels.unarchive", map[string]any{"roomId": id}).Fail(t, 400, "error-invalid-params")
		owner.Post("/api/v1/channels.archive", map[string]any{}).Fail(t, 400, "error-room-param-not-provided")

		gid := rsRoom(t, owner, "groups", "archive-group", member.Username)
		owner.Post("/api/v1/groups.archive", map[string]any{"roomId": gid}).OK(t)
		member.Post("/api/v1/chat.postMessage", map[string]any{"roomId": gid, "text": "refused"}).Fail(t, 400, "error-room-archived")
		admin.Post("/api/v1/groups.unarchive", map[string]any{"roomId": gid}).Fail(t, 400, "error-room-not-found") // admin is no member
		outsider.Post("/api/v1/groups.archive", map[string]any{"roomId": gid}).Fail(t, 400, "error-room-not-found")
	})
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
	alice.Post("/api/v1/im.create", map[string]any{}).Fail(t, 400, "error-invalid-params")

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
	carol.Post("/api/v1/chat.postMessage", map[string]any{"roomId": rid, "text": "intrude"}).Fail(t, 403, "error-not-allowed")
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
	bob.Post("/api/v1/im.open", map[string]any{}).Fail(t, 400, "error-invalid-params")

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
	bob.Post("/api/v1/rooms.leave", map[string]any{"roomId": gid}).Fail(t, 403, "error-not-allowed")
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

	alice.Post("/api/v1/subscriptions.unread", map[string]any{"firstUnreadMessage": map[string]any{"_id": mention}}).Fail(t, 403, "error-action-not-allowed")
	bob.Post("/api/v1/subscriptions.unread", map[string]any{}).Fail(t, 400, "error-invalid-params")
	bob.Post("/api/v1/subscriptions.read", map[string]any{}).Fail(t, 400, "error-invalid-params")
	bob.Post("/api/v1/subscriptions.read", map[string]any{"rid": "nosuchroom"}).Fail(t, 400, "error-invalid-subscription")
	bob.Get("/api/v1/subscriptions.getOne").Fail(t, 400, "error-invalid-params")
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
		bob.Post("/api/v1/rooms.favorite", map[string]any{"roomId": quiet}).Fail(t, 400, "error-invalid-params")
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
