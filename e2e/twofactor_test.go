package e2e

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"liftoff/internal/testserver"
)

// totpCode is the authenticator app's code for secret at the server's time.
func totpCode(t *testing.T, srv *testserver.Server, secret string) string {
	t.Helper()
	code, err := totp.GenerateCode(secret, srv.Now())
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// enableTOTP turns TOTP on for the user logged in on c through 2fa:enable
// and 2fa:validateTempToken, and returns the secret and the backup codes.
func enableTOTP(t *testing.T, srv *testserver.Server, c *ddpConn) (string, []string) {
	t.Helper()
	var setup struct{ Secret, URL string }
	c.call(&setup, "2fa:enable")
	if setup.Secret == "" || setup.URL == "" {
		t.Fatalf("2fa:enable: %+v", setup)
	}
	// A wrong first code changes nothing: the answer is empty.
	if r := c.callRaw("2fa:validateTempToken", "000000"); r.Error != nil || (len(r.Result) > 0 && string(r.Result) != "null") {
		t.Fatalf("wrong first code: %s %v", r.Result, r.Error)
	}
	var res struct{ Codes []string }
	c.call(&res, "2fa:validateTempToken", totpCode(t, srv, setup.Secret))
	if len(res.Codes) != 12 {
		t.Fatalf("backup codes: %v", res.Codes)
	}
	return setup.Secret, res.Codes
}

func TestTwoFactorTOTP(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{Env: []string{
		// No grace after registration: every protected call needs the factor.
		"OVERWRITE_SETTING_Accounts_TwoFactorAuthentication_RememberFor=0",
	}})
	bob := srv.CreateUser(t, "bob")
	other := srv.Login(t, "bob", "bob-pass") // another session, ended by enabling TOTP
	bob.Get("/api/v1/me").OK(t)

	c := ddpDial(t, srv)
	c.login("bob", "bob-pass")
	c.callFail("invalid-totp", "2fa:checkCodesRemaining")
	secret, backup := enableTOTP(t, srv, c)
	other.Get("/api/v1/me").Fail(t, http.StatusUnauthorized, "")
	c.callFail("error-2fa-already-enabled", "2fa:enable")
	var remaining struct{ Remaining int }
	c.call(&remaining, "2fa:checkCodesRemaining")
	if remaining.Remaining != 12 {
		t.Fatalf("remaining = %d", remaining.Remaining)
	}

	anon := srv.Anon(t)
	login := map[string]any{"user": "bob", "password": "bob-pass"}
	// REST login: the code is required, wrong and replayed codes refused.
	r := anon.Post("/api/v1/login", login)
	if r.Status != http.StatusUnauthorized || r.Str("error") != "totp-required" || r.Str("details.method") != "totp" {
		t.Fatalf("login without code: %d %s", r.Status, r.Body)
	}
	r = anon.Post("/api/v1/login", map[string]any{"user": "bob", "password": "bob-pass", "code": "123456"})
	if r.Status != http.StatusUnauthorized || r.Str("error") != "totp-invalid" {
		t.Fatalf("login with wrong code: %d %s", r.Status, r.Body)
	}
	srv.Advance(t, 30*time.Second) // the step the activation used is spent
	code := totpCode(t, srv, secret)
	r = anon.Post("/api/v1/login", map[string]any{"user": "bob", "password": "bob-pass", "code": code})
	if r.Status != http.StatusOK || r.Str("data.userId") != bob.UserID {
		t.Fatalf("login with code: %d %s", r.Status, r.Body)
	}
	bob2 := srv.Anon(t)
	bob2.UserID, bob2.Token = r.Str("data.userId"), r.Str("data.authToken")
	if me := bob2.Get("/api/v1/me").OK(t); me.Get("services.totp.enabled") != true {
		t.Fatalf("me does not show TOTP on: %s", me.Body)
	}
	r = anon.Post("/api/v1/login", map[string]any{"totp": map[string]any{"login": login, "code": code}})
	if r.Status != http.StatusUnauthorized || r.Str("error") != "totp-invalid" {
		t.Fatalf("replayed code: %d %s", r.Status, r.Body)
	}

	// DDP login: totp-required with its details, then a backup code works once.
	d := ddpDial(t, srv)
	pw := map[string]any{"user": map[string]any{"username": "bob"}, "password": "bob-pass"}
	e := d.callFail("totp-required", "login", pw)
	if det, _ := e["details"].(map[string]any); det["method"] != "totp" {
		t.Fatalf("DDP totp-required details: %v", e)
	}
	var res struct{ ID, Token string }
	d.call(&res, "login", map[string]any{"totp": map[string]any{"login": pw, "code": backup[0]}})
	if res.ID != bob.UserID || res.Token == "" {
		t.Fatalf("backup code login: %+v", res)
	}
	ddpDial(t, srv).callFail("totp-invalid", "login", map[string]any{"totp": map[string]any{"login": pw, "code": backup[0]}})
	d.call(&remaining, "2fa:checkCodesRemaining")
	if remaining.Remaining != 11 {
		t.Fatalf("remaining after a backup code = %d", remaining.Remaining)
	}

	// Protected REST calls: the factor in x-2fa-code / x-2fa-method.
	bob = bob2
	r = bob.Post("/api/v1/users.updateOwnBasicInfo", map[string]any{"data": map[string]any{"newPassword": "bob-new"}}).Fail(t, 400, "totp-required")
	if r.Str("details.method") != "totp" {
		t.Fatalf("password change details: %s", r.Body)
	}
	bob.WithHeader("x-2fa-code", "111111").WithHeader("x-2fa-method", "totp").
		Post("/api/v1/users.updateOwnBasicInfo", map[string]any{"data": map[string]any{"newPassword": "bob-new"}}).Fail(t, 400, "totp-invalid")
	bob.Post("/api/v1/users.generatePersonalAccessToken", map[string]any{"tokenName": "ci"}).Fail(t, 400, "totp-required")
	srv.Advance(t, 30*time.Second)
	code = totpCode(t, srv, secret)
	bob.WithHeader("x-2fa-code", code).WithHeader("x-2fa-method", "totp").
		Post("/api/v1/users.updateOwnBasicInfo", map[string]any{"data": map[string]any{"newPassword": "bob-new"}}).OK(t)
	bob.WithHeader("x-2fa-code", code).WithHeader("x-2fa-method", "totp").
		Post("/api/v1/users.generatePersonalAccessToken", map[string]any{"tokenName": "ci"}).Fail(t, 400, "totp-invalid")
	bob.WithHeader("x-2fa-code", backup[1]).WithHeader("x-2fa-method", "totp").
		Post("/api/v1/users.generatePersonalAccessToken", map[string]any{"tokenName": "ci"}).OK(t)

	// The same calls through method.call.
	call := func(method string, params ...any) *testserver.Response {
		if params == nil {
			params = []any{}
		}
		msg, _ := json.Marshal(map[string]any{"msg": "method", "id": "1", "method": method, "params": params})
		return bob.Post("/api/v1/method.call/"+method, map[string]any{"message": string(msg)}).OK(t)
	}
	var out struct {
		Result struct{ Remaining int } `json:"result"`
	}
	if err := json.Unmarshal([]byte(call("2fa:checkCodesRemaining").Str("message")), &out); err != nil || out.Result.Remaining != 10 {
		t.Fatalf("method.call 2fa:checkCodesRemaining: %+v %v", out, err)
	}

	// The password change above ended every other session of bob's, the
	// DDP connection d among them: continue on one of the kept token.
	if !d.waitClosed(10 * time.Second) {
		t.Fatal("the DDP connection of a removed token stayed open after the password change")
	}
	d = resumeDDP(t, srv, bob.Token)

	// New backup codes need a right code; disabling too.
	if r := d.callRaw("2fa:regenerateCodes", "000000"); r.Error != nil || (len(r.Result) > 0 && string(r.Result) != "null") {
		t.Fatalf("regenerate with a wrong code: %s %v", r.Result, r.Error)
	}
	var regen struct{ Codes []string }
	d.call(&regen, "2fa:regenerateCodes", backup[2])
	if len(regen.Codes) != 12 {
		t.Fatalf("regenerated: %v", regen.Codes)
	}
	var off bool
	d.call(&off, "2fa:disable", backup[3]) // an old code no longer counts
	if off {
		t.Fatal("disabled with a replaced backup code")
	}
	d.call(&off, "2fa:disable", regen.Codes[0])
	if !off {
		t.Fatal("2fa:disable with a backup code failed")
	}
	srv.Login(t, "bob", "bob-new") // no second factor any more
}
