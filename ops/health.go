package ops

import (
	"context"
	"net/http"
	"sync/atomic"
	"time"
)

// Health serves /livez (the process runs) and /readyz (it can serve:
// started, not shutting down, and its check passes).
type Health struct {
	ready atomic.Bool
	check func(ctx context.Context) error
}

// NewHealth returns a Health whose readiness also runs check (may be nil).
func NewHealth(check func(ctx context.Context) error) *Health { return &Health{check: check} }

// SetReady marks the server ready or not (false while shutting down).
func (h *Health) SetReady(v bool) { h.ready.Store(v) }

// Live answers 200 while the process runs.
func (h *Health) Live(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain")
	_, _ = w.Write([]byte("ok\n"))
}

// Ready answers 200 when ready, 503 otherwise.
func (h *Health) Ready(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain")
	if !h.ready.Load() {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("not ready\n"))
		return
	}
	if h.check != nil {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := h.check(ctx); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("not ready: " + err.Error() + "\n"))
			return
		}
	}
	_, _ = w.Write([]byte("ok\n"))
}
