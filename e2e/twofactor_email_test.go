package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"regexp"
	"strconv"
	"testing"

	"liftoff/internal/testserver"
)

var emailCode = regexp.MustCompile(`\b(\d{3})-(\d{3})\b`)

// codeIn returns the e-mail code of a two-factor mail.
func codeIn(t *testing.T, m mail) string {
	t.Helper()
	c := emailCode.FindStringSubmatch(m.Text)
	if c == nil {
		t.Fatalf("no code in the mail %q: %q", m.Subject, m.Text)
	}
	return c[1] + c[2]
}

// TestTwoFactorEmail covers e-mail codes through a real SMTP server:
// users.2fa.enableEmail; a login then needs the code mailed to the user
// (REST and DDP), a wrong or spent code is refused; users.2fa.sendEmailCode
// mails a fresh one (and says nothing of unknown names);
// users.2fa.disableEmail needs the code in the x-2fa-* headers.
func TestTwoFactorEmail(t *testing.T) {
	mp := startMailpit(t, 0)
	srv := testserver.Start(t, testserver.Options{Env: []string{
		"OVERWRITE_SETTING_SMTP_Host=127.0.0.1", "OVERWRITE_SETTING_SMTP_Port=" + strconv.Itoa(mp.smtpPort),
		"OVERWRITE_SETTING_From_Email=chat@example.org",
		"OVERWRITE_SETTING_Accounts_TwoFactorAuthentication_RememberFor=0",
	}})
	bob := srv.CreateUser(t, "bob", map[string]any{"verified": true})
	anon := srv.Anon(t)
	login := map[string]any{"user": "bob", "password": "bob-pass"}

	// Without e-mail codes on, the login needs none.
	loginOK(t, anon, login)
	bob.Post("/api/v1/users.2fa.enableEmail", nil).OK(t)
	if me := bob.Get("/api/v1/me").OK(t); me.Get("services.email2fa.enabled") != true {
		t.Fatalf("me does not show e-mail codes on: %s", me.Body)
	}

	r := anon.Post("/api/v1/login", login)
	if r.Status != http.StatusUnauthorized || r.Str("error") != "totp-required" || r.Str("details.method") != "email" ||
		r.Get("details.codeGenerated") != true || r.Str("details.emailOrUsername") != "bob" {
		t.Fatalf("login without code: %d %s", r.Status, r.Body)
	}
	mails := mp.wait(t, 1)
	if len(mails) != 1 || mails[0].To[0].Address != "bob@example.org" || mails[0].Subject != "Rocket.Chat - Authentication code" {
		t.Fatalf("code e-mails: %+v", mails)
	}
	code := codeIn(t, mails[0])
	// Asked again while the code lives: no second mail, the same code.
	r = anon.Post("/api/v1/login", login)
	if r.Str("error") != "totp-required" || r.Get("details.codeGenerated") != false {
		t.Fatalf("second login without code: %s", r.Body)
	}
	wrong := "000000"
	if wrong == code {
		wrong = "111111"
	}
	r = anon.Post("/api/v1/login", map[string]any{"user": "bob", "password": "bob-pass", "code": wrong})
	if r.Status != http.StatusUnauthorized || r.Str("error") != "totp-invalid" {
		t.Fatalf("wrong code: %d %s", r.Status, r.Body)
	}
	r = anon.Post("/api/v1/login", map[string]any{"user": "bob", "password": "bob-pass", "code": code[:3] + "-" + code[3:]})
	if r.Status != http.StatusOK || r.Str("data.userId") != bob.UserID {
		t.Fatalf("login with the mailed code: %d %s", r.Status, r.Body)
	}
	// Spent: refused (and a new code goes out).
	r = anon.Post("/api/v1/login", map[string]any{"user": "bob", "password": "bob-pass", "code": code})
	if r.Str("error") != "totp-invalid" {
		t.Fatalf("spent code: %d %s", r.Status, r.Body)
	}
	mp.wait(t, 2)

	// users.2fa.sendEmailCode: a fresh code by username or address; an
	// unknown name answers the same and mails nothing.
	anon.Post("/api/v1/users.2fa.sendEmailCode", map[string]any{}).Fail(t, http.StatusBadRequest, "error-parameter-required")
	anon.Post("/api/v1/users.2fa.sendEmailCode", map[string]any{"emailOrUsername": "nobody"}).OK(t)
	anon.Post("/api/v1/users.2fa.sendEmailCode", map[string]any{"emailOrUsername": "Bob@Example.org"}).OK(t)
	mails = mp.wait(t, 3)
	if len(mails) != 3 {
		t.Fatalf("mails after sendEmailCode: %d", len(mails))
	}
	code = codeIn(t, mails[2])
	if codeIn(t, mails[1]) == code {
		t.Fatal("sendEmailCode mailed the previous code again")
	}

	// DDP login with the code.
	d := ddpDial(t, srv)
	pw := map[string]any{"user": map[string]any{"username": "bob"}, "password": "bob-pass"}
	var res struct{ ID, Token string }
	d.call(&res, "login", map[string]any{"totp": map[string]any{"login": pw, "code": code}})
	if res.ID != bob.UserID || res.Token == "" {
		t.Fatalf("DDP login with e-mail code: %+v", res)
	}

	// users.2fa.disableEmail is itself protected.
	r = bob.Post("/api/v1/users.2fa.disableEmail", nil).Fail(t, http.StatusBadRequest, "totp-required")
	if r.Str("details.method") != "email" {
		t.Fatalf("disableEmail details: %s", r.Body)
	}
	mails = mp.wait(t, 4)
	code = codeIn(t, mails[3])
	bob.WithHeader("x-2fa-code", wrong).WithHeader("x-2fa-method", "email").
		Post("/api/v1/users.2fa.disableEmail", nil).Fail(t, http.StatusBadRequest, "totp-invalid")
	bob.WithHeader("x-2fa-code", code).WithHeader("x-2fa-method", "email").
		Post("/api/v1/users.2fa.disableEmail", nil).OK(t)
	if me := bob.Get("/api/v1/me").OK(t); me.Get("services.email2fa.enabled") != false {
		t.Fatalf("me after disableEmail: %s", me.Body)
	}
	loginOK(t, anon, login)
}

// TestTwoFactorProtectedAdminCalls: changing a setting and editing a user
// (settings/{_id}, users.update) need a second factor, the password
// digest for an administrator without TOTP or e-mail codes.
func TestTwoFactorProtectedAdminCalls(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{Env: []string{
		"OVERWRITE_SETTING_Accounts_TwoFactorAuthentication_RememberFor=0",
	}})
	admin := srv.Admin(t)
	bob := srv.CreateUser(t, "bob")
	sum := sha256.Sum256([]byte(testserver.AdminPass))
	digest := hex.EncodeToString(sum[:])

	body := map[string]any{"value": "Two Factor Chat"}
	r := admin.Post("/api/v1/settings/Site_Name", body).Fail(t, http.StatusBadRequest, "totp-required")
	if r.Str("details.method") != "password" {
		t.Fatalf("settings details: %s", r.Body)
	}
	admin.WithHeader("x-2fa-code", "0123").WithHeader("x-2fa-method", "password").
		Post("/api/v1/settings/Site_Name", body).Fail(t, http.StatusBadRequest, "totp-invalid")
	if v := admin.Get("/api/v1/settings/Site_Name").OK(t).Get("value"); v == "Two Factor Chat" {
		t.Fatal("the setting changed without the second factor")
	}
	admin.WithHeader("x-2fa-code", digest).WithHeader("x-2fa-method", "password").
		Post("/api/v1/settings/Site_Name", body).OK(t)
	if v := admin.Get("/api/v1/settings/Site_Name").OK(t).Get("value"); v != "Two Factor Chat" {
		t.Fatalf("Site_Name = %v", v)
	}

	upd := map[string]any{"userId": bob.UserID, "data": map[string]any{"name": "Robert"}}
	admin.Post("/api/v1/users.update", upd).Fail(t, http.StatusBadRequest, "totp-required")
	admin.WithHeader("x-2fa-code", digest).WithHeader("x-2fa-method", "password").
		Post("/api/v1/users.update", upd).OK(t)
	if n := admin.Get("/api/v1/users.info", "userId", bob.UserID).OK(t).Str("user.name"); n != "Robert" {
		t.Fatalf("name = %q", n)
	}
}

func loginOK(t *testing.T, c *testserver.Client, body map[string]any) {
	t.Helper()
	if r := c.Post("/api/v1/login", body); r.Status != http.StatusOK || r.Str("status") != "success" {
		t.Fatalf("login: %d %s", r.Status, r.Body)
	}
}
