package linkpreview

import (
	"context"
	"sync"
	"time"
)

// Entry is what is known of a URL (Rocket.Chat's OEmbedCache data).
type Entry struct {
	Meta      map[string]string `json:"meta"`
	Headers   Headers           `json:"headers"`
	UpdatedAt time.Time         `json:"updatedAt"`
}

// Cache keeps entries by URL. Implementations must be safe for concurrent
// use; the previewer ignores entries older than
// API_EmbedCacheExpirationDays.
type Cache interface {
	Get(ctx context.Context, url string) (Entry, bool, error)
	Put(ctx context.Context, url string, e Entry) error
}

// MemoryCache is a Cache in memory that keeps at most Max entries (oldest
// out first).
type MemoryCache struct {
	Max int

	mu      sync.Mutex
	entries map[string]Entry
	order   []string
}

// NewMemoryCache makes a cache of at most max entries.
func NewMemoryCache(max int) *MemoryCache {
	return &MemoryCache{Max: max, entries: map[string]Entry{}}
}

// Get returns the entry for url.
func (c *MemoryCache) Get(_ context.Context, url string) (Entry, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[url]
	return e, ok, nil
}

// Put stores the entry for url.
func (c *MemoryCache) Put(_ context.Context, url string, e Entry) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[url]; !ok {
		c.order = append(c.order, url)
	}
	c.entries[url] = e
	for c.Max > 0 && len(c.order) > c.Max {
		delete(c.entries, c.order[0])
		c.order = c.order[1:]
	}
	return nil
}

// DeleteBefore removes the entries last updated before t (Rocket.Chat's
// OEmbedCacheCleanup) and returns how many went.
func (c *MemoryCache) DeleteBefore(t time.Time) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	kept := c.order[:0]
	n := 0
	for _, u := range c.order {
		if c.entries[u].UpdatedAt.Before(t) {
			delete(c.entries, u)
			n++
			continue
		}
		kept = append(kept, u)
	}
	c.order = kept
	return n
}
