package pending

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Errors of a Store.
var (
	// ErrNotFound: no live value under the key (never stored, taken,
	// deleted or expired).
	ErrNotFound = errors.New("pending: not found or expired")
	// ErrExists: Put found a live value under the key.
	ErrExists = errors.New("pending: key already in use")
	// ErrFull: the store holds as many live values as it may.
	ErrFull = errors.New("pending: too many pending entries")
)

// Store keeps short-lived values. Implementations must be safe for
// concurrent use, and Take must be atomic: of two concurrent Takes of one
// key, one gets the value and the other ErrNotFound.
type Store interface {
	// Put stores value under key until ttl has passed. It returns ErrExists
	// when the key holds a live value.
	Put(ctx context.Context, key string, value []byte, ttl time.Duration) error
	// Get returns the live value under key, or ErrNotFound.
	Get(ctx context.Context, key string) ([]byte, error)
	// Take returns the live value under key and removes it, or ErrNotFound.
	Take(ctx context.Context, key string) ([]byte, error)
	// Delete removes key; removing a missing key is not an error.
	Delete(ctx context.Context, key string) error
}

// DefaultMaxEntries bounds a Memory store, so that a flood of started and
// never finished sign-ins cannot exhaust the server's memory.
const DefaultMaxEntries = 100_000

// Memory is a Store in the memory of one process.
type Memory struct {
	mu      sync.Mutex
	entries map[string]entry
	now     func() time.Time
	max     int
	puts    int
}

type entry struct {
	value   []byte
	expires time.Time
}

// NewMemory returns an empty in-memory Store holding at most max live
// entries (DefaultMaxEntries when max <= 0). now replaces the clock in
// tests (nil: time.Now).
func NewMemory(max int, now func() time.Time) *Memory {
	if max <= 0 {
		max = DefaultMaxEntries
	}
	if now == nil {
		now = time.Now
	}
	return &Memory{entries: make(map[string]entry), now: now, max: max}
}

// Put implements Store.
func (m *Memory) Put(_ context.Context, key string, value []byte, ttl time.Duration) error {
	if ttl <= 0 {
		return errors.New("pending: a value needs a positive lifetime")
	}
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if e, ok := m.entries[key]; ok && now.Before(e.expires) {
		return ErrExists
	}
	m.puts++
	if len(m.entries) >= m.max || m.puts%1024 == 0 {
		m.sweep(now)
		if len(m.entries) >= m.max {
			return ErrFull
		}
	}
	m.entries[key] = entry{value: append([]byte(nil), value...), expires: now.Add(ttl)}
	return nil
}

// sweep drops expired entries; m.mu is held.
func (m *Memory) sweep(now time.Time) {
	for k, e := range m.entries {
		if !now.Before(e.expires) {
			delete(m.entries, k)
		}
	}
}

// Get implements Store.
func (m *Memory) Get(_ context.Context, key string) ([]byte, error) {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.entries[key]
	if !ok || !now.Before(e.expires) {
		return nil, ErrNotFound
	}
	return append([]byte(nil), e.value...), nil
}

// Take implements Store.
func (m *Memory) Take(_ context.Context, key string) ([]byte, error) {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.entries[key]
	if !ok {
		return nil, ErrNotFound
	}
	delete(m.entries, key)
	if !now.Before(e.expires) {
		return nil, ErrNotFound
	}
	return e.value, nil
}

// Delete implements Store.
func (m *Memory) Delete(_ context.Context, key string) error {
	m.mu.Lock()
	delete(m.entries, key)
	m.mu.Unlock()
	return nil
}

// Len returns the number of entries held, expired ones included until the
// next sweep (tests, metrics).
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.entries)
}
