package e2e

import (
	"testing"

	"liftoff/internal/testserver"
)

func TestInfoAsRocketChat(t *testing.T) {
	srv := testserver.Start(t)
	r := srv.Anon(t).Get("/api/info").OK(t)
	if r.Str("version") != "8.8" || r.Str("minimumClientVersions.desktop") != "3.9.6" || r.Str("minimumClientVersions.mobile") != "4.39.0" ||
		r.Get("info") != nil || r.Get("supportedVersions") != nil {
		t.Fatalf("anonymous: %s", r.Body)
	}
	// Logged in without view-statistics: the same as anonymous.
	if r := srv.CreateUser(t, "alice").Get("/api/info").OK(t); r.Str("version") != "8.8" || r.Get("info") != nil {
		t.Fatalf("user: %s", r.Body)
	}
	r = srv.Admin(t).Get("/api/info").OK(t)
	if r.Str("version") != "8.8.1" || r.Str("info.version") != "8.8.1" {
		t.Fatalf("admin: %s", r.Body)
	}
}

func TestFirstRunData(t *testing.T) {
	t.Run("rocket.cat and a completed wizard with an administrator", func(t *testing.T) {
		srv := testserver.Start(t)
		admin := srv.Admin(t)
		r := admin.Get("/api/v1/users.info", "userId", "rocket.cat").OK(t)
		if r.Str("user.username") != "rocket.cat" || r.Str("user.name") != "Rocket.Cat" || r.Str("user.type") != "bot" ||
			r.Str("user.roles.0") != "bot" || r.Get("user.active") != true {
			t.Fatalf("rocket.cat: %s", r.Body)
		}
		// Nobody signs in as rocket.cat: it has no password.
		srv.Anon(t).Post("/api/v1/login", map[string]any{"user": "rocket.cat", "password": "x"}).Fail(t, 401, "")
		r = srv.Anon(t).Get("/api/v1/settings.public", "query", `{"_id":"Show_Setup_Wizard"}`).OK(t)
		if r.Str("settings.0.value") != "completed" {
			t.Fatalf("wizard: %s", r.Body)
		}
	})
	t.Run("pending until the first user registers", func(t *testing.T) {
		srv := testserver.Start(t, testserver.Options{NoAdmin: true})
		anon := srv.Anon(t)
		wizard := func() string {
			return anon.Get("/api/v1/settings.public", "query", `{"_id":"Show_Setup_Wizard"}`).OK(t).Str("settings.0.value")
		}
		if got := wizard(); got != "pending" {
			t.Fatalf("wizard before: %q", got)
		}
		anon.Post("/api/v1/users.register", map[string]any{"username": "first", "email": "first@example.org", "pass": "first-pass", "name": "First"}).OK(t)
		if got := wizard(); got != "completed" {
			t.Fatalf("wizard after: %q", got)
		}
	})
}
