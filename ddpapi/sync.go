package ddpapi

import (
	"context"

	"liftoff/access/perm"
	"liftoff/chat"
	"liftoff/model"
	"liftoff/realtime"
)

// syncResult is the {update, remove} answer of the */get methods called
// with a date.
type syncResult[T any] struct {
	Update []T           `json:"update"`
	Remove []removedView `json:"remove"`
}

// sinceParam reads the optional updatedSince date ({$date: ms}) of the
// */get methods; ok is false when absent or null.
func sinceParam(call *realtime.Call) (model.Time, bool, error) {
	t, ok, err := Param[model.Time](call, 0)
	if err != nil {
		return model.Time{}, false, MatchFailed("updatedAt")
	}
	return t, ok, nil
}

// rooms/get(updatedSince?) returns the caller's rooms, or {update, remove}:
// the rooms changed or joined after the date and those left or deleted.
func (m *methods) roomsGet(ctx context.Context, call *realtime.Call) (any, error) {
	since, ok, err := sinceParam(call)
	if err != nil {
		return nil, err
	}
	update, remove, err := m.rooms.SyncRooms(ctx, call.User(), since)
	if err != nil {
		return nil, err
	}
	if !ok {
		return update, nil
	}
	return syncResult[*model.Room]{Update: update, Remove: views(remove, removedOf)}, nil
}

// subscriptions/get(updatedSince?) returns the caller's subscriptions, or
// {update, remove} since the date.
func (m *methods) subscriptionsGet(ctx context.Context, call *realtime.Call) (any, error) {
	since, ok, err := sinceParam(call)
	if err != nil {
		return nil, err
	}
	update, remove, err := m.members.SyncSubscriptions(ctx, call.User(), since)
	if err != nil {
		return nil, err
	}
	if !ok {
		return update, nil
	}
	return syncResult[*model.Subscription]{Update: update, Remove: views(remove, removedOf)}, nil
}

// public-settings/get(updatedSince?) returns the public settings, or
// {update, remove} with those changed after the date. Anyone may call it.
func (m *methods) publicSettingsGet(ctx context.Context, call *realtime.Call) (any, error) {
	since, ok, err := sinceParam(call)
	if err != nil {
		return nil, err
	}
	all := m.admin.PublicSettings(chat.SettingFilter{})
	if !ok {
		return all, nil
	}
	update := []*model.Setting{}
	for _, st := range all {
		if st.UpdatedAt.After(since.Time) {
			update = append(update, st)
		}
	}
	return syncResult[*model.Setting]{Update: update, Remove: []removedView{}}, nil
}

// permissions/get(updatedSince?) returns the permission table (which
// roles hold each permission), or {update, remove} since the date.
func (m *methods) permissionsGet(ctx context.Context, call *realtime.Call) (any, error) {
	since, ok, err := sinceParam(call)
	if err != nil {
		return nil, err
	}
	perms, err := m.admin.ListPermissions(ctx, since)
	if err != nil {
		return nil, err
	}
	if !ok {
		return perms, nil
	}
	return syncResult[*model.Permission]{Update: perms, Remove: []removedView{}}, nil
}

// private-settings/get(updatedSince?) returns every setting (hidden ones
// aside) to callers holding view-privileged-setting or
// edit-privileged-setting, an empty list to others; with a date,
// {update, remove} since then.
func (m *methods) privateSettingsGet(ctx context.Context, call *realtime.Call) (any, error) {
	since, ok, err := sinceParam(call)
	if err != nil {
		return nil, err
	}
	user := call.User()
	all := []*model.Setting{}
	if m.admin.Can(user, perm.ViewPrivilegedSetting) || m.admin.Can(user, perm.EditPrivilegedSetting) {
		all = m.admin.ListSettings(user, chat.SettingFilter{})
	}
	if !ok {
		return all, nil
	}
	update := []*model.Setting{}
	for _, st := range all {
		if st.UpdatedAt.After(since.Time) {
			update = append(update, st)
		}
	}
	return syncResult[*model.Setting]{Update: update, Remove: []removedView{}}, nil
}
