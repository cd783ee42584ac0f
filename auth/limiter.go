package auth

import (
	"context"
	"sync"
	"time"
)

// FailureCounter counts failed logins per key (a username or a client
// address) and blocks a key after too many failures within a window, until
// the block expires: Rocket.Chat's Block_Multiple_Failed_Logins settings.
// The Service keeps one for usernames and one for addresses; by default in
// memory, shared by the instances of a cluster with
// auth/loginlimit.
type FailureCounter interface {
	// Blocked reports whether key is blocked at now.
	Blocked(ctx context.Context, key string, now time.Time) (bool, error)
	// Fail records a failure at now; after max failures within block, key
	// is blocked for block.
	Fail(ctx context.Context, key string, now time.Time, max int, block time.Duration) error
	// Reset forgets key's failures (after a successful login).
	Reset(ctx context.Context, key string) error
}

// Failures is the state of one key of a FailureCounter.
type Failures struct {
	Count        int       `json:"count"`
	First        time.Time `json:"first"`
	BlockedUntil time.Time `json:"blockedUntil"`
}

// Stale reports whether the state no longer matters at now for a block
// duration: no block in force and the window of its first failure over.
func (f Failures) Stale(now time.Time, block time.Duration) bool {
	return now.Sub(f.First) > block && now.After(f.BlockedUntil)
}

// NextFailure is the state after one more failure at now: a stale state
// starts over; the max-th failure within the window blocks the key for
// block and starts a new count.
func NextFailure(f Failures, now time.Time, max int, block time.Duration) Failures {
	if f.First.IsZero() || f.Stale(now, block) {
		f = Failures{First: now, BlockedUntil: f.BlockedUntil}
	}
	f.Count++
	if max > 0 && f.Count >= max {
		f.BlockedUntil = now.Add(block)
		f.Count = 0
		f.First = now
	}
	return f
}

// failureLimiter is the in-memory FailureCounter of one instance.
type failureLimiter struct {
	mu    sync.Mutex
	state map[string]Failures
}

func newFailureLimiter() *failureLimiter {
	return &failureLimiter{state: make(map[string]Failures)}
}

func (l *failureLimiter) Blocked(_ context.Context, key string, now time.Time) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f, ok := l.state[key]
	return ok && now.Before(f.BlockedUntil), nil
}

// Fail also drops stale entries so the map cannot grow forever.
func (l *failureLimiter) Fail(_ context.Context, key string, now time.Time, max int, block time.Duration) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.state[key] = NextFailure(l.state[key], now, max, block)
	if len(l.state) > 100_000 {
		for k, v := range l.state {
			if v.Stale(now, block) {
				delete(l.state, k)
			}
		}
	}
	return nil
}

func (l *failureLimiter) Reset(_ context.Context, key string) error {
	l.mu.Lock()
	delete(l.state, key)
	l.mu.Unlock()
	return nil
}
