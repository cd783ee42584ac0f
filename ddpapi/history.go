package ddpapi

import (
	"context"

	"liftoff/chat"
	"liftoff/model"
	"liftoff/realtime"
)

// historyResult is loadHistory's answer; firstUnread is left out when
// there is none, as Rocket.Chat leaves it undefined.
type historyResult struct {
	Messages        []*model.Message `json:"messages"`
	FirstUnread     *model.Message   `json:"firstUnread,omitempty"`
	UnreadNotLoaded int              `json:"unreadNotLoaded"`
}

// loadHistory(rid, end {$date}|null, limit = 20, ls {$date}|null,
// showThreadMessages = true) returns {messages (newest first),
// firstUnread, unreadNotLoaded}, or false when the room cannot be read.
func (m *methods) loadHistory(ctx context.Context, call *realtime.Call) (any, error) {
	rid, err := RequireString(call, 0, "rid")
	if err != nil {
		return nil, err
	}
	end, _, err := Param[model.Time](call, 1)
	if err != nil {
		return nil, MatchFailed("end")
	}
	limit, ok, err := Param[int](call, 2)
	if err != nil {
		return nil, MatchFailed("limit")
	}
	if !ok {
		limit = 20
	}
	ls, _, err := Param[model.Time](call, 3)
	if err != nil {
		return nil, MatchFailed("ls")
	}
	showThreads, ok, err := Param[bool](call, 4)
	if err != nil {
		return nil, MatchFailed("showThreadMessages")
	}
	if !ok {
		showThreads = true
	}
	h, err := m.messages.HistoryBefore(ctx, call.User(), chat.HistoryBeforeQuery{RoomID: rid, End: end, Limit: limit, LastSeen: ls, ShowThreadMessages: showThreads})
	if err != nil {
		return nil, err
	}
	if h == nil {
		return false, nil
	}
	msgs := h.Messages
	if msgs == nil {
		msgs = []*model.Message{}
	}
	return historyResult{Messages: msgs, FirstUnread: h.FirstUnread, UnreadNotLoaded: h.UnreadNotLoaded}, nil
}

// loadMissedMessages(rid, start {$date}) returns the messages posted
// after start, newest first, or false when the room cannot be read.
func (m *methods) loadMissedMessages(ctx context.Context, call *realtime.Call) (any, error) {
	rid, err := RequireString(call, 0, "rid")
	if err != nil {
		return nil, err
	}
	start, ok, err := Param[model.Time](call, 1)
	if err != nil || !ok {
		return nil, MatchFailed("start")
	}
	msgs, err := m.messages.MessagesSince(ctx, call.User(), rid, start)
	if err != nil {
		return nil, err
	}
	if msgs == nil {
		return false, nil
	}
	return msgs, nil
}

// threadQuery is getThreadMessages' parameter.
type threadQuery struct {
	ThreadID string `json:"tmid"`
	Limit    int    `json:"limit"`
	Skip     int    `json:"skip"`
}

// maxThreadLimit is getThreadMessages' largest page, as in Rocket.Chat.
const maxThreadLimit = 100

// getThreadMessages({tmid, limit?, skip?}) returns the thread's first
// message followed by its replies, newest first; [] for an unknown or
// empty thread. It marks the thread read for the caller.
func (m *methods) getThreadMessages(ctx context.Context, call *realtime.Call) (any, error) {
	q, ok, err := Param[threadQuery](call, 0)
	if err != nil || !ok || q.ThreadID == "" {
		return nil, MatchFailed("tmid")
	}
	if q.Limit > maxThreadLimit {
		return nil, model.Forbidden("error-not-allowed", "max limit: 100").InMethod()
	}
	user := call.User()
	thread, err := m.messages.GetMessage(ctx, user, q.ThreadID)
	if e, domain := model.AsError(err); domain && e.Type == "error-message-not-found" {
		return []*model.Message{}, nil
	}
	if err != nil {
		if _, domain := model.AsError(err); domain {
			return nil, model.Forbidden("error-not-allowed", "Not allowed").InMethod()
		}
		return nil, err
	}
	if thread.ThreadCount == 0 {
		return []*model.Message{}, nil
	}
	// Opening a thread reads it, as in Rocket.Chat.
	if err := m.members.ReadThread(ctx, user, thread.RoomID, thread.ID); err != nil {
		return nil, err
	}
	replies, _, err := m.messages.ThreadMessages(ctx, user, q.ThreadID, model.Page{
		Offset: max(q.Skip, 0), Count: max(q.Limit, 0), Sort: []model.SortKey{{Field: "ts", Desc: true}},
	})
	if err != nil {
		if e, domain := model.AsError(err); domain && e.Type == "error-not-allowed" {
			return nil, model.Forbidden("error-not-allowed", "%s", e.Reason).InMethod()
		}
		return nil, err
	}
	return append([]*model.Message{thread}, replies...), nil
}
