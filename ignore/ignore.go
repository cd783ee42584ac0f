// Package ignore keeps the users a member ignores in a room, as
// Rocket.Chat's ignoreUser: their ids are in the member's subscription
// (ignored), clients hide their messages, and the notifier does not notify
// the member of them. Its endpoints live in ignore/ignoreapi.
package ignore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"liftoff/model"
	"liftoff/store"
)

// Store is what ignoring needs of the store (store.Store implements it).
type Store interface {
	// Subscription returns the user's subscription to the room
	// (store.ErrNotFound when there is none).
	Subscription(ctx context.Context, roomID, userID string) (*model.Subscription, error)
	// Update runs fn in one write transaction; its events are published
	// when it commits.
	Update(ctx context.Context, fn func(tx store.Tx) error) error
}

// Service changes whom members ignore.
type Service struct {
	store Store
	now   func() time.Time
}

// New returns a Service; now is the server clock (time.Now when nil).
func New(s Store, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: s, now: now}
}

// errInvalidSubscription is Rocket.Chat's answer when the caller or the
// user to ignore is not a member of the room.
var errInvalidSubscription = model.Invalid("error-invalid-subscription", "Invalid subscription").
	WithDetails(map[string]any{"method": "ignoreUser"})

// Set makes actor ignore (or stop ignoring) the user userID in the room:
// both must be members (error-invalid-subscription). Nothing is written,
// and no event sent, when the subscription already says so. It returns
// whether the subscription changed.
func (s *Service) Set(ctx context.Context, actor *model.User, roomID, userID string, ignore bool) (bool, error) {
	if actor == nil {
		return false, model.Invalid("error-invalid-user", "Invalid user").WithDetails(map[string]any{"method": "ignoreUser"})
	}
	if _, err := s.member(ctx, roomID, userID); err != nil {
		return false, err
	}
	changed := false
	err := s.store.Update(ctx, func(tx store.Tx) error {
		sub, err := tx.Subscription(ctx, roomID, actor.ID)
		if errors.Is(err, store.ErrNotFound) {
			return errInvalidSubscription
		}
		if err != nil {
			return fmt.Errorf("ignore: subscription: %w", err)
		}
		has := slices.Contains(sub.Ignored, userID)
		if has == ignore {
			return nil
		}
		c := *sub
		if ignore {
			c.Ignored = append(slices.Clone(sub.Ignored), userID)
		} else {
			c.Ignored = slices.DeleteFunc(slices.Clone(sub.Ignored), func(id string) bool { return id == userID })
			if len(c.Ignored) == 0 {
				c.Ignored = nil
			}
		}
		c.UpdatedAt = model.TimeOf(s.now())
		if err := tx.UpdateSubscription(ctx, &c); err != nil {
			return fmt.Errorf("ignore: update subscription: %w", err)
		}
		tx.Emit(model.SubscriptionChanged{Action: model.ActionUpdated, Subscription: &c})
		changed = true
		return nil
	})
	return changed, err
}

func (s *Service) member(ctx context.Context, roomID, userID string) (*model.Subscription, error) {
	sub, err := s.store.Subscription(ctx, roomID, userID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errInvalidSubscription
	}
	if err != nil {
		return nil, fmt.Errorf("ignore: subscription: %w", err)
	}
	return sub, nil
}
