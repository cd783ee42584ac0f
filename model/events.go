package model

// Event is a domain event: a fact about a committed change, published on the
// bus after the write that caused it commits. Consumers (the realtime hub,
// notifications, webhooks, federation) react to events; they must be
// idempotent, since a scaled-out bus delivers at least once.
type Event interface {
	// EventKind names the event type, stable across versions (used as the
	// type tag when events travel between instances).
	EventKind() string
}

// Change actions carried by RoomChanged and SubscriptionChanged.
const (
	ActionInserted = "inserted"
	ActionUpdated  = "updated"
	ActionRemoved  = "removed"
)

// MessageSaved reports a message that was created or changed (edited,
// reacted to, pinned, starred, thread counters). Notify lists the users who
// should get a notification for a new message (mentioned users, DM members).
type MessageSaved struct {
	Message  *Message
	RoomType string
	RoomName string
	Created  bool
	Notify   []string
	Pos      Position
}

// MessageDeleted reports a message that was removed from its room.
type MessageDeleted struct {
	RoomID    string
	MessageID string
	ThreadID  string
	Pos       Position
}

// MessagesPruned reports messages removed from a room in bulk (a history
// clean-up). IDs lists every removed message; the other fields describe
// the request, as Rocket.Chat's deleteMessageBulk event carries them.
type MessagesPruned struct {
	RoomID           string
	IDs              []string
	Oldest, Latest   Time
	Inclusive        bool
	ExcludePinned    bool
	IgnoreDiscussion bool
	Usernames        []string // the authors it was limited to; empty: everyone
	Pos              Position
}

// EphemeralMessage is a message shown to one user only, in a room, and
// never stored: a server notice such as "you have been muted" or "you
// mentioned someone who is not in this room". Transports give it an id and
// a timestamp when they deliver it.
type EphemeralMessage struct {
	UserID   string
	RoomID   string
	Msg      string
	ThreadID string
	Mentions []Mention
	// Blocks are UI-kit blocks shown instead of (or beside) Msg.
	Blocks  []map[string]any
	Private bool
}

// DesktopNotification is an in-app notification for one user about a
// message (Rocket.Chat's notifyDesktopUser), delivered to the user's open
// connections on stream-notify-user "<uid>/notification"; never stored.
type DesktopNotification struct {
	UserID   string
	Title    string
	Text     string
	Duration int // seconds on screen; 0: the client's default
	// What the notification opens.
	MessageID   string
	RoomID      string
	RoomType    string
	RoomName    string
	ThreadID    string
	Sender      UserRef
	Msg         string
	MessageType string
}

// RoomChanged reports a room that was created, changed or removed. Room holds
// the room as it is now (for ActionRemoved, as it was).
type RoomChanged struct {
	Action string
	Room   *Room
	Pos    Position
}

// SubscriptionChanged reports a membership created, changed or removed. A
// removal must stop delivery of the room's events to that user at once.
type SubscriptionChanged struct {
	Action       string
	Subscription *Subscription
	Pos          Position
}

// UserChanged reports a change of a user's public profile (name, username,
// avatar, active flag, roles). Fields lists the names that changed.
type UserChanged struct {
	User   *User
	Fields []string
	// PreviousUsername is set when the username changed.
	PreviousUsername string
	Pos              Position
}

// UserCreated reports a new account (the outgoing webhooks' userCreated
// event). It carries no stream position: no client stream delivers it.
type UserCreated struct {
	User *User
}

// UserDeleted reports a removed account.
type UserDeleted struct {
	UserID   string
	Username string
	Pos      Position
}

// LoginTokensRemoved reports login (resume or personal access) tokens
// taken from a user: the connections that logged in with one of them end,
// as Meteor closes a connection whose token disappears. Hashes lists the
// removed tokens' hashes (never the tokens).
type LoginTokensRemoved struct {
	UserID string
	Hashes []string
}

// AuthChanged reports a write to what authenticates a user: the user's
// record (active flag, roles, profile), password or login tokens. The
// stores emit it themselves from those writes, so that caches of
// authenticated sessions (auth.Sessions) drop what they hold on every
// instance. UserID is empty when only token hashes are known.
type AuthChanged struct {
	UserID string
	Hashes []string
}

// PresenceChanged reports a user's visible status (invisible shows as offline).
type PresenceChanged struct {
	UserID     string
	Username   string
	Status     string
	StatusText string
	Pos        Position
}

// RoleChanged reports a role granted or revoked; Scope is a room id for room
// roles, empty for global roles.
type RoleChanged struct {
	Type     string // "added", "removed", "changed"
	RoleID   string
	UserID   string
	Username string
	Scope    string
	// Role is the role as it now is, for a definition created or changed
	// (Type "changed" with no UserID).
	Role *Role `json:",omitempty"`
	Pos  Position
}

// PermissionChanged reports a permission whose roles changed.
type PermissionChanged struct {
	Permission *Permission
	Pos        Position
}

// SettingChanged reports a setting whose value changed.
type SettingChanged struct {
	Setting *Setting
	Pos     Position
}

// EmojiChanged reports a custom emoji added or changed (ActionUpdated) or
// removed (ActionRemoved). Like Rocket.Chat's broadcast it is published
// after the write commits, best effort, and carries no position.
type EmojiChanged struct {
	Action string
	Emoji  *Emoji
}

// CustomUserStatusChanged reports a custom user status created or changed
// (ActionUpdated, with the previous name and type of a changed one) or
// removed (ActionRemoved). Published after the write commits, best effort,
// without a position, as EmojiChanged.
type CustomUserStatusChanged struct {
	Action             string
	Status             *CustomUserStatus
	PreviousName       string
	PreviousStatusType string
}

// UserActivity is an ephemeral event (typing and similar); it is never stored.
type UserActivity struct {
	RoomID     string
	Username   string
	Activities []string // e.g. ["user-typing"], empty when the activity stops
	Extras     map[string]any
}

// E2EKeyRequest asks the members of an encrypted room for a copy of its
// key; it is relayed, never stored. Without Recipients it goes to the
// room's stream-notify-room "<rid>/e2e.keyRequest" with [KeyID] (the
// server's request when a member needs the key); with them, to each
// recipient's stream-notify-user "<uid>/e2ekeyRequest" with [RoomID,
// KeyID] (a member's request relayed from stream-notify-room-users).
type E2EKeyRequest struct {
	RoomID     string
	KeyID      string
	Recipients []string `json:",omitempty"`
}

// InviteCreated tells the creator of an invitation link that it was made
// (Rocket.Chat's notify.updateInvites); it is relayed, never stored. The
// hub sends it to the creator's stream-notify-user "<uid>/updateInvites"
// as {invite}.
type InviteCreated struct {
	Invite Invite
}

func (InviteCreated) EventKind() string { return "invite.created" }

func (MessageSaved) EventKind() string            { return "message.saved" }
func (MessageDeleted) EventKind() string          { return "message.deleted" }
func (MessagesPruned) EventKind() string          { return "messages.pruned" }
func (EphemeralMessage) EventKind() string        { return "message.ephemeral" }
func (DesktopNotification) EventKind() string     { return "notification.desktop" }
func (RoomChanged) EventKind() string             { return "room.changed" }
func (SubscriptionChanged) EventKind() string     { return "subscription.changed" }
func (UserChanged) EventKind() string             { return "user.changed" }
func (UserDeleted) EventKind() string             { return "user.deleted" }
func (UserCreated) EventKind() string             { return "user.created" }
func (PresenceChanged) EventKind() string         { return "presence.changed" }
func (LoginTokensRemoved) EventKind() string      { return "tokens.removed" }
func (AuthChanged) EventKind() string             { return "auth.changed" }
func (RoleChanged) EventKind() string             { return "role.changed" }
func (E2EKeyRequest) EventKind() string           { return "e2e.key_request" }
func (PermissionChanged) EventKind() string       { return "permission.changed" }
func (SettingChanged) EventKind() string          { return "setting.changed" }
func (UserActivity) EventKind() string            { return "user.activity" }
func (EmojiChanged) EventKind() string            { return "emoji.changed" }
func (CustomUserStatusChanged) EventKind() string { return "userstatus.changed" }
