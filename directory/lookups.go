package directory

import (
	"context"
	"errors"
	"slices"
	"strings"

	"liftoff/access/perm"
	"liftoff/model"
	"liftoff/store"
)

// errRoomNotFound is Rocket.Chat's findRoomByIdOrName refusal.
var errRoomNotFound = model.Invalid("error-room-not-found", `The required "roomId" or "roomName" param provided does not match any channel`)

// IsMember reports whether the user (by id or username) is a member of the
// room, for a caller who may read the room (rooms.isMember). A caller who
// may not gets model.ErrUnauthorized; an unknown user a bare
// error-user-not-found.
func (s *Service) IsMember(ctx context.Context, caller *model.User, roomID, userIDOrName string) (bool, error) {
	room, err := s.store.RoomByID(ctx, roomID)
	if errors.Is(err, store.ErrNotFound) {
		return false, errRoomNotFound
	}
	if err != nil {
		return false, internal("is member", err)
	}
	u, err := s.store.UserByID(ctx, userIDOrName)
	if errors.Is(err, store.ErrNotFound) {
		u, err = s.store.UserByUsername(ctx, userIDOrName)
	}
	if errors.Is(err, store.ErrNotFound) {
		return false, model.Bare(model.KindInvalid, "error-user-not-found")
	}
	if err != nil {
		return false, internal("is member", err)
	}
	if s.access.CanAccessRoom(ctx, caller, room) != nil {
		return false, model.ErrUnauthorized
	}
	_, err = s.store.Subscription(ctx, room.ID, u.ID)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, internal("is member", err)
	}
	return true, nil
}

// NameExists reports whether a channel or group has exactly the name
// (rooms.nameExists).
func (s *Service) NameExists(ctx context.Context, name string) (bool, error) {
	_, err := s.store.RoomByName(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, internal("name exists", err)
	}
	return true, nil
}

// UserTeams lists the teams userID belongs to (users.listTeams): without
// view-all-teams, only those the caller belongs to as well.
func (s *Service) UserTeams(ctx context.Context, caller *model.User, userID string) ([]*model.Team, error) {
	teams, _, err := s.store.ListTeams(ctx, store.TeamQuery{MemberID: userID}, model.Page{Sort: []model.SortKey{{Field: "name"}}})
	if err != nil {
		return nil, internal("user teams", err)
	}
	out := []*model.Team{}
	if s.perms.Can(caller, perm.ViewAllTeams) || userID == caller.ID {
		return append(out, teams...), nil
	}
	mine, _, err := s.store.ListTeams(ctx, store.TeamQuery{MemberID: caller.ID}, model.Page{})
	if err != nil {
		return nil, internal("user teams", err)
	}
	for _, t := range teams {
		if slices.ContainsFunc(mine, func(m *model.Team) bool { return m.ID == t.ID }) {
			out = append(out, t)
		}
	}
	return out, nil
}

// Directs pages every direct conversation of the server, for
// administrators (view-room-administration; im.list.everyone).
func (s *Service) Directs(ctx context.Context, caller *model.User, p model.Page) ([]*model.Room, int, error) {
	if !s.perms.Can(caller, perm.ViewRoomAdministration) {
		return nil, 0, model.ErrUnauthorized
	}
	rooms, total, err := s.store.ListRooms(ctx, store.RoomQuery{Types: []string{model.RoomDirect}}, p)
	if err != nil {
		return nil, 0, internal("directs", err)
	}
	if rooms == nil {
		rooms = []*model.Room{}
	}
	return rooms, total, nil
}

// DirectMessages pages the messages of any direct conversation, newest
// first, for administrators (view-room-administration; im.messages.others).
func (s *Service) DirectMessages(ctx context.Context, caller *model.User, roomID string, p model.Page) ([]*model.Message, int, error) {
	if !s.perms.Can(caller, perm.ViewRoomAdministration) {
		return nil, 0, model.ErrUnauthorized
	}
	room, err := s.store.RoomByID(ctx, roomID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && room.Type != model.RoomDirect) {
		return nil, 0, model.Invalid("error-room-not-found", "No direct message room found by the id of: %s", roomID)
	}
	if err != nil {
		return nil, 0, internal("direct messages", err)
	}
	if len(p.Sort) == 0 {
		p.Sort = []model.SortKey{{Field: "ts", Desc: true}}
	}
	msgs, total, err := s.store.ListMessages(ctx, store.MessageQuery{RoomID: room.ID}, p)
	if err != nil {
		return nil, 0, internal("direct messages", err)
	}
	if msgs == nil {
		msgs = []*model.Message{}
	}
	return msgs, total, nil
}

// Moderators lists the moderators of a room the caller may read
// (channels.moderators, groups.moderators).
func (s *Service) Moderators(ctx context.Context, caller *model.User, room *model.Room) ([]model.UserRef, error) {
	out := []model.UserRef{}
	for offset := 0; ; offset += 500 {
		subs, total, err := s.store.SubscriptionsOfRoom(ctx, room.ID, store.MemberQuery{}, model.Page{Offset: offset, Count: 500})
		if err != nil {
			return nil, internal("moderators", err)
		}
		for _, sub := range subs {
			if sub.HasRole("moderator") {
				out = append(out, sub.User)
			}
		}
		if offset+500 >= total || len(subs) == 0 {
			break
		}
	}
	return out, nil
}

// UsersByStatusQuery filters UsersByStatus.
type UsersByStatusQuery struct {
	Status      string // "active", "deactivated" or "" (both)
	HasLoggedIn *bool
	Type        string
	Roles       []string
	SearchTerm  string
}

// UsersByStatus pages users for the administration's user lists
// (users.listByStatus); needs view-d-room and view-outside-room. The
// search term matches username and name, and e-mail with
// view-full-other-user-info.
func (s *Service) UsersByStatus(ctx context.Context, caller *model.User, q UsersByStatusQuery, p model.Page) ([]*model.User, int, error) {
	if !s.perms.Can(caller, perm.ViewDRoom) || !s.perms.Can(caller, perm.ViewOutsideRoom) {
		return nil, 0, model.ErrUnauthorized
	}
	uq := store.UserQuery{Text: strings.TrimSpace(q.SearchTerm), Roles: q.Roles}
	switch q.Status {
	case "active":
		uq.Active = ptr(true)
	case "deactivated":
		uq.Active = ptr(false)
	case "":
	default:
		return nil, 0, model.Invalid("error-invalid-status", "Invalid status parameter")
	}
	if q.Type != "" {
		uq.Types = []string{q.Type}
	}
	full := s.perms.Can(caller, perm.ViewFullOtherUserInfo)
	keep := func(u *model.User) bool {
		if q.HasLoggedIn != nil && u.LastLogin.IsZero() == *q.HasLoggedIn {
			return false
		}
		if uq.Text != "" && !full && !strings.Contains(strings.ToLower(u.Username), strings.ToLower(uq.Text)) &&
			!strings.Contains(strings.ToLower(u.Name), strings.ToLower(uq.Text)) {
			return false // matched by e-mail only, which the caller may not search
		}
		return true
	}
	if q.HasLoggedIn == nil && (uq.Text == "" || full) {
		users, total, err := s.store.ListUsers(ctx, uq, p)
		if err != nil {
			return nil, 0, internal("users by status", err)
		}
		return viewUsers(users, full), total, nil
	}
	// Filters the store does not have: read every match and page here.
	all, _, err := s.store.ListUsers(ctx, uq, model.Page{Sort: p.Sort})
	if err != nil {
		return nil, 0, internal("users by status", err)
	}
	var kept []*model.User
	for _, u := range all {
		if keep(u) {
			kept = append(kept, u)
		}
	}
	total := len(kept)
	lo := min(p.Offset, total)
	hi := total
	if p.Count > 0 {
		hi = min(lo+p.Count, total)
	}
	return viewUsers(kept[lo:hi], full), total, nil
}

// viewUsers hides e-mails from callers without view-full-other-user-info.
func viewUsers(users []*model.User, full bool) []*model.User {
	out := make([]*model.User, 0, len(users))
	for _, u := range users {
		c := *u
		if !full {
			c.Emails = nil
		}
		c.Settings = nil
		out = append(out, &c)
	}
	return out
}

// ModeratedRoom finds the room of channels.moderators (t "c": a channel the
// caller may read) or groups.moderators (t "p": a group the caller is in),
// by id or name, with Rocket.Chat's errors.
func (s *Service) ModeratedRoom(ctx context.Context, caller *model.User, id, name, t string) (*model.Room, error) {
	noun := "channel"
	if t == model.RoomPrivate {
		noun = "group"
	}
	if id == "" && name == "" {
		return nil, model.Invalid("error-room-param-not-provided", `The parameter "roomId" or "roomName" is required`)
	}
	notFound := model.Invalid("error-room-not-found", `The required "roomId" or "roomName" param provided does not match any %s`, noun)
	var room *model.Room
	var err error
	if id != "" {
		room, err = s.store.RoomByID(ctx, id)
	} else {
		room, err = s.store.RoomByName(ctx, name)
	}
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound
	}
	if err != nil {
		return nil, internal("moderated room", err)
	}
	if room.Type != t || s.access.CanAccessRoom(ctx, caller, room) != nil {
		return nil, notFound
	}
	return room, nil
}
