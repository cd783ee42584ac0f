package api

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"liftoff/auth"
	"liftoff/chat"
	"liftoff/model"
)

// Server serves the REST API.
type Server struct {
	chat     *chat.Service
	auth     *auth.Service
	log      *slog.Logger
	mux      *http.ServeMux
	cfg      Config
	version  string
	methods  MethodInvoker // nil: no method.call bridges
	patterns []string      // every registered route, "METHOD /path"
	limiter  *rateLimiter  // Rocket.Chat's REST rate limiter (ratelimit.go)
}

// Config holds the REST API's own settings.
type Config struct {
	// MaxBodyBytes bounds request bodies (1 MiB when 0).
	MaxBodyBytes int64
	// Version is the Rocket.Chat API version reported by /api/info.
	Version string
	// TrustProxy makes the client address come from X-Forwarded-For.
	TrustProxy bool
	// DevMode is Rocket.Chat's NODE_ENV=development: the REST rate limiter
	// then also needs API_Enable_Rate_Limiter_Dev.
	DevMode bool
	// Now is the clock of rate-limit windows and the times in answers
	// (time.Now when nil).
	Now func() time.Time
}

// Deps are the services the API calls.
type Deps struct {
	Chat   *chat.Service
	Auth   *auth.Service
	Logger *slog.Logger
	// Methods runs realtime methods for method.call and method.callAnon
	// (optional: without it those endpoints do not exist).
	Methods MethodInvoker
}

// New returns the REST API with every route registered.
func New(d Deps, cfg Config) *Server {
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = 1 << 20
	}
	if cfg.Version == "" {
		cfg.Version = "8.8.1"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	s := &Server{chat: d.Chat, auth: d.Auth, log: d.Logger, mux: http.NewServeMux(), cfg: cfg, version: cfg.Version, methods: d.Methods, limiter: newRateLimiter()}
	s.routes()
	s.mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, M{"success": false, "error": "API endpoint not found: " + r.URL.Path})
	})
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Handler is what a route does: return a payload (rendered with
// "success": true) or an error (rendered as an error envelope).
type Handler func(r *Request) (any, error)

// access levels of routes.
type access int

const (
	public access = iota // anyone
	authed               // a logged-in user
)

// rawResponse is a payload written as is, without "success" (login/logout).
type rawResponse struct {
	status int
	body   any
}

func (s *Server) handle(methods, name string, level access, h Handler) {
	for _, m := range strings.Split(methods, ",") {
		pattern := m + " /api/v1/" + name
		s.mux.HandleFunc(pattern, s.wrap(level, h, s.limiter.route(name)))
		s.patterns = append(s.patterns, pattern)
	}
}

// Routes lists the REST endpoints the server registered, as "METHOD /path"
// patterns ("POST /api/v1/chat.postMessage"); path parameters keep their
// {name} form. Tests enumerate the API with it.
func (s *Server) Routes() []string { return slices.Clone(s.patterns) }

func (s *Server) get(name string, level access, h Handler)  { s.handle("GET", name, level, h) }
func (s *Server) post(name string, level access, h Handler) { s.handle("POST", name, level, h) }

// wrap turns a handler into the route's HTTP handler: authentication, the
// body, the rate limiter (rl; nil when the route has none), then h.
func (s *Server) wrap(level access, h Handler, rl *routeLimiter) http.HandlerFunc {
	return func(w http.ResponseWriter, hr *http.Request) {
		r := &Request{ctx: hr.Context(), HTTP: hr, query: hr.URL.Query(), srv: s}
		user, token, err := s.authenticate(hr)
		if err != nil || (level == authed && user == nil) {
			writeJSON(w, http.StatusUnauthorized, M{"status": "error", "message": "You must be logged in to do this."})
			return
		}
		r.User, r.Token = user, token
		if err := r.readBody(s.cfg.MaxBodyBytes); err != nil {
			s.writeError(w, hr, err)
			return
		}
		if rl != nil {
			var caller *model.User
			if level == authed {
				caller = user
			}
			if !s.enforceRateLimit(w, hr, rl, caller) {
				return
			}
		}
		out, err := h(r)
		if err != nil {
			s.writeError(w, hr, err)
			return
		}
		switch v := out.(type) {
		case rawResponse:
			writeJSON(w, v.status, v.body)
		case M:
			v["success"] = true
			writeJSON(w, http.StatusOK, v)
		case nil:
			writeJSON(w, http.StatusOK, M{"success": true})
		default:
			writeJSON(w, http.StatusOK, v)
		}
	}
}

// authenticate reads X-User-Id/X-Auth-Token (or the rc_uid/rc_token
// cookies). No credentials: anonymous (nil user, nil error). Bad ones: error.
func (s *Server) authenticate(r *http.Request) (*model.User, string, error) {
	uid, token := r.Header.Get("X-User-Id"), r.Header.Get("X-Auth-Token")
	if uid == "" && token == "" {
		if c, err := r.Cookie("rc_uid"); err == nil {
			uid = c.Value
		}
		if c, err := r.Cookie("rc_token"); err == nil {
			token = c.Value
		}
	}
	if uid == "" && token == "" {
		return nil, "", nil
	}
	u, err := s.auth.Authenticate(r.Context(), uid, token)
	if err != nil {
		return nil, "", err
	}
	return u, token, nil
}

// writeError renders err in Rocket.Chat's error envelope.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	e, ok := model.AsError(err)
	if !ok {
		if errors.Is(err, context.Canceled) {
			return // the client went away
		}
		s.log.ErrorContext(r.Context(), "request failed", "path", r.URL.Path, "err", err)
		writeJSON(w, http.StatusInternalServerError, M{"success": false, "error": "Internal server error", "errorType": "error-internal"})
		return
	}
	status := http.StatusBadRequest
	switch e.Type {
	case "error-not-allowed", "error-action-not-allowed", "unauthorized", "error-unauthorized",
		"error-not-authorized", "not-authorized", "error-no-permission-team-channel":
		// Every refusal for want of a permission answers 403.
		status = http.StatusForbidden
	case "error-request-too-large":
		status = http.StatusRequestEntityTooLarge
	case "error-too-many-requests":
		status = http.StatusTooManyRequests
	}
	body := M{"success": false, "error": e.Error(), "errorType": e.Type}
	if e.Type == "unauthorized" {
		body = M{"success": false, "error": "unauthorized"}
	}
	if e == errNotFound {
		status, body = http.StatusNotFound, M{"success": false, "error": "Resource not found"}
	}
	if e.Details != nil {
		body["details"] = e.Details
	}
	writeJSON(w, status, body)
}

// errNotFound is Rocket.Chat's API.v1.notFound(): 404 "Resource not found".
var errNotFound = model.Bare("not-found")

func writeJSON(w http.ResponseWriter, status int, v any) {
	bp := jsonBuffers.Get().(*[]byte)
	b, err := appendJSON((*bp)[:0], v)
	if err == nil {
		b = append(b, '\n') // as json.Encoder ends its output
	} else {
		status = http.StatusInternalServerError
		b = append(b[:0], `{"success":false,"error":"Internal server error"}`...)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
	if cap(b) <= maxPooledBuffer {
		*bp = b
		jsonBuffers.Put(bp)
	}
}

// jsonBuffers recycles writeJSON's buffers (a history page is ≈ 18 KB);
// buffers grown past maxPooledBuffer are left to the collector.
var jsonBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

const maxPooledBuffer = 256 << 10

// clientIP is the caller's address (X-Forwarded-For's first hop when the
// server is configured to trust a proxy).
func (s *Server) clientIP(r *http.Request) string {
	if s.cfg.TrustProxy {
		if f := r.Header.Get("X-Forwarded-For"); f != "" {
			return strings.TrimSpace(strings.Split(f, ",")[0])
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
