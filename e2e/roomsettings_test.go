package e2e

import (
	"testing"

	"liftoff/internal/testserver"
)

// End-to-end tests of room settings: rename, topic, description,
// announcement, read-only, archive and type (TestRoomSettings);
// channels.setDefault, channels.setJoinCode (with channels.join),
// channels.setCustomFields and groups.setCustomFields, and the same
// settings through the saveRoomSettings method.

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
	admin.Post("/api/v1/channels.setDefault", map[string]any{"roomId": rid, "default": 5}).Fail(t, 400, "The bodyParam \"default\" must be a boolean or a string")
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
	alice.Post("/api/v1/channels.setJoinCode", map[string]any{"roomId": rid, "joinCode": "   "}).Fail(t, 400, "The bodyParam \"joinCode\" is required")
	alice.Post("/api/v1/channels.setJoinCode", map[string]any{"roomId": rid}).Fail(t, 400, "The bodyParam \"joinCode\" is required")
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
	alice.Post("/api/v1/channels.setCustomFields", map[string]any{"roomId": rid, "customFields": "team"}).Fail(t, 400, "The bodyParam \"customFields\" is required with a type like object.")
	alice.Post("/api/v1/channels.setCustomFields", map[string]any{"roomId": rid}).Fail(t, 400, "The bodyParam \"customFields\" is required with a type like object.")
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
		owner.Post("/api/v1/channels.rename", map[string]any{"roomId": id, "name": "renamed"}).Fail(t, 400, "The channel name is the same as what it would be renamed to.")
		owner.Post("/api/v1/channels.rename", map[string]any{"roomId": id}).Fail(t, 400, "The bodyParam \"name\" is required")
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
			owner.Post("/api/v1/channels."+c.endpoint, map[string]any{"roomId": id}).Fail(t, 400, "The bodyParam \""+c.param+"\" is required")
		}
		// Setting the same topic again is refused by channels.setTopic.
		owner.Post("/api/v1/channels.setTopic", map[string]any{"roomId": id, "topic": "new topic"}).Fail(t, 400, "The channel topic is the same as what it would be changed to.")
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
		member.Post("/api/v1/chat.postMessage", map[string]any{"roomId": id, "text": "hi"}).Fail(t, 400, "error-not-allowed")
		owner.Post("/api/v1/channels.setReadOnly", map[string]any{"roomId": id, "readOnly": true}).Fail(t, 400, "The channel read only setting is the same as what it would be changed to.")
		member.Post("/api/v1/channels.setReadOnly", map[string]any{"roomId": id, "readOnly": false}).Fail(t, 403, "error-action-not-allowed")
		owner.Post("/api/v1/channels.setReadOnly", map[string]any{"roomId": id}).Fail(t, 400, "The bodyParam \"readOnly\" is required")
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

		owner.Post("/api/v1/groups.setType", map[string]any{"roomId": id, "type": "p"}).Fail(t, 400, "The private group type is the same as what it would be changed to.")
		owner.Post("/api/v1/groups.setType", map[string]any{"roomId": id, "type": "d"}).Fail(t, 400, "error-invalid-room-type")
		owner.Post("/api/v1/groups.setType", map[string]any{"roomId": id}).Fail(t, 400, "The bodyParam \"type\" is required")
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
		admin.Post("/api/v1/channels.unarchive", map[string]any{"roomId": id}).Fail(t, 400, "The channel, archive-chan, is not archived")
		owner.Post("/api/v1/channels.archive", map[string]any{}).Fail(t, 400, "error-room-param-not-provided")

		gid := rsRoom(t, owner, "groups", "archive-group", member.Username)
		owner.Post("/api/v1/groups.archive", map[string]any{"roomId": gid}).OK(t)
		member.Post("/api/v1/chat.postMessage", map[string]any{"roomId": gid, "text": "refused"}).Fail(t, 400, "error-room-archived")
		admin.Post("/api/v1/groups.unarchive", map[string]any{"roomId": gid}).Fail(t, 400, "error-room-not-found") // admin is no member
		outsider.Post("/api/v1/groups.archive", map[string]any{"roomId": gid}).Fail(t, 400, "error-room-not-found")
	})
}
