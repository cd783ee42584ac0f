package chat

import (
	"context"
	"errors"
	"fmt"
	"liftoff/access/perm"
	"log/slog"
	"time"

	"liftoff/access"
	"liftoff/model"
	"liftoff/settings"
	"liftoff/store"
)

// Service implements Rocket.Chat's chat domain over a store.
type Service struct {
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
}

// PresenceSetter keeps the live presence of users: it combines the status
// a user chooses with their open connections, and stores the result
// through SetStatus. The realtime layer's presence tracker implements it.
type PresenceSetter interface {
	SetDefaultStatus(ctx context.Context, userID, status string) error
}

// SetPresence routes users' status choices (users.setStatus) through p, so
// the live presence and the stored status agree. Call it once, at wiring.
func (s *Service) SetPresence(p PresenceSetter) { s.presence = p }

// Deps are the collaborators of a Service.
type Deps struct {
	Store        store.Store
	Permissions  *access.Checker
	Settings     *settings.Registry
	Logger       *slog.Logger
	HashPassword func(password string) (string, error)
	// Now replaces the clock (tests).
	Now func() time.Time
}

// New returns a chat service.
func New(d Deps) *Service {
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	return &Service{store: d.Store, perms: d.Permissions, settings: d.Settings, log: d.Logger, now: d.Now, hashPassword: d.HashPassword}
}

// Store gives read access to the underlying store (for transports that
// page through records after the service has checked permissions).
func (s *Service) Store() store.Reader { return s.store }

// Settings returns the settings registry.
func (s *Service) Settings() *settings.Registry { return s.settings }

// Permissions returns the permission checker.
func (s *Service) Permissions() *access.Checker { return s.perms }

func (s *Service) nowTime() model.Time { return model.TimeOf(s.now()) }

// Can reports whether user holds permission globally.
func (s *Service) Can(user *model.User, permission perm.ID) bool {
	return user != nil && s.perms.Has(user, nil, permission)
}

// CanInRoom reports whether user holds permission in the room, counting
// their room roles.
func (s *Service) CanInRoom(ctx context.Context, user *model.User, roomID string, permission perm.ID) bool {
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

// canWithSub is CanInRoom when the subscription is already loaded (may be nil).
func (s *Service) canWithSub(user *model.User, sub *model.Subscription, permission perm.ID) bool {
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

// Page is a validated window of a list result, as the API's count, offset
// and sort parameters describe it.
type Page = store.Page
