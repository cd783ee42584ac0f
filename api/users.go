package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"liftoff/access/perm"
	"liftoff/auth"
	"liftoff/auth/secondfactor"
	"liftoff/auth/twofactor"
	"liftoff/avatar"
	"liftoff/chat"
	"liftoff/model"
	"liftoff/settings/setting"
)

func (s *Server) userRoutes(rt *Router) {
	rt.Post("users.create", Bind(s.usersCreate), Method("insertOrUpdateUser"))
	rt.Post("users.register", s.usersRegister, Method("registerUser"), Public(),
		RateLimitCalls(setting.RateLimiterLimitRegisterUser)) // Rocket.Chat: numRequestsAllowed from this setting
	rt.Get("users.info", s.usersInfo)
	rt.Get("users.list", s.usersList)
	rt.Post("users.update", s.usersUpdate, Method("insertOrUpdateUser"), TwoFactorRequired(twofactor.Options{}))
	rt.Post("users.updateOwnBasicInfo", s.usersUpdateOwnBasicInfo, Method("saveUserProfile"))
	rt.Post("users.delete", s.usersDelete, Method("deleteUser"), Permission(perm.DeleteUser))
	rt.Post("users.setActiveStatus", s.usersSetActiveStatus, Method("setUserActiveStatus"))
	rt.Post("users.setStatus", s.usersSetStatus)
	rt.Get("users.getStatus", s.usersGetStatus)
	rt.Get("users.getPresence", s.usersGetPresence)
	rt.Get("users.autocomplete", s.usersAutocomplete)
	rt.Post("users.resetAvatar", s.usersResetAvatar)
	rt.HandleHTTP("GET /avatar/{name}", s.userAvatar)
	rt.HandleHTTP("GET /avatar/room/{rid}", s.roomAvatar)
}

// userLookupParams reads Rocket.Chat's userId / username / user parameters.
func userLookupParams(r *Request) (chat.UserLookup, error) {
	id, err := r.String("userId")
	if err != nil {
		return chat.UserLookup{}, err
	}
	name, err := r.String("username")
	if err != nil {
		return chat.UserLookup{}, err
	}
	if name == "" {
		if name, err = r.String("user"); err != nil {
			return chat.UserLookup{}, err
		}
	}
	return chat.UserLookup{ID: id, Username: name}, nil
}

// userPublicView is a user as others see them (Rocket.Chat's default user
// fields); full adds what administrators (view-full-other-user-info) and the
// user themself see.
func userPublicView(u *model.User, full bool) M {
	status := u.Status
	if status == "" || status == model.StatusInvisible {
		status = model.StatusOffline
	}
	m := M{"_id": u.ID, "username": u.Username, "name": u.Name, "status": status, "utcOffset": u.UTCOffset,
		"type": u.Type, "active": u.Active}
	for k, v := range map[string]string{"nickname": u.Nickname, "bio": u.Bio, "statusText": u.StatusText, "avatarETag": u.AvatarETag} {
		if v != "" {
			m[k] = v
		}
	}
	if !full {
		return m
	}
	m["emails"] = u.Emails
	if u.Emails == nil {
		m["emails"] = []model.Email{}
	}
	m["roles"] = u.Roles
	m["createdAt"] = u.CreatedAt
	m["_updatedAt"] = u.UpdatedAt
	if u.StatusConnection != "" {
		m["statusConnection"] = u.StatusConnection
	}
	if !u.LastLogin.IsZero() {
		m["lastLogin"] = u.LastLogin
	}
	if u.RequirePasswordChange {
		m["requirePasswordChange"] = true
	}
	if len(u.CustomFields) > 0 {
		m["customFields"] = u.CustomFields
	}
	return m
}

// fieldsParam parses Rocket.Chat's "fields" parameter, a JSON projection
// such as {"name":1,"username":1} or {"emails":0}.
func fieldsParam(r *Request) (map[string]int, error) {
	raw, err := r.String("fields")
	if err != nil || raw == "" {
		return nil, err
	}
	var f map[string]int
	if err := json.Unmarshal([]byte(raw), &f); err != nil {
		return nil, model.Invalid("error-invalid-params", "The 'fields' param must be a JSON object of 0 and 1")
	}
	return f, nil
}

// project applies a projection to a view: inclusive (some 1s) keeps the
// listed fields and _id; exclusive (only 0s) drops the listed ones.
func project(m M, f map[string]int) M {
	if len(f) == 0 {
		return m
	}
	inclusive := false
	for _, v := range f {
		if v != 0 {
			inclusive = true
		}
	}
	if !inclusive {
		for k := range f {
			delete(m, k)
		}
		return m
	}
	out := M{"_id": m["_id"]}
	for k, v := range f {
		if val, ok := m[k]; ok && v != 0 {
			out[k] = val
		}
	}
	return out
}

// usersCreateBody is users.create's body.
type usersCreateBody struct {
	Email                 string         `json:"email"`
	Name                  string         `json:"name"`
	Password              string         `json:"password"`
	Username              string         `json:"username"`
	Active                *bool          `json:"active"`
	Roles                 []string       `json:"roles"`
	JoinDefaultChannels   *bool          `json:"joinDefaultChannels"`
	RequirePasswordChange bool           `json:"requirePasswordChange"`
	Verified              bool           `json:"verified"`
	CustomFields          map[string]any `json:"customFields"`
}

func (s *Server) usersCreate(r *Request, in *usersCreateBody) (any, error) {
	join := in.JoinDefaultChannels == nil || *in.JoinDefaultChannels
	u, err := s.accounts.CreateUser(r.Context(), r.User, chat.NewUserInput{
		Username: in.Username, Email: in.Email, Name: in.Name, Password: in.Password, Roles: in.Roles,
		Active: in.Active, Verified: in.Verified, RequirePasswordChange: in.RequirePasswordChange,
		JoinDefaultChannels: join, CustomFields: in.CustomFields,
	})
	if err != nil {
		return nil, err
	}
	return M{"user": u}, nil
}

func (s *Server) usersRegister(r *Request) (any, error) {
	if r.User != nil {
		return nil, failure("Logged in users can not register again.")
	}
	var in struct {
		Username  string `json:"username"`
		Email     string `json:"email"`
		Pass      string `json:"pass"`
		Name      string `json:"name"`
		Secret    string `json:"secret"`
		SecretURL string `json:"secretURL"`
	}
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	if in.Secret == "" {
		in.Secret = in.SecretURL
	}
	u, err := s.accounts.Register(r.Context(), chat.RegisterInput{Username: in.Username, Email: in.Email, Pass: in.Pass, Name: in.Name, Secret: in.Secret})
	if err != nil {
		return nil, err
	}
	return M{"user": u}, nil
}

// usersInfoKeys are the parameters naming the user of users.info, in the
// order of the alternatives of Rocket.Chat 8's UsersInfoParamsGet schema;
// each alternative also takes includeUserRooms and fields, and nothing
// else.
var usersInfoKeys = []string{"userId", "username", "importId", "email", "freeSwitchExtension"}

// usersInfoParams checks users.info's query as Rocket.Chat's schema does
// (exactly one of usersInfoKeys, beside includeUserRooms and fields) and
// refuses anything else with the errors its validator gives, one per
// alternative, in the alternatives' order.
func usersInfoParams(r *Request) (chat.UserInfoQuery, error) {
	var errs []string
	for _, key := range usersInfoKeys {
		if !r.Has(key) {
			errs = append(errs, fmt.Sprintf("must have required property '%s'", key))
			continue
		}
		extra := false
		for k := range r.query {
			if k != key && k != "includeUserRooms" && k != "fields" {
				extra = true
			}
		}
		if extra {
			errs = append(errs, "must NOT have additional properties")
			continue
		}
		v := r.query.Get(key)
		q := chat.UserInfoQuery{}
		switch key {
		case "userId":
			q.ID = v
		case "username":
			q.Username = v
		case "importId":
			q.ImportID = v
		case "email":
			q.Email = v
		default:
			q.FreeSwitchExtension = v
		}
		return q, nil
	}
	return chat.UserInfoQuery{}, invalidParams(append(errs, "must match a schema in anyOf")...)
}

func (s *Server) usersInfo(r *Request) (any, error) {
	l, err := usersInfoParams(r)
	if err != nil {
		return nil, err
	}
	fields, err := fieldsParam(r)
	if err != nil {
		return nil, err
	}
	withRooms, err := r.Bool("includeUserRooms", false)
	if err != nil {
		return nil, err
	}
	if fields["userRooms"] == 1 {
		withRooms = true
		delete(fields, "userRooms")
	}
	info, err := s.accounts.GetUserInfo(r.Context(), r.User, l, withRooms)
	if err != nil {
		return nil, err
	}
	view := userPublicView(info.User, info.Full)
	if info.Self {
		view = s.meView(info.User)
	}
	view = project(view, fields)
	if info.Rooms != nil {
		rooms := make([]M, 0, len(info.Rooms))
		for _, sub := range info.Rooms {
			room := M{"_id": sub.ID, "rid": sub.RoomID, "name": sub.Name, "t": sub.RoomType, "unread": sub.Unread}
			if len(sub.Roles) > 0 {
				room["roles"] = sub.Roles
			}
			rooms = append(rooms, room)
		}
		view["rooms"] = rooms
	}
	return M{"user": view}, nil
}

// userQueryParam translates the simple forms of Rocket.Chat's Mongo-style
// "query" parameter that clients send to users.list: $regex searches on
// username, name or e-mail (also inside $or/$and), active, roles and type
// (a value or {$in: [...]}). Anything else is refused, never ignored.
func userQueryParam(raw string) (chat.UserFilter, error) {
	var q chat.UserFilter
	if strings.TrimSpace(raw) == "" {
		return q, nil
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &doc); err != nil {
		return q, model.Invalid("error-invalid-query", "The 'query' param must be a JSON object")
	}
	bad := func(k string) error {
		return model.Invalid("error-invalid-query", "Querying by '%s' is not supported", k)
	}
	var walk func(doc map[string]json.RawMessage) error
	walk = func(doc map[string]json.RawMessage) error {
		for k, v := range doc {
			switch k {
			case "$or", "$and":
				var subs []map[string]json.RawMessage
				if err := json.Unmarshal(v, &subs); err != nil {
					return bad(k)
				}
				for _, sub := range subs {
					if err := walk(sub); err != nil {
						return err
					}
				}
			case "username", "name", "emails.address":
				if k == "emails.address" {
					q.ByEmail = true
				}
				var str string
				if json.Unmarshal(v, &str) == nil {
					q.Text = str
					continue
				}
				var re struct {
					Regex string `json:"$regex"`
				}
				if err := json.Unmarshal(v, &re); err != nil || re.Regex == "" {
					return bad(k)
				}
				q.Text = unescapeRegex(re.Regex)
			case "active":
				var b bool
				if err := json.Unmarshal(v, &b); err != nil {
					return bad(k)
				}
				q.Active = &b
			case "roles", "type":
				list, ok := valueOrIn(v)
				if !ok {
					return bad(k)
				}
				if k == "roles" {
					q.Roles = list
				} else {
					q.Types = list
				}
			default:
				return bad(k)
			}
		}
		return nil
	}
	return q, walk(doc)
}

// valueOrIn reads "x" or {"$in": ["x", "y"]}.
func valueOrIn(v json.RawMessage) ([]string, bool) {
	var s string
	if json.Unmarshal(v, &s) == nil {
		return []string{s}, true
	}
	var in struct {
		In []string `json:"$in"`
	}
	if err := json.Unmarshal(v, &in); err != nil || in.In == nil {
		return nil, false
	}
	return in.In, true
}

// unescapeRegex turns an escaped literal (escapeRegExp's output) back
// into plain text; the search is a case-insensitive substring match.
func unescapeRegex(re string) string {
	re = strings.TrimPrefix(re, "^")
	re = strings.TrimSuffix(re, "$")
	var b strings.Builder
	for i := 0; i < len(re); i++ {
		if re[i] == '\\' && i+1 < len(re) {
			i++
		}
		b.WriteByte(re[i])
	}
	return b.String()
}

func (s *Server) usersList(r *Request) (any, error) {
	p, err := r.Page([]model.SortKey{{Field: "username"}}, "username", "name", "createdAt", "_updatedAt", "status")
	if err != nil {
		return nil, err
	}
	fields, err := fieldsParam(r)
	if err != nil {
		return nil, err
	}
	raw, err := r.String("query")
	if err != nil {
		return nil, err
	}
	q, err := userQueryParam(raw)
	if err != nil {
		return nil, err
	}
	users, total, full, err := s.accounts.ListUsers(r.Context(), r.User, q, p)
	if err != nil {
		return nil, err
	}
	items := make([]M, 0, len(users))
	for _, u := range users {
		v := userPublicView(u, full)
		if !full {
			// Rocket.Chat's users.list shows roles and the last login to everyone allowed to list.
			v["roles"] = u.Roles
			if !u.LastLogin.IsZero() {
				v["lastLogin"] = u.LastLogin
			}
		}
		items = append(items, project(v, fields))
	}
	return paged("users", items, len(items), p, total), nil
}

func (s *Server) usersUpdate(r *Request) (any, error) {
	var in struct {
		UserID string `json:"userId"`
		Data   *struct {
			Email                 *string        `json:"email"`
			Name                  *string        `json:"name"`
			Password              *string        `json:"password"`
			Username              *string        `json:"username"`
			Active                *bool          `json:"active"`
			Roles                 []string       `json:"roles"`
			RequirePasswordChange *bool          `json:"requirePasswordChange"`
			Verified              *bool          `json:"verified"`
			Bio                   *string        `json:"bio"`
			Nickname              *string        `json:"nickname"`
			StatusText            *string        `json:"statusText"`
			CustomFields          map[string]any `json:"customFields"`
		} `json:"data"`
		ConfirmRelinquish bool `json:"confirmRelinquish"`
	}
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	if in.UserID == "" {
		return nil, model.ErrMissingParam("userId")
	}
	if in.Data == nil {
		return nil, model.ErrMissingParam("data")
	}
	d := in.Data
	u, err := s.accounts.UpdateUser(r.Context(), r.User, in.UserID, chat.UpdateUserInput{
		Email: d.Email, Name: d.Name, Password: d.Password, Username: d.Username, Active: d.Active, Roles: d.Roles,
		RequirePasswordChange: d.RequirePasswordChange, Verified: d.Verified, Bio: d.Bio, Nickname: d.Nickname,
		StatusText: d.StatusText, CustomFields: d.CustomFields, ConfirmRelinquish: in.ConfirmRelinquish,
	})
	if err != nil {
		return nil, err
	}
	return M{"user": u}, nil
}

func (s *Server) usersUpdateOwnBasicInfo(r *Request) (any, error) {
	var in struct {
		Data *struct {
			Email           *string `json:"email"`
			Name            *string `json:"name"`
			Username        *string `json:"username"`
			Nickname        *string `json:"nickname"`
			Bio             *string `json:"bio"`
			StatusText      *string `json:"statusText"`
			StatusType      *string `json:"statusType"`
			CurrentPassword string  `json:"currentPassword"`
			NewPassword     string  `json:"newPassword"`
		} `json:"data"`
		CustomFields map[string]any `json:"customFields"`
	}
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	if in.Data == nil {
		return nil, model.ErrMissingParam("data")
	}
	d := in.Data
	keep := ""
	if r.Token != "" {
		keep = auth.HashToken(r.Token)
	}
	// Changing the e-mail or the password needs a second factor
	// (saveUserProfile's requireSecondFactor): the x-2fa-* headers, or the
	// current password, which the domain checks itself.
	checked := false
	if (d.Email != nil && *d.Email != "") || d.NewPassword != "" {
		if hasTwoFactorHeaders(r) || d.CurrentPassword == "" {
			if err := s.checkTwoFactor(r, secondfactor.Call{}, twofactor.Options{RequireSecondFactor: true}); err != nil {
				return nil, err
			}
			checked = s.twoFactor != nil
		}
	}
	u, err := s.accounts.UpdateOwnBasicInfo(r.Context(), r.User, chat.OwnInfoInput{
		Email: d.Email, Name: d.Name, Username: d.Username, Nickname: d.Nickname, Bio: d.Bio,
		StatusText: d.StatusText, StatusType: d.StatusType, CurrentPassword: strings.ToLower(d.CurrentPassword),
		NewPassword: d.NewPassword, CustomFields: in.CustomFields, SecondFactorChecked: checked,
	}, keep)
	if err != nil {
		return nil, err
	}
	return M{"user": s.meView(u)}, nil
}

func (s *Server) usersDelete(r *Request) (any, error) {
	l, err := userLookupParams(r)
	if err != nil {
		return nil, err
	}
	confirm, err := r.Bool("confirmRelinquish", false)
	if err != nil {
		return nil, err
	}
	u, err := s.accounts.FindUser(r.Context(), l)
	if err != nil {
		return nil, err
	}
	return nil, s.accounts.DeleteUser(r.Context(), r.User, u.ID, confirm)
}

func (s *Server) usersSetActiveStatus(r *Request) (any, error) {
	id, err := r.RequireString("userId")
	if err != nil {
		return nil, err
	}
	if !r.Has("activeStatus") {
		return nil, model.ErrMissingParam("activeStatus")
	}
	active, err := r.Bool("activeStatus", false)
	if err != nil {
		return nil, err
	}
	confirm, err := r.Bool("confirmRelinquish", false)
	if err != nil {
		return nil, err
	}
	u, err := s.accounts.SetActiveStatus(r.Context(), r.User, id, active, confirm)
	if err != nil {
		return nil, err
	}
	return M{"user": M{"_id": u.ID, "active": u.Active}}, nil
}

func (s *Server) usersSetStatus(r *Request) (any, error) {
	status, err := r.String("status")
	if err != nil {
		return nil, err
	}
	var message *string
	if r.Has("message") {
		m, err := r.String("message")
		if err != nil {
			return nil, err
		}
		message = &m
	}
	l, err := userLookupParams(r)
	if err != nil {
		return nil, err
	}
	return nil, s.accounts.SetUserStatus(r.Context(), r.User, l, status, message)
}

// statusOf answers a user's status as others see it.
func statusOf(u *model.User) string {
	if u.Status == "" || u.Status == model.StatusInvisible {
		return model.StatusOffline
	}
	return u.Status
}

// selfOrLookup returns the caller when the parameters name nobody or the
// caller, else the named user.
func (s *Server) selfOrLookup(r *Request) (*model.User, bool, error) {
	l, err := userLookupParams(r)
	if err != nil {
		return nil, false, err
	}
	if l.Empty() || l.ID == r.User.ID || (l.ID == "" && strings.EqualFold(l.Username, r.User.Username)) {
		return r.User, true, nil
	}
	u, err := s.accounts.FindUser(r.Context(), l)
	return u, false, err
}

func (s *Server) usersGetStatus(r *Request) (any, error) {
	u, self, err := s.selfOrLookup(r)
	if err != nil {
		return nil, err
	}
	out := M{"_id": u.ID, "status": statusOf(u)}
	if self {
		conn := u.StatusConnection
		if conn == "" {
			conn = model.StatusOffline
		}
		out["connectionStatus"] = conn
	}
	return out, nil
}

func (s *Server) usersGetPresence(r *Request) (any, error) {
	u, self, err := s.selfOrLookup(r)
	if err != nil {
		return nil, err
	}
	out := M{"presence": statusOf(u)}
	if self {
		conn := u.StatusConnection
		if conn == "" {
			conn = model.StatusOffline
		}
		out["connectionStatus"] = conn
		if !u.LastLogin.IsZero() {
			out["lastLogin"] = u.LastLogin
		}
	}
	return out, nil
}

func (s *Server) usersAutocomplete(r *Request) (any, error) {
	raw, err := r.RequireString("selector")
	if err != nil {
		return nil, err
	}
	var sel struct {
		Term       string          `json:"term"`
		Exceptions []string        `json:"exceptions"`
		Conditions json.RawMessage `json:"conditions"`
	}
	if err := json.Unmarshal([]byte(raw), &sel); err != nil {
		return nil, model.Invalid("error-invalid-params", "The 'selector' param must be a JSON object")
	}
	if len(sel.Conditions) > 0 && string(sel.Conditions) != "{}" && string(sel.Conditions) != "null" {
		return nil, model.Invalid("error-invalid-query", "Conditions are not supported")
	}
	users, err := s.accounts.AutocompleteUsers(r.Context(), r.User, sel.Term, sel.Exceptions)
	if err != nil {
		return nil, err
	}
	items := make([]M, 0, len(users))
	for _, u := range users {
		item := M{"_id": u.ID, "name": u.Name, "username": u.Username, "status": statusOf(u)}
		if u.Nickname != "" {
			item["nickname"] = u.Nickname
		}
		if u.AvatarETag != "" {
			item["avatarETag"] = u.AvatarETag
		}
		items = append(items, item)
	}
	return M{"items": items}, nil
}

func (s *Server) usersResetAvatar(r *Request) (any, error) {
	l, err := userLookupParams(r)
	if err != nil {
		return nil, err
	}
	return nil, s.accounts.ResetAvatar(r.Context(), r.User, l)
}

// ---- avatars ----

// avatarViewer authenticates an avatar request: headers, the rc_uid and
// rc_token cookies, or the same names as query parameters (as Rocket.Chat's
// clients put them in image URLs).
func (s *Server) avatarViewer(r *http.Request) *model.User {
	if u, _, err := s.authenticate(r); err == nil && u != nil {
		return u
	}
	q := r.URL.Query()
	if uid, tok := q.Get("rc_uid"), q.Get("rc_token"); uid != "" && tok != "" {
		if u, err := s.auth.Authenticate(r.Context(), uid, tok); err == nil {
			return u
		}
	}
	return nil
}

// avatarExtensions are suffixes clients append to avatar URLs.
var avatarExtensions = []string{".svg", ".png", ".jpg", ".jpeg", ".webp", ".gif"}

func (s *Server) userAvatar(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.PathValue("name"), "@")
	for _, ext := range avatarExtensions {
		if strings.HasSuffix(strings.ToLower(name), ext) {
			name = name[:len(name)-len(ext)]
			break
		}
	}
	a, err := s.accounts.UserAvatar(r.Context(), s.avatarViewer(r), name)
	s.writeAvatar(w, r, a, err)
}

func (s *Server) roomAvatar(w http.ResponseWriter, r *http.Request) {
	a, err := s.rooms.RoomAvatar(r.Context(), s.avatarViewer(r), r.PathValue("rid"))
	s.writeAvatar(w, r, a, err)
}

// writeAvatar sends the generated SVG with caching headers, or 304 when
// the client already holds it; a refusal is a plain 403.
func (s *Server) writeAvatar(w http.ResponseWriter, r *http.Request, a *chat.Avatar, err error) {
	if err != nil {
		if kind, ok := model.KindOf(err); ok && kind == model.KindForbidden {
			http.Error(w, "Forbidden", http.StatusForbidden)
			return
		}
		s.log.ErrorContext(r.Context(), "avatar failed", "path", r.URL.Path, "err", err)
		http.Error(w, "Internal server error", http.StatusInternalServerError)
		return
	}
	if a.ETag != "" && s.avatarFiles != nil && s.avatarFiles.ServeAvatar(w, r, a.ETag, a.CacheSeconds) {
		return
	}
	size, _ := strconv.Atoi(r.URL.Query().Get("size"))
	body := avatar.SVG(a.Text, size)
	etag := avatar.ETag(body)
	h := w.Header()
	h.Set("ETag", etag)
	h.Set("Cache-Control", "public, max-age="+strconv.Itoa(a.CacheSeconds))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	if match := r.Header.Get("If-None-Match"); match != "" && etagMatches(match, etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", "image/svg+xml")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// etagMatches implements If-None-Match's weak comparison over a list.
func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}
