package twofactor

import (
	"strings"
	"time"

	"liftoff/model"
)

// Errors of the 2fa methods, with Rocket.Chat's types.
var (
	ErrInvalidUser    = &model.Error{Type: "error-invalid-user", Reason: "Invalid user"}
	ErrAlreadyEnabled = &model.Error{Type: "error-2fa-already-enabled"}
	ErrInvalidTOTP    = &model.Error{Type: "invalid-totp"}
)

// EnableResult is 2fa:enable's outcome.
type EnableResult struct {
	State State
	Setup Setup
}

// Enable is 2fa:enable: it proposes a new TOTP secret, kept as TempSecret
// until the user proves their app has it (ValidateTempToken). A user
// without a username cannot enable it; one with TOTP on must disable it first.
func Enable(st State, u User, s Settings) (EnableResult, error) {
	if strings.TrimSpace(u.Username) == "" {
		return EnableResult{}, ErrInvalidUser
	}
	if st.TOTP.Enabled {
		return EnableResult{}, ErrAlreadyEnabled
	}
	setup, err := newSecret(s.Issuer, u.Username)
	if err != nil {
		return EnableResult{}, err
	}
	st.TOTP = TOTPState{Enabled: false, TempSecret: setup.Secret}
	return EnableResult{State: st, Setup: setup}, nil
}

// ValidateResult is 2fa:validateTempToken's outcome.
type ValidateResult struct {
	State State
	// Codes are the new backup codes, shown to the user this once and
	// stored only hashed.
	Codes []string
	// LogoutOtherSessions: Rocket.Chat logs every other session of the user
	// out (all login tokens but the caller's and personal access tokens).
	LogoutOtherSessions bool
}

// ValidateTempToken is 2fa:validateTempToken: the first code from the
// user's app turns TOTP on with the proposed secret and creates backup codes.
func ValidateTempToken(st State, code string, now time.Time, s Settings) (ValidateResult, error) {
	if st.TOTP.TempSecret == "" {
		return ValidateResult{}, ErrInvalidTOTP
	}
	stp, ok := verifyTOTP(st.TOTP.TempSecret, code, now, s.MaxDelta, 0)
	if !ok {
		return ValidateResult{}, ErrInvalidTOTP
	}
	codes, hashes := newBackupCodes()
	st.TOTP = TOTPState{Enabled: true, Secret: st.TOTP.TempSecret, HashedBackup: hashes, LastStep: stp}
	return ValidateResult{State: st, Codes: codes, LogoutOtherSessions: true}, nil
}

// Disable is 2fa:disable: a valid TOTP or backup code turns TOTP off and
// drops the secret and backup codes. It answers false (and the unchanged
// state, but for a used-up code) when TOTP is off or the code is wrong.
func Disable(st State, code string, now time.Time, s Settings) (State, bool) {
	if !st.TOTP.Enabled {
		return st, false
	}
	t, ok := verifyTOTPOrBackup(st.TOTP, code, now, s.MaxDelta)
	st.TOTP = t
	if !ok {
		return st, false
	}
	st.TOTP = TOTPState{}
	return st, true
}

// RegenerateCodes is 2fa:regenerateCodes: a valid code replaces the backup
// codes with new ones. A wrong code answers nil codes (Rocket.Chat answers
// nothing); TOTP off is ErrInvalidTOTP.
func RegenerateCodes(st State, code string, now time.Time, s Settings) (State, []string, error) {
	if !st.TOTP.Enabled {
		return st, nil, ErrInvalidTOTP
	}
	t, ok := verifyTOTPOrBackup(st.TOTP, code, now, s.MaxDelta)
	st.TOTP = t
	if !ok {
		return st, nil, nil
	}
	codes, hashes := newBackupCodes()
	st.TOTP.HashedBackup = hashes
	return st, codes, nil
}

// CodesRemaining is 2fa:checkCodesRemaining (and users.2fa... codesRemaining):
// the number of unused backup codes.
func CodesRemaining(st State) (int, error) {
	if !st.TOTP.Enabled {
		return 0, ErrInvalidTOTP
	}
	return len(st.TOTP.HashedBackup), nil
}

// EnableEmail is users.2fa.enableEmail.
func EnableEmail(st State, now time.Time) State {
	st.Email = EmailState{Enabled: true, ChangedAt: now}
	return st
}

// DisableEmail is users.2fa.disableEmail (which Rocket.Chat protects with
// a two-factor check: the caller runs Check first).
func DisableEmail(st State, now time.Time) State {
	st.Email = EmailState{Enabled: false, ChangedAt: now}
	st.EmailCode = nil
	return st
}
