package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math"
	mrand "math/rand/v2"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// ErrNotFound is returned by Store.JobByKey when no job has the key.
var ErrNotFound = errors.New("jobs: not found")

// Handler runs one job. A nil error marks it done; Permanent errors fail
// it at once; other errors retry it after a backoff (RetryAfter chooses
// the delay) until the kind's MaxAttempts. ctx ends before the job's lease
// does: a handler must return by then.
type Handler func(ctx context.Context, job Job) error

// BatchHandler runs a batch of jobs of one kind and group (see HandleBatch).
// The outcome applies to every job of the batch.
type BatchHandler func(ctx context.Context, batch []Job) error

// KindOptions tune one kind; zero fields take the queue's Options.
type KindOptions struct {
	MaxAttempts int
	Backoff     Backoff
}

// Options tune a Queue. The zero value gives the defaults.
type Options struct {
	// Workers is the number of handlers running at once (default 4).
	Workers int
	// PollInterval is how often idle workers look for due jobs enqueued by
	// other instances or becoming due (default 1s). Enqueue on this Queue
	// wakes them at once.
	PollInterval time.Duration
	// Lease is how long a claim holds (default 5 minutes); a handler's
	// context ends LeaseMargin before it.
	Lease time.Duration
	// LeaseMargin (default 10% of Lease) leaves time to record the outcome.
	LeaseMargin time.Duration
	// MaxAttempts is the default number of tries of a job (default 10).
	MaxAttempts int
	// Backoff is the default retry delay (default: 10s doubling to 1h).
	Backoff Backoff
	// Retention is how long finished jobs are kept for idempotency before
	// Run purges them (default 7 days; negative: never purge).
	Retention time.Duration
	// Logger gets one line per failed attempt (default: discarded).
	Logger *slog.Logger
	// Registerer, when set, receives the queue's metrics.
	Registerer prometheus.Registerer
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Backoff computes retry delays: Base * 2^(attempt-1), at most Max, of
// which a random part (Jitter, 0 to 1, default 0.5) is drawn uniformly, so
// that many jobs failing together do not retry together.
type Backoff struct {
	Base   time.Duration
	Max    time.Duration
	Jitter float64
}

// Delay returns the wait after the given failed attempt (1 for the first).
func (b Backoff) Delay(attempt int) time.Duration {
	if attempt < 1 {
		attempt = 1
	}
	d := float64(b.Base) * math.Pow(2, float64(attempt-1))
	if d > float64(b.Max) || math.IsInf(d, 0) {
		d = float64(b.Max)
	}
	j := b.Jitter
	if j <= 0 || j > 1 {
		j = 0.5
	}
	return time.Duration(d*(1-j) + d*j*mrand.Float64())
}

func (o *Options) setDefaults() {
	if o.Workers <= 0 {
		o.Workers = 4
	}
	if o.PollInterval <= 0 {
		o.PollInterval = time.Second
	}
	if o.Lease <= 0 {
		o.Lease = 5 * time.Minute
	}
	if o.LeaseMargin <= 0 || o.LeaseMargin >= o.Lease {
		o.LeaseMargin = o.Lease / 10
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 10
	}
	if o.Backoff.Base <= 0 {
		o.Backoff.Base = 10 * time.Second
	}
	if o.Backoff.Max <= 0 {
		o.Backoff.Max = time.Hour
	}
	if o.Retention == 0 {
		o.Retention = 7 * 24 * time.Hour
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// permanentError marks an error not worth retrying.
type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// Permanent wraps err so that the job fails at once, without retries (the
// request is wrong, the recipient does not exist...).
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err}
}

// IsPermanent reports whether err was made by Permanent.
func IsPermanent(err error) bool {
	var p permanentError
	return errors.As(err, &p)
}

// retryAfterError asks for a given retry delay.
type retryAfterError struct {
	err   error
	after time.Duration
}

func (e retryAfterError) Error() string { return e.err.Error() }
func (e retryAfterError) Unwrap() error { return e.err }

// RetryAfter wraps err so that the job is retried after d (a provider's
// Retry-After) instead of the backoff delay; it still counts as an attempt.
func RetryAfter(err error, d time.Duration) error {
	if err == nil {
		return nil
	}
	return retryAfterError{err: err, after: d}
}

type kind struct {
	handle   BatchHandler
	maxBatch int // 0: not a batch kind
	opts     KindOptions
}

// Queue runs the handlers of registered kinds over a Store. Register every
// kind before Run; Enqueue and Cancel may be called at any time, from any
// goroutine, whether Run runs on this instance or not.
type Queue struct {
	store   Store
	opts    Options
	metrics *metrics

	mu    sync.Mutex
	kinds map[string]*kind

	wake chan struct{}
}

// New returns a queue over store.
func New(store Store, opts Options) *Queue {
	opts.setDefaults()
	q := &Queue{
		store: store,
		opts:  opts,
		kinds: map[string]*kind{},
		wake:  make(chan struct{}, 1),
	}
	q.metrics = newMetrics(store)
	if opts.Registerer != nil {
		opts.Registerer.MustRegister(q.metrics)
	}
	return q
}

// Handle registers the handler of a kind.
func (q *Queue) Handle(kindName string, h Handler, opts KindOptions) {
	q.register(kindName, func(ctx context.Context, batch []Job) error { return h(ctx, batch[0]) }, 0, opts)
}

// HandleBatch registers a batch handler: each call gets a due job of the
// kind together with the other pending jobs of its Group (due or not), at
// most maxBatch jobs, in enqueue order. Jobs with an empty Group come alone.
func (q *Queue) HandleBatch(kindName string, maxBatch int, h BatchHandler, opts KindOptions) {
	if maxBatch < 1 {
		maxBatch = 1
	}
	q.register(kindName, h, maxBatch, opts)
}

func (q *Queue) register(name string, h BatchHandler, maxBatch int, opts KindOptions) {
	if name == "" || h == nil {
		panic("jobs: Handle needs a kind and a handler")
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = q.opts.MaxAttempts
	}
	if opts.Backoff.Base <= 0 {
		opts.Backoff = q.opts.Backoff
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if _, dup := q.kinds[name]; dup {
		panic(fmt.Sprintf("jobs: kind %q registered twice", name))
	}
	q.kinds[name] = &kind{handle: h, maxBatch: maxBatch, opts: opts}
}

// Enqueue stores jobs (see NewJob) and wakes this instance's workers. It
// returns how many were added: jobs whose Key is already stored are not.
func (q *Queue) Enqueue(ctx context.Context, jobs ...NewJob) (int, error) {
	if len(jobs) == 0 {
		return 0, nil
	}
	now := q.opts.Now()
	ids := make([]string, len(jobs))
	for i, j := range jobs {
		if j.Kind == "" {
			return 0, fmt.Errorf("jobs: enqueue: job %d has no kind", i)
		}
		ids[i] = newID()
	}
	n, err := q.store.EnqueueJobs(ctx, now, ids, jobs)
	if err != nil {
		return 0, fmt.Errorf("jobs: enqueue: %w", err)
	}
	if n == len(jobs) {
		for _, j := range jobs {
			q.metrics.enqueued.WithLabelValues(j.Kind).Inc()
		}
	} else if n > 0 {
		// Which ones were duplicates is not reported; count by kind only
		// when all jobs share it (the common case).
		q.metrics.enqueued.WithLabelValues(jobs[0].Kind).Add(float64(n))
	}
	q.Wake()
	return n, nil
}

// Cancel cancels the pending jobs of group (of the given kinds, or all),
// for example a user's scheduled notifications once they read the room.
func (q *Queue) Cancel(ctx context.Context, group string, kinds ...string) (int, error) {
	if group == "" {
		return 0, errors.New("jobs: cancel needs a group")
	}
	n, err := q.store.CancelJobs(ctx, group, kinds, q.opts.Now())
	if err != nil {
		return 0, fmt.Errorf("jobs: cancel: %w", err)
	}
	return n, nil
}

// Wake makes idle workers look for due jobs now (for example when another
// instance signals that it enqueued some).
func (q *Queue) Wake() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// unit is what one worker runs: one job, or one batch.
type unit struct {
	kind    *kind
	name    string
	jobs    []Job
	leaseID string
	start   time.Time
}

// Run claims and runs due jobs until ctx ends, then waits for the
// handlers in flight and records their outcome before returning; it never
// abandons a job it claimed unless the store fails. It also purges
// finished jobs older than Options.Retention, once an hour.
func (q *Queue) Run(ctx context.Context) error {
	q.mu.Lock()
	kinds := make([]string, 0, len(q.kinds))
	batch := map[string]int{}
	for name, k := range q.kinds {
		kinds = append(kinds, name)
		if k.maxBatch > 0 {
			batch[name] = k.maxBatch
		}
	}
	q.mu.Unlock()
	if len(kinds) == 0 {
		return errors.New("jobs: Run with no handler registered")
	}
	sort.Strings(kinds)

	done := make(chan struct{}, q.opts.Workers)
	inflight := 0
	var wg sync.WaitGroup
	defer wg.Wait()
	timer := time.NewTimer(0)
	defer timer.Stop()
	var lastPurge time.Time
	backlog := false // the last claim took all it asked for: more may be due
	for {
		// Take back the slots of finished workers.
	drain:
		for {
			select {
			case <-done:
				inflight--
			default:
				break drain
			}
		}
		if ctx.Err() != nil {
			return nil
		}
		if q.opts.Retention > 0 && time.Since(lastPurge) > time.Hour {
			lastPurge = time.Now()
			if _, err := q.store.PurgeJobs(ctx, q.opts.Now().Add(-q.opts.Retention)); err != nil && ctx.Err() == nil {
				q.opts.Logger.Error("jobs: purge", "err", err)
			}
		}
		// While the queue has a backlog, claim in chunks of at least half
		// the workers: one claim per finished job would cost a transaction
		// per job (measured in docs/performance.md).
		if free := q.opts.Workers - inflight; free > 0 && (!backlog || free*2 >= q.opts.Workers) {
			units, err := q.claim(ctx, kinds, batch, free)
			backlog = len(units) == free
			if err != nil && ctx.Err() == nil {
				q.opts.Logger.Error("jobs: claim", "err", err)
			}
			for _, u := range units {
				inflight++
				wg.Add(1)
				go func() {
					defer wg.Done()
					q.run(u)
					done <- struct{}{}
				}()
			}
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
		timer.Reset(q.opts.PollInterval)
		select {
		case <-ctx.Done():
		case <-q.wake:
		case <-timer.C:
		case <-done:
			inflight--
		}
	}
}

// claim takes up to limit units of due jobs.
func (q *Queue) claim(ctx context.Context, kinds []string, batch map[string]int, limit int) ([]unit, error) {
	leaseID := newID()
	now := q.opts.Now()
	jobs, err := q.store.ClaimJobs(ctx, Claim{
		Now: now, LeaseID: leaseID, Lease: q.opts.Lease, Limit: limit, Kinds: kinds, Batch: batch,
	})
	if err != nil {
		return nil, err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	var units []unit
	index := map[string]int{} // kind+group of a batch -> its unit
	for _, j := range jobs {
		k := q.kinds[j.Kind]
		if k.maxBatch > 0 && j.Group != "" {
			key := j.Kind + "\x00" + j.Group
			if i, ok := index[key]; ok {
				units[i].jobs = append(units[i].jobs, j)
				continue
			}
			index[key] = len(units)
		}
		units = append(units, unit{kind: k, name: j.Kind, jobs: []Job{j}, leaseID: leaseID, start: now})
	}
	return units, nil
}

// run runs one unit's handler and records the outcome.
func (q *Queue) run(u unit) {
	timeout := q.opts.Lease - q.opts.LeaseMargin - q.opts.Now().Sub(u.start)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	started := time.Now()
	err := callHandler(ctx, u.kind.handle, u.jobs)
	cancel()
	q.metrics.duration.WithLabelValues(u.name).Observe(time.Since(started).Seconds())

	ids := make([]string, len(u.jobs))
	attempts := 0
	for i, j := range u.jobs {
		ids[i] = j.ID
		attempts = max(attempts, j.Attempts)
	}
	var f Finish
	switch {
	case err == nil:
		f = Finish{State: StateDone, At: q.opts.Now()}
	case IsPermanent(err) || attempts >= u.kind.opts.MaxAttempts:
		f = Finish{State: StateFailed, At: q.opts.Now(), Error: err.Error()}
	default:
		delay := u.kind.opts.Backoff.Delay(attempts)
		var ra retryAfterError
		if errors.As(err, &ra) && ra.after > 0 {
			delay = ra.after
		}
		f = Finish{State: StatePending, At: q.opts.Now().Add(delay), Error: err.Error()}
	}
	if err != nil {
		q.opts.Logger.Warn("jobs: attempt failed", "kind", u.name, "id", ids[0], "jobs", len(ids),
			"attempt", attempts, "outcome", f.State, "err", err)
	}
	// Recording the outcome must not depend on the Run context: a job that
	// ran must be marked, or it would run again after its lease.
	fctx, fcancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer fcancel()
	n, ferr := q.store.FinishJobs(fctx, u.leaseID, ids, f)
	if ferr != nil {
		q.opts.Logger.Error("jobs: record outcome", "kind", u.name, "id", ids[0], "state", f.State, "err", ferr)
		return
	}
	if n < len(ids) {
		q.opts.Logger.Warn("jobs: lease lost before the outcome was recorded", "kind", u.name, "id", ids[0], "recorded", n, "jobs", len(ids))
	}
	c := float64(n)
	switch f.State {
	case StateDone:
		q.metrics.completed.WithLabelValues(u.name).Add(c)
	case StateFailed:
		q.metrics.failed.WithLabelValues(u.name).Add(c)
	default:
		q.metrics.retried.WithLabelValues(u.name).Add(c)
	}
}

// callHandler turns a handler's panic into an error, so that one bad job
// fails alone.
func callHandler(ctx context.Context, h BatchHandler, jobs []Job) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("jobs: handler panicked: %v", p)
		}
	}()
	return h(ctx, jobs)
}

// newID returns a random job or lease id.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand panics instead)
	return hex.EncodeToString(b[:])
}
