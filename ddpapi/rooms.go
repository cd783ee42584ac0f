package ddpapi

import (
	"context"
	"encoding/json"
	"sort"

	"liftoff/chat"
	"liftoff/model"
	"liftoff/realtime"
)

// createChannel(name, members?, readOnly?, customFields?, extraData?)
// creates a public channel and returns it with its "rid".
func (m *methods) createChannel(ctx context.Context, call *realtime.Call) (any, error) {
	return m.createRoom(ctx, call, model.RoomChannel)
}

// createPrivateGroup(name, members?, readOnly?, ...) creates a private
// group and returns it with its "rid".
func (m *methods) createPrivateGroup(ctx context.Context, call *realtime.Call) (any, error) {
	return m.createRoom(ctx, call, model.RoomPrivate)
}

func (m *methods) createRoom(ctx context.Context, call *realtime.Call, t string) (any, error) {
	name, err := RequireString(call, 0, "name")
	if err != nil {
		return nil, err
	}
	members, _, err := Param[[]string](call, 1)
	if err != nil {
		return nil, MatchFailed("members")
	}
	readOnly, _, err := Param[bool](call, 2)
	if err != nil {
		return nil, MatchFailed("readOnly")
	}
	room, err := m.rooms.CreateRoom(ctx, call.User(), chat.CreateRoomInput{Type: t, Name: name, Members: members, ReadOnly: readOnly})
	if err != nil {
		return nil, err
	}
	return withRID(room)
}

// createDirectMessage(...usernames) opens (creating it if needed) the
// direct conversation with the named users and returns it with its "rid".
func (m *methods) createDirectMessage(ctx context.Context, call *realtime.Call) (any, error) {
	usernames := make([]string, 0, len(call.Params))
	for i := range call.Params {
		u, ok, err := Param[string](call, i)
		if err != nil || !ok {
			return nil, MatchFailed("usernames")
		}
		usernames = append(usernames, u)
	}
	if len(usernames) == 0 {
		return nil, model.Invalid("error-invalid-user", "Invalid user").InMethod()
	}
	room, err := m.rooms.CreateDirect(ctx, call.User(), usernames, false)
	if err != nil {
		return nil, err
	}
	return withRID(room)
}

// joinRoom(rid, code?) joins a public channel and returns true.
func (m *methods) joinRoom(ctx context.Context, call *realtime.Call) (any, error) {
	rid, err := RequireString(call, 0, "rid")
	if err != nil {
		return nil, err
	}
	code, _, err := Param[string](call, 1)
	if err != nil {
		return nil, MatchFailed("code")
	}
	if _, err := m.members.Join(ctx, call.User(), chat.RoomRef{ID: rid}, code); err != nil {
		return nil, err
	}
	return true, nil
}

// leaveRoom(rid) leaves a channel or private group; it returns nothing.
func (m *methods) leaveRoom(ctx context.Context, call *realtime.Call) (any, error) {
	rid, err := RequireString(call, 0, "rid")
	if err != nil {
		return nil, err
	}
	_, err = m.members.Leave(ctx, call.User(), chat.RoomRef{ID: rid}, "")
	return nil, err
}

// addUsersToRoom({rid, users: [username...]}) adds users to a channel or
// private group and returns true. An unknown username refuses the call.
func (m *methods) addUsersToRoom(ctx context.Context, call *realtime.Call) (any, error) {
	data, ok, err := Param[struct {
		RoomID string   `json:"rid"`
		Users  []string `json:"users"`
	}](call, 0)
	if err != nil || !ok || data.RoomID == "" {
		return nil, MatchFailed("data")
	}
	users := make([]*model.User, 0, len(data.Users))
	for _, name := range data.Users {
		us, err := m.accounts.UsersFromParams(ctx, nil, []string{name})
		if err != nil {
			return nil, err
		}
		if len(us) == 0 {
			return nil, model.Invalid("error-invalid-username", "Invalid username").InMethod()
		}
		users = append(users, us[0])
	}
	if _, err := m.members.Invite(ctx, call.User(), chat.RoomRef{ID: data.RoomID}, "", users); err != nil {
		return nil, err
	}
	return true, nil
}

// roomSettingKeys are the settings Rocket.Chat's saveRoomSettings accepts;
// the ones Liftoff does not support are refused by name.
var roomSettingKeys = map[string]bool{
	"roomName": true, "roomTopic": true, "roomAnnouncement": true, "roomDescription": true,
	"roomType": true, "readOnly": true, "default": true, "joinCode": true, "roomCustomFields": true, "encrypted": true,
	// Liftoff's: true bridges the room to Matrix (federation/matrix).
	"federated": true,
	// Known to Rocket.Chat, not supported by Liftoff.
	"roomAvatar": false, "featured": false, "reactWhenReadOnly": false,
	"systemMessages": false, "streamingOptions": false,
	"retentionEnabled": false, "retentionMaxAge": false, "retentionExcludePinned": false,
	"retentionFilesOnly": false, "retentionIgnoreThreads": false, "retentionOverrideGlobal": false,
	"favorite": false, "sidepanel": false,
}

// saveRoomSettings(rid, {setting: value, ...}) or (rid, setting, value)
// changes room settings and returns {result: true, rid}.
func (m *methods) saveRoomSettings(ctx context.Context, call *realtime.Call) (any, error) {
	rid, ok, err := Param[string](call, 0)
	if err != nil || !ok {
		return nil, model.Invalid("error-invalid-room", "Invalid room").InMethod()
	}
	settings := map[string]json.RawMessage{}
	if key, isString, err := Param[string](call, 1); err == nil && isString {
		value := json.RawMessage("null")
		if len(call.Params) > 2 {
			value = call.Params[2]
		}
		settings[key] = value
	} else if settings, ok, err = Param[map[string]json.RawMessage](call, 1); err != nil || !ok {
		return nil, model.Invalid("error-invalid-settings", "Invalid settings provided").InMethod()
	}
	invalid := model.Invalid("error-invalid-settings", "Invalid settings provided").InMethod()
	var in chat.RoomSettingsInput
	for key, raw := range settings {
		supported, known := roomSettingKeys[key]
		if !known {
			return nil, invalid
		}
		if !supported {
			return nil, model.Invalid("error-invalid-settings", "The room setting %s is not supported", key).InMethod()
		}
		var target any
		switch key {
		case "roomName":
			in.Name = new(string)
			target = in.Name
		case "roomTopic":
			in.Topic = new(string)
			target = in.Topic
		case "roomAnnouncement":
			in.Announcement = new(string)
			target = in.Announcement
		case "roomDescription":
			in.Description = new(string)
			target = in.Description
		case "roomType":
			in.Type = new(string)
			target = in.Type
		case "readOnly":
			in.ReadOnly = new(bool)
			target = in.ReadOnly
		case "default":
			in.Default = new(bool)
			target = in.Default
		case "joinCode":
			in.JoinCode = new(string)
			target = in.JoinCode
		case "roomCustomFields":
			in.CustomFields = new(map[string]any)
			target = in.CustomFields
		case "encrypted":
			in.Encrypted = new(bool)
			target = in.Encrypted
		case "federated":
			in.Federated = new(bool)
			target = in.Federated
		}
		if err := json.Unmarshal(raw, target); err != nil {
			if key == "roomCustomFields" {
				return nil, model.Invalid("invalid-roomCustomFields-type", "Invalid roomCustomFields type").InMethod()
			}
			return nil, invalid
		}
		if key == "roomCustomFields" && *in.CustomFields == nil {
			return nil, model.Invalid("invalid-roomCustomFields-type", "Invalid roomCustomFields type").InMethod()
		}
	}
	room, err := m.rooms.SaveRoomSettings(ctx, call.User(), rid, in)
	if err != nil {
		return nil, err
	}
	return map[string]any{"result": true, "rid": room.ID}, nil
}

// archiveRoom(rid) and unarchiveRoom(rid) archive and unarchive a room;
// they return nothing.
func (m *methods) archiveRoom(ctx context.Context, call *realtime.Call) (any, error) {
	rid, err := RequireString(call, 0, "rid")
	if err != nil {
		return nil, err
	}
	return nil, m.rooms.ArchiveRoom(ctx, call.User(), rid)
}

func (m *methods) unarchiveRoom(ctx context.Context, call *realtime.Call) (any, error) {
	rid, err := RequireString(call, 0, "rid")
	if err != nil {
		return nil, err
	}
	return nil, m.rooms.UnarchiveRoom(ctx, call.User(), rid)
}

// eraseRoom(rid) deletes a room and returns true.
func (m *methods) eraseRoom(ctx context.Context, call *realtime.Call) (any, error) {
	rid, err := RequireString(call, 0, "rid")
	if err != nil {
		return nil, err
	}
	room, err := m.rooms.FindRoom(ctx, call.User(), chat.RoomRef{ID: rid}, model.RoomChannel, model.RoomPrivate, model.RoomDirect)
	if err != nil {
		return nil, model.Invalid("error-invalid-room", "Invalid room").InMethod()
	}
	if err := m.rooms.DeleteRoom(ctx, call.User(), chat.RoomRef{ID: rid}, room.Type); err != nil {
		return nil, err
	}
	return true, nil
}

// getRoomRoles(rid) lists the members holding room roles, as
// subscription extracts {_id, rid, u, roles}.
func (m *methods) getRoomRoles(ctx context.Context, call *realtime.Call) (any, error) {
	rid, err := RequireString(call, 0, "rid")
	if err != nil {
		return nil, err
	}
	roles, err := m.members.RoomRoles(ctx, call.User(), chat.RoomRef{ID: rid}, "")
	if err != nil {
		return nil, err
	}
	return views(roles, roomRoleOf), nil
}

// getRoomIdByNameOrId(name or id) returns the id of a room the caller may read.
func (m *methods) getRoomIDByNameOrID(ctx context.Context, call *realtime.Call) (any, error) {
	ref, err := RequireString(call, 0, "rid")
	if err != nil {
		return nil, err
	}
	types := []string{model.RoomChannel, model.RoomPrivate, model.RoomDirect}
	room, err := m.rooms.FindRoom(ctx, call.User(), chat.RoomRef{ID: ref}, types...)
	if err != nil {
		room, err = m.rooms.FindRoom(ctx, call.User(), chat.RoomRef{Name: ref}, types...)
	}
	if err != nil {
		return nil, model.Forbidden("error-not-allowed", "Not allowed").InMethod()
	}
	return room.ID, nil
}

// roomMember is a user as getUsersOfRoom lists them.
type roomMember struct {
	ID         string     `json:"_id"`
	Username   string     `json:"username"`
	Name       string     `json:"name,omitempty"`
	Nickname   string     `json:"nickname,omitempty"`
	Status     string     `json:"status"`
	StatusText string     `json:"statusText,omitempty"`
	AvatarETag string     `json:"avatarETag,omitempty"`
	UpdatedAt  model.Time `json:"_updatedAt"`
}

// getUsersOfRoom(rid, showAll, {limit, skip}, filter) returns {total,
// records}: total counts every active member, records are the members
// (online ones only unless showAll) matching filter, by username.
func (m *methods) getUsersOfRoom(ctx context.Context, call *realtime.Call) (any, error) {
	rid, ok, err := Param[string](call, 0)
	if err != nil || !ok || rid == "" {
		return nil, model.Invalid("error-invalid-room", "Invalid room").InMethod()
	}
	showAll, _, err := Param[bool](call, 1)
	if err != nil {
		return nil, MatchFailed("showAll")
	}
	opts, _, err := Param[struct {
		Limit int `json:"limit"`
		Skip  int `json:"skip"`
	}](call, 2)
	if err != nil {
		return nil, MatchFailed("options")
	}
	filter, _, err := Param[string](call, 3)
	if err != nil {
		return nil, MatchFailed("filter")
	}
	user := call.User()
	room, err := m.rooms.FindRoom(ctx, user, chat.RoomRef{ID: rid}, model.RoomChannel, model.RoomPrivate, model.RoomDirect)
	if err != nil {
		if _, domain := model.AsError(err); domain {
			return nil, model.Forbidden("error-not-allowed", "Not allowed").InMethod()
		}
		return nil, err
	}
	ref := chat.RoomRef{ID: room.ID}
	_, total, err := m.members.Members(ctx, user, ref, room.Type, chat.MembersInput{}, model.Page{Count: 1})
	if err != nil {
		return nil, err
	}
	in := chat.MembersInput{Filter: filter}
	if !showAll {
		in.Status = []string{model.StatusOnline, model.StatusAway, model.StatusBusy}
	}
	users, _, err := m.members.Members(ctx, user, ref, room.Type, in, model.Page{Offset: max(opts.Skip, 0), Count: max(opts.Limit, 0)})
	if err != nil {
		return nil, err
	}
	records := make([]roomMember, 0, len(users))
	for _, u := range users {
		records = append(records, roomMember{ID: u.ID, Username: u.Username, Name: u.Name, Nickname: u.Nickname,
			Status: u.Status, StatusText: u.StatusText, AvatarETag: u.AvatarETag, UpdatedAt: u.UpdatedAt})
	}
	sort.SliceStable(records, func(i, j int) bool { return records[i].Username < records[j].Username })
	return map[string]any{"total": total, "records": records}, nil
}

// toggleFavorite(rid, f) stars or unstars a room in the caller's list and
// returns the number of subscriptions changed (0 or 1).
func (m *methods) toggleFavorite(ctx context.Context, call *realtime.Call) (any, error) {
	rid, err := RequireString(call, 0, "rid")
	if err != nil {
		return nil, err
	}
	f, ok, err := Param[bool](call, 1)
	if err != nil || !ok {
		return nil, MatchFailed("f")
	}
	return m.changeOwnSubscription(ctx, call.User(), rid, true,
		func(sub *model.Subscription) bool { return sub.Favorite != f },
		func() error { return m.members.SetFavorite(ctx, call.User(), rid, f) })
}

// hideRoom(rid) hides a room from the caller's list; openRoom(rid) shows
// it again. Both return the number of subscriptions changed (0 or 1).
func (m *methods) hideRoom(ctx context.Context, call *realtime.Call) (any, error) {
	rid, err := RequireString(call, 0, "rid")
	if err != nil {
		return nil, err
	}
	return m.changeOwnSubscription(ctx, call.User(), rid, false,
		func(sub *model.Subscription) bool { return sub.Open || sub.Alert },
		func() error { return m.members.HideRoom(ctx, call.User(), rid) })
}

func (m *methods) openRoom(ctx context.Context, call *realtime.Call) (any, error) {
	rid, err := RequireString(call, 0, "rid")
	if err != nil {
		return nil, err
	}
	return m.changeOwnSubscription(ctx, call.User(), rid, false,
		func(sub *model.Subscription) bool { return !sub.Open },
		func() error { return m.members.OpenRoom(ctx, call.User(), rid) })
}

// changeOwnSubscription runs change on the caller's subscription to rid
// when needed reports it would change something, and answers Rocket.Chat's
// modifiedCount. Without a subscription the answer is 0, or, with
// mustExist, change's own error.
func (m *methods) changeOwnSubscription(ctx context.Context, user *model.User, rid string, mustExist bool, needed func(*model.Subscription) bool, change func() error) (any, error) {
	sub, err := m.members.Subscription(ctx, user, rid)
	if err != nil {
		return nil, err
	}
	if sub == nil && !mustExist {
		return 0, nil
	}
	if sub != nil && !needed(sub) {
		return 0, nil
	}
	if err := change(); err != nil {
		return nil, err
	}
	return 1, nil
}
