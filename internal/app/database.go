package app

import (
	"liftoff/e2ee"
	"liftoff/federation/matrix/links"
	"liftoff/invites"
	"liftoff/jobs"
	"liftoff/moderation"
	"liftoff/notify/devices"
	"liftoff/receipts"
	"liftoff/statistics"
	"liftoff/store"
	"liftoff/store/postgres"
	"liftoff/store/sqlite"
	"liftoff/userstatus"
)

// database is what a storage backend offers the application: the core
// store and the stores the feature packages declare for themselves. Both
// backends implement all of it, which the compiler checks below; a feature
// with its own records adds its store interface here.
type database interface {
	store.Store
	userstatus.Store
	invites.Store
	receipts.Store
	moderation.Store
	statistics.Store
	store.Integrations
	jobs.Store
	devices.Store
	e2ee.KeyStore
	links.Store
}

var (
	_ database = (*sqlite.DB)(nil)
	_ database = (*postgres.DB)(nil)
)
