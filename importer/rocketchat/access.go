package rocketchat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"liftoff/model"
	"liftoff/settings"
	"liftoff/store"
)

// importRoles adds Rocket.Chat's custom roles; the roles Liftoff has keep
// Liftoff's definition.
func (im *importer) importRoles(ctx context.Context, c *Collection) error {
	return im.each(ctx, c, func(batch []doc) error {
		var ids []string
		var recs []*model.Role
		for _, d := range batch {
			r, ok := decode[model.Role](c, d)
			if !ok {
				continue
			}
			if r.ID == "" {
				c.fail(d.id, "no _id")
				continue
			}
			if r.Name == "" {
				r.Name = r.ID
			}
			if r.Scope != model.ScopeSubscriptions {
				r.Scope = model.ScopeUsers
			}
			if r.UpdatedAt.IsZero() {
				r.UpdatedAt = im.now()
			}
			ids, recs = append(ids, r.ID), append(recs, r)
		}
		return writeBatch(ctx, im, c, ids, recs, func(ctx context.Context, tx store.Tx, r *model.Role) (outcome, string, error) {
			if _, err := tx.RoleByID(ctx, r.ID); err == nil {
				return existing, "", nil
			} else if !errors.Is(err, store.ErrNotFound) {
				return 0, "", err
			}
			if _, err := tx.RoleByID(ctx, r.Name); err == nil {
				return failed, fmt.Sprintf("a role named %q exists", r.Name), nil
			} else if !errors.Is(err, store.ErrNotFound) {
				return 0, "", err
			}
			return imported, "", tx.UpsertRole(ctx, r)
		})
	})
}

// importPermissions merges Rocket.Chat's permissions into Liftoff's: a
// permission both know takes the roles the workspace gave it (those that
// exist); Liftoff's others keep their defaults; Rocket.Chat's others are
// skipped and counted.
func (im *importer) importPermissions(ctx context.Context, c *Collection) error {
	unknown := 0
	err := im.each(ctx, c, func(batch []doc) error {
		var ids []string
		var recs []*model.Permission
		for _, d := range batch {
			p, ok := decode[model.Permission](c, d)
			if !ok {
				continue
			}
			ids, recs = append(ids, p.ID), append(recs, p)
		}
		return writeBatch(ctx, im, c, ids, recs, func(ctx context.Context, tx store.Tx, p *model.Permission) (outcome, string, error) {
			cur, err := tx.PermissionByID(ctx, p.ID)
			if errors.Is(err, store.ErrNotFound) {
				unknown++
				return skipped, "", nil
			} else if err != nil {
				return 0, "", err
			}
			roles := []string{}
			for _, r := range p.Roles {
				if _, err := tx.RoleByID(ctx, r); err == nil && !slices.Contains(roles, r) {
					roles = append(roles, r)
				} else if err != nil && !errors.Is(err, store.ErrNotFound) {
					return 0, "", err
				}
			}
			a, b := slices.Clone(cur.Roles), slices.Clone(roles)
			sort.Strings(a)
			sort.Strings(b)
			if slices.Equal(a, b) {
				return existing, "", nil
			}
			cur.Roles, cur.UpdatedAt = roles, im.now()
			return imported, "", tx.UpsertPermission(ctx, cur)
		})
	})
	if unknown > 0 {
		c.note(fmt.Sprintf("%d permissions Liftoff does not have were skipped", unknown))
	}
	return err
}

// rcSetting is a rocketchat_settings document.
type rcSetting struct {
	ID    string `json:"_id"`
	Value any    `json:"value"`
	Type  string `json:"type"`
}

// importSettings sets the values of the settings Liftoff has; the others
// are counted and the first of them named in the summary.
func (im *importer) importSettings(ctx context.Context, c *Collection) error {
	var unknown []string
	err := im.each(ctx, c, func(batch []doc) error {
		var ids []string
		var recs []*rcSetting
		for _, d := range batch {
			s, ok := decode[rcSetting](c, d)
			if !ok {
				continue
			}
			ids, recs = append(ids, s.ID), append(recs, s)
		}
		return writeBatch(ctx, im, c, ids, recs, func(ctx context.Context, tx store.Tx, s *rcSetting) (outcome, string, error) {
			cur, err := tx.SettingByID(ctx, s.ID)
			if errors.Is(err, store.ErrNotFound) {
				unknown = append(unknown, s.ID)
				return skipped, "", nil
			} else if err != nil {
				return 0, "", err
			}
			if s.Value == nil || s.Type == "action" || s.Type == "asset" || s.Type == "group" {
				return skipped, "", nil
			}
			v, err := settings.Coerce(cur, s.Value)
			if err != nil {
				return failed, err.Error(), nil
			}
			if sameJSON(v, cur.Value) {
				return existing, "", nil
			}
			cur.Value, cur.UpdatedAt = v, im.now()
			return imported, "", tx.UpsertSetting(ctx, cur)
		})
	})
	if len(unknown) > 0 {
		sort.Strings(unknown)
		shown := unknown[:min(len(unknown), 15)]
		more := ""
		if len(unknown) > len(shown) {
			more = fmt.Sprintf(" and %d more", len(unknown)-len(shown))
		}
		c.note(fmt.Sprintf("%d settings Liftoff does not have were skipped: %s%s", len(unknown), strings.Join(shown, ", "), more))
	}
	return err
}

// notImported lists the dump's collections no step reads.
func (im *importer) notImported() error {
	names, err := im.dump.Collections()
	if err != nil {
		return err
	}
	read := map[string]bool{"users": true, "rocketchat_room": true, "rocketchat_subscription": true,
		"rocketchat_message": true, "rocketchat_roles": true, "rocketchat_permissions": true,
		"rocketchat_settings": true, "rocketchat_team": true, "rocketchat_team_member": true,
		"rocketchat_uploads": true, gridFSChunks: true, "rocketchat_uploads.files": true,
		"rocketchat_avatars": true, avatarChunks: true, "rocketchat_avatars.files": true,
		"rocketchat_custom_emoji": true, emojiChunks: true, emojiFiles: true}
	var groups = []struct{ prefix, why string }{
		{"rocketchat_livechat", "omnichannel"},
		{"rocketchat_omnichannel", "omnichannel"},
		{"rocketchat_apps", "apps"},
		{"rocketchat_app", "apps"},
		{"rocketchat_integration", "integrations (not yet)"},
		{"rocketchat__trash", "deleted records"},
		{"system.", "MongoDB's own"},
	}
	why := map[string][]string{}
	var order []string
	for _, n := range names {
		if read[n] {
			continue
		}
		reason := "not imported"
		for _, g := range groups {
			if strings.HasPrefix(n, g.prefix) {
				reason = g.why
				break
			}
		}
		if _, ok := why[reason]; !ok {
			order = append(order, reason)
		}
		why[reason] = append(why[reason], n)
	}
	for _, r := range order {
		im.summary.NotImported = append(im.summary.NotImported, fmt.Sprintf("%s: %s", r, strings.Join(why[r], ", ")))
	}
	return nil
}

// sameJSON reports whether two setting values are stored alike (an int
// read back from the store may be a float64).
func sameJSON(a, b any) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(x) == string(y)
}
