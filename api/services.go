package api

import (
	"context"
	"encoding/json"
	"net/http"

	"liftoff/access/perm"
	"liftoff/auth"
	"liftoff/chat"
	"liftoff/model"
	"liftoff/settings/setting"
)

// The interfaces below are the services the REST API consumes, declared
// here, by their consumer, as narrow as the handlers need. Each method is
// documented, with the errors it returns, on its implementation in package
// chat; tests may give the API small fakes instead.

// Accounts is what the REST API asks of the users-and-accounts service
// (chat.Accounts).
type Accounts interface {
	AutocompleteUsers(ctx context.Context, actor *model.User, term string, exceptions []string) ([]*model.User, error)
	AvatarURL(username string) string
	CreateUser(ctx context.Context, actor *model.User, in chat.NewUserInput) (*model.User, error)
	DeleteUser(ctx context.Context, actor *model.User, userID string, confirmRelinquish bool) error
	FindUser(ctx context.Context, l chat.UserLookup) (*model.User, error)
	GetUserInfo(ctx context.Context, actor *model.User, q chat.UserInfoQuery, withRooms bool) (*chat.UserInfo, error)
	ListUsers(ctx context.Context, actor *model.User, f chat.UserFilter, p model.Page) (users []*model.User, total int, full bool, err error)
	Register(ctx context.Context, in chat.RegisterInput) (*model.User, error)
	ResetAvatar(ctx context.Context, actor *model.User, target chat.UserLookup) error
	SetActiveStatus(ctx context.Context, actor *model.User, userID string, active, confirmRelinquish bool) (*model.User, error)
	SetUserStatus(ctx context.Context, actor *model.User, target chat.UserLookup, status string, message *string) error
	UpdateOwnBasicInfo(ctx context.Context, actor *model.User, in chat.OwnInfoInput, keepTokenHash string) (*model.User, error)
	UpdateUser(ctx context.Context, actor *model.User, userID string, in chat.UpdateUserInput) (*model.User, error)
	UserFromParams(ctx context.Context, id, username string) (*model.User, error)
	UsersFromParams(ctx context.Context, ids, usernames []string) ([]*model.User, error)
	UserAvatar(ctx context.Context, viewer *model.User, username string) (*chat.Avatar, error)
}

// Rooms is what the REST API asks of the rooms service (chat.Rooms).
type Rooms interface {
	ArchiveRoom(ctx context.Context, user *model.User, roomID string) error
	CloseDirect(ctx context.Context, user *model.User, roomID string) error
	CountDirect(ctx context.Context, user *model.User, roomID, forUserID string) (*chat.Counters, error)
	CreateDirect(ctx context.Context, user *model.User, usernames []string, excludeSelf bool) (*model.Room, error)
	CreateRoom(ctx context.Context, user *model.User, in chat.CreateRoomInput) (*model.Room, error)
	DeleteDirect(ctx context.Context, user *model.User, roomID, username string) error
	DeleteRoom(ctx context.Context, actor *model.User, ref chat.RoomRef, t string) error
	DirectMembers(ctx context.Context, user *model.User, room *model.Room, filter string, statuses []string, p model.Page) ([]chat.DirectMember, int, error)
	EraseRoomByID(ctx context.Context, actor *model.User, roomID string) error
	FindDirect(ctx context.Context, user *model.User, roomID, username string) (*model.Room, error)
	FindRoom(ctx context.Context, user *model.User, ref chat.RoomRef, types ...string) (*model.Room, error)
	ListAllRooms(ctx context.Context, user *model.User, t string, in chat.ListRoomsInput, p model.Page) ([]*model.Room, int, error)
	ListChannels(ctx context.Context, user *model.User, in chat.ListRoomsInput, p model.Page) ([]*model.Room, int, error)
	ListDirect(ctx context.Context, user *model.User, p model.Page) ([]*model.Room, int, error)
	ListJoinedRooms(ctx context.Context, user *model.User, t string, p model.Page) ([]*model.Room, int, error)
	OpenDirect(ctx context.Context, user *model.User, roomID string) error
	ResolveChannel(ctx context.Context, user *model.User, channel string) (*model.Room, error)
	RoomContext(ctx context.Context, room *model.Room) (*chat.TeamBrief, *chat.ParentRoom, error)
	SaveRoomSettings(ctx context.Context, user *model.User, roomID string, in chat.RoomSettingsInput) (*model.Room, error)
	SetDirectTopic(ctx context.Context, user *model.User, roomID, topic string) (string, error)
	SyncRooms(ctx context.Context, user *model.User, since model.Time) (update []*model.Room, remove []chat.Removed, err error)
	UnarchiveRoom(ctx context.Context, user *model.User, roomID string) error
	RoomAvatar(ctx context.Context, viewer *model.User, roomID string) (*chat.Avatar, error)
}

// Members is what the REST API asks of the memberships service
// (chat.Members).
type Members interface {
	Invite(ctx context.Context, actor *model.User, ref chat.RoomRef, t string, users []*model.User) (*model.Room, error)
	AddAll(ctx context.Context, actor *model.User, ref chat.RoomRef, t string, activeOnly bool) (*model.Room, error)
	Join(ctx context.Context, user *model.User, ref chat.RoomRef, joinCode string) (*model.Room, error)
	Kick(ctx context.Context, actor *model.User, ref chat.RoomRef, t string, target *model.User) (*model.Room, error)
	Leave(ctx context.Context, user *model.User, ref chat.RoomRef, t string) (*model.Room, error)
	MarkRead(ctx context.Context, user *model.User, roomID string, readThreads bool) error
	MarkUnread(ctx context.Context, user *model.User, roomID, messageID string) error
	Members(ctx context.Context, user *model.User, ref chat.RoomRef, t string, in chat.MembersInput, p model.Page) ([]*model.User, int, error)
	MuteUser(ctx context.Context, actor *model.User, roomID, username string) error
	OnlineMembers(ctx context.Context, user *model.User, t string, ref chat.RoomRef) ([]model.UserRef, error)
	RoomCounters(ctx context.Context, user *model.User, ref chat.RoomRef, t, forUserID string) (*chat.Counters, error)
	RoomRoles(ctx context.Context, user *model.User, ref chat.RoomRef, t string) ([]chat.RoomRoleHolder, error)
	SetFavorite(ctx context.Context, user *model.User, roomID string, favorite bool) error
	SetRoomOpen(ctx context.Context, user *model.User, ref chat.RoomRef, t string, open bool) error
	SetRoomRole(ctx context.Context, actor *model.User, ref chat.RoomRef, t, role string, target *model.User, add bool) error
	Subscription(ctx context.Context, user *model.User, roomID string) (*model.Subscription, error)
	SyncSubscriptions(ctx context.Context, user *model.User, since model.Time) (update []*model.Subscription, remove []chat.Removed, err error)
	UnmuteUser(ctx context.Context, actor *model.User, roomID, username string) error
}

// Messages is what the REST API asks of the messages service
// (chat.Messages).
type Messages interface {
	DeleteMessage(ctx context.Context, user *model.User, in chat.DeleteInput) (*model.Message, error)
	DeletedMessages(ctx context.Context, user *model.User, roomID string, since model.Time, p model.Page) ([]chat.DeletedRef, int, error)
	FollowMessage(ctx context.Context, user *model.User, messageID string, follow bool) error
	GetMessage(ctx context.Context, user *model.User, id string) (*model.Message, error)
	MentionedMessages(ctx context.Context, user *model.User, roomID string, p model.Page) ([]*model.Message, int, error)
	PinMessage(ctx context.Context, user *model.User, messageID string) (*model.Message, error)
	PinnedMessages(ctx context.Context, user *model.User, roomID string, p model.Page) ([]*model.Message, int, error)
	PruneMessages(ctx context.Context, user *model.User, in chat.PruneInput) (int, error)
	React(ctx context.Context, user *model.User, messageID, emoji string, shouldReact *bool) error
	RoomHistory(ctx context.Context, user *model.User, room *model.Room, q chat.HistoryQuery) (*chat.History, error)
	RoomMessages(ctx context.Context, user *model.User, room *model.Room, f chat.MessageFilter, p model.Page) ([]*model.Message, int, error)
	SearchMessages(ctx context.Context, user *model.User, roomID, text string, p model.Page) ([]*model.Message, int, error)
	SendMessage(ctx context.Context, user *model.User, in chat.SendInput) (*model.Message, error)
	StarMessage(ctx context.Context, user *model.User, messageID string, starred bool) error
	StarredMessages(ctx context.Context, user *model.User, roomID string, p model.Page) ([]*model.Message, int, error)
	SyncMessages(ctx context.Context, user *model.User, q chat.SyncQuery) (*chat.SyncResult, error)
	SyncThreadMessages(ctx context.Context, user *model.User, q chat.ThreadSyncQuery) (*chat.ThreadSync, error)
	SyncThreads(ctx context.Context, user *model.User, q chat.ThreadSyncQuery) (*chat.ThreadSync, error)
	ThreadMessages(ctx context.Context, user *model.User, tmid string, p model.Page) ([]*model.Message, int, error)
	Threads(ctx context.Context, user *model.User, q chat.ThreadsQuery, p model.Page) ([]*model.Message, int, error)
	UnpinMessage(ctx context.Context, user *model.User, messageID string) error
	UpdateMessage(ctx context.Context, user *model.User, in chat.UpdateInput) (*model.Message, error)
}

// Teams is what the REST API asks of the teams-and-discussions service
// (chat.Teams).
type Teams interface {
	AddTeamMembers(ctx context.Context, actor *model.User, team *model.Team, members []chat.TeamMemberParams) error
	AddTeamRooms(ctx context.Context, actor *model.User, team *model.Team, roomIDs []string) ([]*model.Room, error)
	AutocompleteTeams(ctx context.Context, user *model.User, name string) ([]chat.TeamAutocompleteItem, error)
	ConvertRoomToTeam(ctx context.Context, actor *model.User, room *model.Room) (*model.Team, error)
	ConvertTeamToChannel(ctx context.Context, actor *model.User, team *model.Team, roomsToRemove []string) error
	CreateDiscussion(ctx context.Context, user *model.User, in chat.DiscussionInput) (*chat.Discussion, error)
	CreateTeam(ctx context.Context, user *model.User, in chat.TeamInput) (*model.Team, error)
	DeleteTeam(ctx context.Context, actor *model.User, team *model.Team, roomsToRemove []string) error
	DiscussionMessages(ctx context.Context, user *model.User, roomID, text string, p model.Page) ([]*model.Message, int, error)
	Discussions(ctx context.Context, user *model.User, room *model.Room, p model.Page) ([]*model.Room, int, error)
	FindTeam(ctx context.Context, ref chat.TeamRef) (*model.Team, error)
	LeaveTeam(ctx context.Context, user *model.User, team *model.Team, rooms []string) error
	ListAllTeams(ctx context.Context, user *model.User, p model.Page) ([]chat.TeamListItem, int, error)
	ListTeams(ctx context.Context, user *model.User, p model.Page) ([]chat.TeamListItem, int, error)
	RemoveTeamMember(ctx context.Context, actor *model.User, team *model.Team, userID string, rooms []string) error
	RemoveTeamRoom(ctx context.Context, actor *model.User, team *model.Team, roomID string) (*model.Room, error)
	TeamChildren(ctx context.Context, user *model.User, team *model.Team, filter, kind string, p model.Page) ([]*model.Room, int, error)
	TeamInfo(ctx context.Context, user *model.User, ref chat.TeamRef) (*model.Team, error)
	TeamMembers(ctx context.Context, user *model.User, team *model.Team, f chat.TeamMemberFilter, p model.Page) ([]chat.TeamMemberInfo, int, error)
	TeamOfRoom(ctx context.Context, roomID string) (*model.Team, error)
	TeamRooms(ctx context.Context, user *model.User, team *model.Team, f chat.TeamRoomsFilter, p model.Page) ([]*model.Room, int, error)
	TeamRoomsOfUser(ctx context.Context, actor *model.User, team *model.Team, userID string, canUserDelete bool, p model.Page) ([]chat.TeamRoomOfUser, int, error)
	UpdateTeam(ctx context.Context, actor *model.User, team *model.Team, in chat.TeamUpdate) error
	UpdateTeamMember(ctx context.Context, actor *model.User, team *model.Team, m chat.TeamMemberParams) error
	UpdateTeamRoom(ctx context.Context, actor *model.User, roomID string, isDefault bool) (*model.Room, error)
}

// Admin is what the REST API asks of the administration service
// (chat.Admin): settings, roles, permissions, statistics, and the global
// permission check behind route guards.
type Admin interface {
	AddUserToRole(ctx context.Context, actor *model.User, a chat.RoleAssignment) (*model.Role, error)
	Can(user *model.User, permission perm.ID) bool
	CreateRole(ctx context.Context, actor *model.User, in chat.RoleInput) (*model.Role, error)
	DeleteRole(ctx context.Context, actor *model.User, roleID string) error
	GetSetting(actor *model.User, id setting.ID) (*model.Setting, error)
	ListPermissions(ctx context.Context, since model.Time) ([]*model.Permission, error)
	ListRoles(ctx context.Context) ([]*model.Role, error)
	ListSettings(actor *model.User, f chat.SettingFilter) []*model.Setting
	PublicSettings(f chat.SettingFilter) []*model.Setting
	RemoveUserFromRole(ctx context.Context, actor *model.User, a chat.RoleAssignment) (*model.Role, error)
	RolesUpdatedSince(ctx context.Context, since model.Time) ([]*model.Role, error)
	SetSetting(ctx context.Context, actor *model.User, id setting.ID, value any) (*model.Setting, error)
	Statistics(ctx context.Context, actor *model.User) (*chat.Statistics, error)
	UpdatePermissions(ctx context.Context, actor *model.User, changes []chat.PermissionChange) ([]*model.Permission, error)
	UpdateRole(ctx context.Context, actor *model.User, roleID string, in chat.RoleInput) (*model.Role, error)
	UsersInRole(ctx context.Context, actor *model.User, roleID, roomID string, p model.Page) ([]*model.User, int, error)
	UserRoles(ctx context.Context, user *model.User) ([]chat.UserRoleHolder, error)
}

// Authenticator is what the REST API asks of the authentication service
// (auth.Service): logins, resume tokens and personal access tokens.
type Authenticator interface {
	Login(ctx context.Context, cred auth.Credentials, remoteAddr string) (*auth.LoginResult, error)
	Logout(ctx context.Context, userID, token string) error
	LogoutOthers(ctx context.Context, userID, keepToken string) error
	TokenExpires(ctx context.Context, userID, token string) (model.Time, error)
	Authenticate(ctx context.Context, userID, token string) (*model.User, error)
	GeneratePersonalToken(ctx context.Context, userID, name string, bypassTwoFactor bool) (string, error)
	IssueToken(ctx context.Context, u *model.User) (string, model.Time, error)
	RemovePersonalToken(ctx context.Context, userID, name string) error
	PersonalTokens(ctx context.Context, userID string) ([]auth.PersonalToken, error)
}

// Settings reads the current settings (settings.Registry): page sizes, the
// rate limiter's limits.
type Settings interface {
	Bool(id setting.ID) bool
	Int(id setting.ID) int
}

// StatisticsArchive keeps statistics snapshots (package statistics).
type StatisticsArchive interface {
	Record(ctx context.Context, id string, createdAt model.Time, doc any) error
	List(ctx context.Context, actor *model.User, p model.Page) ([]json.RawMessage, int, error)
}

// AvatarFiles serves uploaded avatars (the files service).
type AvatarFiles interface {
	// ServeAvatar answers with the stored picture named etag and reports
	// whether there was one (false: nothing was written, the generated
	// avatar is sent instead).
	ServeAvatar(w http.ResponseWriter, r *http.Request, etag string, cacheSeconds int) bool
}
