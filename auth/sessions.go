package auth

import (
	"slices"
	"sync"
	"time"

	"liftoff/model"
)

// Sessions caches, per login token, the token and the user it
// authenticates, so that an authenticated REST request or DDP resume
// login reads nothing from the database once the token has been seen.
//
// Entries are dropped when anything that decides authentication is
// written: the stores emit model.AuthChanged from every write of a user's
// record (active flag, roles, profile, last login), of a password and of
// tokens, and model.UserDeleted / model.LoginTokensRemoved are honoured
// too. The application hands each commit's events to Apply synchronously,
// before the writing call returns (so a logout is effective for the next
// request on this instance), and the bus's events from other instances as
// they arrive. A fill that raced with an invalidation is not kept (the
// generation check in put), and entries older than the TTL are read again,
// bounding what a missed cross-instance event could leave behind.
//
// The user returned is a shallow copy: callers may set its fields, but
// must not modify the maps it shares with the cache (custom fields,
// preferences), as with any value read from the store's caches.
type Sessions struct {
	ttl time.Duration
	max int
	now func() time.Time

	mu     sync.Mutex
	gen    uint64
	byHash map[string]*sessionEntry
	byUser map[string]map[string]struct{}
}

type sessionEntry struct {
	tok  model.Token
	user *model.User
	at   time.Time
}

// Default bounds of a Sessions cache.
const (
	DefaultSessionTTL = time.Minute
	DefaultSessionMax = 200_000
)

// NewSessions returns an empty cache keeping entries for ttl at most
// (DefaultSessionTTL when 0) and holding max tokens at most
// (DefaultSessionMax when 0).
func NewSessions(ttl time.Duration, max int) *Sessions {
	if ttl <= 0 {
		ttl = DefaultSessionTTL
	}
	if max <= 0 {
		max = DefaultSessionMax
	}
	return &Sessions{ttl: ttl, max: max, now: time.Now, byHash: map[string]*sessionEntry{}, byUser: map[string]map[string]struct{}{}}
}

// get returns the cached token and user for hash (copies), or nil; gen is
// the generation to pass to put after reading the database on a miss.
func (c *Sessions) get(hash string) (tok *model.Token, u *model.User, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.byHash[hash]
	if e == nil {
		return nil, nil, c.gen
	}
	if c.now().Sub(e.at) > c.ttl {
		c.dropLocked(hash, e.tok.UserID)
		return nil, nil, c.gen
	}
	t, cu := e.tok, *e.user
	return &t, &cu, c.gen
}

// put keeps the token and user read from the database, unless an
// invalidation happened since the generation gen was read.
func (c *Sessions) put(gen uint64, tok *model.Token, u *model.User) {
	cu := *u
	cu.Roles = slices.Clip(cu.Roles)
	cu.Emails = slices.Clip(cu.Emails)
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if _, ok := c.byHash[tok.Hash]; !ok && len(c.byHash) >= c.max {
		for h, e := range c.byHash { // evict one arbitrary entry
			c.dropLocked(h, e.tok.UserID)
			break
		}
	}
	c.byHash[tok.Hash] = &sessionEntry{tok: *tok, user: &cu, at: c.now()}
	hs := c.byUser[tok.UserID]
	if hs == nil {
		hs = map[string]struct{}{}
		c.byUser[tok.UserID] = hs
	}
	hs[tok.Hash] = struct{}{}
}

func (c *Sessions) dropLocked(hash, userID string) {
	delete(c.byHash, hash)
	if hs := c.byUser[userID]; hs != nil {
		delete(hs, hash)
		if len(hs) == 0 {
			delete(c.byUser, userID)
		}
	}
}

// Invalidate drops every cached token of the user (when userID is not
// empty) and the tokens with the given hashes.
func (c *Sessions) Invalidate(userID string, hashes ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	if userID != "" {
		for h := range c.byUser[userID] {
			delete(c.byHash, h)
		}
		delete(c.byUser, userID)
	}
	for _, h := range hashes {
		if e := c.byHash[h]; e != nil {
			c.dropLocked(h, e.tok.UserID)
		}
	}
}

// Clear drops every entry (after events may have been missed).
func (c *Sessions) Clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.byHash)
	clear(c.byUser)
}

// Len returns the number of cached tokens.
func (c *Sessions) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.byHash)
}

// Apply drops the entries the events make stale.
func (c *Sessions) Apply(events []model.Event) {
	for _, e := range events {
		c.ApplyEvent(e)
	}
}

// ApplyEvent drops the entries the event makes stale (a bus handler).
func (c *Sessions) ApplyEvent(e model.Event) {
	switch ev := e.(type) {
	case model.AuthChanged:
		c.Invalidate(ev.UserID, ev.Hashes...)
	case *model.AuthChanged:
		c.Invalidate(ev.UserID, ev.Hashes...)
	case model.LoginTokensRemoved:
		c.Invalidate(ev.UserID, ev.Hashes...)
	case *model.LoginTokensRemoved:
		c.Invalidate(ev.UserID, ev.Hashes...)
	case model.UserDeleted:
		c.Invalidate(ev.UserID)
	case *model.UserDeleted:
		c.Invalidate(ev.UserID)
	case model.UserChanged:
		if ev.User != nil {
			c.Invalidate(ev.User.ID)
		}
	case *model.UserChanged:
		if ev.User != nil {
			c.Invalidate(ev.User.ID)
		}
	}
}
