package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"liftoff/model"
	"liftoff/store"
)

// ErrClosed is returned by Update after Close.
var ErrClosed = errors.New("sqlite: database closed")

// Options tune a database. The zero value gives the defaults.
type Options struct {
	// Synchronous is SQLite's synchronous pragma, one of SynchronousModes:
	// "FULL" (default: every acknowledged commit survives a power loss),
	// "NORMAL" (a commit survives a crash of the process but may be lost on
	// power loss), "EXTRA" or "OFF" (tests only: a power loss can corrupt
	// the database).
	Synchronous string
	// Now is the clock that stamps tombstones (time.Now when nil).
	Now func() time.Time
	// MaxBatch is the largest number of Update calls committed together
	// (default 256).
	MaxBatch int
	// ReadConns is the number of read connections (default 4).
	ReadConns int
	// BusyTimeoutMillis is how long a connection waits for a lock held by
	// another process (default 5000).
	BusyTimeoutMillis int
	// Logger receives operational messages (default: discarded).
	Logger *slog.Logger
	// OnBatch, when set, is told the number of Update calls each group
	// commit committed together (the /metrics batch-size histogram).
	OnBatch func(size int)
	// WriteCacheMiB is the writer connection's page cache (default 32).
	// Bulk imports into a big database want more: inserting random ids
	// touches index pages all over the file.
	WriteCacheMiB int
	// CheckpointPages is the WAL size, in pages, at which a commit copies
	// the WAL back into the database (SQLite's wal_autocheckpoint, default
	// 1000). Bulk imports gain from a larger value: a page changed by many
	// commits is written back once.
	CheckpointPages int
}

// SynchronousModes are the values of Options.Synchronous, safest last.
var SynchronousModes = []string{"OFF", "NORMAL", "FULL", "EXTRA"}

// ParseSynchronous returns the synchronous mode named s, in any case, in
// upper case; an error names the modes.
func ParseSynchronous(s string) (string, error) {
	mode := strings.ToUpper(s)
	if !slices.Contains(SynchronousModes, mode) {
		return "", fmt.Errorf("invalid synchronous mode %q (want one of %s)", s, strings.Join(SynchronousModes, ", "))
	}
	return mode, nil
}

func (o *Options) setDefaults() error {
	if o.Synchronous == "" {
		o.Synchronous = "FULL"
	}
	mode, err := ParseSynchronous(o.Synchronous)
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	o.Synchronous = mode
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = 256
	}
	if o.ReadConns <= 0 {
		o.ReadConns = 4
	}
	if o.BusyTimeoutMillis <= 0 {
		o.BusyTimeoutMillis = 5000
	}
	if o.WriteCacheMiB <= 0 {
		o.WriteCacheMiB = 32
	}
	if o.CheckpointPages <= 0 {
		o.CheckpointPages = 1000
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}

// DB is a Liftoff database in one SQLite file. It implements store.Store;
// its methods are safe for concurrent use.
type DB struct {
	reader // reads on the read pool

	path   string
	opts   Options
	epoch  string // of the event numbering (model.Position)
	sink   store.EventSink
	log    *slog.Logger
	readDB *sql.DB
	pool   *poolQuerier

	writeDB *sql.DB
	wconn   *sql.Conn
	wq      *connQuerier

	mu      sync.RWMutex // guards closed and sends on reqs
	closed  bool
	reqs    chan *request
	stopped chan struct{} // closed when the writer goroutine exits

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

func dsn(path string, pragmas ...string) string {
	v := url.Values{}
	for _, p := range pragmas {
		v.Add("_pragma", p)
	}
	return "file:" + path + "?" + v.Encode()
}

// private creates the database file at path readable and writable by its
// owner only (mode 0600) when it does not exist, and takes group and other
// permissions away from an existing one and its -wal and -shm files:
// SQLite creates those with the database file's mode, and they hold every
// message, password hash and token hash.
func private(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			return fmt.Errorf("sqlite: open %s: %w", path, err)
		}
		if fi.Mode().Perm()&0o077 != 0 {
			if err := os.Chmod(p, fi.Mode().Perm()&0o700); err != nil {
				return fmt.Errorf("sqlite: restricting %s to its owner: %w", p, err)
			}
		}
	}
	return nil
}

// Open opens (creating it if needed) the database at path, applies pending
// migrations and starts the writer. sink, which may be nil, receives the
// events of every committed Update, in commit order, on the writer
// goroutine: it must not call Update itself (that would deadlock) and should
// hand the events off quickly.
func Open(ctx context.Context, path string, sink store.EventSink, opts Options) (*DB, error) {
	if err := opts.setDefaults(); err != nil {
		return nil, err
	}
	if path == "" || strings.ContainsRune(path, '?') {
		// The path goes into a DSN where '?' starts the parameters.
		return nil, fmt.Errorf("sqlite: invalid database path %q", path)
	}
	if err := private(path); err != nil {
		return nil, err
	}
	busy := fmt.Sprintf("busy_timeout(%d)", opts.BusyTimeoutMillis)
	writeDB, err := sql.Open("sqlite", dsn(path,
		busy,
		"journal_mode(WAL)",
		"synchronous("+opts.Synchronous+")",
		"foreign_keys(0)",
		"temp_store(MEMORY)",
		fmt.Sprintf("cache_size(-%d)", opts.WriteCacheMiB*1024),
		fmt.Sprintf("wal_autocheckpoint(%d)", opts.CheckpointPages),
	))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	writeDB.SetMaxOpenConns(1)
	writeDB.SetMaxIdleConns(1)
	writeDB.SetConnMaxLifetime(0)
	writeDB.SetConnMaxIdleTime(0)
	wconn, err := writeDB.Conn(ctx)
	if err != nil {
		writeDB.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if err := migrate(ctx, wconn); err != nil {
		wconn.Close()
		writeDB.Close()
		return nil, err
	}
	epoch, err := readEpoch(ctx, wconn)
	if err != nil {
		wconn.Close()
		writeDB.Close()
		return nil, err
	}
	readDB, err := sql.Open("sqlite", dsn(path,
		busy,
		"query_only(1)",
		"temp_store(MEMORY)",
		"cache_size(-16000)",
	))
	if err != nil {
		wconn.Close()
		writeDB.Close()
		return nil, fmt.Errorf("sqlite: open %s for reading: %w", path, err)
	}
	readDB.SetMaxOpenConns(opts.ReadConns)
	readDB.SetMaxIdleConns(opts.ReadConns)
	readDB.SetConnMaxLifetime(0)
	readDB.SetConnMaxIdleTime(0)
	if err := readDB.PingContext(ctx); err != nil {
		readDB.Close()
		wconn.Close()
		writeDB.Close()
		return nil, fmt.Errorf("sqlite: open %s for reading: %w", path, err)
	}

	db := &DB{
		path:    path,
		opts:    opts,
		epoch:   epoch,
		sink:    sink,
		log:     opts.Logger,
		readDB:  readDB,
		pool:    newPoolQuerier(readDB),
		writeDB: writeDB,
		wconn:   wconn,
		wq:      newConnQuerier(wconn),
		reqs:    make(chan *request, opts.MaxBatch*4),
		stopped: make(chan struct{}),
	}
	db.reader = reader{q: db.pool}
	go db.writeLoop()
	return db, nil
}

// Update runs fn in a transaction on the writer goroutine, committed
// together with other pending calls (group commit); see store.Store.
//
// A call whose ctx ends while it waits for the writer is abandoned and
// returns ctx.Err() without running fn. Once fn has started, Update waits
// for the outcome of the commit whatever ctx does, so that its result always
// tells whether fn's writes were kept. Statements of a Tx are not interrupted
// by the end of ctx (SQLite would roll back the whole batch); instead every
// Tx method fails once ctx is done.
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
	for first := range db.reqs {
		batch = append(batch[:0], first)
	fill:
		for len(batch) < db.opts.MaxBatch {
			select {
			case r, ok := <-db.reqs:
				if !ok {
					break fill
				}
				batch = append(batch, r)
			default:
				break fill
			}
		}
		db.runBatch(batch)
		clear(batch)
	}
}

// runBatch commits one batch; see the package documentation.
func (db *DB) runBatch(batch []*request) {
	bg := context.Background()
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
		return
	}
	fail := func(err error) {
		for _, r := range live {
			if r.err == nil {
				r.err = err
			}
			r.done <- r.err
		}
	}
	if _, err := db.wq.exec(bg, "BEGIN IMMEDIATE"); err != nil {
		fail(fmt.Errorf("sqlite: begin: %w", err))
		return
	}
	for _, r := range live {
		if _, err := db.wq.exec(bg, "SAVEPOINT fn"); err != nil {
			db.abort(fmt.Errorf("sqlite: savepoint: %w", err), fail)
			return
		}
		t := &tx{db: db, ctx: r.ctx}
		t.reader = reader{q: t}
		err := callFn(r.fn, t)
		t.finished = true
		if err == nil {
			if _, rerr := db.wq.exec(bg, "RELEASE fn"); rerr != nil {
				err = fmt.Errorf("sqlite: release savepoint: %w", rerr)
			}
		}
		if err != nil {
			r.err = err
			if _, rerr := db.wq.exec(bg, "ROLLBACK TO fn"); rerr != nil {
				// The transaction is gone (SQLite may roll back a whole
				// transaction on some errors): nothing of the batch is kept.
				db.abort(fmt.Errorf("sqlite: rollback to savepoint: %w", rerr), fail)
				return
			}
			if _, rerr := db.wq.exec(bg, "RELEASE fn"); rerr != nil {
				db.abort(fmt.Errorf("sqlite: release savepoint: %w", rerr), fail)
				return
			}
			continue
		}
		r.events = t.events
	}
	var events []model.Event
	for _, r := range live {
		if r.err == nil {
			events = append(events, r.events...)
		}
	}
	if err := numberEvents(bg, db.wq, db.epoch, events); err != nil {
		db.abort(err, fail)
		return
	}
	if err := flushSearchIndex(bg, db.wq); err != nil {
		db.abort(err, fail)
		return
	}
	if _, err := db.wq.exec(bg, "COMMIT"); err != nil {
		db.abort(fmt.Errorf("sqlite: commit: %w", err), fail)
		return
	}
	if db.opts.OnBatch != nil {
		db.opts.OnBatch(len(live))
	}
	if db.sink != nil && len(events) > 0 {
		db.publish(events)
	}
	for _, r := range live {
		r.done <- r.err
	}
}

// flushSearchIndex indexes the messages queued in messages_fts_pending
// (see migrations/0001_init.sql).
//
// CROSS JOIN makes SQLite loop over the (small) queue and look each message
// up by seq; with a plain JOIN and no statistics the planner chose to scan
// the whole messages table once per batch, a cost that grew with the
// database (a commit took 300 ms at 300,000 messages).
func flushSearchIndex(ctx context.Context, q querier) error {
	if _, err := q.exec(ctx, `INSERT INTO messages_fts (rowid, msg)
		SELECT m.seq, m.msg FROM messages_fts_pending AS p CROSS JOIN messages AS m ON m.seq = p.seq`); err != nil {
		return fmt.Errorf("sqlite: index message texts: %w", err)
	}
	if _, err := q.exec(ctx, "DELETE FROM messages_fts_pending"); err != nil {
		return fmt.Errorf("sqlite: index message texts: %w", err)
	}
	return nil
}

// abort rolls back the open transaction and fails every caller of the batch
// that has not failed on its own.
func (db *DB) abort(err error, fail func(error)) {
	if _, rerr := db.wq.exec(context.Background(), "ROLLBACK"); rerr != nil {
		// "no transaction is active" is expected when SQLite already rolled back.
		db.log.Debug("sqlite: rollback after failed batch", "err", rerr)
	}
	db.log.Error("sqlite: batch failed", "err", err)
	fail(err)
}

// publish hands events to the sink, keeping the writer alive if it panics.
func (db *DB) publish(events []model.Event) {
	defer func() {
		if p := recover(); p != nil {
			db.log.Error("sqlite: event sink panicked", "panic", p)
		}
	}()
	db.sink(events)
}

// callFn runs fn, turning a panic into an error so that one bad function
// cannot take the writer (and every other caller) down.
func callFn(fn func(store.Tx) error, t *tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("sqlite: update function panicked: %v", p)
		}
	}()
	return fn(t)
}

// Backup writes a consistent copy of the database to path (which must not
// exist) with VACUUM INTO; it runs beside reads and writes. The copy gets a
// new event numbering epoch.
//
// It uses a connection of its own: the read pool's connections are
// query-only, which forbids VACUUM INTO, and the writer must stay free.
func (db *DB) Backup(ctx context.Context, path string) error {
	// VACUUM INTO writes into an empty file: create it readable by its
	// owner only (it holds every message and password hash), failing if
	// something is there already.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("sqlite: backup to %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("sqlite: backup to %s: %w", path, err)
	}
	bdb, err := sql.Open("sqlite", dsn(db.path, fmt.Sprintf("busy_timeout(%d)", db.opts.BusyTimeoutMillis)))
	if err != nil {
		return fmt.Errorf("sqlite: backup to %s: %w", path, err)
	}
	defer bdb.Close()
	bdb.SetMaxOpenConns(1)
	if _, err := bdb.ExecContext(ctx, "VACUUM INTO ?", path); err != nil {
		return fmt.Errorf("sqlite: backup to %s: %w", path, err)
	}
	if err := bdb.Close(); err != nil {
		return fmt.Errorf("sqlite: backup to %s: %w", path, err)
	}
	// The copy numbers events anew from where it stands, below the numbers
	// the live database goes on handing out: a new epoch tells receivers
	// that its positions do not compare with the old ones.
	cdb, err := sql.Open("sqlite", dsn(path, fmt.Sprintf("busy_timeout(%d)", db.opts.BusyTimeoutMillis)))
	if err != nil {
		return fmt.Errorf("sqlite: backup to %s: %w", path, err)
	}
	defer cdb.Close()
	if _, err := cdb.ExecContext(ctx, "UPDATE meta SET value = ? WHERE key = 'epoch'", newEpoch()); err != nil {
		return fmt.Errorf("sqlite: backup to %s: new epoch: %w", path, err)
	}
	return cdb.Close()
}

// Close waits for pending Update calls to finish, stops the writer and
// closes every connection. Update fails with ErrClosed afterwards.
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		db.mu.Lock()
		db.closed = true
		close(db.reqs)
		db.mu.Unlock()
		<-db.stopped
		ctx := context.Background()
		if _, err := db.wq.exec(ctx, "PRAGMA optimize"); err != nil {
			db.log.Warn("sqlite: optimize on close", "err", err)
		}
		db.wq.close()
		db.pool.close()
		db.closeErr = errors.Join(db.wconn.Close(), db.writeDB.Close(), db.readDB.Close())
	})
	return db.closeErr
}
