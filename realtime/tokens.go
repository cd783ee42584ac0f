package realtime

import (
	"context"
	"time"

	"liftoff/model"
)

// sweepTokens re-checks the tokens of logged-in connections every
// TokenCheckInterval until the server stops (see Config.Tokens).
func (s *Server) sweepTokens() {
	t := time.NewTicker(s.cfg.TokenCheckInterval)
	defer t.Stop()
	for {
		select {
		case <-s.baseCtx.Done():
			return
		case <-t.C:
			s.checkTokens(s.baseCtx)
		}
	}
}

// checkTokens closes the connections whose login token no longer
// authenticates their user. Each token is checked once, however many
// connections share it; a failing check (the database unavailable) closes
// nothing.
func (s *Server) checkTokens(ctx context.Context) {
	type key struct{ uid, token string }
	byToken := map[key][]*session{}
	s.mu.Lock()
	for sess := range s.sessions {
		if w := sess.who.Load(); w != nil && w.user != nil && w.token != "" {
			k := key{w.user.ID, w.token}
			byToken[k] = append(byToken[k], sess)
		}
	}
	s.mu.Unlock()
	for k, sessions := range byToken {
		if ctx.Err() != nil {
			return
		}
		_, err := s.cfg.Tokens.Authenticate(ctx, k.uid, k.token)
		if err == nil {
			continue
		}
		if e, ok := model.AsError(err); !ok || e.Kind != model.KindUnauthenticated {
			s.cfg.Logger.Warn("realtime: re-checking a login token", "user", k.uid, "err", err)
			continue
		}
		for _, sess := range sessions {
			// Only if the connection is still logged in with that token.
			if w := sess.who.Load(); w != nil && w.user != nil && w.user.ID == k.uid && w.token == k.token {
				sess.abort("login token no longer valid")
			}
		}
	}
}
