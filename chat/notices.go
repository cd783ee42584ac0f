package chat

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"liftoff/access/perm"
	"liftoff/model"
	"liftoff/settings/setting"
	"liftoff/store"
)

// EventPublisher publishes events that no transaction produces: the
// ephemeral notices the service sends to one user. The event bus
// implements it.
type EventPublisher interface {
	Publish(ctx context.Context, events ...model.Event) error
}

// SetEvents makes the service publish ephemeral notices on p. Without it
// (unit tests) notices are dropped. Call it once, at wiring.
func (s *Messages) SetEvents(p EventPublisher) { s.events = p }

// notice sends user a message about room that only they see and that is
// never stored (Rocket.Chat's notify.ephemeralMessage). Delivery is best
// effort, as in Rocket.Chat: a notice lost on the bus is logged.
func (s *core) notice(ctx context.Context, n model.EphemeralMessage) {
	if s.events == nil || n.UserID == "" || n.RoomID == "" {
		return
	}
	if err := s.events.Publish(ctx, n); err != nil {
		s.log.Warn("publishing an ephemeral notice", "user", n.UserID, "rid", n.RoomID, "err", err)
	}
}

// refuseWithNotice tells the user why a post was refused, in the room
// itself, and returns err: Rocket.Chat shows muted users and posters to
// read-only rooms the reason beside the composer as well as in the error.
func (s *core) refuseWithNotice(ctx context.Context, user *model.User, rid, text string, err error) error {
	s.notice(ctx, model.EphemeralMessage{UserID: user.ID, RoomID: rid, Msg: text})
	return err
}

// checkGroupMentions applies the mention-all and mention-here permissions
// (global or room-scoped) and Message_MaxAll (a room with more members
// than that refuses @all and @here). A refusal also reaches the author as
// an ephemeral notice.
func (s *core) checkGroupMentions(ctx context.Context, user *model.User, room *model.Room, sub *model.Subscription, toAll, toHere bool) error {
	if !toAll && !toHere {
		return nil
	}
	if maxAll := s.settings.Int(setting.MessageMaxAll); maxAll > 0 {
		// The member count is read fresh: the room the caller holds may be
		// the cached posting rules, which do not carry it.
		fresh, err := s.store.RoomByID(ctx, room.ID)
		if err != nil {
			return internal("check group mentions", err)
		}
		if fresh.UsersCount > maxAll {
			text := fmt.Sprintf("Group mentions are disabled in rooms with more than %d members", maxAll)
			return s.refuseWithNotice(ctx, user, room.ID, text,
				model.Forbidden("error-action-not-allowed", "%s", text).WithDetails(map[string]any{"action": text}).InMethod())
		}
	}
	for _, m := range []struct {
		on     bool
		name   string
		perm   perm.ID
		action string
	}{
		{toAll, "all", perm.MentionAll, "Notify all in this room"},
		{toHere, "here", perm.MentionHere, "Notify active users in this room"},
	} {
		if !m.on || s.canWithSub(user, sub, m.perm) {
			continue
		}
		if sub == nil && s.canInRoom(ctx, user, room.ID, m.perm) {
			continue
		}
		return s.refuseWithNotice(ctx, user, room.ID, m.action+" is not allowed",
			model.Forbidden("error-action-not-allowed", "Notify %s in this room not allowed", m.name).
				WithDetails(map[string]any{"action": strings.ReplaceAll(m.action, " ", "_")}))
	}
	return nil
}

// noticeMentionsNotInRoom tells the author of a new message which of the
// users it mentions are not members of its room (channels and private
// groups only), as Rocket.Chat's mention-core notice does.
func (s *core) noticeMentionsNotInRoom(ctx context.Context, user *model.User, room *model.Room, msg *model.Message) {
	if s.events == nil || room.Type == model.RoomDirect {
		return
	}
	var absent []model.Mention
	for _, m := range msg.Mentions {
		if m.ID == "all" || m.ID == "here" || m.Type == "team" {
			continue
		}
		_, err := s.store.Subscription(ctx, room.ID, m.ID)
		if err == nil {
			continue
		}
		if !errors.Is(err, store.ErrNotFound) {
			s.log.Warn("checking mentioned members", "rid", room.ID, "err", err)
			return
		}
		absent = append(absent, m)
	}
	if len(absent) == 0 {
		return
	}
	addAny := perm.AddUserToAnyCRoom
	if room.Type == model.RoomPrivate {
		addAny = perm.AddUserToAnyPRoom
	}
	canAdd := s.canInRoom(ctx, user, room.ID, perm.AddUserToJoinedRoom) || s.can(user, addAny)
	realName := s.settings.Bool(setting.UIUseRealName)
	names := make([]string, len(absent))
	for i, m := range absent {
		name := m.Username
		if realName && m.Name != "" {
			name = m.Name
		}
		names[i] = "*" + name + "*"
	}
	text := fmt.Sprintf("You mentioned %s, but they're not in this room.", strings.Join(names, ", "))
	if !canAdd {
		text = fmt.Sprintf("You mentioned %s, but they're not in this room. You can ask a room admin to add them.", strings.Join(names, ", "))
	}
	s.notice(ctx, model.EphemeralMessage{
		UserID: user.ID, RoomID: room.ID, ThreadID: msg.ThreadID, Mentions: absent, Private: true,
		Blocks: []map[string]any{{
			"appId": "mention-core", "type": "section",
			"text": map[string]any{"type": "mrkdwn", "text": text},
		}},
	})
}
