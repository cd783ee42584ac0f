package realtime

import (
	"context"
	"encoding/json"
	"errors"

	"liftoff/model"
	"liftoff/realtime/ddp"
)

// ErrUnknownMethod is what Invoke returns for a method nobody registered.
var ErrUnknownMethod = errors.New("realtime: unknown method")

// Invoke runs the registered method name outside any connection, as user
// (nil when anonymous) authenticated with token, with the same checks a
// DDP "method" message gets: methods registered with Handle refuse
// anonymous callers with error-invalid-user. It serves Rocket.Chat's REST
// bridges method.call and method.callAnon. A method that logs in or out
// (login, logout) changes only this call's stand-in session; stream
// subscriptions and presence are untouched.
func (s *Server) Invoke(ctx context.Context, user *model.User, token, remoteAddr, name string, params []json.RawMessage) (any, error) {
	v, ok := s.methods.Load(name)
	if !ok {
		return nil, ErrUnknownMethod
	}
	entry := v.(*methodEntry)
	if !entry.public && user == nil {
		return nil, errNotLoggedIn(name)
	}
	sess := &session{srv: s, remote: remoteAddr}
	if user != nil {
		sess.who.Store(newIdentity(user, token))
	}
	call := &Call{Method: name, Params: params, sess: sess, detached: true}
	result, err := s.invoke(ctx, entry.fn, call)
	if err != nil {
		if _, domain := model.AsError(err); !domain {
			s.cfg.Logger.Error("realtime: method failed", "method", name, "user", sess.userID(), "err", err, "via", "rest")
		}
		return nil, err
	}
	return result, nil
}

// InvokeFrame runs Invoke and renders its outcome as the DDP "result"
// frame a connection would receive for method call id:
// {"msg":"result","id":...,"result":...} or {..., "error": <Meteor.Error>}
// (error 404 for an unknown method, 500 for an internal failure).
func (s *Server) InvokeFrame(ctx context.Context, user *model.User, token, remoteAddr, id, name string, params []json.RawMessage) []byte {
	result, err := s.Invoke(ctx, user, token, remoteAddr, name, params)
	if errors.Is(err, ErrUnknownMethod) {
		return numericErrorFrame(id, 404, "Method '"+name+"' not found")
	}
	if err != nil {
		return resultErrorFrame(id, err)
	}
	frame, err := ddp.Result(id, result)
	if err != nil {
		s.cfg.Logger.Error("realtime: encoding method result", "method", name, "err", err)
		return resultErrorFrame(id, err)
	}
	return frame
}
