package e2e

import (
	"strings"
	"testing"

	"liftoff/internal/testserver"
)

// End-to-end tests of a team's rooms seen from the rooms: creating a room
// in a team, teams.autocomplete, teams.listChildren, and rooms.info's team
// and parent.

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
