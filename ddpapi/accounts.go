package ddpapi

import (
	"context"
	"errors"

	"liftoff/access/perm"
	"liftoff/chat"
	"liftoff/model"
	"liftoff/realtime"
)

// registerForm is registerUser's parameter.
type registerForm struct {
	Email     *string `json:"email"`
	Pass      *string `json:"pass"`
	Name      *string `json:"name"`
	Username  string  `json:"username"`
	SecretURL string  `json:"secretURL"`
	Reason    string  `json:"reason"`
}

// registerUser({email, pass, name, secretURL?, reason?}) creates an account
// as users.register does (Accounts_RegistrationForm, the password policy)
// and returns its id. As Rocket.Chat's method it takes no username: the
// account gets one made from the name or the address (or the username
// given), which the client may change with setUsername.
func (m *methods) registerUser(ctx context.Context, call *realtime.Call) (any, error) {
	if call.User() != nil {
		return nil, model.Invalid("error-invalid-params", "Logged in users can not register again.")
	}
	f, ok, err := Param[registerForm](call, 0)
	if err != nil || !ok {
		return nil, MatchFailed("formData")
	}
	switch {
	case f.Email == nil:
		return nil, MatchFailed("email")
	case f.Pass == nil:
		return nil, MatchFailed("pass")
	case f.Name == nil:
		return nil, MatchFailed("name")
	}
	u, err := m.accounts.Register(ctx, chat.RegisterInput{Username: f.Username, Email: *f.Email, Pass: *f.Pass, Name: *f.Name,
		Secret: f.SecretURL, SuggestUsername: true})
	if err != nil {
		return nil, err
	}
	return u.ID, nil
}

// setUsername(username) sets the caller's username (once, or again when
// Accounts_AllowUsernameChange allows) and returns it.
func (m *methods) setUsername(ctx context.Context, call *realtime.Call) (any, error) {
	name, err := RequireString(call, 0, "username")
	if err != nil {
		return nil, err
	}
	user := call.User()
	if name == user.Username {
		return name, nil
	}
	others, err := m.accounts.UsersFromParams(ctx, nil, []string{name})
	if err != nil {
		return nil, err
	}
	for _, o := range others {
		if o.ID != user.ID {
			return nil, model.Conflict("error-field-unavailable", "<strong>%s</strong> is already in use :(", name).
				WithDetails(map[string]any{"field": name}).InMethod()
		}
	}
	if _, err := m.accounts.UpdateOwnBasicInfo(ctx, user, chat.OwnInfoInput{Username: &name}, ""); err != nil {
		return nil, err
	}
	return name, nil
}

// setUserStatus(statusType, statusText) sets the caller's status (online,
// away, busy, offline for invisible) and status text, as users.setStatus.
func (m *methods) setUserStatus(ctx context.Context, call *realtime.Call) (any, error) {
	status, _, err := Param[string](call, 0)
	if err != nil {
		return nil, MatchFailed("statusType")
	}
	text, hasText, err := Param[string](call, 1)
	if err != nil {
		return nil, MatchFailed("statusText")
	}
	var msg *string
	if hasText {
		msg = &text
	}
	if status == "" && msg == nil {
		return nil, nil
	}
	user := call.User()
	if err := m.accounts.SetUserStatus(ctx, user, chat.UserLookup{ID: user.ID}, status, msg); err != nil {
		return nil, err
	}
	return nil, nil
}

// setUserActiveStatus(userId, active, confirmRelinquish?) (de)activates an
// account (edit-other-user-active-status) and returns true.
func (m *methods) setUserActiveStatus(ctx context.Context, call *realtime.Call) (any, error) {
	id, err := RequireString(call, 0, "userId")
	if err != nil {
		return nil, err
	}
	active, ok, err := Param[bool](call, 1)
	if err != nil || !ok {
		return nil, MatchFailed("active")
	}
	confirm, _, err := Param[bool](call, 2)
	if err != nil {
		return nil, MatchFailed("confirmRelinquish")
	}
	if !m.admin.Can(call.User(), perm.EditOtherUserActiveStatus) && !m.admin.Can(call.User(), perm.ManageModerationActions) {
		return nil, model.Forbidden("error-action-not-allowed", "Not allowed").InMethod()
	}
	if _, err := m.accounts.SetActiveStatus(ctx, call.User(), id, active, confirm); err != nil {
		return nil, err
	}
	return true, nil
}

// userData is insertOrUpdateUser's parameter.
type userData struct {
	ID                    string         `json:"_id"`
	Email                 *string        `json:"email"`
	Name                  *string        `json:"name"`
	Password              *string        `json:"password"`
	Username              *string        `json:"username"`
	Active                *bool          `json:"active"`
	Roles                 []string       `json:"roles"`
	JoinDefaultChannels   *bool          `json:"joinDefaultChannels"`
	RequirePasswordChange *bool          `json:"requirePasswordChange"`
	Verified              *bool          `json:"verified"`
	Bio                   *string        `json:"bio"`
	Nickname              *string        `json:"nickname"`
	StatusText            *string        `json:"statusText"`
	CustomFields          map[string]any `json:"customFields"`
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// insertOrUpdateUser(userData) creates an account (no _id; create-user,
// as users.create) and returns its id, or changes one (as users.update)
// and returns true.
func (m *methods) insertOrUpdateUser(ctx context.Context, call *realtime.Call) (any, error) {
	d, ok, err := Param[userData](call, 0)
	if err != nil || !ok {
		return nil, MatchFailed("userData")
	}
	if d.ID == "" {
		join := d.JoinDefaultChannels == nil || *d.JoinDefaultChannels
		u, err := m.accounts.CreateUser(ctx, call.User(), chat.NewUserInput{
			Username: str(d.Username), Email: str(d.Email), Name: str(d.Name), Password: str(d.Password), Roles: d.Roles,
			Active: d.Active, Verified: d.Verified != nil && *d.Verified,
			RequirePasswordChange: d.RequirePasswordChange != nil && *d.RequirePasswordChange,
			JoinDefaultChannels:   join, CustomFields: d.CustomFields,
		})
		if err != nil {
			return nil, err
		}
		return u.ID, nil
	}
	if _, err := m.accounts.UpdateUser(ctx, call.User(), d.ID, chat.UpdateUserInput{
		Email: d.Email, Name: d.Name, Password: d.Password, Username: d.Username, Active: d.Active, Roles: d.Roles,
		RequirePasswordChange: d.RequirePasswordChange, Verified: d.Verified, Bio: d.Bio, Nickname: d.Nickname,
		StatusText: d.StatusText, CustomFields: d.CustomFields,
	}); err != nil {
		return nil, err
	}
	return true, nil
}

// errNotAuthorizedRoom is getRoomNameById's refusal, for a missing room as
// for one the caller may not read.
var errNotAuthorizedRoom = model.Forbidden("error-not-authorized", "Not authorized").InMethod()

// getRoomNameById(rid) returns the name of a room the caller may read
// (null for a direct conversation, which has none).
func (m *methods) getRoomNameByID(ctx context.Context, call *realtime.Call) (any, error) {
	rid, err := RequireString(call, 0, "rid")
	if err != nil {
		return nil, err
	}
	room, err := m.rooms.FindRoom(ctx, call.User(), chat.RoomRef{ID: rid})
	if err != nil {
		if _, ok := model.AsError(err); ok {
			return nil, errNotAuthorizedRoom
		}
		return nil, err
	}
	if room.Name == "" {
		return nil, nil
	}
	return room.Name, nil
}

// getRoomByTypeAndName(type, name) returns a room the caller may read: a
// channel or group by name or id, or the direct conversation with the
// user named (or by id) for "d".
func (m *methods) getRoomByTypeAndName(ctx context.Context, call *realtime.Call) (any, error) {
	t, err := RequireString(call, 0, "type")
	if err != nil {
		return nil, err
	}
	name, err := RequireString(call, 1, "name")
	if err != nil {
		return nil, err
	}
	notFound := model.NotFound("error-not-found", "Not found").InMethod()
	var room *model.Room
	switch t {
	case model.RoomDirect:
		room, err = m.rooms.FindDirect(ctx, call.User(), "", name)
		if err != nil {
			room, err = m.rooms.FindDirect(ctx, call.User(), name, "")
		}
	case model.RoomChannel, model.RoomPrivate:
		room, err = m.rooms.FindRoom(ctx, call.User(), chat.RoomRef{Name: name}, t)
		if err != nil {
			room, err = m.rooms.FindRoom(ctx, call.User(), chat.RoomRef{ID: name}, t)
		}
	default:
		return nil, notFound
	}
	if err != nil {
		var e *model.Error
		if errors.As(err, &e) {
			return nil, notFound
		}
		return nil, err
	}
	if room.Type != t {
		return nil, notFound
	}
	return room, nil
}

// readThreads(tmid) marks a thread read for the caller (Threads_enabled;
// the caller must be able to read its room).
func (m *methods) readThreads(ctx context.Context, call *realtime.Call) (any, error) {
	tmid, err := RequireString(call, 0, "tmid")
	if err != nil {
		return nil, err
	}
	msg, err := m.messages.GetMessage(ctx, call.User(), tmid)
	if err != nil {
		if _, ok := model.AsError(err); ok {
			return nil, nil // Rocket.Chat: an unknown thread is ignored
		}
		return nil, err
	}
	if err := m.members.ReadThread(ctx, call.User(), msg.RoomID, tmid); err != nil {
		return nil, err
	}
	return nil, nil
}

// license:getModules answers as an unlicensed community server: no
// enterprise modules.
func licenseModules(context.Context, *realtime.Call) (any, error) { return []string{}, nil }

// license:isEnterprise answers false: no enterprise license.
func licenseIsEnterprise(context.Context, *realtime.Call) (any, error) { return false, nil }

// license:getTags answers no tags.
func licenseTags(context.Context, *realtime.Call) (any, error) { return []any{}, nil }
