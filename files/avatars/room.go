package avatars

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"liftoff/access/perm"
	"liftoff/model"
	"liftoff/store"
)

// RoomPermissions answers permission checks in a room, counting the
// caller's room roles (chat.Admin).
type RoomPermissions interface {
	CanInRoom(ctx context.Context, user *model.User, roomID string, p perm.ID) bool
}

var errRoomAvatarNotAllowed = model.Invalid("error-action-not-allowed", "Editing room avatar is not allowed")

// SetRoomAvatar is saveRoomSettings' roomAvatar: dataURL (a data: URL of
// a picture, base64) becomes the room's avatar, served at
// /avatar/room/<rid>; an empty one removes it (the generated avatar
// again). actor needs edit-room-avatar in the room. Clients learn the new
// avatarETag from the room's change.
func (s *Service) SetRoomAvatar(ctx context.Context, actor *model.User, roomID, dataURL string) error {
	if s.rooms == nil || !s.rooms.CanInRoom(ctx, actor, roomID, perm.EditRoomAvatar) {
		return errRoomAvatarNotAllowed.InMethod()
	}
	if _, err := s.store.RoomByID(ctx, roomID); errors.Is(err, store.ErrNotFound) {
		return model.Invalid("error-invalid-room", "Invalid room").InMethod()
	} else if err != nil {
		return fmt.Errorf("avatars: room: %w", err)
	}
	link := func(tx store.Tx, rec *model.Upload) (string, error) {
		room, err := tx.RoomByID(ctx, roomID)
		if err != nil {
			return "", err
		}
		old := room.AvatarETag
		room.AvatarETag, room.UpdatedAt = "", model.TimeOf(s.now())
		if rec != nil {
			rec.RoomID, rec.UserID = room.ID, ""
			room.AvatarETag = rec.ID
		}
		if err := tx.UpdateRoom(ctx, room); err != nil {
			return "", err
		}
		c := *room
		tx.Emit(model.RoomChanged{Action: model.ActionUpdated, Room: &c})
		return old, nil
	}
	if dataURL == "" {
		return s.removeRoomAvatar(ctx, link)
	}
	head, data, ok := strings.Cut(dataURL, ",")
	if !ok || !strings.HasPrefix(head, "data:") || !strings.HasSuffix(head, ";base64") {
		return errInvalidImage
	}
	raw, err := base64.StdEncoding.DecodeString(data)
	if err != nil {
		return errInvalidImage
	}
	pic, err := s.FromUpload("avatar", bytes.NewReader(raw))
	if err != nil {
		return err
	}
	return s.store1(ctx, pic, link)
}

// removeRoomAvatar clears the room's avatar and removes its picture.
func (s *Service) removeRoomAvatar(ctx context.Context, link func(tx store.Tx, rec *model.Upload) (string, error)) error {
	var old *model.Upload
	err := s.store.Update(ctx, func(tx store.Tx) error {
		etag, err := link(tx, nil)
		if err != nil || etag == "" {
			return err
		}
		if old, err = tx.UploadByID(ctx, etag); errors.Is(err, store.ErrNotFound) {
			old = nil
			return nil
		} else if err != nil {
			return err
		}
		return tx.DeleteUpload(ctx, etag)
	})
	if err != nil {
		return fmt.Errorf("avatars: reset room avatar: %w", err)
	}
	if old != nil {
		if blobs, _, err := s.blobs.Get(ctx); err == nil {
			if err := blobs.Delete(ctx, old.Key); err != nil {
				s.log.Warn("avatars: remove the room's old picture", "etag", old.ID, "err", err)
			}
		}
	}
	return nil
}
