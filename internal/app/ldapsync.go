package app

import (
	"context"
	"sync"
	"time"

	"liftoff/internal/clock"
)

// ldapSyncCheck is how often the background sync looks at its settings
// while LDAP_Background_Sync is off.
const ldapSyncCheck = time.Minute

// startLDAPSync runs the LDAP background sync every
// LDAP_Background_Sync_Interval while LDAP_Enable and LDAP_Background_Sync
// are on (settings read before each pass). It returns the function that
// stops it.
func (a *App) startLDAPSync() func() {
	var mu sync.Mutex
	stopped := false
	var timer clock.Timer
	ctx, cancel := context.WithCancel(context.Background())
	var schedule func(d time.Duration)
	run := func() {
		next := ldapSyncCheck
		if every, on := a.ldap.BackgroundSync(); on {
			if _, err := a.ldap.Sync(ctx); err != nil {
				a.log.Warn("ldap background sync", "err", err)
			}
			next = every
		}
		schedule(next)
	}
	schedule = func(d time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		if !stopped {
			timer = a.opts.Clock.AfterFunc(d, run)
		}
	}
	schedule(ldapSyncCheck)
	return func() {
		mu.Lock()
		stopped = true
		if timer != nil {
			timer.Stop()
		}
		mu.Unlock()
		cancel()
	}
}
