package sqlite

import (
	"context"
	"fmt"

	"liftoff/model"
	"liftoff/store"
)

// ---- uploads ----

// UploadByID returns the upload record with the id.
func (r reader) UploadByID(ctx context.Context, id string) (*model.Upload, error) {
	u, ok, err := one(ctx, r.q, scanJSON[model.Upload], "SELECT data FROM uploads WHERE id = ?", id)
	if err != nil {
		return nil, fmt.Errorf("sqlite: upload by id: %w", err)
	}
	if !ok {
		return nil, notFound("upload", id)
	}
	return u, nil
}

var uploadSort = sortSpec{
	columns:  map[string]string{"uploadedAt": "uploaded_at", "name": "search", "size": "size"},
	def:      []store.SortKey{{Field: "uploadedAt", Desc: true}},
	tiebreak: "rowid",
}

// ListUploads pages the upload records matching q.
func (r reader) ListUploads(ctx context.Context, q store.UploadQuery, p store.Page) ([]*model.Upload, int, error) {
	var w where
	if len(q.IDs) > 0 {
		w.add("id IN (SELECT value FROM json_each(?))", jsonList(q.IDs))
	}
	if q.RoomID != "" {
		w.add("rid = ?", q.RoomID)
	}
	if q.UserID != "" {
		w.add("user_id = ?", q.UserID)
	}
	if q.MessageID != "" {
		w.add("message_id = ?", q.MessageID)
	}
	if len(q.MessageIDs) > 0 {
		w.add("message_id IN (SELECT value FROM json_each(?))", jsonList(q.MessageIDs))
	}
	if q.Key != "" {
		w.add("store_key = ?", q.Key)
	}
	if q.TypeGroup != "" {
		w.add("type_group = ?", q.TypeGroup)
	}
	if q.NoThumbs {
		w.add("type_group <> 'thumb'")
	}
	if q.Name != "" {
		w.add("instr(search, ?) > 0", fold(q.Name))
	}
	if q.Type != "" {
		w.add("substr(type, 1, ?) = ?", len(q.Type), q.Type)
	}
	if q.Complete != nil {
		w.add("complete = ?", boolInt(*q.Complete))
	}
	if !q.ExpiresBefore.IsZero() {
		w.add("expires_at <> 0 AND expires_at < ?", millis(q.ExpiresBefore))
	}
	return pageOf(ctx, r.q, "list uploads", scanJSON[model.Upload], "data", "uploads", &w, uploadSort, p)
}

func uploadArgs(u *model.Upload) ([]any, error) {
	data, err := encode("upload", u)
	if err != nil {
		return nil, err
	}
	return []any{u.ID, u.RoomID, u.UserID, u.MessageID, u.Key, u.Type, u.TypeGroup, fold(u.Name), u.Size,
		boolInt(u.Complete), millis(u.UploadedAt), millis(u.ExpiresAt), data}, nil
}

// InsertUpload adds the upload record; ErrConflict on a duplicate id.
func (t *tx) InsertUpload(ctx context.Context, u *model.Upload) error {
	args, err := uploadArgs(u)
	if err != nil {
		return err
	}
	return t.execMany(ctx, "insert upload", `INSERT INTO uploads (id, rid, user_id, message_id, store_key, type, type_group,
		search, size, complete, uploaded_at, expires_at, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, args...)
}

// UpdateUpload replaces the upload record u.ID with u.
func (t *tx) UpdateUpload(ctx context.Context, u *model.Upload) error {
	args, err := uploadArgs(u)
	if err != nil {
		return err
	}
	return t.execOne(ctx, "update upload", "upload", u.ID, `UPDATE uploads SET rid = ?2, user_id = ?3, message_id = ?4,
		store_key = ?5, type = ?6, type_group = ?7, search = ?8, size = ?9, complete = ?10, uploaded_at = ?11,
		expires_at = ?12, data = ?13 WHERE id = ?1`, args...)
}

// DeleteUpload removes the upload record.
func (t *tx) DeleteUpload(ctx context.Context, id string) error {
	return t.execOne(ctx, "delete upload", "upload", id, "DELETE FROM uploads WHERE id = ?", id)
}
