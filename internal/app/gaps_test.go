package app

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"liftoff/bus"
)

func TestStaleCachesReloadOnGlobalGaps(t *testing.T) {
	s := &staleCaches{log: slog.New(slog.DiscardHandler)}
	s.onGap(bus.Gap{Stream: "", After: 1, Next: 3}) // before the services exist: ignored

	var reloads atomic.Int32
	release := make(chan struct{})
	s.setReload(func(context.Context) error {
		if reloads.Add(1) == 1 {
			<-release // the first reload is slow
		}
		return nil
	})
	done := make(chan struct{})
	s.mu.Lock()
	s.done = done
	s.mu.Unlock()

	s.onGap(bus.Gap{Stream: "room1", After: 1, Next: 5}) // a room's gap: no reload
	s.onGap(bus.Gap{Stream: "", After: 3, Next: 5})      // starts a reload
	s.onGap(bus.Gap{Stream: "", After: 7, Next: 9})      // during it: one more after
	s.onGap(bus.Gap{Stream: "", After: 9, Next: 12})     // coalesced with the previous
	close(release)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("reloads did not finish")
	}
	if n := reloads.Load(); n != 2 {
		t.Fatalf("%d reloads, want 2 (one, then one for the gaps reported during it)", n)
	}
}
