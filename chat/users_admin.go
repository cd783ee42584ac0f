package chat

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode"

	"liftoff/access/perm"
	"liftoff/auth"
	"liftoff/chat/text"
	"liftoff/model"
	"liftoff/settings/setting"
	"liftoff/store"
)

// UserLookup names a user the way the API does: by id, or by username
// (Rocket.Chat's userId / username / user parameters).
type UserLookup struct {
	ID       string
	Username string
}

// Empty reports whether the lookup names nobody.
func (l UserLookup) Empty() bool {
	return strings.TrimSpace(l.ID) == "" && strings.TrimSpace(l.Username) == ""
}

// // Accounts
// FindUser resolves a lookup with Rocket.Chat's getUserFromParams errors.
func (s *Accounts) FindUser(ctx context.Context, l UserLookup) (*model.User, error) {
	return s.findUser(ctx, l)
}

// findUser is FindUser, shared by the area services.
func (s *core) findUser(ctx context.Context, l UserLookup) (*model.User, error) {
	var u *model.User
	var err error
	switch {
	case strings.TrimSpace(l.ID) != "":
		u, err = s.store.UserByID(ctx, strings.TrimSpace(l.ID))
	case strings.TrimSpace(l.Username) != "":
		u, err = s.store.UserByUsername(ctx, strings.TrimPrefix(strings.TrimSpace(l.Username), "@"))
	default:
		return nil, model.Invalid("error-user-param-not-provided", "The required \"userId\" or \"username\" param was not provided")
	}
	if errors.Is(err, store.ErrNotFound) {
		return nil, model.Invalid("error-invalid-user", "The required \"userId\" or \"username\" param provided does not match any users")
	}
	if err != nil {
		return nil, internal("find user", err)
	}
	return u, nil
}

// lookupIsActor reports whether the lookup is empty or names actor.
func lookupIsActor(actor *model.User, l UserLookup) bool {
	if l.Empty() {
		return true
	}
	if l.ID != "" {
		return l.ID == actor.ID
	}
	return strings.EqualFold(strings.TrimPrefix(l.Username, "@"), actor.Username)
}

// UserInfo is what users.info shows about a user. Full is true when the
// viewer may see everything (themself, or view-full-other-user-info);
// otherwise User carries only the public fields (publicProfile). Rooms is
// set when the caller asked for them and may see them.
type UserInfo struct {
	User  *model.User
	Full  bool
	Self  bool
	Rooms []*model.Subscription
}

// UserInfoQuery names the user users.info describes, in Rocket.Chat 8's
// ways: by id or username (UserLookup), by e-mail address, by import id or
// by FreeSWITCH extension. The first non-blank one, in that order, counts.
type UserInfoQuery struct {
	UserLookup
	Email               string
	ImportID            string
	FreeSwitchExtension string
}

// errUserInfoNotFound is Rocket.Chat's API.v1.failure('User not found.'):
// no errorType.
var errUserInfoNotFound = model.Bare(model.KindInvalid, "User not found.")

// GetUserInfo implements users.info. As Rocket.Chat's
// getFullUserDataByUniqueSearchTerm, a search by e-mail address (matched
// case-insensitively) answers only a caller who may see others' e-mail
// addresses (view-full-other-user-info) or whose own address it is; anyone
// else gets "User not found.", so the call tells nothing about which
// addresses exist. Liftoff keeps no import ids or FreeSWITCH extensions, so
// searches by those find nobody, as on a Rocket.Chat server where no user
// carries one.
func (s *Accounts) GetUserInfo(ctx context.Context, actor *model.User, q UserInfoQuery, withRooms bool) (*UserInfo, error) {
	var u *model.User
	switch email := strings.TrimSpace(q.Email); {
	case !q.UserLookup.Empty():
		var err error
		if u, err = s.findUser(ctx, q.UserLookup); err != nil {
			if e, ok := model.AsError(err); ok && e.Type == "error-invalid-user" {
				return nil, errUserInfoNotFound
			}
			return nil, err
		}
	case strings.TrimSpace(q.ImportID) != "" || strings.TrimSpace(q.FreeSwitchExtension) != "":
		return nil, errUserInfoNotFound
	case email != "":
		if !hasEmail(actor, email) && !s.can(actor, perm.ViewFullOtherUserInfo) {
			return nil, errUserInfoNotFound
		}
		var err error
		u, err = s.store.UserByEmail(ctx, email)
		if errors.Is(err, store.ErrNotFound) {
			return nil, errUserInfoNotFound
		}
		if err != nil {
			return nil, internal("find user by e-mail", err)
		}
	default:
		return nil, model.Bare(model.KindInvalid, "Invalid search query.")
	}
	self := u.ID == actor.ID
	info := &UserInfo{User: u, Self: self, Full: self || s.can(actor, perm.ViewFullOtherUserInfo)}
	if !info.Full {
		info.User = publicProfile(u, false)
	}
	if withRooms && (self || s.can(actor, perm.ViewOtherUserChannels)) {
		subs, err := s.store.SubscriptionsOfUser(ctx, u.ID, store.SubscriptionQuery{})
		if err != nil {
			return nil, internal("user rooms", err)
		}
		sort.Slice(subs, func(i, j int) bool {
			if subs[i].RoomType != subs[j].RoomType {
				return subs[i].RoomType < subs[j].RoomType
			}
			return subs[i].Name < subs[j].Name
		})
		info.Rooms = subs
	}
	return info, nil
}

// hasEmail reports whether one of u's addresses is address, compared
// without regard to case.
func hasEmail(u *model.User, address string) bool {
	for _, e := range u.Emails {
		if strings.EqualFold(strings.TrimSpace(e.Address), address) {
			return true
		}
	}
	return false
}

// UserFilter narrows users.list. Zero fields do not filter.
type UserFilter struct {
	// Text is a case-insensitive substring of the username, name or
	// e-mail address.
	Text string
	// ByEmail tells that Text came from a condition on e-mail addresses,
	// which only viewers who may see them (view-full-other-user-info) may
	// search by.
	ByEmail bool
	Active  *bool
	Types   []string // user types ("user", "bot", ...)
	Roles   []string // holding any of these global roles
}

// ListUsers implements users.list: it needs view-d-room (and
// view-outside-room when API_Apply_permission_view-outside-room_on_users-list
// is on). full reports whether the caller may see every field
// (view-full-other-user-info); when not, each user carries only what every
// lister sees (publicProfile with roles and last login), and searching by
// e-mail is refused (error-invalid-query).
func (s *Accounts) ListUsers(ctx context.Context, actor *model.User, f UserFilter, p model.Page) (users []*model.User, total int, full bool, err error) {
	full = s.can(actor, perm.ViewFullOtherUserInfo)
	if f.ByEmail && !full {
		return nil, 0, false, model.Invalid("error-invalid-query", "Querying by '%s' is not supported", "emails.address")
	}
	if !s.can(actor, perm.ViewDRoom) {
		return nil, 0, false, model.ErrUnauthorized
	}
	if s.settings.Bool(setting.APIApplyPermissionViewOutsideRoomOnUsersList) && !s.can(actor, perm.ViewOutsideRoom) {
		return nil, 0, false, model.ErrUnauthorized
	}
	q := store.UserQuery{Text: f.Text, Active: f.Active, Types: f.Types, Roles: f.Roles}
	users, total, err = s.store.ListUsers(ctx, q, p)
	if err != nil {
		return nil, 0, false, internal("list users", err)
	}
	if !full {
		for i, u := range users {
			users[i] = publicProfile(u, true)
		}
	}
	return users, total, full, nil
}

// AutocompleteUsers implements users.autocomplete: up to 10 active users
// whose username or name contains term, except the listed usernames, each
// with its public fields only (publicProfile). Users without
// view-outside-room only find people they share a room with.
func (s *Accounts) AutocompleteUsers(ctx context.Context, actor *model.User, term string, exceptions []string) ([]*model.User, error) {
	yes := true
	q := store.UserQuery{Text: strings.TrimSpace(term), Exclude: exceptions, Active: &yes}
	if !s.can(actor, perm.ViewOutsideRoom) {
		rooms, err := s.roomIDsOfUser(ctx, actor.ID)
		if err != nil {
			return nil, err
		}
		seen := map[string]bool{}
		for _, rid := range rooms {
			ids, err := s.store.MemberIDs(ctx, rid)
			if err != nil {
				return nil, internal("autocomplete", err)
			}
			for _, id := range ids {
				seen[id] = true
			}
		}
		if len(seen) == 0 {
			return []*model.User{}, nil
		}
		for id := range seen {
			q.IDs = append(q.IDs, id)
		}
	}
	users, _, err := s.store.ListUsers(ctx, q, model.Page{Count: 10, Sort: []model.SortKey{{Field: "username"}}})
	if err != nil {
		return nil, internal("autocomplete", err)
	}
	for i, u := range users {
		users[i] = publicProfile(u, false)
	}
	return users, nil
}

// RegisterInput is a self-registration (users.register).
type RegisterInput struct {
	Username string
	Email    string
	Pass     string
	Name     string
	Secret   string // the secret URL code, when registration needs one
	// SuggestUsername, when Username is empty, gives the account a free
	// username made from the name or the e-mail (Rocket.Chat's registerUser
	// method creates accounts without one; clients then call setUsername).
	SuggestUsername bool
}

// Register creates an account for an anonymous visitor, when
// Accounts_RegistrationForm allows it. The first account registered while
// no administrator exists becomes admin.
func (s *Accounts) Register(ctx context.Context, in RegisterInput) (*model.User, error) {
	switch s.settings.String(setting.AccountsRegistrationForm) {
	case "Disabled":
		return nil, model.Invalid("error-user-registration-disabled", "User registration is disabled").InMethod()
	case "Secret URL":
		if in.Secret == "" || (in.Secret != s.settings.String(setting.AccountsRegistrationFormSecretURL) &&
			(s.invites == nil || !s.invites.ValidInviteToken(ctx, in.Secret))) {
			return nil, model.Invalid("error-user-registration-secret", "User registration is only allowed via Secret URL").InMethod()
		}
	}
	if strings.TrimSpace(in.Username) == "" && in.SuggestUsername && strings.TrimSpace(in.Email) != "" {
		name, err := s.suggestUsername(ctx, in.Name, in.Email)
		if err != nil {
			return nil, err
		}
		in.Username = name
	}
	switch {
	case strings.TrimSpace(in.Username) == "":
		return nil, model.ErrMissingParam("username")
	case strings.TrimSpace(in.Email) == "":
		return nil, model.ErrMissingParam("email")
	case in.Pass == "":
		return nil, model.ErrMissingParam("pass")
	case strings.TrimSpace(in.Name) == "" && s.settings.Bool(setting.AccountsRequireNameForSignUp):
		return nil, model.ErrMissingParam("name")
	}
	if err := s.checkUsernameAllowed(in.Username); err != nil {
		return nil, err
	}
	if _, err := s.store.UserByUsername(ctx, strings.TrimSpace(in.Username)); err == nil {
		return nil, model.Bare(model.KindConflict, "Username is already in use")
	}
	var roles []string
	for _, r := range strings.Split(s.settings.String(setting.AccountsRegistrationUsersDefaultRoles), ",") {
		if r = strings.TrimSpace(r); r != "" {
			roles = append(roles, r)
		}
	}
	active := !s.settings.Bool(setting.AccountsManuallyApproveNewUsers)
	u, err := s.insertUser(ctx, NewUserInput{
		Username: in.Username, Email: in.Email, Name: in.Name, Password: in.Pass, Roles: roles,
		Active: &active, JoinDefaultChannels: true, AdminIfFirst: true,
	})
	if err != nil {
		return nil, err
	}
	if u.HasRole("admin") {
		s.log.Warn("first registered user made administrator", "username", u.Username, "id", u.ID)
		if err := s.completeSetupWizard(ctx); err != nil {
			s.log.Error("complete the setup wizard", "err", err)
		}
	}
	return u, nil
}

// UpdateUserInput is a change of another user's account by an
// administrator (users.update). Nil fields are left as they are.
type UpdateUserInput struct {
	Email                 *string
	Name                  *string
	Password              *string
	Username              *string
	Active                *bool
	Roles                 []string // nil: unchanged
	RequirePasswordChange *bool
	Verified              *bool
	Bio                   *string
	Nickname              *string
	StatusText            *string
	CustomFields          map[string]any
	ConfirmRelinquish     bool
}

// profileChange is a validated set of field changes applied to a user
// inside a transaction.
type profileChange struct {
	email, name, username, bio, nickname, statusText *string
	roles                                            []string
	requirePasswordChange, verified                  *bool
	customFields                                     map[string]any
	passwordHash                                     string
	// logoutKeep, when logout is set, is the hash of the one login token
	// kept after a password change ("" keeps none).
	logout     bool
	logoutKeep string
}

// UpdateUser implements users.update with Rocket.Chat's checks
// (validateUserData and validateUserEditing).
func (s *Accounts) UpdateUser(ctx context.Context, actor *model.User, userID string, in UpdateUserInput) (*model.User, error) {
	if strings.TrimSpace(userID) == "" {
		return nil, model.ErrMissingParam("userId")
	}
	editingSelf := userID == actor.ID
	if in.Verified != nil && *in.Verified && editingSelf {
		return nil, model.Forbidden("error-action-not-allowed", "Editing email verification is not allowed").WithDetails(map[string]any{"action": "Editing_user"}).InMethod()
	}
	if !editingSelf && !s.can(actor, perm.EditOtherUserInfo) {
		return nil, model.Forbidden("error-action-not-allowed", "Editing user is not allowed").WithDetails(map[string]any{"action": "Editing_user"}).InMethod()
	}
	u, err := s.store.UserByID(ctx, userID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, model.Invalid("error-invalid-user", "Invalid user")
	}
	if err != nil {
		return nil, internal("update user", err)
	}
	if in.Roles != nil {
		if err := s.checkRoles(ctx, actor, u.Roles, in.Roles); err != nil {
			return nil, err
		}
	}
	if in.Username != nil && *in.Username != "" && !text.ValidUsername(*in.Username, s.settings.String(setting.UTF8UserNamesValidation)) {
		return nil, model.Invalid("error-input-is-not-a-valid-field", "%s is not a valid username", *in.Username).WithDetails(map[string]any{"input": *in.Username, "field": "Username"}).InMethod()
	}
	if err := s.validateUserEditing(actor, u, in.Username, in.Name, in.Email, in.StatusText, in.Password); err != nil {
		return nil, err
	}
	ch := profileChange{email: in.Email, name: in.Name, username: in.Username, bio: in.Bio, nickname: in.Nickname,
		statusText: in.StatusText, roles: in.Roles, requirePasswordChange: in.RequirePasswordChange, verified: in.Verified,
		customFields: in.CustomFields}
	if in.Password != nil && strings.TrimSpace(*in.Password) != "" && s.can(actor, perm.EditOtherUserPassword) {
		if err := s.checkPasswordPolicy(strings.TrimSpace(*in.Password)); err != nil {
			return nil, err
		}
		h, err := s.hashPassword(strings.TrimSpace(*in.Password))
		if err != nil {
			return nil, internal("hash password", err)
		}
		ch.passwordHash = h
		// Someone else set the password: every session of the user ends.
		ch.logout = !editingSelf
	}
	if in.Active != nil && !s.can(actor, perm.EditOtherUserActiveStatus) {
		return nil, model.Forbidden("error-not-allowed", "Not allowed").InMethod()
	}
	err = s.store.Update(ctx, func(tx store.Tx) error {
		cur, err := tx.UserByID(ctx, userID)
		if err != nil {
			return err
		}
		if err := s.applyProfileChange(ctx, tx, cur, ch); err != nil {
			return err
		}
		if in.Active != nil && *in.Active != cur.Active {
			return s.setActiveTx(ctx, tx, cur, *in.Active, in.ConfirmRelinquish)
		}
		return nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, model.Invalid("error-invalid-user", "Invalid user")
	}
	if err != nil {
		return nil, internal("update user", err)
	}
	return s.reloadUser(ctx, userID)
}

func (s *core) reloadUser(ctx context.Context, id string) (*model.User, error) {
	u, err := s.store.UserByID(ctx, id)
	if err != nil {
		return nil, internal("load user", err)
	}
	return u, nil
}

// validateUserEditing applies Rocket.Chat's settings that forbid changing
// parts of a profile (Accounts_AllowUsernameChange, ...). Administrators
// with edit-other-user-info may still change other people's fields.
func (s *core) validateUserEditing(actor, u *model.User, username, name, email, statusText, password *string) error {
	self := actor.ID == u.ID
	otherInfo := s.can(actor, perm.EditOtherUserInfo)
	otherPassword := s.can(actor, perm.EditOtherUserPassword)
	deny := func(reason string) error {
		return model.Forbidden("error-action-not-allowed", "%s", reason).WithDetails(map[string]any{"action": "Update_user"}).InMethod()
	}
	if !s.settings.Bool(setting.AccountsAllowUserProfileChange) && !otherInfo && !otherPassword {
		return deny("Edit user profile is not allowed")
	}
	editing := func(old string, v *string) bool { return v != nil && *v != old }
	restricted := !otherInfo || self
	if editing(u.Username, username) && !s.settings.Bool(setting.AccountsAllowUsernameChange) && restricted {
		return deny("Edit username is not allowed")
	}
	if editing(u.StatusText, statusText) && !s.settings.Bool(setting.AccountsAllowUserStatusMessageChange) && restricted {
		return deny("Edit user status is not allowed")
	}
	if editing(u.Name, name) && !s.settings.Bool(setting.AccountsAllowRealNameChange) && restricted {
		return deny("Edit user real name is not allowed")
	}
	if len(u.Emails) > 0 && editing(u.Emails[0].Address, email) && !s.settings.Bool(setting.AccountsAllowEmailChange) && restricted {
		return deny("Edit user email is not allowed")
	}
	if password != nil && *password != "" && !s.settings.Bool(setting.AccountsAllowPasswordChange) && (!otherPassword || self) {
		return deny("Edit user password is not allowed")
	}
	return nil
}

// applyProfileChange writes ch to u inside tx, with uniqueness checks, the
// renaming of the user's memberships, and the UserChanged event.
func (s *core) applyProfileChange(ctx context.Context, tx store.Tx, u *model.User, ch profileChange) error {
	now := s.nowTime()
	var fields []string
	prevUsername := ""
	if ch.username != nil && strings.TrimSpace(*ch.username) != "" && strings.TrimSpace(*ch.username) != u.Username {
		nu := strings.TrimSpace(*ch.username)
		if other, err := tx.UserByUsername(ctx, nu); err == nil && other.ID != u.ID {
			return model.Invalid("error-could-not-save-identity", "Could not save user identity").InMethod()
		} else if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if s.checkUsernameAllowed(nu) != nil && !strings.EqualFold(nu, u.Username) {
			return model.Invalid("error-could-not-save-identity", "Could not save user identity").InMethod()
		}
		prevUsername = u.Username
		u.Username = nu
		fields = append(fields, "username")
	}
	if ch.name != nil && strings.TrimSpace(*ch.name) != "" && strings.TrimSpace(*ch.name) != u.Name {
		u.Name = strings.TrimSpace(*ch.name)
		fields = append(fields, "name")
	}
	if ch.email != nil && strings.TrimSpace(*ch.email) != "" {
		email := strings.TrimSpace(*ch.email) // kept as given, compared ignoring case
		if !validEmail(email) {
			return model.Invalid("error-invalid-email", "Invalid email %s", email).WithDetails(map[string]any{"email": email}).InMethod()
		}
		if u.Email() != email {
			if other, err := tx.UserByEmail(ctx, email); err == nil && other.ID != u.ID {
				return model.Conflict("error-field-unavailable", "%s is already in use :(", email).WithDetails(map[string]any{"field": email}).InMethod()
			} else if err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
			verified := ch.verified != nil && *ch.verified
			u.Emails = []model.Email{{Address: email, Verified: verified}}
			fields = append(fields, "emails")
		}
	}
	if ch.verified != nil && len(u.Emails) > 0 && u.Emails[0].Verified != *ch.verified {
		u.Emails[0].Verified = *ch.verified
		fields = appendFieldOnce(fields, "emails")
	}
	if ch.bio != nil && strings.TrimSpace(*ch.bio) != u.Bio {
		u.Bio = strings.TrimSpace(*ch.bio)
		fields = append(fields, "bio")
	}
	if ch.nickname != nil && strings.TrimSpace(*ch.nickname) != u.Nickname {
		u.Nickname = strings.TrimSpace(*ch.nickname)
		fields = append(fields, "nickname")
	}
	if ch.statusText != nil && strings.TrimSpace(*ch.statusText) != u.StatusText {
		u.StatusText = truncateRunes(strings.TrimSpace(*ch.statusText), 120)
		fields = append(fields, "statusText")
	}
	if ch.roles != nil && !sameRoleSet(ch.roles, u.Roles) {
		u.Roles = append([]string{}, ch.roles...)
		fields = append(fields, "roles")
	}
	if ch.requirePasswordChange != nil && *ch.requirePasswordChange != u.RequirePasswordChange {
		u.RequirePasswordChange = *ch.requirePasswordChange
		fields = append(fields, "requirePasswordChange")
	}
	if len(ch.customFields) > 0 {
		merged := make(map[string]any, len(u.CustomFields)+len(ch.customFields))
		for k, v := range u.CustomFields {
			merged[k] = v
		}
		for k, v := range ch.customFields {
			merged[k] = v
		}
		u.CustomFields = merged
		fields = append(fields, "customFields")
	}
	if ch.passwordHash != "" {
		if err := tx.SetPasswordHash(ctx, u.ID, ch.passwordHash); err != nil {
			return err
		}
		if ch.logout || ch.logoutKeep != "" {
			if err := auth.RemoveTokens(ctx, tx, u.ID, model.TokenLogin, ch.logoutKeep); err != nil {
				return err
			}
		}
	}
	if len(fields) == 0 {
		return nil
	}
	u.UpdatedAt = now
	if err := tx.UpdateUser(ctx, u); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return model.Conflict("error-field-unavailable", "Username or e-mail is already in use")
		}
		return err
	}
	if prevUsername != "" || contains(fields, "name") {
		if err := s.renameUserEverywhere(ctx, tx, u, prevUsername, now); err != nil {
			return err
		}
	}
	c := *u
	tx.Emit(model.UserChanged{User: &c, Fields: fields, PreviousUsername: prevUsername})
	if contains(fields, "statusText") {
		tx.Emit(model.PresenceChanged{UserID: u.ID, Username: u.Username, Status: visibleStatusOf(u), StatusText: u.StatusText})
	}
	return nil
}

// renameUserEverywhere updates the copies of a user's username and name in
// their subscriptions, in the names others see for their direct rooms, and
// in those rooms' member lists.
func (s *core) renameUserEverywhere(ctx context.Context, tx store.Tx, u *model.User, prevUsername string, now model.Time) error {
	old := prevUsername
	if old == "" {
		old = u.Username
	}
	if err := tx.RenameUserInSubscriptions(ctx, u.ID, old, u.Username, u.Name, now); err != nil {
		return err
	}
	if prevUsername == "" {
		return nil
	}
	dms, err := tx.SubscriptionsOfUser(ctx, u.ID, store.SubscriptionQuery{Types: []string{model.RoomDirect}})
	if err != nil {
		return err
	}
	for _, sub := range dms {
		room, err := loadRoomTx(ctx, tx, sub.RoomID)
		if err != nil {
			if _, ok := model.AsError(err); ok {
				continue
			}
			return err
		}
		for i, n := range room.Usernames {
			if n == prevUsername {
				room.Usernames[i] = u.Username
			}
		}
		if err := saveRoom(ctx, tx, room, now); err != nil {
			return err
		}
		others, _, err := tx.SubscriptionsOfRoom(ctx, room.ID, store.MemberQuery{}, model.Page{})
		if err != nil {
			return err
		}
		for _, o := range others {
			o2, err := tx.SubscriptionByID(ctx, o.ID)
			if err != nil {
				return err
			}
			tx.Emit(model.SubscriptionChanged{Action: model.ActionUpdated, Subscription: o2})
		}
	}
	return nil
}

// OwnInfoInput is a user's change of their own profile (users.updateOwnBasicInfo).
type OwnInfoInput struct {
	Email           *string
	Name            *string
	Username        *string
	Nickname        *string
	Bio             *string
	StatusText      *string
	StatusType      *string
	CurrentPassword string // hex SHA-256 of the current password
	NewPassword     string
	CustomFields    map[string]any
	// SecondFactorChecked: the caller has checked a second factor for this
	// change (the transport's two-factor check), so the current password
	// is not asked for.
	SecondFactorChecked bool
}

// UpdateOwnBasicInfo implements users.updateOwnBasicInfo. Changing the
// e-mail or the password needs the current password (its SHA-256 digest),
// as Rocket.Chat's password second factor does. A new password logs out
// every other session; keepTokenHash names the caller's token to keep.
func (s *Accounts) UpdateOwnBasicInfo(ctx context.Context, actor *model.User, in OwnInfoInput, keepTokenHash string) (*model.User, error) {
	if !s.settings.Bool(setting.AccountsAllowUserProfileChange) {
		return nil, model.Forbidden("error-not-allowed", "Not allowed").InMethod()
	}
	u, err := s.store.UserByID(ctx, actor.ID)
	if err != nil {
		return nil, internal("update own info", err)
	}
	var pw *string
	if in.NewPassword != "" {
		pw = &in.NewPassword
	}
	if err := s.validateUserEditing(actor, u, in.Username, in.Name, in.Email, in.StatusText, pw); err != nil {
		return nil, err
	}
	if ((in.Email != nil && *in.Email != "") || in.NewPassword != "") && !in.SecondFactorChecked {
		if in.CurrentPassword == "" {
			return nil, model.Invalid("totp-required", "TOTP Required").WithDetails(map[string]any{"codeGenerated": false, "availableMethods": []string{"password"}}).InMethod()
		}
		hash, err := s.store.PasswordHash(ctx, u.ID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, internal("check password", err)
		}
		if !auth.CheckDigest(hash, in.CurrentPassword) {
			return nil, model.Invalid("totp-invalid", "TOTP Invalid").InMethod()
		}
	}
	if in.Username != nil && *in.Username != "" && *in.Username != u.Username &&
		!text.ValidUsername(*in.Username, s.settings.String(setting.UTF8UserNamesValidation)) {
		return nil, model.Invalid("error-could-not-save-identity", "Could not save user identity").InMethod()
	}
	if in.Bio != nil && len([]rune(*in.Bio)) > 260 {
		return nil, model.Invalid("error-bio-size-exceeded", "Bio size exceeds 260 characters").InMethod()
	}
	if in.Nickname != nil && len([]rune(*in.Nickname)) > 120 {
		return nil, model.Invalid("error-nickname-size-exceeded", "Nickname size exceeds 120 characters").InMethod()
	}
	ch := profileChange{email: in.Email, name: in.Name, username: in.Username, nickname: in.Nickname, bio: in.Bio,
		statusText: in.StatusText, customFields: in.CustomFields}
	if in.NewPassword != "" && s.settings.Bool(setting.AccountsAllowPasswordChange) {
		if auth.CheckDigest(storedPasswordHash(ctx, s.core, u.ID), auth.Digest(in.NewPassword)) {
			return nil, model.Invalid("error-password-same-as-current", "Entered password same as current password").InMethod()
		}
		if err := s.checkPasswordPolicy(in.NewPassword); err != nil {
			return nil, err
		}
		h, err := s.hashPassword(in.NewPassword)
		if err != nil {
			return nil, internal("hash password", err)
		}
		ch.passwordHash = h
		ch.logout = true
		ch.logoutKeep = keepTokenHash
	}
	err = s.store.Update(ctx, func(tx store.Tx) error {
		cur, err := tx.UserByID(ctx, actor.ID)
		if err != nil {
			return err
		}
		return s.applyProfileChange(ctx, tx, cur, ch)
	})
	if err != nil {
		return nil, internal("update own info", err)
	}
	if in.StatusType != nil && *in.StatusType != "" {
		if err := s.SetUserStatus(ctx, actor, UserLookup{}, *in.StatusType, nil); err != nil {
			return nil, err
		}
	}
	return s.reloadUser(ctx, actor.ID)
}

// storedPasswordHash returns the stored password hash of a user ("" when none or on error).
func storedPasswordHash(ctx context.Context, s *core, userID string) string {
	h, _ := s.store.PasswordHash(ctx, userID)
	return h
}

// SetActiveStatus implements users.setActiveStatus: activating or
// deactivating an account. Deactivation logs the user out everywhere.
func (s *Accounts) SetActiveStatus(ctx context.Context, actor *model.User, userID string, active, confirmRelinquish bool) (*model.User, error) {
	if !s.can(actor, perm.EditOtherUserActiveStatus) && !s.can(actor, perm.ManageModerationActions) {
		return nil, model.ErrUnauthorized
	}
	if strings.TrimSpace(userID) == "" {
		return nil, model.ErrMissingParam("userId")
	}
	err := s.store.Update(ctx, func(tx store.Tx) error {
		u, err := tx.UserByID(ctx, userID)
		if errors.Is(err, store.ErrNotFound) {
			return model.Invalid("error-invalid-user", "User not found")
		}
		if err != nil {
			return err
		}
		return s.setActiveTx(ctx, tx, u, active, confirmRelinquish)
	})
	if err != nil {
		return nil, internal("set active status", err)
	}
	return s.reloadUser(ctx, userID)
}

// setActiveTx (de)activates u inside tx. Deactivation refuses to leave the
// server without an active admin, hands over rooms the user solely owns
// (only when confirmed), and deletes every token of the user.
func (s *core) setActiveTx(ctx context.Context, tx store.Tx, u *model.User, active, confirmRelinquish bool) error {
	now := s.nowTime()
	if !active {
		if u.HasRole("admin") && u.Active {
			yes := true
			_, n, err := tx.ListUsers(ctx, store.UserQuery{Roles: []string{"admin"}, Active: &yes}, model.Page{Count: 1})
			if err != nil {
				return err
			}
			if n <= 1 {
				return model.Forbidden("error-action-not-allowed", "Leaving the app without an active admin is not allowed").WithDetails(map[string]any{"action": "Remove_last_admin"}).InMethod()
			}
		}
		owned, err := s.soleOwnedRooms(ctx, tx, u.ID)
		if err != nil {
			return err
		}
		if len(owned) > 0 && !confirmRelinquish {
			return errLastOwner(owned)
		}
		for _, o := range owned {
			if o.heir != nil {
				if err := s.makeOwner(ctx, tx, o.heir, now); err != nil {
					return err
				}
			}
		}
		if err := auth.RemoveTokens(ctx, tx, u.ID, "", ""); err != nil {
			return err
		}
	}
	if u.Active == active {
		return nil
	}
	u.Active = active
	u.UpdatedAt = now
	if err := tx.UpdateUser(ctx, u); err != nil {
		return err
	}
	c := *u
	tx.Emit(model.UserChanged{User: &c, Fields: []string{"active"}})
	return nil
}

// ownedRoom is a room whose only owner is the user being removed: heir is
// the member who becomes owner (nil when the user is the only member).
type ownedRoom struct {
	room *model.Room
	sub  *model.Subscription
	heir *model.Subscription
}

// soleOwnedRooms lists the channels and groups the user is the only owner of.
func (s *core) soleOwnedRooms(ctx context.Context, tx store.Tx, userID string) ([]ownedRoom, error) {
	subs, err := tx.SubscriptionsOfUser(ctx, userID, store.SubscriptionQuery{Types: []string{model.RoomChannel, model.RoomPrivate}})
	if err != nil {
		return nil, err
	}
	var out []ownedRoom
	for _, sub := range subs {
		if !sub.HasRole("owner") {
			continue
		}
		members, _, err := tx.SubscriptionsOfRoom(ctx, sub.RoomID, store.MemberQuery{}, model.Page{Sort: []model.SortKey{{Field: "ts"}}})
		if err != nil {
			return nil, err
		}
		var heir *model.Subscription
		otherOwner := false
		for _, m := range members {
			if m.User.ID == userID {
				continue
			}
			if m.HasRole("owner") {
				otherOwner = true
				break
			}
			if heir == nil {
				heir = m
			}
		}
		if otherOwner {
			continue
		}
		room, err := tx.RoomByID(ctx, sub.RoomID)
		if err != nil {
			return nil, err
		}
		out = append(out, ownedRoom{room: room, sub: sub, heir: heir})
	}
	return out, nil
}

// errLastOwner is Rocket.Chat's user-last-owner error, listing the rooms
// that would lose their owner and those that would be removed.
func errLastOwner(owned []ownedRoom) error {
	change, remove := []string{}, []string{}
	for _, o := range owned {
		if o.heir != nil {
			change = append(change, o.room.Name)
		} else {
			remove = append(remove, o.room.Name)
		}
	}
	return model.Invalid("user-last-owner", "").WithDetails(map[string]any{"shouldChangeOwner": change, "shouldBeRemoved": remove})
}

// makeOwner adds the owner role to a member's subscription.
func (s *core) makeOwner(ctx context.Context, tx store.Tx, sub *model.Subscription, now model.Time) error {
	cur, err := tx.SubscriptionByID(ctx, sub.ID)
	if err != nil {
		return err
	}
	if cur.HasRole("owner") {
		return nil
	}
	cur.Roles = append(cur.Roles, "owner")
	cur.UpdatedAt = now
	if err := tx.UpdateSubscription(ctx, cur); err != nil {
		return err
	}
	tx.Emit(model.SubscriptionChanged{Action: model.ActionUpdated, Subscription: cur})
	tx.Emit(model.RoleChanged{Type: "added", RoleID: "owner", UserID: cur.User.ID, Username: cur.User.Username, Scope: cur.RoomID})
	return nil
}

// DeleteUser implements users.delete: it needs delete-user, keeps at least
// one admin, hands over (or, with no one left, removes) rooms the user
// solely owns when confirmRelinquish is set, removes the user's direct
// conversations and memberships, and erases their messages when
// Message_ErasureType is "Delete".
func (s *Accounts) DeleteUser(ctx context.Context, actor *model.User, userID string, confirmRelinquish bool) error {
	if !s.can(actor, perm.DeleteUser) {
		return model.ErrUnauthorized
	}
	err := s.store.Update(ctx, func(tx store.Tx) error {
		u, err := tx.UserByID(ctx, userID)
		if errors.Is(err, store.ErrNotFound) {
			return model.Invalid("error-invalid-user", "Invalid user to delete").InMethod()
		}
		if err != nil {
			return err
		}
		if u.Type == model.UserTypeApp {
			return model.Invalid("error-cannot-delete-app-user", "Deleting app user is not allowed").InMethod()
		}
		if u.HasRole("admin") {
			_, n, err := tx.ListUsers(ctx, store.UserQuery{Roles: []string{"admin"}}, model.Page{Count: 1})
			if err != nil {
				return err
			}
			if n <= 1 {
				return model.Forbidden("error-action-not-allowed", "Leaving the app without admins is not allowed").WithDetails(map[string]any{"action": "Remove_last_admin"}).InMethod()
			}
		}
		owned, err := s.soleOwnedRooms(ctx, tx, u.ID)
		if err != nil {
			return err
		}
		if len(owned) > 0 && !confirmRelinquish {
			return errLastOwner(owned)
		}
		return s.deleteUserTx(ctx, tx, u, owned)
	})
	if err != nil {
		return internal("delete user", err)
	}
	return nil
}

func (s *core) deleteUserTx(ctx context.Context, tx store.Tx, u *model.User, owned []ownedRoom) error {
	now := s.nowTime()
	orphan := map[string]bool{}
	for _, o := range owned {
		if o.heir == nil {
			orphan[o.room.ID] = true
		} else if err := s.makeOwner(ctx, tx, o.heir, now); err != nil {
			return err
		}
	}
	subs, err := tx.SubscriptionsOfUser(ctx, u.ID, store.SubscriptionQuery{})
	if err != nil {
		return err
	}
	for _, sub := range subs {
		room, err := tx.RoomByID(ctx, sub.RoomID)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		oneToOne := room.Type == model.RoomDirect && len(room.UserIDs) <= 2
		if orphan[room.ID] || oneToOne {
			if err := eraseRoomOfDeletedUser(ctx, tx, room, now); err != nil {
				return err
			}
			continue
		}
		if room.Type == model.RoomDirect {
			room.UserIDs = withoutValue(room.UserIDs, u.ID)
			room.Usernames = withoutValue(room.Usernames, u.Username)
		}
		if room.UsersCount > 0 {
			room.UsersCount--
		}
		if err := saveRoom(ctx, tx, room, now); err != nil {
			return err
		}
		tx.Emit(model.SubscriptionChanged{Action: model.ActionRemoved, Subscription: sub})
	}
	if s.settings.String(setting.MessageErasureType) == "Delete" {
		msgs, _, err := tx.ListMessages(ctx, store.MessageQuery{FromUser: u.ID}, model.Page{})
		if err != nil {
			return err
		}
		for _, m := range msgs {
			if err := tx.DeleteMessage(ctx, m.ID, now); err != nil {
				if errors.Is(err, store.ErrNotFound) {
					continue
				}
				return err
			}
			tx.Emit(model.MessageDeleted{RoomID: m.RoomID, MessageID: m.ID, ThreadID: m.ThreadID})
		}
	}
	if err := tx.DeleteUser(ctx, u.ID); err != nil {
		return err
	}
	tx.Emit(model.UserDeleted{UserID: u.ID, Username: u.Username})
	return nil
}

// eraseRoomOfDeletedUser removes a room left without purpose by a deleted
// user (their one-to-one conversations, rooms they were alone in), with
// the events for every membership.
func eraseRoomOfDeletedUser(ctx context.Context, tx store.Tx, room *model.Room, now model.Time) error {
	return eraseRoomTx(ctx, tx, room, now)
}

// publicProfile is a copy of u with only the fields every user may see of
// another: names, type, activity, status (invisible shows as offline),
// status text, time zone and avatar tag; listed adds the global roles and
// the last login, which users.list shows to everyone allowed to list users.
func publicProfile(u *model.User, listed bool) *model.User {
	p := &model.User{
		ID: u.ID, Username: u.Username, Name: u.Name, Nickname: u.Nickname, Bio: u.Bio, Type: u.Type,
		Active: u.Active, Status: visibleStatusOf(u), StatusText: u.StatusText, UTCOffset: u.UTCOffset,
		AvatarETag: u.AvatarETag,
	}
	if listed {
		p.Roles, p.LastLogin = u.Roles, u.LastLogin
	}
	return p
}

// visibleStatusOf is the status others see: invisible shows as offline.
func visibleStatusOf(u *model.User) string {
	if u.Status == "" || u.Status == model.StatusInvisible {
		return model.StatusOffline
	}
	return u.Status
}

// SetUserStatus implements users.setStatus: the status message and/or the
// status (online, away, busy, offline) of the caller, or of another user
// for holders of edit-other-user-info.
func (s *Accounts) SetUserStatus(ctx context.Context, actor *model.User, target UserLookup, status string, message *string) error {
	if !s.settings.Bool(setting.AccountsAllowUserStatusMessageChange) {
		return model.Forbidden("error-not-allowed", "Change status is not allowed").InMethod()
	}
	if status == "" && message == nil {
		return model.Invalid("error-invalid-params", "The 'status' or 'message' param is required")
	}
	uid := actor.ID
	if !lookupIsActor(actor, target) {
		if !s.can(actor, perm.EditOtherUserInfo) {
			return model.ErrUnauthorized
		}
		u, err := s.findUser(ctx, target)
		if err != nil {
			return err
		}
		uid = u.ID
	}
	def := ""
	if status != "" {
		switch status {
		case model.StatusOnline, model.StatusAway, model.StatusBusy:
			def = status
		case model.StatusOffline:
			if !s.settings.Bool(setting.AccountsAllowInvisibleStatusOption) {
				return model.Invalid("error-status-not-allowed", "Invisible status is disabled").InMethod()
			}
			def = model.StatusInvisible
		default:
			return model.Invalid("error-invalid-status", "Valid status types include online, away, offline, and busy.").InMethod()
		}
	}
	err := s.store.Update(ctx, func(tx store.Tx) error {
		u, err := tx.UserByID(ctx, uid)
		if err != nil {
			return err
		}
		var fields []string
		if message != nil {
			t := truncateRunes(strings.TrimSpace(*message), 120)
			if t != u.StatusText {
				u.StatusText = t
				fields = append(fields, "statusText")
			}
		}
		if def != "" && s.presence == nil {
			u.Status = status
			u.StatusDefault = def
			fields = append(fields, "status")
		}
		if len(fields) == 0 {
			return nil
		}
		u.UpdatedAt = s.nowTime()
		if err := tx.UpdateUser(ctx, u); err != nil {
			return err
		}
		c := *u
		tx.Emit(model.UserChanged{User: &c, Fields: fields})
		tx.Emit(model.PresenceChanged{UserID: u.ID, Username: u.Username, Status: visibleStatusOf(u), StatusText: u.StatusText})
		return nil
	})
	if err == nil && def != "" && s.presence != nil {
		// The tracker combines the choice with the user's connections
		// (online only while connected) and stores it through SetStatus.
		err = s.presence.SetDefaultStatus(ctx, uid, def)
	}
	return internal("set status", err)
}

// SetStatus stores a user's presence as the presence tracker decides it
// (status is what others see, statusDefault what the user chose) and
// announces it. It implements presence.StatusStore.
func (s *Accounts) SetStatus(ctx context.Context, userID, status, statusDefault string) error {
	err := s.store.Update(ctx, func(tx store.Tx) error {
		u, err := tx.UserByID(ctx, userID)
		if errors.Is(err, store.ErrNotFound) {
			return nil // deleted meanwhile
		}
		if err != nil {
			return err
		}
		if u.Status == status && u.StatusDefault == statusDefault {
			return nil
		}
		u.Status, u.StatusDefault = status, statusDefault
		u.UpdatedAt = s.nowTime()
		if err := tx.UpdateUser(ctx, u); err != nil {
			return err
		}
		tx.Emit(model.PresenceChanged{UserID: u.ID, Username: u.Username, Status: visibleStatusOf(u), StatusText: u.StatusText})
		return nil
	})
	return internal("set status", err)
}

// SetStatusFrom is SetStatus for a status that depends on other instances'
// connections (presence/cluster): status is called inside the write
// transaction, with the default status to apply (statusDefault, or the
// stored one when statusDefault is empty), and returns the visible status
// to store. Write transactions run one at a time across instances, so the
// last one to commit computed its status from the newest announcements.
func (s *Accounts) SetStatusFrom(ctx context.Context, userID, statusDefault string, status func(ctx context.Context, statusDefault string) (string, error)) error {
	err := s.store.Update(ctx, func(tx store.Tx) error {
		u, err := tx.UserByID(ctx, userID)
		if errors.Is(err, store.ErrNotFound) {
			return nil // deleted meanwhile
		}
		if err != nil {
			return err
		}
		def := statusDefault
		if def == "" {
			def = u.StatusDefault
		}
		if def == "" {
			def = model.StatusOnline
		}
		st, err := status(ctx, def)
		if err != nil {
			return err
		}
		if u.Status == st && u.StatusDefault == def {
			return nil
		}
		u.Status, u.StatusDefault = st, def
		u.UpdatedAt = s.nowTime()
		if err := tx.UpdateUser(ctx, u); err != nil {
			return err
		}
		tx.Emit(model.PresenceChanged{UserID: u.ID, Username: u.Username, Status: visibleStatusOf(u), StatusText: u.StatusText})
		return nil
	})
	return internal("set status", err)
}

// ResetAvatar implements users.resetAvatar: back to the generated avatar.
// Users may reset their own (when Accounts_AllowUserAvatarChange is on);
// resetting someone else's needs edit-other-user-avatar or
// manage-moderation-actions.
func (s *Accounts) ResetAvatar(ctx context.Context, actor *model.User, target UserLookup) error {
	uid := actor.ID
	if !target.Empty() {
		u, err := s.findUser(ctx, target)
		if err != nil {
			return err
		}
		uid = u.ID
	}
	self := uid == actor.ID
	if !(self && s.settings.Bool(setting.AccountsAllowUserAvatarChange)) &&
		!s.can(actor, perm.EditOtherUserAvatar) && !s.can(actor, perm.ManageModerationActions) {
		return model.Forbidden("error-not-allowed", "Reset avatar is not allowed").InMethod()
	}
	err := s.store.Update(ctx, func(tx store.Tx) error {
		u, err := tx.UserByID(ctx, uid)
		if err != nil {
			return err
		}
		u.AvatarETag = ""
		u.UpdatedAt = s.nowTime()
		if err := tx.UpdateUser(ctx, u); err != nil {
			return err
		}
		c := *u
		tx.Emit(model.UserChanged{User: &c, Fields: []string{"avatarETag"}})
		return nil
	})
	return internal("reset avatar", err)
}

func withoutValue(list []string, v string) []string {
	out := make([]string, 0, len(list))
	for _, x := range list {
		if x != v {
			out = append(out, x)
		}
	}
	return out
}

func appendFieldOnce(list []string, v string) []string {
	if contains(list, v) {
		return list
	}
	return append(list, v)
}

func sameRoleSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !contains(b, x) {
			return false
		}
	}
	return true
}

func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
}

// suggestUsername makes a free, valid username from a name or an e-mail
// address, as Rocket.Chat's generateUsernameSuggestion: the name's slug,
// else the address's local part, else "user", with "-N" added until free.
func (s *core) suggestUsername(ctx context.Context, name, email string) (string, error) {
	pattern := s.settings.String(setting.UTF8UserNamesValidation)
	local, _, _ := strings.Cut(email, "@")
	local, _, _ = strings.Cut(local, "+")
	var candidates []string
	for _, c := range []string{slugUsername(name), slugUsername(local)} {
		if c != "" && text.ValidUsername(c, pattern) {
			candidates = append(candidates, c)
		}
	}
	free := func(c string) (bool, error) {
		if s.checkUsernameAllowed(c) != nil {
			return false, nil
		}
		_, err := s.store.UserByUsername(ctx, c)
		if errors.Is(err, store.ErrNotFound) {
			return true, nil
		}
		return false, err
	}
	for _, c := range candidates {
		ok, err := free(c)
		if err != nil {
			return "", internal("suggest username", err)
		}
		if ok {
			return c, nil
		}
	}
	base := "user"
	if len(candidates) > 0 {
		base = candidates[0]
	}
	for i := 1; i < 1000; i++ {
		c := fmt.Sprintf("%s-%d", base, i)
		ok, err := free(c)
		if err != nil {
			return "", internal("suggest username", err)
		}
		if ok {
			return c, nil
		}
	}
	return base + "-" + strings.ToLower(model.RandomString(6)), nil
}

// slugUsername lowercases s and turns every run of characters other than
// letters, digits, dots, dashes and underscores into one dash.
func slugUsername(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(strings.TrimSpace(s)) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '.' || r == '_' || r == '-' {
			b.WriteRune(r)
			dash = false
			continue
		}
		if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.Trim(b.String(), "-.")
}
