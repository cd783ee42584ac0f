package chat

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"liftoff/access"
	"liftoff/access/perm"
	"liftoff/model"
	"liftoff/settings"
	"liftoff/settings/setting"
	"liftoff/store"
)

// The chat domain is cut into area services, each a small type over one
// shared core (the store, the permission checker, the settings registry,
// the clock). The areas share the core's unexported helpers because their
// writes share transactions: leaving a team's main room ends the team
// membership in the same transaction, deleting a user erases their direct
// conversations. Each area's exported methods are what transports call;
// transports declare the narrow interfaces they consume.
type (
	// Accounts is the users-and-accounts area: creating, registering,
	// finding, editing, deactivating and deleting users, their statuses
	// and avatars, and what one user may see of another.
	Accounts struct{ *core }
	// Rooms is the rooms area: channels, private groups and direct
	// conversations, found, created, configured, listed, archived and
	// erased.
	Rooms struct{ *core }
	// Members is the memberships area: who is in a room (members, roles,
	// counters, online members), joining, leaving, inviting and removing
	// members, muting, and each member's subscription state (read and
	// unread marks, favourites, open and hidden rooms).
	Members struct{ *core }
	// Messages is the messages area: posting, editing, deleting, reacting,
	// pinning, starring, following threads, and every read of messages
	// (history, lists, search, threads, sync), and pruning.
	Messages struct{ *core }
	// Teams is the teams-and-discussions area: teams, their members and
	// rooms, and discussions (rooms started from a room or a message).
	Teams struct{ *core }
	// Admin is the administration area: settings, roles, permissions,
	// statistics, and the start-up work (Bootstrap, caches).
	Admin struct{ *core }
)

// Services are the area services of one chat domain, sharing one core.
type Services struct {
	Accounts *Accounts
	Rooms    *Rooms
	Members  *Members
	Messages *Messages
	Teams    *Teams
	Admin    *Admin
}

// core holds what every area uses: the collaborators, and the helpers that
// span areas (permission checks, room access, membership changes, system
// messages, the transaction helpers).
type core struct {
	store    store.Store
	perms    *access.Checker
	settings *settings.Registry
	log      *slog.Logger
	now      func() time.Time
	// hashPassword turns a plain password into the stored hash
	// (bcrypt of its SHA-256 digest); provided by the auth layer.
	hashPassword func(password string) (string, error)
	// presence, when set, owns users' chosen statuses (see SetPresence).
	presence PresenceSetter
	// events, when set, carries the ephemeral notices (see SetEvents).
	events EventPublisher
	// postRules caches what SendMessage checks of a room (see roomcache.go).
	postRules roomRulesCache
	// settingChecks validate new values of some settings (see
	// Admin.CheckSetting); set while wiring, before serving.
	settingChecks map[setting.ID]func(value any) error
	// remote, when set, makes the accounts of remote (Matrix) users named
	// user:server on first use (see SetRemoteUsers).
	remote RemoteUsers
	// receipts, when set, follows sent messages and read rooms (see
	// SetReadReceipts).
	receipts ReadReceipts
	// invites, when set, lets an invitation link's token stand for the
	// registration secret (see SetInviteTokens).
	invites InviteTokens
}

// InviteTokens validates invitation links' tokens (package invites
// implements it).
type InviteTokens interface {
	// ValidInviteToken reports whether token names a usable invite.
	ValidInviteToken(ctx context.Context, token string) bool
}

// SetInviteTokens lets a usable invitation token stand for the secret of
// Accounts_RegistrationForm "Secret URL", as in Rocket.Chat, so that
// whoever opens an invitation link can register. Call it once, at wiring.
func (s *Accounts) SetInviteTokens(v InviteTokens) { s.invites = v }

// ReadReceipts follows, after the fact, messages sent and rooms read, so
// that read receipts can be kept (package receipts implements it). Each
// method checks its own settings and returns at once when they are off; a
// failure is its own to log: the send or the read has happened.
type ReadReceipts interface {
	// MessageSent follows a message stored by SendMessage.
	MessageSent(ctx context.Context, msg *model.Message)
	// RoomRead follows user marking the room read, at their new last-seen
	// time.
	RoomRead(ctx context.Context, user *model.User, roomID string, at model.Time)
}

// SetReadReceipts has r follow sent messages and read rooms. Call it once,
// at wiring.
func (s *Members) SetReadReceipts(r ReadReceipts) { s.receipts = r }

// RemoteUsers makes local accounts for users of another server (the
// Matrix bridge): EnsureRemoteUser returns the account of "user:server",
// creating it when the remote server knows the user. It returns
// store.ErrNotFound for a user nobody knows.
type RemoteUsers interface {
	EnsureRemoteUser(ctx context.Context, username string) (*model.User, error)
}

// SetRemoteUsers lets invitations and direct messages name remote users
// (user:server) who have no local account yet. Call it once, at wiring.
func (s *Accounts) SetRemoteUsers(r RemoteUsers) { s.remote = r }

// PresenceSetter keeps the live presence of users: it combines the status
// a user chooses with their open connections, and stores the result
// through SetStatus. The realtime layer's presence tracker implements it.
type PresenceSetter interface {
	SetDefaultStatus(ctx context.Context, userID, status string) error
}

// SetPresence routes users' status choices (users.setStatus) through p, so
// the live presence and the stored status agree. Call it once, at wiring.
func (s *Accounts) SetPresence(p PresenceSetter) { s.presence = p }

// Deps are the collaborators of the chat services.
type Deps struct {
	Store        store.Store
	Permissions  *access.Checker
	Settings     *settings.Registry
	Logger       *slog.Logger
	HashPassword func(password string) (string, error)
	// Now replaces the clock (tests).
	Now func() time.Time
}

// New returns the chat domain's area services over one core.
func New(d Deps) *Services {
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	c := &core{store: d.Store, perms: d.Permissions, settings: d.Settings, log: d.Logger, now: d.Now, hashPassword: d.HashPassword}
	return &Services{
		Accounts: &Accounts{c}, Rooms: &Rooms{c}, Members: &Members{c},
		Messages: &Messages{c}, Teams: &Teams{c}, Admin: &Admin{c},
	}
}

func (s *core) nowTime() model.Time { return model.TimeOf(s.now()) }

// Can reports whether user holds permission globally (for the transports'
// route guards; the services check their own permissions).
func (s *Admin) Can(user *model.User, permission perm.ID) bool { return s.can(user, permission) }

// CanInRoom reports whether user holds permission in the room, counting
// their room roles (for services outside chat).
func (s *Admin) CanInRoom(ctx context.Context, user *model.User, roomID string, permission perm.ID) bool {
	return s.canInRoom(ctx, user, roomID, permission)
}

// can reports whether user holds permission globally.
func (s *core) can(user *model.User, permission perm.ID) bool {
	return user != nil && s.perms.Has(user, nil, permission)
}

// canInRoom reports whether user holds permission in the room, counting
// their room roles.
func (s *core) canInRoom(ctx context.Context, user *model.User, roomID string, permission perm.ID) bool {
	if user == nil {
		return false
	}
	if s.perms.Has(user, nil, permission) {
		return true
	}
	sub, err := s.store.Subscription(ctx, roomID, user.ID)
	if err != nil {
		return false
	}
	return s.perms.Has(user, sub, permission)
}

// canWithSub is canInRoom when the subscription is already loaded (may be nil).
func (s *core) canWithSub(user *model.User, sub *model.Subscription, permission perm.ID) bool {
	return user != nil && s.perms.Has(user, sub, permission)
}

// internal wraps an unexpected error (not a domain error) with context.
func internal(op string, err error) error {
	if err == nil {
		return nil
	}
	if _, ok := model.AsError(err); ok {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return fmt.Errorf("%s: %w", op, err)
}
