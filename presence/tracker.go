package presence

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"liftoff/model"
)

// StatusStore persists a user's visible status and chosen default status
// and broadcasts the change (model.PresenceChanged). status is one of
// online, away, busy, offline; statusDefault one of online, away, busy,
// invisible.
type StatusStore interface {
	SetStatus(ctx context.Context, userID, status, statusDefault string) error
}

// Clock is the time source of a Tracker; tests substitute a fake one.
type Clock interface {
	// AfterFunc calls f on its own goroutine after d, unless stopped first.
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is a pending call made by Clock.AfterFunc.
type Timer interface {
	// Stop prevents the call, reporting whether it was still pending.
	Stop() bool
}

type realClock struct{}

func (realClock) AfterFunc(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }

// Config configures a Tracker.
type Config struct {
	// Store persists and broadcasts status changes. Required.
	Store StatusStore
	// Grace is how long a user stays online after the last connection
	// closes (10 s when zero).
	Grace time.Duration
	// StoreTimeout bounds each Store call made outside a request, such as
	// when a connection closes or the grace period ends (5 s when zero).
	StoreTimeout time.Duration
	// Clock is the time source (the real clock when nil).
	Clock Clock
	// Logger receives store failures (slog.Default() when nil).
	Logger *slog.Logger
	// Shared says other instances track the same users (presence/cluster
	// is the Store): what the user record says was stored by any of them,
	// so a user's first connection here always reaches the Store.
	Shared bool
}

// connection states reported by a client.
const (
	connActive = iota
	connIdle
)

// userState is what the Tracker knows of one user. The fields other than
// persistMu are guarded by Tracker.mu.
type userState struct {
	conns         map[string]int // session id -> connActive or connIdle
	statusDefault string         // online, away, busy or invisible
	status        string         // the visible status wanted now
	graceTimer    Timer          // pending offline transition, if any
	graceGen      uint64         // invalidates a timer that fired late

	// persistMu serialises Store calls for the user so that the stored
	// status converges on the latest wanted one, in order. It is taken
	// before Tracker.mu, never while holding it.
	persistMu        sync.Mutex
	persistedStatus  string
	persistedDefault string
	persistedKnown   bool
}

// Tracker follows users' connections and derives their visible status.
// It is safe for concurrent use.
type Tracker struct {
	store        StatusStore
	grace        time.Duration
	storeTimeout time.Duration
	clock        Clock
	log          *slog.Logger
	shared       bool

	mu    sync.Mutex
	users map[string]*userState
}

// NewTracker returns a Tracker configured by cfg.
func NewTracker(cfg Config) (*Tracker, error) {
	if cfg.Store == nil {
		return nil, fmt.Errorf("presence: Config.Store is required")
	}
	t := &Tracker{
		store:        cfg.Store,
		grace:        cfg.Grace,
		storeTimeout: cfg.StoreTimeout,
		clock:        cfg.Clock,
		log:          cfg.Logger,
		shared:       cfg.Shared,
		users:        make(map[string]*userState),
	}
	if t.grace <= 0 {
		t.grace = 10 * time.Second
	}
	if t.storeTimeout <= 0 {
		t.storeTimeout = 5 * time.Second
	}
	if t.clock == nil {
		t.clock = realClock{}
	}
	if t.log == nil {
		t.log = slog.Default()
	}
	return t, nil
}

// normalizeDefault maps a requested default status to the stored form.
// Rocket.Chat's clients choose "offline" for invisible.
func normalizeDefault(s string) (string, bool) {
	switch s {
	case model.StatusOnline, model.StatusAway, model.StatusBusy, model.StatusInvisible:
		return s, true
	case model.StatusOffline:
		return model.StatusInvisible, true
	case "":
		return model.StatusOnline, true
	}
	return "", false
}

// visible computes the status others see. Called with t.mu held.
func (u *userState) visible() string {
	if len(u.conns) == 0 && u.graceTimer == nil {
		return model.StatusOffline
	}
	switch u.statusDefault {
	case model.StatusInvisible:
		return model.StatusOffline
	case model.StatusAway, model.StatusBusy:
		return u.statusDefault
	}
	if len(u.conns) == 0 {
		// In the grace period: keep what others saw.
		return u.status
	}
	for _, st := range u.conns {
		if st == connActive {
			return model.StatusOnline
		}
	}
	return model.StatusAway
}

// state returns the user's entry, creating it. Called with t.mu held.
func (t *Tracker) state(userID string) *userState {
	u := t.users[userID]
	if u == nil {
		u = &userState{conns: make(map[string]int), statusDefault: model.StatusOnline, status: model.StatusOffline}
		t.users[userID] = u
	}
	return u
}

// UserConnected records a logged-in connection of user (identified by the
// DDP session id) and persists the resulting status if it changed.
func (t *Tracker) UserConnected(ctx context.Context, sessionID string, user *model.User) {
	if user == nil {
		return
	}
	t.mu.Lock()
	u := t.state(user.ID)
	if len(u.conns) == 0 && u.graceTimer == nil {
		// First connection (not a reconnect within the grace period): the
		// stored default is authoritative.
		if d, ok := normalizeDefault(user.StatusDefault); ok {
			u.statusDefault = d
		}
		if !u.persistedKnown && !t.shared {
			// What the user record says is what is stored now.
			u.persistedStatus, u.persistedDefault, u.persistedKnown = user.Status, u.statusDefault, true
		}
	}
	if u.graceTimer != nil {
		u.graceTimer.Stop()
		u.graceTimer = nil
		u.graceGen++
	}
	u.conns[sessionID] = connActive
	u.status = u.visible()
	t.mu.Unlock()
	if err := t.persist(ctx, user.ID, u); err != nil {
		t.log.Warn("presence: storing status on connect", "user", user.ID, "err", err)
	}
}

// UserDisconnected records that a connection closed (or logged out). When it
// was the user's last one, the user turns offline after the grace period,
// unless a connection opens again before.
func (t *Tracker) UserDisconnected(sessionID, userID string) {
	t.mu.Lock()
	u := t.users[userID]
	if u == nil {
		t.mu.Unlock()
		return
	}
	if _, ok := u.conns[sessionID]; !ok {
		t.mu.Unlock()
		return
	}
	delete(u.conns, sessionID)
	if len(u.conns) > 0 {
		u.status = u.visible()
		t.mu.Unlock()
		t.persistDetached(userID, u)
		return
	}
	u.graceGen++
	gen := u.graceGen
	u.graceTimer = t.clock.AfterFunc(t.grace, func() { t.graceEnded(userID, gen) })
	t.mu.Unlock()
}

// graceEnded turns the user offline if no connection came back.
func (t *Tracker) graceEnded(userID string, gen uint64) {
	t.mu.Lock()
	u := t.users[userID]
	if u == nil || u.graceGen != gen || len(u.conns) > 0 {
		t.mu.Unlock()
		return
	}
	u.graceTimer = nil
	u.status = model.StatusOffline
	t.mu.Unlock()
	t.persistDetached(userID, u)
	t.mu.Lock()
	// Forget users who are fully offline, so memory follows online users.
	if cur := t.users[userID]; cur == u && len(u.conns) == 0 && u.graceTimer == nil {
		delete(t.users, userID)
	}
	t.mu.Unlock()
}

// SetDefaultStatus records the status the user chose (online, away, busy,
// invisible; "offline" means invisible) and persists the result.
func (t *Tracker) SetDefaultStatus(ctx context.Context, userID, status string) error {
	d, ok := normalizeDefault(status)
	if !ok || status == "" {
		return model.Invalid("error-invalid-status", "Invalid status %q", status)
	}
	t.mu.Lock()
	u := t.state(userID)
	u.statusDefault = d
	u.status = u.visible()
	t.mu.Unlock()
	return t.persist(ctx, userID, u)
}

// SetConnectionStatus records that the client on one connection is active
// (UserPresence:online) or idle (UserPresence:away).
func (t *Tracker) SetConnectionStatus(ctx context.Context, sessionID, userID string, away bool) error {
	t.mu.Lock()
	u := t.users[userID]
	if u == nil {
		t.mu.Unlock()
		return nil
	}
	if _, ok := u.conns[sessionID]; !ok {
		t.mu.Unlock()
		return nil
	}
	if away {
		u.conns[sessionID] = connIdle
	} else {
		u.conns[sessionID] = connActive
	}
	u.status = u.visible()
	t.mu.Unlock()
	return t.persist(ctx, userID, u)
}

// Status returns the visible status and the default status the Tracker
// holds for a user; ok is false when the user is unknown (offline).
func (t *Tracker) Status(userID string) (status, statusDefault string, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	u := t.users[userID]
	if u == nil {
		return model.StatusOffline, "", false
	}
	return u.status, u.statusDefault, true
}

// Connections returns how many connections the user has open.
func (t *Tracker) Connections(userID string) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	if u := t.users[userID]; u != nil {
		return len(u.conns)
	}
	return 0
}

func (t *Tracker) persistDetached(userID string, u *userState) {
	ctx, cancel := context.WithTimeout(context.Background(), t.storeTimeout)
	defer cancel()
	if err := t.persist(ctx, userID, u); err != nil {
		t.log.Warn("presence: storing status", "user", userID, "err", err)
	}
}

// persist stores the user's wanted status if it differs from what was last
// stored. Calls for one user are serialised, and each stores the newest
// wanted value, so concurrent changes cannot leave a stale status behind.
func (t *Tracker) persist(ctx context.Context, userID string, u *userState) error {
	u.persistMu.Lock()
	defer u.persistMu.Unlock()
	t.mu.Lock()
	status, def := u.status, u.statusDefault
	same := u.persistedKnown && u.persistedStatus == status && u.persistedDefault == def
	t.mu.Unlock()
	if same {
		return nil
	}
	if err := t.store.SetStatus(ctx, userID, status, def); err != nil {
		return fmt.Errorf("presence: set status of %s to %s: %w", userID, status, err)
	}
	t.mu.Lock()
	u.persistedStatus, u.persistedDefault, u.persistedKnown = status, def, true
	t.mu.Unlock()
	return nil
}
