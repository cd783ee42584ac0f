// Package cluster makes presence cluster-wide when several instances share
// a database: each instance announces, in a NATS JetStream key-value
// bucket, the status its own connections give each user (one key per user
// holding every instance's announcement, changed by compare-and-set, so
// reading a user's announcements is one lookup); the status stored
// (and broadcast) is the combination of the announcements of the instances
// that are alive. An instance proves it is alive by refreshing a key in a
// second bucket whose entries expire; the announcements of an instance
// whose key expired (it died, or lost NATS) are removed by the others,
// which then store the users' new status. So a user connected to two
// instances stays online when one connection closes, and the users of a
// dead instance turn offline within a bounded time (Options.Heartbeat
// times three, plus one sweep).
//
// A Directory implements presence.StatusStore: the presence tracker of
// each instance keeps deciding the status of its own connections (grace
// period, away, default status) and hands it here instead of to the store.
package cluster

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"liftoff/model"
)

// Statuses stores a user's status computed inside the write transaction
// (chat.Accounts implements it): status gets the default status in force
// and returns the visible status to store.
type Statuses interface {
	SetStatusFrom(ctx context.Context, userID, statusDefault string, status func(ctx context.Context, statusDefault string) (string, error)) error
}

// Options configure a Directory.
type Options struct {
	URL    string // NATS server(s)
	Prefix string // the deployment's prefix (buckets <prefix>_presence and <prefix>_instances)
	// Replicas is how many servers of a NATS cluster keep the buckets
	// (default 1).
	Replicas int
	// Heartbeat is how often the instance proves it is alive and sweeps
	// the announcements of dead instances (default 5s); an instance is dead
	// after three missed heartbeats.
	Heartbeat time.Duration
	// Timeout bounds each NATS call (default 5s).
	Timeout time.Duration
	Logger  *slog.Logger
	// Info is what this instance tells the others about itself (its key's
	// value in the instances bucket; instances.get shows it).
	Info []byte
}

// Directory is one instance's view of the cluster's presence.
type Directory struct {
	opts  Options
	log   *slog.Logger
	nc    *natsgo.Conn
	users jetstream.KeyValue // <user> -> {instance: the status its connections give}
	live  jetstream.KeyValue // <instance> -> "", expiring after 3 heartbeats
	id    string
	st    Statuses

	mu    sync.Mutex        // guards mine and alive
	mine  map[string]string // user id -> status this instance announced (not offline)
	alive map[string]bool   // the instances alive at the last heartbeat
	beats atomic.Int64      // heartbeats so far

	stop chan struct{}
	done chan struct{}
	once sync.Once
}

// Open connects to NATS, creates the buckets when missing and starts the
// heartbeat.
func Open(ctx context.Context, opts Options, st Statuses) (*Directory, error) {
	if opts.URL == "" {
		return nil, errors.New("presence cluster: no NATS URL")
	}
	if opts.Prefix == "" {
		opts.Prefix = "liftoff"
	}
	if opts.Heartbeat <= 0 {
		opts.Heartbeat = 5 * time.Second
	}
	if opts.Replicas <= 0 {
		opts.Replicas = 1
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 5 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	d := &Directory{opts: opts, log: opts.Logger, id: hex.EncodeToString(b[:]), st: st, mine: map[string]string{},
		alive: map[string]bool{}, stop: make(chan struct{}), done: make(chan struct{})}
	nc, err := natsgo.Connect(opts.URL, natsgo.Name("liftoff presence "+d.id), natsgo.MaxReconnects(-1),
		natsgo.ReconnectWait(250*time.Millisecond), natsgo.Timeout(opts.Timeout))
	if err != nil {
		return nil, fmt.Errorf("presence cluster: connect: %w", err)
	}
	d.nc = nc
	js, err := jetstream.New(nc)
	if err == nil {
		d.users, err = js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: opts.Prefix + "_presence", History: 1, Replicas: opts.Replicas,
			Description: "Liftoff: the status each instance's connections give each user"})
	}
	if err == nil {
		d.live, err = js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: opts.Prefix + "_instances", History: 1,
			TTL: 3 * opts.Heartbeat, Replicas: opts.Replicas, Description: "Liftoff: the instances alive"})
	}
	if err == nil {
		_, err = d.live.Put(ctx, d.id, opts.Info)
	}
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("presence cluster: %w", err)
	}
	go d.loop()
	return d, nil
}

// Instances lists the instances alive now (this one included): each
// one's id and the Info it announced.
func (d *Directory) Instances(ctx context.Context) (map[string][]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, d.opts.Timeout)
	defer cancel()
	out := map[string][]byte{}
	keys, err := d.live.ListKeys(ctx)
	if errors.Is(err, jetstream.ErrNoKeysFound) {
		return out, nil
	}
	if err != nil {
		return nil, fmt.Errorf("presence cluster: list instances: %w", err)
	}
	for k := range keys.Keys() {
		e, err := d.live.Get(ctx, k)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			continue // expired since the listing
		}
		if err != nil {
			return nil, fmt.Errorf("presence cluster: instance %s: %w", k, err)
		}
		out[k] = e.Value()
	}
	return out, nil
}

// ID is this instance's name in the buckets.
func (d *Directory) ID() string { return d.id }

var plainKey = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// userKey is a user id as a key: as is when it is a plain id, otherwise
// "=" and its hex form ("=" never starts a plain id).
func userKey(userID string) string {
	if plainKey.MatchString(userID) {
		return userID
	}
	return "=" + hex.EncodeToString([]byte(userID))
}

func userOfKey(key string) (string, bool) {
	if h, ok := strings.CutPrefix(key, "="); ok {
		b, err := hex.DecodeString(h)
		return string(b), err == nil
	}
	return key, true
}

// SetStatus implements presence.StatusStore: it announces the status this
// instance's connections give the user, then stores the combination of
// every live instance's announcement.
func (d *Directory) SetStatus(ctx context.Context, userID, status, statusDefault string) error {
	// The tracker calls one user at a time; the key's compare-and-set
	// orders this instance's change with the others'.
	offline := status == model.StatusOffline || status == ""
	if err := d.update(ctx, userID, func(m map[string]string) {
		if offline {
			delete(m, d.id)
		} else {
			m[d.id] = status
		}
	}); err != nil {
		return err
	}
	d.mu.Lock()
	if offline {
		delete(d.mine, userID)
	} else {
		d.mine[userID] = status
	}
	d.mu.Unlock()
	return d.st.SetStatusFrom(ctx, userID, statusDefault, d.combined(userID))
}

// errUnreachable fails a call at once while NATS is unreachable, rather than
// after its timeout: presence changes then fail (and are logged) without
// holding up logins, or the store's write lock in combined.
var errUnreachable = errors.New("presence cluster: NATS unreachable")

// read returns the user's announcements and the key's revision (0: none).
func (d *Directory) read(ctx context.Context, userID string) (map[string]string, uint64, error) {
	if !d.nc.IsConnected() {
		return nil, 0, errUnreachable
	}
	e, err := d.users.Get(ctx, userKey(userID))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return map[string]string{}, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("presence cluster: read %s: %w", userID, err)
	}
	m := map[string]string{}
	if err := json.Unmarshal(e.Value(), &m); err != nil {
		d.log.Warn("presence cluster: unreadable announcements, starting over", "user", userID, "err", err)
		m = map[string]string{}
	}
	return m, e.Revision(), nil
}

// update changes the user's announcements with edit, by compare-and-set on
// the key's revision (instances may change the same user at once).
func (d *Directory) update(ctx context.Context, userID string, edit func(map[string]string)) error {
	ctx, cancel := context.WithTimeout(ctx, d.opts.Timeout)
	defer cancel()
	key := userKey(userID)
	var err error
	for ctx.Err() == nil { // every round, one of the competing instances wins
		var m map[string]string
		var rev uint64
		if m, rev, err = d.read(ctx, userID); err != nil {
			return err
		}
		edit(m)
		switch {
		case len(m) == 0 && rev == 0:
			return nil
		case len(m) == 0:
			err = d.users.Delete(ctx, key, jetstream.LastRevision(rev))
		default:
			b, _ := json.Marshal(m)
			if rev == 0 {
				_, err = d.users.Create(ctx, key, b)
			} else {
				_, err = d.users.Update(ctx, key, b, rev)
			}
		}
		if err == nil {
			return nil
		}
	}
	return fmt.Errorf("presence cluster: announce %s: %w", userID, err)
}

// combined returns the function computing the user's status from the
// announcements, inside the store's write transaction.
func (d *Directory) combined(userID string) func(ctx context.Context, statusDefault string) (string, error) {
	return func(ctx context.Context, statusDefault string) (string, error) {
		// Inside the store's write transaction, which every instance's
		// writes wait for: a short bound.
		ctx, cancel := context.WithTimeout(ctx, min(d.opts.Timeout, time.Second))
		defer cancel()
		m, _, err := d.read(ctx, userID)
		if err != nil {
			return "", err
		}
		var statuses []string
		for inst, st := range m {
			if d.isAlive(ctx, inst) {
				statuses = append(statuses, st)
			}
		}
		return Combine(statusDefault, statuses), nil
	}
}

// isAlive reports whether an instance is alive: this one, one alive at the
// last heartbeat, or one whose key exists now (it started since). When
// NATS cannot say, it is taken as alive (a user stays online rather than
// flapping).
func (d *Directory) isAlive(ctx context.Context, inst string) bool {
	if inst == d.id {
		return true
	}
	d.mu.Lock()
	ok := d.alive[inst]
	d.mu.Unlock()
	if ok {
		return true
	}
	_, err := d.live.Get(ctx, inst)
	return !errors.Is(err, jetstream.ErrKeyNotFound)
}

// Combine is the visible status of a user whose default status is
// statusDefault, given the statuses instances announced for their
// connections: offline without any; with the default invisible, offline;
// with away or busy, that; otherwise online when any instance has an
// active connection, away when all are idle.
func Combine(statusDefault string, announced []string) string {
	if len(announced) == 0 || statusDefault == model.StatusInvisible || statusDefault == model.StatusOffline {
		return model.StatusOffline
	}
	switch statusDefault {
	case model.StatusAway, model.StatusBusy:
		return statusDefault
	}
	for _, s := range announced {
		if s == model.StatusOnline {
			return model.StatusOnline
		}
	}
	return model.StatusAway
}

// sweepEvery is how many heartbeats pass between full sweeps when no
// instance was seen going away.
const sweepEvery = 12

func (d *Directory) loop() {
	defer close(d.done)
	t := time.NewTicker(d.opts.Heartbeat)
	defer t.Stop()
	for {
		select {
		case <-d.stop:
			return
		case <-t.C:
		}
		d.beat()
		// The first heartbeat sweeps too: instances that died while none
		// was running (the whole cluster stopped at once) left their
		// announcements behind, and their keys have expired since.
		if gone, n := d.refreshAlive(), d.beats.Load(); gone || n == 1 || n%sweepEvery == 0 {
			d.sweep()
		}
	}
}

// beat refreshes this instance's key. When the key had expired (NATS was
// unreachable for three heartbeats, and others may have removed this
// instance's announcements), the announcements are made again.
func (d *Directory) beat() {
	d.beats.Add(1)
	ctx, cancel := context.WithTimeout(context.Background(), d.opts.Timeout)
	defer cancel()
	_, err := d.live.Create(ctx, d.id, d.opts.Info)
	if errors.Is(err, jetstream.ErrKeyExists) {
		if _, err = d.live.Put(ctx, d.id, d.opts.Info); err != nil {
			d.log.Warn("presence cluster: heartbeat", "err", err)
		}
		return
	}
	if err != nil {
		d.log.Warn("presence cluster: heartbeat", "err", err)
		return
	}
	d.mu.Lock()
	mine := make(map[string]string, len(d.mine))
	for u, s := range d.mine {
		mine[u] = s
	}
	d.mu.Unlock()
	if len(mine) > 0 {
		d.log.Warn("presence cluster: this instance was taken for dead; announcing its users again", "users", len(mine))
	}
	for u, s := range mine {
		if err := d.SetStatus(ctx, u, s, ""); err != nil {
			d.log.Warn("presence cluster: announce again", "user", u, "err", err)
		}
	}
}

// refreshAlive lists the live instances and reports whether one that was
// alive at the previous heartbeat is gone.
func (d *Directory) refreshAlive() (gone bool) {
	ctx, cancel := context.WithTimeout(context.Background(), d.opts.Timeout)
	defer cancel()
	now := map[string]bool{}
	keys, err := d.live.ListKeys(ctx)
	if err == nil {
		for k := range keys.Keys() {
			now[k] = true
		}
	}
	if err != nil && !errors.Is(err, jetstream.ErrNoKeysFound) {
		d.log.Warn("presence cluster: list instances", "err", err)
		return false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for inst := range d.alive {
		if !now[inst] {
			gone = true
		}
	}
	d.alive = now
	return gone
}

// sweep removes the announcements of dead instances and stores their
// users' new status. Every instance sweeps; the work is idempotent.
func (d *Directory) sweep() {
	ctx, cancel := context.WithTimeout(context.Background(), 3*d.opts.Heartbeat)
	defer cancel()
	keys, err := d.users.ListKeys(ctx)
	if err != nil {
		if !errors.Is(err, jetstream.ErrNoKeysFound) {
			d.log.Warn("presence cluster: sweep", "err", err)
		}
		return
	}
	for key := range keys.Keys() {
		userID, ok := userOfKey(key)
		if !ok {
			continue
		}
		m, _, err := d.read(ctx, userID)
		if err != nil {
			d.log.Warn("presence cluster: sweep", "user", userID, "err", err)
			continue
		}
		var dead []string
		for inst := range m {
			if !d.isAlive(ctx, inst) {
				dead = append(dead, inst)
			}
		}
		if len(dead) == 0 {
			continue
		}
		if err := d.update(ctx, userID, func(m map[string]string) {
			for _, inst := range dead {
				delete(m, inst)
			}
		}); err != nil {
			d.log.Warn("presence cluster: sweep", "user", userID, "err", err)
			continue
		}
		if err := d.st.SetStatusFrom(ctx, userID, "", d.combined(userID)); err != nil {
			d.log.Warn("presence cluster: sweep", "user", userID, "err", err)
		}
	}
}

// Close stops the heartbeat, withdraws this instance's announcements
// (storing the users' new status, 5 s at most) and disconnects.
func (d *Directory) Close() {
	d.once.Do(func() {
		close(d.stop)
		<-d.done
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		d.mu.Lock()
		users := make([]string, 0, len(d.mine))
		for u := range d.mine {
			users = append(users, u)
		}
		d.mu.Unlock()
		for _, u := range users {
			if ctx.Err() != nil {
				break
			}
			if err := d.SetStatus(ctx, u, model.StatusOffline, ""); err != nil {
				d.log.Warn("presence cluster: withdraw on close", "user", u, "err", err)
			}
		}
		_ = d.live.Delete(ctx, d.id)
		d.nc.Close()
	})
}
