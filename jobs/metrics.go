package jobs

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the queue's Prometheus metrics. The counters count jobs by
// kind; the gauge of stored jobs by kind and state is read from the store
// when scraped.
type metrics struct {
	store     Store
	enqueued  *prometheus.CounterVec
	completed *prometheus.CounterVec
	retried   *prometheus.CounterVec
	failed    *prometheus.CounterVec
	duration  *prometheus.HistogramVec
	stored    *prometheus.Desc
}

func newMetrics(store Store) *metrics {
	counter := func(name, help string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, []string{"kind"})
	}
	return &metrics{
		store:     store,
		enqueued:  counter("liftoff_jobs_enqueued_total", "Jobs added to the queue (duplicates of a stored key not counted)."),
		completed: counter("liftoff_jobs_completed_total", "Jobs whose handler succeeded (notifications sent)."),
		retried:   counter("liftoff_jobs_retried_total", "Failed attempts that will be retried."),
		failed:    counter("liftoff_jobs_failed_total", "Jobs given up: a permanent error or too many attempts."),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "liftoff_jobs_duration_seconds",
			Help:    "Time a handler took for one job or batch.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"kind"}),
		stored: prometheus.NewDesc("liftoff_jobs_stored", "Jobs stored, by kind and state (pending, running, done, failed, canceled).",
			[]string{"kind", "state"}, nil),
	}
}

// Describe implements prometheus.Collector.
func (m *metrics) Describe(ch chan<- *prometheus.Desc) {
	m.enqueued.Describe(ch)
	m.completed.Describe(ch)
	m.retried.Describe(ch)
	m.failed.Describe(ch)
	m.duration.Describe(ch)
	ch <- m.stored
}

// Collect implements prometheus.Collector.
func (m *metrics) Collect(ch chan<- prometheus.Metric) {
	m.enqueued.Collect(ch)
	m.completed.Collect(ch)
	m.retried.Collect(ch)
	m.failed.Collect(ch)
	m.duration.Collect(ch)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	counts, err := m.store.CountJobs(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(m.stored, err)
		return
	}
	for _, c := range counts {
		ch <- prometheus.MustNewConstMetric(m.stored, prometheus.GaugeValue, float64(c.N), c.Kind, c.State)
	}
}
