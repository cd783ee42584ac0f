package e2e

import (
	"testing"

	"liftoff/internal/testserver"
)

// These tests cover channels.history, groups.history, im.history and the
// paged message lists channels.messages, groups.messages and im.messages.

// hsIDs returns the ids of the messages in list, in order.
func hsIDs(list []any) []string {
	out := make([]string, 0, len(list))
	for _, x := range list {
		m, _ := x.(map[string]any)
		id, _ := m["_id"].(string)
		out = append(out, id)
	}
	return out
}

func hsHas(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func hsEqual(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// hsTS returns the ts of a message by id, read back from a history answer.
func hsTS(t *testing.T, list []any, id string) string {
	t.Helper()
	for _, x := range list {
		m := x.(map[string]any)
		if m["_id"] == id {
			return m["ts"].(string)
		}
	}
	t.Fatalf("message %s not in %v", id, list)
	return ""
}

func TestHistory(t *testing.T) {
	srv := testserver.Start(t)
	alice := srv.CreateUser(t, "halice")
	bob := srv.CreateUser(t, "hbob")
	outsider := srv.CreateUser(t, "houtsider")

	cid := rsRoom(t, alice, "channels", "history-chan", bob.Username)
	var ids []string // oldest first
	for _, text := range []string{"one", "two @hbob", "three", "four", "five"} {
		ids = append(ids, rsPost(t, alice, cid, text))
	}
	newest := []string{ids[4], ids[3], ids[2], ids[1], ids[0]}

	t.Run("windows", func(t *testing.T) {
		all := bob.Get("/api/v1/channels.history", "roomId", cid).OK(t).List("messages")
		got := hsIDs(all)
		// The channel's creation left no system message; the list is just the five, newest first.
		if !hsEqual(got, newest) {
			t.Fatalf("history %v, want %v", got, newest)
		}
		if got := hsIDs(bob.Get("/api/v1/channels.history", "roomName", "history-chan", "count", "2").OK(t).List("messages")); !hsEqual(got, newest[:2]) {
			t.Fatalf("count=2: %v", got)
		}
		if got := hsIDs(bob.Get("/api/v1/channels.history", "roomId", cid, "count", "2", "offset", "2").OK(t).List("messages")); !hsEqual(got, newest[2:4]) {
			t.Fatalf("offset=2: %v", got)
		}
		ts2, ts4 := hsTS(t, all, ids[1]), hsTS(t, all, ids[3])
		if got := hsIDs(bob.Get("/api/v1/channels.history", "roomId", cid, "latest", ts4, "oldest", ts2).OK(t).List("messages")); !hsEqual(got, []string{ids[2]}) {
			t.Fatalf("between exclusive: %v", got)
		}
		if got := hsIDs(bob.Get("/api/v1/channels.history", "roomId", cid, "latest", ts4, "oldest", ts2, "inclusive", "true").OK(t).List("messages")); !hsEqual(got, []string{ids[3], ids[2], ids[1]}) {
			t.Fatalf("between inclusive: %v", got)
		}
		if got := hsIDs(bob.Get("/api/v1/channels.history", "roomId", cid, "latest", ts2).OK(t).List("messages")); !hsEqual(got, []string{ids[0]}) {
			t.Fatalf("before latest: %v", got)
		}

		// unreads: the oldest unread after `oldest` that the page did not load.
		ts1 := hsTS(t, all, ids[0])
		r := bob.Get("/api/v1/channels.history", "roomId", cid, "oldest", ts1, "count", "2", "unreads", "true").OK(t)
		if !hsEqual(hsIDs(r.List("messages")), newest[:2]) || r.Num("unreadNotLoaded") != 2 || r.Str("firstUnread._id") != ids[1] {
			t.Fatalf("unreads: %s", r.Body)
		}
		r = bob.Get("/api/v1/channels.history", "roomId", cid, "count", "2").OK(t)
		if r.Get("unreadNotLoaded") != nil || r.Get("firstUnread") != nil {
			t.Fatalf("unread fields without unreads=true: %s", r.Body)
		}
	})

	t.Run("threads", func(t *testing.T) {
		reply := bob.Post("/api/v1/chat.sendMessage", map[string]any{"message": map[string]any{"rid": cid, "msg": "a reply", "tmid": ids[0]}}).OK(t).Str("message._id")
		hidden := hsIDs(bob.Get("/api/v1/channels.history", "roomId", cid).OK(t).List("messages"))
		if hsHas(hidden, reply) {
			t.Fatalf("channels.history shows thread replies by default: %v", hidden)
		}
		shown := hsIDs(bob.Get("/api/v1/channels.history", "roomId", cid, "showThreadMessages", "true").OK(t).List("messages"))
		if len(shown) == 0 || shown[0] != reply {
			t.Fatalf("showThreadMessages=true: %v", shown)
		}
		// channels.messages lists every message of the room, replies included.
		if n := bob.Get("/api/v1/channels.messages", "roomId", cid).OK(t).Num("total"); n != 6 {
			t.Fatalf("channels.messages total %v", n)
		}
	})

	t.Run("messages", func(t *testing.T) {
		r := bob.Get("/api/v1/channels.messages", "roomId", cid, "count", "2", "sort", `{"ts":1}`).OK(t)
		if !hsEqual(hsIDs(r.List("messages")), ids[:2]) || r.Num("count") != 2 || r.Num("total") != 6 || r.Num("offset") != 0 {
			t.Fatalf("oldest first: %s", r.Body)
		}
		r = bob.Get("/api/v1/channels.messages", "roomId", cid, "mentionIds", bob.UserID).OK(t)
		if !hsEqual(hsIDs(r.List("messages")), []string{ids[1]}) || r.Num("total") != 1 {
			t.Fatalf("mentionIds: %s", r.Body)
		}
		r = bob.Get("/api/v1/channels.messages", "roomId", cid, "mentionIds", bob.UserID+","+alice.UserID).OK(t)
		if r.Num("total") != 1 {
			t.Fatalf("mentionIds list: %s", r.Body)
		}
		if n := bob.Get("/api/v1/channels.messages", "roomId", cid, "pinned", "true").OK(t).Num("total"); n != 0 {
			t.Fatalf("pinned: %v", n)
		}
		// A public channel's messages are readable by non-members holding view-c-room.
		if n := outsider.Get("/api/v1/channels.messages", "roomId", cid).OK(t).Num("total"); n != 6 {
			t.Fatalf("outsider's channels.messages total %v", n)
		}
		bob.Get("/api/v1/channels.messages", "roomId", cid, "sort", `{"msg":1}`).Fail(t, 400, "error-invalid-sort")
		bob.Get("/api/v1/channels.messages", "roomId", "nosuchroom").Fail(t, 400, "error-room-not-found")
	})

	t.Run("groups", func(t *testing.T) {
		gid := rsRoom(t, alice, "groups", "history-group", bob.Username)
		root := rsPost(t, alice, gid, "group root")
		reply := bob.Post("/api/v1/chat.sendMessage", map[string]any{"message": map[string]any{"rid": gid, "msg": "group reply", "tmid": root}}).OK(t).Str("message._id")
		// groups.history shows thread replies unless told not to.
		if got := hsIDs(bob.Get("/api/v1/groups.history", "roomId", gid).OK(t).List("messages")); !hsEqual(got, []string{reply, root}) {
			t.Fatalf("groups.history: %v", got)
		}
		if got := hsIDs(bob.Get("/api/v1/groups.history", "roomId", gid, "showThreadMessages", "false").OK(t).List("messages")); !hsEqual(got, []string{root}) {
			t.Fatalf("groups.history without threads: %v", got)
		}
		if n := alice.Get("/api/v1/groups.messages", "roomName", "history-group").OK(t).Num("total"); n != 2 {
			t.Fatalf("groups.messages total %v", n)
		}
		outsider.Get("/api/v1/groups.history", "roomId", gid).Fail(t, 400, "error-room-not-found")
		outsider.Get("/api/v1/groups.messages", "roomId", gid).Fail(t, 400, "error-room-not-found")
	})

	t.Run("hidden system messages", func(t *testing.T) {
		id := rsRoom(t, alice, "channels", "history-sys", bob.Username)
		alice.Post("/api/v1/channels.setTopic", map[string]any{"roomId": id, "topic": "t1"}).OK(t)
		if got := bob.Get("/api/v1/channels.history", "roomId", id).OK(t).List("messages"); len(got) != 1 || got[0].(map[string]any)["t"] != "room_changed_topic" {
			t.Fatalf("history with system message: %v", got)
		}
		admin := srv.Admin(t)
		admin.Post("/api/v1/settings/Hide_System_Messages", map[string]any{"value": []string{"room_changed_topic"}}).OK(t)
		t.Cleanup(func() {
			admin.Post("/api/v1/settings/Hide_System_Messages", map[string]any{"value": []string{}}).OK(t)
		})
		if got := bob.Get("/api/v1/channels.history", "roomId", id).OK(t).List("messages"); len(got) != 0 {
			t.Fatalf("hidden system message still listed: %v", got)
		}
	})

	t.Run("bad input", func(t *testing.T) {
		bob.Get("/api/v1/channels.history", "roomId", cid, "latest", "not a date").Fail(t, 400, "error-invalid-date")
		bob.Get("/api/v1/channels.history", "roomId", cid, "count", "many").Fail(t, 400, "error-invalid-params")
		bob.Get("/api/v1/channels.history", "roomId", cid, "inclusive", "perhaps").Fail(t, 400, "error-invalid-params")
		bob.Get("/api/v1/channels.history", "roomId", "nosuchroom").Fail(t, 400, "error-room-not-found")
		bob.Get("/api/v1/channels.history").Fail(t, 400, "error-room-param-not-provided")
		srv.Anon(t).Get("/api/v1/channels.history", "roomId", cid).Fail(t, 401, "")
	})

	t.Run("direct", func(t *testing.T) {
		rid := alice.Post("/api/v1/im.create", map[string]any{"username": bob.Username}).OK(t).Str("room._id")
		a := rsPost(t, alice, rid, "dm one")
		b := rsPost(t, bob, rid, "dm two")
		if got := hsIDs(alice.Get("/api/v1/dm.history", "roomId", rid).OK(t).List("messages")); !hsEqual(got, []string{b, a}) {
			t.Fatalf("dm.history: %v", got)
		}
		r := bob.Get("/api/v1/im.messages", "roomId", rid, "count", "1").OK(t)
		if !hsEqual(hsIDs(r.List("messages")), []string{b}) || r.Num("total") != 2 || r.Num("count") != 1 {
			t.Fatalf("im.messages: %s", r.Body)
		}
		outsider.Get("/api/v1/dm.history", "roomId", rid).Fail(t, 403, "")
	})
}
