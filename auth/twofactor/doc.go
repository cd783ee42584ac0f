// Package twofactor is Rocket.Chat's two-factor authentication as pure
// functions over a user's two-factor State: TOTP (RFC 6238 codes from an
// authenticator app), backup codes, and codes sent by e-mail; the methods
// 2fa:enable, 2fa:validateTempToken, 2fa:disable, 2fa:regenerateCodes and
// 2fa:checkCodesRemaining; and the decision of Rocket.Chat's
// twoFactorRequired/checkCodeForUser (Check), which protects sensitive calls
// and the login itself with the totp-required / totp-invalid errors.
//
// Nothing here does I/O. Each function takes the state read from the store
// and returns the state to write back; the caller must run read, check and
// write inside one store transaction, so that a backup code or a TOTP step
// is accepted once even when two requests race. Sending an e-mail code is
// the caller's job too: Check says when a code must be sent, and a Sender
// (the notifications package) delivers it.
//
// Single use: a TOTP code is accepted once (State.TOTP.LastStep remembers
// the newest accepted time step, and older or equal steps are refused), a
// backup code is removed when used, an e-mail code is removed when used and
// expires. Brute force: a Limiter blocks a user's code checks after repeated
// failures, for a period that doubles while the failures go on.
package twofactor
