package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"liftoff/access"
	"liftoff/api"
	"liftoff/auth"
	"liftoff/bus"
	"liftoff/chat"
	"liftoff/model"
	"liftoff/ops"
	"liftoff/realtime"
	"liftoff/settings"
	"liftoff/store/sqlite"
	"liftoff/webui"
)

// app is every long-lived part of a running server, wired together.
type app struct {
	log   *slog.Logger
	bus   bus.Bus
	store *sqlite.DB
	chat  *chat.Service
	auth  *auth.Service
	// realtime is the DDP server, set by mountRealtime (nil for CLI commands).
	realtime *realtime.Server
}

func newLogger(c *Config) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}

// openApp opens the data directory and builds the services (no network).
func openApp(ctx context.Context, c *Config, log *slog.Logger) (*app, error) {
	if err := os.MkdirAll(c.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	opts := sqlite.Options{Synchronous: c.Synchronous, Logger: log}
	if c.bulkWrites {
		opts.Synchronous = "NORMAL"
		opts.WriteCacheMiB = 512
		opts.CheckpointPages = 20000
	}
	b := bus.NewMemory(0)
	st, err := sqlite.Open(ctx, c.dbPath(), func(events []model.Event) {
		// Called on the store's writer goroutine in commit order; the bus
		// applies back-pressure rather than dropping events.
		if err := b.Publish(context.Background(), events...); err != nil {
			log.Error("publish events", "err", err)
		}
	}, opts)
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("open database: %w", err)
	}
	reg := settings.NewRegistry(settings.Defaults())
	perms := access.NewChecker(access.DefaultPermissions())
	authSvc := auth.NewService(st, reg, auth.Options{BcryptCost: c.BcryptCost})
	chatSvc := chat.New(chat.Deps{Store: st, Permissions: perms, Settings: reg, Logger: log,
		HashPassword: func(pw string) (string, error) { return auth.HashPassword(pw, c.BcryptCost) }})
	chatSvc.SetEvents(b)
	return &app{log: log, bus: b, store: st, chat: chatSvc, auth: authSvc}, nil
}

func (a *app) close() {
	if err := a.store.Close(); err != nil {
		a.log.Error("close database", "err", err)
	}
	a.bus.Close()
}

func serve(ctx context.Context, args []string) error {
	c, err := loadConfig(args)
	if err != nil {
		return err
	}
	log := newLogger(c)
	a, err := openApp(ctx, c, log)
	if err != nil {
		return err
	}
	defer a.close()

	unsubscribe := a.bus.Subscribe("caches", a.chat.ApplyEvent)
	defer unsubscribe()
	var admin *chat.NewUserInput
	if c.AdminUsername != "" {
		admin = &chat.NewUserInput{Username: c.AdminUsername, Password: c.AdminPass, Email: c.AdminEmail, Name: c.AdminName}
	}
	if err := a.chat.Bootstrap(ctx, chat.BootstrapInput{RootURL: c.RootURL, Overrides: settings.Overrides(os.Environ()), Admin: admin}); err != nil {
		return err
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics := ops.NewMetrics(reg)
	health := ops.NewHealth(func(ctx context.Context) error {
		_, err := a.store.SettingByID(ctx, "Site_Url")
		return err
	})

	rest := api.New(api.Deps{Chat: a.chat, Auth: a.auth, Logger: log, Methods: methodBridge{a}}, api.Config{MaxBodyBytes: c.MaxBodyBytes, TrustProxy: c.TrustProxy, DevMode: os.Getenv("NODE_ENV") == "development"})
	mux := http.NewServeMux()
	mux.Handle("/api/", rest)
	mux.Handle("/avatar/", rest)
	mux.HandleFunc("GET /livez", health.Live)
	mux.HandleFunc("GET /readyz", health.Ready)
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.Handle("/", webui.Handler()) // the web client; every path no other route claims
	extra, err := a.mountRealtime(ctx, c, mux)
	if err != nil {
		return err
	}
	defer extra()

	if pa := os.Getenv("LIFTOFF_PPROF_ADDR"); pa != "" {
		stopPprof, err := startPprof(pa, log)
		if err != nil {
			return err
		}
		defer stopPprof()
	}

	addr := net.JoinHostPort(c.Bind, strconv.Itoa(c.Port))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           ops.Middleware(log, metrics, mux),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	health.SetReady(true)
	log.Info("liftoff listening", "addr", ln.Addr().String(), "root_url", c.RootURL, "data", c.DataDir, "version", version)

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	health.SetReady(false)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Error("shutdown", "err", err)
	}
	return nil
}
