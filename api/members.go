package api

import (
	"encoding/json"
	"strings"

	"liftoff/chat"
	"liftoff/model"
)

// membershipRoutes registers the room membership endpoints of channels.*
// and groups.*: lists, members, counters, invite/kick/join/leave,
// open/close, room roles, online members and delete.
func (s *Server) membershipRoutes(rt *Router) {
	rt.Get("channels.list", s.listChannels)
	rt.Get("channels.listAll", s.listAllRooms(model.RoomChannel, "channels"))
	rt.Get("channels.list.joined", s.listJoined(model.RoomChannel, "channels"))
	rt.Get("groups.list", s.listJoined(model.RoomPrivate, "groups"))
	rt.Get("groups.listAll", s.listAllRooms(model.RoomPrivate, "groups"))

	for _, k := range []struct{ t, prefix, key string }{
		{model.RoomChannel, "channels", "channel"},
		{model.RoomPrivate, "groups", "group"},
	} {
		rt.Get(k.prefix+".members", s.roomMembers(k.t))
		rt.Get(k.prefix+".counters", s.roomCounters(k.t))
		rt.Get(k.prefix+".roles", s.roomRoles(k.t))
		rt.Get(k.prefix+".online", s.onlineMembers(k.t))
		rt.Post(k.prefix+".invite", s.invite(k.t, k.key), Method("addUsersToRoom"))
		rt.Post(k.prefix+".addAll", s.addAll(k.t, k.key), Method("addAllToRoom"), Status(model.KindForbidden, 400))
		rt.Post(k.prefix+".open", s.setOpen(k.t, true))
		rt.Post(k.prefix+".close", s.setOpen(k.t, false))
		rt.Post(k.prefix+".delete", s.deleteRoom(k.t), Method("eraseRoom"))
		for _, role := range []struct{ name, role string }{
			{"Owner", chat.RoleOwner}, {"Moderator", chat.RoleModerator}, {"Leader", chat.RoleLeader},
		} {
			rt.Post(k.prefix+".add"+role.name, s.setRoomRole(k.t, role.role, true), Method("addRoom"+role.name))
			rt.Post(k.prefix+".remove"+role.name, s.setRoomRole(k.t, role.role, false), Method("removeRoom"+role.name))
		}
	}
	// channels.kick and channels.leave answer with the channel; the groups
	// forms answer with nothing but success.
	rt.Post("channels.kick", s.kick(model.RoomChannel, "channel"), Method("removeUserFromRoom"))
	rt.Post("groups.kick", s.kick(model.RoomPrivate, ""), Method("removeUserFromRoom"))
	rt.Post("channels.leave", s.leave(model.RoomChannel, "channel"), Method("leaveRoom"))
	rt.Post("groups.leave", s.leave(model.RoomPrivate, ""), Method("leaveRoom"))
	rt.Post("channels.join", s.join, Method("joinRoom"))
}

// roomSorts are the fields room lists sort by.
var roomSorts = []string{"name", "ts", "_updatedAt", "usersCount", "msgs", "lm"}

var byName = []model.SortKey{{Field: "name"}}

// roomListInput reads the filters room lists accept: _id, and a name
// pattern from the legacy JSON query parameter ({"name": "x"} or
// {"name": {"$regex": "x"}}). fields is accepted and ignored: rooms are
// always returned whole.
func roomListInput(r *Request) (chat.ListRoomsInput, error) {
	var in chat.ListRoomsInput
	id, err := r.String("_id")
	if err != nil {
		return in, err
	}
	in.ID = id
	if _, err := r.String("fields"); err != nil {
		return in, err
	}
	q, err := r.String("query")
	if err != nil || q == "" {
		return in, err
	}
	var query map[string]json.RawMessage
	if err := json.Unmarshal([]byte(q), &query); err != nil {
		return in, model.ErrBadParam("query", "a JSON object")
	}
	if raw, ok := query["name"]; ok {
		var name string
		if json.Unmarshal(raw, &name) != nil {
			var re struct {
				Regex string `json:"$regex"`
			}
			if json.Unmarshal(raw, &re) != nil {
				return in, model.ErrBadParam("query", "a JSON object")
			}
			name = re.Regex
		}
		in.Text = strings.Trim(name, "^$")
	}
	return in, nil
}

func (s *Server) listChannels(r *Request) (any, error) {
	p, err := r.Page(byName, roomSorts...)
	if err != nil {
		return nil, err
	}
	in, err := roomListInput(r)
	if err != nil {
		return nil, err
	}
	rooms, total, err := s.rooms.ListChannels(r.Context(), r.User, in, p)
	if err != nil {
		return nil, err
	}
	return paged("channels", rooms, len(rooms), p, total), nil
}

func (s *Server) listAllRooms(t, key string) Handler {
	return func(r *Request) (any, error) {
		p, err := r.Page(byName, roomSorts...)
		if err != nil {
			return nil, err
		}
		in, err := roomListInput(r)
		if err != nil {
			return nil, err
		}
		rooms, total, err := s.rooms.ListAllRooms(r.Context(), r.User, t, in, p)
		if err != nil {
			return nil, err
		}
		return paged(key, rooms, len(rooms), p, total), nil
	}
}

func (s *Server) listJoined(t, key string) Handler {
	return func(r *Request) (any, error) {
		p, err := r.Page(byName, roomSorts...)
		if err != nil {
			return nil, err
		}
		if _, err := roomListInput(r); err != nil {
			return nil, err
		}
		rooms, total, err := s.rooms.ListJoinedRooms(r.Context(), r.User, t, p)
		if err != nil {
			return nil, err
		}
		return paged(key, rooms, len(rooms), p, total), nil
	}
}

// memberView is a room member as channels.members shows one.
type memberView struct {
	ID         string     `json:"_id"`
	Username   string     `json:"username"`
	Name       string     `json:"name"`
	Nickname   string     `json:"nickname,omitempty"`
	Status     string     `json:"status"`
	StatusText string     `json:"statusText,omitempty"`
	UTCOffset  float64    `json:"utcOffset"`
	AvatarETag string     `json:"avatarETag,omitempty"`
	UpdatedAt  model.Time `json:"_updatedAt"`
}

func (s *Server) roomMembers(t string) Handler {
	return func(r *Request) (any, error) {
		ref, err := roomRef(r)
		if err != nil {
			return nil, err
		}
		p, err := r.Page([]model.SortKey{{Field: "username"}}, "username")
		if err != nil {
			return nil, err
		}
		filter, err := r.String("filter")
		if err != nil {
			return nil, err
		}
		status, err := statusParam(r)
		if err != nil {
			return nil, err
		}
		users, total, err := s.members.Members(r.Context(), r.User, ref, t, chat.MembersInput{Filter: filter, Status: status}, p)
		if err != nil {
			return nil, err
		}
		members := make([]memberView, len(users))
		for i, u := range users {
			status := u.Status
			if status == "" {
				status = model.StatusOffline
			}
			members[i] = memberView{ID: u.ID, Username: u.Username, Name: u.Name, Nickname: u.Nickname, Status: status,
				StatusText: u.StatusText, UTCOffset: u.UTCOffset, AvatarETag: u.AvatarETag, UpdatedAt: u.UpdatedAt}
		}
		return paged("members", members, len(members), p, total), nil
	}
}

func (s *Server) roomCounters(t string) Handler {
	return func(r *Request) (any, error) {
		ref, err := roomRef(r)
		if err != nil {
			return nil, err
		}
		userID, err := r.String("userId")
		if err != nil {
			return nil, err
		}
		c, err := s.members.RoomCounters(r.Context(), r.User, ref, t, userID)
		if err != nil {
			return nil, err
		}
		return countersAnswer(c), nil
	}
}

func (s *Server) roomRoles(t string) Handler {
	return func(r *Request) (any, error) {
		ref, err := roomRef(r)
		if err != nil {
			return nil, err
		}
		roles, err := s.members.RoomRoles(r.Context(), r.User, ref, t)
		if err != nil {
			return nil, err
		}
		return M{"roles": views(roles, roomRoleOf)}, nil
	}
}

// onlineMembers reads the room from _id, or from the legacy JSON query
// ({"_id": "..."} or {"name": "..."}).
func (s *Server) onlineMembers(t string) Handler {
	return func(r *Request) (any, error) {
		id, err := r.String("_id")
		if err != nil {
			return nil, err
		}
		var ref chat.RoomRef
		if q, err := r.String("query"); err != nil {
			return nil, err
		} else if q != "" {
			var query struct {
				ID   string `json:"_id"`
				Name string `json:"name"`
			}
			if err := json.Unmarshal([]byte(q), &query); err != nil {
				return nil, model.ErrBadParam("query", "a JSON object")
			}
			ref = chat.RoomRef{ID: query.ID, Name: query.Name}
		}
		if id != "" {
			ref.ID = id
		}
		if ref.ID == "" && ref.Name == "" {
			return nil, model.Invalid("error-invalid-params", "Invalid query")
		}
		online, err := s.members.OnlineMembers(r.Context(), r.User, t, ref)
		if err != nil {
			return nil, err
		}
		return M{"online": online}, nil
	}
}

// requireRoomRef reads roomId / roomName and refuses a call naming neither
// before its other parameters are looked at.
func requireRoomRef(r *Request) (chat.RoomRef, error) {
	ref, err := roomRef(r)
	if err == nil && ref.ID == "" && ref.Name == "" {
		err = model.Invalid("error-room-param-not-provided", "The parameter \"roomId\" or \"roomName\" is required")
	}
	return ref, err
}

// targetUser reads the user a call acts on: userId, username or user.
func (s *Server) targetUser(r *Request) (*model.User, error) {
	id, err := r.String("userId")
	if err != nil {
		return nil, err
	}
	username, err := r.String("username")
	if err != nil {
		return nil, err
	}
	if username == "" {
		if username, err = r.String("user"); err != nil {
			return nil, err
		}
	}
	return s.accounts.UserFromParams(r.Context(), id, username)
}

// targetUsers reads the users an invite names: userIds and usernames
// lists, or else one user as targetUser reads it.
func (s *Server) targetUsers(r *Request) ([]*model.User, error) {
	ids, err := r.Strings("userIds")
	if err != nil {
		return nil, err
	}
	names, err := r.Strings("usernames")
	if err != nil {
		return nil, err
	}
	if r.Has("userIds") || r.Has("usernames") {
		return s.accounts.UsersFromParams(r.Context(), ids, names)
	}
	u, err := s.targetUser(r)
	if err != nil {
		return nil, err
	}
	return []*model.User{u}, nil
}

func (s *Server) invite(t, key string) Handler {
	return func(r *Request) (any, error) {
		ref, err := requireRoomRef(r)
		if err != nil {
			return nil, err
		}
		users, err := s.targetUsers(r)
		if err != nil {
			return nil, err
		}
		room, err := s.members.Invite(r.Context(), r.User, ref, t, users)
		if err != nil {
			return nil, err
		}
		return M{key: room}, nil
	}
}

// addAll is channels.addAll / groups.addAll: every user, or with
// activeUsersOnly ("true", true or 1) every active one, joins the room.
func (s *Server) addAll(t, key string) Handler {
	return func(r *Request) (any, error) {
		ref, err := requireRoomRef(r)
		if err != nil {
			return nil, err
		}
		var active any
		if _, err := r.Param("activeUsersOnly", &active); err != nil {
			return nil, err
		}
		activeOnly := active == true || active == "true" || active == float64(1)
		room, err := s.members.AddAll(r.Context(), r.User, ref, t, activeOnly)
		if err != nil {
			return nil, err
		}
		return M{key: room}, nil
	}
}

func (s *Server) kick(t, key string) Handler {
	return func(r *Request) (any, error) {
		ref, err := requireRoomRef(r)
		if err != nil {
			return nil, err
		}
		target, err := s.targetUser(r)
		if err != nil {
			return nil, err
		}
		room, err := s.members.Kick(r.Context(), r.User, ref, t, target)
		if err != nil {
			return nil, err
		}
		if key == "" {
			return nil, nil
		}
		return M{key: room}, nil
	}
}

func (s *Server) leave(t, key string) Handler {
	return func(r *Request) (any, error) {
		ref, err := roomRef(r)
		if err != nil {
			return nil, err
		}
		room, err := s.members.Leave(r.Context(), r.User, ref, t)
		if err != nil {
			return nil, err
		}
		if key == "" {
			return nil, nil
		}
		return M{key: room}, nil
	}
}

func (s *Server) join(r *Request) (any, error) {
	ref, err := roomRef(r)
	if err != nil {
		return nil, err
	}
	code, err := r.String("joinCode")
	if err != nil {
		return nil, err
	}
	room, err := s.members.Join(r.Context(), r.User, ref, code)
	if err != nil {
		return nil, err
	}
	return M{"channel": room}, nil
}

func (s *Server) setOpen(t string, open bool) Handler {
	return func(r *Request) (any, error) {
		ref, err := roomRef(r)
		if err != nil {
			return nil, err
		}
		return nil, s.members.SetRoomOpen(r.Context(), r.User, ref, t, open)
	}
}

func (s *Server) setRoomRole(t, role string, add bool) Handler {
	return func(r *Request) (any, error) {
		ref, err := requireRoomRef(r)
		if err != nil {
			return nil, err
		}
		target, err := s.targetUser(r)
		if err != nil {
			return nil, err
		}
		return nil, s.members.SetRoomRole(r.Context(), r.User, ref, t, role, target, add)
	}
}

func (s *Server) deleteRoom(t string) Handler {
	return func(r *Request) (any, error) {
		ref, err := roomRef(r)
		if err != nil {
			return nil, err
		}
		return nil, s.rooms.DeleteRoom(r.Context(), r.User, ref, t)
	}
}

// statusParam reads the status filter of the member lists, given as
// status or as status[] (both forms clients send).
func statusParam(r *Request) ([]string, error) {
	status, err := r.Strings("status")
	if err != nil {
		return nil, err
	}
	more, err := r.Strings("status[]")
	if err != nil {
		return nil, err
	}
	return append(status, more...), nil
}

// countersAnswer is the answer of channels/groups/im.counters.
func countersAnswer(c *chat.Counters) M {
	return M{"joined": c.Joined, "members": c.Members, "unreads": c.Unreads, "unreadsFrom": c.UnreadsFrom,
		"msgs": c.Msgs, "latest": c.Latest, "userMentions": c.UserMentions}
}
