package realtime

import (
	"context"
	"errors"
	"liftoff/clientaddr"
	"liftoff/realtime/ddplimit"
	"log/slog"
	"time"

	"liftoff/access/perm"
	"liftoff/auth"
	"liftoff/bus"
	"liftoff/model"
)

// Authenticator checks credentials and ends logins. The auth service
// implements it; the server never sees password hashes.
type Authenticator interface {
	// Login checks cred (password, digest or resume token) and returns the
	// user with the resume token that authenticates the session.
	Login(ctx context.Context, cred auth.Credentials, remoteAddr string) (*auth.LoginResult, error)
	// Logout revokes the resume token of the user.
	Logout(ctx context.Context, userID, token string) error
}

// TokenChecker re-checks the token a connection logged in with (auth.Service
// implements it). It answers an error of kind model.KindUnauthenticated
// when the token no longer authenticates the user: removed (by another
// process, such as "liftoff admin reset-password"), expired, or the user
// deactivated.
type TokenChecker interface {
	Authenticate(ctx context.Context, userID, token string) (*model.User, error)
}

// RoomAccess answers the room questions stream subscriptions need.
type RoomAccess interface {
	// CanReadRoom returns nil when user (nil when anonymous) may read the
	// room's messages and events, else the reason (a *model.Error).
	CanReadRoom(ctx context.Context, user *model.User, rid string) error
	// RoomIDsOfUser lists the rooms the user is subscribed to (a member of).
	RoomIDsOfUser(ctx context.Context, userID string) ([]string, error)
}

// PermissionChecker reports whether a user holds a global permission. It
// guards streams that carry privileged data (private settings).
type PermissionChecker interface {
	HasPermission(ctx context.Context, user *model.User, permission perm.ID) (bool, error)
}

// PresenceTracker learns when logged-in connections open and close
// (presence.Tracker implements it).
type PresenceTracker interface {
	UserConnected(ctx context.Context, sessionID string, user *model.User)
	UserDisconnected(sessionID, userID string)
}

// EventPublisher publishes the ephemeral events clients emit themselves
// (typing). A bus.Bus satisfies it.
type EventPublisher interface {
	Publish(ctx context.Context, events ...model.Event) error
}

// CallLimiter counts a method call or subscription and says whether it
// may run, and if not how long until it may.
type CallLimiter interface {
	Check(in ddplimit.Input) (ok bool, wait time.Duration)
}

// Config configures a Server. Zero limits take the defaults listed.
type Config struct {
	// Logger receives connection-level problems (slog.Default() when nil).
	Logger *slog.Logger
	// ClientAddr tells a connection's client address from its upgrade
	// request (behind trusted proxies, from their headers): the key of
	// the DDP rate limits and the address given to logins.
	ClientAddr clientaddr.Resolver
	// Bus carries the domain events the hub fans out. When nil, Start
	// subscribes to nothing and only direct Emit* calls reach clients.
	Bus bus.Bus
	// Auth logs sessions in and out. Required.
	Auth Authenticator
	// Rooms checks room access for subscriptions. Required.
	Rooms RoomAccess
	// Permissions guards privileged streams; when nil they are refused.
	Permissions PermissionChecker
	// Presence is told of logged-in connections; optional.
	Presence PresenceTracker
	// Events receives typing notifications clients emit; Bus when nil.
	Events EventPublisher
	// ExternalNotifications leaves the desktop notifications of new
	// messages to another component (the notifier, which applies the
	// users' preferences and publishes model.DesktopNotification events);
	// otherwise the hub notifies the users a MessageSaved names in Notify.
	ExternalNotifications bool
	// Tokens, when set, re-checks every logged-in connection's token each
	// TokenCheckInterval (1 min) and closes the connections whose token
	// stopped authenticating. Removals this server or its bus sees end
	// connections at once (model.LoginTokensRemoved); the sweep catches
	// the others: another process writing the database, and expiry.
	Tokens             TokenChecker
	TokenCheckInterval time.Duration

	// CallLimit judges each method call and subscription after the
	// connection's own bucket (Rocket.Chat's DDP rate limiter,
	// ddplimit.Limiter); nil: no such limit.
	CallLimit CallLimiter

	// MaxFrameBytes bounds an incoming WebSocket message (256 KiB).
	// A larger one closes the connection with status 1009.
	MaxFrameBytes int64
	// MethodRate is the sustained number of method calls a connection may
	// make per second (10), with bursts of MethodBurst (40).
	MethodRate  float64
	MethodBurst int
	// MaxSubscriptions bounds the live subscriptions of one connection (500).
	MaxSubscriptions int
	// SendQueueFrames and SendQueueBytes bound the frames waiting to be
	// written to one connection (1024 frames, 4 MiB). A connection whose
	// queue overflows is a slow consumer and is closed.
	SendQueueFrames int
	SendQueueBytes  int
	// WriteTimeout bounds writing one batch of frames (10 s). It is
	// checked by the heartbeat timer, so it takes effect within one
	// HeartbeatInterval after it passes.
	WriteTimeout time.Duration
	// HeartbeatInterval is the silence after which the server pings
	// (15 s, as Meteor); HeartbeatTimeout is how long it then waits for
	// any frame before closing the connection (15 s).
	HeartbeatInterval time.Duration
	HeartbeatTimeout  time.Duration
	// LoginTimeout bounds a login call including room loading (30 s).
	LoginTimeout time.Duration
	// OriginPatterns lists allowed cross-origin hosts (see
	// websocket.AcceptOptions). Empty allows every origin: DDP
	// authenticates in band (login method), not with cookies, so a foreign
	// page gains nothing from opening a socket.
	OriginPatterns []string
	// Now is the clock of method rate limits and notice timestamps
	// (time.Now when nil). Heartbeats and write timeouts use the system
	// clock: they measure the network.
	Now func() time.Time
}

func (c *Config) withDefaults() (Config, error) {
	d := *c
	if d.Auth == nil {
		return d, errors.New("realtime: Config.Auth is required")
	}
	if d.Rooms == nil {
		return d, errors.New("realtime: Config.Rooms is required")
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Events == nil && d.Bus != nil {
		d.Events = d.Bus
	}
	if d.MaxFrameBytes <= 0 {
		d.MaxFrameBytes = 256 << 10
	}
	if d.MethodRate <= 0 {
		d.MethodRate = 10
	}
	if d.MethodBurst <= 0 {
		d.MethodBurst = 40
	}
	if d.MaxSubscriptions <= 0 {
		d.MaxSubscriptions = 500
	}
	if d.SendQueueFrames <= 0 {
		d.SendQueueFrames = 1024
	}
	if d.SendQueueBytes <= 0 {
		d.SendQueueBytes = 4 << 20
	}
	if d.WriteTimeout <= 0 {
		d.WriteTimeout = 10 * time.Second
	}
	if d.HeartbeatInterval <= 0 {
		d.HeartbeatInterval = 15 * time.Second
	}
	if d.HeartbeatTimeout <= 0 {
		d.HeartbeatTimeout = 15 * time.Second
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.TokenCheckInterval <= 0 {
		d.TokenCheckInterval = time.Minute
	}
	if d.LoginTimeout <= 0 {
		d.LoginTimeout = 30 * time.Second
	}
	return d, nil
}
