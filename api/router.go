package api

import (
	"net/http"
	"slices"
	"strings"

	"liftoff/access/perm"
	"liftoff/model"
	"liftoff/settings/setting"
)

// Router is where REST endpoints are declared, Gitea-style: each route
// names its handler and, as options, its guards (who may call it, the
// permission it needs, its rate limit) and how its errors render. Every
// route gets the shared machinery: authentication (X-User-Id and
// X-Auth-Token, or the rc_uid and rc_token cookies), the JSON body, the
// rate limiter, Rocket.Chat's success and error envelopes, and the mapping
// of error kinds to statuses. The built-in endpoints are declared through
// it (routes.go), and so are a capability's own, from its own package:
//
//	func Routes(rt *api.Router, svc *files.Service) {
//		rt.Post("rooms.media/{rid}", upload(svc), api.Permission(perm.ViewDRoom))
//		rt.Get("files.info", info(svc), api.Method("getFile"))
//	}
type Router struct{ s *Server }

// Router returns the router of the server's REST API, to declare more
// endpoints. Declare them before the server serves its first request.
func (s *Server) Router() *Router { return &Router{s: s} }

// Handler is what a route does: return a payload (rendered with
// "success": true when it is an M or nil), a response built by Respond or
// NotFound, or an error (rendered as an error envelope).
type Handler func(r *Request) (any, error)

// Option is a guard or setting declared on a route.
type Option func(*route)

// Public lets anonymous callers in (the user is still authenticated when
// credentials are sent). Routes need a logged-in user by default.
func Public() Option { return func(rt *route) { rt.public = true } }

// Permission refuses callers without the global permission p, before the
// handler reads any parameter, with Rocket.Chat's API.v1.unauthorized()
// (403 {"success":false,"error":"unauthorized"}).
func Permission(p perm.ID) Option { return PermissionOr(p, model.ErrUnauthorized) }

// PermissionOr is Permission with the refusal the route's Rocket.Chat
// endpoint answers instead.
func PermissionOr(p perm.ID, refusal error) Option {
	return func(rt *route) { rt.guards = append(rt.guards, permissionGuard{p, refusal}) }
}

// Method names the Rocket.Chat server method behind the route, which the
// errors the domain marks InMethod name in their details (the route's own
// name by default).
func Method(name string) Option { return func(rt *route) { rt.method = name } }

// Status makes the route answer errors of kind with status, where
// Rocket.Chat's endpoint departs from the default of the kind
// (statusOfKind).
func Status(kind model.Kind, status int) Option {
	return func(rt *route) {
		if rt.statuses == nil {
			rt.statuses = map[model.Kind]int{}
		}
		rt.statuses[kind] = status
	}
}

// StreamBody leaves the request body unread for the handler to stream
// (multipart uploads): r.HTTP.Body is the body as it arrives, and the
// parameter readers see only the query string.
func StreamBody() Option { return func(rt *route) { rt.stream = true } }

// refusedIn400 is Status(model.KindForbidden, 400) for the routes whose
// Rocket.Chat endpoint refuses inside a method or helper (a thrown
// Meteor.Error, answered by API.v1.failure) rather than with
// API.v1.forbidden or the route's permissionsRequired: 400, not 403.
var refusedIn400 = Status(model.KindForbidden, http.StatusBadRequest)

// NoRateLimit exempts the route from the REST rate limiter (Rocket.Chat's
// rateLimiterOptions: false).
func NoRateLimit() Option { return func(rt *route) { rt.rateLimit.off = true } }

// RateLimitCalls makes the route allow the number of calls the setting
// holds per window, instead of API_Enable_Rate_Limiter_Limit_Calls_Default.
func RateLimitCalls(calls setting.ID) Option {
	return func(rt *route) { rt.rateLimit.callsSetting = calls }
}

// Bind adapts a handler that takes its request body decoded into a T (a
// struct with JSON tags): a missing body or one that does not decode
// answers error-invalid-body / error-invalid-params before h runs.
func Bind[T any](h func(r *Request, body *T) (any, error)) Handler {
	return func(r *Request) (any, error) {
		var body T
		if err := r.Decode(&body); err != nil {
			return nil, err
		}
		return h(r, &body)
	}
}

// Get declares a GET endpoint at /api/v1/name (name may hold {param}
// segments, read with r.HTTP.PathValue).
func (rt *Router) Get(name string, h Handler, opts ...Option) { rt.Handle("GET", name, h, opts...) }

// Post declares a POST endpoint at /api/v1/name.
func (rt *Router) Post(name string, h Handler, opts ...Option) { rt.Handle("POST", name, h, opts...) }

// Handle declares an endpoint at /api/v1/name for the HTTP method (several
// methods may be given, comma-separated: "POST,GET").
func (rt *Router) Handle(method, name string, h Handler, opts ...Option) {
	r := &route{name: name, handler: h}
	for _, o := range opts {
		o(r)
	}
	r.limiter = rt.s.limiter.add(r.rateLimit)
	if rt.s.declared == nil {
		rt.s.declared = map[string]*route{}
	}
	rt.s.declared[name] = r
	for _, m := range strings.Split(method, ",") {
		pattern := m + " /api/v1/" + name
		rt.s.mux.HandleFunc(pattern, rt.s.wrap(r))
		rt.s.patterns = append(rt.s.patterns, pattern)
	}
}

// HandleHTTP declares an endpoint outside Rocket.Chat's JSON envelopes
// (avatars, file downloads), as a net/http pattern such as
// "GET /file-upload/{id}/{name}". Its first path segment becomes one of
// the server's Mounts.
func (rt *Router) HandleHTTP(pattern string, h http.HandlerFunc) {
	rt.s.mux.HandleFunc(pattern, h)
	_, path, _ := strings.Cut(pattern, " ")
	if path == "" {
		path = pattern
	}
	seg, _, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	prefix := "/" + seg + "/"
	if !slices.Contains(rt.s.mounts, prefix) {
		rt.s.mounts = append(rt.s.mounts, prefix)
	}
}

// Authenticate returns the user a plain HTTP request (HandleHTTP) carries
// credentials for: headers or the rc_uid and rc_token cookies (nil when it
// carries none or bad ones).
func (rt *Router) Authenticate(r *http.Request) *model.User {
	u, _, err := rt.s.authenticate(r)
	if err != nil {
		return nil
	}
	return u
}

// Routes lists the REST endpoints the server registered, as "METHOD /path"
// patterns ("POST /api/v1/chat.postMessage"); path parameters keep their
// {name} form. Tests enumerate the API with it.
func (s *Server) Routes() []string { return slices.Clone(s.patterns) }

// routeNamed returns the declared route called name, or nil.
func (s *Server) routeNamed(name string) *route { return s.declared[name] }

// Mounts lists the path prefixes the server answers ("/api/", "/avatar/",
// and those of HandleHTTP routes): the HTTP server in front routes them to
// this one.
func (s *Server) Mounts() []string { return slices.Clone(s.mounts) }

// Respond is a response written as is, with the status given and without
// "success" added (Rocket.Chat's login and logout answers, bridges).
func Respond(status int, body any) any { return rawResponse{status, body} }

// NotFound is Rocket.Chat's API.v1.notFound(): 404 "Resource not found".
func NotFound() any { return notFound() }

// Paged renders a list page in Rocket.Chat's shape: the items under key,
// with count (the page's length), offset and total.
func Paged(key string, items any, count int, p model.Page, total int) M {
	return paged(key, items, count, p, total)
}

// rawResponse is a payload written as is, without "success".
type rawResponse struct {
	status int
	body   any
}

// route is one declared endpoint and what its declaration says about it.
type route struct {
	name      string // the path below /api/v1/, e.g. "chat.postMessage"
	public    bool
	stream    bool // the handler reads the body itself
	handler   Handler
	guards    []guard
	rateLimit rateLimitOptions
	limiter   *routeLimiter // nil when the route is never limited
	// method is the Rocket.Chat server method behind the route, named in
	// the details of the errors that name their method (the route's name
	// when empty).
	method string
	// statuses overrides the status of some kinds of errors, for routes
	// where Rocket.Chat answers differently from statusOfKind.
	statuses map[model.Kind]int
}

// guard checks a call before its handler runs.
type guard interface {
	check(s *Server, r *Request) error
}

type permissionGuard struct {
	p       perm.ID
	refusal error
}

func (g permissionGuard) check(s *Server, r *Request) error {
	if s.admin == nil || !s.admin.Can(r.User, g.p) {
		return g.refusal
	}
	return nil
}

// wrap turns a route into its HTTP handler: authentication, the body, the
// rate limiter, the guards, then the route's handler.
func (s *Server) wrap(rt *route) http.HandlerFunc {
	return func(w http.ResponseWriter, hr *http.Request) {
		r := &Request{ctx: hr.Context(), HTTP: hr, query: hr.URL.Query(), srv: s}
		user, token, err := s.authenticate(hr)
		if _, domain := model.KindOf(err); err != nil && !domain {
			// The credentials could not be checked (the database is
			// unreachable): a server error, not a logout, which would make
			// clients drop their session.
			s.writeError(w, hr, rt, err)
			return
		}
		if err != nil || (!rt.public && user == nil) {
			writeJSON(w, http.StatusUnauthorized, M{"status": "error", "message": "You must be logged in to do this."})
			return
		}
		r.User, r.Token = user, token
		if !rt.stream {
			if err := r.readBody(s.cfg.MaxBodyBytes); err != nil {
				s.writeError(w, hr, rt, err)
				return
			}
		}
		if rt.limiter != nil {
			var caller *model.User
			if !rt.public {
				caller = user
			}
			if !s.enforceRateLimit(w, hr, rt.limiter, caller) {
				return
			}
		}
		for _, g := range rt.guards {
			if err := g.check(s, r); err != nil {
				s.writeError(w, hr, rt, err)
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

// Params reads a request's parameters stickily, as Mattermost's
// c.RequireChannelId(): the first error is kept, later reads return zero
// values, and the handler checks Err once:
//
//	p := r.Params()
//	rid := p.RequireString("roomId")
//	limit := p.Int("limit", 50)
//	if err := p.Err(); err != nil {
//		return nil, err
//	}
type Params struct {
	r   *Request
	err error
}

// Params returns a sticky reader of r's parameters.
func (r *Request) Params() *Params { return &Params{r: r} }

// Err is the first error a read met, or nil.
func (p *Params) Err() error { return p.err }

func (p *Params) keep(err error) bool {
	if p.err == nil && err != nil {
		p.err = err
	}
	return p.err == nil
}

// String reads an optional string parameter (see Request.String).
func (p *Params) String(name string) string {
	if p.err != nil {
		return ""
	}
	v, err := p.r.String(name)
	p.keep(err)
	return v
}

// RequireString reads a string parameter that must not be empty.
func (p *Params) RequireString(name string) string {
	if p.err != nil {
		return ""
	}
	v, err := p.r.RequireString(name)
	p.keep(err)
	return v
}

// Bool reads a boolean parameter, def when absent.
func (p *Params) Bool(name string, def bool) bool {
	if p.err != nil {
		return def
	}
	v, err := p.r.Bool(name, def)
	p.keep(err)
	return v
}

// Int reads an integer parameter, def when absent.
func (p *Params) Int(name string, def int) int {
	if p.err != nil {
		return def
	}
	v, err := p.r.Int(name, def)
	p.keep(err)
	return v
}

// Strings reads a list parameter (a JSON array or a comma-separated string).
func (p *Params) Strings(name string) []string {
	if p.err != nil {
		return nil
	}
	v, err := p.r.Strings(name)
	p.keep(err)
	return v
}

// Decode decodes the named body parameter into v; it reports whether the
// parameter was present.
func (p *Params) Decode(name string, v any) bool {
	if p.err != nil {
		return false
	}
	ok, err := p.r.Param(name, v)
	return p.keep(err) && ok
}

// Page reads count, offset and sort (see Request.Page).
func (p *Params) Page(def []model.SortKey, allowed ...string) model.Page {
	if p.err != nil {
		return model.Page{}
	}
	v, err := p.r.Page(def, allowed...)
	p.keep(err)
	return v
}

// Require records err (a refusal the handler found) unless an earlier read
// failed; it reports whether every read so far succeeded.
func (p *Params) Require(ok bool, err error) bool {
	if p.err == nil && !ok {
		p.err = err
	}
	return p.err == nil
}
