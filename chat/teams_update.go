package chat

import (
	"context"
	"errors"
	"strings"

	"liftoff/access/perm"
	"liftoff/model"
	"liftoff/store"
)

// TeamUpdate is teams.update's data: a new name, a new type, or both.
type TeamUpdate struct {
	Name *string
	Type *int // model.TeamPublic or model.TeamPrivate
}

// UpdateTeam renames or retypes a team through its main room
// (teams.update), as Rocket.Chat's Team.update: the caller needs edit-team
// in the main room. A new name is validated as a room name and must be
// free ("r" message in the main room); a new type turns the main room into
// a channel or a private group ("room_changed_privacy"). The team follows
// its main room. Everything happens in one transaction, or nothing does.
func (s *Teams) UpdateTeam(ctx context.Context, actor *model.User, team *model.Team, in TeamUpdate) error {
	if !s.canInRoom(ctx, actor, team.RoomID, perm.EditTeam) {
		return model.ErrUnauthorized
	}
	if in.Type != nil && *in.Type != model.TeamPublic && *in.Type != model.TeamPrivate {
		return model.Invalid("error-invalid-params", "The 'type' param must be 0 or 1")
	}
	main, err := s.store.RoomByID(ctx, team.RoomID)
	if errors.Is(err, store.ErrNotFound) {
		return model.Bare(model.KindInvalid, "invalid-room")
	}
	if err != nil {
		return internal("update team", err)
	}
	name := ""
	if in.Name != nil {
		name = strings.TrimSpace(*in.Name)
		if name == main.Name {
			name = "" // Rocket.Chat's saveRoomName ignores an unchanged name
		}
		if name != "" {
			if err := s.validateRoomName(name); err != nil {
				return err
			}
		}
	}
	now := s.nowTime()
	err = s.store.Update(ctx, func(tx store.Tx) error {
		r, err := loadRoomTx(ctx, tx, team.RoomID)
		if err != nil {
			return err
		}
		changed := false
		if name != "" && name != r.Name {
			if err := s.renameRoomTx(ctx, tx, r, name, actor, now); err != nil {
				return err
			}
			changed = true
		}
		if in.Type != nil {
			t := model.RoomChannel
			if *in.Type == model.TeamPrivate {
				t = model.RoomPrivate
			}
			if t != r.Type {
				if err := s.changeRoomTypeTx(ctx, tx, r, t, actor, now); err != nil {
					return err
				}
				changed = true
			}
		}
		if !changed {
			return nil
		}
		return saveRoom(ctx, tx, r, now)
	})
	return internal("update team", err)
}

// ConvertRoomToTeam makes a channel or private group the main room of a
// new team of the same name (channels.convertToTeam, groups.convertToTeam),
// as Rocket.Chat: the caller needs create-team and edit-room in the room.
// The name must not be taken by a user or a team (team-name-already-exists,
// so a team's main room is refused that way); another room of a team is
// refused (room-already-on-team). The caller
// becomes the team's owner and the room's active members its members; the
// room gets a "user-converted-to-team" message.
func (s *Teams) ConvertRoomToTeam(ctx context.Context, actor *model.User, room *model.Room) (*model.Team, error) {
	if !s.can(actor, perm.CreateTeam) || !s.canInRoom(ctx, actor, room.ID, perm.EditRoom) {
		return nil, model.ErrUnauthorized
	}
	if room.Type != model.RoomChannel && room.Type != model.RoomPrivate {
		return nil, model.Bare(model.KindInvalid, "invalid-room")
	}
	if _, err := s.store.UserByUsername(ctx, room.Name); err == nil {
		return nil, model.Bare(model.KindConflict, "team-name-already-exists")
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, internal("convert to team", err)
	}
	if _, err := s.store.TeamByName(ctx, room.Name); err == nil {
		return nil, model.Bare(model.KindConflict, "team-name-already-exists")
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, internal("convert to team", err)
	}
	if room.TeamID != "" {
		return nil, model.Bare(model.KindConflict, "room-already-on-team")
	}
	now := s.nowTime()
	team := &model.Team{
		ID: model.NewID(), Name: room.Name, Type: teamType(room.Type), CreatedBy: userRefShort(actor),
		CreatedAt: now, UpdatedAt: now,
	}
	err := s.store.Update(ctx, func(tx store.Tx) error {
		r, err := loadRoomTx(ctx, tx, room.ID)
		if err != nil {
			return err
		}
		if r.TeamID != "" {
			return model.Bare(model.KindConflict, "room-already-on-team")
		}
		subs, _, err := tx.SubscriptionsOfRoom(ctx, r.ID, store.MemberQuery{}, model.Page{})
		if err != nil {
			return err
		}
		ids := make([]string, 0, len(subs))
		for _, sub := range subs {
			if sub.User.ID != actor.ID {
				ids = append(ids, sub.User.ID)
			}
		}
		users, err := tx.UsersByIDs(ctx, ids)
		if err != nil {
			return err
		}
		var members []*model.User
		for _, u := range users {
			if u.Active {
				members = append(members, u)
			}
		}
		team.Name, team.Type = r.Name, teamType(r.Type)
		if err := insertTeamTx(ctx, tx, team, r, actor, members, now); err != nil {
			return err
		}
		r.TeamID, r.TeamMain, r.TeamDefault = team.ID, true, false
		if err := s.systemNotice(ctx, tx, r, "user-converted-to-team", team.Name, actor, now, nil); err != nil {
			return err
		}
		return saveRoom(ctx, tx, r, now)
	})
	if err != nil {
		return nil, internal("convert to team", err)
	}
	return team, nil
}

// updateDiscussionTopicsTx is Rocket.Chat's updateTopicDiscussion hook
// after a room is renamed from oldName to name: its discussions whose topic
// was the old name (all of them when the room had none) take the new name.
func updateDiscussionTopicsTx(ctx context.Context, tx store.Tx, roomID, oldName, name string, now model.Time) error {
	ds, _, err := tx.ListRooms(ctx, store.RoomQuery{ParentRoomID: roomID}, model.Page{NoTotal: true})
	if err != nil {
		return err
	}
	for _, d := range ds {
		if oldName != "" && d.Topic != oldName || d.Topic == name {
			continue
		}
		d.Topic = name
		if err := saveRoom(ctx, tx, d, now); err != nil {
			return err
		}
	}
	return nil
}
