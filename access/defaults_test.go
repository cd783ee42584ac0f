package access

import (
	"slices"
	"testing"

	"liftoff/access/perm"
	"liftoff/model"
)

// TestDefaultPermissionFacts checks a sample of the table against Rocket.Chat's
// permissions.ts (8.x).
func TestDefaultPermissionFacts(t *testing.T) {
	c := NewChecker(DefaultPermissions())
	facts := map[string][]string{
		"create-c":                          {"admin", "user", "federated-external", "bot", "app"},
		"create-d":                          {"admin", "user", "federated-external", "bot", "app"},
		"delete-message":                    {"admin", "owner", "moderator"},
		"delete-own-message":                {"admin", "user", "federated-external"},
		"edit-message":                      {"admin", "owner", "moderator"},
		"view-c-room":                       {"admin", "user", "federated-external", "bot", "app", "anonymous"},
		"view-p-room":                       {"admin", "user", "federated-external", "anonymous", "guest"},
		"view-d-room":                       {"admin", "user", "federated-external", "bot", "app", "guest"},
		"view-joined-room":                  {"guest", "bot", "app", "anonymous"},
		"mention-all":                       {"admin", "owner", "moderator", "user", "federated-external"},
		"pin-message":                       {"owner", "moderator", "admin"},
		"post-readonly":                     {"admin", "owner", "moderator"},
		"message-impersonate":               {"bot", "app"},
		"add-user-to-any-p-room":            {},
		"bypass-time-limit-edit-and-delete": {"bot", "app"},
		"api-bypass-rate-limit":             {"admin", "bot", "app"},
	}
	for id, want := range facts {
		got := c.Roles(perm.ID(id))
		if got == nil {
			t.Errorf("%s missing from defaults", id)
			continue
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s roles = %v, want %v", id, got, want)
		}
	}
	user := &model.User{Roles: []string{"user"}}
	if c.Has(user, nil, "view-joined-room") {
		t.Error("plain user holds view-joined-room")
	}
	if !c.Has(user, &model.Subscription{Roles: []string{"owner"}}, "delete-c") {
		t.Error("room owner cannot delete channel")
	}
}

func TestDefaultPermissionsWellFormed(t *testing.T) {
	perms := DefaultPermissions()
	if len(perms) < 170 {
		t.Errorf("only %d default permissions", len(perms))
	}
	known := map[string]bool{RoleLivechatMonitor: true}
	for _, r := range DefaultRoles() {
		known[r.Name] = true
	}
	seen := map[string]bool{}
	for _, p := range perms {
		if seen[p.ID] {
			t.Errorf("duplicate permission %s", p.ID)
		}
		seen[p.ID] = true
		if p.Roles == nil {
			t.Errorf("%s has nil roles (encodes as null)", p.ID)
		}
		for _, r := range p.Roles {
			if !known[r] {
				t.Errorf("%s names unknown role %q", p.ID, r)
			}
		}
	}
	// Fresh copies each call.
	perms[0].Roles[0] = "mutated"
	if DefaultPermissions()[0].Roles[0] == "mutated" {
		t.Error("DefaultPermissions shares state between calls")
	}
}

func TestDefaultRoles(t *testing.T) {
	want := map[string]string{
		"admin": model.ScopeUsers, "moderator": model.ScopeSubscriptions,
		"leader": model.ScopeSubscriptions, "owner": model.ScopeSubscriptions,
		"user": model.ScopeUsers, "federated-external": model.ScopeUsers,
		"bot": model.ScopeUsers, "app": model.ScopeUsers, "guest": model.ScopeUsers,
		"anonymous": model.ScopeUsers, "livechat-agent": model.ScopeUsers,
		"livechat-manager": model.ScopeUsers,
	}
	roles := DefaultRoles()
	if len(roles) != len(want) {
		t.Fatalf("%d roles, want %d", len(roles), len(want))
	}
	for _, r := range roles {
		scope, ok := want[r.Name]
		if !ok {
			t.Errorf("unexpected role %s", r.Name)
			continue
		}
		if r.Scope != scope || r.ID != r.Name || !r.Protected || r.Mandatory2FA {
			t.Errorf("role %+v: want scope %s, id = name, protected", r, scope)
		}
	}
	if roles[0].Description != "Admin" {
		t.Errorf("admin description = %q", roles[0].Description)
	}
}
