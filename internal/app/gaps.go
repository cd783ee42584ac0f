package app

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"liftoff/bus"
)

// staleCaches reloads the settings and permissions caches when the NATS bus
// reports events missing from the global stream: an instance cut off from
// NATS for longer than the stream keeps events has missed setting and
// permission changes, and its caches would stay wrong until the next
// change. Reloads run on their own goroutine, one at a time (the bus calls
// onGap on its receiving goroutine, which must not wait); gaps reported
// during a reload cause one more afterwards. Gaps in a room's stream need
// nothing here: nothing of a room is cached without being re-checked in
// the write transaction; the clients' catch-up is theirs (docs/scaling.md).
type staleCaches struct {
	log *slog.Logger

	mu      sync.Mutex
	reload  func(context.Context) error // nil until the services exist
	running bool
	again   bool
	done    chan struct{} // closed when a run ends (tests)
}

func (s *staleCaches) setReload(f func(context.Context) error) {
	s.mu.Lock()
	s.reload = f
	s.mu.Unlock()
}

func (s *staleCaches) onGap(g bus.Gap) {
	if g.Stream != "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.reload == nil {
		return // still starting: the caches are about to be loaded anyway
	}
	if s.running {
		s.again = true
		return
	}
	s.running = true
	go s.run(s.reload)
}

func (s *staleCaches) run(reload func(context.Context) error) {
	for {
		s.log.Warn("reloading the settings and permissions caches: events of the global stream were missed")
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		if err := reload(ctx); err != nil {
			s.log.Error("reload caches after missed events", "err", err)
		}
		cancel()
		s.mu.Lock()
		if !s.again {
			s.running = false
			if s.done != nil {
				close(s.done)
				s.done = nil
			}
			s.mu.Unlock()
			return
		}
		s.again = false
		s.mu.Unlock()
	}
}
