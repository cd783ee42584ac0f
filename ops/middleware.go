package ops

import (
	"bufio"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"liftoff/model"
)

type ctxKey int

const requestIDKey ctxKey = 0

// RequestID returns the request id carried by ctx, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// Metrics are the HTTP server's Prometheus metrics.
type Metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inflight prometheus.Gauge
}

// NewMetrics registers the HTTP metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "liftoff_http_requests_total", Help: "HTTP requests by route and status class.",
		}, []string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "liftoff_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route"}),
		inflight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "liftoff_http_requests_in_flight", Help: "HTTP requests being served.",
		}),
	}
	reg.MustRegister(m.requests, m.duration, m.inflight)
	return m
}

// statusWriter records the status code written.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

// Hijack lets WebSocket upgrades through the wrapper.
func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	h, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("hijacking not supported")
	}
	if w.status == 0 {
		w.status = http.StatusSwitchingProtocols
	}
	return h.Hijack()
}

// Flush passes flushes through.
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap exposes the underlying writer to http.ResponseController.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Middleware gives every request an id (X-Request-Id, kept when the client
// sends a sane one), recovers panics into a 500, counts and times requests,
// and logs one line per request.
func Middleware(log *slog.Logger, m *Metrics, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if id == "" || len(id) > 64 || !model.ValidID(id) {
			id = model.NewID()
		}
		w.Header().Set("X-Request-Id", id)
		r = r.WithContext(context.WithValue(r.Context(), requestIDKey, id))
		sw := &statusWriter{ResponseWriter: w}
		m.inflight.Inc()
		defer func() {
			m.inflight.Dec()
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				log.Error("panic serving request", "request_id", id, "path", logPath(r.URL.Path), "panic", p)
				if sw.status == 0 {
					http.Error(sw, `{"success":false,"error":"Internal server error"}`, http.StatusInternalServerError)
				}
			}
			route := routeOf(r)
			elapsed := time.Since(start)
			m.requests.WithLabelValues(route, strconv.Itoa(sw.status/100)+"xx").Inc()
			m.duration.WithLabelValues(route).Observe(elapsed.Seconds())
			level := slog.LevelDebug
			if sw.status >= 500 {
				level = slog.LevelError
			}
			log.Log(r.Context(), level, "request", "request_id", id, "method", r.Method, "path", logPath(r.URL.Path),
				"status", sw.status, "bytes", sw.bytes, "duration_ms", float64(elapsed.Microseconds())/1000)
		}()
		next.ServeHTTP(sw, r)
	})
}

// routeOf names a request's route for metrics with bounded cardinality.
func routeOf(r *http.Request) string {
	p := r.URL.Path
	switch {
	case strings.HasPrefix(p, "/api/v1/"):
		rest := p[len("/api/v1/"):]
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			rest = rest[:i]
		}
		if len(rest) > 48 {
			rest = rest[:48]
		}
		return "/api/v1/" + rest
	case strings.HasPrefix(p, "/avatar/"):
		return "/avatar"
	case strings.HasPrefix(p, "/websocket"), strings.HasPrefix(p, "/sockjs"):
		return "/websocket"
	case strings.HasPrefix(p, "/hooks/"):
		return "/hooks"
	case p == "/api/info", p == "/livez", p == "/readyz", p == "/metrics":
		return p
	}
	return "other"
}

// logPath is a request's path as logged: an incoming webhook's URL holds
// its secret token (/hooks/{id}/{token}), so only its first segment is
// kept.
func logPath(p string) string {
	rest, ok := strings.CutPrefix(p, "/hooks/")
	if !ok {
		return p
	}
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		rest = rest[:i]
	}
	return "/hooks/" + rest + "/…"
}
