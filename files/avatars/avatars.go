// Package avatars stores uploaded avatars in the file store and serves
// them: users.setAvatar (an uploaded picture, or a URL fetched through the
// SSRF-safe client), the pictures behind /avatar/<username> and
// /avatar/room/<rid>. An avatar is a blob (avatars/<id>) and an upload
// record (typeGroup "avatar") whose id is the user's avatarETag; a user
// without one keeps the generated initials avatar.
package avatars

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"liftoff/access/perm"
	"liftoff/files"
	"liftoff/files/download"
	"liftoff/files/images"
	"liftoff/files/upload"
	"liftoff/internal/safehttp"
	"liftoff/model"
	"liftoff/settings/setting"
	"liftoff/store"
)

// Settings reads setting values (*settings.Registry).
type Settings = files.Settings

// Permissions answers global permission checks (chat.Admin).
type Permissions interface {
	Can(user *model.User, p perm.ID) bool
}

// Blobs gives the file store the settings select now (*backend.Current).
type Blobs interface {
	Get(ctx context.Context) (files.Store, files.Config, error)
}

// Deps are the service's collaborators.
type Deps struct {
	Store       store.Store
	Blobs       Blobs
	Settings    Settings
	Permissions Permissions
	// Rooms checks edit-room-avatar in a room (nil: room avatars refused).
	Rooms RoomPermissions
	// Fetch fetches avatar URLs (nil: a safehttp client for public
	// addresses only, 10 s, 10 MiB).
	Fetch  *safehttp.Client
	Now    func() time.Time
	Logger *slog.Logger
}

// Service stores and serves avatars.
type Service struct {
	store    store.Store
	blobs    Blobs
	settings Settings
	perms    Permissions
	rooms    RoomPermissions
	fetch    *safehttp.Client
	now      func() time.Time
	log      *slog.Logger
}

// New returns the service.
func New(d Deps) *Service {
	s := &Service{store: d.Store, blobs: d.Blobs, settings: d.Settings, perms: d.Permissions, rooms: d.Rooms, fetch: d.Fetch, now: d.Now, log: d.Logger}
	if s.fetch == nil {
		s.fetch = safehttp.New(safehttp.Options{Timeout: 10 * time.Second, MaxResponseBytes: 10 << 20})
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	return s
}

// typeGroup marks avatar records among the uploads.
const typeGroup = "avatar"

// maxAvatarPixels bounds the pictures decoded for avatars.
const maxAvatarPixels = 40_000_000

var (
	errChangeNotAllowed = model.Invalid("error-not-allowed", "Change avatar is not allowed").InMethod()
	errInvalidUser      = model.Invalid("error-invalid-user", `The optional "userId" or "username" param provided does not match any users`)
	errInvalidImage     = model.Invalid("error-avatar-invalid-content-type", "Invalid avatar content type")
)

func errInvalidURL(u string) error {
	return model.Invalid("error-avatar-invalid-url", "Invalid avatar URL: %s", u)
}

// Picture is an avatar ready to store: square, resized, re-encoded
// (without metadata).
type Picture struct {
	Data        []byte
	ContentType string
}

// CheckChange refuses actor when avatars cannot be changed at all
// (Accounts_AllowUserAvatarChange off and no edit-other-user-avatar).
func (s *Service) CheckChange(actor *model.User) error {
	if actor == nil {
		return model.ErrUnauthorized
	}
	if !s.settings.Bool(setting.AccountsAllowUserAvatarChange) && !s.perms.Can(actor, perm.EditOtherUserAvatar) {
		return errChangeNotAllowed
	}
	return nil
}

// FromUpload makes an avatar from an uploaded picture (bounded by
// FileUpload_MaxFileSize; the type sniffed from the bytes).
func (s *Service) FromUpload(name string, r io.Reader) (*Picture, error) {
	policy := upload.Policy{MaxFileSize: int64(s.settings.Int(setting.FileUploadMaxFileSize))}
	up, err := policy.Inspect(r, name, -1)
	if err != nil {
		return nil, err
	}
	if !images.Supported(up.ContentType) {
		return nil, errInvalidImage
	}
	return s.picture(up, up.ContentType)
}

// FromURL fetches an avatar from a public address (never loopback,
// private or link-local ones), within 10 s and 10 MiB.
func (s *Service) FromURL(ctx context.Context, rawURL string) (*Picture, error) {
	resp, err := s.fetch.Get(ctx, rawURL)
	if err != nil {
		s.log.Info("avatar URL refused", "url", rawURL, "err", err)
		return nil, errInvalidURL(rawURL)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "image/") {
		return nil, errInvalidURL(rawURL)
	}
	head := make([]byte, 512)
	n, _ := io.ReadFull(resp.Body, head)
	ct := http.DetectContentType(head[:n])
	if !images.Supported(ct) {
		return nil, errInvalidImage
	}
	p, err := s.picture(io.MultiReader(bytes.NewReader(head[:n]), resp.Body), ct)
	if errors.Is(err, safehttp.ErrResponseTooLarge) {
		return nil, errInvalidURL(rawURL)
	}
	return p, err
}

// picture decodes, squares (Accounts_AvatarResize, Accounts_AvatarSize)
// and re-encodes: JPEG stays JPEG, everything else becomes PNG.
func (s *Service) picture(r io.Reader, contentType string) (*Picture, error) {
	img, h, err := images.Decode(r, maxAvatarPixels)
	if err != nil {
		var me *model.Error
		if errors.As(err, &me) {
			return nil, me
		}
		return nil, errInvalidImage
	}
	img = images.Orient(img, h.Orientation)
	if s.settings.Bool(setting.AccountsAvatarResize) {
		size := s.settings.Int(setting.AccountsAvatarSize)
		if size <= 0 {
			size = 200
		}
		img = images.Square(img, size)
	}
	out := "image/png"
	if strings.HasPrefix(contentType, "image/jpeg") {
		out = "image/jpeg"
	}
	var b bytes.Buffer
	if err := images.Encode(&b, img, out); err != nil {
		return nil, fmt.Errorf("avatars: encode: %w", err)
	}
	return &Picture{Data: b.Bytes(), ContentType: out}, nil
}

// SetUserAvatar makes pic the avatar of the user target names (actor when
// empty): actor's own when Accounts_AllowUserAvatarChange, anyone's with
// edit-other-user-avatar. The old picture is removed; updateAvatar goes
// to clients (UserChanged with avatarETag).
func (s *Service) SetUserAvatar(ctx context.Context, actor *model.User, targetID, targetUsername string, pic *Picture) error {
	if err := s.CheckChange(actor); err != nil {
		return err
	}
	user := actor
	if targetID != "" || targetUsername != "" {
		var err error
		if targetID != "" {
			user, err = s.store.UserByID(ctx, targetID)
		} else {
			user, err = s.store.UserByUsername(ctx, targetUsername)
		}
		if errors.Is(err, store.ErrNotFound) {
			return errInvalidUser
		}
		if err != nil {
			return fmt.Errorf("avatars: user: %w", err)
		}
	}
	if user.ID != actor.ID && !s.perms.Can(actor, perm.EditOtherUserAvatar) {
		return model.ErrUnauthorized
	}
	if user.ID == actor.ID && !s.settings.Bool(setting.AccountsAllowUserAvatarChange) && !s.perms.Can(actor, perm.EditOtherUserAvatar) {
		return errChangeNotAllowed
	}
	return s.store1(ctx, pic, func(tx store.Tx, rec *model.Upload) (string, error) {
		u, err := tx.UserByID(ctx, user.ID)
		if err != nil {
			return "", err
		}
		old := u.AvatarETag
		rec.UserID = u.ID
		u.AvatarETag, u.UpdatedAt = rec.ID, model.TimeOf(s.now())
		if err := tx.UpdateUser(ctx, u); err != nil {
			return "", err
		}
		c := *u
		tx.Emit(model.UserChanged{User: &c, Fields: []string{"avatarETag"}})
		return old, nil
	})
}

// store1 stages pic, runs link in the transaction that records it (link
// returns the etag of the avatar it replaces), commits, and removes the
// replaced picture.
func (s *Service) store1(ctx context.Context, pic *Picture, link func(tx store.Tx, rec *model.Upload) (string, error)) error {
	blobs, cfg, err := s.blobs.Get(ctx)
	if err != nil {
		s.log.Error("avatars: file storage", "err", err)
		return model.Invalid("error-file-storage-unavailable", "File storage is not available")
	}
	id := model.NewID()
	key := "avatars/" + id
	info, err := files.StagePut(ctx, blobs, key, bytes.NewReader(pic.Data), int64(len(pic.Data)), files.PutOptions{ContentType: pic.ContentType})
	if err != nil {
		return fmt.Errorf("avatars: store: %w", err)
	}
	now := model.TimeOf(s.now())
	rec := &model.Upload{ID: id, Name: "avatar", Type: pic.ContentType, Size: info.Size, TypeGroup: typeGroup,
		Store: string(cfg.StorageType) + ":Avatars", Key: key, Complete: true, Progress: 1, ETag: info.ETag,
		UploadedAt: now, UpdatedAt: now}
	var old string
	err = s.store.Update(ctx, func(tx store.Tx) error {
		var err error
		if old, err = link(tx, rec); err != nil {
			return err
		}
		if err := tx.InsertUpload(ctx, rec); err != nil {
			return err
		}
		if old != "" {
			if err := tx.DeleteUpload(ctx, old); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		return nil
	})
	if err != nil {
		files.Abort(ctx, blobs, key)
		if _, ok := model.AsError(err); ok {
			return err
		}
		return fmt.Errorf("avatars: record: %w", err)
	}
	if err := files.Commit(ctx, blobs, key); err != nil {
		s.log.Warn("avatars: clear pending marker (the sweep will)", "err", err)
	}
	if old != "" {
		if err := blobs.Delete(ctx, "avatars/"+old); err != nil {
			s.log.Warn("avatars: remove the replaced picture", "etag", old, "err", err)
		}
	}
	return nil
}

// ServeAvatar answers with the stored avatar etag (api.AvatarFiles);
// false when there is none.
func (s *Service) ServeAvatar(w http.ResponseWriter, r *http.Request, etag string, cacheSeconds int) bool {
	rec, err := s.store.UploadByID(r.Context(), etag)
	if err != nil || rec.TypeGroup != typeGroup {
		return false
	}
	blobs, cfg, err := s.blobs.Get(r.Context())
	if err != nil {
		return false
	}
	blob := download.Blob{Key: rec.Key, Size: rec.Size, ContentType: rec.Type, Name: "avatar", ModTime: rec.UploadedAt.Time, ETag: rec.ID}
	if p, ok := blobs.(files.Presigner); ok && !cfg.Proxy(files.KindAvatars) {
		err = download.Redirect(w, r, p, blob, cfg.S3.URLExpiry(), download.Inline)
	} else {
		err = download.Serve(w, r, blobs, blob, download.Options{Disposition: download.Inline,
			CacheControl: "public, max-age=" + strconv.Itoa(cacheSeconds)})
	}
	if err != nil && r.Context().Err() == nil {
		s.log.Error("avatar download", "etag", etag, "err", err)
	}
	return true
}

// RemoveUnused removes the avatar pictures no user points at any more
// (after users.resetAvatar, or a deleted user) and returns how many. It
// runs with the other periodic clean-ups.
func (s *Service) RemoveUnused(ctx context.Context) (int, error) {
	recs, _, err := s.store.ListUploads(ctx, store.UploadQuery{TypeGroup: typeGroup}, model.Page{})
	if err != nil {
		return 0, fmt.Errorf("avatars: list: %w", err)
	}
	var unused []*model.Upload
	for _, rec := range recs {
		if rec.UserID == "" {
			continue // a room's (none yet)
		}
		u, err := s.store.UserByID(ctx, rec.UserID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return 0, fmt.Errorf("avatars: user: %w", err)
		}
		if u == nil || u.AvatarETag != rec.ID {
			unused = append(unused, rec)
		}
	}
	if len(unused) == 0 {
		return 0, nil
	}
	err = s.store.Update(ctx, func(tx store.Tx) error {
		for _, rec := range unused {
			// Re-checked in the transaction: the user may have just
			// chosen it.
			if u, err := tx.UserByID(ctx, rec.UserID); err == nil && u.AvatarETag == rec.ID {
				continue
			}
			if err := tx.DeleteUpload(ctx, rec.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("avatars: remove: %w", err)
	}
	blobs, _, err := s.blobs.Get(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, rec := range unused {
		if _, err := s.store.UploadByID(ctx, rec.ID); err == nil {
			continue // kept
		}
		if err := blobs.Delete(ctx, rec.Key); err != nil {
			s.log.Warn("avatars: remove an unused picture", "key", rec.Key, "err", err)
			continue
		}
		n++
	}
	return n, nil
}
