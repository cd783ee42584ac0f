package realtime

import (
	"sync"
)

// shardCount is the number of shards of each hub index. Deliveries to
// different rooms (or users) take different locks, and deliveries to one
// room only take its shard's read lock, so the hot path has no global lock.
const shardCount = 64

// sessionSet maps a session to the number of its subscriptions that put
// it in the set (a client may subscribe to one event under two ids).
type sessionSet map[*session]int

func (ss sessionSet) add(s *session) (first bool) {
	ss[s]++
	return ss[s] == 1
}

func (ss sessionSet) remove(s *session) (last bool) {
	n, ok := ss[s]
	if !ok {
		return false
	}
	if n <= 1 {
		delete(ss, s)
		return true
	}
	ss[s] = n - 1
	return false
}

// roomEntry holds who receives a room's events.
type roomEntry struct {
	messages sessionSet            // stream-room-messages/<rid>
	notify   map[string]sessionSet // stream-notify-room <rid>/<event>
	// Sessions of members of the room that subscribed to
	// __my_messages__, and to <uid>/rooms-changed.
	my           sessionSet
	roomsChanged sessionSet
}

func (e *roomEntry) empty() bool {
	return len(e.messages) == 0 && len(e.notify) == 0 && len(e.my) == 0 && len(e.roomsChanged) == 0
}

type roomShard struct {
	mu sync.RWMutex
	m  map[string]*roomEntry
}

// entry returns the room's entry, creating it. Called with mu held.
func (sh *roomShard) entry(rid string) *roomEntry {
	e := sh.m[rid]
	if e == nil {
		e = &roomEntry{}
		sh.m[rid] = e
	}
	return e
}

// gc drops the room's entry when nobody listens any more. Called with mu held.
func (sh *roomShard) gc(rid string, e *roomEntry) {
	if e.empty() {
		delete(sh.m, rid)
	}
}

// userEntry holds a logged-in user's sessions on this instance, the rooms
// the user belongs to, and the user's personal stream subscriptions.
type userEntry struct {
	sessions map[*session]struct{}
	rooms    map[string]struct{}
	// loaded is set once rooms was read from the store; loading counts
	// reads in flight, during which membership events are also recorded
	// in removedWhileLoading so a read that raced them cannot undo them.
	loaded              bool
	loading             int
	removedWhileLoading map[string]struct{}

	notify       map[string]sessionSet // stream-notify-user <uid>/<event>
	my           sessionSet            // __my_messages__ subscribers
	roomsChanged sessionSet            // <uid>/rooms-changed subscribers
	// epoch increases on every membership removal; a subscription checked
	// against an older epoch is checked again (see Server.subscribe).
	epoch uint64
}

type userShard struct {
	mu sync.RWMutex
	m  map[string]*userEntry
}

// globalShard indexes stream-notify-logged and stream-notify-all events.
type globalShard struct {
	mu sync.RWMutex
	m  map[string]sessionSet // collection + "\x00" + event
}

// presenceShard indexes stream-user-presence watchers by watched user id.
type presenceShard struct {
	mu sync.RWMutex
	m  map[string]sessionSet
}

// hub routes events to sessions. See deliver* for the hot paths.
type hub struct {
	srv      *Server
	rooms    [shardCount]roomShard
	users    [shardCount]userShard
	global   [shardCount]globalShard
	presence [shardCount]presenceShard

	// evMu serialises event handling (the bus calls from one goroutine;
	// tests and benchmarks may call directly); it guards out.
	evMu sync.Mutex
	out  sendBatch
}

func newHub(srv *Server) *hub {
	h := &hub{srv: srv}
	for i := range shardCount {
		h.rooms[i].m = make(map[string]*roomEntry)
		h.users[i].m = make(map[string]*userEntry)
		h.global[i].m = make(map[string]sessionSet)
		h.presence[i].m = make(map[string]sessionSet)
	}
	return h
}

// shardOf hashes a key (FNV-1a) to a shard index without allocating.
func shardOf(key string) int {
	var x uint32 = 2166136261
	for i := 0; i < len(key); i++ {
		x ^= uint32(key[i])
		x *= 16777619
	}
	return int(x % shardCount)
}

func (h *hub) roomShard(rid string) *roomShard         { return &h.rooms[shardOf(rid)] }
func (h *hub) userShard(uid string) *userShard         { return &h.users[shardOf(uid)] }
func (h *hub) presenceShard(uid string) *presenceShard { return &h.presence[shardOf(uid)] }
func (h *hub) globalShard(key string) *globalShard     { return &h.global[shardOf(key)] }

func globalKey(collection, event string) string { return collection + "\x00" + event }

// --- users and membership ---

// userLoggedIn records s as a session of uid. needLoad reports whether the
// caller must read the user's rooms and pass them to roomsLoaded.
func (h *hub) userLoggedIn(s *session, uid string) (needLoad bool) {
	sh := h.userShard(uid)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	e := sh.m[uid]
	if e == nil {
		e = &userEntry{
			sessions: make(map[*session]struct{}),
			rooms:    make(map[string]struct{}),
		}
		sh.m[uid] = e
	}
	e.sessions[s] = struct{}{}
	if e.loaded {
		return false
	}
	e.loading++
	if e.removedWhileLoading == nil {
		e.removedWhileLoading = make(map[string]struct{})
	}
	return true
}

// roomsLoaded completes a load started by userLoggedIn (rids is nil when
// the read failed).
func (h *hub) roomsLoaded(uid string, rids []string, ok bool) {
	sh := h.userShard(uid)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	e := sh.m[uid]
	if e == nil {
		return
	}
	if ok {
		for _, rid := range rids {
			if _, gone := e.removedWhileLoading[rid]; !gone {
				e.rooms[rid] = struct{}{}
			}
		}
		e.loaded = true
	}
	e.loading--
	if e.loading <= 0 {
		e.loading = 0
		e.removedWhileLoading = nil
	}
}

// userLoggedOut forgets s as a session of uid. Its subscriptions must have
// been removed already.
func (h *hub) userLoggedOut(s *session, uid string) {
	sh := h.userShard(uid)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	e := sh.m[uid]
	if e == nil {
		return
	}
	delete(e.sessions, s)
	if len(e.sessions) == 0 {
		delete(sh.m, uid)
	}
}

// userEpoch returns the membership-removal epoch of uid.
func (h *hub) userEpoch(uid string) uint64 {
	sh := h.userShard(uid)
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	if e := sh.m[uid]; e != nil {
		return e.epoch
	}
	return 0
}

// sessionsOf returns the user's sessions on this instance.
func (h *hub) sessionsOf(uid string) []*session {
	sh := h.userShard(uid)
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	e := sh.m[uid]
	if e == nil {
		return nil
	}
	out := make([]*session, 0, len(e.sessions))
	for s := range e.sessions {
		out = append(out, s)
	}
	return out
}

// memberAdded records that uid joined rid.
func (h *hub) memberAdded(uid, rid string) {
	sh := h.userShard(uid)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	e := sh.m[uid]
	if e == nil {
		return
	}
	e.rooms[rid] = struct{}{}
	delete(e.removedWhileLoading, rid)
	if len(e.my) == 0 && len(e.roomsChanged) == 0 {
		return
	}
	rs := h.roomShard(rid)
	rs.mu.Lock()
	re := rs.entry(rid)
	for s := range e.my {
		if re.my == nil {
			re.my = make(sessionSet)
		}
		re.my[s] = 1
	}
	for s := range e.roomsChanged {
		if re.roomsChanged == nil {
			re.roomsChanged = make(sessionSet)
		}
		re.roomsChanged[s] = 1
	}
	rs.mu.Unlock()
}

// memberRemoved records that uid left (or was removed from) rid and stops
// every delivery of the room to the user's sessions at once.
func (h *hub) memberRemoved(uid, rid string) {
	sh := h.userShard(uid)
	sh.mu.Lock()
	e := sh.m[uid]
	if e == nil {
		sh.mu.Unlock()
		return
	}
	delete(e.rooms, rid)
	e.epoch++
	if e.loading > 0 {
		e.removedWhileLoading[rid] = struct{}{}
	}
	sessions := make([]*session, 0, len(e.sessions))
	for s := range e.sessions {
		sessions = append(sessions, s)
	}
	rs := h.roomShard(rid)
	rs.mu.Lock()
	if re := rs.m[rid]; re != nil {
		for _, s := range sessions {
			delete(re.my, s)
			delete(re.roomsChanged, s)
		}
		rs.gc(rid, re)
	}
	rs.mu.Unlock()
	sh.mu.Unlock()

	for _, s := range sessions {
		for _, sub := range s.takeRoomSubs(rid) {
			h.unindex(s, sub)
		}
	}
}

// --- subscription indexes ---

// index makes s receive sub's events.
func (h *hub) index(s *session, sub *subscription) {
	switch sub.kind {
	case kindRoomMessages:
		rs := h.roomShard(sub.scope)
		rs.mu.Lock()
		re := rs.entry(sub.scope)
		if re.messages == nil {
			re.messages = make(sessionSet)
		}
		re.messages.add(s)
		rs.mu.Unlock()
	case kindRoomNotify:
		rs := h.roomShard(sub.scope)
		rs.mu.Lock()
		re := rs.entry(sub.scope)
		if re.notify == nil {
			re.notify = make(map[string]sessionSet)
		}
		set := re.notify[sub.event]
		if set == nil {
			set = make(sessionSet)
			re.notify[sub.event] = set
		}
		set.add(s)
		rs.mu.Unlock()
	case kindMyMessages:
		h.indexMembership(s, sub.scope, func(e *userEntry) *sessionSet { return &e.my },
			func(re *roomEntry) *sessionSet { return &re.my })
	case kindUserNotify:
		sh := h.userShard(sub.scope)
		sh.mu.Lock()
		if e := sh.m[sub.scope]; e != nil {
			if e.notify == nil {
				e.notify = make(map[string]sessionSet)
			}
			set := e.notify[sub.event]
			if set == nil {
				set = make(sessionSet)
				e.notify[sub.event] = set
			}
			set.add(s)
		}
		sh.mu.Unlock()
		if sub.event == eventRoomsChanged {
			h.indexMembership(s, sub.scope, func(e *userEntry) *sessionSet { return &e.roomsChanged },
				func(re *roomEntry) *sessionSet { return &re.roomsChanged })
		}
	case kindLogged, kindAll, kindRoles:
		key := globalKey(sub.collection(), sub.event)
		gs := h.globalShard(key)
		gs.mu.Lock()
		set := gs.m[key]
		if set == nil {
			set = make(sessionSet)
			gs.m[key] = set
		}
		set.add(s)
		gs.mu.Unlock()
	}
}

// indexMembership adds s to a per-user set and, the first time, to the
// matching set of every room the user belongs to.
func (h *hub) indexMembership(s *session, uid string, userSet func(*userEntry) *sessionSet, roomSet func(*roomEntry) *sessionSet) {
	sh := h.userShard(uid)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	e := sh.m[uid]
	if e == nil {
		return
	}
	us := userSet(e)
	if *us == nil {
		*us = make(sessionSet)
	}
	if !us.add(s) {
		return
	}
	for rid := range e.rooms {
		rs := h.roomShard(rid)
		rs.mu.Lock()
		set := roomSet(rs.entry(rid))
		if *set == nil {
			*set = make(sessionSet)
		}
		(*set)[s] = 1
		rs.mu.Unlock()
	}
}

// unindexMembership reverses indexMembership.
func (h *hub) unindexMembership(s *session, uid string, userSet func(*userEntry) *sessionSet, roomSet func(*roomEntry) *sessionSet) {
	sh := h.userShard(uid)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	e := sh.m[uid]
	if e == nil {
		return
	}
	if !userSet(e).remove(s) {
		return
	}
	for rid := range e.rooms {
		rs := h.roomShard(rid)
		rs.mu.Lock()
		if re := rs.m[rid]; re != nil {
			delete(*roomSet(re), s)
			rs.gc(rid, re)
		}
		rs.mu.Unlock()
	}
}

// unindex stops s receiving sub's events. It is idempotent per
// subscription (callers remove the subscription from the session first).
func (h *hub) unindex(s *session, sub *subscription) {
	switch sub.kind {
	case kindRoomMessages:
		rs := h.roomShard(sub.scope)
		rs.mu.Lock()
		if re := rs.m[sub.scope]; re != nil {
			re.messages.remove(s)
			rs.gc(sub.scope, re)
		}
		rs.mu.Unlock()
	case kindRoomNotify:
		rs := h.roomShard(sub.scope)
		rs.mu.Lock()
		if re := rs.m[sub.scope]; re != nil {
			if set := re.notify[sub.event]; set != nil {
				set.remove(s)
				if len(set) == 0 {
					delete(re.notify, sub.event)
				}
			}
			if len(re.notify) == 0 {
				re.notify = nil
			}
			rs.gc(sub.scope, re)
		}
		rs.mu.Unlock()
	case kindMyMessages:
		h.unindexMembership(s, sub.scope, func(e *userEntry) *sessionSet { return &e.my },
			func(re *roomEntry) *sessionSet { return &re.my })
	case kindUserNotify:
		sh := h.userShard(sub.scope)
		sh.mu.Lock()
		if e := sh.m[sub.scope]; e != nil {
			if set := e.notify[sub.event]; set != nil {
				set.remove(s)
				if len(set) == 0 {
					delete(e.notify, sub.event)
				}
			}
		}
		sh.mu.Unlock()
		if sub.event == eventRoomsChanged {
			h.unindexMembership(s, sub.scope, func(e *userEntry) *sessionSet { return &e.roomsChanged },
				func(re *roomEntry) *sessionSet { return &re.roomsChanged })
		}
	case kindLogged, kindAll, kindRoles:
		key := globalKey(sub.collection(), sub.event)
		gs := h.globalShard(key)
		gs.mu.Lock()
		if set := gs.m[key]; set != nil {
			set.remove(s)
			if len(set) == 0 {
				delete(gs.m, key)
			}
		}
		gs.mu.Unlock()
	}
}

// watchPresence adds or removes s as a watcher of the users' presence.
func (h *hub) watchPresence(s *session, uids []string, add bool) {
	for _, uid := range uids {
		ps := h.presenceShard(uid)
		ps.mu.Lock()
		set := ps.m[uid]
		if add {
			if set == nil {
				set = make(sessionSet)
				ps.m[uid] = set
			}
			set[s] = 1
		} else if set != nil {
			delete(set, s)
			if len(set) == 0 {
				delete(ps.m, uid)
			}
		}
		ps.mu.Unlock()
	}
}

// removeSession drops every subscription of s (the connection closed).
func (h *hub) removeSession(s *session) {
	subs, watched := s.takeAllSubs(false)
	for _, sub := range subs {
		h.unindex(s, sub)
	}
	h.watchPresence(s, watched, false)
	if uid := s.userID(); uid != "" {
		h.userLoggedOut(s, uid)
	}
}

// --- delivery (hot paths) ---

// sendBatch defers starting sessions' writers to the end of a batch of
// events, so that the frames one commit produces for a connection (a
// message's room event and its rooms-changed event) go out in one write
// instead of one write(2) each. It belongs to the goroutine handling
// the events. A nil *sendBatch sends at once.
type sendBatch struct {
	kick   []*session // sessions whose writer is to start, in queueing order
	frames int        // frames queued since the last flush
}

// maxBatchFrames is how many frames a batch queues before its writers are
// started anyway: enough for a message and its room change to 10,000
// members to go together, few enough to bound the wait.
const maxBatchFrames = 32 << 10

func (b *sendBatch) send(s *session, frame []byte) {
	if b == nil {
		s.send(frame)
		return
	}
	b.frames++
	if s.enqueue(frame) {
		b.kick = append(b.kick, s)
	}
}

// flush starts the writers of the sessions that got frames.
func (b *sendBatch) flush() {
	for i, s := range b.kick {
		s.kick()
		b.kick[i] = nil
	}
	b.kick, b.frames = b.kick[:0], 0
}

// roomListeners reports whether anyone on this instance listens to the
// room's messages directly or through __my_messages__.
func (h *hub) roomListeners(rid string) (direct, my bool) {
	rs := h.roomShard(rid)
	rs.mu.RLock()
	defer rs.mu.RUnlock()
	if re := rs.m[rid]; re != nil {
		return len(re.messages) > 0, len(re.my) > 0
	}
	return false, false
}

// deliverRoomMessages queues frame to the room's message subscribers and
// myFrame to the members listening to __my_messages__.
func (h *hub) deliverRoomMessages(out *sendBatch, rid string, frame, myFrame []byte) {
	rs := h.roomShard(rid)
	rs.mu.RLock()
	defer rs.mu.RUnlock()
	re := rs.m[rid]
	if re == nil {
		return
	}
	if frame != nil {
		for s := range re.messages {
			out.send(s, frame)
		}
	}
	if myFrame != nil {
		for s := range re.my {
			out.send(s, myFrame)
		}
	}
}

// hasRoomNotify reports whether anyone listens to <rid>/<event>.
func (h *hub) hasRoomNotify(rid, event string) bool {
	rs := h.roomShard(rid)
	rs.mu.RLock()
	defer rs.mu.RUnlock()
	if re := rs.m[rid]; re != nil {
		return len(re.notify[event]) > 0
	}
	return false
}

// deliverRoomNotify queues frame to the subscribers of <rid>/<event>,
// except those skip rejects.
func (h *hub) deliverRoomNotify(out *sendBatch, rid, event string, frame []byte, skip func(*session) bool) {
	rs := h.roomShard(rid)
	rs.mu.RLock()
	defer rs.mu.RUnlock()
	re := rs.m[rid]
	if re == nil {
		return
	}
	for s := range re.notify[event] {
		if skip == nil || !skip(s) {
			out.send(s, frame)
		}
	}
}

// deliverRoomsChanged queues a <uid>/rooms-changed frame, built by frameFor
// once per user, to every member session listening to it.
func (h *hub) deliverRoomsChanged(out *sendBatch, rid string, frameFor func(uid string) []byte) {
	rs := h.roomShard(rid)
	rs.mu.RLock()
	defer rs.mu.RUnlock()
	re := rs.m[rid]
	if re == nil || len(re.roomsChanged) == 0 {
		return
	}
	frames := make(map[string][]byte, len(re.roomsChanged))
	for s := range re.roomsChanged {
		uid := s.userID()
		if uid == "" {
			continue
		}
		f, ok := frames[uid]
		if !ok {
			f = frameFor(uid)
			frames[uid] = f
		}
		if f != nil {
			out.send(s, f)
		}
	}
}

// hasUserNotify reports whether anyone listens to <uid>/<event>.
func (h *hub) hasUserNotify(uid, event string) bool {
	sh := h.userShard(uid)
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	if e := sh.m[uid]; e != nil {
		return len(e.notify[event]) > 0
	}
	return false
}

// deliverUserNotify queues frame to the subscribers of <uid>/<event>.
func (h *hub) deliverUserNotify(out *sendBatch, uid, event string, frame []byte) {
	sh := h.userShard(uid)
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	if e := sh.m[uid]; e != nil {
		for s := range e.notify[event] {
			out.send(s, frame)
		}
	}
}

// hasGlobal reports whether anyone listens to a logged/all event.
func (h *hub) hasGlobal(collection, event string) bool {
	key := globalKey(collection, event)
	gs := h.globalShard(key)
	gs.mu.RLock()
	defer gs.mu.RUnlock()
	return len(gs.m[key]) > 0
}

// deliverGlobal queues frame to the subscribers of a logged/all event.
func (h *hub) deliverGlobal(out *sendBatch, collection, event string, frame []byte) {
	key := globalKey(collection, event)
	gs := h.globalShard(key)
	gs.mu.RLock()
	defer gs.mu.RUnlock()
	for s := range gs.m[key] {
		out.send(s, frame)
	}
}

// hasPresenceWatchers reports whether anyone watches uid's presence.
func (h *hub) hasPresenceWatchers(uid string) bool {
	ps := h.presenceShard(uid)
	ps.mu.RLock()
	defer ps.mu.RUnlock()
	return len(ps.m[uid]) > 0
}

// deliverPresence queues frame to the watchers of uid's presence.
func (h *hub) deliverPresence(out *sendBatch, uid string, frame []byte) {
	ps := h.presenceShard(uid)
	ps.mu.RLock()
	defer ps.mu.RUnlock()
	for s := range ps.m[uid] {
		out.send(s, frame)
	}
}
