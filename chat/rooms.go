package chat

import (
	"context"
	"errors"
	"sort"
	"strings"

	"liftoff/access/perm"
	"liftoff/chat/text"
	"liftoff/model"
	"liftoff/settings/setting"
	"liftoff/store"
)

// RoomRef identifies a room the way the API does: by id, or by name.
type RoomRef struct {
	ID   string
	Name string
}

// typeNoun is how error messages name a room type ("channel", "group").
func typeNoun(t string) string {
	switch t {
	case model.RoomPrivate:
		return "group"
	case model.RoomDirect:
		return "direct message"
	default:
		return "channel"
	}
}

// errRoomNotFound is Rocket.Chat's answer for an unknown or invisible room of a kind.
func errRoomNotFound(t string) *model.Error {
	return model.NotFound("error-room-not-found", "The required \"roomId\" or \"roomName\" param provided does not match any %s", typeNoun(t))
}

// FindRoom loads a room by id or name and checks that user may see it.
// types restricts the room types accepted (empty: any). A room that exists
// but that the user may not see answers exactly like a missing one.
func (s *Rooms) FindRoom(ctx context.Context, user *model.User, ref RoomRef, types ...string) (*model.Room, error) {
	return s.findRoom(ctx, user, ref, types...)
}

// findRoom is FindRoom, shared by the area services.
func (s *core) findRoom(ctx context.Context, user *model.User, ref RoomRef, types ...string) (*model.Room, error) {
	want := model.RoomChannel
	if len(types) > 0 {
		want = types[0]
	}
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
	if errors.Is(err, store.ErrNotFound) {
		return nil, errRoomNotFound(want)
	}
	if err != nil {
		return nil, internal("find room", err)
	}
	if len(types) > 0 && !contains(types, room.Type) {
		return nil, errRoomNotFound(want)
	}
	if err := s.canAccessRoom(ctx, user, room); err != nil {
		return nil, errRoomNotFound(want)
	}
	return room, nil
}

// CanAccessRoom reports (as a nil error) whether user may read the room:
// members always; anyone with view-c-room for public channels.
func (s *Rooms) CanAccessRoom(ctx context.Context, user *model.User, room *model.Room) error {
	return s.canAccessRoom(ctx, user, room)
}

// canAccessRoom is CanAccessRoom, shared by the area services.
func (s *core) canAccessRoom(ctx context.Context, user *model.User, room *model.Room) error {
	if room.Type == model.RoomChannel {
		if user == nil {
			if s.settings.Bool(setting.AccountsAllowAnonymousRead) {
				return nil
			}
			return model.ErrNotAllowed
		}
		if s.perms.Has(user, nil, perm.ViewCRoom) {
			return nil
		}
	}
	if user == nil {
		return model.ErrNotAllowed
	}
	_, err := s.store.Subscription(ctx, room.ID, user.ID)
	if errors.Is(err, store.ErrNotFound) {
		return model.ErrNotAllowed
	}
	if err != nil {
		return internal("access room", err)
	}
	return nil
}

// CanReadRoom is CanAccessRoom by room id (used by the realtime layer).
func (s *Rooms) CanReadRoom(ctx context.Context, user *model.User, roomID string) error {
	return s.canReadRoom(ctx, user, roomID)
}

// canReadRoom is CanReadRoom, shared by the area services.
func (s *core) canReadRoom(ctx context.Context, user *model.User, roomID string) error {
	room, err := s.store.RoomByID(ctx, roomID)
	if errors.Is(err, store.ErrNotFound) {
		return errRoomNotFound(model.RoomChannel)
	}
	if err != nil {
		return internal("read room", err)
	}
	if err := s.canAccessRoom(ctx, user, room); err != nil {
		return errRoomNotFound(room.Type)
	}
	return nil
}

// RoomIDsOfUser lists the ids of the rooms the user is subscribed to.
func (s *Rooms) RoomIDsOfUser(ctx context.Context, userID string) ([]string, error) {
	return s.roomIDsOfUser(ctx, userID)
}

// roomIDsOfUser is RoomIDsOfUser, shared by the area services.
func (s *core) roomIDsOfUser(ctx context.Context, userID string) ([]string, error) {
	subs, err := s.store.SubscriptionsOfUser(ctx, userID, store.SubscriptionQuery{})
	if err != nil {
		return nil, internal("rooms of user", err)
	}
	ids := make([]string, len(subs))
	for i, sub := range subs {
		ids[i] = sub.RoomID
	}
	return ids, nil
}

// CreateRoomInput describes a new channel or private group.
type CreateRoomInput struct {
	Type         string // model.RoomChannel or model.RoomPrivate
	Name         string
	Members      []string // usernames
	ReadOnly     bool
	Default      bool
	Topic        string
	Description  string
	Announcement string
	// ExcludeSelf leaves the creator out of the members (admin tools).
	ExcludeSelf bool
	// TeamID creates the room in that team (extraData.teamId): the user
	// needs create-team-channel / create-team-group in the team's main room
	// instead of create-c / create-p.
	TeamID string
	// Encrypted marks a private group end-to-end encrypted
	// (extraData.encrypted); channels are never encrypted. Unset, a
	// private group is encrypted when E2E_Enable and
	// E2E_Enabled_Default_PrivateRooms are on.
	Encrypted *bool
	// Federated bridges the new room to Matrix (extraData.federated): the
	// user needs access-federation.
	Federated bool
	// team, when set, makes the room the main room of this new team,
	// stored in the same transaction with teamMembers as its members.
	team        *model.Team
	teamMembers []*model.User
}

// encryptedByDefault is Rocket.Chat's beforeCreateRoom rule: a room's
// requested encryption, or, unset, on when E2E_Enable and the room type's
// default (def) are on.
func (s *core) encryptedByDefault(requested *bool, def setting.ID) bool {
	if requested != nil {
		return *requested
	}
	return s.settings.Bool(setting.E2EEnable) && s.settings.Bool(def)
}

// CreateRoom creates a channel or private group owned by user, with the
// given members subscribed.
func (s *Rooms) CreateRoom(ctx context.Context, user *model.User, in CreateRoomInput) (*model.Room, error) {
	return s.createRoom(ctx, user, in)
}

// createRoom is CreateRoom, shared by the area services.
func (s *core) createRoom(ctx context.Context, user *model.User, in CreateRoomInput) (*model.Room, error) {
	need := perm.CreateC
	if in.Type == model.RoomPrivate {
		need = perm.CreateP
	} else if in.Type != model.RoomChannel {
		return nil, model.Invalid("error-invalid-room-type", "%s is not a valid room type", in.Type)
	}
	var inTeam *model.Team
	if in.TeamID != "" && in.team == nil {
		teamPerm := perm.CreateTeamChannel
		if in.Type == model.RoomPrivate {
			teamPerm = perm.CreateTeamGroup
		}
		t, err := s.store.TeamByID(ctx, in.TeamID)
		if errors.Is(err, store.ErrNotFound) {
			return nil, model.NotFound("error-team-not-found", "The \"teamId\" param provided does not match any team").
				InMethod()
		}
		if err != nil {
			return nil, internal("create room", err)
		}
		if !s.canInRoom(ctx, user, t.RoomID, teamPerm) {
			return nil, model.Forbidden("error-not-allowed", "Not allowed").InMethod()
		}
		inTeam = t
	} else if !s.can(user, need) {
		return nil, model.Forbidden("error-not-allowed", "Not allowed")
	}
	if in.Federated && (!s.can(user, perm.AccessFederation) || (in.Encrypted != nil && *in.Encrypted)) {
		return nil, model.Forbidden("error-not-allowed", "Not allowed")
	}
	name := strings.TrimSpace(in.Name)
	if name == "" {
		return nil, model.Invalid("error-invalid-name", "Invalid name")
	}
	if err := s.validateRoomName(name); err != nil {
		return nil, err
	}
	members, err := s.usersByUsernames(ctx, in.Members)
	if err != nil {
		return nil, err
	}
	now := s.nowTime()
	ref := user.Ref()
	room := &model.Room{
		ID: model.NewID(), Type: in.Type, Name: name, DisplayName: name, Creator: &ref,
		ReadOnly: in.ReadOnly, Default: in.Default, Topic: in.Topic, Description: in.Description,
		Announcement: in.Announcement, CreatedAt: now, UpdatedAt: now, SystemMessages: true,
		Encrypted: in.Type == model.RoomPrivate && s.encryptedByDefault(in.Encrypted, setting.E2EEnabledDefaultPrivateRooms),
		Federated: in.Federated,
	}
	if !in.ExcludeSelf {
		members = append([]*model.User{user}, members...)
	}
	members = uniqueUsers(members)
	if in.team != nil {
		room.TeamID, room.TeamMain = in.team.ID, true
	} else if inTeam != nil {
		room.TeamID = inTeam.ID
	}
	err = s.store.Update(ctx, func(tx store.Tx) error {
		if err := checkHandleFree(ctx, tx, name, ""); err != nil {
			return err
		}
		room.UsersCount = len(members)
		if err := tx.InsertRoom(ctx, room); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return errDuplicateName(name)
			}
			return err
		}
		for _, m := range members {
			var roles []string
			if m.ID == user.ID && !in.ExcludeSelf {
				roles = []string{"owner"}
			}
			if err := s.insertSubscription(ctx, tx, room, m, roles, m.ID == user.ID, now); err != nil {
				return err
			}
		}
		if in.team == nil {
			// After the subscriptions, so that the realtime hub knows the
			// members and the new room reaches their rooms-changed.
			tx.Emit(model.RoomChanged{Action: model.ActionInserted, Room: cloneRoom(room)})
		}
		if in.team != nil {
			if err := insertTeamTx(ctx, tx, in.team, room, user, in.teamMembers, now); err != nil {
				return err
			}
			// As Rocket.Chat, a team's main room is announced once set up,
			// so that its members hear of it.
			tx.Emit(model.RoomChanged{Action: model.ActionInserted, Room: cloneRoom(room)})
		}
		if inTeam != nil && room.Type == model.RoomChannel {
			main, err := tx.RoomByID(ctx, inTeam.RoomID)
			if errors.Is(err, store.ErrNotFound) {
				return nil
			}
			if err != nil {
				return err
			}
			if err := s.systemNotice(ctx, tx, main, "user-added-room-to-team", room.Name, user, now, nil); err != nil {
				return err
			}
			return saveRoom(ctx, tx, main, now)
		}
		return nil
	})
	if err != nil {
		return nil, internal("create room", err)
	}
	return room, nil
}

// checkHandleFree refuses a room name (for a new room, or room id
// renamed) that another channel or group has, also in another case
// ("GENERAL" beside "general"), or that a user has: both are handles in
// mentions and URLs. Rocket.Chat compares room names exactly and checks
// usernames on renames only; telling "GENERAL" from "general", or a room
// "ADMIN" from the user admin, is left to nobody, so Liftoff refuses both
// (a deliberate difference, docs/api-coverage.md).
func checkHandleFree(ctx context.Context, tx store.Tx, name, id string) error {
	if other, err := tx.RoomByNameFold(ctx, name); err == nil && other.ID != id {
		if other.Archived {
			return model.Conflict("error-archived-duplicate-name", "There's an archived channel with name %s", name).
				WithDetails(map[string]any{"function": "RocketChat.getValidRoomName", "channel_name": name})
		}
		return errDuplicateName(name)
	} else if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if _, err := tx.UserByUsername(ctx, name); err == nil {
		return model.Conflict("error-duplicate-handle", "A room, team or user with name '%s' already exists", name).
			WithDetails(map[string]any{"function": "RocketChat.updateRoomName", "handle": name})
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return nil
}

func errDuplicateName(name string) *model.Error {
	return model.Conflict("error-duplicate-channel-name", "A channel with name '%s' exists", name).
		WithDetails(map[string]any{"channel_name": name})
}

func (s *core) validateRoomName(name string) error {
	if s.settings.Bool(setting.UIAllowRoomNamesWithSpecialChars) {
		if len(name) > 0 && !strings.ContainsAny(name, "#@") && !text.PathDots(name) {
			return nil
		}
	} else if text.ValidRoomName(name, s.settings.String(setting.UTF8ChannelNamesValidation)) {
		return nil
	}
	return model.Invalid("error-invalid-room-name", "%s is not a valid room name", name).
		WithDetails(map[string]any{"channel_name": name})
}

// usersByUsernames resolves usernames (with or without a leading @) to
// users; an unknown username is an error.
func (s *core) usersByUsernames(ctx context.Context, names []string) ([]*model.User, error) {
	if len(names) == 0 {
		return nil, nil
	}
	clean := make([]string, 0, len(names))
	for _, n := range names {
		n = strings.TrimPrefix(strings.TrimSpace(n), "@")
		if n != "" {
			clean = append(clean, n)
		}
	}
	users, err := s.store.UsersByUsernames(ctx, clean)
	if err != nil {
		return nil, internal("resolve usernames", err)
	}
	found := make(map[string]bool, len(users))
	for _, u := range users {
		found[strings.ToLower(u.Username)] = true
	}
	for _, n := range clean {
		if !found[strings.ToLower(n)] && s.remote != nil && strings.Contains(n, ":") {
			if u, err := s.remote.EnsureRemoteUser(ctx, n); err == nil {
				users = append(users, u)
				found[strings.ToLower(n)] = true
			} else if !errors.Is(err, store.ErrNotFound) {
				return nil, internal("resolve remote user", err)
			}
		}
		if !found[strings.ToLower(n)] {
			return nil, model.Invalid("error-invalid-user", "Invalid user %s", n).WithDetails(map[string]any{"username": n})
		}
	}
	return users, nil
}

// insertSubscription subscribes u to room inside tx and emits the event.
// It does not change the room's usersCount; callers do.
func (s *core) insertSubscription(ctx context.Context, tx store.Tx, room *model.Room, u *model.User, roles []string, self bool, now model.Time) error {
	sub := &model.Subscription{
		ID: model.NewID(), RoomID: room.ID, User: model.UserRef{ID: u.ID, Username: u.Username, Name: u.Name},
		RoomType: room.Type, Name: room.Name, DisplayName: room.DisplayName, JoinedAt: now, UpdatedAt: now, LastSeen: now,
		Open: true, Alert: !self, Roles: roles, Archived: room.Archived, ParentRoomID: room.ParentRoomID,
	}
	if room.Type == model.RoomDirect {
		sub.Name, sub.DisplayName = directName(room, u)
		if fname, err := directDisplayName(ctx, tx, room, u); err != nil {
			return err
		} else if fname != "" {
			sub.DisplayName = fname
		}
		sub.Alert = false
	}
	if self {
		sub.Alert = false
	}
	if err := tx.InsertSubscription(ctx, sub); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return nil // already a member
		}
		return err
	}
	tx.Emit(model.SubscriptionChanged{Action: model.ActionInserted, Subscription: sub})
	return nil
}

// directName is the name a member sees for a direct room: the other
// members' usernames (and names).
// directDisplayName is the fname Rocket.Chat gives a direct room's
// subscription: the other members' display names (their usernames when they
// have none), joined with ", "; "" for a conversation with oneself.
func directDisplayName(ctx context.Context, tx store.Tx, room *model.Room, viewer *model.User) (string, error) {
	var others []string
	for _, un := range room.Usernames {
		if un != viewer.Username {
			others = append(others, un)
		}
	}
	if len(others) == 0 {
		return "", nil
	}
	users, err := tx.UsersByUsernames(ctx, others)
	if err != nil {
		return "", err
	}
	byName := make(map[string]string, len(users))
	for _, o := range users {
		byName[strings.ToLower(o.Username)] = o.Name
	}
	names := make([]string, len(others))
	for i, un := range others {
		names[i] = un
		if n := byName[strings.ToLower(un)]; n != "" {
			names[i] = n
		}
	}
	return strings.Join(names, ", "), nil
}

func directName(room *model.Room, viewer *model.User) (name, fname string) {
	var others []string
	for _, un := range room.Usernames {
		if un != viewer.Username {
			others = append(others, un)
		}
	}
	if len(others) == 0 { // a conversation with oneself
		return viewer.Username, viewer.Name
	}
	return strings.Join(others, ", "), strings.Join(others, ", ")
}

// systemMessage builds a system message of type t in room, by user.
func (s *core) systemMessage(room *model.Room, t, msg string, user *model.User, now model.Time) *model.Message {
	groupable := false
	return &model.Message{
		ID: model.NewID(), RoomID: room.ID, Type: t, Msg: msg, SentAt: now, UpdatedAt: now,
		Author: user.Ref(), Groupable: &groupable, Mentions: []model.Mention{}, Channels: []model.ChannelRef{},
	}
}

// insertSystemMessage stores a system message in tx, emits it, and counts
// it in room (msgs, lm, lastMessage), as every message counts. The caller
// saves the room. It returns the message.
func (s *core) insertSystemMessage(ctx context.Context, tx store.Tx, room *model.Room, t, msg string, user *model.User, now model.Time, extra func(*model.Message)) (*model.Message, error) {
	m := s.systemMessage(room, t, msg, user, now)
	if extra != nil {
		extra(m)
	}
	nextInRoom(room, m)
	if err := tx.InsertMessage(ctx, m); err != nil {
		return nil, err
	}
	tx.Emit(model.MessageSaved{Message: m, RoomType: room.Type, RoomName: room.Name, Created: true})
	room.MessageCount++
	room.LastMessageAt = m.SentAt
	room.LastMessage = cloneMessage(m)
	return m, nil
}

// systemNotice is insertSystemMessage for callers that do not need the message.
func (s *core) systemNotice(ctx context.Context, tx store.Tx, room *model.Room, t, msg string, user *model.User, now model.Time, extra func(*model.Message)) error {
	_, err := s.insertSystemMessage(ctx, tx, room, t, msg, user, now, extra)
	return err
}

// loadRoomTx reloads the room inside the transaction (the copy read before
// the transaction may be stale).
func loadRoomTx(ctx context.Context, tx store.Tx, id string) (*model.Room, error) {
	r, err := tx.RoomByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errRoomNotFound(model.RoomChannel)
	}
	return r, err
}

// saveRoom writes the room with a new _updatedAt and emits RoomChanged.
func saveRoom(ctx context.Context, tx store.Tx, room *model.Room, now model.Time) error {
	room.UpdatedAt = now
	if err := tx.UpdateRoom(ctx, room); err != nil {
		return err
	}
	tx.Emit(model.RoomChanged{Action: model.ActionUpdated, Room: cloneRoom(room)})
	return nil
}

// cloneRoom copies a room for an event, so later changes to the original
// do not alter what consumers see.
func cloneRoom(r *model.Room) *model.Room {
	c := *r
	return &c
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func uniqueUsers(us []*model.User) []*model.User {
	seen := make(map[string]bool, len(us))
	out := us[:0]
	for _, u := range us {
		if !seen[u.ID] {
			seen[u.ID] = true
			out = append(out, u)
		}
	}
	return out
}

func sortedCopy(in []string) []string {
	out := append([]string(nil), in...)
	sort.Strings(out)
	return out
}

// TeamBrief is the team rooms.info shows with a team's room.
type TeamBrief struct {
	ID     string
	Name   string
	RoomID string
	Type   int
}

// ParentRoom is the parent rooms.info shows: a discussion's parent room
// (with prid and u) or the main room of the team a room belongs to.
type ParentRoom struct {
	ID           string
	Name         string
	DisplayName  string
	Type         string
	ParentRoomID string
	Creator      *model.UserRef
}

// RoomContext is what rooms.info adds to a room, as Rocket.Chat: the team
// of a team's room, and the parent: a discussion's parent room, or else,
// for a team's room other than its main room, the team's main room.
func (s *Rooms) RoomContext(ctx context.Context, room *model.Room) (*TeamBrief, *ParentRoom, error) {
	var team *TeamBrief
	var parent *ParentRoom
	if room.ParentRoomID != "" {
		p, err := s.store.RoomByID(ctx, room.ParentRoomID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, nil, internal("room info", err)
		}
		if err == nil {
			parent = &ParentRoom{ID: p.ID, Name: p.Name, DisplayName: p.DisplayName, Type: p.Type, ParentRoomID: p.ParentRoomID, Creator: p.Creator}
		}
	}
	if room.TeamID == "" {
		return nil, parent, nil
	}
	t, err := s.store.TeamByID(ctx, room.TeamID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, parent, nil
	}
	if err != nil {
		return nil, nil, internal("room info", err)
	}
	team = &TeamBrief{ID: t.ID, Name: t.Name, RoomID: t.RoomID, Type: t.Type}
	if room.TeamMain || parent != nil {
		return team, parent, nil
	}
	m, err := s.store.RoomByID(ctx, t.RoomID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, nil, internal("room info", err)
	}
	if err == nil {
		parent = &ParentRoom{ID: m.ID, Name: m.Name, DisplayName: m.DisplayName, Type: m.Type}
	}
	return team, parent, nil
}

// ResolveChannel finds the room a chat.postMessage "channel" names:
// "#name" (a channel or group), "@username" (the direct conversation with
// that user, created when needed) or a bare room name or id.
func (s *Rooms) ResolveChannel(ctx context.Context, user *model.User, channel string) (*model.Room, error) {
	channel = strings.TrimSpace(channel)
	switch {
	case strings.HasPrefix(channel, "@"):
		return s.createDirect(ctx, user, []string{strings.TrimPrefix(channel, "@")}, false)
	case strings.HasPrefix(channel, "#"):
		return s.findRoom(ctx, user, RoomRef{Name: channel[1:]}, model.RoomChannel, model.RoomPrivate)
	default:
		if room, err := s.findRoom(ctx, user, RoomRef{ID: channel}); err == nil {
			return room, nil
		}
		return s.findRoom(ctx, user, RoomRef{Name: channel}, model.RoomChannel, model.RoomPrivate)
	}
}
