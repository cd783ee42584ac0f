package uploads

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path"
	"strings"
	"time"
	"unicode/utf8"

	"liftoff/chat"
	"liftoff/files"
	"liftoff/files/images"
	"liftoff/files/upload"
	"liftoff/model"
	"liftoff/settings/setting"
	"liftoff/store"
)

// Settings reads setting values (*settings.Registry).
type Settings interface {
	files.Settings
}

// Rooms is what the service needs of the chat rooms.
type Rooms interface {
	// CanAccessRoom returns nil when user may read room.
	CanAccessRoom(ctx context.Context, user *model.User, room *model.Room) error
}

// Messages sends the messages that carry uploads.
type Messages interface {
	SendMessage(ctx context.Context, user *model.User, in chat.SendInput) (*model.Message, error)
}

// Blobs gives the file store the settings select now (*backend.Current).
type Blobs interface {
	Get(ctx context.Context) (files.Store, files.Config, error)
}

// Deps are the service's collaborators.
type Deps struct {
	Store    store.Store
	Blobs    Blobs
	Settings Settings
	Rooms    Rooms
	Messages Messages
	Images   *images.Processor // nil: images.NewProcessor(2)
	Now      func() time.Time  // nil: time.Now
	Logger   *slog.Logger      // nil: slog.Default()
}

// Service handles uploads into rooms and their downloads.
type Service struct {
	store    store.Store
	blobs    Blobs
	settings Settings
	rooms    Rooms
	messages Messages
	images   *images.Processor
	now      func() time.Time
	log      *slog.Logger
}

// New returns the service.
func New(d Deps) *Service {
	s := &Service{store: d.Store, blobs: d.Blobs, settings: d.Settings, rooms: d.Rooms, messages: d.Messages,
		images: d.Images, now: d.Now, log: d.Logger}
	if s.images == nil {
		s.images = images.NewProcessor(2)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	return s
}

// TemporaryLifetime is how long an upload made by rooms.media waits for
// its rooms.mediaConfirm, as in Rocket.Chat.
const TemporaryLifetime = 24 * time.Hour

// keyPrefix is where message attachments live in the file store.
const keyPrefix = "uploads/"

// Errors, with Rocket.Chat's types and texts.
var (
	errUploadDisabled = model.Invalid("error-file-upload-disabled", "File uploads are disabled.")
	errDirectDisabled = model.Invalid("error-direct-message-file-upload-not-allowed", "File sharing not allowed in direct messages.")
	errInvalidFile    = model.Bare(model.KindInvalid, "invalid-file")
	errMessageTooLong = model.Bare(model.KindInvalid, "error-message-size-exceeded")
	// ErrNotFound: no upload with that id (a download answers 404).
	ErrNotFound = model.NotFound("error-file-not-found", "File not found")
	// ErrForbidden: the viewer may not download the file (403).
	ErrForbidden = model.Forbidden("error-not-allowed", "Not allowed")
	// ErrStorage: the file store could not be built from the settings.
	errStorage = model.Invalid("error-file-storage-unavailable", "File storage is not available")
)

// Incoming is a file as a client sends it.
type Incoming struct {
	Name string    // the client's file name
	Body io.Reader // the bytes, read once, to the end
	// Size is the declared size, -1 when unknown.
	Size int64
}

// room loads the room user uploads into and checks the upload rules:
// access to the room (refused with Rocket.Chat's API.v1.forbidden()),
// FileUpload_Enabled, FileUpload_Enabled_Direct.
func (s *Service) room(ctx context.Context, user *model.User, roomID string) (*model.Room, error) {
	if user == nil {
		return nil, model.ErrUnauthorized
	}
	room, err := s.store.RoomByID(ctx, roomID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, model.ErrUnauthorized
	}
	if err != nil {
		return nil, fmt.Errorf("uploads: room: %w", err)
	}
	if s.rooms.CanAccessRoom(ctx, user, room) != nil {
		return nil, model.ErrUnauthorized
	}
	if !s.settings.Bool(setting.FileUploadEnabled) {
		return nil, errUploadDisabled
	}
	if room.Type == model.RoomDirect && !s.settings.Bool(setting.FileUploadEnabledDirect) {
		return nil, errDirectDisabled
	}
	return room, nil
}

// staged is an upload whose blobs are written and whose records are not
// committed yet.
type staged struct {
	blobs files.Store
	cfg   files.Config
	main  *model.Upload
	thumb *model.Upload // nil when none
	keys  []string
}

// abort deletes the staged blobs (on every path that does not commit).
func (st *staged) abort(ctx context.Context) {
	if err := files.Abort(ctx, st.blobs, st.keys...); err != nil {
		slog.Default().Warn("uploads: abort", "keys", st.keys, "err", err)
	}
}

// Stage receives a file for rooms.media: it checks the rules, stores the
// blob (and, for a picture, its thumbnail) and records a temporary upload,
// which rooms.mediaConfirm turns into a message. It returns the record.
func (s *Service) Stage(ctx context.Context, user *model.User, roomID string, in Incoming) (*model.Upload, error) {
	room, err := s.room(ctx, user, roomID)
	if err != nil {
		return nil, err
	}
	st, err := s.receive(ctx, user, room, in)
	if err != nil {
		return nil, err
	}
	// Temporary until confirmed: not complete (files lists leave it out),
	// removed at expiresAt.
	expires := model.TimeOf(s.now().Add(TemporaryLifetime))
	st.main.ExpiresAt, st.main.Complete = expires, false
	if st.thumb != nil {
		st.thumb.ExpiresAt, st.thumb.Complete = expires, false
	}
	err = s.store.Update(ctx, func(tx store.Tx) error {
		if err := tx.InsertUpload(ctx, st.main); err != nil {
			return err
		}
		if st.thumb != nil {
			return tx.InsertUpload(ctx, st.thumb)
		}
		return nil
	})
	if err != nil {
		st.abort(ctx)
		return nil, fmt.Errorf("uploads: record: %w", err)
	}
	if err := files.Commit(ctx, st.blobs, st.keys...); err != nil {
		s.log.Warn("uploads: clear pending markers (the sweep will)", "err", err)
	}
	return st.main, nil
}

// receive checks and stores the bytes: type sniffed and checked against
// the lists, size bounded, metadata stripped, pictures measured, turned
// upright and given a thumbnail.
func (s *Service) receive(ctx context.Context, user *model.User, room *model.Room, in Incoming) (*staged, error) {
	blobs, cfg, err := s.blobs.Get(ctx)
	if err != nil {
		s.log.Error("uploads: file storage", "err", err)
		return nil, errStorage
	}
	policy := upload.PolicyFromSettings(s.settings)
	up, err := policy.Inspect(in.Body, in.Name, in.Size)
	if err != nil {
		return nil, err
	}
	now := model.TimeOf(s.now())
	id := model.NewID()
	st := &staged{blobs: blobs, cfg: cfg}
	var body io.Reader = up
	var stripped *images.Stripped
	if images.Supported(up.ContentType) && s.settings.Bool(setting.MessageAttachmentsStripExif) {
		stripped = images.StripMetadata(up, up.ContentType)
		body = stripped
	}
	key := keyPrefix + id
	info, err := files.StagePut(ctx, blobs, key, body, -1, files.PutOptions{ContentType: up.ContentType})
	if err != nil {
		var me *model.Error
		if errors.As(err, &me) {
			return nil, me // too large while streaming
		}
		return nil, fmt.Errorf("uploads: store: %w", err)
	}
	st.keys = append(st.keys, key)
	storeName := string(cfg.StorageType) + ":Uploads"
	st.main = &model.Upload{
		ID: id, Name: up.Name, Type: up.ContentType, Size: info.Size, Extension: extension(up.Name),
		TypeGroup: typeGroup(up.ContentType), RoomID: room.ID, UserID: user.ID, Store: storeName, Key: key,
		Complete: true, Progress: 1, ETag: info.ETag, UploadedAt: now, UpdatedAt: now,
	}
	st.main.Path = FileURL(id, up.Name)
	st.main.URL = st.main.Path
	if images.Supported(up.ContentType) {
		if err := s.picture(ctx, st, stripped, now); err != nil {
			st.abort(ctx)
			return nil, err
		}
	}
	return st, nil
}

// picture measures a stored picture, replaces it by its upright version
// when FileUpload_RotateImages asks, and stages its thumbnail. A picture
// too large or impossible to decode is kept as it is, without thumbnail.
func (s *Service) picture(ctx context.Context, st *staged, stripped *images.Stripped, now model.Time) error {
	rc, err := st.blobs.Open(ctx, st.main.Key, 0, -1)
	if err != nil {
		return fmt.Errorf("uploads: reopen picture: %w", err)
	}
	opts := images.OptionsFromSettings(s.settings)
	if stripped != nil {
		opts.Orientation = stripped.Orientation()
	}
	res, err := s.images.Process(ctx, rc, opts)
	rc.Close()
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		s.log.Info("uploads: picture kept without thumbnail", "file", st.main.ID, "err", err)
		return nil
	}
	st.main.Identify = &model.Identify{Format: res.Header.Format, Size: &model.ImageSize{Width: res.Width, Height: res.Height}}
	st.main.Preview = res.Preview
	if res.Rotated {
		pr, pw := io.Pipe()
		go func() { _, err := res.EncodeOriented(pw); pw.CloseWithError(err) }()
		info, err := files.StagePut(ctx, st.blobs, st.main.Key, pr, -1, files.PutOptions{ContentType: st.main.Type})
		pr.CloseWithError(io.ErrClosedPipe)
		if err != nil {
			return fmt.Errorf("uploads: store the upright picture: %w", err)
		}
		st.main.Size, st.main.ETag = info.Size, info.ETag
	}
	if th := res.Thumbnail; th != nil {
		id := model.NewID()
		key := keyPrefix + id
		info, err := files.StagePut(ctx, st.blobs, key, bytes.NewReader(th.Data), int64(len(th.Data)), files.PutOptions{ContentType: th.ContentType})
		if err != nil {
			return fmt.Errorf("uploads: store the thumbnail: %w", err)
		}
		st.keys = append(st.keys, key)
		name := "thumb-" + st.main.Name
		st.thumb = &model.Upload{
			ID: id, Name: name, Type: th.ContentType, Size: info.Size, Extension: extension(name), TypeGroup: "thumb",
			RoomID: st.main.RoomID, UserID: st.main.UserID, Store: st.main.Store, Key: key, Complete: true, Progress: 1,
			ETag: info.ETag, UploadedAt: now, UpdatedAt: now, OriginalID: st.main.ID,
			Identify: &model.Identify{Format: formatOf(th.ContentType), Size: &model.ImageSize{Width: th.Width, Height: th.Height}},
		}
		st.thumb.Path = FileURL(id, name)
		st.thumb.URL = st.thumb.Path
		st.main.ThumbID = id
	}
	return nil
}

// MessageInput is the message a confirmed upload is sent with
// (rooms.mediaConfirm's body, rooms.upload's fields).
type MessageInput struct {
	Msg          string
	Description  string
	ThreadID     string
	Alias        string
	Emoji        string
	Avatar       string
	Groupable    *bool
	CustomFields map[string]any
}

// Confirm sends the message of a temporary upload made by user in the
// room (rooms.mediaConfirm) and makes the upload permanent, in the
// message's transaction. It refuses, with Rocket.Chat's invalid-file, an
// upload that is not user's temporary upload in that room.
func (s *Service) Confirm(ctx context.Context, user *model.User, roomID, fileID string, in MessageInput) (*model.Message, error) {
	room, err := s.room(ctx, user, roomID)
	if err != nil {
		return nil, err
	}
	up, err := s.store.UploadByID(ctx, fileID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errInvalidFile
	}
	if err != nil {
		return nil, fmt.Errorf("uploads: confirm: %w", err)
	}
	if up.UserID != user.ID || up.RoomID != room.ID || up.MessageID != "" || up.TypeGroup == "thumb" {
		return nil, errInvalidFile
	}
	if max := s.settings.Int(setting.MessageMaxAllowedSize); max > 0 && utf8.RuneCountInString(in.Description) > max {
		return nil, errMessageTooLong
	}
	var thumb *model.Upload
	if up.ThumbID != "" {
		if thumb, err = s.store.UploadByID(ctx, up.ThumbID); err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, fmt.Errorf("uploads: confirm: %w", err)
		}
	}
	up.Description = in.Description
	refs, attachment := messageFiles(up, thumb)
	groupable := false
	if in.Groupable != nil {
		groupable = *in.Groupable
	}
	return s.messages.SendMessage(ctx, user, chat.SendInput{
		RoomID: room.ID, Msg: in.Msg, ThreadID: in.ThreadID, Alias: in.Alias, Emoji: in.Emoji, Avatar: in.Avatar,
		Groupable: &groupable, CustomFields: in.CustomFields,
		File: &refs[0], Files: refs, Attachments: []map[string]any{attachment},
		InTx: func(ctx context.Context, tx store.Tx, msg *model.Message) error {
			for _, u := range []*model.Upload{up, thumb} {
				if u == nil {
					continue
				}
				cur, err := tx.UploadByID(ctx, u.ID)
				if errors.Is(err, store.ErrNotFound) {
					return errInvalidFile // removed meanwhile (expired)
				}
				if err != nil {
					return err
				}
				if cur.MessageID != "" {
					return errInvalidFile // confirmed meanwhile
				}
				cur.MessageID, cur.ExpiresAt, cur.UpdatedAt, cur.Complete = msg.ID, model.Time{}, msg.SentAt, true
				cur.Description = u.Description
				if err := tx.UpdateUpload(ctx, cur); err != nil {
					return err
				}
			}
			return nil
		},
	})
}

// ConfirmOrDiscard is rooms.upload's second half: Confirm the upload just
// staged, or, when the message is refused, remove the upload, so a refused
// upload leaves nothing behind.
func (s *Service) ConfirmOrDiscard(ctx context.Context, user *model.User, roomID string, up *model.Upload, in MessageInput) (*model.Message, error) {
	msg, err := s.Confirm(ctx, user, roomID, up.ID, in)
	if err != nil {
		s.Discard(ctx, up)
		return nil, err
	}
	return msg, nil
}

// Discard removes an upload just staged whose request failed (it would
// otherwise wait for its expiry).
func (s *Service) Discard(ctx context.Context, up *model.Upload) {
	ups := []*model.Upload{up}
	if up.ThumbID != "" {
		ups = append(ups, &model.Upload{ID: up.ThumbID, Key: keyPrefix + up.ThumbID})
	}
	if err := s.remove(context.WithoutCancel(ctx), ups); err != nil {
		s.log.Warn("uploads: remove a refused upload (it expires)", "file", up.ID, "err", err)
	}
}

// messageFiles builds the files and the attachment of a file message, as
// Rocket.Chat's parseFileIntoMessageAttachments does.
func messageFiles(up, thumb *model.Upload) ([]model.FileRef, map[string]any) {
	format := ""
	if up.Identify != nil {
		format = up.Identify.Format
	}
	refs := []model.FileRef{{ID: up.ID, Name: up.Name, Type: orFile(up.Type), Size: up.Size, Format: format, TypeGroup: up.TypeGroup}}
	url := FileURL(up.ID, up.Name)
	a := map[string]any{"title": up.Name, "type": "file", "title_link": url, "title_link_download": true, "fileId": up.ID}
	if up.Description != "" {
		a["description"] = up.Description
	}
	major, _, _ := strings.Cut(up.Type, "/")
	switch major {
	case "image":
		a["image_url"] = url
		a["image_type"] = up.Type
		a["image_size"] = up.Size
		if up.Identify != nil && up.Identify.Size != nil {
			a["image_dimensions"] = map[string]any{"width": up.Identify.Size.Width, "height": up.Identify.Size.Height}
		}
		if up.Preview != "" {
			a["image_preview"] = up.Preview
		}
		if thumb != nil {
			a["image_url"] = FileURL(thumb.ID, up.Name)
			a["image_type"] = thumb.Type
			if thumb.Identify != nil && thumb.Identify.Size != nil {
				a["image_dimensions"] = map[string]any{"width": thumb.Identify.Size.Width, "height": thumb.Identify.Size.Height}
			}
			tf := ""
			if thumb.Identify != nil {
				tf = thumb.Identify.Format
			}
			refs = append(refs, model.FileRef{ID: thumb.ID, Name: thumb.Name, Type: orFile(thumb.Type), Size: thumb.Size, Format: tf, TypeGroup: "thumb"})
		}
	case "audio":
		a["audio_url"] = url
		a["audio_type"] = up.Type
		a["audio_size"] = up.Size
	case "video":
		a["video_url"] = url
		a["video_type"] = up.Type
		a["video_size"] = up.Size
	default:
		a["format"] = extension(up.Name)
		a["size"] = up.Size
	}
	return refs, a
}

func orFile(t string) string {
	if t == "" {
		return "file"
	}
	return t
}

// FileURL is the download path of a file: /file-upload/<id>/<name>, the
// name escaped as JavaScript's encodeURI does (Rocket.Chat's getPath).
func FileURL(id, name string) string {
	return "/file-upload/" + id + "/" + encodeURI(name)
}

// encodeURI escapes s as JavaScript's encodeURI: everything but letters,
// digits and ;,/?:@&=+$-_.!~*'()# is percent-encoded as UTF-8.
func encodeURI(s string) string {
	const keep = ";,/?:@&=+$-_.!~*'()#"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x80 && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(keep, c) >= 0) {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// extension is the file name's extension without the dot, lower-cased
// (Rocket.Chat's getFileExtension).
func extension(name string) string {
	return strings.ToLower(strings.TrimPrefix(path.Ext(name), "."))
}

// typeGroup is the major part of a content type ("image").
func typeGroup(contentType string) string {
	major, _, _ := strings.Cut(contentType, "/")
	return major
}

func formatOf(contentType string) string {
	_, sub, _ := strings.Cut(contentType, "/")
	return sub
}
