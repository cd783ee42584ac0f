package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"liftoff/federation/matrix/links"
)

// The Matrix bridge's links (links.Store), on the matrix_links table of
// migrations/0008_matrix_links.sql, written on the pool: they are no part
// of the chat's transactions.

var _ links.Store = (*DB)(nil)

// MatrixLink implements links.Store.
func (db *DB) MatrixLink(ctx context.Context, kind, local string) (string, error) {
	v, ok, err := one(ctx, db.pool, scanString, `SELECT remote_id FROM matrix_links WHERE kind = $1 AND local_id = $2`, text(kind), text(local))
	if err != nil {
		return "", fmt.Errorf("postgres: matrix link: %w", err)
	}
	if !ok {
		return "", links.ErrNotFound
	}
	return v, nil
}

// MatrixLocal implements links.Store.
func (db *DB) MatrixLocal(ctx context.Context, kind, remote string) (string, error) {
	v, ok, err := one(ctx, db.pool, scanString, `SELECT local_id FROM matrix_links WHERE kind = $1 AND remote_id = $2`, text(kind), text(remote))
	if err != nil {
		return "", fmt.Errorf("postgres: matrix link: %w", err)
	}
	if !ok {
		return "", links.ErrNotFound
	}
	return v, nil
}

// PutMatrixLink implements links.Store.
func (db *DB) PutMatrixLink(ctx context.Context, kind, local, remote string) (bool, error) {
	tag, err := db.pool.Exec(ctx, `INSERT INTO matrix_links (kind, local_id, remote_id, created_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT DO NOTHING`, text(kind), text(local), text(remote), time.Now().UnixMilli())
	if err != nil {
		return false, mapErr("postgres: put matrix link", err)
	}
	return tag.RowsAffected() > 0, nil
}

// DeleteMatrixLink implements links.Store.
func (db *DB) DeleteMatrixLink(ctx context.Context, kind, local string) error {
	_, err := db.pool.Exec(ctx, `DELETE FROM matrix_links WHERE kind = $1 AND local_id = $2`, text(kind), text(local))
	return mapErr("postgres: delete matrix link", err)
}

type linkPair struct{ local, remote string }

// MatrixLinksByPrefix implements links.Store.
func (db *DB) MatrixLinksByPrefix(ctx context.Context, kind, prefix string) (map[string]string, error) {
	pairs, err := collect(ctx, db.pool, func(s pgx.Rows) (linkPair, error) {
		var p linkPair
		err := s.Scan(&p.local, &p.remote)
		return p, err
	}, `SELECT local_id, remote_id FROM matrix_links WHERE kind = $1 AND left(local_id, length($2)) = $2`, text(kind), text(prefix))
	if err != nil {
		return nil, fmt.Errorf("postgres: matrix links: %w", err)
	}
	out := make(map[string]string, len(pairs))
	for _, p := range pairs {
		out[p.local] = p.remote
	}
	return out, nil
}
