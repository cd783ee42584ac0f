package chat

import (
	"context"
	"errors"
	"sort"
	"strings"

	"liftoff/access/perm"
	"liftoff/model"
	"liftoff/settings/setting"
	"liftoff/store"
)

// This file holds room membership: who is in a room, joining, leaving,
// inviting and kicking, room roles, opening and closing a room in one's list,
// and deleting a room. Every operation takes the acting user and checks
// Rocket.Chat's permissions itself, so REST and DDP share the rules.

// Room roles a member may hold (subscription roles).
const (
	RoleOwner     = "owner"
	RoleModerator = "moderator"
	RoleLeader    = "leader"
)

// roomTypes turns an endpoint's room type ("" for channels and groups alike)
// into FindRoom's type list.
func roomTypes(t string) []string {
	if t == "" {
		return []string{model.RoomChannel, model.RoomPrivate}
	}
	return []string{t}
}

// errArchived is Rocket.Chat's answer when a membership call names an archived room.
func errArchived(room *model.Room) *model.Error {
	if room.Type == model.RoomPrivate {
		name := room.Name
		if room.ParentRoomID != "" {
			name = room.DisplayName
		}
		return model.Invalid("error-room-archived", "The private group, %s, is archived", name)
	}
	return model.Invalid("error-room-archived", "The channel, %s, is archived", room.Name)
}

// memberRoom finds the room a membership call names, hiding rooms the user
// may not see; with checkArchived, an archived room is refused as Rocket.Chat
// refuses it for the calls that change membership.
func (s *core) memberRoom(ctx context.Context, user *model.User, ref RoomRef, t string, checkArchived bool) (*model.Room, error) {
	if user == nil {
		return nil, model.ErrNotAllowed
	}
	room, err := s.findRoom(ctx, user, ref, roomTypes(t)...)
	if err != nil {
		return nil, err
	}
	if checkArchived && room.Archived {
		return nil, errArchived(room)
	}
	return room, nil
}

// subscriptionOf returns the user's subscription to the room, or nil.
func subscriptionOf(ctx context.Context, r store.Reader, roomID, userID string) (*model.Subscription, error) {
	sub, err := r.Subscription(ctx, roomID, userID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return sub, nil
}

// ---- user parameters ----

// UserFromParams resolves the user an endpoint names by id or by username
// (Rocket.Chat's getUserFromParams): the id wins when both are given.
func (s *Accounts) UserFromParams(ctx context.Context, id, username string) (*model.User, error) {
	id, username = strings.TrimSpace(id), strings.TrimPrefix(strings.TrimSpace(username), "@")
	var u *model.User
	var err error
	switch {
	case id != "":
		u, err = s.store.UserByID(ctx, id)
	case username != "":
		u, err = s.store.UserByUsername(ctx, username)
		if errors.Is(err, store.ErrNotFound) && s.remote != nil && strings.Contains(username, ":") {
			// A remote (Matrix) user named user:server gets an account.
			u, err = s.remote.EnsureRemoteUser(ctx, username)
		}
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

// UsersFromParams resolves lists of user ids and usernames (Rocket.Chat's
// getUserListFromParams); names that match nobody are skipped.
func (s *Accounts) UsersFromParams(ctx context.Context, ids, usernames []string) ([]*model.User, error) {
	var out []*model.User
	if len(ids) > 0 {
		us, err := s.store.UsersByIDs(ctx, ids)
		if err != nil {
			return nil, internal("find users", err)
		}
		out = append(out, us...)
	}
	if len(usernames) > 0 {
		clean := make([]string, 0, len(usernames))
		for _, n := range usernames {
			if n = strings.TrimPrefix(strings.TrimSpace(n), "@"); n != "" {
				clean = append(clean, n)
			}
		}
		if len(clean) > 0 {
			us, err := s.store.UsersByUsernames(ctx, clean)
			if err != nil {
				return nil, internal("find users", err)
			}
			out = append(out, us...)
		}
	}
	return uniqueUsers(out), nil
}

// ---- lists ----

// ListRoomsInput filters the room lists.
type ListRoomsInput struct {
	ID   string // only this room (channels.list's _id)
	Text string // case-insensitive substring of the name
}

// ListChannels lists the public channels user may see (channels.list):
// every channel for holders of view-c-room, else only the joined ones.
func (s *Rooms) ListChannels(ctx context.Context, user *model.User, in ListRoomsInput, p model.Page) ([]*model.Room, int, error) {
	if !s.perms.HasAny(user, nil, perm.ViewCRoom, perm.ViewJoinedRoom) {
		return nil, 0, model.ErrUnauthorized
	}
	q := store.RoomQuery{Types: []string{model.RoomChannel}, Text: in.Text}
	if in.ID != "" {
		q.IDs = []string{in.ID}
	}
	if !s.can(user, perm.ViewCRoom) {
		ids, err := s.joinedRoomIDs(ctx, user, model.RoomChannel)
		if err != nil {
			return nil, 0, err
		}
		if in.ID != "" {
			if !contains(ids, in.ID) {
				return []*model.Room{}, 0, nil
			}
			ids = []string{in.ID}
		}
		if len(ids) == 0 {
			return []*model.Room{}, 0, nil
		}
		q.IDs = ids
	}
	rooms, total, err := s.store.ListRooms(ctx, q, p)
	if err != nil {
		return nil, 0, internal("list channels", err)
	}
	return rooms, total, nil
}

// ListAllRooms lists every room of type t, for administrators
// (view-room-administration): channels.listAll and groups.listAll.
func (s *Rooms) ListAllRooms(ctx context.Context, user *model.User, t string, in ListRoomsInput, p model.Page) ([]*model.Room, int, error) {
	if !s.can(user, perm.ViewRoomAdministration) {
		return nil, 0, model.ErrUnauthorized
	}
	q := store.RoomQuery{Types: []string{t}, Text: in.Text}
	if in.ID != "" {
		q.IDs = []string{in.ID}
	}
	rooms, total, err := s.store.ListRooms(ctx, q, p)
	if err != nil {
		return nil, 0, internal("list rooms", err)
	}
	return rooms, total, nil
}

// ListJoinedRooms lists the rooms of type t user is a member of
// (channels.list.joined, groups.list).
func (s *Rooms) ListJoinedRooms(ctx context.Context, user *model.User, t string, p model.Page) ([]*model.Room, int, error) {
	if user == nil {
		return nil, 0, model.ErrNotAllowed
	}
	ids, err := s.joinedRoomIDs(ctx, user, t)
	if err != nil {
		return nil, 0, err
	}
	if len(ids) == 0 {
		return []*model.Room{}, 0, nil
	}
	rooms, total, err := s.store.ListRooms(ctx, store.RoomQuery{Types: []string{t}, IDs: ids}, p)
	if err != nil {
		return nil, 0, internal("list joined rooms", err)
	}
	return rooms, total, nil
}

func (s *core) joinedRoomIDs(ctx context.Context, user *model.User, t string) ([]string, error) {
	subs, err := s.store.SubscriptionsOfUser(ctx, user.ID, store.SubscriptionQuery{Types: []string{t}})
	if err != nil {
		return nil, internal("joined rooms", err)
	}
	ids := make([]string, 0, len(subs))
	for _, sub := range subs {
		ids = append(ids, sub.RoomID)
	}
	return ids, nil
}

// MembersInput filters a room's member list.
type MembersInput struct {
	Filter string   // case-insensitive substring of username or name
	Status []string // only users with one of these statuses
}

// Members lists the active users who are members of the room
// (channels.members, groups.members), sorted by username unless p says
// otherwise. Broadcast rooms need view-broadcast-member-list.
func (s *Members) Members(ctx context.Context, user *model.User, ref RoomRef, t string, in MembersInput, p model.Page) ([]*model.User, int, error) {
	// Rocket.Chat refuses groups.members on an archived group, not channels.members.
	room, err := s.memberRoom(ctx, user, ref, t, t == model.RoomPrivate)
	if err != nil {
		return nil, 0, err
	}
	if room.Broadcast && !s.canInRoom(ctx, user, room.ID, perm.ViewBroadcastMemberList) {
		return nil, 0, model.ErrUnauthorized
	}
	// The filter matches the member's username or name as stored on the
	// subscription (never e-mail addresses); the user records then give the
	// active flag, status and order.
	var ids []string
	if in.Filter != "" {
		subs, _, err := s.store.SubscriptionsOfRoom(ctx, room.ID, store.MemberQuery{Text: in.Filter}, model.Page{})
		if err != nil {
			return nil, 0, internal("members", err)
		}
		for _, sub := range subs {
			ids = append(ids, sub.User.ID)
		}
	} else if ids, err = s.store.MemberIDs(ctx, room.ID); err != nil {
		return nil, 0, internal("members", err)
	}
	if len(ids) == 0 {
		return []*model.User{}, 0, nil
	}
	active := true
	q := store.UserQuery{IDs: ids, Active: &active}
	if len(in.Status) == 0 {
		users, total, err := s.store.ListUsers(ctx, q, p)
		if err != nil {
			return nil, 0, internal("members", err)
		}
		return users, total, nil
	}
	// A status filter: page in memory over the matching members.
	all, _, err := s.store.ListUsers(ctx, q, model.Page{Sort: p.Sort})
	if err != nil {
		return nil, 0, internal("members", err)
	}
	matched := all[:0]
	for _, u := range all {
		if contains(in.Status, u.Status) {
			matched = append(matched, u)
		}
	}
	return window(matched, p), len(matched), nil
}

// window returns the part of items that page p selects.
func window[T any](items []T, p model.Page) []T {
	if p.Offset >= len(items) {
		return []T{}
	}
	items = items[p.Offset:]
	if p.Count > 0 && p.Count < len(items) {
		items = items[:p.Count]
	}
	return items
}

// OnlineMembers lists the members of a room who are not offline
// (channels.online, groups.online). The room is found by id or name among
// rooms of type t; one the user may not read answers like a missing one.
func (s *Members) OnlineMembers(ctx context.Context, user *model.User, t string, ref RoomRef) ([]model.UserRef, error) {
	if user == nil {
		return nil, model.ErrNotAllowed
	}
	var room *model.Room
	var err error
	if ref.ID != "" {
		room, err = s.store.RoomByID(ctx, ref.ID)
	} else {
		room, err = s.store.RoomByName(ctx, ref.Name)
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, internal("online members", err)
	}
	// A room the user may not read answers like a missing one.
	if err != nil || room.Type != t || s.canAccessRoom(ctx, user, room) != nil {
		if t == model.RoomPrivate {
			return nil, model.NotFound("error-room-not-found", "Group does not exists")
		}
		return nil, model.NotFound("error-room-not-found", "Channel does not exists")
	}
	ids, err := s.store.MemberIDs(ctx, room.ID)
	if err != nil {
		return nil, internal("online members", err)
	}
	users, err := s.store.UsersByIDs(ctx, ids)
	if err != nil {
		return nil, internal("online members", err)
	}
	out := []model.UserRef{}
	for _, u := range users {
		if u.Status != "" && u.Status != model.StatusOffline {
			out = append(out, model.UserRef{ID: u.ID, Username: u.Username})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Username < out[j].Username })
	return out, nil
}

// Counters are a member's view of a room's counters (channels.counters,
// groups.counters, im.counters). Fields are nil when the caller may not
// see them.
type Counters struct {
	Joined       bool
	Members      *int
	Unreads      *int
	UnreadsFrom  *model.Time
	Msgs         *int
	Latest       *model.Time
	UserMentions *int
}

// RoomCounters returns the counters of a room for user, or for the user
// with id forUserID (which needs view-room-administration).
func (s *Members) RoomCounters(ctx context.Context, user *model.User, ref RoomRef, t, forUserID string) (*Counters, error) {
	if user == nil {
		return nil, model.ErrNotAllowed
	}
	admin := s.can(user, perm.ViewRoomAdministration)
	if forUserID != "" && !admin {
		return nil, model.ErrUnauthorized
	}
	var room *model.Room
	var err error
	if admin {
		// Administrators see every room's counters.
		room, err = s.roomForAdmin(ctx, ref, t)
		if err == nil && room.Archived {
			err = errArchived(room)
		}
	} else {
		room, err = s.memberRoom(ctx, user, ref, t, true)
	}
	if err != nil {
		return nil, err
	}
	uid := user.ID
	if forUserID != "" {
		uid = forUserID
	}
	sub, err := subscriptionOf(ctx, s.store, room.ID, uid)
	if err != nil {
		return nil, internal("counters", err)
	}
	latest := room.LastMessageAt
	if latest.IsZero() {
		latest = room.UpdatedAt
	}
	c := &Counters{}
	if sub != nil && sub.Open {
		from := sub.LastSeen
		if from.IsZero() {
			from = sub.JoinedAt
		}
		_, n, err := s.store.ListMessages(ctx, store.MessageQuery{RoomID: room.ID, After: from, Before: latest, Inclusive: true}, model.Page{Count: 1})
		if err != nil {
			return nil, internal("counters", err)
		}
		mentions := sub.UserMentions
		c.Joined, c.Unreads, c.UnreadsFrom, c.UserMentions = true, &n, &from, &mentions
	}
	if admin || c.Joined {
		msgs, members := room.MessageCount, room.UsersCount
		c.Msgs, c.Members, c.Latest = &msgs, &members, &latest
	}
	return c, nil
}

// roomForAdmin loads a room by id or name without the visibility check.
func (s *core) roomForAdmin(ctx context.Context, ref RoomRef, t string) (*model.Room, error) {
	if ref.ID == "" && ref.Name == "" {
		return nil, model.Invalid("error-room-param-not-provided", "The parameter \"roomId\" or \"roomName\" is required")
	}
	var room *model.Room
	var err error
	if ref.ID != "" {
		room, err = s.store.RoomByID(ctx, ref.ID)
	} else {
		room, err = s.store.RoomByName(ctx, strings.TrimPrefix(ref.Name, "#"))
	}
	if errors.Is(err, store.ErrNotFound) || (err == nil && !contains(roomTypes(t), room.Type)) {
		return nil, errRoomNotFound(t)
	}
	if err != nil {
		return nil, internal("find room", err)
	}
	return room, nil
}

// RoomRoleHolder is a member holding room roles (channels.roles).
type RoomRoleHolder struct {
	ID     string
	RoomID string
	User   model.UserRef
	Roles  []string
}

// RoomRoles lists the members holding a room-scoped role, by username.
func (s *Members) RoomRoles(ctx context.Context, user *model.User, ref RoomRef, t string) ([]RoomRoleHolder, error) {
	room, err := s.memberRoom(ctx, user, ref, t, true)
	if err != nil {
		return nil, err
	}
	roles, err := s.store.Roles(ctx)
	if err != nil {
		return nil, internal("room roles", err)
	}
	seen := map[string]bool{}
	out := []RoomRoleHolder{}
	realName := s.settings.Bool(setting.UIUseRealName)
	for _, role := range roles {
		if role.Scope != model.ScopeSubscriptions {
			continue
		}
		holders, _, err := s.store.UsersInRole(ctx, role.ID, room.ID, model.Page{})
		if err != nil {
			return nil, internal("room roles", err)
		}
		for _, u := range holders {
			if seen[u.ID] {
				continue
			}
			seen[u.ID] = true
			sub, err := subscriptionOf(ctx, s.store, room.ID, u.ID)
			if err != nil {
				return nil, internal("room roles", err)
			}
			if sub == nil {
				continue
			}
			ref := model.UserRef{ID: sub.User.ID, Username: sub.User.Username}
			if realName {
				ref.Name = sub.User.Name
			}
			out = append(out, RoomRoleHolder{ID: sub.ID, RoomID: sub.RoomID, User: ref, Roles: sub.Roles})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].User.Username < out[j].User.Username })
	return out, nil
}
