package e2e

import (
	"encoding/json"
	"testing"

	"liftoff/internal/testserver"
)

// End-to-end tests of smaller Rocket.Chat behaviours: new users join the
// default channel whichever way they are created, getUserRoles, and
// getThreadMessages reading the thread.

// gpGeneral returns c's subscription to #general (nil when not a member).
func gpGeneral(t *testing.T, c *testserver.Client) map[string]any {
	t.Helper()
	sub, _ := c.Get("/api/v1/subscriptions.getOne", "roomId", "GENERAL").OK(t).Get("subscription").(map[string]any)
	return sub
}

func TestNewUsersJoinGeneral(t *testing.T) {
	srv := testserver.Start(t)
	admin := srv.Admin(t)
	usersCount := func() float64 {
		return admin.Get("/api/v1/channels.info", "roomId", "GENERAL").OK(t).Num("channel.usersCount")
	}

	// The default channel exists, and the administrator from the
	// environment is in it.
	if r := admin.Get("/api/v1/channels.info", "roomName", "general").OK(t); r.Get("channel.default") != true || r.Str("channel._id") != "GENERAL" {
		t.Fatalf("general: %s", r.Body)
	}
	if gpGeneral(t, admin) == nil {
		t.Fatal("the administrator is not in general")
	}

	// Self-registration: the new user is subscribed, counted, announced
	// with "uj", and sees general among their joined channels.
	before := usersCount()
	srv.Anon(t).Post("/api/v1/users.register", map[string]any{"username": "reggie", "email": "reggie@example.org", "pass": "reggie-pass", "name": "Reggie"}).OK(t)
	reggie := srv.Login(t, "reggie", "reggie-pass")
	sub := gpGeneral(t, reggie)
	if sub == nil || sub["name"] != "general" || sub["t"] != "c" {
		t.Fatalf("reggie's general subscription: %v", sub)
	}
	if got := usersCount(); got != before+1 {
		t.Fatalf("usersCount %v, want %v", got, before+1)
	}
	joined := reggie.Get("/api/v1/channels.list.joined").OK(t)
	if l := joined.List("channels"); len(l) != 1 || l[0].(map[string]any)["name"] != "general" {
		t.Fatalf("joined: %s", joined.Body)
	}
	found := false
	for _, m := range admin.Get("/api/v1/channels.history", "roomId", "GENERAL", "count", "20").OK(t).List("messages") {
		mm := m.(map[string]any)
		if mm["t"] == "uj" && mm["msg"] == "reggie" {
			found = true
		}
	}
	if !found {
		t.Fatal("no uj message for reggie in general")
	}
	reggie.Post("/api/v1/chat.postMessage", map[string]any{"channel": "#general", "text": "hello everyone"}).OK(t)

	// users.create joins by default; joinDefaultChannels=false does not.
	joiner := srv.CreateUser(t, "joiner")
	if gpGeneral(t, joiner) == nil {
		t.Fatal("users.create did not join general")
	}
	before = usersCount()
	loner := srv.CreateUser(t, "loner", map[string]any{"joinDefaultChannels": false})
	if sub := gpGeneral(t, loner); sub != nil {
		t.Fatalf("loner joined general: %v", sub)
	}
	if got := usersCount(); got != before {
		t.Fatalf("usersCount changed to %v for a user who did not join", got)
	}

	// A refused registration joins nobody.
	before = usersCount()
	srv.Anon(t).Post("/api/v1/users.register", map[string]any{"username": "reggie", "email": "other@example.org", "pass": "x-pass-1", "name": "R"}).Fail(t, 400, "error-field-unavailable")
	if got := usersCount(); got != before {
		t.Fatalf("usersCount changed to %v after a refused registration", got)
	}
}

func TestFirstRegisteredUserJoinsGeneral(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{NoAdmin: true})
	srv.Anon(t).Post("/api/v1/users.register", map[string]any{"username": "founder", "email": "founder@example.org", "pass": "founder-pass", "name": "Founder"}).OK(t)
	founder := srv.Login(t, "founder", "founder-pass")
	if gpGeneral(t, founder) == nil {
		t.Fatal("the first registered user is not in general")
	}
	if n := founder.Get("/api/v1/channels.info", "roomId", "GENERAL").OK(t).Num("channel.usersCount"); n != 1 {
		t.Fatalf("usersCount %v, want 1", n)
	}
}

func TestGetUserRoles(t *testing.T) {
	srv := rtServer(t)
	admin := srv.Admin(t)
	srv.CreateUser(t, "plain")
	admin.Post("/api/v1/users.create", map[string]any{"username": "agent", "email": "agent@example.org", "password": "agent-pass", "name": "Agent",
		"roles": []string{"user", "livechat-agent"}}).OK(t)
	admin.Post("/api/v1/users.create", map[string]any{"username": "boss", "email": "boss@example.org", "password": "boss-pass", "name": "Boss",
		"roles": []string{"admin", "bot"}}).OK(t)

	_, c := rtUser(t, srv, "viewer")
	var got []struct {
		ID       string   `json:"_id"`
		Username string   `json:"username"`
		Roles    []string `json:"roles"`
	}
	c.call(&got, "getUserRoles")
	want := map[string][]string{"admin": {"admin"}, "agent": {"livechat-agent"}, "boss": {"admin"}}
	if len(got) != len(want) {
		t.Fatalf("getUserRoles = %+v", got)
	}
	for i, h := range got {
		if i > 0 && got[i-1].Username >= h.Username {
			t.Fatalf("not sorted by username: %+v", got)
		}
		w, ok := want[h.Username]
		if !ok || h.ID == "" || len(h.Roles) != len(w) || h.Roles[0] != w[0] {
			t.Fatalf("entry %+v (want roles %v)", h, w)
		}
	}

	// Taking the role away takes the user off the list.
	admin.Post("/api/v1/roles.removeUserFromRole", map[string]any{"roleId": "livechat-agent", "username": "agent"}).OK(t)
	c.call(&got, "getUserRoles")
	for _, h := range got {
		if h.Username == "agent" {
			t.Fatalf("agent still listed: %+v", got)
		}
	}
	// Anonymous connections are refused.
	anon := ddpDial(t, srv)
	anon.callFail("", "getUserRoles")
}

func TestGetThreadMessagesReadsThread(t *testing.T) {
	srv := rtServer(t)
	aliceREST, alice := rtUser(t, srv, "alice")
	bobREST, bob := rtUser(t, srv, "bob")
	_, carol := rtUser(t, srv, "carol")
	rid := aliceREST.Post("/api/v1/groups.create", map[string]any{"name": "thread-read", "members": []string{"bob"}}).OK(t).Str("group._id")
	tmid := aliceREST.Post("/api/v1/chat.postMessage", map[string]any{"roomId": rid, "text": "a thread"}).OK(t).Str("message._id")
	other := aliceREST.Post("/api/v1/chat.postMessage", map[string]any{"roomId": rid, "text": "another thread"}).OK(t).Str("message._id")
	for _, parent := range []string{tmid, other} {
		bobREST.Post("/api/v1/chat.sendMessage", map[string]any{"message": map[string]any{"rid": rid, "msg": "a reply", "tmid": parent}}).OK(t)
	}
	tunread := func() []string {
		sub, _ := aliceREST.Get("/api/v1/subscriptions.getOne", "roomId", rid).OK(t).Get("subscription").(map[string]any)
		var out []string
		l, _ := sub["tunread"].([]any)
		for _, v := range l {
			out = append(out, v.(string))
		}
		return out
	}
	if got := tunread(); len(got) != 2 {
		t.Fatalf("before reading, tunread = %v", got)
	}

	alice.sub("stream-notify-user", alice.userID+"/subscriptions-changed", false)
	var msgs []map[string]any
	alice.call(&msgs, "getThreadMessages", map[string]any{"tmid": tmid})
	if len(msgs) != 2 || msgs[0]["_id"] != tmid || msgs[1]["tmid"] != tmid {
		t.Fatalf("getThreadMessages = %v", msgs)
	}
	// The thread is read: it leaves tunread (the other thread stays), and
	// the change reaches the user's connections.
	alice.event("stream-notify-user", alice.userID+"/subscriptions-changed", func(args []any) bool {
		sub, _ := args[1].(map[string]any)
		if args[0] != "updated" || sub["rid"] != rid {
			return false
		}
		b, _ := json.Marshal(sub["tunread"])
		return string(b) == `["`+other+`"]`
	})
	if got := tunread(); len(got) != 1 || got[0] != other {
		t.Fatalf("after reading, tunread = %v", got)
	}

	// Reading an already read thread, or as a member without unread
	// threads, changes nothing and succeeds.
	alice.call(&msgs, "getThreadMessages", map[string]any{"tmid": tmid})
	bob.call(&msgs, "getThreadMessages", map[string]any{"tmid": other})
	if got := tunread(); len(got) != 1 || got[0] != other {
		t.Fatalf("tunread changed by other reads: %v", got)
	}
	// Someone who may not read the room is refused.
	carol.callFail("error-not-allowed", "getThreadMessages", map[string]any{"tmid": tmid})
	alice.callFail("error-invalid-params", "getThreadMessages", map[string]any{})

	// The last unread thread read clears the alert too.
	alice.call(&msgs, "getThreadMessages", map[string]any{"tmid": other})
	sub, _ := aliceREST.Get("/api/v1/subscriptions.getOne", "roomId", rid).OK(t).Get("subscription").(map[string]any)
	if l, _ := sub["tunread"].([]any); len(l) != 0 || sub["alert"] != false {
		t.Fatalf("after reading both threads: %v", sub)
	}
}
