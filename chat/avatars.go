package chat

import (
	"context"
	"errors"

	"liftoff/model"
	"liftoff/settings/setting"
	"liftoff/store"
)

// Avatar is what a generated avatar shows, as one viewer may see it, and
// how long clients may cache it.
type Avatar struct {
	// Text is what the initials are drawn from.
	Text string
	// CacheSeconds is Accounts_AvatarCacheTime (never negative).
	CacheSeconds int
	// ETag names the uploaded picture (the user's or room's avatarETag),
	// "" when the avatar is the generated one.
	ETag string
}

// errAvatarBlocked refuses anonymous viewers when
// Accounts_AvatarBlockUnauthenticatedAccess is on.
var errAvatarBlocked = &model.Error{Kind: model.KindForbidden, Type: "error-not-allowed", Reason: "Forbidden"}

// avatarFor starts an avatar for viewer (nil: anonymous), or refuses
// anonymous viewers when avatars need a login.
func (s *core) avatarFor(viewer *model.User, text string) (*Avatar, error) {
	if viewer == nil && s.settings.Bool(setting.AccountsAvatarBlockUnauthenticatedAccess) {
		return nil, errAvatarBlocked
	}
	return &Avatar{Text: text, CacheSeconds: max(s.settings.Int(setting.AccountsAvatarCacheTime), 0)}, nil
}

// UserAvatar returns the avatar of the user named username, as viewer (nil
// when anonymous) may see it: the username, or the name when
// UI_Use_Name_Avatar is on. A name nobody has gets an avatar of the name
// itself, so avatars do not tell which usernames exist. It refuses
// anonymous viewers (forbidden) when Accounts_AvatarBlockUnauthenticatedAccess is on.
func (s *Accounts) UserAvatar(ctx context.Context, viewer *model.User, username string) (*Avatar, error) {
	a, err := s.avatarFor(viewer, username)
	if err != nil {
		return nil, err
	}
	u, err := s.store.UserByUsername(ctx, username)
	if errors.Is(err, store.ErrNotFound) {
		return a, nil
	}
	if err != nil {
		return nil, internal("user avatar", err)
	}
	a.Text, a.ETag = u.Username, u.AvatarETag
	if s.settings.Bool(setting.UIUseNameAvatar) && u.Name != "" {
		a.Text = u.Name
	}
	return a, nil
}

// RoomAvatar returns the avatar of a room as viewer (nil when anonymous)
// may see it: its display name when viewer may read the room, otherwise an
// avatar of the id, which tells nothing. It refuses anonymous viewers
// (forbidden) when Accounts_AvatarBlockUnauthenticatedAccess is on.
func (s *Rooms) RoomAvatar(ctx context.Context, viewer *model.User, roomID string) (*Avatar, error) {
	a, err := s.avatarFor(viewer, roomID)
	if err != nil {
		return nil, err
	}
	room, err := s.store.RoomByID(ctx, roomID)
	if errors.Is(err, store.ErrNotFound) {
		return a, nil
	}
	if err != nil {
		return nil, internal("room avatar", err)
	}
	if s.canAccessRoom(ctx, viewer, room) != nil {
		return a, nil
	}
	a.ETag = room.AvatarETag
	switch {
	case room.DisplayName != "":
		a.Text = room.DisplayName
	case room.Name != "":
		a.Text = room.Name
	}
	return a, nil
}
