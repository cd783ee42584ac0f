package directory

import (
	"context"
	"errors"
	"strings"

	"liftoff/access/perm"
	"liftoff/model"
	"liftoff/settings/setting"
	"liftoff/store"
)

// SpotlightUser is a user found by Spotlight. Outside marks users the
// caller shares no room with (found among every user, or through a direct
// conversation, rather than among the members of the room searched from).
type SpotlightUser struct {
	User    *model.User
	Outside bool
}

// SpotlightResult is what Spotlight found.
type SpotlightResult struct {
	Users []SpotlightUser
	Rooms []*model.Room
}

// SpotlightQuery is a spotlight search.
type SpotlightQuery struct {
	Text string
	// Usernames are users to leave out (those already picked).
	Usernames []string
	// Users and Rooms choose what to search. A text starting with "#"
	// searches rooms only, one starting with "@" users only.
	Users, Rooms bool
	// RoomID, when set, searches that room's members first.
	RoomID string
}

// roomSpotlightLimit is how many rooms spotlight answers (Rocket.Chat's 5).
const roomSpotlightLimit = 5

// Spotlight searches users and rooms as Rocket.Chat's spotlight does.
//
// Users: with view-outside-room and view-d-room, any active user whose
// username, name or e-mail contains the text (an exact username first);
// without them, only the people the caller has direct conversations with.
// With a room, its members come first (when the caller may read it). At
// most Number_of_users_autocomplete_suggestions, sorted by username (by
// name with UI_Use_Real_Name).
//
// Rooms: with view-outside-room and view-c-room, up to five public
// channels the caller is not in (the client searches its own rooms),
// discussions left out, by name; private groups never. lastMessage is
// left out without preview-c-room when Store_Last_Message is on.
func (s *Service) Spotlight(ctx context.Context, user *model.User, q SpotlightQuery) (*SpotlightResult, error) {
	text := q.Text
	if strings.HasPrefix(text, "#") {
		q.Users, text = false, text[1:]
	}
	if strings.HasPrefix(text, "@") {
		q.Rooms, text = false, text[1:]
	}
	text = strings.TrimSpace(text)
	res := &SpotlightResult{Users: []SpotlightUser{}, Rooms: []*model.Room{}}
	if q.Users {
		users, err := s.spotlightUsers(ctx, user, text, q.Usernames, q.RoomID)
		if err != nil {
			return nil, err
		}
		res.Users = users
	}
	if q.Rooms {
		rooms, err := s.spotlightRooms(ctx, user, text)
		if err != nil {
			return nil, err
		}
		res.Rooms = rooms
	}
	return res, nil
}

func (s *Service) spotlightRooms(ctx context.Context, user *model.User, text string) ([]*model.Room, error) {
	if !s.perms.Can(user, perm.ViewOutsideRoom) || !s.perms.Can(user, perm.ViewCRoom) {
		return []*model.Room{}, nil
	}
	mine, err := s.store.SubscriptionsOfUser(ctx, user.ID, store.SubscriptionQuery{})
	if err != nil {
		return nil, internal("spotlight rooms", err)
	}
	exclude := make([]string, 0, len(mine))
	for _, sub := range mine {
		exclude = append(exclude, sub.RoomID)
	}
	hidden, err := s.hiddenTeams(ctx, user)
	if err != nil {
		return nil, err
	}
	rooms, _, err := s.store.ListRooms(ctx, store.RoomQuery{
		Types: []string{model.RoomChannel}, Text: text, ExcludeIDs: exclude, NoDiscussions: true, HiddenTeamIDs: hidden,
	}, model.Page{Count: roomSpotlightLimit, Sort: byName})
	if err != nil {
		return nil, internal("spotlight rooms", err)
	}
	if rooms == nil {
		rooms = []*model.Room{}
	}
	if s.settings.Bool(setting.StoreLastMessage) && !s.perms.Can(user, perm.PreviewCRoom) {
		for i, r := range rooms {
			c := *r
			c.LastMessage = nil
			rooms[i] = &c
		}
	}
	return rooms, nil
}

// hiddenTeams lists the private teams the user is not a member of: their
// channels are not shown to outsiders.
func (s *Service) hiddenTeams(ctx context.Context, user *model.User) ([]string, error) {
	private := 1
	teams, _, err := s.store.ListTeams(ctx, store.TeamQuery{Type: &private}, model.Page{})
	if err != nil {
		return nil, internal("private teams", err)
	}
	if len(teams) == 0 {
		return nil, nil
	}
	mine, _, err := s.store.ListTeams(ctx, store.TeamQuery{Type: &private, MemberID: user.ID}, model.Page{})
	if err != nil {
		return nil, internal("private teams", err)
	}
	in := map[string]bool{}
	for _, t := range mine {
		in[t.ID] = true
	}
	var hidden []string
	for _, t := range teams {
		if !in[t.ID] {
			hidden = append(hidden, t.ID)
		}
	}
	return hidden, nil
}

// userSearch is one spotlight user search in progress.
type userSearch struct {
	s       *Service
	ctx     context.Context
	text    string
	exclude []string // usernames already found or left out
	limit   int
	sort    []model.SortKey
	found   []SpotlightUser
}

func (u *userSearch) full() bool { return len(u.found) >= u.limit }

func (u *userSearch) add(users []*model.User, outside bool) {
	for _, x := range users {
		if u.full() {
			return
		}
		u.found = append(u.found, SpotlightUser{User: x, Outside: outside})
		u.exclude = append(u.exclude, x.Username)
	}
}

// among adds the active users matching the text among ids (every user when
// ids is nil; nobody when it is empty).
func (u *userSearch) among(ids []string, outside bool) error {
	if u.full() || (ids != nil && len(ids) == 0) {
		return nil
	}
	yes := true
	users, _, err := u.s.store.ListUsers(u.ctx, store.UserQuery{Text: u.text, IDs: ids, Exclude: u.exclude, Active: &yes},
		model.Page{Count: u.limit - len(u.found), Sort: u.sort})
	if err != nil {
		return internal("spotlight users", err)
	}
	u.add(users, outside)
	return nil
}

// exact adds the active user named exactly text (case-insensitive), when
// keep accepts them.
func (u *userSearch) exact(outside bool, keep func(*model.User) (bool, error)) error {
	if u.full() || u.text == "" {
		return nil
	}
	x, err := u.s.store.UserByUsername(u.ctx, u.text)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return internal("spotlight users", err)
	}
	if !x.Active {
		return nil
	}
	for _, n := range u.exclude {
		if strings.EqualFold(n, x.Username) {
			return nil
		}
	}
	ok, err := keep(x)
	if err != nil || !ok {
		return err
	}
	u.add([]*model.User{x}, outside)
	return nil
}

func (s *Service) spotlightUsers(ctx context.Context, user *model.User, text string, usernames []string, rid string) ([]SpotlightUser, error) {
	limit := s.settings.Int(setting.NumberOfUsersAutocompleteSuggestions)
	if limit <= 0 {
		limit = 5
	}
	sortField := "username"
	if s.settings.Bool(setting.UIUseRealName) {
		sortField = "name"
	}
	u := &userSearch{s: s, ctx: ctx, text: text, exclude: append([]string{}, usernames...), limit: limit,
		sort: []model.SortKey{{Field: sortField}}}

	var room *model.Room
	if rid != "" {
		r, err := s.store.RoomByID(ctx, rid)
		if errors.Is(err, store.ErrNotFound) {
			return []SpotlightUser{}, nil
		}
		if err != nil {
			return nil, internal("spotlight room", err)
		}
		room = r
	}
	canListOutsiders := s.perms.Can(user, perm.ViewOutsideRoom) && s.perms.Can(user, perm.ViewDRoom)
	canListInsiders := canListOutsiders
	if room != nil && !canListInsiders {
		canListInsiders = s.access.CanAccessRoom(ctx, user, room) == nil
	}

	var members []string
	if room != nil && canListInsiders {
		ids, err := s.roomMembers(ctx, user, room)
		if err != nil {
			return nil, err
		}
		members = ids
		if err := u.exact(false, func(x *model.User) (bool, error) { return contains(members, x.ID), nil }); err != nil {
			return nil, err
		}
	}
	if len(u.found) == 0 && canListOutsiders {
		if err := u.exact(true, func(*model.User) (bool, error) { return true, nil }); err != nil {
			return nil, err
		}
	}
	if room != nil && canListInsiders {
		if err := u.among(members, false); err != nil {
			return nil, err
		}
		if err := u.connected(user); err != nil {
			return nil, err
		}
	}
	if canListOutsiders {
		if err := u.among(nil, true); err != nil {
			return nil, err
		}
	} else if err := u.connected(user); err != nil {
		return nil, err
	}
	if u.found == nil {
		return []SpotlightUser{}, nil
	}
	return u.found, nil
}

// connected adds the people the caller has direct conversations with.
func (u *userSearch) connected(user *model.User) error {
	if u.full() {
		return nil
	}
	subs, err := u.s.store.SubscriptionsOfUser(u.ctx, user.ID, store.SubscriptionQuery{Types: []string{model.RoomDirect}})
	if err != nil {
		return internal("spotlight users", err)
	}
	ids := []string{}
	for _, sub := range subs {
		room, err := u.s.store.RoomByID(u.ctx, sub.RoomID)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return internal("spotlight users", err)
		}
		for _, id := range room.UserIDs {
			if id != user.ID && !contains(ids, id) {
				ids = append(ids, id)
			}
		}
	}
	return u.among(ids, true)
}

// roomMembers lists the ids of the room's members other than the caller
// (a direct conversation's other participants).
func (s *Service) roomMembers(ctx context.Context, user *model.User, room *model.Room) ([]string, error) {
	ids, err := s.store.MemberIDs(ctx, room.ID)
	if err != nil {
		return nil, internal("room members", err)
	}
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if room.Type != model.RoomDirect || id != user.ID {
			out = append(out, id)
		}
	}
	return out, nil
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
