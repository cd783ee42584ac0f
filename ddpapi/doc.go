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
// Each method decodes Rocket.Chat's positional parameters, calls the chat
// service, which checks permissions exactly as it does for REST, and
// answers with Rocket.Chat's result shape. Methods that Rocket.Chat
// answers with false for an unreadable room (loadHistory,
// loadMissedMessages) do the same.
package ddpapi
