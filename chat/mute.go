package chat

import (
	"context"
	"errors"
	"strings"

	"liftoff/access/perm"
	"liftoff/model"
	"liftoff/store"
)

// This file holds muting: Rocket.Chat's muteUserInRoom and
// unmuteUserInRoom (the rooms.muteUser and rooms.unmuteUser endpoints and
// the methods of the same names). A muted member stays in the room and
// reads it but cannot post (see checkCanPost).

// MuteUser mutes the member username in a channel or private group, as
// actor. actor needs mute-user in the room (room roles count). In a
// read-only room the user loses the right to post that an earlier unmute
// gave them (the room's "unmuted" list); elsewhere they join the room's
// "muted" list. Either way a "user-muted" system message records it and
// the room change is emitted.
func (s *Members) MuteUser(ctx context.Context, actor *model.User, roomID, username string) error {
	return s.setMuted(ctx, actor, roomID, username, true)
}

// UnmuteUser reverses MuteUser: the user leaves the room's "muted" list
// (in a read-only room they join its "unmuted" list, which lets them post
// without post-readonly), with a "user-unmuted" system message.
func (s *Members) UnmuteUser(ctx context.Context, actor *model.User, roomID, username string) error {
	return s.setMuted(ctx, actor, roomID, username, false)
}

func (s *core) setMuted(ctx context.Context, actor *model.User, roomID, username string, mute bool) error {
	op := "unmute user"
	if mute {
		op = "mute user"
	}
	if actor == nil {
		return model.Invalid("error-invalid-user", "Invalid user").InMethod()
	}
	// Rocket.Chat checks the permission before it looks the room up, so a
	// caller without it learns nothing about the room.
	if roomID == "" || !s.canInRoom(ctx, actor, roomID, perm.MuteUser) {
		return model.Forbidden("error-not-allowed", "Not allowed").InMethod()
	}
	username = strings.TrimPrefix(strings.TrimSpace(username), "@")
	var target *model.User
	err := s.store.Update(ctx, func(tx store.Tx) error {
		room, err := tx.RoomByID(ctx, roomID)
		if errors.Is(err, store.ErrNotFound) {
			return model.Invalid("error-invalid-room", "Invalid room").InMethod()
		}
		if err != nil {
			return err
		}
		if room.Type != model.RoomChannel && room.Type != model.RoomPrivate {
			return model.Invalid("error-invalid-room-type", "%s is not a valid room type", room.Type).
				WithDetails(map[string]any{"type": room.Type}).InMethod()
		}
		target, err = tx.UserByUsername(ctx, username)
		if errors.Is(err, store.ErrNotFound) || (err == nil && target.Username == "") {
			// Rocket.Chat looks for the member's subscription first: an
			// unknown username is "not in this room".
			return model.Invalid("error-user-not-in-room", "User is not in this room").InMethod()
		}
		if err != nil {
			return err
		}
		if _, err := tx.Subscription(ctx, room.ID, target.ID); errors.Is(err, store.ErrNotFound) {
			return model.Invalid("error-user-not-in-room", "User is not in this room").InMethod()
		} else if err != nil {
			return err
		}
		name := target.Username
		switch {
		case mute && room.ReadOnly:
			room.Unmuted = without(room.Unmuted, name)
		case mute:
			if !contains(room.Muted, name) {
				room.Muted = append(append([]string(nil), room.Muted...), name)
			}
			room.Unmuted = without(room.Unmuted, name)
		case room.ReadOnly:
			room.Muted = without(room.Muted, name)
			if !contains(room.Unmuted, name) {
				room.Unmuted = append(append([]string(nil), room.Unmuted...), name)
			}
		default:
			room.Muted = without(room.Muted, name)
		}
		t := "user-unmuted"
		if mute {
			t = "user-muted"
		}
		now := s.nowTime()
		if err := s.systemNotice(ctx, tx, room, t, name, actor, now, nil); err != nil {
			return err
		}
		return saveRoom(ctx, tx, room, now)
	})
	return internal(op, err)
}

// without returns list minus v, as a new slice (nil when nothing is left).
func without(list []string, v string) []string {
	var out []string
	for _, x := range list {
		if x != v {
			out = append(out, x)
		}
	}
	return out
}
