// Package app wires the server together: it opens the data directory,
// builds the store, the bus and the services, bootstraps the database, and
// mounts the REST API, the realtime (DDP) server, health and metrics on one
// http.Handler. cmd/liftoff uses it to serve on a socket (Serve), the admin
// and backup commands to reach the database (Open), and
// internal/testserver to run whole servers inside the test process behind
// httptest (New, Handler), with a clock the test controls (Options.Clock).
//
// The configuration (Config) is read here once, from flags, the
// environment and defaults, and validated before anything starts; no
// other package reads the environment.
package app
