package pwpolicy

import (
	"errors"
	"testing"

	"liftoff/model"
	"liftoff/settings/setting"
)

type fakeSettings struct {
	b map[setting.ID]bool
	i map[setting.ID]int
}

func (f fakeSettings) Bool(id setting.ID) bool { return f.b[id] }
func (f fakeSettings) Int(id setting.ID) int   { return f.i[id] }

func TestCheck(t *testing.T) {
	all := fakeSettings{
		b: map[setting.ID]bool{
			setting.AccountsPasswordPolicyEnabled: true, setting.AccountsPasswordPolicyForbidRepeatingCharacters: true,
			setting.AccountsPasswordPolicyAtLeastOneLowercase: true, setting.AccountsPasswordPolicyAtLeastOneUppercase: true,
			setting.AccountsPasswordPolicyAtLeastOneNumber: true, setting.AccountsPasswordPolicyAtLeastOneSpecialCharacter: true,
		},
		i: map[setting.ID]int{setting.AccountsPasswordPolicyMinLength: 7, setting.AccountsPasswordPolicyMaxLength: 12,
			setting.AccountsPasswordPolicyForbidRepeatingCharactersCount: 3},
	}
	cases := []struct{ pw, want string }{
		{"Ab1!xyz", ""},
		{"Ab1!xy", "error-password-policy-not-met-minLength"},
		{"Ab1!xyzabcdef", "error-password-policy-not-met-maxLength"},
		{"Ab1!xxxx", "error-password-policy-not-met-repeatingCharacters"},
		{"Ab1!xxx", ""}, // three in a row is allowed with a count of 3
		{"AB1!XYZ", "error-password-policy-not-met-oneLowercase"},
		{"ab1!xyz", "error-password-policy-not-met-oneUppercase"},
		{"Abc!xyz", "error-password-policy-not-met-oneNumber"},
		{"Ab1 xyz", "error-password-policy-not-met-oneSpecial"},
		{"Ab1éxyz", ""}, // é is outside [A-Za-z0-9 ]: special
	}
	for _, c := range cases {
		err := Check(all, c.pw)
		var e *model.Error
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%q: unexpected %v", c.pw, err)
		case c.want != "" && (!errors.As(err, &e) || e.Type != c.want):
			t.Errorf("%q: got %v, want %s", c.pw, err, c.want)
		}
	}
	off := fakeSettings{i: all.i}
	if err := Check(off, "a"); err != nil {
		t.Errorf("policy off: %v", err)
	}
}
