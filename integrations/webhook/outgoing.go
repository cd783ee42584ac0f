package webhook

import (
	"encoding/json"
	"fmt"
	"mime"
	"strings"
	"time"
)

// Event is an outgoing integration's event.
type Event string

// Rocket.Chat's outgoing events.
const (
	EventSendMessage  Event = "sendMessage"
	EventFileUploaded Event = "fileUploaded"
	EventRoomArchived Event = "roomArchived"
	EventRoomCreated  Event = "roomCreated"
	EventRoomJoined   Event = "roomJoined"
	EventRoomLeft     Event = "roomLeft"
	EventUserCreated  Event = "userCreated"
)

// EventUse says which settings an event honours.
type EventUse struct {
	Channel      bool // filtered by the integration's channels
	TriggerWords bool // filtered by trigger words
	TargetRoom   bool // needs a target room (replies have no event room)
}

// Events lists the valid events and what each honours.
var Events = map[Event]EventUse{
	EventSendMessage:  {Channel: true, TriggerWords: true},
	EventFileUploaded: {Channel: true},
	EventRoomArchived: {},
	EventRoomCreated:  {},
	EventRoomJoined:   {Channel: true},
	EventRoomLeft:     {Channel: true},
	EventUserCreated:  {TargetRoom: true},
}

// Scoped channel filters: every room of a kind.
const (
	AllPublicChannels = "all_public_channels"
	AllPrivateGroups  = "all_private_groups"
	AllDirectMessages = "all_direct_messages"
)

// Retry delay policies.
const (
	PowersOfTen     = "powers-of-ten"
	PowersOfTwo     = "powers-of-two"
	IncrementsOfTwo = "increments-of-two"
)

// Outgoing is an outgoing webhook integration, the fields that decide
// when it fires and what happens with the answer.
type Outgoing struct {
	ID                  string
	Name                string
	Enabled             bool
	Event               Event
	Channels            []string // "#room-name-or-id", "@username-or-id", or a scoped filter
	TriggerWords        []string
	TriggerWordAnywhere bool
	RunOnEdits          bool
	URLs                []string
	Token               string
	Username            string // who posts replies
	ImpersonateUser     bool   // post replies as the user who triggered
	TargetRoom          string
	Alias, Avatar       string
	Emoji               string
	RetryFailedCalls    bool
	RetryCount          int
	RetryDelay          string
}

// Room is the room of an event.
type Room struct {
	ID        string
	Name      string   // empty for direct messages
	Type      string   // "c", "p", "d", "l"
	UserIDs   []string // members of a direct message
	Usernames []string // members of a direct message
}

// Message is the message of an event.
type Message struct {
	ID       string
	Text     string
	Alias    string
	Tmid     string
	TS       time.Time
	UserID   string
	Username string
	Bot      bool // the message has a bot marker
	Edited   bool // the message has editedAt
	// PostedBy is the id of the integration that posted the message (its
	// bot marker's "i"), if any: an integration never fires on its own
	// messages, so a reply that starts with its trigger word cannot loop.
	PostedBy string
}

// Triggers indexes outgoing integrations by channel filter, as Rocket.Chat
// keeps them. Build a new one when integrations change; it is read-only
// and safe for concurrent use.
type Triggers struct {
	byKey map[string][]*Outgoing
}

const anyChannel = "__any"

// NewTriggers indexes the integrations. Those whose event ignores channels
// match in every room; those with no channel match all public channels.
func NewTriggers(list []*Outgoing) *Triggers {
	t := &Triggers{byKey: map[string][]*Outgoing{}}
	for _, o := range list {
		var keys []string
		switch {
		case !Events[o.Event].Channel:
			keys = []string{anyChannel}
		case len(o.Channels) == 0:
			keys = []string{AllPublicChannels}
		default:
			keys = o.Channels
		}
		seen := map[string]bool{}
		for _, k := range keys {
			if !seen[k] {
				seen[k] = true
				t.byKey[k] = append(t.byKey[k], o)
			}
		}
	}
	return t
}

// Match is an integration an event fires, with the trigger word found.
type Match struct {
	Integration *Outgoing
	TriggerWord string
}

// Match returns the enabled integrations of event that fire for an event
// in room (nil for events without one) about msg (nil for events without
// one), in Rocket.Chat's order: direct messages match all_direct_messages
// and "@uid"/"@username" of the other members; public channels
// all_public_channels, "#id" and "#name"; other rooms all_private_groups,
// "#id" and "#name"; integrations whose event ignores rooms always match.
// Trigger words must start the message (or appear anywhere with
// TriggerWordAnywhere); edited messages fire only with RunOnEdits.
func (t *Triggers) Match(event Event, room *Room, msg *Message) []Match {
	var candidates []*Outgoing
	seen := map[*Outgoing]bool{}
	add := func(key string) {
		for _, o := range t.byKey[key] {
			if !seen[o] {
				seen[o] = true
				candidates = append(candidates, o)
			}
		}
	}
	if room != nil {
		switch room.Type {
		case "d":
			add(AllDirectMessages)
			for _, uid := range room.UserIDs {
				add("@" + uid)
			}
			for _, name := range room.Usernames {
				if msg == nil || name != msg.Username {
					add("@" + name)
				}
			}
		case "c":
			add(AllPublicChannels)
			add("#" + room.ID)
			if room.Name != room.ID {
				add("#" + room.Name)
			}
		default:
			add(AllPrivateGroups)
			add("#" + room.ID)
			if room.Name != room.ID {
				add("#" + room.Name)
			}
		}
	}
	add(anyChannel)

	var out []Match
	for _, o := range candidates {
		if !o.Enabled || o.Event != event {
			continue
		}
		if msg != nil && msg.PostedBy != "" && msg.PostedBy == o.ID {
			continue
		}
		word := ""
		if Events[event].TriggerWords && len(o.TriggerWords) > 0 {
			if msg == nil {
				continue
			}
			for _, w := range o.TriggerWords {
				if (!o.TriggerWordAnywhere && strings.HasPrefix(msg.Text, w)) || (o.TriggerWordAnywhere && strings.Contains(msg.Text, w)) {
					word = w
					break
				}
			}
			if word == "" {
				continue
			}
		}
		if msg != nil && msg.Edited && !o.RunOnEdits {
			continue
		}
		out = append(out, Match{Integration: o, TriggerWord: word})
	}
	return out
}

// JSTime is a time written as JavaScript's Date.toJSON does
// ("2026-11-20T10:00:00.000Z").
type JSTime time.Time

// MarshalJSON writes the time in UTC with milliseconds.
func (t JSTime) MarshalJSON() ([]byte, error) {
	return []byte(`"` + time.Time(t).UTC().Format("2006-01-02T15:04:05.000Z") + `"`), nil
}

// RequestBody is the JSON body Rocket.Chat posts to an outgoing webhook's
// URLs (the request's data, before any script changes it).
type RequestBody struct {
	Token       string          `json:"token,omitempty"`
	Bot         bool            `json:"bot"`
	TriggerWord string          `json:"trigger_word,omitempty"`
	ChannelID   string          `json:"channel_id,omitempty"`
	ChannelName string          `json:"channel_name,omitempty"`
	MessageID   string          `json:"message_id,omitempty"`
	Timestamp   *JSTime         `json:"timestamp,omitempty"`
	UserID      string          `json:"user_id,omitempty"`
	UserName    string          `json:"user_name,omitempty"`
	Text        *string         `json:"text,omitempty"`
	SiteURL     string          `json:"siteUrl,omitempty"`
	Alias       string          `json:"alias,omitempty"`
	IsEdited    bool            `json:"isEdited,omitempty"`
	Tmid        string          `json:"tmid,omitempty"`
	User        json.RawMessage `json:"user,omitempty"`
	Room        json.RawMessage `json:"room,omitempty"`
	Message     json.RawMessage `json:"message,omitempty"`
	Owner       json.RawMessage `json:"owner,omitempty"`
}

// EventData is what the wiring knows about an event. User, Owner, RoomDoc
// and MessageDoc are the records as Rocket.Chat's REST API shows them;
// the user's services (password hashes, tokens) must not be in them.
type EventData struct {
	Event      Event
	Room       *Room
	Message    *Message
	SiteURL    string
	UserID     string // the acting user (joined, left, archived, created)
	Username   string //
	UserIsBot  bool   // the acting user's type is "bot"
	UserDoc    json.RawMessage
	OwnerID    string // roomCreated: the room's creator
	Owner      string // its username
	OwnerDoc   json.RawMessage
	RoomDoc    json.RawMessage
	MessageDoc json.RawMessage
	RoomTS     time.Time // roomCreated: the room's creation time
	UserTS     time.Time // userCreated: the user's creation time
	Now        time.Time // roomArchived, roomJoined, roomLeft: when it happened
}

// NewRequestBody builds the body for an integration the event matched. It
// returns an error when the event lacks what its body needs.
func NewRequestBody(o *Outgoing, triggerWord string, d EventData) (*RequestBody, error) {
	b := &RequestBody{Token: o.Token, TriggerWord: triggerWord}
	need := func(ok bool, what string) error {
		if !ok {
			return fmt.Errorf("webhook: %s event without %s", d.Event, what)
		}
		return nil
	}
	switch d.Event {
	case EventSendMessage, EventFileUploaded:
		if err := need(d.Room != nil && d.Message != nil, "room and message"); err != nil {
			return nil, err
		}
		m := d.Message
		ts := JSTime(m.TS)
		text := m.Text
		b.ChannelID, b.ChannelName, b.MessageID = d.Room.ID, d.Room.Name, m.ID
		b.Timestamp, b.UserID, b.UserName, b.Text = &ts, m.UserID, m.Username, &text
		b.Alias, b.Bot = m.Alias, m.Bot
		if d.Event == EventSendMessage {
			b.SiteURL, b.IsEdited, b.Tmid = d.SiteURL, m.Edited, m.Tmid
		} else {
			b.User, b.Room, b.Message = d.UserDoc, d.RoomDoc, d.MessageDoc
		}
	case EventRoomCreated:
		if err := need(d.Room != nil && d.OwnerID != "", "room and owner"); err != nil {
			return nil, err
		}
		ts := JSTime(d.RoomTS)
		b.ChannelID, b.ChannelName, b.Timestamp = d.Room.ID, d.Room.Name, &ts
		b.UserID, b.UserName, b.Owner, b.Room = d.OwnerID, d.Owner, d.OwnerDoc, d.RoomDoc
	case EventRoomArchived, EventRoomJoined, EventRoomLeft:
		if err := need(d.Room != nil && d.UserID != "", "room and user"); err != nil {
			return nil, err
		}
		ts := JSTime(d.Now)
		b.Timestamp, b.ChannelID, b.ChannelName = &ts, d.Room.ID, d.Room.Name
		b.UserID, b.UserName, b.User, b.Room, b.Bot = d.UserID, d.Username, d.UserDoc, d.RoomDoc, d.UserIsBot
	case EventUserCreated:
		if err := need(d.UserID != "", "user"); err != nil {
			return nil, err
		}
		ts := JSTime(d.UserTS)
		b.Timestamp, b.UserID, b.UserName, b.User, b.Bot = &ts, d.UserID, d.Username, d.UserDoc, d.UserIsBot
	default:
		return nil, fmt.Errorf("webhook: unknown event %q", d.Event)
	}
	return b, nil
}

// RetryDelay is how long Rocket.Chat waits before try number tries+1 (tries
// counts the retries already made, from 0): powers-of-ten waits 0.1 s,
// 1 s, 10 s, 100 s...; powers-of-two 2 s, 4 s, 8 s...; increments-of-two
// 2 s, 4 s, 6 s...
func RetryDelay(policy string, tries int) (time.Duration, error) {
	switch policy {
	case PowersOfTen:
		d := 100 * time.Millisecond
		for range tries {
			d *= 10
		}
		return d, nil
	case PowersOfTwo:
		return time.Duration(1<<(tries+1)) * time.Second, nil
	case IncrementsOfTwo:
		return time.Duration(tries+1) * 2 * time.Second, nil
	}
	return 0, wireErrorf("The integration's retryDelay setting is invalid.")
}

// Action is what to do once an outgoing call answered.
type Action int

// Actions after an answer.
const (
	Done    Action = iota // nothing more (a success without a reply to post)
	Post                  // post Decision.Reply in the room
	Retry                 // call again after Decision.Delay
	Disable               // the receiver is gone (410): disable the integration
	GiveUp                // failed, no (more) retries
)

// Decision is what Rocket.Chat does with an outgoing call's answer when no
// script handled it. Step and Error go into integrations.history.
type Decision struct {
	Action Action
	Delay  time.Duration
	Reply  map[string]any
	Step   string
	Error  bool
}

var successStatus = map[int]bool{200: true, 201: true, 202: true}

// HandleResponse decides, as Rocket.Chat does, what follows an answer:
// a 200, 201 or 202 with a body is a success, whose JSON text or
// attachments are posted back; anything else (an empty body included)
// failed: a 410 with a body disables the integration, a 500 with a body is
// not retried, other failures are retried per RetryFailedCalls,
// RetryCount and RetryDelay. tries counts the retries already made.
// Network errors are not answers: Rocket.Chat records them and does not
// retry.
func HandleResponse(o *Outgoing, tries int, status int, contentType string, body []byte) Decision {
	content := len(body) > 0
	if !content || !successStatus[status] {
		if content && status == 410 {
			return Decision{Action: Disable, Step: "after-process-http-status-410", Error: true}
		}
		if content && status == 500 {
			return Decision{Action: GiveUp, Step: "after-process-http-status-500", Error: true}
		}
		if !o.RetryFailedCalls || o.RetryCount <= 0 {
			return Decision{Action: GiveUp, Step: "failed-and-not-configured-to-retry", Error: true}
		}
		if tries >= o.RetryCount || o.RetryDelay == "" {
			return Decision{Action: GiveUp, Step: "too-many-retries", Error: true}
		}
		delay, err := RetryDelay(o.RetryDelay, tries)
		if err != nil {
			return Decision{Action: GiveUp, Step: "failed-and-retry-delay-is-invalid", Error: true}
		}
		return Decision{Action: Retry, Delay: delay, Step: fmt.Sprintf("going-to-retry-%d", tries+1), Error: true}
	}
	data := replyData(contentType, body)
	if data != nil && (truthy(data["text"]) || truthy(data["attachments"])) {
		return Decision{Action: Post, Reply: data}
	}
	return Decision{Action: Done}
}

// replyData parses a JSON answer; Rocket.Chat reads only the JSON and
// JavaScript content types.
func replyData(contentType string, body []byte) map[string]any {
	media, _, _ := mime.ParseMediaType(contentType)
	switch strings.ToLower(media) {
	case "application/json", "text/javascript", "application/javascript", "application/x-javascript":
	default:
		return nil
	}
	obj, err := decodeObject(body)
	if err != nil {
		return nil
	}
	return obj
}

// ReplyRoom is the room name or id Rocket.Chat looks up to post a reply
// (or a prepare script's message): the reply's channel, else the
// integration's target room; "" means the event's room (which also serves
// when the lookup finds nothing).
func ReplyRoom(o *Outgoing, reply map[string]any) string {
	if c, ok := reply["channel"].(string); ok && c != "" {
		return c
	}
	return o.TargetRoom
}

// ReplyDefaults are the defaults a reply is built with, for the room it
// goes to: pass them to BuildDraft with the reply as payload.
func ReplyDefaults(o *Outgoing, room *Room) Defaults {
	channel := "#" + room.ID
	if room.Type == "d" {
		channel = "@" + room.ID
	}
	return Defaults{Channels: []string{channel}, Alias: o.Alias, Avatar: o.Avatar, Emoji: o.Emoji}
}

// ReplyPosters are the usernames to try, in order, for posting a reply:
// the triggering user when the integration impersonates, then the
// integration's user.
func ReplyPosters(o *Outgoing, body *RequestBody) []string {
	if o.ImpersonateUser && body != nil && body.UserName != "" {
		return []string{body.UserName, o.Username}
	}
	return []string{o.Username}
}
