package access

import (
	"slices"
	"sync"
	"testing"

	"liftoff/access/perm"
	"liftoff/model"
)

func testPerms() []*model.Permission {
	return []*model.Permission{
		{ID: "create-c", Roles: []string{"admin", "user"}},
		{ID: "delete-message", Roles: []string{"admin", "owner", "moderator"}},
		{ID: "nobody", Roles: []string{}},
		{ID: "set-owner", Roles: []string{"admin", "owner"}},
	}
}

func TestCheckerHas(t *testing.T) {
	c := NewChecker(testPerms())
	plain := &model.User{ID: "u1", Roles: []string{"user"}}
	adm := &model.User{ID: "u2", Roles: []string{"user", "admin"}}
	noRoles := &model.User{ID: "u3"}
	ownerSub := &model.Subscription{Roles: []string{"owner"}}
	modSub := &model.Subscription{Roles: []string{"moderator"}}
	memberSub := &model.Subscription{}
	// A room role in the user's global roles still counts: Rocket.Chat merges
	// the two lists without looking at scopes.
	globalOwner := &model.User{ID: "u4", Roles: []string{"owner"}}

	tests := []struct {
		name string
		user *model.User
		sub  *model.Subscription
		perm string
		want bool
	}{
		{"global role grants", plain, nil, "create-c", true},
		{"global role missing", plain, nil, "delete-message", false},
		{"room role grants in room", plain, ownerSub, "delete-message", true},
		{"moderator room role", plain, modSub, "delete-message", true},
		{"moderator lacks set-owner", plain, modSub, "set-owner", false},
		{"room role ignored without scope", plain, nil, "set-owner", false},
		{"member without room roles", plain, memberSub, "delete-message", false},
		{"global still counts in room", plain, memberSub, "create-c", true},
		{"admin global", adm, nil, "delete-message", true},
		{"unknown permission denied", adm, ownerSub, "no-such-permission", false},
		{"permission with no roles", adm, ownerSub, "nobody", false},
		{"user without roles", noRoles, nil, "create-c", false},
		{"user without roles but room owner", noRoles, ownerSub, "set-owner", true},
		{"nil user denied", nil, ownerSub, "set-owner", false},
		{"room role held globally", globalOwner, nil, "set-owner", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.Has(tt.user, tt.sub, perm.ID(tt.perm)); got != tt.want {
				t.Errorf("Has(%v, %v, %q) = %v, want %v", tt.user, tt.sub, tt.perm, got, tt.want)
			}
		})
	}
}

func TestCheckerAnyAll(t *testing.T) {
	c := NewChecker(testPerms())
	u := &model.User{Roles: []string{"user"}}
	owner := &model.Subscription{Roles: []string{"owner"}}

	if !c.HasAny(u, nil, "delete-message", "create-c") {
		t.Error("HasAny with one held permission = false")
	}
	if c.HasAny(u, nil, "delete-message", "set-owner") {
		t.Error("HasAny with no held permission = true")
	}
	if c.HasAny(u, nil) {
		t.Error("HasAny of nothing = true")
	}
	if c.HasAll(u, nil, "create-c", "delete-message") {
		t.Error("HasAll with one missing = true")
	}
	if !c.HasAll(u, owner, "create-c", "delete-message", "set-owner") {
		t.Error("HasAll in room as owner = false")
	}
	if !c.HasAll(u, nil) {
		t.Error("HasAll of nothing for a user = false")
	}
	if c.HasAll(nil, nil) || c.HasAny(nil, owner, "set-owner") {
		t.Error("nil user granted")
	}
}

func TestCheckerUpdate(t *testing.T) {
	perms := testPerms()
	c := NewChecker(perms)
	u := &model.User{Roles: []string{"user"}}
	if c.Has(u, nil, "delete-message") {
		t.Fatal("user may delete before update")
	}
	// Mutating the caller's slice must not leak into the checker.
	perms[1].Roles = append(perms[1].Roles, "user")
	if c.Has(u, nil, "delete-message") {
		t.Fatal("checker shares the caller's role slice")
	}

	c.Update(&model.Permission{ID: "delete-message", Roles: []string{"admin", "user"}})
	if !c.Has(u, nil, "delete-message") {
		t.Error("update did not grant")
	}
	if c.Has(u, &model.Subscription{Roles: []string{"owner"}}, "set-owner") != true {
		t.Error("update lost an unrelated permission")
	}
	c.Update(&model.Permission{ID: "brand-new", Roles: []string{"user"}})
	if !c.Has(u, nil, "brand-new") {
		t.Error("update did not add a new permission")
	}
	c.Update(&model.Permission{ID: "create-c", Roles: nil})
	if c.Has(u, nil, "create-c") {
		t.Error("removing every role did not revoke")
	}
	if got := c.Roles("create-c"); got == nil || len(got) != 0 {
		t.Errorf("Roles of an emptied permission = %#v, want empty non-nil", got)
	}
	c.Update(nil)
	c.Update(&model.Permission{})

	c.Set([]*model.Permission{{ID: "only", Roles: []string{"user"}}})
	if c.Has(u, nil, "brand-new") || !c.Has(u, nil, "only") {
		t.Error("Set did not replace the table")
	}
}

func TestCheckerZeroValue(t *testing.T) {
	var c Checker
	u := &model.User{Roles: []string{"admin"}}
	if c.Has(u, nil, "create-c") || c.HasAny(u, nil, "create-c") || c.Roles("create-c") != nil {
		t.Error("zero Checker granted")
	}
	if len(c.All()) != 0 {
		t.Error("zero Checker has permissions")
	}
	c.Update(&model.Permission{ID: "create-c", Roles: []string{"admin"}})
	if !c.Has(u, nil, "create-c") {
		t.Error("Update on zero Checker did not take")
	}
}

func TestCheckerRolesAndAll(t *testing.T) {
	c := NewChecker(testPerms())
	r := c.Roles("delete-message")
	if !slices.Equal(r, []string{"admin", "owner", "moderator"}) {
		t.Fatalf("Roles = %v", r)
	}
	r[0] = "mutated"
	if c.Roles("delete-message")[0] != "admin" {
		t.Error("Roles returned the checker's own slice")
	}
	if c.Roles("missing") != nil {
		t.Error("Roles of unknown permission not nil")
	}
	all := c.All()
	var ids []string
	for _, p := range all {
		ids = append(ids, p.ID)
	}
	if !slices.Equal(ids, []string{"create-c", "delete-message", "nobody", "set-owner"}) {
		t.Errorf("All ids = %v", ids)
	}
	all[0].Roles[0] = "mutated"
	if c.Roles("create-c")[0] != "admin" {
		t.Error("All returned shared role slices")
	}
}

func TestCheckerConcurrent(t *testing.T) {
	c := NewChecker(DefaultPermissions())
	u := &model.User{Roles: []string{"user"}}
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 2000; j++ {
				if !c.Has(u, nil, "create-c") {
					t.Error("create-c lost during concurrent updates")
					return
				}
				c.HasAny(u, nil, "delete-message", "x")
			}
		}()
	}
	for j := 0; j < 200; j++ {
		c.Update(&model.Permission{ID: "delete-message", Roles: []string{"admin", "owner"}})
	}
	wg.Wait()
}

func BenchmarkCheckerHas(b *testing.B) {
	c := NewChecker(DefaultPermissions())
	u := &model.User{Roles: []string{"user"}}
	sub := &model.Subscription{Roles: []string{"owner"}}
	b.ReportAllocs()
	for b.Loop() {
		c.Has(u, sub, "delete-message")
	}
}
