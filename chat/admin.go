package chat

import (
	"context"
	"errors"
	"strings"

	"liftoff/access/perm"
	"liftoff/model"
	"liftoff/settings"
	"liftoff/settings/setting"
	"liftoff/store"
)

// SettingFilter narrows a list of settings.
type SettingFilter struct {
	IDs []string // only these ids (empty: all)
}

func (f SettingFilter) match(st *model.Setting) bool {
	return len(f.IDs) == 0 || contains(f.IDs, st.ID)
}

// PublicSettings lists the settings anyone may read (settings.public):
// public and not hidden, sorted by id.
func (s *Admin) PublicSettings(f SettingFilter) []*model.Setting {
	out := []*model.Setting{}
	for _, st := range s.settings.All() {
		if st.Public && !st.Hidden && f.match(st) {
			out = append(out, st)
		}
	}
	return out
}

// ListSettings lists the settings the actor may read (GET /settings):
// every setting that is not hidden with view-privileged-setting, only the
// public ones without it.
func (s *Admin) ListSettings(actor *model.User, f SettingFilter) []*model.Setting {
	if !s.can(actor, perm.ViewPrivilegedSetting) {
		return s.PublicSettings(f)
	}
	out := []*model.Setting{}
	for _, st := range s.settings.All() {
		if !st.Hidden && f.match(st) {
			out = append(out, st)
		}
	}
	return out
}

// errSettingNotFound answers for unknown and hidden settings alike.
func errSettingNotFound(id setting.ID) error {
	return model.NotFound(model.ErrInvalidSetting.Type, "Setting %s not found", id)
}

// GetSetting returns one setting that is not hidden; it needs view-privileged-setting.
func (s *Admin) GetSetting(actor *model.User, id setting.ID) (*model.Setting, error) {
	if !s.can(actor, perm.ViewPrivilegedSetting) {
		return nil, model.ErrUnauthorized
	}
	st, ok := s.settings.Get(id)
	if !ok || st.Hidden {
		return nil, errSettingNotFound(id)
	}
	return st, nil
}

// CheckSetting makes SetSetting refuse values of setting id that check
// rejects (error-invalid-setting-value), beside the type check: for
// settings whose text has a syntax, such as an allow-list. Call it while
// wiring, before serving.
func (s *Admin) CheckSetting(id setting.ID, check func(value any) error) {
	if s.settingChecks == nil {
		s.settingChecks = map[setting.ID]func(any) error{}
	}
	s.settingChecks[id] = check
}

// SetSetting changes a setting's value (POST /settings/:_id). It needs
// edit-privileged-setting; the value must suit the setting's type (see
// settings.Coerce). The new value takes effect at once on this instance
// and reaches the others through SettingChanged.
func (s *Admin) SetSetting(ctx context.Context, actor *model.User, id setting.ID, value any) (*model.Setting, error) {
	if !s.can(actor, perm.EditPrivilegedSetting) {
		return nil, model.ErrUnauthorized
	}
	if strings.TrimSpace(string(id)) == "" {
		return nil, model.Invalid("error-id-param-not-provided", "The parameter \"id\" is required")
	}
	cached, ok := s.settings.Get(id)
	if !ok || cached.Hidden {
		return nil, errSettingNotFound(id)
	}
	if cached.Blocked {
		return nil, model.Invalid("error-setting-blocked", "Setting %s is blocked", id)
	}
	v, err := settings.Coerce(cached, value)
	if err != nil {
		return nil, err
	}
	if check := s.settingChecks[id]; check != nil {
		if err := check(v); err != nil {
			return nil, model.Invalid("error-invalid-setting-value", "Invalid value for setting %s: %v", id, err)
		}
	}
	var saved *model.Setting
	err = s.store.Update(ctx, func(tx store.Tx) error {
		cur, err := tx.SettingByID(ctx, string(id))
		if errors.Is(err, store.ErrNotFound) {
			return errSettingNotFound(id)
		}
		if err != nil {
			return err
		}
		cur.Value = v
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
		return nil, internal("set setting", err)
	}
	s.settings.Set(saved)
	return saved, nil
}

// Statistics are the figures behind GET /statistics: the installation's
// id and the record counts.
type Statistics struct {
	UniqueID                                                                            string
	TotalUsers, ActiveUsers, OnlineUsers, AwayUsers, BusyUsers, OfflineUsers            int
	TotalRooms, TotalChannels, TotalPrivateGroups, TotalDirect                          int
	TotalMessages, TotalChannelMessages, TotalPrivateGroupMessages, TotalDirectMessages int
}

// Statistics returns the installation's figures; it needs view-statistics.
func (s *Admin) Statistics(ctx context.Context, actor *model.User) (*Statistics, error) {
	if !s.can(actor, perm.ViewStatistics) {
		return nil, model.Forbidden("error-not-allowed", "Not allowed")
	}
	c, err := s.store.Counts(ctx)
	if err != nil {
		return nil, internal("statistics", err)
	}
	return &Statistics{
		UniqueID:   s.settings.String(setting.UniqueID),
		TotalUsers: c.TotalUsers, ActiveUsers: c.ActiveUsers, OnlineUsers: c.OnlineUsers, AwayUsers: c.AwayUsers,
		BusyUsers: c.BusyUsers, OfflineUsers: c.OfflineUsers,
		TotalRooms: c.TotalRooms, TotalChannels: c.TotalChannels, TotalPrivateGroups: c.TotalPrivateGroups, TotalDirect: c.TotalDirect,
		TotalMessages: c.TotalMessages, TotalChannelMessages: c.TotalChannelMessages,
		TotalPrivateGroupMessages: c.TotalPrivateGroupMessages, TotalDirectMessages: c.TotalDirectMessages,
	}, nil
}

// ---- roles ----

// ListRoles returns every role.
func (s *Admin) ListRoles(ctx context.Context) ([]*model.Role, error) {
	roles, err := s.store.Roles(ctx)
	if err != nil {
		return nil, internal("list roles", err)
	}
	return roles, nil
}

// RolesUpdatedSince lists the roles changed after since (roles.sync).
func (s *Admin) RolesUpdatedSince(ctx context.Context, since model.Time) ([]*model.Role, error) {
	roles, err := s.ListRoles(ctx)
	if err != nil {
		return nil, err
	}
	out := []*model.Role{}
	for _, r := range roles {
		if r.UpdatedAt.After(since.Time) {
			out = append(out, r)
		}
	}
	return out, nil
}

// RoleInput describes a role to create or change.
type RoleInput struct {
	Name         string
	Scope        string // "Users" (default) or "Subscriptions"
	Description  string
	Mandatory2FA *bool
}

func errAccessPermissions() error {
	return model.Forbidden("error-action-not-allowed", "Accessing permissions is not allowed")
}

func validRoleScope(scope string) bool {
	return scope == model.ScopeUsers || scope == model.ScopeSubscriptions
}

// CreateRole adds a custom role (roles.create); it needs access-permissions.
func (s *Admin) CreateRole(ctx context.Context, actor *model.User, in RoleInput) (*model.Role, error) {
	if !s.can(actor, perm.AccessPermissions) {
		return nil, errAccessPermissions()
	}
	name := strings.TrimSpace(in.Name)
	if name == "" || (in.Scope != "" && !validRoleScope(in.Scope)) {
		return nil, model.Invalid("error-invalid-role-properties", "The role properties are invalid.")
	}
	scope := in.Scope
	if scope == "" {
		scope = model.ScopeUsers
	}
	role := &model.Role{ID: model.NewID(), Name: name, Scope: scope, Description: in.Description, UpdatedAt: s.nowTime()}
	if in.Mandatory2FA != nil {
		role.Mandatory2FA = *in.Mandatory2FA
	}
	err := s.store.Update(ctx, func(tx store.Tx) error {
		if _, err := tx.RoleByID(ctx, name); err == nil {
			return model.Conflict("error-duplicate-role-names-not-allowed", "Role name already exists")
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if err := tx.UpsertRole(ctx, role); err != nil {
			return err
		}
		c := *role
		tx.Emit(model.RoleChanged{Type: "changed", RoleID: role.ID, Role: &c})
		return nil
	})
	if err != nil {
		return nil, internal("create role", err)
	}
	return role, nil
}

// UpdateRole changes a role (roles.update); protected roles keep their
// name and scope. It needs access-permissions.
func (s *Admin) UpdateRole(ctx context.Context, actor *model.User, roleID string, in RoleInput) (*model.Role, error) {
	if !s.can(actor, perm.AccessPermissions) {
		return nil, errAccessPermissions()
	}
	if strings.TrimSpace(roleID) == "" || strings.TrimSpace(in.Name) == "" || (in.Scope != "" && !validRoleScope(in.Scope)) {
		return nil, model.Invalid("error-invalid-role-properties", "The role properties are invalid.")
	}
	var out *model.Role
	err := s.store.Update(ctx, func(tx store.Tx) error {
		role, err := tx.RoleByID(ctx, roleID)
		if errors.Is(err, store.ErrNotFound) || (err == nil && role.ID != roleID) {
			return model.Invalid("error-invalid-roleId", "This role does not exist")
		}
		if err != nil {
			return err
		}
		name := strings.TrimSpace(in.Name)
		if role.Protected && ((name != role.Name) || (in.Scope != "" && in.Scope != role.Scope)) {
			return model.Invalid("error-role-protected", "Role is protected")
		}
		if other, err := tx.RoleByID(ctx, name); err == nil && other.ID != role.ID {
			return model.Conflict("error-duplicate-role-names-not-allowed", "Role name already exists")
		} else if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		role.Name = name
		if in.Scope != "" {
			role.Scope = in.Scope
		}
		role.Description = in.Description
		if in.Mandatory2FA != nil {
			role.Mandatory2FA = *in.Mandatory2FA
		}
		role.UpdatedAt = s.nowTime()
		if err := tx.UpsertRole(ctx, role); err != nil {
			return err
		}
		c := *role
		tx.Emit(model.RoleChanged{Type: "changed", RoleID: role.ID, Role: &c})
		out = role
		return nil
	})
	if err != nil {
		return nil, internal("update role", err)
	}
	return out, nil
}

// DeleteRole removes a custom role nobody holds (roles.delete); it needs
// access-permissions. Room-scoped roles are checked in the rooms their
// holders are members of.
func (s *Admin) DeleteRole(ctx context.Context, actor *model.User, roleID string) error {
	if !s.can(actor, perm.AccessPermissions) {
		return model.ErrUnauthorized
	}
	if strings.TrimSpace(roleID) == "" {
		return model.ErrMissingParam("roleId")
	}
	err := s.store.Update(ctx, func(tx store.Tx) error {
		role, err := tx.RoleByID(ctx, roleID)
		if errors.Is(err, store.ErrNotFound) {
			return model.Invalid("error-invalid-roleId", "This role does not exist")
		}
		if err != nil {
			return err
		}
		if role.Protected {
			return model.Invalid("error-role-protected", "Cannot delete a protected role")
		}
		_, n, err := tx.UsersInRole(ctx, role.ID, "", model.Page{Count: 1})
		if err != nil {
			return err
		}
		if n > 0 {
			return model.Conflict("error-role-in-use", "Cannot delete role because it's in use")
		}
		if err := tx.DeleteRole(ctx, role.ID); err != nil {
			return err
		}
		tx.Emit(model.RoleChanged{Type: "removed", RoleID: role.ID})
		return nil
	})
	return internal("delete role", err)
}

// RoleAssignment names a role, a user and, for room roles, a room.
type RoleAssignment struct {
	RoleID   string // a role id, or (as Rocket.Chat still accepts) a role name
	Username string
	User     UserLookup // used when Username is empty
	RoomID   string
}

// canAssignRoles is the right to grant and revoke roles.
func (s *core) canAssignRoles(actor *model.User) bool {
	return s.can(actor, perm.AccessPermissions) || s.can(actor, perm.AssignRoles)
}

// AddUserToRole grants a role (roles.addUserToRole): global roles go on the
// user, room roles on their subscription to RoomID. It needs
// access-permissions or assign-roles (and assign-admin-role for admin).
func (s *Admin) AddUserToRole(ctx context.Context, actor *model.User, a RoleAssignment) (*model.Role, error) {
	if !s.canAssignRoles(actor) {
		return nil, errAccessPermissions()
	}
	lookup := a.User
	if a.Username != "" {
		lookup = UserLookup{Username: a.Username}
	}
	user, err := s.findUser(ctx, lookup)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(a.RoleID) == "" {
		return nil, model.Invalid("error-invalid-role-properties", "The role properties are invalid.")
	}
	role, err := s.store.RoleByID(ctx, a.RoleID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, model.NotFound("error-role-not-found", "Role not found")
	}
	if err != nil {
		return nil, internal("add user to role", err)
	}
	if role.ID == "admin" && !s.can(actor, perm.AssignAdminRole) {
		return nil, model.Forbidden("error-action-not-allowed", "Assigning admin is not allowed").WithDetails(map[string]any{"action": "Assign_admin"}).InMethod()
	}
	if role.Scope == model.ScopeSubscriptions && a.RoomID == "" {
		return nil, model.ErrMissingParam("roomId")
	}
	err = s.store.Update(ctx, func(tx store.Tx) error {
		return s.changeRoleTx(ctx, tx, role, user, a.RoomID, true)
	})
	if err != nil {
		return nil, internal("add user to role", err)
	}
	return role, nil
}

// GrantRole gives the user the global role roleID, unless they hold it
// already, without an actor's rights: the server's own grants, such as
// the bot role of an integration's user (Rocket.Chat's addUserRolesAsync).
func (s *Admin) GrantRole(ctx context.Context, userID, roleID string) error {
	role, err := s.store.RoleByID(ctx, roleID)
	if err != nil {
		return internal("grant role", err)
	}
	err = s.store.Update(ctx, func(tx store.Tx) error {
		u, err := tx.UserByID(ctx, userID)
		if err != nil {
			return err
		}
		if u.HasRole(role.ID) {
			return nil
		}
		return s.changeRoleTx(ctx, tx, role, u, "", true)
	})
	return internal("grant role", err)
}

// changeRoleTx grants (grant) or revokes role for user inside tx: a room
// role on their subscription to roomID, a global role on the user, and
// emits the change. Granting a held role, revoking one not held, and
// revoking the last admin are refused.
func (s *core) changeRoleTx(ctx context.Context, tx store.Tx, role *model.Role, user *model.User, roomID string, grant bool) error {
	now := s.nowTime()
	notIn := model.Invalid("error-user-not-in-role", "User is not in this role")
	already := model.Conflict("error-user-already-in-role", "User already in role")
	if role.Scope == model.ScopeSubscriptions {
		if roomID == "" {
			return notIn
		}
		sub, err := tx.Subscription(ctx, roomID, user.ID)
		if errors.Is(err, store.ErrNotFound) {
			if grant {
				return model.Invalid("error-invalid-user", "User is not part of given room").InMethod()
			}
			return notIn
		}
		if err != nil {
			return err
		}
		switch has := sub.HasRole(role.ID); {
		case grant && has:
			return already
		case !grant && !has:
			return notIn
		case grant:
			sub.Roles = append(sub.Roles, role.ID)
		default:
			sub.Roles = withoutValue(sub.Roles, role.ID)
		}
		sub.UpdatedAt = now
		if err := tx.UpdateSubscription(ctx, sub); err != nil {
			return err
		}
		tx.Emit(model.SubscriptionChanged{Action: model.ActionUpdated, Subscription: sub})
	} else {
		u, err := tx.UserByID(ctx, user.ID)
		if err != nil {
			return err
		}
		switch has := u.HasRole(role.ID); {
		case grant && has:
			return already
		case !grant && !has:
			return notIn
		case grant:
			u.Roles = append(u.Roles, role.ID)
		default:
			if role.ID == "admin" {
				_, n, err := tx.UsersInRole(ctx, "admin", "", model.Page{Count: 1})
				if err != nil {
					return err
				}
				if n <= 1 {
					return model.Invalid("error-admin-required", "You need to have at least one admin")
				}
			}
			u.Roles = withoutValue(u.Roles, role.ID)
		}
		u.UpdatedAt = now
		if err := tx.UpdateUser(ctx, u); err != nil {
			return err
		}
		c := *u
		tx.Emit(model.UserChanged{User: &c, Fields: []string{"roles"}})
	}
	typ := "added"
	if !grant {
		typ = "removed"
	}
	tx.Emit(model.RoleChanged{Type: typ, RoleID: role.ID, UserID: user.ID, Username: user.Username, Scope: roleScopeFor(role, roomID)})
	return nil
}

func roleScopeFor(role *model.Role, roomID string) string {
	if role.Scope == model.ScopeSubscriptions {
		return roomID
	}
	return ""
}

// RemoveUserFromRole revokes a role (roles.removeUserFromRole); it needs
// access-permissions or assign-roles, and keeps at least one admin.
func (s *Admin) RemoveUserFromRole(ctx context.Context, actor *model.User, a RoleAssignment) (*model.Role, error) {
	if !s.canAssignRoles(actor) {
		return nil, model.ErrUnauthorized
	}
	if strings.TrimSpace(a.RoleID) == "" {
		return nil, model.Invalid("error-invalid-role-properties", "The role properties are invalid.")
	}
	if strings.TrimSpace(a.Username) == "" {
		return nil, model.ErrMissingParam("username")
	}
	user, err := s.store.UserByUsername(ctx, strings.TrimSpace(a.Username))
	if errors.Is(err, store.ErrNotFound) {
		return nil, model.Invalid("error-invalid-user", "There is no user with this username")
	}
	if err != nil {
		return nil, internal("remove user from role", err)
	}
	role, err := s.store.RoleByID(ctx, a.RoleID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, model.Invalid("error-invalid-roleId", "This role does not exist")
	}
	if err != nil {
		return nil, internal("remove user from role", err)
	}
	if role.ID == "admin" && !s.can(actor, perm.AssignAdminRole) {
		return nil, model.Forbidden("error-action-not-allowed", "Assigning admin is not allowed")
	}
	err = s.store.Update(ctx, func(tx store.Tx) error {
		return s.changeRoleTx(ctx, tx, role, user, a.RoomID, false)
	})
	if err != nil {
		return nil, internal("remove user from role", err)
	}
	return role, nil
}

// UsersInRole pages the holders of a role (roles.getUsersInRole), in one
// room for room roles. It needs access-permissions, and
// view-other-user-channels to look into a room.
func (s *Admin) UsersInRole(ctx context.Context, actor *model.User, roleID, roomID string, p model.Page) ([]*model.User, int, error) {
	if !s.can(actor, perm.AccessPermissions) {
		return nil, 0, model.ErrUnauthorized
	}
	if strings.TrimSpace(roleID) == "" {
		return nil, 0, model.Invalid("error-param-not-provided", "Query param \"role\" is required")
	}
	if roomID != "" && !s.can(actor, perm.ViewOtherUserChannels) {
		return nil, 0, model.Forbidden("error-not-allowed", "Not allowed")
	}
	role, err := s.store.RoleByID(ctx, roleID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, 0, model.Invalid("error-invalid-roleId", "")
	}
	if err != nil {
		return nil, 0, internal("users in role", err)
	}
	users, total, err := s.store.UsersInRole(ctx, role.ID, roomID, p)
	if err != nil {
		return nil, 0, internal("users in role", err)
	}
	return users, total, nil
}

// ---- permissions ----

// ListPermissions returns every permission, or (since not zero) those
// changed after since (permissions.listAll).
func (s *Admin) ListPermissions(ctx context.Context, since model.Time) ([]*model.Permission, error) {
	perms, err := s.store.Permissions(ctx)
	if err != nil {
		return nil, internal("list permissions", err)
	}
	if since.IsZero() {
		return perms, nil
	}
	out := []*model.Permission{}
	for _, p := range perms {
		if p.UpdatedAt.After(since.Time) {
			out = append(out, p)
		}
	}
	return out, nil
}

// PermissionChange sets the roles holding one permission.
type PermissionChange struct {
	ID    string
	Roles []string
}

// UpdatePermissions sets the roles of permissions (permissions.update); it
// needs access-permissions. Every permission and role must exist, or
// nothing changes. The change takes effect at once on this instance and
// reaches the others through PermissionChanged.
func (s *Admin) UpdatePermissions(ctx context.Context, actor *model.User, changes []PermissionChange) ([]*model.Permission, error) {
	if !s.can(actor, perm.AccessPermissions) {
		return nil, model.ErrUnauthorized
	}
	if len(changes) == 0 {
		return nil, model.Invalid("error-invalid-body-params", "Invalid body params")
	}
	var saved []*model.Permission
	err := s.store.Update(ctx, func(tx store.Tx) error {
		roles, err := tx.Roles(ctx)
		if err != nil {
			return err
		}
		known := make(map[string]bool, len(roles))
		for _, r := range roles {
			known[r.ID] = true
		}
		perms := make([]*model.Permission, 0, len(changes))
		for _, c := range changes {
			p, err := tx.PermissionByID(ctx, c.ID)
			if errors.Is(err, store.ErrNotFound) {
				return model.Invalid("error-invalid-permission", "Invalid permission")
			}
			if err != nil {
				return err
			}
			perms = append(perms, p)
		}
		for _, c := range changes {
			for _, r := range c.Roles {
				if !known[r] {
					return model.Invalid("error-invalid-role", "Invalid role")
				}
			}
		}
		now := s.nowTime()
		for i, p := range perms {
			p.Roles = dedupeRoles(changes[i].Roles)
			p.UpdatedAt = now
			if err := tx.UpsertPermission(ctx, p); err != nil {
				return err
			}
			c := *p
			tx.Emit(model.PermissionChanged{Permission: &c})
			saved = append(saved, &c)
		}
		return nil
	})
	if err != nil {
		return nil, internal("update permissions", err)
	}
	for _, p := range saved {
		s.perms.Update(p)
	}
	return s.ListPermissions(ctx, model.Time{})
}

// dedupeRoles returns list without repeats, in first-seen order (never nil).
func dedupeRoles(list []string) []string {
	out := make([]string, 0, len(list))
	for _, v := range list {
		if !contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// UserRoleHolder is one entry of getUserRoles: a user and the public
// global roles they hold.
type UserRoleHolder struct {
	ID       string
	Username string
	Roles    []string
}

// UserRoles lists the users holding a public global role, sorted by
// username, each with only those roles (Rocket.Chat's getUserRoles, which
// clients use to show role tags such as "Admin" next to names). A role is
// public when its scope is Users and it has a description, so "user",
// "bot" and the other plain roles are left out.
func (s *Admin) UserRoles(ctx context.Context, user *model.User) ([]UserRoleHolder, error) {
	if user == nil {
		return nil, model.Invalid("error-invalid-user", "Invalid user").InMethod()
	}
	roles, err := s.store.Roles(ctx)
	if err != nil {
		return nil, internal("user roles", err)
	}
	var public []string
	for _, r := range roles {
		if r.Scope == model.ScopeUsers && r.Description != "" {
			public = append(public, r.ID)
		}
	}
	out := []UserRoleHolder{}
	if len(public) == 0 {
		return out, nil
	}
	users, _, err := s.store.ListUsers(ctx, store.UserQuery{Roles: public}, model.Page{Sort: []model.SortKey{{Field: "username"}}})
	if err != nil {
		return nil, internal("user roles", err)
	}
	for _, u := range users {
		h := UserRoleHolder{ID: u.ID, Username: u.Username, Roles: []string{}}
		for _, r := range u.Roles {
			if contains(public, r) {
				h.Roles = append(h.Roles, r)
			}
		}
		out = append(out, h)
	}
	return out, nil
}

// AddSettings stores settings that do not exist yet (a new custom OAuth
// service's group, settings.CustomOAuth); existing ones are left as they
// are. It needs add-oauth-service.
func (s *Admin) AddSettings(ctx context.Context, actor *model.User, defs []*model.Setting) error {
	if !s.can(actor, perm.AddOAUTHService) {
		return model.ErrUnauthorized
	}
	var added []*model.Setting
	err := s.store.Update(ctx, func(tx store.Tx) error {
		added = added[:0]
		for _, d := range defs {
			if _, err := tx.SettingByID(ctx, d.ID); err == nil {
				continue
			} else if !errors.Is(err, store.ErrNotFound) {
				return err
			}
			c := *d
			c.UpdatedAt = s.nowTime()
			if err := tx.UpsertSetting(ctx, &c); err != nil {
				return err
			}
			tx.Emit(model.SettingChanged{Setting: &c})
			added = append(added, &c)
		}
		return nil
	})
	if err != nil {
		return internal("add settings", err)
	}
	for _, c := range added {
		s.settings.Set(c)
	}
	return nil
}
