package uploads

import (
	"context"
	"errors"
	"fmt"

	"liftoff/files"
	"liftoff/model"
	"liftoff/settings/setting"
	"liftoff/store"
)

// Download returns the upload fileID with the store holding its blob, if
// viewer (nil: anonymous) may download it: anyone when
// FileUpload_ProtectFiles is off; otherwise a logged-in user, who, when
// FileUpload_Restrict_to_room_members is on, must be a member of the room
// or, with FileUpload_Restrict_to_users_who_can_access_room, able to read
// it (Rocket.Chat's requestCanAccessFiles). It returns ErrNotFound or
// ErrForbidden.
func (s *Service) Download(ctx context.Context, viewer *model.User, fileID string) (*model.Upload, files.Store, files.Config, error) {
	up, err := s.store.UploadByID(ctx, fileID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, files.Config{}, ErrNotFound
	}
	if err != nil {
		return nil, nil, files.Config{}, fmt.Errorf("uploads: download: %w", err)
	}
	if err := s.canDownload(ctx, viewer, up); err != nil {
		return nil, nil, files.Config{}, err
	}
	blobs, cfg, err := s.blobs.Get(ctx)
	if err != nil {
		return nil, nil, files.Config{}, fmt.Errorf("uploads: file storage: %w", err)
	}
	return up, blobs, cfg, nil
}

func (s *Service) canDownload(ctx context.Context, viewer *model.User, up *model.Upload) error {
	if !s.settings.Bool(setting.FileUploadProtectFiles) {
		return nil
	}
	if viewer == nil {
		return ErrForbidden
	}
	if !s.settings.Bool(setting.FileUploadRestrictToRoomMembers) || up.RoomID == "" {
		return nil
	}
	if _, err := s.store.Subscription(ctx, up.RoomID, viewer.ID); err == nil {
		return nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("uploads: download: %w", err)
	}
	if s.settings.Bool(setting.FileUploadRestrictToUsersWhoCanAccessRoom) {
		room, err := s.store.RoomByID(ctx, up.RoomID)
		if err == nil && s.rooms.CanAccessRoom(ctx, viewer, room) == nil {
			return nil
		}
	}
	return ErrForbidden
}
