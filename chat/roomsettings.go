package chat

import (
	"context"
	"errors"
	"reflect"
	"strings"

	"liftoff/access/perm"
	"liftoff/model"
	"liftoff/store"
)

// RoomSettingsInput lists the room settings to change; nil fields are left
// as they are. It mirrors the settings of Rocket.Chat's saveRoomSettings
// that Liftoff supports.
type RoomSettingsInput struct {
	Name         *string
	Topic        *string
	Announcement *string
	Description  *string
	Type         *string // model.RoomChannel or model.RoomPrivate
	ReadOnly     *bool
	// Default makes the room one that new users join (needs
	// view-room-administration besides edit-room).
	Default *bool
	// JoinCode sets the code channels.join asks for; blank clears it.
	JoinCode *string
	// CustomFields replaces the room's custom fields.
	CustomFields *map[string]any
	// Encrypted turns end-to-end encryption on or off (private groups and
	// direct conversations only; toggle-room-e2e-encryption outside
	// direct conversations).
	Encrypted *bool
	// Federated, true, bridges the room to Matrix (convert-room-to-federated
	// in the room); a federated room stays federated.
	Federated *bool
}

func (in RoomSettingsInput) empty() bool {
	return in.Name == nil && in.Topic == nil && in.Announcement == nil && in.Description == nil &&
		in.Type == nil && in.ReadOnly == nil && in.Default == nil && in.JoinCode == nil && in.CustomFields == nil && in.Encrypted == nil && in.Federated == nil
}

// onlyEncrypted reports whether in changes nothing but the encryption.
func (in RoomSettingsInput) onlyEncrypted() bool {
	e := in.Encrypted
	in.Encrypted = nil
	return e != nil && in.empty()
}

// errEditRoom is Rocket.Chat's refusal of a settings change.
func errEditRoom(reason, action string) *model.Error {
	return model.Forbidden("error-action-not-allowed", "%s", reason).
		WithDetails(map[string]any{"action": action}).InMethod()
}

// SaveRoomSettings changes settings of a room as user, as Rocket.Chat's
// saveRoomSettings does: user needs edit-room in the room (and create-c or
// create-p to change the type to a channel or a group). Every setting that
// actually changes gets its system message ("r", "room_changed_topic",
// "room_changed_announcement", "room_changed_description",
// "room_changed_privacy", "room-set-read-only", "room-removed-read-only"),
// and the room, its members' subscriptions (name, type) and the messages
// are written in one transaction. Default, JoinCode and CustomFields change
// the room only, without a system message. It returns the room as saved.
func (s *Rooms) SaveRoomSettings(ctx context.Context, user *model.User, roomID string, in RoomSettingsInput) (*model.Room, error) {
	return s.saveRoomSettings(ctx, user, roomID, in)
}

// saveRoomSettings is SaveRoomSettings, shared by the area services.
func (s *core) saveRoomSettings(ctx context.Context, user *model.User, roomID string, in RoomSettingsInput) (*model.Room, error) {
	if user == nil {
		return nil, model.Invalid("error-invalid-user", "Invalid user")
	}
	room, err := s.store.RoomByID(ctx, roomID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, model.Invalid("error-invalid-room", "Invalid room").InMethod()
	}
	if err != nil {
		return nil, internal("save room settings", err)
	}
	// A member of a direct conversation may turn its encryption on or off
	// without edit-room, which direct conversations do not grant.
	directE2E := room.Type == model.RoomDirect && in.onlyEncrypted()
	if directE2E {
		if _, err := s.store.Subscription(ctx, room.ID, user.ID); err != nil {
			return nil, errEditRoom("Editing room is not allowed", "Editing_room")
		}
	} else if !s.canInRoom(ctx, user, room.ID, perm.EditRoom) {
		return nil, errEditRoom("Editing room is not allowed", "Editing_room")
	}
	if in.Encrypted != nil && *in.Encrypted != room.Encrypted {
		if room.Type != model.RoomPrivate && room.Type != model.RoomDirect {
			return nil, errEditRoom("Only groups or direct channels can enable encryption", "Change_Room_Encrypted")
		}
		if room.Type != model.RoomDirect && !s.canInRoom(ctx, user, room.ID, perm.ToggleRoomE2EEncryption) {
			return nil, errEditRoom("You do not have permission to toggle E2E encryption", "Change_Room_Encrypted")
		}
	}
	if in.Default != nil && !s.can(user, perm.ViewRoomAdministration) {
		return nil, errEditRoom("Viewing room administration is not allowed", "Viewing_room_administration")
	}
	if room.Broadcast && in.ReadOnly != nil && *in.ReadOnly {
		return nil, errEditRoom("Editing readOnly/reactWhenReadOnly are not allowed for broadcast rooms", "Editing_room")
	}
	if in.Federated != nil && *in.Federated != room.Federated {
		if !*in.Federated {
			return nil, errEditRoom("A federated room cannot be made local again", "Federating_room")
		}
		if room.Encrypted || (room.Type != model.RoomChannel && room.Type != model.RoomPrivate) {
			return nil, model.Invalid("error-invalid-room-type", "Only channels and private groups can be federated").InMethod()
		}
		if !s.canInRoom(ctx, user, room.ID, perm.ConvertRoomToFederated) {
			return nil, errEditRoom("Federating room is not allowed", "Federating_room")
		}
	}
	if in.Type != nil && *in.Type != room.Type {
		if err := s.checkRoomType(user, room, *in.Type); err != nil {
			return nil, err
		}
	}
	var newName string
	if in.Name != nil {
		if room.Type == model.RoomDirect {
			return nil, model.Forbidden("error-not-allowed", "Not allowed").WithDetails(map[string]any{"function": "RocketChat.saveRoomdisplayName"})
		}
		newName = strings.TrimSpace(*in.Name)
		if newName != "" && newName != room.Name {
			if err := s.validateRoomName(newName); err != nil {
				return nil, err
			}
		} else {
			newName = "" // nothing to rename, as Rocket.Chat silently ignores it
		}
	}
	if in.empty() {
		return room, nil
	}

	var saved *model.Room
	err = s.store.Update(ctx, func(tx store.Tx) error {
		r, err := loadRoomTx(ctx, tx, roomID)
		if err != nil {
			return err
		}
		now := s.nowTime()
		changed := false
		if newName != "" && newName != r.Name {
			if err := s.renameRoomTx(ctx, tx, r, newName, user, now); err != nil {
				return err
			}
			changed = true
		}
		if in.Topic != nil && *in.Topic != r.Topic {
			r.Topic = *in.Topic
			if err := s.systemNotice(ctx, tx, r, "room_changed_topic", r.Topic, user, now, nil); err != nil {
				return err
			}
			changed = true
		}
		if in.Announcement != nil && *in.Announcement != r.Announcement {
			r.Announcement = *in.Announcement
			if err := s.systemNotice(ctx, tx, r, "room_changed_announcement", r.Announcement, user, now, nil); err != nil {
				return err
			}
			changed = true
		}
		if in.Description != nil && *in.Description != r.Description {
			r.Description = *in.Description
			if err := s.systemNotice(ctx, tx, r, "room_changed_description", r.Description, user, now, nil); err != nil {
				return err
			}
			changed = true
		}
		if in.Type != nil && *in.Type != r.Type {
			if err := s.changeRoomTypeTx(ctx, tx, r, *in.Type, user, now); err != nil {
				return err
			}
			changed = true
		}
		if in.ReadOnly != nil && *in.ReadOnly != r.ReadOnly {
			r.ReadOnly = *in.ReadOnly
			t := "room-removed-read-only"
			if r.ReadOnly {
				t = "room-set-read-only"
			}
			if err := s.systemNotice(ctx, tx, r, t, "", user, now, nil); err != nil {
				return err
			}
			changed = true
		}
		if in.Default != nil && *in.Default != r.Default {
			r.Default = *in.Default
			changed = true
		}
		if in.JoinCode != nil {
			// Rocket.Chat keeps the code as given and shows only that one is required.
			code := *in.JoinCode
			if strings.TrimSpace(code) == "" {
				code = ""
			}
			if code != r.JoinCode || r.JoinCodeRequired != (code != "") {
				r.JoinCode, r.JoinCodeRequired = code, code != ""
				changed = true
			}
		}
		if in.Encrypted != nil && *in.Encrypted != r.Encrypted {
			r.Encrypted = *in.Encrypted
			t := "room_e2e_disabled"
			if r.Encrypted {
				t = "room_e2e_enabled"
			}
			if err := s.systemNotice(ctx, tx, r, t, "", user, now, nil); err != nil {
				return err
			}
			changed = true
		}
		if in.Federated != nil && *in.Federated && !r.Federated {
			r.Federated = true
			changed = true
		}
		if in.CustomFields != nil && !reflect.DeepEqual(*in.CustomFields, r.CustomFields) {
			r.CustomFields = *in.CustomFields
			changed = true
		}
		if changed {
			if err := saveRoom(ctx, tx, r, now); err != nil {
				return err
			}
		}
		saved = r
		return nil
	})
	if err != nil {
		return nil, internal("save room settings", err)
	}
	return saved, nil
}

// checkRoomType validates a change of room type: only channels and groups
// convert, to "c" or "p", and the user needs the permission to create a
// room of the new type.
func (s *core) checkRoomType(user *model.User, room *model.Room, t string) error {
	if t != model.RoomChannel && t != model.RoomPrivate {
		return model.Invalid("error-invalid-room-type", "error-invalid-room-type").
			WithDetails(map[string]any{"function": "RocketChat.saveRoomType", "type": t})
	}
	if room.Type != model.RoomChannel && room.Type != model.RoomPrivate {
		return model.Invalid("error-direct-room", "Can't change type of direct rooms").
			WithDetails(map[string]any{"function": "RocketChat.saveRoomType"})
	}
	if t == model.RoomChannel && !s.can(user, perm.CreateC) {
		return errEditRoom("Changing a private group to a public channel is not allowed", "Change_Room_Type")
	}
	if t == model.RoomPrivate && !s.can(user, perm.CreateP) {
		return errEditRoom("Changing a public channel to a private room is not allowed", "Change_Room_Type")
	}
	return nil
}

// renameRoomTx renames room inside tx: the room, every member's
// subscription, and an "r" system message carrying the new name.
func (s *core) renameRoomTx(ctx context.Context, tx store.Tx, room *model.Room, name string, user *model.User, now model.Time) error {
	if err := checkHandleFree(ctx, tx, name, room.ID); err != nil {
		return err
	}
	oldName := room.Name
	room.Name, room.DisplayName = name, name
	if err := tx.RenameSubscriptions(ctx, room.ID, name, name, now); err != nil {
		return err
	}
	if err := updateDiscussionTopicsTx(ctx, tx, room.ID, oldName, name, now); err != nil {
		return err
	}
	if err := emitRoomSubscriptions(ctx, tx, room.ID, nil); err != nil {
		return err
	}
	if err := syncTeamNameTx(ctx, tx, room, now); err != nil {
		return err
	}
	return s.systemNotice(ctx, tx, room, "r", name, user, now, nil)
}

// changeRoomTypeTx turns a channel into a private group or back inside tx,
// with the members' subscriptions and a "room_changed_privacy" message.
func (s *core) changeRoomTypeTx(ctx context.Context, tx store.Tx, room *model.Room, t string, user *model.User, now model.Time) error {
	room.Type = t
	err := emitRoomSubscriptions(ctx, tx, room.ID, func(sub *model.Subscription) (bool, error) {
		if sub.RoomType == t {
			return false, nil
		}
		sub.RoomType = t
		sub.UpdatedAt = now
		return true, tx.UpdateSubscription(ctx, sub)
	})
	if err != nil {
		return err
	}
	if err := syncTeamNameTx(ctx, tx, room, now); err != nil {
		return err
	}
	msg := "private"
	if t == model.RoomChannel {
		msg = "public"
	}
	return s.systemNotice(ctx, tx, room, "room_changed_privacy", msg, user, now, nil)
}

// emitRoomSubscriptions loads every subscription of a room inside tx,
// optionally changes each with fn (which reports whether it changed the
// subscription), and emits SubscriptionChanged for the changed ones (for
// all when fn is nil).
func emitRoomSubscriptions(ctx context.Context, tx store.Tx, roomID string, fn func(*model.Subscription) (bool, error)) error {
	subs, _, err := tx.SubscriptionsOfRoom(ctx, roomID, store.MemberQuery{}, model.Page{})
	if err != nil {
		return err
	}
	for _, sub := range subs {
		if fn != nil {
			changed, err := fn(sub)
			if err != nil {
				return err
			}
			if !changed {
				continue
			}
		}
		tx.Emit(model.SubscriptionChanged{Action: model.ActionUpdated, Subscription: sub})
	}
	return nil
}

// ArchiveRoom archives a channel or group as user (archive-room in the
// room): the room stops accepting messages, members' subscriptions are
// marked archived and closed, and a "room-archived" message is stored.
func (s *Rooms) ArchiveRoom(ctx context.Context, user *model.User, roomID string) error {
	return s.setArchived(ctx, user, roomID, true)
}

// UnarchiveRoom reverses ArchiveRoom (unarchive-room in the room) with a
// "room-unarchived" message; members' subscriptions are opened again.
func (s *Rooms) UnarchiveRoom(ctx context.Context, user *model.User, roomID string) error {
	return s.setArchived(ctx, user, roomID, false)
}

func (s *core) setArchived(ctx context.Context, user *model.User, roomID string, archived bool) error {
	op, need := "archive room", perm.ArchiveRoom
	if !archived {
		op, need = "unarchive room", perm.UnarchiveRoom
	}
	if user == nil {
		return model.Invalid("error-invalid-user", "Invalid user").InMethod()
	}
	room, err := s.store.RoomByID(ctx, roomID)
	if errors.Is(err, store.ErrNotFound) {
		return model.Invalid("error-invalid-room", "Invalid room").InMethod()
	}
	if err != nil {
		return internal(op, err)
	}
	if room.Type == model.RoomDirect {
		return model.Invalid("error-direct-message-room", "rooms type: %s can not be archived", room.Type).InMethod()
	}
	if !s.canInRoom(ctx, user, room.ID, need) {
		return model.Forbidden("error-not-authorized", "Not authorized").InMethod()
	}
	err = s.store.Update(ctx, func(tx store.Tx) error {
		r, err := loadRoomTx(ctx, tx, roomID)
		if err != nil {
			return err
		}
		if r.Archived == archived {
			return nil
		}
		now := s.nowTime()
		r.Archived = archived
		ids, err := tx.UpdateSubscriptionsOfRoom(ctx, r.ID, store.SubscriptionChange{At: now, Archived: &archived})
		if err != nil {
			return err
		}
		// Rocket.Chat also closes archived rooms in members' lists and
		// reopens them on unarchive, clearing the alert both ways.
		for _, uid := range ids {
			sub, err := tx.Subscription(ctx, r.ID, uid)
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			if sub.Open != !archived || sub.Alert {
				sub.Open, sub.Alert, sub.UpdatedAt = !archived, false, now
				if err := tx.UpdateSubscription(ctx, sub); err != nil {
					return err
				}
			}
			tx.Emit(model.SubscriptionChanged{Action: model.ActionUpdated, Subscription: sub})
		}
		t := "room-unarchived"
		if archived {
			t = "room-archived"
		}
		if err := s.systemNotice(ctx, tx, r, t, "", user, now, nil); err != nil {
			return err
		}
		return saveRoom(ctx, tx, r, now)
	})
	return internal(op, err)
}
