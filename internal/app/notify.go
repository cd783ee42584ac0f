package app

import (
	"liftoff/api"
	"liftoff/notify/notifyapi"
	"liftoff/notify/prefs"
)

// mountNotifications declares the notification endpoints (preferences) on
// the REST router.
func (a *App) mountNotifications(rt *api.Router) {
	notifyapi.PreferenceRoutes(rt, prefs.New(a.store, a.chat.Admin, a.opts.Clock.Now))
}
