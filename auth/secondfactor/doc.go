// Package secondfactor keeps users' two-factor state in the store and runs
// the checks of package twofactor against it: the login's check (Service
// implements auth.SecondFactor), the check of the sensitive calls
// Rocket.Chat wraps in twoFactorRequired (CheckCall, with the code from the
// call or the x-2fa-code / x-2fa-method headers), and the 2fa:* methods.
//
// The state lives in the user's "twofactor" record (store.UserService,
// twofactor.State as JSON). Every check reads, decides and writes it in one
// store transaction, so that a TOTP step or a backup code is accepted once
// even when two requests race; a failed check still writes what it changed
// (a used-up backup code is not given back, an e-mail code counts the
// wrong attempt).
package secondfactor
