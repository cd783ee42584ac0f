package ddpapi

import (
	"context"

	"liftoff/realtime"
)

// muteParams is the parameter of muteUserInRoom and unmuteUserInRoom.
type muteParams struct {
	RoomID   *string `json:"rid"`
	Username *string `json:"username"`
}

// muteUserInRoom({rid, username}) mutes a member and returns true.
func (m *methods) muteUserInRoom(ctx context.Context, call *realtime.Call) (any, error) {
	return m.setMuted(ctx, call, true)
}

// unmuteUserInRoom({rid, username}) unmutes a member and returns true.
func (m *methods) unmuteUserInRoom(ctx context.Context, call *realtime.Call) (any, error) {
	return m.setMuted(ctx, call, false)
}

func (m *methods) setMuted(ctx context.Context, call *realtime.Call, mute bool) (any, error) {
	p, ok, err := Param[muteParams](call, 0)
	if err != nil || !ok {
		return nil, MatchFailed("data")
	}
	if p.RoomID == nil {
		return nil, MatchFailed("rid")
	}
	if p.Username == nil {
		return nil, MatchFailed("username")
	}
	if mute {
		err = m.members.MuteUser(ctx, call.User(), *p.RoomID, *p.Username)
	} else {
		err = m.members.UnmuteUser(ctx, call.User(), *p.RoomID, *p.Username)
	}
	if err != nil {
		return nil, err
	}
	return true, nil
}

// getUserRoles() lists the users holding a public global role (admin,
// livechat roles...) as [{_id, username, roles}], sorted by username.
func (m *methods) getUserRoles(ctx context.Context, call *realtime.Call) (any, error) {
	holders, err := m.admin.UserRoles(ctx, call.User())
	if err != nil {
		return nil, err
	}
	return views(holders, userRoleOf), nil
}
