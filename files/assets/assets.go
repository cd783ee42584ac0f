// Package assets is the workspace assets service (assets.setAsset,
// assets.unsetAsset): the logo, favicons and tiles an administrator
// uploads, stored in the file store (assets/<name>/<id>) with an upload
// record (typeGroup "asset"), published through the public Assets_*
// settings ({url: "assets/<name>.<ext>", defaultUrl}) and served at
// /assets/<name>.<ext>.
package assets

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"liftoff/files"
	"liftoff/files/download"
	"liftoff/files/images"
	"liftoff/files/upload"
	"liftoff/model"
	"liftoff/settings/setting"
	"liftoff/store"
)

// Asset is one of Rocket.Chat's workspace assets.
type Asset struct {
	Setting       setting.ID
	DefaultURL    string
	Extensions    []string
	Width, Height int // required size in pixels (0: any)
}

var (
	pictures = []string{"svg", "png", "jpg", "jpeg"}
	png      = []string{"png"}
)

// Assets are Rocket.Chat's, by name.
var Assets = map[string]Asset{
	"logo":              {setting.AssetsLogo, "images/logo/logo.svg", pictures, 0, 0},
	"logo_dark":         {setting.AssetsLogoDark, "images/logo/logo_dark.svg", pictures, 0, 0},
	"background":        {setting.AssetsBackground, "", pictures, 0, 0},
	"background_dark":   {setting.AssetsBackgroundDark, "", pictures, 0, 0},
	"favicon_ico":       {setting.AssetsFaviconIco, "favicon.ico", []string{"ico"}, 0, 0},
	"favicon":           {setting.AssetsFavicon, "images/logo/icon.svg", []string{"svg"}, 0, 0},
	"favicon_16":        {setting.AssetsFavicon16, "images/logo/favicon-16x16.png", png, 16, 16},
	"favicon_32":        {setting.AssetsFavicon32, "images/logo/favicon-32x32.png", png, 32, 32},
	"favicon_192":       {setting.AssetsFavicon192, "images/logo/android-chrome-192x192.png", png, 192, 192},
	"favicon_512":       {setting.AssetsFavicon512, "images/logo/android-chrome-512x512.png", png, 512, 512},
	"touchicon_180":     {setting.AssetsTouchicon180, "images/logo/apple-touch-icon.png", png, 180, 180},
	"touchicon_180_pre": {setting.AssetsTouchicon180Pre, "images/logo/apple-touch-icon-precomposed.png", png, 180, 180},
	"tile_70":           {setting.AssetsTile70, "images/logo/mstile-70x70.png", png, 70, 70},
	"tile_144":          {setting.AssetsTile144, "images/logo/mstile-144x144.png", png, 144, 144},
	"tile_150":          {setting.AssetsTile150, "images/logo/mstile-150x150.png", png, 150, 150},
	"tile_310_square":   {setting.AssetsTile310Square, "images/logo/mstile-310x310.png", png, 310, 310},
	"tile_310_wide":     {setting.AssetsTile310Wide, "images/logo/mstile-310x150.png", png, 310, 150},
	"safari_pinned":     {setting.AssetsSafariPinned, "images/logo/safari-pinned-tab.svg", []string{"svg"}, 0, 0},
}

// Blobs gives the file store the settings select now (*backend.Current).
type Blobs interface {
	Get(ctx context.Context) (files.Store, files.Config, error)
}

// Settings sets the Assets_* values (chat.Admin).
type Settings interface {
	SetAssetValue(ctx context.Context, id setting.ID, value map[string]any) error
}

// Deps are the service's collaborators.
type Deps struct {
	Store        store.Store
	Blobs        Blobs
	Settings     files.Settings
	AssetSetting Settings
	Now          func() time.Time
	Logger       *slog.Logger
}

// Service manages the assets. Callers check manage-assets.
type Service struct {
	store  store.Store
	blobs  Blobs
	values files.Settings
	set    Settings
	now    func() time.Time
	log    *slog.Logger
}

// New returns the service.
func New(d Deps) *Service {
	s := &Service{store: d.Store, blobs: d.Blobs, values: d.Settings, set: d.AssetSetting, now: d.Now, log: d.Logger}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	return s
}

const typeGroup = "asset"

var errInvalidAsset = model.Invalid("error-invalid-asset", "Invalid asset")

// Staged is an uploaded asset file stored before its name is known (the
// form may name it after the file).
type Staged struct {
	blobs  files.Store
	rec    model.Upload
	width  int
	height int
}

// extension is Rocket.Chat's extension of a content type.
func extension(contentType string) string {
	switch contentType {
	case "image/svg+xml":
		return "svg"
	case "image/x-icon", "image/vnd.microsoft.icon":
		return "ico"
	case "image/jpeg":
		return "jpeg"
	}
	_, sub, _ := strings.Cut(contentType, "/")
	return sub
}

// Stage stores an uploaded file (bounded by FileUpload_MaxFileSize, its
// type sniffed) and measures it.
func (s *Service) Stage(ctx context.Context, fileName string, body io.Reader) (*Staged, error) {
	blobs, cfg, err := s.blobs.Get(ctx)
	if err != nil {
		s.log.Error("assets: file storage", "err", err)
		return nil, model.Invalid("error-file-storage-unavailable", "File storage is not available")
	}
	up, err := upload.Policy{MaxFileSize: int64(s.values.Int(setting.FileUploadMaxFileSize))}.Inspect(body, fileName, -1)
	if err != nil {
		return nil, err
	}
	id := model.NewID()
	key := "assets/" + id
	info, err := files.StagePut(ctx, blobs, key, up, -1, files.PutOptions{ContentType: up.ContentType})
	if err != nil {
		var me *model.Error
		if errors.As(err, &me) {
			return nil, me
		}
		return nil, fmt.Errorf("assets: store: %w", err)
	}
	now := model.TimeOf(s.now())
	st := &Staged{blobs: blobs, rec: model.Upload{ID: id, Name: upload.SanitizeName(fileName), Type: up.ContentType, Size: info.Size,
		Extension: extension(up.ContentType), TypeGroup: typeGroup, Store: string(cfg.StorageType) + ":Assets", Key: key,
		Complete: true, Progress: 1, ETag: info.ETag, UploadedAt: now, UpdatedAt: now}}
	if images.Supported(up.ContentType) {
		if rc, err := blobs.Open(ctx, key, 0, -1); err == nil {
			if h, err := images.Probe(rc); err == nil {
				st.width, st.height = h.Width, h.Height
			}
			rc.Close()
		}
	}
	return st, nil
}

// FileName is the name the client gave the staged file.
func (st *Staged) FileName() string { return st.rec.Name }

// Discard removes a staged file whose request failed.
func (s *Service) Discard(ctx context.Context, st *Staged) {
	if st != nil {
		files.Abort(ctx, st.blobs, st.rec.Key)
	}
}

// Set makes the staged file the asset name (Rocket.Chat's setAsset): the
// type must be one of the asset's extensions (error-invalid-file-type),
// the size its required one (error-invalid-file-width / -height). The
// previous file is removed and Assets_<name> points at the new one.
func (s *Service) Set(ctx context.Context, name string, st *Staged) error {
	a, ok := Assets[name]
	if !ok {
		s.Discard(ctx, st)
		return errInvalidAsset
	}
	ext := st.rec.Extension
	if !slices.Contains(a.Extensions, ext) {
		s.Discard(ctx, st)
		return model.Invalid("error-invalid-file-type", "Invalid file type: %s", st.rec.Type)
	}
	if a.Width != 0 && st.width != a.Width {
		s.Discard(ctx, st)
		return model.Invalid("error-invalid-file-width", "Invalid file width")
	}
	if a.Height != 0 && st.height != a.Height {
		s.Discard(ctx, st)
		return model.Bare(model.KindInvalid, "error-invalid-file-height")
	}
	rec := st.rec
	rec.Description = name // the asset the file is
	old, err := s.current(ctx, name)
	if err != nil {
		s.Discard(ctx, st)
		return err
	}
	err = s.store.Update(ctx, func(tx store.Tx) error {
		for _, o := range old {
			if err := tx.DeleteUpload(ctx, o.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		return tx.InsertUpload(ctx, &rec)
	})
	if err != nil {
		s.Discard(ctx, st)
		return fmt.Errorf("assets: record: %w", err)
	}
	files.Commit(ctx, st.blobs, rec.Key)
	s.removeBlobs(ctx, old)
	return s.set.SetAssetValue(ctx, a.Setting, value(a, "assets/"+name+"."+ext))
}

// Unset removes the asset name's file (Rocket.Chat's unsetAsset).
func (s *Service) Unset(ctx context.Context, name string) error {
	a, ok := Assets[name]
	if !ok {
		return errInvalidAsset
	}
	old, err := s.current(ctx, name)
	if err != nil {
		return err
	}
	err = s.store.Update(ctx, func(tx store.Tx) error {
		for _, o := range old {
			if err := tx.DeleteUpload(ctx, o.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("assets: remove: %w", err)
	}
	s.removeBlobs(ctx, old)
	return s.set.SetAssetValue(ctx, a.Setting, value(a, ""))
}

func value(a Asset, url string) map[string]any {
	v := map[string]any{}
	if url != "" {
		v["url"] = url
	}
	if a.DefaultURL != "" {
		v["defaultUrl"] = a.DefaultURL
	}
	return v
}

// current returns the records of the asset's files (one, normally).
func (s *Service) current(ctx context.Context, name string) ([]*model.Upload, error) {
	ups, _, err := s.store.ListUploads(ctx, store.UploadQuery{TypeGroup: typeGroup}, model.Page{})
	if err != nil {
		return nil, fmt.Errorf("assets: %w", err)
	}
	var out []*model.Upload
	for _, u := range ups {
		if u.Description == name {
			out = append(out, u)
		}
	}
	return out, nil
}

func (s *Service) removeBlobs(ctx context.Context, ups []*model.Upload) {
	if len(ups) == 0 {
		return
	}
	blobs, _, err := s.blobs.Get(ctx)
	if err != nil {
		return
	}
	for _, u := range ups {
		if err := blobs.Delete(ctx, u.Key); err != nil {
			s.log.Warn("assets: remove the replaced file", "key", u.Key, "err", err)
		}
	}
}

// Serve answers GET /assets/<name>.<ext> when name is an asset with a
// stored file and reports whether it did (false: not an asset, or none
// uploaded; the caller answers, e.g. with the web client's own files).
// SVG is sent with a CSP that forbids scripts.
func (s *Service) Serve(w http.ResponseWriter, r *http.Request, file string) bool {
	name, ext, _ := strings.Cut(file, ".")
	a, ok := Assets[name]
	if !ok {
		return false
	}
	if ext != "" && !slices.Contains(a.Extensions, ext) {
		w.WriteHeader(http.StatusForbidden)
		return true
	}
	cur, err := s.current(r.Context(), name)
	if err != nil || len(cur) == 0 {
		if err != nil {
			s.log.Error("asset", "name", name, "err", err)
		}
		http.NotFound(w, r)
		return true
	}
	rec := cur[len(cur)-1]
	blobs, _, err := s.blobs.Get(r.Context())
	if err != nil {
		http.Error(w, "500 Internal Server Error", http.StatusInternalServerError)
		return true
	}
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	err = download.Serve(w, r, blobs, download.Blob{Key: rec.Key, Size: rec.Size, ContentType: rec.Type,
		Name: name + "." + rec.Extension, ModTime: rec.UploadedAt.Time, ETag: rec.ID},
		download.Options{Disposition: download.Inline, CacheControl: "public, max-age=0"})
	if err != nil && r.Context().Err() == nil {
		s.log.Error("asset", "name", name, "err", err)
	}
	return true
}
