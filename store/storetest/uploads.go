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
	list(store.UploadQuery{RoomID: "r1", UploadedUpTo: at(2)}, all, "f-doc", "f-thumb", "f-photo")
	list(store.UploadQuery{RoomID: "r1", UploadedUpTo: at(1)}, all, "f-thumb", "f-photo")
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

// testEmoji checks the custom emoji records: unique names, lists by text
// and update time, tombstones of removed ones.
func testEmoji(h *harness) {
	mk := func(id, name string, sec int, aliases ...string) *model.Emoji {
		return &model.Emoji{ID: id, Name: name, Aliases: aliases, Extension: "png", ETag: "e-" + id,
			Key: "emoji-custom/" + id, UpdatedAt: at(sec)}
	}
	party, parrot, ok := mk("e1", "party_parrot", 1, "pp"), mk("e2", "Parrot", 2), mk("e3", "ok-hand", 3)
	h.update(func(tx store.Tx) error {
		for _, e := range []*model.Emoji{party, parrot, ok} {
			if err := tx.InsertEmoji(h.ctx, e); err != nil {
				return err
			}
		}
		return nil
	})
	err := h.s.Update(h.ctx, func(tx store.Tx) error { return tx.InsertEmoji(h.ctx, mk("e9", "ok-hand", 9)) })
	h.mustErr(err, store.ErrConflict, "duplicate emoji name")
	got, err := h.s.EmojiByName(h.ctx, "party_parrot")
	h.noErr(err, "EmojiByName")
	h.sameJSON(got, party, "emoji by name")
	_, err = h.s.EmojiByName(h.ctx, "pp")
	h.mustErr(err, store.ErrNotFound, "aliases are not names")
	got, err = h.s.EmojiByID(h.ctx, "e2")
	h.noErr(err, "EmojiByID")
	h.sameJSON(got, parrot, "emoji by id")

	list := func(q store.EmojiQuery, p store.Page, want ...string) {
		h.Helper()
		es, _, err := h.s.ListEmoji(h.ctx, q, p)
		h.noErr(err, "ListEmoji")
		ids := make([]string, len(es))
		for i, e := range es {
			ids[i] = e.ID
		}
		h.sameIDs(ids, want, "ListEmoji")
	}
	list(store.EmojiQuery{}, store.Page{}, "e2", "e3", "e1") // by name, bytewise: "Parrot" < "ok-hand" < "party_parrot"
	list(store.EmojiQuery{Text: "PARROT"}, store.Page{}, "e2", "e1")
	list(store.EmojiQuery{UpdatedSince: at(1)}, store.Page{Sort: []store.SortKey{{Field: "_updatedAt"}}}, "e2", "e3")

	parrot.Name, parrot.UpdatedAt = "ok-hand", at(5)
	err = h.s.Update(h.ctx, func(tx store.Tx) error { return tx.UpdateEmoji(h.ctx, parrot) })
	h.mustErr(err, store.ErrConflict, "rename onto a taken name")
	parrot.Name = "blue_parrot"
	h.update(func(tx store.Tx) error { return tx.UpdateEmoji(h.ctx, parrot) })
	got, err = h.s.EmojiByName(h.ctx, "blue_parrot")
	h.noErr(err, "renamed emoji")
	h.sameJSON(got, parrot, "renamed emoji")

	h.update(func(tx store.Tx) error { return tx.DeleteEmoji(h.ctx, "e1", at(7)) })
	_, err = h.s.EmojiByID(h.ctx, "e1")
	h.mustErr(err, store.ErrNotFound, "deleted emoji")
	err = h.s.Update(h.ctx, func(tx store.Tx) error { return tx.DeleteEmoji(h.ctx, "e1", at(8)) })
	h.mustErr(err, store.ErrNotFound, "delete missing emoji")
	ts, _, err := h.s.Deleted(h.ctx, store.DeletedQuery{Kind: store.KindEmoji, Since: at(6)}, store.Page{})
	h.noErr(err, "Deleted emoji")
	if len(ts) != 1 || ts[0].ID != "e1" || !ts[0].DeletedAt.Equal(at(7).Time) {
		h.Fatalf("emoji tombstones: %+v", ts)
	}
	ts, _, err = h.s.Deleted(h.ctx, store.DeletedQuery{Kind: store.KindEmoji, Since: at(7)}, store.Page{})
	h.noErr(err, "Deleted emoji since")
	if len(ts) != 0 {
		h.Fatalf("emoji tombstones after their time: %+v", ts)
	}
}
