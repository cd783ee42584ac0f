package realtime

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"

	"liftoff/access/perm"
	"liftoff/model"
	"liftoff/realtime/ddp"
)

// Rocket.Chat's stream (publication) names and special event names.
const (
	streamRoomMessages = "stream-room-messages"
	streamNotifyRoom   = "stream-notify-room"
	streamNotifyUser   = "stream-notify-user"
	streamNotifyLogged = "stream-notify-logged"
	streamNotifyAll    = "stream-notify-all"
	streamUserPresence = "stream-user-presence"
	streamRoles        = "stream-roles"

	eventMyMessages   = "__my_messages__"
	eventRoomsChanged = "rooms-changed"

	// maxPresenceWatch bounds the users one connection watches.
	maxPresenceWatch = 10000
)

type subKind uint8

const (
	kindRoomMessages subKind = iota + 1 // scope: room id
	kindMyMessages                      // scope: user id
	kindRoomNotify                      // scope: room id; event
	kindUserNotify                      // scope: user id; event
	kindLogged                          // event
	kindAll                             // event
	kindRoles                           // event ("roles")
)

// subscription is one live stream subscription of a session.
type subscription struct {
	id    string
	kind  subKind
	scope string
	event string
}

func (sub *subscription) collection() string {
	switch sub.kind {
	case kindRoomMessages, kindMyMessages:
		return streamRoomMessages
	case kindRoomNotify:
		return streamNotifyRoom
	case kindUserNotify:
		return streamNotifyUser
	case kindLogged:
		return streamNotifyLogged
	case kindRoles:
		return streamRoles
	default:
		return streamNotifyAll
	}
}

// presenceWatch is a session's stream-user-presence state: Rocket.Chat's
// clients keep one subscription open and send further "sub" messages that
// only add or remove watched users.
type presenceWatch struct {
	subID string
	uids  map[string]struct{}
}

// errNotAllowedSub is the error of a refused stream subscription, as
// Rocket.Chat's streamer raises it.
var errNotAllowedSub = &model.Error{Kind: model.KindForbidden, Type: "not-allowed", Reason: "Not allowed"}

// streamOptions is the second parameter of a stream subscription: a bare
// boolean (useCollection) or {"useCollection": bool, "args": [...]}.
type streamOptions struct {
	UseCollection bool              `json:"useCollection"`
	Args          []json.RawMessage `json:"args"`
}

func parseStreamOptions(raw json.RawMessage) streamOptions {
	var o streamOptions
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0:
	case raw[0] == '{':
		_ = json.Unmarshal(raw, &o)
	case string(raw) == "true":
		o.UseCollection = true
	}
	return o
}

// subscribe handles a "sub" message.
func (srv *Server) subscribe(s *session, m *ddp.ClientMessage) {
	s.mu.Lock()
	_, dup := s.subs[m.ID]
	dup = dup || (s.presence != nil && s.presence.subID == m.ID)
	count := len(s.subs)
	s.mu.Unlock()
	if dup {
		// Meteor ignores a second sub with a live id.
		return
	}
	if ok, wait := srv.allowCall(s, true, m.Name); !ok {
		srv.metrics.rateLimited.Add(1)
		srv.sendNoSub(s, m.ID, tooManyRequests(wait))
		return
	}
	if m.Name == streamUserPresence {
		srv.subscribePresence(s, m)
		return
	}
	if p, ok := srv.pubs.Load(m.Name); ok {
		srv.publish(s, m, p.(*publication))
		return
	}
	if count >= srv.cfg.MaxSubscriptions {
		srv.sendNoSub(s, m.ID, model.Invalid("error-too-many-subscriptions", "Too many subscriptions"))
		return
	}
	var eventName string
	if len(m.Params) > 0 {
		_ = json.Unmarshal(m.Params[0], &eventName)
	}
	var opts streamOptions
	if len(m.Params) > 1 {
		opts = parseStreamOptions(m.Params[1])
	}
	sub, err := srv.authorizeSub(s.ctx, s, m.Name, eventName)
	if err != nil {
		srv.sendNoSub(s, m.ID, err)
		return
	}
	if sub == nil {
		srv.sendNoSubNotFound(s, m.ID, m.Name)
		return
	}
	sub.id = m.ID
	uid := s.userID()
	roomScoped := sub.kind == kindRoomMessages || sub.kind == kindRoomNotify
	var epoch uint64
	if roomScoped && uid != "" {
		// Read before the check: a removal from the room that commits
		// after the check bumps the epoch (see below).
		epoch = srv.hub.userEpoch(uid)
	}
	if roomScoped {
		if err := srv.cfg.Rooms.CanReadRoom(s.ctx, s.user(), sub.scope); err != nil {
			srv.sendNoSub(s, m.ID, err)
			return
		}
	}
	s.mu.Lock()
	if s.subs == nil { // closed meanwhile
		s.mu.Unlock()
		return
	}
	s.subs[m.ID] = sub
	s.mu.Unlock()
	srv.hub.index(s, sub)
	if roomScoped && uid != "" && srv.hub.userEpoch(uid) != epoch {
		// The user left some room while we checked; check again so a
		// removal cannot slip between check and registration.
		if err := srv.cfg.Rooms.CanReadRoom(s.ctx, s.user(), sub.scope); err != nil {
			if s.takeSub(m.ID) != nil {
				srv.hub.unindex(s, sub)
			}
			srv.sendNoSub(s, m.ID, err)
			return
		}
	}
	if opts.UseCollection {
		if f, err := ddp.Added(m.Name, ddp.StreamEventID, map[string]any{"eventName": eventName}); err == nil {
			s.send(f)
		}
	}
	s.send(ddp.Ready(m.ID))
}

// authorizeSub maps a subscription request to a subscription, checking
// what can be checked without the store. It returns (nil, nil) for an
// unknown publication. Room access is checked by the caller.
func (srv *Server) authorizeSub(ctx context.Context, s *session, name, eventName string) (*subscription, error) {
	user := s.user()
	invalid := &model.Error{Type: "invalid-event-name", Reason: "Invalid event name"}
	switch name {
	case streamRoomMessages, streamNotifyRoom, streamNotifyUser, streamNotifyLogged, streamNotifyAll, streamRoles:
	default:
		return nil, nil
	}
	if eventName == "" {
		return nil, invalid
	}
	switch name {
	case streamRoomMessages:
		if eventName == eventMyMessages {
			if user == nil {
				return nil, errNotAllowedSub
			}
			return &subscription{kind: kindMyMessages, scope: user.ID}, nil
		}
		return &subscription{kind: kindRoomMessages, scope: eventName}, nil
	case streamNotifyRoom:
		rid, event, ok := strings.Cut(eventName, "/")
		if !ok || rid == "" || event == "" {
			return nil, invalid
		}
		return &subscription{kind: kindRoomNotify, scope: rid, event: event}, nil
	case streamNotifyUser:
		uid, event, ok := strings.Cut(eventName, "/")
		if !ok || uid == "" || event == "" {
			return nil, invalid
		}
		if user == nil || user.ID != uid {
			return nil, errNotAllowedSub
		}
		return &subscription{kind: kindUserNotify, scope: uid, event: event}, nil
	case streamNotifyLogged:
		if user == nil {
			return nil, errNotAllowedSub
		}
		if eventName == "private-settings-changed" {
			if !srv.hasAnyPermission(ctx, user, perm.ViewPrivilegedSetting, perm.EditPrivilegedSetting, perm.ManageSelectedSettings) {
				return nil, errNotAllowedSub
			}
		}
		return &subscription{kind: kindLogged, event: eventName}, nil
	case streamRoles:
		if user == nil {
			return nil, errNotAllowedSub
		}
		return &subscription{kind: kindRoles, event: eventName}, nil
	default: // streamNotifyAll
		return &subscription{kind: kindAll, event: eventName}, nil
	}
}

func (srv *Server) hasAnyPermission(ctx context.Context, user *model.User, perms ...perm.ID) bool {
	if srv.cfg.Permissions == nil {
		return false
	}
	for _, p := range perms {
		ok, err := srv.cfg.Permissions.HasPermission(ctx, user, p)
		if err != nil {
			srv.cfg.Logger.Warn("realtime: permission check failed", "permission", p, "err", err)
			return false
		}
		if ok {
			return true
		}
	}
	return false
}

// presenceParams finds {"added": [...], "removed": [...]} in a
// stream-user-presence subscription, which clients send either as the
// second parameter or inside its "args".
func presenceParams(params []json.RawMessage) (added, removed []string) {
	type change struct {
		Added   []string          `json:"added"`
		Removed []string          `json:"removed"`
		Args    []json.RawMessage `json:"args"`
	}
	var visit func(raw json.RawMessage, depth int)
	visit = func(raw json.RawMessage, depth int) {
		raw = bytes.TrimSpace(raw)
		if depth > 2 || len(raw) == 0 {
			return
		}
		switch raw[0] {
		case '{':
			var c change
			if json.Unmarshal(raw, &c) == nil {
				added = append(added, c.Added...)
				removed = append(removed, c.Removed...)
				for _, a := range c.Args {
					visit(a, depth+1)
				}
			}
		case '[':
			var arr []json.RawMessage
			if json.Unmarshal(raw, &arr) == nil {
				for _, a := range arr {
					visit(a, depth+1)
				}
			}
		}
	}
	for _, p := range params {
		visit(p, 0)
	}
	return added, removed
}

// subscribePresence handles stream-user-presence: the first subscription
// of a connection stays open and receives the events; later ones only
// change the watched users and stop at once, as in Rocket.Chat.
func (srv *Server) subscribePresence(s *session, m *ddp.ClientMessage) {
	if s.user() == nil {
		srv.sendNoSub(s, m.ID, errNotAllowedSub)
		return
	}
	added, removed := presenceParams(m.Params)
	s.mu.Lock()
	if s.subs == nil {
		s.mu.Unlock()
		return
	}
	main := s.presence == nil
	if main {
		s.presence = &presenceWatch{subID: m.ID, uids: make(map[string]struct{})}
	}
	w := s.presence
	var add, del []string
	for _, uid := range removed {
		if _, ok := w.uids[uid]; ok {
			delete(w.uids, uid)
			del = append(del, uid)
		}
	}
	for _, uid := range added {
		if _, ok := w.uids[uid]; !ok && uid != "" && len(w.uids) < maxPresenceWatch {
			w.uids[uid] = struct{}{}
			add = append(add, uid)
		}
	}
	s.mu.Unlock()
	srv.hub.watchPresence(s, del, false)
	srv.hub.watchPresence(s, add, true)
	if main {
		s.send(ddp.Ready(m.ID))
		return
	}
	srv.sendNoSub(s, m.ID, nil)
}

// unsubscribe handles an "unsub" message.
func (srv *Server) unsubscribe(s *session, id string) {
	s.mu.Lock()
	if w := s.presence; w != nil && w.subID == id {
		s.presence = nil
		uids := make([]string, 0, len(w.uids))
		for uid := range w.uids {
			uids = append(uids, uid)
		}
		s.mu.Unlock()
		srv.hub.watchPresence(s, uids, false)
		srv.sendNoSub(s, id, nil)
		return
	}
	s.mu.Unlock()
	if sub := s.takeSub(id); sub != nil {
		srv.hub.unindex(s, sub)
	}
	// Meteor answers every unsub with nosub, known id or not.
	srv.sendNoSub(s, id, nil)
}

func (srv *Server) sendNoSub(s *session, id string, err error) {
	f, encErr := ddp.NoSub(id, err)
	if encErr != nil {
		f, _ = ddp.NoSub(id, model.ErrNotAllowed)
	}
	s.send(f)
}

// sendNoSubNotFound answers a subscription to an unknown publication the
// way Meteor does: error 404.
func (srv *Server) sendNoSubNotFound(s *session, id, name string) {
	e := ddp.MeteorError{
		IsClientSafe: true,
		Error:        404,
		Reason:       "Subscription '" + name + "' not found",
		Message:      "Subscription '" + name + "' not found [404]",
		ErrorType:    "Meteor.Error",
	}
	b := []byte(`{"msg":"nosub","id":`)
	b, _ = ddp.AppendMarshal(b, id)
	b = append(b, `,"error":`...)
	b, _ = ddp.AppendMarshal(b, e)
	s.send(append(b, '}'))
}

// takeSub removes and returns the session's subscription id, if any.
func (s *session) takeSub(id string) *subscription {
	s.mu.Lock()
	defer s.mu.Unlock()
	sub := s.subs[id]
	if sub != nil {
		delete(s.subs, id)
	}
	return sub
}

// takeRoomSubs removes and returns the subscriptions scoped to room rid.
func (s *session) takeRoomSubs(rid string) []*subscription {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*subscription
	for id, sub := range s.subs {
		if (sub.kind == kindRoomMessages || sub.kind == kindRoomNotify) && sub.scope == rid {
			out = append(out, sub)
			delete(s.subs, id)
		}
	}
	return out
}

// takeAllSubs removes and returns every subscription (and the watched
// presence users). With keepOpen, the session stays usable and keeps its
// stream-notify-all subscriptions (logout); otherwise it is closed.
func (s *session) takeAllSubs(keepOpen bool) (subs []*subscription, watched []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, sub := range s.subs {
		if keepOpen && sub.kind == kindAll {
			continue
		}
		subs = append(subs, sub)
		delete(s.subs, id)
	}
	if !keepOpen {
		s.subs = nil
	}
	if w := s.presence; w != nil {
		for uid := range w.uids {
			watched = append(watched, uid)
		}
		if keepOpen {
			subs = append(subs, &subscription{id: w.subID})
		}
		s.presence = nil
	}
	return subs, watched
}
