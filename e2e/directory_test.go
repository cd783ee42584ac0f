package e2e

import (
	"encoding/json"
	"net/http"
	"testing"

	"liftoff/internal/testserver"
)

func TestSpotlight(t *testing.T) {
	srv := testserver.Start(t)
	admin := srv.Admin(t)
	alice := srv.CreateUser(t, "alice")
	srv.CreateUser(t, "bobby", map[string]any{"name": "Bobby Tables"})
	admin.Post("/api/v1/channels.create", map[string]any{"name": "outsiders"}).OK(t)
	admin.Post("/api/v1/groups.create", map[string]any{"name": "outsecret"}).OK(t)

	t.Run("users and rooms the caller is not in", func(t *testing.T) {
		r := alice.Get("/api/v1/spotlight", "query", "bob").OK(t)
		users := r.List("users")
		if len(users) != 1 || r.Str("users.0.username") != "bobby" || r.Get("users.0.outside") != true ||
			r.Str("users.0.name") != "Bobby Tables" || r.Str("users.0.status") != "offline" || r.Str("users.0._id") == "" {
			t.Fatalf("users: %s", r.Body)
		}
		if _, ok := r.Get("users.0.emails").([]any); ok {
			t.Fatalf("spotlight shows e-mails: %s", r.Body)
		}
		r = alice.Get("/api/v1/spotlight", "query", "outs").OK(t)
		rooms := names(r.List("rooms"), "name")
		if len(rooms) != 1 || rooms[0] != "outsiders" || r.Str("rooms.0.t") != "c" {
			t.Fatalf("rooms: a private group the caller is not in must never show: %s", r.Body)
		}
	})
	t.Run("# searches rooms only, @ users only", func(t *testing.T) {
		r := alice.Get("/api/v1/spotlight", "query", "#o").OK(t)
		if len(r.List("users")) != 0 || !has(names(r.List("rooms"), "name"), "outsiders") {
			t.Fatalf("#: %s", r.Body)
		}
		r = alice.Get("/api/v1/spotlight", "query", "@o").OK(t)
		if len(r.List("rooms")) != 0 || r.Get("rooms") == nil {
			t.Fatalf("@: rooms must be an empty list: %s", r.Body)
		}
	})
	t.Run("rooms the caller is in are left to the client", func(t *testing.T) {
		r := alice.Get("/api/v1/spotlight", "query", "general").OK(t)
		if has(names(r.List("rooms"), "name"), "general") {
			t.Fatalf("general listed: %s", r.Body)
		}
	})
	t.Run("query is required", func(t *testing.T) {
		alice.Get("/api/v1/spotlight").Fail(t, http.StatusBadRequest, "The 'query' param is required")
		srv.Anon(t).Get("/api/v1/spotlight", "query", "bob").Fail(t, http.StatusUnauthorized, "")
	})
	t.Run("without view-outside-room only conversation partners", func(t *testing.T) {
		carol := srv.CreateUser(t, "carol")
		srv.CreateUser(t, "bobcat")
		carol.Post("/api/v1/im.create", map[string]any{"username": "bobby"}).OK(t)
		admin.Post("/api/v1/permissions.update", map[string]any{"permissions": []any{
			map[string]any{"_id": "view-outside-room", "roles": []string{"admin"}}}}).OK(t)
		defer func() {
			admin.Post("/api/v1/permissions.update", map[string]any{"permissions": []any{
				map[string]any{"_id": "view-outside-room", "roles": []string{"admin", "owner", "moderator", "user"}}}}).OK(t)
		}()
		r := carol.Get("/api/v1/spotlight", "query", "bob").OK(t)
		if got := names(r.List("users"), "username"); len(got) != 1 || got[0] != "bobby" {
			t.Fatalf("users: %s", r.Body)
		}
		if len(r.List("rooms")) != 0 {
			t.Fatalf("rooms: %s", r.Body)
		}
	})
	t.Run("DDP method with a type and a room", func(t *testing.T) {
		c := ddpDial(t, srv)
		c.login("alice", "alice-pass")
		var res struct {
			Users []map[string]any `json:"users"`
			Rooms []map[string]any `json:"rooms"`
		}
		c.call(&res, "spotlight", "bobb", []string{}, map[string]any{"users": true})
		if len(res.Users) != 1 || res.Users[0]["username"] != "bobby" || res.Rooms == nil || len(res.Rooms) != 0 {
			t.Fatalf("spotlight: %+v", res)
		}
		general := admin.Get("/api/v1/rooms.info", "roomName", "general").OK(t).Str("room._id")
		res.Users, res.Rooms = nil, nil
		c.call(&res, "spotlight", "bobby", []string{}, map[string]any{"users": true}, general)
		if len(res.Users) != 1 || res.Users[0]["outside"] != nil {
			t.Fatalf("a member of the room searched from is not an outsider: %+v", res)
		}
		c.call(&res, "spotlight", "bob", []string{"bobby", "bobcat"}, map[string]any{"users": true, "rooms": true})
		if len(res.Users) != 0 {
			t.Fatalf("usernames are left out: %+v", res)
		}
		c.callFail("error-invalid-params", "spotlight", 5)
	})
}

func TestUsersPresence(t *testing.T) {
	srv := testserver.Start(t)
	admin := srv.Admin(t)
	alice, _ := rtUser(t, srv, "alice") // connected: online
	bob := srv.CreateUser(t, "bob")
	aliceID := alice.Get("/api/v1/me").OK(t).Str("_id")
	bobID := bob.Get("/api/v1/me").OK(t).Str("_id")

	r := bob.Get("/api/v1/users.presence", "ids", aliceID+","+bobID).OK(t)
	if r.Get("full") != false || len(r.List("users")) != 1 || r.Str("users.0._id") != aliceID || r.Str("users.0.status") != "online" ||
		r.Str("users.0.username") != "alice" {
		t.Fatalf("by ids: %s", r.Body)
	}
	if _, ok := r.Get("users.0.utcOffset").(float64); !ok {
		t.Fatalf("utcOffset missing: %s", r.Body)
	}
	r = bob.Get("/api/v1/users.presence").OK(t)
	if r.Get("full") != true || !has(names(r.List("users"), "username"), "alice") || has(names(r.List("users"), "username"), "bob") {
		t.Fatalf("all: %s", r.Body)
	}
	admin.Post("/api/v1/settings/Presence_broadcast_disabled", map[string]any{"value": true}).OK(t)
	r = bob.Get("/api/v1/users.presence", "ids", aliceID).OK(t)
	if r.Get("full") != true || r.List("users") == nil || len(r.List("users")) != 0 {
		t.Fatalf("broadcast disabled: %s", r.Body)
	}
	srv.Anon(t).Get("/api/v1/users.presence").Fail(t, http.StatusUnauthorized, "")
}

func TestDirectory(t *testing.T) {
	srv := testserver.Start(t)
	admin := srv.Admin(t)
	alice := srv.CreateUser(t, "alice")
	srv.CreateUser(t, "dora", map[string]any{"email": "dora@example.org"})
	admin.Post("/api/v1/channels.create", map[string]any{"name": "outsiders"}).OK(t)
	admin.Post("/api/v1/groups.create", map[string]any{"name": "hidden-group"}).OK(t)
	admin.Post("/api/v1/teams.create", map[string]any{"name": "crew", "type": 0}).OK(t)
	admin.Post("/api/v1/teams.create", map[string]any{"name": "secretcrew", "type": 1}).OK(t)
	team := admin.Get("/api/v1/teams.info", "teamName", "secretcrew").OK(t).Str("teamInfo._id")
	admin.Post("/api/v1/channels.create", map[string]any{"name": "crewroom", "extraData": map[string]any{"teamId": team}}).OK(t)

	t.Run("users", func(t *testing.T) {
		r := alice.Get("/api/v1/directory", "type", "users", "text", "dor").OK(t)
		if r.Num("total") != 1 || r.Num("count") != 1 || r.Num("offset") != 0 || r.Str("result.0.username") != "dora" {
			t.Fatalf("users: %s", r.Body)
		}
		if r.Get("result.0.emails") != nil {
			t.Fatalf("e-mails shown without view-full-other-user-info: %s", r.Body)
		}
		r = admin.Get("/api/v1/directory", "query", `{"type":"users","text":"dor"}`).OK(t)
		if r.Str("result.0.emails.0.address") != "dora@example.org" {
			t.Fatalf("admin sees e-mails: %s", r.Body)
		}
		r = alice.Get("/api/v1/directory", "type", "users", "sort", `{"username":1}`, "count", "2").OK(t)
		got := names(r.List("result"), "username")
		if len(got) != 2 || got[0] != "admin" || got[1] != "alice" || r.Num("total") < 3 {
			t.Fatalf("sorted page: %s", r.Body)
		}
	})
	t.Run("channels", func(t *testing.T) {
		r := alice.Get("/api/v1/directory", "type", "channels").OK(t)
		got := names(r.List("result"), "name")
		if !has(got, "outsiders") || !has(got, "general") || has(got, "hidden-group") || has(got, "crewroom") || has(got, "crew") {
			t.Fatalf("alice's channels: %s", r.Body)
		}
		// Without a sort: by name, descending (Rocket.Chat's default here).
		if got[0] != "outsiders" {
			t.Fatalf("order: %v", got)
		}
		r = admin.Get("/api/v1/directory", "type", "channels", "text", "crew").OK(t)
		if r.Str("result.0.name") != "crewroom" || r.Str("result.0.belongsTo") != "secretcrew" || r.Num("total") != 1 {
			t.Fatalf("a team member sees the team's channel: %s", r.Body)
		}
	})
	t.Run("teams", func(t *testing.T) {
		r := alice.Get("/api/v1/directory", "type", "teams").OK(t)
		got := names(r.List("result"), "name")
		if len(got) != 1 || got[0] != "crew" || r.Num("result.0.roomsCount") != 1 || r.Get("result.0.teamMain") != true {
			t.Fatalf("alice's teams: %s", r.Body)
		}
		r = admin.Get("/api/v1/directory", "type", "teams", "sort", `{"name":1}`).OK(t)
		if got := names(r.List("result"), "name"); len(got) != 2 || got[1] != "secretcrew" || r.Num("result.1.roomsCount") != 2 {
			t.Fatalf("admin's teams: %s", r.Body)
		}
	})
	t.Run("refusals", func(t *testing.T) {
		r := alice.Get("/api/v1/directory", "type", "planets").Fail(t, http.StatusBadRequest, "Please verify the parameters")
		if r.Str("error") != "Please verify the parameters" {
			t.Fatalf("%s", r.Body)
		}
		alice.Get("/api/v1/directory", "sort", `{"name":1,"ts":1}`).Fail(t, http.StatusBadRequest, "")
		alice.Get("/api/v1/directory", "type", "users", "sort", `{"lastMessage":1}`).Fail(t, http.StatusBadRequest, "Please verify the parameters")
		c := ddpDial(t, srv)
		c.login("alice", "alice-pass")
		var res map[string]any
		c.call(&res, "browseChannels", map[string]any{"type": "users", "text": "dora"})
		if res["total"] != float64(1) {
			t.Fatalf("browseChannels: %v", res)
		}
		if r := c.callRaw("browseChannels", map[string]any{"type": "planets"}); r.Error != nil || (r.Result != nil && string(r.Result) != "null") {
			t.Fatalf("browseChannels of an unknown type: %s %v", r.Result, r.Error)
		}
	})
}

func TestRoomsAutocompleteAndAdminRooms(t *testing.T) {
	srv := testserver.Start(t)
	admin := srv.Admin(t)
	alice := srv.CreateUser(t, "alice")
	admin.Post("/api/v1/channels.create", map[string]any{"name": "outsiders"}).OK(t)
	admin.Post("/api/v1/groups.create", map[string]any{"name": "staff-only", "members": []string{"alice"}}).OK(t)
	alice.Post("/api/v1/channels.create", map[string]any{"name": "alices-own"}).OK(t)
	alice.Post("/api/v1/im.create", map[string]any{"username": "admin"}).OK(t)

	sel := func(name string) string { b, _ := json.Marshal(map[string]string{"name": name}); return string(b) }
	t.Run("channelAndPrivate: the caller's rooms", func(t *testing.T) {
		r := alice.Get("/api/v1/rooms.autocomplete.channelAndPrivate", "selector", sel("")).OK(t)
		got := names(r.List("items"), "name")
		if len(got) != 3 || got[0] != "alices-own" || got[1] != "general" || got[2] != "staff-only" {
			t.Fatalf("items: %s", r.Body)
		}
		if r.Get("total") != nil {
			t.Fatalf("no total without pagination: %s", r.Body)
		}
		r = alice.Get("/api/v1/rooms.autocomplete.channelAndPrivate", "selector", sel("STAFF")).OK(t)
		if r.Str("items.0.t") != "p" || len(r.List("items")) != 1 {
			t.Fatalf("items: %s", r.Body)
		}
		r = alice.Get("/api/v1/rooms.autocomplete.channelAndPrivate.withPagination", "selector", sel(""), "count", "1", "offset", "1").OK(t)
		if got := names(r.List("items"), "name"); len(got) != 1 || got[0] != "general" || r.Num("total") != 3 {
			t.Fatalf("paged: %s", r.Body)
		}
		alice.Get("/api/v1/rooms.autocomplete.channelAndPrivate").Fail(t, http.StatusBadRequest, "The 'selector' param is required")
		alice.Get("/api/v1/rooms.autocomplete.channelAndPrivate", "selector", "nope").Fail(t, http.StatusBadRequest, "error-invalid-params")
	})
	t.Run("availableForTeams: rooms the caller owns", func(t *testing.T) {
		r := alice.Get("/api/v1/rooms.autocomplete.availableForTeams", "name", "").OK(t)
		if got := names(r.List("items"), "name"); len(got) != 1 || got[0] != "alices-own" {
			t.Fatalf("items: %s", r.Body)
		}
	})
	t.Run("adminRooms", func(t *testing.T) {
		r := alice.Get("/api/v1/rooms.adminRooms").Fail(t, http.StatusBadRequest, "error-not-authorized")
		if r.Str("error") != "error-not-authorized" {
			t.Fatalf("%s", r.Body)
		}
		alice.Get("/api/v1/rooms.autocomplete.adminRooms", "selector", sel("")).Fail(t, http.StatusBadRequest, "error-not-authorized")
		r = admin.Get("/api/v1/rooms.adminRooms").OK(t)
		if r.Num("total") != 5 || r.Num("count") != 5 || len(r.List("rooms")) != 5 {
			t.Fatalf("every room, the conversation included: %s", r.Body)
		}
		r = admin.Get("/api/v1/rooms.adminRooms?types[]=p&types[]=d").OK(t)
		if r.Num("total") != 2 {
			t.Fatalf("types: %s", r.Body)
		}
		r = admin.Get("/api/v1/rooms.adminRooms", "filter", "outs", "types", "c").OK(t)
		if got := names(r.List("rooms"), "name"); len(got) != 1 || got[0] != "outsiders" {
			t.Fatalf("filter: %s", r.Body)
		}
		r = admin.Get("/api/v1/rooms.autocomplete.adminRooms", "selector", sel("o")).OK(t)
		if got := names(r.List("items"), "name"); !has(got, "outsiders") || !has(got, "alices-own") {
			t.Fatalf("admin autocomplete: %s", r.Body)
		}
		rid := admin.Get("/api/v1/rooms.info", "roomName", "staff-only").OK(t).Str("room._id")
		r = admin.Get("/api/v1/rooms.adminRooms.getRoom", "rid", rid).OK(t)
		if r.Str("_id") != rid || r.Str("name") != "staff-only" || r.Str("t") != "p" {
			t.Fatalf("getRoom: %s", r.Body)
		}
		r = admin.Get("/api/v1/rooms.adminRooms.getRoom", "rid", "nope")
		if r.Status != http.StatusBadRequest || r.Str("error") != "not-allowed" || r.Str("errorType") != "Not Allowed" {
			t.Fatalf("unknown room: %d %s", r.Status, r.Body)
		}
		alice.Get("/api/v1/rooms.adminRooms.getRoom", "rid", rid).Fail(t, http.StatusBadRequest, "error-not-authorized")
	})
}
