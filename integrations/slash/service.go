package slash

import (
	"context"
	"errors"

	"liftoff/integrations/commands"
	"liftoff/model"
	"liftoff/store"
)

// Service runs slash commands for the transports.
type Service struct {
	Registry *commands.Registry[Env]
	deps     *Deps
}

// NewService returns a Service with the built-ins.
func NewService(d Deps) *Service { return &Service{Registry: New(), deps: &d} }

// ErrNoRoomAccess is commands.run's refusal of a room the caller cannot see.
var ErrNoRoomAccess = model.Forbidden("error-not-allowed", "User does not have access to this room")

// ErrInvalidThread is the refusal of a thread that is not in the room.
var ErrInvalidThread = model.Bare(model.KindInvalid, "Invalid thread.")

// canAccess tells whether user may act in the room: a member, or any
// user for a public channel.
func (s *Service) canAccess(ctx context.Context, user *model.User, roomID string) (bool, error) {
	room, err := s.deps.Data.RoomByID(ctx, roomID)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if _, err := s.deps.Data.Subscription(ctx, roomID, user.ID); err == nil {
		return true, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return false, err
	}
	return room.Type == model.RoomChannel, nil
}

func (s *Service) check(ctx context.Context, user *model.User, inv commands.Invocation) error {
	if _, ok := s.Registry.Get(inv.Command); !ok {
		return commands.ErrUnknown
	}
	ok, err := s.canAccess(ctx, user, inv.RoomID)
	if err != nil {
		return err
	}
	if !ok {
		return ErrNoRoomAccess
	}
	if inv.Tmid != "" {
		m, err := s.deps.Data.MessageByID(ctx, inv.Tmid)
		if err != nil || m.RoomID != inv.RoomID {
			return ErrInvalidThread
		}
	}
	return nil
}

// Run runs a command as user (commands.run, slashCommand).
func (s *Service) Run(ctx context.Context, user *model.User, inv commands.Invocation) (any, error) {
	inv.UserID = user.ID
	if err := s.check(ctx, user, inv); err != nil {
		return nil, err
	}
	return s.Registry.Run(ctx, Env{User: user, Deps: s.deps}, inv)
}

// Preview returns a command's previews (commands.preview GET).
func (s *Service) Preview(ctx context.Context, user *model.User, inv commands.Invocation) (*commands.Previews, error) {
	inv.UserID = user.ID
	if err := s.check(ctx, user, inv); err != nil {
		return nil, err
	}
	return s.Registry.Preview(ctx, Env{User: user, Deps: s.deps}, inv)
}

// ExecutePreview runs a command with a chosen preview (commands.preview POST).
func (s *Service) ExecutePreview(ctx context.Context, user *model.User, inv commands.Invocation, item commands.PreviewItem) error {
	inv.UserID = user.ID
	if err := s.check(ctx, user, inv); err != nil {
		return err
	}
	return s.Registry.ExecutePreview(ctx, Env{User: user, Deps: s.deps}, inv, item)
}

// List answers commands.list.
func (s *Service) List(q commands.ListQuery) ([]commands.Item, int) { return s.Registry.List(q) }

// Get answers commands.get.
func (s *Service) Get(name string) (commands.GetItem, bool) { return s.Registry.GetItem(name) }
