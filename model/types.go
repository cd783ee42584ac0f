package model

// Room types (Rocket.Chat's IRoom.t).
const (
	RoomChannel = "c" // public channel
	RoomPrivate = "p" // private group
	RoomDirect  = "d" // direct message (1:1 or multi-user)
)

// User types (IUser.type).
const (
	UserTypeUser = "user"
	UserTypeBot  = "bot"
	UserTypeApp  = "app"
)

// Presence statuses (IUser.status and statusDefault).
const (
	StatusOnline  = "online"
	StatusAway    = "away"
	StatusBusy    = "busy"
	StatusOffline = "offline"
	// StatusInvisible is a statusDefault only: others see the user offline.
	StatusInvisible = "invisible"
)

// UserRef is the short form of a user embedded in other records (IMessage.u, IRoom.u).
type UserRef struct {
	ID       string `json:"_id"`
	Username string `json:"username"`
	Name     string `json:"name,omitempty"`
}

// Email is one of a user's e-mail addresses.
type Email struct {
	Address  string `json:"address"`
	Verified bool   `json:"verified"`
}

// User is an account: a person, a bot or an app (IUser).
// Secrets (password hash, tokens) are kept apart, never in this struct.
type User struct {
	ID                    string         `json:"_id"`
	CreatedAt             Time           `json:"createdAt"`
	UpdatedAt             Time           `json:"_updatedAt"`
	Username              string         `json:"username"`
	Name                  string         `json:"name"`
	Nickname              string         `json:"nickname,omitempty"`
	Bio                   string         `json:"bio,omitempty"`
	Emails                []Email        `json:"emails,omitempty"`
	Type                  string         `json:"type"`
	Active                bool           `json:"active"`
	Roles                 []string       `json:"roles"`
	Status                string         `json:"status"`
	StatusDefault         string         `json:"statusDefault,omitempty"`
	StatusText            string         `json:"statusText,omitempty"`
	StatusConnection      string         `json:"statusConnection,omitempty"`
	UTCOffset             float64        `json:"utcOffset"`
	LastLogin             Time           `json:"lastLogin,omitzero"`
	Language              string         `json:"language,omitempty"`
	AvatarETag            string         `json:"avatarETag,omitempty"`
	RequirePasswordChange bool           `json:"requirePasswordChange,omitempty"`
	CustomFields          map[string]any `json:"customFields,omitempty"`
	Settings              *UserSettings  `json:"settings,omitempty"`
	// Federated marks a remote (Matrix) user: named user:server, with no
	// password, unable to log in.
	Federated bool `json:"federated,omitempty"`
}

// UserSettings holds a user's preferences (IUser.settings).
type UserSettings struct {
	Preferences map[string]any `json:"preferences"`
}

// Ref returns the short form of u.
func (u *User) Ref() UserRef { return UserRef{ID: u.ID, Username: u.Username, Name: u.Name} }

// Email returns the user's first e-mail address, or "".
func (u *User) Email() string {
	if len(u.Emails) == 0 {
		return ""
	}
	return u.Emails[0].Address
}

// HasRole reports whether u holds the global role.
func (u *User) HasRole(role string) bool {
	for _, r := range u.Roles {
		if r == role {
			return true
		}
	}
	return false
}

// Room is a channel, private group or direct conversation (IRoom).
type Room struct {
	ID             string   `json:"_id"`
	Type           string   `json:"t"`
	Name           string   `json:"name,omitempty"`
	DisplayName    string   `json:"fname,omitempty"`
	Creator        *UserRef `json:"u,omitempty"`
	Topic          string   `json:"topic,omitempty"`
	Description    string   `json:"description,omitempty"`
	Announcement   string   `json:"announcement,omitempty"`
	ReadOnly       bool     `json:"ro"`
	SystemMessages bool     `json:"sysMes"`
	Default        bool     `json:"default"`
	Featured       bool     `json:"featured,omitempty"`
	Broadcast      bool     `json:"broadcast,omitempty"`
	Encrypted      bool     `json:"encrypted,omitempty"`
	Archived       bool     `json:"archived,omitempty"`
	MessageCount   int      `json:"msgs"`
	UsersCount     int      `json:"usersCount"`
	CreatedAt      Time     `json:"ts"`
	UpdatedAt      Time     `json:"_updatedAt"`
	LastMessageAt  Time     `json:"lm,omitzero"`
	LastMessage    *Message `json:"lastMessage,omitempty"`
	Usernames      []string `json:"usernames,omitempty"`
	UserIDs        []string `json:"uids,omitempty"`
	Muted          []string `json:"muted,omitempty"`
	Unmuted        []string `json:"unmuted,omitempty"` // may post in a read-only room without post-readonly
	ParentRoomID   string   `json:"prid,omitempty"`
	TeamID         string   `json:"teamId,omitempty"`      // the team the room belongs to (its main room or one of its rooms)
	TeamMain       bool     `json:"teamMain,omitempty"`    // the team's main room
	TeamDefault    bool     `json:"teamDefault,omitempty"` // a room every new team member joins
	JoinCode       string   `json:"-"`
	// JoinCodeRequired is shown instead of the code itself.
	JoinCodeRequired bool           `json:"joinCodeRequired,omitempty"`
	CustomFields     map[string]any `json:"customFields,omitempty"`
	AvatarETag       string         `json:"avatarETag,omitempty"`
	// E2EKeyID identifies the room key of an encrypted room (the first 12
	// characters of the key's digest, set by the client that made the key).
	E2EKeyID string `json:"e2eKeyId,omitempty"`
	// UsersWaitingForE2EKeys is the queue of members who have a public key
	// but no copy of the room key yet; members' clients provide them one.
	UsersWaitingForE2EKeys []E2EQueueEntry `json:"usersWaitingForE2EKeys,omitempty"`
	// Federated marks a room bridged to Matrix (federation/matrix).
	Federated bool `json:"federated,omitempty"`
}

// E2EQueueEntry is one member waiting for an encrypted room's key.
type E2EQueueEntry struct {
	UserID string `json:"userId"`
	At     Time   `json:"ts"`
}

// OldRoomKey is a room key a member held before the room's key was reset,
// kept so that older messages stay readable (ISubscription.oldRoomKeys).
type OldRoomKey struct {
	KeyID  string `json:"e2eKeyId"`
	At     Time   `json:"ts"`
	E2EKey string `json:"E2EKey"`
}

// IsMuted reports whether username is muted in the room.
func (r *Room) IsMuted(username string) bool {
	for _, m := range r.Muted {
		if m == username {
			return true
		}
	}
	return false
}

// Subscription is one user's membership of one room, with the per-user
// state of that room: unread counters, favourite, open/hidden, room roles (ISubscription).
type Subscription struct {
	ID                        string   `json:"_id"`
	RoomID                    string   `json:"rid"`
	User                      UserRef  `json:"u"`
	RoomType                  string   `json:"t"`
	Name                      string   `json:"name"`
	DisplayName               string   `json:"fname,omitempty"`
	JoinedAt                  Time     `json:"ts"`
	UpdatedAt                 Time     `json:"_updatedAt"`
	LastSeen                  Time     `json:"ls,omitzero"`
	Open                      bool     `json:"open"`
	Alert                     bool     `json:"alert"`
	Unread                    int      `json:"unread"`
	UserMentions              int      `json:"userMentions"`
	GroupMentions             int      `json:"groupMentions"`
	Favorite                  bool     `json:"f,omitempty"`
	Roles                     []string `json:"roles,omitempty"`
	Archived                  bool     `json:"archived,omitempty"`
	ParentRoomID              string   `json:"prid,omitempty"`
	UnreadThreads             []string `json:"tunread,omitempty"`
	UnreadThreadMentions      []string `json:"tunreadUser,omitempty"`
	UnreadThreadGroupMentions []string `json:"tunreadGroup,omitempty"`
	DisableNotifications      bool     `json:"disableNotifications,omitempty"`
	HideUnreadStatus          bool     `json:"hideUnreadStatus,omitempty"`
	UnreadAlert               string   `json:"unreadAlert,omitempty"`
	DesktopNotifications      string   `json:"desktopNotifications,omitempty"`
	MobilePushNotifications   string   `json:"mobilePushNotifications,omitempty"`
	EmailNotifications        string   `json:"emailNotifications,omitempty"`
	UserHighlights            []string `json:"userHighlights,omitempty"`
	HideMentionStatus         bool     `json:"hideMentionStatus,omitempty"`
	MuteGroupMentions         bool     `json:"muteGroupMentions,omitempty"`
	AudioNotificationValue    string   `json:"audioNotificationValue,omitempty"`
	// DesktopPrefOrigin, MobilePrefOrigin and EmailPrefOrigin tell where
	// the three notification preferences above come from: "subscription"
	// (chosen for this room) or "user" (copied from the user's preferences,
	// and changed with them); "" when the field is unset.
	DesktopPrefOrigin string `json:"desktopPrefOrigin,omitempty"`
	MobilePrefOrigin  string `json:"mobilePrefOrigin,omitempty"`
	EmailPrefOrigin   string `json:"emailPrefOrigin,omitempty"`
	// E2EKey is this member's copy of the room key, encrypted with the
	// member's public key by a client; E2ESuggestedKey one a client offered
	// that the member has not accepted yet. The server never reads them.
	E2EKey               string       `json:"E2EKey,omitempty"`
	E2ESuggestedKey      string       `json:"E2ESuggestedKey,omitempty"`
	OldRoomKeys          []OldRoomKey `json:"oldRoomKeys,omitempty"`
	SuggestedOldRoomKeys []OldRoomKey `json:"suggestedOldRoomKeys,omitempty"`
	// Ignored lists the ids of the users whose messages this member hides
	// in the room (Rocket.Chat's ignoreUser); they are not notified of them.
	Ignored []string `json:"ignored,omitempty"`
}

// HasRole reports whether the subscription carries the room role.
func (s *Subscription) HasRole(role string) bool {
	for _, r := range s.Roles {
		if r == role {
			return true
		}
	}
	return false
}

// Mention is one user mentioned in a message (IMessage.mentions). The
// special mentions @all and @here appear with ids "all" and "here".
type Mention struct {
	ID       string `json:"_id"`
	Username string `json:"username"`
	Name     string `json:"name,omitempty"`
	Type     string `json:"type,omitempty"`
}

// ChannelRef is a channel mentioned with #name (IMessage.channels).
type ChannelRef struct {
	ID   string `json:"_id"`
	Name string `json:"name"`
}

// Reaction lists who reacted with one emoji.
type Reaction struct {
	Usernames []string `json:"usernames"`
	Names     []string `json:"names,omitempty"`
}

// Starrer is one user who starred a message.
type Starrer struct {
	ID string `json:"_id"`
}

// Message is a chat message or a system message (IMessage). System messages
// have a non-empty T (for example "uj", "room_changed_topic").
type Message struct {
	ID                      string               `json:"_id"`
	RoomID                  string               `json:"rid"`
	Msg                     string               `json:"msg"`
	SentAt                  Time                 `json:"ts"`
	Author                  UserRef              `json:"u"`
	UpdatedAt               Time                 `json:"_updatedAt"`
	Type                    string               `json:"t,omitempty"`
	ThreadID                string               `json:"tmid,omitempty"`
	ShowInRoom              bool                 `json:"tshow,omitempty"`
	Alias                   string               `json:"alias,omitempty"`
	Emoji                   string               `json:"emoji,omitempty"`
	Avatar                  string               `json:"avatar,omitempty"`
	Groupable               *bool                `json:"groupable,omitempty"`
	Mentions                []Mention            `json:"mentions"`
	Channels                []ChannelRef         `json:"channels"`
	Attachments             []map[string]any     `json:"attachments,omitempty"`
	File                    *FileRef             `json:"file,omitempty"`  // the uploaded file (the first of Files)
	Files                   []FileRef            `json:"files,omitempty"` // the upload and its thumbnail
	Reactions               map[string]*Reaction `json:"reactions,omitempty"`
	Pinned                  bool                 `json:"pinned,omitempty"`
	PinnedAt                Time                 `json:"pinnedAt,omitzero"`
	PinnedBy                *UserRef             `json:"pinnedBy,omitempty"`
	Starred                 []Starrer            `json:"starred,omitempty"`
	EditedAt                Time                 `json:"editedAt,omitzero"`
	EditedBy                *UserRef             `json:"editedBy,omitempty"`
	ThreadCount             int                  `json:"tcount,omitempty"`
	ThreadLastMessageAt     Time                 `json:"tlm,omitzero"`
	Replies                 []string             `json:"replies,omitempty"`
	DiscussionID            string               `json:"drid,omitempty"` // the discussion this message links to
	DiscussionCount         int                  `json:"dcount,omitempty"`
	DiscussionLastMessageAt Time                 `json:"dlm,omitzero"`
	Role                    string               `json:"role,omitempty"`
	Hidden                  bool                 `json:"_hidden,omitempty"`
	// Unread marks a message some member other than its sender has not
	// read yet; set only while Message_Read_Receipt_Enabled is on.
	Unread       bool             `json:"unread,omitempty"`
	Parent       string           `json:"parent,omitempty"` // of a hidden previous version: the message it was
	ParseURLs    bool             `json:"parseUrls,omitempty"`
	URLs         []map[string]any `json:"urls,omitempty"`
	CustomFields map[string]any   `json:"customFields,omitempty"`
	// Bot marks a message posted by an integration or a bot ({"i": id}).
	Bot map[string]any `json:"bot,omitempty"`
	// E2E is the state of an end-to-end encrypted message (t "e2e"):
	// "pending" until its sender's client confirms it, then "done".
	E2E string `json:"e2e,omitempty"`
	// Content is an encrypted message's ciphertext; the server stores and
	// relays it unread.
	Content *EncryptedContent `json:"content,omitempty"`
}

// MessageTypeE2E is the type (t) of an end-to-end encrypted message.
const MessageTypeE2E = "e2e"

// EncryptedContent is the ciphertext of an end-to-end encrypted message
// (IMessage.content): rc.v1.aes-sha2 carries the key id inside the
// ciphertext, rc.v2.aes-sha2 names it (kid) and the IV beside it.
type EncryptedContent struct {
	Algorithm  string `json:"algorithm"`
	KeyID      string `json:"kid,omitempty"`
	IV         string `json:"iv,omitempty"`
	Ciphertext string `json:"ciphertext"`
}

// Role is a named set of permissions, global or room-scoped (IRole).
type Role struct {
	ID           string `json:"_id"`
	Name         string `json:"name"`
	Scope        string `json:"scope"` // "Users" (global) or "Subscriptions" (room)
	Description  string `json:"description"`
	Protected    bool   `json:"protected"`
	Mandatory2FA bool   `json:"mandatory2fa"`
	UpdatedAt    Time   `json:"_updatedAt"`
}

// Role scopes.
const (
	ScopeUsers         = "Users"
	ScopeSubscriptions = "Subscriptions"
)

// Permission maps a permission id to the roles that hold it (IPermission).
type Permission struct {
	ID        string   `json:"_id"`
	Roles     []string `json:"roles"`
	UpdatedAt Time     `json:"_updatedAt"`
}

// Setting is one server setting (ISetting, the fields clients read).
type Setting struct {
	ID           string         `json:"_id"`
	Value        any            `json:"value"`
	PackageValue any            `json:"packageValue,omitempty"`
	Type         string         `json:"type"` // boolean, string, int, select, ...
	Public       bool           `json:"public"`
	Group        string         `json:"group,omitempty"`
	Section      string         `json:"section,omitempty"`
	Hidden       bool           `json:"hidden,omitempty"`
	Blocked      bool           `json:"blocked,omitempty"`
	Values       []SettingValue `json:"values,omitempty"`
	UpdatedAt    Time           `json:"_updatedAt"`
}

// SettingValue is one choice of a select setting.
type SettingValue struct {
	Key   string `json:"key"`
	Label string `json:"i18nLabel"`
}

// Token kinds.
const (
	TokenLogin    = "login"    // a resume token made by logging in
	TokenPersonal = "personal" // a personal access token
)

// Token is a hashed credential (a login resume token or a personal access token).
// Only the hash is stored: Rocket.Chat's hashedToken, base64(sha256(token)).
type Token struct {
	Hash            string `json:"hashedToken"`
	UserID          string `json:"-"`
	Kind            string `json:"type,omitempty"`
	Name            string `json:"name,omitempty"`
	CreatedAt       Time   `json:"createdAt"`
	ExpiresAt       Time   `json:"expiresAt,omitzero"`
	LastTokenPart   string `json:"lastTokenPart,omitempty"`
	BypassTwoFactor bool   `json:"bypassTwoFactor,omitempty"`
	// TwoFactorAuthorizedUntil and TwoFactorAuthorizedHash: a second factor
	// checked on this token is remembered until then for the client with
	// that fingerprint (Rocket.Chat's twoFactorAuthorizedUntil/Hash).
	TwoFactorAuthorizedUntil Time   `json:"twoFactorAuthorizedUntil,omitzero"`
	TwoFactorAuthorizedHash  string `json:"twoFactorAuthorizedHash,omitempty"`
}

// UserService is what a user keeps for one sign-in service or factor
// (Rocket.Chat's services.<service>): an external account link (ldap,
// saml, an OAuth service) with the provider's id for the person, or the
// user's two-factor state (service "twofactor", no ExternalID). Data is the
// service's own JSON, never shown to clients.
type UserService struct {
	UserID  string
	Service string
	// ExternalID is the provider's stable id for the person; "" when the
	// service is not an account link. Unique per service.
	ExternalID string
	Data       []byte
	UpdatedAt  Time
}

// Team types (ITeam.type).
const (
	TeamPublic  = 0 // its main room is a channel
	TeamPrivate = 1 // its main room is a private group
)

// Team is a group of users with a main room and rooms of its own (ITeam).
// The main room carries teamMain and teamId; the team's other rooms carry
// teamId.
type Team struct {
	ID        string  `json:"_id"`
	Name      string  `json:"name"`
	Type      int     `json:"type"`
	RoomID    string  `json:"roomId"`
	CreatedBy UserRef `json:"createdBy"` // _id and username
	CreatedAt Time    `json:"createdAt"`
	UpdatedAt Time    `json:"_updatedAt"`
}

// TeamMember is one user's membership of a team, with their team roles
// (ITeamMember). It follows the user's subscription to the team's main room.
type TeamMember struct {
	TeamID    string   `json:"teamId"`
	UserID    string   `json:"userId"`
	Roles     []string `json:"roles,omitempty"`
	CreatedBy UserRef  `json:"createdBy"` // who added the member: _id and username
	CreatedAt Time     `json:"createdAt"`
	UpdatedAt Time     `json:"_updatedAt"`
}

// HasRole reports whether the member holds the team role.
func (m *TeamMember) HasRole(role string) bool {
	for _, r := range m.Roles {
		if r == role {
			return true
		}
	}
	return false
}

// CustomUserStatus is a preset status administrators define: a name shown
// as the status text and the status it sets (ICustomUserStatus).
type CustomUserStatus struct {
	ID         string `json:"_id"`
	Name       string `json:"name"`
	StatusType string `json:"statusType"`
	UpdatedAt  Time   `json:"_updatedAt"`
}

// Invite is an invitation link to a room, in Rocket.Chat's IInvite shape
// (package invites keeps them). Uses is counted by the store apart from
// the rest.
type Invite struct {
	ID        string `json:"_id"`
	Token     string `json:"inviteToken"`
	RoomID    string `json:"rid"`
	UserID    string `json:"userId"`
	Days      int    `json:"days"`
	MaxUses   int    `json:"maxUses"`
	Uses      int    `json:"uses"`
	CreatedAt Time   `json:"createdAt"`
	Expires   *Time  `json:"expires"`
	UpdatedAt Time   `json:"_updatedAt"`
	URL       string `json:"url"`
}
