// Package filesapi is the HTTP side of the files service: the upload
// endpoints (rooms.media, rooms.mediaConfirm, rooms.upload) declared on the
// REST API's router, and the downloads at /file-upload/<id>/<name>.
package filesapi

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"

	"liftoff/api"
	"liftoff/files"
	"liftoff/files/download"
	"liftoff/files/upload"
	"liftoff/files/uploads"
	"liftoff/model"
)

// Service is what the endpoints call (*uploads.Service).
type Service interface {
	Stage(ctx context.Context, user *model.User, roomID string, in uploads.Incoming) (*model.Upload, error)
	Confirm(ctx context.Context, user *model.User, roomID, fileID string, in uploads.MessageInput) (*model.Message, error)
	ConfirmOrDiscard(ctx context.Context, user *model.User, roomID string, up *model.Upload, in uploads.MessageInput) (*model.Message, error)
	Discard(ctx context.Context, up *model.Upload)
	Download(ctx context.Context, viewer *model.User, fileID string) (*model.Upload, files.Store, files.Config, error)
}

// Routes declares the upload endpoints and the download route.
func Routes(rt *api.Router, svc Service, log *slog.Logger) {
	rt.Post("rooms.media/{rid}", media(svc), api.StreamBody())
	rt.Post("rooms.upload/{rid}", roomsUpload(svc), api.StreamBody())
	rt.Post("rooms.mediaConfirm/{rid}/{fileId}", api.Bind(confirm(svc)))
	rt.HandleHTTP("GET /file-upload/{id}/{name...}", downloadHandler(rt, svc, log))
}

var (
	errInvalidField = model.Bare(model.KindInvalid, "invalid-field")
	errNotMultipart = model.Invalid("error-invalid-body", "The request must be multipart/form-data with a file field")
	errTooManyParts = model.Invalid("error-invalid-body", "Too many form fields")
)

// maxFieldBytes bounds each text field of an upload form, and maxParts
// the number of parts.
const (
	maxFieldBytes = 1 << 20
	maxParts      = 64
)

// form reads a multipart upload whose file is the part "file".
func form(r *api.Request, onFile func(name string, body io.Reader) error) (map[string]string, bool, error) {
	return formFile(r, "file", onFile)
}

// formParts is formFile for callers that check themselves that the file came.
func formParts(r *api.Request, field string, onFile func(name string, body io.Reader) error) (map[string]string, error) {
	fields, _, err := formFile(r, field, onFile)
	return fields, err
}

// formFile reads a multipart upload as it arrives: fields are collected,
// the part named field is handed to onFile as a stream (once; later file
// parts are refused), so no file is held in memory or on disk.
func formFile(r *api.Request, field string, onFile func(name string, body io.Reader) error) (map[string]string, bool, error) {
	ct := r.HTTP.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || mt != "multipart/form-data" {
		return nil, false, errNotMultipart
	}
	mr, err := r.HTTP.MultipartReader()
	if err != nil {
		return nil, false, errNotMultipart
	}
	fields := map[string]string{}
	sawFile := false
	for n := 0; ; n++ {
		if n == maxParts {
			return nil, sawFile, errTooManyParts
		}
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return fields, sawFile, nil
		}
		if err != nil {
			return nil, sawFile, model.Invalid("error-invalid-body", "Could not read the multipart body")
		}
		if p.FileName() != "" || p.FormName() == field {
			if p.FormName() != field || sawFile {
				p.Close()
				return nil, sawFile, errInvalidField
			}
			sawFile = true
			if err := onFile(p.FileName(), p); err != nil {
				p.Close()
				return nil, sawFile, err
			}
			p.Close()
			continue
		}
		b, err := io.ReadAll(io.LimitReader(p, maxFieldBytes+1))
		p.Close()
		if err != nil {
			return nil, sawFile, model.Invalid("error-invalid-body", "Could not read the multipart body")
		}
		if len(b) > maxFieldBytes {
			return nil, sawFile, model.Invalid("error-invalid-body", "The form field %q is too large", p.FormName())
		}
		fields[p.FormName()] = string(b)
	}
}

// media is rooms.media: store the file as a temporary upload, answer its
// id and URL.
func media(svc Service) api.Handler {
	return func(r *api.Request) (any, error) {
		rid := r.HTTP.PathValue("rid")
		var up *model.Upload
		_, sawFile, err := form(r, func(name string, body io.Reader) error {
			var err error
			up, err = svc.Stage(r.Context(), r.User, rid, uploads.Incoming{Name: name, Body: body, Size: -1})
			return err
		})
		if err == nil && (!sawFile || up == nil) {
			err = errInvalidField
		}
		if err != nil {
			if up != nil {
				svc.Discard(r.Context(), up)
			}
			return nil, err
		}
		return api.M{"file": api.M{"_id": up.ID, "url": up.Path}}, nil
	}
}

// roomsUpload is rooms.upload: store the file and send its message.
func roomsUpload(svc Service) api.Handler {
	return func(r *api.Request) (any, error) {
		rid := r.HTTP.PathValue("rid")
		// The message fields may come after the file in the form: stage
		// the file as it streams, send the message once the form is read.
		var up *model.Upload
		fields, sawFile, err := form(r, func(name string, body io.Reader) error {
			var err error
			up, err = svc.Stage(r.Context(), r.User, rid, uploads.Incoming{Name: name, Body: body, Size: -1})
			return err
		})
		if err == nil && (!sawFile || up == nil) {
			err = errInvalidField
		}
		if err != nil {
			if up != nil {
				svc.Discard(r.Context(), up)
			}
			return nil, err
		}
		in := uploads.MessageInput{Msg: fields["msg"], Description: fields["description"], ThreadID: fields["tmid"],
			Alias: fields["alias"], Emoji: fields["emoji"], Avatar: fields["avatar"]}
		if g, ok := fields["groupable"]; ok {
			b := g == "true"
			in.Groupable = &b
		}
		msg, err := svc.ConfirmOrDiscard(r.Context(), r.User, rid, up, in)
		if err != nil {
			return nil, err
		}
		return api.M{"message": msg}, nil
	}
}

type confirmBody struct {
	Description  string         `json:"description"`
	Msg          string         `json:"msg"`
	ThreadID     string         `json:"tmid"`
	Alias        string         `json:"alias"`
	Emoji        string         `json:"emoji"`
	Avatar       string         `json:"avatar"`
	Groupable    *bool          `json:"groupable"`
	CustomFields map[string]any `json:"customFields"`
}

// confirm is rooms.mediaConfirm: send the message of a temporary upload.
func confirm(svc Service) func(r *api.Request, body *confirmBody) (any, error) {
	return func(r *api.Request, b *confirmBody) (any, error) {
		msg, err := svc.Confirm(r.Context(), r.User, r.HTTP.PathValue("rid"), r.HTTP.PathValue("fileId"), uploads.MessageInput{
			Msg: b.Msg, Description: b.Description, ThreadID: b.ThreadID, Alias: b.Alias, Emoji: b.Emoji,
			Avatar: b.Avatar, Groupable: b.Groupable, CustomFields: b.CustomFields,
		})
		if err != nil {
			return nil, err
		}
		return api.M{"message": msg}, nil
	}
}

// downloadHandler serves /file-upload/<id>/<name>: credentials from the
// X-User-Id/X-Auth-Token headers, the rc_uid/rc_token cookies or query
// parameters; 404 for an unknown file, 403 for a viewer who may not read
// it; ranges, conditional requests and safe headers (files/download).
func downloadHandler(rt *api.Router, svc Service, log *slog.Logger) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		viewer := rt.Authenticate(withQueryCredentials(r))
		up, blobs, cfg, err := svc.Download(r.Context(), viewer, id)
		switch {
		case errors.Is(err, uploads.ErrNotFound):
			http.Error(w, "404 Not Found", http.StatusNotFound)
			return
		case errors.Is(err, uploads.ErrForbidden):
			w.WriteHeader(http.StatusForbidden)
			return
		case err != nil:
			log.Error("file download", "file", id, "err", err)
			http.Error(w, "500 Internal Server Error", http.StatusInternalServerError)
			return
		}
		blob := download.Blob{Key: up.Key, Size: up.Size, ContentType: up.Type,
			Name: upload.NameWithExtension(up.Name, up.Type), ModTime: up.UploadedAt.Time, ETag: up.ETag}
		disp := download.DispositionFromQuery(r.URL.Query())
		if p, ok := blobs.(files.Presigner); ok && !cfg.Proxy(files.KindUploads) {
			err = download.Redirect(w, r, p, blob, cfg.S3.URLExpiry(), disp)
		} else {
			err = download.Serve(w, r, blobs, blob, download.Options{Disposition: disp})
		}
		if err != nil && !errors.Is(err, files.ErrNotFound) && r.Context().Err() == nil {
			log.Error("file download", "file", id, "err", err)
		}
	}
}

// withQueryCredentials returns r with the rc_uid and rc_token query
// parameters as headers when it carries no other credentials (Rocket.Chat
// accepts them in the URL of file links).
func withQueryCredentials(r *http.Request) *http.Request {
	q := r.URL.Query()
	uid, token := q.Get("rc_uid"), q.Get("rc_token")
	if uid == "" || token == "" || r.Header.Get("X-User-Id") != "" {
		return r
	}
	r2 := r.Clone(r.Context())
	r2.Header.Set("X-User-Id", uid)
	r2.Header.Set("X-Auth-Token", token)
	return r2
}
