// Package ddplimit is Rocket.Chat's DDP rate limiter (the
// DDP_Rate_Limit_* settings): method calls and subscriptions are counted
// in fixed windows under five rules, and a call over any rule's allowance
// is refused with too-many-requests.
//
// The rules, each switched on by DDP_Rate_Limit_<Rule>_Enabled with
// _Requests_Allowed calls per _Interval_Time milliseconds:
//
//   - IP: per client address, except 127.0.0.1 (120000 a minute);
//   - User: per logged-in user (1200 a minute);
//   - Connection: per connection (600 a minute);
//   - User_By_Method: per user and method or stream (20 in 10 s; streams,
//     whose names start with "stream-", four times both numbers);
//   - Connection_By_Method: per connection and method or stream (10 in
//     10 s; streams four times).
//
// As Meteor's rate limiter, each rule counts in windows shared by all its
// keys: a window starts with the first call after the previous one ended
// and ending it forgets every count of the rule. A call is counted before
// it is judged (refused calls count too) and allowed while every count is
// at most its allowance. Settings are read on every call, so changes apply
// at once; changing a rule's numbers starts a new window. Counts live in
// this process only, as Rocket.Chat's.
package ddplimit

import (
	"strings"
	"sync"
	"time"

	"liftoff/settings/setting"
)

// Settings reads the DDP_Rate_Limit_* settings (settings.Registry).
type Settings interface {
	Bool(id setting.ID) bool
	Int(id setting.ID) int
}

// Input is one call: a method or a subscription.
type Input struct {
	// Subscription: a "sub" message rather than a method call.
	Subscription bool
	// Name is the method's or publication's name.
	Name string
	// UserID is the logged-in user ("" when none).
	UserID string
	// ConnectionID identifies the connection.
	ConnectionID string
	// ClientAddress is the client's address.
	ClientAddress string
}

// rule is one of Rocket.Chat's rules at one factor.
type rule struct {
	name   string // the settings' middle part: IP, User, ...
	factor int
	key    func(in Input) (string, bool)
	// The rule's settings.
	enabled, allowedID, intervalID setting.ID

	mu       sync.Mutex
	start    time.Time
	interval time.Duration
	allowed  int
	counts   map[string]int
}

// Limiter applies the rules.
type Limiter struct {
	settings Settings
	now      func() time.Time
	rules    []*rule
}

// ownLimit are the methods Rocket.Chat limits by a rule of their own and
// leaves out of the per-method rules: sendMessage (5 a second per user
// without send-many-messages in Rocket.Chat; here the connection's own
// bucket of 10 calls a second bounds it).
var ownLimit = map[string]bool{"sendMessage": true}

func isStream(name string) bool { return strings.HasPrefix(name, "stream-") }

// New returns a limiter reading settings; now is its clock (time.Now when nil).
func New(settings Settings, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	byMethod := func(who func(Input) string, stream bool) func(Input) (string, bool) {
		return func(in Input) (string, bool) {
			w := who(in)
			if w == "" || in.Name == "" || isStream(in.Name) != stream || ownLimit[in.Name] {
				return "", false
			}
			return w + "\x00" + in.Name, true
		}
	}
	user := func(in Input) string { return in.UserID }
	conn := func(in Input) string { return in.ConnectionID }
	l := &Limiter{settings: settings, now: now, rules: []*rule{
		{name: "IP", factor: 1, key: func(in Input) (string, bool) {
			return in.ClientAddress, in.ClientAddress != "127.0.0.1"
		}},
		{name: "User", factor: 1, key: func(in Input) (string, bool) { return in.UserID, in.UserID != "" }},
		{name: "Connection", factor: 1, key: func(in Input) (string, bool) { return in.ConnectionID, in.ConnectionID != "" }},
		{name: "User_By_Method", factor: 1, key: byMethod(user, false)},
		{name: "User_By_Method", factor: 4, key: byMethod(user, true)},
		{name: "Connection_By_Method", factor: 1, key: byMethod(conn, false)},
		{name: "Connection_By_Method", factor: 4, key: byMethod(conn, true)},
	}}
	for _, r := range l.rules {
		prefix := "DDP_Rate_Limit_" + r.name + "_"
		r.enabled, r.allowedID, r.intervalID = setting.ID(prefix+"Enabled"), setting.ID(prefix+"Requests_Allowed"), setting.ID(prefix+"Interval_Time")
	}
	return l
}

// Check counts the call under every rule that applies and reports whether
// it is allowed; when not, wait is the time until the window of the rule
// that refused it ends (the longest, when several do).
func (l *Limiter) Check(in Input) (ok bool, wait time.Duration) {
	now := l.now()
	ok = true
	for _, r := range l.rules {
		if !l.settings.Bool(r.enabled) {
			continue
		}
		key, applies := r.key(in)
		if !applies {
			continue
		}
		allowed := l.settings.Int(r.allowedID) * r.factor
		interval := time.Duration(l.settings.Int(r.intervalID)*r.factor) * time.Millisecond
		if allowed <= 0 || interval <= 0 {
			continue
		}
		if rok, rwait := r.count(key, allowed, interval, now); !rok {
			ok = false
			wait = max(wait, rwait)
		}
	}
	return ok, wait
}

func (r *rule) count(key string, allowed int, interval time.Duration, now time.Time) (bool, time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.counts == nil || allowed != r.allowed || interval != r.interval || !now.Before(r.start.Add(interval)) {
		// A new window: every count of the previous one is forgotten,
		// so keys nobody uses any more hold no memory.
		r.start, r.allowed, r.interval, r.counts = now, allowed, interval, map[string]int{}
	}
	r.counts[key]++
	if r.counts[key] > allowed {
		return false, r.start.Add(interval).Sub(now)
	}
	return true, 0
}
