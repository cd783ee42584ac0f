package access

import (
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"liftoff/access/perm"
	"liftoff/model"
)

// table is an immutable snapshot of the permission table. Readers load it
// atomically and never lock; writers build a new one and swap it in.
type table struct {
	roles map[string]map[string]struct{} // permission id -> role set
	perms map[string]*model.Permission   // permission id -> private copy
}

// Checker resolves permissions against an in-memory copy of the permission
// table. It is safe for concurrent use. Checks are lock-free (one atomic load
// and a few map look-ups), because they run on every request; changes copy
// the table, which is fine because permissions change rarely.
//
// The zero Checker denies everything until Set is called.
type Checker struct {
	mu  sync.Mutex // serialises writers
	cur atomic.Pointer[table]
}

// NewChecker returns a Checker loaded with perms.
func NewChecker(perms []*model.Permission) *Checker {
	c := &Checker{}
	c.Set(perms)
	return c
}

// Set replaces the whole permission table with perms. Nil entries are
// ignored; when an id repeats, the last entry wins. Set keeps copies, so the
// caller may reuse perms afterwards.
func (c *Checker) Set(perms []*model.Permission) {
	t := &table{
		roles: make(map[string]map[string]struct{}, len(perms)),
		perms: make(map[string]*model.Permission, len(perms)),
	}
	for _, p := range perms {
		if p != nil {
			t.put(p)
		}
	}
	c.mu.Lock()
	c.cur.Store(t)
	c.mu.Unlock()
}

// Update adds p to the table or replaces the permission with p's id, as when
// an administrator changes a permission's roles at runtime. A nil p or one
// without an id is ignored.
func (c *Checker) Update(p *model.Permission) {
	if p == nil || p.ID == "" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.cur.Load()
	t := &table{}
	if old == nil {
		t.roles = make(map[string]map[string]struct{}, 1)
		t.perms = make(map[string]*model.Permission, 1)
	} else {
		// The inner role sets and permission copies are never mutated after
		// being published, so the new table may share them.
		t.roles = make(map[string]map[string]struct{}, len(old.roles)+1)
		t.perms = make(map[string]*model.Permission, len(old.perms)+1)
		for k, v := range old.roles {
			t.roles[k] = v
		}
		for k, v := range old.perms {
			t.perms[k] = v
		}
	}
	t.put(p)
	c.cur.Store(t)
}

// put stores a private copy of p in t, which must not be published yet.
func (t *table) put(p *model.Permission) {
	cp := &model.Permission{ID: p.ID, Roles: slices.Clone(p.Roles), UpdatedAt: p.UpdatedAt}
	if cp.Roles == nil {
		cp.Roles = []string{}
	}
	set := make(map[string]struct{}, len(cp.Roles))
	for _, r := range cp.Roles {
		set[r] = struct{}{}
	}
	t.roles[p.ID] = set
	t.perms[p.ID] = cp
}

// Has reports whether user holds permission. The user's global roles always
// count; when sub is not nil (a check scoped to sub's room), the room roles on
// the subscription count too. A nil user, and a permission not in the table,
// are denied.
func (c *Checker) Has(user *model.User, sub *model.Subscription, permission perm.ID) bool {
	if user == nil {
		return false
	}
	t := c.cur.Load()
	if t == nil {
		return false
	}
	return t.granted(user, sub, string(permission))
}

// HasAny reports whether user holds at least one of perms (false for none).
func (c *Checker) HasAny(user *model.User, sub *model.Subscription, perms ...perm.ID) bool {
	if user == nil {
		return false
	}
	t := c.cur.Load()
	if t == nil {
		return false
	}
	for _, p := range perms {
		if t.granted(user, sub, string(p)) {
			return true
		}
	}
	return false
}

// HasAll reports whether user holds every one of perms. Like Rocket.Chat's
// hasAllPermission, it is true for an empty list only when user is not nil.
func (c *Checker) HasAll(user *model.User, sub *model.Subscription, perms ...perm.ID) bool {
	if user == nil {
		return false
	}
	t := c.cur.Load()
	if t == nil {
		return len(perms) == 0
	}
	for _, p := range perms {
		if !t.granted(user, sub, string(p)) {
			return false
		}
	}
	return true
}

// granted applies the resolution rule against one snapshot.
func (t *table) granted(user *model.User, sub *model.Subscription, permission string) bool {
	set, ok := t.roles[permission]
	if !ok || len(set) == 0 {
		return false
	}
	for _, r := range user.Roles {
		if _, ok := set[r]; ok {
			return true
		}
	}
	if sub != nil {
		for _, r := range sub.Roles {
			if _, ok := set[r]; ok {
				return true
			}
		}
	}
	return false
}

// Roles returns a copy of the roles holding permission, or nil when the
// permission is not in the table.
func (c *Checker) Roles(permission perm.ID) []string {
	t := c.cur.Load()
	if t == nil {
		return nil
	}
	p, ok := t.perms[string(permission)]
	if !ok {
		return nil
	}
	return slices.Clone(p.Roles)
}

// All returns copies of every permission in the table, sorted by id.
func (c *Checker) All() []*model.Permission {
	t := c.cur.Load()
	if t == nil {
		return []*model.Permission{}
	}
	out := make([]*model.Permission, 0, len(t.perms))
	for _, p := range t.perms {
		out = append(out, &model.Permission{ID: p.ID, Roles: slices.Clone(p.Roles), UpdatedAt: p.UpdatedAt})
	}
	slices.SortFunc(out, func(a, b *model.Permission) int { return strings.Compare(a.ID, b.ID) })
	return out
}
