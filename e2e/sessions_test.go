package e2e

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"liftoff/internal/testserver"
)

// Removing a login token ends the DDP connections that logged in with it,
// as Meteor closes a connection whose token disappears; the connections of
// the tokens that stay keep working.

// resumeDDP opens a DDP connection logged in with a REST client's token.
func resumeDDP(t *testing.T, srv *testserver.Server, token string) *ddpConn {
	t.Helper()
	c := ddpDial(t, srv)
	var res struct {
		ID string `json:"id"`
	}
	c.call(&res, "login", map[string]any{"resume": token})
	if res.ID == "" {
		t.Fatal("resume login: no user id")
	}
	c.token = token
	return c
}

// mustClose waits for the server to close c.
func mustClose(t *testing.T, c *ddpConn, why string) {
	t.Helper()
	if !c.waitClosed(10 * time.Second) {
		t.Fatalf("%s: the connection logged in with the removed token is still open", why)
	}
}

// stillLoggedIn checks that c is open and logged in: a method that needs a
// user answers.
func stillLoggedIn(t *testing.T, c *ddpConn, why string) {
	t.Helper()
	if r := c.callRaw("getUserRoles"); r.Error != nil {
		t.Fatalf("%s: the connection of a kept token answers %v", why, r.Error)
	}
}

func TestSessionsEndWithTheirToken(t *testing.T) {
	srv := testserver.Start(t)
	admin := srv.Admin(t)

	t.Run("rest logout", func(t *testing.T) {
		a := srv.CreateUser(t, "lo1")
		b := srv.Login(t, "lo1", "lo1-pass")
		ca, cb := resumeDDP(t, srv, a.Token), resumeDDP(t, srv, b.Token)
		if r := a.Post("/api/v1/logout", nil); r.Status != 200 {
			t.Fatalf("logout: %d %s", r.Status, r.Body)
		}
		mustClose(t, ca, "logout")
		stillLoggedIn(t, cb, "logout")
		// The closed connection's token no longer logs in.
		ddpDial(t, srv).callFail("403", "login", map[string]any{"resume": a.Token})
	})

	t.Run("ddp logout", func(t *testing.T) {
		a := srv.CreateUser(t, "lo2")
		c1, c2 := resumeDDP(t, srv, a.Token), resumeDDP(t, srv, a.Token)
		c1.call(nil, "logout")
		// Meteor keeps the connection that logged out open, logged out;
		// the other one of the same token ends.
		mustClose(t, c2, "ddp logout")
		c1.callFail("error-invalid-user", "getUserRoles")
	})

	t.Run("own password change", func(t *testing.T) {
		a := srv.CreateUser(t, "lo3")
		b := srv.Login(t, "lo3", "lo3-pass")
		ca, cb := resumeDDP(t, srv, a.Token), resumeDDP(t, srv, b.Token)
		a.Post("/api/v1/users.updateOwnBasicInfo", map[string]any{"data": map[string]any{
			"newPassword": "lo3-new", "currentPassword": sha256Hex("lo3-pass")}}).OK(t)
		mustClose(t, cb, "password change")
		stillLoggedIn(t, ca, "password change") // the token that changed it stays
	})

	t.Run("password set by an admin", func(t *testing.T) {
		a := srv.CreateUser(t, "lo4")
		b := srv.Login(t, "lo4", "lo4-pass")
		ca, cb := resumeDDP(t, srv, a.Token), resumeDDP(t, srv, b.Token)
		admin.Post("/api/v1/users.update", map[string]any{"userId": a.UserID, "data": map[string]any{"password": "lo4-new"}}).OK(t)
		mustClose(t, ca, "users.update password")
		mustClose(t, cb, "users.update password")
		a.Get("/api/v1/me").Fail(t, 401, "")
	})

	t.Run("personal access token removed", func(t *testing.T) {
		a := srv.CreateUser(t, "lo5")
		admin.Post("/api/v1/permissions.update", map[string]any{"permissions": []map[string]any{
			{"_id": "create-personal-access-tokens", "roles": []string{"admin", "user"}}}}).OK(t)
		pat := a.Post("/api/v1/users.generatePersonalAccessToken", map[string]any{"tokenName": "bot", "bypassTwoFactor": true}).OK(t).Str("token")
		cp, cl := resumeDDP(t, srv, pat), resumeDDP(t, srv, a.Token)
		a.Post("/api/v1/users.removePersonalAccessToken", map[string]any{"tokenName": "bot"}).OK(t)
		mustClose(t, cp, "personal access token removal")
		stillLoggedIn(t, cl, "personal access token removal")
	})
}

// "liftoff admin reset-password" runs in another process, whose events the
// server does not see: the server's periodic token check ends the
// connections of the tokens it removed. The data files it writes are
// readable by their owner only.
func TestCLIResetPasswordEndsConnectionsAndFilesArePrivate(t *testing.T) {
	srv := testserver.StartBinary(t, testserver.Options{Env: []string{"LIFTOFF_SESSION_CHECK=100ms"}})
	srv.Admin(t)
	ivy := srv.CreateUser(t, "ivy")
	c := resumeDDP(t, srv, ivy.Token)
	stillLoggedIn(t, c, "before the reset")
	if out, err := runCLI(t, srv.DataDir, "admin", "reset-password", "ivy", "ivy-new-pass"); err != nil {
		t.Fatalf("reset-password: %v\n%s", err, out)
	}
	mustClose(t, c, "reset-password")

	backup := filepath.Join(t.TempDir(), "copy.db")
	if out, err := runCLI(t, srv.DataDir, "backup", backup); err != nil {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	for _, p := range []string{backup, filepath.Join(srv.DataDir, "liftoff.db"), filepath.Join(srv.DataDir, "liftoff.db-wal")} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", filepath.Base(p), fi.Mode().Perm())
		}
	}
}

// Names that break client URLs ("." and ".."), room names differing from
// another room's only in case, and room names that are a username are
// refused (deliberate differences from Rocket.Chat, which accepts them).
func TestConfusingNamesAreRefused(t *testing.T) {
	srv := testserver.Start(t)
	admin := srv.Admin(t)
	for _, n := range []string{".", ".."} {
		admin.Post("/api/v1/channels.create", map[string]any{"name": n}).Fail(t, 400, "error-invalid-room-name")
		admin.Post("/api/v1/groups.create", map[string]any{"name": n}).Fail(t, 400, "error-invalid-room-name")
		admin.Post("/api/v1/users.create", map[string]any{"username": n, "email": "dots@example.org", "password": "pw-pw-pw-1", "name": "D"}).
			Fail(t, 400, "error-input-is-not-a-valid-field")
	}
	admin.Post("/api/v1/channels.create", map[string]any{"name": "GENERAL"}).Fail(t, 400, "error-duplicate-channel-name")
	admin.Post("/api/v1/groups.create", map[string]any{"name": "General"}).Fail(t, 400, "error-duplicate-channel-name")
	admin.Post("/api/v1/channels.create", map[string]any{"name": "ADMIN"}).Fail(t, 400, "error-duplicate-handle")
	rid := admin.Post("/api/v1/channels.create", map[string]any{"name": "town"}).OK(t).Str("channel._id")
	admin.Post("/api/v1/channels.rename", map[string]any{"roomId": rid, "name": "GENERAL"}).Fail(t, 400, "error-duplicate-channel-name")
	admin.Post("/api/v1/channels.rename", map[string]any{"roomId": rid, "name": ".."}).Fail(t, 400, "error-invalid-room-name")
	// A room may change the case of its own name.
	admin.Post("/api/v1/channels.rename", map[string]any{"roomId": rid, "name": "Town"}).OK(t)
}
