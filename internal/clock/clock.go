// Package clock is the server's time source: the system clock in
// production and, in tests, an Adjustable clock that follows real time
// plus an offset the test moves forward instead of sleeping. Every time
// the server records or compares with a recorded time (message and
// tombstone timestamps, token expiry, rate-limit windows, the presence
// grace period) comes from one Clock given to internal/app; network
// timeouts (DDP heartbeats, HTTP deadlines) stay on the system clock,
// because they measure the peer, not the data.
package clock

import (
	"sync"
	"time"
)

// Clock tells the time and runs functions later.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// AfterFunc calls f on its own goroutine once d has passed, unless
	// the returned Timer is stopped first.
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is a pending call made by Clock.AfterFunc.
type Timer interface {
	// Stop prevents the call, reporting whether it was still pending.
	Stop() bool
}

// System returns the system clock.
func System() Clock { return systemClock{} }

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

func (systemClock) AfterFunc(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }

// Adjustable is a clock for tests: it follows the system's monotonic
// clock plus an offset that Advance increases, so a test can make time
// pass at once (to get a strictly later timestamp, to end a grace period
// or a rate-limit window) without sleeping. It never goes back. Timers
// fire when their time comes, whether by waiting or by Advance. It is
// safe for concurrent use.
type Adjustable struct {
	start time.Time // system time at creation, with its monotonic reading

	mu     sync.Mutex
	offset time.Duration
	timers map[*adjustableTimer]struct{}
}

// NewAdjustable returns a clock that reads the system time until advanced.
func NewAdjustable() *Adjustable {
	return &Adjustable{start: time.Now(), timers: map[*adjustableTimer]struct{}{}}
}

// Now returns the system time plus every Advance so far.
func (c *Adjustable) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nowLocked()
}

// nowLocked derives the time from the monotonic clock, so a change of
// the system's wall clock does not move it; the result carries no
// monotonic reading, so it compares by its wall time like a stored time.
func (c *Adjustable) nowLocked() time.Time {
	return c.start.Add(time.Since(c.start) + c.offset).Round(0)
}

// Advance moves the clock forward by d (ignored unless positive) and runs
// the timers whose time has come, each on its own goroutine. Every time
// read after Advance returns is at least d later than any read before.
func (c *Adjustable) Advance(d time.Duration) {
	if d <= 0 {
		return
	}
	c.mu.Lock()
	c.offset += d
	now := c.nowLocked()
	var due []func()
	for t := range c.timers {
		if left := t.deadline.Sub(now); left > 0 {
			t.real.Reset(left)
			continue
		}
		t.real.Stop()
		delete(c.timers, t)
		due = append(due, t.f)
	}
	c.mu.Unlock()
	for _, f := range due {
		go f()
	}
}

// AfterFunc calls f once the clock reaches Now()+d.
func (c *Adjustable) AfterFunc(d time.Duration, f func()) Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &adjustableTimer{c: c, f: f, deadline: c.nowLocked().Add(d)}
	c.timers[t] = struct{}{}
	t.real = time.AfterFunc(d, t.fire)
	return t
}

type adjustableTimer struct {
	c        *Adjustable
	f        func()
	deadline time.Time
	real     *time.Timer // fires when the deadline comes without Advance
}

// fire runs on the real timer's goroutine. The timer may have been
// stopped or fired by Advance meanwhile.
func (t *adjustableTimer) fire() {
	c := t.c
	c.mu.Lock()
	if _, pending := c.timers[t]; !pending {
		c.mu.Unlock()
		return
	}
	if left := t.deadline.Sub(c.nowLocked()); left > 0 {
		t.real.Reset(left)
		c.mu.Unlock()
		return
	}
	delete(c.timers, t)
	c.mu.Unlock()
	t.f()
}

// Stop cancels the call unless it already ran or started.
func (t *adjustableTimer) Stop() bool {
	c := t.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, pending := c.timers[t]; !pending {
		return false
	}
	delete(c.timers, t)
	t.real.Stop()
	return true
}
