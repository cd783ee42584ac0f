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

	"liftoff/model"
)

// Server serves the REST API.
type Server struct {
	accounts Accounts
	rooms    Rooms
	members  Members
	messages Messages
	teams    Teams
	admin    Admin
	auth     Authenticator
	settings Settings
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
}

// Deps are the services the API calls. All but Methods and Logger are
// required.
type Deps struct {
	Accounts Accounts
	Rooms    Rooms
	Members  Members
	Messages Messages
	Teams    Teams
	Admin    Admin
	Auth     Authenticator
	Settings Settings
	Logger   *slog.Logger
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
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	s := &Server{
		accounts: d.Accounts, rooms: d.Rooms, members: d.Members, messages: d.Messages, teams: d.Teams, admin: d.Admin,
		auth: d.Auth, settings: d.Settings, log: d.Logger, mux: http.NewServeMux(), cfg: cfg, version: cfg.Version,
		methods: d.Methods, limiter: newRateLimiter(),
	}
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

// route is one registered endpoint and what its declaration says about
// it: who may call it, its rate limiter, and how its errors render.
type route struct {
	name    string // the path below /api/v1/, e.g. "chat.postMessage"
	level   access
	handler Handler
	limiter *routeLimiter // nil when the route is never limited
	// method is the Rocket.Chat server method behind the route, named in
	// the details of the errors that name their method (the route's name
	// when empty).
	method string
	// statuses overrides the status of some kinds of errors, for routes
	// where Rocket.Chat answers differently from statusOfKind.
	statuses map[model.Kind]int
}

// routeOption adjusts a route's declaration.
type routeOption func(*route)

// withMethod names the Rocket.Chat server method behind the route, for
// the errors whose details name their method.
func withMethod(name string) routeOption { return func(rt *route) { rt.method = name } }

// statusFor makes the route answer errors of kind with status.
func statusFor(kind model.Kind, status int) routeOption {
	return func(rt *route) {
		if rt.statuses == nil {
			rt.statuses = map[model.Kind]int{}
		}
		rt.statuses[kind] = status
	}
}

func (s *Server) handle(methods, name string, level access, h Handler, opts ...routeOption) {
	rt := &route{name: name, level: level, handler: h}
	for _, o := range opts {
		o(rt)
	}
	rt.limiter = s.limiter.route(name)
	for _, m := range strings.Split(methods, ",") {
		pattern := m + " /api/v1/" + name
		s.mux.HandleFunc(pattern, s.wrap(rt))
		s.patterns = append(s.patterns, pattern)
	}
}

// Routes lists the REST endpoints the server registered, as "METHOD /path"
// patterns ("POST /api/v1/chat.postMessage"); path parameters keep their
// {name} form. Tests enumerate the API with it.
func (s *Server) Routes() []string { return slices.Clone(s.patterns) }

func (s *Server) get(name string, level access, h Handler, opts ...routeOption) {
	s.handle("GET", name, level, h, opts...)
}

func (s *Server) post(name string, level access, h Handler, opts ...routeOption) {
	s.handle("POST", name, level, h, opts...)
}

// wrap turns a route into its HTTP handler: authentication, the body, the
// rate limiter, then the route's handler.
func (s *Server) wrap(rt *route) http.HandlerFunc {
	return func(w http.ResponseWriter, hr *http.Request) {
		r := &Request{ctx: hr.Context(), HTTP: hr, query: hr.URL.Query(), srv: s}
		user, token, err := s.authenticate(hr)
		if err != nil || (rt.level == authed && user == nil) {
			writeJSON(w, http.StatusUnauthorized, M{"status": "error", "message": "You must be logged in to do this."})
			return
		}
		r.User, r.Token = user, token
		if err := r.readBody(s.cfg.MaxBodyBytes); err != nil {
			s.writeError(w, hr, rt, err)
			return
		}
		if rt.limiter != nil {
			var caller *model.User
			if rt.level == authed {
				caller = user
			}
			if !s.enforceRateLimit(w, hr, rt.limiter, caller) {
				return
			}
		}
		out, err := rt.handler(r)
		if err != nil {
			s.writeError(w, hr, rt, err)
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

// statusOfKind is the HTTP status of each kind of domain error, as
// Rocket.Chat's REST API answers them. Rocket.Chat reports what it cannot
// find or cannot do as a failure (API.v1.failure: 400), so not found and
// conflict answer 400 too; a route whose Rocket.Chat endpoint answers
// otherwise says so in its declaration (statusFor).
var statusOfKind = [...]int{
	model.KindInvalid:         http.StatusBadRequest,
	model.KindNotFound:        http.StatusBadRequest,
	model.KindConflict:        http.StatusBadRequest,
	model.KindForbidden:       http.StatusForbidden,
	model.KindUnauthenticated: http.StatusUnauthorized,
	model.KindTooLarge:        http.StatusRequestEntityTooLarge,
	model.KindRateLimited:     http.StatusTooManyRequests,
}

// errorStatus is the HTTP status of a domain error on route rt (nil: any route).
func errorStatus(rt *route, e *model.Error) int {
	if rt != nil {
		if st, ok := rt.statuses[e.Kind]; ok {
			return st
		}
	}
	if int(e.Kind) < len(statusOfKind) {
		return statusOfKind[e.Kind]
	}
	return http.StatusBadRequest
}

// writeError renders err in Rocket.Chat's error envelope, with the status
// of its kind on route rt.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, rt *route, err error) {
	e, ok := model.AsError(err)
	if !ok {
		if errors.Is(err, context.Canceled) {
			return // the client went away
		}
		s.log.ErrorContext(r.Context(), "request failed", "path", r.URL.Path, "err", err)
		writeJSON(w, http.StatusInternalServerError, M{"success": false, "error": "Internal server error", "errorType": "error-internal"})
		return
	}
	body := M{"success": false, "error": e.Error(), "errorType": e.Type}
	if errors.Is(e, model.ErrUnauthorized) {
		// Rocket.Chat's API.v1.unauthorized(): no errorType.
		body = M{"success": false, "error": "unauthorized"}
	}
	details := e.Details
	if rt != nil {
		method := rt.method
		if method == "" {
			method = rt.name
		}
		details = e.MethodDetails(method)
	}
	if details != nil {
		body["details"] = details
	}
	writeJSON(w, errorStatus(rt, e), body)
}

// notFound is Rocket.Chat's API.v1.notFound(): 404 "Resource not found".
func notFound() rawResponse {
	return rawResponse{http.StatusNotFound, M{"success": false, "error": "Resource not found"}}
}

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
