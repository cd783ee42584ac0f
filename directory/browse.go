package directory

import (
	"context"

	"liftoff/access/perm"
	"liftoff/model"
	"liftoff/store"
)

// BrowseQuery is a directory search.
type BrowseQuery struct {
	Text      string // a substring of the name (rooms) or username, name, e-mail (users)
	Type      string // "channels" (default), "teams" or "users"
	Workspace string // "local" (default) or "all"; Liftoff has local users only
	SortBy    string // "name" (default), "createdAt", "usersCount", "lastMessage" (rooms), "username" (users)
	Desc      bool
}

// BrowseEntry is one result of the directory: a room (with, for a team's
// room, its team's name, and for a team, its number of rooms) or a user.
type BrowseEntry struct {
	Room       *model.Room
	BelongsTo  string // the name of the team the room is on
	RoomsCount int    // teams: the rooms of the team, its main room included
	User       *model.User
}

// ErrVerifyParams is Rocket.Chat's answer to a directory search it cannot
// run: an unknown type or sort, or a caller without the permission to see
// that kind of result.
var ErrVerifyParams = model.Bare(model.KindInvalid, "Please verify the parameters")

var roomSortFields = map[string]string{"name": "name", "createdAt": "ts", "usersCount": "usersCount", "lastMessage": "lm"}
var userSortFields = map[string]string{"name": "name", "createdAt": "createdAt", "username": "username", "usersCount": "username"}

// Browse searches the directory (Rocket.Chat's browseChannels).
//
// channels: public channels (those of private teams only for the team's
// members) and the private groups the caller is in, neither discussions
// nor teams' main rooms; needs view-c-room. teams: the main rooms of
// public teams and of the private teams the caller is in. users: active
// users; needs view-outside-room and view-d-room; e-mails only with
// view-full-other-user-info.
func (s *Service) Browse(ctx context.Context, user *model.User, q BrowseQuery, offset, count int) ([]BrowseEntry, int, error) {
	if q.Type == "" {
		q.Type = "channels"
	}
	if q.SortBy == "" {
		q.SortBy = "name"
	}
	if count <= 0 {
		count = 10
	}
	page := model.Page{Offset: max(offset, 0), Count: count}
	switch q.Type {
	case "channels", "teams":
		field, ok := roomSortFields[q.SortBy]
		if !ok {
			return nil, 0, ErrVerifyParams
		}
		page.Sort = []model.SortKey{{Field: field, Desc: q.Desc}}
		if q.Type == "teams" {
			return s.browseTeams(ctx, user, q.Text, page)
		}
		return s.browseChannels(ctx, user, q.Text, page)
	case "users":
		field, ok := userSortFields[q.SortBy]
		if !ok {
			return nil, 0, ErrVerifyParams
		}
		page.Sort = []model.SortKey{{Field: field, Desc: q.Desc}}
		return s.browseUsers(ctx, user, q.Text, page)
	}
	return nil, 0, ErrVerifyParams
}

func (s *Service) browseChannels(ctx context.Context, user *model.User, text string, p model.Page) ([]BrowseEntry, int, error) {
	if !s.perms.Can(user, perm.ViewCRoom) {
		return nil, 0, ErrVerifyParams
	}
	hidden, err := s.hiddenTeams(ctx, user)
	if err != nil {
		return nil, 0, err
	}
	rooms, total, err := s.store.ListRooms(ctx, store.RoomQuery{
		Types: []string{model.RoomChannel, model.RoomPrivate}, Text: text, MemberID: user.ID, AlsoTypes: []string{model.RoomChannel},
		NoDiscussions: true, TeamMain: ptr(false), HiddenTeamIDs: hidden,
	}, p)
	if err != nil {
		return nil, 0, internal("directory channels", err)
	}
	names := map[string]string{}
	out := make([]BrowseEntry, 0, len(rooms))
	for _, r := range rooms {
		e := BrowseEntry{Room: r}
		if r.TeamID != "" {
			name, ok := names[r.TeamID]
			if !ok {
				if t, err := s.store.TeamByID(ctx, r.TeamID); err == nil {
					name = t.Name
				}
				names[r.TeamID] = name
			}
			e.BelongsTo = name
		}
		out = append(out, e)
	}
	return out, total, nil
}

func (s *Service) browseTeams(ctx context.Context, user *model.User, text string, p model.Page) ([]BrowseEntry, int, error) {
	rooms, total, err := s.store.ListRooms(ctx, store.RoomQuery{
		Types: []string{model.RoomChannel, model.RoomPrivate}, Text: text, MemberID: user.ID, AlsoTypes: []string{model.RoomChannel},
		TeamMain: ptr(true),
	}, p)
	if err != nil {
		return nil, 0, internal("directory teams", err)
	}
	out := make([]BrowseEntry, 0, len(rooms))
	for _, r := range rooms {
		_, n, err := s.store.ListRooms(ctx, store.RoomQuery{TeamID: r.TeamID}, model.Page{Count: 1})
		if err != nil {
			return nil, 0, internal("directory teams", err)
		}
		out = append(out, BrowseEntry{Room: r, RoomsCount: n})
	}
	return out, total, nil
}

func (s *Service) browseUsers(ctx context.Context, user *model.User, text string, p model.Page) ([]BrowseEntry, int, error) {
	if !s.perms.Can(user, perm.ViewOutsideRoom) || !s.perms.Can(user, perm.ViewDRoom) {
		return nil, 0, ErrVerifyParams
	}
	yes := true
	users, total, err := s.store.ListUsers(ctx, store.UserQuery{Text: text, Active: &yes}, p)
	if err != nil {
		return nil, 0, internal("directory users", err)
	}
	full := s.perms.Can(user, perm.ViewFullOtherUserInfo)
	out := make([]BrowseEntry, 0, len(users))
	for _, u := range users {
		c := *u
		if !full {
			c.Emails = nil
		}
		out = append(out, BrowseEntry{User: &c})
	}
	return out, total, nil
}
