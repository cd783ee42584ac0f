package chat

import (
	"context"
	"errors"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"liftoff/access/perm"
	"liftoff/chat/text"
	"liftoff/model"
	"liftoff/settings/setting"
	"liftoff/store"
)

// This file holds the actions on existing messages: edit, delete, react,
// pin, star and thread following. Each checks, as Rocket.Chat does, the
// message, the setting that enables the action, the actor's permission and
// access to the room, then changes the message in one transaction that also
// keeps the room's copy of its last message current and emits the events.

// errNoMessageWithID is chat.update's and chat.delete's answer for an unknown message.
func errNoMessageWithID(id string) *model.Error {
	return model.NotFound("error-message-not-found", "No message found with the id of \"%s\".", id)
}

// errMessageIDNotFound is the answer of the endpoints taking a messageId.
var errMessageIDNotFound = model.NotFound("error-message-not-found", "The provided \"messageId\" does not match any existing message.")

var errRoomMismatch = model.Invalid("error-invalid-room", "The room id provided does not match where the message is from.")

var errNotAuthorized = model.Forbidden("not-authorized", "Not Authorized")

// loadMessage reads a message; a missing one becomes notFound, and so
// does a hidden one (a previous version kept by Message_KeepHistory, or a
// message hidden by a deletion): no call reads or changes those.
func (s *core) loadMessage(ctx context.Context, id string, notFound *model.Error) (*model.Message, error) {
	if id == "" {
		return nil, notFound
	}
	m, err := s.store.MessageByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) || err == nil && m.Hidden {
		return nil, notFound
	}
	if err != nil {
		return nil, internal("load message", err)
	}
	return m, nil
}

// roomAccess loads the room of a message and the user's subscription to it
// (nil when not a member) and reports whether the user may read the room.
func (s *core) roomAccess(ctx context.Context, user *model.User, roomID string) (*model.Room, *model.Subscription, bool, error) {
	room, err := s.store.RoomByID(ctx, roomID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, false, nil
	}
	if err != nil {
		return nil, nil, false, internal("load room", err)
	}
	sub, err := s.store.Subscription(ctx, roomID, user.ID)
	if errors.Is(err, store.ErrNotFound) {
		sub = nil
	} else if err != nil {
		return nil, nil, false, internal("load subscription", err)
	}
	if sub != nil {
		return room, sub, true, nil
	}
	if err := s.canAccessRoom(ctx, user, room); err != nil {
		if _, ok := model.AsError(err); ok {
			return room, nil, false, nil
		}
		return nil, nil, false, err
	}
	return room, nil, true, nil
}

// changeMessage reloads message id inside a transaction, applies change to
// it and, when change reports a change, stores it with a new _updatedAt,
// refreshes the room's lastMessage if it is that message and emits
// MessageSaved. It returns the message as stored.
func (s *core) changeMessage(ctx context.Context, id string, change func(tx store.Tx, m *model.Message, now model.Time) (bool, error)) (*model.Message, error) {
	var out *model.Message
	err := s.store.Update(ctx, func(tx store.Tx) error {
		m, err := tx.MessageByID(ctx, id)
		if errors.Is(err, store.ErrNotFound) || err == nil && m.Hidden {
			return errMessageIDNotFound
		}
		if err != nil {
			return err
		}
		now := s.nowTime()
		changed, err := change(tx, m, now)
		if err != nil || !changed {
			out = m
			return err
		}
		out = m
		return s.saveMessageTx(ctx, tx, m, now)
	})
	if err != nil {
		return nil, internal("change message", err)
	}
	return out, nil
}

// saveMessageTx stores a changed message, keeps the room's lastMessage copy
// current and emits MessageSaved.
func (s *core) saveMessageTx(ctx context.Context, tx store.Tx, m *model.Message, now model.Time) error {
	m.UpdatedAt = now
	if err := tx.UpdateMessage(ctx, m); err != nil {
		return err
	}
	room, err := loadRoomTx(ctx, tx, m.RoomID)
	if err != nil {
		return err
	}
	if room.LastMessage != nil && room.LastMessage.ID == m.ID {
		room.LastMessage = cloneMessage(m)
		if err := saveRoom(ctx, tx, room, now); err != nil {
			return err
		}
	}
	tx.Emit(model.MessageSaved{Message: cloneMessage(m), RoomType: room.Type, RoomName: room.Name})
	return nil
}

// minutesSince is the whole number of minutes elapsed since t, rounded as
// Rocket.Chat rounds it for the delete time limit.
func minutesSince(now, t time.Time) float64 {
	return math.Round(now.Sub(t).Minutes())
}

// ---- edit ----

// UpdateInput is an edit of a message's text (chat.update).
type UpdateInput struct {
	RoomID       string
	MessageID    string
	Text         string
	CustomFields map[string]any
	// Content replaces an end-to-end encrypted message's ciphertext (its
	// Text is ignored): only messages of type e2e take it.
	Content *model.EncryptedContent
}

// errContentNotEncrypted refuses new content for a message in clear text.
var errContentNotEncrypted = model.Invalid("error-invalid-params", "Only encrypted messages can have content updated.")

// UpdateMessage edits a message's text as user. Authors may edit their own
// messages while Message_AllowEditing is on and within
// Message_AllowEditing_BlockEditInMinutes; edit-message lets moderators
// edit any. The user must still be able to post in the room. Mentions are
// parsed again; editedAt and editedBy are set. An edit that leaves the
// text as it was changes nothing.
func (s *Messages) UpdateMessage(ctx context.Context, user *model.User, in UpdateInput) (*model.Message, error) {
	if user == nil {
		return nil, model.ErrNotAllowed
	}
	orig, err := s.loadMessage(ctx, in.MessageID, errNoMessageWithID(in.MessageID))
	if err != nil {
		return nil, err
	}
	if in.RoomID != orig.RoomID {
		return nil, errRoomMismatch
	}
	if in.Content != nil && orig.Type != model.MessageTypeE2E {
		return nil, errContentNotEncrypted
	}
	room, sub, ok, err := s.roomAccess(ctx, user, orig.RoomID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, model.Forbidden("error-not-allowed", "Not allowed")
	}
	canEditAny := s.canWithSub(user, sub, perm.EditMessage)
	own := orig.Author.ID == user.ID
	if !canEditAny && (!s.settings.Bool(setting.MessageAllowEditing) || !own) {
		return nil, model.Forbidden("error-action-not-allowed", "Message editing not allowed").
			WithDetails(map[string]any{"action": "Message_editing"}).InMethod()
	}
	if block := s.settings.Int(setting.MessageAllowEditingBlockEditInMinutes); block != 0 && !s.can(user, perm.BypassTimeLimitEditAndDelete) {
		if !orig.SentAt.IsZero() && s.now().Sub(orig.SentAt.Time) >= time.Duration(block)*time.Minute {
			return nil, model.Invalid("error-message-editing-blocked", "Message editing is blocked").
				InMethod()
		}
	}
	if err := s.checkCanPost(user, room, sub); err != nil {
		return nil, err
	}
	if in.Content != nil {
		return s.updateEncrypted(ctx, orig, user, in.Content)
	}
	if max := s.settings.Int(setting.MessageMaxAllowedSize); max > 0 && utf8.RuneCountInString(in.Text) > max {
		return nil, model.Invalid("error-message-size-exceeded", "Message size exceeds the allowed limit (%d characters)", max)
	}
	// A file message keeps its text in the first attachment's description.
	inDescription := len(orig.Attachments) > 0 && orig.Attachments[0]["description"] != nil
	current := orig.Msg
	if inDescription {
		current, _ = orig.Attachments[0]["description"].(string)
	}
	if current == in.Text && in.CustomFields == nil {
		return orig, nil
	}
	parsed := &model.Message{Msg: in.Text}
	usernames, toAll, toHere := text.Mentions(in.Text)
	if err := s.resolveMentions(ctx, parsed, usernames, toAll, toHere); err != nil {
		return nil, err
	}
	editor := &model.UserRef{ID: user.ID, Username: user.Username}
	return s.changeMessage(ctx, orig.ID, func(tx store.Tx, m *model.Message, now model.Time) (bool, error) {
		if s.settings.Bool(setting.MessageKeepHistory) {
			if err := keepPreviousVersion(ctx, tx, m, editor, now); err != nil {
				return false, err
			}
		}
		if inDescription && len(m.Attachments) > 0 {
			atts := make([]map[string]any, len(m.Attachments))
			copy(atts, m.Attachments)
			first := make(map[string]any, len(atts[0]))
			for k, v := range atts[0] {
				first[k] = v
			}
			first["description"] = in.Text
			atts[0] = first
			m.Attachments = atts
		} else {
			m.Msg = in.Text
		}
		m.Mentions, m.Channels = parsed.Mentions, parsed.Channels
		if in.CustomFields != nil {
			m.CustomFields = in.CustomFields
		}
		m.EditedAt = now
		m.EditedBy = editor
		return true, nil
	})
}

// updateEncrypted replaces an encrypted message's ciphertext: the server
// cannot read it, so mentions stay as they were and the text stays empty.
func (s *Messages) updateEncrypted(ctx context.Context, orig *model.Message, user *model.User, content *model.EncryptedContent) (*model.Message, error) {
	if content.Algorithm == "" || content.Ciphertext == "" {
		return nil, model.Invalid("error-invalid-params", "The encrypted content must have an algorithm and a ciphertext.")
	}
	if orig.Content != nil && *orig.Content == *content {
		return orig, nil
	}
	editor := &model.UserRef{ID: user.ID, Username: user.Username}
	return s.changeMessage(ctx, orig.ID, func(tx store.Tx, m *model.Message, now model.Time) (bool, error) {
		if s.settings.Bool(setting.MessageKeepHistory) {
			if err := keepPreviousVersion(ctx, tx, m, editor, now); err != nil {
				return false, err
			}
		}
		c := *content
		m.Content = &c
		m.EditedAt = now
		m.EditedBy = editor
		return true, nil
	})
}

// keepPreviousVersion stores a hidden copy of m as it is now, under a new
// id, with parent pointing at m and editedAt/editedBy saying who replaced
// it and when: Rocket.Chat's message history (Message_KeepHistory). The
// copy is in no list and emits no event.
func keepPreviousVersion(ctx context.Context, tx store.Tx, m *model.Message, by *model.UserRef, now model.Time) error {
	prev := cloneMessage(m)
	prev.ID = model.NewID()
	prev.Hidden = true
	prev.Parent = m.ID
	prev.EditedAt, prev.EditedBy = now, by
	prev.UpdatedAt = now
	return tx.InsertMessage(ctx, prev)
}

// ---- delete ----

// DeleteInput names a message to delete (chat.delete).
type DeleteInput struct {
	RoomID    string
	MessageID string
	// AsUser deletes another user's message as its author (needs
	// force-delete-message); the author's rights then decide.
	AsUser bool
}

// DeleteMessage removes a message as user and returns it as it was.
// force-delete-message allows any deletion; otherwise Message_AllowDeleting
// must be on and the user needs delete-message, or delete-own-message for
// their own message within Message_AllowDeleting_BlockDeleteInMinutes.
//
// As in Rocket.Chat, a thread's first message (or any message when
// Message_ShowDeletedStatus is on) is not removed but replaced by a
// "message removed" record (t "rm"), so the thread stays reachable; with
// Message_KeepHistory (always for a thread's first message) the text as it
// was is kept as a hidden previous version. Other messages are hidden
// (Message_KeepHistory) or removed, leaving a tombstone for
// chat.syncMessages either way. Deleting
// a reply lowers its thread's tcount; deleting the room's last message
// makes the previous visible message the room's lastMessage.
func (s *Messages) DeleteMessage(ctx context.Context, user *model.User, in DeleteInput) (*model.Message, error) {
	if user == nil {
		return nil, model.ErrNotAllowed
	}
	orig, err := s.loadMessage(ctx, in.MessageID, errNoMessageWithID(in.MessageID))
	if err != nil {
		return nil, err
	}
	if in.RoomID != orig.RoomID {
		return nil, errRoomMismatch
	}
	room, sub, ok, err := s.roomAccess(ctx, user, orig.RoomID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, model.Forbidden("error-not-allowed", "Not allowed")
	}
	actor, actorSub := user, sub
	if in.AsUser && orig.Author.ID != user.ID {
		if !s.canWithSub(user, sub, perm.ForceDeleteMessage) {
			return nil, model.Forbidden("error-action-not-allowed", "Unauthorized. You must have the permission \"force-delete-message\" to delete other's message as them.")
		}
		author, err := s.store.UserByID(ctx, orig.Author.ID)
		if errors.Is(err, store.ErrNotFound) {
			return nil, model.Invalid("error-invalid-user", "User not found")
		}
		if err != nil {
			return nil, internal("delete message", err)
		}
		actor = author
		if actorSub, err = s.store.Subscription(ctx, room.ID, author.ID); errors.Is(err, store.ErrNotFound) {
			actorSub = nil
		} else if err != nil {
			return nil, internal("delete message", err)
		}
	}
	if room.Archived {
		return nil, model.Invalid("error-room-archived", "Room is archived")
	}
	if err := s.checkCanDelete(actor, actorSub, room, orig); err != nil {
		return nil, err
	}
	editor := &model.UserRef{ID: actor.ID, Username: actor.Username}
	err = s.store.Update(ctx, func(tx store.Tx) error {
		m, err := tx.MessageByID(ctx, orig.ID)
		if errors.Is(err, store.ErrNotFound) || err == nil && m.Hidden {
			return errNoMessageWithID(orig.ID)
		}
		if err != nil {
			return err
		}
		orig = m
		return s.deleteMessageTx(ctx, tx, m, editor, s.nowTime())
	})
	if err != nil {
		return nil, internal("delete message", err)
	}
	return orig, nil
}

// DeleteReported deletes a reported message for a moderator, as
// Rocket.Chat's deleteReportedMessages: without the room access and
// delete rules of DeleteMessage, which the moderator's
// manage-moderation-actions (checked by the caller, package moderation)
// replaces; the deletion itself follows Message_KeepHistory and
// Message_ShowDeletedStatus as DeleteMessage's does. A message already gone
// is no error.
func (s *Messages) DeleteReported(ctx context.Context, moderator *model.User, messageID string) error {
	editor := &model.UserRef{ID: moderator.ID, Username: moderator.Username}
	err := s.store.Update(ctx, func(tx store.Tx) error {
		m, err := tx.MessageByID(ctx, messageID)
		if errors.Is(err, store.ErrNotFound) || err == nil && m.Hidden {
			return nil
		}
		if err != nil {
			return err
		}
		return s.deleteMessageTx(ctx, tx, m, editor, s.nowTime())
	})
	if err != nil {
		return internal("delete reported message", err)
	}
	return nil
}

// checkCanDelete applies Rocket.Chat's canDeleteMessage rules to actor.
func (s *core) checkCanDelete(actor *model.User, sub *model.Subscription, room *model.Room, m *model.Message) error {
	denied := model.Forbidden("error-action-not-allowed", "Not allowed")
	if s.canWithSub(actor, sub, perm.ForceDeleteMessage) {
		return nil
	}
	if m.SentAt.IsZero() || !s.settings.Bool(setting.MessageAllowDeleting) {
		return denied
	}
	if !s.canWithSub(actor, sub, perm.DeleteMessage) &&
		!(m.Author.ID == actor.ID && s.canWithSub(actor, sub, perm.DeleteOwnMessage)) {
		return denied
	}
	if !s.can(actor, perm.BypassTimeLimitEditAndDelete) {
		if block := s.settings.Int(setting.MessageAllowDeletingBlockDeleteInMinutes); block > 0 &&
			minutesSince(s.now(), m.SentAt.Time) > float64(block) {
			return denied
		}
	}
	if room.ReadOnly && !s.canWithSub(actor, sub, perm.PostReadonly) {
		return model.Forbidden("error-not-allowed", "You can't delete messages because the room is readonly.")
	}
	return nil
}

// deleteMessageTx removes (or marks removed) m inside tx with its effects
// on the thread and the room.
func (s *core) deleteMessageTx(ctx context.Context, tx store.Tx, m *model.Message, by *model.UserRef, now model.Time) error {
	room, err := loadRoomTx(ctx, tx, m.RoomID)
	if err != nil {
		return err
	}
	if m.ThreadID != "" {
		parent, err := tx.MessageByID(ctx, m.ThreadID)
		if err == nil {
			if parent.ThreadCount > 0 {
				parent.ThreadCount--
			}
			parent.UpdatedAt = now
			if err := tx.UpdateMessage(ctx, parent); err != nil {
				return err
			}
			tx.Emit(model.MessageSaved{Message: cloneMessage(parent), RoomType: room.Type, RoomName: room.Name})
			if room.LastMessage != nil && room.LastMessage.ID == parent.ID {
				room.LastMessage = cloneMessage(parent)
			}
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	// Rocket.Chat's rules: a thread's first message is always kept (history
	// and a "message removed" record); otherwise Message_KeepHistory keeps
	// the message (as a hidden previous version when the removal shows, else
	// by hiding it) and Message_ShowDeletedStatus shows the removal.
	isThread := m.ThreadCount > 0
	drid := m.DiscussionID
	keepHistory := isThread || s.settings.Bool(setting.MessageKeepHistory)
	showDeleted := isThread || s.settings.Bool(setting.MessageShowDeletedStatus)
	switch {
	case showDeleted:
		if keepHistory {
			if err := keepPreviousVersion(ctx, tx, m, by, now); err != nil {
				return err
			}
		}
		// Keep the record, emptied, as Rocket.Chat's "message removed".
		m.Type, m.Msg = "rm", ""
		m.Mentions, m.Channels = []model.Mention{}, []model.ChannelRef{}
		m.Attachments, m.Reactions, m.URLs = nil, nil, nil
		m.ShowInRoom = false
		m.EditedAt, m.EditedBy = now, by
		m.UpdatedAt = now
		if err := tx.UpdateMessage(ctx, m); err != nil {
			return err
		}
		tx.Emit(model.MessageSaved{Message: cloneMessage(m), RoomType: room.Type, RoomName: room.Name})
	case keepHistory:
		if err := tx.HideMessage(ctx, m.ID, now); err != nil {
			return err
		}
		tx.Emit(model.MessageDeleted{RoomID: m.RoomID, MessageID: m.ID, ThreadID: m.ThreadID})
	default:
		if err := tx.DeleteMessage(ctx, m.ID, now); err != nil {
			return err
		}
		tx.Emit(model.MessageDeleted{RoomID: m.RoomID, MessageID: m.ID, ThreadID: m.ThreadID})
	}
	if room.MessageCount > 0 {
		room.MessageCount--
	}
	if room.LastMessage != nil && room.LastMessage.ID == m.ID && s.settings.Bool(setting.StoreLastMessage) {
		last, _, err := tx.ListMessages(ctx, store.MessageQuery{RoomID: room.ID, OnlyUserMessages: true, HideThreadReplies: true},
			model.Page{Count: 1, Sort: []model.SortKey{{Field: "ts", Desc: true}}, NoTotal: true})
		if err != nil {
			return err
		}
		room.LastMessage = nil
		if len(last) > 0 {
			room.LastMessage = last[0]
		}
	}
	if err := saveRoom(ctx, tx, room, now); err != nil {
		return err
	}
	if err := refreshDiscussionTx(ctx, tx, room, now); err != nil {
		return err
	}
	// Removing a discussion-created message deletes its discussion.
	if drid != "" {
		return eraseDiscussionOfTx(ctx, tx, drid, now)
	}
	return nil
}

// ---- reactions ----

// NormalizeEmoji returns the emoji in Rocket.Chat's stored form ":name:"
// (colons added or kept) and whether the name is acceptable: letters,
// digits and _ + - only.
func NormalizeEmoji(emoji string) (string, bool) {
	name := strings.ReplaceAll(strings.TrimSpace(emoji), ":", "")
	if name == "" || len(name) > 100 {
		return "", false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '+' || r == '-') {
			return "", false
		}
	}
	return ":" + name + ":", true
}

// React adds or removes user's reaction to a message. shouldReact nil
// toggles; true or false sets (a no-op when already so). Reactions are kept
// as {":emoji:": {usernames: [...]}}.
func (s *Messages) React(ctx context.Context, user *model.User, messageID, emoji string, shouldReact *bool) error {
	if user == nil {
		return model.ErrNotAllowed
	}
	reaction, ok := NormalizeEmoji(emoji)
	if !ok {
		return model.Forbidden("error-not-allowed", "Invalid emoji provided.").InMethod()
	}
	orig, err := s.loadMessage(ctx, messageID, errMessageIDNotFound)
	if err != nil {
		return err
	}
	room, sub, ok, err := s.roomAccess(ctx, user, orig.RoomID)
	if err != nil {
		return err
	}
	if room == nil {
		return model.Forbidden("error-not-allowed", "Not allowed")
	}
	if !ok {
		return errNotAuthorized
	}
	if room.Archived {
		return model.Invalid("error-room-archived", "Room is archived")
	}
	if room.IsMuted(user.Username) {
		return model.Forbidden("error-not-allowed", "You have been muted and cannot speak in this room").WithDetails(map[string]any{"rid": room.ID})
	}
	if room.ReadOnly && !s.canWithSub(user, sub, perm.PostReadonly) {
		return model.Forbidden("error-not-allowed", "You can't send messages because the room is readonly.")
	}
	_, err = s.changeMessage(ctx, orig.ID, func(_ store.Tx, m *model.Message, _ model.Time) (bool, error) {
		return toggleReaction(m, reaction, user.Username, shouldReact), nil
	})
	return err
}

// toggleReaction applies one user's reaction change to m, copying the
// reactions map (stored messages are never mutated in place). It reports
// whether anything changed.
func toggleReaction(m *model.Message, reaction, username string, shouldReact *bool) bool {
	already := false
	if r := m.Reactions[reaction]; r != nil {
		already = contains(r.Usernames, username)
	}
	want := !already
	if shouldReact != nil {
		want = *shouldReact
	}
	if want == already {
		return false
	}
	next := make(map[string]*model.Reaction, len(m.Reactions)+1)
	for k, v := range m.Reactions {
		next[k] = v
	}
	var names []string
	if r := next[reaction]; r != nil {
		names = r.Usernames
	}
	if want {
		names = append(append([]string(nil), names...), username)
		next[reaction] = &model.Reaction{Usernames: names}
	} else {
		kept := make([]string, 0, len(names))
		for _, n := range names {
			if n != username {
				kept = append(kept, n)
			}
		}
		if len(kept) == 0 {
			delete(next, reaction)
		} else {
			next[reaction] = &model.Reaction{Usernames: kept}
		}
	}
	if len(next) == 0 {
		next = nil
	}
	m.Reactions = next
	return true
}

// ---- pins ----

// PinMessage pins a message (pin-message, Message_AllowPinning) and posts
// the "message_pinned" system message quoting it, which it returns. A
// message already pinned is returned as is.
func (s *Messages) PinMessage(ctx context.Context, user *model.User, messageID string) (*model.Message, error) {
	if user == nil {
		return nil, model.ErrNotAllowed
	}
	orig, err := s.loadMessage(ctx, messageID, errMessageIDNotFound)
	if err != nil {
		return nil, err
	}
	if !s.settings.Bool(setting.MessageAllowPinning) {
		return nil, model.Forbidden("error-action-not-allowed", "Message pinning not allowed").
			WithDetails(map[string]any{"action": "Message_pinning"}).InMethod()
	}
	room, sub, ok, err := s.roomAccess(ctx, user, orig.RoomID)
	if err != nil {
		return nil, err
	}
	if room == nil || !ok || !s.canWithSub(user, sub, perm.PinMessage) {
		return nil, errNotAuthorized.InMethod()
	}
	if room.Archived {
		return nil, model.Invalid("error-room-archived", "Room is archived")
	}
	if orig.Pinned {
		return orig, nil
	}
	by := &model.UserRef{ID: user.ID, Username: user.Username}
	var notice *model.Message
	err = s.store.Update(ctx, func(tx store.Tx) error {
		m, err := tx.MessageByID(ctx, orig.ID)
		if errors.Is(err, store.ErrNotFound) {
			return errMessageIDNotFound
		}
		if err != nil {
			return err
		}
		if m.Pinned {
			notice = m
			return nil
		}
		now := s.nowTime()
		m.Pinned, m.PinnedAt, m.PinnedBy = true, now, by
		if err := s.saveMessageTx(ctx, tx, m, now); err != nil {
			return err
		}
		room, err := loadRoomTx(ctx, tx, m.RoomID)
		if err != nil {
			return err
		}
		quote := map[string]any{
			"text":        m.Msg,
			"author_name": m.Author.Username,
			"author_icon": "/avatar/" + m.Author.Username,
			"ts":          m.SentAt,
			"attachments": pinQuoteAttachments(m.Attachments),
		}
		notice, err = s.insertSystemMessage(ctx, tx, room, "message_pinned", "", user, now, func(n *model.Message) {
			n.Attachments = []map[string]any{quote}
		})
		if err != nil {
			return err
		}
		return saveRoom(ctx, tx, room, now)
	})
	if err != nil {
		return nil, internal("pin message", err)
	}
	return notice, nil
}

// pinQuoteAttachments lists the pinned message's attachments for the quote,
// leaving out repeated quotes of the same message, as Rocket.Chat does.
func pinQuoteAttachments(atts []map[string]any) []map[string]any {
	out := make([]map[string]any, 0, len(atts))
	seen := map[string]bool{}
	for _, a := range atts {
		if link, ok := a["message_link"].(string); ok && link != "" {
			if seen[link] {
				continue
			}
			seen[link] = true
		}
		out = append(out, a)
	}
	return out
}

// UnpinMessage unpins a message (pin-message, Message_AllowPinning; the
// user must be a member of the room).
func (s *Messages) UnpinMessage(ctx context.Context, user *model.User, messageID string) error {
	if user == nil {
		return model.ErrNotAllowed
	}
	orig, err := s.loadMessage(ctx, messageID, errMessageIDNotFound)
	if err != nil {
		return err
	}
	if !s.settings.Bool(setting.MessageAllowPinning) {
		return model.Forbidden("error-action-not-allowed", "Message pinning not allowed").
			WithDetails(map[string]any{"action": "Message_pinning"}).InMethod()
	}
	room, sub, _, err := s.roomAccess(ctx, user, orig.RoomID)
	if err != nil {
		return err
	}
	if room == nil || sub == nil {
		return model.Invalid("error-invalid-message", "Message you are unpinning was not found").
			WithDetails(map[string]any{"action": "Message_pinning"}).InMethod()
	}
	if !s.canWithSub(user, sub, perm.PinMessage) {
		return errNotAuthorized.InMethod()
	}
	if room.Archived {
		return model.Invalid("error-room-archived", "Room is archived")
	}
	by := &model.UserRef{ID: user.ID, Username: user.Username}
	_, err = s.changeMessage(ctx, orig.ID, func(_ store.Tx, m *model.Message, _ model.Time) (bool, error) {
		if !m.Pinned {
			return false, nil
		}
		m.Pinned, m.PinnedBy = false, by
		return true, nil
	})
	return err
}

// ---- stars ----

// StarMessage stars (or, with starred false, unstars) a message for user
// (Message_AllowStarring). Only members of the room may star its messages.
// Stars are personal, so they are allowed in archived rooms.
func (s *Messages) StarMessage(ctx context.Context, user *model.User, messageID string, starred bool) error {
	if user == nil {
		return model.ErrNotAllowed
	}
	orig, err := s.loadMessage(ctx, messageID, errMessageIDNotFound)
	if err != nil {
		return err
	}
	if !s.settings.Bool(setting.MessageAllowStarring) {
		return model.Forbidden("error-action-not-allowed", "Message starring not allowed").
			WithDetails(map[string]any{"action": "Message_starring"}).InMethod()
	}
	if _, err := s.store.Subscription(ctx, orig.RoomID, user.ID); errors.Is(err, store.ErrNotFound) {
		return model.Forbidden("error-not-allowed", "Not allowed").InMethod()
	} else if err != nil {
		return internal("star message", err)
	}
	_, err = s.changeMessage(ctx, orig.ID, func(_ store.Tx, m *model.Message, _ model.Time) (bool, error) {
		has := false
		kept := make([]model.Starrer, 0, len(m.Starred)+1)
		for _, st := range m.Starred {
			if st.ID == user.ID {
				has = true
				continue
			}
			kept = append(kept, st)
		}
		if has == starred {
			return false, nil
		}
		if starred {
			kept = append(kept, model.Starrer{ID: user.ID})
		}
		if len(kept) == 0 {
			kept = nil
		}
		m.Starred = kept
		return true, nil
	})
	return err
}

// ---- following threads ----

// FollowMessage makes user follow (or, with follow false, stop following)
// the thread of a message: the thread's first message lists its followers
// in replies. Unfollowing also clears the thread from the user's unread
// threads. Following is personal, so it is allowed in archived rooms.
func (s *Messages) FollowMessage(ctx context.Context, user *model.User, messageID string, follow bool) error {
	if user == nil {
		return model.ErrNotAllowed
	}
	if !s.settings.Bool(setting.ThreadsEnabled) {
		return model.Forbidden("error-not-allowed", "not-allowed").InMethod()
	}
	orig, err := s.loadMessage(ctx, messageID, model.Invalid("error-invalid-message", "Invalid message").InMethod())
	if err != nil {
		return err
	}
	_, sub, ok, err := s.roomAccess(ctx, user, orig.RoomID)
	if err != nil {
		return err
	}
	if !ok {
		return model.Forbidden("error-not-allowed", "not-allowed").InMethod()
	}
	root := orig.ID
	if orig.ThreadID != "" {
		root = orig.ThreadID
	}
	_, err = s.changeMessage(ctx, root, func(tx store.Tx, m *model.Message, now model.Time) (bool, error) {
		if !follow && sub != nil {
			if err := clearThreadUnread(ctx, tx, m.RoomID, user.ID, m.ID, now); err != nil {
				return false, err
			}
		}
		if contains(m.Replies, user.ID) == follow {
			return false, nil
		}
		if follow {
			m.Replies = append(append([]string(nil), m.Replies...), user.ID)
		} else {
			kept := make([]string, 0, len(m.Replies))
			for _, id := range m.Replies {
				if id != user.ID {
					kept = append(kept, id)
				}
			}
			m.Replies = kept
		}
		return true, nil
	})
	return err
}

// clearThreadUnread removes a thread from a member's unread thread lists.
func clearThreadUnread(ctx context.Context, tx store.Tx, roomID, userID, tmid string, now model.Time) error {
	sub, err := tx.Subscription(ctx, roomID, userID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	changed := false
	drop := func(list []string) []string {
		if !contains(list, tmid) {
			return list
		}
		changed = true
		out := make([]string, 0, len(list))
		for _, id := range list {
			if id != tmid {
				out = append(out, id)
			}
		}
		return out
	}
	sub.UnreadThreads, sub.UnreadThreadMentions, sub.UnreadThreadGroupMentions = drop(sub.UnreadThreads), drop(sub.UnreadThreadMentions), drop(sub.UnreadThreadGroupMentions)
	if !changed {
		return nil
	}
	sub.UpdatedAt = now
	if err := tx.UpdateSubscription(ctx, sub); err != nil {
		return err
	}
	tx.Emit(model.SubscriptionChanged{Action: model.ActionUpdated, Subscription: sub})
	return nil
}
