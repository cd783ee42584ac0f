package clock

import (
	"testing"
	"time"
)

func TestAdjustableNow(t *testing.T) {
	c := NewAdjustable()
	before := time.Now()
	got := c.Now()
	if got.Before(before.Add(-time.Second)) || got.After(time.Now().Add(time.Second)) {
		t.Fatalf("Now %v is not the system time %v", got, before)
	}
	c.Advance(time.Hour)
	if later := c.Now(); later.Sub(got) < time.Hour {
		t.Fatalf("after Advance(1h): %v, before %v", later, got)
	}
	a := c.Now()
	c.Advance(time.Millisecond)
	if b := c.Now(); b.Sub(a) < time.Millisecond {
		t.Fatalf("Advance(1ms) gave %v after %v", b, a)
	}
	c.Advance(-time.Hour)
	if b := c.Now(); b.Before(a) {
		t.Fatal("the clock went back")
	}
}

// wait fails the test unless ch delivers within a deadline.
func wait(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: timer did not fire", what)
	}
}

func TestAdjustableTimers(t *testing.T) {
	c := NewAdjustable()

	// Advance fires the timers it passes, and only those.
	fired := make(chan struct{}, 1)
	c.AfterFunc(time.Hour, func() { fired <- struct{}{} })
	late := make(chan struct{}, 1)
	lateTimer := c.AfterFunc(3*time.Hour, func() { late <- struct{}{} })
	c.Advance(30 * time.Minute)
	select {
	case <-fired:
		t.Fatal("fired before its time")
	default:
	}
	c.Advance(31 * time.Minute)
	wait(t, fired, "advanced past the deadline")
	if !lateTimer.Stop() {
		t.Fatal("Stop of a pending timer reported false")
	}
	c.Advance(5 * time.Hour)
	select {
	case <-late:
		t.Fatal("a stopped timer fired")
	default:
	}
	if lateTimer.Stop() {
		t.Fatal("second Stop reported true")
	}

	// Without Advance, a timer fires when its time comes.
	real := make(chan struct{}, 1)
	tm := c.AfterFunc(5*time.Millisecond, func() { real <- struct{}{} })
	wait(t, real, "real time")
	if tm.Stop() {
		t.Fatal("Stop after firing reported true")
	}
}

func TestSystem(t *testing.T) {
	c := System()
	if d := time.Since(c.Now()); d < 0 || d > time.Second {
		t.Fatalf("system Now off by %v", d)
	}
	done := make(chan struct{}, 1)
	c.AfterFunc(time.Millisecond, func() { done <- struct{}{} })
	wait(t, done, "system")
}
