package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"liftoff/notify/devices"
)

// Push targets (devices.Store), on the push_tokens table of
// migrations/0004_notifications.sql. They are no part of the chat's
// transactions, so they are written on the pool, not by the writer.

var _ devices.Store = (*DB)(nil)

const deviceColumns = "id, user_id, type, token, app_name, keys, created_at, updated_at"

func scanDevice(r pgx.Rows) (devices.Device, error) {
	var d devices.Device
	var created, updated int64
	err := r.Scan(&d.ID, &d.UserID, &d.Type, &d.Token, &d.AppName, &d.Keys, &created, &updated)
	d.CreatedAt, d.UpdatedAt = time.UnixMilli(created), time.UnixMilli(updated)
	return d, err
}

// SaveDevice implements devices.Store.
func (db *DB) SaveDevice(ctx context.Context, d devices.Device) error {
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM push_tokens WHERE type = $1 AND token = $2 AND id <> $3`,
			text(d.Type), text(d.Token), text(d.ID)); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO push_tokens (`+deviceColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			ON CONFLICT (id) DO UPDATE SET user_id = excluded.user_id, type = excluded.type, token = excluded.token,
				app_name = excluded.app_name, keys = excluded.keys, updated_at = excluded.updated_at`,
			text(d.ID), text(d.UserID), text(d.Type), text(d.Token), text(d.AppName), text(d.Keys),
			d.CreatedAt.UnixMilli(), d.UpdatedAt.UnixMilli())
		return err
	})
	return mapErr("postgres: save device", err)
}

// DeleteUserToken implements devices.Store.
func (db *DB) DeleteUserToken(ctx context.Context, userID, token string) (int, error) {
	tag, err := db.pool.Exec(ctx, `DELETE FROM push_tokens WHERE user_id = $1 AND token = $2`, text(userID), text(token))
	if err != nil {
		return 0, mapErr("postgres: delete device token", err)
	}
	return int(tag.RowsAffected()), nil
}

// DeleteDevice implements devices.Store.
func (db *DB) DeleteDevice(ctx context.Context, id string) error {
	_, err := db.pool.Exec(ctx, `DELETE FROM push_tokens WHERE id = $1`, text(id))
	return mapErr("postgres: delete device", err)
}

// Device implements devices.Store.
func (db *DB) Device(ctx context.Context, id string) (devices.Device, error) {
	d, ok, err := one(ctx, db.pool, scanDevice, `SELECT `+deviceColumns+` FROM push_tokens WHERE id = $1`, text(id))
	if err != nil {
		return d, fmt.Errorf("postgres: device: %w", err)
	}
	if !ok {
		return d, fmt.Errorf("device %q: %w", id, devices.ErrNotFound)
	}
	return d, nil
}

// DevicesOfUser implements devices.Store.
func (db *DB) DevicesOfUser(ctx context.Context, userID string, types ...string) ([]devices.Device, error) {
	q := `SELECT ` + deviceColumns + ` FROM push_tokens WHERE user_id = $1`
	args := []any{text(userID)}
	if len(types) > 0 {
		q += ` AND type = ANY($2)`
		args = append(args, texts(types))
	}
	ds, err := collect(ctx, db.pool, scanDevice, q+` ORDER BY created_at, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: devices of user: %w", err)
	}
	return ds, nil
}
