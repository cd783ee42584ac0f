package ddpapi

import (
	"liftoff/chat"
	"liftoff/model"
)

// The views below give the chat services' results their Rocket.Chat wire
// names: the domain's result types carry no JSON tags, the transport
// renders them.

// views converts a list item by item, keeping a nil list nil.
func views[T, V any](in []T, view func(T) V) []V {
	if in == nil {
		return nil
	}
	out := make([]V, len(in))
	for i, x := range in {
		out[i] = view(x)
	}
	return out
}

// removedView is a record removed since a sync point (rooms/get,
// subscriptions/get).
type removedView struct {
	ID        string     `json:"_id"`
	DeletedAt model.Time `json:"_deletedAt"`
}

func removedOf(r chat.Removed) removedView { return removedView{ID: r.ID, DeletedAt: r.DeletedAt} }

// roomRoleView is a member holding room roles (getRoomRoles).
type roomRoleView struct {
	ID     string        `json:"_id"`
	RoomID string        `json:"rid"`
	User   model.UserRef `json:"u"`
	Roles  []string      `json:"roles"`
}

func roomRoleOf(h chat.RoomRoleHolder) roomRoleView {
	return roomRoleView{ID: h.ID, RoomID: h.RoomID, User: h.User, Roles: h.Roles}
}

// userRoleView is a user with their public global roles (getUserRoles).
type userRoleView struct {
	ID       string   `json:"_id"`
	Username string   `json:"username"`
	Roles    []string `json:"roles"`
}

func userRoleOf(h chat.UserRoleHolder) userRoleView {
	return userRoleView{ID: h.ID, Username: h.Username, Roles: h.Roles}
}
