package e2e

import (
	"fmt"
	"slices"
	"testing"

	"liftoff/internal/testserver"
)

// Authenticated requests are served from a cache of token → user
// (auth.Sessions). Each case below first authenticates with the token
// (filling the cache), then makes the change and checks that the very next
// request sees it: no stale entry survives a write.
func TestSessionCacheInvalidation(t *testing.T) {
	srv := testserver.Start(t)
	admin := srv.Admin(t)
	warm := func(c *testserver.Client) {
		t.Helper()
		for range 3 {
			c.Get("/api/v1/me").OK(t)
		}
	}

	t.Run("logout", func(t *testing.T) {
		a := srv.CreateUser(t, "sc1")
		other := srv.Login(t, "sc1", "sc1-pass")
		warm(a)
		warm(other)
		if r := a.Post("/api/v1/logout", nil); r.Status != 200 {
			t.Fatalf("logout: %d %s", r.Status, r.Body)
		}
		a.Get("/api/v1/me").Fail(t, 401, "")
		other.Get("/api/v1/me").OK(t)
	})

	t.Run("personal access token removed", func(t *testing.T) {
		a := srv.CreateUser(t, "sc2")
		admin.Post("/api/v1/permissions.update", map[string]any{"permissions": []map[string]any{
			{"_id": "create-personal-access-tokens", "roles": []string{"admin", "user"}}}}).OK(t)
		pat := a.Post("/api/v1/users.generatePersonalAccessToken", map[string]any{"tokenName": "cli", "bypassTwoFactor": true}).OK(t).Str("token")
		withPAT := *a
		withPAT.Token = pat
		warm(&withPAT)
		a.Post("/api/v1/users.removePersonalAccessToken", map[string]any{"tokenName": "cli"}).OK(t)
		withPAT.Get("/api/v1/me").Fail(t, 401, "")
		a.Get("/api/v1/me").OK(t)
	})

	t.Run("password set by an admin", func(t *testing.T) {
		a := srv.CreateUser(t, "sc3")
		warm(a)
		admin.Post("/api/v1/users.update", map[string]any{"userId": a.UserID, "data": map[string]any{"password": "sc3-new"}}).OK(t)
		a.Get("/api/v1/me").Fail(t, 401, "")
		srv.Login(t, "sc3", "sc3-new").Get("/api/v1/me").OK(t)
	})

	t.Run("deactivated", func(t *testing.T) {
		a := srv.CreateUser(t, "sc4")
		warm(a)
		admin.Post("/api/v1/users.setActiveStatus", map[string]any{"userId": a.UserID, "activeStatus": false}).OK(t)
		if r := a.Get("/api/v1/me"); r.Status != 401 {
			t.Fatalf("me of a deactivated user: %d %s", r.Status, r.Body)
		}
	})

	t.Run("roles changed", func(t *testing.T) {
		a := srv.CreateUser(t, "sc5")
		warm(a)
		a.Get("/api/v1/rooms.adminRooms").Fail(t, 400, "error-not-authorized")
		admin.Post("/api/v1/users.update", map[string]any{"userId": a.UserID, "data": map[string]any{"roles": []string{"user", "admin"}}}).OK(t)
		if roles := fmt.Sprint(a.Get("/api/v1/me").OK(t).Get("roles")); roles != "[user admin]" {
			t.Fatalf("roles after the change: %s", roles)
		}
		a.Get("/api/v1/rooms.adminRooms").OK(t)
		admin.Post("/api/v1/users.update", map[string]any{"userId": a.UserID, "data": map[string]any{"roles": []string{"user"}}}).OK(t)
		a.Get("/api/v1/rooms.adminRooms").Fail(t, 400, "error-not-authorized")
	})

	t.Run("profile changed", func(t *testing.T) {
		a := srv.CreateUser(t, "sc6")
		warm(a)
		a.Post("/api/v1/users.updateOwnBasicInfo", map[string]any{"data": map[string]any{"name": "Renamed Six"}}).OK(t)
		if n := a.Get("/api/v1/me").OK(t).Str("name"); n != "Renamed Six" {
			t.Fatalf("name after the change: %q", n)
		}
	})
}

// Across instances: a write on A reaches B's cache through the bus, so a
// token B has cached stops working there too.
func TestScaleOutSessionCache(t *testing.T) {
	srvs := startCluster(t, 2, scaledEnv(t, ""))
	a, b := srvs[0], srvs[1]
	admin := a.Admin(t)
	onB := func(c *testserver.Client) *testserver.Client {
		cp := *c
		cp.Srv = b
		return &cp
	}
	status := func(c *testserver.Client, want int) func() string {
		return func() string {
			if r := c.Get("/api/v1/me"); r.Status != want {
				return fmt.Sprintf("status %d, want %d", r.Status, want)
			}
			return ""
		}
	}

	u := a.CreateUser(t, "xsc1")
	ub := onB(u)
	for range 3 {
		ub.Get("/api/v1/me").OK(t)
	}
	if r := u.Post("/api/v1/logout", nil); r.Status != 200 {
		t.Fatalf("logout: %d %s", r.Status, r.Body)
	}
	u.Get("/api/v1/me").Fail(t, 401, "")
	eventually(t, "logout on A seen by B", status(ub, 401))

	v := a.CreateUser(t, "xsc2")
	vb := onB(v)
	for range 3 {
		vb.Get("/api/v1/me").OK(t)
	}
	admin.Post("/api/v1/users.update", map[string]any{"userId": v.UserID, "data": map[string]any{"roles": []string{"user", "admin"}}}).OK(t)
	eventually(t, "roles changed on A seen by B", func() string {
		r := vb.Get("/api/v1/me")
		roles, _ := r.Get("roles").([]any)
		if !slices.Contains(roles, any("admin")) {
			return fmt.Sprintf("roles %v", roles)
		}
		return ""
	})
	admin.Post("/api/v1/users.setActiveStatus", map[string]any{"userId": v.UserID, "activeStatus": false}).OK(t)
	eventually(t, "deactivation on A seen by B", status(vb, 401))
}
