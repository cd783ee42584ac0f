package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
	"time"

	"liftoff/internal/testserver"
	"liftoff/rcclient"
)

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// setSetting changes a setting as the administrator.
func setSetting(t *testing.T, admin *testserver.Client, id string, value any) {
	t.Helper()
	admin.Post("/api/v1/settings/"+id, map[string]any{"value": value}).OK(t)
}

func hasString(list []any, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func TestUsersCreate(t *testing.T) {
	srv := testserver.Start(t)
	admin := srv.Admin(t)

	r := admin.Post("/api/v1/users.create", map[string]any{
		"username": "alice", "email": "Alice@Example.org", "password": "alice-pass", "name": "Alice A",
		"customFields": map[string]any{"team": "blue"},
	}).OK(t)
	if r.Str("user.username") != "alice" || r.Str("user.emails.0.address") != "Alice@Example.org" ||
		!hasString(r.List("user.roles"), "user") || r.Get("user.active") != true {
		t.Fatalf("bad user: %s", r.Body)
	}
	alice := srv.Login(t, "alice", "alice-pass")
	// joinDefaultChannels defaults to true: alice is in general.
	info := alice.Get("/api/v1/users.info", "userId", alice.UserID, "includeUserRooms", "true").OK(t)
	found := false
	for _, room := range info.List("user.rooms") {
		if room.(map[string]any)["rid"] == "GENERAL" {
			found = true
		}
	}
	if !found {
		t.Fatalf("alice not in general: %s", info.Body)
	}
	// Inactive on creation, and not joining the default channels.
	r = admin.Post("/api/v1/users.create", map[string]any{"username": "sleepy", "email": "sleepy@example.org",
		"password": "sleepy-pass", "name": "Sleepy", "active": false, "joinDefaultChannels": false}).OK(t)
	if r.Get("user.active") != false {
		t.Fatalf("active: %s", r.Body)
	}
	srv.Anon(t).Post("/api/v1/login", map[string]any{"user": "sleepy", "password": "sleepy-pass"}).Fail(t, 401, "")

	for name, c := range map[string]struct {
		body   map[string]any
		status int
		typ    string
	}{
		"duplicate username": {map[string]any{"username": "ALICE", "email": "x1@example.org", "password": "p", "name": "X"}, 400, "error-field-unavailable"},
		"duplicate email":    {map[string]any{"username": "x2", "email": "alice@example.org", "password": "p", "name": "X"}, 400, "error-field-unavailable"},
		"invalid email":      {map[string]any{"username": "x3", "email": "not-an-email", "password": "p", "name": "X"}, 400, "error-invalid-email"},
		"invalid username":   {map[string]any{"username": "bad name!", "email": "x4@example.org", "password": "p", "name": "X"}, 400, "error-input-is-not-a-valid-field"},
		"blocked username":   {map[string]any{"username": "administrator", "email": "x5@example.org", "password": "p", "name": "X"}, 400, "error-blocked-username"},
		"missing password":   {map[string]any{"username": "x6", "email": "x6@example.org", "name": "X"}, 400, "error-invalid-params"},
		"unknown role":       {map[string]any{"username": "x7", "email": "x7@example.org", "password": "p", "name": "X", "roles": []string{"nope"}}, 403, "error-action-not-allowed"},
		"mistyped roles":     {map[string]any{"username": "x8", "email": "x8@example.org", "password": "p", "name": "X", "roles": "admin"}, 400, "error-invalid-params"},
	} {
		t.Run(name, func(t *testing.T) {
			admin.Post("/api/v1/users.create", c.body).Fail(t, c.status, c.typ)
		})
	}
	// A regular user may not create accounts; nothing is created.
	alice.Post("/api/v1/users.create", map[string]any{"username": "mallory", "email": "m@example.org", "password": "p", "name": "M"}).
		Fail(t, 403, "error-action-not-allowed")
	admin.Get("/api/v1/users.info", "username", "mallory").Fail(t, 400, "User not found.")
	admin.Get("/api/v1/users.info", "username", "x7").Fail(t, 400, "User not found.")
	srv.Anon(t).Post("/api/v1/users.create", map[string]any{"username": "anon"}).Fail(t, 401, "")
}

func TestUsersInfoListAutocomplete(t *testing.T) {
	srv := testserver.Start(t)
	admin := srv.Admin(t)
	bob := srv.CreateUser(t, "bob")
	carol := srv.CreateUser(t, "carol")

	// Others see the public fields only; the user and administrators see e-mails and roles.
	r := bob.Get("/api/v1/users.info", "username", "carol").OK(t)
	if r.Str("user._id") != carol.UserID || r.Str("user.username") != "carol" || r.Get("user.emails") != nil {
		t.Fatalf("bob sees: %s", r.Body)
	}
	r = admin.Get("/api/v1/users.info", "userId", carol.UserID).OK(t)
	if r.Str("user.emails.0.address") != "carol@example.org" || !hasString(r.List("user.roles"), "user") {
		t.Fatalf("admin sees: %s", r.Body)
	}
	r = carol.Get("/api/v1/users.info", "username", "carol").OK(t)
	if r.Str("user.emails.0.address") != "carol@example.org" {
		t.Fatalf("self sees: %s", r.Body)
	}
	// Another user's rooms need view-other-user-channels.
	r = bob.Get("/api/v1/users.info", "username", "carol", "includeUserRooms", "true").OK(t)
	if r.Get("user.rooms") != nil {
		t.Fatalf("bob sees carol's rooms: %s", r.Body)
	}
	if len(admin.Get("/api/v1/users.info", "username", "carol", "includeUserRooms", "true").OK(t).List("user.rooms")) == 0 {
		t.Fatal("admin does not see carol's rooms")
	}
	bob.Get("/api/v1/users.info", "username", "nobody").Fail(t, 400, "User not found.")
	bob.Get("/api/v1/users.info", "username", "").Fail(t, 400, "Invalid search query.")

	// users.list: paged, sorted by username, e-mails only for administrators.
	r = bob.Get("/api/v1/users.list", "count", "2").OK(t)
	if r.Num("total") != 4 /* admin, bob, carol, rocket.cat */ || r.Num("count") != 2 || len(r.List("users")) != 2 || r.Str("users.0.username") != "admin" {
		t.Fatalf("list: %s", r.Body)
	}
	if r.Get("users.0.emails") != nil {
		t.Fatalf("bob sees e-mails: %s", r.Body)
	}
	r = admin.Get("/api/v1/users.list", "offset", "1", "sort", `{"username":-1}`).OK(t)
	if r.Num("offset") != 1 || r.Str("users.0.username") != "carol" /* after rocket.cat */ || r.Get("users.0.emails") == nil {
		t.Fatalf("admin list: %s", r.Body)
	}
	r = bob.Get("/api/v1/users.list", "query", `{"$or":[{"username":{"$regex":"car","$options":"i"}},{"name":{"$regex":"car","$options":"i"}}]}`).OK(t)
	if r.Num("total") != 1 || r.Str("users.0.username") != "carol" {
		t.Fatalf("query: %s", r.Body)
	}
	r = bob.Get("/api/v1/users.list", "fields", `{"username":1}`, "count", "1").OK(t)
	if u := r.Get("users.0").(map[string]any); len(u) != 2 || u["username"] != "admin" {
		t.Fatalf("fields: %s", r.Body)
	}
	bob.Get("/api/v1/users.list", "query", `{"services.password":{"$exists":true}}`).Fail(t, 400, "error-invalid-query")
	bob.Get("/api/v1/users.list", "query", `{"emails.address":{"$regex":"carol"}}`).Fail(t, 400, "error-invalid-query")
	bob.Get("/api/v1/users.list", "sort", `{"password":1}`).Fail(t, 400, "error-invalid-sort")
	bob.Get("/api/v1/users.list", "count", "x").Fail(t, 400, "error-invalid-params")

	// users.autocomplete
	r = bob.Get("/api/v1/users.autocomplete", "selector", `{"term":"car"}`).OK(t) // "ca" also finds rocket.cat
	if len(r.List("items")) != 1 || r.Str("items.0.username") != "carol" || r.Str("items.0._id") != carol.UserID {
		t.Fatalf("autocomplete: %s", r.Body)
	}
	r = bob.Get("/api/v1/users.autocomplete", "selector", `{"term":"","exceptions":["admin","bob","rocket.cat"]}`).OK(t)
	if len(r.List("items")) != 1 || r.Str("items.0.username") != "carol" {
		t.Fatalf("autocomplete exceptions: %s", r.Body)
	}
	bob.Get("/api/v1/users.autocomplete").Fail(t, 400, "The 'selector' param is required")
	bob.Get("/api/v1/users.autocomplete", "selector", `{"term":`).Fail(t, 400, "error-invalid-params")
}

// TestUsersInfoByEmail checks Rocket.Chat 8's users.info?email=: only a
// caller who may see others' addresses (view-full-other-user-info), or whose
// own address it is, finds the user; the parameters are checked as
// Rocket.Chat's UsersInfoParamsGet schema checks them.
func TestUsersInfoByEmail(t *testing.T) {
	srv := testserver.Start(t)
	admin := srv.Admin(t)
	bob := srv.CreateUser(t, "bob")
	carol := srv.CreateUser(t, "carol")

	// An administrator finds carol by her address, in any case, with e-mails and roles.
	r := admin.Get("/api/v1/users.info", "email", " Carol@Example.ORG ").OK(t)
	if r.Str("user._id") != carol.UserID || r.Str("user.emails.0.address") != "carol@example.org" || !hasString(r.List("user.roles"), "user") {
		t.Fatalf("admin by e-mail: %s", r.Body)
	}
	// carol finds herself by her own address (the self view).
	if r := carol.Get("/api/v1/users.info", "email", "CAROL@example.org").OK(t); r.Str("user._id") != carol.UserID || r.Str("user.emails.0.address") == "" {
		t.Fatalf("self by e-mail: %s", r.Body)
	}
	// bob may not search others by address: existing or not, the answer is the same.
	bob.Get("/api/v1/users.info", "email", "carol@example.org").Fail(t, 400, "User not found.")
	bob.Get("/api/v1/users.info", "email", "nobody@example.org").Fail(t, 400, "User not found.")
	admin.Get("/api/v1/users.info", "email", "nobody@example.org").Fail(t, 400, "User not found.")
	// Nobody in Liftoff carries an import id or a FreeSWITCH extension.
	admin.Get("/api/v1/users.info", "importId", "x1").Fail(t, 400, "User not found.")
	admin.Get("/api/v1/users.info", "freeSwitchExtension", "100").Fail(t, 400, "User not found.")
	admin.Get("/api/v1/users.info", "email", "").Fail(t, 400, "Invalid search query.")
	// includeUserRooms works with e-mail too.
	if len(admin.Get("/api/v1/users.info", "email", "carol@example.org", "includeUserRooms", "true").OK(t).List("user.rooms")) == 0 {
		t.Fatal("admin does not see carol's rooms by e-mail")
	}

	// Rocket.Chat's schema: exactly one way to name the user, nothing else beside it.
	missing := "must have required property 'userId'\n must have required property 'username'\n must have required property 'importId'\n must have required property 'email'\n must have required property 'freeSwitchExtension'\n must match a schema in anyOf [invalid-params]"
	if got := bob.Get("/api/v1/users.info").Fail(t, 400, "invalid-params").Str("error"); got != missing {
		t.Fatalf("no parameter: %q", got)
	}
	if got := bob.Get("/api/v1/users.info", "user", "carol").Fail(t, 400, "invalid-params").Str("error"); got != missing {
		t.Fatalf("unknown parameter: %q", got)
	}
	both := "must NOT have additional properties\n must have required property 'username'\n must have required property 'importId'\n must NOT have additional properties\n must have required property 'freeSwitchExtension'\n must match a schema in anyOf [invalid-params]"
	if got := admin.Get("/api/v1/users.info", "userId", carol.UserID, "email", "carol@example.org").Fail(t, 400, "invalid-params").Str("error"); got != both {
		t.Fatalf("two parameters: %q", got)
	}
}

func TestUsersUpdate(t *testing.T) {
	srv := testserver.Start(t)
	admin := srv.Admin(t)
	bob := srv.CreateUser(t, "bob")
	carol := srv.CreateUser(t, "carol")

	// Renaming a user renames them in their memberships too.
	r := admin.Post("/api/v1/users.update", map[string]any{"userId": bob.UserID, "data": map[string]any{
		"username": "robert", "name": "Robert", "roles": []string{"user", "bot"}, "customFields": map[string]any{"x": 1},
	}}).OK(t)
	if r.Str("user.username") != "robert" || r.Str("user.name") != "Robert" || !hasString(r.List("user.roles"), "bot") {
		t.Fatalf("update: %s", r.Body)
	}
	sub := bob.Get("/api/v1/subscriptions.getOne", "roomId", "GENERAL").OK(t)
	if sub.Str("subscription.u.username") != "robert" {
		t.Fatalf("subscription not renamed: %s", sub.Body)
	}
	srv.Login(t, "robert", "bob-pass")
	srv.Anon(t).Post("/api/v1/login", map[string]any{"user": "bob", "password": "bob-pass"}).Fail(t, 401, "")
	admin.Get("/api/v1/users.info", "username", "bob").Fail(t, 400, "User not found.")

	// An administrator's new password ends the user's sessions.
	admin.Post("/api/v1/users.update", map[string]any{"userId": carol.UserID, "data": map[string]any{"password": "new-carol-pass"}}).OK(t)
	carol.Get("/api/v1/me").Fail(t, 401, "")
	srv.Login(t, "carol", "new-carol-pass")

	// Failures change nothing.
	admin.Post("/api/v1/users.update", map[string]any{"userId": carol.UserID, "data": map[string]any{"username": "robert"}}).
		Fail(t, 400, "error-could-not-save-identity")
	admin.Post("/api/v1/users.update", map[string]any{"userId": carol.UserID, "data": map[string]any{"email": "BOB@example.org"}}).
		Fail(t, 400, "error-field-unavailable")
	admin.Post("/api/v1/users.update", map[string]any{"userId": "nope", "data": map[string]any{"name": "X"}}).Fail(t, 400, "error-invalid-user")
	admin.Post("/api/v1/users.update", map[string]any{"userId": carol.UserID}).Fail(t, 400, "error-invalid-params")
	admin.Post("/api/v1/users.update", map[string]any{"userId": carol.UserID, "data": map[string]any{"roles": []string{"nope"}}}).
		Fail(t, 403, "error-action-not-allowed")
	robert := srv.Login(t, "robert", "bob-pass")
	robert.Post("/api/v1/users.update", map[string]any{"userId": carol.UserID, "data": map[string]any{"name": "Hacked"}}).
		Fail(t, 403, "error-action-not-allowed")
	// Self-promotion is refused.
	robert.Post("/api/v1/users.update", map[string]any{"userId": robert.UserID, "data": map[string]any{"roles": []string{"user", "admin"}}}).
		Fail(t, 403, "error-action-not-allowed")
	r = admin.Get("/api/v1/users.info", "userId", carol.UserID).OK(t)
	if r.Str("user.username") != "carol" || r.Str("user.name") != "Carol" || r.Str("user.emails.0.address") != "carol@example.org" {
		t.Fatalf("refused updates changed carol: %s", r.Body)
	}
	if hasString(admin.Get("/api/v1/users.info", "userId", robert.UserID).OK(t).List("user.roles"), "admin") {
		t.Fatal("robert promoted himself")
	}
}

func TestUsersUpdateOwnBasicInfo(t *testing.T) {
	srv := testserver.Start(t)
	admin := srv.Admin(t)
	dora := srv.CreateUser(t, "dora")
	other := srv.Login(t, "dora", "dora-pass") // a second session

	r := dora.Post("/api/v1/users.updateOwnBasicInfo", map[string]any{"data": map[string]any{"name": "Dora D", "bio": "explorer"}}).OK(t)
	if r.Str("user.name") != "Dora D" || r.Str("user.bio") != "explorer" {
		t.Fatalf("update own: %s", r.Body)
	}
	// E-mail and password changes need the current password.
	dora.Post("/api/v1/users.updateOwnBasicInfo", map[string]any{"data": map[string]any{"email": "dora2@example.org"}}).Fail(t, 400, "totp-required")
	dora.Post("/api/v1/users.updateOwnBasicInfo", map[string]any{"data": map[string]any{"email": "dora2@example.org", "currentPassword": sha256Hex("wrong")}}).
		Fail(t, 400, "totp-invalid")
	if admin.Get("/api/v1/users.info", "userId", dora.UserID).OK(t).Str("user.emails.0.address") != "dora@example.org" {
		t.Fatal("refused e-mail change happened")
	}
	dora.Post("/api/v1/users.updateOwnBasicInfo", map[string]any{"data": map[string]any{"email": "dora2@example.org", "currentPassword": sha256Hex("dora-pass")}}).OK(t)
	if admin.Get("/api/v1/users.info", "userId", dora.UserID).OK(t).Str("user.emails.0.address") != "dora2@example.org" {
		t.Fatal("e-mail not changed")
	}
	dora.Post("/api/v1/users.updateOwnBasicInfo", map[string]any{"data": map[string]any{"newPassword": "dora-pass", "currentPassword": sha256Hex("dora-pass")}}).
		Fail(t, 400, "error-password-same-as-current")
	// A new password ends the other sessions but keeps this one.
	dora.Post("/api/v1/users.updateOwnBasicInfo", map[string]any{"data": map[string]any{"newPassword": "dora-new", "currentPassword": sha256Hex("dora-pass")}}).OK(t)
	dora.Get("/api/v1/me").OK(t)
	other.Get("/api/v1/me").Fail(t, 401, "")
	srv.Login(t, "dora", "dora-new")

	// Settings can forbid changes.
	setSetting(t, admin, "Accounts_AllowRealNameChange", false)
	dora.Post("/api/v1/users.updateOwnBasicInfo", map[string]any{"data": map[string]any{"name": "Nope"}}).Fail(t, 403, "error-action-not-allowed")
	setSetting(t, admin, "Accounts_AllowUsernameChange", false)
	dora.Post("/api/v1/users.updateOwnBasicInfo", map[string]any{"data": map[string]any{"username": "dora9"}}).Fail(t, 403, "error-action-not-allowed")
	r = dora.Get("/api/v1/me").OK(t)
	if r.Str("name") != "Dora D" || r.Str("username") != "dora" {
		t.Fatalf("refused changes happened: %s", r.Body)
	}
	dora.Post("/api/v1/users.updateOwnBasicInfo", map[string]any{}).Fail(t, 400, "error-invalid-params")
}

func TestUsersActiveStatusAndDelete(t *testing.T) {
	srv := testserver.Start(t)
	admin := srv.Admin(t)
	erin := srv.CreateUser(t, "erin")
	frank := srv.CreateUser(t, "frank")

	// Deactivation logs the user out and blocks logging in.
	r := admin.Post("/api/v1/users.setActiveStatus", map[string]any{"userId": erin.UserID, "activeStatus": false}).OK(t)
	if r.Get("user.active") != false || r.Str("user._id") != erin.UserID {
		t.Fatalf("deactivate: %s", r.Body)
	}
	erin.Get("/api/v1/me").Fail(t, 401, "")
	srv.Anon(t).Post("/api/v1/login", map[string]any{"user": "erin", "password": "erin-pass"}).Fail(t, 401, "")
	if admin.Get("/api/v1/users.info", "userId", erin.UserID).OK(t).Get("user.active") != false {
		t.Fatal("erin still active")
	}
	admin.Post("/api/v1/users.setActiveStatus", map[string]any{"userId": erin.UserID, "activeStatus": true}).OK(t)
	erin = srv.Login(t, "erin", "erin-pass")

	frank.Post("/api/v1/users.setActiveStatus", map[string]any{"userId": erin.UserID, "activeStatus": false}).Fail(t, 403, "")
	erin.Get("/api/v1/me").OK(t)
	admin.Post("/api/v1/users.setActiveStatus", map[string]any{"userId": erin.UserID}).Fail(t, 400, "error-invalid-params")
	admin.Post("/api/v1/users.setActiveStatus", map[string]any{"userId": "nobody", "activeStatus": false}).Fail(t, 400, "error-invalid-user")
	// The last administrator can neither be deactivated nor deleted.
	admin.Post("/api/v1/users.setActiveStatus", map[string]any{"userId": admin.UserID, "activeStatus": false}).Fail(t, 403, "error-action-not-allowed")
	admin.Post("/api/v1/users.delete", map[string]any{"userId": admin.UserID}).Fail(t, 403, "error-action-not-allowed")
	admin.Get("/api/v1/me").OK(t)

	// Deleting the sole owner of a room needs confirmRelinquish; frank inherits the room.
	room := erin.Post("/api/v1/channels.create", map[string]any{"name": "erins-room", "members": []string{"frank"}}).OK(t).Str("channel._id")
	r = admin.Post("/api/v1/users.delete", map[string]any{"userId": erin.UserID}).Fail(t, 400, "user-last-owner")
	if !strings.Contains(string(r.Body), "erins-room") {
		t.Fatalf("rooms not listed: %s", r.Body)
	}
	erin.Get("/api/v1/me").OK(t)
	frank.Post("/api/v1/users.delete", map[string]any{"userId": erin.UserID, "confirmRelinquish": true}).Fail(t, 403, "")
	admin.Post("/api/v1/users.delete", map[string]any{"userId": erin.UserID, "confirmRelinquish": true}).OK(t)
	erin.Get("/api/v1/me").Fail(t, 401, "")
	admin.Get("/api/v1/users.info", "userId", erin.UserID).Fail(t, 400, "User not found.")
	owners := admin.Get("/api/v1/roles.getUsersInRole", "role", "owner", "roomId", room).OK(t)
	if owners.Num("total") != 1 || owners.Str("users.0.username") != "frank" {
		t.Fatalf("frank did not inherit the room: %s", owners.Body)
	}
	if n := admin.Get("/api/v1/channels.info", "roomId", room).OK(t).Num("channel.usersCount"); n != 1 {
		t.Fatalf("usersCount %v after delete", n)
	}
	admin.Post("/api/v1/users.delete", map[string]any{"userId": erin.UserID}).Fail(t, 400, "error-invalid-user")
	admin.Post("/api/v1/users.delete", map[string]any{}).Fail(t, 400, "error-user-param-not-provided")
	// frank is now alone in his room: deleting him removes it, once confirmed.
	admin.Post("/api/v1/users.delete", map[string]any{"username": "frank"}).Fail(t, 400, "user-last-owner")
	admin.Post("/api/v1/users.delete", map[string]any{"username": "frank", "confirmRelinquish": true}).OK(t)
	frank.Get("/api/v1/me").Fail(t, 401, "")
	admin.Get("/api/v1/channels.info", "roomId", room).Fail(t, 400, "error-room-not-found")
}

func TestUsersStatus(t *testing.T) {
	srv := testserver.Start(t)
	admin := srv.Admin(t)
	gina := srv.CreateUser(t, "gina")
	hank := srv.CreateUser(t, "hank")

	// A chosen status shows only while the user is connected, as in
	// Rocket.Chat: hank has no realtime connection, so he stays offline.
	hank.Post("/api/v1/users.setStatus", map[string]any{"status": "away"}).OK(t)
	if r := gina.Get("/api/v1/users.getStatus", "userId", hank.UserID).OK(t); r.Str("status") != "offline" {
		t.Fatalf("status of a user with no connection: %s", r.Body)
	}
	if r := hank.Get("/api/v1/me").OK(t); r.Str("statusDefault") != "away" {
		t.Fatalf("chosen status not kept: %s", r.Body)
	}

	// gina holds a realtime connection for the rest of the test.
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	conn, err := rcclient.Dial(ctx, srv.WSURL, rcclient.DialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.LoginResume(ctx, gina.Token); err != nil {
		t.Fatal(err)
	}
	if r := hank.Get("/api/v1/users.getStatus", "userId", gina.UserID).OK(t); r.Str("status") != "online" {
		t.Fatalf("connected user not online: %s", r.Body)
	}

	gina.Post("/api/v1/users.setStatus", map[string]any{"status": "away", "message": "lunch"}).OK(t)
	r := gina.Get("/api/v1/users.getStatus").OK(t)
	if r.Str("status") != "away" || r.Str("_id") != gina.UserID || r.Str("connectionStatus") == "" {
		t.Fatalf("own status: %s", r.Body)
	}
	r = hank.Get("/api/v1/users.getStatus", "username", "gina").OK(t)
	if r.Str("status") != "away" || r.Get("connectionStatus") != nil {
		t.Fatalf("other's status: %s", r.Body)
	}
	if hank.Get("/api/v1/users.info", "username", "gina").OK(t).Str("user.statusText") != "lunch" {
		t.Fatal("status message not set")
	}
	if p := hank.Get("/api/v1/users.getPresence", "userId", gina.UserID).OK(t); p.Str("presence") != "away" {
		t.Fatalf("presence: %s", p.Body)
	}
	if p := gina.Get("/api/v1/users.getPresence").OK(t); p.Str("presence") != "away" || p.Str("connectionStatus") == "" {
		t.Fatalf("own presence: %s", p.Body)
	}
	// Invisible shows as offline.
	gina.Post("/api/v1/users.setStatus", map[string]any{"status": "offline"}).OK(t)
	if hank.Get("/api/v1/users.getStatus", "userId", gina.UserID).OK(t).Str("status") != "offline" {
		t.Fatal("invisible not offline")
	}
	gina.Post("/api/v1/users.setStatus", map[string]any{"status": "sleeping"}).Fail(t, 400, "error-invalid-status")
	gina.Post("/api/v1/users.setStatus", map[string]any{}).Fail(t, 400, "error-invalid-params")
	hank.Post("/api/v1/users.setStatus", map[string]any{"userId": gina.UserID, "status": "busy"}).Fail(t, 403, "")
	admin.Post("/api/v1/users.setStatus", map[string]any{"userId": gina.UserID, "status": "busy"}).OK(t)
	if hank.Get("/api/v1/users.getStatus", "userId", gina.UserID).OK(t).Str("status") != "busy" {
		t.Fatal("admin could not set gina's status")
	}
	hank.Get("/api/v1/users.getStatus", "username", "nobody").Fail(t, 400, "error-invalid-user")
	setSetting(t, admin, "Accounts_AllowUserStatusMessageChange", false)
	gina.Post("/api/v1/users.setStatus", map[string]any{"message": "again"}).Fail(t, 403, "error-not-allowed")
	setSetting(t, admin, "Accounts_AllowInvisibleStatusOption", false)
	setSetting(t, admin, "Accounts_AllowUserStatusMessageChange", true)
	gina.Post("/api/v1/users.setStatus", map[string]any{"status": "offline"}).Fail(t, 400, "error-status-not-allowed")
}

func TestAvatars(t *testing.T) {
	srv := testserver.Start(t)
	admin := srv.Admin(t)
	ivan := srv.CreateUser(t, "ivan.petrov")
	judy := srv.CreateUser(t, "judy")

	r := ivan.Get("/avatar/ivan.petrov")
	if r.Status != http.StatusOK || r.Header.Get("Content-Type") != "image/svg+xml" || !strings.Contains(string(r.Body), ">IP</text>") {
		t.Fatalf("avatar: %d %v %s", r.Status, r.Header, r.Body)
	}
	etag := r.Header.Get("ETag")
	if etag == "" || !strings.Contains(r.Header.Get("Cache-Control"), "max-age=") {
		t.Fatalf("caching headers: %v", r.Header)
	}
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/avatar/ivan.petrov", nil)
	req.Header.Set("If-None-Match", etag)
	req.Header.Set("X-User-Id", ivan.UserID)
	req.Header.Set("X-Auth-Token", ivan.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotModified {
		t.Fatalf("conditional GET: %d", resp.StatusCode)
	}
	// Credentials in cookies or the query string work too; none is refused by default.
	if r := srv.Anon(t).Get("/avatar/judy", "rc_uid", judy.UserID, "rc_token", judy.Token); r.Status != 200 {
		t.Fatalf("query credentials: %d", r.Status)
	}
	if r := srv.Anon(t).Get("/avatar/judy"); r.Status != http.StatusOK {
		t.Fatalf("anonymous avatar (Rocket.Chat's default lets it through): %d", r.Status)
	}
	srv.Admin(t).Post("/api/v1/settings/Accounts_AvatarBlockUnauthenticatedAccess", map[string]any{"value": true}).OK(t)
	if r := srv.Anon(t).Get("/avatar/judy"); r.Status != http.StatusForbidden {
		t.Fatalf("anonymous avatar with Accounts_AvatarBlockUnauthenticatedAccess: %d", r.Status)
	}
	if r := judy.Get("/avatar/room/GENERAL"); r.Status != 200 || !strings.Contains(string(r.Body), ">G</text>") {
		t.Fatalf("room avatar: %d %s", r.Status, r.Body)
	}
	if r := judy.Get("/avatar/judy", "size", "64"); !strings.Contains(string(r.Body), `width="64"`) {
		t.Fatalf("size: %s", r.Body)
	}

	judy.Post("/api/v1/users.resetAvatar", map[string]any{}).OK(t)
	judy.Post("/api/v1/users.resetAvatar", map[string]any{"username": "ivan.petrov"}).Fail(t, 403, "error-not-allowed")
	admin.Post("/api/v1/users.resetAvatar", map[string]any{"userId": ivan.UserID}).OK(t)
	admin.Post("/api/v1/users.resetAvatar", map[string]any{"userId": "nobody"}).Fail(t, 400, "error-invalid-user")
}

func TestRegistration(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{NoAdmin: true})
	anon := srv.Anon(t)

	// With no administrator, the first account registered becomes admin.
	r := anon.Post("/api/v1/users.register", map[string]any{"username": "first", "email": "first@example.org", "pass": "first-pass", "name": "First"}).OK(t)
	if !hasString(r.List("user.roles"), "admin") || !hasString(r.List("user.roles"), "user") {
		t.Fatalf("first user is not admin: %s", r.Body)
	}
	srv.WaitLogs(t, "that the first registered user was made administrator", func(logs string) bool {
		return strings.Contains(logs, "first registered user made administrator")
	})
	first := srv.Login(t, "first", "first-pass")
	first.Get("/api/v1/statistics").OK(t)

	r = anon.Post("/api/v1/users.register", map[string]any{"username": "second", "email": "second@example.org", "pass": "second-pass", "name": "Second"}).OK(t)
	if hasString(r.List("user.roles"), "admin") {
		t.Fatalf("second user is admin: %s", r.Body)
	}
	anon.Post("/api/v1/users.register", map[string]any{"username": "second", "email": "other@example.org", "pass": "x-pass", "name": "X"}).
		Fail(t, 400, "Username is already in use")
	anon.Post("/api/v1/users.register", map[string]any{"username": "third", "email": "third@example.org", "name": "Third"}).
		Fail(t, 400, "error-invalid-params")
	first.Post("/api/v1/users.register", map[string]any{"username": "fourth", "email": "fourth@example.org", "pass": "p", "name": "F"}).
		Fail(t, 400, "")

	// Registration closed by setting: refused, nobody created.
	setSetting(t, first, "Accounts_RegistrationForm", "Disabled")
	anon.Post("/api/v1/users.register", map[string]any{"username": "late", "email": "late@example.org", "pass": "late-pass", "name": "Late"}).
		Fail(t, 400, "error-user-registration-disabled")
	first.Get("/api/v1/users.info", "username", "late").Fail(t, 400, "User not found.")
	// Secret URL: only with the secret.
	setSetting(t, first, "Accounts_RegistrationForm", "Secret URL")
	anon.Post("/api/v1/users.register", map[string]any{"username": "late", "email": "late@example.org", "pass": "late-pass", "name": "Late", "secret": "guess"}).
		Fail(t, 400, "error-user-registration-secret")
	secret := first.Get("/api/v1/settings/Accounts_RegistrationForm_SecretURL").OK(t).Str("value")
	anon.Post("/api/v1/users.register", map[string]any{"username": "late", "email": "late@example.org", "pass": "late-pass", "name": "Late", "secret": secret}).OK(t)
}
