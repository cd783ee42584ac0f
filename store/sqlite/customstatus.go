package sqlite

import (
	"context"
	"fmt"

	"liftoff/model"
	"liftoff/store"
	"liftoff/userstatus"
)

// The custom user statuses (userstatus.Store), on the custom_user_status
// table of migrations/0008_custom_user_status.sql.

var _ userstatus.Store = (*DB)(nil)

// CustomUserStatuses implements userstatus.Store.
func (db *DB) CustomUserStatuses(ctx context.Context) ([]*model.CustomUserStatus, error) {
	out, err := collect(ctx, db.q, scanJSON[model.CustomUserStatus], "SELECT data FROM custom_user_status ORDER BY name, rowid")
	if err != nil {
		return nil, fmt.Errorf("sqlite: custom user statuses: %w", err)
	}
	return out, nil
}

// InsertCustomUserStatus implements userstatus.Store.
func (db *DB) InsertCustomUserStatus(ctx context.Context, s *model.CustomUserStatus) error {
	data, err := encode("custom user status", s)
	if err != nil {
		return err
	}
	return db.Update(ctx, func(t store.Tx) error {
		return t.(*tx).execMany(ctx, "insert custom user status",
			"INSERT INTO custom_user_status (id, name, data) VALUES (?, ?, ?)", s.ID, s.Name, data)
	})
}

// UpdateCustomUserStatus implements userstatus.Store.
func (db *DB) UpdateCustomUserStatus(ctx context.Context, s *model.CustomUserStatus) error {
	data, err := encode("custom user status", s)
	if err != nil {
		return err
	}
	return db.Update(ctx, func(t store.Tx) error {
		return t.(*tx).execOne(ctx, "update custom user status", "custom user status", s.ID,
			"UPDATE custom_user_status SET name = ?, data = ? WHERE id = ?", s.Name, data, s.ID)
	})
}

// DeleteCustomUserStatus implements userstatus.Store.
func (db *DB) DeleteCustomUserStatus(ctx context.Context, id string) error {
	return db.Update(ctx, func(t store.Tx) error {
		return t.(*tx).execOne(ctx, "delete custom user status", "custom user status", id,
			"DELETE FROM custom_user_status WHERE id = ?", id)
	})
}
