package ddpapi

import (
	"context"

	"liftoff/realtime"
)

// Rocket.Chat's presence methods; each returns true, as Rocket.Chat does.
// The realtime server must be configured with the same tracker as its
// Presence, so that connections are counted.

// setDefaultStatus(status) sets the status the caller chose: online, away,
// busy or invisible ("offline" means invisible).
func (m *methods) setDefaultStatus(ctx context.Context, call *realtime.Call) (any, error) {
	var status string
	if err := call.Param(0, &status); err != nil {
		return nil, err
	}
	if err := m.presence.SetDefaultStatus(ctx, call.User().ID, status); err != nil {
		return nil, err
	}
	return true, nil
}

// presenceOnline() says the client on this connection is active.
func (m *methods) presenceOnline(ctx context.Context, call *realtime.Call) (any, error) {
	if err := m.presence.SetConnectionStatus(ctx, call.SessionID(), call.User().ID, false); err != nil {
		return nil, err
	}
	return true, nil
}

// presenceAway() says the client on this connection is idle.
func (m *methods) presenceAway(ctx context.Context, call *realtime.Call) (any, error) {
	if err := m.presence.SetConnectionStatus(ctx, call.SessionID(), call.User().ID, true); err != nil {
		return nil, err
	}
	return true, nil
}
