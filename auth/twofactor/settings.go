package twofactor

import (
	"time"

	"liftoff/settings/setting"
)

// SettingsReader is the part of the settings registry twofactor reads.
type SettingsReader interface {
	Bool(id setting.ID) bool
	Int(id setting.ID) int
	String(id setting.ID) string
}

// Settings are Rocket.Chat's two-factor settings.
type Settings struct {
	// Enabled: Accounts_TwoFactorAuthentication_Enabled; off, every check passes.
	Enabled bool
	// MaxDelta: Accounts_TwoFactorAuthentication_MaxDelta, the number of
	// 30-second steps a TOTP code may be early or late (0: the current step only).
	MaxDelta int
	// TOTP: Accounts_TwoFactorAuthentication_By_TOTP_Enabled.
	TOTP bool
	// Email: Accounts_TwoFactorAuthentication_By_Email_Enabled.
	Email bool
	// EmailForOAuthUsers: Accounts_twoFactorAuthentication_email_available_for_OAuth_users.
	EmailForOAuthUsers bool
	// EmailAutoOptIn: Accounts_TwoFactorAuthentication_By_Email_Auto_Opt_In,
	// new users start with e-mail codes on.
	EmailAutoOptIn bool
	// EmailCodeExpiration: Accounts_TwoFactorAuthentication_By_Email_Code_Expiration (seconds).
	EmailCodeExpiration time.Duration
	// MaxInvalidEmailCodeAttempts: Accounts_TwoFactorAuthentication_Max_Invalid_Email_Code_Attempts.
	MaxInvalidEmailCodeAttempts int
	// RememberFor: Accounts_TwoFactorAuthentication_RememberFor (seconds);
	// a login token that passed a check is trusted this long from the same
	// client (0: never).
	RememberFor time.Duration
	// EnforcePasswordFallback: Accounts_TwoFactorAuthentication_Enforce_Password_Fallback;
	// users without a second factor confirm sensitive calls with their password.
	EnforcePasswordFallback bool
	// Issuer names the server in authenticator apps (the otpauth URL's
	// label prefix and issuer): Site_Name, "Rocket.Chat" when empty.
	Issuer string
}

// SettingsFrom reads the settings from the registry.
func SettingsFrom(r SettingsReader) Settings {
	return Settings{
		Enabled:                     r.Bool(setting.AccountsTwoFactorAuthenticationEnabled),
		MaxDelta:                    max(r.Int(setting.AccountsTwoFactorAuthenticationMaxDelta), 0),
		TOTP:                        r.Bool(setting.AccountsTwoFactorAuthenticationByTOTPEnabled),
		Email:                       r.Bool(setting.AccountsTwoFactorAuthenticationByEmailEnabled),
		EmailForOAuthUsers:          r.Bool(setting.AccountsTwoFactorAuthenticationEmailAvailableForOAUTHUsers),
		EmailAutoOptIn:              r.Bool(setting.AccountsTwoFactorAuthenticationByEmailAutoOptIn),
		EmailCodeExpiration:         time.Duration(r.Int(setting.AccountsTwoFactorAuthenticationByEmailCodeExpiration)) * time.Second,
		MaxInvalidEmailCodeAttempts: r.Int(setting.AccountsTwoFactorAuthenticationMaxInvalidEmailCodeAttempts),
		RememberFor:                 time.Duration(r.Int(setting.AccountsTwoFactorAuthenticationRememberFor)) * time.Second,
		EnforcePasswordFallback:     r.Bool(setting.AccountsTwoFactorAuthenticationEnforcePasswordFallback),
		Issuer:                      r.String(setting.SiteName),
	}
}

// DefaultSettings are Rocket.Chat's defaults.
func DefaultSettings() Settings {
	return Settings{Enabled: true, MaxDelta: 1, TOTP: true, Email: true, EmailForOAuthUsers: true, EmailAutoOptIn: true,
		EmailCodeExpiration: time.Hour, MaxInvalidEmailCodeAttempts: 5, RememberFor: 30 * time.Minute,
		EnforcePasswordFallback: true}
}
