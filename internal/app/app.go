package app

import (
	"io"
	"liftoff/jobs"
	"log/slog"
	"net/http"

	"liftoff/access"
	"liftoff/auth"
	"liftoff/auth/external"
	"liftoff/auth/secondfactor"
	"liftoff/bus"
	"liftoff/chat"
	"liftoff/directory"
	"liftoff/e2ee"
	"liftoff/files/avatars"
	"liftoff/files/emoji"
	"liftoff/files/uploads"
	"liftoff/ignore"
	"liftoff/instances"
	"liftoff/integrations"
	"liftoff/integrations/slash"
	"liftoff/internal/clock"
	"liftoff/internal/safehttp"
	"liftoff/invites"
	"liftoff/notify/account"
	"liftoff/notify/notifier"
	"liftoff/notify/prefs"
	"liftoff/ops"
	"liftoff/realtime"
	"liftoff/receipts"
	"liftoff/settings"
	"liftoff/store"
	"liftoff/userstatus"

	"github.com/prometheus/client_golang/prometheus"
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
	store    database
	chat     *chat.Services
	settings *settings.Registry
	batches  prometheus.Histogram // group commit sizes (/metrics)
	auth     *auth.Service
	// directory runs the user and room searches (spotlight, directory).
	directory *directory.Service
	// userStatus keeps the custom user statuses.
	userStatus *userstatus.Service
	// e2ee runs the end-to-end encryption key exchange.
	e2ee *e2ee.Service
	// invites keeps the invitation links to rooms; perms is the permission
	// checker the chat services share.
	invites *invites.Service
	// ignores keeps whom members ignore in their rooms.
	ignores *ignore.Service
	perms   *access.Checker
	// receipts keeps messages' unread flags and read receipts.
	receipts *receipts.Service
	// instances lists the deployment's instances (instances.get);
	// instanceInfo is this one's, announced to the others.
	instances    *instances.Service
	instanceInfo instances.Info
	// account sends and redeems account e-mails (set by
	// startNotifications; its DDP methods are registered by mountRealtime).
	account  *account.Service
	prefs    *prefs.Service
	notifier *notifier.Notifier
	// uploads is the files service (nil for CLI commands).
	uploads *uploads.Service
	// avatarFiles stores and serves uploaded avatars (nil for CLI commands).
	avatarFiles *avatars.Service
	second      *secondfactor.Service
	ldap        *external.LDAP
	oauth       *external.OAuth
	saml        *external.SAML
	// emoji is the custom emoji service (nil for CLI commands).
	emoji *emoji.Service
	// realtime is the DDP server, set by mountRealtime (nil for CLI commands).
	realtime *realtime.Server
	// handler serves every HTTP route; health reports readiness (both nil
	// for CLI commands).
	handler http.Handler
	health  *ops.Health
	// integrations is the webhooks service; outbound the SSRF-safe client
	// of every user-chosen URL (both nil for CLI commands).
	integrations *integrations.Service
	outbound     *safehttp.Client
	commands     *slash.Service
	// jobs is the one durable job queue: every feature (notifications,
	// account e-mails, outgoing webhooks) registers its kinds' handlers on
	// it before runJobs starts its workers (nil for CLI commands).
	jobs *jobs.Queue
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
func (a *App) Store() store.Store { return a.store }

// storeKind names the database backend, for the logs.
func (a *App) storeKind() string {
	if a.cfg.DatabaseURL != "" {
		return "postgres"
	}
	return "sqlite"
}

// busKind names the event bus, for the logs.
func (a *App) busKind() string {
	if a.cfg.NATSURL != "" {
		return "nats"
	}
	return "memory"
}
