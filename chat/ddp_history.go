package chat

import (
	"context"
	"errors"
	"liftoff/access/perm"
	"liftoff/settings/setting"

	"liftoff/model"
	"liftoff/store"
)

// This file holds the history reads of Rocket.Chat's realtime methods
// loadHistory and loadMissedMessages, which answer "false" (a nil result
// here) rather than an error for rooms the caller may not read.

// LoadHistoryQuery is a loadHistory call.
type LoadHistoryQuery struct {
	RoomID string
	// End bounds the messages' ts from above, exclusively (zero: newest).
	End model.Time
	// Limit is the page size (20 when zero or negative).
	Limit int
	// LS is the caller's last-seen time: when the page does not reach back
	// to it, FirstUnread and UnreadNotLoaded describe the messages between
	// LS and the oldest message loaded.
	LS model.Time
	// ShowThreadMessages keeps thread replies that are not shown in the room.
	ShowThreadMessages bool
}

// maxHistoryLimit bounds one loadHistory page.
const maxHistoryLimit = 1000

// LoadHistory returns a page of a room's history, newest first, as
// Rocket.Chat's loadMessageHistory does. It returns nil (and no error)
// when the room does not exist or user may not read it; public channels
// also need membership or preview-c-room.
func (s *Service) LoadHistory(ctx context.Context, user *model.User, q LoadHistoryQuery) (*History, error) {
	room, ok, err := s.historyRoom(ctx, user, q.RoomID)
	if err != nil || !ok {
		return nil, err
	}
	if room.T == model.RoomChannel && !s.settings.Bool(setting.AccountsAllowAnonymousRead) && !s.Can(user, perm.PreviewCRoom) {
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
	newestFirst := []store.SortKey{{Field: "ts", Desc: true}}
	msgs, _, err := s.store.ListMessages(ctx, mq, store.Page{Count: limit, Sort: newestFirst, NoTotal: true})
	if err != nil {
		return nil, internal("load history", err)
	}
	h := &History{Messages: msgs}
	if q.LS.IsZero() || len(msgs) == 0 {
		return h, nil
	}
	oldest := msgs[len(msgs)-1].TS
	if !oldest.After(q.LS.Time) {
		return h, nil
	}
	between := mq
	between.Before, between.After, between.Inclusive = oldest, q.LS, false
	first, total, err := s.store.ListMessages(ctx, between, store.Page{Count: 1, Sort: []store.SortKey{{Field: "ts"}}})
	if err != nil {
		return nil, internal("load history", err)
	}
	if len(first) > 0 {
		h.FirstUnread = first[0]
	}
	h.UnreadNotLoaded = total
	return h, nil
}

// MissedMessages returns the messages of a room posted after start,
// thread replies included, newest first (Rocket.Chat's loadMissedMessages).
// It returns nil (and no error) when the room does not exist or user may
// not read it. Messages edited after start but posted before it are not
// included: chat.syncMessages reports those.
func (s *Service) MissedMessages(ctx context.Context, user *model.User, roomID string, start model.Time) ([]*model.Message, error) {
	if roomID == "" {
		return nil, model.Invalid("error-invalid-room", "Invalid room").WithDetails(map[string]any{"method": "loadMissedMessages"})
	}
	room, ok, err := s.historyRoom(ctx, user, roomID)
	if err != nil || !ok {
		return nil, err
	}
	msgs, _, err := s.store.ListMessages(ctx, store.MessageQuery{RoomID: room.ID, After: start},
		store.Page{Sort: []store.SortKey{{Field: "ts", Desc: true}}})
	if err != nil {
		return nil, internal("load missed messages", err)
	}
	if msgs == nil {
		msgs = []*model.Message{}
	}
	return msgs, nil
}

// historyRoom loads a room for the history methods and reports whether
// user may read it.
func (s *Service) historyRoom(ctx context.Context, user *model.User, roomID string) (*model.Room, bool, error) {
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
	if err := s.CanAccessRoom(ctx, user, room); err != nil {
		if _, domain := model.AsError(err); domain {
			return nil, false, nil
		}
		return nil, false, err
	}
	return room, true, nil
}
