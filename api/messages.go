package api

import (
	"context"
	"strconv"
	"strings"
	"time"

	"liftoff/chat"
	"liftoff/model"
	"liftoff/settings/setting"
)

// messageRoutes registers chat.* beyond posting (chat.go): edits,
// deletions, reactions, pins, stars, lists, search, threads and sync.
func (s *Server) messageRoutes(rt *Router) {
	rt.Post("chat.update", s.updateMessage, Method("updateMessage"))
	rt.Post("chat.delete", s.deleteMessage)
	rt.Get("chat.getMessage", s.getMessage)
	rt.Post("chat.react", s.react, Method("setReaction"))
	rt.Post("chat.pinMessage", s.pinMessage, Method("pinMessage"))
	rt.Post("chat.unPinMessage", s.unpinMessage, Method("unpinMessage"))
	rt.Post("chat.starMessage", s.starMessage(true), Method("starMessage"))
	rt.Post("chat.unStarMessage", s.starMessage(false), Method("starMessage"))
	rt.Get("chat.getPinnedMessages", s.roomMessageList(Messages.PinnedMessages))
	rt.Get("chat.getStarredMessages", s.roomMessageList(Messages.StarredMessages), refusedIn400)
	rt.Get("chat.getMentionedMessages", s.roomMessageList(Messages.MentionedMessages), refusedIn400)
	rt.Get("chat.search", s.searchMessages)
	rt.Get("chat.getThreadsList", s.threadsList, refusedIn400)
	rt.Get("chat.getThreadMessages", s.threadMessages)
	rt.Get("chat.syncThreadsList", s.syncThreads)
	rt.Get("chat.syncThreadMessages", s.syncThreadMessages)
	rt.Post("chat.followMessage", s.followMessage(true), Method("followMessage"))
	rt.Post("chat.unfollowMessage", s.followMessage(false), Method("unfollowMessage"))
	rt.Get("chat.syncMessages", s.syncMessages)
	rt.Get("chat.getDeletedMessages", s.deletedMessages)
}

// messageSortFields are the sort fields the message lists accept.
var messageSortFields = []string{"ts", "_updatedAt", "tlm"}

var newestFirst = []model.SortKey{{Field: "ts", Desc: true}}

func (s *Server) updateMessage(r *Request) (any, error) {
	roomID, err := r.RequireString("roomId")
	if err != nil {
		return nil, err
	}
	msgID, err := r.RequireString("msgId")
	if err != nil {
		return nil, err
	}
	// Rocket.Chat's body is either {text, customFields?} or, for an
	// encrypted message, {content, e2eMentions?}.
	var content *model.EncryptedContent
	var text string
	if r.Has("content") {
		if _, err := r.Param("content", &content); err != nil || content == nil {
			return nil, invalidParams("must have required property 'content'")
		}
	} else {
		if !r.Has("text") {
			return nil, model.ErrMissingParam("text")
		}
		if text, err = r.String("text"); err != nil {
			return nil, err
		}
	}
	var custom map[string]any
	if _, err := r.Param("customFields", &custom); err != nil {
		return nil, err
	}
	msg, err := s.messages.UpdateMessage(r.Context(), r.User, chat.UpdateInput{RoomID: roomID, MessageID: msgID, Text: text, CustomFields: custom, Content: content})
	if err != nil {
		return nil, err
	}
	return M{"message": msg}, nil
}

func (s *Server) deleteMessage(r *Request) (any, error) {
	p := r.Params()
	msgID := p.RequireString("msgId")
	roomID := p.RequireString("roomId")
	asUser := p.Bool("asUser", false)
	if err := p.Err(); err != nil {
		return nil, err
	}
	msg, err := s.messages.DeleteMessage(r.Context(), r.User, chat.DeleteInput{RoomID: roomID, MessageID: msgID, AsUser: asUser})
	if err != nil {
		return nil, err
	}
	return M{
		"_id":     msg.ID,
		"ts":      strconv.FormatInt(s.cfg.Now().UnixMilli(), 10),
		"message": M{"_id": msg.ID, "rid": msg.RoomID, "u": msg.Author},
	}, nil
}

func (s *Server) getMessage(r *Request) (any, error) {
	id, err := r.String("msgId")
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(id) == "" {
		return nil, model.Invalid("error-invalid-params", "The \"msgId\" query parameter must be provided.")
	}
	msg, err := s.messages.GetMessage(r.Context(), r.User, id)
	if err != nil {
		return nil, err
	}
	return M{"message": msg}, nil
}

func (s *Server) react(r *Request) (any, error) {
	id, err := r.RequireString("messageId")
	if err != nil {
		return nil, err
	}
	emoji, err := r.String("emoji")
	if err != nil {
		return nil, err
	}
	if emoji == "" {
		if emoji, err = r.String("reaction"); err != nil {
			return nil, err
		}
	}
	if strings.TrimSpace(emoji) == "" {
		return nil, model.Invalid("error-emoji-param-not-provided", "The required \"emoji\" param is missing.")
	}
	var should *bool
	if r.Has("shouldReact") {
		v, err := r.Bool("shouldReact", false)
		if err != nil {
			return nil, err
		}
		should = &v
	}
	if err := s.messages.React(r.Context(), r.User, id, emoji, should); err != nil {
		return nil, err
	}
	return M{}, nil
}

func (s *Server) pinMessage(r *Request) (any, error) {
	id, err := r.RequireString("messageId")
	if err != nil {
		return nil, err
	}
	msg, err := s.messages.PinMessage(r.Context(), r.User, id)
	if err != nil {
		return nil, err
	}
	return M{"message": msg}, nil
}

func (s *Server) unpinMessage(r *Request) (any, error) {
	id, err := r.RequireString("messageId")
	if err != nil {
		return nil, err
	}
	if err := s.messages.UnpinMessage(r.Context(), r.User, id); err != nil {
		return nil, err
	}
	return M{}, nil
}

func (s *Server) starMessage(starred bool) Handler {
	return func(r *Request) (any, error) {
		id, err := r.RequireString("messageId")
		if err != nil {
			return nil, err
		}
		if err := s.messages.StarMessage(r.Context(), r.User, id, starred); err != nil {
			return nil, err
		}
		return M{}, nil
	}
}

// roomMessageList serves the paged per-room lists (pinned, starred, mentioned).
func (s *Server) roomMessageList(list func(m Messages, ctx context.Context, user *model.User, roomID string, p model.Page) ([]*model.Message, int, error)) Handler {
	return func(r *Request) (any, error) {
		roomID, err := r.RequireString("roomId")
		if err != nil {
			return nil, err
		}
		p, err := r.Page(newestFirst, messageSortFields...)
		if err != nil {
			return nil, err
		}
		msgs, total, err := list(s.messages, r.Context(), r.User, roomID, p)
		if err != nil {
			return nil, err
		}
		return paged("messages", nonNilMessages(msgs), len(msgs), p, total), nil
	}
}

func nonNilMessages(m []*model.Message) []*model.Message {
	if m == nil {
		return []*model.Message{}
	}
	return m
}

func (s *Server) searchMessages(r *Request) (any, error) {
	roomID, err := r.String("roomId")
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(roomID) == "" {
		return nil, model.Invalid("error-roomId-param-not-provided", "The required \"roomId\" query param is missing.")
	}
	text, err := r.String("searchText")
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(text) == "" {
		return nil, model.Invalid("error-searchText-param-not-provided", "The required \"searchText\" query param is missing.")
	}
	p, err := r.Page(newestFirst, "ts")
	if err != nil {
		return nil, err
	}
	msgs, _, err := s.messages.SearchMessages(r.Context(), r.User, roomID, text, p)
	if err != nil {
		return nil, err
	}
	return M{"messages": nonNilMessages(msgs)}, nil
}

func (s *Server) threadsList(r *Request) (any, error) {
	rid, err := r.RequireString("rid")
	if err != nil {
		return nil, err
	}
	typ, err := r.String("type")
	if err != nil {
		return nil, err
	}
	text, err := r.String("text")
	if err != nil {
		return nil, err
	}
	p, err := r.Page([]model.SortKey{{Field: "tlm", Desc: true}}, messageSortFields...)
	if err != nil {
		return nil, err
	}
	threads, total, err := s.messages.Threads(r.Context(), r.User, chat.ThreadsQuery{RoomID: rid, Type: typ, Text: text}, p)
	if err != nil {
		return nil, err
	}
	return paged("threads", nonNilMessages(threads), len(threads), p, total), nil
}

func (s *Server) threadMessages(r *Request) (any, error) {
	tmid, err := r.RequireString("tmid")
	if err != nil {
		return nil, err
	}
	p, err := r.Page([]model.SortKey{{Field: "ts"}}, messageSortFields...)
	if err != nil {
		return nil, err
	}
	msgs, total, err := s.messages.ThreadMessages(r.Context(), r.User, tmid, p)
	if err != nil {
		return nil, err
	}
	return paged("messages", nonNilMessages(msgs), len(msgs), p, total), nil
}

// threadSyncQuery reads the parameters the thread sync calls share:
// updatedSince (required) and sort.
func threadSyncQuery(r *Request) (chat.ThreadSyncQuery, error) {
	var q chat.ThreadSyncQuery
	since, err := r.RequireString("updatedSince")
	if err != nil {
		return q, err
	}
	if t, ok := parseDate(since); ok {
		q.Since = t
	} else {
		q.SinceInvalid = true
	}
	if raw, _ := r.String("sort"); raw != "" {
		if q.Sort, err = parseSort(raw, messageSortFields); err != nil {
			return q, err
		}
	}
	return q, nil
}

// syncThreads is chat.syncThreadsList: {threads: {update, remove}}, remove
// listing {_id, _deletedAt} of the removed threads.
func (s *Server) syncThreads(r *Request) (any, error) {
	rid, err := r.RequireString("rid")
	if err != nil {
		return nil, err
	}
	q, err := threadSyncQuery(r)
	if err != nil {
		return nil, err
	}
	q.RoomID = rid
	res, err := s.messages.SyncThreads(r.Context(), r.User, q)
	if err != nil {
		return nil, err
	}
	return M{"threads": M{"update": res.Update, "remove": views(res.Remove, deletedOf)}}, nil
}

// syncThreadMessages is chat.syncThreadMessages: {messages: {update, remove}}.
func (s *Server) syncThreadMessages(r *Request) (any, error) {
	tmid, err := r.RequireString("tmid")
	if err != nil {
		return nil, err
	}
	q, err := threadSyncQuery(r)
	if err != nil {
		return nil, err
	}
	q.ThreadID = tmid
	res, err := s.messages.SyncThreadMessages(r.Context(), r.User, q)
	if err != nil {
		return nil, err
	}
	return M{"messages": M{"update": res.Update, "remove": views(res.Remove, deletedOf)}}, nil
}

func (s *Server) followMessage(follow bool) Handler {
	return func(r *Request) (any, error) {
		mid, err := r.String("mid")
		if err != nil {
			return nil, err
		}
		if strings.TrimSpace(mid) == "" {
			return nil, model.Invalid("error-invalid-params", "The required \"mid\" body param is missing.")
		}
		if err := s.messages.FollowMessage(r.Context(), r.User, mid, follow); err != nil {
			return nil, err
		}
		return M{}, nil
	}
}

// parseDate reads an ISO-8601 date parameter as JavaScript's Date.parse
// accepts the common forms.
func parseDate(v string) (model.Time, bool) {
	v = strings.TrimSpace(v)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.000", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return model.TimeOf(t), true
		}
	}
	return model.Time{}, false
}

func (s *Server) syncMessages(r *Request) (any, error) {
	roomID, err := r.String("roomId")
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(roomID) == "" {
		return nil, model.Invalid("error-param-required", "The required \"roomId\" query param is missing")
	}
	q := chat.SyncQuery{RoomID: roomID}
	lastUpdate, err := r.String("lastUpdate")
	if err != nil {
		return nil, err
	}
	if q.Type, err = r.String("type"); err != nil {
		return nil, err
	}
	if lastUpdate == "" && q.Type == "" {
		return nil, model.Invalid("error-param-required", "The \"type\" or \"lastUpdate\" parameters must be provided")
	}
	if lastUpdate != "" {
		t, ok := parseDate(lastUpdate)
		if !ok {
			return nil, model.Invalid("error-lastUpdate-param-invalid", "The \"lastUpdate\" query parameter must be a valid date")
		}
		q.LastUpdate = t
	}
	if q.Next, err = r.String("next"); err != nil {
		return nil, err
	}
	if q.Previous, err = r.String("previous"); err != nil {
		return nil, err
	}
	if q.Count, err = r.Int("count", 20); err != nil {
		return nil, err
	}
	if max := s.settings.Int(setting.APIUpperCountLimit); max > 0 && q.Count > max {
		q.Count = max
	}
	res, err := s.messages.SyncMessages(r.Context(), r.User, q)
	if err != nil {
		return nil, err
	}
	result := M{"updated": nonNilMessages(res.Updated), "deleted": views(res.Deleted, deletedOf)}
	if res.Deleted == nil {
		result["deleted"] = []removedView{}
	}
	if res.Cursor != nil {
		result["cursor"] = M{"next": nullable(res.Cursor.Next), "previous": nullable(res.Cursor.Previous)}
	}
	return M{"result": result}, nil
}

// nullable renders "" as JSON null.
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (s *Server) deletedMessages(r *Request) (any, error) {
	roomID, err := r.RequireString("roomId")
	if err != nil {
		return nil, err
	}
	sinceRaw, err := r.RequireString("since")
	if err != nil {
		return nil, err
	}
	since, ok := parseDate(sinceRaw)
	if !ok {
		return nil, model.ErrBadParam("since", "an ISO date")
	}
	p, err := r.Page(nil)
	if err != nil {
		return nil, err
	}
	refs, total, err := s.messages.DeletedMessages(r.Context(), r.User, roomID, since, p)
	if err != nil {
		return nil, err
	}
	items := make([]M, len(refs))
	for i, d := range refs {
		items[i] = M{"_id": d.ID}
	}
	return paged("messages", items, len(items), p, total), nil
}
