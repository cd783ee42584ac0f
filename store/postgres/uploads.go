package postgres

import (
	"context"
	"fmt"

	"liftoff/model"
	"liftoff/store"
)

// ---- uploads ----

// UploadByID returns the upload record with the id.
func (r reader) UploadByID(ctx context.Context, id string) (*model.Upload, error) {
	u, ok, err := one(ctx, r.q, scanJSON[model.Upload], "SELECT data FROM uploads WHERE id = $1", text(id))
	if err != nil {
		return nil, fmt.Errorf("postgres: upload by id: %w", err)
	}
	if !ok {
		return nil, notFound("upload", id)
	}
	return u, nil
}

var uploadSort = sortSpec{
	columns:  map[string]string{"uploadedAt": "uploaded_at", "name": "search", "size": "size"},
	def:      []store.SortKey{{Field: "uploadedAt", Desc: true}},
	tiebreak: "seq",
}

// ListUploads pages the upload records matching q.
func (r reader) ListUploads(ctx context.Context, q store.UploadQuery, p store.Page) ([]*model.Upload, int, error) {
	var w where
	if len(q.IDs) > 0 {
		w.add("id = ANY(" + w.arg(texts(q.IDs)) + ")")
	}
	if q.RoomID != "" {
		w.add("rid = " + w.arg(text(q.RoomID)))
	}
	if q.UserID != "" {
		w.add("user_id = " + w.arg(text(q.UserID)))
	}
	if q.MessageID != "" {
		w.add("message_id = " + w.arg(text(q.MessageID)))
	}
	if len(q.MessageIDs) > 0 {
		w.add("message_id = ANY(" + w.arg(texts(q.MessageIDs)) + ")")
	}
	if q.Key != "" {
		w.add("store_key = " + w.arg(text(q.Key)))
	}
	if q.TypeGroup != "" {
		w.add("type_group = " + w.arg(text(q.TypeGroup)))
	}
	if q.NoThumbs {
		w.add("type_group <> 'thumb'")
	}
	if q.Name != "" {
		w.add("strpos(search, " + w.arg(fold(q.Name)) + ") > 0")
	}
	if q.Type != "" {
		w.add("starts_with(type, " + w.arg(text(q.Type)) + ")")
	}
	if q.Complete != nil {
		w.add("complete = " + w.arg(*q.Complete))
	}
	if !q.ExpiresBefore.IsZero() {
		w.add("expires_at <> 0 AND expires_at < " + w.arg(millis(q.ExpiresBefore)))
	}
	return pageOf(ctx, r.q, "list uploads", scanJSON[model.Upload], "data", "uploads", &w, uploadSort, p)
}

func uploadArgs(u *model.Upload) ([]any, error) {
	data, err := encode("upload", u)
	if err != nil {
		return nil, err
	}
	return []any{text(u.ID), text(u.RoomID), text(u.UserID), text(u.MessageID), text(u.Key), text(u.Type),
		text(u.TypeGroup), fold(u.Name), u.Size, u.Complete, millis(u.UploadedAt), millis(u.ExpiresAt), data}, nil
}

// InsertUpload adds the upload record; ErrConflict on a duplicate id.
func (t *tx) InsertUpload(ctx context.Context, u *model.Upload) error {
	args, err := uploadArgs(u)
	if err != nil {
		return err
	}
	return t.execNew(ctx, "insert upload", "id", `INSERT INTO uploads (id, rid, user_id, message_id, store_key, type,
		type_group, search, size, complete, uploaded_at, expires_at, data)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT DO NOTHING`, args...)
}

// UpdateUpload replaces the upload record u.ID with u.
func (t *tx) UpdateUpload(ctx context.Context, u *model.Upload) error {
	args, err := uploadArgs(u)
	if err != nil {
		return err
	}
	return t.execOne(ctx, "update upload", "upload", u.ID, `UPDATE uploads SET rid = $2, user_id = $3, message_id = $4,
		store_key = $5, type = $6, type_group = $7, search = $8, size = $9, complete = $10, uploaded_at = $11,
		expires_at = $12, data = $13 WHERE id = $1`, args...)
}

// DeleteUpload removes the upload record.
func (t *tx) DeleteUpload(ctx context.Context, id string) error {
	return t.execOne(ctx, "delete upload", "upload", id, "DELETE FROM uploads WHERE id = $1", text(id))
}
