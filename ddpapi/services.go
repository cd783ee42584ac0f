package ddpapi

import (
	"context"

	"liftoff/access/perm"
	"liftoff/chat"
	"liftoff/model"
)

// The interfaces below are the services the DDP methods consume, declared
// here, by their consumer, as narrow as the methods need. Each method is
// documented, with the errors it returns, on its implementation in package
// chat (or presence).

// Accounts is what the DDP methods ask of the users-and-accounts service
// (chat.Accounts).
type Accounts interface {
	CreateUser(ctx context.Context, actor *model.User, in chat.NewUserInput) (*model.User, error)
	Register(ctx context.Context, in chat.RegisterInput) (*model.User, error)
	SetActiveStatus(ctx context.Context, actor *model.User, userID string, active, confirmRelinquish bool) (*model.User, error)
	SetUserStatus(ctx context.Context, actor *model.User, target chat.UserLookup, status string, message *string) error
	UpdateOwnBasicInfo(ctx context.Context, actor *model.User, in chat.OwnInfoInput, keepTokenHash string) (*model.User, error)
	UpdateUser(ctx context.Context, actor *model.User, userID string, in chat.UpdateUserInput) (*model.User, error)
	UsersFromParams(ctx context.Context, ids, usernames []string) ([]*model.User, error)
}

// Rooms is what the DDP methods ask of the rooms service (chat.Rooms).
type Rooms interface {
	ArchiveRoom(ctx context.Context, user *model.User, roomID string) error
	CreateDirect(ctx context.Context, user *model.User, usernames []string, excludeSelf bool) (*model.Room, error)
	CreateRoom(ctx context.Context, user *model.User, in chat.CreateRoomInput) (*model.Room, error)
	DeleteRoom(ctx context.Context, actor *model.User, ref chat.RoomRef, t string) error
	FindDirect(ctx context.Context, user *model.User, roomID, username string) (*model.Room, error)
	FindRoom(ctx context.Context, user *model.User, ref chat.RoomRef, types ...string) (*model.Room, error)
	SaveRoomSettings(ctx context.Context, user *model.User, roomID string, in chat.RoomSettingsInput) (*model.Room, error)
	SyncRooms(ctx context.Context, user *model.User, since model.Time) (update []*model.Room, remove []chat.Removed, err error)
	UnarchiveRoom(ctx context.Context, user *model.User, roomID string) error
}

// Members is what the DDP methods ask of the memberships service
// (chat.Members).
type Members interface {
	HideRoom(ctx context.Context, user *model.User, roomID string) error
	Invite(ctx context.Context, actor *model.User, ref chat.RoomRef, t string, users []*model.User) (*model.Room, error)
	Join(ctx context.Context, user *model.User, ref chat.RoomRef, joinCode string) (*model.Room, error)
	Leave(ctx context.Context, user *model.User, ref chat.RoomRef, t string) (*model.Room, error)
	MarkRead(ctx context.Context, user *model.User, roomID string, readThreads bool) error
	MarkUnread(ctx context.Context, user *model.User, roomID, messageID string) error
	Members(ctx context.Context, user *model.User, ref chat.RoomRef, t string, in chat.MembersInput, p model.Page) ([]*model.User, int, error)
	MuteUser(ctx context.Context, actor *model.User, roomID, username string) error
	OpenRoom(ctx context.Context, user *model.User, roomID string) error
	ReadThread(ctx context.Context, user *model.User, roomID, tmid string) error
	RoomRoles(ctx context.Context, user *model.User, ref chat.RoomRef, t string) ([]chat.RoomRoleHolder, error)
	SetFavorite(ctx context.Context, user *model.User, roomID string, favorite bool) error
	Subscription(ctx context.Context, user *model.User, roomID string) (*model.Subscription, error)
	SyncSubscriptions(ctx context.Context, user *model.User, since model.Time) (update []*model.Subscription, remove []chat.Removed, err error)
	UnmuteUser(ctx context.Context, actor *model.User, roomID, username string) error
}

// Messages is what the DDP methods ask of the messages service
// (chat.Messages).
type Messages interface {
	DeleteMessage(ctx context.Context, user *model.User, in chat.DeleteInput) (*model.Message, error)
	GetMessage(ctx context.Context, user *model.User, id string) (*model.Message, error)
	HistoryBefore(ctx context.Context, user *model.User, q chat.HistoryBeforeQuery) (*chat.History, error)
	MessagesSince(ctx context.Context, user *model.User, roomID string, start model.Time) ([]*model.Message, error)
	PinMessage(ctx context.Context, user *model.User, messageID string) (*model.Message, error)
	PruneMessages(ctx context.Context, user *model.User, in chat.PruneInput) (int, error)
	React(ctx context.Context, user *model.User, messageID, emoji string, shouldReact *bool) error
	SendMessage(ctx context.Context, user *model.User, in chat.SendInput) (*model.Message, error)
	StarMessage(ctx context.Context, user *model.User, messageID string, starred bool) error
	ThreadMessages(ctx context.Context, user *model.User, tmid string, p model.Page) ([]*model.Message, int, error)
	UnpinMessage(ctx context.Context, user *model.User, messageID string) error
	UpdateMessage(ctx context.Context, user *model.User, in chat.UpdateInput) (*model.Message, error)
}

// Teams is what the DDP methods ask of the teams-and-discussions service
// (chat.Teams).
type Teams interface {
	CreateDiscussion(ctx context.Context, user *model.User, in chat.DiscussionInput) (*chat.Discussion, error)
}

// Admin is what the DDP methods ask of the administration service
// (chat.Admin).
type Admin interface {
	ListPermissions(ctx context.Context, since model.Time) ([]*model.Permission, error)
	ListSettings(actor *model.User, f chat.SettingFilter) []*model.Setting
	PublicSettings(f chat.SettingFilter) []*model.Setting
	UserRoles(ctx context.Context, user *model.User) ([]chat.UserRoleHolder, error)
	Can(user *model.User, permission perm.ID) bool
}

// Presence is what the presence methods ask of the presence tracker
// (presence.Tracker).
type Presence interface {
	SetDefaultStatus(ctx context.Context, userID, status string) error
	SetConnectionStatus(ctx context.Context, sessionID, userID string, away bool) error
}
