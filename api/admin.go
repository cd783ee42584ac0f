package api

import (
	"encoding/json"
	"os"
	"runtime"
	"sort"
	"strings"
	"time"

	"liftoff/access/perm"
	"liftoff/auth/twofactor"
	"liftoff/chat"
	"liftoff/model"
	"liftoff/settings/setting"
)

// processStart is when this process started, for the uptime in statistics.
var processStart = time.Now()

func (s *Server) adminRoutes(rt *Router) {
	rt.Get("settings.public", s.settingsPublic, Public())
	rt.Get("settings", s.settingsList)
	rt.Get("settings/{_id}", s.settingGet)
	rt.Post("settings/{_id}", s.settingSet, Permission(perm.EditPrivilegedSetting), TwoFactorRequired(twofactor.Options{}))
	rt.Get("statistics", s.statistics, refusedIn400)
	rt.Get("statistics.list", s.statisticsList)

	rt.Get("roles.list", s.rolesList)
	rt.Get("roles.sync", s.rolesSync)
	rt.Post("roles.create", s.rolesCreate)
	rt.Post("roles.update", s.rolesUpdate)
	rt.Post("roles.delete", s.rolesDelete)
	rt.Post("roles.addUserToRole", s.rolesAddUser, Method("authorization:addUserToRole"))
	rt.Post("roles.removeUserFromRole", s.rolesRemoveUser, Method("authorization:addUserToRole"))
	rt.Get("roles.getUsersInRole", s.rolesUsersIn)

	rt.Get("permissions.listAll", s.permissionsListAll)
	rt.Post("permissions.update", s.permissionsUpdate, Permission(perm.AccessPermissions))
}

// ---- settings ----

// settingFilterParams reads the ways clients pick settings: _id as a
// comma-separated list, or a query {"_id": "x"} / {"_id": {"$in": [...]}}.
func settingFilterParams(r *Request) (chat.SettingFilter, error) {
	var f chat.SettingFilter
	ids, err := r.String("_id")
	if err != nil {
		return f, err
	}
	f.IDs = splitList(ids)
	raw, err := r.String("query")
	if err != nil || strings.TrimSpace(raw) == "" {
		return f, err
	}
	var q map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &q); err != nil {
		return f, model.Invalid("error-invalid-query", "The 'query' param must be a JSON object")
	}
	for k, v := range q {
		if k != "_id" {
			return f, model.Invalid("error-invalid-query", "Querying settings by '%s' is not supported", k)
		}
		list, ok := valueOrIn(v)
		if !ok {
			return f, model.Invalid("error-invalid-query", "Invalid '_id' condition")
		}
		if len(f.IDs) > 0 {
			var both []string
			for _, id := range list {
				if contains(f.IDs, id) {
					both = append(both, id)
				}
			}
			list = both
			if list == nil {
				list = []string{"\x00"} // matches nothing
			}
		}
		f.IDs = list
	}
	return f, nil
}

// pageSettings renders a page of settings as Rocket.Chat does: each
// setting's _id and value, plus the fields asked for.
func pageSettings(r *Request, list []*model.Setting, extra ...string) (any, error) {
	p, err := r.Page(nil, "_id")
	if err != nil {
		return nil, err
	}
	fields, err := fieldsParam(r)
	if err != nil {
		return nil, err
	}
	if len(p.Sort) > 0 && p.Sort[0].Desc {
		sort.Slice(list, func(i, j int) bool { return list[i].ID > list[j].ID })
	}
	total := len(list)
	start := min(p.Offset, total)
	end := total
	if p.Count > 0 {
		end = min(start+p.Count, total)
	}
	items := make([]M, 0, end-start)
	for _, st := range list[start:end] {
		item := M{"_id": st.ID, "value": st.Value}
		if len(fields) > 0 || len(extra) > 0 {
			b, _ := json.Marshal(st)
			var all M
			_ = json.Unmarshal(b, &all)
			for k, v := range fields {
				if val, ok := all[k]; ok && v != 0 {
					item[k] = val
				}
			}
			for _, k := range extra {
				if val, ok := all[k]; ok {
					item[k] = val
				}
			}
		}
		items = append(items, item)
	}
	return paged("settings", items, len(items), p, total), nil
}

func (s *Server) settingsPublic(r *Request) (any, error) {
	f, err := settingFilterParams(r)
	if err != nil {
		return nil, err
	}
	return pageSettings(r, s.admin.PublicSettings(f))
}

func (s *Server) settingsList(r *Request) (any, error) {
	f, err := settingFilterParams(r)
	if err != nil {
		return nil, err
	}
	defaults, err := r.Bool("includeDefaults", false)
	if err != nil {
		return nil, err
	}
	var extra []string
	if defaults {
		extra = []string{"packageValue", "type", "public", "group", "section", "values"}
	}
	return pageSettings(r, s.admin.ListSettings(r.User, f), extra...)
}

func (s *Server) settingGet(r *Request) (any, error) {
	st, err := s.admin.GetSetting(r.User, setting.ID(r.HTTP.PathValue("_id")))
	if err != nil {
		return nil, err
	}
	return M{"_id": st.ID, "value": st.Value}, nil
}

func (s *Server) settingSet(r *Request) (any, error) {
	raw := r.Raw("value")
	if raw == nil {
		if r.Has("execute") {
			return nil, model.Forbidden("error-action-not-allowed", "Setting actions are not supported")
		}
		return nil, model.ErrMissingParam("value")
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, model.ErrBadParam("value", "valid JSON")
	}
	if _, err := s.admin.SetSetting(r.Context(), r.User, setting.ID(r.HTTP.PathValue("_id")), v); err != nil {
		return nil, err
	}
	return M{}, nil
}

func (s *Server) statistics(r *Request) (any, error) {
	c, err := s.admin.Statistics(r.Context(), r.User)
	if err != nil {
		return nil, err
	}
	refresh := r.query.Get("refresh")
	if refresh != "" && refresh != "true" && refresh != "false" {
		return nil, invalidParams("must be equal to one of the allowed values")
	}
	now := model.TimeOf(s.cfg.Now())
	uptime := time.Since(processStart).Seconds()
	host, _ := os.Hostname()
	id := "liftoff"
	if refresh == "true" && s.statsArchive != nil {
		id = model.NewID()
	}
	stats := M{
		"_id": id, "createdAt": now, "_updatedAt": now, "version": s.version,
		"uniqueId":   c.UniqueID,
		"totalUsers": c.TotalUsers, "activeUsers": c.ActiveUsers, "nonActiveUsers": c.TotalUsers - c.ActiveUsers,
		"onlineUsers": c.OnlineUsers, "awayUsers": c.AwayUsers, "busyUsers": c.BusyUsers, "offlineUsers": c.OfflineUsers,
		"totalConnectedUsers": c.OnlineUsers + c.AwayUsers + c.BusyUsers,
		"totalRooms":          c.TotalRooms, "totalChannels": c.TotalChannels, "totalPrivateGroups": c.TotalPrivateGroups,
		"totalDirect": c.TotalDirect, "totalLivechat": 0,
		"totalMessages": c.TotalMessages, "totalChannelMessages": c.TotalChannelMessages,
		"totalPrivateGroupMessages": c.TotalPrivateGroupMessages, "totalDirectMessages": c.TotalDirectMessages,
		"totalLivechatMessages": 0, "instanceCount": 1,
		"os":      M{"type": runtime.GOOS, "platform": runtime.GOOS, "arch": runtime.GOARCH, "hostname": host, "cpus": runtime.NumCPU()},
		"process": M{"nodeVersion": runtime.Version(), "pid": os.Getpid(), "uptime": uptime},
	}
	if id != "liftoff" {
		// refresh=true records the snapshot, as Rocket.Chat saves the
		// statistics it generates; statistics.list pages them.
		if err := s.statsArchive.Record(r.Context(), id, now, stats); err != nil {
			return nil, err
		}
	}
	return stats, nil
}

// statisticsList is statistics.list: the recorded snapshots, newest first
// (view-statistics, else error-not-allowed).
func (s *Server) statisticsList(r *Request) (any, error) {
	p, err := r.Page(nil)
	if err != nil {
		return nil, err
	}
	if s.statsArchive == nil {
		return nil, model.Invalid("error-not-allowed", "Not allowed")
	}
	list, total, err := s.statsArchive.List(r.Context(), r.User, p)
	if err != nil {
		return nil, err
	}
	return paged("statistics", list, len(list), p, total), nil
}

// ---- roles ----

// roleView is a role as roles.list shows it (without _updatedAt).
func roleView(r *model.Role) M {
	return M{"_id": r.ID, "name": r.Name, "scope": r.Scope, "description": r.Description,
		"protected": r.Protected, "mandatory2fa": r.Mandatory2FA}
}

func (s *Server) rolesList(r *Request) (any, error) {
	roles, err := s.admin.ListRoles(r.Context())
	if err != nil {
		return nil, err
	}
	out := make([]M, 0, len(roles))
	for _, role := range roles {
		out = append(out, roleView(role))
	}
	return M{"roles": out}, nil
}

// updatedSinceParam parses an ISO date parameter (zero when absent).
func updatedSinceParam(r *Request, name string) (model.Time, error) {
	raw, err := r.String(name)
	if err != nil || raw == "" {
		return model.Time{}, err
	}
	t, err := time.Parse(time.RFC3339Nano, raw)
	if err != nil {
		return model.Time{}, model.Invalid("error-roomId-param-invalid", "The \"%s\" query parameter must be a valid date.", name)
	}
	return model.TimeOf(t), nil
}

func (s *Server) rolesSync(r *Request) (any, error) {
	// Rocket.Chat requires a valid updatedSince here (absent is invalid).
	since, err := updatedSinceParam(r, "updatedSince")
	if err != nil || since.IsZero() {
		return nil, model.Invalid("error-updatedSince-param-invalid", "The \"updatedSince\" query parameter must be a valid date.")
	}
	roles, err := s.admin.RolesUpdatedSince(r.Context(), since)
	if err != nil {
		return nil, err
	}
	return M{"roles": M{"update": roles, "remove": []any{}}}, nil
}

// roleBody decodes roles.create / roles.update bodies, refusing unknown
// properties as Rocket.Chat's schema does.
func roleBody(r *Request, update bool) (roleID string, in chat.RoleInput, err error) {
	invalid := model.Invalid("error-invalid-role-properties", "The role properties are invalid.")
	var b struct {
		RoleID       *string `json:"roleId"`
		Name         *string `json:"name"`
		Scope        *string `json:"scope"`
		Description  *string `json:"description"`
		Mandatory2FA *bool   `json:"mandatory2fa"`
	}
	if len(r.raw) == 0 {
		return "", in, invalid
	}
	dec := json.NewDecoder(strings.NewReader(string(r.raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil || b.Name == nil || (update && b.RoleID == nil) || (!update && b.RoleID != nil) {
		return "", in, invalid
	}
	in.Name = *b.Name
	if b.Scope != nil {
		in.Scope = *b.Scope
	}
	if b.Description != nil {
		in.Description = *b.Description
	}
	in.Mandatory2FA = b.Mandatory2FA
	if b.RoleID != nil {
		roleID = *b.RoleID
	}
	return roleID, in, nil
}

func (s *Server) rolesCreate(r *Request) (any, error) {
	_, in, err := roleBody(r, false)
	if err != nil {
		return nil, err
	}
	role, err := s.admin.CreateRole(r.Context(), r.User, in)
	if err != nil {
		return nil, err
	}
	return M{"role": role}, nil
}

func (s *Server) rolesUpdate(r *Request) (any, error) {
	id, in, err := roleBody(r, true)
	if err != nil {
		return nil, err
	}
	role, err := s.admin.UpdateRole(r.Context(), r.User, id, in)
	if err != nil {
		return nil, err
	}
	return M{"role": role}, nil
}

func (s *Server) rolesDelete(r *Request) (any, error) {
	id, err := r.RequireString("roleId")
	if err != nil {
		return nil, err
	}
	return nil, s.admin.DeleteRole(r.Context(), r.User, id)
}

// roleAssignmentParams reads roleId (or the older roleName), the user and
// the room (roomId, or scope as roles.removeUserFromRole names it).
func roleAssignmentParams(r *Request) (chat.RoleAssignment, error) {
	var a chat.RoleAssignment
	var err error
	if a.RoleID, err = r.String("roleId"); err != nil {
		return a, err
	}
	if a.RoleID == "" {
		if a.RoleID, err = r.String("roleName"); err != nil {
			return a, err
		}
	}
	if a.User, err = userLookupParams(r); err != nil {
		return a, err
	}
	a.Username = a.User.Username
	if a.RoomID, err = r.String("roomId"); err != nil {
		return a, err
	}
	if a.RoomID == "" {
		if a.RoomID, err = r.String("scope"); err != nil {
			return a, err
		}
	}
	return a, nil
}

func (s *Server) rolesAddUser(r *Request) (any, error) {
	a, err := roleAssignmentParams(r)
	if err != nil {
		return nil, err
	}
	role, err := s.admin.AddUserToRole(r.Context(), r.User, a)
	if err != nil {
		return nil, err
	}
	return M{"role": role}, nil
}

func (s *Server) rolesRemoveUser(r *Request) (any, error) {
	a, err := roleAssignmentParams(r)
	if err != nil {
		return nil, err
	}
	role, err := s.admin.RemoveUserFromRole(r.Context(), r.User, a)
	if err != nil {
		return nil, err
	}
	return M{"role": role}, nil
}

func (s *Server) rolesUsersIn(r *Request) (any, error) {
	role, err := r.String("role")
	if err != nil {
		return nil, err
	}
	roomID, err := r.String("roomId")
	if err != nil {
		return nil, err
	}
	p, err := r.Page([]model.SortKey{{Field: "username"}})
	if err != nil {
		return nil, err
	}
	users, total, err := s.admin.UsersInRole(r.Context(), r.User, role, roomID, p)
	if err != nil {
		return nil, err
	}
	out := make([]M, 0, len(users))
	for _, u := range users {
		v := M{"_id": u.ID, "username": u.Username, "name": u.Name, "emails": u.Emails,
			"createdAt": u.CreatedAt, "_updatedAt": u.UpdatedAt}
		if u.Emails == nil {
			v["emails"] = []model.Email{}
		}
		if u.AvatarETag != "" {
			v["avatarETag"] = u.AvatarETag
		}
		out = append(out, v)
	}
	return M{"users": out, "total": total}, nil
}

// ---- permissions ----

func (s *Server) permissionsListAll(r *Request) (any, error) {
	since, err := updatedSinceParam(r, "updatedSince")
	if err != nil {
		return nil, err
	}
	perms, err := s.admin.ListPermissions(r.Context(), since)
	if err != nil {
		return nil, err
	}
	return M{"update": perms, "remove": []any{}}, nil
}

func (s *Server) permissionsUpdate(r *Request) (any, error) {
	invalid := model.Invalid("error-invalid-body-params", "Invalid body params")
	var body struct {
		Permissions []struct {
			ID    *string  `json:"_id"`
			Roles []string `json:"roles"`
		} `json:"permissions"`
	}
	if len(r.raw) == 0 {
		return nil, invalid
	}
	dec := json.NewDecoder(strings.NewReader(string(r.raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil || body.Permissions == nil {
		return nil, invalid
	}
	changes := make([]chat.PermissionChange, 0, len(body.Permissions))
	for _, p := range body.Permissions {
		if p.ID == nil || p.Roles == nil {
			return nil, invalid
		}
		seen := map[string]bool{}
		for _, role := range p.Roles {
			if seen[role] {
				return nil, invalid // roles must be unique
			}
			seen[role] = true
		}
		changes = append(changes, chat.PermissionChange{ID: *p.ID, Roles: p.Roles})
	}
	perms, err := s.admin.UpdatePermissions(r.Context(), r.User, changes)
	if err != nil {
		return nil, err
	}
	return M{"permissions": perms}, nil
}
