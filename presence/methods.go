package presence

import (
	"context"

	"liftoff/realtime"
)

// RegisterMethods installs Rocket.Chat's presence methods on srv:
//
//	UserPresence:setDefaultStatus(status)  online, away, busy, invisible ("offline" = invisible)
//	UserPresence:online()                  this connection's client is active
//	UserPresence:away()                    this connection's client is idle
//
// Each returns true, as Rocket.Chat does. srv must be configured with t as
// its Presence tracker so connections are counted.
func RegisterMethods(srv *realtime.Server, t *Tracker) {
	srv.Handle("UserPresence:setDefaultStatus", func(ctx context.Context, call *realtime.Call) (any, error) {
		var status string
		if err := call.Param(0, &status); err != nil {
			return nil, err
		}
		if err := t.SetDefaultStatus(ctx, call.User().ID, status); err != nil {
			return nil, err
		}
		return true, nil
	})
	srv.Handle("UserPresence:online", func(ctx context.Context, call *realtime.Call) (any, error) {
		if err := t.SetConnectionStatus(ctx, call.SessionID(), call.User().ID, false); err != nil {
			return nil, err
		}
		return true, nil
	})
	srv.Handle("UserPresence:away", func(ctx context.Context, call *realtime.Call) (any, error) {
		if err := t.SetConnectionStatus(ctx, call.SessionID(), call.User().ID, true); err != nil {
			return nil, err
		}
		return true, nil
	})
}
