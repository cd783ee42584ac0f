package chat

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	"liftoff/access/perm"
	"liftoff/model"
	"liftoff/settings/setting"
	"liftoff/store"
)

// A discussion is a room of its own (prid names its parent room) started
// from a room or from one of its messages. The parent gets a
// "discussion-created" system message whose drid names the discussion;
// that message's dcount and dlm follow the discussion's message count and
// last message time. Deleting a discussion clears drid, dcount and dlm
// from the messages linking to it; deleting a room deletes its
// discussions, and deleting a discussion-created message deletes its
// discussion, as in Rocket.Chat.

// DiscussionInput describes a new discussion (rooms.createDiscussion, the
// createDiscussion method).
type DiscussionInput struct {
	ParentRoomID    string // parent room; may be empty when ParentMessageID is given
	ParentMessageID string // the message the discussion starts from (optional)
	Name            string // t_name: the discussion's display name (fname)
	Reply           string // a first message posted in the discussion (optional)
	Topic           string // defaults to the parent room's name
	// Users are usernames invited besides the creator (and the author of
	// ParentMessageID); unknown usernames are ignored, as Rocket.Chat does.
	Users []string
	// Encrypted defaults to the parent room's encrypted flag.
	Encrypted *bool
}

// Discussion is a new discussion as Rocket.Chat answers it: the room and
// its id again as rid.
type Discussion struct {
	*model.Room
	RoomID string
}

func errNoDiscussion() *model.Error {
	return model.Forbidden("error-action-not-allowed", "You are not allowed to create a discussion").
		InMethod()
}

func errDiscussionArgs(reason string) *model.Error {
	return model.Invalid("error-invalid-arguments", "%s", reason).InMethod()
}

// discussionType is the type of a discussion of a room of type t:
// Rocket.Chat's getDiscussionType (public stays public, private and direct
// parents give private discussions).
func discussionType(t string) string {
	switch t {
	case model.RoomChannel:
		return model.RoomChannel
	case model.RoomPrivate, model.RoomDirect:
		return model.RoomPrivate
	}
	return ""
}

// routeLink is the client route of a room, as quotes link to messages.
func routeLink(room *model.Room) string {
	switch room.Type {
	case model.RoomChannel:
		return "/channel/" + room.Name
	case model.RoomPrivate:
		return "/group/" + room.Name
	default:
		return "/direct/" + room.ID
	}
}

// quoteOf is Rocket.Chat's attachMessage: message m quoted as an attachment.
func quoteOf(m *model.Message, room *model.Room) map[string]any {
	q := map[string]any{
		"text":         m.Msg,
		"authorName":   m.Author.Username,
		"authorIcon":   "/avatar/" + m.Author.Username,
		"message_link": routeLink(room) + "?msg=" + m.ID,
		"ts":           m.SentAt,
	}
	if len(m.Attachments) > 0 {
		q["attachments"] = m.Attachments
	}
	return q
}

// CreateDiscussion starts a discussion as user. It follows Rocket.Chat's
// createDiscussion: Discussion_enabled must be on; the user needs
// start-discussion or start-discussion-other-user (room roles of the
// parent count); the user must be able to post in the parent (access,
// read-only, muted); discussions do not nest; an encrypted discussion
// takes no first reply. The discussion's type follows the parent's (a
// direct conversation gives a private discussion); its members are the
// creator (owner), the author of the message it starts from and the
// invited users.
func (s *Teams) CreateDiscussion(ctx context.Context, user *model.User, in DiscussionInput) (*Discussion, error) {
	if !s.settings.Bool(setting.DiscussionEnabled) {
		return nil, errNoDiscussion()
	}
	if user == nil {
		return nil, model.Invalid("error-invalid-user", "Invalid user").InMethod()
	}
	if !s.canInRoom(ctx, user, in.ParentRoomID, perm.StartDiscussion) && !s.canInRoom(ctx, user, in.ParentRoomID, perm.StartDiscussionOtherUser) {
		return nil, errNoDiscussion()
	}
	var quoted *model.Message
	if in.ParentMessageID != "" {
		m, err := s.store.MessageByID(ctx, in.ParentMessageID)
		if errors.Is(err, store.ErrNotFound) || err == nil && m.Hidden {
			return nil, model.Invalid("error-invalid-message", "Invalid message").InMethod()
		}
		if err != nil {
			return nil, internal("create discussion", err)
		}
		quoted = m
		if in.ParentRoomID != "" {
			root, err := s.store.RoomByID(ctx, m.RoomID)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return nil, internal("create discussion", err)
			}
			rootID := ""
			if err == nil {
				rootID = root.ID
				if root.ParentRoomID != "" {
					rootID = root.ParentRoomID
				}
			}
			if rootID != in.ParentRoomID {
				return nil, errDiscussionArgs("Root message room ID does not match parent room ID ")
			}
		} else {
			in.ParentRoomID = m.RoomID
		}
	}
	if in.ParentRoomID == "" {
		return nil, errDiscussionArgs("Missing parent room ID")
	}
	parent, err := s.canSendTo(ctx, user, in.ParentRoomID)
	if err != nil {
		return nil, err
	}
	if parent.ParentRoomID != "" {
		return nil, model.Invalid("error-nested-discussion", "Cannot create nested discussions").InMethod()
	}
	encrypted := parent.Encrypted
	if in.Encrypted != nil {
		encrypted = *in.Encrypted
	}
	if encrypted && in.Reply != "" {
		return nil, errDiscussionArgs("Encrypted discussions must not receive an initial reply.")
	}
	if max := s.settings.Int(setting.MessageMaxAllowedSize); max > 0 && utf8.RuneCountInString(in.Reply) > max {
		return nil, model.Invalid("error-message-size-exceeded", "Message size exceeds the allowed limit (%d characters)", max)
	}
	typ := discussionType(parent.Type)
	if typ == "" {
		return nil, model.Invalid("error-invalid-type", "Cannot define discussion room type").InMethod()
	}

	invited := in.Users
	if quoted != nil {
		invited = append([]string{quoted.Author.Username}, in.Users...)
	}
	members, err := s.knownUsers(ctx, invited)
	if err != nil {
		return nil, err
	}
	members = uniqueUsers(append([]*model.User{user}, members...))

	now := s.nowTime()
	ref := user.Ref()
	topic := in.Topic
	if topic == "" {
		topic = parent.Name
	}
	room := &model.Room{
		ID: model.NewID(), Type: typ, Name: model.NewID(), DisplayName: in.Name, Creator: &ref, Topic: topic,
		ParentRoomID: parent.ID, Encrypted: encrypted, CreatedAt: now, UpdatedAt: now, SystemMessages: true, UsersCount: len(members),
	}
	if quoted != nil && !parent.Encrypted {
		room.Description = quoted.Msg
	}
	err = s.store.Update(ctx, func(tx store.Tx) error {
		if err := tx.InsertRoom(ctx, room); err != nil {
			return err
		}
		for _, m := range members {
			var roles []string
			if m.ID == user.ID {
				roles = []string{"owner"}
			}
			if err := s.insertSubscription(ctx, tx, room, m, roles, m.ID == user.ID, now); err != nil {
				return err
			}
		}
		// After the subscriptions, so that the members hear of the room.
		tx.Emit(model.RoomChanged{Action: model.ActionInserted, Room: cloneRoom(room)})
		// Where the link goes: the quoted message's room, else the parent.
		linkRoomID := parent.ID
		var attachments []map[string]any
		if quoted != nil {
			q := quoteOf(quoted, parent)
			if parent.Encrypted {
				q["text"] = "Encrypted message"
			}
			attachments = []map[string]any{q}
			linkRoomID = quoted.RoomID
			// Rocket.Chat also shows the quoted message at the top of the
			// discussion, as a plain message of the creator that the
			// room's counters do not count.
			top := &model.Message{
				ID: model.NewID(), RoomID: room.ID, SentAt: now, UpdatedAt: now, Author: user.Ref(),
				Mentions: []model.Mention{}, Channels: []model.ChannelRef{}, Attachments: attachments,
			}
			if err := tx.InsertMessage(ctx, top); err != nil {
				return err
			}
			tx.Emit(model.MessageSaved{Message: cloneMessage(top), RoomType: room.Type, RoomName: room.Name, Created: true})
		}
		linkRoom, err := loadRoomTx(ctx, tx, linkRoomID)
		if err != nil {
			return err
		}
		if err := s.systemNotice(ctx, tx, linkRoom, "discussion-created", in.Name, user, now, func(m *model.Message) {
			m.DiscussionID = room.ID
			m.Attachments = attachments
		}); err != nil {
			return err
		}
		return saveRoom(ctx, tx, linkRoom, now)
	})
	if err != nil {
		return nil, internal("create discussion", err)
	}
	if in.Reply != "" {
		if _, err := s.sendMessage(ctx, user, SendInput{RoomID: room.ID, Msg: in.Reply}); err != nil {
			return nil, err
		}
	}
	return &Discussion{Room: room, RoomID: room.ID}, nil
}

// canSendTo is Rocket.Chat's canSendMessage for rid: the room must exist,
// the user must have access, and neither a read-only room (without
// post-readonly or being unmuted) nor being muted may stop them. Its
// errors carry Rocket.Chat's bare error strings as their type.
func (s *core) canSendTo(ctx context.Context, user *model.User, rid string) (*model.Room, error) {
	room, sub, ok, err := s.roomAccess(ctx, user, rid)
	if err != nil {
		return nil, err
	}
	if room == nil {
		return nil, &model.Error{Type: "error-invalid-room"}
	}
	if !ok {
		return nil, &model.Error{Kind: model.KindForbidden, Type: "error-not-allowed"}
	}
	if room.ReadOnly && !s.canWithSub(user, sub, perm.PostReadonly) && !contains(room.Unmuted, user.Username) {
		return nil, &model.Error{Type: "You can't send messages because the room is readonly."}
	}
	if room.IsMuted(user.Username) {
		return nil, &model.Error{Type: "You_have_been_muted"}
	}
	return room, nil
}

// knownUsers resolves usernames (with or without @), leaving out those
// that match no user.
func (s *core) knownUsers(ctx context.Context, names []string) ([]*model.User, error) {
	clean := make([]string, 0, len(names))
	for _, n := range names {
		if n = strings.TrimPrefix(strings.TrimSpace(n), "@"); n != "" {
			clean = append(clean, n)
		}
	}
	if len(clean) == 0 {
		return nil, nil
	}
	users, err := s.store.UsersByUsernames(ctx, clean)
	if err != nil {
		return nil, internal("resolve usernames", err)
	}
	return users, nil
}

// Discussions pages the discussions of a room the user may read
// (rooms.getDiscussions), sorted by fname by default. Only the
// discussions the user may see are listed: those they are a member of,
// and public ones when they may view public rooms.
func (s *Teams) Discussions(ctx context.Context, user *model.User, room *model.Room, p model.Page) ([]*model.Room, int, error) {
	if user == nil {
		return nil, 0, model.ErrNotAllowed
	}
	q := store.RoomQuery{ParentRoomID: room.ID, MemberID: user.ID}
	if s.perms.Has(user, nil, perm.ViewCRoom) {
		q.AlsoTypes = []string{model.RoomChannel}
	}
	rooms, total, err := s.store.ListRooms(ctx, q, p)
	if err != nil {
		return nil, 0, internal("list discussions", err)
	}
	return rooms, total, nil
}

// DiscussionMessages pages the messages of a room that link to its
// discussions (chat.getDiscussions), newest first by default; text keeps
// those whose text contains it (case-insensitive).
func (s *Teams) DiscussionMessages(ctx context.Context, user *model.User, roomID, text string, p model.Page) ([]*model.Message, int, error) {
	return s.listRoomMessages(ctx, user, store.MessageQuery{RoomID: roomID, Discussions: true, TextContains: text}, p, errPlainNotAllowed())
}

// refreshDiscussionTx copies a discussion's message count and last
// message time to the messages linking to it (Rocket.Chat's
// refreshDiscussionMetadata), after a message is added to or removed from
// the discussion room. Rooms that are not discussions are left alone.
func refreshDiscussionTx(ctx context.Context, tx store.Tx, room *model.Room, now model.Time) error {
	if room.ParentRoomID == "" {
		return nil
	}
	links, _, err := tx.ListMessages(ctx, store.MessageQuery{DiscussionID: room.ID}, model.Page{NoTotal: true})
	if err != nil {
		return err
	}
	for _, m := range links {
		if m.DiscussionCount == room.MessageCount && m.DiscussionLastMessageAt.Equal(room.LastMessageAt.Time) {
			continue
		}
		m.DiscussionCount, m.DiscussionLastMessageAt, m.UpdatedAt = room.MessageCount, room.LastMessageAt, now
		if err := saveLinkTx(ctx, tx, m); err != nil {
			return err
		}
	}
	return nil
}

// saveLinkTx stores a changed message of another room than the one being
// worked on and emits it.
func saveLinkTx(ctx context.Context, tx store.Tx, m *model.Message) error {
	if err := tx.UpdateMessage(ctx, m); err != nil {
		return err
	}
	ev := model.MessageSaved{Message: cloneMessage(m)}
	if r, err := tx.RoomByID(ctx, m.RoomID); err == nil {
		ev.RoomType, ev.RoomName = r.Type, r.Name
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	tx.Emit(ev)
	return nil
}

// eraseRoomTx deletes room with its subscriptions and messages, first its
// discussions, and clears drid, dcount and dlm from the messages that
// linked to it (Rocket.Chat's deleteRoom with its afterDeleteRoom hooks).
// Every member's subscription is reported removed, so delivery stops.
func eraseRoomTx(ctx context.Context, tx store.Tx, room *model.Room, now model.Time) error {
	children, _, err := tx.ListRooms(ctx, store.RoomQuery{ParentRoomID: room.ID}, model.Page{NoTotal: true})
	if err != nil {
		return err
	}
	for _, c := range children {
		if err := eraseRoomTx(ctx, tx, c, now); err != nil {
			return err
		}
	}
	subs, _, err := tx.SubscriptionsOfRoom(ctx, room.ID, store.MemberQuery{}, model.Page{})
	if err != nil {
		return err
	}
	if err := tx.DeleteRoom(ctx, room.ID); err != nil {
		return err
	}
	// The room's removal goes out first: the members' rooms-changed
	// streams follow their memberships, which the next events end.
	tx.Emit(model.RoomChanged{Action: model.ActionRemoved, Room: cloneRoom(room)})
	for _, sub := range subs {
		tx.Emit(model.SubscriptionChanged{Action: model.ActionRemoved, Subscription: sub})
	}
	if err := teamRoomErasedTx(ctx, tx, room, now); err != nil {
		return err
	}
	links, _, err := tx.ListMessages(ctx, store.MessageQuery{DiscussionID: room.ID, IncludeHidden: true}, model.Page{NoTotal: true})
	if err != nil {
		return err
	}
	for _, m := range links {
		m.DiscussionID, m.DiscussionCount, m.DiscussionLastMessageAt, m.UpdatedAt = "", 0, model.Time{}, now
		if m.Hidden {
			if err := tx.UpdateMessage(ctx, m); err != nil {
				return err
			}
			continue
		}
		if err := saveLinkTx(ctx, tx, m); err != nil {
			return err
		}
	}
	return nil
}

// eraseDiscussionOfTx deletes the discussion a removed message linked to
// (Rocket.Chat's afterDeleteMessage hook), if it still exists.
func eraseDiscussionOfTx(ctx context.Context, tx store.Tx, drid string, now model.Time) error {
	d, err := tx.RoomByID(ctx, drid)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return eraseRoomTx(ctx, tx, d, now)
}
