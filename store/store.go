// Package store defines Liftoff's persistence contract. Backends live in
// sub-packages (sqlite now, postgres later) and must all pass the contract
// suite in store/storetest.
//
// Reads go straight to the Store (concurrent readers). Every write happens in
// Update, which runs a function inside one transaction: either everything the
// function wrote commits, together with the events it emitted, or nothing
// does. Backends may group several Update calls into one physical commit
// (group commit); each call still succeeds or fails on its own.
package store

import (
	"context"
	"errors"

	"liftoff/model"
)

// ErrNotFound is returned by single-record reads when no record matches.
var ErrNotFound = errors.New("store: not found")

// ErrConflict is returned when a write would break a uniqueness rule
// (a duplicate id, username, e-mail, room name or subscription).
var ErrConflict = errors.New("store: conflict")

// Store is a Liftoff database.
type Store interface {
	Reader
	// Update runs fn in one transaction. If fn returns an error, nothing fn
	// wrote is kept and no event it emitted is published; the error is
	// returned as is. After a successful commit the emitted events are passed,
	// in commit order, to the EventSink given to the backend, each kind that
	// has a position (model.PositionOf) numbered in the transaction with the
	// next sequence number of its stream (model.StreamOf), gapless and in
	// commit order, and the database's epoch. fn must be
	// quick and must not block on anything but the Tx: backends may run it on
	// a single writer goroutine.
	Update(ctx context.Context, fn func(tx Tx) error) error
	// Backup writes a consistent copy of the database to path.
	Backup(ctx context.Context, path string) error
	Close() error
}

// EventSink receives events after the transaction that emitted them commits.
type EventSink func(events []model.Event)

// Page is the window of a list (model.Page, shared with the services).
//
// Every list breaks ties by insertion order: records whose sort keys are
// equal (many records share a millisecond) come in the order they were
// inserted, reversed when the first key is descending; never in the order
// of their random ids. The same holds for the lists without a Page
// (SubscriptionsOfUser, TokensOfUser). storetest's TimeTies checks it.
type Page = model.Page

// SortKey is one field of a sort order (model.SortKey).
type SortKey = model.SortKey

// Reader holds every read. Methods returning one record return ErrNotFound
// when there is none; list methods return the total number of matches
// (ignoring Offset and Count) beside the page.
type Reader interface {
	// Users
	UserByID(ctx context.Context, id string) (*model.User, error)
	UserByUsername(ctx context.Context, username string) (*model.User, error) // case-insensitive
	UserByEmail(ctx context.Context, email string) (*model.User, error)       // case-insensitive
	UsersByIDs(ctx context.Context, ids []string) ([]*model.User, error)
	UsersByUsernames(ctx context.Context, usernames []string) ([]*model.User, error)
	// ListUsers sorts by "username", "name", "createdAt", "_updatedAt", "status" (default username asc).
	ListUsers(ctx context.Context, q UserQuery, p Page) ([]*model.User, int, error)
	PasswordHash(ctx context.Context, userID string) (string, error) // "" when none set
	TokenByHash(ctx context.Context, hash string) (*model.Token, error)
	TokensOfUser(ctx context.Context, userID, kind string) ([]*model.Token, error)
	// UserService returns what the user keeps for the service.
	UserService(ctx context.Context, userID, service string) (*model.UserService, error)
	// UserServiceByExternalID returns the link of service whose ExternalID is id.
	UserServiceByExternalID(ctx context.Context, service, id string) (*model.UserService, error)
	// UserServices lists every user's record of the service, by user id.
	UserServices(ctx context.Context, service string) ([]*model.UserService, error)
	// Pending returns the value kept under key if it expires after now.
	Pending(ctx context.Context, key string, now model.Time) ([]byte, error)

	// Rooms
	RoomByID(ctx context.Context, id string) (*model.Room, error)
	RoomByName(ctx context.Context, name string) (*model.Room, error) // channels and groups only, exact name
	// RoomByNameFold is RoomByName ignoring ASCII case (the first by id when
	// several names fold alike).
	RoomByNameFold(ctx context.Context, name string) (*model.Room, error)
	RoomsByIDs(ctx context.Context, ids []string) ([]*model.Room, error)
	// ListRooms sorts by "name", "fname", "ts", "_updatedAt", "usersCount", "msgs", "lm" (default name asc).
	ListRooms(ctx context.Context, q RoomQuery, p Page) ([]*model.Room, int, error)

	// Subscriptions
	Subscription(ctx context.Context, roomID, userID string) (*model.Subscription, error)
	SubscriptionByID(ctx context.Context, id string) (*model.Subscription, error)
	// SubscriptionsOfUser returns the user's subscriptions, optionally only
	// those updated after q.UpdatedSince, or of the given room types.
	SubscriptionsOfUser(ctx context.Context, userID string, q SubscriptionQuery) ([]*model.Subscription, error)
	// SubscriptionsOfRoom pages a room's members' subscriptions, sorted by
	// "u.username" (default), "ts" or "_updatedAt".
	SubscriptionsOfRoom(ctx context.Context, roomID string, q MemberQuery, p Page) ([]*model.Subscription, int, error)
	// MemberIDs returns the user ids of every subscription of the room.
	MemberIDs(ctx context.Context, roomID string) ([]string, error)

	// Messages
	MessageByID(ctx context.Context, id string) (*model.Message, error)
	// ListMessages sorts by "ts" (default desc), "_updatedAt" or "tlm".
	// Hidden messages (model.Message.Hidden) are left out unless
	// q.IncludeHidden.
	ListMessages(ctx context.Context, q MessageQuery, p Page) ([]*model.Message, int, error)
	// SearchMessages does a full-text search of message text in one room,
	// newest first. Hidden messages are never found.
	SearchMessages(ctx context.Context, roomID, text string, p Page) ([]*model.Message, int, error)
	// Deleted lists records removed after since: the kind is "message"
	// (scoped to roomID), "room" or "subscription" (scoped to userID).
	Deleted(ctx context.Context, q DeletedQuery, p Page) ([]Tombstone, int, error)

	// Teams
	TeamByID(ctx context.Context, id string) (*model.Team, error)
	TeamByName(ctx context.Context, name string) (*model.Team, error) // exact name
	// ListTeams sorts by "name", "createdAt", "_updatedAt" (default createdAt asc).
	ListTeams(ctx context.Context, q TeamQuery, p Page) ([]*model.Team, int, error)
	TeamMember(ctx context.Context, teamID, userID string) (*model.TeamMember, error)
	// TeamMembers pages a team's members, sorted by "createdAt" (default)
	// or "username"; the user filters look at the member's user record.
	TeamMembers(ctx context.Context, teamID string, q TeamMemberQuery, p Page) ([]*model.TeamMember, int, error)

	// Uploads
	UploadByID(ctx context.Context, id string) (*model.Upload, error)
	// ListUploads sorts by "uploadedAt" (default desc), "name" or "size".
	ListUploads(ctx context.Context, q UploadQuery, p Page) ([]*model.Upload, int, error)

	// Roles, permissions, settings
	Roles(ctx context.Context) ([]*model.Role, error)
	RoleByID(ctx context.Context, id string) (*model.Role, error) // by id or by name
	// UsersInRole lists holders of a role: global holders when roomID is
	// "", else holders of the room role in that room. Sorted by username.
	UsersInRole(ctx context.Context, roleID, roomID string, p Page) ([]*model.User, int, error)
	Permissions(ctx context.Context) ([]*model.Permission, error)
	PermissionByID(ctx context.Context, id string) (*model.Permission, error)
	Settings(ctx context.Context) ([]*model.Setting, error)
	SettingByID(ctx context.Context, id string) (*model.Setting, error)

	// Counts for statistics.
	Counts(ctx context.Context) (Counts, error)
}

// Tx is a transaction: the reads of Reader (seeing the transaction's own
// writes) and the writes. Insert methods return ErrConflict on a duplicate.
// Update and Delete methods return ErrNotFound when the record is absent.
type Tx interface {
	Reader

	InsertUser(ctx context.Context, u *model.User) error
	UpdateUser(ctx context.Context, u *model.User) error // replaces the whole record
	// DeleteUser removes the user, their tokens, their services, their subscriptions
	// (leaving tombstones for the subscriptions) and their team
	// memberships. Messages stay.
	DeleteUser(ctx context.Context, id string) error
	SetPasswordHash(ctx context.Context, userID, hash string) error
	InsertToken(ctx context.Context, t *model.Token) error
	UpdateToken(ctx context.Context, t *model.Token) error
	DeleteToken(ctx context.Context, hash string) error
	// DeleteTokensOfUser removes a user's tokens of the given kind ("" for all)
	// except the one whose hash is keep (may be "").
	DeleteTokensOfUser(ctx context.Context, userID, kind, keep string) error
	// PutUserService inserts or replaces the user's record of s.Service;
	// ErrConflict when another user holds the same ExternalID of the
	// service, ErrNotFound when the user does not exist.
	PutUserService(ctx context.Context, s *model.UserService) error
	// DeleteUserService removes the user's record of the service.
	DeleteUserService(ctx context.Context, userID, service string) error
	// PutPending keeps value under key until expires (short-lived sign-in
	// handshake state); ErrConflict when a value that expires after now is
	// there. Values expired at now are removed.
	PutPending(ctx context.Context, key string, value []byte, expires, now model.Time) error
	// TakePending returns and removes the value under key if it expires
	// after now; ErrNotFound otherwise. Of two transactions taking the same
	// key, one gets it.
	TakePending(ctx context.Context, key string, now model.Time) ([]byte, error)
	// DeletePending removes key (no error when absent).
	DeletePending(ctx context.Context, key string) error

	InsertRoom(ctx context.Context, r *model.Room) error
	UpdateRoom(ctx context.Context, r *model.Room) error // replaces the whole record
	// DeleteRoom removes the room, its subscriptions and its messages,
	// leaving tombstones for the room and the subscriptions.
	DeleteRoom(ctx context.Context, id string) error

	InsertSubscription(ctx context.Context, s *model.Subscription) error
	UpdateSubscription(ctx context.Context, s *model.Subscription) error
	DeleteSubscription(ctx context.Context, id string) error // leaves a tombstone
	// UpdateSubscriptionsOfRoom applies the same change to many members'
	// subscriptions at once (the hot path of every new message) and returns
	// the ids of the users whose subscription changed.
	UpdateSubscriptionsOfRoom(ctx context.Context, roomID string, c SubscriptionChange) ([]string, error)
	// RenameSubscriptions sets name and fname of every subscription of a room.
	RenameSubscriptions(ctx context.Context, roomID, name, fname string, at model.Time) error
	// RenameUserInSubscriptions updates u.username/u.name in a user's
	// subscriptions and the names of their direct-message subscriptions seen by others.
	RenameUserInSubscriptions(ctx context.Context, userID, oldUsername, username, name string, at model.Time) error

	InsertMessage(ctx context.Context, m *model.Message) error
	UpdateMessage(ctx context.Context, m *model.Message) error // replaces the whole record
	// DeleteMessage removes the message, leaving a tombstone (with the
	// message's tmid, and Thread set for a thread's first message); a
	// hidden message leaves none.
	DeleteMessage(ctx context.Context, id string, at model.Time) error
	// HideMessage marks the message hidden (it stays stored, but no list,
	// search, count or sync returns it) and leaves a tombstone as
	// DeleteMessage does. Hiding a hidden message changes nothing.
	HideMessage(ctx context.Context, id string, at model.Time) error

	// InsertTeam adds a team; ErrConflict on a duplicate id or name.
	InsertTeam(ctx context.Context, t *model.Team) error
	UpdateTeam(ctx context.Context, t *model.Team) error // replaces the whole record
	// DeleteTeam removes the team and its memberships. Rooms are not touched.
	DeleteTeam(ctx context.Context, id string) error
	// UpsertTeamMember inserts or replaces the membership (teamId, userId).
	UpsertTeamMember(ctx context.Context, m *model.TeamMember) error
	DeleteTeamMember(ctx context.Context, teamID, userID string) error

	// InsertUpload adds an upload record; ErrConflict on a duplicate id.
	InsertUpload(ctx context.Context, u *model.Upload) error
	UpdateUpload(ctx context.Context, u *model.Upload) error // replaces the whole record
	DeleteUpload(ctx context.Context, id string) error

	UpsertRole(ctx context.Context, r *model.Role) error
	DeleteRole(ctx context.Context, id string) error
	UpsertPermission(ctx context.Context, p *model.Permission) error
	UpsertSetting(ctx context.Context, s *model.Setting) error

	// Emit records an event to publish if and only if the transaction commits.
	Emit(e model.Event)
}

// UserQuery filters ListUsers. Zero fields do not filter.
type UserQuery struct {
	Text    string   // case-insensitive substring of username, name or e-mail
	IDs     []string // only these ids
	Exclude []string // not these usernames
	Active  *bool
	Types   []string // user types ("user", "bot", ...)
	Roles   []string // holding any of these global roles
	// Statuses keeps the users whose status is one of these.
	Statuses []string
}

// RoomQuery filters ListRooms. Zero fields do not filter.
type RoomQuery struct {
	Types        []string // room types
	IDs          []string // only these ids
	Text         string   // case-insensitive substring of name or fname
	UpdatedSince model.Time
	Default      *bool
	Archived     *bool
	ParentRoomID string // only discussions of this parent room
	TeamID       string // only rooms of this team (its main room included)
	TeamMain     *bool  // only main rooms of teams (true) or only other rooms (false)
	TeamDefault  *bool  // only rooms (not) joined by every new team member
	// TeamOrParent, with TeamID and ParentRoomID both set, keeps the rooms of the
	// team or the discussions of ParentRoomID (instead of rooms matching both).
	TeamOrParent bool
	// MemberID keeps only the rooms this user is subscribed to, and those
	// of the types in AlsoTypes.
	MemberID  string
	AlsoTypes []string
	// ExcludeIDs leaves out these room ids.
	ExcludeIDs []string
	// NoDiscussions leaves out discussions (rooms with a parent).
	NoDiscussions bool
	// HiddenTeamIDs leaves out the rooms of these teams, except (with
	// MemberID) those the member is subscribed to.
	HiddenTeamIDs []string
}

// TeamQuery filters ListTeams. Zero fields do not filter.
type TeamQuery struct {
	IDs      []string
	MemberID string // only teams this user is a member of
	Type     *int
}

// TeamMemberQuery filters TeamMembers. Zero fields do not filter.
type TeamMemberQuery struct {
	Username string   // case-insensitive substring of the member's username
	Name     string   // case-insensitive substring of the member's name
	Statuses []string // the member's user status is one of these
	Active   *bool    // the member's user is (in)active
	Role     string   // the member holds this team role
	UserIDs  []string // only these users
}

// UploadQuery filters ListUploads. Zero fields do not filter.
type UploadQuery struct {
	IDs        []string
	RoomID     string
	UserID     string
	MessageID  string
	MessageIDs []string // uploads of any of these messages (an empty list filters nothing)
	Key        string   // the storage key
	TypeGroup  string   // "image", "thumb", ... (the major type, or "thumb")
	NoThumbs   bool     // leave thumbnails out
	Name       string   // case-insensitive substring of the name
	Type       string   // the content type starts with this
	Complete   *bool
	// ExpiresBefore keeps temporary uploads (expiresAt set) that expire
	// before it.
	ExpiresBefore model.Time
}

// SubscriptionQuery filters SubscriptionsOfUser.
type SubscriptionQuery struct {
	UpdatedSince model.Time // only those updated strictly after
	Types        []string
	Open         *bool
}

// MemberQuery filters SubscriptionsOfRoom.
type MemberQuery struct {
	Text string // case-insensitive substring of the member's username or name
}

// MessageQuery filters ListMessages. Zero fields do not filter.
type MessageQuery struct {
	RoomID string
	// Before and After bound ts (exclusive unless Inclusive).
	Before, After     model.Time
	Inclusive         bool
	UpdatedSince      model.Time // _updatedAt strictly after
	UpdatedBefore     model.Time // _updatedAt strictly before
	ThreadID          string     // only replies in this thread
	ThreadsOnly       bool       // only thread parents (tcount > 0)
	HideThreadReplies bool       // exclude replies that are not shown in the room (tmid set and tshow false)
	Pinned            bool
	NotPinned         bool     // only messages that are not pinned
	NoThreads         bool     // neither thread replies nor thread parents (tcount > 0)
	StarredBy         string   // user id
	FollowedBy        string   // user id listed in the thread's replies (its followers)
	MentionsUser      string   // user id
	FromUser          string   // user id of the author
	FromUsers         []string // when not nil, only messages by these user ids (an empty list matches none)
	ExcludeTypes      []string // message types (t) to leave out
	OnlyUserMessages  bool     // only messages with an empty t
	IDs               []string
	TextContains      string // case-insensitive substring of msg
	IncludeHidden     bool   // also hidden messages (kept previous versions)
	OnlyHidden        bool   // only hidden messages
	DiscussionID      string // only messages linking to this discussion
	Discussions       bool   // only messages that start a discussion (drid set)
	NoDiscussions     bool   // only messages that start no discussion
}

// DeletedQuery filters Deleted.
type DeletedQuery struct {
	Kind   string // "message", "room" or "subscription"
	RoomID string // for messages
	UserID string // for subscriptions
	// For messages: only replies of this thread, or only threads' first
	// messages.
	ThreadID    string
	ThreadsOnly bool
	Since       model.Time
	Before      model.Time // zero: no upper bound
}

// Tombstone kinds.
const (
	KindMessage      = "message"
	KindRoom         = "room"
	KindSubscription = "subscription"
)

// Tombstone records a removed record, for sync calls (rooms.get's remove,
// chat.getDeletedMessages).
type Tombstone struct {
	ID        string
	Kind      string
	RoomID    string
	UserID    string
	DeletedAt model.Time
	ThreadID  string // messages: the thread the message replied to
	Thread    bool   // messages: it was a thread's first message
}

// SubscriptionChange is a bulk change of a room's subscriptions, applied in
// one statement per kind of change. Users in Exclude are left untouched.
type SubscriptionChange struct {
	Exclude []string   // user ids left untouched (typically the author)
	At      model.Time // new _updatedAt of every changed subscription
	// For every member not excluded: open the subscription, set alert,
	// and add IncUnread to unread. A member whose subscription these leave
	// as it was (already open and alerted, IncUnread 0, no group mention,
	// no archive change) is not changed, and not reported, unless named in
	// Mentioned or ThreadUsers.
	Open      bool
	Alert     bool
	IncUnread int
	// Members in these lists also get userMentions+1 / groupMentions+1
	// (and, when IncUnreadOnMention, unread+1 when IncUnread is 0).
	Mentioned          []string
	GroupMentioned     bool // every member not excluded gets groupMentions+1
	IncUnreadOnMention bool
	// Thread unread: the thread id is added to tunread for ThreadUsers, and
	// also to tunreadUser for those in Mentioned.
	ThreadID    string
	ThreadUsers []string
	// Archived sets the archived flag when non-nil.
	Archived *bool
}

// Counts are the record counts shown in statistics.
type Counts struct {
	TotalUsers, ActiveUsers, OnlineUsers, AwayUsers, BusyUsers, OfflineUsers            int
	TotalRooms, TotalChannels, TotalPrivateGroups, TotalDirect                          int
	TotalMessages, TotalChannelMessages, TotalPrivateGroupMessages, TotalDirectMessages int
}

// Integrations keeps the webhook integrations and the history of their
// calls. It is separate from Store's transactions: no domain event rides
// on these writes. Backends implement it on their database type.
type Integrations interface {
	// IntegrationByID returns the integration, or ErrNotFound.
	IntegrationByID(ctx context.Context, id string) (*model.Integration, error)
	// ListIntegrations pages the integrations matching q, sorted by
	// "_createdAt" (default desc), "_updatedAt" or "name".
	ListIntegrations(ctx context.Context, q IntegrationQuery, p Page) ([]*model.Integration, int, error)
	// InsertIntegration adds it; ErrConflict on a duplicate id.
	InsertIntegration(ctx context.Context, it *model.Integration) error
	// UpdateIntegration replaces the integration it.ID; ErrNotFound when absent.
	UpdateIntegration(ctx context.Context, it *model.Integration) error
	// DeleteIntegration removes the integration and its history;
	// ErrNotFound when absent.
	DeleteIntegration(ctx context.Context, id string) error
	// SaveIntegrationHistory inserts or replaces the entry h.ID.
	SaveIntegrationHistory(ctx context.Context, h *model.IntegrationHistory) error
	// IntegrationHistoryEntry returns entry id of an integration's
	// history, or ErrNotFound.
	IntegrationHistoryEntry(ctx context.Context, integrationID, id string) (*model.IntegrationHistory, error)
	// IntegrationHistory pages an integration's history, sorted by
	// "_updatedAt" (default desc) or "_createdAt".
	IntegrationHistory(ctx context.Context, integrationID string, p Page) ([]*model.IntegrationHistory, int, error)
	// ClearIntegrationHistory removes an integration's history and returns
	// how many entries it removed.
	ClearIntegrationHistory(ctx context.Context, integrationID string) (int, error)
}

// IntegrationQuery filters ListIntegrations. Zero fields do not filter.
type IntegrationQuery struct {
	Types   []string // integration types
	Enabled *bool
	Name    string // case-insensitive substring of the name
	// Scopes, when not nil, keep the integrations matching any scope (an
	// empty list matches none): those of the scope's type, and created by
	// CreatedBy when it is set. It expresses who may see what.
	Scopes []IntegrationScope
}

// IntegrationScope is one kind of integration a caller may see.
type IntegrationScope struct {
	Type      string
	CreatedBy string // "" for any creator
}
