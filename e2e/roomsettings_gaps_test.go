package e2e

import (
	"testing"

	"liftoff/internal/testserver"
)

// End-to-end tests of channels.setDefault, channels.setJoinCode (with
// channels.join), channels.setCustomFields and groups.setCustomFields, and
// of the same settings through the saveRoomSettings method.

func channelInfo(t *testing.T, c *testserver.Client, rid string) *testserver.Response {
	t.Helper()
	return c.Get("/api/v1/channels.info", "roomId", rid).OK(t)
}

// subscribed reports whether c has a subscription to the room.
func subscribed(t *testing.T, c *testserver.Client, rid string) bool {
	t.Helper()
	return c.Get("/api/v1/subscriptions.getOne", "roomId", rid).OK(t).Get("subscription") != nil
}

func TestChannelSetDefault(t *testing.T) {
	srv := testserver.Start(t)
	admin := srv.Admin(t)
	alice, rt := rtUser(t, srv, "alice")
	rid := chatRoom(t, alice, "channels", "lobby")
	rt.sub("stream-notify-user", rt.userID+"/rooms-changed", false)
	msgs := channelInfo(t, alice, rid).Num("channel.msgs")

	// The owner may edit the room but not make it a default channel.
	alice.Post("/api/v1/channels.setDefault", map[string]any{"roomId": rid, "default": true}).Fail(t, 403, "error-action-not-allowed")
	if channelInfo(t, alice, rid).Get("channel.default") != false {
		t.Fatal("a refused setDefault changed the room")
	}
	early := srv.CreateUser(t, "early")
	if subscribed(t, early, rid) {
		t.Fatal("a user created before the room was default joined it")
	}

	// An administrator may; new users then join the room.
	r := admin.Post("/api/v1/channels.setDefault", map[string]any{"roomName": "lobby", "default": true}).OK(t)
	if r.Get("channel.default") != true || r.Str("channel._id") != rid {
		t.Fatalf("setDefault: %s", r.Body)
	}
	if info := channelInfo(t, alice, rid); info.Get("channel.default") != true || info.Num("channel.msgs") != msgs {
		t.Fatalf("after setDefault (no system message expected): %s", info.Body)
	}
	rt.event("stream-notify-user", rt.userID+"/rooms-changed", func(args []any) bool {
		room, _ := args[1].(map[string]any)
		return args[0] == "updated" && room["_id"] == rid && room["default"] == true
	})
	users := channelInfo(t, alice, rid).Num("channel.usersCount")
	newcomer := srv.CreateUser(t, "newcomer")
	if !subscribed(t, newcomer, rid) {
		t.Fatal("a new user did not join the default channel")
	}
	if subscribed(t, early, rid) {
		t.Fatal("setDefault added existing users")
	}
	if got := channelInfo(t, alice, rid).Num("channel.usersCount"); got != users+1 {
		t.Fatalf("usersCount %v, want %v", got, users+1)
	}
	found := false
	for _, m := range alice.Get("/api/v1/channels.history", "roomId", rid).OK(t).List("messages") {
		mm := m.(map[string]any)
		found = found || mm["t"] == "uj" && mm["msg"] == "newcomer"
	}
	if !found {
		t.Fatal("no uj message for the default channel join")
	}

	// Bad input changes nothing.
	admin.Post("/api/v1/channels.setDefault", map[string]any{"roomId": rid, "default": true}).Fail(t, 400, "error-channels-setdefault-missing-default-param")
	admin.Post("/api/v1/channels.setDefault", map[string]any{"roomId": rid}).Fail(t, 400, "error-channels-setdefault-is-same")
	admin.Post("/api/v1/channels.setDefault", map[string]any{"roomId": rid, "default": 5}).Fail(t, 400, "error-invalid-params")
	admin.Post("/api/v1/channels.setDefault", map[string]any{"default": false}).Fail(t, 400, "")
	group := chatRoom(t, admin, "groups", "private-lobby")
	admin.Post("/api/v1/channels.setDefault", map[string]any{"roomId": group, "default": true}).Fail(t, 400, "")
	if channelInfo(t, alice, rid).Get("channel.default") != true {
		t.Fatal("bad input changed the room")
	}

	// A string works as Rocket.Chat reads it: "false" turns it off.
	if r := admin.Post("/api/v1/channels.setDefault", map[string]any{"roomId": rid, "default": "false"}).OK(t); r.Get("channel.default") != false {
		t.Fatalf("setDefault false: %s", r.Body)
	}
	if late := srv.CreateUser(t, "late"); subscribed(t, late, rid) {
		t.Fatal("a new user joined a channel that is no longer default")
	}
	// Archived channels are refused.
	admin.Post("/api/v1/channels.archive", map[string]any{"roomId": rid}).OK(t)
	admin.Post("/api/v1/channels.setDefault", map[string]any{"roomId": rid, "default": true}).Fail(t, 400, "error-room-archived")
}

func TestChannelJoinCode(t *testing.T) {
	srv := testserver.Start(t)
	admin := srv.Admin(t)
	alice, aliceRT := rtUser(t, srv, "alice")
	bob := srv.CreateUser(t, "bob")
	carol, carolRT := rtUser(t, srv, "carol")
	dave := srv.CreateUser(t, "dave")
	rid := chatRoom(t, alice, "channels", "club", "bob")

	r := alice.Post("/api/v1/channels.setJoinCode", map[string]any{"roomId": rid, "joinCode": "s3cret"}).OK(t)
	if r.Get("channel.joinCodeRequired") != true || r.Get("channel.joinCode") != nil {
		t.Fatalf("setJoinCode answer: %s", r.Body)
	}
	if info := channelInfo(t, carol, rid); info.Get("channel.joinCodeRequired") != true || info.Get("channel.joinCode") != nil {
		t.Fatalf("channels.info: %s", info.Body)
	}

	// Joining needs the code.
	carol.Post("/api/v1/channels.join", map[string]any{"roomId": rid}).Fail(t, 400, "error-code-required")
	carol.Post("/api/v1/channels.join", map[string]any{"roomId": rid, "joinCode": "guess"}).Fail(t, 400, "error-code-invalid")
	if subscribed(t, carol, rid) {
		t.Fatal("a refused join made carol a member")
	}
	carol.Post("/api/v1/channels.join", map[string]any{"roomId": rid, "joinCode": "s3cret"}).OK(t)
	if !subscribed(t, carol, rid) {
		t.Fatal("joining with the code failed")
	}
	// Administrators hold join-without-join-code.
	admin.Post("/api/v1/channels.join", map[string]any{"roomId": rid}).OK(t)

	// A member without edit-room may not change the code; blank codes are
	// refused; nothing changes.
	bob.Post("/api/v1/channels.setJoinCode", map[string]any{"roomId": rid, "joinCode": "mine"}).Fail(t, 403, "error-action-not-allowed")
	alice.Post("/api/v1/channels.setJoinCode", map[string]any{"roomId": rid, "joinCode": "   "}).Fail(t, 400, "error-invalid-params")
	alice.Post("/api/v1/channels.setJoinCode", map[string]any{"roomId": rid}).Fail(t, 400, "error-invalid-params")
	dave.Post("/api/v1/channels.join", map[string]any{"roomId": rid, "joinCode": "mine"}).Fail(t, 400, "error-code-invalid")

	// Through saveRoomSettings: a plain member is refused; the owner
	// clears the code with an empty one.
	carolRT.callFail("error-action-not-allowed", "saveRoomSettings", rid, "joinCode", "")
	if info := channelInfo(t, dave, rid); info.Get("channel.joinCodeRequired") != true {
		t.Fatalf("a member cleared the code: %s", info.Body)
	}
	aliceRT.call(nil, "saveRoomSettings", rid, map[string]any{"joinCode": ""})
	if info := channelInfo(t, dave, rid); info.Get("channel.joinCodeRequired") != nil {
		t.Fatalf("code not cleared: %s", info.Body)
	}
	dave.Post("/api/v1/channels.join", map[string]any{"roomId": rid}).OK(t)
}

func TestRoomSetCustomFields(t *testing.T) {
	srv := testserver.Start(t)
	alice, aliceRT := rtUser(t, srv, "alice")
	bob := srv.CreateUser(t, "bob")
	carol := srv.CreateUser(t, "carol")
	rid := chatRoom(t, alice, "channels", "fields", "bob")
	gid := chatRoom(t, alice, "groups", "private-fields", "bob")
	aliceRT.sub("stream-notify-user", aliceRT.userID+"/rooms-changed", false)
	msgs := channelInfo(t, alice, rid).Num("channel.msgs")

	r := alice.Post("/api/v1/channels.setCustomFields", map[string]any{"roomId": rid, "customFields": map[string]any{"team": "blue", "floor": 3}}).OK(t)
	if r.Str("channel.customFields.team") != "blue" || r.Num("channel.customFields.floor") != 3 {
		t.Fatalf("setCustomFields: %s", r.Body)
	}
	aliceRT.event("stream-notify-user", aliceRT.userID+"/rooms-changed", func(args []any) bool {
		room, _ := args[1].(map[string]any)
		cf, _ := room["customFields"].(map[string]any)
		return args[0] == "updated" && room["_id"] == rid && cf["team"] == "blue"
	})
	// The fields are replaced, not merged; no system message.
	alice.Post("/api/v1/channels.setCustomFields", map[string]any{"roomName": "fields", "customFields": map[string]any{"team": "red"}}).OK(t)
	info := channelInfo(t, bob, rid)
	if info.Str("channel.customFields.team") != "red" || info.Get("channel.customFields.floor") != nil || info.Num("channel.msgs") != msgs {
		t.Fatalf("channels.info after replace: %s", info.Body)
	}

	// Refusals and bad input change nothing.
	bob.Post("/api/v1/channels.setCustomFields", map[string]any{"roomId": rid, "customFields": map[string]any{"team": "bob"}}).Fail(t, 403, "error-action-not-allowed")
	alice.Post("/api/v1/channels.setCustomFields", map[string]any{"roomId": rid, "customFields": "team"}).Fail(t, 400, "error-invalid-params")
	alice.Post("/api/v1/channels.setCustomFields", map[string]any{"roomId": rid}).Fail(t, 400, "error-invalid-params")
	alice.Post("/api/v1/channels.setCustomFields", map[string]any{"roomId": gid, "customFields": map[string]any{}}).Fail(t, 400, "")
	aliceRT.callFail("invalid-roomCustomFields-type", "saveRoomSettings", rid, "roomCustomFields", "team")
	if info := channelInfo(t, bob, rid); info.Str("channel.customFields.team") != "red" {
		t.Fatalf("refused calls changed the fields: %s", info.Body)
	}

	// groups.setCustomFields: members with edit-room only; the group is
	// invisible to others.
	g := alice.Post("/api/v1/groups.setCustomFields", map[string]any{"roomId": gid, "customFields": map[string]any{"secret": true}}).OK(t)
	if g.Get("group.customFields.secret") != true || g.Str("group._id") != gid {
		t.Fatalf("groups.setCustomFields: %s", g.Body)
	}
	bob.Post("/api/v1/groups.setCustomFields", map[string]any{"roomId": gid, "customFields": map[string]any{}}).Fail(t, 403, "error-action-not-allowed")
	carol.Post("/api/v1/groups.setCustomFields", map[string]any{"roomId": gid, "customFields": map[string]any{}}).Fail(t, 400, "")
	if gi := bob.Get("/api/v1/groups.info", "roomId", gid).OK(t); gi.Get("group.customFields.secret") != true {
		t.Fatalf("groups.info: %s", gi.Body)
	}
	// Through saveRoomSettings.
	aliceRT.call(nil, "saveRoomSettings", gid, "roomCustomFields", map[string]any{"secret": false})
	if gi := bob.Get("/api/v1/groups.info", "roomId", gid).OK(t); gi.Get("group.customFields.secret") != false {
		t.Fatalf("groups.info after saveRoomSettings: %s", gi.Body)
	}
}
