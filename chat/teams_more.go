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

// TeamAutocompleteItem is one answer of teams.autocomplete: part of a
// team's main room.
type TeamAutocompleteItem struct {
	ID          string
	DisplayName string
	TeamID      string
	Name        string
	Type        string
	AvatarETag  string
}

// AutocompleteTeams finds up to 10 teams whose main room's name or fname
// starts with name (case-insensitive), among public teams and those whose
// main room the user is in (teams.autocomplete), sorted by name.
func (s *Teams) AutocompleteTeams(ctx context.Context, user *model.User, name string) ([]TeamAutocompleteItem, error) {
	prefix := strings.ToLower(strings.TrimSpace(name))
	yes := true
	q := store.RoomQuery{TeamMain: &yes, Text: prefix, MemberID: user.ID, AlsoTypes: []string{model.RoomChannel}}
	rooms, _, err := s.store.ListRooms(ctx, q, model.Page{NoTotal: true})
	if err != nil {
		return nil, internal("autocomplete teams", err)
	}
	out := []TeamAutocompleteItem{}
	for _, r := range rooms {
		if !strings.HasPrefix(strings.ToLower(r.Name), prefix) && !strings.HasPrefix(strings.ToLower(r.DisplayName), prefix) {
			continue
		}
		out = append(out, TeamAutocompleteItem{ID: r.ID, DisplayName: r.DisplayName, TeamID: r.TeamID, Name: r.Name, Type: r.Type, AvatarETag: r.AvatarETag})
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].DisplayName < out[j].DisplayName
	})
	if len(out) > 10 {
		out = out[:10]
	}
	return out, nil
}

// TeamChildren pages a team's rooms (its main room included) and the
// discussions of its main room (teams.listChildren), as Rocket.Chat's
// listChildren: the caller must be a team member
// (error-invalid-team-not-a-member); they see the public rooms and those
// they are in. kind is "channels", "discussions" or "" for both; filter is
// a case-insensitive substring of the name or fname.
func (s *Teams) TeamChildren(ctx context.Context, user *model.User, team *model.Team, filter, kind string, p model.Page) ([]*model.Room, int, error) {
	if _, err := s.store.RoomByID(ctx, team.RoomID); errors.Is(err, store.ErrNotFound) {
		return nil, 0, model.Bare(model.KindInvalid, "error-invalid-team-no-main-room")
	} else if err != nil {
		return nil, 0, internal("team children", err)
	}
	if _, err := s.store.TeamMember(ctx, team.ID, user.ID); errors.Is(err, store.ErrNotFound) {
		return nil, 0, model.Bare(model.KindInvalid, "error-invalid-team-not-a-member")
	} else if err != nil {
		return nil, 0, internal("team children", err)
	}
	q := store.RoomQuery{Text: strings.TrimSpace(filter), MemberID: user.ID, AlsoTypes: []string{model.RoomChannel}}
	switch kind {
	case "channels":
		q.TeamID = team.ID
	case "discussions":
		q.ParentRoomID = team.RoomID
	default:
		q.TeamID, q.ParentRoomID, q.TeamOrParent = team.ID, team.RoomID, true
	}
	rooms, total, err := s.store.ListRooms(ctx, q, p)
	if err != nil {
		return nil, 0, internal("team children", err)
	}
	return rooms, total, nil
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

// TeamOfRoom returns the team of a room (Rocket.Chat's getOneByRoomId):
// an unknown room is invalid-room, a room on no team room-not-on-team.
func (s *Teams) TeamOfRoom(ctx context.Context, roomID string) (*model.Team, error) {
	room, err := s.store.RoomByID(ctx, roomID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, model.Bare(model.KindInvalid, "invalid-room")
	}
	if err != nil {
		return nil, internal("team of room", err)
	}
	if room.TeamID == "" {
		return nil, model.Bare(model.KindInvalid, "room-not-on-team")
	}
	return s.findTeam(ctx, TeamRef{ID: room.TeamID})
}
