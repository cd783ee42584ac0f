package external

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"liftoff/auth"
	"liftoff/auth/ldap"
	"liftoff/auth/provider"
	"liftoff/model"
	"liftoff/settings/setting"
	"liftoff/store"
)

// ldapService is the link service of directory users (services.ldap).
const ldapService = "ldap"

// LDAP logs users in against the LDAP directory the LDAP_* settings
// describe (read at each call, so changed settings apply at once) and
// keeps linked accounts in step with it. It implements auth.Directory.
type LDAP struct {
	linker *Linker
	store  store.Store
	reg    Settings
	log    *slog.Logger
}

// NewLDAP returns the directory login over linker.
func NewLDAP(linker *Linker, st store.Store, reg Settings, log *slog.Logger) *LDAP {
	return &LDAP{linker: linker, store: st, reg: reg, log: log}
}

// ErrDisabled refuses the admin calls while LDAP_Enable is off.
var ErrDisabled = model.Invalid("LDAP_disabled", "LDAP is disabled")

func (l *LDAP) directory() (*ldap.Directory, error) {
	cfg, err := ldap.ConfigFrom(l.reg)
	if err != nil {
		return nil, model.Invalid("error-ldap-settings", "%s", err.Error())
	}
	if !cfg.Enabled {
		return nil, ErrDisabled
	}
	return ldap.New(cfg)
}

func roleSync(cfg ldap.Config) RoleSync {
	return RoleSync{Enabled: cfg.Roles.Enabled, Managed: cfg.Roles.Map.Values(), AutoRemove: cfg.Roles.AutoRemove}
}

// Enabled implements auth.Directory.
func (l *LDAP) Enabled() bool { return l.reg.Bool(setting.LDAPEnable) }

// Linked implements auth.Directory.
func (l *LDAP) Linked(ctx context.Context, userID string) (bool, error) {
	_, err := l.store.UserService(ctx, userID, ldapService)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// LoginDirectory implements auth.Directory: a bind as the user, then the
// account linked to the entry (created, or joined by username when
// LDAP_Merge_Existing_Users is on), with its roles synced.
func (l *LDAP) LoginDirectory(ctx context.Context, username, password string) (*model.User, error) {
	if !l.Enabled() {
		return nil, auth.ErrTryLocalPassword
	}
	dir, err := l.directory()
	if err != nil {
		l.log.Error("ldap login: settings", "err", err)
		return nil, err
	}
	cfg := dir.Config()
	id, err := dir.Authenticate(ctx, username, password)
	if err != nil {
		if errors.Is(err, ldap.ErrUnavailable) {
			l.log.Warn("ldap login: directory unavailable", "err", err)
		}
		if cfg.LoginFallback {
			return nil, auth.ErrTryLocalPassword
		}
		if errors.Is(err, ldap.ErrUnavailable) {
			return nil, ldap.ErrUnavailable
		}
		return nil, auth.ErrLoginFailed
	}
	return l.linker.SignIn(ctx, id, cfg.Policy(), roleSync(cfg))
}

// TestConnection is the admin's ldap.testConnection.
func (l *LDAP) TestConnection(ctx context.Context) error {
	dir, err := l.directory()
	if err != nil {
		return err
	}
	if err := dir.TestConnection(ctx); err != nil {
		return model.Invalid("Connection_failed", "Connection failed: %s", err.Error())
	}
	return nil
}

// TestSearch is the admin's ldap.testSearch: nil when the search finds
// exactly one user.
func (l *LDAP) TestSearch(ctx context.Context, username string) error {
	dir, err := l.directory()
	if err != nil {
		return err
	}
	if _, err := dir.TestSearch(ctx, username); err != nil {
		if errors.Is(err, ldap.ErrUnavailable) {
			return model.Invalid("Connection_failed", "Connection failed: %s", err.Error())
		}
		return model.Invalid("LDAP_User_Not_Found", "User not found")
	}
	return nil
}

// SyncResult counts what a sync pass did.
type SyncResult struct {
	Imported, Updated, Deactivated, Reactivated int
}

// Sync runs one background sync pass (and the admin's ldap.syncNow):
// deactivates the accounts whose entry is gone or disabled (their login
// tokens are revoked), reactivates the ones back (LDAP_Sync_User_Active_State
// both), refreshes the changed ones
// (LDAP_Background_Sync_Keep_Existant_Users_Updated) and imports new ones
// (LDAP_Background_Sync_Import_New_Users).
func (l *LDAP) Sync(ctx context.Context) (SyncResult, error) {
	var res SyncResult
	dir, err := l.directory()
	if err != nil {
		return res, err
	}
	cfg := dir.Config()
	links, err := l.store.UserServices(ctx, ldapService)
	if err != nil {
		return res, err
	}
	userOf := make(map[string]string, len(links))
	known := make([]ldap.Known, 0, len(links))
	for _, link := range links {
		u, err := found(l.store.UserByID(ctx, link.UserID))
		if err != nil {
			return res, err
		}
		if u == nil {
			continue
		}
		userOf[link.ExternalID] = u.ID
		known = append(known, ldap.Known{ID: link.ExternalID, Username: u.Username, Email: u.Email(), Name: u.Name,
			Roles: slices.Clone(u.Roles), Active: u.Active})
	}
	rep, err := dir.Sync(ctx, known)
	if err != nil {
		return res, fmt.Errorf("ldap sync: %w", err)
	}
	for _, ext := range rep.Deactivate {
		if err := l.setActive(ctx, userOf[ext], false); err != nil {
			return res, err
		}
		res.Deactivated++
	}
	for _, ext := range rep.Reactivate {
		if err := l.setActive(ctx, userOf[ext], true); err != nil {
			return res, err
		}
		res.Reactivated++
	}
	update := cfg.Policy()
	update.OverwriteName, update.OverwriteEmail = true, true
	if cfg.BackgroundSyncKeepUpdated {
		for _, id := range rep.Changed {
			if _, err := l.linker.SignIn(ctx, id, update, roleSync(cfg)); err != nil {
				l.log.Warn("ldap sync: update", "user", id.Username, "err", err)
				continue
			}
			res.Updated++
		}
	}
	if cfg.BackgroundSyncImportNew {
		for _, id := range rep.New {
			if _, err := l.linker.SignIn(ctx, id, cfg.Policy(), roleSync(cfg)); err != nil {
				l.log.Warn("ldap sync: import", "user", id.Username, "err", err)
				continue
			}
			res.Imported++
		}
	}
	l.log.Info("ldap sync", "imported", res.Imported, "updated", res.Updated, "deactivated", res.Deactivated, "reactivated", res.Reactivated)
	return res, nil
}

// setActive (de)activates an account; a deactivated one loses its login tokens.
func (l *LDAP) setActive(ctx context.Context, userID string, active bool) error {
	if userID == "" {
		return nil
	}
	return l.store.Update(ctx, func(tx store.Tx) error {
		u, err := tx.UserByID(ctx, userID)
		if err != nil {
			return err
		}
		u.Active = active
		u.UpdatedAt = model.TimeOf(l.linker.now())
		if err := tx.UpdateUser(ctx, u); err != nil {
			return err
		}
		if !active {
			return auth.RemoveTokens(ctx, tx, userID, model.TokenLogin, "") // their connections end
		}
		return nil
	})
}

var _ auth.Directory = (*LDAP)(nil)
var _ provider.PasswordProvider = (*ldap.Directory)(nil)

// SyncNow is the admin's ldap.syncNow: one sync pass, finished when it returns.
func (l *LDAP) SyncNow(ctx context.Context) error {
	_, err := l.Sync(ctx)
	return err
}

// BackgroundSync says whether the background sync is on
// (LDAP_Enable and LDAP_Background_Sync) and how often it runs.
func (l *LDAP) BackgroundSync() (time.Duration, bool) {
	cfg, err := ldap.ConfigFrom(l.reg)
	if err != nil || !cfg.Enabled || !cfg.BackgroundSync {
		return 0, false
	}
	return cfg.BackgroundSyncInterval, true
}
