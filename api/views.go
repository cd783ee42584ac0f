package api

import (
	"liftoff/chat"
	"liftoff/model"
)

// The views below give the chat services' results their Rocket.Chat wire
// names: the domain's result types carry no JSON tags, the transport
// renders them.

// views converts a list item by item, keeping a nil list nil (it renders
// as null, as it did before conversion).
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

// removedView is a record removed since a sync point (rooms.get,
// subscriptions.get, the thread syncs, chat.syncMessages' deleted).
type removedView struct {
	ID        string     `json:"_id"`
	DeletedAt model.Time `json:"_deletedAt"`
}

func removedOf(r chat.Removed) removedView    { return removedView{ID: r.ID, DeletedAt: r.DeletedAt} }
func deletedOf(d chat.DeletedRef) removedView { return removedView{ID: d.ID, DeletedAt: d.DeletedAt} }

// roomRoleView is a member holding room roles (channels.roles).
type roomRoleView struct {
	ID     string        `json:"_id"`
	RoomID string        `json:"rid"`
	User   model.UserRef `json:"u"`
	Roles  []string      `json:"roles"`
}

func roomRoleOf(h chat.RoomRoleHolder) roomRoleView {
	return roomRoleView{ID: h.ID, RoomID: h.RoomID, User: h.User, Roles: h.Roles}
}

// directMemberView is a member of a direct conversation (im.members).
type directMemberView struct {
	ID           string           `json:"_id"`
	Username     string           `json:"username"`
	Name         string           `json:"name"`
	Status       string           `json:"status"`
	StatusText   string           `json:"statusText,omitempty"`
	UTCOffset    float64          `json:"utcOffset"`
	Subscription directMemberSubs `json:"subscription"`
}

type directMemberSubs struct {
	ID       string     `json:"_id,omitempty"`
	JoinedAt model.Time `json:"ts,omitzero"`
	Roles    []string   `json:"roles,omitempty"`
}

func directMemberOf(m chat.DirectMember) directMemberView {
	return directMemberView{ID: m.ID, Username: m.Username, Name: m.Name, Status: m.Status, StatusText: m.StatusText,
		UTCOffset: m.UTCOffset, Subscription: directMemberSubs{ID: m.Subscription.ID, JoinedAt: m.Subscription.JoinedAt, Roles: m.Subscription.Roles}}
}

// teamListView is a team in teams.list and teams.listAll.
type teamListView struct {
	*model.Team
	Rooms         int `json:"rooms"`
	NumberOfUsers int `json:"numberOfUsers"`
}

func teamListOf(t chat.TeamListItem) teamListView {
	return teamListView{Team: t.Team, Rooms: t.Rooms, NumberOfUsers: t.NumberOfUsers}
}

// teamMemberView is one entry of teams.members.
type teamMemberView struct {
	User      teamMemberUserView `json:"user"`
	Roles     []string           `json:"roles,omitempty"`
	CreatedBy model.UserRef      `json:"createdBy"`
	CreatedAt model.Time         `json:"createdAt"`
}

type teamMemberUserView struct {
	ID       string              `json:"_id"`
	Username string              `json:"username,omitempty"`
	Name     string              `json:"name,omitempty"`
	Status   string              `json:"status,omitempty"`
	Settings *model.UserSettings `json:"settings,omitempty"`
}

func teamMemberOf(m chat.TeamMemberInfo) teamMemberView {
	u := m.User
	return teamMemberView{
		User:  teamMemberUserView{ID: u.ID, Username: u.Username, Name: u.Name, Status: u.Status, Settings: u.Settings},
		Roles: m.Roles, CreatedBy: m.CreatedBy, CreatedAt: m.CreatedAt,
	}
}

// teamRoomOfUserView is a room of teams.listRoomsOfUser.
type teamRoomOfUserView struct {
	*model.Room
	IsLastOwner bool `json:"isLastOwner"`
}

func teamRoomOfUserOf(r chat.TeamRoomOfUser) teamRoomOfUserView {
	return teamRoomOfUserView{Room: r.Room, IsLastOwner: r.IsLastOwner}
}

// teamAutocompleteView is one answer of teams.autocomplete.
type teamAutocompleteView struct {
	ID          string `json:"_id"`
	DisplayName string `json:"fname,omitempty"`
	TeamID      string `json:"teamId"`
	Name        string `json:"name"`
	Type        string `json:"t"`
	AvatarETag  string `json:"avatarETag,omitempty"`
}

func teamAutocompleteOf(i chat.TeamAutocompleteItem) teamAutocompleteView {
	return teamAutocompleteView{ID: i.ID, DisplayName: i.DisplayName, TeamID: i.TeamID, Name: i.Name, Type: i.Type, AvatarETag: i.AvatarETag}
}

// teamBriefView is the team rooms.info shows with a team's room.
type teamBriefView struct {
	ID     string `json:"_id"`
	Name   string `json:"name"`
	RoomID string `json:"roomId"`
	Type   int    `json:"type"`
}

// parentRoomView is the parent room rooms.info shows.
type parentRoomView struct {
	ID           string         `json:"_id"`
	Name         string         `json:"name,omitempty"`
	DisplayName  string         `json:"fname,omitempty"`
	Type         string         `json:"t"`
	ParentRoomID string         `json:"prid,omitempty"`
	Creator      *model.UserRef `json:"u,omitempty"`
}
