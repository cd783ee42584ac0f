package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"liftoff/model"
	"liftoff/statistics"
	"liftoff/store"
)

// The statistics snapshots (statistics.Store), on the statistics table of
// migrations/0012_statistics.sql.

var _ statistics.Store = (*DB)(nil)

// InsertStatistics implements statistics.Store.
func (db *DB) InsertStatistics(ctx context.Context, s *statistics.Snapshot) error {
	return db.Update(ctx, func(st store.Tx) error {
		return st.(*tx).execNew(ctx, "insert statistics", s.ID,
			"INSERT INTO statistics (id, created_at, data) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
			text(s.ID), s.CreatedAt.Millis(), string(s.Document))
	})
}

// StatisticsPage implements statistics.Store.
func (db *DB) StatisticsPage(ctx context.Context, offset, count int) ([]*statistics.Snapshot, int, error) {
	var limit any // NULL: no limit
	if count > 0 {
		limit = count
	}
	out, err := collect(ctx, db.q, func(r pgx.Rows) (*statistics.Snapshot, error) {
		var snap statistics.Snapshot
		var ms int64
		var data string
		if err := r.Scan(&snap.ID, &ms, &data); err != nil {
			return nil, err
		}
		snap.CreatedAt, snap.Document = model.TimeFromMillis(ms), []byte(data)
		return &snap, nil
	}, "SELECT id, created_at, data FROM statistics ORDER BY created_at DESC, id DESC LIMIT $1 OFFSET $2", limit, offset)
	if err != nil {
		return nil, 0, fmt.Errorf("postgres: statistics: %w", err)
	}
	total, _, err := one(ctx, db.q, func(r pgx.Rows) (int, error) {
		var n int
		return n, r.Scan(&n)
	}, "SELECT count(*) FROM statistics")
	if err != nil {
		return nil, 0, fmt.Errorf("postgres: count statistics: %w", err)
	}
	return out, total, nil
}
