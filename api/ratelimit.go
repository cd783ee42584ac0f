package api

import (
	"fmt"
	"hash/maphash"
	"math"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"liftoff/access/perm"
	"liftoff/model"
	"liftoff/settings/setting"
)

// Rocket.Chat's REST rate limiter (API_Enable_Rate_Limiter and friends).
//
// As in Rocket.Chat, every /api/v1 route has its own limiter unless the
// route turns it off, and a call is counted under the route and the
// caller's address only: the user id decides nothing but the bypass
// (api-bypass-rate-limit, held by admin, bot and app), so users behind one
// address share one allowance per route. Each route counts in fixed
// windows of API_Enable_Rate_Limiter_Limit_Time_Default milliseconds
// shared by every address: a window starts with the first call after the
// previous one ended, and ending it forgets every count of the route.
// A call is counted before it is judged, refused calls included, and
// allowed while the count is at most the limit.
//
// Settings are read on every call from the settings registry, so changes
// apply at once; changing a route's limit or window starts a new window
// (Rocket.Chat rebuilds its limiters then). Counts live in this process
// only, as Rocket.Chat's do.

// Setting ids the limiter reads.
const (
	settingRateLimiterOn      = setting.APIEnableRateLimiter
	settingRateLimiterDev     = setting.APIEnableRateLimiterDev
	settingRateLimiterCalls   = setting.APIEnableRateLimiterLimitCallsDefault
	settingRateLimiterTime    = setting.APIEnableRateLimiterLimitTimeDefault
	permissionBypassRateLimit = perm.APIBypassRateLimit
)

// rateLimitOptions are a route's own limiter options, declared on the
// route where Rocket.Chat's rateLimiterOptions differ from the defaults
// (NoRateLimit, RateLimitCalls).
type rateLimitOptions struct {
	off          bool       // the route is never limited
	callsSetting setting.ID // the setting holding its number of calls ("": the default)
}

// rateLimiter holds the limiters of every route.
type rateLimiter struct {
	seed   maphash.Seed
	routes []*routeLimiter // every limiter, for the sweep; fixed after New

	lastSweep atomic.Int64 // unix nanoseconds
}

func newRateLimiter() *rateLimiter { return &rateLimiter{seed: maphash.MakeSeed()} }

// add returns the limiter of a route with options o (made while the
// server is built), or nil when the route is never limited.
func (l *rateLimiter) add(o rateLimitOptions) *routeLimiter {
	if o.off {
		return nil
	}
	calls := o.callsSetting
	if calls == "" {
		calls = settingRateLimiterCalls
	}
	rl := &routeLimiter{parent: l, callsSetting: calls}
	l.routes = append(l.routes, rl)
	return rl
}

// sweep drops the counts of windows that have ended, so routes nobody
// calls any more hold no memory. It runs at most once a minute, from a
// call that started a new window.
func (l *rateLimiter) sweep(now int64) {
	last := l.lastSweep.Load()
	if now-last < int64(time.Minute) || !l.lastSweep.CompareAndSwap(last, now) {
		return
	}
	for _, rl := range l.routes {
		if w := rl.cur.Load(); w != nil && now-w.start > int64(w.interval) {
			rl.cur.CompareAndSwap(w, nil)
		}
	}
}

// routeLimiter counts the calls of one route in its current window.
type routeLimiter struct {
	parent       *rateLimiter
	callsSetting setting.ID
	cur          atomic.Pointer[window]
}

// rateShards spreads a window's counts over independently locked maps so
// that concurrent calls of one route rarely wait for each other.
const rateShards = 32

// window is one fixed counting period of a route. A new window is a new
// value: the old one, with every count in it, is left to the collector.
type window struct {
	start    int64 // unix nanoseconds
	interval time.Duration
	calls    int
	shards   [rateShards]rateShard

	// The X-RateLimit-Limit and X-RateLimit-Reset values are the same for
	// every call of a window (Reset is its end), so they are formatted
	// once. Header values are never modified in place, so responses share
	// them.
	limitHdr, resetHdr []string
}

func newWindow(start int64, calls int, interval time.Duration) *window {
	return &window{start: start, interval: interval, calls: calls,
		limitHdr: []string{strconv.Itoa(calls)},
		resetHdr: []string{strconv.FormatInt(time.Unix(0, start).Add(interval).UnixMilli(), 10)}}
}

type rateShard struct {
	mu     sync.Mutex
	counts map[string]int
	_      [48]byte // keeps neighbouring locks off one cache line
}

// verdict is the outcome of counting one call.
type verdict struct {
	allowed   bool
	limit     int
	remaining int
	reset     time.Duration // until the window ends
	w         *window
}

// take counts a call from key at now against calls per interval.
func (rl *routeLimiter) take(key string, now time.Time, calls int, interval time.Duration) verdict {
	n := now.UnixNano()
	w := rl.cur.Load()
	for w == nil || n-w.start > int64(interval) || w.calls != calls || w.interval != interval {
		fresh := newWindow(n, calls, interval)
		if rl.cur.CompareAndSwap(w, fresh) {
			w = fresh
			rl.parent.sweep(n)
			break
		}
		w = rl.cur.Load()
	}
	sh := &w.shards[maphash.String(rl.parent.seed, key)%rateShards]
	sh.mu.Lock()
	if sh.counts == nil {
		sh.counts = make(map[string]int)
	}
	c := sh.counts[key] + 1
	sh.counts[key] = c
	sh.mu.Unlock()

	reset := time.Duration(w.start + int64(interval) - n)
	if reset < 0 {
		reset = 0
	}
	return verdict{allowed: c <= calls, limit: calls, remaining: max(calls-c, 0), reset: reset, w: w}
}

// enforceRateLimit applies the route's limiter to a call: it sets the
// X-RateLimit-* headers whenever the call is subject to the limiter and
// answers 429 (returning false) when the call is refused. user is the
// caller on routes that require a login, nil on the others (Rocket.Chat
// only knows the caller there, so only there does the bypass apply).
func (s *Server) enforceRateLimit(w http.ResponseWriter, r *http.Request, rl *routeLimiter, user *model.User) bool {
	return s.enforceRateLimitKey(w, r, rl, user, s.clientIP(r))
}

// enforceRateLimitKey is enforceRateLimit counting the call under key.
func (s *Server) enforceRateLimitKey(w http.ResponseWriter, r *http.Request, rl *routeLimiter, user *model.User, key string) bool {
	set := s.settings
	if !set.Bool(settingRateLimiterOn) || (s.cfg.DevMode && !set.Bool(settingRateLimiterDev)) {
		return true
	}
	calls, ms := set.Int(rl.callsSetting), set.Int(settingRateLimiterTime)
	if calls <= 0 || ms <= 0 {
		return true
	}
	if user != nil && s.admin.Can(user, permissionBypassRateLimit) {
		return true
	}
	now := s.cfg.Now()
	v := rl.take(key, now, calls, time.Duration(ms)*time.Millisecond)
	// Rocket.Chat's X-RateLimit-* names in Go's canonical form, set
	// directly: Header.Set would canonicalise them again on every call.
	h := w.Header()
	h["X-Ratelimit-Limit"] = v.w.limitHdr
	h["X-Ratelimit-Remaining"] = []string{strconv.Itoa(v.remaining)}
	h["X-Ratelimit-Reset"] = v.w.resetHdr
	if v.allowed {
		return true
	}
	secs := int(math.Ceil(v.reset.Seconds()))
	writeJSON(w, http.StatusTooManyRequests, M{
		"success": false,
		"error":   fmt.Sprintf("Error, too many requests. Please slow down. You must wait %d seconds before trying this endpoint again. [error-too-many-requests]", secs),
	})
	return false
}

// RateLimited applies the REST rate limiter to a route declared with
// HandleHTTP (Rocket.Chat's /hooks routes): every path counts on its own,
// as Rocket.Chat gives each hook URL its own limiter, under the caller's
// address; user returns the caller for the bypass (nil: none).
func (rt *Router) RateLimited(h http.HandlerFunc, user func(*http.Request) *model.User) http.HandlerFunc {
	rl := rt.s.limiter.add(rateLimitOptions{})
	return func(w http.ResponseWriter, r *http.Request) {
		if rt.s.allowHookCall(w, r, rl, user) {
			h(w, r)
		}
	}
}

func (s *Server) allowHookCall(w http.ResponseWriter, r *http.Request, rl *routeLimiter, user func(*http.Request) *model.User) bool {
	set := s.settings
	if !set.Bool(settingRateLimiterOn) || (s.cfg.DevMode && !set.Bool(settingRateLimiterDev)) {
		return true
	}
	var u *model.User
	if user != nil {
		u = user(r)
	}
	return s.enforceRateLimitKey(w, r, rl, u, r.URL.Path+" "+s.clientIP(r))
}
