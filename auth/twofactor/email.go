package twofactor

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// EmailCodeLength is the number of digits of an e-mail code (Rocket.Chat's).
const EmailCodeLength = 6

// emailCodeCost is the bcrypt cost of stored e-mail codes (Meteor's
// default rounds, as Rocket.Chat).
const emailCodeCost = bcrypt.DefaultCost

// Sender delivers e-mail codes; the notifications package implements it.
// It must not log the code.
type Sender interface {
	// SendCode mails code to every address in to, for user u.
	SendCode(ctx context.Context, to []string, code string, u User) error
}

// FormatCode writes a code as Rocket.Chat's mail shows it ("123-456").
func FormatCode(code string) string {
	if len(code) == EmailCodeLength {
		return code[:3] + "-" + code[3:]
	}
	return code
}

// emailEnabled is Rocket.Chat's EmailCheck.isEnabled.
func emailEnabled(st State, u User, s Settings) bool {
	if !s.Email || !st.Email.Enabled {
		return false
	}
	if u.OAuthUser && !s.EmailForOAuthUsers {
		return false
	}
	return len(u.VerifiedEmails) > 0
}

// IssueEmailCode makes a new e-mail code: it returns the state holding its
// bcrypt hash and expiry, and the code to send (never stored in clear).
func IssueEmailCode(st State, now time.Time, s Settings) (State, string, error) {
	code, err := randomDigits(EmailCodeLength)
	if err != nil {
		return st, "", err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(code), emailCodeCost)
	if err != nil {
		return st, "", fmt.Errorf("twofactor: hash e-mail code: %w", err)
	}
	exp := s.EmailCodeExpiration
	if exp <= 0 {
		exp = time.Hour
	}
	st.EmailCode = &EmailCode{Hash: string(hash), Expires: now.Add(exp)}
	return st, code, nil
}

func randomDigits(n int) (string, error) {
	var b strings.Builder
	ten := big.NewInt(10)
	for range n {
		d, err := rand.Int(rand.Reader, ten)
		if err != nil {
			return "", fmt.Errorf("twofactor: random code: %w", err)
		}
		b.WriteByte(byte('0' + d.Int64()))
	}
	return b.String(), nil
}

// verifyEmailCode checks an e-mail code (non-digits ignored, as "123-456"
// is how the mail shows it). A match removes the code; a miss counts an
// invalid attempt.
func verifyEmailCode(st State, code string, now time.Time) (State, bool) {
	if st.EmailCode == nil {
		return st, false
	}
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, code)
	if !now.Before(st.EmailCode.Expires) {
		return st, false
	}
	if digits != "" && bcrypt.CompareHashAndPassword([]byte(st.EmailCode.Hash), []byte(digits)) == nil {
		st.EmailCode = nil
		return st, true
	}
	c := *st.EmailCode
	c.InvalidAttempts++
	st.EmailCode = &c
	return st, false
}

func emailAttemptsExhausted(st State, s Settings) bool {
	return st.EmailCode != nil && s.MaxInvalidEmailCodeAttempts > 0 && st.EmailCode.InvalidAttempts >= s.MaxInvalidEmailCodeAttempts
}
