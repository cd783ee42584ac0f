package provider

import (
	"errors"
	"slices"
	"testing"
)

func TestDecide(t *testing.T) {
	ident := func(mod func(*Identity)) *Identity {
		id := &Identity{Service: "dex", Kind: KindOAuth, ID: "sub-1", Username: "alice", Email: "alice@example.org",
			EmailVerified: true, Name: "Alice"}
		if mod != nil {
			mod(id)
		}
		return id
	}
	alice := &Account{ID: "u1", Username: "alice", Name: "Alice", Active: true,
		Emails: []Email{{Address: "alice@example.org", Verified: true}}}
	aliceUnverified := &Account{ID: "u1", Username: "alice", Active: true,
		Emails: []Email{{Address: "alice@example.org", Verified: false}}}
	aliceLinked := &Account{ID: "u1", Username: "alice", Name: "Old Name", Active: true, LinkedID: "sub-1",
		Emails: []Email{{Address: "alice@example.org", Verified: true}}}
	aliceInactive := &Account{ID: "u1", Username: "alice", Active: false, LinkedID: "sub-1"}
	aliceOther := &Account{ID: "u1", Username: "alice", Active: true, LinkedID: "sub-999",
		Emails: []Email{{Address: "alice@example.org", Verified: true}}}
	bob := &Account{ID: "u2", Username: "bob", Active: true, Emails: []Email{{Address: "bob@example.org", Verified: true}}}

	tests := []struct {
		name   string
		id     *Identity
		c      Candidates
		p      Policy
		action Action
		err    error
		check  func(t *testing.T, d Decision)
	}{
		{name: "no id is refused", id: ident(func(i *Identity) { i.ID = "" }), p: Policy{Create: true},
			action: Refuse, err: ErrInvalidIdentity},
		{name: "linked account logs in", id: ident(nil), c: Candidates{Linked: aliceLinked}, action: Login,
			check: func(t *testing.T, d Decision) {
				if d.AccountID != "u1" || d.SetName != "" {
					t.Fatalf("decision %+v", d)
				}
			}},
		{name: "linked account gets the new name when overwriting", id: ident(nil), c: Candidates{Linked: aliceLinked},
			p: Policy{OverwriteName: true}, action: Login,
			check: func(t *testing.T, d Decision) {
				if d.SetName != "Alice" || d.SetEmail != "" {
					t.Fatalf("decision %+v", d)
				}
			}},
		{name: "deactivated linked account is refused", id: ident(nil), c: Candidates{Linked: aliceInactive},
			p: Policy{Create: true}, action: Refuse, err: ErrUserDeactivated},
		{name: "new user is created", id: ident(nil), p: Policy{Create: true}, action: Create},
		{name: "new user refused when registration is off", id: ident(nil), action: Refuse, err: ErrRegistrationDisabled},
		{name: "username match without merge is refused", id: ident(nil), c: Candidates{ByUsername: alice},
			p: Policy{MatchBy: MatchUsername, Create: true}, action: Refuse, err: ErrAccountExists},
		{name: "username match with merge links", id: ident(nil), c: Candidates{ByUsername: alice},
			p: Policy{MatchBy: MatchUsername, Merge: true}, action: Link,
			check: func(t *testing.T, d Decision) {
				if d.AccountID != "u1" {
					t.Fatalf("decision %+v", d)
				}
			}},
		{name: "username merge stores a verified address the account lacks",
			id: ident(func(i *Identity) { i.Email = "a@corp.example" }), c: Candidates{ByUsername: alice},
			p: Policy{MatchBy: MatchUsername, Merge: true}, action: Link,
			check: func(t *testing.T, d Decision) {
				if d.SetEmail != "a@corp.example" || !d.SetEmailVerified {
					t.Fatalf("decision %+v", d)
				}
			}},
		{name: "username merge never stores an unverified address",
			id: ident(func(i *Identity) { i.Email = "a@corp.example"; i.EmailVerified = false }), c: Candidates{ByUsername: alice},
			p: Policy{MatchBy: MatchUsername, Merge: true, OverwriteEmail: true}, action: Link,
			check: func(t *testing.T, d Decision) {
				if d.SetEmail != "" {
					t.Fatalf("decision %+v", d)
				}
			}},
		{name: "email merge with both sides verified links", id: ident(nil), c: Candidates{ByEmail: alice},
			p: Policy{MatchBy: MatchEmail, Merge: true}, action: Link},
		{name: "email merge refused when the provider does not verify",
			id: ident(func(i *Identity) { i.EmailVerified = false }), c: Candidates{ByEmail: alice},
			p: Policy{MatchBy: MatchEmail, Merge: true, Create: true}, action: Refuse, err: ErrEmailNotVerified},
		{name: "email merge refused when the account's address is unverified", id: ident(nil),
			c: Candidates{ByEmail: aliceUnverified}, p: Policy{MatchBy: MatchEmail, Merge: true}, action: Refuse, err: ErrEmailNotVerified},
		{name: "account linked to another user is refused", id: ident(nil), c: Candidates{ByUsername: aliceOther},
			p: Policy{MatchBy: MatchUsername, Merge: true}, action: Refuse, err: ErrLinkedToOther},
		{name: "account linked to another user joins with distinct services merge", id: ident(nil),
			c: Candidates{ByUsername: aliceOther}, p: Policy{MatchBy: MatchUsername, Merge: true, MergeLinkedToOther: true}, action: Link},
		{name: "deactivated match is refused", id: ident(nil), c: Candidates{ByUsername: &Account{ID: "u1", Username: "alice"}},
			p: Policy{MatchBy: MatchUsername, Merge: true}, action: Refuse, err: ErrUserDeactivated},
		{name: "taken username and e-mail are reported on create", id: ident(nil), c: Candidates{ByUsername: bob, ByEmail: bob},
			p: Policy{Create: true}, action: Create,
			check: func(t *testing.T, d Decision) {
				if !d.UsernameTaken || !d.EmailTaken {
					t.Fatalf("decision %+v", d)
				}
			}},
		{name: "email match is ignored when matching by username", id: ident(func(i *Identity) { i.Username = "" }),
			c: Candidates{ByEmail: alice}, p: Policy{MatchBy: MatchUsername, Merge: true, Create: true}, action: Create,
			check: func(t *testing.T, d Decision) {
				if !d.EmailTaken {
					t.Fatalf("decision %+v", d)
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := Decide(tc.id, tc.c, tc.p)
			if d.Action != tc.action {
				t.Fatalf("action %v, want %v (%+v)", d.Action, tc.action, d)
			}
			if tc.err != nil && !errors.Is(d.Err, tc.err) {
				t.Fatalf("error %v, want %v", d.Err, tc.err)
			}
			if tc.err == nil && d.Err != nil {
				t.Fatalf("unexpected error %v", d.Err)
			}
			if tc.check != nil {
				tc.check(t, d)
			}
		})
	}
}

func TestSyncRoles(t *testing.T) {
	add, remove := SyncRoles([]string{"user", "admin", "support"}, []string{"user", "moderator"}, []string{"admin", "moderator"}, true)
	if !slices.Equal(add, []string{"moderator"}) || !slices.Equal(remove, []string{"admin"}) {
		t.Fatalf("add %v remove %v", add, remove)
	}
	add, remove = SyncRoles([]string{"user", "admin"}, nil, []string{"admin"}, false)
	if len(add) != 0 || len(remove) != 0 {
		t.Fatalf("without auto-remove: add %v remove %v", add, remove)
	}
}

func TestGroupMap(t *testing.T) {
	m, err := ParseGroupMap(`{"rocket-admin": "admin", "techsupport": ["helpdesk", "support", "helpdesk"], "devs": "admin"}`)
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Map([]string{"devs", "techsupport", "unknown", "rocket-admin"}); !slices.Equal(got, []string{"admin", "helpdesk", "support"}) {
		t.Fatalf("map: %v", got)
	}
	if got := m.Values(); !slices.Equal(got, []string{"admin", "helpdesk", "support"}) {
		t.Fatalf("values: %v", got)
	}
	if _, err := ParseGroupMap(`{"a": 1}`); err == nil {
		t.Fatal("a number value was accepted")
	}
	if _, err := ParseGroupMap(`[1]`); err == nil {
		t.Fatal("a list was accepted")
	}
	if m, err := ParseGroupMap("  "); err != nil || len(m) != 0 {
		t.Fatalf("empty: %v %v", m, err)
	}
}
