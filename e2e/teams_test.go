package e2e

import (
	"sort"
	"strings"
	"testing"

	"liftoff/internal/testserver"
)

// End-to-end tests of teams: teams.create, info, list, listAll, members,
// addMembers, updateMember, removeMember, leave, addRooms, removeRoom,
// updateRoom, listRooms, listRoomsOfUser, update, delete, convertToChannel
// and channels/groups.convertToTeam, and how a team's main room and
// memberships follow each other.

// teamMemberNames returns the sorted usernames of teams.members.
func teamMemberNames(t *testing.T, c *testserver.Client, teamID string) []string {
	t.Helper()
	var names []string
	for _, m := range c.Get("/api/v1/teams.members", "teamId", teamID).OK(t).List("members") {
		names = append(names, m.(map[string]any)["user"].(map[string]any)["username"].(string))
	}
	sort.Strings(names)
	return names
}

// teamMemberRoles returns a member's team roles from teams.members.
func teamMemberRoles(t *testing.T, c *testserver.Client, teamID, username string) []string {
	t.Helper()
	for _, m := range c.Get("/api/v1/teams.members", "teamId", teamID, "username", username).OK(t).List("members") {
		mm := m.(map[string]any)
		if mm["user"].(map[string]any)["username"] == username {
			var roles []string
			for _, r := range asList(mm["roles"]) {
				roles = append(roles, r.(string))
			}
			sort.Strings(roles)
			return roles
		}
	}
	t.Fatalf("%s is not a member of %s", username, teamID)
	return nil
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

func TestTeamCreate(t *testing.T) {
	srv := testserver.Start(t)
	admin := srv.Admin(t)
	alice, aliceRT := rtUser(t, srv, "alice")
	bob := srv.CreateUser(t, "bob")
	carol := srv.CreateUser(t, "carol")
	aliceRT.sub("stream-notify-user", alice.UserID+"/rooms-changed", false)

	r := alice.Post("/api/v1/teams.create", map[string]any{"name": "rockets", "type": 0, "members": []string{bob.UserID, "carol", "nobody-such"}}).OK(t)
	teamID, roomID := r.Str("team._id"), r.Str("team.roomId")
	if teamID == "" || roomID == "" || r.Str("team.name") != "rockets" || r.Num("team.type") != 0 ||
		r.Str("team.createdBy._id") != alice.UserID || r.Str("team.createdBy.username") != "alice" ||
		r.Get("team.createdAt") == nil || r.Get("team._updatedAt") == nil {
		t.Fatalf("team: %s", r.Body)
	}
	info := alice.Get("/api/v1/channels.info", "roomId", roomID).OK(t)
	if info.Str("channel.name") != "rockets" || info.Str("channel.teamId") != teamID || info.Get("channel.teamMain") != true ||
		info.Num("channel.usersCount") != 3 || info.Str("channel.u.username") != "alice" {
		t.Fatalf("main room: %s", info.Body)
	}
	aliceRT.event("stream-notify-user", alice.UserID+"/rooms-changed", func(args []any) bool {
		room, _ := args[1].(map[string]any)
		return args[0] == "inserted" && room["_id"] == roomID && room["teamMain"] == true && room["teamId"] == teamID
	})
	if got := teamMemberNames(t, alice, teamID); strings.Join(got, ",") != "alice,bob,carol" {
		t.Fatalf("team members: %v", got)
	}
	if roles := teamMemberRoles(t, alice, teamID, "alice"); strings.Join(roles, ",") != "owner" {
		t.Fatalf("alice's team roles: %v", roles)
	}
	if roles := teamMemberRoles(t, alice, teamID, "bob"); len(roles) != 0 {
		t.Fatalf("bob's team roles: %v", roles)
	}
	sub := alice.Get("/api/v1/subscriptions.getOne", "roomId", roomID).OK(t)
	if !hasString(sub.List("subscription.roles"), "owner") {
		t.Fatalf("alice's subscription: %s", sub.Body)
	}

	t.Run("private team with an owner", func(t *testing.T) {
		r := admin.Post("/api/v1/teams.create", map[string]any{"name": "secrets", "type": 1, "owner": bob.UserID, "members": []string{"carol"}}).OK(t)
		tid, rid := r.Str("team._id"), r.Str("team.roomId")
		if r.Num("team.type") != 1 || r.Str("team.createdBy.username") != "admin" {
			t.Fatalf("team: %s", r.Body)
		}
		g := bob.Get("/api/v1/groups.info", "roomId", rid).OK(t)
		if g.Str("group.t") != "p" || g.Str("group.u.username") != "bob" || g.Num("group.usersCount") != 2 {
			t.Fatalf("main group: %s", g.Body)
		}
		if got := teamMemberNames(t, bob, tid); strings.Join(got, ",") != "bob,carol" {
			t.Fatalf("members: %v", got)
		}
		if roles := teamMemberRoles(t, bob, tid, "bob"); strings.Join(roles, ",") != "owner" {
			t.Fatalf("bob's roles: %v", roles)
		}
	})

	t.Run("refusals change nothing", func(t *testing.T) {
		alice.Post("/api/v1/teams.create", map[string]any{"name": "rockets", "type": 0}).Fail(t, 400, "team-name-already-exists")
		alice.Post("/api/v1/teams.create", map[string]any{"name": "bob", "type": 0}).Fail(t, 400, "team-name-already-exists")
		alice.Post("/api/v1/channels.create", map[string]any{"name": "taken"}).OK(t)
		alice.Post("/api/v1/teams.create", map[string]any{"name": "taken", "type": 1}).Fail(t, 400, "room-name-already-exists")
		alice.Post("/api/v1/teams.create", map[string]any{"name": "bad name!", "type": 0}).Fail(t, 400, "error-team-creation")
		alice.Post("/api/v1/teams.create", map[string]any{"name": "typeless"}).Fail(t, 400, "error-invalid-params")
		alice.Post("/api/v1/teams.create", map[string]any{"name": "typed", "type": 2}).Fail(t, 400, "error-invalid-params")
		alice.Post("/api/v1/teams.create", map[string]any{"name": "listless", "type": 0, "members": "bob"}).Fail(t, 400, "error-invalid-params")
		alice.Post("/api/v1/teams.create", map[string]any{"type": 0}).Fail(t, 400, "The 'name' param is required")
		admin.Post("/api/v1/permissions.update", map[string]any{"permissions": []map[string]any{{"_id": "create-team", "roles": []string{"admin"}}}}).OK(t)
		carol.Post("/api/v1/teams.create", map[string]any{"name": "carols", "type": 0}).Fail(t, 403, "")
		for _, name := range []string{"typeless", "typed", "listless", "carols", "bad name!"} {
			admin.Get("/api/v1/teams.info", "teamName", name).Fail(t, 400, "Team not found")
		}
		admin.Get("/api/v1/rooms.info", "roomName", "carols").Fail(t, 400, "")
		if n := admin.Get("/api/v1/teams.listAll").OK(t).Num("total"); n != 2 {
			t.Fatalf("teams: %v", n)
		}
	})
}

func TestTeamInfoAndLists(t *testing.T) {
	srv := testserver.Start(t)
	admin := srv.Admin(t)
	alice := srv.CreateUser(t, "alice")
	bob := srv.CreateUser(t, "bob")
	carol := srv.CreateUser(t, "carol")
	pub := alice.Post("/api/v1/teams.create", map[string]any{"name": "open", "type": 0, "members": []string{"bob"}}).OK(t)
	priv := alice.Post("/api/v1/teams.create", map[string]any{"name": "closed", "type": 1}).OK(t)
	pubID, privID := pub.Str("team._id"), priv.Str("team._id")
	alice.Post("/api/v1/channels.create", map[string]any{"name": "side"}).OK(t)
	sideID := alice.Get("/api/v1/channels.info", "roomName", "side").OK(t).Str("channel._id")
	alice.Post("/api/v1/teams.addRooms", map[string]any{"teamId": pubID, "rooms": []string{sideID}}).OK(t)

	// teams.info: by id or name; a private team is hidden from outsiders.
	if r := bob.Get("/api/v1/teams.info", "teamName", "open").OK(t); r.Str("teamInfo._id") != pubID || r.Str("teamInfo.roomId") != pub.Str("team.roomId") {
		t.Fatalf("info: %s", r.Body)
	}
	carol.Get("/api/v1/teams.info", "teamId", pubID).OK(t)
	carol.Get("/api/v1/teams.info", "teamId", privID).Fail(t, 403, "")
	admin.Get("/api/v1/teams.info", "teamId", privID).OK(t) // view-all-teams
	carol.Get("/api/v1/teams.info", "teamId", "nope").Fail(t, 400, "Team not found")
	carol.Get("/api/v1/teams.info").Fail(t, 400, "error-invalid-params")

	// teams.list: the caller's teams, with counts.
	r := alice.Get("/api/v1/teams.list").OK(t)
	if r.Num("total") != 2 || r.Num("count") != 2 || r.Str("teams.0.name") != "open" || r.Num("teams.0.rooms") != 2 ||
		r.Num("teams.0.numberOfUsers") != 2 || r.Str("teams.1.name") != "closed" || r.Num("teams.1.numberOfUsers") != 1 {
		t.Fatalf("alice's teams: %s", r.Body)
	}
	if r := alice.Get("/api/v1/teams.list", "sort", `{"name":1}`, "count", "1").OK(t); r.Num("total") != 2 || r.Num("count") != 1 || r.Str("teams.0.name") != "closed" {
		t.Fatalf("sorted page: %s", r.Body)
	}
	if r := carol.Get("/api/v1/teams.list").OK(t); r.Num("total") != 0 || len(r.List("teams")) != 0 {
		t.Fatalf("carol's teams: %s", r.Body)
	}
	alice.Get("/api/v1/teams.list", "sort", `{"roomId":1}`).Fail(t, 400, "error-invalid-sort")

	// teams.listAll needs view-all-teams.
	if r := admin.Get("/api/v1/teams.listAll").OK(t); r.Num("total") != 2 {
		t.Fatalf("all teams: %s", r.Body)
	}
	alice.Get("/api/v1/teams.listAll").Fail(t, 403, "")

	// teams.members: members only (or view-all-teams), with filters.
	if got := teamMemberNames(t, bob, pubID); strings.Join(got, ",") != "alice,bob" {
		t.Fatalf("members: %v", got)
	}
	m := alice.Get("/api/v1/teams.members", "teamId", pubID, "username", "BO").OK(t)
	if m.Num("total") != 1 || m.Str("members.0.user.username") != "bob" || m.Str("members.0.createdBy.username") != "alice" || m.Get("members.0.createdAt") == nil {
		t.Fatalf("filtered members: %s", m.Body)
	}
	if m := alice.Get("/api/v1/teams.members", "teamId", pubID, "status", "online").OK(t); m.Num("total") != 0 {
		t.Fatalf("online members: %s", m.Body)
	}
	if m := carol.Get("/api/v1/teams.members", "teamId", pubID).OK(t); m.Num("total") != 0 || len(m.List("members")) != 0 {
		t.Fatalf("outsider sees members: %s", m.Body)
	}
	if m := admin.Get("/api/v1/teams.members", "teamId", pubID).OK(t); m.Num("total") != 2 {
		t.Fatalf("admin sees: %s", m.Body)
	}
	carol.Get("/api/v1/teams.members", "teamId", "nope").Fail(t, 400, "team-does-not-exist")
}

func TestTeamMembership(t *testing.T) {
	srv := testserver.Start(t)
	alice, aliceRT := rtUser(t, srv, "alice")
	bob, bobRT := rtUser(t, srv, "bob")
	carol := srv.CreateUser(t, "carol")
	dave := srv.CreateUser(t, "dave")
	r := alice.Post("/api/v1/teams.create", map[string]any{"name": "crew", "type": 0}).OK(t)
	teamID, roomID := r.Str("team._id"), r.Str("team.roomId")
	// A default room of the team: new members join it.
	alice.Post("/api/v1/groups.create", map[string]any{"name": "lounge"}).OK(t)
	loungeID := alice.Get("/api/v1/groups.info", "roomName", "lounge").OK(t).Str("group._id")
	alice.Post("/api/v1/teams.addRooms", map[string]any{"teamName": "crew", "rooms": []string{loungeID}}).OK(t)
	alice.Post("/api/v1/teams.updateRoom", map[string]any{"roomId": loungeID, "isDefault": true}).OK(t)
	bobRT.sub("stream-notify-user", bob.UserID+"/subscriptions-changed", false)
	aliceRT.sub("stream-room-messages", roomID, false)

	t.Run("addMembers", func(t *testing.T) {
		bob.Post("/api/v1/teams.addMembers", map[string]any{"teamId": teamID, "members": []map[string]any{{"userId": carol.UserID}}}).Fail(t, 403, "")
		alice.Post("/api/v1/teams.addMembers", map[string]any{"teamId": teamID, "members": []map[string]any{{"userId": bob.UserID}, {"userId": "nobody"}}}).Fail(t, 400, "invalid-user")
		alice.Post("/api/v1/teams.addMembers", map[string]any{"teamId": teamID, "members": "bob"}).Fail(t, 400, "error-invalid-params")
		alice.Post("/api/v1/teams.addMembers", map[string]any{"teamId": teamID, "members": []any{map[string]any{"roles": []string{"x"}}}}).Fail(t, 400, "error-invalid-params")
		alice.Post("/api/v1/teams.addMembers", map[string]any{"teamId": "nope", "members": []map[string]any{{"userId": bob.UserID}}}).Fail(t, 400, "team-does-not-exist")
		if got := teamMemberNames(t, alice, teamID); strings.Join(got, ",") != "alice" {
			t.Fatalf("members after refusals: %v", got)
		}

		alice.Post("/api/v1/teams.addMembers", map[string]any{"teamId": teamID, "members": []map[string]any{
			{"userId": bob.UserID, "roles": []string{"moderator"}}, {"userId": carol.UserID},
		}}).OK(t)
		if got := teamMemberNames(t, alice, teamID); strings.Join(got, ",") != "alice,bob,carol" {
			t.Fatalf("members: %v", got)
		}
		if roles := teamMemberRoles(t, alice, teamID, "bob"); strings.Join(roles, ",") != "moderator" {
			t.Fatalf("bob's team roles: %v", roles)
		}
		sub := bob.Get("/api/v1/subscriptions.getOne", "roomId", roomID).OK(t)
		if !hasString(sub.List("subscription.roles"), "moderator") {
			t.Fatalf("bob's subscription: %s", sub.Body)
		}
		bobRT.event("stream-notify-user", bob.UserID+"/subscriptions-changed", func(args []any) bool {
			s, _ := args[1].(map[string]any)
			return args[0] == "inserted" && s["rid"] == roomID
		})
		aliceRT.roomMessage(roomID, func(m map[string]any) bool { return m["t"] == "au" && m["msg"] == "carol" })
		// The default room was joined too.
		if n := alice.Get("/api/v1/groups.info", "roomId", loungeID).OK(t).Num("group.usersCount"); n != 3 {
			t.Fatalf("lounge members: %v", n)
		}
		bob.Get("/api/v1/groups.info", "roomId", loungeID).OK(t)
	})

	t.Run("joining the main room makes a member", func(t *testing.T) {
		dave.Post("/api/v1/channels.join", map[string]any{"roomId": roomID}).OK(t)
		if got := teamMemberNames(t, alice, teamID); strings.Join(got, ",") != "alice,bob,carol,dave" {
			t.Fatalf("members: %v", got)
		}
		dave.Get("/api/v1/groups.info", "roomId", loungeID).OK(t)
		dave.Post("/api/v1/channels.leave", map[string]any{"roomId": roomID}).OK(t)
		if got := teamMemberNames(t, alice, teamID); strings.Join(got, ",") != "alice,bob,carol" {
			t.Fatalf("members after leaving: %v", got)
		}
		// Room roles given in the main room are team roles.
		alice.Post("/api/v1/channels.addOwner", map[string]any{"roomId": roomID, "userId": carol.UserID}).OK(t)
		if roles := teamMemberRoles(t, alice, teamID, "carol"); strings.Join(roles, ",") != "owner" {
			t.Fatalf("carol's roles: %v", roles)
		}
		alice.Post("/api/v1/channels.removeOwner", map[string]any{"roomId": roomID, "userId": carol.UserID}).OK(t)
		if roles := teamMemberRoles(t, alice, teamID, "carol"); len(roles) != 0 {
			t.Fatalf("carol's roles after: %v", roles)
		}
	})

	t.Run("updateMember", func(t *testing.T) {
		carol.Post("/api/v1/teams.updateMember", map[string]any{"teamId": teamID, "member": map[string]any{"userId": carol.UserID, "roles": []string{"owner"}}}).Fail(t, 403, "")
		alice.Post("/api/v1/teams.updateMember", map[string]any{"teamId": teamID, "member": "carol"}).Fail(t, 400, "error-invalid-params")
		alice.Post("/api/v1/teams.updateMember", map[string]any{"teamId": teamID}).Fail(t, 400, "error-invalid-params")
		if roles := teamMemberRoles(t, alice, teamID, "carol"); len(roles) != 0 {
			t.Fatalf("carol's roles after refusals: %v", roles)
		}
		alice.Post("/api/v1/teams.updateMember", map[string]any{"teamName": "crew", "member": map[string]any{"userId": carol.UserID, "roles": []string{"owner", "moderator"}}}).OK(t)
		if roles := teamMemberRoles(t, alice, teamID, "carol"); strings.Join(roles, ",") != "moderator,owner" {
			t.Fatalf("carol's roles: %v", roles)
		}
		if sub := carol.Get("/api/v1/subscriptions.getOne", "roomId", roomID).OK(t); len(sub.List("subscription.roles")) != 2 {
			t.Fatalf("carol's subscription: %s", sub.Body)
		}
		alice.Post("/api/v1/teams.updateMember", map[string]any{"teamId": teamID, "member": map[string]any{"userId": bob.UserID}}).OK(t)
		if roles := teamMemberRoles(t, alice, teamID, "bob"); len(roles) != 0 {
			t.Fatalf("bob's roles: %v", roles)
		}
	})

	t.Run("removeMember", func(t *testing.T) {
		bob.Post("/api/v1/teams.removeMember", map[string]any{"teamId": teamID, "userId": carol.UserID}).Fail(t, 403, "")
		alice.Post("/api/v1/teams.removeMember", map[string]any{"teamId": teamID, "userId": "nobody"}).Fail(t, 400, "invalid-user")
		alice.Post("/api/v1/teams.removeMember", map[string]any{"teamId": teamID, "userId": dave.UserID}).Fail(t, 400, "member-does-not-exist")
		alice.Post("/api/v1/teams.removeMember", map[string]any{"teamId": teamID}).Fail(t, 400, "The 'userId' param is required")
		alice.Post("/api/v1/teams.removeMember", map[string]any{"teamId": teamID, "userId": bob.UserID, "rooms": "x"}).Fail(t, 400, "error-invalid-params")
		if got := teamMemberNames(t, alice, teamID); strings.Join(got, ",") != "alice,bob,carol" {
			t.Fatalf("members after refusals: %v", got)
		}
		alice.Post("/api/v1/teams.removeMember", map[string]any{"teamId": teamID, "userId": bob.UserID, "rooms": []string{loungeID}}).OK(t)
		if got := teamMemberNames(t, alice, teamID); strings.Join(got, ",") != "alice,carol" {
			t.Fatalf("members: %v", got)
		}
		bob.Get("/api/v1/groups.info", "roomId", loungeID).Fail(t, 400, "")
		bobRT.event("stream-notify-user", bob.UserID+"/subscriptions-changed", func(args []any) bool {
			s, _ := args[1].(map[string]any)
			return args[0] == "removed" && s["rid"] == roomID
		})
		aliceRT.roomMessage(roomID, func(m map[string]any) bool { return m["t"] == "ru" && m["msg"] == "bob" })
	})

	t.Run("leave", func(t *testing.T) {
		alice.Post("/api/v1/teams.updateMember", map[string]any{"teamId": teamID, "member": map[string]any{"userId": carol.UserID}}).OK(t)
		alice.Post("/api/v1/teams.leave", map[string]any{"teamId": teamID}).Fail(t, 400, "last-owner-can-not-be-removed")
		dave.Post("/api/v1/teams.leave", map[string]any{"teamId": teamID}).Fail(t, 400, "member-does-not-exist")
		carol.Post("/api/v1/teams.leave", map[string]any{"teamId": teamID, "rooms": 5}).Fail(t, 400, "error-invalid-params")
		if got := teamMemberNames(t, alice, teamID); strings.Join(got, ",") != "alice,carol" {
			t.Fatalf("members after refusals: %v", got)
		}
		carol.Post("/api/v1/teams.leave", map[string]any{"teamName": "crew", "rooms": []string{loungeID}}).OK(t)
		if got := teamMemberNames(t, alice, teamID); strings.Join(got, ",") != "alice" {
			t.Fatalf("members: %v", got)
		}
		carol.Get("/api/v1/groups.info", "roomId", loungeID).Fail(t, 400, "")
		if n := alice.Get("/api/v1/channels.info", "roomId", roomID).OK(t).Num("channel.usersCount"); n != 1 {
			t.Fatalf("main room members: %v", n)
		}
		aliceRT.roomMessage(roomID, func(m map[string]any) bool { return m["t"] == "ul" && m["msg"] == "carol" })
	})
}

func TestTeamRooms(t *testing.T) {
	srv := testserver.Start(t)
	admin := srv.Admin(t)
	alice, aliceRT := rtUser(t, srv, "alice")
	bob := srv.CreateUser(t, "bob")
	carol := srv.CreateUser(t, "carol")
	r := alice.Post("/api/v1/teams.create", map[string]any{"name": "ops", "type": 1, "members": []string{"bob"}}).OK(t)
	teamID, mainID := r.Str("team._id"), r.Str("team.roomId")
	mk := func(c *testserver.Client, kind, name string, members ...string) string {
		key := map[string]string{"channels": "channel", "groups": "group"}[kind]
		return c.Post("/api/v1/"+kind+".create", map[string]any{"name": name, "members": members}).OK(t).Str(key + "._id")
	}
	pubID := mk(alice, "channels", "ops-news")
	privID := mk(alice, "groups", "ops-secret")
	bobsID := mk(bob, "channels", "bobs")
	otherTeam := carol.Post("/api/v1/teams.create", map[string]any{"name": "other", "type": 0}).OK(t)
	aliceRT.sub("stream-notify-user", alice.UserID+"/rooms-changed", false)
	aliceRT.sub("stream-room-messages", mainID, false)

	t.Run("addRooms", func(t *testing.T) {
		bob.Post("/api/v1/teams.addRooms", map[string]any{"teamId": teamID, "rooms": []string{bobsID}}).Fail(t, 403, "error-no-permission-team-channel")
		alice.Post("/api/v1/teams.addRooms", map[string]any{"teamId": teamID, "rooms": []string{pubID, "nope"}}).Fail(t, 400, "invalid-room")
		alice.Post("/api/v1/teams.addRooms", map[string]any{"teamId": teamID, "rooms": []string{pubID, bobsID}}).Fail(t, 400, "error-no-owner-channel")
		alice.Post("/api/v1/teams.addRooms", map[string]any{"teamId": teamID, "rooms": []string{pubID, otherTeam.Str("team.roomId")}}).Fail(t, 400, "room-already-on-team")
		alice.Post("/api/v1/teams.addRooms", map[string]any{"teamId": teamID, "rooms": []string{mainID}}).Fail(t, 400, "room-already-on-team")
		alice.Post("/api/v1/teams.addRooms", map[string]any{"teamId": teamID, "rooms": pubID}).Fail(t, 400, "error-invalid-params")
		if info := alice.Get("/api/v1/channels.info", "roomId", pubID).OK(t); info.Get("channel.teamId") != nil {
			t.Fatalf("room moved by a refused call: %s", info.Body)
		}
		r := alice.Post("/api/v1/teams.addRooms", map[string]any{"teamName": "ops", "rooms": []string{pubID, privID}}).OK(t)
		if len(r.List("rooms")) != 2 || r.Str("rooms.0.teamId") != teamID || r.Str("rooms.1.teamId") != teamID {
			t.Fatalf("added: %s", r.Body)
		}
		if info := alice.Get("/api/v1/groups.info", "roomId", privID).OK(t); info.Str("group.teamId") != teamID || info.Get("group.teamMain") != nil {
			t.Fatalf("group: %s", info.Body)
		}
		aliceRT.event("stream-notify-user", alice.UserID+"/rooms-changed", func(args []any) bool {
			room, _ := args[1].(map[string]any)
			return args[0] == "updated" && room["_id"] == pubID && room["teamId"] == teamID
		})
		aliceRT.roomMessage(mainID, func(m map[string]any) bool { return m["t"] == "user-added-room-to-team" && m["msg"] == "ops-news" })
		alice.Post("/api/v1/teams.addRooms", map[string]any{"teamId": teamID, "rooms": []string{pubID}}).Fail(t, 400, "room-already-on-team")
	})

	t.Run("listRooms", func(t *testing.T) {
		r := alice.Get("/api/v1/teams.listRooms", "teamId", teamID).OK(t)
		if r.Num("total") != 2 || r.Str("rooms.0.name") != "ops-news" || r.Str("rooms.1.name") != "ops-secret" {
			t.Fatalf("alice's view: %s", r.Body)
		}
		// bob is a member: public rooms and his own only.
		if r := bob.Get("/api/v1/teams.listRooms", "teamName", "ops").OK(t); r.Num("total") != 1 || r.Str("rooms.0._id") != pubID {
			t.Fatalf("bob's view: %s", r.Body)
		}
		if r := alice.Get("/api/v1/teams.listRooms", "teamId", teamID, "filter", "SECR").OK(t); r.Num("total") != 1 || r.Str("rooms.0._id") != privID {
			t.Fatalf("filtered: %s", r.Body)
		}
		if r := alice.Get("/api/v1/teams.listRooms", "teamId", teamID, "type", "autoJoin").OK(t); r.Num("total") != 0 {
			t.Fatalf("autoJoin: %s", r.Body)
		}
		carol.Get("/api/v1/teams.listRooms", "teamId", teamID).Fail(t, 400, "user-not-on-private-team")
		admin.Get("/api/v1/teams.listRooms", "teamId", teamID).OK(t)
		alice.Get("/api/v1/teams.listRooms").Fail(t, 400, "error-invalid-params")
	})

	t.Run("updateRoom", func(t *testing.T) {
		bob.Post("/api/v1/teams.updateRoom", map[string]any{"roomId": pubID, "isDefault": true}).Fail(t, 403, "")
		alice.Post("/api/v1/teams.updateRoom", map[string]any{"roomId": pubID, "isDefault": "yes"}).Fail(t, 400, "error-invalid-params")
		alice.Post("/api/v1/teams.updateRoom", map[string]any{"roomId": bobsID, "isDefault": true}).Fail(t, 400, "room-not-on-team")
		alice.Post("/api/v1/teams.updateRoom", map[string]any{"roomId": "nope", "isDefault": true}).Fail(t, 400, "invalid-room")
		if info := alice.Get("/api/v1/channels.info", "roomId", pubID).OK(t); info.Get("channel.teamDefault") != nil || info.Num("channel.usersCount") != 1 {
			t.Fatalf("room after refusals: %s", info.Body)
		}
		r := alice.Post("/api/v1/teams.updateRoom", map[string]any{"roomId": pubID, "isDefault": true}).OK(t)
		if r.Get("room.teamDefault") != true || r.Num("room.usersCount") != 2 {
			t.Fatalf("default room: %s", r.Body)
		}
		if r := bob.Get("/api/v1/teams.listRooms", "teamId", teamID, "type", "autoJoin").OK(t); r.Num("total") != 1 {
			t.Fatalf("autoJoin: %s", r.Body)
		}
		bob.Get("/api/v1/subscriptions.getOne", "roomId", pubID).OK(t)
	})

	t.Run("listRoomsOfUser", func(t *testing.T) {
		r := alice.Get("/api/v1/teams.listRoomsOfUser", "teamId", teamID, "userId", bob.UserID).OK(t)
		if r.Num("total") != 2 || r.Num("offset") != 0 { // the main room and the default room
			t.Fatalf("bob's rooms: %s", r.Body)
		}
		r = alice.Get("/api/v1/teams.listRoomsOfUser", "teamId", teamID, "userId", alice.UserID, "canUserDelete", "true").OK(t)
		if r.Num("total") != 3 || r.Get("rooms.0.isLastOwner") != true {
			t.Fatalf("alice's deletable rooms: %s", r.Body)
		}
		if r := bob.Get("/api/v1/teams.listRoomsOfUser", "teamId", teamID, "userId", bob.UserID, "canUserDelete", "true").OK(t); r.Num("total") != 0 {
			t.Fatalf("bob may delete: %s", r.Body)
		}
		bob.Get("/api/v1/teams.listRoomsOfUser", "teamId", teamID, "userId", alice.UserID).Fail(t, 403, "")
		alice.Get("/api/v1/teams.listRoomsOfUser", "teamId", teamID).Fail(t, 400, "The 'userId' param is required")
	})

	t.Run("removeRoom", func(t *testing.T) {
		bob.Post("/api/v1/teams.removeRoom", map[string]any{"teamId": teamID, "roomId": pubID}).Fail(t, 403, "")
		alice.Post("/api/v1/teams.removeRoom", map[string]any{"teamId": teamID, "roomId": bobsID}).Fail(t, 400, "room-not-on-that-team")
		alice.Post("/api/v1/teams.removeRoom", map[string]any{"teamId": teamID, "roomId": mainID}).Fail(t, 400, "room-not-on-that-team")
		alice.Post("/api/v1/teams.removeRoom", map[string]any{"teamId": teamID}).Fail(t, 400, "The 'roomId' param is required")
		r := alice.Post("/api/v1/teams.removeRoom", map[string]any{"teamId": teamID, "roomId": pubID}).OK(t)
		if r.Str("room._id") != pubID || r.Get("room.teamId") != nil || r.Get("room.teamDefault") != nil {
			t.Fatalf("removed: %s", r.Body)
		}
		if info := alice.Get("/api/v1/channels.info", "roomId", pubID).OK(t); info.Get("channel.teamId") != nil {
			t.Fatalf("room: %s", info.Body)
		}
		aliceRT.roomMessage(mainID, func(m map[string]any) bool { return m["t"] == "user-removed-room-from-team" && m["msg"] == "ops-news" })
		if r := alice.Get("/api/v1/teams.listRooms", "teamId", teamID).OK(t); r.Num("total") != 1 {
			t.Fatalf("rooms left: %s", r.Body)
		}
	})
}

func TestTeamDeleteAndConvert(t *testing.T) {
	srv := testserver.Start(t)
	admin := srv.Admin(t)
	alice, aliceRT := rtUser(t, srv, "alice")
	bob := srv.CreateUser(t, "bob")
	r := alice.Post("/api/v1/teams.create", map[string]any{"name": "doomed", "type": 0, "members": []string{"bob"}}).OK(t)
	teamID, mainID := r.Str("team._id"), r.Str("team.roomId")
	keepID := alice.Post("/api/v1/channels.create", map[string]any{"name": "keep"}).OK(t).Str("channel._id")
	dropID := alice.Post("/api/v1/groups.create", map[string]any{"name": "drop"}).OK(t).Str("group._id")
	alice.Post("/api/v1/teams.addRooms", map[string]any{"teamId": teamID, "rooms": []string{keepID, dropID}}).OK(t)
	aliceRT.sub("stream-notify-user", alice.UserID+"/subscriptions-changed", false)

	bob.Post("/api/v1/teams.delete", map[string]any{"teamId": teamID}).Fail(t, 403, "")
	alice.Post("/api/v1/teams.delete", map[string]any{"teamId": teamID, "roomsToRemove": "drop"}).Fail(t, 400, "error-invalid-params")
	alice.Post("/api/v1/teams.delete", map[string]any{"teamName": "nope"}).Fail(t, 400, "team-does-not-exist")
	alice.Get("/api/v1/teams.info", "teamId", teamID).OK(t)

	alice.Post("/api/v1/teams.delete", map[string]any{"teamName": "doomed", "roomsToRemove": []string{dropID, keepID + "x"}}).OK(t)
	alice.Get("/api/v1/teams.info", "teamId", teamID).Fail(t, 400, "Team not found")
	alice.Get("/api/v1/rooms.info", "roomId", mainID).Fail(t, 400, "")
	alice.Get("/api/v1/rooms.info", "roomId", dropID).Fail(t, 400, "")
	if info := alice.Get("/api/v1/channels.info", "roomId", keepID).OK(t); info.Get("channel.teamId") != nil {
		t.Fatalf("kept room: %s", info.Body)
	}
	if n := bob.Get("/api/v1/teams.list").OK(t).Num("total"); n != 0 {
		t.Fatalf("bob's teams: %v", n)
	}
	aliceRT.event("stream-notify-user", alice.UserID+"/subscriptions-changed", func(args []any) bool {
		s, _ := args[1].(map[string]any)
		return args[0] == "removed" && s["rid"] == mainID
	})

	t.Run("deleting the main room deletes the team", func(t *testing.T) {
		r := alice.Post("/api/v1/teams.create", map[string]any{"name": "brief", "type": 1}).OK(t)
		alice.Post("/api/v1/groups.delete", map[string]any{"roomId": r.Str("team.roomId")}).OK(t)
		alice.Get("/api/v1/teams.info", "teamId", r.Str("team._id")).Fail(t, 400, "Team not found")
	})

	t.Run("renaming the main room renames the team", func(t *testing.T) {
		r := alice.Post("/api/v1/teams.create", map[string]any{"name": "oldname", "type": 0}).OK(t)
		alice.Post("/api/v1/channels.rename", map[string]any{"roomId": r.Str("team.roomId"), "name": "newname"}).OK(t)
		if info := alice.Get("/api/v1/teams.info", "teamName", "newname").OK(t); info.Str("teamInfo._id") != r.Str("team._id") {
			t.Fatalf("renamed: %s", info.Body)
		}
	})

	t.Run("convertToChannel", func(t *testing.T) {
		r := alice.Post("/api/v1/teams.create", map[string]any{"name": "shortlived", "type": 0, "members": []string{"bob"}}).OK(t)
		tid, rid := r.Str("team._id"), r.Str("team.roomId")
		bob.Post("/api/v1/teams.convertToChannel", map[string]any{"teamId": tid}).Fail(t, 403, "")
		alice.Get("/api/v1/teams.info", "teamId", tid).OK(t)
		alice.Post("/api/v1/teams.convertToChannel", map[string]any{"teamId": tid}).OK(t)
		alice.Get("/api/v1/teams.info", "teamId", tid).Fail(t, 400, "Team not found")
		info := alice.Get("/api/v1/channels.info", "roomId", rid).OK(t)
		if info.Get("channel.teamId") != nil || info.Get("channel.teamMain") != nil || info.Num("channel.usersCount") != 2 {
			t.Fatalf("converted room: %s", info.Body)
		}
		if info.Str("channel.lastMessage.t") != "user-converted-to-channel" {
			t.Fatalf("last message: %s", info.Body)
		}
		_ = admin
	})
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
		alice.Post("/api/v1/channels.convertToTeam", map[string]any{}).Fail(t, 400, "The parameter \"channelId\" or \"channelName\" is required")
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
