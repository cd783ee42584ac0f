package chat

import (
	"errors"
	"slices"
	"sync"

	"liftoff/model"
)

// roomRulesCache keeps, per room, what SendMessage checks before posting
// (type, read-only, archived, discussion parent, encryption, muted and unmuted users), so that posting
// does not read and decode the whole room (with its last message) from the
// store for every message: that read was about 5% of the server's CPU in
// the chat benchmark.
//
// The cache is never trusted on its own: storeNewMessage compares the
// cached rules with the room it reads inside the transaction and, when
// they differ (or the room is gone), writes nothing and returns
// errStaleRules, after which SendMessage drops the entry and runs again on
// a fresh read. A refusal based on a cached entry is likewise re-checked
// on a fresh read. So no change to a room, by this process or another one
// writing the same database, needs to invalidate the cache.
type roomRulesCache struct {
	mu sync.RWMutex
	m  map[string]*model.Room
}

// roomRulesMax bounds the entries; the cache starts over when full.
const roomRulesMax = 4096

// errStaleRules reports that a cached room's rules no longer match the
// stored room.
var errStaleRules = errors.New("chat: cached room rules are stale")

// get returns the cached rules of the room, or nil. The room returned
// holds only the fields samePostRules compares, and must not be modified.
func (c *roomRulesCache) get(id string) *model.Room {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.m[id]
}

// put caches the rules of r, as read from the store, and returns them.
func (c *roomRulesCache) put(r *model.Room) *model.Room {
	rules := &model.Room{ID: r.ID, Type: r.Type, ReadOnly: r.ReadOnly, Archived: r.Archived, ParentRoomID: r.ParentRoomID, Encrypted: r.Encrypted,
		Muted: slices.Clone(r.Muted), Unmuted: slices.Clone(r.Unmuted)}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= roomRulesMax {
		c.m = make(map[string]*model.Room)
	}
	c.m[r.ID] = rules
	return rules
}

func (c *roomRulesCache) drop(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, id)
}

// samePostRules reports whether two versions of a room have the same rules
// for SendMessage's checks (checkSend, CanAccessRoom, checkCanPost).
func samePostRules(a, b *model.Room) bool {
	return a.ID == b.ID && a.Type == b.Type && a.ReadOnly == b.ReadOnly && a.Archived == b.Archived && a.ParentRoomID == b.ParentRoomID &&
		a.Encrypted == b.Encrypted && slices.Equal(a.Muted, b.Muted) && slices.Equal(a.Unmuted, b.Unmuted)
}
