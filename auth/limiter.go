package auth

import (
	"sync"
	"time"
)

// failureLimiter blocks a key (a username or an address) after too many
// failed attempts within a window, until the block expires. It is the
// in-memory form of Rocket.Chat's Block_Multiple_Failed_Logins settings.
type failureLimiter struct {
	mu    sync.Mutex
	state map[string]*failures
}

type failures struct {
	count        int
	first        time.Time
	blockedUntil time.Time
}

func newFailureLimiter() *failureLimiter {
	return &failureLimiter{state: make(map[string]*failures)}
}

// blocked reports whether key is blocked at now.
func (l *failureLimiter) blocked(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	f, ok := l.state[key]
	return ok && now.Before(f.blockedUntil)
}

// fail records a failure; after max failures within block, key is blocked
// for block. It also drops stale entries so the map cannot grow forever.
func (l *failureLimiter) fail(key string, now time.Time, max int, block time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f, ok := l.state[key]
	if !ok || now.Sub(f.first) > block && now.After(f.blockedUntil) {
		f = &failures{first: now}
		l.state[key] = f
	}
	f.count++
	if max > 0 && f.count >= max {
		f.blockedUntil = now.Add(block)
		f.count = 0
		f.first = now
	}
	if len(l.state) > 100_000 {
		for k, v := range l.state {
			if now.After(v.blockedUntil) && now.Sub(v.first) > block {
				delete(l.state, k)
			}
		}
	}
}

// reset forgets key's failures (after a successful login).
func (l *failureLimiter) reset(key string) {
	l.mu.Lock()
	delete(l.state, key)
	l.mu.Unlock()
}
