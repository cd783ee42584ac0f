package twofactor

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
	"github.com/pquerna/otp/totp"

	"liftoff/model"
)

// Period is the TOTP step (RFC 6238's default, what authenticator apps use).
const Period = 30 * time.Second

// BackupCodeCount and BackupCodeLength are Rocket.Chat's: 12 codes of 8
// characters from Meteor's id alphabet.
const (
	BackupCodeCount  = 12
	BackupCodeLength = 8
)

// Setup is what 2fa:enable answers: the secret and the otpauth:// URL an
// authenticator app reads from a QR code.
type Setup struct {
	Secret string `json:"secret"`
	URL    string `json:"url"`
}

// newSecret makes a random TOTP secret (160 bits, RFC 4226's recommended
// length) and its otpauth URL labelled issuer:username.
func newSecret(issuer, username string) (Setup, error) {
	if issuer == "" {
		issuer = "Rocket.Chat"
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: username, SecretSize: 20,
		Period: uint(Period / time.Second), Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return Setup{}, fmt.Errorf("twofactor: generate secret: %w", err)
	}
	return Setup{Secret: key.Secret(), URL: key.URL()}, nil
}

func step(t time.Time) int64 { return t.Unix() / int64(Period/time.Second) }

// verifyTOTP checks a 6-digit code against secret within ±maxDelta steps
// of now, refusing the steps up to lastStep (already used). It returns the
// accepted step.
func verifyTOTP(secret, code string, now time.Time, maxDelta int, lastStep int64) (int64, bool) {
	code = strings.TrimSpace(code)
	if secret == "" || len(code) != 6 {
		return 0, false
	}
	cur := step(now)
	opts := hotp.ValidateOpts{Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}
	for d := -int64(maxDelta); d <= int64(maxDelta); d++ {
		s := cur + d
		if s <= lastStep || s < 0 {
			continue
		}
		want, err := hotp.GenerateCodeCustom(secret, uint64(s), opts)
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return s, true
		}
	}
	return 0, false
}

// hashBackupCode is Rocket.Chat's backup code hash (SHA-256 hex), kept so
// that imported users' codes keep working.
func hashBackupCode(code string) string {
	h := sha256.Sum256([]byte(code))
	return hex.EncodeToString(h[:])
}

// newBackupCodes returns fresh backup codes and their hashes.
func newBackupCodes() (codes, hashes []string) {
	for range BackupCodeCount {
		c := model.RandomString(BackupCodeLength)
		codes = append(codes, c)
		hashes = append(hashes, hashBackupCode(c))
	}
	return codes, hashes
}

// verifyTOTPOrBackup is Rocket.Chat's TOTP.verify with backup codes: an
// 8-character code is a backup code (removed when it matches), anything
// else a TOTP code. It returns the state with the code used up.
func verifyTOTPOrBackup(t TOTPState, code string, now time.Time, maxDelta int) (TOTPState, bool) {
	code = strings.TrimSpace(code)
	if len(code) == BackupCodeLength && len(t.HashedBackup) > 0 {
		h := hashBackupCode(code)
		for i, stored := range t.HashedBackup {
			if subtle.ConstantTimeCompare([]byte(stored), []byte(h)) == 1 {
				t.HashedBackup = slices.Delete(slices.Clone(t.HashedBackup), i, i+1)
				return t, true
			}
		}
		return t, false
	}
	s, ok := verifyTOTP(t.Secret, code, now, maxDelta, t.LastStep)
	if !ok {
		return t, false
	}
	t.LastStep = s
	return t, true
}
