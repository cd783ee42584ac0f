package e2e

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"testing"

	"liftoff/internal/testserver"
)

// callAnon runs a DDP method through the REST bridge without a login and
// returns its result message.
func callAnon(t *testing.T, srv *testserver.Server, method string, params ...any) map[string]any {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"msg": "method", "method": method, "params": params, "id": "1"})
	r := srv.Anon(t).Post("/api/v1/method.callAnon/"+method, map[string]any{"message": string(b)}).OK(t)
	var out map[string]any
	if err := json.Unmarshal([]byte(r.Str("message")), &out); err != nil {
		t.Fatalf("result of %s: %s", method, r.Body)
	}
	return out
}

var (
	resetLink  = regexp.MustCompile(`/reset-password/([A-Za-z0-9_.-]+)`)
	verifyLink = regexp.MustCompile(`/verify-email/([A-Za-z0-9_.-]+)`)
)

// TestPasswordResetAndVerification covers the account e-mails through a
// real SMTP server: users.forgotPassword e-mails a link whose token
// resetPassword redeems (the new password works, the old one and the old
// sessions do not, the link works once); users.sendConfirmationEmail
// e-mails a link whose token verifyEmail redeems.
func TestPasswordResetAndVerification(t *testing.T) {
	mp := startMailpit(t, 0)
	srv := testserver.Start(t, testserver.Options{Env: []string{
		"OVERWRITE_SETTING_SMTP_Host=127.0.0.1", "OVERWRITE_SETTING_SMTP_Port=" + strconv.Itoa(mp.smtpPort),
		"OVERWRITE_SETTING_From_Email=chat@example.org", "OVERWRITE_SETTING_Site_Url=http://chat.example.org",
		"OVERWRITE_SETTING_Accounts_Password_Policy_Enabled=true", "OVERWRITE_SETTING_Accounts_Password_Policy_MinLength=8",
		// Rocket.Chat's other rules are on by default; these test the length.
		"OVERWRITE_SETTING_Accounts_Password_Policy_ForbidRepeatingCharacters=false",
		"OVERWRITE_SETTING_Accounts_Password_Policy_AtLeastOneLowercase=false", "OVERWRITE_SETTING_Accounts_Password_Policy_AtLeastOneUppercase=false",
		"OVERWRITE_SETTING_Accounts_Password_Policy_AtLeastOneNumber=false", "OVERWRITE_SETTING_Accounts_Password_Policy_AtLeastOneSpecialCharacter=false",
	}})
	bob := srv.CreateUser(t, "bob", map[string]any{"verified": true})
	carol := srv.CreateUser(t, "carol")
	anon := srv.Anon(t)

	anon.Post("/api/v1/users.forgotPassword", map[string]any{}).Fail(t, 400, "error-invalid-params")
	anon.Post("/api/v1/users.forgotPassword", map[string]any{"email": "nobody@example.org"}).OK(t)
	anon.Post("/api/v1/users.forgotPassword", map[string]any{"email": "Bob@Example.org"}).OK(t)
	mails := mp.wait(t, 1)
	if len(mails) != 1 || mails[0].To[0].Address != "bob@example.org" || mails[0].Subject != "Rocket.Chat - Password Recovery" {
		t.Fatalf("reset e-mails: %+v", mails)
	}
	m := resetLink.FindStringSubmatch(mails[0].Text)
	if m == nil || !regexp.MustCompile(`http://chat\.example\.org/reset-password/`).MatchString(mails[0].HTML) {
		t.Fatalf("no reset link in %q", mails[0].Text)
	}
	token := m[1]

	// pw.getPolicyReset shows the policy to the holder of a valid token only.
	if r := anon.Get("/api/v1/pw.getPolicyReset", "token", token).OK(t); r.Get("enabled") != true || r.List("policy") == nil {
		t.Fatalf("pw.getPolicyReset: %s", r.Body)
	}
	anon.Get("/api/v1/pw.getPolicyReset", "token", token+"x").Fail(t, http.StatusForbidden, "")

	if e, _ := callAnon(t, srv, "resetPassword", token+"x", "new-pass")["error"].(map[string]any); e["reason"] != "Token expired" {
		t.Fatalf("forged token: %v", e)
	}
	// A password the policy refuses changes nothing; the link stays good.
	if e, _ := callAnon(t, srv, "resetPassword", token, "short")["error"].(map[string]any); e["error"] != "error-password-policy-not-met-minLength" {
		t.Fatalf("a password under the policy's minimum: %v", e)
	}
	srv.Login(t, "bob", "bob-pass")
	res := callAnon(t, srv, "resetPassword", token, "new-pass")
	login, _ := res["result"].(map[string]any)
	if login["id"] != bob.UserID || login["token"] == "" {
		t.Fatalf("resetPassword: %v", res)
	}
	bob.Get("/api/v1/me").Fail(t, http.StatusUnauthorized, "")
	if r := anon.Post("/api/v1/login", map[string]any{"user": "bob", "password": "bob-pass"}); r.Status != http.StatusUnauthorized {
		t.Fatalf("the old password still works: %d", r.Status)
	}
	srv.Login(t, "bob", "new-pass").Get("/api/v1/me").OK(t)
	if e, _ := callAnon(t, srv, "resetPassword", token, "again")["error"].(map[string]any); e["reason"] != "Token expired" {
		t.Fatalf("the link worked twice: %v", e)
	}
	anon.Get("/api/v1/pw.getPolicyReset", "token", token).Fail(t, http.StatusForbidden, "") // used

	// Verification.
	if v := srv.Admin(t).Get("/api/v1/users.info", "userId", carol.UserID).OK(t).Get("user.emails.0.verified"); v != false {
		t.Fatalf("carol starts verified: %v", v)
	}
	carol.Post("/api/v1/users.sendConfirmationEmail", map[string]any{"email": "carol@example.org"}).OK(t)
	carol.Post("/api/v1/users.sendConfirmationEmail", map[string]any{"email": "nobody@example.org"}).Fail(t, 400, "")
	mails = mp.wait(t, 2)
	vm := mails[len(mails)-1]
	m = verifyLink.FindStringSubmatch(vm.Text)
	if vm.To[0].Address != "carol@example.org" || m == nil {
		t.Fatalf("verification e-mail: %+v", vm)
	}
	res = callAnon(t, srv, "verifyEmail", m[1])
	if login, _ := res["result"].(map[string]any); login["id"] != carol.UserID {
		t.Fatalf("verifyEmail: %v", res)
	}
	if v := srv.Admin(t).Get("/api/v1/users.info", "userId", carol.UserID).OK(t).Get("user.emails.0.verified"); v != true {
		t.Fatalf("carol is not verified: %v", v)
	}

	// sendSMTPTestEmail: at once, to the caller.
	res = callAs(t, carol, "sendSMTPTestEmail")
	if r, _ := res["result"].(map[string]any); r["message"] != "Your_mail_was_sent_to_s" {
		t.Fatalf("sendSMTPTestEmail: %v", res)
	}
	mails = mp.wait(t, 3)
	if last := mails[len(mails)-1]; last.Subject != "SMTP Test Email" || last.To[0].Address != "carol@example.org" {
		t.Fatalf("test e-mail: %+v", last)
	}

	// users.sendWelcomeEmail: send-mail only, to an existing user.
	carol.Post("/api/v1/users.sendWelcomeEmail", map[string]any{"email": "carol@example.org"}).Fail(t, 403, "")
	admin := srv.Admin(t)
	admin.Post("/api/v1/users.sendWelcomeEmail", map[string]any{"email": "nobody@example.org"}).Fail(t, 400, "error-invalid-user")
	admin.Post("/api/v1/users.sendWelcomeEmail", map[string]any{"email": "carol@example.org"}).OK(t)
	mails = mp.wait(t, 4)
	if last := mails[len(mails)-1]; last.Subject != "Welcome to Rocket.Chat" || last.To[0].Address != "carol@example.org" {
		t.Fatalf("welcome e-mail: %+v", last)
	}

	// sendInvitationEmail: bulk-register-user only; invalid addresses skipped.
	if e, _ := callAs(t, carol, "sendInvitationEmail", []string{"x@example.org"})["error"].(map[string]any); e["error"] != "error-not-allowed" {
		t.Fatalf("carol's invitation: %v", e)
	}
	res = callAs(t, admin, "sendInvitationEmail", []string{"zoe@example.org", "not an address"})
	if sent, _ := res["result"].([]any); len(sent) != 1 || sent[0] != "zoe@example.org" {
		t.Fatalf("sendInvitationEmail: %v", res)
	}
	mails = mp.wait(t, 5)
	if last := mails[len(mails)-1]; last.Subject != "You have been invited to Rocket.Chat" || last.To[0].Address != "zoe@example.org" {
		t.Fatalf("invitation e-mail: %+v", last)
	}
}

// callAs runs a DDP method through the REST bridge as the client's user
// and returns its result message.
func callAs(t *testing.T, c *testserver.Client, method string, params ...any) map[string]any {
	t.Helper()
	if params == nil {
		params = []any{}
	}
	b, _ := json.Marshal(map[string]any{"msg": "method", "method": method, "params": params, "id": "1"})
	r := c.Post("/api/v1/method.call/"+method, map[string]any{"message": string(b)}).OK(t)
	var out map[string]any
	if err := json.Unmarshal([]byte(r.Str("message")), &out); err != nil {
		t.Fatalf("result of %s: %s", method, r.Body)
	}
	return out
}
