package e2e

import (
	"net/http"
	"testing"

	"liftoff/internal/testserver"
)

func TestRoomLookups(t *testing.T) {
	srv := testserver.Start(t)
	admin := srv.Admin(t)
	alice := srv.CreateUser(t, "alice")
	srv.CreateUser(t, "bob")
	bobID := admin.Get("/api/v1/users.info", "username", "bob").OK(t).Str("user._id")
	cid := admin.Post("/api/v1/channels.create", map[string]any{"name": "lobby", "members": []string{"alice"}}).OK(t).Str("channel._id")
	gid := admin.Post("/api/v1/groups.create", map[string]any{"name": "staff"}).OK(t).Str("group._id")
	admin.Post("/api/v1/channels.addModerator", map[string]any{"roomId": cid, "userId": admin.Get("/api/v1/users.info", "username", "alice").OK(t).Str("user._id")}).OK(t)

	t.Run("rooms.isMember", func(t *testing.T) {
		if r := alice.Get("/api/v1/rooms.isMember", "roomId", cid, "username", "alice").OK(t); r.Get("isMember") != true {
			t.Fatalf("%s", r.Body)
		}
		if r := alice.Get("/api/v1/rooms.isMember", "roomId", cid, "userId", bobID).OK(t); r.Get("isMember") != false {
			t.Fatalf("%s", r.Body)
		}
		r := alice.Get("/api/v1/rooms.isMember", "roomId", gid, "username", "admin")
		if r.Status != http.StatusForbidden || r.Str("error") != "unauthorized" {
			t.Fatalf("a group the caller is not in: %d %s", r.Status, r.Body)
		}
		r = alice.Get("/api/v1/rooms.isMember", "roomId", cid, "username", "nobody").Fail(t, http.StatusBadRequest, "error-user-not-found")
		if r.Str("error") != "error-user-not-found" {
			t.Fatalf("%s", r.Body)
		}
		alice.Get("/api/v1/rooms.isMember", "roomId", "nope", "username", "alice").Fail(t, http.StatusBadRequest, "error-room-not-found")
	})
	t.Run("rooms.nameExists", func(t *testing.T) {
		if alice.Get("/api/v1/rooms.nameExists", "roomName", "staff").OK(t).Get("exists") != true {
			t.Fatal("staff")
		}
		if alice.Get("/api/v1/rooms.nameExists", "roomName", "nothing-here").OK(t).Get("exists") != false {
			t.Fatal("nothing-here")
		}
		alice.Get("/api/v1/rooms.nameExists").Fail(t, http.StatusBadRequest, "The 'roomName' param is required")
	})
	t.Run("moderators", func(t *testing.T) {
		r := alice.Get("/api/v1/channels.moderators", "roomName", "lobby").OK(t)
		if got := names(r.List("moderators"), "username"); len(got) != 1 || got[0] != "alice" {
			t.Fatalf("%s", r.Body)
		}
		alice.Get("/api/v1/groups.moderators", "roomId", gid).Fail(t, http.StatusBadRequest, "error-room-not-found")
		if r := admin.Get("/api/v1/groups.moderators", "roomId", gid).OK(t); r.List("moderators") == nil || len(r.List("moderators")) != 0 {
			t.Fatalf("%s", r.Body)
		}
		alice.Get("/api/v1/channels.moderators", "roomId", gid).Fail(t, http.StatusBadRequest, "error-room-not-found")
	})
	t.Run("users.listTeams", func(t *testing.T) {
		admin.Post("/api/v1/teams.create", map[string]any{"name": "crew", "type": 0, "members": []string{"alice"}}).OK(t)
		admin.Post("/api/v1/teams.create", map[string]any{"name": "board", "type": 1}).OK(t)
		aliceID := alice.Get("/api/v1/me").OK(t).Str("_id")
		if got := names(alice.Get("/api/v1/users.listTeams", "userId", aliceID).OK(t).List("teams"), "name"); len(got) != 1 || got[0] != "crew" {
			t.Fatalf("alice's teams: %v", got)
		}
		adminID := admin.Get("/api/v1/me").OK(t).Str("_id")
		if got := names(alice.Get("/api/v1/users.listTeams", "userId", adminID).OK(t).List("teams"), "name"); len(got) != 1 || got[0] != "crew" {
			t.Fatalf("admin's teams seen by alice: %v", got)
		}
		if got := names(admin.Get("/api/v1/users.listTeams", "userId", adminID).OK(t).List("teams"), "name"); len(got) != 2 {
			t.Fatalf("admin's teams: %v", got)
		}
	})
	t.Run("im.list.everyone and im.messages.others", func(t *testing.T) {
		dm := alice.Post("/api/v1/im.create", map[string]any{"username": "bob"}).OK(t).Str("room._id")
		alice.Post("/api/v1/chat.postMessage", map[string]any{"roomId": dm, "text": "psst"}).OK(t)
		alice.Get("/api/v1/im.list.everyone").Fail(t, http.StatusForbidden, "")
		alice.Get("/api/v1/im.messages.others", "roomId", dm).Fail(t, http.StatusForbidden, "")
		r := admin.Get("/api/v1/dm.list.everyone").OK(t)
		if r.Num("total") != 1 || r.Str("ims.0._id") != dm {
			t.Fatalf("%s", r.Body)
		}
		r = admin.Get("/api/v1/im.messages.others", "roomId", dm).OK(t)
		if r.Num("total") != 1 || r.Str("messages.0.msg") != "psst" {
			t.Fatalf("%s", r.Body)
		}
		admin.Get("/api/v1/im.messages.others", "roomId", cid).Fail(t, http.StatusBadRequest, "error-room-not-found")
		if r := admin.Get("/api/v1/im.messages.others"); r.Status != http.StatusBadRequest || r.Str("error") != "The 'roomId' query parameter must be provided." {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
	})
	t.Run("channels.getAllUserMentionsByChannel", func(t *testing.T) {
		admin.Post("/api/v1/chat.postMessage", map[string]any{"roomId": cid, "text": "hello @alice"}).OK(t)
		r := alice.Get("/api/v1/channels.getAllUserMentionsByChannel", "roomId", cid).OK(t)
		if r.Num("total") != 1 || r.Str("messages.0.msg") != "hello @alice" {
			t.Fatalf("%s", r.Body)
		}
	})
	t.Run("users.listByStatus", func(t *testing.T) {
		admin.Post("/api/v1/users.setActiveStatus", map[string]any{"userId": bobID, "activeStatus": false}).OK(t)
		r := admin.Get("/api/v1/users.listByStatus", "status", "deactivated").OK(t)
		if got := names(r.List("users"), "username"); len(got) != 1 || got[0] != "bob" || r.Num("total") != 1 {
			t.Fatalf("%s", r.Body)
		}
		r = admin.Get("/api/v1/users.listByStatus", "status", "active", "hasLoggedIn", "true").OK(t)
		got := names(r.List("users"), "username")
		if !has(got, "admin") || !has(got, "alice") || has(got, "bob") {
			t.Fatalf("%s", r.Body)
		}
		r = alice.Get("/api/v1/users.listByStatus", "searchTerm", "example").OK(t)
		if r.Num("total") != 0 {
			t.Fatalf("alice may not search e-mails: %s", r.Body)
		}
		if admin.Get("/api/v1/users.listByStatus", "searchTerm", "bob@").OK(t).Num("total") != 1 {
			t.Fatal("admin searches e-mails")
		}
		admin.Get("/api/v1/users.listByStatus", "status", "zombie").Fail(t, http.StatusBadRequest, "error-invalid-status")
	})
}

func TestSessionsAndWorkspaceEndpoints(t *testing.T) {
	srv := testserver.Start(t)
	admin := srv.Admin(t)
	srv.CreateUser(t, "alice")
	a1 := srv.Login(t, "alice", "alice-pass")
	a2 := srv.Login(t, "alice", "alice-pass")
	a3 := srv.Login(t, "alice", "alice-pass")

	r := a1.Post("/api/v1/users.logoutOtherClients", map[string]any{}).OK(t)
	if r.Str("token") == "" || r.Str("tokenExpires") == "" {
		t.Fatalf("%s", r.Body)
	}
	a1.Get("/api/v1/me").OK(t)
	a2.Get("/api/v1/me").Fail(t, http.StatusUnauthorized, "")
	a3.Get("/api/v1/me").Fail(t, http.StatusUnauthorized, "")

	b := srv.Login(t, "alice", "alice-pass")
	a1.Post("/api/v1/users.removeOtherTokens", map[string]any{}).OK(t)
	b.Get("/api/v1/me").Fail(t, http.StatusUnauthorized, "")
	a1.Get("/api/v1/me").OK(t)

	adminID := admin.Get("/api/v1/me").OK(t).Str("_id")
	a1.Post("/api/v1/users.logout", map[string]any{"userId": adminID}).Fail(t, http.StatusForbidden, "")
	aliceID := a1.Get("/api/v1/me").OK(t).Str("_id")
	r = admin.Post("/api/v1/users.logout", map[string]any{"userId": aliceID}).OK(t)
	if r.Str("message") != "User "+aliceID+" has been logged out!" {
		t.Fatalf("%s", r.Body)
	}
	a1.Get("/api/v1/me").Fail(t, http.StatusUnauthorized, "")

	t.Run("pw.getPolicy", func(t *testing.T) {
		r := admin.Get("/api/v1/pw.getPolicy").OK(t)
		if r.Get("enabled") != false || r.List("policy") == nil || len(r.List("policy")) != 0 {
			t.Fatalf("%s", r.Body)
		}
		admin.Post("/api/v1/settings/Accounts_Password_Policy_Enabled", map[string]any{"value": true}).OK(t)
		r = admin.Get("/api/v1/pw.getPolicy").OK(t)
		p := r.List("policy")
		if r.Get("enabled") != true || len(p) != 6 || r.Str("policy.0.0") != "get-password-policy-minLength" || r.Num("policy.0.1.minLength") != 7 ||
			r.Num("policy.1.1.maxRepeatingChars") != 3 || r.Str("policy.5.0") != "get-password-policy-mustContainAtLeastOneSpecialCharacter" {
			t.Fatalf("%s", r.Body)
		}
		srv.Anon(t).Get("/api/v1/pw.getPolicyReset", "token", "whatever").Fail(t, http.StatusForbidden, "")
		// A valid token: e2e/notify_account_test.go.
		srv.Anon(t).Get("/api/v1/pw.getPolicyReset").Fail(t, http.StatusBadRequest, "The 'token' param is required")
	})
	t.Run("licenses.info and roles.getUsersInPublicRoles", func(t *testing.T) {
		r := admin.Get("/api/v1/licenses.info").OK(t)
		if r.Get("license.hasValidLicense") != false || r.List("license.activeModules") == nil || r.Num("license.limits.activeUsers.max") != -1 ||
			r.Get("license.preventedActions.activeUsers") != false {
			t.Fatalf("%s", r.Body)
		}
		r = admin.Get("/api/v1/roles.getUsersInPublicRoles").OK(t)
		if r.Str("users.0.username") != "admin" || r.Str("users.0.roles.0") != "admin" {
			t.Fatalf("%s", r.Body)
		}
	})
}
