package chat

import (
	"context"
	"errors"
	"sort"
	"strings"

	"liftoff/access/perm"
	"liftoff/model"
	"liftoff/store"
)

// errDirectNotFound is Rocket.Chat's answer for a direct conversation that
// cannot be found.
func errDirectNotFound() *model.Error {
	return model.NotFound("error-room-not-found", "The required \"roomId\" param provided does not match any direct message")
}

// // Rooms
// FindDirect finds the direct conversation the im.* endpoints name: by room
// id, or by the username of the other member (the 1:1 conversation with
// that user, created when it does not exist yet, as Rocket.Chat does). It
// does not check that user may read it; callers check access themselves.
func (s *Rooms) FindDirect(ctx context.Context, user *model.User, roomID, username string) (*model.Room, error) {
	return s.findDirect(ctx, user, roomID, username)
}

// findDirect is FindDirect, shared by the area services.
func (s *core) findDirect(ctx context.Context, user *model.User, roomID, username string) (*model.Room, error) {
	if user == nil {
		return nil, model.Invalid("error-invalid-user", "Invalid user").InMethod()
	}
	if roomID == "" && username == "" {
		return nil, model.Invalid("error-room-param-not-provided", "Query param \"roomId\" or \"username\" is required")
	}
	if roomID != "" {
		room, err := s.store.RoomByID(ctx, roomID)
		if errors.Is(err, store.ErrNotFound) {
			return nil, errDirectNotFound()
		}
		if err != nil {
			return nil, internal("find direct", err)
		}
		if room.Type != model.RoomDirect {
			return nil, errDirectNotFound()
		}
		return room, nil
	}
	other, err := s.store.UserByUsername(ctx, strings.TrimPrefix(username, "@"))
	if errors.Is(err, store.ErrNotFound) {
		return nil, errDirectNotFound()
	}
	if err != nil {
		return nil, internal("find direct", err)
	}
	ids := []string{user.ID, other.ID}
	sort.Strings(ids)
	id := ids[0] + ids[1]
	if user.ID == other.ID {
		id = user.ID
	}
	room, err := s.store.RoomByID(ctx, id)
	if err == nil {
		return room, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return nil, internal("find direct", err)
	}
	return s.createDirect(ctx, user, []string{other.Username}, false)
}

// CountDirect reports the counters of a direct conversation for user, or
// for another member (forUserID) when user holds view-room-administration.
// The user counted must be able to read the conversation.
func (s *Rooms) CountDirect(ctx context.Context, user *model.User, roomID, forUserID string) (*Counters, error) {
	if user == nil {
		return nil, model.Invalid("error-invalid-user", "Invalid user")
	}
	if roomID == "" {
		return nil, model.Invalid("error-room-param-not-provided", "Query param \"roomId\" is required")
	}
	admin := s.can(user, perm.ViewRoomAdministration)
	target := user
	if forUserID != "" && forUserID != user.ID {
		if !admin {
			return nil, errForbidden
		}
		u, err := s.store.UserByID(ctx, forUserID)
		if errors.Is(err, store.ErrNotFound) {
			return nil, errForbidden
		}
		if err != nil {
			return nil, internal("direct counters", err)
		}
		target = u
	}
	room, err := s.store.RoomByID(ctx, roomID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errForbidden // Rocket.Chat checks access first: an unknown room is not accessible
	}
	if err != nil {
		return nil, internal("direct counters", err)
	}
	if err := s.canAccessRoom(ctx, target, room); err != nil {
		return nil, errForbidden
	}
	if room.Type != model.RoomDirect {
		return nil, errDirectNotFound()
	}
	out := &Counters{}
	sub, err := s.store.Subscription(ctx, room.ID, target.ID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, internal("direct counters", err)
	}
	if sub != nil {
		out.Joined = true
		unread, mentions := sub.Unread, sub.UserMentions
		out.Unreads, out.UserMentions = &unread, &mentions
		if !sub.LastSeen.IsZero() && room.MessageCount > 0 {
			out.UnreadsFrom = sub.LastSeen.Ptr()
		}
	}
	if admin || out.Joined {
		msgs := room.MessageCount
		out.Msgs = &msgs
		latest := room.LastMessageAt
		if latest.IsZero() {
			latest = room.UpdatedAt
		}
		out.Latest = latest.Ptr()
		active := true
		_, n, err := s.store.ListUsers(ctx, store.UserQuery{IDs: room.UserIDs, Active: &active}, model.Page{Count: 1})
		if err != nil {
			return nil, internal("direct counters", err)
		}
		out.Members = &n
	}
	return out, nil
}

// DirectMember is one member of a direct conversation as im.members shows
// it: the user's public fields and their subscription's.
type DirectMember struct {
	ID           string
	Username     string
	Name         string
	Status       string
	StatusText   string
	UTCOffset    float64
	Subscription DirectMemberSubRef
}

// DirectMemberSubRef is the part of a member's subscription im.members shows.
type DirectMemberSubRef struct {
	ID       string
	JoinedAt model.Time
	Roles    []string
}

// DirectMembers pages the active members of a direct conversation user can
// read, optionally filtered by text (username or name) and status.
func (s *Rooms) DirectMembers(ctx context.Context, user *model.User, room *model.Room, filter string, statuses []string, p model.Page) ([]DirectMember, int, error) {
	if err := s.canAccessRoom(ctx, user, room); err != nil {
		return nil, 0, errForbidden
	}
	if len(room.UserIDs) == 0 {
		return []DirectMember{}, 0, nil
	}
	active := true
	q := store.UserQuery{IDs: room.UserIDs, Active: &active, Text: filter}
	var users []*model.User
	var total int
	if len(statuses) == 0 {
		var err error
		users, total, err = s.store.ListUsers(ctx, q, p)
		if err != nil {
			return nil, 0, internal("direct members", err)
		}
	} else {
		// Few members: filter by status here, then page.
		all, _, err := s.store.ListUsers(ctx, q, model.Page{Sort: p.Sort})
		if err != nil {
			return nil, 0, internal("direct members", err)
		}
		for _, u := range all {
			if contains(statuses, u.Status) {
				users = append(users, u)
			}
		}
		total = len(users)
		users = window(users, p)
	}
	out := make([]DirectMember, 0, len(users))
	for _, u := range users {
		m := DirectMember{ID: u.ID, Username: u.Username, Name: u.Name, Status: u.Status, StatusText: u.StatusText, UTCOffset: u.UTCOffset}
		if sub, err := s.store.Subscription(ctx, room.ID, u.ID); err == nil {
			m.Subscription = DirectMemberSubRef{ID: sub.ID, JoinedAt: sub.JoinedAt, Roles: sub.Roles}
		} else if !errors.Is(err, store.ErrNotFound) {
			return nil, 0, internal("direct members", err)
		}
		out = append(out, m)
	}
	return out, total, nil
}

// ListDirect pages the direct conversations user is a member of.
func (s *Rooms) ListDirect(ctx context.Context, user *model.User, p model.Page) ([]*model.Room, int, error) {
	subs, err := s.store.SubscriptionsOfUser(ctx, user.ID, store.SubscriptionQuery{Types: []string{model.RoomDirect}})
	if err != nil {
		return nil, 0, internal("list direct", err)
	}
	if len(subs) == 0 {
		return []*model.Room{}, 0, nil
	}
	ids := make([]string, len(subs))
	for i, sub := range subs {
		ids[i] = sub.RoomID
	}
	rooms, total, err := s.store.ListRooms(ctx, store.RoomQuery{Types: []string{model.RoomDirect}, IDs: ids}, p)
	if err != nil {
		return nil, 0, internal("list direct", err)
	}
	return rooms, total, nil
}

// OpenDirect shows a direct conversation in user's room list again
// (im.open), as Rocket.Chat does: a room user cannot read is forbidden, a
// room that is not a direct conversation is not found.
func (s *Rooms) OpenDirect(ctx context.Context, user *model.User, roomID string) error {
	if err := s.canReadRoom(ctx, user, roomID); err != nil {
		return errForbidden
	}
	room, err := s.findDirect(ctx, user, roomID, "")
	if err != nil {
		return err
	}
	return s.openRoom(ctx, user, room.ID)
}

// CloseDirect hides a direct conversation from user's room list (im.close).
// A subscription whose room no longer exists may be closed too.
func (s *Rooms) CloseDirect(ctx context.Context, user *model.User, roomID string) error {
	if user == nil {
		return model.Invalid("error-invalid-user", "Invalid user").InMethod()
	}
	if roomID == "" {
		return model.Invalid("error-room-param-not-provided", "Body param \"roomId\" is required")
	}
	if _, err := s.store.RoomByID(ctx, roomID); err == nil {
		if err := s.canReadRoom(ctx, user, roomID); err != nil {
			return errForbidden
		}
		if _, err := s.findDirect(ctx, user, roomID, ""); err != nil {
			return err
		}
	} else if !errors.Is(err, store.ErrNotFound) {
		return internal("close direct", err)
	}
	sub, err := s.subscription(ctx, user, roomID)
	if err != nil {
		return err
	}
	if sub == nil {
		return model.Invalid("error-not-subscribed", "The user is not subscribed to the room")
	}
	if !sub.Open {
		return model.Invalid("error-room-already-closed", "The direct message room, is already closed to the sender")
	}
	return s.hideRoom(ctx, user, roomID)
}

// DeleteDirect erases a direct conversation with its messages and every
// member's subscription (im.delete, dm.delete), named by roomId or by the
// other user's username. As in Rocket.Chat the caller must be able to
// read it or hold view-room-administration, and needs delete-d to erase
// it (by default only administrators may).
func (s *Rooms) DeleteDirect(ctx context.Context, user *model.User, roomID, username string) error {
	room, err := s.findDirect(ctx, user, roomID, username)
	if err != nil {
		return err
	}
	if s.canAccessRoom(ctx, user, room) != nil && !s.can(user, perm.ViewRoomAdministration) {
		return model.Forbidden("error-not-allowed", "Not allowed")
	}
	return s.eraseRoom(ctx, user, room)
}

// SetDirectTopic sets the topic of a direct conversation the user may read
// (im.setTopic, dm.setTopic) through the room settings, so it needs
// edit-room in the room and records a room_changed_topic message when the
// topic changes. It returns the topic as set.
func (s *Rooms) SetDirectTopic(ctx context.Context, user *model.User, roomID, topic string) (string, error) {
	if roomID == "" {
		return "", model.Invalid("error-room-param-not-provided", "Body param \"roomId\" is required")
	}
	if user == nil {
		return "", model.Invalid("error-invalid-user", "Invalid user")
	}
	room, err := s.store.RoomByID(ctx, roomID)
	if errors.Is(err, store.ErrNotFound) {
		return "", errForbidden
	}
	if err != nil {
		return "", internal("set direct topic", err)
	}
	if err := s.canAccessRoom(ctx, user, room); err != nil {
		return "", errForbidden
	}
	if room.Type != model.RoomDirect {
		return "", errDirectNotFound()
	}
	saved, err := s.saveRoomSettings(ctx, user, room.ID, RoomSettingsInput{Topic: &topic})
	if err != nil {
		return "", err
	}
	return saved.Topic, nil
}
