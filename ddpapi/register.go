package ddpapi

import (
	"context"
	"encoding/json"

	"liftoff/model"
	"liftoff/realtime"
	"liftoff/realtime/ddp"
)

// Deps are the services the methods call. Presence is optional: without
// it the UserPresence methods are not registered.
type Deps struct {
	Accounts Accounts
	Rooms    Rooms
	Members  Members
	Messages Messages
	Teams    Teams
	Admin    Admin
	Presence Presence
	// Emoji lists the custom emoji for listEmojiCustom (an empty list
	// when nil).
	Emoji Emoji
	// RoomAvatars sets saveRoomSettings' roomAvatar (refused as
	// unsupported when nil).
	RoomAvatars RoomAvatars
}

// RoomAvatars stores room avatars (*avatars.Service).
type RoomAvatars interface {
	SetRoomAvatar(ctx context.Context, actor *model.User, roomID, dataURL string) error
}

// methods holds the dependencies of the method implementations.
type methods struct {
	accounts Accounts
	rooms    Rooms
	members  Members
	messages Messages
	teams    Teams
	admin    Admin
	presence Presence
	emoji    Emoji
	avatars  RoomAvatars
}

// Register installs the built-in methods on host through a Registrar.
// Methods need a logged-in user (anonymous callers get
// error-invalid-user), except public-settings/get and permissions/get,
// which Rocket.Chat serves to anyone.
func Register(host Host, d Deps) {
	reg := NewRegistrar(host, d.Admin)
	m := &methods{accounts: d.Accounts, rooms: d.Rooms, members: d.Members, messages: d.Messages,
		teams: d.Teams, admin: d.Admin, presence: d.Presence, emoji: d.Emoji, avatars: d.RoomAvatars}
	handlers := map[string]realtime.MethodFunc{
		// messages (messages.go)
		"sendMessage":      m.sendMessage,
		"updateMessage":    m.updateMessage,
		"deleteMessage":    m.deleteMessage,
		"setReaction":      m.setReaction,
		"pinMessage":       m.pinMessage,
		"unpinMessage":     m.unpinMessage,
		"starMessage":      m.starMessage,
		"readMessages":     m.readMessages,
		"unreadMessages":   m.unreadMessages,
		"getSingleMessage": m.getSingleMessage,
		"cleanRoomHistory": m.cleanRoomHistory,
		// history (history.go)
		"loadHistory":        m.loadHistory,
		"loadMissedMessages": m.loadMissedMessages,
		"getThreadMessages":  m.getThreadMessages,
		// rooms (rooms.go)
		"createChannel":       m.createChannel,
		"createDiscussion":    m.createDiscussion,
		"createPrivateGroup":  m.createPrivateGroup,
		"createDirectMessage": m.createDirectMessage,
		"joinRoom":            m.joinRoom,
		"leaveRoom":           m.leaveRoom,
		"addUsersToRoom":      m.addUsersToRoom,
		"saveRoomSettings":    m.saveRoomSettings,
		"archiveRoom":         m.archiveRoom,
		"unarchiveRoom":       m.unarchiveRoom,
		"eraseRoom":           m.eraseRoom,
		"getRoomRoles":        m.getRoomRoles,
		"getRoomIdByNameOrId": m.getRoomIDByNameOrID,
		"getUsersOfRoom":      m.getUsersOfRoom,
		"toggleFavorite":      m.toggleFavorite,
		"hideRoom":            m.hideRoom,
		"openRoom":            m.openRoom,
		// users (users.go)
		"muteUserInRoom":   m.muteUserInRoom,
		"unmuteUserInRoom": m.unmuteUserInRoom,
		"getUserRoles":     m.getUserRoles,
		// accounts and lookups (accounts.go)
		"setUsername":          m.setUsername,
		"setUserStatus":        m.setUserStatus,
		"setUserActiveStatus":  m.setUserActiveStatus,
		"insertOrUpdateUser":   m.insertOrUpdateUser,
		"getRoomNameById":      m.getRoomNameByID,
		"getRoomByTypeAndName": m.getRoomByTypeAndName,
		"readThreads":          m.readThreads,
		"private-settings/get": m.privateSettingsGet,
		"license:getModules":   licenseModules,
		"license:isEnterprise": licenseIsEnterprise,
		"license:getTags":      licenseTags,
		// sync (sync.go)
		"rooms/get":         m.roomsGet,
		"subscriptions/get": m.subscriptionsGet,
		"listCustomSounds":  emptyList,
		"listEmojiCustom":   emptyList,
	}
	if m.emoji != nil {
		handlers["listEmojiCustom"] = m.listEmojiCustom
	}
	if m.presence != nil {
		// presence (presence.go)
		handlers["UserPresence:setDefaultStatus"] = m.setDefaultStatus
		handlers["UserPresence:online"] = m.presenceOnline
		handlers["UserPresence:away"] = m.presenceAway
	}
	for name, fn := range handlers {
		reg.Method(name, fn)
	}
	reg.Method("public-settings/get", m.publicSettingsGet, Public())
	reg.Method("registerUser", m.registerUser, Public())
	reg.Method("permissions/get", m.permissionsGet, Public())
}

// emptyList answers the catalogue methods of features Liftoff does not
// have (custom sounds, custom emoji): there is nothing in them.
func emptyList(context.Context, *realtime.Call) (any, error) { return []any{}, nil }

// Param decodes parameter i of call into a T; ok is false when it is
// missing or null.
func Param[T any](call *realtime.Call, i int) (T, bool, error) {
	return ddp.Param[T](call.Params, i)
}

// RequireString decodes a mandatory string parameter; a missing or
// mistyped one is Meteor's check failure.
func RequireString(call *realtime.Call, i int, name string) (string, error) {
	s, ok, err := Param[string](call, i)
	if err != nil || !ok {
		return "", MatchFailed(name)
	}
	return s, nil
}

// MatchFailed is how Rocket.Chat (Meteor's check) answers a parameter of
// the wrong type: a client-safe error 400 named after the parameter.
func MatchFailed(name string) error {
	return model.Invalid("error-invalid-params", "Match failed: expected %s to be valid", name)
}

// withRID renders a room as Rocket.Chat's ICreatedRoom: the room's fields
// plus "rid", its id.
func withRID(room *model.Room) (json.RawMessage, error) {
	b, err := ddp.Marshal(room)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(b)+32)
	out = append(out, `{"rid":`...)
	if out, err = ddp.AppendMarshal(out, room.ID); err != nil {
		return nil, err
	}
	if len(b) > 2 {
		out = append(out, ',')
	}
	return append(out, b[1:]...), nil
}
