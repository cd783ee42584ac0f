package chat

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"liftoff/access"
	"liftoff/model"
	"liftoff/settings"
	"liftoff/settings/setting"
	"liftoff/store"
)

// BootstrapInput is the first-run and every-boot configuration.
type BootstrapInput struct {
	// RootURL is the public URL (ROOT_URL); it sets Site_Url.
	RootURL string
	// Overrides are OVERWRITE_SETTING_<id> values, applied at every boot.
	Overrides map[string]string
	// Admin, when set, is created on first run (ADMIN_USERNAME, ADMIN_PASS...)
	// unless a user with that username exists.
	Admin *NewUserInput
}

// Bootstrap makes the database ready and loads the caches: it adds the
// default roles, permissions and settings that are missing (never undoing
// an administrator's changes), applies overrides, creates the admin from
// the environment and the default channel "general" on first run.
// It reports what it did through the service's logger.
func (s *Admin) Bootstrap(ctx context.Context, in BootstrapInput) error {
	now := s.nowTime()
	overrides := make(map[string]string, len(in.Overrides)+1)
	for k, v := range in.Overrides {
		overrides[k] = v
	}
	if in.RootURL != "" {
		if _, ok := overrides[string(setting.SiteURL)]; !ok {
			overrides[string(setting.SiteURL)] = strings.TrimRight(in.RootURL, "/")
		}
	}
	err := s.store.Update(ctx, func(tx store.Tx) error {
		roles, err := tx.Roles(ctx)
		if err != nil {
			return err
		}
		have := map[string]bool{}
		for _, r := range roles {
			have[r.ID] = true
		}
		for _, r := range access.DefaultRoles() {
			if !have[r.ID] {
				r.UpdatedAt = now
				if err := tx.UpsertRole(ctx, r); err != nil {
					return err
				}
			}
		}
		for _, p := range access.DefaultPermissions() {
			if _, err := tx.PermissionByID(ctx, p.ID); errors.Is(err, store.ErrNotFound) {
				p.UpdatedAt = now
				if err := tx.UpsertPermission(ctx, p); err != nil {
					return err
				}
			} else if err != nil {
				return err
			}
		}
		for _, def := range settings.Defaults() {
			cur, err := tx.SettingByID(ctx, def.ID)
			if errors.Is(err, store.ErrNotFound) {
				cur = def
				cur.UpdatedAt = now
			} else if err != nil {
				return err
			} else {
				// Keep the stored value; refresh the definition.
				value := cur.Value
				*cur = *def
				cur.Value = value
			}
			if raw, ok := overrides[def.ID]; ok {
				v, err := settings.ParseValue(cur, raw)
				if err != nil {
					return fmt.Errorf("OVERWRITE_SETTING_%s: %w", def.ID, err)
				}
				cur.Value = v
				cur.UpdatedAt = now
			}
			if err := tx.UpsertSetting(ctx, cur); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("bootstrap: %w", err)
	}
	for id := range overrides {
		if _, ok := s.settings.Get(setting.ID(id)); !ok && !isDefaultSetting(id) {
			s.log.Warn("unknown setting in OVERWRITE_SETTING_", "id", id)
		}
	}
	if err := s.ReloadCaches(ctx); err != nil {
		return err
	}

	// The default channel.
	if _, err := s.store.RoomByName(ctx, "general"); errors.Is(err, store.ErrNotFound) {
		now := s.nowTime()
		room := &model.Room{ID: "GENERAL", Type: model.RoomChannel, Name: "general", DisplayName: "general", Default: true,
			SystemMessages: true, CreatedAt: now, UpdatedAt: now}
		if err := s.store.Update(ctx, func(tx store.Tx) error {
			if err := tx.InsertRoom(ctx, room); err != nil {
				return err
			}
			tx.Emit(model.RoomChanged{Action: model.ActionInserted, Room: cloneRoom(room)})
			return nil
		}); err != nil {
			return fmt.Errorf("create general: %w", err)
		}
		s.log.Info("created the default channel", "name", "general")
	} else if err != nil {
		return fmt.Errorf("bootstrap: %w", err)
	}

	// The admin from the environment.
	if in.Admin != nil && in.Admin.Username != "" {
		if _, err := s.store.UserByUsername(ctx, in.Admin.Username); errors.Is(err, store.ErrNotFound) {
			a := *in.Admin
			a.Roles = []string{"admin", "user"}
			a.JoinDefaultChannels = true
			a.Verified = true
			if a.Name == "" {
				a.Name = a.Username
			}
			u, err := s.insertUser(ctx, a)
			if err != nil {
				return fmt.Errorf("create admin %q: %w", a.Username, err)
			}
			s.log.Info("created the administrator from ADMIN_USERNAME", "username", u.Username)
		} else if err != nil {
			return fmt.Errorf("bootstrap: %w", err)
		}
	}
	if err := s.ensureRocketCat(ctx); err != nil {
		return err
	}
	n, err := s.countAdmins(ctx)
	if err != nil {
		return fmt.Errorf("bootstrap: %w", err)
	}
	if n == 0 {
		s.log.Warn("no administrator yet: the first user to register becomes admin")
		return nil
	}
	return s.completeSetupWizard(ctx)
}

// RocketCatID is the id (and username) of Rocket.Chat's first-run bot user,
// which integrations and bots address by that id.
const RocketCatID = "rocket.cat"

// ensureRocketCat creates the rocket.cat bot user, as Rocket.Chat does on
// its first start: id and username rocket.cat, name Rocket.Cat, role bot,
// active, online; no password, so nobody signs in as it.
func (s *core) ensureRocketCat(ctx context.Context) error {
	if _, err := s.store.UserByID(ctx, RocketCatID); err == nil {
		return nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("bootstrap: %w", err)
	}
	if _, err := s.store.UserByUsername(ctx, RocketCatID); err == nil {
		s.log.Warn("a user named rocket.cat exists already: the rocket.cat bot is not created")
		return nil
	}
	now := s.nowTime()
	u := &model.User{ID: RocketCatID, Username: RocketCatID, Name: "Rocket.Cat", Type: model.UserTypeBot, Active: true,
		Roles: []string{"bot"}, Status: model.StatusOnline, StatusDefault: model.StatusOnline, CreatedAt: now, UpdatedAt: now}
	err := s.store.Update(ctx, func(tx store.Tx) error { return tx.InsertUser(ctx, u) })
	if errors.Is(err, store.ErrConflict) {
		return nil // another instance made it first
	}
	if err != nil {
		return fmt.Errorf("create rocket.cat: %w", err)
	}
	return nil
}

// completeSetupWizard sets Show_Setup_Wizard to "completed" when it is
// still "pending" (an administrator now exists).
func (s *core) completeSetupWizard(ctx context.Context) error {
	if s.settings.String(setting.ShowSetupWizard) != "pending" {
		return nil
	}
	var saved *model.Setting
	err := s.store.Update(ctx, func(tx store.Tx) error {
		cur, err := tx.SettingByID(ctx, string(setting.ShowSetupWizard))
		if err != nil {
			return err
		}
		if cur.Value != "pending" {
			return nil
		}
		cur.Value = "completed"
		cur.UpdatedAt = s.nowTime()
		if err := tx.UpsertSetting(ctx, cur); err != nil {
			return err
		}
		c := *cur
		saved = &c
		tx.Emit(model.SettingChanged{Setting: &c})
		return nil
	})
	if err != nil {
		return fmt.Errorf("complete setup wizard: %w", err)
	}
	if saved != nil {
		s.settings.Set(saved)
	}
	return nil
}

func isDefaultSetting(id string) bool {
	for _, d := range settings.Defaults() {
		if d.ID == id {
			return true
		}
	}
	return false
}

// ReloadCaches reloads permissions and settings from the store.
func (s *Admin) ReloadCaches(ctx context.Context) error {
	perms, err := s.store.Permissions(ctx)
	if err != nil {
		return fmt.Errorf("load permissions: %w", err)
	}
	s.perms.Set(perms)
	all, err := s.store.Settings(ctx)
	if err != nil {
		return fmt.Errorf("load settings: %w", err)
	}
	for _, st := range all {
		s.settings.Set(st)
	}
	return nil
}

// ApplyEvent keeps the service's caches current with changes made by any
// instance (it is idempotent, so it may also see this instance's own changes).
func (s *Admin) ApplyEvent(e model.Event) {
	switch ev := e.(type) {
	case model.PermissionChanged:
		s.perms.Update(ev.Permission)
	case model.SettingChanged:
		s.settings.Set(ev.Setting)
	}
}

func (s *core) countAdmins(ctx context.Context) (int, error) {
	_, n, err := s.store.ListUsers(ctx, store.UserQuery{Roles: []string{"admin"}}, model.Page{Count: 1})
	return n, err
}
