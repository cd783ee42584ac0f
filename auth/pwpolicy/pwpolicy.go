// Package pwpolicy checks a new password against Rocket.Chat's password
// policy (the Accounts_Password_Policy_* settings), the same rules
// pw.getPolicy describes to clients.
package pwpolicy

import (
	"strings"
	"unicode/utf8"

	"liftoff/model"
	"liftoff/settings/setting"
)

// Settings reads the policy's settings.
type Settings interface {
	Bool(id setting.ID) bool
	Int(id setting.ID) int
}

// rule is one requirement: its Rocket.Chat error id and message, and
// whether a password breaks it.
type rule struct {
	id, message string
	broken      func(pw string) bool
}

// Check returns nil when the policy is off or pw meets every rule, else
// the first broken rule as Rocket.Chat names it (e.g.
// error-password-policy-not-met-minLength).
func Check(s Settings, pw string) error {
	if !s.Bool(setting.AccountsPasswordPolicyEnabled) {
		return nil
	}
	n := utf8.RuneCountInString(pw)
	min, max := s.Int(setting.AccountsPasswordPolicyMinLength), s.Int(setting.AccountsPasswordPolicyMaxLength)
	repeat := s.Int(setting.AccountsPasswordPolicyForbidRepeatingCharactersCount)
	if repeat < 1 {
		repeat = 3
	}
	rules := []rule{
		{"error-password-policy-not-met-minLength", "The password does not meet the minimum length password policy.",
			func(string) bool { return min >= 1 && n < min }},
		{"error-password-policy-not-met-maxLength", "The password does not meet the maximum length password policy.",
			func(string) bool { return max >= 1 && n > max }},
		{"error-password-policy-not-met-repeatingCharacters", "The password contains repeating characters which is against the password policy.",
			func(pw string) bool {
				return s.Bool(setting.AccountsPasswordPolicyForbidRepeatingCharacters) && Repeats(pw, repeat)
			}},
		{"error-password-policy-not-met-oneLowercase", "The password does not contain at least one lowercase character which is against the password policy.",
			func(pw string) bool {
				return s.Bool(setting.AccountsPasswordPolicyAtLeastOneLowercase) && !strings.ContainsAny(pw, "abcdefghijklmnopqrstuvwxyz")
			}},
		{"error-password-policy-not-met-oneUppercase", "The password does not contain at least one uppercase character which is against the password policy.",
			func(pw string) bool {
				return s.Bool(setting.AccountsPasswordPolicyAtLeastOneUppercase) && !strings.ContainsAny(pw, "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
			}},
		{"error-password-policy-not-met-oneNumber", "The password does not contain at least one numerical character which is against the password policy.",
			func(pw string) bool {
				return s.Bool(setting.AccountsPasswordPolicyAtLeastOneNumber) && !strings.ContainsAny(pw, "0123456789")
			}},
		{"error-password-policy-not-met-oneSpecial", "The password does not contain at least one special character which is against the password policy.",
			func(pw string) bool {
				return s.Bool(setting.AccountsPasswordPolicyAtLeastOneSpecialCharacter) && !hasSpecial(pw)
			}},
	}
	for _, r := range rules {
		if r.broken(pw) {
			return model.Invalid(r.id, "%s", r.message)
		}
	}
	return nil
}

// Repeats reports whether some character follows itself more than count
// times in a row (Rocket.Chat's /(.)\1{count,}/).
func Repeats(pw string, count int) bool {
	var last rune
	run := 0
	for i, c := range pw {
		if i > 0 && c == last {
			run++
		} else {
			last, run = c, 0
		}
		if run >= count {
			return true
		}
	}
	return false
}

// hasSpecial reports whether pw has a character outside A-Z, a-z, 0-9 and
// the space ([^A-Za-z0-9 ]).
func hasSpecial(pw string) bool {
	for _, c := range pw {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == ' ') {
			return true
		}
	}
	return false
}
