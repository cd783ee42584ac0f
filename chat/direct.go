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

// CreateDirect opens the direct conversation between user and the named
// users (one for a 1:1 conversation, several for a group DM), creating it
// when it does not exist yet (which needs create-d). An existing
// conversation is returned and re-opened for user.
func (s *Rooms) CreateDirect(ctx context.Context, user *model.User, usernames []string, excludeSelf bool) (*model.Room, error) {
	return s.createDirect(ctx, user, usernames, excludeSelf)
}

// createDirect is CreateDirect, shared by the area services.
func (s *core) createDirect(ctx context.Context, user *model.User, usernames []string, excludeSelf bool) (*model.Room, error) {
	if user == nil {
		return nil, model.ErrNotAllowed
	}
	others, err := s.usersByUsernames(ctx, usernames)
	if err != nil {
		return nil, err
	}
	if len(others) == 0 {
		return nil, model.Invalid("error-invalid-user", "Invalid user")
	}
	members := others
	if !excludeSelf {
		members = append([]*model.User{user}, others...)
	}
	members = uniqueUsers(members)
	for _, m := range members {
		if !m.Active && m.ID != user.ID {
			return nil, model.Forbidden("error-not-allowed", "Target user not allowed to receive messages")
		}
	}
	uids := make([]string, len(members))
	names := make([]string, len(members))
	for i, m := range members {
		uids[i], names[i] = m.ID, m.Username
	}
	uids = sortedCopy(uids)
	sort.Strings(names)

	var roomID string
	if len(uids) <= 2 {
		roomID = strings.Join(uids, "")
	}
	if roomID != "" {
		if room, err := s.store.RoomByID(ctx, roomID); err == nil {
			return room, s.reopen(ctx, room, user)
		} else if !errors.Is(err, store.ErrNotFound) {
			return nil, internal("create direct", err)
		}
	} else if room, err := s.findGroupDirect(ctx, user, uids); err != nil {
		return nil, err
	} else if room != nil {
		return room, s.reopen(ctx, room, user)
	}
	if !s.can(user, perm.CreateD) {
		return nil, model.Forbidden("error-not-allowed", "Not allowed")
	}
	if roomID == "" {
		roomID = model.NewID()
	}
	now := s.nowTime()
	room := &model.Room{
		ID: roomID, Type: model.RoomDirect, Usernames: names, UserIDs: uids, UsersCount: len(uids),
		CreatedAt: now, UpdatedAt: now, MessageCount: 0,
		Encrypted: s.encryptedByDefault(nil, setting.E2EEnabledDefaultDirectRooms),
	}
	err = s.store.Update(ctx, func(tx store.Tx) error {
		if existing, err := tx.RoomByID(ctx, roomID); err == nil {
			room = existing // created concurrently
			return nil
		}
		if err := tx.InsertRoom(ctx, room); err != nil {
			return err
		}
		for _, m := range members {
			if err := s.insertSubscription(ctx, tx, room, m, nil, m.ID == user.ID, now); err != nil {
				return err
			}
		}
		// After the subscriptions, so that the members hear of the room.
		tx.Emit(model.RoomChanged{Action: model.ActionInserted, Room: cloneRoom(room)})
		return nil
	})
	if err != nil {
		return nil, internal("create direct", err)
	}
	return room, nil
}

// findGroupDirect finds an existing multi-user direct room with exactly these members.
func (s *core) findGroupDirect(ctx context.Context, user *model.User, uids []string) (*model.Room, error) {
	subs, err := s.store.SubscriptionsOfUser(ctx, user.ID, store.SubscriptionQuery{Types: []string{model.RoomDirect}})
	if err != nil {
		return nil, internal("find direct", err)
	}
	key := strings.Join(uids, ",")
	for _, sub := range subs {
		room, err := s.store.RoomByID(ctx, sub.RoomID)
		if err != nil {
			continue
		}
		if strings.Join(sortedCopy(room.UserIDs), ",") == key {
			return room, nil
		}
	}
	return nil, nil
}

// reopen marks user's subscription to room open (shown in their room list).
func (s *core) reopen(ctx context.Context, room *model.Room, user *model.User) error {
	sub, err := s.store.Subscription(ctx, room.ID, user.ID)
	if err != nil || sub.Open {
		return nil
	}
	return internal("open room", s.store.Update(ctx, func(tx store.Tx) error {
		sub, err := tx.Subscription(ctx, room.ID, user.ID)
		if err != nil {
			return err
		}
		sub.Open = true
		sub.UpdatedAt = s.nowTime()
		if err := tx.UpdateSubscription(ctx, sub); err != nil {
			return err
		}
		tx.Emit(model.SubscriptionChanged{Action: model.ActionUpdated, Subscription: sub})
		return nil
	}))
}
