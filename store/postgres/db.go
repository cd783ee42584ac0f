package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"liftoff/jobs"
	"liftoff/model"
	"liftoff/store"
)

// ErrClosed is returned by Update after Close.
var ErrClosed = errors.New("postgres: database closed")

// ErrCommitUnknown is returned by Update when the connection failed during
// COMMIT and the outcome could not be learned in time: the writes may or
// may not have been kept.
var ErrCommitUnknown = errors.New("postgres: outcome of the commit unknown")

// Advisory lock keys. PostgreSQL scopes advisory locks to a database, so
// deployments on other databases of one server do not share them.
const (
	lockWrite   int64 = 0x4c69_6674_6f66_0001 // serializes write transactions (held until commit)
	lockOutbox  int64 = 0x4c69_6674_6f66_0002 // held by the one instance that publishes the outbox
	lockMigrate int64 = 0x4c69_6674_6f66_0003 // held while migrating
)

// notifyChannel is the LISTEN/NOTIFY channel that wakes the publisher when
// a transaction that emitted events commits.
const notifyChannel = "liftoff_outbox"

// Publisher takes committed events from the outbox to the bus, in commit
// order. bus.Bus implements it. An error leaves the events in the outbox;
// the store retries them, so Publish may see events it already took
// (at-least-once delivery).
type Publisher interface {
	Publish(ctx context.Context, events ...model.Event) error
}

// Options tune a database. The zero value gives the defaults.
type Options struct {
	// MaxBatch is the largest number of Update calls committed together
	// (default 128).
	MaxBatch int
	// ReadConns is the size of the read pool (default 8).
	ReadConns int
	// BatchTimeout bounds one write transaction, from BEGIN to the outcome
	// of COMMIT (default 30s): an Update never waits longer than that for
	// an answer once its function has started.
	BatchTimeout time.Duration
	// BatchBudget is how long a write transaction takes in more Update
	// calls (default 1s, at most half of BatchTimeout): once its functions
	// have run that long, the batch commits and the calls left wait for
	// the next one. It keeps a burst of calls on a slow database from
	// forming one transaction that exceeds BatchTimeout and fails them all.
	BatchBudget time.Duration
	// ConnectTimeout bounds each attempt to open a connection (default 5s).
	ConnectTimeout time.Duration
	// PublishBatch is the largest number of outbox events published in
	// one call (default 512).
	PublishBatch int
	// StandbyPoll is how often an instance that does not publish the
	// outbox checks whether the publishing instance is gone and takes
	// over (default 2s).
	StandbyPoll time.Duration
	// IdlePoll is how often the publisher looks at the outbox when no
	// notification woke it (default 5s; notifications are the normal path).
	IdlePoll time.Duration
	// CloseTimeout bounds how long Close lets the publisher hand the
	// committed events to the bus (default 5s); what is left is published
	// by the next instance that publishes.
	CloseTimeout time.Duration
	// Logger receives operational messages (default: discarded).
	Logger *slog.Logger
	// AfterCommit, when set, is called on the writer goroutine with the
	// events of each committed batch before its callers return (the
	// outbox publishes them to the bus later, asynchronously): for caches
	// that must not outlive a write on this instance (auth.Sessions).
	AfterCommit func([]model.Event)
	// OnBatch, when set, is told the number of Update calls each group
	// commit committed together (the /metrics batch-size histogram).
	OnBatch func(size int)
}

func (o *Options) setDefaults() {
	if o.MaxBatch <= 0 {
		o.MaxBatch = 128
	}
	if o.ReadConns <= 0 {
		o.ReadConns = 8
	}
	if o.BatchTimeout <= 0 {
		o.BatchTimeout = 30 * time.Second
	}
	if o.BatchBudget <= 0 {
		o.BatchBudget = time.Second
	}
	o.BatchBudget = min(o.BatchBudget, o.BatchTimeout/2)
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = 5 * time.Second
	}
	if o.PublishBatch <= 0 {
		o.PublishBatch = 512
	}
	if o.StandbyPoll <= 0 {
		o.StandbyPoll = 2 * time.Second
	}
	if o.IdlePoll <= 0 {
		o.IdlePoll = 5 * time.Second
	}
	if o.CloseTimeout <= 0 {
		o.CloseTimeout = 5 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

// DB is a Liftoff database on PostgreSQL. It implements store.Store; its
// methods are safe for concurrent use.
type DB struct {
	reader // reads on the pool

	opts    Options
	log     *slog.Logger
	pool    *pgxpool.Pool
	connCfg *pgx.ConnConfig
	epoch   string
	pub     Publisher

	wconn *pgx.Conn // the writer's connection; writer goroutine only (nil after a failure)

	mu      sync.RWMutex // guards closed and sends on reqs
	closed  bool
	reqs    chan *request
	stopped chan struct{} // closed when the writer goroutine exits

	pubSoft, pubHard context.CancelFunc // stop the publisher: after draining, and at once
	pubDone          chan struct{}
	publishing       atomic.Bool // this instance holds the outbox lock
	// eventJobs derives jobs from a batch's events, inserted before
	// COMMIT (SetEventJobs).
	eventJobs atomic.Pointer[jobs.EventJobs]

	closeOnce sync.Once
	closeErr  error
}

var _ store.Store = (*DB)(nil)

// request is one Update call waiting for the writer.
type request struct {
	ctx   context.Context
	fn    func(store.Tx) error
	state atomic.Int32 // reqPending, reqTaken or reqAbandoned
	done  chan error   // buffered; receives the outcome once
	// Set by the writer while it runs the batch.
	err    error
	events []model.Event
}

const (
	reqPending int32 = iota
	reqTaken
	reqAbandoned
)

// Open connects to the database at url (postgres://...), applies pending
// migrations and starts the writer and the outbox publisher. pub, which may
// be nil (an instance that only writes, such as an admin command), receives
// the events of every committed Update in commit order; see Publisher.
func Open(ctx context.Context, url string, pub Publisher, opts Options) (*DB, error) {
	opts.setDefaults()
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	cfg.MaxConns = int32(opts.ReadConns)
	cfg.ConnConfig.ConnectTimeout = opts.ConnectTimeout
	if _, ok := cfg.ConnConfig.RuntimeParams["application_name"]; !ok {
		cfg.ConnConfig.RuntimeParams["application_name"] = "liftoff"
	}
	connCfg := cfg.ConnConfig.Copy()
	wconn, err := pgx.ConnectConfig(ctx, withName(connCfg, "writer"))
	if err != nil {
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	if err := migrate(ctx, wconn); err != nil {
		wconn.Close(context.Background())
		return nil, err
	}
	var epoch string
	if err := wconn.QueryRow(ctx, "SELECT value FROM meta WHERE key = 'epoch'").Scan(&epoch); err != nil {
		wconn.Close(context.Background())
		return nil, fmt.Errorf("postgres: read epoch: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		wconn.Close(context.Background())
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	db := &DB{
		opts:    opts,
		log:     opts.Logger,
		pool:    pool,
		connCfg: connCfg,
		epoch:   epoch,
		pub:     pub,
		wconn:   wconn,
		reqs:    make(chan *request, opts.MaxBatch*4),
		stopped: make(chan struct{}),
		pubDone: make(chan struct{}),
	}
	db.reader = reader{q: pool}
	go db.writeLoop()
	if pub != nil {
		soft, cancelSoft := context.WithCancel(context.Background())
		hard, cancelHard := context.WithCancel(context.Background())
		db.pubSoft, db.pubHard = cancelSoft, cancelHard
		go db.runPublisher(soft, hard)
	} else {
		close(db.pubDone)
	}
	return db, nil
}

// Epoch returns the epoch of the database's event numbering.
func (db *DB) Epoch() string { return db.epoch }

// Analyze updates the planner's statistics of every table: after a bulk
// import, so that the first queries get good plans before autovacuum's
// next pass.
func (db *DB) Analyze(ctx context.Context) error {
	if _, err := db.pool.Exec(ctx, "ANALYZE"); err != nil {
		return fmt.Errorf("postgres: analyze: %w", err)
	}
	return nil
}

// Publishing reports whether this instance is the one publishing the
// outbox (the others stand by).
func (db *DB) Publishing() bool { return db.publishing.Load() }

// Update runs fn in a transaction on the writer goroutine, committed
// together with other pending calls; see store.Store and the package
// documentation.
//
// A call whose ctx ends while it waits for the writer is abandoned and
// returns ctx.Err() without running fn. Once fn has started, Update waits
// for the outcome of the commit whatever ctx does (at most
// Options.BatchTimeout), so that its result tells whether fn's writes were
// kept; ErrCommitUnknown when even that could not be learned. Statements of
// a Tx are not interrupted by the end of ctx (that would abort the whole
// batch); instead every Tx method fails once ctx is done.
func (db *DB) Update(ctx context.Context, fn func(tx store.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r := &request{ctx: ctx, fn: fn, done: make(chan error, 1)}
	db.mu.RLock()
	if db.closed {
		db.mu.RUnlock()
		return ErrClosed
	}
	select {
	case db.reqs <- r:
	case <-ctx.Done():
		db.mu.RUnlock()
		return ctx.Err()
	}
	db.mu.RUnlock()
	select {
	case err := <-r.done:
		return err
	case <-ctx.Done():
		if r.state.CompareAndSwap(reqPending, reqAbandoned) {
			return ctx.Err()
		}
		return <-r.done
	}
}

// writeLoop is the writer goroutine: it commits batches of requests until
// Close closes the queue, then exits after the last batch.
func (db *DB) writeLoop() {
	defer close(db.stopped)
	batch := make([]*request, 0, db.opts.MaxBatch)
	var left []*request // calls a batch had no time for, first in the next
	open := true
	for open || len(left) > 0 {
		batch = append(batch[:0], left...)
		left = nil
		if len(batch) == 0 {
			first, ok := <-db.reqs
			if !ok {
				break
			}
			batch = append(batch, first)
		}
	fill:
		for open && len(batch) < db.opts.MaxBatch {
			select {
			case r, ok := <-db.reqs:
				if !ok {
					open = false
					break fill
				}
				batch = append(batch, r)
			default:
				break fill
			}
		}
		left = append(left, db.runBatch(batch)...)
		clear(batch)
	}
	if db.wconn != nil {
		db.wconn.Close(context.Background())
	}
}

// withName returns a copy of cfg whose connections show, in
// pg_stat_activity, the application name with role appended
// ("liftoff-writer"), so that an operator sees which is which.
func withName(cfg *pgx.ConnConfig, role string) *pgx.ConnConfig {
	c := cfg.Copy()
	c.RuntimeParams["application_name"] += "-" + role
	return c
}

// writer returns the writer's connection, opening a new one when the last
// one failed.
func (db *DB) writer(ctx context.Context) (*pgx.Conn, error) {
	if db.wconn != nil && !db.wconn.IsClosed() {
		return db.wconn, nil
	}
	if db.wconn != nil {
		db.wconn.Close(context.Background())
		db.wconn = nil
	}
	c, err := pgx.ConnectConfig(ctx, withName(db.connCfg, "writer"))
	if err != nil {
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	db.wconn = c
	return c, nil
}

// runBatch commits one batch:
//
//  1. BEGIN and take the cluster-wide write lock (one round trip); the
//     transaction id is kept to learn the outcome of a COMMIT whose
//     connection fails;
//  2. run each function, inside its own savepoint when the batch holds
//     more than one, so that each succeeds or fails alone (releasing one
//     savepoint and opening the next is one round trip);
//  3. number the events of the functions that succeeded and write them to
//     the outbox, notify the publisher and COMMIT (one round trip).
//
// Once the functions have run for Options.BatchBudget, the batch stops
// taking the next one and commits; it returns the calls it did not start,
// for the next batch (a burst on a slow database would otherwise form one
// transaction longer than BatchTimeout, failing every call in it).
func (db *DB) runBatch(batch []*request) (left []*request) {
	live := batch[:0:0]
	for _, r := range batch {
		if !r.state.CompareAndSwap(reqPending, reqTaken) {
			continue // the caller gave up and already returned
		}
		if err := r.ctx.Err(); err != nil {
			r.done <- err
			continue
		}
		live = append(live, r)
	}
	if len(live) == 0 {
		return nil
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), db.opts.BatchTimeout)
	defer cancel()
	answer := func(err error) {
		for _, r := range live {
			if r.err == nil {
				r.err = err
			}
			r.done <- r.err
		}
	}
	conn, err := db.writer(ctx)
	if err != nil {
		answer(err) // no function ran
		return
	}
	multi := len(live) > 1
	xid, err := begin(ctx, conn, multi)
	if err != nil && conn.IsClosed() {
		// The connection had failed since the last batch (a restart of
		// the server, a network cut): no function ran, so try once more on
		// a new one.
		if conn, err = db.writer(ctx); err == nil {
			xid, err = begin(ctx, conn, multi)
		}
	}
	if err != nil {
		if conn != nil {
			db.rollback(conn)
		}
		answer(fmt.Errorf("postgres: begin: %w", err))
		return
	}
	for i := 0; i < len(live); i++ { // live may shrink (BatchBudget)
		r := live[i]
		t := &tx{conn: conn, bctx: ctx, ctx: r.ctx}
		t.reader = reader{q: t}
		err := callFn(r.fn, t)
		t.finished = true
		if i < len(live)-1 && time.Since(start) >= db.opts.BatchBudget {
			// No time for more: the rest wait for the next batch (they
			// have not started; they are pending again).
			for _, r := range live[i+1:] {
				r.state.Store(reqPending)
			}
			left = live[i+1:]
			live = live[:i+1]
		}
		if multi {
			// One round trip ends this function's savepoint and opens the
			// next one's.
			next := "; SAVEPOINT fn"
			if i == len(live)-1 {
				next = ""
			}
			if err == nil {
				// Fails when fn went on after a failed statement (the
				// transaction is then aborted up to the savepoint).
				if _, rerr := conn.Exec(ctx, "RELEASE SAVEPOINT fn"+next); rerr != nil {
					err = fmt.Errorf("postgres: release savepoint: %w", rerr)
				}
			}
			if err != nil {
				if conn.IsClosed() {
					r.err = err
					db.abort(conn, fmt.Errorf("postgres: connection lost: %w", err), answer)
					return
				}
				if _, rerr := conn.Exec(ctx, "ROLLBACK TO SAVEPOINT fn; RELEASE SAVEPOINT fn"+next); rerr != nil {
					r.err = err
					db.abort(conn, fmt.Errorf("postgres: rollback to savepoint: %w", rerr), answer)
					return
				}
			}
		}
		if err == nil {
			r.events = t.events
			continue
		}
		r.err = err
		if !multi {
			db.rollback(conn)
			answer(nil)
			return
		}
	}
	var events []model.Event
	for _, r := range live {
		if r.err == nil {
			events = append(events, r.events...)
		}
	}
	var staged jobs.Staged
	if fn := db.eventJobs.Load(); fn != nil && len(events) > 0 {
		staged = (*fn)(events)
	}
	if err := commit(ctx, conn, events, staged); err != nil {
		if conn.IsClosed() || pgconn.SafeToRetry(err) || errors.Is(err, context.DeadlineExceeded) {
			// The connection failed around COMMIT: it may have happened.
			if rerr := db.resolveCommit(xid); rerr != nil {
				db.log.Error("postgres: batch failed", "err", err, "outcome", rerr)
				answer(rerr)
				return
			}
			db.afterCommit(events)
			answer(nil)
			return
		}
		db.abort(conn, err, answer)
		return
	}
	db.afterCommit(events)
	if db.opts.OnBatch != nil {
		db.opts.OnBatch(len(live))
	}
	answer(nil)
	return left
}

// afterCommit hands a committed batch's events to Options.AfterCommit,
// keeping the writer alive if it panics.
func (db *DB) afterCommit(events []model.Event) {
	if db.opts.AfterCommit == nil || len(events) == 0 {
		return
	}
	defer func() {
		if p := recover(); p != nil {
			db.log.Error("postgres: after-commit hook panicked", "panic", p)
		}
	}()
	db.opts.AfterCommit(events)
}

// begin starts the batch's transaction, takes the write lock and, for a
// batch of several functions, opens the first one's savepoint, in one
// round trip; it returns the transaction's id.
func begin(ctx context.Context, conn *pgx.Conn, savepoint bool) (string, error) {
	b := &pgx.Batch{}
	b.Queue("BEGIN")
	// Serializes write transactions across every instance until COMMIT;
	// see the package documentation.
	b.Queue("SELECT pg_current_xact_id()::text FROM pg_advisory_xact_lock($1)", lockWrite)
	if savepoint {
		b.Queue("SAVEPOINT fn")
	}
	br := conn.SendBatch(ctx, b)
	var xid string
	_, err := br.Exec()
	if err == nil {
		err = br.QueryRow().Scan(&xid)
	}
	if err == nil && savepoint {
		_, err = br.Exec()
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return xid, err
}

// outboxSQL numbers a batch's events and writes them to the outbox in one
// statement: $1..$4 are the events' streams, kinds, bodies and whether the
// kind carries a position, in emission order. Each stream's counter is
// bumped by its number of positioned events, which take the numbers
// before the new value, in order.
const outboxSQL = `WITH ev AS (
	SELECT e.stream, e.kind, e.body, e.numbered, e.ord
	FROM unnest($1::text[], $2::text[], $3::text[], $4::bool[]) WITH ORDINALITY AS e(stream, kind, body, numbered, ord)
), counts AS (
	SELECT stream, count(*) AS n FROM ev WHERE numbered GROUP BY stream
), bumped AS (
	INSERT INTO event_streams AS s (stream, seq) SELECT stream, n FROM counts
	ON CONFLICT (stream) DO UPDATE SET seq = s.seq + excluded.seq
	RETURNING s.stream, s.seq
)
INSERT INTO outbox (stream, seq, kind, body)
SELECT ev.stream,
	CASE WHEN ev.numbered THEN b.seq - c.n + row_number() OVER (PARTITION BY ev.stream, ev.numbered ORDER BY ev.ord) ELSE 0 END,
	ev.kind, ev.body
FROM ev
LEFT JOIN counts AS c ON ev.numbered AND c.stream = ev.stream
LEFT JOIN bumped AS b ON ev.numbered AND b.stream = ev.stream
ORDER BY ev.ord`

// commit writes the events to the outbox, wakes the publisher and commits,
// in one round trip.
func commit(ctx context.Context, conn *pgx.Conn, events []model.Event, staged jobs.Staged) error {
	b := &pgx.Batch{}
	if len(staged.IDs) != len(staged.Jobs) {
		return fmt.Errorf("postgres: event jobs: %d ids for %d jobs", len(staged.IDs), len(staged.Jobs))
	}
	for i, j := range staged.Jobs {
		queueJob(b, staged.Now, staged.IDs[i], j)
	}
	if len(events) > 0 {
		streams := make([]string, len(events))
		kinds := make([]string, len(events))
		bodies := make([]string, len(events))
		numbered := make([]bool, len(events))
		for i, e := range events {
			body, err := encodeEvent(e)
			if err != nil {
				return err
			}
			_, numbered[i] = model.PositionOf(e)
			streams[i], kinds[i], bodies[i] = text(model.StreamOf(e)), e.EventKind(), body
		}
		b.Queue(outboxSQL, streams, kinds, bodies, numbered)
		b.Queue("SELECT pg_notify('" + notifyChannel + "', '')")
	}
	b.Queue("COMMIT")
	br := conn.SendBatch(ctx, b)
	var err error
	for range len(b.QueuedQueries) - 1 {
		if _, err = br.Exec(); err != nil {
			break
		}
	}
	var tag pgconn.CommandTag
	if err == nil {
		tag, err = br.Exec()
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("postgres: commit: %w", err)
	}
	// COMMIT of a transaction that had failed answers ROLLBACK.
	if !strings.EqualFold(tag.String(), "COMMIT") {
		return fmt.Errorf("postgres: commit: the transaction was rolled back (%s)", tag)
	}
	return nil
}

// resolveCommit learns, on another connection, whether the transaction
// xid committed: its connection failed while COMMIT was on its way.
func (db *DB) resolveCommit(xid string) error {
	ctx, cancel := context.WithTimeout(context.Background(), db.opts.BatchTimeout)
	defer cancel()
	for {
		var status *string
		err := db.pool.QueryRow(ctx, "SELECT pg_xact_status($1::xid8)", xid).Scan(&status)
		switch {
		case err == nil && status != nil && *status == "committed":
			return nil
		case err == nil && status != nil && *status == "aborted":
			return errors.New("postgres: the transaction was rolled back when its connection failed")
		case err == nil && status == nil:
			return ErrCommitUnknown
		}
		// In progress (the server has not yet seen the connection go), or
		// the server is unreachable: ask again until the deadline.
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (%v)", ErrCommitUnknown, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// rollback ends the open transaction; a failure closes the connection,
// which ends it too.
func (db *DB) rollback(conn *pgx.Conn) {
	if conn.IsClosed() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), db.opts.ConnectTimeout)
	defer cancel()
	if _, err := conn.Exec(ctx, "ROLLBACK"); err != nil {
		db.log.Warn("postgres: rollback", "err", err)
		conn.Close(context.Background())
	}
}

// abort rolls back the open transaction and fails every caller of the batch
// that has not failed on its own.
func (db *DB) abort(conn *pgx.Conn, err error, answer func(error)) {
	db.rollback(conn)
	db.log.Error("postgres: batch failed", "err", err)
	answer(err)
}

// callFn runs fn, turning a panic into an error so that one bad function
// cannot take the writer (and every other caller) down.
func callFn(fn func(store.Tx) error, t *tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("postgres: update function panicked: %v", p)
		}
	}()
	return fn(t)
}

// Close waits for pending Update calls to finish, lets the publisher hand
// what they committed to the bus (Options.CloseTimeout at most), and closes
// every connection. Update fails with ErrClosed afterwards.
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		db.mu.Lock()
		db.closed = true
		close(db.reqs)
		db.mu.Unlock()
		<-db.stopped
		if db.pubSoft != nil {
			db.pubSoft()
			select {
			case <-db.pubDone:
			case <-time.After(db.opts.CloseTimeout):
				db.log.Warn("postgres: the outbox publisher did not finish in time; the next instance to publish takes over")
			}
			db.pubHard()
			<-db.pubDone
		}
		db.pool.Close()
	})
	return db.closeErr
}
