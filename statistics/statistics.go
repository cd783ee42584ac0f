// Package statistics keeps the statistics snapshots Rocket.Chat's
// statistics.list pages through: GET statistics?refresh=true records the
// snapshot it answers. The snapshots are kept as the JSON documents the
// API answered (Rocket.Chat's statistics collection); store/sqlite and
// store/postgres implement the Store (contract suite in
// statistics/statstest).
package statistics

import (
	"context"
	"encoding/json"
	"fmt"

	"liftoff/access/perm"
	"liftoff/model"
)

// Snapshot is one recorded statistics document.
type Snapshot struct {
	ID        string
	CreatedAt model.Time
	Document  json.RawMessage // the JSON object statistics answered
}

// Store keeps the snapshots.
type Store interface {
	// InsertStatistics records a snapshot.
	InsertStatistics(ctx context.Context, s *Snapshot) error
	// StatisticsPage returns the snapshots newest first (count 0: all
	// from offset) and how many there are.
	StatisticsPage(ctx context.Context, offset, count int) ([]*Snapshot, int, error)
}

// Permissions answers global permission checks (chat.Admin implements it).
type Permissions interface {
	Can(user *model.User, permission perm.ID) bool
}

// Archive records and lists snapshots.
type Archive struct {
	store Store
	perms Permissions
}

// New returns an Archive.
func New(s Store, perms Permissions) *Archive { return &Archive{store: s, perms: perms} }

// ErrNotAllowed is Rocket.Chat's refusal without view-statistics.
var ErrNotAllowed = model.Invalid("error-not-allowed", "Not allowed")

// Record keeps doc, a statistics answer made at createdAt under id.
func (a *Archive) Record(ctx context.Context, id string, createdAt model.Time, doc any) error {
	b, err := json.Marshal(doc)
	if err != nil {
		return fmt.Errorf("statistics: encode: %w", err)
	}
	if err := a.store.InsertStatistics(ctx, &Snapshot{ID: id, CreatedAt: createdAt, Document: b}); err != nil {
		return fmt.Errorf("statistics: record: %w", err)
	}
	return nil
}

// List pages the snapshots, newest first; it needs view-statistics.
func (a *Archive) List(ctx context.Context, actor *model.User, p model.Page) ([]json.RawMessage, int, error) {
	if !a.perms.Can(actor, perm.ViewStatistics) {
		return nil, 0, ErrNotAllowed
	}
	snaps, total, err := a.store.StatisticsPage(ctx, p.Offset, p.Count)
	if err != nil {
		return nil, 0, fmt.Errorf("statistics: list: %w", err)
	}
	out := make([]json.RawMessage, 0, len(snaps))
	for _, s := range snaps {
		out = append(out, s.Document)
	}
	return out, total, nil
}
