package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"liftoff/internal/testserver"
)

// End-to-end tests of invitation links (package invites): creating and
// reusing a link, its URL, limits on days and uses, expiry, joining with
// the token, validation, listing and removal, over REST and DDP.

func TestInvites(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{Env: []string{"OVERWRITE_SETTING_Site_Url=https://chat.example.org"}})
	admin := srv.Admin(t)
	alice := srv.CreateUser(t, "alice")
	bob := srv.CreateUser(t, "bob")
	dave := srv.CreateUser(t, "dave")
	rid := chatRoom(t, alice, "groups", "crew")

	// The owner of the room holds create-invite-links there.
	r := alice.Post("/api/v1/findOrCreateInvite", map[string]any{"rid": rid, "days": 1, "maxUses": 1}).OK(t)
	id, token := r.Str("_id"), r.Str("inviteToken")
	if len(id) != 16 || len(token) != 36 || r.Str("rid") != rid || r.Str("userId") != alice.UserID || r.Num("days") != 1 ||
		r.Num("maxUses") != 1 || r.Num("uses") != 0 || r.Str("expires") == "" || r.Str("createdAt") == "" {
		t.Fatalf("findOrCreateInvite: %s", r.Body)
	}
	if want := "https://go.rocket.chat/invite?host=chat.example.org&path=invite%2F" + token; r.Str("url") != want {
		t.Fatalf("url %q, want %q", r.Str("url"), want)
	}
	// The same settings give the same invite back.
	if again := alice.Post("/api/v1/findOrCreateInvite", map[string]any{"rid": rid, "days": 1, "maxUses": 1}).OK(t); again.Str("_id") != id {
		t.Fatalf("not reused: %s", again.Body)
	}

	t.Run("refusals", func(t *testing.T) {
		bob.Post("/api/v1/findOrCreateInvite", map[string]any{"rid": rid, "days": 1, "maxUses": 0}).Fail(t, 400, "not_authorized")
		r := alice.Post("/api/v1/findOrCreateInvite", map[string]any{"rid": rid, "days": 2, "maxUses": 0}).Fail(t, 400, "invalid-number-of-days")
		if r.Str("error") != "Invite should expire in 1, 7, 15 or 30 days, or send 0 to never expire. [invalid-number-of-days]" {
			t.Fatalf("%s", r.Body)
		}
		alice.Post("/api/v1/findOrCreateInvite", map[string]any{"rid": rid, "days": 1, "maxUses": 3}).Fail(t, 400, "invalid-number-of-uses")
		alice.Post("/api/v1/findOrCreateInvite", map[string]any{"days": 1, "maxUses": 3}).Fail(t, 400, "invalid-params")
		// An administrator holds the permission but is not in the room.
		admin.Post("/api/v1/findOrCreateInvite", map[string]any{"rid": rid, "days": 1, "maxUses": 0}).Fail(t, 400, "error-invalid-room")
		dm := alice.Post("/api/v1/im.create", map[string]any{"username": "bob"}).OK(t).Str("room._id")
		alice.Post("/api/v1/findOrCreateInvite", map[string]any{"rid": dm, "days": 1, "maxUses": 0}).Fail(t, 400, "not_authorized")
		admin.Post("/api/v1/im.create", map[string]any{"username": "bob"}).OK(t)
		adminDM := admin.Post("/api/v1/im.create", map[string]any{"username": "bob"}).OK(t).Str("room._id")
		admin.Post("/api/v1/findOrCreateInvite", map[string]any{"rid": adminDM, "days": 1, "maxUses": 0}).Fail(t, 400, "error-room-type-not-allowed")
		// Listing and removing need the permission globally.
		alice.Get("/api/v1/listInvites").Fail(t, 400, "not_authorized")
		req, _ := http.NewRequest(http.MethodDelete, srv.URL+"/api/v1/removeInvite/"+id, nil)
		alice.Do(req).Fail(t, 400, "not_authorized")
		srv.Anon(t).Post("/api/v1/useInviteToken", map[string]any{"token": token}).Fail(t, 401, "")
	})

	t.Run("validate and use", func(t *testing.T) {
		anon := srv.Anon(t)
		if r := anon.Post("/api/v1/validateInviteToken", map[string]any{"token": token}).OK(t); r.Get("valid") != true {
			t.Fatalf("validate: %s", r.Body)
		}
		if r := anon.Post("/api/v1/validateInviteToken", map[string]any{"token": "nope"}).OK(t); r.Get("valid") != false {
			t.Fatalf("validate unknown: %s", r.Body)
		}
		r := bob.Post("/api/v1/useInviteToken", map[string]any{"token": token}).OK(t)
		if r.Str("room.rid") != rid || r.Str("room.t") != "p" || r.Str("room.name") != "crew" {
			t.Fatalf("useInviteToken: %s", r.Body)
		}
		if !subscribed(t, bob, rid) {
			t.Fatal("bob did not join")
		}
		msgs := bob.Get("/api/v1/groups.messages", "roomId", rid).OK(t).List("messages")
		if len(msgs) == 0 || msgs[0].(map[string]any)["t"] != "uj" {
			t.Fatalf("no join message: %v", msgs)
		}
		// One use: the invite is used up, for its user too (as Rocket.Chat,
		// which validates before looking at the membership).
		bob.Post("/api/v1/useInviteToken", map[string]any{"token": token}).Fail(t, 400, "error-invite-expired")
		r = dave.Post("/api/v1/useInviteToken", map[string]any{"token": token}).Fail(t, 400, "error-invite-expired")
		if r.Str("error") != "The invite token has expired. [error-invite-expired]" {
			t.Fatalf("%s", r.Body)
		}
		if subscribed(t, dave, rid) {
			t.Fatal("dave joined through a used-up invite")
		}
		if r := anon.Post("/api/v1/validateInviteToken", map[string]any{"token": token}).OK(t); r.Get("valid") != false {
			t.Fatalf("validate a used-up invite: %s", r.Body)
		}
		dave.Post("/api/v1/useInviteToken", map[string]any{"token": "nope"}).Fail(t, 400, "error-invalid-token")
		// A used-up invite is not reused: a new one comes.
		if again := alice.Post("/api/v1/findOrCreateInvite", map[string]any{"rid": rid, "days": 1, "maxUses": 1}).OK(t); again.Str("_id") == id {
			t.Fatalf("a used-up invite was handed out again: %s", again.Body)
		}
	})

	t.Run("expiry", func(t *testing.T) {
		r := alice.Post("/api/v1/findOrCreateInvite", map[string]any{"rid": rid, "days": 7, "maxUses": 0}).OK(t)
		week := r.Str("inviteToken")
		never := alice.Post("/api/v1/findOrCreateInvite", map[string]any{"rid": rid, "days": 0, "maxUses": 0}).OK(t)
		if never.Get("expires") != nil {
			t.Fatalf("days 0 expires: %s", never.Body)
		}
		srv.Advance(t, 7*24*time.Hour+time.Second)
		dave.Post("/api/v1/useInviteToken", map[string]any{"token": week}).Fail(t, 400, "error-invite-expired")
		dave.Post("/api/v1/useInviteToken", map[string]any{"token": never.Str("inviteToken")}).OK(t)
		if !subscribed(t, dave, rid) {
			t.Fatal("dave did not join through the invite that never expires")
		}
		// A member using a valid invite again succeeds and counts no use.
		dave.Post("/api/v1/useInviteToken", map[string]any{"token": never.Str("inviteToken")}).OK(t)
	})

	t.Run("list and remove", func(t *testing.T) {
		r := admin.Get("/api/v1/listInvites")
		var list []map[string]any
		if err := json.Unmarshal(r.Body, &list); r.Status != 200 || err != nil || len(list) != 4 {
			t.Fatalf("listInvites (a bare array of 4): %s", r.Body)
		}
		if list[0]["_id"] != id || list[0]["uses"] != float64(1) || list[3]["days"] != float64(0) || list[3]["uses"] != float64(1) {
			t.Fatalf("uses: %s", r.Body)
		}
		req, _ := http.NewRequest(http.MethodDelete, srv.URL+"/api/v1/removeInvite/"+id, nil)
		if r := admin.Do(req); r.Status != 200 || strings.TrimSpace(string(r.Body)) != "true" {
			t.Fatalf("removeInvite: %d %s", r.Status, r.Body)
		}
		req, _ = http.NewRequest(http.MethodDelete, srv.URL+"/api/v1/removeInvite/"+id, nil)
		admin.Do(req).Fail(t, 400, "invalid-invitation-id")
		if r := srv.Anon(t).Post("/api/v1/validateInviteToken", map[string]any{"token": token}).OK(t); r.Get("valid") != false {
			t.Fatalf("a removed invite validates: %s", r.Body)
		}
	})

	t.Run("DDP", func(t *testing.T) {
		res := callAs(t, alice, "findOrCreateInvite", map[string]any{"rid": rid, "days": 30, "maxUses": 100})
		inv, _ := res["result"].(map[string]any)
		if inv == nil || inv["rid"] != rid || inv["maxUses"] != float64(100) {
			t.Fatalf("findOrCreateInvite: %v", res)
		}
		eve := srv.CreateUser(t, "eve")
		res = callAs(t, eve, "useInviteToken", inv["inviteToken"])
		if room, _ := res["result"].(map[string]any)["room"].(map[string]any); room == nil || room["rid"] != rid {
			t.Fatalf("useInviteToken: %v", res)
		}
		if res := callAs(t, alice, "listInvites"); res["error"] == nil {
			t.Fatalf("listInvites without the global permission: %v", res)
		}
		if res := callAs(t, admin, "removeInvite", map[string]any{"_id": inv["_id"]}); res["result"] != true {
			t.Fatalf("removeInvite: %v", res)
		}
	})
}

func TestInviteDirectURL(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{Env: []string{"OVERWRITE_SETTING_Site_Url=https://chat.example.org/",
		"OVERWRITE_SETTING_Accounts_Registration_InviteUrlType=direct"}})
	alice := srv.CreateUser(t, "alice")
	rid := chatRoom(t, alice, "channels", "open")
	r := alice.Post("/api/v1/findOrCreateInvite", map[string]any{"rid": rid, "days": 0, "maxUses": 0}).OK(t)
	if r.Str("url") != "https://chat.example.org/invite/"+r.Str("inviteToken") {
		t.Fatalf("direct url: %s", r.Body)
	}
}

// Creating an invite tells its creator on stream-notify-user
// "<uid>/updateInvites" (Rocket.Chat's notify.updateInvites), with the new
// invite; nobody else may listen there.
func TestInviteUpdateEvent(t *testing.T) {
	srv := testserver.Start(t)
	alice, rt := rtUser(t, srv, "alice")
	_, bobRT := rtUser(t, srv, "bob")
	rid := chatRoom(t, alice, "channels", "invite-events")
	rt.sub("stream-notify-user", rt.userID+"/updateInvites", false)
	bobRT.subRefused("stream-notify-user", rt.userID+"/updateInvites", false)

	r := alice.Post("/api/v1/findOrCreateInvite", map[string]any{"rid": rid, "days": 7, "maxUses": 5}).OK(t)
	args := rt.event("stream-notify-user", rt.userID+"/updateInvites", nil)
	inv, _ := args[0].(map[string]any)["invite"].(map[string]any)
	if inv == nil || inv["_id"] != r.Str("_id") || inv["inviteToken"] != r.Str("inviteToken") || inv["rid"] != rid ||
		inv["userId"] != alice.UserID || inv["days"] != float64(7) || inv["maxUses"] != float64(5) || inv["uses"] != float64(0) {
		t.Fatalf("updateInvites: %v", args)
	}
	ejsonDate(t, inv["createdAt"])
	ejsonDate(t, inv["expires"])
	// A second invite gets its own event; the first (reused) made none, so
	// the next event on the stream is the second's.
	alice.Post("/api/v1/findOrCreateInvite", map[string]any{"rid": rid, "days": 7, "maxUses": 5}).OK(t)
	second := alice.Post("/api/v1/findOrCreateInvite", map[string]any{"rid": rid, "days": 1, "maxUses": 5}).OK(t)
	args = rt.event("stream-notify-user", rt.userID+"/updateInvites", nil)
	if got := args[0].(map[string]any)["invite"].(map[string]any)["_id"]; got != second.Str("_id") {
		t.Fatalf("next event is for %v, want the second invite %s", got, second.Str("_id"))
	}
}

// With Accounts_RegistrationForm "Secret URL", a usable invitation token
// stands for the secret (Rocket.Chat's registerUser): whoever opens the
// link registers, logs in and joins the room with useInviteToken, as
// Rocket.Chat's web client does from /invite/<token>.
func TestInviteRegistration(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{Env: []string{"OVERWRITE_SETTING_Accounts_RegistrationForm=Secret URL"}})
	alice := srv.CreateUser(t, "alice")
	rid := chatRoom(t, alice, "groups", "invite-only")
	token := alice.Post("/api/v1/findOrCreateInvite", map[string]any{"rid": rid, "days": 1, "maxUses": 1}).OK(t).Str("inviteToken")
	anon := srv.Anon(t)

	// Without a secret, or with a wrong one, registration is refused and
	// nothing is created.
	for _, secret := range []any{nil, "", "not-a-token"} {
		body := map[string]any{"username": "newbie", "email": "newbie@example.org", "pass": "newbie-pass-1", "name": "New Bie"}
		if secret != nil {
			body["secret"] = secret
		}
		r := anon.Post("/api/v1/users.register", body).Fail(t, 400, "error-user-registration-secret")
		if r.Str("error") != "User registration is only allowed via Secret URL [error-user-registration-secret]" {
			t.Fatalf("%s", r.Body)
		}
	}
	srv.Admin(t).Get("/api/v1/users.info", "username", "newbie").Fail(t, 400, "")

	r := anon.Post("/api/v1/users.register", map[string]any{"username": "newbie", "email": "newbie@example.org", "pass": "newbie-pass-1",
		"name": "New Bie", "secret": token}).OK(t)
	if r.Str("user.username") != "newbie" {
		t.Fatalf("register: %s", r.Body)
	}
	newbie := srv.Login(t, "newbie", "newbie-pass-1")
	if room := newbie.Post("/api/v1/useInviteToken", map[string]any{"token": token}).OK(t); room.Str("room.rid") != rid {
		t.Fatalf("useInviteToken: %s", room.Body)
	}
	if !subscribed(t, newbie, rid) {
		t.Fatal("newbie did not join")
	}

	// The invite is used up: it no longer opens registration, over REST
	// or DDP (registerUser's secretURL).
	anon.Post("/api/v1/users.register", map[string]any{"username": "late", "email": "late@example.org", "pass": "late-pass-123",
		"name": "Late", "secret": token}).Fail(t, 400, "error-user-registration-secret")
	c := ddpDial(t, srv)
	c.callFail("error-user-registration-secret", "registerUser", map[string]any{"email": "late@example.org", "pass": "late-pass-123", "name": "Late", "secretURL": token})

	// A fresh invite opens registration over DDP too.
	token2 := alice.Post("/api/v1/findOrCreateInvite", map[string]any{"rid": rid, "days": 0, "maxUses": 0}).OK(t).Str("inviteToken")
	var id string
	c.call(&id, "registerUser", map[string]any{"email": "ddp.newbie@example.org", "pass": "ddp-pass-123", "name": "Ddp Newbie", "secretURL": token2})
	if id == "" {
		t.Fatal("registerUser returned no id")
	}
	// An expired invite does not.
	expiring := alice.Post("/api/v1/findOrCreateInvite", map[string]any{"rid": rid, "days": 1, "maxUses": 0}).OK(t).Str("inviteToken")
	srv.Advance(t, 24*time.Hour+time.Second)
	anon.Post("/api/v1/users.register", map[string]any{"username": "expired", "email": "expired@example.org", "pass": "expired-pass-1",
		"name": "Expired", "secret": expiring}).Fail(t, 400, "error-user-registration-secret")
}
