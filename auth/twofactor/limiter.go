package twofactor

import (
	"sync"
	"time"
)

// Limiter blocks a user's second-factor checks after repeated failures, as
// Liftoff's password limiter blocks logins: MaxFailures wrong codes within
// Block block the user for Block; every further block while the failures go
// on doubles, up to MaxBlock, so that guessing a 6-digit code (three of a
// million valid at any moment with MaxDelta 1) stays hopeless. A success
// resets the user. It is safe for concurrent use and in memory: behind a
// proxy, each instance limits on its own, which multiplies the allowance by
// the number of instances and no more.
type Limiter struct {
	MaxFailures int           // failures that trigger a block (default 5)
	Block       time.Duration // first block (default 5 minutes)
	MaxBlock    time.Duration // longest block (default 24 hours)

	mu    sync.Mutex
	users map[string]*limitState
}

type limitState struct {
	failures     int
	first        time.Time
	blocks       int
	blockedUntil time.Time
}

// NewLimiter returns a Limiter with the given allowance; zero values take
// the defaults. Block_Multiple_Failed_Logins_Attempts_Until_Block_by_User
// and ..._Time_To_Unblock_By_User_In_Minutes are natural sources.
func NewLimiter(maxFailures int, block time.Duration) *Limiter {
	return &Limiter{MaxFailures: maxFailures, Block: block, users: make(map[string]*limitState)}
}

func (l *Limiter) limits() (int, time.Duration, time.Duration) {
	n, b, m := l.MaxFailures, l.Block, l.MaxBlock
	if n <= 0 {
		n = 5
	}
	if b <= 0 {
		b = 5 * time.Minute
	}
	if m <= 0 {
		m = 24 * time.Hour
	}
	return n, b, m
}

// BlockedUntil returns the end of the user's block, or the zero time when
// the user may try a code now.
func (l *Limiter) BlockedUntil(userID string, now time.Time) time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	if s, ok := l.users[userID]; ok && now.Before(s.blockedUntil) {
		return s.blockedUntil
	}
	return time.Time{}
}

// Fail records a wrong code.
func (l *Limiter) Fail(userID string, now time.Time) {
	n, block, maxBlock := l.limits()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.users == nil {
		l.users = make(map[string]*limitState)
	}
	s, ok := l.users[userID]
	if !ok {
		s = &limitState{first: now}
		l.users[userID] = s
	}
	// A quiet period as long as the longest block forgets past blocks.
	if now.Sub(s.first) > block && !now.Before(s.blockedUntil) {
		s.failures, s.first = 0, now
		if now.Sub(s.blockedUntil) > maxBlock {
			s.blocks = 0
		}
	}
	s.failures++
	if s.failures >= n {
		d := block << min(s.blocks, 20)
		if d > maxBlock || d <= 0 {
			d = maxBlock
		}
		s.blockedUntil = now.Add(d)
		s.blocks++
		s.failures, s.first = 0, now
	}
	if len(l.users) > 100_000 {
		for k, v := range l.users {
			if now.Sub(v.blockedUntil) > maxBlock && now.Sub(v.first) > block {
				delete(l.users, k)
			}
		}
	}
}

// Reset forgets the user's failures after a correct code.
func (l *Limiter) Reset(userID string) {
	l.mu.Lock()
	delete(l.users, userID)
	l.mu.Unlock()
}
