package e2e

import (
	"testing"

	"liftoff/internal/testserver"
)

// End-to-end tests of the default channel #general: new users join it
// whichever way they are created, the first registered user included.

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
	srv.Anon(t).Post("/api/v1/users.register", map[string]any{"username": "reggie", "email": "other@example.org", "pass": "x-pass-1", "name": "R"}).Fail(t, 400, "Username is already in use")
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
