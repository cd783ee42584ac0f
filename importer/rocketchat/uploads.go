package rocketchat

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"go.mongodb.org/mongo-driver/v2/bson"

	"liftoff/files"
	"liftoff/files/uploads"
	"liftoff/importer/mongodump"
	"liftoff/model"
	"liftoff/store"
)

// uploadKeyPrefix is where uploads' blobs live in the file store, as the
// upload service keeps them.
const uploadKeyPrefix = "uploads/"

// gridFSChunks is the chunks collection of Rocket.Chat's GridFS upload
// bucket: {files_id, n, data}, the chunks of one file in order.
const gridFSChunks = "rocketchat_uploads.chunks"

// importUploads copies the uploaded files' bytes into the file store and
// adds their records. The bytes come from the dump's GridFS chunks
// (Rocket.Chat's default GridFS storage) or, for FileSystem storage, from
// Options.FilesDir (files named by upload id). Blobs are written with the
// file store's two-phase write: a crash leaves nothing the next start's
// sweep does not remove, and the next run writes them again.
func (im *importer) importUploads(ctx context.Context, c *Collection) error {
	if im.Files == nil {
		c.note("uploads were not imported: no file store was given")
		return nil
	}
	blobs, cfg, err := im.Files(ctx)
	if err != nil {
		return fmt.Errorf("file store: %w", err)
	}
	chunks := &Collection{Name: gridFSChunks}
	staged := map[string]bool{}
	if im.dump.Has(gridFSChunks) {
		im.summary.Collections = append(im.summary.Collections, chunks)
		keyOf := func(ctx context.Context, id string) (string, bool, error) {
			if _, err := im.Store.UploadByID(ctx, id); err == nil {
				return "", true, nil
			} else if !errors.Is(err, store.ErrNotFound) {
				return "", false, err
			}
			return uploadKeyPrefix + id, false, nil
		}
		if err := im.stageGridFS(ctx, chunks, blobs, keyOf, staged); err != nil {
			return err
		}
	}
	storeName := string(cfg.StorageType) + ":Uploads"
	err = im.each(ctx, c, func(batch []doc) error {
		for _, d := range batch {
			up, ok := decode[model.Upload](c, d)
			if !ok {
				continue
			}
			if err := im.writeUpload(ctx, c, blobs, storeName, up, staged); err != nil {
				return err
			}
		}
		return nil
	})
	// Bytes whose record is not in the dump, or failed.
	for id := range staged {
		if err := files.Abort(ctx, blobs, uploadKeyPrefix+id); err != nil {
			return err
		}
	}
	return err
}

func (im *importer) writeUpload(ctx context.Context, c *Collection, blobs files.Store, storeName string, up *model.Upload, staged map[string]bool) error {
	if up.ID == "" {
		c.fail("", "no _id")
		return nil
	}
	if _, err := im.Store.UploadByID(ctx, up.ID); err == nil {
		c.Existing++
		return nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if !up.Complete {
		c.Skipped++
		c.note("incomplete uploads (complete false) were skipped")
		return nil
	}
	key := uploadKeyPrefix + up.ID
	if !staged[up.ID] {
		if im.FilesDir == "" {
			c.fail(up.ID, "its bytes are neither in the dump's GridFS chunks nor in a --files directory")
			return nil
		}
		f, err := os.Open(filepath.Join(im.FilesDir, filepath.Base(up.ID)))
		if err != nil {
			c.fail(up.ID, fmt.Sprintf("its bytes are not in the --files directory: %v", err))
			return nil
		}
		info, err := files.StagePut(ctx, blobs, key, f, -1, files.PutOptions{ContentType: up.Type})
		f.Close()
		if err != nil {
			return fmt.Errorf("store %s: %w", up.ID, err)
		}
		up.Size, up.ETag = info.Size, info.ETag
	}
	delete(staged, up.ID)
	up.RoomID, up.UserID = im.rid(up.RoomID), im.uid(up.UserID)
	up.Store, up.Key = storeName, key
	up.Path = uploads.FileURL(up.ID, up.Name)
	up.URL = up.Path
	up.Uploading, up.Progress, up.ExpiresAt = false, 1, model.Time{}
	if up.UploadedAt.IsZero() {
		up.UploadedAt = im.now()
	}
	if up.UpdatedAt.IsZero() {
		up.UpdatedAt = up.UploadedAt
	}
	if err := im.Store.Update(ctx, func(tx store.Tx) error { return tx.InsertUpload(ctx, up) }); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		c.fail(up.ID, err.Error())
		return files.Abort(ctx, blobs, key)
	}
	c.Imported++
	return files.Commit(ctx, blobs, key)
}

// stageGridFS streams the GridFS chunks into the file store, one file at a
// time through a temporary file (the size must be known, and memory stays
// flat), for the uploads that are not in the store yet.
//
// keyOf gives the blob key of a GridFS file, or skip for a file already
// imported (or not wanted); staged records the files written.
func (im *importer) stageGridFS(ctx context.Context, c *Collection, blobs files.Store,
	keyOf func(ctx context.Context, fileID string) (key string, skip bool, err error), staged map[string]bool) error {
	cur, err := im.dump.Open(c.Name)
	if err != nil {
		return err
	}
	defer cur.Close()
	tmp, err := os.CreateTemp("", "liftoff-import-*")
	if err != nil {
		return err
	}
	defer func() { tmp.Close(); os.Remove(tmp.Name()) }()
	var id, key string
	var next int64
	var bad, skip bool
	finish := func() error {
		if id == "" || skip {
			return nil
		}
		if bad {
			c.fail(id, "its GridFS chunks are not in order or not whole")
			return nil
		}
		size, err := tmp.Seek(0, io.SeekCurrent)
		if err != nil {
			return err
		}
		if _, err := tmp.Seek(0, io.SeekStart); err != nil {
			return err
		}
		if _, err := files.StagePut(ctx, blobs, key, io.LimitReader(tmp, size), size, files.PutOptions{}); err != nil {
			return fmt.Errorf("store %s: %w", id, err)
		}
		staged[id] = true
		c.Imported++
		return nil
	}
	start := func(newID string) error {
		id, next, bad = newID, 0, false
		var err error
		if key, skip, err = keyOf(ctx, id); err != nil {
			return err
		}
		if skip {
			c.Existing++
		}
		if err := tmp.Truncate(0); err != nil {
			return err
		}
		_, err = tmp.Seek(0, io.SeekStart)
		return err
	}
	for {
		raw, err := cur.Next()
		if err == io.EOF {
			break
		}
		var invalid *mongodump.InvalidDocumentError
		if errors.As(err, &invalid) {
			c.Read++
			c.fail(invalid.ID, invalid.Err.Error())
			bad = true
			continue
		}
		if err != nil {
			c.fail("", err.Error())
			bad = true
			break
		}
		c.Read++
		fileID, n, data, err := chunk(raw)
		if err != nil {
			c.fail(docID(raw), err.Error())
			bad = true
			continue
		}
		if fileID != id {
			if err := finish(); err != nil {
				return err
			}
			if err := start(fileID); err != nil {
				return err
			}
		}
		if skip || bad {
			continue
		}
		if n != next {
			bad = true
			continue
		}
		next++
		if _, err := tmp.Write(data); err != nil {
			return err
		}
		if im.Progress != nil && c.Read%100 == 0 {
			im.Progress(c.Name, c.Read, cur.Progress())
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return finish()
}

// chunk reads a GridFS chunk document.
func chunk(raw bson.Raw) (fileID string, n int64, data []byte, err error) {
	defer func() {
		if recover() != nil {
			err = errors.New("malformed GridFS chunk")
		}
	}()
	v, err := raw.LookupErr("files_id")
	if err != nil {
		return "", 0, nil, errors.New("a GridFS chunk without files_id")
	}
	if s, ok := v.StringValueOK(); ok {
		fileID = s
	} else if oid, ok := v.ObjectIDOK(); ok {
		fileID = oid.Hex()
	} else {
		return "", 0, nil, errors.New("a GridFS chunk whose files_id is neither a string nor an ObjectId")
	}
	nv, err := raw.LookupErr("n")
	if err != nil {
		return "", 0, nil, errors.New("a GridFS chunk without n")
	}
	n, ok := nv.AsInt64OK()
	if !ok {
		return "", 0, nil, errors.New("a GridFS chunk whose n is not a number")
	}
	dv, err := raw.LookupErr("data")
	if err != nil {
		return "", 0, nil, errors.New("a GridFS chunk without data")
	}
	_, data, ok = dv.BinaryOK()
	if !ok {
		return "", 0, nil, errors.New("a GridFS chunk whose data is not binary")
	}
	return fileID, n, data, nil
}

// avatarChunks is the chunks collection of Rocket.Chat's GridFS avatar bucket.
const avatarChunks = "rocketchat_avatars.chunks"

// rcAvatar is a rocketchat_avatars record: a user's uploaded avatar (rooms'
// avatars carry rid instead of userId).
type rcAvatar struct {
	ID         string     `json:"_id"`
	UserID     string     `json:"userId"`
	Type       string     `json:"type"`
	Size       int64      `json:"size"`
	ETag       string     `json:"etag"`
	UploadedAt model.Time `json:"uploadedAt"`
}

// importAvatars copies users' uploaded avatars (GridFS) into the file store
// as Liftoff keeps them: a blob avatars/<etag> and an upload record whose id
// is the user's avatarETag. The records are few (one per user), so they
// are read first, then the chunks are streamed.
func (im *importer) importAvatars(ctx context.Context, c *Collection) error {
	if im.Files == nil {
		c.note("avatars were not imported: no file store was given")
		return nil
	}
	blobs, cfg, err := im.Files(ctx)
	if err != nil {
		return fmt.Errorf("file store: %w", err)
	}
	byFile := map[string]*rcAvatar{}
	if err := im.each(ctx, c, func(batch []doc) error {
		for _, d := range batch {
			a, ok := decode[rcAvatar](c, d)
			if !ok {
				continue
			}
			if a.UserID == "" {
				c.Skipped++
				c.note("room avatars were skipped")
				continue
			}
			byFile[a.ID] = a
		}
		return nil
	}); err != nil {
		return err
	}
	staged := map[string]bool{}
	if im.dump.Has(avatarChunks) {
		chunks := &Collection{Name: avatarChunks}
		im.summary.Collections = append(im.summary.Collections, chunks)
		keyOf := func(ctx context.Context, fileID string) (string, bool, error) {
			a := byFile[fileID]
			if a == nil {
				return "", true, nil
			}
			etag, err := im.avatarETag(ctx, a)
			if err != nil || etag == "" {
				return "", true, err
			}
			return "avatars/" + etag, false, nil
		}
		if err := im.stageGridFS(ctx, chunks, blobs, keyOf, staged); err != nil {
			return err
		}
	}
	for fileID, a := range byFile {
		etag, err := im.avatarETag(ctx, a)
		if err != nil {
			return err
		}
		if etag == "" {
			c.Existing++
			continue
		}
		key := "avatars/" + etag
		if !staged[fileID] {
			c.fail(a.ID, "its bytes are not in the dump's GridFS chunks")
			continue
		}
		rec := &model.Upload{ID: etag, Name: "avatar", Type: a.Type, Size: a.Size, TypeGroup: "avatar",
			Store: string(cfg.StorageType) + ":Avatars", Key: key, Complete: true, Progress: 1,
			UserID: im.uid(a.UserID), UploadedAt: a.UploadedAt, UpdatedAt: a.UploadedAt}
		if info, err := blobs.Stat(ctx, key); err == nil {
			rec.Size, rec.ETag = info.Size, info.ETag
		}
		if rec.UploadedAt.IsZero() {
			rec.UploadedAt, rec.UpdatedAt = im.now(), im.now()
		}
		err = im.Store.Update(ctx, func(tx store.Tx) error {
			u, err := tx.UserByID(ctx, rec.UserID)
			if err != nil {
				return err
			}
			if u.AvatarETag != etag {
				u.AvatarETag = etag
				if err := tx.UpdateUser(ctx, u); err != nil {
					return err
				}
			}
			return tx.InsertUpload(ctx, rec)
		})
		delete(staged, fileID)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			c.fail(a.ID, err.Error())
			if err := files.Abort(ctx, blobs, key); err != nil {
				return err
			}
			continue
		}
		c.Imported++
		if err := files.Commit(ctx, blobs, key); err != nil {
			return err
		}
	}
	return nil
}

// avatarETag is the etag an avatar is stored under: the user's avatarETag
// (else the record's etag, else its id); "" when it is imported already or
// its user was not.
func (im *importer) avatarETag(ctx context.Context, a *rcAvatar) (string, error) {
	u, err := im.Store.UserByID(ctx, im.uid(a.UserID))
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	if _, matched := im.matchedUsers[a.UserID]; matched {
		return "", nil // an existing user keeps their avatar
	}
	etag := u.AvatarETag
	if etag == "" {
		etag = a.ETag
	}
	if etag == "" {
		etag = a.ID
	}
	if _, err := im.Store.UploadByID(ctx, etag); err == nil {
		return "", nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return "", err
	}
	return etag, nil
}
