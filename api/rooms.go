package api

import (
	"encoding/json"
	"fmt"
	"strings"

	"liftoff/chat"
	"liftoff/model"
)

// roomKind describes the endpoints of one room type: channels.* or groups.*.
type roomKind struct {
	t      string // room type
	prefix string // endpoint prefix
	key    string // the response key of a room
	noun   string // how Rocket.Chat's messages name the room type
}

var (
	channelKind = roomKind{t: model.RoomChannel, prefix: "channels", key: "channel", noun: "channel"}
	groupKind   = roomKind{t: model.RoomPrivate, prefix: "groups", key: "group", noun: "private group"}
)

// roomRoutes registers room settings and history (channels.*, groups.*),
// direct messages (im.* and their dm.* aliases), rooms.* and subscriptions.*.
func (s *Server) roomRoutes(rt *Router) {
	for _, k := range []roomKind{channelKind, groupKind} {
		rt.Post(k.prefix+".rename", s.renameRoom(k), saveRoomSettings)
		rt.Post(k.prefix+".setTopic", s.setRoomText(k, "topic", "topic", k.t == model.RoomChannel), saveRoomSettings)
		rt.Post(k.prefix+".setDescription", s.setRoomText(k, "description", "description", k.t == model.RoomChannel), saveRoomSettings)
		rt.Post(k.prefix+".setPurpose", s.setRoomText(k, "purpose", "purpose (description)", k.t == model.RoomChannel), saveRoomSettings)
		rt.Post(k.prefix+".setAnnouncement", s.setRoomText(k, "announcement", "announcement", false), saveRoomSettings)
		rt.Post(k.prefix+".setReadOnly", s.setReadOnly(k), saveRoomSettings)
		rt.Post(k.prefix+".setType", s.setRoomType(k), saveRoomSettings)
		rt.Post(k.prefix+".setCustomFields", s.setCustomFields(k), saveRoomSettings)
		rt.Post(k.prefix+".archive", s.archiveRoom(k), Method("archiveRoom"))
		rt.Post(k.prefix+".unarchive", s.unarchiveRoom(k), Method("unarchiveRoom"))
		rt.Get(k.prefix+".history", s.roomHistory(k))
		rt.Get(k.prefix+".messages", s.roomMessages(k))
	}
	rt.Post("channels.setDefault", s.setDefault, saveRoomSettings)
	rt.Post("rooms.saveRoomSettings", s.saveRoomSettingsREST, saveRoomSettings)
	rt.Post("channels.setJoinCode", s.setJoinCode, saveRoomSettings)
	for _, p := range []string{"im", "dm"} {
		rt.Post(p+".create", s.createDirect)
		rt.Post(p+".open", s.openDirect)
		rt.Post(p+".close", s.closeDirect, Method("dm.close"))
		rt.Get(p+".list", s.listDirect)
		rt.Get(p+".history", s.directHistory)
		rt.Get(p+".messages", s.directMessages)
		rt.Get(p+".members", s.directMembers)
		rt.Get(p+".counters", s.directCounters)
		rt.Post(p+".delete", s.deleteDirect)
		rt.Post(p+".setTopic", s.setDirectTopic, saveRoomSettings)
	}
	rt.Get("rooms.get", s.syncRooms)
	rt.Get("rooms.info", s.roomsInfo)
	rt.Post("rooms.delete", s.roomsDelete, Method("eraseRoom"))
	rt.Post("rooms.favorite", s.favoriteRoom, Method("toggleFavorite"))
	rt.Post("rooms.leave", s.leaveAnyRoom, Method("leaveRoom"), refusedIn400)
	rt.Post("rooms.cleanHistory", s.cleanHistory, Method("cleanRoomHistory"))
	rt.Get("subscriptions.get", s.syncSubscriptions)
	rt.Get("subscriptions.getOne", s.getSubscription)
	rt.Post("subscriptions.read", s.readSubscription)
	rt.Post("subscriptions.unread", s.unreadSubscription, Method("unreadMessages"), refusedIn400)
}

// saveRoomSettings declares the routes that run Rocket.Chat's
// saveRoomSettings method.
var saveRoomSettings = Method("saveRoomSettings")

// failure is Rocket.Chat's API.v1.failure(text) for a call refused before
// it reaches a method: the text alone, without an errorType (a bare error).
func failure(format string, args ...any) error {
	return model.Bare(model.KindInvalid, fmt.Sprintf(format, args...))
}

// invalidParams is Rocket.Chat's refusal of a body or query its schema
// (validateParams, Ajv) rejects: errorType invalid-params, the schema's
// messages joined as Rocket.Chat joins them.
func invalidParams(msgs ...string) error {
	return model.Invalid("invalid-params", "%s", strings.Join(msgs, "\n "))
}

// errArchivedRoom is Rocket.Chat's refusal to change an archived room.
func errArchivedRoom(k roomKind, room *model.Room) error {
	return model.Invalid("error-room-archived", "The %s, %s, is archived", k.noun, displayName(room))
}

// displayName is the name Rocket.Chat's messages use for a room
// (discussions keep theirs in fname).
func displayName(room *model.Room) string {
	if room.ParentRoomID != "" && room.DisplayName != "" {
		return room.DisplayName
	}
	return room.Name
}

// kindRoom finds the channel or group a call names (roomId or roomName),
// hiding rooms the caller may not see; with checkArchived, an archived
// room is refused.
func (s *Server) kindRoom(r *Request, k roomKind, checkArchived bool) (*model.Room, error) {
	ref, err := requireRoomRef(r)
	if err != nil {
		return nil, err
	}
	room, err := s.rooms.FindRoom(r.Context(), r.User, ref, k.t)
	if err != nil {
		return nil, err
	}
	if checkArchived && room.Archived {
		return nil, errArchivedRoom(k, room)
	}
	return room, nil
}

// ---- room settings ----

func (s *Server) renameRoom(k roomKind) Handler {
	return func(r *Request) (any, error) {
		name, err := r.String("name")
		if err != nil {
			return nil, err
		}
		if strings.TrimSpace(name) == "" {
			return nil, failure("The bodyParam \"name\" is required")
		}
		room, err := s.kindRoom(r, k, true)
		if err != nil {
			return nil, err
		}
		if k.t == model.RoomChannel && room.Name == name {
			return nil, failure("The channel name is the same as what it would be renamed to.")
		}
		saved, err := s.rooms.SaveRoomSettings(r.Context(), r.User, room.ID, chat.RoomSettingsInput{Name: &name})
		if err != nil {
			return nil, err
		}
		return M{k.key: saved}, nil
	}
}

// setRoomText serves setTopic, setDescription, setPurpose and
// setAnnouncement: param is the body parameter (answered back as the
// value set); sameCheck refuses a value equal to the current one, as
// Rocket.Chat's channels endpoints do.
func (s *Server) setRoomText(k roomKind, param, what string, sameCheck bool) Handler {
	return func(r *Request) (any, error) {
		if !r.Has(param) {
			return nil, failure("The bodyParam \"%s\" is required", param)
		}
		value, err := r.String(param)
		if err != nil {
			return nil, err
		}
		room, err := s.kindRoom(r, k, true)
		if err != nil {
			return nil, err
		}
		var in chat.RoomSettingsInput
		var current string
		switch param {
		case "topic":
			in.Topic, current = &value, room.Topic
		case "announcement":
			in.Announcement, current = &value, room.Announcement
		default: // description, purpose
			in.Description, current = &value, room.Description
		}
		if sameCheck && current == value {
			return nil, failure("The %s %s is the same as what it would be changed to.", k.noun, what)
		}
		if _, err := s.rooms.SaveRoomSettings(r.Context(), r.User, room.ID, in); err != nil {
			return nil, err
		}
		return M{param: value}, nil
	}
}

func (s *Server) setReadOnly(k roomKind) Handler {
	return func(r *Request) (any, error) {
		if !r.Has("readOnly") {
			return nil, failure("The bodyParam \"readOnly\" is required")
		}
		ro, err := r.Bool("readOnly", false)
		if err != nil {
			return nil, err
		}
		room, err := s.kindRoom(r, k, true)
		if err != nil {
			return nil, err
		}
		if room.ReadOnly == ro {
			return nil, failure("The %s read only setting is the same as what it would be changed to.", k.noun)
		}
		saved, err := s.rooms.SaveRoomSettings(r.Context(), r.User, room.ID, chat.RoomSettingsInput{ReadOnly: &ro})
		if err != nil {
			return nil, err
		}
		return M{k.key: saved}, nil
	}
}

// setDefault is channels.setDefault: default is a boolean or a string
// ("true" and "1" mean true, any other string false). Like Rocket.Chat, a
// boolean equal to the current value is refused (with the error types
// Rocket.Chat uses, which read swapped).
func (s *Server) setDefault(r *Request) (any, error) {
	if !r.Has("default") {
		return nil, model.Invalid("error-channels-setdefault-is-same", "The bodyParam \"default\" is required")
	}
	var asBool *bool
	var value bool
	var raw any
	if err := json.Unmarshal(r.Raw("default"), &raw); err != nil {
		return nil, failure("The bodyParam \"default\" must be a boolean or a string")
	}
	switch v := raw.(type) {
	case bool:
		asBool, value = &v, v
	case string:
		value = strings.EqualFold(v, "true") || v == "1"
	default:
		return nil, failure("The bodyParam \"default\" must be a boolean or a string")
	}
	room, err := s.kindRoom(r, channelKind, true)
	if err != nil {
		return nil, err
	}
	if asBool != nil && room.Default == *asBool {
		return nil, model.Invalid("error-channels-setdefault-missing-default-param", "The channel default setting is the same as what it would be changed to.")
	}
	saved, err := s.rooms.SaveRoomSettings(r.Context(), r.User, room.ID, chat.RoomSettingsInput{Default: &value})
	if err != nil {
		return nil, err
	}
	return M{"channel": saved}, nil
}

// setJoinCode is channels.setJoinCode: a code is required (clearing one
// takes saveRoomSettings with an empty joinCode).
func (s *Server) setJoinCode(r *Request) (any, error) {
	code, err := r.String("joinCode")
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(code) == "" {
		return nil, failure("The bodyParam \"joinCode\" is required")
	}
	room, err := s.kindRoom(r, channelKind, true)
	if err != nil {
		return nil, err
	}
	saved, err := s.rooms.SaveRoomSettings(r.Context(), r.User, room.ID, chat.RoomSettingsInput{JoinCode: &code})
	if err != nil {
		return nil, err
	}
	return M{"channel": saved}, nil
}

// setCustomFields serves channels.setCustomFields and
// groups.setCustomFields: customFields (an object) replaces the room's.
func (s *Server) setCustomFields(k roomKind) Handler {
	return func(r *Request) (any, error) {
		var fields map[string]any
		if err := json.Unmarshal(r.Raw("customFields"), &fields); err != nil || fields == nil {
			return nil, failure("The bodyParam \"customFields\" is required with a type like object.")
		}
		room, err := s.kindRoom(r, k, true)
		if err != nil {
			return nil, err
		}
		saved, err := s.rooms.SaveRoomSettings(r.Context(), r.User, room.ID, chat.RoomSettingsInput{CustomFields: &fields})
		if err != nil {
			return nil, err
		}
		return M{k.key: saved}, nil
	}
}

func (s *Server) setRoomType(k roomKind) Handler {
	return func(r *Request) (any, error) {
		t, err := r.String("type")
		if err != nil {
			return nil, err
		}
		t = strings.TrimSpace(t)
		if t == "" {
			return nil, failure("The bodyParam \"type\" is required")
		}
		room, err := s.kindRoom(r, k, true)
		if err != nil {
			return nil, err
		}
		if room.Type == t {
			return nil, failure("The %s type is the same as what it would be changed to.", k.noun)
		}
		saved, err := s.rooms.SaveRoomSettings(r.Context(), r.User, room.ID, chat.RoomSettingsInput{Type: &t})
		if err != nil {
			return nil, err
		}
		return M{k.key: saved}, nil
	}
}

func (s *Server) archiveRoom(k roomKind) Handler {
	return func(r *Request) (any, error) {
		room, err := s.kindRoom(r, k, true)
		if err != nil {
			return nil, err
		}
		return nil, s.rooms.ArchiveRoom(r.Context(), r.User, room.ID)
	}
}

func (s *Server) unarchiveRoom(k roomKind) Handler {
	return func(r *Request) (any, error) {
		room, err := s.kindRoom(r, k, false)
		if err != nil {
			return nil, err
		}
		if k.t == model.RoomChannel && !room.Archived {
			return nil, failure("The channel, %s, is not archived", room.Name)
		}
		return nil, s.rooms.UnarchiveRoom(r.Context(), r.User, room.ID)
	}
}

// ---- history and message lists ----

// dateParam reads an optional date parameter (an ISO-8601 string or
// milliseconds since the epoch).
func dateParam(r *Request, name string) (model.Time, error) {
	v, err := r.String(name)
	if err != nil || v == "" {
		var ms float64
		if ok, perr := r.Param(name, &ms); err != nil && ok && perr == nil {
			return model.TimeFromMillis(int64(ms)), nil
		}
		return model.Time{}, err
	}
	var t model.Time
	raw, _ := json.Marshal(v)
	if err := t.UnmarshalJSON(raw); err != nil {
		return model.Time{}, model.Invalid("error-invalid-date", "The '%s' param must be a valid date", name)
	}
	return t, nil
}

// historyQuery reads the parameters of channels/groups/im.history.
// showThreadsDefault is what an absent showThreadMessages means
// (Rocket.Chat differs per endpoint).
func historyQuery(r *Request, showThreadsDefault bool) (chat.HistoryQuery, error) {
	var q chat.HistoryQuery
	var err error
	if q.Latest, err = dateParam(r, "latest"); err != nil {
		return q, err
	}
	if q.Oldest, err = dateParam(r, "oldest"); err != nil {
		return q, err
	}
	if q.Inclusive, err = r.Bool("inclusive", false); err != nil {
		return q, err
	}
	if q.Unreads, err = r.Bool("unreads", false); err != nil {
		return q, err
	}
	if q.ShowThreadMessages, err = r.Bool("showThreadMessages", showThreadsDefault); err != nil {
		return q, err
	}
	p, err := r.Page(nil)
	if err != nil {
		return q, err
	}
	q.Offset, q.Count = p.Offset, p.Count
	return q, nil
}

func historyAnswer(h *chat.History, q chat.HistoryQuery) M {
	msgs := h.Messages
	if msgs == nil {
		msgs = []*model.Message{}
	}
	out := M{"messages": msgs}
	if q.Unreads {
		if h.FirstUnread != nil {
			out["firstUnread"] = h.FirstUnread
		}
		out["unreadNotLoaded"] = h.UnreadNotLoaded
	}
	return out
}

func (s *Server) roomHistory(k roomKind) Handler {
	return func(r *Request) (any, error) {
		room, err := s.kindRoom(r, k, false)
		if err != nil {
			return nil, err
		}
		q, err := historyQuery(r, k.t == model.RoomPrivate)
		if err != nil {
			return nil, err
		}
		h, err := s.messages.RoomHistory(r.Context(), r.User, room, q)
		if err != nil {
			return nil, err
		}
		return historyAnswer(h, q), nil
	}
}

// messageFilter reads mentionIds, starredIds (comma-separated) and pinned.
func messageFilter(r *Request) (chat.MessageFilter, error) {
	var f chat.MessageFilter
	var err error
	if f.MentionIDs, err = r.Strings("mentionIds"); err != nil {
		return f, err
	}
	if f.StarredIDs, err = r.Strings("starredIds"); err != nil {
		return f, err
	}
	if f.Pinned, err = r.Bool("pinned", false); err != nil {
		return f, err
	}
	return f, nil
}

func (s *Server) listMessages(r *Request, room *model.Room) (any, error) {
	f, err := messageFilter(r)
	if err != nil {
		return nil, err
	}
	p, err := r.Page(newestFirst, messageSortFields...)
	if err != nil {
		return nil, err
	}
	msgs, total, err := s.messages.RoomMessages(r.Context(), r.User, room, f, p)
	if err != nil {
		return nil, err
	}
	return paged("messages", msgs, len(msgs), p, total), nil
}

func (s *Server) roomMessages(k roomKind) Handler {
	return func(r *Request) (any, error) {
		// groups.messages refuses archived groups, channels.messages does not.
		room, err := s.kindRoom(r, k, k.t == model.RoomPrivate)
		if err != nil {
			return nil, err
		}
		return s.listMessages(r, room)
	}
}

// ---- direct messages ----

// roomWithRID is a room with its id again as rid beside _id, as im.create
// and rooms.createDiscussion answer it.
type roomWithRID struct {
	*model.Room
	RoomID string `json:"rid"`
}

func (s *Server) createDirect(r *Request) (any, error) {
	var names []string
	username, err := r.String("username")
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(username) != "" {
		names = []string{strings.TrimSpace(username)}
	} else {
		list, err := r.Strings("usernames")
		if err != nil {
			return nil, err
		}
		for _, n := range list {
			if n = strings.TrimSpace(n); n != "" {
				names = append(names, n)
			}
		}
	}
	if len(names) == 0 {
		return nil, failure("The 'username' or 'usernames' param is required")
	}
	excludeSelf, err := r.Bool("excludeSelf", false)
	if err != nil {
		return nil, err
	}
	room, err := s.rooms.CreateDirect(r.Context(), r.User, names, excludeSelf)
	if err != nil {
		return nil, err
	}
	return M{"room": roomWithRID{Room: room, RoomID: room.ID}}, nil
}

func (s *Server) openDirect(r *Request) (any, error) {
	id, err := r.RequireString("roomId")
	if err != nil {
		return nil, err
	}
	return nil, s.rooms.OpenDirect(r.Context(), r.User, id)
}

func (s *Server) closeDirect(r *Request) (any, error) {
	id, err := r.String("roomId")
	if err != nil {
		return nil, err
	}
	return nil, s.rooms.CloseDirect(r.Context(), r.User, id)
}

func (s *Server) listDirect(r *Request) (any, error) {
	p, err := r.Page(byName, roomSorts...)
	if err != nil {
		return nil, err
	}
	rooms, total, err := s.rooms.ListDirect(r.Context(), r.User, p)
	if err != nil {
		return nil, err
	}
	return paged("ims", rooms, len(rooms), p, total), nil
}

// directRoom finds the direct conversation a call names by roomId or username.
func (s *Server) directRoom(r *Request) (*model.Room, error) {
	id, err := r.String("roomId")
	if err != nil {
		return nil, err
	}
	username, err := r.String("username")
	if err != nil {
		return nil, err
	}
	return s.rooms.FindDirect(r.Context(), r.User, id, username)
}

func (s *Server) deleteDirect(r *Request) (any, error) {
	id, err := r.String("roomId")
	if err != nil {
		return nil, err
	}
	username, err := r.String("username")
	if err != nil {
		return nil, err
	}
	return nil, s.rooms.DeleteDirect(r.Context(), r.User, id, username)
}

// setDirectTopic is im.setTopic: it answers the topic given (absent when
// none was given; an absent topic clears it).
func (s *Server) setDirectTopic(r *Request) (any, error) {
	id, err := r.String("roomId")
	if err != nil {
		return nil, err
	}
	topic, err := r.String("topic")
	if err != nil {
		return nil, err
	}
	if _, err := s.rooms.SetDirectTopic(r.Context(), r.User, id, topic); err != nil {
		return nil, err
	}
	if !r.Has("topic") {
		return nil, nil
	}
	return M{"topic": topic}, nil
}

func (s *Server) directHistory(r *Request) (any, error) {
	id, err := r.String("roomId")
	if err != nil {
		return nil, err
	}
	if id == "" {
		return nil, model.Invalid("error-room-param-not-provided", "Query param \"roomId\" is required")
	}
	room, err := s.rooms.FindDirect(r.Context(), r.User, id, "")
	if err != nil {
		return nil, err
	}
	q, err := historyQuery(r, false)
	if err != nil {
		return nil, err
	}
	h, err := s.messages.RoomHistory(r.Context(), r.User, room, q)
	if err != nil {
		return nil, err
	}
	return historyAnswer(h, q), nil
}

func (s *Server) directMessages(r *Request) (any, error) {
	room, err := s.directRoom(r)
	if err != nil {
		return nil, err
	}
	return s.listMessages(r, room)
}

func (s *Server) directMembers(r *Request) (any, error) {
	room, err := s.directRoom(r)
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
	p, err := r.Page([]model.SortKey{{Field: "_updatedAt", Desc: true}, {Field: "username"}}, "username")
	if err != nil {
		return nil, err
	}
	if len(p.Sort) == 1 { // a username sort keeps Rocket.Chat's _updatedAt first
		p.Sort = append([]model.SortKey{{Field: "_updatedAt", Desc: true}}, p.Sort...)
	}
	members, total, err := s.rooms.DirectMembers(r.Context(), r.User, room, filter, status, p)
	if err != nil {
		return nil, err
	}
	return paged("members", views(members, directMemberOf), len(members), p, total), nil
}

func (s *Server) directCounters(r *Request) (any, error) {
	id, err := r.String("roomId")
	if err != nil {
		return nil, err
	}
	uid, err := r.String("userId")
	if err != nil {
		return nil, err
	}
	c, err := s.rooms.CountDirect(r.Context(), r.User, id, uid)
	if err != nil {
		return nil, err
	}
	return countersAnswer(c), nil
}

// ---- rooms.* ----

// sinceParam reads updatedSince (absent: the zero time); errType and
// reason are Rocket.Chat's answer to an invalid date, which differ per endpoint.
func sinceParam(r *Request, errType, reason string) (model.Time, error) {
	v, err := r.String("updatedSince")
	if err != nil || v == "" {
		return model.Time{}, err
	}
	var t model.Time
	raw, _ := json.Marshal(v)
	if err := t.UnmarshalJSON(raw); err != nil {
		return model.Time{}, model.Invalid(errType, "%s", reason)
	}
	return t, nil
}

func (s *Server) syncRooms(r *Request) (any, error) {
	since, err := sinceParam(r, "error-updatedSince-param-invalid", "The \"updatedSince\" query parameter must be a valid date.")
	if err != nil {
		return nil, err
	}
	update, remove, err := s.rooms.SyncRooms(r.Context(), r.User, since)
	if err != nil {
		return nil, err
	}
	return M{"update": update, "remove": views(remove, removedOf)}, nil
}

// anyRoom finds the room a rooms.* call names, of any type.
func (s *Server) anyRoom(r *Request, checkArchived bool) (*model.Room, error) {
	ref, err := roomRef(r)
	if err != nil {
		return nil, err
	}
	if ref.ID == "" && ref.Name == "" {
		return nil, model.Invalid("error-roomid-param-not-provided", "The parameter \"roomId\" or \"roomName\" is required")
	}
	room, err := s.rooms.FindRoom(r.Context(), r.User, ref)
	if err != nil {
		return nil, err
	}
	if checkArchived && room.Archived {
		return nil, model.Invalid("error-room-archived", "The channel, %s, is archived", room.Name)
	}
	return room, nil
}

// roomsInfo answers the room with, as Rocket.Chat, its team (for a team's
// room) and its parent (a discussion's parent room, or the main room of
// the team of a room other than the main one).
func (s *Server) roomsInfo(r *Request) (any, error) {
	room, err := s.anyRoom(r, false)
	if err != nil {
		return nil, err
	}
	team, parent, err := s.rooms.RoomContext(r.Context(), room)
	if err != nil {
		return nil, err
	}
	fields, err := fieldsParam(r)
	if err != nil {
		return nil, err
	}
	out := M{"room": room}
	if len(fields) > 0 {
		// Rocket.Chat's rooms.info reads the room with the fields projection.
		b, err := json.Marshal(room)
		if err != nil {
			return nil, err
		}
		var view M
		if err := json.Unmarshal(b, &view); err != nil {
			return nil, err
		}
		out["room"] = project(view, fields)
	}
	if team != nil {
		out["team"] = teamBriefView{ID: team.ID, Name: team.Name, RoomID: team.RoomID, Type: team.Type}
	}
	if parent != nil {
		out["parent"] = parentRoomView{ID: parent.ID, Name: parent.Name, DisplayName: parent.DisplayName, Type: parent.Type, ParentRoomID: parent.ParentRoomID, Creator: parent.Creator}
	}
	return out, nil
}

// roomsDelete deletes any room by id (rooms.delete).
func (s *Server) roomsDelete(r *Request) (any, error) {
	id, err := r.String("roomId")
	if err != nil {
		return nil, err
	}
	if id == "" {
		return nil, failure("The 'roomId' param is required")
	}
	return nil, s.rooms.EraseRoomByID(r.Context(), r.User, id)
}

func (s *Server) favoriteRoom(r *Request) (any, error) {
	if !r.Has("favorite") {
		return nil, failure("The 'favorite' param is required")
	}
	fav, err := r.Bool("favorite", false)
	if err != nil {
		return nil, err
	}
	room, err := s.anyRoom(r, true)
	if err != nil {
		return nil, err
	}
	return nil, s.members.SetFavorite(r.Context(), r.User, room.ID, fav)
}

func (s *Server) leaveAnyRoom(r *Request) (any, error) {
	room, err := s.anyRoom(r, true)
	if err != nil {
		return nil, err
	}
	if room.Type == model.RoomDirect {
		return nil, model.Forbidden("error-not-allowed", "Not allowed").InMethod()
	}
	if _, err := s.members.Leave(r.Context(), r.User, chat.RoomRef{ID: room.ID}, ""); err != nil {
		return nil, err
	}
	return nil, nil
}

// cleanHistory removes a room's messages between oldest and latest
// (rooms.cleanHistory).
func (s *Server) cleanHistory(r *Request) (any, error) {
	room, err := s.anyRoom(r, false)
	if err != nil {
		return nil, err
	}
	in := chat.PruneInput{RoomID: room.ID}
	for _, d := range []struct {
		name string
		dst  *model.Time
	}{{"latest", &in.Latest}, {"oldest", &in.Oldest}} {
		// Absent, null or "" (a number is a date in milliseconds).
		if v, err := r.String(d.name); err == nil && v == "" {
			return nil, failure("Body parameter \"%s\" is required.", d.name)
		}
		if *d.dst, err = dateParam(r, d.name); err != nil {
			return nil, err
		}
	}
	if in.Limit, err = r.Int("limit", 0); err != nil {
		return nil, err
	}
	for _, b := range []struct {
		name string
		dst  *bool
	}{
		{"inclusive", &in.Inclusive}, {"excludePinned", &in.ExcludePinned}, {"filesOnly", &in.FilesOnly},
		{"ignoreThreads", &in.IgnoreThreads}, {"ignoreDiscussion", &in.IgnoreDiscussion},
	} {
		if *b.dst, err = r.Bool(b.name, false); err != nil {
			return nil, err
		}
	}
	if in.Usernames, err = r.Strings("users"); err != nil {
		return nil, err
	}
	count, err := s.messages.PruneMessages(r.Context(), r.User, in)
	if err != nil {
		return nil, err
	}
	return M{"_id": room.ID, "count": count}, nil
}

// ---- subscriptions.* ----

func (s *Server) syncSubscriptions(r *Request) (any, error) {
	since, err := sinceParam(r, "error-roomId-param-invalid", "The \"lastUpdate\" query parameter must be a valid date.")
	if err != nil {
		return nil, err
	}
	update, remove, err := s.members.SyncSubscriptions(r.Context(), r.User, since)
	if err != nil {
		return nil, err
	}
	return M{"update": update, "remove": views(remove, removedOf)}, nil
}

func (s *Server) getSubscription(r *Request) (any, error) {
	id, err := r.String("roomId")
	if err != nil {
		return nil, err
	}
	if id == "" {
		return nil, failure("The 'roomId' param is required")
	}
	sub, err := s.members.Subscription(r.Context(), r.User, id)
	if err != nil {
		return nil, err
	}
	return M{"subscription": sub}, nil
}

func (s *Server) readSubscription(r *Request) (any, error) {
	id, err := r.String("rid")
	if err != nil {
		return nil, err
	}
	if id == "" {
		if id, err = r.String("roomId"); err != nil {
			return nil, err
		}
	}
	if id == "" {
		return nil, invalidParams("must have required property 'rid'", "must have required property 'roomId'", "must match a schema in anyOf")
	}
	readThreads, err := r.Bool("readThreads", false)
	if err != nil {
		return nil, err
	}
	return nil, s.members.MarkRead(r.Context(), r.User, id, readThreads)
}

func (s *Server) unreadSubscription(r *Request) (any, error) {
	var first struct {
		ID string `json:"_id"`
	}
	if _, err := r.Param("firstUnreadMessage", &first); err != nil {
		return nil, err
	}
	roomID, err := r.String("roomId")
	if err != nil {
		return nil, err
	}
	if first.ID == "" && roomID == "" {
		return nil, failure("The 'roomId' or 'firstUnreadMessage' param is required")
	}
	return nil, s.members.MarkUnread(r.Context(), r.User, roomID, first.ID)
}
