package twofactor

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"

	"liftoff/model"
)

// Method names, as clients send them in x-2fa-method and the details of
// totp-required.
const (
	MethodTOTP     = "totp"
	MethodEmail    = "email"
	MethodPassword = "password"
)

// HTTP headers a REST client answers totp-required with.
const (
	HeaderCode   = "X-2fa-Code"
	HeaderMethod = "X-2fa-Method"
)

// Options are twoFactorRequired's options.
type Options struct {
	// DisablePasswordFallback: a user without a second factor is not asked
	// for the password (the login's own check).
	DisablePasswordFallback bool
	// DisableRememberMe: a remembered token does not exempt the call.
	DisableRememberMe bool
	// RequireSecondFactor: every user must confirm, by password when there
	// is no other factor; remembered and bypass tokens do not exempt.
	RequireSecondFactor bool
}

// LoginOptions are the options of the check the login itself runs
// (Rocket.Chat's onValidateLogin hook).
var LoginOptions = Options{DisablePasswordFallback: true}

// Token is the login token of the connection making the call, with what a
// previous check remembered on it. Nil when the call has none (the login).
type Token struct {
	// BypassTwoFactor: a personal access token made with bypassTwoFactor.
	BypassTwoFactor bool
	// AuthorizedUntil and AuthorizedHash: Rocket.Chat's
	// twoFactorAuthorizedUntil / twoFactorAuthorizedHash.
	AuthorizedUntil time.Time
	AuthorizedHash  string
}

// Fingerprint identifies a client for the remember-me period: Rocket.Chat's
// MD5 of {"userAgent":..., "clientAddress":...}, so remembered tokens of
// imported users keep their meaning.
func Fingerprint(userAgent, clientAddress string) string {
	b, _ := json.Marshal(struct {
		UserAgent     string `json:"userAgent,omitempty"`
		ClientAddress string `json:"clientAddress,omitempty"`
	}{userAgent, clientAddress})
	h := md5.Sum(b)
	return hex.EncodeToString(h[:])
}

// Request is one check: who, with which code, from which connection.
type Request struct {
	User  User
	State State
	// Code and Method: the code the client sent (the call's twoFactorCode
	// and twoFactorMethod, the DDP login's totp.code, or the x-2fa-code and
	// x-2fa-method headers, which count only when both are there and the
	// call sent neither).
	Code, Method             string
	HeaderCode, HeaderMethod string
	// Token is the connection's login token, nil for the login itself.
	Token *Token
	// Fingerprint is Fingerprint(user agent, client address) of the caller.
	Fingerprint string
	Options     Options
	Now         time.Time
	// CheckPasswordDigest verifies the password fallback: the code is then
	// the hex SHA-256 digest of the user's password (what clients send).
	CheckPasswordDigest func(digest string) bool
}

// Result is a check that passed, and what the caller must persist.
type Result struct {
	// State is the two-factor state to write back when StateChanged (a
	// backup code used up, a TOTP step consumed, an e-mail code removed,
	// issued or counted wrong). It must be written even when Check returns
	// an error: a wrong e-mail code counts, a new e-mail code is issued.
	State        State
	StateChanged bool
	// SendCode, when not "", is a new e-mail code that the caller must send
	// to SendTo with the Sender, after persisting State.
	SendCode string
	SendTo   []string
	// RememberUntil, when not zero, is to be stored on the connection's
	// token with RememberHash (twoFactorAuthorizedUntil/Hash).
	RememberUntil time.Time
	RememberHash  string
	// Method is the factor that was checked ("" when none was needed).
	Method string
}

// errTOTP builds Rocket.Chat's totp-* errors with their details.
func errTOTP(typ, reason, method string, data map[string]any, available []string) *model.Error {
	d := map[string]any{"method": method, "availableMethods": available}
	for k, v := range data {
		d[k] = v
	}
	return &model.Error{Type: typ, Reason: reason, Details: d}
}

// Error types of Check.
const (
	ErrTypeRequired    = "totp-required"
	ErrTypeInvalid     = "totp-invalid"
	ErrTypeMaxAttempts = "totp-max-attempts"
)

// IsRequired reports whether err asks the client for a second factor
// (the client then prompts and repeats the call with the code).
func IsRequired(err error) bool {
	e, ok := err.(*model.Error)
	return ok && e.Type == ErrTypeRequired
}

// availableMethods lists the factors the user has on, TOTP first.
func availableMethods(st State, u User, s Settings) []string {
	out := []string{}
	if s.TOTP && st.TOTP.Enabled {
		out = append(out, MethodTOTP)
	}
	if emailEnabled(st, u, s) {
		out = append(out, MethodEmail)
	}
	return out
}

func passwordFallbackEnabled(u User, s Settings, force bool) bool {
	return force || (s.EnforcePasswordFallback && u.HasPassword)
}

// authorizedByToken is Rocket.Chat's isAuthorizedForToken.
func authorizedByToken(r *Request, s Settings) bool {
	t := r.Token
	if t == nil || r.Options.RequireSecondFactor {
		return false
	}
	if t.BypassTwoFactor {
		return true
	}
	if r.Options.DisableRememberMe {
		return false
	}
	if s.RememberFor > 0 && !r.User.CreatedAt.IsZero() && !r.User.CreatedAt.Add(s.RememberFor).Before(r.Now) {
		return true
	}
	if t.AuthorizedUntil.IsZero() || t.AuthorizedHash == "" || t.AuthorizedUntil.Before(r.Now) {
		return false
	}
	return t.AuthorizedHash == r.Fingerprint
}

// Check is Rocket.Chat's checkCodeForUser: it passes (nil error) when the
// call needs no second factor or carries a valid one, and otherwise fails
// with totp-required (no code), totp-invalid (wrong code) or
// totp-max-attempts, whose details tell the client which method to ask
// for. The limiter, when not nil, blocks users who failed too often; it
// counts failures and resets on success.
func Check(r Request, s Settings, lim *Limiter) (Result, error) {
	res := Result{State: r.State}
	if !s.Enabled {
		return res, nil
	}
	code, method := strings.TrimSpace(r.Code), strings.TrimSpace(r.Method)
	if code == "" && method == "" && r.HeaderCode != "" && r.HeaderMethod != "" {
		code, method = strings.TrimSpace(r.HeaderCode), strings.TrimSpace(r.HeaderMethod)
	}
	if authorizedByToken(&r, s) {
		return res, nil
	}

	// Select the factor: the one named if it is a real factor, else the
	// user's first, else the password when the call demands or allows it.
	selected := ""
	switch {
	case method == MethodTOTP || method == MethodEmail:
		selected = method
	case s.TOTP && r.State.TOTP.Enabled:
		selected = MethodTOTP
	case emailEnabled(r.State, r.User, s):
		selected = MethodEmail
	case r.Options.RequireSecondFactor:
		selected = MethodPassword
	case !r.Options.DisablePasswordFallback && passwordFallbackEnabled(r.User, s, false):
		selected = MethodPassword
	default:
		return res, nil
	}
	res.Method = selected
	available := availableMethods(r.State, r.User, s)

	// E-mail codes: make sure one is on its way (Rocket.Chat's
	// processInvalidCode), unless a live one exists.
	data := map[string]any{"codeGenerated": false}
	if selected == MethodEmail {
		st := res.State
		if st.EmailCode != nil && !r.Now.Before(st.EmailCode.Expires) {
			st.EmailCode = nil
			res.StateChanged = true
		}
		emailOrUsername := r.User.Username
		if emailOrUsername == "" && len(r.User.VerifiedEmails) > 0 {
			emailOrUsername = r.User.VerifiedEmails[0]
		}
		data["emailOrUsername"] = emailOrUsername
		if st.EmailCode != nil && !emailAttemptsExhausted(st, s) {
			data["codeExpires"] = model.TimeOf(st.EmailCode.Expires)
		} else if emailEnabled(st, r.User, s) {
			next, sendCode, err := IssueEmailCode(st, r.Now, s)
			if err != nil {
				return res, err
			}
			st = next
			res.StateChanged = true
			res.SendCode, res.SendTo = sendCode, r.User.VerifiedEmails
			data["codeGenerated"] = true
		}
		res.State = st
	}

	if code == "" {
		return res, errTOTP(ErrTypeRequired, "TOTP Required", selected, data, available)
	}
	if lim != nil && r.User.ID != "" {
		if until := lim.BlockedUntil(r.User.ID, r.Now); !until.IsZero() {
			return res, errTOTP(ErrTypeMaxAttempts, "TOTP Maximun Failed Attempts Reached", selected, data, available)
		}
	}

	valid := false
	switch selected {
	case MethodTOTP:
		if s.TOTP && res.State.TOTP.Enabled {
			t, ok := verifyTOTPOrBackup(res.State.TOTP, code, r.Now, s.MaxDelta)
			if len(t.HashedBackup) != len(res.State.TOTP.HashedBackup) || t.LastStep != res.State.TOTP.LastStep {
				res.StateChanged = true
			}
			res.State.TOTP, valid = t, ok
		}
	case MethodEmail:
		if emailEnabled(res.State, r.User, s) && res.State.EmailCode != nil {
			res.State, valid = verifyEmailCode(res.State, code, r.Now)
			res.StateChanged = true
			if valid {
				// The code just sent (if any) is spent too.
				res.SendCode, res.SendTo = "", nil
			}
		}
	case MethodPassword:
		if passwordFallbackEnabled(r.User, s, r.Options.RequireSecondFactor) && r.CheckPasswordDigest != nil {
			valid = r.CheckPasswordDigest(strings.ToLower(code))
		}
	}
	if !valid {
		if lim != nil && r.User.ID != "" {
			lim.Fail(r.User.ID, r.Now)
		}
		if selected == MethodEmail && emailAttemptsExhausted(res.State, s) {
			return res, errTOTP(ErrTypeMaxAttempts, "TOTP Maximun Failed Attempts Reached", selected, data, available)
		}
		return res, errTOTP(ErrTypeInvalid, "TOTP Invalid", selected, data, available)
	}
	if lim != nil && r.User.ID != "" {
		lim.Reset(r.User.ID)
	}
	if !r.Options.DisableRememberMe && r.Token != nil && s.RememberFor > 0 {
		res.RememberUntil = r.Now.Add(s.RememberFor)
		res.RememberHash = r.Fingerprint
	}
	return res, nil
}
