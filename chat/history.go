package chat

import (
	"context"
	"errors"
	"strings"

	"liftoff/access/perm"
	"liftoff/model"
	"liftoff/settings/setting"
	"liftoff/store"
)

// HistoryQuery selects a window of a room's history, as Rocket.Chat's
// getChannelHistory takes it.
type HistoryQuery struct {
	// Latest and Oldest bound the messages' ts (zero: unbounded); the bounds
	// are exclusive unless Inclusive.
	Latest, Oldest model.Time
	Inclusive      bool
	Offset, Count  int
	// Unreads asks for FirstUnread and UnreadNotLoaded.
	Unreads bool
	// ShowThreadMessages keeps thread replies that are not shown in the room.
	ShowThreadMessages bool
}

// History is a page of a room's history, newest first.
type History struct {
	Messages []*model.Message
	// With HistoryQuery.Unreads and an Oldest bound: the oldest message
	// after Oldest that the page did not load, and how many such messages
	// there are.
	FirstUnread     *model.Message
	UnreadNotLoaded int
}

// errForbidden is Rocket.Chat's answer when a room exists but its history
// is not readable by the caller (REST renders it as 403 "unauthorized").
var errForbidden = model.ErrUnauthorized

// RoomHistory returns a window of room's messages, newest first, for user,
// who must be able to read the room. System message types listed in the
// Hide_System_Messages setting are left out.
func (s *Messages) RoomHistory(ctx context.Context, user *model.User, room *model.Room, q HistoryQuery) (*History, error) {
	if err := s.canAccessRoom(ctx, user, room); err != nil {
		return nil, errForbidden
	}
	mq := store.MessageQuery{
		RoomID: room.ID, Before: q.Latest, After: q.Oldest, Inclusive: q.Inclusive,
		HideThreadReplies: !q.ShowThreadMessages, ExcludeTypes: s.hiddenSystemMessages(),
	}
	msgs, _, err := s.store.ListMessages(ctx, mq, model.Page{Offset: q.Offset, Count: q.Count, Sort: []model.SortKey{{Field: "ts", Desc: true}}, NoTotal: true})
	if err != nil {
		return nil, internal("room history", err)
	}
	h := &History{Messages: msgs}
	if q.Unreads && !q.Oldest.IsZero() && len(msgs) > 0 {
		oldestLoaded := msgs[len(msgs)-1].SentAt
		if oldestLoaded.After(q.Oldest.Time) {
			rest := mq
			rest.Before, rest.After, rest.Inclusive = oldestLoaded, q.Oldest, false
			first, total, err := s.store.ListMessages(ctx, rest, model.Page{Count: 1, Sort: []model.SortKey{{Field: "ts"}}})
			if err != nil {
				return nil, internal("room history", err)
			}
			if len(first) > 0 {
				h.FirstUnread = first[0]
			}
			h.UnreadNotLoaded = total
		}
	}
	return h, nil
}

// hiddenSystemMessages lists the message types the Hide_System_Messages
// setting hides from histories.
func (s *core) hiddenSystemMessages() []string {
	switch v := s.settings.Value(setting.HideSystemMessages).(type) {
	case []string:
		return v
	case []any:
		out := make([]string, 0, len(v))
		for _, x := range v {
			if t, ok := x.(string); ok && t != "" {
				out = append(out, t)
			}
		}
		return out
	case string:
		var out []string
		for _, t := range strings.Split(v, ",") {
			if t = strings.TrimSpace(t); t != "" {
				out = append(out, t)
			}
		}
		return out
	}
	return nil
}

// MessageFilter narrows a room's message list as channels.messages does.
type MessageFilter struct {
	MentionIDs []string // messages mentioning any of these user ids
	StarredIDs []string // messages starred by any of these user ids
	Pinned     bool     // only pinned messages
}

// RoomMessages pages room's messages (sorted by p, newest first by
// default) for user, with the room's access rules: members always; for
// public channels, anyone holding view-c-room, except that holders of
// view-joined-room must have joined.
func (s *Messages) RoomMessages(ctx context.Context, user *model.User, room *model.Room, f MessageFilter, p model.Page) ([]*model.Message, int, error) {
	if user == nil {
		return nil, 0, errForbidden
	}
	if room.Type == model.RoomChannel {
		if !s.can(user, perm.ViewCRoom) {
			return nil, 0, errForbidden
		}
		if s.can(user, perm.ViewJoinedRoom) {
			if _, err := s.store.Subscription(ctx, room.ID, user.ID); err != nil {
				return nil, 0, errForbidden
			}
		}
	} else if err := s.canAccessRoom(ctx, user, room); err != nil {
		return nil, 0, errForbidden
	}
	if len(p.Sort) == 0 {
		p.Sort = []model.SortKey{{Field: "ts", Desc: true}}
	}
	q := store.MessageQuery{RoomID: room.ID, Pinned: f.Pinned}
	mentions, starred := uniqueStrings(f.MentionIDs), uniqueStrings(f.StarredIDs)
	switch {
	case len(mentions) == 1 && len(starred) <= 1:
		q.MentionsUser = mentions[0]
		if len(starred) == 1 {
			q.StarredBy = starred[0]
		}
	case len(mentions) == 0 && len(starred) == 1:
		q.StarredBy = starred[0]
	case len(mentions) > 0 || len(starred) > 0:
		// Several ids match any of them: resolve the matching message ids
		// first, then page over those.
		ids, err := s.matchingMessageIDs(ctx, room.ID, f.Pinned, mentions, starred)
		if err != nil {
			return nil, 0, err
		}
		if len(ids) == 0 {
			return []*model.Message{}, 0, nil
		}
		q.IDs = ids
	}
	msgs, total, err := s.store.ListMessages(ctx, q, p)
	if err != nil {
		return nil, 0, internal("room messages", err)
	}
	return msgs, total, nil
}

// matchingMessageIDs returns the ids of the room's messages that mention
// any of mentions (when given) and are starred by any of starred (when given).
func (s *core) matchingMessageIDs(ctx context.Context, roomID string, pinned bool, mentions, starred []string) ([]string, error) {
	collect := func(field string, ids []string) (map[string]bool, error) {
		set := map[string]bool{}
		for _, id := range ids {
			q := store.MessageQuery{RoomID: roomID, Pinned: pinned}
			if field == "mentions" {
				q.MentionsUser = id
			} else {
				q.StarredBy = id
			}
			msgs, _, err := s.store.ListMessages(ctx, q, model.Page{})
			if err != nil {
				return nil, internal("room messages", err)
			}
			for _, m := range msgs {
				set[m.ID] = true
			}
		}
		return set, nil
	}
	var result map[string]bool
	if len(mentions) > 0 {
		m, err := collect("mentions", mentions)
		if err != nil {
			return nil, err
		}
		result = m
	}
	if len(starred) > 0 {
		st, err := collect("starred", starred)
		if err != nil {
			return nil, err
		}
		if result == nil {
			result = st
		} else {
			for id := range result {
				if !st[id] {
					delete(result, id)
				}
			}
		}
	}
	ids := make([]string, 0, len(result))
	for id := range result {
		ids = append(ids, id)
	}
	return ids, nil
}

func uniqueStrings(in []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range in {
		s = strings.TrimSpace(s)
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// HistoryBefore and MessagesSince answer with nothing (a nil result, no
// error) rather than an error for rooms the caller may not read, as
// Rocket.Chat's loadMessageHistory and loadMissedMessages do.

// HistoryBeforeQuery asks for a page of a room's history before a time.
type HistoryBeforeQuery struct {
	RoomID string
	// End bounds the messages' ts from above, exclusively (zero: newest).
	End model.Time
	// Limit is the page size (20 when zero or negative).
	Limit int
	// LastSeen is the caller's last-seen time: when the page does not reach back
	// to it, FirstUnread and UnreadNotLoaded describe the messages between
	// LastSeen and the oldest message loaded.
	LastSeen model.Time
	// ShowThreadMessages keeps thread replies that are not shown in the room.
	ShowThreadMessages bool
}

// maxHistoryLimit bounds one HistoryBefore page.
const maxHistoryLimit = 1000

// HistoryBefore returns a page of a room's history, newest first, as
// Rocket.Chat's loadMessageHistory does. It returns nil (and no error)
// when the room does not exist or user may not read it; public channels
// also need membership or preview-c-room.
func (s *Messages) HistoryBefore(ctx context.Context, user *model.User, q HistoryBeforeQuery) (*History, error) {
	room, ok, err := s.historyRoom(ctx, user, q.RoomID)
	if err != nil || !ok {
		return nil, err
	}
	if room.Type == model.RoomChannel && !s.settings.Bool(setting.AccountsAllowAnonymousRead) && !s.can(user, perm.PreviewCRoom) {
		if _, err := s.store.Subscription(ctx, room.ID, user.ID); errors.Is(err, store.ErrNotFound) {
			return nil, nil
		} else if err != nil {
			return nil, internal("load history", err)
		}
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 20
	}
	limit = min(limit, maxHistoryLimit)
	mq := store.MessageQuery{
		RoomID: room.ID, Before: q.End, HideThreadReplies: !q.ShowThreadMessages,
		ExcludeTypes: s.hiddenSystemMessages(),
	}
	newestFirst := []model.SortKey{{Field: "ts", Desc: true}}
	msgs, _, err := s.store.ListMessages(ctx, mq, model.Page{Count: limit, Sort: newestFirst, NoTotal: true})
	if err != nil {
		return nil, internal("load history", err)
	}
	h := &History{Messages: msgs}
	if q.LastSeen.IsZero() || len(msgs) == 0 {
		return h, nil
	}
	oldest := msgs[len(msgs)-1].SentAt
	if !oldest.After(q.LastSeen.Time) {
		return h, nil
	}
	between := mq
	between.Before, between.After, between.Inclusive = oldest, q.LastSeen, false
	first, total, err := s.store.ListMessages(ctx, between, model.Page{Count: 1, Sort: []model.SortKey{{Field: "ts"}}})
	if err != nil {
		return nil, internal("load history", err)
	}
	if len(first) > 0 {
		h.FirstUnread = first[0]
	}
	h.UnreadNotLoaded = total
	return h, nil
}

// MessagesSince returns the messages of a room posted after start,
// thread replies included, newest first (Rocket.Chat's loadMissedMessages).
// It returns nil (and no error) when the room does not exist or user may
// not read it. Messages edited after start but posted before it are not
// included: chat.syncMessages reports those.
func (s *Messages) MessagesSince(ctx context.Context, user *model.User, roomID string, start model.Time) ([]*model.Message, error) {
	if roomID == "" {
		return nil, model.Invalid("error-invalid-room", "Invalid room").InMethod()
	}
	room, ok, err := s.historyRoom(ctx, user, roomID)
	if err != nil || !ok {
		return nil, err
	}
	msgs, _, err := s.store.ListMessages(ctx, store.MessageQuery{RoomID: room.ID, After: start},
		model.Page{Sort: []model.SortKey{{Field: "ts", Desc: true}}})
	if err != nil {
		return nil, internal("load missed messages", err)
	}
	if msgs == nil {
		msgs = []*model.Message{}
	}
	return msgs, nil
}

// historyRoom loads a room for HistoryBefore and MessagesSince and reports whether
// user may read it.
func (s *core) historyRoom(ctx context.Context, user *model.User, roomID string) (*model.Room, bool, error) {
	if user == nil || roomID == "" {
		return nil, false, nil
	}
	room, err := s.store.RoomByID(ctx, roomID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, internal("load room", err)
	}
	if err := s.canAccessRoom(ctx, user, room); err != nil {
		if _, domain := model.AsError(err); domain {
			return nil, false, nil
		}
		return nil, false, err
	}
	return room, true, nil
}
