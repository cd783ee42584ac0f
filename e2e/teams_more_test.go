package e2e

import (
	"strings"
	"testing"

	"liftoff/internal/testserver"
)

// End-to-end tests of teams.update, channels/groups.convertToTeam,
// teams.autocomplete, teams.listChildren, creating a room in a team,
// rooms.info's team and parent, rooms.delete, and the discussions' topics
// following a renamed parent.

// sysMessages returns "t:msg" for the system messages of a room, newest
// first (prefix is channels or groups).
func sysMessages(t *testing.T, c *testserver.Client, prefix, roomID string) []string {
	t.Helper()
	var out []string
	for _, m := range c.Get("/api/v1/"+prefix+".history", "roomId", roomID, "count", "100").OK(t).List("messages") {
		mm := m.(map[string]any)
		if typ, _ := mm["t"].(string); typ != "" {
			out = append(out, typ+":"+mm["msg"].(string))
		}
	}
	return out
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestTeamUpdate(t *testing.T) {
	srv := testserver.Start(t)
	alice := srv.CreateUser(t, "alice")
	bob := srv.CreateUser(t, "bob")
	r := alice.Post("/api/v1/teams.create", map[string]any{"name": "alpha", "type": 0, "members": []string{"bob"}}).OK(t)
	teamID, roomID := r.Str("team._id"), r.Str("team.roomId")
	alice.Post("/api/v1/channels.create", map[string]any{"name": "taken"}).OK(t)

	unchanged := func(t *testing.T) {
		t.Helper()
		info := alice.Get("/api/v1/teams.info", "teamId", teamID).OK(t)
		if info.Str("teamInfo.name") != "alpha" || info.Num("teamInfo.type") != 0 {
			t.Fatalf("team changed: %s", info.Body)
		}
		if ch := alice.Get("/api/v1/channels.info", "roomId", roomID).OK(t); ch.Str("channel.name") != "alpha" {
			t.Fatalf("main room changed: %s", ch.Body)
		}
	}
	t.Run("refused", func(t *testing.T) {
		bob.Post("/api/v1/teams.update", map[string]any{"teamId": teamID, "data": map[string]any{"name": "bobs"}}).Fail(t, 403, "")
		unchanged(t)
	})
	t.Run("bad input", func(t *testing.T) {
		alice.Post("/api/v1/teams.update", map[string]any{"teamId": teamID}).Fail(t, 400, "error-invalid-params")
		alice.Post("/api/v1/teams.update", map[string]any{"teamId": teamID, "data": map[string]any{}}).Fail(t, 400, "error-invalid-params")
		alice.Post("/api/v1/teams.update", map[string]any{"teamId": teamID, "data": map[string]any{"type": 5}}).Fail(t, 400, "error-invalid-params")
		alice.Post("/api/v1/teams.update", map[string]any{"teamId": teamID, "data": map[string]any{"name": "bad name!", "type": 1}}).Fail(t, 400, "error-invalid-room-name")
		alice.Post("/api/v1/teams.update", map[string]any{"teamId": teamID, "data": map[string]any{"name": "taken", "type": 1}}).Fail(t, 400, "error-duplicate-channel-name")
		alice.Post("/api/v1/teams.update", map[string]any{"teamId": "nope", "data": map[string]any{"name": "x"}}).Fail(t, 400, "team-does-not-exist")
		unchanged(t)
	})
	t.Run("rename and retype", func(t *testing.T) {
		alice.Post("/api/v1/teams.update", map[string]any{"teamName": "alpha", "data": map[string]any{"name": "beta", "type": 1}}).OK(t)
		info := alice.Get("/api/v1/teams.info", "teamId", teamID).OK(t)
		if info.Str("teamInfo.name") != "beta" || info.Num("teamInfo.type") != 1 || info.Str("teamInfo.roomId") != roomID {
			t.Fatalf("team: %s", info.Body)
		}
		g := bob.Get("/api/v1/groups.info", "roomId", roomID).OK(t)
		if g.Str("group.name") != "beta" || g.Str("group.t") != "p" || g.Get("group.teamMain") != true {
			t.Fatalf("main room: %s", g.Body)
		}
		msgs := sysMessages(t, alice, "groups", roomID)
		if !containsStr(msgs, "r:beta") || !containsStr(msgs, "room_changed_privacy:private") {
			t.Fatalf("system messages: %v", msgs)
		}
		// Only a name: the type stays.
		alice.Post("/api/v1/teams.update", map[string]any{"teamId": teamID, "data": map[string]any{"name": "gamma"}}).OK(t)
		if info := alice.Get("/api/v1/teams.info", "teamId", teamID).OK(t); info.Str("teamInfo.name") != "gamma" || info.Num("teamInfo.type") != 1 {
			t.Fatalf("team after rename: %s", info.Body)
		}
	})
}

func TestConvertRoomToTeam(t *testing.T) {
	srv := testserver.Start(t)
	alice := srv.CreateUser(t, "alice")
	bob := srv.CreateUser(t, "bob")
	srv.CreateUser(t, "carol")
	admin := srv.Admin(t)
	chID := alice.Post("/api/v1/channels.create", map[string]any{"name": "conv", "members": []string{"bob", "carol"}}).OK(t).Str("channel._id")
	grID := alice.Post("/api/v1/groups.create", map[string]any{"name": "gconv", "members": []string{"bob"}}).OK(t).Str("group._id")

	notTeam := func(t *testing.T, prefix, key, id string) {
		t.Helper()
		r := alice.Get("/api/v1/"+prefix+".info", "roomId", id).OK(t)
		if r.Get(key+".teamId") != nil || r.Get(key+".teamMain") != nil {
			t.Fatalf("room became a team: %s", r.Body)
		}
	}
	t.Run("refused", func(t *testing.T) {
		bob.Post("/api/v1/channels.convertToTeam", map[string]any{"channelId": chID}).Fail(t, 403, "")
		bob.Post("/api/v1/groups.convertToTeam", map[string]any{"roomId": grID}).Fail(t, 403, "")
		// Without create-team, even the owner is refused.
		admin.Post("/api/v1/permissions.update", map[string]any{"permissions": []map[string]any{{"_id": "create-team", "roles": []string{"admin"}}}}).OK(t)
		alice.Post("/api/v1/channels.convertToTeam", map[string]any{"channelId": chID}).Fail(t, 403, "")
		admin.Post("/api/v1/permissions.update", map[string]any{"permissions": []map[string]any{{"_id": "create-team", "roles": []string{"admin", "user"}}}}).OK(t)
		notTeam(t, "channels", "channel", chID)
		notTeam(t, "groups", "group", grID)
	})
	t.Run("bad input", func(t *testing.T) {
		alice.Post("/api/v1/channels.convertToTeam", map[string]any{}).Fail(t, 400, "error-invalid-params")
		alice.Post("/api/v1/channels.convertToTeam", map[string]any{"channelId": "nope"}).Fail(t, 400, "")
		alice.Post("/api/v1/groups.convertToTeam", map[string]any{"roomId": chID}).Fail(t, 400, "")
		notTeam(t, "channels", "channel", chID)
	})
	t.Run("channel", func(t *testing.T) {
		r := alice.Post("/api/v1/channels.convertToTeam", map[string]any{"channelName": "conv"}).OK(t)
		teamID := r.Str("team._id")
		if teamID == "" || r.Str("team.name") != "conv" || r.Num("team.type") != 0 || r.Str("team.roomId") != chID ||
			r.Str("team.createdBy.username") != "alice" {
			t.Fatalf("team: %s", r.Body)
		}
		info := alice.Get("/api/v1/channels.info", "roomId", chID).OK(t)
		if info.Str("channel.teamId") != teamID || info.Get("channel.teamMain") != true {
			t.Fatalf("main room: %s", info.Body)
		}
		if got := teamMemberNames(t, alice, teamID); strings.Join(got, ",") != "alice,bob,carol" {
			t.Fatalf("members: %v", got)
		}
		if roles := teamMemberRoles(t, alice, teamID, "alice"); strings.Join(roles, ",") != "owner" {
			t.Fatalf("alice's roles: %v", roles)
		}
		if msgs := sysMessages(t, alice, "channels", chID); len(msgs) == 0 || msgs[0] != "user-converted-to-team:conv" {
			t.Fatalf("system messages: %v", msgs)
		}
		// Converting again is refused and changes nothing.
		alice.Post("/api/v1/channels.convertToTeam", map[string]any{"channelId": chID}).Fail(t, 400, "team-name-already-exists")
		// So is another room of a team.
		inTeam := alice.Post("/api/v1/channels.create", map[string]any{"name": "conv-room", "extraData": map[string]any{"teamId": teamID}}).OK(t).Str("channel._id")
		alice.Post("/api/v1/channels.convertToTeam", map[string]any{"channelId": inTeam}).Fail(t, 400, "room-already-on-team")
		if got := alice.Get("/api/v1/teams.list").OK(t).Num("total"); got != 1 {
			t.Fatalf("teams after refused conversions: %v", got)
		}
	})
	t.Run("group", func(t *testing.T) {
		r := alice.Post("/api/v1/groups.convertToTeam", map[string]any{"roomId": grID}).OK(t)
		if r.Str("team.name") != "gconv" || r.Num("team.type") != 1 || r.Str("team.roomId") != grID {
			t.Fatalf("team: %s", r.Body)
		}
		if got := teamMemberNames(t, bob, r.Str("team._id")); strings.Join(got, ",") != "alice,bob" {
			t.Fatalf("members: %v", got)
		}
	})
}

func TestCreateRoomInTeam(t *testing.T) {
	srv := testserver.Start(t)
	alice := srv.CreateUser(t, "alice")
	bob := srv.CreateUser(t, "bob")
	r := alice.Post("/api/v1/teams.create", map[string]any{"name": "crew", "type": 0, "members": []string{"bob"}}).OK(t)
	teamID, mainID := r.Str("team._id"), r.Str("team.roomId")

	bob.Post("/api/v1/channels.create", map[string]any{"name": "bobs-room", "extraData": map[string]any{"teamId": teamID}}).Fail(t, 403, "error-not-allowed")
	bob.Post("/api/v1/groups.create", map[string]any{"name": "bobs-group", "extraData": map[string]any{"teamId": teamID}}).Fail(t, 403, "error-not-allowed")
	alice.Post("/api/v1/channels.create", map[string]any{"name": "lost", "extraData": map[string]any{"teamId": "nope"}}).Fail(t, 400, "error-team-not-found")
	alice.Post("/api/v1/channels.create", map[string]any{"name": "lost", "extraData": map[string]any{"teamId": 7}}).Fail(t, 400, "")
	for _, name := range []string{"bobs-room", "bobs-group", "lost"} {
		alice.Get("/api/v1/rooms.info", "roomName", name).Fail(t, 400, "")
	}

	ch := alice.Post("/api/v1/channels.create", map[string]any{"name": "crew-news", "members": []string{"bob"}, "extraData": map[string]any{"teamId": teamID}}).OK(t)
	if ch.Str("channel.teamId") != teamID || ch.Get("channel.teamMain") != nil {
		t.Fatalf("channel: %s", ch.Body)
	}
	gr := alice.Post("/api/v1/groups.create", map[string]any{"name": "crew-secret", "extraData": map[string]any{"teamId": teamID}}).OK(t)
	if gr.Str("group.teamId") != teamID {
		t.Fatalf("group: %s", gr.Body)
	}
	rooms := alice.Get("/api/v1/teams.listRooms", "teamId", teamID).OK(t)
	if rooms.Num("total") != 2 || rooms.Str("rooms.0.name") != "crew-news" || rooms.Str("rooms.1.name") != "crew-secret" {
		t.Fatalf("team rooms: %s", rooms.Body)
	}
	msgs := sysMessages(t, alice, "channels", mainID)
	if !containsStr(msgs, "user-added-room-to-team:crew-news") || containsStr(msgs, "user-added-room-to-team:crew-secret") {
		t.Fatalf("main room messages: %v", msgs)
	}
}

func TestTeamAutocompleteAndChildren(t *testing.T) {
	srv := testserver.Start(t)
	alice := srv.CreateUser(t, "alice")
	bob := srv.CreateUser(t, "bob")
	carol := srv.CreateUser(t, "carol")
	one := alice.Post("/api/v1/teams.create", map[string]any{"name": "rocket-one", "type": 0, "members": []string{"bob"}}).OK(t)
	alice.Post("/api/v1/teams.create", map[string]any{"name": "rocket-two", "type": 1}).OK(t)
	teamID, mainID := one.Str("team._id"), one.Str("team.roomId")

	t.Run("autocomplete", func(t *testing.T) {
		names := func(c *testserver.Client, q string) string {
			var out []string
			for _, x := range c.Get("/api/v1/teams.autocomplete", "name", q).OK(t).List("teams") {
				m := x.(map[string]any)
				if m["teamId"] == nil || m["t"] == nil || m["_id"] == nil {
					t.Fatalf("entry: %v", m)
				}
				out = append(out, m["name"].(string))
			}
			return strings.Join(out, ",")
		}
		if got := names(alice, "ROCK"); got != "rocket-one,rocket-two" {
			t.Fatalf("alice: %q", got)
		}
		if got := names(carol, "rock"); got != "rocket-one" {
			t.Fatalf("carol: %q", got)
		}
		if got := names(alice, "one"); got != "" {
			t.Fatalf("not a prefix: %q", got)
		}
		alice.Get("/api/v1/teams.autocomplete").Fail(t, 400, "error-invalid-params")
	})

	chID := alice.Post("/api/v1/channels.create", map[string]any{"name": "one-news", "extraData": map[string]any{"teamId": teamID}}).OK(t).Str("channel._id")
	grID := alice.Post("/api/v1/groups.create", map[string]any{"name": "one-secret", "extraData": map[string]any{"teamId": teamID}}).OK(t).Str("group._id")
	dID := alice.Post("/api/v1/rooms.createDiscussion", map[string]any{"prid": mainID, "t_name": "one-talk"}).OK(t).Str("discussion._id")
	alice.Post("/api/v1/rooms.createDiscussion", map[string]any{"prid": chID, "t_name": "elsewhere"}).OK(t)

	ids := func(r *testserver.Response) string {
		var out []string
		for _, x := range r.List("data") {
			out = append(out, x.(map[string]any)["_id"].(string))
		}
		return strings.Join(out, ",")
	}
	t.Run("listChildren", func(t *testing.T) {
		r := alice.Get("/api/v1/teams.listChildren", "teamId", teamID).OK(t)
		if got, want := ids(r), strings.Join([]string{mainID, chID, grID, dID}, ","); got != want || r.Num("total") != 4 {
			t.Fatalf("alice: got %s want %s: %s", got, want, r.Body)
		}
		if got := ids(alice.Get("/api/v1/teams.listChildren", "roomId", mainID, "type", "channels").OK(t)); got != strings.Join([]string{mainID, chID, grID}, ",") {
			t.Fatalf("channels: %s", got)
		}
		if got := ids(alice.Get("/api/v1/teams.listChildren", "teamName", "rocket-one", "type", "discussions").OK(t)); got != dID {
			t.Fatalf("discussions: %s", got)
		}
		if got := ids(alice.Get("/api/v1/teams.listChildren", "teamId", teamID, "filter", "NEWS").OK(t)); got != chID {
			t.Fatalf("filtered: %s", got)
		}
		// bob is not in the private group.
		if got := ids(bob.Get("/api/v1/teams.listChildren", "teamId", teamID).OK(t)); got != strings.Join([]string{mainID, chID, dID}, ",") {
			t.Fatalf("bob: %s", got)
		}
		p := alice.Get("/api/v1/teams.listChildren", "teamId", teamID, "count", "2", "offset", "1").OK(t)
		if ids(p) != chID+","+grID || p.Num("total") != 4 || p.Num("offset") != 1 {
			t.Fatalf("page: %s", p.Body)
		}
	})
	t.Run("listChildren refused", func(t *testing.T) {
		carol.Get("/api/v1/teams.listChildren", "teamId", teamID).Fail(t, 400, "error-invalid-team-not-a-member")
		alice.Get("/api/v1/teams.listChildren", "teamId", "nope").Fail(t, 404, "")
		alice.Get("/api/v1/teams.listChildren").Fail(t, 400, "error-invalid-params")
		alice.Get("/api/v1/teams.listChildren", "teamId", teamID, "teamName", "rocket-one").Fail(t, 400, "error-invalid-params")
		alice.Get("/api/v1/teams.listChildren", "teamId", teamID, "type", "bogus").Fail(t, 400, "error-invalid-params")
		alice.Get("/api/v1/teams.listChildren", "roomId", dID).Fail(t, 400, "room-not-on-team")
	})
}

func TestRoomsInfoTeamAndParent(t *testing.T) {
	srv := testserver.Start(t)
	alice := srv.CreateUser(t, "alice")
	r := alice.Post("/api/v1/teams.create", map[string]any{"name": "house", "type": 0}).OK(t)
	teamID, mainID := r.Str("team._id"), r.Str("team.roomId")
	chID := alice.Post("/api/v1/channels.create", map[string]any{"name": "house-room", "extraData": map[string]any{"teamId": teamID}}).OK(t).Str("channel._id")
	dID := alice.Post("/api/v1/rooms.createDiscussion", map[string]any{"prid": mainID, "t_name": "chat"}).OK(t).Str("discussion._id")
	plainID := alice.Post("/api/v1/channels.create", map[string]any{"name": "plain"}).OK(t).Str("channel._id")

	main := alice.Get("/api/v1/rooms.info", "roomId", mainID).OK(t)
	if main.Str("team._id") != teamID || main.Str("team.name") != "house" || main.Str("team.roomId") != mainID ||
		main.Num("team.type") != 0 || main.Get("parent") != nil || main.Str("room._id") != mainID {
		t.Fatalf("main room: %s", main.Body)
	}
	room := alice.Get("/api/v1/rooms.info", "roomId", chID).OK(t)
	if room.Str("team._id") != teamID || room.Str("parent._id") != mainID || room.Str("parent.name") != "house" || room.Str("parent.t") != "c" {
		t.Fatalf("team room: %s", room.Body)
	}
	d := alice.Get("/api/v1/rooms.info", "roomId", dID).OK(t)
	if d.Get("team") != nil || d.Str("parent._id") != mainID || d.Str("parent.name") != "house" || d.Str("parent.u.username") != "alice" {
		t.Fatalf("discussion: %s", d.Body)
	}
	plain := alice.Get("/api/v1/rooms.info", "roomId", plainID).OK(t)
	if plain.Get("team") != nil || plain.Get("parent") != nil {
		t.Fatalf("plain room: %s", plain.Body)
	}
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
		alice.Post("/api/v1/rooms.delete", map[string]any{}).Fail(t, 400, "error-invalid-params")
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
