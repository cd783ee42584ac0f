package chat

import (
	"context"
	"errors"

	"liftoff/access/perm"
	"liftoff/model"
	"liftoff/settings/setting"
	"liftoff/store"
)

// addMemberTx subscribes u to room inside tx as Rocket.Chat's addUserToRoom
// does: the new subscription is open, alerts, and counts one unread mention
// (so the room stands out in the member's list). It reports false when u
// was already a member. The caller updates the room's usersCount.
func (s *core) addMemberTx(ctx context.Context, tx store.Tx, room *model.Room, u *model.User, now model.Time) (bool, error) {
	if _, err := tx.Subscription(ctx, room.ID, u.ID); err == nil {
		return false, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return false, err
	}
	sub := &model.Subscription{
		ID: model.NewID(), RoomID: room.ID, User: model.UserRef{ID: u.ID, Username: u.Username, Name: u.Name},
		RoomType: room.Type, Name: room.Name, DisplayName: room.DisplayName, JoinedAt: now, UpdatedAt: now,
		Open: true, Alert: true, Unread: 1, UserMentions: 1, Archived: room.Archived, ParentRoomID: room.ParentRoomID,
	}
	if err := tx.InsertSubscription(ctx, sub); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return false, nil
		}
		return false, err
	}
	tx.Emit(model.SubscriptionChanged{Action: model.ActionInserted, Subscription: sub})
	return true, nil
}

// removeMemberTx deletes a subscription inside tx and emits its removal.
// The caller updates the room's usersCount.
func removeMemberTx(ctx context.Context, tx store.Tx, sub *model.Subscription) error {
	if err := tx.DeleteSubscription(ctx, sub.ID); err != nil {
		return err
	}
	tx.Emit(model.SubscriptionChanged{Action: model.ActionRemoved, Subscription: sub})
	return nil
}

// errYouAreLastOwner refuses to remove the only owner of a room from it.
var errYouAreLastOwner = model.Invalid("error-you-are-last-owner", "You are the last owner. Please set new owner before leaving the room.")

// isLastOwner reports whether sub holds the owner role and nobody else in
// the room does.
func isLastOwner(ctx context.Context, r store.Reader, sub *model.Subscription) (bool, error) {
	if !sub.HasRole(RoleOwner) {
		return false, nil
	}
	_, n, err := r.UsersInRole(ctx, RoleOwner, sub.RoomID, model.Page{Count: 1})
	if err != nil {
		return false, err
	}
	return n <= 1, nil
}

// Invite adds users to a channel or private group (channels.invite,
// groups.invite, the addUsersToRoom method). The actor needs
// add-user-to-joined-room as a member, or add-user-to-any-c-room /
// add-user-to-any-p-room. Users already in the room are skipped. Each new
// member gets an "au" system message.
func (s *Members) Invite(ctx context.Context, actor *model.User, ref RoomRef, t string, users []*model.User) (*model.Room, error) {
	room, err := s.memberRoom(ctx, actor, ref, t, true)
	if err != nil {
		return nil, err
	}
	if room.Type == model.RoomDirect {
		return nil, model.Invalid("error-cant-invite-for-direct-room", "Can't invite user to direct rooms")
	}
	sub, err := subscriptionOf(ctx, s.store, room.ID, actor.ID)
	if err != nil {
		return nil, internal("invite", err)
	}
	allowed := sub != nil && s.canWithSub(actor, sub, perm.AddUserToJoinedRoom) ||
		room.Type == model.RoomChannel && s.can(actor, perm.AddUserToAnyCRoom) ||
		room.Type == model.RoomPrivate && s.can(actor, perm.AddUserToAnyPRoom)
	if !allowed {
		return nil, model.Forbidden("error-not-allowed", "Not allowed").InMethod()
	}
	if len(users) == 0 {
		return nil, model.Invalid("error-empty-invite-list", "Cannot invite if no valid users are provided")
	}
	now := s.nowTime()
	err = s.store.Update(ctx, func(tx store.Tx) error {
		r, err := loadRoomTx(ctx, tx, room.ID)
		if err != nil {
			return err
		}
		changed := false
		for _, u := range users {
			added, err := s.addMemberTx(ctx, tx, r, u, now)
			if err != nil {
				return err
			}
			if !added {
				continue
			}
			changed = true
			r.UsersCount++
			if err := s.systemNotice(ctx, tx, r, "au", u.Username, actor, now, nil); err != nil {
				return err
			}
			if err := s.teamMemberJoinedTx(ctx, tx, r, u, actor, now); err != nil {
				return err
			}
		}
		if changed {
			if err := saveRoom(ctx, tx, r, now); err != nil {
				return err
			}
		}
		room = r
		return nil
	})
	if err != nil {
		return nil, internal("invite", err)
	}
	return room, nil
}

// Join makes user a member of a public channel (channels.join, the
// joinRoom method). A channel with a join code needs the code unless the
// user holds join-without-join-code. Joining a channel one is in already
// succeeds and changes nothing.
func (s *Members) Join(ctx context.Context, user *model.User, ref RoomRef, joinCode string) (*model.Room, error) {
	room, err := s.memberRoom(ctx, user, ref, model.RoomChannel, true)
	if err != nil {
		return nil, err
	}
	if err := s.canAccessRoom(ctx, user, room); err != nil {
		return nil, model.Forbidden("error-not-allowed", "Not allowed").InMethod()
	}
	if room.JoinCode != "" && !s.can(user, perm.JoinWithoutJoinCode) {
		if joinCode == "" {
			return nil, model.Invalid("error-code-required", "Code required").InMethod()
		}
		if joinCode != room.JoinCode {
			return nil, model.Invalid("error-code-invalid", "Invalid code").InMethod()
		}
	}
	now := s.nowTime()
	err = s.store.Update(ctx, func(tx store.Tx) error {
		r, err := s.joinTx(ctx, tx, room.ID, user, now)
		room = r
		return err
	})
	if err != nil {
		return nil, internal("join", err)
	}
	return room, nil
}

// joinTx subscribes user to the room inside tx, with the join notice ("uj",
// or "ut" in a discussion), unless already a member. It returns the room.
func (s *core) joinTx(ctx context.Context, tx store.Tx, roomID string, user *model.User, now model.Time) (*model.Room, error) {
	r, err := loadRoomTx(ctx, tx, roomID)
	if err != nil {
		return nil, err
	}
	added, err := s.addMemberTx(ctx, tx, r, user, now)
	if err != nil || !added {
		return r, err
	}
	r.UsersCount++
	t := "uj"
	if r.ParentRoomID != "" { // a discussion
		t = "ut"
	}
	if err := s.systemNotice(ctx, tx, r, t, user.Username, user, now, nil); err != nil {
		return nil, err
	}
	if err := s.teamMemberJoinedTx(ctx, tx, r, user, user, now); err != nil {
		return nil, err
	}
	return r, saveRoom(ctx, tx, r, now)
}

// joinDiscussionTx is joinTx for a discussion one posts in.
func (s *core) joinDiscussionTx(ctx context.Context, tx store.Tx, roomID string, user *model.User, now model.Time) error {
	_, err := s.joinTx(ctx, tx, roomID, user, now)
	return err
}

// Leave takes user out of a channel or private group (channels.leave,
// groups.leave, the leaveRoom method); it needs leave-c / leave-p. The last
// owner cannot leave.
func (s *Members) Leave(ctx context.Context, user *model.User, ref RoomRef, t string) (*model.Room, error) {
	room, err := s.memberRoom(ctx, user, ref, t, true)
	if err != nil {
		return nil, err
	}
	need := perm.LeaveC
	if room.Type == model.RoomPrivate {
		need = perm.LeaveP
	} else if room.Type != model.RoomChannel {
		return nil, model.Forbidden("error-not-allowed", "Not allowed").InMethod()
	}
	if !s.can(user, need) {
		return nil, model.Forbidden("error-not-allowed", "Not allowed").InMethod()
	}
	return s.removeMember(ctx, room.ID, user, user, "ul", true, "You are not in this room", "leave room")
}

// Kick removes target from a channel or private group (channels.kick,
// groups.kick, the removeUserFromRoom method). The actor needs remove-user
// in the room; the last owner cannot be removed. An "ru" system message
// records who removed whom.
func (s *Members) Kick(ctx context.Context, actor *model.User, ref RoomRef, t string, target *model.User) (*model.Room, error) {
	room, err := s.memberRoom(ctx, actor, ref, t, true)
	if err != nil {
		return nil, err
	}
	if room.Type != model.RoomChannel && room.Type != model.RoomPrivate {
		return nil, model.Forbidden("error-not-allowed", "Not allowed").InMethod()
	}
	if !s.canInRoom(ctx, actor, room.ID, perm.RemoveUser) {
		return nil, model.Forbidden("error-not-allowed", "Not allowed").InMethod()
	}
	return s.removeMember(ctx, room.ID, target, actor, "ru", false, "User is not in this room", "remove member")
}

// removeMember takes member out of the room in one transaction (Leave and
// Kick): the room's last owner stays; a system message of type t by `by`
// records it — before the removal when announceFirst (a leaver still gets
// the "ul"), after it otherwise (a kicked user does not get the "ru").
func (s *core) removeMember(ctx context.Context, roomID string, member, by *model.User, t string, announceFirst bool, notInRoom, op string) (*model.Room, error) {
	now := s.nowTime()
	var room *model.Room
	err := s.store.Update(ctx, func(tx store.Tx) error {
		r, err := loadRoomTx(ctx, tx, roomID)
		if err != nil {
			return err
		}
		sub, err := subscriptionOf(ctx, tx, r.ID, member.ID)
		if err != nil {
			return err
		}
		if sub == nil {
			return model.Invalid("error-user-not-in-room", "%s", notInRoom).InMethod()
		}
		if last, err := isLastOwner(ctx, tx, sub); err != nil {
			return err
		} else if last {
			return errYouAreLastOwner.InMethod()
		}
		if announceFirst {
			if err := s.systemNotice(ctx, tx, r, t, member.Username, by, now, nil); err != nil {
				return err
			}
		}
		if err := removeMemberTx(ctx, tx, sub); err != nil {
			return err
		}
		if err := teamMemberLeftTx(ctx, tx, r, member.ID); err != nil {
			return err
		}
		if r.UsersCount > 0 {
			r.UsersCount--
		}
		if !announceFirst {
			if err := s.systemNotice(ctx, tx, r, t, member.Username, by, now, nil); err != nil {
				return err
			}
		}
		room = r
		return saveRoom(ctx, tx, r, now)
	})
	if err != nil {
		return nil, internal(op, err)
	}
	return room, nil
}

// SetRoomOpen shows (open) or hides (close) a room in user's room list
// (channels.open/close, groups.open/close, the openRoom and hideRoom
// methods). Opening an open room, or closing a closed one, is refused.
func (s *Members) SetRoomOpen(ctx context.Context, user *model.User, ref RoomRef, t string, open bool) error {
	room, err := s.memberRoom(ctx, user, ref, t, false)
	if err != nil {
		return err
	}
	name := room.Name
	if room.ParentRoomID != "" {
		name = room.DisplayName
	}
	err = s.store.Update(ctx, func(tx store.Tx) error {
		sub, err := subscriptionOf(ctx, tx, room.ID, user.ID)
		if err != nil {
			return err
		}
		if sub == nil {
			if room.Type == model.RoomPrivate {
				return errRoomNotFound(model.RoomPrivate)
			}
			return model.Invalid("error-user-not-in-room", "The user/callee is not in the channel \"%s\".", name)
		}
		if sub.Open == open {
			return errOpenState(room, name, open)
		}
		sub.Open = open
		sub.UpdatedAt = s.nowTime()
		if err := tx.UpdateSubscription(ctx, sub); err != nil {
			return err
		}
		tx.Emit(model.SubscriptionChanged{Action: model.ActionUpdated, Subscription: sub})
		return nil
	})
	return internal("open room", err)
}

// errOpenState is Rocket.Chat's answer to opening an open room or closing a closed one.
func errOpenState(room *model.Room, name string, open bool) *model.Error {
	switch {
	case open && room.Type == model.RoomPrivate:
		return model.Invalid("error-room-already-open", "The private group, %s, is already open for the sender", name)
	case open:
		return model.Invalid("error-room-already-open", "The channel, %s, is already open to the sender", name)
	case room.Type == model.RoomPrivate:
		return model.Invalid("error-room-already-closed", "The private group, %s, is already closed to the sender", name)
	default:
		return model.Invalid("error-room-already-closed", "The channel, %s, is already closed to the sender", name)
	}
}

// roomRoleRules are, per room role, the permission that grants or revokes
// it and Rocket.Chat's errors.
var roomRoleRules = map[string]struct {
	permission                         perm.ID
	already, alreadyText, not, notText string
}{
	RoleOwner:     {perm.SetOwner, "error-user-already-owner", "User is already an owner", "error-user-not-owner", "User is not an owner"},
	RoleModerator: {perm.SetModerator, "error-user-already-moderator", "User is already a moderator", "error-user-not-moderator", "User is not a moderator"},
	RoleLeader:    {perm.SetLeader, "error-user-already-leader", "User is already a leader", "error-user-not-leader", "User is not a leader"},
}

// SetRoomRole grants (add) or revokes the room role owner, moderator or
// leader of target in a room (channels.addOwner ... groups.removeLeader).
// The actor needs set-owner / set-moderator / set-leader in the room. The
// last owner cannot be demoted. A subscription-role-added/-removed system
// message records the change.
func (s *Members) SetRoomRole(ctx context.Context, actor *model.User, ref RoomRef, t, role string, target *model.User, add bool) error {
	rule, ok := roomRoleRules[role]
	if !ok {
		return model.Invalid("error-invalid-role", "Invalid role")
	}
	room, err := s.memberRoom(ctx, actor, ref, t, true)
	if err != nil {
		return err
	}
	if !s.canInRoom(ctx, actor, room.ID, rule.permission) {
		return model.Forbidden("error-not-allowed", "Not allowed").InMethod()
	}
	now := s.nowTime()
	err = s.store.Update(ctx, func(tx store.Tx) error {
		r, err := loadRoomTx(ctx, tx, room.ID)
		if err != nil {
			return err
		}
		sub, err := subscriptionOf(ctx, tx, r.ID, target.ID)
		if err != nil {
			return err
		}
		if sub == nil {
			if !add && role == RoleOwner {
				return model.Invalid("error-invalid-room", "Invalid room").InMethod()
			}
			return model.Invalid("error-user-not-in-room", "User is not in this room").InMethod()
		}
		has := sub.HasRole(role)
		switch {
		case add && has:
			return model.Invalid(rule.already, "%s", rule.alreadyText).InMethod()
		case !add && !has:
			return model.Invalid(rule.not, "%s", rule.notText).InMethod()
		}
		if !add && role == RoleOwner {
			if last, err := isLastOwner(ctx, tx, sub); err != nil {
				return err
			} else if last {
				return model.Invalid("error-remove-last-owner", "This is the last owner. Please set a new owner before removing this one.").InMethod()
			}
		}
		roles := make([]string, 0, len(sub.Roles)+1)
		for _, x := range sub.Roles {
			if x != role {
				roles = append(roles, x)
			}
		}
		if add {
			roles = append(roles, role)
		}
		sub.Roles = roles
		sub.UpdatedAt = now
		if err := tx.UpdateSubscription(ctx, sub); err != nil {
			return err
		}
		tx.Emit(model.SubscriptionChanged{Action: model.ActionUpdated, Subscription: sub})
		if err := teamRoleChangedTx(ctx, tx, r, target.ID, role, add, now); err != nil {
			return err
		}
		typ, change := "subscription-role-added", "added"
		if !add {
			typ, change = "subscription-role-removed", "removed"
		}
		if err := s.systemNotice(ctx, tx, r, typ, target.Username, actor, now, func(m *model.Message) { m.Role = role }); err != nil {
			return err
		}
		tx.Emit(model.RoleChanged{Type: change, RoleID: role, UserID: target.ID, Username: target.Username, Scope: r.ID})
		return saveRoom(ctx, tx, r, now)
	})
	return internal("set room role", err)
}

// AddAll subscribes every user (activeOnly: every active user) to a
// channel or private group (channels.addAll, groups.addAll), as Rocket.Chat's
// addAllUserToRoom: the actor needs add-all-to-room, more users than
// API_User_Limit is error-user-limit-exceeded, and each new member gets a
// join notice ("uj"). Users already in the room are skipped.
func (s *Members) AddAll(ctx context.Context, actor *model.User, ref RoomRef, t string, activeOnly bool) (*model.Room, error) {
	room, err := s.memberRoom(ctx, actor, ref, t, false)
	if err != nil {
		return nil, err
	}
	if !s.can(actor, perm.AddAllToRoom) {
		return nil, model.Forbidden("403", "Access to Method Forbidden").WithDetails(map[string]any{"method": "addAllToRoom"})
	}
	q := store.UserQuery{}
	if activeOnly {
		active := true
		q.Active = &active
	}
	limit := s.settings.Int(setting.APIUserLimit)
	users, total, err := s.store.ListUsers(ctx, q, model.Page{Count: limit + 1})
	if err != nil {
		return nil, internal("add all", err)
	}
	if total > limit || len(users) > limit {
		return nil, model.Invalid("error-user-limit-exceeded", "User Limit Exceeded").WithDetails(map[string]any{"method": "addAllToRoom"})
	}
	return s.AddMembers(ctx, room.ID, users)
}

// AddMembers subscribes users to a room, each with a join notice ("uj",
// "ut" in a discussion), as Rocket.Chat's addUserToRoom without an inviter.
// It checks nothing: its callers (AddAll, invitation links) have. Users
// already in the room are skipped. It returns the room as changed.
func (s *Members) AddMembers(ctx context.Context, roomID string, users []*model.User) (*model.Room, error) {
	now := s.nowTime()
	var room *model.Room
	err := s.store.Update(ctx, func(tx store.Tx) error {
		r, err := loadRoomTx(ctx, tx, roomID)
		if err != nil {
			return err
		}
		for _, u := range users {
			if r, err = s.joinTx(ctx, tx, roomID, u, now); err != nil {
				return err
			}
		}
		room = r
		return nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, model.Invalid("error-invalid-room", "Invalid room").InMethod()
	}
	if err != nil {
		return nil, internal("add members", err)
	}
	return room, nil
}
