package e2e

import (
	"testing"
	"time"

	"liftoff/internal/testserver"
)

func settingIDs(r *testserver.Response) map[string]any {
	out := map[string]any{}
	for _, s := range r.List("settings") {
		m := s.(map[string]any)
		out[m["_id"].(string)] = m["value"]
	}
	return out
}

func TestSettings(t *testing.T) {
	srv := testserver.Start(t)
	admin := srv.Admin(t)
	kate := srv.CreateUser(t, "kate")
	anon := srv.Anon(t)

	// settings.public: anyone, public settings only, _id and value.
	r := anon.Get("/api/v1/settings.public", "query", `{"_id":{"$in":["Site_Url","Accounts_RegistrationForm","Accounts_RegistrationForm_SecretURL"]}}`).OK(t)
	got := settingIDs(r)
	if got["Site_Url"] != srv.URL || got["Accounts_RegistrationForm"] != "Public" || len(got) != 2 || r.Num("total") != 2 {
		t.Fatalf("settings.public: %s", r.Body)
	}
	if s := r.Get("settings.0").(map[string]any); len(s) != 2 {
		t.Fatalf("settings.public shows more than _id and value: %s", r.Body)
	}
	r = anon.Get("/api/v1/settings.public", "_id", "Site_Url,Accounts_AllowAnonymousRead").OK(t)
	if len(settingIDs(r)) != 2 {
		t.Fatalf("_id list: %s", r.Body)
	}
	page := anon.Get("/api/v1/settings.public", "count", "5", "offset", "5").OK(t)
	if page.Num("count") != 5 || page.Num("offset") != 5 || page.Num("total") < 20 {
		t.Fatalf("paging: %s", page.Body)
	}
	publicTotal := page.Num("total")
	anon.Get("/api/v1/settings.public", "query", `{"group":"Accounts"}`).Fail(t, 400, "error-invalid-query")

	// GET /settings: administrators see private settings, others the public ones.
	if n := admin.Get("/api/v1/settings", "count", "1").OK(t).Num("total"); n <= publicTotal {
		t.Fatalf("admin sees %v settings, public %v", n, publicTotal)
	}
	if n := kate.Get("/api/v1/settings", "count", "1").OK(t).Num("total"); n != publicTotal {
		t.Fatalf("kate sees %v settings, public %v", n, publicTotal)
	}
	anon.Get("/api/v1/settings").Fail(t, 401, "")

	// GET and POST /settings/:_id
	if v := admin.Get("/api/v1/settings/Message_MaxAllowedSize").OK(t); v.Str("_id") != "Message_MaxAllowedSize" || v.Num("value") != 5000 {
		t.Fatalf("get setting: %s", v.Body)
	}
	kate.Get("/api/v1/settings/Message_MaxAllowedSize").Fail(t, 403, "")
	admin.Get("/api/v1/settings/No_Such_Setting").Fail(t, 400, "error-invalid-setting")

	// A value of the wrong type is refused and changes nothing.
	admin.Post("/api/v1/settings/Message_MaxAllowedSize", map[string]any{"value": "big"}).Fail(t, 400, "error-invalid-setting")
	admin.Post("/api/v1/settings/Message_MaxAllowedSize", map[string]any{"value": true}).Fail(t, 400, "error-invalid-setting")
	admin.Post("/api/v1/settings/Accounts_RegistrationForm", map[string]any{"value": "Sometimes"}).Fail(t, 400, "error-invalid-setting")
	admin.Post("/api/v1/settings/Message_MaxAllowedSize", map[string]any{}).Fail(t, 400, "error-invalid-params")
	admin.Post("/api/v1/settings/No_Such_Setting", map[string]any{"value": 1}).Fail(t, 400, "error-invalid-setting")
	kate.Post("/api/v1/settings/Message_MaxAllowedSize", map[string]any{"value": 10}).Fail(t, 403, "")
	if v := admin.Get("/api/v1/settings/Message_MaxAllowedSize").OK(t).Num("value"); v != 5000 {
		t.Fatalf("refused change happened: %v", v)
	}

	// A valid value is stored and takes effect at once.
	setSetting(t, admin, "Message_MaxAllowedSize", 10)
	if v := admin.Get("/api/v1/settings/Message_MaxAllowedSize").OK(t).Num("value"); v != 10 {
		t.Fatalf("value %v", v)
	}
	kate.Post("/api/v1/chat.postMessage", map[string]any{"roomId": "GENERAL", "text": "this message is too long"}).Fail(t, 400, "")
	setSetting(t, admin, "Message_MaxAllowedSize", 5000)
	kate.Post("/api/v1/chat.postMessage", map[string]any{"roomId": "GENERAL", "text": "this message is fine"}).OK(t)
}

func TestSettingsSurviveRestartAndEnvOverride(t *testing.T) {
	dir := t.TempDir()
	srv := testserver.StartBinary(t, testserver.Options{DataDir: dir})
	setSetting(t, srv.Admin(t), "Accounts_AllowUserStatusMessageChange", false)
	srv.Stop()

	// OVERWRITE_SETTING_ applies at boot; other stored changes stay.
	srv = testserver.StartBinary(t, testserver.Options{DataDir: dir, Env: []string{"OVERWRITE_SETTING_Accounts_RegistrationForm=Disabled"}})
	r := srv.Anon(t).Get("/api/v1/settings.public", "_id", "Accounts_RegistrationForm,Accounts_AllowUserStatusMessageChange").OK(t)
	got := settingIDs(r)
	if got["Accounts_RegistrationForm"] != "Disabled" || got["Accounts_AllowUserStatusMessageChange"] != false {
		t.Fatalf("after restart: %s", r.Body)
	}
	srv.Anon(t).Post("/api/v1/users.register", map[string]any{"username": "nope", "email": "nope@example.org", "pass": "nope-pass", "name": "N"}).
		Fail(t, 400, "error-user-registration-disabled")
}

func TestStatistics(t *testing.T) {
	srv := testserver.Start(t)
	admin := srv.Admin(t)
	leo := srv.CreateUser(t, "leo")
	leo.Post("/api/v1/channels.create", map[string]any{"name": "leos"}).OK(t)
	leo.Post("/api/v1/groups.create", map[string]any{"name": "leos-secret"}).OK(t)
	leo.Post("/api/v1/chat.postMessage", map[string]any{"roomId": "GENERAL", "text": "hi"}).OK(t)

	r := admin.Get("/api/v1/statistics").OK(t)
	// admin, leo and the rocket.cat bot, as Rocket.Chat counts them.
	if r.Num("totalUsers") != 3 || r.Num("activeUsers") != 3 || r.Num("totalChannels") != 2 || r.Num("totalPrivateGroups") != 1 ||
		r.Num("totalRooms") != 3 || r.Num("totalMessages") < 1 || r.Num("totalChannelMessages") < 1 || r.Str("version") == "" ||
		r.Num("process.uptime") <= 0 {
		t.Fatalf("statistics: %s", r.Body)
	}
	leo.Get("/api/v1/statistics").Fail(t, 400, "error-not-allowed")
}

func TestPermissionChangeTakesEffect(t *testing.T) {
	srv := testserver.Start(t)
	admin := srv.Admin(t)
	mia := srv.CreateUser(t, "mia")

	all := admin.Get("/api/v1/permissions.listAll").OK(t)
	if len(all.List("update")) < 50 || len(all.List("remove")) != 0 {
		t.Fatalf("listAll: %s", all.Body)
	}
	before := srv.Now().UTC().Format("2006-01-02T15:04:05.000Z")
	srv.Advance(t, 5*time.Millisecond) // the next change is strictly newer than "before"

	// Take create-c away from the user role: mia can no longer create channels.
	r := admin.Post("/api/v1/permissions.update", map[string]any{"permissions": []map[string]any{
		{"_id": "create-c", "roles": []string{"admin", "bot", "app"}},
	}}).OK(t)
	if len(r.List("permissions")) < 50 {
		t.Fatalf("update answer: %s", r.Body)
	}
	mia.Post("/api/v1/channels.create", map[string]any{"name": "mias-room"}).Fail(t, 403, "error-not-allowed")
	since := admin.Get("/api/v1/permissions.listAll", "updatedSince", before).OK(t)
	if len(since.List("update")) != 1 || since.Str("update.0._id") != "create-c" || hasString(since.List("update.0.roles"), "user") {
		t.Fatalf("updatedSince: %s", since.Body)
	}
	// Restore: allowed again.
	admin.Post("/api/v1/permissions.update", map[string]any{"permissions": []map[string]any{
		{"_id": "create-c", "roles": []string{"admin", "user", "bot", "app"}},
	}}).OK(t)
	mia.Post("/api/v1/channels.create", map[string]any{"name": "mias-room"}).OK(t)

	// Bad requests change nothing.
	admin.Post("/api/v1/permissions.update", map[string]any{"permissions": []map[string]any{
		{"_id": "create-c", "roles": []string{"admin"}}, {"_id": "no-such-permission", "roles": []string{"admin"}},
	}}).Fail(t, 400, "error-invalid-permission")
	admin.Post("/api/v1/permissions.update", map[string]any{"permissions": []map[string]any{
		{"_id": "create-c", "roles": []string{"no-such-role"}},
	}}).Fail(t, 400, "error-invalid-role")
	admin.Post("/api/v1/permissions.update", map[string]any{"permissions": []map[string]any{{"_id": "create-c"}}}).Fail(t, 400, "error-invalid-body-params")
	admin.Post("/api/v1/permissions.update", map[string]any{"perms": []any{}}).Fail(t, 400, "error-invalid-body-params")
	mia.Post("/api/v1/permissions.update", map[string]any{"permissions": []map[string]any{{"_id": "create-c", "roles": []string{"admin"}}}}).Fail(t, 403, "")
	mia.Post("/api/v1/channels.create", map[string]any{"name": "mias-room-2"}).OK(t)
	admin.Get("/api/v1/permissions.listAll", "updatedSince", "yesterday").Fail(t, 400, "error-roomId-param-invalid")
}

func TestRoles(t *testing.T) {
	srv := testserver.Start(t)
	admin := srv.Admin(t)
	nina := srv.CreateUser(t, "nina")

	r := nina.Get("/api/v1/roles.list").OK(t)
	foundAdmin := false
	for _, role := range r.List("roles") {
		m := role.(map[string]any)
		if m["_id"] == "admin" && m["protected"] == true && m["scope"] == "Users" {
			foundAdmin = true
		}
		if _, ok := m["_updatedAt"]; ok {
			t.Fatalf("roles.list shows _updatedAt: %s", r.Body)
		}
	}
	if !foundAdmin {
		t.Fatalf("roles.list: %s", r.Body)
	}

	// Granting admin takes effect at once; revoking too.
	nina.Get("/api/v1/statistics").Fail(t, 400, "error-not-allowed")
	r = admin.Post("/api/v1/roles.addUserToRole", map[string]any{"roleId": "admin", "username": "nina"}).OK(t)
	if r.Str("role._id") != "admin" {
		t.Fatalf("addUserToRole: %s", r.Body)
	}
	nina.Get("/api/v1/statistics").OK(t)
	admin.Post("/api/v1/roles.addUserToRole", map[string]any{"roleId": "admin", "username": "nina"}).Fail(t, 400, "error-user-already-in-role")
	in := admin.Get("/api/v1/roles.getUsersInRole", "role", "admin").OK(t)
	if in.Num("total") != 2 {
		t.Fatalf("getUsersInRole: %s", in.Body)
	}
	admin.Post("/api/v1/roles.removeUserFromRole", map[string]any{"roleId": "admin", "username": "nina"}).OK(t)
	nina.Get("/api/v1/statistics").Fail(t, 400, "error-not-allowed")
	admin.Post("/api/v1/roles.removeUserFromRole", map[string]any{"roleId": "admin", "username": "nina"}).Fail(t, 400, "error-user-not-in-role")
	admin.Post("/api/v1/roles.removeUserFromRole", map[string]any{"roleId": "admin", "username": "admin"}).Fail(t, 400, "error-admin-required")
	admin.Post("/api/v1/roles.removeUserFromRole", map[string]any{"roleId": "admin", "username": "ghost"}).Fail(t, 400, "error-invalid-user")
	admin.Post("/api/v1/roles.removeUserFromRole", map[string]any{"roleId": "ghost-role", "username": "nina"}).Fail(t, 400, "error-invalid-roleId")
	nina.Post("/api/v1/roles.addUserToRole", map[string]any{"roleId": "admin", "username": "nina"}).Fail(t, 403, "error-action-not-allowed")
	admin.Post("/api/v1/roles.addUserToRole", map[string]any{"roleId": "ghost-role", "username": "nina"}).Fail(t, 400, "error-role-not-found")
	admin.Post("/api/v1/roles.addUserToRole", map[string]any{"roleId": "admin"}).Fail(t, 400, "error-user-param-not-provided")

	// Room roles live on the membership.
	admin.Post("/api/v1/roles.addUserToRole", map[string]any{"roleId": "moderator", "username": "nina", "roomId": "GENERAL"}).OK(t)
	mods := admin.Get("/api/v1/roles.getUsersInRole", "role", "moderator", "roomId", "GENERAL").OK(t)
	if mods.Num("total") != 1 || mods.Str("users.0.username") != "nina" {
		t.Fatalf("room role: %s", mods.Body)
	}
	if n := admin.Get("/api/v1/roles.getUsersInRole", "role", "moderator").OK(t).Num("total"); n != 0 {
		t.Fatalf("room role shows as global: %v", n)
	}
	admin.Post("/api/v1/roles.addUserToRole", map[string]any{"roleId": "moderator", "username": "nina"}).Fail(t, 400, "error-invalid-params")
	room := admin.Post("/api/v1/channels.create", map[string]any{"name": "admins-only"}).OK(t).Str("channel._id")
	admin.Post("/api/v1/roles.addUserToRole", map[string]any{"roleId": "moderator", "username": "nina", "roomId": room}).Fail(t, 400, "error-invalid-user")
	admin.Post("/api/v1/roles.removeUserFromRole", map[string]any{"roleId": "moderator", "username": "nina", "scope": "GENERAL"}).OK(t)
	if n := admin.Get("/api/v1/roles.getUsersInRole", "role", "moderator", "roomId", "GENERAL").OK(t).Num("total"); n != 0 {
		t.Fatalf("room role not removed: %v", n)
	}
	nina.Get("/api/v1/roles.getUsersInRole", "role", "admin").Fail(t, 403, "")
	admin.Get("/api/v1/roles.getUsersInRole").Fail(t, 400, "error-param-not-provided")
	admin.Get("/api/v1/roles.getUsersInRole", "role", "ghost-role").Fail(t, 400, "error-invalid-roleId")

	// Custom roles: create, update, delete.
	before := srv.Now().UTC().Format(time.RFC3339Nano)
	srv.Advance(t, 5*time.Millisecond)
	r = admin.Post("/api/v1/roles.create", map[string]any{"name": "Support", "description": "helpers"}).OK(t)
	support := r.Str("role._id")
	if support == "" || r.Str("role.scope") != "Users" || r.Get("role.protected") != false {
		t.Fatalf("roles.create: %s", r.Body)
	}
	sync := nina.Get("/api/v1/roles.sync", "updatedSince", before).OK(t)
	if len(sync.List("roles.update")) != 1 || sync.Str("roles.update.0._id") != support {
		t.Fatalf("roles.sync: %s", sync.Body)
	}
	admin.Post("/api/v1/roles.create", map[string]any{"name": "Support"}).Fail(t, 400, "error-duplicate-role-names-not-allowed")
	admin.Post("/api/v1/roles.create", map[string]any{"name": "X", "scope": "Galaxy"}).Fail(t, 400, "error-invalid-role-properties")
	admin.Post("/api/v1/roles.create", map[string]any{"name": "X", "colour": "red"}).Fail(t, 400, "error-invalid-role-properties")
	nina.Post("/api/v1/roles.create", map[string]any{"name": "Mine"}).Fail(t, 403, "error-action-not-allowed")

	r = admin.Post("/api/v1/roles.update", map[string]any{"roleId": support, "name": "Helpdesk", "scope": "Subscriptions"}).OK(t)
	if r.Str("role.name") != "Helpdesk" || r.Str("role.scope") != "Subscriptions" {
		t.Fatalf("roles.update: %s", r.Body)
	}
	admin.Post("/api/v1/roles.update", map[string]any{"roleId": "admin", "name": "boss"}).Fail(t, 400, "error-role-protected")
	admin.Post("/api/v1/roles.update", map[string]any{"roleId": "admin", "name": "admin", "description": "All powers"}).OK(t)
	admin.Post("/api/v1/roles.update", map[string]any{"roleId": "nope", "name": "x"}).Fail(t, 400, "error-invalid-roleId")

	admin.Post("/api/v1/roles.update", map[string]any{"roleId": support, "name": "Helpdesk", "scope": "Users"}).OK(t)
	admin.Post("/api/v1/roles.addUserToRole", map[string]any{"roleId": support, "username": "nina"}).OK(t)
	admin.Post("/api/v1/roles.delete", map[string]any{"roleId": support}).Fail(t, 400, "error-role-in-use")
	admin.Post("/api/v1/roles.removeUserFromRole", map[string]any{"roleId": support, "username": "nina"}).OK(t)
	nina.Post("/api/v1/roles.delete", map[string]any{"roleId": support}).Fail(t, 403, "")
	admin.Post("/api/v1/roles.delete", map[string]any{"roleId": support}).OK(t)
	admin.Post("/api/v1/roles.delete", map[string]any{"roleId": support}).Fail(t, 400, "error-invalid-roleId")
	admin.Post("/api/v1/roles.delete", map[string]any{"roleId": "user"}).Fail(t, 400, "error-role-protected")
	for _, role := range admin.Get("/api/v1/roles.list").OK(t).List("roles") {
		if role.(map[string]any)["_id"] == support {
			t.Fatal("deleted role still listed")
		}
	}
}
