package external

import (
	"context"
	"errors"
	"time"

	"liftoff/auth/pending"
	"liftoff/model"
	"liftoff/store"
)

// PendingStore is a pending.Store in the database, so that a sign-in
// started on one instance can finish on another.
type PendingStore struct {
	store store.Store
	now   func() time.Time
}

// NewPendingStore returns the store over st; now replaces the clock (nil: time.Now).
func NewPendingStore(st store.Store, now func() time.Time) *PendingStore {
	if now == nil {
		now = time.Now
	}
	return &PendingStore{store: st, now: now}
}

var _ pending.Store = (*PendingStore)(nil)

// Put implements pending.Store.
func (p *PendingStore) Put(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if ttl <= 0 {
		return errors.New("pending: a value needs a positive lifetime")
	}
	now := p.now()
	err := p.store.Update(ctx, func(tx store.Tx) error {
		return tx.PutPending(ctx, key, value, model.TimeOf(now.Add(ttl)), model.TimeOf(now))
	})
	if errors.Is(err, store.ErrConflict) {
		return pending.ErrExists
	}
	return err
}

// Get implements pending.Store.
func (p *PendingStore) Get(ctx context.Context, key string) ([]byte, error) {
	v, err := p.store.Pending(ctx, key, model.TimeOf(p.now()))
	if errors.Is(err, store.ErrNotFound) {
		return nil, pending.ErrNotFound
	}
	return v, err
}

// Take implements pending.Store.
func (p *PendingStore) Take(ctx context.Context, key string) ([]byte, error) {
	var v []byte
	err := p.store.Update(ctx, func(tx store.Tx) error {
		var err error
		v, err = tx.TakePending(ctx, key, model.TimeOf(p.now()))
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, pending.ErrNotFound
	}
	return v, err
}

// Delete implements pending.Store.
func (p *PendingStore) Delete(ctx context.Context, key string) error {
	return p.store.Update(ctx, func(tx store.Tx) error { return tx.DeletePending(ctx, key) })
}
