package chat

import (
	"context"
	"errors"

	"liftoff/access/perm"
	"liftoff/model"
	"liftoff/store"
)

// DeleteRoom erases a room with its subscriptions, messages and
// discussions (channels.delete, groups.delete, the eraseRoom method); it
// needs delete-c / delete-p / delete-d in the room. Every member's
// subscription is reported removed, so delivery to them stops. Deleting a
// discussion clears the link from its parent's discussion-created message.
func (s *Rooms) DeleteRoom(ctx context.Context, actor *model.User, ref RoomRef, t string) error {
	room, err := s.memberRoom(ctx, actor, ref, t, false)
	if err != nil {
		return err
	}
	return s.eraseRoom(ctx, actor, room)
}

// eraseRoom checks Rocket.Chat's canBeDeleted (delete-<type> in the room)
// and deletes room.
func (s *core) eraseRoom(ctx context.Context, actor *model.User, room *model.Room) error {
	var need perm.ID
	switch room.Type {
	case model.RoomChannel:
		need = perm.DeleteC
	case model.RoomPrivate:
		need = perm.DeleteP
	case model.RoomDirect:
		need = perm.DeleteD
	default:
		return model.Forbidden("error-not-allowed", "Not allowed").InMethod()
	}
	if !s.canInRoom(ctx, actor, room.ID, need) {
		return model.Forbidden("error-not-allowed", "Not allowed").InMethod()
	}
	// A team's room also needs delete-team-channel / delete-team-group in
	// the team's main room, and its deletion is announced there.
	var team *model.Team
	if room.TeamID != "" {
		t, err := s.store.TeamByID(ctx, room.TeamID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return internal("delete room", err)
		}
		if err == nil {
			team = t
			teamPerm := perm.DeleteTeamGroup
			if room.Type == model.RoomChannel {
				teamPerm = perm.DeleteTeamChannel
			}
			if !s.canInRoom(ctx, actor, team.RoomID, teamPerm) {
				return model.Forbidden("error-not-allowed", "Not allowed").InMethod()
			}
		}
	}
	err := s.store.Update(ctx, func(tx store.Tx) error {
		r, err := loadRoomTx(ctx, tx, room.ID)
		if err != nil {
			return err
		}
		now := s.nowTime()
		if err := eraseRoomTx(ctx, tx, r, now); err != nil {
			return err
		}
		if team == nil || team.RoomID == r.ID {
			return nil
		}
		main, err := tx.RoomByID(ctx, team.RoomID)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := s.systemNotice(ctx, tx, main, "user-deleted-room-from-team", r.Name, actor, now, nil); err != nil {
			return err
		}
		return saveRoom(ctx, tx, main, now)
	})
	return internal("delete room", err)
}

// EraseRoomByID deletes a room by id (rooms.delete), as Rocket.Chat: an
// unknown room is error-invalid-room; a team's main room is refused
// (error-cannot-delete-team-channel: teams.delete deletes teams); then the
// rules of eraseRoom apply (delete-c / delete-p / delete-d in the room, and
// delete-team-channel / delete-team-group in the team's main room for a
// team's room).
func (s *Rooms) EraseRoomByID(ctx context.Context, actor *model.User, roomID string) error {
	room, err := s.store.RoomByID(ctx, roomID)
	if errors.Is(err, store.ErrNotFound) {
		return model.Invalid("error-invalid-room", "Invalid room").InMethod()
	}
	if err != nil {
		return internal("delete room", err)
	}
	if room.TeamMain {
		return model.Invalid("error-cannot-delete-team-channel", "Cannot delete a team channel").InMethod()
	}
	return s.eraseRoom(ctx, actor, room)
}
