package sqlite

import (
	"context"
	"fmt"

	"liftoff/model"
	"liftoff/statistics"
	"liftoff/store"
)

// The statistics snapshots (statistics.Store), on the statistics table of
// migrations/0017_statistics.sql.

var _ statistics.Store = (*DB)(nil)

// InsertStatistics implements statistics.Store.
func (db *DB) InsertStatistics(ctx context.Context, s *statistics.Snapshot) error {
	return db.Update(ctx, func(t store.Tx) error {
		return t.(*tx).execMany(ctx, "insert statistics",
			"INSERT INTO statistics (id, created_at, data) VALUES (?, ?, ?)", s.ID, s.CreatedAt.Millis(), string(s.Document))
	})
}

// StatisticsPage implements statistics.Store.
func (db *DB) StatisticsPage(ctx context.Context, offset, count int) ([]*statistics.Snapshot, int, error) {
	limit := count
	if limit <= 0 {
		limit = -1
	}
	out, err := collect(ctx, db.q, func(s scanner) (*statistics.Snapshot, error) {
		var snap statistics.Snapshot
		var ms int64
		var data string
		if err := s.Scan(&snap.ID, &ms, &data); err != nil {
			return nil, err
		}
		snap.CreatedAt, snap.Document = model.TimeFromMillis(ms), []byte(data)
		return &snap, nil
	}, "SELECT id, created_at, data FROM statistics ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?", limit, offset)
	if err != nil {
		return nil, 0, fmt.Errorf("sqlite: statistics: %w", err)
	}
	total, _, err := one(ctx, db.q, func(s scanner) (int, error) {
		var n int
		return n, s.Scan(&n)
	}, "SELECT count(*) FROM statistics")
	if err != nil {
		return nil, 0, fmt.Errorf("sqlite: count statistics: %w", err)
	}
	return out, total, nil
}
