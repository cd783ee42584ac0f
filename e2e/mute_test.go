package e2e

import (
	"testing"

	"liftoff/internal/testserver"
)

// End-to-end tests of muting: rooms.muteUser / rooms.unmuteUser over REST,
// muteUserInRoom / unmuteUserInRoom over DDP, and what a mute does to
// posting; plus the posting rules of read-only rooms.

// muHistoryTotal is the number of messages in a channel's history.
func muHistoryTotal(t *testing.T, c *testserver.Client, rid string) float64 {
	t.Helper()
	return c.Get("/api/v1/channels.history", "roomId", rid, "count", "1").OK(t).Num("total")
}

// muLatest is the newest message of a channel.
func muLatest(t *testing.T, c *testserver.Client, rid string) map[string]any {
	t.Helper()
	list := c.Get("/api/v1/channels.history", "roomId", rid, "count", "1").OK(t).List("messages")
	if len(list) == 0 {
		t.Fatalf("history of %s is empty", rid)
	}
	return list[0].(map[string]any)
}

// muList returns the string list at path of a channels.info answer.
func muList(t *testing.T, c *testserver.Client, rid, field string) []string {
	t.Helper()
	r := c.Get("/api/v1/channels.info", "roomId", rid).OK(t)
	var out []string
	for _, v := range r.List("channel." + field) {
		s, _ := v.(string)
		out = append(out, s)
	}
	return out
}

func muHas(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestMuteREST(t *testing.T) {
	srv := testserver.Start(t)
	admin := srv.Admin(t)
	alice := srv.CreateUser(t, "alice")
	bob := srv.CreateUser(t, "bob")
	carol := srv.CreateUser(t, "carol")
	dave := srv.CreateUser(t, "dave")
	rid := alice.Post("/api/v1/channels.create", map[string]any{"name": "mute-rest", "members": []string{"bob", "carol"}}).OK(t).Str("channel._id")
	post := func(c *testserver.Client, text string) *testserver.Response {
		return c.Post("/api/v1/chat.postMessage", map[string]any{"roomId": rid, "text": text})
	}
	post(bob, "before the mute").OK(t)

	// The owner mutes bob by username: a bare success, the room lists him,
	// and a user-muted system message by the owner names him.
	r := alice.Post("/api/v1/rooms.muteUser", map[string]any{"roomId": rid, "username": "bob"}).OK(t)
	if len(r.JSON) != 1 {
		t.Fatalf("muteUser answer: %s", r.Body)
	}
	if muted := muList(t, alice, rid, "muted"); !muHas(muted, "bob") {
		t.Fatalf("muted = %v", muted)
	}
	m := muLatest(t, alice, rid)
	if m["t"] != "user-muted" || m["msg"] != "bob" || m["u"].(map[string]any)["username"] != "alice" {
		t.Fatalf("system message %v", m)
	}

	// bob cannot post any more, and the refusal stores nothing.
	total := muHistoryTotal(t, alice, rid)
	post(bob, "muted text").Fail(t, 400, "error-not-allowed")
	bob.Post("/api/v1/chat.sendMessage", map[string]any{"message": map[string]any{"rid": rid, "msg": "muted too"}}).Fail(t, 400, "error-not-allowed")
	if got := muHistoryTotal(t, alice, rid); got != total {
		t.Fatalf("history total %v after refused posts, want %v", got, total)
	}
	post(carol, "carol still speaks").OK(t)

	// A member without mute-user is refused, and nothing changes.
	carol.Post("/api/v1/rooms.unmuteUser", map[string]any{"roomId": rid, "username": "bob"}).Fail(t, 403, "error-not-allowed")
	carol.Post("/api/v1/rooms.muteUser", map[string]any{"roomId": rid, "userId": alice.UserID}).Fail(t, 403, "error-not-allowed")
	if muted := muList(t, alice, rid, "muted"); len(muted) != 1 || muted[0] != "bob" {
		t.Fatalf("muted after refused calls = %v", muted)
	}

	// Bad input.
	alice.Post("/api/v1/rooms.muteUser", map[string]any{"username": "carol"}).Fail(t, 400, "The 'roomId' param is required")
	alice.Post("/api/v1/rooms.muteUser", map[string]any{"roomId": rid}).Fail(t, 400, "error-invalid-params")
	alice.Post("/api/v1/rooms.muteUser", map[string]any{"roomId": rid, "username": "carol", "userId": carol.UserID}).Fail(t, 400, "error-invalid-params")
	alice.Post("/api/v1/rooms.muteUser", map[string]any{"roomId": rid, "username": 7}).Fail(t, 400, "error-invalid-params")
	alice.Post("/api/v1/rooms.muteUser", map[string]any{"roomId": rid, "username": "nosuchuser"}).Fail(t, 400, "error-invalid-user")
	alice.Post("/api/v1/rooms.muteUser", map[string]any{"roomId": rid, "userId": "nosuchuserid12345"}).Fail(t, 400, "error-invalid-user")
	alice.Post("/api/v1/rooms.muteUser", map[string]any{"roomId": rid, "username": "dave"}).Fail(t, 400, "error-user-not-in-room")
	// An unknown room: refused for want of the permission (nothing leaks)
	// unless the caller holds mute-user globally.
	alice.Post("/api/v1/rooms.muteUser", map[string]any{"roomId": "nosuchroom1234567", "username": "bob"}).Fail(t, 403, "error-not-allowed")
	admin.Post("/api/v1/rooms.muteUser", map[string]any{"roomId": "nosuchroom1234567", "username": "bob"}).Fail(t, 400, "error-invalid-room")
	srv.Anon(t).Post("/api/v1/rooms.muteUser", map[string]any{"roomId": rid, "username": "bob"}).Fail(t, 401, "")
	// Direct conversations cannot mute.
	dm := admin.Post("/api/v1/im.create", map[string]any{"username": "bob"}).OK(t).Str("room._id")
	admin.Post("/api/v1/rooms.muteUser", map[string]any{"roomId": dm, "username": "bob"}).Fail(t, 400, "error-invalid-room-type")

	// Unmuting by userId lets bob post again, with a user-unmuted message.
	alice.Post("/api/v1/rooms.unmuteUser", map[string]any{"roomId": rid, "userId": bob.UserID}).OK(t)
	if muted := muList(t, alice, rid, "muted"); len(muted) != 0 {
		t.Fatalf("muted after unmute = %v", muted)
	}
	if m := muLatest(t, alice, rid); m["t"] != "user-unmuted" || m["msg"] != "bob" {
		t.Fatalf("system message %v", m)
	}
	post(bob, "free again").OK(t)
	alice.Post("/api/v1/rooms.unmuteUser", map[string]any{"roomId": rid, "username": "dave"}).Fail(t, 400, "error-user-not-in-room")

	// Room roles count: a room moderator may mute; a global admin too.
	alice.Post("/api/v1/channels.invite", map[string]any{"roomId": rid, "userId": dave.UserID}).OK(t)
	alice.Post("/api/v1/channels.addModerator", map[string]any{"roomId": rid, "userId": dave.UserID}).OK(t)
	dave.Post("/api/v1/rooms.muteUser", map[string]any{"roomId": rid, "username": "carol"}).OK(t)
	post(carol, "carol muted").Fail(t, 400, "error-not-allowed")
	admin.Post("/api/v1/rooms.unmuteUser", map[string]any{"roomId": rid, "username": "carol"}).OK(t)
	post(carol, "carol back").OK(t)

	// Private groups mute the same way.
	gid := alice.Post("/api/v1/groups.create", map[string]any{"name": "mute-group", "members": []string{"bob"}}).OK(t).Str("group._id")
	alice.Post("/api/v1/rooms.muteUser", map[string]any{"roomId": gid, "username": "bob"}).OK(t)
	bob.Post("/api/v1/chat.postMessage", map[string]any{"roomId": gid, "text": "x"}).Fail(t, 400, "error-not-allowed")
	bob.Post("/api/v1/rooms.unmuteUser", map[string]any{"roomId": gid, "username": "bob"}).Fail(t, 403, "error-not-allowed")
	alice.Post("/api/v1/rooms.unmuteUser", map[string]any{"roomId": gid, "username": "bob"}).OK(t)
	bob.Post("/api/v1/chat.postMessage", map[string]any{"roomId": gid, "text": "x"}).OK(t)
}

func TestMuteDDP(t *testing.T) {
	srv := rtServer(t)
	aliceREST, alice := rtUser(t, srv, "alice")
	bobREST, bob := rtUser(t, srv, "bob")
	_, carol := rtUser(t, srv, "carol")
	rid := aliceREST.Post("/api/v1/channels.create", map[string]any{"name": "mute-ddp", "members": []string{"bob", "carol"}}).OK(t).Str("channel._id")
	bob.sub("stream-notify-user", bob.userID+"/rooms-changed", false)
	bob.sub("stream-room-messages", rid, false)

	var ok bool
	alice.call(&ok, "muteUserInRoom", map[string]any{"rid": rid, "username": "bob"})
	if !ok {
		t.Fatal("muteUserInRoom did not answer true")
	}
	// Members see the room change and the system message.
	bob.event("stream-notify-user", bob.userID+"/rooms-changed", func(args []any) bool {
		room, _ := args[1].(map[string]any)
		muted, _ := room["muted"].([]any)
		return args[0] == "updated" && room["_id"] == rid && len(muted) == 1 && muted[0] == "bob"
	})
	bob.roomMessage(rid, func(m map[string]any) bool { return m["t"] == "user-muted" && m["msg"] == "bob" })

	// A muted member's sendMessage is refused over DDP and over REST.
	e := bob.callFail("error-not-allowed", "sendMessage", map[string]any{"rid": rid, "msg": "muted"})
	if e["reason"] != "You have been muted and cannot speak in this room" {
		t.Fatalf("error %v", e)
	}
	bobREST.Post("/api/v1/chat.postMessage", map[string]any{"roomId": rid, "text": "muted"}).Fail(t, 400, "error-not-allowed")

	// Refusals and bad input.
	carol.callFail("error-not-allowed", "unmuteUserInRoom", map[string]any{"rid": rid, "username": "bob"})
	carol.callFail("error-not-allowed", "muteUserInRoom", map[string]any{"rid": rid, "username": "alice"})
	alice.callFail("error-invalid-params", "muteUserInRoom")
	alice.callFail("error-invalid-params", "muteUserInRoom", map[string]any{"rid": rid})
	alice.callFail("error-invalid-params", "muteUserInRoom", map[string]any{"username": "bob"})
	alice.callFail("error-invalid-params", "muteUserInRoom", map[string]any{"rid": rid, "username": 3})
	alice.callFail("error-user-not-in-room", "muteUserInRoom", map[string]any{"rid": rid, "username": "nobody-here"})
	alice.callFail("error-not-allowed", "muteUserInRoom", map[string]any{"rid": "nosuchroom1234567", "username": "bob"})
	anon := ddpDial(t, srv)
	anon.callFail("", "muteUserInRoom", map[string]any{"rid": rid, "username": "bob"})
	if muted := muList(t, aliceREST, rid, "muted"); len(muted) != 1 || muted[0] != "bob" {
		t.Fatalf("muted after refused calls = %v", muted)
	}

	alice.call(&ok, "unmuteUserInRoom", map[string]any{"rid": rid, "username": "bob"})
	if !ok {
		t.Fatal("unmuteUserInRoom did not answer true")
	}
	var sent map[string]any
	bob.call(&sent, "sendMessage", map[string]any{"rid": rid, "msg": "speaking again"})
	if sent["msg"] != "speaking again" {
		t.Fatalf("sendMessage after unmute: %v", sent)
	}
}

func TestReadOnlyRoomPosting(t *testing.T) {
	srv := testserver.Start(t)
	admin := srv.Admin(t)
	owner := srv.CreateUser(t, "rowner")
	member := srv.CreateUser(t, "rmember")
	other := srv.CreateUser(t, "rother")
	rid := owner.Post("/api/v1/channels.create", map[string]any{"name": "ro-posting", "readOnly": true, "members": []string{"rmember", "rother"}}).OK(t).Str("channel._id")
	post := func(c *testserver.Client, text string) *testserver.Response {
		return c.Post("/api/v1/chat.postMessage", map[string]any{"roomId": rid, "text": text})
	}

	// Members without post-readonly are refused; the owner (and an admin) may post.
	e := post(member, "may I?").Fail(t, 400, "error-not-allowed")
	if s, _ := e.JSON["error"].(string); s == "" {
		t.Fatalf("no error text: %s", e.Body)
	}
	post(owner, "announcement").OK(t)
	post(admin, "from the admin").OK(t)
	// A room moderator holds post-readonly too.
	owner.Post("/api/v1/channels.addModerator", map[string]any{"roomId": rid, "userId": other.UserID}).OK(t)
	post(other, "moderating").OK(t)

	// Unmuting a member in a read-only room lets them post (Rocket.Chat's
	// "unmuted" list); muting them again takes it back.
	owner.Post("/api/v1/rooms.unmuteUser", map[string]any{"roomId": rid, "username": "rmember"}).OK(t)
	if unmuted := muList(t, owner, rid, "unmuted"); !muHas(unmuted, "rmember") {
		t.Fatalf("unmuted = %v", unmuted)
	}
	post(member, "now I may").OK(t)
	owner.Post("/api/v1/rooms.muteUser", map[string]any{"roomId": rid, "username": "rmember"}).OK(t)
	if unmuted := muList(t, owner, rid, "unmuted"); muHas(unmuted, "rmember") {
		t.Fatalf("unmuted after mute = %v", unmuted)
	}
	post(member, "and now not").Fail(t, 400, "error-not-allowed")

	// Lifting read-only lets every member post.
	owner.Post("/api/v1/channels.setReadOnly", map[string]any{"roomId": rid, "readOnly": false}).OK(t)
	post(member, "open room").OK(t)
}
