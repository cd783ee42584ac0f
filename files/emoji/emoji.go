// Package emoji is the custom emoji service: emoji-custom.create, .update,
// .delete, .list and .all, and the pictures served at
// /emoji-custom/<name>.<extension>. A custom emoji is a record
// (store.Store's emoji_custom) and a blob in the file store
// (emoji-custom/<id>/<etag>, a new key for every new picture); changes
// reach clients as EmojiChanged events (updateEmojiCustom,
// deleteEmojiCustom).
package emoji

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"liftoff/files"
	"liftoff/files/download"
	"liftoff/files/upload"
	"liftoff/model"
	"liftoff/settings/setting"
	"liftoff/store"
)

// Blobs gives the file store the settings select now (*backend.Current).
type Blobs interface {
	Get(ctx context.Context) (files.Store, files.Config, error)
}

// Publisher publishes events that no store write carries (the bus).
type Publisher interface {
	Publish(ctx context.Context, events ...model.Event) error
}

// Deps are the service's collaborators.
type Deps struct {
	Store    store.Store
	Blobs    Blobs
	Settings files.Settings
	Events   Publisher
	Now      func() time.Time
	Logger   *slog.Logger
}

// Service manages custom emoji. The callers check manage-emoji (route
// guards); the service checks the data.
type Service struct {
	store    store.Store
	blobs    Blobs
	settings files.Settings
	events   Publisher
	now      func() time.Time
	log      *slog.Logger
}

// New returns the service.
func New(d Deps) *Service {
	s := &Service{store: d.Store, blobs: d.Blobs, settings: d.Settings, events: d.Events, now: d.Now, log: d.Logger}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	return s
}

// validName is Rocket.Chat's check of emoji names and aliases.
var validName = regexp.MustCompile(`^[0-9a-zA-Z\-_+;.]+$`)

var (
	errNameRequired = model.Invalid("error-the-field-is-required", "The field Name is required")
	errNameInUse    = model.Invalid("Custom_Emoji_Error_Name_Already_In_Use", "The custom emoji name is already in use")
	errNotImage     = model.Invalid("emoji-is-not-image", "Emoji file provided cannot be uploaded since it's not an image")
	errInvalidEmoji = model.Invalid("Custom_Emoji_Error_Invalid_Emoji", "Invalid emoji")
	errNotFound     = model.Invalid("error-emoji-not-found", "Emoji not found.")
	errInvalidField = model.Bare(model.KindInvalid, "invalid-field")
)

func errNotValid(name string) error {
	return model.Invalid("error-input-is-not-a-valid-field", "%s is not a valid name", name)
}

// Input is an emoji's name and aliases as a client sends them (aliases
// comma-separated, spaces ignored).
type Input struct {
	Name    string
	Aliases string
}

func (in Input) clean() (string, []string, error) {
	name := strings.TrimSpace(in.Name)
	if name == "" {
		return "", nil, errNameRequired
	}
	if !validName.MatchString(name) {
		return "", nil, errNotValid(name)
	}
	aliases := []string{}
	for _, a := range strings.Split(strings.Join(strings.Fields(in.Aliases), ""), ",") {
		if a == "" || a == name || slices.Contains(aliases, a) {
			continue
		}
		if !validName.MatchString(a) {
			return "", nil, errNotValid(a)
		}
		aliases = append(aliases, a)
	}
	return name, aliases, nil
}

// checkFree refuses names or aliases another emoji (not id) already uses.
func checkFree(ctx context.Context, tx store.Tx, id, name string, aliases []string) error {
	all, _, err := tx.ListEmoji(ctx, store.EmojiQuery{}, model.Page{})
	if err != nil {
		return err
	}
	wanted := append([]string{name}, aliases...)
	for _, e := range all {
		if e.ID == id {
			continue
		}
		for _, w := range wanted {
			if e.Name == w || slices.Contains(e.Aliases, w) {
				return errNameInUse
			}
		}
	}
	return nil
}

// Staged is a picture stored for an emoji whose record is not written
// yet: Create or Update take it over; Discard removes it.
type Staged struct {
	blobs files.Store
	id    string // the emoji id it is stored under
	emoji model.Emoji
}

// Stage checks and stores a picture for an emoji (id names the new
// emoji's record; "" picks one): an image (sniffed; SVG refused), within FileUpload_MaxFileSize.
func (s *Service) Stage(ctx context.Context, id, fileName string, body io.Reader) (*Staged, error) {
	blobs, _, err := s.blobs.Get(ctx)
	if err != nil {
		s.log.Error("emoji: file storage", "err", err)
		return nil, model.Invalid("error-file-storage-unavailable", "File storage is not available")
	}
	policy := upload.Policy{MaxFileSize: int64(s.settings.Int(setting.FileUploadMaxFileSize))}
	up, err := policy.Inspect(body, fileName, -1)
	if err != nil {
		return nil, err
	}
	major, sub, _ := strings.Cut(up.ContentType, "/")
	if major != "image" || sub == "svg+xml" {
		return nil, errNotImage
	}
	if id == "" {
		id = model.NewID()
	}
	etag := model.NewID()
	key := "emoji-custom/" + id + "/" + etag
	info, err := files.StagePut(ctx, blobs, key, up, -1, files.PutOptions{ContentType: up.ContentType})
	if err != nil {
		var me *model.Error
		if errors.As(err, &me) {
			return nil, me
		}
		return nil, fmt.Errorf("emoji: store: %w", err)
	}
	return &Staged{blobs: blobs, id: id, emoji: model.Emoji{Extension: sub, ETag: etag, Type: up.ContentType, Size: info.Size, Key: key}}, nil
}

// Discard removes a staged picture whose request failed.
func (s *Service) Discard(ctx context.Context, st *Staged) {
	if st != nil {
		files.Abort(ctx, st.blobs, st.emoji.Key)
	}
}

// Create adds a custom emoji with its staged picture (discarded when the
// emoji is refused).
func (s *Service) Create(ctx context.Context, in Input, st *Staged) (*model.Emoji, error) {
	if st == nil {
		return nil, errInvalidField
	}
	name, aliases, err := in.clean()
	if err != nil {
		s.Discard(ctx, st)
		return nil, err
	}
	blobs, id := st.blobs, st.id
	e := &st.emoji
	e.ID, e.Name, e.Aliases, e.UpdatedAt = id, name, aliases, model.TimeOf(s.now())
	err = s.store.Update(ctx, func(tx store.Tx) error {
		if err := checkFree(ctx, tx, id, name, aliases); err != nil {
			return err
		}
		return tx.InsertEmoji(ctx, e)
	})
	if errors.Is(err, store.ErrConflict) {
		err = errNameInUse
	}
	if err != nil {
		files.Abort(ctx, blobs, e.Key)
		return nil, s.wrap(err)
	}
	files.Commit(ctx, blobs, e.Key)
	s.publish(ctx, model.ActionUpdated, e)
	return e, nil
}

// Update renames an emoji, changes its aliases, and, when st is not nil,
// its picture (the old one is removed; st is discarded on refusal).
func (s *Service) Update(ctx context.Context, id string, in Input, st *Staged) (*model.Emoji, error) {
	fail := func(err error) (*model.Emoji, error) {
		s.Discard(ctx, st)
		return nil, err
	}
	if id == "" {
		return fail(model.Invalid("error-invalid-params", `The required "_id" query param is missing.`))
	}
	if _, err := s.store.EmojiByID(ctx, id); errors.Is(err, store.ErrNotFound) {
		return fail(errNotFound)
	} else if err != nil {
		return fail(s.wrap(err))
	}
	name, aliases, err := in.clean()
	if err != nil {
		return fail(err)
	}
	var blobs files.Store
	var staged *model.Emoji
	if st != nil {
		blobs, staged = st.blobs, &st.emoji
	}
	var e *model.Emoji
	var oldKey string
	err = s.store.Update(ctx, func(tx store.Tx) error {
		cur, err := tx.EmojiByID(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return errNotFound
		}
		if err != nil {
			return err
		}
		if err := checkFree(ctx, tx, id, name, aliases); err != nil {
			return err
		}
		cur.Name, cur.Aliases, cur.UpdatedAt = name, aliases, model.TimeOf(s.now())
		if staged != nil {
			oldKey = cur.Key
			cur.Extension, cur.ETag, cur.Type, cur.Size, cur.Key = staged.Extension, staged.ETag, staged.Type, staged.Size, staged.Key
		}
		e = cur
		return tx.UpdateEmoji(ctx, cur)
	})
	if errors.Is(err, store.ErrConflict) {
		err = errNameInUse
	}
	if err != nil {
		if staged != nil {
			files.Abort(ctx, blobs, staged.Key)
		}
		return nil, s.wrap(err)
	}
	if staged != nil {
		files.Commit(ctx, blobs, staged.Key)
		if oldKey != "" {
			blobs.Delete(ctx, oldKey)
		}
	}
	s.publish(ctx, model.ActionUpdated, e)
	return e, nil
}

// Delete removes an emoji and its picture.
func (s *Service) Delete(ctx context.Context, id string) error {
	var e *model.Emoji
	err := s.store.Update(ctx, func(tx store.Tx) error {
		var err error
		if e, err = tx.EmojiByID(ctx, id); err != nil {
			return err
		}
		return tx.DeleteEmoji(ctx, id, model.TimeOf(s.now()))
	})
	if errors.Is(err, store.ErrNotFound) {
		return errInvalidEmoji
	}
	if err != nil {
		return s.wrap(err)
	}
	if blobs, _, err := s.blobs.Get(ctx); err == nil && e.Key != "" {
		if err := blobs.Delete(ctx, e.Key); err != nil {
			s.log.Warn("emoji: remove the picture", "emoji", id, "err", err)
		}
	}
	s.publish(ctx, model.ActionRemoved, e)
	return nil
}

// Removed is a removed emoji, for emoji-custom.list's remove.
type Removed struct {
	ID        string
	DeletedAt model.Time
}

// List is emoji-custom.list: every emoji (matching text), or, with since,
// those changed and removed after it.
func (s *Service) List(ctx context.Context, text string, since model.Time) ([]*model.Emoji, []Removed, error) {
	es, _, err := s.store.ListEmoji(ctx, store.EmojiQuery{Text: text, UpdatedSince: since}, model.Page{})
	if err != nil {
		return nil, nil, s.wrap(err)
	}
	removed := []Removed{}
	if !since.IsZero() {
		ts, _, err := s.store.Deleted(ctx, store.DeletedQuery{Kind: store.KindEmoji, Since: since}, model.Page{})
		if err != nil {
			return nil, nil, s.wrap(err)
		}
		for _, t := range ts {
			removed = append(removed, Removed{ID: t.ID, DeletedAt: t.DeletedAt})
		}
	}
	return es, removed, nil
}

// All is emoji-custom.all: a page of the emoji matching text.
func (s *Service) All(ctx context.Context, text string, p model.Page) ([]*model.Emoji, int, error) {
	es, total, err := s.store.ListEmoji(ctx, store.EmojiQuery{Text: text}, p)
	if err != nil {
		return nil, 0, s.wrap(err)
	}
	return es, total, nil
}

func (s *Service) wrap(err error) error {
	if _, ok := model.AsError(err); ok {
		return err
	}
	return fmt.Errorf("emoji: %w", err)
}

func (s *Service) publish(ctx context.Context, action string, e *model.Emoji) {
	if s.events == nil {
		return
	}
	c := *e
	if err := s.events.Publish(context.WithoutCancel(ctx), model.EmojiChanged{Action: action, Emoji: &c}); err != nil {
		s.log.Warn("emoji: publish change", "err", err)
	}
}

// placeholder is what /emoji-custom/ answers for an unknown name, as
// Rocket.Chat: a question mark.
const placeholder = `<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<svg xmlns="http://www.w3.org/2000/svg" pointer-events="none" width="50" height="50" style="width: 50px; height: 50px; background-color: #000000;">
<text text-anchor="middle" y="50%" x="50%" dy="0.36em" pointer-events="auto" fill="#ffffff" font-family="Helvetica, Arial, Lucida Grande, sans-serif" style="font-weight: 400; font-size: 28px;">?</text>
</svg>`

// Serve answers GET /emoji-custom/<name>.<extension> (no login needed, as
// in Rocket.Chat): the picture, or a placeholder for an unknown name.
func (s *Service) Serve(w http.ResponseWriter, r *http.Request) {
	file := r.PathValue("file")
	name := file
	if i := strings.LastIndexByte(file, '.'); i > 0 {
		name = file[:i]
	}
	e, err := s.store.EmojiByName(r.Context(), name)
	if err == nil && e.Key != "" {
		blobs, _, berr := s.blobs.Get(r.Context())
		if berr == nil {
			err := download.Serve(w, r, blobs, download.Blob{Key: e.Key, Size: e.Size, ContentType: e.Type,
				Name: e.Name + "." + e.Extension, ModTime: e.UpdatedAt.Time, ETag: e.ETag},
				download.Options{Disposition: download.Inline, CacheControl: "public, max-age=0"})
			if err != nil && r.Context().Err() == nil {
				s.log.Error("emoji download", "emoji", e.ID, "err", err)
			}
			return
		}
		err = berr
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		s.log.Error("emoji download", "name", name, "err", err)
	}
	h := w.Header()
	h.Set("Content-Type", "image/svg+xml")
	h.Set("Cache-Control", "public, max-age=0")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	io.WriteString(w, placeholder)
}
