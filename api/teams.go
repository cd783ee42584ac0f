package api

import (
	"encoding/json"
	"strings"

	"liftoff/access/perm"
	"liftoff/chat"
	"liftoff/model"
)

// teamRoutes registers Rocket.Chat's teams.* endpoints.
func (s *Server) teamRoutes(rt *Router) {
	rt.Post("teams.create", s.teamsCreate, Permission(perm.CreateTeam))
	rt.Get("teams.info", s.teamsInfo)
	rt.Get("teams.list", s.teamsList)
	rt.Get("teams.listAll", s.teamsListAll, Permission(perm.ViewAllTeams))
	rt.Get("teams.members", s.teamsMembers)
	rt.Post("teams.addMembers", s.teamsAddMembers)
	rt.Post("teams.updateMember", s.teamsUpdateMember)
	rt.Post("teams.removeMember", s.teamsRemoveMember)
	rt.Post("teams.leave", s.teamsLeave)
	rt.Post("teams.addRooms", s.teamsAddRooms)
	rt.Post("teams.removeRoom", s.teamsRemoveRoom)
	rt.Post("teams.updateRoom", s.teamsUpdateRoom)
	rt.Get("teams.listRooms", s.teamsListRooms)
	rt.Get("teams.listRoomsOfUser", s.teamsListRoomsOfUser)
	rt.Post("teams.delete", s.teamsDelete, Method("eraseRoom"))
	rt.Post("teams.convertToChannel", s.teamsConvertToChannel, Method("eraseRoom"))
	rt.Post("teams.update", s.teamsUpdate)
	rt.Get("teams.autocomplete", s.teamsAutocomplete)
	rt.Get("teams.listChildren", s.teamsListChildren)
	rt.Post("channels.convertToTeam", s.convertToTeam(channelKind, "channelId", "channelName"), Permission(perm.CreateTeam))
	rt.Post("groups.convertToTeam", s.convertToTeam(groupKind, "roomId", "roomName"), Permission(perm.CreateTeam))
}

// teamSortFields are the sort fields teams.list accepts.
var teamSortFields = []string{"name", "createdAt", "_updatedAt"}

// teamRefParam reads teamId or teamName (one is required).
func teamRefParam(r *Request) (chat.TeamRef, error) {
	var ref chat.TeamRef
	var err error
	if ref.ID, err = r.String("teamId"); err != nil {
		return ref, err
	}
	if ref.Name, err = r.String("teamName"); err != nil {
		return ref, err
	}
	if ref.ID == "" && ref.Name == "" {
		return ref, model.Invalid("error-invalid-params", "The 'teamId' or 'teamName' param is required")
	}
	return ref, nil
}

// optionalStrings reads an optional array of strings; anything else is refused.
func optionalStrings(r *Request, name string) ([]string, error) {
	raw := r.Raw(name)
	if raw == nil || string(raw) == "null" {
		if r.Has(name) {
			return r.Strings(name)
		}
		return nil, nil
	}
	var list []string
	if json.Unmarshal(raw, &list) != nil {
		return nil, model.ErrBadParam(name, "an array of strings")
	}
	return list, nil
}

func (s *Server) teamsCreate(r *Request) (any, error) {
	var in chat.TeamInput
	var err error
	if in.Name, err = r.RequireString("name"); err != nil {
		return nil, err
	}
	raw := r.Raw("type")
	if raw == nil {
		return nil, model.ErrMissingParam("type")
	}
	if err := json.Unmarshal(raw, &in.Type); err != nil || (in.Type != model.TeamPublic && in.Type != model.TeamPrivate) {
		return nil, model.ErrBadParam("type", "0 or 1")
	}
	if in.Members, err = optionalStrings(r, "members"); err != nil {
		return nil, err
	}
	if in.Owner, err = r.String("owner"); err != nil {
		return nil, err
	}
	if raw := r.Raw("room"); raw != nil && string(raw) != "null" {
		var room struct {
			ReadOnly *bool `json:"readOnly"`
		}
		if json.Unmarshal(raw, &room) != nil {
			return nil, model.ErrBadParam("room", "an object")
		}
		if room.ReadOnly != nil {
			in.ReadOnly = *room.ReadOnly
		}
	}
	team, err := s.teams.CreateTeam(r.Context(), r.User, in)
	if err != nil {
		return nil, err
	}
	return M{"team": team}, nil
}

func (s *Server) teamsInfo(r *Request) (any, error) {
	ref, err := teamRefParam(r)
	if err != nil {
		return nil, err
	}
	team, err := s.teams.TeamInfo(r.Context(), r.User, ref)
	if err != nil {
		return nil, err
	}
	return M{"teamInfo": team}, nil
}

func (s *Server) teamsList(r *Request) (any, error) {
	p, err := r.Page(nil, teamSortFields...)
	if err != nil {
		return nil, err
	}
	teams, total, err := s.teams.ListTeams(r.Context(), r.User, p)
	if err != nil {
		return nil, err
	}
	return paged("teams", views(teams, teamListOf), len(teams), p, total), nil
}

func (s *Server) teamsListAll(r *Request) (any, error) {
	p, err := r.Page(nil)
	if err != nil {
		return nil, err
	}
	teams, total, err := s.teams.ListAllTeams(r.Context(), r.User, p)
	if err != nil {
		return nil, err
	}
	return paged("teams", views(teams, teamListOf), len(teams), p, total), nil
}

func (s *Server) teamsMembers(r *Request) (any, error) {
	p, err := r.Page(nil)
	if err != nil {
		return nil, err
	}
	ref, err := teamRefParam(r)
	if err != nil {
		return nil, err
	}
	var f chat.TeamMemberFilter
	if f.Username, err = r.String("username"); err != nil {
		return nil, err
	}
	if f.Name, err = r.String("name"); err != nil {
		return nil, err
	}
	if f.Statuses, err = optionalStrings(r, "status"); err != nil {
		return nil, err
	}
	if f.Statuses == nil {
		if f.Statuses, err = r.Strings("status[]"); err != nil {
			return nil, err
		}
	}
	team, err := s.teams.FindTeam(r.Context(), ref)
	if err != nil {
		return nil, err
	}
	members, total, err := s.teams.TeamMembers(r.Context(), r.User, team, f, p)
	if err != nil {
		return nil, err
	}
	if members == nil {
		members = []chat.TeamMemberInfo{}
	}
	return paged("members", views(members, teamMemberOf), len(members), p, total), nil
}

// memberParams decodes ITeamMemberParams: {userId, roles?}.
func memberParams(raw json.RawMessage, name string) (chat.TeamMemberParams, error) {
	var m struct {
		UserID *string         `json:"userId"`
		Roles  json.RawMessage `json:"roles"`
	}
	if json.Unmarshal(raw, &m) != nil || m.UserID == nil {
		return chat.TeamMemberParams{}, model.Invalid("error-invalid-params", "The '%s' param must be {userId, roles?}", name)
	}
	out := chat.TeamMemberParams{UserID: *m.UserID}
	if len(m.Roles) > 0 && string(m.Roles) != "null" {
		if json.Unmarshal(m.Roles, &out.Roles) != nil {
			return out, model.Invalid("error-invalid-params", "The '%s' param's roles must be an array of strings", name)
		}
		if out.Roles == nil {
			out.Roles = []string{}
		}
	}
	return out, nil
}

func (s *Server) teamsAddMembers(r *Request) (any, error) {
	ref, err := teamRefParam(r)
	if err != nil {
		return nil, err
	}
	raw := r.Raw("members")
	var list []json.RawMessage
	if raw == nil || json.Unmarshal(raw, &list) != nil || list == nil {
		return nil, model.ErrBadParam("members", "an array of {userId, roles?}")
	}
	members := make([]chat.TeamMemberParams, len(list))
	for i, m := range list {
		if members[i], err = memberParams(m, "members"); err != nil {
			return nil, err
		}
	}
	team, err := s.teams.FindTeam(r.Context(), ref)
	if err != nil {
		return nil, err
	}
	return nil, s.teams.AddTeamMembers(r.Context(), r.User, team, members)
}

func (s *Server) teamsUpdateMember(r *Request) (any, error) {
	ref, err := teamRefParam(r)
	if err != nil {
		return nil, err
	}
	raw := r.Raw("member")
	if raw == nil {
		return nil, model.ErrMissingParam("member")
	}
	m, err := memberParams(raw, "member")
	if err != nil {
		return nil, err
	}
	team, err := s.teams.FindTeam(r.Context(), ref)
	if err != nil {
		return nil, err
	}
	return nil, s.teams.UpdateTeamMember(r.Context(), r.User, team, m)
}

func (s *Server) teamsRemoveMember(r *Request) (any, error) {
	ref, err := teamRefParam(r)
	if err != nil {
		return nil, err
	}
	userID, err := r.RequireString("userId")
	if err != nil {
		return nil, err
	}
	rooms, err := optionalStrings(r, "rooms")
	if err != nil {
		return nil, err
	}
	team, err := s.teams.FindTeam(r.Context(), ref)
	if err != nil {
		return nil, err
	}
	return nil, s.teams.RemoveTeamMember(r.Context(), r.User, team, userID, rooms)
}

func (s *Server) teamsLeave(r *Request) (any, error) {
	team, rooms, err := s.teamAndRooms(r, "rooms")
	if err != nil {
		return nil, err
	}
	return nil, s.teams.LeaveTeam(r.Context(), r.User, team, rooms)
}

func (s *Server) teamsAddRooms(r *Request) (any, error) {
	ref, err := teamRefParam(r)
	if err != nil {
		return nil, err
	}
	raw := r.Raw("rooms")
	var rooms []string
	if raw == nil || json.Unmarshal(raw, &rooms) != nil || rooms == nil {
		return nil, model.ErrBadParam("rooms", "an array of strings")
	}
	team, err := s.teams.FindTeam(r.Context(), ref)
	if err != nil {
		return nil, err
	}
	out, err := s.teams.AddTeamRooms(r.Context(), r.User, team, rooms)
	if err != nil {
		return nil, err
	}
	if out == nil {
		out = []*model.Room{}
	}
	return M{"rooms": out}, nil
}

func (s *Server) teamsRemoveRoom(r *Request) (any, error) {
	ref, err := teamRefParam(r)
	if err != nil {
		return nil, err
	}
	roomID, err := r.RequireString("roomId")
	if err != nil {
		return nil, err
	}
	team, err := s.teams.FindTeam(r.Context(), ref)
	if err != nil {
		return nil, err
	}
	room, err := s.teams.RemoveTeamRoom(r.Context(), r.User, team, roomID)
	if err != nil {
		return nil, err
	}
	return M{"room": room}, nil
}

func (s *Server) teamsUpdateRoom(r *Request) (any, error) {
	roomID, err := r.RequireString("roomId")
	if err != nil {
		return nil, err
	}
	var isDefault bool
	if raw := r.Raw("isDefault"); raw == nil || json.Unmarshal(raw, &isDefault) != nil {
		return nil, model.ErrBadParam("isDefault", "a boolean")
	}
	room, err := s.teams.UpdateTeamRoom(r.Context(), r.User, roomID, isDefault)
	if err != nil {
		return nil, err
	}
	return M{"room": room}, nil
}

func (s *Server) teamsListRooms(r *Request) (any, error) {
	ref, err := teamRefParam(r)
	if err != nil {
		return nil, err
	}
	var f chat.TeamRoomsFilter
	if f.Name, err = r.String("filter"); err != nil {
		return nil, err
	}
	typ, err := r.String("type")
	if err != nil {
		return nil, err
	}
	f.DefaultOnly = typ == "autoJoin"
	p, err := r.Page([]model.SortKey{{Field: "name"}}, "name", "fname", "ts", "_updatedAt", "usersCount", "msgs", "lm")
	if err != nil {
		return nil, err
	}
	team, err := s.teams.FindTeam(r.Context(), ref)
	if err != nil {
		return nil, err
	}
	rooms, total, err := s.teams.TeamRooms(r.Context(), r.User, team, f, p)
	if err != nil {
		return nil, err
	}
	if rooms == nil {
		rooms = []*model.Room{}
	}
	return paged("rooms", rooms, len(rooms), p, total), nil
}

func (s *Server) teamsListRoomsOfUser(r *Request) (any, error) {
	ref, err := teamRefParam(r)
	if err != nil {
		return nil, err
	}
	userID, err := r.RequireString("userId")
	if err != nil {
		return nil, err
	}
	canDelete, err := r.String("canUserDelete")
	if err != nil {
		return nil, err
	}
	p, err := r.Page([]model.SortKey{{Field: "name"}})
	if err != nil {
		return nil, err
	}
	team, err := s.teams.FindTeam(r.Context(), ref)
	if err != nil {
		return nil, err
	}
	rooms, total, err := s.teams.TeamRoomsOfUser(r.Context(), r.User, team, userID, strings.EqualFold(canDelete, "true"), p)
	if err != nil {
		return nil, err
	}
	if rooms == nil {
		rooms = []chat.TeamRoomOfUser{}
	}
	// Rocket.Chat answers offset 0 whatever the request.
	return M{"rooms": views(rooms, teamRoomOfUserOf), "total": total, "count": len(rooms), "offset": 0}, nil
}

func (s *Server) teamsDelete(r *Request) (any, error) {
	team, rooms, err := s.teamAndRooms(r, "roomsToRemove")
	if err != nil {
		return nil, err
	}
	return nil, s.teams.DeleteTeam(r.Context(), r.User, team, rooms)
}

func (s *Server) teamsConvertToChannel(r *Request) (any, error) {
	team, rooms, err := s.teamAndRooms(r, "roomsToRemove")
	if err != nil {
		return nil, err
	}
	return nil, s.teams.ConvertTeamToChannel(r.Context(), r.User, team, rooms)
}

func (s *Server) teamsUpdate(r *Request) (any, error) {
	ref, err := teamRefParam(r)
	if err != nil {
		return nil, err
	}
	var data struct {
		Name *string         `json:"name"`
		Type json.RawMessage `json:"type"`
	}
	raw := r.Raw("data")
	if raw == nil || json.Unmarshal(raw, &data) != nil {
		return nil, model.ErrBadParam("data", "an object {name?, type?}")
	}
	var in chat.TeamUpdate
	in.Name = data.Name
	if len(data.Type) > 0 && string(data.Type) != "null" {
		var t int
		if json.Unmarshal(data.Type, &t) != nil || (t != model.TeamPublic && t != model.TeamPrivate) {
			return nil, model.ErrBadParam("data.type", "0 or 1")
		}
		in.Type = &t
	}
	if in.Name == nil && in.Type == nil {
		return nil, model.Invalid("error-invalid-params", "The 'data' param needs a 'name' or a 'type'")
	}
	team, err := s.teams.FindTeam(r.Context(), ref)
	if err != nil {
		return nil, err
	}
	return nil, s.teams.UpdateTeam(r.Context(), r.User, team, in)
}

func (s *Server) teamsAutocomplete(r *Request) (any, error) {
	if !r.Has("name") {
		return nil, model.ErrMissingParam("name")
	}
	name, err := r.String("name")
	if err != nil {
		return nil, err
	}
	teams, err := s.teams.AutocompleteTeams(r.Context(), r.User, name)
	if err != nil {
		return nil, err
	}
	return M{"teams": views(teams, teamAutocompleteOf)}, nil
}

// teamsListChildren lists a team's rooms and its main room's discussions.
// The team is named by exactly one of teamId, teamName or roomId (its main
// room's id); an unknown team answers 404, as Rocket.Chat's notFound().
func (s *Server) teamsListChildren(r *Request) (any, error) {
	var ids [3]string
	given := 0
	for i, name := range []string{"teamId", "teamName", "roomId"} {
		v, err := r.String(name)
		if err != nil {
			return nil, err
		}
		if r.Has(name) {
			given++
		}
		ids[i] = v
	}
	if given != 1 {
		return nil, model.Invalid("error-invalid-params", "Exactly one of 'teamId', 'teamName' or 'roomId' is required")
	}
	filter, err := r.String("filter")
	if err != nil {
		return nil, err
	}
	kind, err := r.String("type")
	if err != nil {
		return nil, err
	}
	if r.Has("type") && kind != "channels" && kind != "discussions" {
		return nil, model.ErrBadParam("type", "'channels' or 'discussions'")
	}
	p, err := r.Page([]model.SortKey{{Field: "ts"}}, "name", "fname", "ts", "_updatedAt", "usersCount", "msgs", "lm")
	if err != nil {
		return nil, err
	}
	var team *model.Team
	switch {
	case ids[2] != "":
		team, err = s.teams.TeamOfRoom(r.Context(), ids[2])
	case ids[0] != "" || ids[1] != "":
		team, err = s.teams.FindTeam(r.Context(), chat.TeamRef{ID: ids[0], Name: ids[1]})
	default:
		return notFound(), nil
	}
	if err != nil {
		if kind, ok := model.KindOf(err); ok && kind == model.KindNotFound {
			return notFound(), nil
		}
		return nil, err
	}
	rooms, total, err := s.teams.TeamChildren(r.Context(), r.User, team, filter, kind, p)
	if err != nil {
		return nil, err
	}
	if rooms == nil {
		rooms = []*model.Room{}
	}
	return paged("data", rooms, len(rooms), p, total), nil
}

// convertToTeam makes a channel (channelId/channelName) or a private group
// (roomId/roomName) the main room of a new team.
func (s *Server) convertToTeam(k roomKind, idParam, nameParam string) Handler {
	return func(r *Request) (any, error) {
		var ref chat.RoomRef
		var err error
		if ref.ID, err = r.String(idParam); err != nil {
			return nil, err
		}
		if ref.Name, err = r.String(nameParam); err != nil {
			return nil, err
		}
		if ref.ID == "" && ref.Name == "" {
			return nil, failure("The parameter \"%s\" or \"%s\" is required", idParam, nameParam)
		}
		room, err := s.rooms.FindRoom(r.Context(), r.User, ref, k.t)
		if err != nil {
			return nil, err
		}
		team, err := s.teams.ConvertRoomToTeam(r.Context(), r.User, room)
		if err != nil {
			return nil, err
		}
		return M{"team": team}, nil
	}
}

// teamAndRooms reads the team a call names (teamId or teamName) and its
// optional list of room ids in roomsParam, in Rocket.Chat's order:
// parameters first, then the lookup.
func (s *Server) teamAndRooms(r *Request, roomsParam string) (*model.Team, []string, error) {
	ref, err := teamRefParam(r)
	if err != nil {
		return nil, nil, err
	}
	rooms, err := optionalStrings(r, roomsParam)
	if err != nil {
		return nil, nil, err
	}
	team, err := s.teams.FindTeam(r.Context(), ref)
	if err != nil {
		return nil, nil, err
	}
	return team, rooms, nil
}
