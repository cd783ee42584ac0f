package uploads

import (
	"context"
	"errors"
	"fmt"

	"liftoff/model"
	"liftoff/store"
)

// RoomFile is an upload with its uploader, as the files lists show it
// (IUploadWithUser).
type RoomFile struct {
	*model.Upload
	User *model.UserRef // nil when the uploader is gone
}

// FilesQuery filters a room's files.
type FilesQuery struct {
	Name      string // case-insensitive substring of the name
	TypeGroup string // "image", "video", "audio", "application", "text"...
}

// RoomFiles lists the files of a room the caller was allowed to read
// (channels.files, groups.files, im.files): confirmed uploads, without
// thumbnails.
func (s *Service) RoomFiles(ctx context.Context, room *model.Room, q FilesQuery, p model.Page) ([]RoomFile, int, error) {
	yes := true
	return s.list(ctx, store.UploadQuery{RoomID: room.ID, NoThumbs: true, Complete: &yes, Name: q.Name, TypeGroup: q.TypeGroup}, p)
}

// RoomImages lists the pictures of a room user may read (rooms.images),
// newest first, from the upload startingFromID on when given. It refuses
// (model.ErrUnauthorized) a room user may not read.
func (s *Service) RoomImages(ctx context.Context, user *model.User, roomID, startingFromID string, p model.Page) ([]RoomFile, int, error) {
	room, err := s.store.RoomByID(ctx, roomID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && s.rooms.CanAccessRoom(ctx, user, room) != nil) {
		return nil, 0, model.ErrUnauthorized
	}
	if err != nil {
		return nil, 0, fmt.Errorf("uploads: images: %w", err)
	}
	yes := true
	q := store.UploadQuery{RoomID: room.ID, TypeGroup: "image", Complete: &yes}
	if startingFromID != "" {
		if from, err := s.store.UploadByID(ctx, startingFromID); err == nil && from.RoomID == room.ID {
			q.UploadedUpTo = from.UploadedAt
		}
	}
	p.Sort = []model.SortKey{{Field: "uploadedAt", Desc: true}}
	return s.list(ctx, q, p)
}

func (s *Service) list(ctx context.Context, q store.UploadQuery, p model.Page) ([]RoomFile, int, error) {
	ups, total, err := s.store.ListUploads(ctx, q, p)
	if err != nil {
		return nil, 0, fmt.Errorf("uploads: list: %w", err)
	}
	ids := make([]string, 0, len(ups))
	for _, u := range ups {
		ids = append(ids, u.UserID)
	}
	users, err := s.store.UsersByIDs(ctx, ids)
	if err != nil {
		return nil, 0, fmt.Errorf("uploads: list: %w", err)
	}
	byID := make(map[string]*model.User, len(users))
	for _, u := range users {
		byID[u.ID] = u
	}
	out := make([]RoomFile, 0, len(ups))
	for _, u := range ups {
		f := RoomFile{Upload: u}
		if usr := byID[u.UserID]; usr != nil {
			ref := usr.Ref()
			f.User = &ref
		}
		out = append(out, f)
	}
	return out, total, nil
}
