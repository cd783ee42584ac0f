package sqlite

import (
	"context"
	"fmt"
	"time"

	"liftoff/federation/matrix/links"
)

// The Matrix bridge's links (links.Store), on the matrix_links table of
// migrations/0013_matrix_links.sql.

var _ links.Store = (*DB)(nil)

// MatrixLink implements links.Store.
func (db *DB) MatrixLink(ctx context.Context, kind, local string) (string, error) {
	v, ok, err := one(ctx, db.pool, scanString, `SELECT remote_id FROM matrix_links WHERE kind = ? AND local_id = ?`, kind, local)
	if err != nil {
		return "", fmt.Errorf("sqlite: matrix link: %w", err)
	}
	if !ok {
		return "", links.ErrNotFound
	}
	return v, nil
}

// MatrixLocal implements links.Store.
func (db *DB) MatrixLocal(ctx context.Context, kind, remote string) (string, error) {
	v, ok, err := one(ctx, db.pool, scanString, `SELECT local_id FROM matrix_links WHERE kind = ? AND remote_id = ?`, kind, remote)
	if err != nil {
		return "", fmt.Errorf("sqlite: matrix link: %w", err)
	}
	if !ok {
		return "", links.ErrNotFound
	}
	return v, nil
}

// PutMatrixLink implements links.Store.
func (db *DB) PutMatrixLink(ctx context.Context, kind, local, remote string) (bool, error) {
	added := false
	err := db.jobTx(ctx, func(t *tx) error {
		res, err := t.exec(ctx, `INSERT INTO matrix_links (kind, local_id, remote_id, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT DO NOTHING`, kind, local, remote, time.Now().UnixMilli())
		if err != nil {
			return mapErr("sqlite: put matrix link", err)
		}
		n, err := res.RowsAffected()
		added = n > 0
		return err
	})
	return added, err
}

// DeleteMatrixLink implements links.Store.
func (db *DB) DeleteMatrixLink(ctx context.Context, kind, local string) error {
	return db.jobTx(ctx, func(t *tx) error {
		_, err := t.exec(ctx, `DELETE FROM matrix_links WHERE kind = ? AND local_id = ?`, kind, local)
		return mapErr("sqlite: delete matrix link", err)
	})
}

type linkPair struct{ local, remote string }

// MatrixLinksByPrefix implements links.Store.
func (db *DB) MatrixLinksByPrefix(ctx context.Context, kind, prefix string) (map[string]string, error) {
	pairs, err := collect(ctx, db.pool, func(s scanner) (linkPair, error) {
		var p linkPair
		err := s.Scan(&p.local, &p.remote)
		return p, err
	}, `SELECT local_id, remote_id FROM matrix_links WHERE kind = ? AND substr(local_id, 1, length(?)) = ?`, kind, prefix, prefix)
	if err != nil {
		return nil, fmt.Errorf("sqlite: matrix links: %w", err)
	}
	out := make(map[string]string, len(pairs))
	for _, p := range pairs {
		out[p.local] = p.remote
	}
	return out, nil
}
