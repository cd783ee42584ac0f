// Package prefs keeps the notification preferences of users and of their
// subscriptions, as Rocket.Chat's saveUserPreferences and
// saveNotificationSettings do: a user's preferences (settings.preferences,
// users.setPreferences), and each room's own notification fields
// (rooms.saveNotification). A user's desktop, mobile and e-mail choices are
// copied into the subscriptions that have no choice of their own (origin
// "user"), so that readers of a subscription (the notifier, the clients)
// see the effective value; a room's own choice (origin "subscription")
// stays until the user sets the room back to "default".
package prefs

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"liftoff/access/perm"
	"liftoff/model"
	"liftoff/store"
)

// Permissions answers global permission checks (chat.Admin.Can).
type Permissions interface {
	Can(u *model.User, p perm.ID) bool
}

// Service reads and changes notification preferences.
type Service struct {
	st    store.Store
	perms Permissions
	now   func() time.Time
}

// New returns a Service over the store; now is the clock (time.Now when nil).
func New(st store.Store, perms Permissions, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{st: st, perms: perms, now: now}
}

// Origins of a subscription's notification preference.
const (
	OriginSubscription = "subscription"
	OriginUser         = "user"
)

// Preferences returns the user's preferences with their language, as
// users.getPreferences does. It returns ok false for a user who has never
// had preferences (Rocket.Chat's "not available" failure).
func (s *Service) Preferences(ctx context.Context, user *model.User) (prefs map[string]any, ok bool, err error) {
	u, err := s.st.UserByID(ctx, user.ID)
	if err != nil {
		return nil, false, userErr(err)
	}
	if u.Settings == nil {
		return nil, false, nil
	}
	out := maps.Clone(u.Settings.Preferences)
	if out == nil {
		out = map[string]any{}
	}
	if u.Language != "" {
		out["language"] = u.Language
	} else {
		delete(out, "language")
	}
	return out, true, nil
}

// SetPreferences merges data into the preferences of the user userID (the
// actor when ""), as users.setPreferences: another user's need
// edit-other-user-info. data must hold only known preferences of the right
// types (Normalize). The user's desktop, push and e-mail choices and their
// highlighted words are copied to their subscriptions. It returns the
// updated user.
//
// Errors: error-action-not-allowed (another user, without the
// permission), error-invalid-user (no such user), invalid-params (data).
func (s *Service) SetPreferences(ctx context.Context, actor *model.User, userID string, data map[string]any) (*model.User, error) {
	if userID != "" && userID != actor.ID && !s.perms.Can(actor, perm.EditOtherUserInfo) {
		return nil, model.Forbidden("error-action-not-allowed", "Editing user is not allowed")
	}
	if userID == "" {
		userID = actor.ID
	}
	data, err := Normalize(data, true)
	if err != nil {
		return nil, err
	}
	return s.save(ctx, userID, data)
}

// SaveUserPreferences merges data into the user's own preferences, as the
// method saveUserPreferences: the known preferences must have their types,
// other keys are kept as they are (Rocket.Chat's Match.ObjectIncluding).
//
// Errors: invalid-params (a known preference of the wrong type).
func (s *Service) SaveUserPreferences(ctx context.Context, user *model.User, data map[string]any) error {
	data, err := Normalize(data, false)
	if err != nil {
		return err
	}
	_, err = s.save(ctx, user.ID, data)
	return err
}

func (s *Service) save(ctx context.Context, userID string, data map[string]any) (*model.User, error) {
	// Rocket.Chat still accepts the old e-mail modes.
	switch data["emailNotificationMode"] {
	case "all":
		data["emailNotificationMode"] = "mentions"
	case "disabled":
		data["emailNotificationMode"] = "nothing"
	}
	var out *model.User
	err := s.st.Update(ctx, func(tx store.Tx) error {
		u, err := tx.UserByID(ctx, userID)
		if errors.Is(err, store.ErrNotFound) {
			return model.Invalid("error-invalid-user", "The optional \"userId\" param provided does not match any users")
		}
		if err != nil {
			return err
		}
		c := *u
		old := map[string]any{}
		if u.Settings != nil {
			old = u.Settings.Preferences
		}
		merged := maps.Clone(old)
		if merged == nil {
			merged = map[string]any{}
		}
		for k, v := range data {
			if v == nil {
				delete(merged, k)
				continue
			}
			merged[k] = v
		}
		c.Settings = &model.UserSettings{Preferences: merged}
		if lang, ok := data["language"].(string); ok {
			c.Language = lang
		}
		c.UpdatedAt = model.TimeOf(s.now())
		if err := tx.UpdateUser(ctx, &c); err != nil {
			return err
		}
		tx.Emit(model.UserChanged{User: &c, Fields: []string{"settings"}})
		out = &c
		return s.propagate(ctx, tx, &c, old, data)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// propagate copies the changed desktop, push and e-mail preferences and
// the highlights to the user's subscriptions (Rocket.Chat's
// updateNotificationPreferences and updateUserHighlights).
func (s *Service) propagate(ctx context.Context, tx store.Tx, u *model.User, old, data map[string]any) error {
	type change struct {
		value  string
		get    func(*model.Subscription) (value, origin *string)
		active bool
	}
	str := func(m map[string]any, k string) string { v, _ := m[k].(string); return v }
	changes := []change{
		{value: str(data, "desktopNotifications"), get: func(s *model.Subscription) (*string, *string) { return &s.DesktopNotifications, &s.DesktopPrefOrigin }},
		{value: str(data, "pushNotifications"), get: func(s *model.Subscription) (*string, *string) { return &s.MobilePushNotifications, &s.MobilePrefOrigin }},
		{value: str(data, "emailNotificationMode"), get: func(s *model.Subscription) (*string, *string) { return &s.EmailNotifications, &s.EmailPrefOrigin }},
	}
	keys := []string{"desktopNotifications", "pushNotifications", "emailNotificationMode"}
	changed := false
	for i := range changes {
		changes[i].active = changes[i].value != "" && changes[i].value != str(old, keys[i])
		changed = changed || changes[i].active
	}
	highlights, setHighlights := data["highlights"].([]string)
	if !changed && !setHighlights {
		return nil
	}
	subs, err := tx.SubscriptionsOfUser(ctx, u.ID, store.SubscriptionQuery{})
	if err != nil {
		return err
	}
	now := model.TimeOf(s.now())
	for _, sub := range subs {
		c := *sub
		for _, ch := range changes {
			if !ch.active {
				continue
			}
			value, origin := ch.get(&c)
			if ch.value == "default" {
				if *origin == OriginUser {
					*value, *origin = "", ""
				}
				continue
			}
			if *origin != OriginSubscription {
				*value, *origin = ch.value, OriginUser
			}
		}
		if setHighlights {
			c.UserHighlights = slices.Clone(highlights)
		}
		if sameNotificationFields(sub, &c) {
			continue
		}
		c.UpdatedAt = now
		if err := tx.UpdateSubscription(ctx, &c); err != nil {
			return err
		}
		tx.Emit(model.SubscriptionChanged{Action: model.ActionUpdated, Subscription: &c})
	}
	return nil
}

func sameNotificationFields(a, b *model.Subscription) bool {
	return a.DesktopNotifications == b.DesktopNotifications && a.DesktopPrefOrigin == b.DesktopPrefOrigin &&
		a.MobilePushNotifications == b.MobilePushNotifications && a.MobilePrefOrigin == b.MobilePrefOrigin &&
		a.EmailNotifications == b.EmailNotifications && a.EmailPrefOrigin == b.EmailPrefOrigin &&
		slices.Equal(a.UserHighlights, b.UserHighlights)
}

// Fields that SaveNotification accepts (Rocket.Chat's NotificationFieldType).
var notificationFields = []string{"desktopNotifications", "mobilePushNotifications", "emailNotifications", "unreadAlert",
	"disableNotifications", "hideUnreadStatus", "hideMentionStatus", "muteGroupMentions", "audioNotificationValue"}

// levelFields must hold one of the four levels.
var levelFields = []string{"desktopNotifications", "mobilePushNotifications", "emailNotifications"}

var levels = []string{"all", "mentions", "nothing", "default"}

// SaveNotification sets notification fields of the user's subscription to
// the room, as rooms.saveNotification (Rocket.Chat's
// saveNotificationSettings, field by field): the levels desktop, mobile and
// e-mail ("default" takes the user's own preference back, or clears the
// field), the flags disableNotifications, hideUnreadStatus,
// hideMentionStatus and muteGroupMentions ("1" is on), unreadAlert and
// audioNotificationValue. Every field is checked before any is saved.
//
// Errors (marked InMethod): error-invalid-settings (an unknown field, or a
// level outside all/mentions/nothing/default), error-invalid-subscription
// (the user is not in the room).
func (s *Service) SaveNotification(ctx context.Context, user *model.User, roomID string, fields map[string]string) error {
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		if !slices.Contains(notificationFields, k) {
			return model.Invalid("error-invalid-settings", "Invalid settings field").InMethod()
		}
		if slices.Contains(levelFields, k) && !slices.Contains(levels, fields[k]) {
			return model.Invalid("error-invalid-settings", "Invalid settings value").InMethod()
		}
	}
	return s.st.Update(ctx, func(tx store.Tx) error {
		sub, err := tx.Subscription(ctx, roomID, user.ID)
		if errors.Is(err, store.ErrNotFound) {
			return model.Invalid("error-invalid-subscription", "Invalid subscription").InMethod()
		}
		if err != nil {
			return err
		}
		u, err := tx.UserByID(ctx, user.ID)
		if err != nil {
			return userErr(err)
		}
		c := *sub
		level := func(value, pref string, dst, origin *string) {
			if value != "default" {
				*dst, *origin = value, OriginSubscription
				return
			}
			// The user's own preference, or nothing when only the
			// server's default applies.
			v := ""
			if u.Settings != nil {
				v, _ = u.Settings.Preferences[pref].(string)
			}
			if v != "" {
				*dst, *origin = v, OriginUser
			} else {
				*dst, *origin = "", ""
			}
		}
		for k, v := range fields {
			switch k {
			case "desktopNotifications":
				level(v, "desktopNotifications", &c.DesktopNotifications, &c.DesktopPrefOrigin)
			case "mobilePushNotifications":
				level(v, "pushNotifications", &c.MobilePushNotifications, &c.MobilePrefOrigin)
			case "emailNotifications":
				level(v, "emailNotificationMode", &c.EmailNotifications, &c.EmailPrefOrigin)
			case "unreadAlert":
				c.UnreadAlert = v
			case "disableNotifications":
				c.DisableNotifications = v == "1"
			case "hideUnreadStatus":
				c.HideUnreadStatus = v == "1"
			case "hideMentionStatus":
				c.HideMentionStatus = v == "1"
			case "muteGroupMentions":
				c.MuteGroupMentions = v == "1"
			case "audioNotificationValue":
				if v == "default" {
					v = ""
				}
				c.AudioNotificationValue = v
			}
		}
		if equalSub(sub, &c) {
			return nil
		}
		c.UpdatedAt = model.TimeOf(s.now())
		if err := tx.UpdateSubscription(ctx, &c); err != nil {
			return err
		}
		tx.Emit(model.SubscriptionChanged{Action: model.ActionUpdated, Subscription: &c})
		return nil
	})
}

func equalSub(a, b *model.Subscription) bool {
	return sameNotificationFields(a, b) && a.UnreadAlert == b.UnreadAlert && a.DisableNotifications == b.DisableNotifications &&
		a.HideUnreadStatus == b.HideUnreadStatus && a.HideMentionStatus == b.HideMentionStatus &&
		a.MuteGroupMentions == b.MuteGroupMentions && a.AudioNotificationValue == b.AudioNotificationValue
}

func userErr(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return model.Invalid("error-invalid-user", "Invalid user")
	}
	return fmt.Errorf("prefs: %w", err)
}
