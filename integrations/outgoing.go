package integrations

import "context"

// outgoing delivers outgoing webhooks (see StartOutgoing).
type outgoing struct{}

// reloadTriggers rebuilds the outgoing triggers after a change.
func (s *Service) reloadTriggers(ctx context.Context) {
	if s.out == nil {
		return
	}
	_ = ctx
}
