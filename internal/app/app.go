package app

import (
	"io"
	"log/slog"
	"net/http"

	"liftoff/auth"
	"liftoff/auth/external"
	"liftoff/auth/secondfactor"
	"liftoff/bus"
	"liftoff/chat"
	"liftoff/internal/clock"
	"liftoff/ops"
	"liftoff/realtime"
	"liftoff/settings"
	"liftoff/store/sqlite"
)

// Options are what the process, or a test, gives an App beside its
// configuration.
type Options struct {
	// Clock is the time source of every part of the server (the system
	// clock when nil); tests move it forward instead of sleeping.
	Clock clock.Clock
	// LogOutput receives the log lines (os.Stderr when nil).
	LogOutput io.Writer
	// Version is reported in the start-up log line.
	Version string
}

// App is every long-lived part of a running server, wired together.
type App struct {
	cfg      *Config
	opts     Options
	log      *slog.Logger
	bus      bus.Bus
	store    *sqlite.DB
	chat     *chat.Services
	settings *settings.Registry
	auth     *auth.Service
	second   *secondfactor.Service
	ldap     *external.LDAP
	oauth    *external.OAuth
	saml     *external.SAML
	// realtime is the DDP server, set by mountRealtime (nil for CLI commands).
	realtime *realtime.Server
	// handler serves every HTTP route; health reports readiness (both nil
	// for CLI commands).
	handler http.Handler
	health  *ops.Health
	// closers run in reverse order on Close.
	closers []func()
}

// Handler serves every route of the server: the REST API, the realtime
// endpoints, health and metrics.
func (a *App) Handler() http.Handler { return a.handler }

// Chat is the domain service (for the admin commands).
func (a *App) Chat() *chat.Services { return a.chat }

// Auth is the authentication service (for the admin commands).
func (a *App) Auth() *auth.Service { return a.auth }

// Store is the database (for the admin and backup commands).
func (a *App) Store() *sqlite.DB { return a.store }
