package storetest

import (
	"liftoff/model"
	"liftoff/store"
)

// testUploads checks the upload records: insert, read, replace, delete,
// and the filters and orders the file lists, the message clean-up and the
// expiry of temporary uploads need.
func testUploads(h *harness) {
	yes, no := true, false
	mk := func(id, rid, name, typ, group string, sec int) *model.Upload {
		return &model.Upload{ID: id, RoomID: rid, UserID: "u1", Name: name, Type: typ, TypeGroup: group,
			Size: int64(100 + sec), Store: "FileSystem:Uploads", Key: "uploads/" + id, Complete: true,
			UploadedAt: at(sec), UpdatedAt: at(sec)}
	}
	photo := mk("f-photo", "r1", "Holiday Photo.JPG", "image/jpeg", "image", 1)
	photo.Identify = &model.Identify{Format: "jpeg", Size: &model.ImageSize{Width: 800, Height: 600}}
	photo.MessageID = "m1"
	thumb := mk("f-thumb", "r1", "thumb-Holiday Photo.JPG", "image/jpeg", "thumb", 1)
	thumb.MessageID, thumb.OriginalID = "m1", "f-photo"
	doc := mk("f-doc", "r1", "report.pdf", "application/pdf", "application", 2)
	doc.MessageID = "m2"
	other := mk("f-other", "r2", "notes 100%_done.txt", "text/plain", "text", 3)
	other.UserID = "u2"
	temp := mk("f-temp", "r1", "pending.png", "image/png", "image", 4)
	temp.Complete, temp.ExpiresAt = false, at(100)
	h.update(func(tx store.Tx) error {
		for _, u := range []*model.Upload{photo, thumb, doc, other, temp} {
			if err := tx.InsertUpload(h.ctx, u); err != nil {
				return err
			}
		}
		return nil
	})
	err := h.s.Update(h.ctx, func(tx store.Tx) error { return tx.InsertUpload(h.ctx, mk("f-doc", "r9", "x", "", "", 9)) })
	h.mustErr(err, store.ErrConflict, "duplicate upload id")

	got, err := h.s.UploadByID(h.ctx, "f-photo")
	h.noErr(err, "UploadByID")
	h.sameJSON(got, photo, "upload by id")
	_, err = h.s.UploadByID(h.ctx, "nope")
	h.mustErr(err, store.ErrNotFound, "missing upload")

	list := func(q store.UploadQuery, p store.Page, want ...string) {
		h.Helper()
		us, total, err := h.s.ListUploads(h.ctx, q, p)
		h.noErr(err, "ListUploads")
		ids := make([]string, len(us))
		for i, u := range us {
			ids[i] = u.ID
		}
		h.sameIDs(ids, want, "ListUploads")
		if p.Count == 0 && p.Offset == 0 && total != len(want) {
			h.Fatalf("ListUploads(%+v) total = %d, want %d", q, total, len(want))
		}
	}
	all := store.Page{}
	// Newest first by default; photo and thumb share a time: insertion
	// order, reversed.
	list(store.UploadQuery{RoomID: "r1"}, all, "f-temp", "f-doc", "f-thumb", "f-photo")
	list(store.UploadQuery{RoomID: "r1", NoThumbs: true, Complete: &yes}, all, "f-doc", "f-photo")
	list(store.UploadQuery{RoomID: "r1", Complete: &no}, all, "f-temp")
	list(store.UploadQuery{MessageID: "m1"}, all, "f-thumb", "f-photo")
	list(store.UploadQuery{MessageIDs: []string{"m2", "m9"}}, all, "f-doc")
	list(store.UploadQuery{Key: "uploads/f-other"}, all, "f-other")
	list(store.UploadQuery{UserID: "u2"}, all, "f-other")
	list(store.UploadQuery{TypeGroup: "image"}, all, "f-temp", "f-photo")
	list(store.UploadQuery{Type: "image/"}, all, "f-temp", "f-thumb", "f-photo")
	list(store.UploadQuery{Name: "holiday"}, all, "f-thumb", "f-photo")
	list(store.UploadQuery{Name: "100%_"}, all, "f-other")
	list(store.UploadQuery{Name: "0%x"}, all)
	list(store.UploadQuery{IDs: []string{"f-doc", "f-other", "nope"}}, all, "f-other", "f-doc")
	list(store.UploadQuery{ExpiresBefore: at(101)}, all, "f-temp")
	list(store.UploadQuery{ExpiresBefore: at(100)}, all)
	list(store.UploadQuery{RoomID: "r1", NoThumbs: true}, store.Page{Sort: []store.SortKey{{Field: "name"}}}, "f-photo", "f-temp", "f-doc")
	list(store.UploadQuery{RoomID: "r1"}, store.Page{Sort: []store.SortKey{{Field: "size", Desc: true}}}, "f-temp", "f-doc", "f-thumb", "f-photo")
	list(store.UploadQuery{RoomID: "r1"}, store.Page{Offset: 1, Count: 2}, "f-doc", "f-thumb")

	// Confirming a temporary upload: the record is replaced whole.
	temp.Complete, temp.ExpiresAt, temp.MessageID, temp.Description = true, model.Time{}, "m3", "the plan"
	h.update(func(tx store.Tx) error { return tx.UpdateUpload(h.ctx, temp) })
	got, err = h.s.UploadByID(h.ctx, "f-temp")
	h.noErr(err, "updated upload")
	h.sameJSON(got, temp, "updated upload")
	list(store.UploadQuery{ExpiresBefore: at(101)}, all)
	list(store.UploadQuery{MessageID: "m3"}, all, "f-temp")
	err = h.s.Update(h.ctx, func(tx store.Tx) error { return tx.UpdateUpload(h.ctx, mk("nope", "", "", "", "", 0)) })
	h.mustErr(err, store.ErrNotFound, "update missing upload")

	h.update(func(tx store.Tx) error { return tx.DeleteUpload(h.ctx, "f-photo") })
	_, err = h.s.UploadByID(h.ctx, "f-photo")
	h.mustErr(err, store.ErrNotFound, "deleted upload")
	err = h.s.Update(h.ctx, func(tx store.Tx) error { return tx.DeleteUpload(h.ctx, "f-photo") })
	h.mustErr(err, store.ErrNotFound, "delete missing upload")
	list(store.UploadQuery{MessageID: "m1"}, all, "f-thumb")
}
