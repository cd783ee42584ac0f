package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"liftoff/jobs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"liftoff/access"
	"liftoff/api"
	"liftoff/auth"
	"liftoff/auth/external"
	"liftoff/auth/loginlimit"
	"liftoff/auth/oauth"
	"liftoff/auth/pending"
	"liftoff/auth/saml"
	"liftoff/auth/secondfactor"
	"liftoff/bus"
	natsbus "liftoff/bus/nats"
	"liftoff/chat"
	"liftoff/directory"
	"liftoff/directory/directoryapi"
	"liftoff/e2ee"
	"liftoff/e2ee/e2eeapi"
	"liftoff/ignore"
	"liftoff/ignore/ignoreapi"
	"liftoff/instances"
	"liftoff/instances/instancesapi"
	"liftoff/internal/clock"
	"liftoff/invites"
	"liftoff/invites/invitesapi"
	"liftoff/linkpreview"
	"liftoff/linkpreview/previewapi"
	"liftoff/model"
	"liftoff/moderation"
	"liftoff/moderation/moderationapi"
	"liftoff/ops"
	"liftoff/receipts"
	"liftoff/receipts/receiptsapi"
	"liftoff/settings"
	"liftoff/settings/setting"
	"liftoff/statistics"
	"liftoff/store/postgres"
	"liftoff/store/sqlite"
	"liftoff/userstatus"
	"liftoff/userstatus/statusapi"
	"liftoff/webui"
)

func newLogger(c *Config, out io.Writer) *slog.Logger {
	if out == nil {
		out = os.Stderr
	}
	opts := &slog.HandlerOptions{Level: c.LogLevel}
	if c.LogFormat == LogJSON {
		return slog.New(slog.NewJSONHandler(out, opts))
	}
	return slog.New(slog.NewTextHandler(out, opts))
}

// Open opens the data directory and builds the services, without network
// and without bootstrapping: the admin and backup commands use it.
func Open(ctx context.Context, c *Config, o Options) (*App, error) {
	if o.Clock == nil {
		o.Clock = clock.System()
	}
	log := newLogger(c, o.LogOutput)
	if err := os.MkdirAll(c.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	gaps := &staleCaches{log: log}
	// Authenticated sessions, kept current with every commit's events
	// before the writing call returns (and, below, the other instances'
	// events from the bus). An entry lives at most LIFTOFF_SESSION_CHECK,
	// the bound already given for writes by other processes (the CLI)
	// to reach open DDP connections.
	sessions := auth.NewSessions(c.SessionCheck, 0)
	batches := prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "liftoff_store_commit_batch_size",
		Help:    "Update calls committed together by one database transaction (group commit).",
		Buckets: prometheus.ExponentialBuckets(1, 2, 9), // 1 … 256
	})
	b, st, err := openData(ctx, c, o, log, gaps, sessions, batches.Observe)
	if err != nil {
		return nil, err
	}
	reg := settings.NewRegistry(settings.Defaults())
	perms := access.NewChecker(access.DefaultPermissions())
	authOpts := auth.Options{BcryptCost: c.BcryptCost, Now: o.Clock.Now, Logger: log, Sessions: sessions}
	var closers []func()
	if c.NATSURL != "" {
		// Several instances: failed logins count across all of them.
		limits, err := loginlimit.Open(ctx, c.NATSURL, c.NATSPrefix, c.NATSReplicas)
		if err != nil {
			st.Close()
			b.Close()
			return nil, err
		}
		authOpts.UserFailures, authOpts.IPFailures = limits.Counter("user"), limits.Counter("ip")
		closers = append(closers, limits.Close)
	}
	chatSvc := chat.New(chat.Deps{Store: st, Permissions: perms, Settings: reg, Logger: log, Now: o.Clock.Now,
		HashPassword: func(pw string) (string, error) { return auth.HashPassword(pw, c.BcryptCost) }})
	chatSvc.Messages.SetEvents(b)
	gaps.setReload(func(ctx context.Context) error {
		sessions.Clear()
		return chatSvc.Admin.ReloadCaches(ctx)
	})
	second := secondfactor.New(st, reg, o.Clock.Now)
	linker := external.NewLinker(st, chatSvc.Accounts, reg, o.Clock.Now)
	ldapLogin := external.NewLDAP(linker, st, reg, log)
	// Sign-in handshakes live in the database, so that a sign-in started
	// on one instance can finish on another.
	handshakes := external.NewPendingStore(st, o.Clock.Now)
	creds := pending.NewCredentials(handshakes, 0)
	oauthSvc := external.NewOAuth(linker, reg, reg, handshakes, creds, log)
	samlSvc := external.NewSAML(linker, st, reg, handshakes, creds, log)
	authOpts.SecondFactor, authOpts.Directory, authOpts.OAuth, authOpts.SAML = second, ldapLogin, oauthSvc, samlSvc
	authSvc := auth.NewService(st, reg, authOpts)
	return &App{cfg: c, opts: o, log: log, bus: b, store: st, batches: batches, chat: chatSvc, settings: reg, auth: authSvc, closers: closers,
		second: second, ldap: ldapLogin, oauth: oauthSvc, saml: samlSvc, perms: perms}, nil
}

// openData opens the bus and the store the configuration selects: the
// embedded SQLite database with the in-process bus, or PostgreSQL with the
// in-process bus (one instance) or the NATS bus (several instances).
func openData(ctx context.Context, c *Config, o Options, log *slog.Logger, gaps *staleCaches, sessions *auth.Sessions, onBatch func(float64)) (bus.Bus, database, error) {
	batch := func(n int) { onBatch(float64(n)) }
	if c.DatabaseURL != "" {
		return openPostgres(ctx, c, log, gaps, sessions, batch)
	}
	opts := sqlite.Options{Synchronous: c.Synchronous, Logger: log, Now: o.Clock.Now, OnBatch: batch}
	if c.BulkWrites {
		opts.Synchronous = "NORMAL"
		opts.WriteCacheMiB = 512
		opts.CheckpointPages = 20000
	}
	b := bus.NewMemory(0)
	st, err := sqlite.Open(ctx, c.DBPath(), func(events []model.Event) {
		// Called on the store's writer goroutine in commit order, before
		// the writers return; the bus applies back-pressure rather than
		// dropping events.
		sessions.Apply(events)
		if err := b.Publish(context.Background(), events...); err != nil {
			log.Error("publish events", "err", err)
		}
	}, opts)
	if err != nil {
		b.Close()
		return nil, nil, fmt.Errorf("open database: %w", err)
	}
	return b, st, nil
}

// openPostgres opens the bus first (the NATS bus reads the stream from its
// end when it opens, so it must be reading before the store's outbox
// publisher sends anything), then the PostgreSQL store publishing its
// outbox to it.
func openPostgres(ctx context.Context, c *Config, log *slog.Logger, gaps *staleCaches, sessions *auth.Sessions, onBatch func(int)) (bus.Bus, database, error) {
	var b interface {
		bus.Bus
		postgres.Publisher
	}
	if c.NATSURL != "" {
		nb, err := natsbus.Open(ctx, natsbus.Options{URL: c.NATSURL, Prefix: c.NATSPrefix, Replicas: c.NATSReplicas, Logger: log, OnGap: gaps.onGap})
		if err != nil {
			return nil, nil, fmt.Errorf("open NATS bus: %w", err)
		}
		b = nb
	} else {
		b = bus.NewMemory(0)
	}
	st, err := postgres.Open(ctx, c.DatabaseURL, b, postgres.Options{Logger: log, AfterCommit: sessions.Apply, OnBatch: onBatch})
	if err != nil {
		b.Close()
		return nil, nil, fmt.Errorf("open PostgreSQL database: %w", err)
	}
	return b, st, nil
}

// Close stops the realtime server (closing every connection), then closes
// the database and the bus.
func (a *App) Close() {
	for i := len(a.closers) - 1; i >= 0; i-- {
		a.closers[i]()
	}
	a.closers = nil
	if err := a.store.Close(); err != nil {
		a.log.Error("close database", "err", err)
	}
	a.bus.Close()
}

// New opens the data directory, bootstraps it (default settings, roles,
// OVERWRITE_SETTING_* values, the ADMIN_* administrator, #general) and
// builds the HTTP handler with the realtime server: a complete server,
// ready to serve on any listener (Serve, or an httptest.Server with
// Handler). Close releases it.
func New(ctx context.Context, c *Config, o Options) (*App, error) {
	a, err := Open(ctx, c, o)
	if err != nil {
		return nil, err
	}
	if err := a.start(ctx); err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
}

func (a *App) start(ctx context.Context) error {
	c, log := a.cfg, a.log
	unsubscribe := a.bus.Subscribe("caches", a.chat.Admin.ApplyEvent)
	a.closers = append(a.closers, unsubscribe)
	if a.cfg.NATSURL != "" {
		// Writes of other instances reach this one's sessions through the
		// bus (this instance's own are applied at commit, see Open).
		a.closers = append(a.closers, a.bus.Subscribe("sessions", a.auth.Sessions().ApplyEvent))
	}
	var admin *chat.NewUserInput
	if c.AdminUsername != "" {
		admin = &chat.NewUserInput{Username: c.AdminUsername, Password: c.AdminPass, Email: c.AdminEmail, Name: c.AdminName}
	}
	if err := a.chat.Admin.Bootstrap(ctx, chat.BootstrapInput{RootURL: c.RootURL, Overrides: c.SettingOverrides, Admin: admin}); err != nil {
		return err
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), a.batches)
	metrics := ops.NewMetrics(reg)
	health := ops.NewHealth(func(ctx context.Context) error {
		_, err := a.store.SettingByID(ctx, "Site_Url")
		return err
	})

	rest := api.New(api.Deps{
		Accounts: a.chat.Accounts, Rooms: a.chat.Rooms, Members: a.chat.Members, Messages: a.chat.Messages,
		Teams: a.chat.Teams, Admin: a.chat.Admin, Auth: a.auth, TwoFactor: a.second, LDAP: a.ldap, LoginServices: external.LoginServices{OAuth: a.oauth, SAML: a.saml}, Settings: a.settings, Logger: log, Methods: methodBridge{a},
	}, api.Config{MaxBodyBytes: c.MaxBodyBytes, ClientAddr: c.ClientAddr(), DevMode: c.DevMode, Now: a.opts.Clock.Now,
		CreateTokensSecret: c.CreateTokensSecret})
	a.directory = directory.New(directory.Deps{Store: a.store, Permissions: a.chat.Admin, Access: a.chat.Rooms,
		Settings: a.settings, Now: a.opts.Clock.Now})
	directoryapi.Routes(rest.Router(), a.directory)
	directoryapi.LookupRoutes(rest.Router(), a.directory)
	a.userStatus = userstatus.New(a.store, a.chat.Admin, a.opts.Clock.Now, a.bus)
	statusapi.Routes(rest.Router(), a.userStatus)
	a.jobs = jobs.New(a.store, jobs.Options{Logger: log.With("component", "jobs"), Registerer: reg, Now: a.opts.Clock.Now})
	a.e2ee = e2ee.New(e2ee.Deps{Store: a.store, Permissions: a.perms, Settings: a.settings, Events: a.bus,
		Sessions: a.auth, Now: a.opts.Clock.Now})
	e2eeapi.Routes(rest.Router(), a.e2ee)
	host, _ := os.Hostname()
	a.instanceInfo = instances.Info{Host: host, Port: c.Port, PID: os.Getpid(), Version: a.opts.Version, Runtime: runtime.Version(), StartedAt: time.Now()}
	a.instances = instances.New(model.NewID(), a.instanceInfo)
	instancesapi.Routes(rest.Router(), a.instances)
	a.invites = invites.New(a.store, a.perms, inviteRooms{a}, a.settings, a.opts.Clock.Now)
	a.invites.SetEvents(a.bus)
	a.chat.Accounts.SetInviteTokens(a.invites)
	invitesapi.Routes(rest.Router(), a.invites)
	a.receipts = receipts.New(receipts.Deps{Store: a.store, Messages: a.store, Rooms: a.store, Access: a.chat.Rooms,
		Settings: a.settings, Logger: log.With("component", "receipts"), Now: a.opts.Clock.Now})
	a.chat.Members.SetReadReceipts(a.receipts)
	receiptsapi.Routes(rest.Router(), a.receipts)
	a.ignores = ignore.New(a.store, a.opts.Clock.Now)
	ignoreapi.Routes(rest.Router(), a.ignores)
	moderationapi.Routes(rest.Router(), moderation.New(a.store, a.store, moderationMessages{a}, a.opts.Clock.Now))
	if err := a.startIntegrations(ctx, rest); err != nil {
		return err
	}
	previews := linkpreview.New(linkpreview.Options{Client: a.outbound, Settings: previewSettings{a.settings},
		Cache: linkpreview.NewMemoryCache(1000), Logger: log, Version: a.opts.Version, Now: a.opts.Clock.Now})
	previewapi.Routes(rest.Router(), previews, a.chat.Rooms)
	if err := a.startNotifications(rest.Router()); err != nil {
		return err
	}
	a.runJobs()
	if err := a.startMatrix(ctx, rest); err != nil {
		return err
	}
	web := webui.Handler()
	if err := a.startFiles(ctx, rest.Router(), web); err != nil {
		return err
	}
	rest.SetAvatarFiles(a.avatarFiles)
	rest.SetStatistics(statistics.New(a.store, a.chat.Admin))
	mux := http.NewServeMux()
	for _, prefix := range rest.Mounts() {
		mux.Handle(prefix, rest)
	}
	mux.Handle("/_oauth/", oauth.Handler(a.oauth, log))
	mux.Handle("/_saml/", saml.Handler(a.saml, log))
	mux.HandleFunc("GET /livez", health.Live)
	mux.HandleFunc("GET /readyz", health.Ready)
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.Handle("/", web) // the web client; every path no other route claims
	extra, err := a.mountRealtime(ctx, c, mux)
	if err != nil {
		return err
	}
	a.closers = append(a.closers, extra)
	a.closers = append(a.closers, a.startLDAPSync())

	a.handler = ops.Middleware(log, metrics, ops.BodyRate{Grace: c.BodyGrace, MinRate: c.BodyMinRate}.Handler(mux))
	a.health = health
	health.SetReady(true)
	return nil
}

// Serve serves on ln until ctx ends, then stops accepting connections and
// finishes the requests in flight (15 s at most). It starts the profiler
// when the configuration asks for it.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	c, log := a.cfg, a.log
	if c.PprofAddr != "" {
		stopPprof, err := startPprof(c.PprofAddr, log)
		if err != nil {
			return err
		}
		defer stopPprof()
	}

	srv := &http.Server{
		Handler:           a.handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("liftoff listening", "addr", ln.Addr().String(), "root_url", c.RootURL, "data", c.DataDir, "store", a.storeKind(), "bus", a.busKind(), "version", a.opts.Version)

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	a.health.SetReady(false)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Error("shutdown", "err", err)
	}
	return nil
}

// previewSettings reads the settings linkpreview asks for by their ids.
type previewSettings struct{ r *settings.Registry }

func (p previewSettings) Bool(id string) bool     { return p.r.Bool(setting.ID(id)) }
func (p previewSettings) Int(id string) int       { return p.r.Int(setting.ID(id)) }
func (p previewSettings) String(id string) string { return p.r.String(setting.ID(id)) }

// inviteRooms gives package invites the rooms and memberships it needs.
type inviteRooms struct{ a *App }

func (r inviteRooms) RoomByID(ctx context.Context, id string) (*model.Room, error) {
	return r.a.store.RoomByID(ctx, id)
}

func (r inviteRooms) Subscription(ctx context.Context, user *model.User, roomID string) (*model.Subscription, error) {
	return r.a.chat.Members.Subscription(ctx, user, roomID)
}

func (r inviteRooms) AddMembers(ctx context.Context, roomID string, users []*model.User) (*model.Room, error) {
	return r.a.chat.Members.AddMembers(ctx, roomID, users)
}

// moderationMessages gives package moderation the messages and rooms it
// reports on, the caller's access to them, and deletion as a moderator.
type moderationMessages struct{ a *App }

func (m moderationMessages) MessageByID(ctx context.Context, id string) (*model.Message, error) {
	return m.a.store.MessageByID(ctx, id)
}

func (m moderationMessages) RoomByID(ctx context.Context, id string) (*model.Room, error) {
	return m.a.store.RoomByID(ctx, id)
}

func (m moderationMessages) CanAccessRoom(ctx context.Context, user *model.User, room *model.Room) error {
	return m.a.chat.Rooms.CanAccessRoom(ctx, user, room)
}

func (m moderationMessages) DeleteMessage(ctx context.Context, moderator *model.User, messageID string) error {
	return m.a.chat.Messages.DeleteReported(ctx, moderator, messageID)
}
