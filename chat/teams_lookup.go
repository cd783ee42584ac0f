package chat

import (
	"context"
	"errors"
	"sort"
	"strings"

	"liftoff/model"
	"liftoff/store"
)

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
