package directory

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"liftoff/access/perm"
	"liftoff/model"
	"liftoff/settings/setting"
	"liftoff/store"
)

// Permissions answers global permission checks (chat.Admin implements it).
type Permissions interface {
	Can(user *model.User, permission perm.ID) bool
}

// RoomAccess tells whether a user may read a room (chat.Rooms implements it).
type RoomAccess interface {
	CanAccessRoom(ctx context.Context, user *model.User, room *model.Room) error
}

// Settings reads the settings the searches follow.
type Settings interface {
	Bool(id setting.ID) bool
	Int(id setting.ID) int
}

// Service runs the searches.
type Service struct {
	store    store.Reader
	perms    Permissions
	access   RoomAccess
	settings Settings
	now      func() time.Time
}

// Deps are what a Service reads.
type Deps struct {
	Store       store.Reader
	Permissions Permissions
	Access      RoomAccess
	Settings    Settings
	Now         func() time.Time // the server clock; time.Now when nil
}

// New returns a Service.
func New(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	return &Service{store: d.Store, perms: d.Permissions, access: d.Access, settings: d.Settings, now: d.Now}
}

// ErrNotAuthorized is Rocket.Chat's refusal of the administration lists
// (a plain "error-not-authorized").
var ErrNotAuthorized = model.Bare(model.KindForbidden, "error-not-authorized")

func internal(what string, err error) error { return fmt.Errorf("directory: %s: %w", what, err) }

// autocompleteLimit is how many rooms the room autocompletes answer.
const autocompleteLimit = 10

var byName = []model.SortKey{{Field: "name"}}

// RoomsAutocomplete lists up to ten public and private rooms the user is
// subscribed to whose name or display name contains name, discussions
// left out, by name (rooms.autocomplete.channelAndPrivate).
func (s *Service) RoomsAutocomplete(ctx context.Context, user *model.User, name string, p model.Page) ([]*model.Room, int, error) {
	if p.Count <= 0 {
		p.Count = autocompleteLimit
	}
	if len(p.Sort) == 0 {
		p.Sort = byName
	}
	rooms, total, err := s.store.ListRooms(ctx, store.RoomQuery{
		Types: []string{model.RoomChannel, model.RoomPrivate}, Text: strings.TrimSpace(name),
		MemberID: user.ID, NoDiscussions: true, TeamMain: ptr(false),
	}, p)
	if err != nil {
		return nil, 0, internal("autocomplete rooms", err)
	}
	return rooms, total, nil
}

// RoomsAvailableForTeams lists up to ten channels and groups the user owns
// that are on no team, discussions left out, whose name contains name
// (rooms.autocomplete.availableForTeams).
func (s *Service) RoomsAvailableForTeams(ctx context.Context, user *model.User, name string) ([]*model.Room, error) {
	subs, err := s.store.SubscriptionsOfUser(ctx, user.ID, store.SubscriptionQuery{Types: []string{model.RoomChannel, model.RoomPrivate}})
	if err != nil {
		return nil, internal("rooms for teams", err)
	}
	var owned []string
	for _, sub := range subs {
		if sub.HasRole("owner") {
			owned = append(owned, sub.RoomID)
		}
	}
	if len(owned) == 0 {
		return []*model.Room{}, nil
	}
	rooms, _, err := s.store.ListRooms(ctx, store.RoomQuery{IDs: owned, Text: strings.TrimSpace(name), NoDiscussions: true, TeamID: "", TeamMain: ptr(false)},
		model.Page{Count: autocompleteLimit * 4, Sort: byName})
	if err != nil {
		return nil, internal("rooms for teams", err)
	}
	out := []*model.Room{}
	for _, r := range rooms {
		if r.TeamID == "" && len(out) < autocompleteLimit {
			out = append(out, r)
		}
	}
	return out, nil
}

// AdminRoomsAutocomplete lists up to ten channels and groups whose name or
// display name contains name, for administrators (view-room-administration;
// rooms.autocomplete.adminRooms).
func (s *Service) AdminRoomsAutocomplete(ctx context.Context, user *model.User, name string) ([]*model.Room, error) {
	if !s.perms.Can(user, perm.ViewRoomAdministration) {
		return nil, ErrNotAuthorized
	}
	rooms, _, err := s.store.ListRooms(ctx, store.RoomQuery{Types: []string{model.RoomChannel, model.RoomPrivate}, Text: strings.TrimSpace(name)},
		model.Page{Count: autocompleteLimit, Sort: byName})
	if err != nil {
		return nil, internal("admin autocomplete", err)
	}
	return rooms, nil
}

// AdminRoomsQuery filters AdminRooms.
type AdminRoomsQuery struct {
	Filter string   // a substring of the name or display name
	Types  []string // room types, and "discussions" and "teams"; none: every room
}

// AdminRooms pages every room of the server for administrators
// (view-room-administration; rooms.adminRooms), by default sorted with
// default rooms first, then by name.
func (s *Service) AdminRooms(ctx context.Context, user *model.User, q AdminRoomsQuery, p model.Page) ([]*model.Room, int, error) {
	if !s.perms.Can(user, perm.ViewRoomAdministration) {
		return nil, 0, ErrNotAuthorized
	}
	rq := store.RoomQuery{Text: strings.TrimSpace(q.Filter)}
	var types []string
	discussions, teams := false, false
	for _, t := range q.Types {
		switch t {
		case "discussions":
			discussions = true
		case "teams":
			teams = true
		default:
			types = append(types, t)
		}
	}
	if discussions || teams {
		// A union of kinds: the rooms of the named types, the discussions
		// and the teams' main rooms.
		return s.adminRoomsUnion(ctx, rq, types, discussions, teams, p)
	}
	rq.Types = types
	rooms, total, err := s.store.ListRooms(ctx, rq, p)
	if err != nil {
		return nil, 0, internal("admin rooms", err)
	}
	return rooms, total, nil
}

// adminRoomsUnion answers AdminRooms for a mix of room types and the
// "discussions"/"teams" kinds: rooms of the types (discussions and team
// main rooms among them only when asked), plus the discussions or main
// rooms of other types when asked.
func (s *Service) adminRoomsUnion(ctx context.Context, rq store.RoomQuery, types []string, discussions, teams bool, p model.Page) ([]*model.Room, int, error) {
	all, _, err := s.store.ListRooms(ctx, rq, model.Page{Count: 0, Sort: p.Sort})
	if err != nil {
		return nil, 0, internal("admin rooms", err)
	}
	var keep []*model.Room
	for _, r := range all {
		switch {
		case discussions && r.ParentRoomID != "":
		case teams && r.TeamMain:
		case slices.Contains(types, r.Type):
		default:
			continue
		}
		keep = append(keep, r)
	}
	total := len(keep)
	lo := min(p.Offset, total)
	hi := total
	if p.Count > 0 {
		hi = min(lo+p.Count, total)
	}
	return keep[lo:hi], total, nil
}

// AdminRoom returns one room for administrators
// (view-room-administration; rooms.adminRooms.getRoom); nil when there is
// no such room.
func (s *Service) AdminRoom(ctx context.Context, user *model.User, roomID string) (*model.Room, error) {
	if !s.perms.Can(user, perm.ViewRoomAdministration) {
		return nil, ErrNotAuthorized
	}
	room, err := s.store.RoomByID(ctx, roomID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, internal("admin room", err)
	}
	return room, nil
}

// Presence lists the users who are not offline: among ids when given
// (full false), else every such user (full true). With
// Presence_broadcast_disabled nobody is listed (users.presence).
func (s *Service) Presence(ctx context.Context, user *model.User, ids []string) (users []*model.User, full bool, err error) {
	if s.settings.Bool(setting.PresenceBroadcastDisabled) {
		return []*model.User{}, true, nil
	}
	q := store.UserQuery{Statuses: []string{model.StatusOnline, model.StatusAway, model.StatusBusy}}
	full = true
	if ids != nil {
		if len(ids) == 0 {
			return []*model.User{}, false, nil
		}
		q.IDs, full = ids, false
	}
	users, _, err = s.store.ListUsers(ctx, q, model.Page{Sort: []model.SortKey{{Field: "username"}}})
	if err != nil {
		return nil, false, internal("presence", err)
	}
	if users == nil {
		users = []*model.User{}
	}
	return users, full, nil
}

func ptr[T any](v T) *T { return &v }
