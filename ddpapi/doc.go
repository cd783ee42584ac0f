// Package ddpapi registers Rocket.Chat's realtime (DDP) methods on a
// realtime.Server: the message methods (sendMessage, updateMessage,
// deleteMessage, setReaction, pinMessage, unpinMessage, starMessage,
// readMessages, unreadMessages, getSingleMessage), the history methods
// (loadHistory, loadMissedMessages, getThreadMessages), the room methods
// (createChannel, createPrivateGroup, createDirectMessage, joinRoom,
// leaveRoom, addUsersToRoom, saveRoomSettings, archiveRoom, unarchiveRoom,
// eraseRoom, getRoomRoles, getRoomIdByNameOrId, getUsersOfRoom,
// toggleFavorite, hideRoom, openRoom), the sync methods (rooms/get,
// subscriptions/get, public-settings/get, permissions/get) and the empty
// catalogues (listCustomSounds, listEmojiCustom).
//
// Each method decodes Rocket.Chat's positional parameters (Param,
// RequireString), calls a service through the interfaces this package
// declares (services.go), which checks permissions exactly as it does for
// REST, and answers with Rocket.Chat's result shape. Methods are declared
// through a Registrar, which a capability package uses the same way to
// add its own; the presence methods (UserPresence:*) are here too.
// Methods that Rocket.Chat answers with false for an unreadable room
// (loadHistory, loadMissedMessages) do the same.
package ddpapi
