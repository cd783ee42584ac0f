package chat

import (
	"context"
	"errors"
	"regexp"
	"strings"

	"liftoff/access/perm"
	"liftoff/auth/pwpolicy"
	"liftoff/chat/text"
	"liftoff/model"
	"liftoff/settings/setting"
	"liftoff/store"
)

// NewUserInput describes an account to create.
type NewUserInput struct {
	Username              string
	Email                 string
	Name                  string
	Password              string
	Roles                 []string // default ["user"]
	Active                *bool    // default true
	Type                  string   // default "user"
	Verified              bool
	RequirePasswordChange bool
	JoinDefaultChannels   bool
	CustomFields          map[string]any
	// Link, when not nil, is stored with the new account in the same
	// transaction (its UserID is filled in): the account's link to the
	// external identity it is created from (LDAP, OAuth, SAML).
	Link *model.UserService
	// AdminIfFirst grants the admin role when no administrator exists yet
	// (decided inside the insert transaction, so two racing registrations
	// cannot both become admin).
	AdminIfFirst bool
	// Federated makes a remote (Matrix) user's account: its username is
	// user:server, it has no password and cannot log in.
	Federated bool
}

// AvatarURL is the public URL of a user's (or room's) avatar.
func (s *Accounts) AvatarURL(username string) string {
	base := strings.TrimRight(s.settings.String(setting.SiteURL), "/")
	return base + "/avatar/" + username
}

// CreateUser creates an account as an administrator does (users.create):
// actor needs create-user; roles other than "user" need assign-roles, the
// admin role needs assign-admin-role, and every role must exist.
func (s *Accounts) CreateUser(ctx context.Context, actor *model.User, in NewUserInput) (*model.User, error) {
	if !s.can(actor, perm.CreateUser) {
		return nil, model.Forbidden("error-action-not-allowed", "Adding user is not allowed").WithDetails(map[string]any{"action": "Adding_user"}).InMethod()
	}
	if err := s.checkRoles(ctx, actor, nil, in.Roles); err != nil {
		return nil, err
	}
	if strings.TrimSpace(in.Email) == "" {
		return nil, model.ErrMissingParam("email")
	}
	if strings.TrimSpace(in.Password) == "" {
		return nil, model.ErrMissingParam("password")
	}
	if strings.TrimSpace(in.Name) == "" {
		return nil, model.ErrMissingParam("name")
	}
	if err := s.checkUsernameAllowed(in.Username); err != nil {
		return nil, err
	}
	return s.insertUser(ctx, in)
}

// checkRoles validates roles an actor gives a user (on creation, old is
// nil): they must exist; changing them needs assign-roles; granting admin
// needs assign-admin-role.
func (s *core) checkRoles(ctx context.Context, actor *model.User, old []string, roles []string) error {
	if roles == nil {
		return nil
	}
	known, err := s.store.Roles(ctx)
	if err != nil {
		return internal("roles", err)
	}
	ids := make(map[string]bool, len(known))
	for _, r := range known {
		ids[r.ID] = true
	}
	for _, r := range roles {
		if !ids[r] {
			return model.Forbidden("error-action-not-allowed", "The field Roles consist invalid role id").WithDetails(map[string]any{"action": "Assign_role"}).InMethod()
		}
	}
	if contains(roles, "admin") && !contains(old, "admin") && !s.can(actor, perm.AssignAdminRole) {
		return model.Forbidden("error-action-not-allowed", "Assigning admin is not allowed").WithDetails(map[string]any{"action": "Assign_admin"}).InMethod()
	}
	changed := len(roles) != len(old)
	for _, r := range roles {
		if !contains(old, r) {
			changed = true
		}
	}
	if old == nil {
		// On creation the default role needs no special right.
		changed = len(roles) > 1 || (len(roles) == 1 && roles[0] != "user")
	}
	if changed && !s.can(actor, perm.AssignRoles) {
		return model.Forbidden("error-action-not-allowed", "Assign roles is not allowed").WithDetails(map[string]any{"action": "Assign_role"}).InMethod()
	}
	return nil
}

// checkUsernameAllowed refuses usernames on Rocket.Chat's blocked lists
// (Accounts_BlockedUsernameList and Accounts_SystemBlockedUsernameList),
// as its checkUsernameAvailability does for new accounts.
func (s *core) checkUsernameAllowed(username string) error {
	username = strings.TrimSpace(username)
	blocked := strings.EqualFold(username, "all") || strings.EqualFold(username, "here") // Rocket.Chat's mention keywords
	for _, id := range []setting.ID{setting.AccountsBlockedUsernameList, setting.AccountsSystemBlockedUsernameList} {
		for _, b := range strings.Split(s.settings.String(id), ",") {
			if b = strings.TrimSpace(b); b != "" && strings.EqualFold(b, username) {
				blocked = true
			}
		}
	}
	if blocked {
		// Rocket.Chat's checkUsernameAvailability throws this on users.create
		// and users.register alike.
		return model.Invalid("error-blocked-username", "%s is blocked and can't be used!", username).
			WithDetails(map[string]any{"method": "checkUsernameAvailability", "field": username})
	}
	return nil
}

// InsertUser validates and stores a new account without permission checks
// (registration, first-run set-up, the admin CLI). It subscribes the user
// to the default channels when asked.
func (s *Accounts) InsertUser(ctx context.Context, in NewUserInput) (*model.User, error) {
	return s.insertUser(ctx, in)
}

// insertUser is InsertUser, shared by the area services.
func (s *core) insertUser(ctx context.Context, in NewUserInput) (*model.User, error) {
	username := strings.TrimSpace(in.Username)
	if username == "" {
		return nil, model.ErrMissingParam("username")
	}
	if in.Federated {
		if in.Password != "" || !validRemoteUsername(username) {
			return nil, model.Invalid("error-input-is-not-a-valid-field", "%s is not a valid username", username).WithDetails(map[string]any{"input": username, "field": "Username"}).InMethod()
		}
	} else if !text.ValidUsername(username, s.settings.String(setting.UTF8UserNamesValidation)) {
		return nil, model.Invalid("error-input-is-not-a-valid-field", "%s is not a valid username", username).WithDetails(map[string]any{"input": username, "field": "Username"}).InMethod()
	}
	email := strings.TrimSpace(in.Email)
	if email != "" {
		if !validEmail(email) {
			return nil, model.Invalid("error-invalid-email", "Invalid email %s", email).WithDetails(map[string]any{"email": email}).InMethod()
		}
	}
	if in.Password != "" {
		if err := s.checkPasswordPolicy(in.Password); err != nil {
			return nil, err
		}
	}
	var hash string
	if in.Password != "" {
		h, err := s.hashPassword(in.Password)
		if err != nil {
			return nil, internal("hash password", err)
		}
		hash = h
	}
	roles := append([]string(nil), in.Roles...)
	if len(roles) == 0 {
		roles = []string{"user"}
	}
	active := true
	if in.Active != nil {
		active = *in.Active
	}
	typ := in.Type
	if typ == "" {
		typ = model.UserTypeUser
		if contains(roles, "bot") {
			typ = model.UserTypeBot
		}
	}
	now := s.nowTime()
	u := &model.User{
		ID: model.NewID(), CreatedAt: now, UpdatedAt: now, Username: username, Name: strings.TrimSpace(in.Name),
		Type: typ, Active: active, Roles: roles, Status: model.StatusOffline, StatusDefault: "",
		RequirePasswordChange: in.RequirePasswordChange, CustomFields: in.CustomFields, Federated: in.Federated,
	}
	if u.Name == "" {
		u.Name = username
	}
	if email != "" {
		// Kept as given; the store compares addresses ignoring case.
		u.Emails = []model.Email{{Address: email, Verified: in.Verified}}
	}
	err := s.store.Update(ctx, func(tx store.Tx) error {
		if _, err := tx.UserByUsername(ctx, username); err == nil {
			return model.Conflict("error-field-unavailable", "%s is already in use :(", username).WithDetails(map[string]any{"field": username}).InMethod()
		}
		if email != "" {
			if _, err := tx.UserByEmail(ctx, email); err == nil {
				return model.Conflict("error-field-unavailable", "%s is already in use :(", email).WithDetails(map[string]any{"field": email}).InMethod()
			}
		}
		if in.AdminIfFirst && !contains(u.Roles, "admin") {
			_, admins, err := tx.ListUsers(ctx, store.UserQuery{Roles: []string{"admin"}}, model.Page{Count: 1})
			if err != nil {
				return err
			}
			if admins == 0 {
				u.Roles = append(u.Roles, "admin")
			}
		}
		if err := tx.InsertUser(ctx, u); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return model.Conflict("error-field-unavailable", "%s is already in use :(", username)
			}
			return err
		}
		if hash != "" {
			if err := tx.SetPasswordHash(ctx, u.ID, hash); err != nil {
				return err
			}
		}
		if in.Link != nil {
			link := *in.Link
			link.UserID = u.ID
			if err := tx.PutUserService(ctx, &link); err != nil {
				return err
			}
		}
		created := *u
		tx.Emit(model.UserCreated{User: &created})
		if in.JoinDefaultChannels {
			return s.joinDefaultChannels(ctx, tx, u, now)
		}
		return nil
	})
	if err != nil {
		return nil, internal("insert user", err)
	}
	return u, nil
}

// validEmail reports whether email is a bare address (no display name).
func validEmail(email string) bool {
	if strings.ContainsFunc(email, func(r rune) bool { return r <= ' ' || r == 0x7f || r == '<' || r == '>' || r == ',' }) {
		// Rocket.Chat's pattern lets these through; in an address they
		// break (or inject into) mail headers, so Liftoff refuses them.
		return false
	}
	return rcEmail.MatchString(email)
}

// rcEmail is Rocket.Chat's basic e-mail pattern (validateEmail): anything
// with one @ and a domain ending in a dot and two letters or more, so
// "name.@domain.tld" is accepted as Rocket.Chat accepts it.
var rcEmail = regexp.MustCompile(`^[^@]+@[^@]+\.[a-zA-Z]{2,}$`)

// joinDefaultChannels subscribes a new user to every default room.
func (s *core) joinDefaultChannels(ctx context.Context, tx store.Tx, u *model.User, now model.Time) error {
	yes := true
	rooms, _, err := tx.ListRooms(ctx, store.RoomQuery{Default: &yes}, model.Page{})
	if err != nil {
		return err
	}
	for _, room := range rooms {
		if room.Type != model.RoomChannel && room.Type != model.RoomPrivate {
			continue
		}
		if _, err := tx.Subscription(ctx, room.ID, u.ID); err == nil {
			continue
		}
		if err := s.insertSubscription(ctx, tx, room, u, nil, false, now); err != nil {
			return err
		}
		room.UsersCount++
		if err := s.systemNotice(ctx, tx, room, "uj", u.Username, u, now, nil); err != nil {
			return err
		}
		if err := saveRoom(ctx, tx, room, now); err != nil {
			return err
		}
		if err := s.teamMemberJoinedTx(ctx, tx, room, u, u, now); err != nil {
			return err
		}
	}
	return nil
}

// checkPasswordPolicy applies the Accounts_Password_Policy_* settings.
func (s *core) checkPasswordPolicy(pw string) error {
	return pwpolicy.Check(s.settings, pw)
}

// validRemoteUsername accepts a remote user's name, localpart:server, as
// Matrix user ids allow them (lower-case localpart characters, a server
// name of host characters and an optional port).
func validRemoteUsername(name string) bool {
	local, server, ok := strings.Cut(name, ":")
	if !ok || local == "" || server == "" || len(name) > 255 {
		return false
	}
	for _, c := range local {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.ContainsRune("._=-/+", c)) {
			return false
		}
	}
	for _, c := range server {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune(".-:[]", c)) {
			return false
		}
	}
	return true
}
