package sqlite

import (
	"context"
	"fmt"
	"strings"

	"liftoff/model"
	"liftoff/store"
)

// The integrations and their history (store.Integrations), on the tables
// of migrations/0009_integrations.sql. Writes go through Update, on the
// writer goroutine, without events.

var _ store.Integrations = (*DB)(nil)

// IntegrationByID implements store.Integrations.
func (db *DB) IntegrationByID(ctx context.Context, id string) (*model.Integration, error) {
	it, ok, err := one(ctx, db.reader.q, scanJSON[model.Integration], "SELECT data FROM integrations WHERE id = ?", id)
	if err != nil {
		return nil, fmt.Errorf("sqlite: integration by id: %w", err)
	}
	if !ok {
		return nil, notFound("integration", id)
	}
	return it, nil
}

var integrationSort = sortSpec{
	columns:  map[string]string{"_createdAt": "created_at", "_updatedAt": "updated_at", "name": "name_fold", "ts": "created_at"},
	def:      []store.SortKey{{Field: "_createdAt", Desc: true}},
	tiebreak: "seq",
}

// ListIntegrations implements store.Integrations.
func (db *DB) ListIntegrations(ctx context.Context, q store.IntegrationQuery, p store.Page) ([]*model.Integration, int, error) {
	var w where
	if len(q.Types) > 0 {
		w.add("type IN ("+placeholders(len(q.Types))+")", anys(q.Types)...)
	}
	if q.Enabled != nil {
		w.add("enabled = ?", boolInt(*q.Enabled))
	}
	if q.Name != "" {
		w.add(`name_fold LIKE ? ESCAPE '\'`, likePattern(fold(q.Name)))
	}
	if q.Scopes != nil {
		if len(q.Scopes) == 0 {
			w.add("0")
		} else {
			var ors []string
			var args []any
			for _, s := range q.Scopes {
				if s.CreatedBy == "" {
					ors = append(ors, "type = ?")
					args = append(args, s.Type)
				} else {
					ors = append(ors, "(type = ? AND created_by = ?)")
					args = append(args, s.Type, s.CreatedBy)
				}
			}
			w.add("("+strings.Join(ors, " OR ")+")", args...)
		}
	}
	return pageOf(ctx, db.reader.q, "list integrations", scanJSON[model.Integration], "data", "integrations", &w, integrationSort, p)
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

func anys(xs []string) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}

func integrationColumns(it *model.Integration) ([]any, error) {
	data, err := encode("integration", it)
	if err != nil {
		return nil, err
	}
	return []any{it.Type, fold(it.Name), boolInt(it.Enabled), it.CreatedBy.ID, millis(it.CreatedAt), millis(it.UpdatedAt), data, it.ID}, nil
}

// InsertIntegration implements store.Integrations.
func (db *DB) InsertIntegration(ctx context.Context, it *model.Integration) error {
	cols, err := integrationColumns(it)
	if err != nil {
		return err
	}
	return db.Update(ctx, func(st store.Tx) error {
		return st.(*tx).execMany(ctx, "insert integration", `INSERT INTO integrations
			(type, name_fold, enabled, created_by, created_at, updated_at, data, id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, cols...)
	})
}

// UpdateIntegration implements store.Integrations.
func (db *DB) UpdateIntegration(ctx context.Context, it *model.Integration) error {
	cols, err := integrationColumns(it)
	if err != nil {
		return err
	}
	return db.Update(ctx, func(st store.Tx) error {
		return st.(*tx).execOne(ctx, "update integration", "integration", it.ID, `UPDATE integrations SET
			type = ?, name_fold = ?, enabled = ?, created_by = ?, created_at = ?, updated_at = ?, data = ? WHERE id = ?`, cols...)
	})
}

// DeleteIntegration implements store.Integrations.
func (db *DB) DeleteIntegration(ctx context.Context, id string) error {
	return db.Update(ctx, func(st store.Tx) error {
		t := st.(*tx)
		if err := t.execOne(ctx, "delete integration", "integration", id, "DELETE FROM integrations WHERE id = ?", id); err != nil {
			return err
		}
		return t.execMany(ctx, "delete integration: history", "DELETE FROM integration_history WHERE integration_id = ?", id)
	})
}

// SaveIntegrationHistory implements store.Integrations.
func (db *DB) SaveIntegrationHistory(ctx context.Context, h *model.IntegrationHistory) error {
	data, err := encode("integration history", h)
	if err != nil {
		return err
	}
	return db.Update(ctx, func(st store.Tx) error {
		return st.(*tx).execMany(ctx, "save integration history", `INSERT INTO integration_history
			(id, integration_id, created_at, updated_at, data) VALUES (?1, ?2, ?3, ?4, ?5)
			ON CONFLICT (id) DO UPDATE SET integration_id = ?2, created_at = ?3, updated_at = ?4, data = ?5`,
			h.ID, h.Integration.ID, millis(h.CreatedAt), millis(h.UpdatedAt), data)
	})
}

// IntegrationHistoryEntry implements store.Integrations.
func (db *DB) IntegrationHistoryEntry(ctx context.Context, integrationID, id string) (*model.IntegrationHistory, error) {
	h, ok, err := one(ctx, db.reader.q, scanJSON[model.IntegrationHistory],
		"SELECT data FROM integration_history WHERE id = ? AND integration_id = ?", id, integrationID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: integration history entry: %w", err)
	}
	if !ok {
		return nil, notFound("integration history", id)
	}
	return h, nil
}

var historySort = sortSpec{
	columns:  map[string]string{"_createdAt": "created_at", "_updatedAt": "updated_at"},
	def:      []store.SortKey{{Field: "_updatedAt", Desc: true}},
	tiebreak: "seq",
}

// IntegrationHistory implements store.Integrations.
func (db *DB) IntegrationHistory(ctx context.Context, integrationID string, p store.Page) ([]*model.IntegrationHistory, int, error) {
	var w where
	w.add("integration_id = ?", integrationID)
	return pageOf(ctx, db.reader.q, "integration history", scanJSON[model.IntegrationHistory], "data", "integration_history", &w, historySort, p)
}

// ClearIntegrationHistory implements store.Integrations.
func (db *DB) ClearIntegrationHistory(ctx context.Context, integrationID string) (int, error) {
	n := 0
	err := db.Update(ctx, func(st store.Tx) error {
		res, err := st.(*tx).exec(ctx, "DELETE FROM integration_history WHERE integration_id = ?", integrationID)
		if err != nil {
			return mapErr("sqlite: clear integration history", err)
		}
		m, err := res.RowsAffected()
		n = int(m)
		return err
	})
	return n, err
}
