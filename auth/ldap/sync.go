package ldap

import (
	"context"
	"slices"

	goldap "github.com/go-ldap/ldap/v3"

	"liftoff/auth/provider"
)

// Known is a local account linked to the directory, as the background
// sync compares it.
type Known struct {
	// ID is the link (services.ldap.id): Identity.ID of the entry.
	ID       string
	Username string
	Email    string
	Name     string
	Roles    []string
	Active   bool
}

// SyncReport is what one sync pass found. The wiring layer applies it:
// creates the new accounts, updates the changed ones, deactivates and
// reactivates, then applies role and channel sync to each identity.
type SyncReport struct {
	// Users are the identities of every user the directory lists.
	Users []*provider.Identity
	// New are directory users no local account is linked to (to import
	// when LDAP_Background_Sync_Import_New_Users is on).
	New []*provider.Identity
	// Changed are linked users whose username, e-mail, name or managed
	// roles differ (to update when LDAP_Background_Sync_Keep_Existant_Users_Updated is on).
	Changed []*provider.Identity
	// Deactivate are the ids of active linked accounts whose entry is gone
	// or disabled (LDAP_Sync_User_Active_State disable or both).
	Deactivate []string
	// Reactivate are the ids of inactive linked accounts whose entry is
	// back and enabled (LDAP_Sync_User_Active_State both).
	Reactivate []string
}

// Sync lists every user of the directory and compares it with the linked
// local accounts. A failed search fails the pass: an outage must never look
// like every user was removed.
func (d *Directory) Sync(ctx context.Context, known []Known) (*SyncReport, error) {
	c, err := d.dial(ctx)
	if err != nil {
		return nil, err
	}
	defer c.close()
	if err := d.serviceBind(c); err != nil {
		return nil, err
	}
	req := goldap.NewSearchRequest(d.cfg.BaseDN, d.scope(), goldap.NeverDerefAliases, 0, 0, false,
		d.userFilter("*"), d.attributes(), nil)
	var res *goldap.SearchResult
	if d.cfg.SearchPageSize > 0 {
		res, err = c.SearchWithPaging(req, uint32(d.cfg.SearchPageSize))
	} else {
		res, err = c.Search(req)
	}
	if err != nil {
		return nil, down("ldap: list users: %w", err)
	}
	byID := make(map[string]Known, len(known))
	for _, k := range known {
		byID[k.ID] = k
	}
	rep := &SyncReport{}
	seen := make(map[string]bool, len(res.Entries))
	for _, e := range res.Entries {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		ident, err := d.identity(c, e, "")
		if err != nil {
			continue // an entry without an id or login name cannot be linked
		}
		if ident.Username == "" {
			continue
		}
		disabled, _ := ident.Attributes["disabled"].(bool)
		rep.Users = append(rep.Users, ident)
		k, linked := byID[ident.ID]
		if !linked {
			if !disabled {
				rep.New = append(rep.New, ident)
			}
			continue
		}
		seen[ident.ID] = true
		switch {
		case disabled && k.Active && d.cfg.SyncActiveState != ActiveStateNone:
			rep.Deactivate = append(rep.Deactivate, k.ID)
		case !disabled && !k.Active && d.cfg.SyncActiveState == ActiveStateBoth:
			rep.Reactivate = append(rep.Reactivate, k.ID)
		}
		if changed(k, ident, d.cfg.Roles) {
			rep.Changed = append(rep.Changed, ident)
		}
	}
	if d.cfg.SyncActiveState != ActiveStateNone {
		for _, k := range known {
			if !seen[k.ID] && k.Active && !slices.Contains(rep.Deactivate, k.ID) {
				rep.Deactivate = append(rep.Deactivate, k.ID)
			}
		}
	}
	return rep, nil
}

func changed(k Known, id *provider.Identity, roles GroupSync) bool {
	if k.Username != id.Username || k.Email != id.Email || k.Name != id.Name {
		return true
	}
	if roles.Enabled {
		add, remove := provider.SyncRoles(k.Roles, id.Roles, roles.Map.Values(), roles.AutoRemove)
		return len(add) > 0 || len(remove) > 0
	}
	return false
}
