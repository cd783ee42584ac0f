package rocketchat

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"

	"liftoff/files"
	"liftoff/model"
	"liftoff/store"
)

// Rocket.Chat's GridFS bucket of custom emoji: a file's filename is the
// emoji's "<name>.<extension>" (its _id an ObjectId; older versions used
// the filename as _id too).
const (
	emojiChunks = "custom_emoji.chunks"
	emojiFiles  = "custom_emoji.files"
)

// rcEmoji is a rocketchat_custom_emoji record (ICustomEmojiDescriptor).
type rcEmoji struct {
	ID        string     `json:"_id"`
	Name      string     `json:"name"`
	Aliases   []string   `json:"aliases"`
	Extension string     `json:"extension"`
	ETag      string     `json:"etag"`
	UpdatedAt model.Time `json:"_updatedAt"`
}

// emojiName is Rocket.Chat's check of emoji names and aliases.
var emojiName = regexp.MustCompile(`^[0-9a-zA-Z\-_+;.]+$`)

// rcEmojiFile is a custom_emoji.files record.
type rcEmojiFile struct {
	ID          string `json:"_id"`
	Filename    string `json:"filename"`
	ContentType string `json:"contentType"`
}

// importEmoji copies the custom emoji into the store and their pictures
// into the file store as the emoji service keeps them (a record and a
// blob emoji-custom/<id>/<etag>). The pictures come from the dump's
// GridFS bucket custom_emoji or, for FileSystem storage, from
// Options.FilesDir (files named <name>.<extension>). The records are few:
// they are read first, then the chunks are streamed.
func (im *importer) importEmoji(ctx context.Context, c *Collection) error {
	if im.Files == nil {
		c.note("custom emoji were not imported: no file store was given")
		return nil
	}
	blobs, _, err := im.Files(ctx)
	if err != nil {
		return fmt.Errorf("file store: %w", err)
	}
	byFile := map[string]*model.Emoji{} // by "<name>.<extension>", the emoji still to import
	var order []string
	if err := im.each(ctx, c, func(batch []doc) error {
		for _, d := range batch {
			r, ok := decode[rcEmoji](c, d)
			if !ok {
				continue
			}
			e, reason := convertEmoji(r)
			if reason != "" {
				c.fail(d.id, reason)
				continue
			}
			if _, err := im.Store.EmojiByID(ctx, e.ID); err == nil {
				c.Existing++
				continue
			} else if !errors.Is(err, store.ErrNotFound) {
				return err
			}
			file := e.Name + "." + e.Extension
			if _, dup := byFile[file]; dup {
				c.fail(e.ID, "another emoji of the dump has the name "+e.Name)
				continue
			}
			if e.UpdatedAt.IsZero() {
				e.UpdatedAt = im.now()
			}
			byFile[file] = e
			order = append(order, file)
		}
		return nil
	}); err != nil {
		return err
	}
	// The GridFS files' names and content types, when the dump has them.
	names, types := map[string]string{}, map[string]string{}
	if im.dump.Has(emojiFiles) {
		fc := &Collection{Name: emojiFiles}
		im.summary.Collections = append(im.summary.Collections, fc)
		if err := im.each(ctx, fc, func(batch []doc) error {
			for _, d := range batch {
				if f, ok := decode[rcEmojiFile](fc, d); ok && f.ID != "" {
					if f.Filename != "" {
						names[f.ID] = f.Filename
					}
					types[f.ID] = f.ContentType
				}
			}
			return nil
		}); err != nil {
			return err
		}
	}
	staged := map[string]bool{}   // by GridFS file id
	fileOf := map[string]string{} // "<name>.<extension>" → GridFS file id
	if im.dump.Has(emojiChunks) {
		chunks := &Collection{Name: emojiChunks}
		im.summary.Collections = append(im.summary.Collections, chunks)
		keyOf := func(_ context.Context, fileID string) (string, bool, error) {
			name := fileID
			if n, ok := names[fileID]; ok {
				name = n
			}
			e := byFile[name]
			if e == nil {
				return "", true, nil
			}
			fileOf[name] = fileID
			if t := types[fileID]; t != "" {
				e.Type = t
			}
			return e.Key, false, nil
		}
		if err := im.stageGridFS(ctx, chunks, blobs, keyOf, staged); err != nil {
			return err
		}
	}
	// Every staged picture is committed or aborted with its record.
	sort.Strings(order)
	for _, file := range order {
		if err := im.writeEmoji(ctx, c, blobs, byFile[file], file, staged[fileOf[file]]); err != nil {
			return err
		}
	}
	return nil
}

// convertEmoji checks a record and makes the emoji, or says why not.
func convertEmoji(r *rcEmoji) (*model.Emoji, string) {
	switch {
	case r.ID == "":
		return nil, "no _id"
	case r.Name == "" || !emojiName.MatchString(r.Name):
		return nil, fmt.Sprintf("%q is not a valid emoji name", r.Name)
	case r.Extension == "" || !emojiName.MatchString(r.Extension) || filepath.Base(r.Extension) != r.Extension:
		return nil, fmt.Sprintf("%q is not a valid extension", r.Extension)
	}
	aliases := []string{}
	for _, a := range r.Aliases {
		if a != "" && a != r.Name && emojiName.MatchString(a) && !slices.Contains(aliases, a) {
			aliases = append(aliases, a)
		}
	}
	etag := r.ETag
	if etag == "" || !emojiName.MatchString(etag) {
		etag = model.NewID()
	}
	typ := mime.TypeByExtension("." + r.Extension)
	if typ == "" {
		typ = "image/" + r.Extension
	}
	return &model.Emoji{ID: r.ID, Name: r.Name, Aliases: aliases, Extension: r.Extension, ETag: etag, Type: typ,
		Key: "emoji-custom/" + r.ID + "/" + etag, UpdatedAt: r.UpdatedAt}, ""
}

// writeEmoji stores the picture (unless staged from GridFS) and the
// record of one emoji.
func (im *importer) writeEmoji(ctx context.Context, c *Collection, blobs files.Store, e *model.Emoji, file string, staged bool) error {
	if !staged {
		if im.FilesDir == "" {
			c.fail(e.ID, "its picture is neither in the dump's GridFS chunks nor in a --files directory")
			return nil
		}
		f, err := os.Open(filepath.Join(im.FilesDir, file))
		if err != nil {
			c.fail(e.ID, fmt.Sprintf("its picture is not in the --files directory: %v", err))
			return nil
		}
		_, err = files.StagePut(ctx, blobs, e.Key, io.Reader(f), -1, files.PutOptions{ContentType: e.Type})
		f.Close()
		if err != nil {
			return fmt.Errorf("store %s: %w", e.ID, err)
		}
	}
	info, err := blobs.Stat(ctx, e.Key)
	if err != nil {
		return fmt.Errorf("store %s: %w", e.ID, err)
	}
	e.Size = info.Size
	err = im.Store.Update(ctx, func(tx store.Tx) error {
		all, _, err := tx.ListEmoji(ctx, store.EmojiQuery{}, model.Page{})
		if err != nil {
			return err
		}
		for _, o := range all {
			for _, w := range append([]string{e.Name}, e.Aliases...) {
				if o.Name == w || slices.Contains(o.Aliases, w) {
					return fmt.Errorf("the name or alias %s is in use by the emoji %s", w, o.ID)
				}
			}
		}
		return tx.InsertEmoji(ctx, e)
	})
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		c.fail(e.ID, err.Error())
		return files.Abort(ctx, blobs, e.Key)
	}
	c.Imported++
	return files.Commit(ctx, blobs, e.Key)
}
