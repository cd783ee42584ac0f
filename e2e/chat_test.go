package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

	"liftoff/internal/testserver"
)

// These tests cover the chat.* message endpoints beyond posting: edit,
// delete, getMessage, reactions, pins, stars, the message lists, search,
// threads and the sync calls. The subtests share one server; each uses its
// own messages (and rooms where state matters).

// chatUser creates a user with the admin CLI and logs them in.
func chatUser(t *testing.T, srv *testserver.Server, username string) *testserver.Client {
	t.Helper()
	cmd := exec.Command(testserver.Binary(t), "admin", "create-user", username, username+"@example.org", username+"-pass", "--name", username)
	cmd.Env = append(os.Environ(), "LIFTOFF_DATA_DIR="+srv.DataDir, "LIFTOFF_BCRYPT_COST=4")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("create user %s: %v\n%s", username, err, out)
	}
	return srv.Login(t, username, username+"-pass")
}

// chatRoom creates a channel ("channels") or group ("groups") as c and returns its id.
func chatRoom(t *testing.T, c *testserver.Client, kind, name string, members ...string) string {
	t.Helper()
	key := map[string]string{"channels": "channel", "groups": "group"}[kind]
	r := c.Post("/api/v1/"+kind+".create", map[string]any{"name": name, "members": members}).OK(t)
	id := r.Str(key + "._id")
	if id == "" {
		t.Fatalf("no room id in %s", r.Body)
	}
	return id
}

// say posts text to the room as c and returns the message id.
func say(t *testing.T, c *testserver.Client, rid, text string) string {
	t.Helper()
	id := c.Post("/api/v1/chat.postMessage", map[string]any{"roomId": rid, "text": text}).OK(t).Str("message._id")
	if id == "" {
		t.Fatal("posted message has no id")
	}
	return id
}

// message reads a message through chat.getMessage as c.
func message(t *testing.T, c *testserver.Client, id string) *testserver.Response {
	t.Helper()
	return c.Get("/api/v1/chat.getMessage", "msgId", id).OK(t)
}

func ids(list []any) []string { return listStrings(list, "_id") }

func listStrings(list []any, key string) []string {
	var out []string
	for _, x := range list {
		if m, ok := x.(map[string]any); ok {
			s, _ := m[key].(string)
			out = append(out, s)
		}
	}
	return out
}

func includes(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func TestChatMessages(t *testing.T) {
	srv := testserver.Start(t)
	admin := srv.Admin(t)
	alice := chatUser(t, srv, "alice")
	bob := chatUser(t, srv, "bob")
	carol := chatUser(t, srv, "carol") // an outsider of the private group
	dave := chatUser(t, srv, "dave")

	// alice owns both rooms; bob and dave are plain members.
	channel := chatRoom(t, alice, "channels", "chat-e2e", "bob", "dave")
	group := chatRoom(t, alice, "groups", "chat-secret", "bob", "dave")
	secret := say(t, alice, group, "a secret in the group")

	t.Run("getMessage", func(t *testing.T) {
		id := say(t, alice, channel, "read me")
		r := message(t, bob, id)
		if r.Str("message.msg") != "read me" || r.Str("message.rid") != channel || r.Str("message.u.username") != "alice" {
			t.Fatalf("unexpected message: %s", r.Body)
		}
		bob.Get("/api/v1/chat.getMessage", "msgId", "nosuchmessage").Fail(t, 400, "error-message-not-found")
		bob.Get("/api/v1/chat.getMessage").Fail(t, 400, "error-invalid-params")
		carol.Get("/api/v1/chat.getMessage", "msgId", secret).Fail(t, 403, "error-not-allowed")
		srv.Anon(t).Get("/api/v1/chat.getMessage", "msgId", id).Fail(t, 401, "")
	})

	t.Run("edit", func(t *testing.T) {
		id := say(t, alice, channel, "hello wrld")
		r := alice.Post("/api/v1/chat.update", map[string]any{"roomId": channel, "msgId": id, "text": "hello world @bob"}).OK(t)
		if r.Str("message.msg") != "hello world @bob" || r.Str("message.editedBy.username") != "alice" || r.Str("message.editedAt") == "" {
			t.Fatalf("edit not applied: %s", r.Body)
		}
		if !includes(listStrings(r.List("message.mentions"), "username"), "bob") {
			t.Fatalf("mentions not parsed again: %s", r.Body)
		}
		// Another member may not edit it, and nothing changes.
		bob.Post("/api/v1/chat.update", map[string]any{"roomId": channel, "msgId": id, "text": "hacked"}).Fail(t, 403, "error-action-not-allowed")
		if got := message(t, alice, id).Str("message.msg"); got != "hello world @bob" {
			t.Fatalf("refused edit changed the text to %q", got)
		}
		// An administrator (edit-message) may.
		r = admin.Post("/api/v1/chat.update", map[string]any{"roomId": channel, "msgId": id, "text": "moderated"}).OK(t)
		if r.Str("message.msg") != "moderated" || r.Str("message.editedBy.username") != testserver.AdminUser {
			t.Fatalf("admin edit not applied: %s", r.Body)
		}
		alice.Post("/api/v1/chat.update", map[string]any{"roomId": group, "msgId": id, "text": "x"}).Fail(t, 400, "error-invalid-room")
		alice.Post("/api/v1/chat.update", map[string]any{"roomId": channel, "msgId": "nosuchmessage", "text": "x"}).Fail(t, 400, "error-message-not-found")
		alice.Post("/api/v1/chat.update", map[string]any{"roomId": channel, "msgId": id}).Fail(t, 400, "error-invalid-params")
		carol.Post("/api/v1/chat.update", map[string]any{"roomId": group, "msgId": secret, "text": "x"}).Fail(t, 403, "error-not-allowed")
	})

	t.Run("delete", func(t *testing.T) {
		room := chatRoom(t, alice, "channels", "chat-delete", "bob", "dave")
		first := say(t, bob, room, "first")
		own := say(t, alice, room, "mine, to delete")
		r := alice.Post("/api/v1/chat.delete", map[string]any{"roomId": room, "msgId": own}).OK(t)
		if r.Str("_id") != own || r.Str("message._id") != own || r.Str("message.rid") != room || r.Str("ts") == "" {
			t.Fatalf("unexpected delete answer: %s", r.Body)
		}
		alice.Get("/api/v1/chat.getMessage", "msgId", own).Fail(t, 400, "error-message-not-found")
		// The room's last message falls back to the previous one.
		if got := alice.Get("/api/v1/channels.info", "roomId", room).OK(t).Str("channel.lastMessage._id"); got != first {
			t.Fatalf("lastMessage after delete is %q, want %q", got, first)
		}

		bobs := say(t, bob, room, "bob's message")
		dave.Post("/api/v1/chat.delete", map[string]any{"roomId": room, "msgId": bobs}).Fail(t, 403, "error-action-not-allowed")
		dave.Post("/api/v1/chat.delete", map[string]any{"roomId": room, "msgId": bobs, "asUser": true}).Fail(t, 403, "error-action-not-allowed")
		carol.Post("/api/v1/chat.delete", map[string]any{"roomId": room, "msgId": bobs}).Fail(t, 403, "error-action-not-allowed")
		message(t, bob, bobs) // still there
		admin.Post("/api/v1/chat.delete", map[string]any{"roomId": room, "msgId": bobs}).OK(t)
		bob.Get("/api/v1/chat.getMessage", "msgId", bobs).Fail(t, 400, "error-message-not-found")

		alice.Post("/api/v1/chat.delete", map[string]any{"roomId": room, "msgId": "nosuchmessage"}).Fail(t, 400, "error-message-not-found")
		alice.Post("/api/v1/chat.delete", map[string]any{"roomId": channel, "msgId": first}).Fail(t, 400, "error-invalid-room")
		alice.Post("/api/v1/chat.delete", map[string]any{"roomId": room}).Fail(t, 400, "The 'msgId' param is required")
		carol.Post("/api/v1/chat.delete", map[string]any{"roomId": group, "msgId": secret}).Fail(t, 403, "error-not-allowed")
	})

	t.Run("thread", func(t *testing.T) {
		room := chatRoom(t, alice, "channels", "chat-thread", "bob", "dave")
		parent := say(t, alice, room, "start of a thread")
		reply := bob.Post("/api/v1/chat.sendMessage", map[string]any{"message": map[string]any{"rid": room, "msg": "a reply", "tmid": parent}}).OK(t).Str("message._id")
		p := message(t, alice, parent)
		if p.Num("message.tcount") != 1 || p.Str("message.tlm") == "" {
			t.Fatalf("parent not updated by the reply: %s", p.Body)
		}
		replies := toStrings(p.List("message.replies"))
		if !includes(replies, alice.UserID) || !includes(replies, bob.UserID) {
			t.Fatalf("replies %v should hold alice and bob", replies)
		}

		r := alice.Get("/api/v1/chat.getThreadMessages", "tmid", parent).OK(t)
		if r.Num("total") != 1 || r.Str("messages.0._id") != reply || r.Str("messages.0.tmid") != parent {
			t.Fatalf("thread messages: %s", r.Body)
		}
		r = dave.Get("/api/v1/chat.getThreadsList", "rid", room).OK(t)
		if r.Num("total") != 1 || r.Str("threads.0._id") != parent {
			t.Fatalf("threads list: %s", r.Body)
		}
		if n := dave.Get("/api/v1/chat.getThreadsList", "rid", room, "type", "following").OK(t).Num("total"); n != 0 {
			t.Fatalf("dave follows %v threads before following", n)
		}
		if n := bob.Get("/api/v1/chat.getThreadsList", "rid", room, "type", "following").OK(t).Num("total"); n != 1 {
			t.Fatalf("bob (who replied) follows %v threads, want 1", n)
		}
		if n := alice.Get("/api/v1/chat.getThreadsList", "rid", room, "text", "THREAD").OK(t).Num("total"); n != 1 {
			t.Fatalf("text filter found %v threads, want 1", n)
		}
		if n := alice.Get("/api/v1/chat.getThreadsList", "rid", room, "text", "nomatch").OK(t).Num("total"); n != 0 {
			t.Fatalf("text filter found %v threads, want 0", n)
		}

		// Follow through the reply id: the thread's root gets the follower.
		dave.Post("/api/v1/chat.followMessage", map[string]any{"mid": reply}).OK(t)
		if !includes(toStrings(message(t, alice, parent).List("message.replies")), dave.UserID) {
			t.Fatal("followMessage did not add dave to replies")
		}
		if n := dave.Get("/api/v1/chat.getThreadsList", "rid", room, "type", "following").OK(t).Num("total"); n != 1 {
			t.Fatalf("dave follows %v threads, want 1", n)
		}
		dave.Post("/api/v1/chat.unfollowMessage", map[string]any{"mid": parent}).OK(t)
		if includes(toStrings(message(t, alice, parent).List("message.replies")), dave.UserID) {
			t.Fatal("unfollowMessage did not remove dave")
		}

		// A reply from alice leaves the thread unread for bob.
		say2 := alice.Post("/api/v1/chat.sendMessage", map[string]any{"message": map[string]any{"rid": room, "msg": "second reply", "tmid": parent}}).OK(t).Str("message._id")
		if n := bob.Get("/api/v1/chat.getThreadsList", "rid", room, "type", "unread").OK(t).Num("total"); n != 1 {
			t.Fatalf("bob has %v unread threads, want 1", n)
		}
		// Deleting a reply lowers the count.
		alice.Post("/api/v1/chat.delete", map[string]any{"roomId": room, "msgId": say2}).OK(t)
		if n := message(t, alice, parent).Num("message.tcount"); n != 1 {
			t.Fatalf("tcount after deleting a reply = %v, want 1", n)
		}
		// Deleting the thread's first message keeps it as a removed message.
		alice.Post("/api/v1/chat.delete", map[string]any{"roomId": room, "msgId": parent}).OK(t)
		if p := message(t, alice, parent); p.Str("message.t") != "rm" || p.Str("message.msg") != "" || p.Num("message.tcount") != 1 {
			t.Fatalf("deleted thread parent: %s", p.Body)
		}

		alice.Get("/api/v1/chat.getThreadMessages", "tmid", "nosuchmessage").Fail(t, 400, "error-invalid-message")
		alice.Get("/api/v1/chat.getThreadMessages").Fail(t, 400, "The 'tmid' param is required")
		carol.Get("/api/v1/chat.getThreadMessages", "tmid", secret).Fail(t, 403, "error-not-allowed")
		carol.Get("/api/v1/chat.getThreadsList", "rid", group).Fail(t, 400, "error-not-allowed")
		alice.Get("/api/v1/chat.getThreadsList", "rid", room, "type", "bogus").Fail(t, 400, "error-invalid-params")
		dave.Post("/api/v1/chat.followMessage", map[string]any{}).Fail(t, 400, "error-invalid-params")
		dave.Post("/api/v1/chat.followMessage", map[string]any{"mid": "nosuchmessage"}).Fail(t, 400, "error-invalid-message")
		carol.Post("/api/v1/chat.followMessage", map[string]any{"mid": secret}).Fail(t, 403, "error-not-allowed")
	})

	t.Run("reactions", func(t *testing.T) {
		id := say(t, alice, channel, "react to me")
		bob.Post("/api/v1/chat.react", map[string]any{"messageId": id, "emoji": "thumbsup"}).OK(t)
		alice.Post("/api/v1/chat.react", map[string]any{"messageId": id, "emoji": ":thumbsup:"}).OK(t)
		got := toStrings(message(t, alice, id).List("message.reactions.:thumbsup:.usernames"))
		if fmt.Sprint(got) != "[bob alice]" {
			t.Fatalf("reactions after two users: %v", got)
		}
		bob.Post("/api/v1/chat.react", map[string]any{"messageId": id, "emoji": "thumbsup"}).OK(t) // toggles off
		alice.Post("/api/v1/chat.react", map[string]any{"messageId": id, "reaction": "thumbsup", "shouldReact": true}).OK(t)
		got = toStrings(message(t, alice, id).List("message.reactions.:thumbsup:.usernames"))
		if fmt.Sprint(got) != "[alice]" {
			t.Fatalf("reactions after toggling: %v", got)
		}
		alice.Post("/api/v1/chat.react", map[string]any{"messageId": id, "emoji": "thumbsup", "shouldReact": false}).OK(t)
		if r := message(t, alice, id); r.Get("message.reactions") != nil {
			t.Fatalf("reactions should be gone: %s", r.Body)
		}

		bob.Post("/api/v1/chat.react", map[string]any{"messageId": "nosuchmessage", "emoji": "smile"}).Fail(t, 400, "error-message-not-found")
		bob.Post("/api/v1/chat.react", map[string]any{"messageId": id}).Fail(t, 400, "error-emoji-param-not-provided")
		bob.Post("/api/v1/chat.react", map[string]any{"messageId": id, "emoji": "not an emoji!"}).Fail(t, 403, "error-not-allowed")
		carol.Post("/api/v1/chat.react", map[string]any{"messageId": secret, "emoji": "smile"}).Fail(t, 403, "not-authorized")
		if r := message(t, alice, secret); r.Get("message.reactions") != nil {
			t.Fatalf("refused reaction was stored: %s", r.Body)
		}
	})

	t.Run("pin", func(t *testing.T) {
		room := chatRoom(t, alice, "channels", "chat-pin", "bob")
		id := say(t, bob, room, "pin this")
		bob.Post("/api/v1/chat.pinMessage", map[string]any{"messageId": id}).Fail(t, 403, "not-authorized")
		r := alice.Post("/api/v1/chat.pinMessage", map[string]any{"messageId": id}).OK(t)
		if r.Str("message.t") != "message_pinned" || r.Str("message.rid") != room || r.Str("message.u.username") != "alice" {
			t.Fatalf("pin should answer the system message: %s", r.Body)
		}
		if r.Str("message.attachments.0.text") != "pin this" || r.Str("message.attachments.0.author_name") != "bob" {
			t.Fatalf("system message should quote the pinned message: %s", r.Body)
		}
		m := message(t, bob, id)
		if m.Get("message.pinned") != true || m.Str("message.pinnedBy.username") != "alice" || m.Str("message.pinnedAt") == "" {
			t.Fatalf("message not pinned: %s", m.Body)
		}
		l := bob.Get("/api/v1/chat.getPinnedMessages", "roomId", room).OK(t)
		if l.Num("total") != 1 || l.Num("count") != 1 || l.Str("messages.0._id") != id {
			t.Fatalf("pinned list: %s", l.Body)
		}
		bob.Post("/api/v1/chat.unPinMessage", map[string]any{"messageId": id}).Fail(t, 403, "not-authorized")
		alice.Post("/api/v1/chat.unPinMessage", map[string]any{"messageId": id}).OK(t)
		if n := bob.Get("/api/v1/chat.getPinnedMessages", "roomId", room).OK(t).Num("total"); n != 0 {
			t.Fatalf("%v pinned messages after unpin", n)
		}

		alice.Post("/api/v1/chat.pinMessage", map[string]any{}).Fail(t, 400, "The 'messageId' param is required")
		alice.Post("/api/v1/chat.pinMessage", map[string]any{"messageId": "nosuchmessage"}).Fail(t, 400, "error-message-not-found")
		carol.Post("/api/v1/chat.unPinMessage", map[string]any{"messageId": secret}).Fail(t, 400, "error-invalid-message")
		carol.Get("/api/v1/chat.getPinnedMessages", "roomId", group).Fail(t, 403, "error-not-allowed")
		alice.Get("/api/v1/chat.getPinnedMessages").Fail(t, 400, "The 'roomId' param is required")
	})

	t.Run("star", func(t *testing.T) {
		id := say(t, alice, channel, "star this")
		bob.Post("/api/v1/chat.starMessage", map[string]any{"messageId": id}).OK(t)
		if got := ids(message(t, bob, id).List("message.starred")); fmt.Sprint(got) != fmt.Sprint([]string{bob.UserID}) {
			t.Fatalf("starred = %v", got)
		}
		if l := bob.Get("/api/v1/chat.getStarredMessages", "roomId", channel).OK(t); l.Num("total") != 1 || l.Str("messages.0._id") != id {
			t.Fatalf("bob's starred list: %s", l.Body)
		}
		if n := alice.Get("/api/v1/chat.getStarredMessages", "roomId", channel).OK(t).Num("total"); n != 0 {
			t.Fatalf("alice has %v starred messages, want 0", n)
		}
		bob.Post("/api/v1/chat.unStarMessage", map[string]any{"messageId": id}).OK(t)
		if n := bob.Get("/api/v1/chat.getStarredMessages", "roomId", channel).OK(t).Num("total"); n != 0 {
			t.Fatalf("bob has %v starred messages after unstar", n)
		}
		carol.Post("/api/v1/chat.starMessage", map[string]any{"messageId": secret}).Fail(t, 403, "error-not-allowed")
		bob.Post("/api/v1/chat.starMessage", map[string]any{"messageId": "nosuchmessage"}).Fail(t, 400, "error-message-not-found")
		carol.Get("/api/v1/chat.getStarredMessages", "roomId", group).Fail(t, 400, "error-not-allowed")
	})

	t.Run("mentions", func(t *testing.T) {
		id := say(t, alice, group, "ping @dave")
		l := dave.Get("/api/v1/chat.getMentionedMessages", "roomId", group).OK(t)
		if !includes(ids(l.List("messages")), id) {
			t.Fatalf("mention list misses the message: %s", l.Body)
		}
		if includes(ids(bob.Get("/api/v1/chat.getMentionedMessages", "roomId", group).OK(t).List("messages")), id) {
			t.Fatal("bob's mention list holds a message mentioning dave")
		}
		carol.Get("/api/v1/chat.getMentionedMessages", "roomId", group).Fail(t, 400, "error-not-allowed")
	})

	t.Run("search", func(t *testing.T) {
		room := chatRoom(t, alice, "groups", "chat-search", "bob")
		fox := say(t, alice, room, "the quick brown fox")
		dog := say(t, bob, room, "a lazy dog sleeps")
		r := bob.Get("/api/v1/chat.search", "roomId", room, "searchText", "quick")
		if got := ids(r.OK(t).List("messages")); fmt.Sprint(got) != fmt.Sprint([]string{fox}) {
			t.Fatalf("search quick = %v", got)
		}
		if got := ids(bob.Get("/api/v1/chat.search", "roomId", room, "searchText", "DOG").OK(t).List("messages")); fmt.Sprint(got) != fmt.Sprint([]string{dog}) {
			t.Fatalf("search DOG = %v", got)
		}
		if got := bob.Get("/api/v1/chat.search", "roomId", room, "searchText", "zebra").OK(t).List("messages"); len(got) != 0 {
			t.Fatalf("search zebra found %v", got)
		}
		// Edited and deleted messages are searched as they are now.
		alice.Post("/api/v1/chat.update", map[string]any{"roomId": room, "msgId": fox, "text": "the slow red fox"}).OK(t)
		if got := bob.Get("/api/v1/chat.search", "roomId", room, "searchText", "quick").OK(t).List("messages"); len(got) != 0 {
			t.Fatalf("search finds the text before the edit: %v", got)
		}
		if got := ids(bob.Get("/api/v1/chat.search", "roomId", room, "searchText", "slow fox").OK(t).List("messages")); fmt.Sprint(got) != fmt.Sprint([]string{fox}) {
			t.Fatalf("search slow fox = %v", got)
		}
		bob.Post("/api/v1/chat.delete", map[string]any{"roomId": room, "msgId": dog}).OK(t)
		if got := bob.Get("/api/v1/chat.search", "roomId", room, "searchText", "dog").OK(t).List("messages"); len(got) != 0 {
			t.Fatalf("search finds a deleted message: %v", got)
		}
		bob.Get("/api/v1/chat.search", "roomId", room).Fail(t, 400, "error-searchText-param-not-provided")
		bob.Get("/api/v1/chat.search", "searchText", "fox").Fail(t, 400, "error-roomId-param-not-provided")
		carol.Get("/api/v1/chat.search", "roomId", room, "searchText", "fox").Fail(t, 403, "error-not-allowed")
	})

	t.Run("sync", func(t *testing.T) {
		room := chatRoom(t, alice, "channels", "chat-sync", "bob")
		before := say(t, alice, room, "old message")
		srv.Advance(t, 5*time.Millisecond)
		since := srv.Now().UTC().Format("2006-01-02T15:04:05.000Z")
		srv.Advance(t, 5*time.Millisecond)
		edited := say(t, alice, room, "will be edited")
		gone := say(t, alice, room, "will be deleted")
		alice.Post("/api/v1/chat.update", map[string]any{"roomId": room, "msgId": edited, "text": "edited"}).OK(t)
		alice.Post("/api/v1/chat.delete", map[string]any{"roomId": room, "msgId": gone}).OK(t)

		r := bob.Get("/api/v1/chat.syncMessages", "roomId", room, "lastUpdate", since).OK(t)
		updated := ids(r.List("result.updated"))
		if !includes(updated, edited) || includes(updated, before) || includes(updated, gone) {
			t.Fatalf("updated = %v (edited %s, before %s, gone %s)", updated, edited, before, gone)
		}
		deleted := r.List("result.deleted")
		if fmt.Sprint(ids(deleted)) != fmt.Sprint([]string{gone}) || r.Str("result.deleted.0._deletedAt") == "" {
			t.Fatalf("deleted = %s", r.Body)
		}

		// The cursor form pages by _updatedAt.
		c := bob.Get("/api/v1/chat.syncMessages", "roomId", room, "type", "UPDATED").OK(t)
		if len(c.List("result.updated")) < 2 || c.Str("result.cursor.next") == "" {
			t.Fatalf("cursor form: %s", c.Body)
		}
		d := bob.Get("/api/v1/chat.syncMessages", "roomId", room, "type", "DELETED").OK(t)
		if fmt.Sprint(ids(d.List("result.deleted"))) != fmt.Sprint([]string{gone}) {
			t.Fatalf("deleted cursor form: %s", d.Body)
		}
		next := bob.Get("/api/v1/chat.syncMessages", "roomId", room, "type", "UPDATED", "next", c.Str("result.cursor.next")).OK(t)
		if len(next.List("result.updated")) != 0 || next.Get("result.cursor.next") != nil {
			t.Fatalf("nothing should follow the last cursor: %s", next.Body)
		}

		g := bob.Get("/api/v1/chat.getDeletedMessages", "roomId", room, "since", since).OK(t)
		if g.Num("total") != 1 || g.Str("messages.0._id") != gone {
			t.Fatalf("getDeletedMessages: %s", g.Body)
		}

		bob.Get("/api/v1/chat.syncMessages", "roomId", room).Fail(t, 400, "error-param-required")
		bob.Get("/api/v1/chat.syncMessages", "roomId", room, "lastUpdate", "yesterday").Fail(t, 400, "error-lastUpdate-param-invalid")
		bob.Get("/api/v1/chat.syncMessages", "roomId", room, "type", "SOMETHING").Fail(t, 400, "error-type-param-not-supported")
		bob.Get("/api/v1/chat.syncMessages", "roomId", room, "lastUpdate", since, "next", "1").Fail(t, 400, "error-type-param-required")
		carol.Get("/api/v1/chat.syncMessages", "roomId", group, "lastUpdate", since).Fail(t, 403, "error-not-allowed")
		bob.Get("/api/v1/chat.getDeletedMessages", "roomId", room).Fail(t, 400, "The 'since' param is required")
		bob.Get("/api/v1/chat.getDeletedMessages", "roomId", room, "since", "never").Fail(t, 400, "error-invalid-params")
		carol.Get("/api/v1/chat.getDeletedMessages", "roomId", group, "since", since).Fail(t, 403, "error-not-allowed")
	})

	t.Run("archived", func(t *testing.T) {
		room := chatRoom(t, alice, "channels", "chat-archived", "bob")
		id := say(t, alice, room, "before archiving")
		alice.Post("/api/v1/channels.archive", map[string]any{"roomId": room}).OK(t)
		alice.Post("/api/v1/chat.update", map[string]any{"roomId": room, "msgId": id, "text": "changed"}).Fail(t, 400, "error-room-archived")
		alice.Post("/api/v1/chat.delete", map[string]any{"roomId": room, "msgId": id}).Fail(t, 400, "error-room-archived")
		bob.Post("/api/v1/chat.react", map[string]any{"messageId": id, "emoji": "smile"}).Fail(t, 400, "error-room-archived")
		alice.Post("/api/v1/chat.pinMessage", map[string]any{"messageId": id}).Fail(t, 400, "error-room-archived")
		m := message(t, bob, id)
		if m.Str("message.msg") != "before archiving" || m.Get("message.reactions") != nil || m.Get("message.pinned") != nil {
			t.Fatalf("archived room's message changed: %s", m.Body)
		}
	})

	t.Run("settings", func(t *testing.T) {
		id := say(t, bob, channel, "settings check")
		for _, s := range []string{"Message_AllowEditing", "Message_AllowPinning", "Message_AllowStarring"} {
			admin.Post("/api/v1/settings/"+s, map[string]any{"value": false}).OK(t)
			t.Cleanup(func() { admin.Post("/api/v1/settings/"+s, map[string]any{"value": true}).OK(t) })
		}
		bob.Post("/api/v1/chat.update", map[string]any{"roomId": channel, "msgId": id, "text": "changed"}).Fail(t, 403, "error-action-not-allowed")
		alice.Post("/api/v1/chat.pinMessage", map[string]any{"messageId": id}).Fail(t, 403, "error-action-not-allowed")
		bob.Post("/api/v1/chat.starMessage", map[string]any{"messageId": id}).Fail(t, 403, "error-action-not-allowed")
		if r := message(t, bob, id); r.Str("message.msg") != "settings check" || r.Get("message.pinned") != nil || r.Get("message.starred") != nil {
			t.Fatalf("refused actions changed the message: %s", r.Body)
		}
	})

}

func toStrings(list []any) []string {
	out := make([]string, 0, len(list))
	for _, x := range list {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}
