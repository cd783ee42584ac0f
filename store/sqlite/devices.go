package sqlite

import (
	"context"
	"fmt"
	"time"

	"liftoff/notify/devices"
)

// Push targets (devices.Store), on the push_tokens table of
// migrations/0010_notifications.sql. Writes run on the writer goroutine.

var _ devices.Store = (*DB)(nil)

const deviceColumns = "id, user_id, type, token, app_name, keys, created_at, updated_at"

func scanDevice(s scanner) (devices.Device, error) {
	var d devices.Device
	var created, updated int64
	err := s.Scan(&d.ID, &d.UserID, &d.Type, &d.Token, &d.AppName, &d.Keys, &created, &updated)
	d.CreatedAt, d.UpdatedAt = time.UnixMilli(created), time.UnixMilli(updated)
	return d, err
}

// SaveDevice implements devices.Store.
func (db *DB) SaveDevice(ctx context.Context, d devices.Device) error {
	return db.jobTx(ctx, func(t *tx) error {
		if _, err := t.exec(ctx, `DELETE FROM push_tokens WHERE type = ? AND token = ? AND id <> ?`, d.Type, d.Token, d.ID); err != nil {
			return mapErr("sqlite: save device", err)
		}
		_, err := t.exec(ctx, `INSERT INTO push_tokens (`+deviceColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET user_id = excluded.user_id, type = excluded.type, token = excluded.token,
				app_name = excluded.app_name, keys = excluded.keys, updated_at = excluded.updated_at`,
			d.ID, d.UserID, d.Type, d.Token, d.AppName, d.Keys, d.CreatedAt.UnixMilli(), d.UpdatedAt.UnixMilli())
		return mapErr("sqlite: save device", err)
	})
}

// DeleteUserToken implements devices.Store.
func (db *DB) DeleteUserToken(ctx context.Context, userID, token string) (int, error) {
	n := 0
	err := db.jobTx(ctx, func(t *tx) error {
		res, err := t.exec(ctx, `DELETE FROM push_tokens WHERE user_id = ? AND token = ?`, userID, token)
		if err != nil {
			return mapErr("sqlite: delete device token", err)
		}
		c, err := res.RowsAffected()
		n = int(c)
		return err
	})
	return n, err
}

// DeleteDevice implements devices.Store.
func (db *DB) DeleteDevice(ctx context.Context, id string) error {
	return db.jobTx(ctx, func(t *tx) error {
		_, err := t.exec(ctx, `DELETE FROM push_tokens WHERE id = ?`, id)
		return mapErr("sqlite: delete device", err)
	})
}

// Device implements devices.Store.
func (db *DB) Device(ctx context.Context, id string) (devices.Device, error) {
	d, ok, err := one(ctx, db.pool, scanDevice, `SELECT `+deviceColumns+` FROM push_tokens WHERE id = ?`, id)
	if err != nil {
		return d, fmt.Errorf("sqlite: device: %w", err)
	}
	if !ok {
		return d, fmt.Errorf("device %q: %w", id, devices.ErrNotFound)
	}
	return d, nil
}

// DevicesOfUser implements devices.Store.
func (db *DB) DevicesOfUser(ctx context.Context, userID string, types ...string) ([]devices.Device, error) {
	q := `SELECT ` + deviceColumns + ` FROM push_tokens WHERE user_id = ?`
	args := []any{userID}
	if len(types) > 0 {
		q += ` AND type IN (SELECT value FROM json_each(?))`
		args = append(args, jsonList(types))
	}
	ds, err := collect(ctx, db.pool, scanDevice, q+` ORDER BY created_at, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: devices of user: %w", err)
	}
	return ds, nil
}
