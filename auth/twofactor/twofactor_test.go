package twofactor

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"liftoff/model"
)

var t0 = time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)

func codeAt(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, at)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func errType(err error) string {
	var e *model.Error
	if errors.As(err, &e) {
		return e.Type
	}
	if err != nil {
		return "other: " + err.Error()
	}
	return ""
}

// enabledState runs 2fa:enable and 2fa:validateTempToken.
func enabledState(t *testing.T, s Settings) (State, string, []string) {
	t.Helper()
	en, err := Enable(State{}, User{Username: "alice"}, s)
	if err != nil {
		t.Fatal(err)
	}
	v, err := ValidateTempToken(en.State, codeAt(t, en.Setup.Secret, t0), t0, s)
	if err != nil {
		t.Fatal(err)
	}
	return v.State, en.Setup.Secret, v.Codes
}

func TestEnableAndValidate(t *testing.T) {
	s := DefaultSettings()
	s.Issuer = "Liftoff"
	if _, err := Enable(State{}, User{}, s); errType(err) != "error-invalid-user" {
		t.Fatalf("no username: %v", err)
	}
	en, err := Enable(State{}, User{Username: "alice"}, s)
	if err != nil {
		t.Fatal(err)
	}
	if en.State.TOTP.Enabled || en.State.TOTP.TempSecret != en.Setup.Secret || len(en.Setup.Secret) < 32 {
		t.Fatalf("enable state %+v", en.State.TOTP)
	}
	u, err := url.Parse(en.Setup.URL)
	if err != nil || u.Scheme != "otpauth" || u.Host != "totp" || u.Query().Get("secret") != en.Setup.Secret ||
		u.Query().Get("issuer") != "Liftoff" || !strings.Contains(u.Path, "alice") {
		t.Fatalf("otpauth url %q", en.Setup.URL)
	}
	if _, err := ValidateTempToken(State{}, "123456", t0, s); errType(err) != "invalid-totp" {
		t.Fatalf("no temp secret: %v", err)
	}
	wrong := codeAt(t, en.Setup.Secret, t0.Add(10*Period))
	if _, err := ValidateTempToken(en.State, wrong, t0, s); errType(err) != "invalid-totp" {
		t.Fatalf("wrong code: %v", err)
	}
	v, err := ValidateTempToken(en.State, codeAt(t, en.Setup.Secret, t0), t0, s)
	if err != nil {
		t.Fatal(err)
	}
	if !v.State.TOTP.Enabled || v.State.TOTP.Secret != en.Setup.Secret || v.State.TOTP.TempSecret != "" || !v.LogoutOtherSessions {
		t.Fatalf("validated state %+v", v)
	}
	if len(v.Codes) != BackupCodeCount || len(v.State.TOTP.HashedBackup) != BackupCodeCount {
		t.Fatalf("backup codes %v", v.Codes)
	}
	seen := map[string]bool{}
	for i, c := range v.Codes {
		if len(c) != BackupCodeLength || seen[c] || v.State.TOTP.HashedBackup[i] == c || v.State.TOTP.HashedBackup[i] != hashBackupCode(c) {
			t.Fatalf("code %d %q stored as %q", i, c, v.State.TOTP.HashedBackup[i])
		}
		seen[c] = true
	}
	if _, err := Enable(v.State, User{Username: "alice"}, s); errType(err) != "error-2fa-already-enabled" {
		t.Fatalf("enable twice: %v", err)
	}
}

func TestTOTPWindowAndSingleUse(t *testing.T) {
	s := DefaultSettings() // MaxDelta 1
	st, secret, _ := enabledState(t, s)
	now := t0.Add(10 * Period)
	tests := []struct {
		name string
		at   time.Time // when the code was made
		ok   bool
	}{
		{"current step", now, true},
		{"same code again", now, false},
		{"one step late is refused after a newer step was used", now.Add(-Period), false},
		{"one step early", now.Add(Period), true},
		{"two steps early", now.Add(3 * Period), false},
	}
	for _, tc := range tests {
		next, ok := verifyTOTPOrBackup(st.TOTP, codeAt(t, secret, tc.at), now, s.MaxDelta)
		if ok != tc.ok {
			t.Fatalf("%s: ok %v", tc.name, ok)
		}
		st.TOTP = next
	}
	// One step late is fine while no newer step was used.
	st2, secret2, _ := enabledState(t, s)
	if _, ok := verifyTOTPOrBackup(st2.TOTP, codeAt(t, secret2, now.Add(-Period)), now, 1); !ok {
		t.Fatal("one step late refused")
	}
	if _, ok := verifyTOTPOrBackup(st2.TOTP, codeAt(t, secret2, now.Add(-Period)), now, 0); ok {
		t.Fatal("one step late accepted with MaxDelta 0")
	}
}

func TestBackupCodesAndMethods(t *testing.T) {
	s := DefaultSettings()
	st, secret, codes := enabledState(t, s)
	now := t0.Add(time.Hour)
	if n, err := CodesRemaining(st); err != nil || n != 12 {
		t.Fatalf("remaining %d %v", n, err)
	}
	next, ok := verifyTOTPOrBackup(st.TOTP, codes[3], now, 1)
	if !ok || len(next.HashedBackup) != 11 || len(st.TOTP.HashedBackup) != 12 {
		t.Fatalf("backup code: ok %v, left %d (old state %d)", ok, len(next.HashedBackup), len(st.TOTP.HashedBackup))
	}
	if _, ok := verifyTOTPOrBackup(next, codes[3], now, 1); ok {
		t.Fatal("backup code accepted twice")
	}
	st.TOTP = next

	// 2fa:regenerateCodes
	if _, got, err := RegenerateCodes(st, "00000000", now, s); err != nil || got != nil {
		t.Fatalf("regenerate with a wrong code: %v %v", got, err)
	}
	st2, fresh, err := RegenerateCodes(st, codeAt(t, secret, now), now, s)
	if err != nil || len(fresh) != 12 || len(st2.TOTP.HashedBackup) != 12 {
		t.Fatalf("regenerate: %v %v", fresh, err)
	}
	if _, ok := verifyTOTPOrBackup(st2.TOTP, codes[0], now, 1); ok {
		t.Fatal("an old backup code survived regeneration")
	}
	if _, _, err := RegenerateCodes(State{}, "123456", now, s); errType(err) != "invalid-totp" {
		t.Fatalf("regenerate without totp: %v", err)
	}
	if _, err := CodesRemaining(State{}); errType(err) != "invalid-totp" {
		t.Fatalf("remaining without totp: %v", err)
	}

	// 2fa:disable
	if _, ok := Disable(st2, "12345678", now, s); ok {
		t.Fatal("disabled with a wrong code")
	}
	off, ok := Disable(st2, fresh[0], now, s)
	if !ok || off.TOTP.Enabled || off.TOTP.Secret != "" || len(off.TOTP.HashedBackup) != 0 {
		t.Fatalf("disable: %v %+v", ok, off.TOTP)
	}
	if _, ok := Disable(off, fresh[1], now, s); ok {
		t.Fatal("disable when already off")
	}
}

func TestEmailCodes(t *testing.T) {
	s := DefaultSettings()
	st := EnableEmail(State{}, t0)
	st, code, err := IssueEmailCode(st, t0, s)
	if err != nil || len(code) != 6 || st.EmailCode == nil || strings.Contains(st.EmailCode.Hash, code) {
		t.Fatalf("issue: %q %+v %v", code, st.EmailCode, err)
	}
	if FormatCode("123456") != "123-456" {
		t.Fatal(FormatCode("123456"))
	}
	bad, ok := verifyEmailCode(st, "000000", t0)
	if ok && code != "000000" {
		t.Fatal("wrong code accepted")
	}
	if bad.EmailCode.InvalidAttempts != 1 {
		t.Fatalf("attempts %d", bad.EmailCode.InvalidAttempts)
	}
	if _, ok := verifyEmailCode(st, FormatCode(code), t0.Add(2*time.Hour)); ok {
		t.Fatal("expired code accepted")
	}
	used, ok := verifyEmailCode(st, FormatCode(code), t0.Add(time.Minute))
	if !ok || used.EmailCode != nil {
		t.Fatalf("right code: %v %+v", ok, used.EmailCode)
	}
	if _, ok := verifyEmailCode(used, code, t0.Add(time.Minute)); ok {
		t.Fatal("e-mail code accepted twice")
	}
	if st := DisableEmail(st, t0); st.Email.Enabled || st.EmailCode != nil {
		t.Fatalf("disable email %+v", st)
	}
	if st := NewUserState(s, t0); !st.Email.Enabled {
		t.Fatal("auto opt-in off")
	}
}

func TestCheck(t *testing.T) {
	s := DefaultSettings()
	totpState, secret, backup := enabledState(t, s)
	now := t0.Add(time.Hour)
	good := codeAt(t, secret, now)
	fp := Fingerprint("Mozilla", "10.0.0.1")
	old := t0.Add(-24 * time.Hour) // registered long ago
	alice := User{ID: "u1", Username: "alice", VerifiedEmails: []string{"alice@example.org"}, HasPassword: true, CreatedAt: old}
	digestOK := func(d string) bool { return d == "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8" }
	emailState := EnableEmail(State{}, t0)

	tests := []struct {
		name    string
		s       func(*Settings)
		req     Request
		errType string
		check   func(t *testing.T, r Result, err error)
	}{
		{name: "2FA off passes", s: func(s *Settings) { s.Enabled = false }, req: Request{User: alice, State: totpState}},
		{name: "no factor and no password passes", req: Request{User: User{ID: "u2", Username: "b", CreatedAt: old}}},
		{name: "password fallback is asked for", req: Request{User: alice}, errType: "totp-required",
			check: func(t *testing.T, r Result, err error) {
				d := err.(*model.Error).Details
				if d["method"] != "password" || len(d["availableMethods"].([]string)) != 0 || d["codeGenerated"] != false {
					t.Fatalf("details %v", d)
				}
			}},
		{name: "password fallback off in settings passes", s: func(s *Settings) { s.EnforcePasswordFallback = false }, req: Request{User: alice}},
		{name: "the login itself never falls back to the password", req: Request{User: alice, Options: LoginOptions}},
		{name: "password digest confirms", req: Request{User: alice, Code: strings.ToUpper("5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8"),
			Method: "password", CheckPasswordDigest: digestOK}},
		{name: "wrong password digest", req: Request{User: alice, Code: "abc", Method: "password", CheckPasswordDigest: digestOK}, errType: "totp-invalid"},
		{name: "requireSecondFactor asks users without a password too",
			req: Request{User: User{ID: "u3", Username: "c", CreatedAt: old}, Options: Options{RequireSecondFactor: true}}, errType: "totp-required"},
		{name: "totp user without code", req: Request{User: alice, State: totpState, Options: LoginOptions}, errType: "totp-required",
			check: func(t *testing.T, r Result, err error) {
				d := err.(*model.Error).Details
				if d["method"] != "totp" || strings.Join(d["availableMethods"].([]string), ",") != "totp" {
					t.Fatalf("details %v", d)
				}
				if err.Error() != "TOTP Required [totp-required]" {
					t.Fatalf("message %q", err.Error())
				}
			}},
		{name: "totp code passes and consumes its step", req: Request{User: alice, State: totpState, Code: good, Options: LoginOptions},
			check: func(t *testing.T, r Result, err error) {
				if !r.StateChanged || r.State.TOTP.LastStep != step(now) || r.Method != "totp" {
					t.Fatalf("result %+v", r)
				}
			}},
		{name: "the x-2fa headers carry the code", req: Request{User: alice, State: totpState, HeaderCode: good, HeaderMethod: "totp"}},
		{name: "one header alone does not count", req: Request{User: alice, State: totpState, HeaderCode: good}, errType: "totp-required"},
		{name: "wrong totp code", req: Request{User: alice, State: totpState, Code: "000000"}, errType: "totp-invalid"},
		{name: "replayed totp code", req: Request{User: alice, State: func() State { s := totpState; s.TOTP.LastStep = step(now); return s }(), Code: good},
			errType: "totp-invalid"},
		{name: "backup code passes once", req: Request{User: alice, State: totpState, Code: backup[5]},
			check: func(t *testing.T, r Result, err error) {
				if len(r.State.TOTP.HashedBackup) != 11 || !r.StateChanged {
					t.Fatalf("result %+v", r.State.TOTP)
				}
			}},
		{name: "remembered token from the same client passes",
			req: Request{User: alice, State: totpState, Token: &Token{AuthorizedUntil: now.Add(time.Minute), AuthorizedHash: fp}, Fingerprint: fp}},
		{name: "remembered token from another client is asked",
			req: Request{User: alice, State: totpState, Token: &Token{AuthorizedUntil: now.Add(time.Minute), AuthorizedHash: fp},
				Fingerprint: Fingerprint("curl", "10.0.0.2")}, errType: "totp-required"},
		{name: "expired remembrance is asked",
			req:     Request{User: alice, State: totpState, Token: &Token{AuthorizedUntil: now.Add(-time.Second), AuthorizedHash: fp}, Fingerprint: fp},
			errType: "totp-required"},
		{name: "disableRememberMe ignores remembrance",
			req: Request{User: alice, State: totpState, Token: &Token{AuthorizedUntil: now.Add(time.Minute), AuthorizedHash: fp}, Fingerprint: fp,
				Options: Options{DisableRememberMe: true}}, errType: "totp-required"},
		{name: "bypass token passes", req: Request{User: alice, State: totpState, Token: &Token{BypassTwoFactor: true}}},
		{name: "bypass token does not pass requireSecondFactor",
			req: Request{User: alice, State: totpState, Token: &Token{BypassTwoFactor: true}, Options: Options{RequireSecondFactor: true}}, errType: "totp-required"},
		{name: "new accounts are remembered after registering",
			req: Request{User: User{ID: "u1", Username: "alice", HasPassword: true, CreatedAt: now.Add(-time.Minute)}, State: totpState, Token: &Token{}}},
		{name: "a passed check is remembered on the token",
			req: Request{User: alice, State: totpState, Code: good, Token: &Token{}, Fingerprint: fp},
			check: func(t *testing.T, r Result, err error) {
				if !r.RememberUntil.Equal(now.Add(30*time.Minute)) || r.RememberHash != fp {
					t.Fatalf("remember %v %q", r.RememberUntil, r.RememberHash)
				}
			}},
		{name: "e-mail user without code gets a code sent", req: Request{User: alice, State: emailState}, errType: "totp-required",
			check: func(t *testing.T, r Result, err error) {
				d := err.(*model.Error).Details
				if d["method"] != "email" || d["codeGenerated"] != true || d["emailOrUsername"] != "alice" {
					t.Fatalf("details %v", d)
				}
				if len(r.SendCode) != 6 || r.SendTo[0] != "alice@example.org" || !r.StateChanged || r.State.EmailCode == nil {
					t.Fatalf("result %+v", r)
				}
			}},
		{name: "e-mail off for OAuth users", s: func(s *Settings) { s.EmailForOAuthUsers = false },
			req: Request{User: User{ID: "u4", Username: "o", OAuthUser: true, VerifiedEmails: []string{"o@x"}, CreatedAt: old}, State: emailState}},
		{name: "named method that the user lacks is invalid", req: Request{User: alice, State: totpState, Code: "123456", Method: "email"},
			errType: "totp-invalid"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			set := s
			if tc.s != nil {
				tc.s(&set)
			}
			tc.req.Now = now
			r, err := Check(tc.req, set, nil)
			if got := errType(err); got != tc.errType {
				t.Fatalf("error %q (%v), want %q", got, err, tc.errType)
			}
			if tc.check != nil {
				tc.check(t, r, err)
			}
		})
	}
}

func TestCheckEmailFlow(t *testing.T) {
	s := DefaultSettings()
	s.MaxInvalidEmailCodeAttempts = 2
	now := t0
	alice := User{ID: "u1", Username: "alice", VerifiedEmails: []string{"alice@example.org"}, CreatedAt: t0.Add(-48 * time.Hour)}
	r, err := Check(Request{User: alice, State: EnableEmail(State{}, t0), Now: now}, s, nil)
	if errType(err) != "totp-required" || r.SendCode == "" {
		t.Fatalf("first call: %v %+v", err, r)
	}
	st, code := r.State, r.SendCode
	// Asked again: the live code is not re-sent.
	r, err = Check(Request{User: alice, State: st, Now: now.Add(time.Minute)}, s, nil)
	if errType(err) != "totp-required" || r.SendCode != "" || err.(*model.Error).Details["codeExpires"] == nil {
		t.Fatalf("second call: %v %+v", err, r)
	}
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	r, err = Check(Request{User: alice, State: st, Code: wrong, Method: "email", Now: now.Add(time.Minute)}, s, nil)
	if errType(err) != "totp-invalid" || r.State.EmailCode.InvalidAttempts != 1 {
		t.Fatalf("wrong code: %v %+v", err, r.State.EmailCode)
	}
	r, err = Check(Request{User: alice, State: r.State, Code: wrong, Method: "email", Now: now.Add(time.Minute)}, s, nil)
	if errType(err) != "totp-max-attempts" {
		t.Fatalf("attempts exhausted: %v", err)
	}
	// After exhausting, a new code is issued on the next call and the old one is dead.
	r, err = Check(Request{User: alice, State: r.State, Now: now.Add(2 * time.Minute)}, s, nil)
	if errType(err) != "totp-required" || r.SendCode == "" {
		t.Fatalf("after exhaustion: %v %+v", err, r)
	}
	r2, err := Check(Request{User: alice, State: r.State, Code: FormatCode(r.SendCode), Method: "email", Now: now.Add(3 * time.Minute)}, s, nil)
	if err != nil || r2.State.EmailCode != nil {
		t.Fatalf("right code: %v %+v", err, r2.State.EmailCode)
	}
}

func TestLimiterBlocksGuessing(t *testing.T) {
	s := DefaultSettings()
	st, secret, _ := enabledState(t, s)
	lim := NewLimiter(3, time.Minute)
	alice := User{ID: "u1", Username: "alice", CreatedAt: t0.Add(-48 * time.Hour)}
	now := t0.Add(time.Hour)
	for i := 0; i < 3; i++ {
		if _, err := Check(Request{User: alice, State: st, Code: "000000", Now: now}, s, lim); errType(err) != "totp-invalid" {
			t.Fatalf("guess %d: %v", i, err)
		}
	}
	good := codeAt(t, secret, now)
	if _, err := Check(Request{User: alice, State: st, Code: good, Now: now}, s, lim); errType(err) != "totp-max-attempts" {
		t.Fatalf("blocked user with the right code: %v", err)
	}
	// The block ends, then a second run of failures blocks twice as long.
	now = now.Add(time.Minute)
	for i := 0; i < 3; i++ {
		_, _ = Check(Request{User: alice, State: st, Code: "000000", Now: now}, s, lim)
	}
	if until := lim.BlockedUntil("u1", now); !until.Equal(now.Add(2 * time.Minute)) {
		t.Fatalf("second block until %v", until)
	}
	now = now.Add(2 * time.Minute)
	good = codeAt(t, secret, now)
	if _, err := Check(Request{User: alice, State: st, Code: good, Now: now}, s, lim); err != nil {
		t.Fatalf("after the block: %v", err)
	}
	if !lim.BlockedUntil("u1", now).IsZero() {
		t.Fatal("success did not reset")
	}
}

func TestFingerprint(t *testing.T) {
	// md5 of {"userAgent":"Mozilla","clientAddress":"10.0.0.1"}, as Rocket.Chat computes it.
	if got := Fingerprint("Mozilla", "10.0.0.1"); got != "a37930eb47538f48acd5e0acfa256d74" {
		t.Fatalf("fingerprint %q", got)
	}
	if Fingerprint("a", "b") == Fingerprint("a", "c") {
		t.Fatal("fingerprint ignores the address")
	}
}
