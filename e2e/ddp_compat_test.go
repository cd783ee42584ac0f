package e2e

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/RocketChat/Rocket.Chat.Go.SDK/models"

	"liftoff/internal/testserver"
)

// TestRegisterUserOfficialGoSDK drives the flow of the official Go SDK's
// test helpers: RegisterUser over DDP (registerUser, login, setUsername),
// then a REST login with the same credentials.
func TestRegisterUserOfficialGoSDK(t *testing.T) {
	if raceDetector {
		t.Skip("github.com/gopackage/ddp, the SDK's DDP client, has data races of its own; runs without -race (make test)")
	}
	srv := testserver.Start(t)
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	client := sdkClient(t, u)
	t.Cleanup(client.Close)
	creds := &models.UserCredentials{Email: "sdknew@example.org", Name: "sdknew", Password: "sdknew-pass"}
	user, err := client.RegisterUser(creds)
	if err != nil {
		t.Fatalf("RegisterUser: %v", err)
	}
	if user.ID == "" || user.Token == "" {
		t.Fatalf("RegisterUser answered %+v", user)
	}
	c := srv.Anon(t)
	r := c.Post("/api/v1/login", map[string]any{"user": "sdknew@example.org", "password": "sdknew-pass"})
	if r.Status != http.StatusOK || r.Str("data.me.username") != "sdknew" || r.Str("data.userId") != user.ID {
		t.Fatalf("REST login: %d %s", r.Status, r.Body)
	}
}

func TestRegisterUserMethod(t *testing.T) {
	srv := testserver.Start(t)
	c := ddpDial(t, srv)
	var id string
	c.call(&id, "registerUser", map[string]any{"email": "Nora.Lee@example.org", "pass": "nora-pass", "name": "Nora Lee"})
	if id == "" {
		t.Fatal("no id")
	}
	admin := srv.Admin(t)
	r := admin.Get("/api/v1/users.info", "userId", id).OK(t)
	if r.Str("user.username") != "nora-lee" || r.Str("user.name") != "Nora Lee" {
		t.Fatalf("registered user: %s", r.Body)
	}
	// A second Nora Lee gets a free username of her own (from her address).
	c2 := ddpDial(t, srv)
	c2.call(&id, "registerUser", map[string]any{"email": "nora2@example.org", "pass": "nora-pass", "name": "Nora Lee"})
	if got := admin.Get("/api/v1/users.info", "userId", id).OK(t).Str("user.username"); got != "nora2" {
		t.Fatalf("second username %q", got)
	}
	c2.callFail("error-invalid-params", "registerUser", map[string]any{"email": "x@example.org", "name": "x"})
	c2.callFail("error-blocked-username", "registerUser", map[string]any{"email": "other@example.org", "pass": "p", "name": "n", "username": "admin"}) // in Accounts_SystemBlockedUsernameList
	admin.Post("/api/v1/settings/Accounts_RegistrationForm", map[string]any{"value": "Disabled"}).OK(t)
	c2.callFail("error-user-registration-disabled", "registerUser", map[string]any{"email": "y@example.org", "pass": "p", "name": "y"})

	// setUsername: the registered user picks a username.
	c.login("nora-lee", "nora-pass")
	var name string
	c.call(&name, "setUsername", "nora")
	if name != "nora" || admin.Get("/api/v1/users.info", "username", "nora").OK(t).Str("user.name") != "Nora Lee" {
		t.Fatalf("setUsername: %q", name)
	}
	srv.CreateUser(t, "zed")
	c.callFail("error-field-unavailable", "setUsername", "zed")
}

func TestCompatMethods(t *testing.T) {
	srv := testserver.Start(t)
	admin := srv.Admin(t)
	_, c := rtUser(t, srv, "alice")
	bob := srv.CreateUser(t, "bob")
	bobID := bob.Get("/api/v1/me").OK(t).Str("_id")
	rid := admin.Post("/api/v1/channels.create", map[string]any{"name": "lobby", "members": []string{"alice"}}).OK(t).Str("channel._id")
	gid := admin.Post("/api/v1/groups.create", map[string]any{"name": "secret"}).OK(t).Str("group._id")

	t.Run("getRoomNameById", func(t *testing.T) {
		var name string
		c.call(&name, "getRoomNameById", rid)
		if name != "lobby" {
			t.Fatalf("name %q", name)
		}
		e := c.callFail("error-not-authorized", "getRoomNameById", gid)
		if e["reason"] != "Not authorized" {
			t.Fatalf("%v", e)
		}
		c.callFail("error-not-authorized", "getRoomNameById", "nope")
	})
	t.Run("getRoomByTypeAndName", func(t *testing.T) {
		var room map[string]any
		c.call(&room, "getRoomByTypeAndName", "c", "lobby")
		if room["_id"] != rid {
			t.Fatalf("room %v", room)
		}
		c.call(&room, "getRoomByTypeAndName", "c", rid)
		if room["name"] != "lobby" {
			t.Fatalf("by id %v", room)
		}
		c.callFail("error-not-found", "getRoomByTypeAndName", "p", "secret")
		c.callFail("error-not-found", "getRoomByTypeAndName", "p", "lobby")
		dm := bob.Post("/api/v1/im.create", map[string]any{"username": "alice"}).OK(t).Str("room._id")
		c.call(&room, "getRoomByTypeAndName", "d", "bob")
		if room["_id"] != dm {
			t.Fatalf("dm %v", room)
		}
	})
	t.Run("setUserStatus", func(t *testing.T) {
		c.call(nil, "setUserStatus", "busy", "in a call")
		r := bob.Get("/api/v1/users.getStatus", "username", "alice").OK(t)
		if r.Str("status") != "busy" {
			t.Fatalf("status: %s", r.Body)
		}
		if got := admin.Get("/api/v1/users.info", "username", "alice").OK(t).Str("user.statusText"); got != "in a call" {
			t.Fatalf("status text %q", got)
		}
		c.callFail("error-invalid-status", "setUserStatus", "dancing", nil)
	})
	t.Run("readThreads", func(t *testing.T) {
		alice := srv.Login(t, "alice", "alice-pass")
		tmid := alice.Post("/api/v1/chat.postMessage", map[string]any{"roomId": rid, "text": "thread"}).OK(t).Str("message._id")
		admin.Post("/api/v1/chat.sendMessage", map[string]any{"message": map[string]any{"rid": rid, "msg": "reply", "tmid": tmid}}).OK(t)
		if got := alice.Get("/api/v1/subscriptions.getOne", "roomId", rid).OK(t).List("subscription.tunread"); len(got) != 1 {
			t.Fatalf("tunread before: %v", got)
		}
		c.call(nil, "readThreads", tmid)
		if got := alice.Get("/api/v1/subscriptions.getOne", "roomId", rid).OK(t).List("subscription.tunread"); len(got) != 0 {
			t.Fatalf("tunread after: %v", got)
		}
		c.call(nil, "readThreads", "nope") // an unknown thread is ignored
	})
	t.Run("setUserActiveStatus and insertOrUpdateUser", func(t *testing.T) {
		c.callFail("error-action-not-allowed", "setUserActiveStatus", bobID, false)
		a := ddpDial(t, srv)
		a.login(testserver.AdminUser, testserver.AdminPass)
		var ok bool
		a.call(&ok, "setUserActiveStatus", bobID, false)
		if !ok || admin.Get("/api/v1/users.info", "userId", bobID).OK(t).Get("user.active") != false {
			t.Fatal("bob still active")
		}
		var id string
		a.call(&id, "insertOrUpdateUser", map[string]any{"name": "Carol", "username": "carol", "email": "carol@example.org", "password": "carol-pass"})
		if id == "" {
			t.Fatal("no id")
		}
		a.call(&ok, "insertOrUpdateUser", map[string]any{"_id": id, "name": "Carol C."})
		if got := admin.Get("/api/v1/users.info", "userId", id).OK(t).Str("user.name"); got != "Carol C." {
			t.Fatalf("name %q", got)
		}
		c.callFail("", "insertOrUpdateUser", map[string]any{"name": "Eve", "username": "eve", "email": "eve@example.org", "password": "x"})
	})
	t.Run("private-settings/get and license", func(t *testing.T) {
		var list []map[string]any
		c.call(&list, "private-settings/get")
		if list == nil || len(list) != 0 {
			t.Fatalf("a user sees private settings: %d", len(list))
		}
		a := ddpDial(t, srv)
		a.login(testserver.AdminUser, testserver.AdminPass)
		a.call(&list, "private-settings/get")
		found := false
		for _, st := range list {
			if st["_id"] == "Accounts_SearchFields" { // a private setting
				found = true
			}
		}
		if !found {
			t.Fatalf("admin's private settings lack Accounts_SearchFields (%d settings)", len(list))
		}
		var mods []string
		c.call(&mods, "license:getModules")
		if mods == nil || len(mods) != 0 {
			t.Fatalf("modules %v", mods)
		}
		var ent bool
		c.call(&ent, "license:isEnterprise")
		if ent {
			t.Fatal("enterprise")
		}
	})
}

func TestCompatSubscriptions(t *testing.T) {
	srv := testserver.Start(t)
	admin := srv.Admin(t)
	alice, c := rtUser(t, srv, "alice")
	aliceID := alice.Get("/api/v1/me").OK(t).Str("_id")

	t.Run("meteor.loginServiceConfiguration is ready and empty, even anonymously", func(t *testing.T) {
		anon := ddpDial(t, srv)
		anon.sub("meteor.loginServiceConfiguration")
		c.sub("meteor.loginServiceConfiguration")
	})
	t.Run("stream-roles", func(t *testing.T) {
		ddpDial(t, srv).subRefused("stream-roles", "roles", false)
		c.sub("stream-roles", "roles", map[string]any{"useCollection": false, "args": []any{}})
		admin.Post("/api/v1/roles.create", map[string]any{"name": "reviewer", "scope": "Users", "description": "Reviews"}).OK(t)
		args := c.event("stream-roles", "roles", func(args []any) bool {
			m, _ := args[0].(map[string]any)
			return m["type"] == "changed" && m["name"] == "reviewer"
		})
		if m := args[0].(map[string]any); m["description"] != "Reviews" || m["scope"] != "Users" || m["_id"] == "" {
			t.Fatalf("role event %v", m)
		}
		id := admin.Get("/api/v1/roles.list").OK(t)
		var rid string
		for _, r := range id.List("roles") {
			if m := r.(map[string]any); m["name"] == "reviewer" {
				rid, _ = m["_id"].(string)
			}
		}
		admin.Post("/api/v1/roles.delete", map[string]any{"roleId": rid}).OK(t)
		c.event("stream-roles", "roles", func(args []any) bool {
			m, _ := args[0].(map[string]any)
			return m["type"] == "removed" && m["_id"] == rid
		})
	})
	t.Run("userData", func(t *testing.T) {
		c.sub("stream-notify-user", aliceID+"/userData", false)
		admin.Post("/api/v1/users.update", map[string]any{"userId": aliceID, "data": map[string]any{"name": "Alice A."}}).OK(t)
		args := c.event("stream-notify-user", aliceID+"/userData", func(args []any) bool {
			m, _ := args[0].(map[string]any)
			d, _ := m["diff"].(map[string]any)
			return m["type"] == "updated" && d["name"] == "Alice A."
		})
		if m := args[0].(map[string]any); m["id"] != aliceID {
			t.Fatalf("userData %v", m)
		}
		alice.Post("/api/v1/users.setStatus", map[string]any{"status": "away", "message": "brb"}).OK(t)
		c.event("stream-notify-user", aliceID+"/userData", func(args []any) bool {
			m, _ := args[0].(map[string]any)
			d, _ := m["diff"].(map[string]any)
			return d["statusText"] == "brb"
		})
	})
}
