package external

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"liftoff/auth/provider"
	"liftoff/chat"
	"liftoff/model"
	"liftoff/settings/setting"
	"liftoff/store"
)

// Accounts creates accounts (chat.Accounts).
type Accounts interface {
	InsertUser(ctx context.Context, in chat.NewUserInput) (*model.User, error)
}

// Settings is the part of the settings registry the package reads.
type Settings interface {
	Bool(id setting.ID) bool
	Int(id setting.ID) int
	String(id setting.ID) string
}

// Linker carries provider decisions out in the store.
type Linker struct {
	store    store.Store
	accounts Accounts
	settings Settings
	now      func() time.Time
}

// NewLinker returns a Linker; now replaces the clock (nil: time.Now).
func NewLinker(st store.Store, accounts Accounts, settings Settings, now func() time.Time) *Linker {
	if now == nil {
		now = time.Now
	}
	return &Linker{store: st, accounts: accounts, settings: settings, now: now}
}

// RoleSync says which global roles a provider manages for its users.
type RoleSync struct {
	// Enabled: the identity's Roles are applied (LDAP_Sync_User_Data_Roles ...).
	Enabled bool
	// Managed are the roles the provider may also take away (its map's values).
	Managed []string
	// AutoRemove: managed roles the identity no longer has are removed.
	AutoRemove bool
}

// SignIn returns the local account for the identity, creating or linking
// it as policy allows, with the identity's roles applied. A refusal is a
// *model.Error (provider.ErrUserDeactivated, ErrAccountExists, ...).
func (l *Linker) SignIn(ctx context.Context, id *provider.Identity, policy provider.Policy, roles RoleSync) (*model.User, error) {
	u, err := l.signIn(ctx, id, policy, roles)
	if errors.Is(err, store.ErrConflict) {
		// Another first login of the same person won the race: its
		// account is linked now.
		u, err = l.signIn(ctx, id, policy, roles)
	}
	return u, err
}

func (l *Linker) account(ctx context.Context, u *model.User, service string) (*provider.Account, error) {
	if u == nil {
		return nil, nil
	}
	a := &provider.Account{ID: u.ID, Username: u.Username, Name: u.Name, Active: u.Active}
	for _, e := range u.Emails {
		a.Emails = append(a.Emails, provider.Email{Address: e.Address, Verified: e.Verified})
	}
	link, err := l.store.UserService(ctx, u.ID, service)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	if link != nil {
		a.LinkedID = link.ExternalID
	}
	return a, nil
}

func found(u *model.User, err error) (*model.User, error) {
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	return u, err
}

// candidates looks up the accounts the identity may concern.
func (l *Linker) candidates(ctx context.Context, id *provider.Identity) (provider.Candidates, error) {
	var c provider.Candidates
	var linked, byName, byEmail *model.User
	link, err := l.store.UserServiceByExternalID(ctx, id.Service, id.ID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return c, err
	}
	if link != nil {
		if linked, err = found(l.store.UserByID(ctx, link.UserID)); err != nil {
			return c, err
		}
	}
	if id.Username != "" {
		if byName, err = found(l.store.UserByUsername(ctx, id.Username)); err != nil {
			return c, err
		}
	}
	if id.Email != "" {
		if byEmail, err = found(l.store.UserByEmail(ctx, id.Email)); err != nil {
			return c, err
		}
	}
	for _, p := range []struct {
		u   *model.User
		dst **provider.Account
	}{{linked, &c.Linked}, {byName, &c.ByUsername}, {byEmail, &c.ByEmail}} {
		if *p.dst, err = l.account(ctx, p.u, id.Service); err != nil {
			return c, err
		}
	}
	return c, nil
}

// linkRecord is the stored link: the provider's id and its attributes
// (Rocket.Chat's services.<service>), without binary avatars.
func (l *Linker) linkRecord(id *provider.Identity) (*model.UserService, error) {
	data := map[string]any{"id": id.ID}
	for k, v := range id.Attributes {
		if _, binary := v.([]byte); binary {
			continue
		}
		data[k] = v
	}
	b, err := json.Marshal(data)
	if err != nil {
		return nil, fmt.Errorf("link of %s: %w", id.Service, err)
	}
	return &model.UserService{Service: id.Service, ExternalID: id.ID, Data: b, UpdatedAt: model.TimeOf(l.now())}, nil
}

func (l *Linker) signIn(ctx context.Context, id *provider.Identity, policy provider.Policy, roles RoleSync) (*model.User, error) {
	c, err := l.candidates(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("sign-in candidates: %w", err)
	}
	d := provider.Decide(id, c, policy)
	link, err := l.linkRecord(id)
	if err != nil {
		return nil, err
	}
	switch d.Action {
	case provider.Refuse:
		return nil, d.Err
	case provider.Create:
		return l.create(ctx, id, d, link, roles)
	}
	var out *model.User
	err = l.store.Update(ctx, func(tx store.Tx) error {
		u, err := tx.UserByID(ctx, d.AccountID)
		if err != nil {
			return err
		}
		link.UserID = u.ID
		if err := tx.PutUserService(ctx, link); err != nil {
			return err
		}
		changed := false
		if d.SetName != "" {
			u.Name, changed = d.SetName, true
		}
		if d.SetEmail != "" {
			if other, err := found(tx.UserByEmail(ctx, d.SetEmail)); err != nil {
				return err
			} else if other == nil || other.ID == u.ID {
				u.Emails = append([]model.Email{{Address: strings.ToLower(d.SetEmail), Verified: d.SetEmailVerified}},
					slices.DeleteFunc(u.Emails, func(e model.Email) bool { return strings.EqualFold(e.Address, d.SetEmail) })...)
				changed = true
			}
		}
		if roleChanged, err := l.applyRoles(ctx, tx, u, id, roles); err != nil {
			return err
		} else if roleChanged {
			changed = true
		}
		if changed {
			u.UpdatedAt = model.TimeOf(l.now())
			if err := tx.UpdateUser(ctx, u); err != nil {
				return err
			}
		}
		out = u
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// applyRoles changes u.Roles (not stored) to what the identity grants;
// roles that do not exist are left out.
func (l *Linker) applyRoles(ctx context.Context, tx store.Tx, u *model.User, id *provider.Identity, rs RoleSync) (bool, error) {
	if !rs.Enabled || id.Roles == nil {
		return false, nil
	}
	known, err := tx.Roles(ctx)
	if err != nil {
		return false, err
	}
	exists := map[string]bool{}
	for _, r := range known {
		exists[r.ID] = true
	}
	add, remove := provider.SyncRoles(u.Roles, id.Roles, rs.Managed, rs.AutoRemove)
	changed := false
	for _, r := range add {
		if exists[r] {
			u.Roles = append(u.Roles, r)
			changed = true
		}
	}
	if len(remove) > 0 {
		u.Roles = slices.DeleteFunc(u.Roles, func(r string) bool { return slices.Contains(remove, r) })
		changed = true
	}
	if len(u.Roles) == 0 {
		u.Roles = []string{"user"}
	}
	return changed, nil
}

var notUsername = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// newUsername is the identity's username, or one made of its e-mail or
// name, with a number appended when taken.
func (l *Linker) newUsername(ctx context.Context, id *provider.Identity) (string, error) {
	base := id.Username
	if base == "" {
		base, _, _ = strings.Cut(id.Email, "@")
	}
	if base == "" {
		base = id.Name
	}
	base = strings.Trim(notUsername.ReplaceAllString(base, "."), ".")
	if base == "" {
		base = "user"
	}
	name := base
	for n := 1; n < 1000; n++ {
		u, err := found(l.store.UserByUsername(ctx, name))
		if err != nil {
			return "", err
		}
		if u == nil {
			return name, nil
		}
		name = base + strconv.Itoa(n)
	}
	return "", provider.ErrAccountExists
}

func (l *Linker) create(ctx context.Context, id *provider.Identity, d provider.Decision, link *model.UserService, rs RoleSync) (*model.User, error) {
	username, err := l.newUsername(ctx, id)
	if err != nil {
		return nil, err
	}
	email := id.Email
	if d.EmailTaken {
		email = ""
	}
	roles := []string{}
	for _, r := range strings.Split(l.settings.String(setting.AccountsRegistrationAuthenticationServicesDefaultRoles), ",") {
		if r = strings.TrimSpace(r); r != "" {
			roles = append(roles, r)
		}
	}
	u, err := l.accounts.InsertUser(ctx, chat.NewUserInput{Username: username, Email: email, Name: id.Name, Roles: roles,
		Verified: id.EmailVerified && email != "", JoinDefaultChannels: true, Link: link})
	if err != nil {
		return nil, err
	}
	if !rs.Enabled || id.Roles == nil {
		return u, nil
	}
	err = l.store.Update(ctx, func(tx store.Tx) error {
		cur, err := tx.UserByID(ctx, u.ID)
		if err != nil {
			return err
		}
		changed, err := l.applyRoles(ctx, tx, cur, id, rs)
		if err != nil || !changed {
			u = cur
			return err
		}
		u = cur
		return tx.UpdateUser(ctx, cur)
	})
	return u, err
}
