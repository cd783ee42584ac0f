package app

import (
	"context"
)

// runJobs starts the workers of the shared job queue (a.jobs), once every
// feature has registered its kinds: one poller and one worker pool claim
// the jobs of every kind, whichever feature enqueued them. They stop, and
// finish the handlers in flight, when the app closes (before the store).
func (a *App) runJobs() {
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := a.jobs.Run(ctx); err != nil {
			a.log.Error("job queue stopped", "err", err)
		}
	}()
	a.closers = append(a.closers, func() { stop(); <-done })
}
