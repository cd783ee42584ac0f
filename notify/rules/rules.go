package rules

import (
	"slices"
	"time"
	"unicode"
)

// Channel is a way of notifying a user.
type Channel string

// Channels, in the order Compute lists a member's deliveries.
const (
	// Desktop is the in-app notification sent over the user's open
	// connections (stream-notify-user "<uid>/notification"); never queued.
	Desktop Channel = "desktop"
	// Mobile is a push notification to the user's mobile apps.
	Mobile Channel = "mobile"
	// WebPush is a push notification to the user's browsers (Liftoff's
	// addition; it follows the desktop preference, see docs/notifications.md).
	WebPush Channel = "webpush"
	// Email is an e-mail to the user's first verified address.
	Email Channel = "email"
)

// Pref is a notification preference: of a subscription
// (desktopNotifications, mobilePushNotifications, emailNotifications), of
// a user (desktopNotifications, pushNotifications, emailNotificationMode) or
// a server default (Accounts_Default_User_Preferences_*).
type Pref string

// Preference values. "" and "default" both mean "not set here: ask the
// next level".
const (
	Unset    Pref = ""
	All      Pref = "all"
	Mentions Pref = "mentions"
	Nothing  Pref = "nothing"
	Default  Pref = "default"
)

func (p Pref) set() bool { return p != Unset && p != Default }

// emailMode reads a user's emailNotificationMode, with the old values
// Rocket.Chat still accepts ("all" is "mentions", "disabled" is "nothing").
func emailMode(p Pref) Pref {
	switch p {
	case "all":
		return Mentions
	case "disabled":
		return Nothing
	}
	return p
}

// Mention is one entry of a message's mentions.
type Mention struct {
	ID   string // a user id, or "all" / "here"
	Type string // "", "user" or "team"
}

// Message is the message to notify about.
type Message struct {
	ID       string
	Text     string // msg, for highlighted words
	Type     string // t: "" for a user message, "videoconf", "e2e"...
	Tmid     string // thread parent, for a thread reply
	Tshow    bool   // a thread reply also shown in the room
	TS       time.Time
	Edited   bool // editedAt is set: edits notify no one
	Mentions []Mention
}

// Room is the message's room.
type Room struct {
	ID   string
	Type string // "c", "p", "d"
	// MemberCount is the number of members (Rocket.Chat counts the users
	// in the room); 0 means len(Input.Members).
	MemberCount int
}

// Sender is the message's author.
type Sender struct {
	ID       string
	Username string
	Name     string
}

// Thread describes the thread a reply belongs to.
type Thread struct {
	// FirstReply is true when the parent had no reply before this one.
	FirstReply bool
	// ParentAuthor is the parent message's author.
	ParentAuthor string
	// Followers are the users following the thread (the parent's replies
	// field). On a first reply Rocket.Chat notifies the parent's author
	// instead (and, in a direct room, its members).
	Followers []string
}

// UserPrefs are a user's notification preferences (settings.preferences).
type UserPrefs struct {
	Desktop    Pref     // desktopNotifications
	Push       Pref     // pushNotifications
	EmailMode  Pref     // emailNotificationMode
	Highlights []string // highlights: words that notify like a mention
	// EnableMobileRinging is nil when the user did not choose.
	EnableMobileRinging *bool
}

// Member is one member of the room: their subscription's notification
// fields, their preferences and their presence.
type Member struct {
	UserID string
	Active bool // inactive users are never notified
	// Status is the visible status: online, away, busy, offline.
	Status string
	// Connection is statusConnection: online (a client is connected and
	// active), away (connected but idle), offline or "" (no connection).
	Connection string
	// HasEmail tells that the user has a verified address.
	HasEmail bool

	// The subscription's own preferences ("" or "default": not set).
	Desktop Pref // desktopNotifications
	Mobile  Pref // mobilePushNotifications
	Email   Pref // emailNotifications
	// DisableNotifications is the subscription's disableNotifications.
	DisableNotifications bool
	// MuteGroupMentions is the subscription's muteGroupMentions.
	MuteGroupMentions bool
	// Ignored lists the users this member ignores in the room.
	Ignored []string

	Prefs UserPrefs
}

// Input is everything Compute looks at.
type Input struct {
	Message Message
	Room    Room
	Sender  Sender
	// Thread is set for a thread reply (Message.Tmid set).
	Thread *Thread
	// TeamMentionMembers are the members of the teams mentioned (mentions
	// of type "team"); Rocket.Chat notifies them as mentioned users.
	TeamMentionMembers []string
	// Members are the room's members (every subscription of the room).
	Members []Member
	// MayViewDirect reports whether a user holds view-d-room; nil means
	// everyone does. In direct rooms only those who do are notified.
	MayViewDirect func(userID string) bool
	// Now is the time of the decision.
	Now time.Time
}

// Reason tells why a user is notified (the e-mail's subject depends on it).
type Reason struct {
	Direct       bool // the room is a direct room
	Mentioned    bool // named in the message, or following the thread replied to
	GroupMention bool // the message mentions @all or @here
	ThreadReply  bool // a reply to a thread the user follows
	Highlighted  bool // the message contains one of the user's highlighted words
}

// Delivery is one notification to send.
type Delivery struct {
	UserID  string
	Channel Channel
	// Delay is how long after Input.Now to send it. Desktop deliveries
	// are immediate; the others wait by connection state (Settings
	// DelayOnline...) so that a user who reads the room in the meantime
	// can have them canceled.
	Delay  time.Duration
	Reason Reason
}

// maxAge is how old a message may be and still notify (older ones were
// imported or delayed): Rocket.Chat's one minute.
const maxAge = time.Minute

// Compute returns the deliveries for in, member by member in the order of
// in.Members, each member's in channel order. It does not modify in.
func Compute(in Input, s Settings) []Delivery {
	if s.Disabled || in.Message.Edited || in.Sender.ID == "" {
		return nil
	}
	m := in.Message
	thread := m.Tmid != ""
	if thread && !s.ThreadsEnabled {
		return nil
	}
	// Rocket.Chat's general path skips old messages; thread replies take
	// the threads path, which does not.
	if !thread && absDuration(in.Now.Sub(m.TS)) > maxAge {
		return nil
	}

	toAll, toHere, mentionIDs := mentions(in)
	var usersInThread []string
	if thread {
		usersInThread = threadUsers(in, mentionIDs)
	}
	// Rocket.Chat's mentionIds: the mentioned users plus the thread's
	// followers ("they follow the same rules"); "all" and "here" are also
	// in its list but match no user id.
	mentioned := make(map[string]bool, len(mentionIDs)+len(usersInThread))
	for _, id := range mentionIDs {
		mentioned[id] = true
	}
	for _, id := range usersInThread {
		mentioned[id] = true
	}
	inThread := make(map[string]bool, len(usersInThread))
	for _, id := range usersInThread {
		inThread[id] = true
	}
	directlyMentioned := make(map[string]bool, len(mentionIDs))
	for _, id := range mentionIDs {
		directlyMentioned[id] = true
	}

	count := in.Room.MemberCount
	if count == 0 {
		count = len(in.Members)
	}
	c := msgContext{
		s:          s,
		roomType:   in.Room.Type,
		direct:     in.Room.Type == "d",
		toAll:      toAll,
		toHere:     toHere,
		hasMention: len(mentionIDs) > 0,
		disableAll: s.MaxRoomMembers != 0 && count > s.MaxRoomMembers,
		isThread:   thread && !m.Tshow,
		isVideo:    m.Type == "videoconf",
		ringing:    in.Room.Type == "d" && count <= 2,
	}

	var out []Delivery
	for i := range in.Members {
		mb := &in.Members[i]
		if mb.UserID == in.Sender.ID || !mb.Active {
			continue
		}
		if !c.selected(mb, in.Sender.ID, directlyMentioned[mb.UserID], inThread[mb.UserID]) {
			continue
		}
		hasMentionToUser := mentioned[mb.UserID]
		hasReplyToThread := inThread[mb.UserID]
		// Muted group mentions: @all and @here stay silent unless the user
		// is also named or follows the thread.
		if !hasMentionToUser && !hasReplyToThread && mb.MuteGroupMentions && (toAll || toHere) {
			continue
		}
		if c.direct && in.MayViewDirect != nil && !in.MayViewDirect(mb.UserID) {
			continue
		}
		highlighted := containsHighlight(m.Text, mb.Prefs.Highlights)
		r := Reason{
			Direct: c.direct, Mentioned: hasMentionToUser, GroupMention: toAll || toHere,
			ThreadReply: hasReplyToThread, Highlighted: highlighted,
		}
		f := flags{mention: hasMentionToUser, reply: hasReplyToThread, highlighted: highlighted}
		desktop, _ := effective(mb.Desktop, mb.Prefs.Desktop)
		mobile, _ := effective(mb.Mobile, mb.Prefs.Push)
		email, _ := effective(mb.Email, emailMode(mb.Prefs.EmailMode))

		if c.desktop(desktop, mb.Status, connection(mb), f, true) {
			out = append(out, Delivery{UserID: mb.UserID, Channel: Desktop, Reason: r})
		}
		delay, queue := c.delay(connection(mb))
		if !queue {
			continue
		}
		if c.mobile(mobile, mb.Prefs.EnableMobileRinging, f) {
			out = append(out, Delivery{UserID: mb.UserID, Channel: Mobile, Delay: delay, Reason: r})
		}
		if s.WebPushEnabled && c.desktop(desktop, mb.Status, connection(mb), f, false) {
			out = append(out, Delivery{UserID: mb.UserID, Channel: WebPush, Delay: delay, Reason: r})
		}
		if mb.HasEmail && c.email(email, connection(mb), f) {
			out = append(out, Delivery{UserID: mb.UserID, Channel: Email, Delay: max(delay, s.EmailDelay), Reason: r})
		}
	}
	return out
}

// msgContext is what Compute knows of the message, shared by all members.
type msgContext struct {
	s          Settings
	roomType   string
	direct     bool
	toAll      bool
	toHere     bool
	hasMention bool // the message names users (not counting @all/@here)
	disableAll bool // the room has more members than Notifications_Max_Room_Members
	isThread   bool // a thread reply not shown in the room
	isVideo    bool
	ringing    bool // a direct room of at most two, where calls ring
}

// flags are a member's facts about the message.
type flags struct {
	mention     bool // hasMentionToUser (thread followers included)
	reply       bool // hasReplyToThread
	highlighted bool
}

// origin says where an effective preference comes from.
type origin int

const (
	fromServer origin = iota
	fromUser
	fromSubscription
)

// effective resolves a preference: the subscription's, else the user's,
// else unset (the server default applies).
func effective(sub, user Pref) (Pref, origin) {
	if sub.set() {
		return sub, fromSubscription
	}
	if user.set() {
		return user, fromUser
	}
	return Unset, fromServer
}

func connection(m *Member) string {
	if m.Connection == "" {
		return "offline"
	}
	return m.Connection
}

// selected is Rocket.Chat's query for the subscriptions to look at (every
// one it returns "will receive at least one kind of notification"); a
// subscription it leaves out gets nothing. See docs/notifications.md for
// the one place where we follow its effect rather than its letter.
func (c *msgContext) selected(m *Member, senderID string, mentioned, inThread bool) bool {
	if m.DisableNotifications || slices.Contains(m.Ignored, senderID) {
		return false
	}
	if hasHighlights(m.Prefs.Highlights) || inThread {
		return true
	}
	// Rocket.Chat's query leaves mentioned users of rooms over the size
	// limit out, although its per-channel rules and its documentation
	// notify them ("only all-message notifications are disabled"); we
	// follow the rules (see docs/notifications.md).
	if c.disableAll && mentioned {
		return true
	}
	type kind struct {
		sub, user Pref
		server    Pref
	}
	kinds := [...]kind{
		{m.Desktop, m.Prefs.Desktop, c.s.DefaultDesktop},
		{m.Mobile, m.Prefs.Push, c.s.DefaultPush},
		{m.Email, emailMode(m.Prefs.EmailMode), c.s.DefaultEmailMode},
	}
	for _, k := range kinds {
		p, o := effective(k.sub, k.user)
		// In rooms over the size limit only a subscription's own "all"
		// (not one inherited from the user's preferences) selects.
		if p == All && (!c.disableAll || o != fromUser) {
			return true
		}
		if c.disableAll {
			continue
		}
		if p == Mentions && (c.direct || (c.hasMention && mentioned)) {
			return true
		}
		if !p.set() && (k.server == All || c.toAll || c.toHere || c.direct) {
			return true
		}
		if !p.set() && k.server == Mentions && c.hasMention && mentioned {
			return true
		}
	}
	// Rocket.Chat's query names the mobile field "mobilePush", which no
	// subscription has: its "field does not exist" clause, added for
	// @all, @here and direct rooms, selects every subscription.
	return !c.disableAll && (c.toAll || c.toHere || c.direct)
}

// desktop is Rocket.Chat's shouldNotifyDesktop. With offlineBlocks false
// it is Liftoff's Web Push rule: the same preference and rule, for users
// without an open connection too.
func (c *msgContext) desktop(pref Pref, status, conn string, f flags, offlineBlocks bool) bool {
	if c.disableAll && !pref.set() && !f.highlighted && !f.mention && !f.reply {
		return false
	}
	if (offlineBlocks && conn == "offline") || status == "busy" || pref == Nothing {
		return false
	}
	if !pref.set() {
		if c.s.DefaultDesktop == All && (!c.isThread || f.reply) {
			return true
		}
		if c.s.DefaultDesktop == Nothing {
			return false
		}
	}
	return (c.direct || (!c.disableAll && (c.toAll || c.toHere)) || f.highlighted || pref == All || f.mention) &&
		(f.highlighted || !c.isThread || f.reply)
}

// mobile is Rocket.Chat's shouldNotifyMobile.
func (c *msgContext) mobile(pref Pref, ringing *bool, f flags) bool {
	if !c.s.PushEnabled {
		return false
	}
	if c.disableAll && !pref.set() && !f.highlighted && !f.mention && !f.reply {
		return false
	}
	if pref == Nothing {
		return false
	}
	// A call that rings on the phone needs no second push for its message.
	if c.isVideo && c.s.VideoConfMobileRinging && c.ringing {
		ring := c.s.DefaultMobileRinging
		if ringing != nil {
			ring = *ringing
		}
		if ring {
			return false
		}
	}
	if !pref.set() {
		if c.s.DefaultPush == All && (!c.isThread || f.reply) {
			return true
		}
		if c.s.DefaultPush == Nothing {
			return false
		}
	}
	return (c.direct || (!c.disableAll && c.toAll) || f.highlighted || pref == All || f.mention) &&
		(f.highlighted || !c.isThread || f.reply)
}

// email is Rocket.Chat's shouldNotifyEmail.
func (c *msgContext) email(pref Pref, conn string, f flags) bool {
	if !c.s.EmailEnabled || pref == Nothing || conn == "online" {
		return false
	}
	if !pref.set() {
		if c.disableAll && !f.highlighted && !f.mention && !f.reply {
			return false
		}
		if c.s.DefaultEmailMode == Nothing {
			return false
		}
	}
	return (c.direct || f.highlighted || pref == All || f.mention || (!c.disableAll && c.toAll)) &&
		(f.highlighted || !c.isThread || f.reply)
}

// delay is Rocket.Chat's notification schedule: by connection state, and
// no queued notification at all when the delay is negative.
func (c *msgContext) delay(conn string) (time.Duration, bool) {
	var d time.Duration
	switch conn {
	case "online":
		d = c.s.DelayOnline
	case "away":
		d = c.s.DelayAway
	default:
		d = c.s.DelayOffline
	}
	return max(d, 0), d >= 0
}

// mentions is Rocket.Chat's getMentions: @all, @here, and the mentioned
// users (the sender left out), team mentions expanded to their members.
func mentions(in Input) (toAll, toHere bool, ids []string) {
	seen := map[string]bool{}
	team := false
	for _, m := range in.Message.Mentions {
		switch {
		case m.ID == "all":
			toAll = true
		case m.ID == "here":
			toHere = true
		case m.Type == "team":
			team = true
		case m.Type == "" || m.Type == "user":
			if m.ID != in.Sender.ID && !seen[m.ID] {
				seen[m.ID] = true
				ids = append(ids, m.ID)
			}
		}
	}
	if team {
		for _, id := range in.TeamMentionMembers {
			if id != in.Sender.ID && !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	return toAll, toHere, ids
}

// threadUsers is Rocket.Chat's list of users notified of a thread reply:
// the followers (on a first reply, the parent's author and, in a direct
// room, its members), plus the users mentioned, without the sender.
func threadUsers(in Input, mentionIDs []string) []string {
	var base []string
	if t := in.Thread; t != nil {
		if t.FirstReply {
			if t.ParentAuthor != "" {
				base = append(base, t.ParentAuthor)
			}
			if in.Room.Type == "d" {
				for _, m := range in.Members {
					base = append(base, m.UserID)
				}
			}
		} else {
			base = append(base, t.Followers...)
		}
	}
	base = append(base, mentionIDs...)
	seen := map[string]bool{in.Sender.ID: true}
	out := base[:0:0]
	for _, id := range base {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

func hasHighlights(hs []string) bool {
	for _, h := range hs {
		if h != "" {
			return true
		}
	}
	return false
}

// containsHighlight is Rocket.Chat's messageContainsHighlight: a
// highlighted word found case-insensitively with word boundaries (letters,
// digits and '_' are word characters), except inside an emoji shortcode
// (":word:", colons on both sides). Empty words never match.
func containsHighlight(text string, highlights []string) bool {
	if len(highlights) == 0 || text == "" {
		return false
	}
	msg := []rune(text)
	for _, h := range highlights {
		if h == "" {
			continue
		}
		if findWord(msg, []rune(h)) {
			return true
		}
	}
	return false
}

func isWordRune(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r) }

func findWord(msg, word []rune) bool {
	for i := 0; i+len(word) <= len(msg); i++ {
		if !foldEqual(msg[i:i+len(word)], word) {
			continue
		}
		j := i + len(word)
		var before, after rune
		if i > 0 {
			before = msg[i-1]
		}
		if j < len(msg) {
			after = msg[j]
		}
		if (i > 0 && isWordRune(before)) || (j < len(msg) && isWordRune(after)) {
			continue
		}
		if before == ':' && after == ':' {
			continue
		}
		return true
	}
	return false
}

// foldEqual compares runes under Unicode simple case folding.
func foldEqual(a, b []rune) bool {
	for i := range a {
		if a[i] == b[i] {
			continue
		}
		r := unicode.SimpleFold(a[i])
		for r != a[i] && r != b[i] {
			r = unicode.SimpleFold(r)
		}
		if r != b[i] {
			return false
		}
	}
	return true
}

func absDuration(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}
