package api

import (
	"context"
	"errors"
	"liftoff/clientaddr"
	"log/slog"
	"net/http"
	"sync"
	"time"

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
	mounts   []string          // path prefixes the server answers (Mounts)
	declared map[string]*route // every declared route by name
	cfg      Config
	version  string
	methods  MethodInvoker // nil: no method.call bridges
	patterns []string      // every registered route, "METHOD /path"
	limiter  *rateLimiter  // Rocket.Chat's REST rate limiter (ratelimit.go)
	// avatarFiles serves uploaded avatars (nil: generated ones only).
	avatarFiles AvatarFiles
	// statsArchive keeps statistics snapshots (nil: none are kept).
	statsArchive StatisticsArchive
	// twoFactor checks second factors (nil: no route asks for one).
	twoFactor TwoFactor
	ldap      LDAP
	// loginServices lists sign-in services (nil: no such routes).
	loginServices LoginServices
}

// SetAvatarFiles makes /avatar/... serve uploaded avatars through f. Call
// it before the server serves its first request.
func (s *Server) SetAvatarFiles(f AvatarFiles) { s.avatarFiles = f }

// SetStatistics gives the server the statistics archive (statistics.list,
// statistics?refresh=true).
func (s *Server) SetStatistics(a StatisticsArchive) { s.statsArchive = a }

// Config holds the REST API's own settings.
type Config struct {
	// MaxBodyBytes bounds request bodies (1 MiB when 0).
	MaxBodyBytes int64
	// Version is the Rocket.Chat API version reported by /api/info.
	Version string
	// ClientAddr tells a request's client address (behind trusted
	// proxies, from their headers): the key of the rate limits and the
	// address given to logins.
	ClientAddr clientaddr.Resolver
	// DevMode is Rocket.Chat's NODE_ENV=development: the REST rate limiter
	// then also needs API_Enable_Rate_Limiter_Dev.
	DevMode bool
	// Now is the clock of rate-limit windows and the times in answers
	// (time.Now when nil).
	Now func() time.Time
	// CreateTokensSecret is Rocket.Chat's CREATE_TOKENS_FOR_USERS_SECRET:
	// users.createToken answers only calls that carry it (never when empty).
	CreateTokensSecret string
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
	// TwoFactor checks the second factor of sensitive calls (optional).
	TwoFactor TwoFactor
	// LDAP serves the ldap.* admin endpoints (optional).
	LDAP LDAP
	// LoginServices lists the OAuth services for settings.oauth and
	// service.configurations (optional).
	LoginServices LoginServices
	Logger        *slog.Logger
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
	s := &Server{
		accounts: d.Accounts, rooms: d.Rooms, members: d.Members, messages: d.Messages, teams: d.Teams, admin: d.Admin,
		auth: d.Auth, settings: d.Settings, log: d.Logger, mux: http.NewServeMux(), cfg: cfg, version: cfg.Version,
		twoFactor: d.TwoFactor, ldap: d.LDAP, loginServices: d.LoginServices, methods: d.Methods, limiter: newRateLimiter(), mounts: []string{"/api/"},
	}
	s.routes(s.Router())
	s.mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, M{"success": false, "error": "API endpoint not found: " + r.URL.Path})
	})
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

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
// otherwise says so in its declaration (Status).
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
	if e.Bare {
		// Rocket.Chat's API.v1.failure('text') and plain JavaScript
		// errors carry no errorType: the text is the whole answer.
		delete(body, "errorType")
	}
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

// clientIP is the caller's address (see clientaddr.Resolver.Addr).
func (s *Server) clientIP(r *http.Request) string { return s.cfg.ClientAddr.Addr(r) }
