// Package loginlimit shares the failed-login counters of auth (Rocket.Chat's
// Block_Multiple_Failed_Logins) between the instances of a cluster, in a
// NATS JetStream key-value bucket: failures spread over several instances
// add up, and a username or address blocked on one instance is blocked on
// all. Each update is a compare-and-set on the key's revision, so
// concurrent failures on several instances are all counted.
package loginlimit

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"liftoff/auth"
)

// Limits is the bucket <prefix>_logins of a deployment.
type Limits struct {
	nc      *natsgo.Conn
	kv      jetstream.KeyValue
	timeout time.Duration
}

// Open connects to NATS at url and creates the bucket when missing, kept
// by replicas servers of a NATS cluster (0 or 1: one). Its entries are
// dropped a day after their last change (blocks last minutes).
func Open(ctx context.Context, url, prefix string, replicas int) (*Limits, error) {
	nc, err := natsgo.Connect(url, natsgo.Name("liftoff login limits"), natsgo.MaxReconnects(-1),
		natsgo.ReconnectWait(250*time.Millisecond), natsgo.Timeout(5*time.Second))
	if err != nil {
		return nil, fmt.Errorf("login limits: connect: %w", err)
	}
	js, err := jetstream.New(nc)
	var kv jetstream.KeyValue
	if err == nil {
		kv, err = js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: prefix + "_logins", History: 1, TTL: 24 * time.Hour, Replicas: max(replicas, 1),
			Description: "Liftoff: failed logins by username and address"})
	}
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("login limits: %w", err)
	}
	return &Limits{nc: nc, kv: kv, timeout: time.Second}, nil
}

// Close disconnects.
func (l *Limits) Close() { l.nc.Close() }

// Counter returns the counter of one scope ("user", "ip"): its keys are
// apart from other scopes'.
func (l *Limits) Counter(scope string) auth.FailureCounter { return counter{l, scope} }

type counter struct {
	l     *Limits
	scope string
}

// key is a bucket key: the scope and the hex form of the key (usernames and
// addresses hold characters keys may not).
func (c counter) key(k string) string { return c.scope + "." + hex.EncodeToString([]byte(k)) }

// errUnreachable fails a call at once while NATS is unreachable: the login
// goes on without waiting for a timeout (auth logs the failure).
var errUnreachable = errors.New("NATS unreachable")

func (c counter) get(ctx context.Context, key string) (auth.Failures, uint64, error) {
	if !c.l.nc.IsConnected() {
		return auth.Failures{}, 0, errUnreachable
	}
	e, err := c.l.kv.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return auth.Failures{}, 0, nil
	}
	if err != nil {
		return auth.Failures{}, 0, err
	}
	var f auth.Failures
	if err := json.Unmarshal(e.Value(), &f); err != nil {
		return auth.Failures{}, e.Revision(), nil // unreadable: start over
	}
	return f, e.Revision(), nil
}

func (c counter) Blocked(ctx context.Context, k string, now time.Time) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, c.l.timeout)
	defer cancel()
	f, _, err := c.get(ctx, c.key(k))
	if err != nil {
		return false, fmt.Errorf("login limits: %w", err)
	}
	return now.Before(f.BlockedUntil), nil
}

func (c counter) Fail(ctx context.Context, k string, now time.Time, max int, block time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, c.l.timeout)
	defer cancel()
	key := c.key(k)
	var err error
	// Until the deadline: every round, one of the instances competing
	// for the key succeeds.
	for ctx.Err() == nil {
		var f auth.Failures
		var rev uint64
		if f, rev, err = c.get(ctx, key); err != nil {
			break
		}
		b, _ := json.Marshal(auth.NextFailure(f, now, max, block))
		if rev == 0 {
			_, err = c.l.kv.Create(ctx, key, b)
		} else {
			_, err = c.l.kv.Update(ctx, key, b, rev)
		}
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			break
		}
		// Another instance changed the key in between: read it again.
	}
	return fmt.Errorf("login limits: count a failure: %w", err)
}

func (c counter) Reset(ctx context.Context, k string) error {
	if !c.l.nc.IsConnected() {
		return fmt.Errorf("login limits: reset: %w", errUnreachable)
	}
	ctx, cancel := context.WithTimeout(ctx, c.l.timeout)
	defer cancel()
	if err := c.l.kv.Delete(ctx, c.key(k)); err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
		return fmt.Errorf("login limits: reset: %w", err)
	}
	return nil
}
