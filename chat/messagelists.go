package chat

import (
	"context"
	"strconv"
	"strings"

	"liftoff/model"
	"liftoff/settings/setting"
	"liftoff/store"
)

// This file holds the reads of messages: single messages, the pinned,
// starred and mentioned lists, search, threads and the sync calls. Each
// checks that the user may read the room first.

// readableRoom loads a room the user may read; a missing room and one the
// user may not see give the same notAllowed error.
func (s *core) readableRoom(ctx context.Context, user *model.User, roomID string, notAllowed *model.Error) (*model.Room, *model.Subscription, error) {
	if user == nil || roomID == "" {
		return nil, nil, notAllowed
	}
	room, sub, ok, err := s.roomAccess(ctx, user, roomID)
	if err != nil {
		return nil, nil, err
	}
	if room == nil || !ok {
		return nil, nil, notAllowed
	}
	return room, sub, nil
}

// errPlainNotAllowed is Rocket.Chat's throw new Error('error-not-allowed')
// in its message list helpers: a bare error, without errorType.
func errPlainNotAllowed() *model.Error { return model.Bare(model.KindForbidden, "error-not-allowed") }

func errNotAllowedReason(reason string) *model.Error {
	return model.Forbidden("error-not-allowed", "%s", reason)
}

// GetMessage returns one message the user may read.
func (s *Messages) GetMessage(ctx context.Context, user *model.User, id string) (*model.Message, error) {
	m, err := s.loadMessage(ctx, id, model.NotFound("error-message-not-found", "Message not found"))
	if err != nil {
		return nil, err
	}
	if _, _, err := s.readableRoom(ctx, user, m.RoomID, errNotAllowedReason("Not allowed")); err != nil {
		return nil, err
	}
	return m, nil
}

// listRoomMessages pages a room's messages matching q after checking access.
func (s *core) listRoomMessages(ctx context.Context, user *model.User, q store.MessageQuery, p model.Page, notAllowed *model.Error) ([]*model.Message, int, error) {
	if _, _, err := s.readableRoom(ctx, user, q.RoomID, notAllowed); err != nil {
		return nil, 0, err
	}
	msgs, total, err := s.store.ListMessages(ctx, q, p)
	if err != nil {
		return nil, 0, internal("list messages", err)
	}
	return msgs, total, nil
}

// PinnedMessages pages the pinned messages of a room (newest first by default).
func (s *Messages) PinnedMessages(ctx context.Context, user *model.User, roomID string, p model.Page) ([]*model.Message, int, error) {
	return s.listRoomMessages(ctx, user, store.MessageQuery{RoomID: roomID, Pinned: true}, p, errNotAllowedReason("Not allowed"))
}

// StarredMessages pages the messages of a room the user starred.
func (s *Messages) StarredMessages(ctx context.Context, user *model.User, roomID string, p model.Page) ([]*model.Message, int, error) {
	if user == nil {
		return nil, 0, model.ErrNotAllowed
	}
	return s.listRoomMessages(ctx, user, store.MessageQuery{RoomID: roomID, StarredBy: user.ID}, p, errPlainNotAllowed())
}

// MentionedMessages pages the messages of a room that mention the user.
func (s *Messages) MentionedMessages(ctx context.Context, user *model.User, roomID string, p model.Page) ([]*model.Message, int, error) {
	if user == nil {
		return nil, 0, model.ErrNotAllowed
	}
	return s.listRoomMessages(ctx, user, store.MessageQuery{RoomID: roomID, MentionsUser: user.ID}, p, errPlainNotAllowed())
}

// SearchMessages finds the room's messages containing the words of text
// (full-text, newest first). Removed messages are never found.
func (s *Messages) SearchMessages(ctx context.Context, user *model.User, roomID, text string, p model.Page) ([]*model.Message, int, error) {
	if _, _, err := s.readableRoom(ctx, user, roomID, errNotAllowedReason("Not allowed")); err != nil {
		return nil, 0, err
	}
	msgs, total, err := s.store.SearchMessages(ctx, roomID, text, p)
	if err != nil {
		return nil, 0, internal("search messages", err)
	}
	return msgs, total, nil
}

// Thread list filters (chat.getThreadsList's type).
const (
	ThreadsAll       = "all"
	ThreadsFollowing = "following"
	ThreadsUnread    = "unread"
)

// ThreadsQuery selects the threads of a room.
type ThreadsQuery struct {
	RoomID string
	Type   string // ThreadsAll (or ""), ThreadsFollowing, ThreadsUnread
	Text   string // case-insensitive substring of the first message's text
}

// Threads pages the threads of a room (their first messages), most
// recently replied first by default.
func (s *Messages) Threads(ctx context.Context, user *model.User, q ThreadsQuery, p model.Page) ([]*model.Message, int, error) {
	if !s.settings.Bool(setting.ThreadsEnabled) {
		return nil, 0, errNotAllowedReason("Threads Disabled")
	}
	_, sub, err := s.readableRoom(ctx, user, q.RoomID, errNotAllowedReason("Not Allowed"))
	if err != nil {
		return nil, 0, err
	}
	mq := store.MessageQuery{RoomID: q.RoomID, ThreadsOnly: true, TextContains: q.Text}
	switch q.Type {
	case "", ThreadsAll:
	case ThreadsFollowing:
		mq.FollowedBy = user.ID
	case ThreadsUnread:
		if sub == nil || len(sub.UnreadThreads) == 0 {
			return []*model.Message{}, 0, nil
		}
		mq.IDs = sub.UnreadThreads
	default:
		return nil, 0, model.Invalid("error-invalid-params", "The 'type' param must be one of all, following, unread")
	}
	msgs, total, err := s.store.ListMessages(ctx, mq, p)
	if err != nil {
		return nil, 0, internal("list threads", err)
	}
	return msgs, total, nil
}

// ThreadMessages pages the replies of a thread (oldest first by default).
func (s *Messages) ThreadMessages(ctx context.Context, user *model.User, tmid string, p model.Page) ([]*model.Message, int, error) {
	if !s.settings.Bool(setting.ThreadsEnabled) {
		return nil, 0, errNotAllowedReason("Threads Disabled")
	}
	parent, err := s.loadMessage(ctx, tmid, model.Invalid("error-invalid-message", "Invalid Message"))
	if err != nil {
		return nil, 0, err
	}
	if _, _, err := s.readableRoom(ctx, user, parent.RoomID, errNotAllowedReason("Not Allowed")); err != nil {
		return nil, 0, err
	}
	msgs, total, err := s.store.ListMessages(ctx, store.MessageQuery{ThreadID: tmid}, p)
	if err != nil {
		return nil, 0, internal("list thread messages", err)
	}
	return msgs, total, nil
}

// Sync cursor types (chat.syncMessages' type).
const (
	SyncUpdated = "UPDATED"
	SyncDeleted = "DELETED"
)

// SyncQuery is a chat.syncMessages request: either LastUpdate (everything
// changed or deleted since), or Type with an optional Next or Previous
// cursor (one page of changes or deletions, Count long).
type SyncQuery struct {
	RoomID     string
	LastUpdate model.Time
	Type       string
	Next       string
	Previous   string
	Count      int
}

// DeletedRef is a removed message in a sync answer.
type DeletedRef struct {
	ID        string
	DeletedAt model.Time
}

// SyncCursor holds the cursors of a paged sync answer ("" is null).
type SyncCursor struct {
	Next     string
	Previous string
}

// SyncResult is a chat.syncMessages answer. Cursor is nil in the
// LastUpdate form.
type SyncResult struct {
	Updated []*model.Message
	Deleted []DeletedRef
	Cursor  *SyncCursor
}

// SyncMessages answers what changed in a room, as Rocket.Chat's
// messages/get does for its two forms.
func (s *Messages) SyncMessages(ctx context.Context, user *model.User, q SyncQuery) (*SyncResult, error) {
	if _, _, err := s.readableRoom(ctx, user, q.RoomID, errNotAllowedReason("Not allowed")); err != nil {
		return nil, err
	}
	if q.Type != "" && q.Type != SyncUpdated && q.Type != SyncDeleted {
		return nil, model.Invalid("error-type-param-not-supported", "The \"type\" parameter must be either \"UPDATED\" or \"DELETED\"")
	}
	cursor := q.Next != "" || q.Previous != ""
	if cursor && q.Type == "" {
		return nil, model.Invalid("error-type-param-required", "The \"type\" parameter is required when using the \"next\" or \"previous\" parameters")
	}
	if q.Next != "" && q.Previous != "" {
		return nil, model.Invalid("error-cursor-conflict", "You cannot provide both \"next\" and \"previous\" parameters")
	}
	if cursor && !q.LastUpdate.IsZero() {
		return nil, model.Invalid("error-cursor-and-lastUpdate-conflict", "The attributes \"next\", \"previous\" and \"lastUpdate\" cannot be used together")
	}
	if !q.LastUpdate.IsZero() {
		return s.syncSince(ctx, q.RoomID, q.LastUpdate)
	}
	if q.Type == "" {
		return nil, model.Invalid("error-param-required", "The \"type\" or \"lastUpdate\" parameters must be provided")
	}
	return s.syncPage(ctx, q)
}

// syncSince is the LastUpdate form: every message changed and every
// message deleted after since, newest first.
func (s *core) syncSince(ctx context.Context, roomID string, since model.Time) (*SyncResult, error) {
	newestFirst := []model.SortKey{{Field: "ts", Desc: true}}
	updated, _, err := s.store.ListMessages(ctx, store.MessageQuery{RoomID: roomID, UpdatedSince: since}, model.Page{Sort: newestFirst})
	if err != nil {
		return nil, internal("sync messages", err)
	}
	gone, _, err := s.store.Deleted(ctx, store.DeletedQuery{Kind: store.KindMessage, RoomID: roomID, Since: since},
		model.Page{Sort: []model.SortKey{{Field: "_deletedAt", Desc: true}}})
	if err != nil {
		return nil, internal("sync messages", err)
	}
	return &SyncResult{Updated: updated, Deleted: deletedRefs(gone)}, nil
}

func deletedRefs(ts []store.Tombstone) []DeletedRef {
	out := make([]DeletedRef, len(ts))
	for i, t := range ts {
		out[i] = DeletedRef{ID: t.ID, DeletedAt: t.DeletedAt}
	}
	return out
}

// parseSyncCursor reads a cursor: milliseconds since the epoch.
func parseSyncCursor(c string) (model.Time, error) {
	ms, err := strconv.ParseInt(strings.TrimSpace(c), 10, 64)
	if err != nil || ms < 0 {
		return model.Time{}, model.Invalid("error-invalid-params", "Invalid Date")
	}
	return model.TimeFromMillis(ms), nil
}

// syncPage is the cursor form. Cursors are the _updatedAt (UPDATED) or
// _deletedAt (DELETED) of a record, in milliseconds; a page is read one
// record long to know whether more follow, as Rocket.Chat does.
func (s *core) syncPage(ctx context.Context, q SyncQuery) (*SyncResult, error) {
	count := q.Count
	if count <= 0 {
		count = 20
	}
	var bound model.Time
	var err error
	switch {
	case q.Next != "":
		bound, err = parseSyncCursor(q.Next)
	case q.Previous != "":
		bound, err = parseSyncCursor(q.Previous)
	}
	if err != nil {
		return nil, err
	}
	limit := 0 // no cursor: everything, oldest first
	if q.Next != "" || q.Previous != "" {
		limit = count + 1
	}
	desc := q.Previous != ""
	// stamps are the cursor values of the records read, in order.
	var stamps []model.Time
	res := &SyncResult{Updated: []*model.Message{}, Deleted: []DeletedRef{}}
	if q.Type == SyncUpdated {
		mq := store.MessageQuery{RoomID: q.RoomID, UpdatedSince: model.TimeFromMillis(0)}
		if q.Next != "" {
			mq.UpdatedSince = bound
		} else if q.Previous != "" {
			mq = store.MessageQuery{RoomID: q.RoomID, UpdatedBefore: bound}
		}
		msgs, _, err := s.store.ListMessages(ctx, mq, model.Page{Count: limit, Sort: []model.SortKey{{Field: "_updatedAt", Desc: desc}}, NoTotal: true})
		if err != nil {
			return nil, internal("sync messages", err)
		}
		for _, m := range msgs {
			stamps = append(stamps, m.UpdatedAt)
		}
		if len(msgs) > count && limit > 0 {
			msgs = msgs[:count]
		}
		res.Updated = msgs
	} else {
		dq := store.DeletedQuery{Kind: store.KindMessage, RoomID: q.RoomID}
		if q.Next != "" {
			dq.Since = bound
		} else if q.Previous != "" {
			dq.Before = bound
		}
		gone, _, err := s.store.Deleted(ctx, dq, model.Page{Count: limit, Sort: []model.SortKey{{Field: "_deletedAt", Desc: desc}}})
		if err != nil {
			return nil, internal("sync messages", err)
		}
		for _, t := range gone {
			stamps = append(stamps, t.DeletedAt)
		}
		if len(gone) > count && limit > 0 {
			gone = gone[:count]
		}
		res.Deleted = deletedRefs(gone)
	}
	res.Cursor = syncCursors(stamps, count, q.Next != "", q.Previous != "")
	return res, nil
}

// syncCursors computes the next and previous cursors of a page from the
// stamps of the records read (possibly one more than count), following
// Rocket.Chat's rules.
func syncCursors(stamps []model.Time, count int, next, previous bool) *SyncCursor {
	c := &SyncCursor{}
	n := len(stamps)
	if n == 0 {
		return c
	}
	stamp := func(i int) string { return strconv.FormatInt(stamps[i].Millis(), 10) }
	switch {
	case previous:
		c.Next = stamp(0)
	case next && n <= count:
		c.Next = ""
	case next && n > count:
		c.Next = stamp(n - 2)
	default:
		c.Next = stamp(n - 1)
	}
	switch {
	case next:
		c.Previous = stamp(0)
	case previous && n <= count:
		c.Previous = ""
	case previous && n > count:
		c.Previous = stamp(n - 2)
	default:
		c.Previous = stamp(0)
	}
	return c
}

// DeletedMessages pages the ids of the room's messages deleted after since.
func (s *Messages) DeletedMessages(ctx context.Context, user *model.User, roomID string, since model.Time, p model.Page) ([]DeletedRef, int, error) {
	if _, _, err := s.readableRoom(ctx, user, roomID, errNotAllowedReason("Not allowed")); err != nil {
		return nil, 0, err
	}
	p.Sort = nil
	gone, total, err := s.store.Deleted(ctx, store.DeletedQuery{Kind: store.KindMessage, RoomID: roomID, Since: since}, p)
	if err != nil {
		return nil, 0, internal("deleted messages", err)
	}
	return deletedRefs(gone), total, nil
}

// ThreadSyncQuery is a chat.syncThreadsList (RoomID) or
// chat.syncThreadMessages (ThreadID) request.
type ThreadSyncQuery struct {
	RoomID   string
	ThreadID string
	// Since is updatedSince; SinceInvalid reports a value that is not a
	// date (refused after the threads setting is checked, as Rocket.Chat does).
	Since        model.Time
	SinceInvalid bool
	Sort         []model.SortKey // of the updated messages; default ts ascending
}

// ThreadSync is the answer of the thread sync calls: the records changed
// and the records removed after the date.
type ThreadSync struct {
	Update []*model.Message
	Remove []DeletedRef
}

func errUpdatedSinceInvalid() *model.Error {
	return model.Invalid("error-updatedSince-param-invalid", "The \"updatedSince\" query parameter must be a valid date.")
}

// SyncThreads answers which threads of a room changed (their first
// messages, updated after q.Since) and which were removed since then
// (chat.syncThreadsList). Hidden messages are in neither list.
func (s *Messages) SyncThreads(ctx context.Context, user *model.User, q ThreadSyncQuery) (*ThreadSync, error) {
	if !s.settings.Bool(setting.ThreadsEnabled) {
		return nil, errNotAllowedReason("Threads Disabled")
	}
	if q.SinceInvalid {
		return nil, errUpdatedSinceInvalid()
	}
	if _, _, err := s.readableRoom(ctx, user, q.RoomID, errNotAllowedReason("Not Allowed")); err != nil {
		return nil, err
	}
	return s.threadSync(ctx, store.MessageQuery{RoomID: q.RoomID, ThreadsOnly: true, UpdatedSince: q.Since},
		store.DeletedQuery{Kind: store.KindMessage, RoomID: q.RoomID, ThreadsOnly: true, Since: q.Since}, q.Sort)
}

// SyncThreadMessages answers which replies of a thread changed after
// q.Since and which were removed since then (chat.syncThreadMessages).
func (s *Messages) SyncThreadMessages(ctx context.Context, user *model.User, q ThreadSyncQuery) (*ThreadSync, error) {
	if !s.settings.Bool(setting.ThreadsEnabled) {
		return nil, errNotAllowedReason("Threads Disabled")
	}
	if q.SinceInvalid {
		return nil, errUpdatedSinceInvalid()
	}
	parent, err := s.loadMessage(ctx, q.ThreadID, model.Invalid("error-invalid-message", "Invalid Message"))
	if err != nil {
		return nil, err
	}
	if _, _, err := s.readableRoom(ctx, user, parent.RoomID, errNotAllowedReason("Not Allowed")); err != nil {
		return nil, err
	}
	return s.threadSync(ctx, store.MessageQuery{ThreadID: q.ThreadID, UpdatedSince: q.Since},
		store.DeletedQuery{Kind: store.KindMessage, RoomID: parent.RoomID, ThreadID: q.ThreadID, Since: q.Since}, q.Sort)
}

func (s *core) threadSync(ctx context.Context, mq store.MessageQuery, dq store.DeletedQuery, sort []model.SortKey) (*ThreadSync, error) {
	if len(sort) == 0 {
		sort = []model.SortKey{{Field: "ts"}}
	}
	if mq.UpdatedSince.IsZero() {
		mq.UpdatedSince = model.TimeFromMillis(0)
	}
	updated, _, err := s.store.ListMessages(ctx, mq, model.Page{Sort: sort, NoTotal: true})
	if err != nil {
		return nil, internal("sync threads", err)
	}
	gone, _, err := s.store.Deleted(ctx, dq, model.Page{NoTotal: true})
	if err != nil {
		return nil, internal("sync threads", err)
	}
	if updated == nil {
		updated = []*model.Message{}
	}
	return &ThreadSync{Update: updated, Remove: deletedRefs(gone)}, nil
}
