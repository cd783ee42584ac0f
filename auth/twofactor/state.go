package twofactor

import "time"

// State is a user's two-factor state, as Rocket.Chat keeps it in the user
// document (services.totp, services.email2fa, services.emailCode), plus
// LastStep, which makes TOTP codes single-use. It is what the caller
// persists; JSON tags follow Rocket.Chat's field names so imported users
// keep their second factor.
type State struct {
	TOTP      TOTPState  `json:"totp"`
	Email     EmailState `json:"email2fa"`
	EmailCode *EmailCode `json:"emailCode,omitempty"`
}

// TOTPState is services.totp.
type TOTPState struct {
	Enabled bool `json:"enabled"`
	// Secret is the base32 TOTP secret in use.
	Secret string `json:"secret,omitempty"`
	// TempSecret is the secret 2fa:enable proposed, waiting for the first
	// code (2fa:validateTempToken).
	TempSecret string `json:"tempSecret,omitempty"`
	// HashedBackup are the SHA-256 hex digests of the unused backup codes.
	HashedBackup []string `json:"hashedBackup,omitempty"`
	// LastStep is the newest 30-second step whose code was accepted; codes
	// of that step or earlier are refused.
	LastStep int64 `json:"lastStep,omitempty"`
}

// EmailState is services.email2fa.
type EmailState struct {
	Enabled   bool      `json:"enabled"`
	ChangedAt time.Time `json:"changedAt,omitzero"`
}

// EmailCode is services.emailCode: the code last sent, bcrypt-hashed.
type EmailCode struct {
	Hash            string    `json:"code"`
	Expires         time.Time `json:"expire"`
	InvalidAttempts int       `json:"attempts,omitempty"`
}

// User is what the checks need to know of the user besides State.
type User struct {
	ID       string
	Username string
	// VerifiedEmails are the user's verified addresses (e-mail codes go there).
	VerifiedEmails []string
	// HasPassword: the user has a local password (the password fallback).
	HasPassword bool
	// OAuthUser: the account came from an external sign-in service
	// (Rocket.Chat's isOAuthUser).
	OAuthUser bool
	// CreatedAt: users are not asked for a second factor during
	// RememberFor after registering.
	CreatedAt time.Time
}

// NewUserState is the state a new account starts with: e-mail codes on
// when the auto opt-in setting says so.
func NewUserState(s Settings, now time.Time) State {
	if s.EmailAutoOptIn {
		return State{Email: EmailState{Enabled: true, ChangedAt: now}}
	}
	return State{}
}
