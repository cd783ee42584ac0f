package chat

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"liftoff/access/perm"
	"liftoff/chat/text"
	"liftoff/model"
	"liftoff/settings/setting"
	"liftoff/store"
)

// SendInput is a new message as a client submits it.
type SendInput struct {
	ID           string // client-chosen id (optional)
	RoomID       string
	Msg          string
	ThreadID     string
	ShowInRoom   bool
	Alias        string
	Emoji        string
	Avatar       string
	Groupable    *bool
	Attachments  []map[string]any
	CustomFields map[string]any
	// Bot marks a message an integration posts ({"i": integration id}).
	Bot map[string]any
	// File and Files are the uploaded file a message carries (set by the
	// files service, never from a client's message).
	File  *model.FileRef
	Files []model.FileRef
	// InTx, when set, runs in the transaction that stores the message,
	// after it: the files service confirms its upload records there, so
	// the message and the records commit together or not at all.
	InTx func(ctx context.Context, tx store.Tx, msg *model.Message) error
	// Reactions a client sends with the message (chat.sendMessage), kept
	// as Rocket.Chat keeps them.
	Reactions map[string]*model.Reaction
	// Type is the message type a client may set: "" or "e2e" (an end-to-end
	// encrypted message, whose ciphertext is Content, or Msg for the
	// older rc.v1 clients). E2E is its state, "pending" or "done".
	Type    string
	E2E     string
	Content *model.EncryptedContent
}

// checkEncrypted validates the end-to-end encryption fields of in against
// the room: only "e2e" messages carry content, which needs an algorithm and
// a ciphertext; an encrypted room refuses plain messages unless
// E2E_Allow_Unencrypted_Messages (Rocket.Chat's sendMessage rule).
func (s *core) checkEncrypted(room *model.Room, in SendInput) error {
	switch in.Type {
	case "":
		if in.Content != nil || in.E2E != "" {
			return model.Invalid("error-invalid-params", "Only end-to-end encrypted messages (t: e2e) carry content")
		}
	case model.MessageTypeE2E:
		if in.E2E != "" && in.E2E != "pending" && in.E2E != "done" {
			return model.Invalid("error-invalid-params", "Invalid e2e state")
		}
		if in.Content != nil && (in.Content.Algorithm == "" || in.Content.Ciphertext == "") {
			return model.Invalid("error-invalid-params", "Encrypted content needs an algorithm and a ciphertext")
		}
		if in.Content == nil && in.Msg == "" {
			return model.Invalid("error-invalid-params", "An encrypted message needs its ciphertext")
		}
		return nil
	default:
		return model.Invalid("error-invalid-params", "Invalid message type")
	}
	if room.Encrypted && s.settings.Bool(setting.E2EEnable) && !s.settings.Bool(setting.E2EAllowUnencryptedMessages) && in.File == nil && in.Bot == nil {
		return model.Forbidden("error-not-allowed", "Not allowed to send un-encrypted messages in an encrypted room").InMethod()
	}
	return nil
}

// // Messages
// SendMessage posts a message to a room as user. Re-sending a message with
// the same client-chosen id to the same room returns the stored message
// unchanged, so clients may retry safely.
//
// The room's posting rules are checked against a cached copy (see
// roomRulesCache); the transaction compares them with the room as stored
// and, when they differ, the whole call runs again on a fresh read.
func (s *Messages) SendMessage(ctx context.Context, user *model.User, in SendInput) (*model.Message, error) {
	return s.sendMessage(ctx, user, in)
}

// sendMessage is SendMessage, shared by the area services.
func (s *core) sendMessage(ctx context.Context, user *model.User, in SendInput) (*model.Message, error) {
	msg, err := s.trySend(ctx, user, in, true)
	if errors.Is(err, errStaleRules) {
		s.postRules.drop(in.RoomID)
		msg, err = s.trySend(ctx, user, in, false)
	}
	return msg, err
}

// trySend is sendMessage; with cached, the room's rules may come from
// the cache, and any refusal they cause, or a change of them found in the
// transaction, is errStaleRules (nothing is written then).
func (s *core) trySend(ctx context.Context, user *model.User, in SendInput, cached bool) (*model.Message, error) {
	if user == nil {
		return nil, model.ErrNotAllowed
	}
	if in.RoomID == "" {
		return nil, model.ErrMissingParam("rid")
	}
	if in.ID != "" && !model.ValidID(in.ID) {
		return nil, model.ErrBadParam("_id", "a valid id")
	}
	// A message with neither text nor attachments is stored with an empty
	// msg, as Rocket.Chat stores it.
	if max := s.settings.Int(setting.MessageMaxAllowedSize); max > 0 && utf8.RuneCountInString(in.Msg) > max {
		return nil, model.Invalid("error-message-size-exceeded", "Message size exceeds the allowed limit (%d characters)", max)
	}
	var room *model.Room
	if cached {
		room = s.postRules.get(in.RoomID)
	}
	fromCache := room != nil
	if !fromCache {
		r, err := s.store.RoomByID(ctx, in.RoomID)
		if errors.Is(err, store.ErrNotFound) {
			return nil, model.Invalid("error-invalid-room", "Invalid room")
		}
		if err != nil {
			return nil, internal("send message", err)
		}
		room = s.postRules.put(r)
	}
	sub, err := s.checkSend(ctx, user, room, in, !fromCache)
	if err != nil {
		if fromCache {
			return nil, errStaleRules
		}
		return nil, err
	}
	if err := s.checkEncrypted(room, in); err != nil {
		if fromCache {
			return nil, errStaleRules
		}
		return nil, err
	}
	if in.ID != "" {
		if prev, err := s.store.MessageByID(ctx, in.ID); err == nil {
			if prev.RoomID == room.ID && prev.Author.ID == user.ID {
				return prev, nil
			}
			return nil, model.Conflict("error-message-already-exists", "A message with this id already exists")
		}
	}

	now := s.nowTime()
	msg := &model.Message{
		ID: in.ID, RoomID: room.ID, Msg: in.Msg, SentAt: now, UpdatedAt: now, Author: user.Ref(),
		ThreadID: in.ThreadID, Alias: in.Alias, Emoji: in.Emoji, Avatar: in.Avatar, Groupable: in.Groupable,
		Attachments: in.Attachments, CustomFields: in.CustomFields, Bot: in.Bot, File: in.File, Files: in.Files, Reactions: cleanReactions(in.Reactions),
		Type: in.Type, E2E: in.E2E, Content: in.Content,
	}
	if in.ThreadID != "" {
		msg.ShowInRoom = in.ShowInRoom
	}
	if msg.ID == "" {
		msg.ID = model.NewID()
	}
	// An encrypted message's text is ciphertext (or empty): the server
	// reads no mentions, channels or links in it.
	mentionText := in.Msg
	if in.Type == model.MessageTypeE2E {
		mentionText = ""
	}
	usernames, toAll, toHere := text.Mentions(mentionText)
	if err := s.checkGroupMentions(ctx, user, room, sub, toAll, toHere); err != nil {
		return nil, err
	}
	if err := s.resolveMentions(ctx, msg, usernames, toAll, toHere); err != nil {
		return nil, err
	}

	var expect *model.Room
	if fromCache {
		expect = room
	}
	err = s.store.Update(ctx, func(tx store.Tx) error {
		if sub == nil && room.ParentRoomID != "" {
			// Posting in a discussion joins it (Rocket.Chat's
			// joinDiscussionOnMessage).
			if err := s.joinDiscussionTx(ctx, tx, room.ID, user, now); err != nil {
				return err
			}
		}
		if err := s.storeNewMessage(ctx, tx, room.ID, msg, toAll || toHere, expect); err != nil {
			return err
		}
		if in.InTx != nil {
			return in.InTx(ctx, tx, msg)
		}
		return nil
	})
	if err != nil {
		if errors.Is(err, errStaleRules) {
			return nil, err
		}
		if errors.Is(err, store.ErrConflict) {
			return nil, model.Conflict("error-message-already-exists", "A message with this id already exists")
		}
		if _, ok := model.AsError(err); ok {
			return nil, err // refused by InTx
		}
		return nil, internal("send message", err)
	}
	s.noticeMentionsNotInRoom(ctx, user, room, msg)
	if s.receipts != nil {
		s.receipts.MessageSent(ctx, msg)
	}
	return msg, nil
}

// checkSend applies the room's access and posting rules to user and
// returns user's subscription to the room when it had to read it (nil
// otherwise, or when there is none). With notify, a refusal by the posting
// rules also reaches the user as an ephemeral notice, as in Rocket.Chat
// (in the room, beside the composer, for clients that do not show method
// errors); a caller checking cached rules passes false, since it re-checks
// a refusal on a fresh read.
func (s *core) checkSend(ctx context.Context, user *model.User, room *model.Room, in SendInput, notify bool) (*model.Subscription, error) {
	var err error
	// The subscription matters for access to rooms other than public
	// channels and for room-role permissions (post-readonly,
	// message-impersonate). Posting to a public channel, the busiest case,
	// needs neither, so the read is skipped there.
	impersonates := in.Alias != "" || in.Avatar != "" || in.Emoji != ""
	var sub *model.Subscription
	if room.Type != model.RoomChannel || room.ReadOnly || impersonates || room.ParentRoomID != "" || !s.perms.Has(user, nil, perm.ViewCRoom) {
		sub, err = s.store.Subscription(ctx, room.ID, user.ID)
		if errors.Is(err, store.ErrNotFound) {
			sub = nil
		} else if err != nil {
			return nil, internal("send message", err)
		}
	}
	if sub == nil {
		if err := s.canAccessRoom(ctx, user, room); err != nil {
			return nil, model.Forbidden("error-not-allowed", "Not allowed")
		}
	}
	if err := s.checkCanPost(user, room, sub); err != nil {
		if notify {
			var text string
			if e, ok := model.AsError(err); ok {
				text = e.Reason
			}
			return nil, s.refuseWithNotice(ctx, user, room.ID, text, err)
		}
		return nil, err
	}
	if impersonates && !s.canWithSub(user, sub, perm.MessageImpersonate) {
		return nil, model.Forbidden("error-action-not-allowed", "Not allowed to change the alias, avatar or emoji of a message")
	}
	return sub, nil
}

// checkCanPost applies the room's posting rules: archived rooms refuse
// posts, read-only rooms need post-readonly (or the user unmuted in the
// room), muted users cannot post.
func (s *core) checkCanPost(user *model.User, room *model.Room, sub *model.Subscription) error {
	if room.Archived {
		return model.Invalid("error-room-archived", "Room is archived")
	}
	if room.ReadOnly && !s.canWithSub(user, sub, perm.PostReadonly) && !contains(room.Unmuted, user.Username) {
		return model.Forbidden("error-not-allowed", "You can't send messages because the room is readonly.")
	}
	if room.IsMuted(user.Username) {
		return model.Forbidden("error-not-allowed", "You have been muted and cannot speak in this room")
	}
	return nil
}

// resolveMentions fills msg.Mentions and msg.Channels from parsed names,
// keeping only users and public channels that exist.
func (s *core) resolveMentions(ctx context.Context, msg *model.Message, usernames []string, toAll, toHere bool) error {
	msg.Mentions = []model.Mention{}
	msg.Channels = []model.ChannelRef{}
	if toAll {
		msg.Mentions = append(msg.Mentions, model.Mention{ID: "all", Username: "all"})
	}
	if toHere {
		msg.Mentions = append(msg.Mentions, model.Mention{ID: "here", Username: "here"})
	}
	if len(usernames) > 0 {
		users, err := s.store.UsersByUsernames(ctx, usernames)
		if err != nil {
			return internal("resolve mentions", err)
		}
		byName := make(map[string]*model.User, len(users))
		for _, u := range users {
			byName[strings.ToLower(u.Username)] = u
		}
		for _, n := range usernames {
			if u, ok := byName[strings.ToLower(n)]; ok {
				msg.Mentions = append(msg.Mentions, model.Mention{ID: u.ID, Username: u.Username, Name: u.Name, Type: "user"})
			}
		}
	}
	if msg.Type == model.MessageTypeE2E {
		return nil // ciphertext: no channel links to read
	}
	for _, name := range text.Channels(msg.Msg) {
		r, err := s.store.RoomByName(ctx, name)
		if err == nil && r.Type == model.RoomChannel {
			msg.Channels = append(msg.Channels, model.ChannelRef{ID: r.ID, Name: r.Name})
		}
	}
	return nil
}

// storeNewMessage inserts msg and applies its effects inside tx: the room's
// counters and last message, the thread parent, and members' unread state.
//
// expect, when not nil, holds the posting rules the caller checked (from
// the cache): if the stored room is gone or its rules differ, nothing is
// written and the error is errStaleRules.
func (s *core) storeNewMessage(ctx context.Context, tx store.Tx, roomID string, msg *model.Message, groupMention bool, expect *model.Room) error {
	room, err := tx.RoomByID(ctx, roomID)
	if expect != nil && (errors.Is(err, store.ErrNotFound) || (err == nil && !samePostRules(expect, room))) {
		return errStaleRules
	}
	if errors.Is(err, store.ErrNotFound) {
		return errRoomNotFound(model.RoomChannel)
	}
	if err != nil {
		return err
	}
	var parent *model.Message
	if msg.ThreadID != "" {
		parent, err = tx.MessageByID(ctx, msg.ThreadID)
		if errors.Is(err, store.ErrNotFound) || (err == nil && parent.RoomID != room.ID) {
			return model.Invalid("error-invalid-message", "Invalid thread: the parent message does not exist in this room")
		}
		if err != nil {
			return err
		}
		if parent.ThreadID != "" { // replies to a reply go to the thread's root
			msg.ThreadID = parent.ThreadID
			if parent, err = tx.MessageByID(ctx, parent.ThreadID); err != nil {
				return err
			}
		}
	}
	nextInRoom(room, msg)
	// With read receipts on, a message is unread until every other member
	// has read past it (package receipts clears the flag); a sender alone
	// in the room has nobody else to wait for.
	msg.Unread = room.UsersCount > 1 && s.settings.Bool(setting.MessageReadReceiptEnabled)
	if err := tx.InsertMessage(ctx, msg); err != nil {
		return err
	}
	now := msg.SentAt
	threadReply := msg.ThreadID != "" && !msg.ShowInRoom

	// The thread parent: reply count, last reply time, followers.
	var followers []string
	if parent != nil {
		parent.ThreadCount++
		parent.ThreadLastMessageAt = now
		parent.UpdatedAt = now
		if !contains(parent.Replies, parent.Author.ID) && parent.Type == "" {
			parent.Replies = append(parent.Replies, parent.Author.ID)
		}
		if !contains(parent.Replies, msg.Author.ID) {
			parent.Replies = append(parent.Replies, msg.Author.ID)
		}
		if err := tx.UpdateMessage(ctx, parent); err != nil {
			return err
		}
		tx.Emit(model.MessageSaved{Message: cloneMessage(parent), RoomType: room.Type, RoomName: room.Name})
		for _, uid := range parent.Replies {
			if uid != msg.Author.ID {
				followers = append(followers, uid)
			}
		}
	}

	// The room: counters and last message.
	room.MessageCount++
	room.LastMessageAt = now
	if !threadReply {
		room.LastMessage = cloneMessage(msg)
	}
	if err := saveRoom(ctx, tx, room, now); err != nil {
		return err
	}
	if err := refreshDiscussionTx(ctx, tx, room, now); err != nil {
		return err
	}

	// Members' subscriptions.
	var mentioned []string
	for _, m := range msg.Mentions {
		if m.ID != "all" && m.ID != "here" && m.ID != msg.Author.ID {
			mentioned = append(mentioned, m.ID)
		}
	}
	change := store.SubscriptionChange{Exclude: []string{msg.Author.ID}, At: now, Mentioned: mentioned, GroupMentioned: groupMention}
	unreadSetting := s.settings.String(setting.UnreadCount)
	if room.Type == model.RoomDirect {
		unreadSetting = s.settings.String(setting.UnreadCountDM)
	}
	if !threadReply {
		change.Open, change.Alert = true, true
		switch unreadSetting {
		case "all_messages":
			change.IncUnread = 1
		case "group_mentions_only":
			if groupMention {
				change.IncUnread = 1
			}
		case "user_and_group_mentions_only":
			if groupMention {
				change.IncUnread = 1
			}
			change.IncUnreadOnMention = true
		case "user_mentions_only", "mentions_only":
			change.IncUnreadOnMention = true
		}
	} else {
		change.ThreadID = msg.ThreadID
		change.ThreadUsers = followers
	}
	changed, err := tx.UpdateSubscriptionsOfRoom(ctx, room.ID, change)
	if err != nil {
		return err
	}
	if err := emitChangedSubscriptions(ctx, tx, room.ID, changed); err != nil {
		return err
	}

	// Who gets a notification: mentioned users, and every other member of a
	// direct conversation; everyone for @all/@here.
	notify := mentioned
	if room.Type == model.RoomDirect {
		for _, uid := range room.UserIDs {
			if uid != msg.Author.ID && !contains(notify, uid) {
				notify = append(notify, uid)
			}
		}
	} else if groupMention {
		ids, err := tx.MemberIDs(ctx, room.ID)
		if err != nil {
			return err
		}
		for _, uid := range ids {
			if uid != msg.Author.ID && !contains(notify, uid) {
				notify = append(notify, uid)
			}
		}
	}
	tx.Emit(model.MessageSaved{Message: cloneMessage(msg), RoomType: room.Type, RoomName: room.Name, Created: true, Notify: notify})
	return nil
}

// cloneMessage copies a message for an event or a room's lastMessage.
// Slices and maps are shared: messages are replaced whole on change, never
// mutated in place after being stored.
func cloneMessage(m *model.Message) *model.Message {
	c := *m
	return &c
}

// bulkSubscriptionRead is the number of changed subscriptions from which
// reading the whole room's subscriptions in one query beats one query each.
const bulkSubscriptionRead = 4

// emitChangedSubscriptions emits SubscriptionChanged for the subscriptions
// of the given users in the room, as they are now in tx. Every message
// changes most members' subscriptions, so for more than a few it reads them
// all in one query instead of one query per member.
func emitChangedSubscriptions(ctx context.Context, tx store.Tx, roomID string, userIDs []string) error {
	if len(userIDs) == 0 {
		return nil
	}
	if len(userIDs) < bulkSubscriptionRead {
		for _, uid := range userIDs {
			sub, err := tx.Subscription(ctx, roomID, uid)
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			tx.Emit(model.SubscriptionChanged{Action: model.ActionUpdated, Subscription: sub})
		}
		return nil
	}
	want := make(map[string]struct{}, len(userIDs))
	for _, uid := range userIDs {
		want[uid] = struct{}{}
	}
	subs, _, err := tx.SubscriptionsOfRoom(ctx, roomID, store.MemberQuery{}, model.Page{})
	if err != nil {
		return err
	}
	for _, sub := range subs {
		if _, ok := want[sub.User.ID]; ok {
			tx.Emit(model.SubscriptionChanged{Action: model.ActionUpdated, Subscription: sub})
		}
	}
	return nil
}

// nextInRoom gives m a timestamp after the room's last message (one
// millisecond after it when the clock has not moved on), so a room's
// messages have distinct, increasing timestamps. Clients page history by
// timestamp with exclusive bounds (loadHistory's end, channels.history's
// latest); two messages in the same millisecond would make one of them
// fall between two pages. A room posting faster than a message a
// millisecond runs ahead of the clock until it slows down.
func nextInRoom(room *model.Room, m *model.Message) {
	if room.LastMessageAt.IsZero() || m.SentAt.After(room.LastMessageAt.Time) {
		return
	}
	ts := model.TimeOf(room.LastMessageAt.Add(time.Millisecond))
	if m.UpdatedAt.Equal(m.SentAt.Time) {
		m.UpdatedAt = ts
	}
	m.SentAt = ts
}

// cleanReactions keeps the client-sent reactions that name an emoji and at
// least one username (nil when none do).
func cleanReactions(in map[string]*model.Reaction) map[string]*model.Reaction {
	var out map[string]*model.Reaction
	for emoji, r := range in {
		if emoji == "" || r == nil || len(r.Usernames) == 0 {
			continue
		}
		if out == nil {
			out = make(map[string]*model.Reaction, len(in))
		}
		out[emoji] = &model.Reaction{Usernames: append([]string(nil), r.Usernames...), Names: append([]string(nil), r.Names...)}
	}
	return out
}
