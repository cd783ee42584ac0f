package postgres

import (
	"context"
	"fmt"

	"liftoff/model"
	"liftoff/store"
	"liftoff/userstatus"
)

// The custom user statuses (userstatus.Store), on the custom_user_status
// table of migrations/0002_custom_user_status.sql. Writes guard their
// uniqueness rules with NOT EXISTS rather than failing a statement, which
// would abort the batch's transaction.

var _ userstatus.Store = (*DB)(nil)

// CustomUserStatuses implements userstatus.Store.
func (db *DB) CustomUserStatuses(ctx context.Context) ([]*model.CustomUserStatus, error) {
	out, err := collect(ctx, db.q, scanJSON[model.CustomUserStatus], "SELECT data FROM custom_user_status ORDER BY name, id")
	if err != nil {
		return nil, fmt.Errorf("postgres: custom user statuses: %w", err)
	}
	return out, nil
}

// InsertCustomUserStatus implements userstatus.Store.
func (db *DB) InsertCustomUserStatus(ctx context.Context, s *model.CustomUserStatus) error {
	data, err := encode("custom user status", s)
	if err != nil {
		return err
	}
	return db.Update(ctx, func(st store.Tx) error {
		return st.(*tx).execNew(ctx, "insert custom user status", s.Name,
			"INSERT INTO custom_user_status (id, name, data) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", text(s.ID), text(s.Name), data)
	})
}

// UpdateCustomUserStatus implements userstatus.Store.
func (db *DB) UpdateCustomUserStatus(ctx context.Context, s *model.CustomUserStatus) error {
	data, err := encode("custom user status", s)
	if err != nil {
		return err
	}
	return db.Update(ctx, func(st store.Tx) error {
		t := st.(*tx)
		found, err := t.exists(ctx, "SELECT 1 FROM custom_user_status WHERE id = $1", text(s.ID))
		if err != nil {
			return fmt.Errorf("postgres: update custom user status: %w", err)
		}
		if !found {
			return notFound("custom user status", s.ID)
		}
		taken, err := t.exists(ctx, "SELECT 1 FROM custom_user_status WHERE name = $1 AND id <> $2", text(s.Name), text(s.ID))
		if err != nil {
			return fmt.Errorf("postgres: update custom user status: %w", err)
		}
		if taken {
			return conflict("update custom user status", s.Name)
		}
		return t.execOne(ctx, "update custom user status", "custom user status", s.ID,
			"UPDATE custom_user_status SET name = $1, data = $2 WHERE id = $3", text(s.Name), data, text(s.ID))
	})
}

// DeleteCustomUserStatus implements userstatus.Store.
func (db *DB) DeleteCustomUserStatus(ctx context.Context, id string) error {
	return db.Update(ctx, func(st store.Tx) error {
		return st.(*tx).execOne(ctx, "delete custom user status", "custom user status", id,
			"DELETE FROM custom_user_status WHERE id = $1", text(id))
	})
}
