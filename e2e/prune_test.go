package e2e

import (
	"fmt"
	"slices"
	"sort"
	"testing"
	"time"

	"liftoff/internal/testserver"
)

// End-to-end tests of history clean-up (rooms.cleanHistory over REST,
// cleanRoomHistory over DDP, the <rid>/deleteMessageBulk event) and of the
// ephemeral notices sent to <uid>/message.

// prIDs returns the ids of a history answer's messages, sorted.
func prIDs(t *testing.T, c *testserver.Client, rid string) []string {
	t.Helper()
	var ids []string
	for _, m := range c.Get("/api/v1/channels.history", "roomId", rid, "count", "100").OK(t).List("messages") {
		ids = append(ids, m.(map[string]any)["_id"].(string))
	}
	sort.Strings(ids)
	return ids
}

func prSorted(ids ...string) []string {
	out := slices.Clone(ids)
	sort.Strings(out)
	return out
}

func prStrings(v any) []string {
	var out []string
	list, _ := v.([]any)
	for _, x := range list {
		s, _ := x.(string)
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

func isoMillis(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func TestCleanHistory(t *testing.T) {
	srv := testserver.Start(t)
	admin := srv.Admin(t)
	alice := srv.CreateUser(t, "alice")
	bob, bobRT := rtUser(t, srv, "bob")
	rid := admin.Post("/api/v1/channels.create", map[string]any{"name": "prune", "members": []string{"alice", "bob"}}).OK(t).Str("channel._id")
	bobRT.sub("stream-notify-room", rid+"/deleteMessageBulk", false)

	post := func(c *testserver.Client, text string, extra ...any) string {
		t.Helper()
		srv.Advance(t, 2*time.Millisecond) // distinct millisecond timestamps
		body := map[string]any{"roomId": rid, "text": text}
		for i := 0; i+1 < len(extra); i += 2 {
			body[extra[i].(string)] = extra[i+1]
		}
		return c.Post("/api/v1/chat.postMessage", body).OK(t).Str("message._id")
	}
	start := srv.Now().Add(-time.Second)
	a1 := post(alice, "a1")
	a2 := post(alice, "a2 pinned")
	admin.Post("/api/v1/chat.pinMessage", map[string]any{"messageId": a2}).OK(t)
	parent := post(bob, "thread parent")
	reply := post(alice, "reply", "tmid", parent)
	b1 := post(bob, "b1")
	midpoint := srv.Now()
	srv.Advance(t, 5*time.Millisecond)
	a3 := post(alice, "a3")
	before := prIDs(t, admin, rid)
	msgsBefore := admin.Get("/api/v1/channels.info", "roomId", rid).OK(t).Num("channel.msgs")

	t.Run("refused without clean-channel-history, nothing changes", func(t *testing.T) {
		alice.Post("/api/v1/rooms.cleanHistory", map[string]any{
			"roomId": rid, "latest": isoMillis(srv.Now()), "oldest": isoMillis(start),
		}).Fail(t, 403, "error-not-allowed")
		bobRT.callFail("error-not-allowed", "cleanRoomHistory", map[string]any{
			"roomId": rid, "latest": map[string]any{"$date": srv.Now().UnixMilli()}, "oldest": map[string]any{"$date": 0},
		})
		if got := prIDs(t, admin, rid); fmt.Sprint(got) != fmt.Sprint(before) {
			t.Fatalf("history changed: %v -> %v", before, got)
		}
	})

	t.Run("bad input", func(t *testing.T) {
		admin.Post("/api/v1/rooms.cleanHistory", map[string]any{"roomId": rid, "oldest": isoMillis(start)}).Fail(t, 400, "")
		admin.Post("/api/v1/rooms.cleanHistory", map[string]any{"roomId": rid, "latest": isoMillis(start)}).Fail(t, 400, "")
		admin.Post("/api/v1/rooms.cleanHistory", map[string]any{"roomId": rid, "latest": "soon", "oldest": isoMillis(start)}).Fail(t, 400, "error-invalid-date")
		admin.Post("/api/v1/rooms.cleanHistory", map[string]any{"roomId": rid, "latest": isoMillis(srv.Now()), "oldest": isoMillis(start), "limit": -1}).Fail(t, 400, "")
		admin.Post("/api/v1/rooms.cleanHistory", map[string]any{"roomId": "nope", "latest": isoMillis(srv.Now()), "oldest": isoMillis(start)}).Fail(t, 400, "")
		admin.Post("/api/v1/rooms.cleanHistory", map[string]any{"latest": isoMillis(srv.Now()), "oldest": isoMillis(start)}).Fail(t, 400, "")
		admin.Post("/api/v1/rooms.cleanHistory", map[string]any{"roomId": rid, "latest": isoMillis(srv.Now()), "oldest": isoMillis(start), "excludePinned": "maybe"}).Fail(t, 400, "error-invalid-params")
		if got := prIDs(t, admin, rid); fmt.Sprint(got) != fmt.Sprint(before) {
			t.Fatalf("history changed: %v -> %v", before, got)
		}
	})

	t.Run("alice's messages up to the midpoint, pinned kept", func(t *testing.T) {
		r := admin.Post("/api/v1/rooms.cleanHistory", map[string]any{
			"roomId": rid, "latest": isoMillis(midpoint), "oldest": isoMillis(start),
			"excludePinned": true, "users": []string{"alice"},
		}).OK(t)
		if r.Num("count") != 2 || r.Str("_id") != rid {
			t.Fatalf("answer: %s", r.Body)
		}
		want := prSorted(a2, parent, b1, a3)
		// The default channel's join messages live elsewhere; the room also
		// holds the pin's system message.
		got := prIDs(t, admin, rid)
		for _, gone := range []string{a1, reply} {
			if slices.Contains(got, gone) {
				t.Fatalf("%s still in history %v", gone, got)
			}
		}
		for _, kept := range want {
			if !slices.Contains(got, kept) {
				t.Fatalf("%s missing from history %v", kept, got)
			}
		}
		ev := bobRT.event("stream-notify-room", rid+"/deleteMessageBulk", nil)
		p := ev[0].(map[string]any)
		if p["rid"] != rid || p["excludePinned"] != true || fmt.Sprint(prStrings(p["ids"])) != fmt.Sprint(prSorted(a1, reply)) ||
			fmt.Sprint(p["users"]) != "[alice]" {
			t.Fatalf("deleteMessageBulk payload %v", p)
		}
		ts := p["ts"].(map[string]any)
		// Not inclusive: the range is {$gt: oldest, $lt: latest}.
		if len(ts) != 2 || ejsonDate(t, ts["$gt"]) != start.UnixMilli() || ejsonDate(t, ts["$lt"]) != midpoint.UnixMilli() {
			t.Fatalf("deleteMessageBulk ts %v", ts)
		}
		// The thread lost its reply; the room its messages; sync calls see them gone.
		if n := admin.Get("/api/v1/chat.getMessage", "msgId", parent).OK(t).Num("message.tcount"); n != 0 {
			t.Fatalf("parent tcount %v after its reply was removed", n)
		}
		if n := admin.Get("/api/v1/channels.info", "roomId", rid).OK(t).Num("channel.msgs"); n != msgsBefore-2 {
			t.Fatalf("room msgs %v, want %v", n, msgsBefore-2)
		}
		d := bob.Get("/api/v1/chat.getDeletedMessages", "roomId", rid, "since", isoMillis(start)).OK(t)
		var deleted []string
		for _, m := range d.List("messages") {
			deleted = append(deleted, m.(map[string]any)["_id"].(string))
		}
		sort.Strings(deleted)
		if fmt.Sprint(deleted) != fmt.Sprint(prSorted(a1, reply)) {
			t.Fatalf("getDeletedMessages %s", d.Body)
		}
	})

	t.Run("DDP cleanRoomHistory, inclusive by default, with a limit", func(t *testing.T) {
		var n int
		adminRT := ddpDial(t, srv)
		adminRT.login(testserver.AdminUser, testserver.AdminPass)
		adminRT.call(&n, "cleanRoomHistory", map[string]any{
			"roomId": rid, "latest": map[string]any{"$date": srv.Now().UnixMilli()},
			"oldest": map[string]any{"$date": start.UnixMilli()}, "limit": 1, "fromUsers": []string{"bob"},
		})
		if n != 1 {
			t.Fatalf("removed %d, want 1 (the oldest of bob's: the thread parent)", n)
		}
		if slices.Contains(prIDs(t, admin, rid), parent) {
			t.Fatal("the oldest of bob's messages is still there")
		}
		bobRT.event("stream-notify-room", rid+"/deleteMessageBulk", func(args []any) bool {
			return fmt.Sprint(args[0].(map[string]any)["ids"]) == fmt.Sprint([]any{parent})
		})
		// Everything else, open-ended as JavaScript clients write it; the
		// pinned message goes too this time.
		r := admin.Post("/api/v1/rooms.cleanHistory", map[string]any{
			"roomId": rid, "latest": "+275760-09-13T00:00:00.000Z", "oldest": "-271821-04-20T00:00:00.000Z",
		}).OK(t)
		if r.Num("count") < 3 {
			t.Fatalf("answer %s", r.Body)
		}
		if got := prIDs(t, admin, rid); len(got) != 0 {
			t.Fatalf("history not empty: %v", got)
		}
		info := admin.Get("/api/v1/channels.info", "roomId", rid).OK(t)
		if info.Num("channel.msgs") != 0 || info.Get("channel.lastMessage") != nil {
			t.Fatalf("room after a full clean-up: %s", info.Body)
		}
	})
}

func TestEphemeralNotices(t *testing.T) {
	srv := testserver.Start(t)
	admin := srv.Admin(t)
	alice, aliceRT := rtUser(t, srv, "alice")
	srv.CreateUser(t, "bob")
	carol := srv.CreateUser(t, "carol")
	rid := admin.Post("/api/v1/channels.create", map[string]any{"name": "notices", "members": []string{"alice", "bob"}}).OK(t).Str("channel._id")
	uid := alice.UserID
	aliceRT.sub("stream-notify-user", uid+"/message", false)
	notice := func(pred func(m map[string]any) bool) map[string]any {
		t.Helper()
		args := aliceRT.event("stream-notify-user", uid+"/message", func(args []any) bool {
			m, _ := args[0].(map[string]any)
			return m != nil && m["rid"] == rid && pred(m)
		})
		m := args[0].(map[string]any)
		if m["groupable"] != false || m["_id"] == "" || ejsonDate(t, m["ts"]) == 0 || m["u"] != nil {
			t.Fatalf("notice shape: %v", m)
		}
		return m
	}

	t.Run("mentioning someone who is not in the room", func(t *testing.T) {
		alice.Post("/api/v1/chat.postMessage", map[string]any{"roomId": rid, "text": "hi @bob and @carol"}).OK(t)
		m := notice(func(m map[string]any) bool { return m["blocks"] != nil })
		mentions, _ := m["mentions"].([]any)
		if len(mentions) != 1 || mentions[0].(map[string]any)["_id"] != carol.UserID {
			t.Fatalf("notice mentions %v", m["mentions"])
		}
		text := m["blocks"].([]any)[0].(map[string]any)["text"].(map[string]any)["text"].(string)
		if text != "You mentioned *carol*, but they're not in this room. You can ask a room admin to add them." {
			t.Fatalf("notice text %q", text)
		}
		// Members only: no notice.
		sent := alice.Post("/api/v1/chat.postMessage", map[string]any{"roomId": rid, "text": "just @bob"}).OK(t).Str("message._id")
		if _, got := aliceRT.tryTake(300*time.Millisecond, func(f map[string]any) bool {
			return streamArgs(f, "stream-notify-user", uid+"/message") != nil
		}); got {
			t.Fatalf("a notice for a message (%s) mentioning only members", sent)
		}
	})

	t.Run("muted", func(t *testing.T) {
		admin.Post("/api/v1/rooms.muteUser", map[string]any{"roomId": rid, "userId": uid}).OK(t)
		aliceRT.callFail("error-not-allowed", "sendMessage", map[string]any{"rid": rid, "msg": "can I speak?"})
		notice(func(m map[string]any) bool { return m["msg"] == "You have been muted and cannot speak in this room" })
		admin.Post("/api/v1/rooms.unmuteUser", map[string]any{"roomId": rid, "userId": uid}).OK(t)
	})

	t.Run("read-only room", func(t *testing.T) {
		admin.Post("/api/v1/channels.setReadOnly", map[string]any{"roomId": rid, "readOnly": true}).OK(t)
		aliceRT.callFail("error-not-allowed", "sendMessage", map[string]any{"rid": rid, "msg": "anyone?"})
		notice(func(m map[string]any) bool {
			return m["msg"] == "You can't send messages because the room is readonly."
		})
		admin.Post("/api/v1/channels.setReadOnly", map[string]any{"roomId": rid, "readOnly": false}).OK(t)
	})

	t.Run("@all without mention-all", func(t *testing.T) {
		admin.Post("/api/v1/permissions.update", map[string]any{"permissions": []map[string]any{
			{"_id": "mention-all", "roles": []string{"admin"}},
		}}).OK(t)
		total := alice.Get("/api/v1/channels.history", "roomId", rid, "count", "1").OK(t).Num("total")
		alice.Post("/api/v1/chat.postMessage", map[string]any{"roomId": rid, "text": "@all look"}).Fail(t, 400, "error-action-not-allowed")
		notice(func(m map[string]any) bool { return m["msg"] == "Notify all in this room is not allowed" })
		if n := alice.Get("/api/v1/channels.history", "roomId", rid, "count", "1").OK(t).Num("total"); n != total {
			t.Fatalf("the refused message was stored: total %v -> %v", total, n)
		}
		// @here is its own permission, still held.
		alice.Post("/api/v1/chat.postMessage", map[string]any{"roomId": rid, "text": "@here look"}).OK(t)
		admin.Post("/api/v1/chat.postMessage", map[string]any{"roomId": rid, "text": "@all admins may"}).OK(t)
	})

	t.Run("Message_MaxAll", func(t *testing.T) {
		admin.Post("/api/v1/settings/Message_MaxAll", map[string]any{"value": 2}).OK(t)
		alice.Post("/api/v1/chat.postMessage", map[string]any{"roomId": rid, "text": "@here anyone?"}).Fail(t, 400, "error-action-not-allowed")
		notice(func(m map[string]any) bool {
			return m["msg"] == "Group mentions are disabled in rooms with more than 2 members"
		})
		admin.Post("/api/v1/settings/Message_MaxAll", map[string]any{"value": 0}).OK(t)
		alice.Post("/api/v1/chat.postMessage", map[string]any{"roomId": rid, "text": "@here anyone?"}).OK(t)
	})

	t.Run("someone else's notices are refused", func(t *testing.T) {
		_, daveRT := rtUser(t, srv, "dave")
		daveRT.subRefused("stream-notify-user", uid+"/message", false)
	})
}
