package e2e

import (
	"sort"
	"strings"
	"testing"
	"time"

	"liftoff/internal/testserver"
)

// End-to-end tests of discussions: rooms.createDiscussion and the
// createDiscussion method, rooms.getDiscussions, chat.getDiscussions, the
// parent's discussion-created message and its dcount/dlm, what deleting
// discussions, their links, their parents and history does, and the
// discussions' topics following a renamed parent.

// dMembers returns the sorted usernames of a room's members.
func dMembers(t *testing.T, c *testserver.Client, kind, rid string) []string {
	t.Helper()
	var names []string
	for _, m := range c.Get("/api/v1/"+kind+".members", "roomId", rid).OK(t).List("members") {
		names = append(names, m.(map[string]any)["username"].(string))
	}
	sort.Strings(names)
	return names
}

// dLinks returns chat.getDiscussions' answer for rid.
func dLinks(t *testing.T, c *testserver.Client, rid string, kv ...string) *testserver.Response {
	t.Helper()
	return c.Get("/api/v1/chat.getDiscussions", append([]string{"roomId", rid}, kv...)...).OK(t)
}

// dCount returns how many discussions rooms.getDiscussions lists for rid.
func dCount(t *testing.T, c *testserver.Client, rid string) int {
	t.Helper()
	return int(c.Get("/api/v1/rooms.getDiscussions", "roomId", rid).OK(t).Num("total"))
}

func TestDiscussionCreate(t *testing.T) {
	srv := testserver.Start(t)
	admin := srv.Admin(t)
	alice, aliceRT := rtUser(t, srv, "alice")
	bob := srv.CreateUser(t, "bob")
	srv.CreateUser(t, "carol")
	rid := alice.Post("/api/v1/channels.create", map[string]any{"name": "plans", "members": []string{"bob"}}).OK(t).Str("channel._id")
	aliceRT.sub("stream-room-messages", rid, false)
	pmid := bob.Post("/api/v1/chat.postMessage", map[string]any{"roomId": rid, "text": "shall we meet?"}).OK(t).Str("message._id")
	msgsBefore := alice.Get("/api/v1/channels.info", "roomId", rid).OK(t).Num("channel.msgs")

	var did string
	t.Run("from a message, with users and a first reply", func(t *testing.T) {
		r := alice.Post("/api/v1/rooms.createDiscussion", map[string]any{
			"prid": rid, "pmid": pmid, "t_name": "Meeting", "users": []string{"carol", "nobody-such"}, "reply": "first words",
		}).OK(t)
		did = r.Str("discussion._id")
		if did == "" || r.Str("discussion.rid") != did || r.Str("discussion.t") != "c" || r.Str("discussion.prid") != rid ||
			r.Str("discussion.fname") != "Meeting" || r.Str("discussion.topic") != "plans" ||
			r.Str("discussion.description") != "shall we meet?" || r.Str("discussion.u.username") != "alice" ||
			r.Num("discussion.usersCount") != 3 || r.Str("discussion.name") == "Meeting" {
			t.Fatalf("discussion: %s", r.Body)
		}
		// Members: the creator (owner), the quoted message's author, the invited user.
		if got := dMembers(t, alice, "channels", did); strings.Join(got, ",") != "alice,bob,carol" {
			t.Fatalf("members: %v", got)
		}
		sub := alice.Get("/api/v1/subscriptions.getOne", "roomId", did).OK(t)
		if sub.Str("subscription.prid") != rid || sub.Str("subscription.fname") != "Meeting" || !hasString(sub.List("subscription.roles"), "owner") {
			t.Fatalf("alice's subscription: %s", sub.Body)
		}
		// The discussion holds the quote (not counted) and the reply.
		info := alice.Get("/api/v1/channels.info", "roomId", did).OK(t)
		if info.Num("channel.msgs") != 1 || info.Str("channel.lastMessage.msg") != "first words" {
			t.Fatalf("discussion room: %s", info.Body)
		}
		hist := alice.Get("/api/v1/channels.history", "roomId", did).OK(t)
		if n := len(hist.List("messages")); n != 2 || hist.Str("messages.0.msg") != "first words" ||
			hist.Str("messages.1.attachments.0.text") != "shall we meet?" || !strings.HasSuffix(hist.Str("messages.1.attachments.0.message_link"), "?msg="+pmid) {
			t.Fatalf("discussion history: %s", hist.Body)
		}
		// The parent: a discussion-created message linking to it, counted.
		links := dLinks(t, alice, rid)
		if links.Num("total") != 1 || links.Str("messages.0.t") != "discussion-created" || links.Str("messages.0.drid") != did ||
			links.Str("messages.0.msg") != "Meeting" || links.Num("messages.0.dcount") != 1 || links.Get("messages.0.dlm") == nil ||
			links.Str("messages.0.attachments.0.authorName") != "bob" {
			t.Fatalf("chat.getDiscussions: %s", links.Body)
		}
		parent := alice.Get("/api/v1/channels.info", "roomId", rid).OK(t)
		if parent.Num("channel.msgs") != msgsBefore+1 || parent.Str("channel.lastMessage.drid") != did {
			t.Fatalf("parent room: %s", parent.Body)
		}
		// The quoted message itself is unchanged.
		if m := alice.Get("/api/v1/chat.getMessage", "msgId", pmid).OK(t); m.Get("message.drid") != nil {
			t.Fatalf("quoted message changed: %s", m.Body)
		}
		// Realtime: the link arrives, then its dcount after the reply.
		aliceRT.roomMessage(rid, func(m map[string]any) bool { return m["t"] == "discussion-created" && m["drid"] == did })
		aliceRT.roomMessage(rid, func(m map[string]any) bool { return m["drid"] == did && m["dcount"] == float64(1) })
	})

	t.Run("a message in the discussion updates the link", func(t *testing.T) {
		bob.Post("/api/v1/chat.postMessage", map[string]any{"roomId": did, "text": "agreed"}).OK(t)
		links := dLinks(t, alice, rid)
		if links.Num("messages.0.dcount") != 2 {
			t.Fatalf("after a message: %s", links.Body)
		}
		aliceRT.roomMessage(rid, func(m map[string]any) bool { return m["drid"] == did && m["dcount"] == float64(2) })
		// Posting in a public discussion joins it.
		dave := srv.CreateUser(t, "dave")
		dave.Post("/api/v1/chat.postMessage", map[string]any{"roomId": did, "text": "me too"}).OK(t)
		if got := dMembers(t, alice, "channels", did); !hasString(toAny(got), "dave") {
			t.Fatalf("dave did not join: %v", got)
		}
		if n := dLinks(t, alice, rid).Num("messages.0.dcount"); n != 4 { // dave's join notice and message
			t.Fatalf("dcount after dave: %v", n)
		}
	})

	t.Run("lists", func(t *testing.T) {
		alice.Post("/api/v1/rooms.createDiscussion", map[string]any{"prid": rid, "t_name": "Another one"}).OK(t)
		r := bob.Get("/api/v1/rooms.getDiscussions", "roomId", rid).OK(t)
		if r.Num("total") != 2 || r.Num("count") != 2 || r.Str("discussions.0.fname") != "Another one" || r.Str("discussions.1.fname") != "Meeting" {
			t.Fatalf("rooms.getDiscussions: %s", r.Body)
		}
		r = bob.Get("/api/v1/rooms.getDiscussions", "roomName", "plans", "count", "1", "offset", "1").OK(t)
		if r.Num("total") != 2 || r.Num("count") != 1 || r.Str("discussions.0.fname") != "Meeting" {
			t.Fatalf("rooms.getDiscussions page 2: %s", r.Body)
		}
		links := dLinks(t, bob, rid, "text", "anOTHER")
		if links.Num("total") != 1 || links.Str("messages.0.msg") != "Another one" {
			t.Fatalf("chat.getDiscussions text: %s", links.Body)
		}
		if n := dLinks(t, bob, rid).Num("total"); n != 2 {
			t.Fatalf("chat.getDiscussions total: %v", n)
		}
		bob.Get("/api/v1/chat.getDiscussions").Fail(t, 400, "error-invalid-params")
		bob.Get("/api/v1/rooms.getDiscussions").Fail(t, 400, "")
	})

	t.Run("private and direct parents give private discussions", func(t *testing.T) {
		gid := alice.Post("/api/v1/groups.create", map[string]any{"name": "secret", "members": []string{"bob"}}).OK(t).Str("group._id")
		var res map[string]any
		aliceRT.call(&res, "createDiscussion", map[string]any{"prid": gid, "t_name": "Hush"})
		if res["t"] != "p" || res["prid"] != gid || res["rid"] != res["_id"] || res["fname"] != "Hush" {
			t.Fatalf("group discussion: %v", res)
		}
		// Only members see a private discussion in the lists.
		if n := dCount(t, alice, gid); n != 1 {
			t.Fatalf("alice sees %d", n)
		}
		if n := dCount(t, bob, gid); n != 0 {
			t.Fatalf("bob sees %d of the group's discussions", n)
		}
		dm := alice.Post("/api/v1/im.create", map[string]any{"username": "bob"}).OK(t).Str("room._id")
		r := bob.Post("/api/v1/rooms.createDiscussion", map[string]any{"prid": dm, "t_name": "Aside", "users": []string{"alice"}}).OK(t)
		if r.Str("discussion.t") != "p" || r.Num("discussion.usersCount") != 2 {
			t.Fatalf("direct discussion: %s", r.Body)
		}
	})

	t.Run("bad input changes nothing", func(t *testing.T) {
		before := dLinks(t, alice, rid).Num("total")
		info := alice.Get("/api/v1/channels.info", "roomId", rid).OK(t).Num("channel.msgs")
		for _, c := range []struct {
			body      map[string]any
			errorType string
		}{
			{map[string]any{"t_name": "x"}, "Body parameter \"prid\" is required."},
			{map[string]any{"prid": rid}, "Body parameter \"t_name\" is required."},
			{map[string]any{"prid": rid, "t_name": "x", "users": "carol"}, "Body parameter \"users\" must be an array."},
			{map[string]any{"prid": rid, "t_name": "x", "encrypted": "yes"}, "Body parameter \"encrypted\" must be a boolean when included."},
			{map[string]any{"prid": rid, "t_name": "x", "pmid": "no-such-message"}, "error-invalid-message"},
			{map[string]any{"prid": did, "t_name": "x", "pmid": pmid}, "error-invalid-arguments"},
			{map[string]any{"prid": did, "t_name": "nested"}, "error-nested-discussion"},
			{map[string]any{"prid": rid, "t_name": "x", "encrypted": true, "reply": "hi"}, "error-invalid-arguments"},
			{map[string]any{"prid": "no-such-room", "t_name": "x"}, "error-invalid-room"},
		} {
			alice.Post("/api/v1/rooms.createDiscussion", c.body).Fail(t, 400, c.errorType)
		}
		aliceRT.callFail("error-nested-discussion", "createDiscussion", map[string]any{"prid": did, "t_name": "nested"})
		aliceRT.callFail("error-invalid-arguments", "createDiscussion", map[string]any{"t_name": "no parent"})
		if n := dLinks(t, alice, rid).Num("total"); n != before {
			t.Fatalf("links: %v, want %v", n, before)
		}
		if n := alice.Get("/api/v1/channels.info", "roomId", rid).OK(t).Num("channel.msgs"); n != info {
			t.Fatalf("parent msgs: %v, want %v", n, info)
		}
		if n := dCount(t, alice, did); n != 0 {
			t.Fatalf("the discussion got %d discussions", n)
		}
	})

	t.Run("permissions and the setting", func(t *testing.T) {
		before := dCount(t, admin, rid)
		// An outsider of a private group may not post there.
		gid := alice.Post("/api/v1/groups.create", map[string]any{"name": "closed"}).OK(t).Str("group._id")
		bob.Post("/api/v1/rooms.createDiscussion", map[string]any{"prid": gid, "t_name": "x"}).Fail(t, 403, "error-not-allowed")
		// Without start-discussion and start-discussion-other-user.
		admin.Post("/api/v1/permissions.update", map[string]any{"permissions": []map[string]any{
			{"_id": "start-discussion", "roles": []string{"admin"}},
			{"_id": "start-discussion-other-user", "roles": []string{"admin", "owner"}},
		}}).OK(t)
		bob.Post("/api/v1/rooms.createDiscussion", map[string]any{"prid": rid, "t_name": "x"}).Fail(t, 403, "error-action-not-allowed")
		// alice owns the channel: the room role counts.
		alice.Post("/api/v1/rooms.createDiscussion", map[string]any{"prid": rid, "t_name": "owner's"}).OK(t)
		admin.Post("/api/v1/permissions.update", map[string]any{"permissions": []map[string]any{
			{"_id": "start-discussion", "roles": []string{"admin", "user", "guest", "app"}},
			{"_id": "start-discussion-other-user", "roles": []string{"admin", "user", "owner", "app"}},
		}}).OK(t)
		// Discussions turned off.
		admin.Post("/api/v1/settings/Discussion_enabled", map[string]any{"value": false}).OK(t)
		admin.Post("/api/v1/rooms.createDiscussion", map[string]any{"prid": rid, "t_name": "x"}).Fail(t, 403, "error-action-not-allowed")
		aliceRT.callFail("error-action-not-allowed", "createDiscussion", map[string]any{"prid": rid, "t_name": "x"})
		admin.Post("/api/v1/settings/Discussion_enabled", map[string]any{"value": true}).OK(t)
		if n := dCount(t, admin, rid); n != before+1 {
			t.Fatalf("discussions: %d, want %d", n, before+1)
		}
		bob.Post("/api/v1/rooms.createDiscussion", map[string]any{"prid": rid, "t_name": "back"}).OK(t)
	})
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func TestDiscussionDelete(t *testing.T) {
	srv := testserver.Start(t)
	alice, aliceRT := rtUser(t, srv, "alice")
	bob := srv.CreateUser(t, "bob")
	rid := alice.Post("/api/v1/channels.create", map[string]any{"name": "parent", "members": []string{"bob"}}).OK(t).Str("channel._id")
	aliceRT.sub("stream-room-messages", rid, false)
	create := func(name string) string {
		t.Helper()
		return alice.Post("/api/v1/rooms.createDiscussion", map[string]any{"prid": rid, "t_name": name, "users": []string{"bob"}}).OK(t).Str("discussion._id")
	}
	linkOf := func(did string) string {
		t.Helper()
		for _, m := range dLinks(t, alice, rid).List("messages") {
			if m.(map[string]any)["drid"] == did {
				return m.(map[string]any)["_id"].(string)
			}
		}
		t.Fatalf("no link to %s", did)
		return ""
	}
	d1, d2 := create("one"), create("two")
	link1 := linkOf(d1)
	alice.Post("/api/v1/chat.postMessage", map[string]any{"roomId": d1, "text": "inside"}).OK(t)

	t.Run("a member who is not the owner may not delete it", func(t *testing.T) {
		bob.Post("/api/v1/channels.delete", map[string]any{"roomId": d1}).Fail(t, 403, "error-not-allowed")
		alice.Get("/api/v1/channels.info", "roomId", d1).OK(t)
		if n := dLinks(t, alice, rid).Num("total"); n != 2 {
			t.Fatalf("links: %v", n)
		}
	})

	t.Run("deleting a discussion clears its link", func(t *testing.T) {
		alice.Post("/api/v1/channels.delete", map[string]any{"roomId": d1}).OK(t)
		alice.Get("/api/v1/channels.info", "roomId", d1).Fail(t, 400, "error-room-not-found")
		links := dLinks(t, alice, rid)
		if links.Num("total") != 1 || links.Str("messages.0.drid") != d2 {
			t.Fatalf("links: %s", links.Body)
		}
		m := alice.Get("/api/v1/chat.getMessage", "msgId", link1).OK(t)
		if m.Str("message.t") != "discussion-created" || m.Get("message.drid") != nil || m.Get("message.dcount") != nil || m.Get("message.dlm") != nil {
			t.Fatalf("link after delete: %s", m.Body)
		}
		aliceRT.roomMessage(rid, func(m map[string]any) bool { return m["_id"] == link1 && m["drid"] == nil })
		if n := dCount(t, alice, rid); n != 1 {
			t.Fatalf("discussions: %d", n)
		}
	})

	t.Run("deleting the link deletes the discussion", func(t *testing.T) {
		alice.Post("/api/v1/chat.delete", map[string]any{"roomId": rid, "msgId": linkOf(d2)}).OK(t)
		alice.Get("/api/v1/channels.info", "roomId", d2).Fail(t, 400, "error-room-not-found")
		if n := dLinks(t, alice, rid).Num("total"); n != 0 {
			t.Fatalf("links: %v", n)
		}
	})

	t.Run("deleting the parent deletes its discussions", func(t *testing.T) {
		d3 := create("three")
		gid := alice.Post("/api/v1/groups.create", map[string]any{"name": "grp", "members": []string{"bob"}}).OK(t).Str("group._id")
		d4 := alice.Post("/api/v1/rooms.createDiscussion", map[string]any{"prid": gid, "t_name": "four"}).OK(t).Str("discussion._id")
		alice.Post("/api/v1/channels.delete", map[string]any{"roomId": rid}).OK(t)
		alice.Get("/api/v1/channels.info", "roomId", d3).Fail(t, 400, "error-room-not-found")
		for _, r := range bob.Get("/api/v1/rooms.get").OK(t).List("update") {
			if id := r.(map[string]any)["_id"]; id == d3 || id == rid {
				t.Fatalf("bob still has %v", id)
			}
		}
		alice.Post("/api/v1/groups.delete", map[string]any{"roomId": gid}).OK(t)
		alice.Get("/api/v1/groups.info", "roomId", d4).Fail(t, 400, "error-room-not-found")
	})
}

func TestDiscussionCleanHistory(t *testing.T) {
	srv := testserver.Start(t)
	admin := srv.Admin(t)
	alice := srv.CreateUser(t, "alice")
	rid := admin.Post("/api/v1/channels.create", map[string]any{"name": "pruned", "members": []string{"alice"}}).OK(t).Str("channel._id")
	start := srv.Now().Add(-time.Second)
	post := func(text string) {
		t.Helper()
		srv.Advance(t, 2*time.Millisecond)
		alice.Post("/api/v1/chat.postMessage", map[string]any{"roomId": rid, "text": text}).OK(t)
	}
	post("before")
	d1 := alice.Post("/api/v1/rooms.createDiscussion", map[string]any{"prid": rid, "t_name": "kept?"}).OK(t).Str("discussion._id")
	post("between")
	d2 := alice.Post("/api/v1/rooms.createDiscussion", map[string]any{"prid": rid, "t_name": "kept too?"}).OK(t).Str("discussion._id")
	post("after")
	end := isoMillis(srv.Now().Add(time.Second))

	t.Run("ignoreDiscussion keeps discussions and their links", func(t *testing.T) {
		r := admin.Post("/api/v1/rooms.cleanHistory", map[string]any{
			"roomId": rid, "oldest": isoMillis(start), "latest": end, "ignoreDiscussion": true,
		}).OK(t)
		if r.Num("count") != 3 {
			t.Fatalf("count: %s", r.Body)
		}
		hist := admin.Get("/api/v1/channels.history", "roomId", rid).OK(t)
		for _, m := range hist.List("messages") {
			if m.(map[string]any)["drid"] == nil {
				t.Fatalf("left a message that is no link: %v", m)
			}
		}
		if n := dLinks(t, admin, rid).Num("total"); n != 2 {
			t.Fatalf("links: %v", n)
		}
		admin.Get("/api/v1/channels.info", "roomId", d1).OK(t)
	})

	t.Run("refused without permission, nothing changes", func(t *testing.T) {
		alice.Post("/api/v1/rooms.cleanHistory", map[string]any{"roomId": rid, "oldest": isoMillis(start), "latest": end}).Fail(t, 403, "error-not-allowed")
		if n := dCount(t, admin, rid); n != 2 {
			t.Fatalf("discussions: %d", n)
		}
	})

	t.Run("without it, the discussions in range go too", func(t *testing.T) {
		r := admin.Post("/api/v1/rooms.cleanHistory", map[string]any{"roomId": rid, "oldest": isoMillis(start), "latest": end}).OK(t)
		if r.Num("count") != 2 {
			t.Fatalf("count: %s", r.Body)
		}
		for _, d := range []string{d1, d2} {
			admin.Get("/api/v1/channels.info", "roomId", d).Fail(t, 400, "error-room-not-found")
		}
		if n := dLinks(t, admin, rid).Num("total"); n != 0 {
			t.Fatalf("links: %v", n)
		}
		if n := len(admin.Get("/api/v1/channels.history", "roomId", rid).OK(t).List("messages")); n != 0 {
			t.Fatalf("history: %d messages", n)
		}
	})
}

func TestRenameUpdatesDiscussionTopics(t *testing.T) {
	srv := testserver.Start(t)
	alice := srv.CreateUser(t, "alice")
	bob := srv.CreateUser(t, "bob")
	chID := alice.Post("/api/v1/channels.create", map[string]any{"name": "oldname", "members": []string{"bob"}}).OK(t).Str("channel._id")
	d1 := alice.Post("/api/v1/rooms.createDiscussion", map[string]any{"prid": chID, "t_name": "first"}).OK(t).Str("discussion._id")
	d2 := alice.Post("/api/v1/rooms.createDiscussion", map[string]any{"prid": chID, "t_name": "second", "topic": "custom"}).OK(t).Str("discussion._id")
	topics := func(t *testing.T) (string, string) {
		t.Helper()
		return alice.Get("/api/v1/rooms.info", "roomId", d1).OK(t).Str("room.topic"), alice.Get("/api/v1/rooms.info", "roomId", d2).OK(t).Str("room.topic")
	}
	if a, b := topics(t); a != "oldname" || b != "custom" {
		t.Fatalf("topics before: %q %q", a, b)
	}
	bob.Post("/api/v1/channels.rename", map[string]any{"roomId": chID, "name": "bobsname"}).Fail(t, 403, "")
	alice.Post("/api/v1/channels.rename", map[string]any{"roomId": chID, "name": "bad name!"}).Fail(t, 400, "")
	if a, b := topics(t); a != "oldname" || b != "custom" {
		t.Fatalf("topics after refused renames: %q %q", a, b)
	}
	alice.Post("/api/v1/channels.rename", map[string]any{"roomId": chID, "name": "newname"}).OK(t)
	if a, b := topics(t); a != "newname" || b != "custom" {
		t.Fatalf("topics after the rename: %q %q", a, b)
	}
}
