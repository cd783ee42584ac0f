package chat

import (
	"context"
	"errors"
	"strings"

	"liftoff/access/perm"
	"liftoff/model"
	"liftoff/settings/setting"
	"liftoff/store"
)

// A team is a record of its own with a main room (a channel for a public
// team, a private group for a private one) that carries teamMain and
// teamId; the team's other rooms carry teamId, and teamDefault marks those
// every new member joins. Team membership follows the subscriptions to the
// main room: joining the main room in any way makes a team member (who
// also joins the default rooms), leaving it ends the membership, and room
// roles given in the main room are team roles too. Permissions on a team
// are checked in its main room, so the main room's roles count, as in
// Rocket.Chat. Errors that Rocket.Chat raises as plain strings are bare
// (model.Bare).

// TeamRef names a team by id or, when ID is empty, by name.
type TeamRef struct{ ID, Name string }

func errTeamNotFound() *model.Error { return model.Bare(model.KindNotFound, "team-does-not-exist") }

// // Teams
// FindTeam returns the team ref names: teamId first, then teamName.
func (s *Teams) FindTeam(ctx context.Context, ref TeamRef) (*model.Team, error) {
	return s.findTeam(ctx, ref)
}

// findTeam is FindTeam, shared by the area services.
func (s *core) findTeam(ctx context.Context, ref TeamRef) (*model.Team, error) {
	var (
		t   *model.Team
		err error
	)
	switch {
	case ref.ID != "":
		t, err = s.store.TeamByID(ctx, ref.ID)
	case ref.Name != "":
		t, err = s.store.TeamByName(ctx, ref.Name)
	default:
		return nil, errTeamNotFound()
	}
	if errors.Is(err, store.ErrNotFound) {
		return nil, errTeamNotFound()
	}
	if err != nil {
		return nil, internal("find team", err)
	}
	return t, nil
}

// teamType is the team type of a main room of type t.
func teamType(t string) int {
	if t == model.RoomPrivate {
		return model.TeamPrivate
	}
	return model.TeamPublic
}

func userRefShort(u *model.User) model.UserRef { return model.UserRef{ID: u.ID, Username: u.Username} }

// TeamInput describes a new team (teams.create).
type TeamInput struct {
	Name string
	Type int // model.TeamPublic or model.TeamPrivate
	// Members are user ids or usernames; unknown and inactive users are
	// skipped, as Rocket.Chat does.
	Members []string
	// Owner is the id of the user who owns the team and its main room
	// instead of the caller (optional).
	Owner    string
	ReadOnly bool // the main room is read-only
}

// CreateTeam creates a team with its main room, as Rocket.Chat's
// teams.create: the caller needs create-team; the name must be free among
// users and teams (team-name-already-exists) and rooms
// (room-name-already-exists). The main room is created by the owner (the
// caller unless Owner is given) with the members, and any other failure
// of that step is error-team-creation. The owner becomes a team member
// with the owner role, the members plain members.
func (s *Teams) CreateTeam(ctx context.Context, user *model.User, in TeamInput) (*model.Team, error) {
	if !s.can(user, perm.CreateTeam) {
		return nil, model.ErrUnauthorized
	}
	if in.Type != model.TeamPublic && in.Type != model.TeamPrivate {
		return nil, model.Invalid("error-invalid-params", "The 'type' param must be 0 or 1")
	}
	if in.Name != "" {
		if _, err := s.store.UserByUsername(ctx, in.Name); err == nil {
			return nil, model.Bare(model.KindConflict, "team-name-already-exists")
		} else if !errors.Is(err, store.ErrNotFound) {
			return nil, internal("create team", err)
		}
		if _, err := s.store.TeamByName(ctx, in.Name); err == nil {
			return nil, model.Bare(model.KindConflict, "team-name-already-exists")
		} else if !errors.Is(err, store.ErrNotFound) {
			return nil, internal("create team", err)
		}
		if _, err := s.store.RoomByName(ctx, in.Name); err == nil {
			return nil, model.Bare(model.KindConflict, "room-name-already-exists")
		} else if !errors.Is(err, store.ErrNotFound) {
			return nil, internal("create team", err)
		}
	}
	creator := user
	if in.Owner != "" {
		o, err := s.store.UserByID(ctx, in.Owner)
		if errors.Is(err, store.ErrNotFound) {
			return nil, model.Bare(model.KindInvalid, "error-team-creation")
		}
		if err != nil {
			return nil, internal("create team", err)
		}
		creator = o
	}
	members, err := s.activeUsersByIDsOrNames(ctx, in.Members)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(members))
	for _, m := range members {
		names = append(names, m.Username)
	}
	now := s.nowTime()
	team := &model.Team{
		ID: model.NewID(), Name: in.Name, Type: in.Type, CreatedBy: userRefShort(user),
		CreatedAt: now, UpdatedAt: now,
	}
	roomType := model.RoomChannel
	if in.Type == model.TeamPrivate {
		roomType = model.RoomPrivate
	}
	_, err = s.createRoom(ctx, creator, CreateRoomInput{
		Type: roomType, Name: in.Name, Members: names, ReadOnly: in.ReadOnly,
		team: team, teamMembers: members,
	})
	if err != nil {
		if _, ok := model.AsError(err); ok {
			return nil, model.Bare(model.KindInvalid, "error-team-creation")
		}
		return nil, err
	}
	return team, nil
}

// activeUsersByIDsOrNames resolves user ids or usernames to active users,
// skipping the unknown ones (Rocket.Chat's findActiveByIdsOrUsernames).
func (s *core) activeUsersByIDsOrNames(ctx context.Context, keys []string) ([]*model.User, error) {
	var clean []string
	for _, k := range keys {
		if k = strings.TrimSpace(k); k != "" {
			clean = append(clean, k)
		}
	}
	if len(clean) == 0 {
		return nil, nil
	}
	byID, err := s.store.UsersByIDs(ctx, clean)
	if err != nil {
		return nil, internal("resolve users", err)
	}
	byName, err := s.store.UsersByUsernames(ctx, clean)
	if err != nil {
		return nil, internal("resolve users", err)
	}
	var out []*model.User
	for _, u := range append(byID, byName...) {
		if u.Active {
			out = append(out, u)
		}
	}
	return uniqueUsers(out), nil
}

// insertTeamTx stores a new team whose main room was just inserted, with
// its members: the room's creator as owner, the others as plain members.
func insertTeamTx(ctx context.Context, tx store.Tx, team *model.Team, room *model.Room, creator *model.User, members []*model.User, now model.Time) error {
	team.RoomID = room.ID
	if err := tx.InsertTeam(ctx, team); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return model.Bare(model.KindConflict, "team-name-already-exists")
		}
		return err
	}
	for _, m := range uniqueUsers(append([]*model.User{creator}, members...)) {
		tm := &model.TeamMember{TeamID: team.ID, UserID: m.ID, CreatedBy: team.CreatedBy, CreatedAt: now, UpdatedAt: now}
		if m.ID == creator.ID {
			tm.Roles = []string{RoleOwner}
		}
		if err := tx.UpsertTeamMember(ctx, tm); err != nil {
			return err
		}
	}
	return nil
}

// teamMemberJoinedTx is Rocket.Chat's hook after a user joins a room: in a
// team's main room the user becomes a team member (added by `by`) and
// joins the team's default rooms. Other rooms are left alone.
func (s *core) teamMemberJoinedTx(ctx context.Context, tx store.Tx, room *model.Room, u, by *model.User, now model.Time) error {
	if !room.TeamMain || room.TeamID == "" {
		return nil
	}
	if _, err := tx.TeamMember(ctx, room.TeamID, u.ID); err == nil {
		return nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	tm := &model.TeamMember{TeamID: room.TeamID, UserID: u.ID, CreatedBy: userRefShort(by), CreatedAt: now, UpdatedAt: now}
	if err := tx.UpsertTeamMember(ctx, tm); err != nil {
		return err
	}
	yes := true
	defaults, _, err := tx.ListRooms(ctx, store.RoomQuery{TeamID: room.TeamID, TeamDefault: &yes}, model.Page{NoTotal: true})
	if err != nil {
		return err
	}
	for _, d := range defaults {
		if d.ID == room.ID {
			continue
		}
		if _, err := s.addUserToRoomTx(ctx, tx, d, u, by, now); err != nil {
			return err
		}
	}
	return nil
}

// addUserToRoomTx is Rocket.Chat's addUserToRoom inside tx: subscribes u
// unless already a member, with a "uj" notice when u joins by themselves
// and "au" when added by someone else, counts the member and saves the
// room (room is changed in place). It reports whether u was added.
func (s *core) addUserToRoomTx(ctx context.Context, tx store.Tx, room *model.Room, u, by *model.User, now model.Time) (bool, error) {
	added, err := s.addMemberTx(ctx, tx, room, u, now)
	if err != nil || !added {
		return false, err
	}
	room.UsersCount++
	t, msg := "au", u.Username
	if by.ID == u.ID {
		t = "uj"
	}
	if err := s.systemNotice(ctx, tx, room, t, msg, by, now, nil); err != nil {
		return false, err
	}
	if err := saveRoom(ctx, tx, room, now); err != nil {
		return false, err
	}
	return true, s.teamMemberJoinedTx(ctx, tx, room, u, by, now)
}

// teamMemberLeftTx ends u's team membership when they leave a team's main room.
func teamMemberLeftTx(ctx context.Context, tx store.Tx, room *model.Room, userID string) error {
	if !room.TeamMain || room.TeamID == "" {
		return nil
	}
	if err := tx.DeleteTeamMember(ctx, room.TeamID, userID); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return nil
}

// teamRoleChangedTx mirrors a room role given or taken in a team's main
// room on the team membership.
func teamRoleChangedTx(ctx context.Context, tx store.Tx, room *model.Room, userID, role string, add bool, now model.Time) error {
	if !room.TeamMain || room.TeamID == "" {
		return nil
	}
	tm, err := tx.TeamMember(ctx, room.TeamID, userID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	roles := withoutValue(tm.Roles, role)
	if add {
		roles = append(roles, role)
	}
	tm.Roles, tm.UpdatedAt = roles, now
	return tx.UpsertTeamMember(ctx, tm)
}

// teamRoomErasedTx is the team side of erasing a room: erasing a team's
// main room deletes the team and its memberships, and its other rooms
// leave the team.
func teamRoomErasedTx(ctx context.Context, tx store.Tx, room *model.Room, now model.Time) error {
	if !room.TeamMain || room.TeamID == "" {
		return nil
	}
	if err := unsetTeamOfRoomsTx(ctx, tx, room.TeamID, now); err != nil {
		return err
	}
	if err := tx.DeleteTeam(ctx, room.TeamID); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return nil
}

// unsetTeamOfRoomsTx takes every room but the main one out of the team.
func unsetTeamOfRoomsTx(ctx context.Context, tx store.Tx, teamID string, now model.Time) error {
	no := false
	rooms, _, err := tx.ListRooms(ctx, store.RoomQuery{TeamID: teamID, TeamMain: &no}, model.Page{NoTotal: true})
	if err != nil {
		return err
	}
	for _, r := range rooms {
		r.TeamID, r.TeamDefault = "", false
		if err := saveRoom(ctx, tx, r, now); err != nil {
			return err
		}
	}
	return nil
}

// syncTeamNameTx follows a rename or type change of a team's main room
// on the team record (Rocket.Chat's saveRoomName and saveRoomType hooks).
func syncTeamNameTx(ctx context.Context, tx store.Tx, room *model.Room, now model.Time) error {
	if !room.TeamMain || room.TeamID == "" {
		return nil
	}
	t, err := tx.TeamByID(ctx, room.TeamID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	t.Name, t.Type, t.UpdatedAt = room.Name, teamType(room.Type), now
	if err := tx.UpdateTeam(ctx, t); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return model.Bare(model.KindConflict, "team-name-already-exists")
		}
		return err
	}
	return nil
}

// TeamInfo returns the team for teams.info: the caller must be able to
// see its main room or hold view-all-teams.
func (s *Teams) TeamInfo(ctx context.Context, user *model.User, ref TeamRef) (*model.Team, error) {
	t, err := s.findTeam(ctx, ref)
	if err != nil {
		if errors.Is(err, errTeamNotFound()) {
			return nil, model.Bare(model.KindInvalid, "Team not found")
		}
		return nil, err
	}
	room, err := s.store.RoomByID(ctx, t.RoomID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, model.Bare(model.KindInvalid, "Room not found")
	}
	if err != nil {
		return nil, internal("team info", err)
	}
	if s.canAccessRoom(ctx, user, room) != nil && !s.can(user, perm.ViewAllTeams) {
		return nil, model.ErrUnauthorized
	}
	return t, nil
}

// TeamListItem is a team as teams.list and teams.listAll show it: with
// the number of its rooms (the main room included) and members.
type TeamListItem struct {
	*model.Team
	Rooms         int
	NumberOfUsers int
}

// ListTeams pages the teams user is a member of (teams.list).
func (s *Teams) ListTeams(ctx context.Context, user *model.User, p model.Page) ([]TeamListItem, int, error) {
	return s.listTeams(ctx, store.TeamQuery{MemberID: user.ID}, p)
}

// ListAllTeams pages every team (teams.listAll); it needs view-all-teams.
func (s *Teams) ListAllTeams(ctx context.Context, user *model.User, p model.Page) ([]TeamListItem, int, error) {
	if !s.can(user, perm.ViewAllTeams) {
		return nil, 0, model.ErrUnauthorized
	}
	return s.listTeams(ctx, store.TeamQuery{}, p)
}

func (s *core) listTeams(ctx context.Context, q store.TeamQuery, p model.Page) ([]TeamListItem, int, error) {
	teams, total, err := s.store.ListTeams(ctx, q, p)
	if err != nil {
		return nil, 0, internal("list teams", err)
	}
	out := make([]TeamListItem, 0, len(teams))
	for _, t := range teams {
		_, rooms, err := s.store.ListRooms(ctx, store.RoomQuery{TeamID: t.ID}, model.Page{Count: 1})
		if err != nil {
			return nil, 0, internal("list teams", err)
		}
		_, users, err := s.store.TeamMembers(ctx, t.ID, store.TeamMemberQuery{}, model.Page{Count: 1})
		if err != nil {
			return nil, 0, internal("list teams", err)
		}
		out = append(out, TeamListItem{Team: t, Rooms: rooms, NumberOfUsers: users})
	}
	return out, total, nil
}

// TeamMemberFilter narrows teams.members.
type TeamMemberFilter struct {
	Username, Name string
	Statuses       []string
}

// TeamMemberUser is the part of a member's user record teams.members shows.
type TeamMemberUser struct {
	ID       string
	Username string
	Name     string
	Status   string
	Settings *model.UserSettings
}

// TeamMemberInfo is one entry of teams.members.
type TeamMemberInfo struct {
	User      TeamMemberUser
	Roles     []string
	CreatedBy model.UserRef
	CreatedAt model.Time
}

// TeamMembers pages a team's active members (teams.members). A caller who
// is not a member and lacks view-all-teams sees none.
func (s *Teams) TeamMembers(ctx context.Context, user *model.User, team *model.Team, f TeamMemberFilter, p model.Page) ([]TeamMemberInfo, int, error) {
	if !s.canInRoom(ctx, user, team.RoomID, perm.ViewAllTeams) {
		if _, err := s.store.TeamMember(ctx, team.ID, user.ID); errors.Is(err, store.ErrNotFound) {
			return nil, 0, nil
		} else if err != nil {
			return nil, 0, internal("team members", err)
		}
	}
	yes := true
	ms, total, err := s.store.TeamMembers(ctx, team.ID, store.TeamMemberQuery{
		Username: f.Username, Name: f.Name, Statuses: f.Statuses, Active: &yes,
	}, p)
	if err != nil {
		return nil, 0, internal("team members", err)
	}
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.UserID
	}
	users, err := s.store.UsersByIDs(ctx, ids)
	if err != nil {
		return nil, 0, internal("team members", err)
	}
	byID := make(map[string]*model.User, len(users))
	for _, u := range users {
		byID[u.ID] = u
	}
	out := make([]TeamMemberInfo, 0, len(ms))
	for _, m := range ms {
		u := byID[m.UserID]
		if u == nil {
			continue
		}
		out = append(out, TeamMemberInfo{
			User:  TeamMemberUser{ID: u.ID, Username: u.Username, Name: u.Name, Status: visibleStatusOf(u), Settings: u.Settings},
			Roles: m.Roles, CreatedBy: m.CreatedBy, CreatedAt: m.CreatedAt,
		})
	}
	return out, total, nil
}

// TeamMemberParams is one member of teams.addMembers / teams.updateMember.
type TeamMemberParams struct {
	UserID string
	Roles  []string // nil: none given
}

// AddTeamMembers adds users to a team (teams.addMembers): the caller needs
// add-team-member or edit-team-member in the main room. Each user joins the
// main room (an "au" notice), becomes a team member and joins the default
// rooms; given roles are added to the membership and to the main room
// subscription. Every user must exist, or nothing changes.
func (s *Teams) AddTeamMembers(ctx context.Context, actor *model.User, team *model.Team, members []TeamMemberParams) error {
	if !s.canInRoom(ctx, actor, team.RoomID, perm.AddTeamMember) && !s.canInRoom(ctx, actor, team.RoomID, perm.EditTeamMember) {
		return model.ErrUnauthorized
	}
	users := make([]*model.User, len(members))
	for i, m := range members {
		u, err := s.store.UserByID(ctx, m.UserID)
		if errors.Is(err, store.ErrNotFound) {
			return model.Bare(model.KindInvalid, "invalid-user")
		}
		if err != nil {
			return internal("add team members", err)
		}
		users[i] = u
	}
	now := s.nowTime()
	err := s.store.Update(ctx, func(tx store.Tx) error {
		room, err := tx.RoomByID(ctx, team.RoomID)
		if errors.Is(err, store.ErrNotFound) {
			return model.Bare(model.KindInvalid, "invalid-room")
		}
		if err != nil {
			return err
		}
		for i, m := range members {
			u := users[i]
			if _, err := s.addUserToRoomTx(ctx, tx, room, u, actor, now); err != nil {
				return err
			}
			if err := s.teamMemberJoinedTx(ctx, tx, room, u, actor, now); err != nil {
				return err
			}
			if len(m.Roles) == 0 {
				continue
			}
			if err := s.addTeamRolesTx(ctx, tx, team, room, u, m.Roles, now); err != nil {
				return err
			}
		}
		return nil
	})
	return internal("add team members", err)
}

// addTeamRolesTx adds roles to u's team membership and main room
// subscription (Rocket.Chat's addRolesToMember and addRolesToSubscription).
func (s *core) addTeamRolesTx(ctx context.Context, tx store.Tx, team *model.Team, room *model.Room, u *model.User, roles []string, now model.Time) error {
	tm, err := tx.TeamMember(ctx, team.ID, u.ID)
	if err != nil {
		return err
	}
	sub, err := subscriptionOf(ctx, tx, room.ID, u.ID)
	if err != nil {
		return err
	}
	for _, r := range roles {
		if !tm.HasRole(r) {
			tm.Roles = append(tm.Roles, r)
		}
		if sub != nil && !sub.HasRole(r) {
			sub.Roles = append(sub.Roles, r)
		}
	}
	tm.UpdatedAt = now
	if err := tx.UpsertTeamMember(ctx, tm); err != nil {
		return err
	}
	if sub == nil {
		return nil
	}
	sub.UpdatedAt = now
	if err := tx.UpdateSubscription(ctx, sub); err != nil {
		return err
	}
	tx.Emit(model.SubscriptionChanged{Action: model.ActionUpdated, Subscription: sub})
	if s.settings.Bool(setting.UIDisplayRoles) {
		for _, r := range roles {
			tx.Emit(model.RoleChanged{Type: "added", RoleID: r, UserID: u.ID, Username: u.Username, Scope: room.ID})
		}
	}
	return nil
}

// UpdateTeamMember replaces a member's team roles, and the roles of their
// main room subscription (teams.updateMember); it needs edit-team-member
// in the main room. A user who is not a member changes nothing.
func (s *Teams) UpdateTeamMember(ctx context.Context, actor *model.User, team *model.Team, m TeamMemberParams) error {
	if !s.canInRoom(ctx, actor, team.RoomID, perm.EditTeamMember) {
		return model.ErrUnauthorized
	}
	if m.UserID == "" {
		return model.Bare(model.KindInvalid, "invalid-user")
	}
	now := s.nowTime()
	err := s.store.Update(ctx, func(tx store.Tx) error {
		tm, err := tx.TeamMember(ctx, team.ID, m.UserID)
		if err == nil {
			tm.Roles, tm.UpdatedAt = m.Roles, now
			if err := tx.UpsertTeamMember(ctx, tm); err != nil {
				return err
			}
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		sub, err := subscriptionOf(ctx, tx, team.RoomID, m.UserID)
		if err != nil || sub == nil {
			return err
		}
		if sameRoleSet(sub.Roles, m.Roles) {
			return nil
		}
		sub.Roles, sub.UpdatedAt = m.Roles, now
		if err := tx.UpdateSubscription(ctx, sub); err != nil {
			return err
		}
		tx.Emit(model.SubscriptionChanged{Action: model.ActionUpdated, Subscription: sub})
		return nil
	})
	return internal("update team member", err)
}

// RemoveTeamMember takes a user out of a team (teams.removeMember): the
// caller needs edit-team-member in the main room; the user must be active
// (invalid-user) and a member (member-does-not-exist); the last owner
// stays (last-owner-can-not-be-removed). The user leaves the main room
// (an "ru" notice) and the listed rooms of the team.
func (s *Teams) RemoveTeamMember(ctx context.Context, actor *model.User, team *model.Team, userID string, rooms []string) error {
	if !s.canInRoom(ctx, actor, team.RoomID, perm.EditTeamMember) {
		return model.ErrUnauthorized
	}
	u, err := s.store.UserByID(ctx, userID)
	if errors.Is(err, store.ErrNotFound) || err == nil && !u.Active {
		return model.Bare(model.KindInvalid, "invalid-user")
	}
	if err != nil {
		return internal("remove team member", err)
	}
	return s.leaveTeam(ctx, actor, team, u, rooms)
}

// LeaveTeam takes user out of a team (teams.leave), and out of the listed
// rooms of the team; the last owner cannot leave.
func (s *Teams) LeaveTeam(ctx context.Context, user *model.User, team *model.Team, rooms []string) error {
	return s.leaveTeam(ctx, user, team, user, rooms)
}

func (s *core) leaveTeam(ctx context.Context, by *model.User, team *model.Team, u *model.User, rooms []string) error {
	now := s.nowTime()
	err := s.store.Update(ctx, func(tx store.Tx) error {
		tm, err := tx.TeamMember(ctx, team.ID, u.ID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		sub, err := subscriptionOf(ctx, tx, team.RoomID, u.ID)
		if err != nil {
			return err
		}
		if tm == nil && sub == nil {
			return model.Bare(model.KindNotFound, "member-does-not-exist")
		}
		if tm != nil {
			if tm.HasRole(RoleOwner) {
				_, owners, err := tx.TeamMembers(ctx, team.ID, store.TeamMemberQuery{Role: RoleOwner}, model.Page{Count: 1})
				if err != nil {
					return err
				}
				if owners == 1 {
					return model.Bare(model.KindInvalid, "last-owner-can-not-be-removed")
				}
			}
			if err := tx.DeleteTeamMember(ctx, team.ID, u.ID); err != nil {
				return err
			}
		}
		if err := s.removeUserFromRoomTx(ctx, tx, team.RoomID, u, by, now); err != nil {
			return err
		}
		if len(rooms) == 0 {
			return nil
		}
		teamRooms, _, err := tx.ListRooms(ctx, store.RoomQuery{TeamID: team.ID, IDs: rooms}, model.Page{NoTotal: true})
		if err != nil {
			return err
		}
		for _, r := range teamRooms {
			if err := s.removeUserFromRoomTx(ctx, tx, r.ID, u, by, now); err != nil {
				return err
			}
		}
		return nil
	})
	return internal("leave team", err)
}

// removeUserFromRoomTx is Rocket.Chat's removeUserFromRoom inside tx: a
// member leaves the room with an "ul" notice (or "ru" by someone else);
// a user who is not a member changes nothing. The last owner check is
// the callers'.
func (s *core) removeUserFromRoomTx(ctx context.Context, tx store.Tx, roomID string, u, by *model.User, now model.Time) error {
	room, err := tx.RoomByID(ctx, roomID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	sub, err := subscriptionOf(ctx, tx, roomID, u.ID)
	if err != nil || sub == nil {
		return err
	}
	if by.ID == u.ID {
		if err := s.systemNotice(ctx, tx, room, "ul", u.Username, u, now, nil); err != nil {
			return err
		}
	}
	if err := removeMemberTx(ctx, tx, sub); err != nil {
		return err
	}
	if room.UsersCount > 0 {
		room.UsersCount--
	}
	if by.ID != u.ID {
		if err := s.systemNotice(ctx, tx, room, "ru", u.Username, by, now, nil); err != nil {
			return err
		}
	}
	if err := teamMemberLeftTx(ctx, tx, room, u.ID); err != nil {
		return err
	}
	return saveRoom(ctx, tx, room, now)
}

// AddTeamRooms moves rooms into a team (teams.addRooms): the caller needs
// move-room-to-team in the main room (else error-no-permission-team-channel);
// every room must exist and be visible to the caller (invalid-room), belong
// to no team (room-already-on-team) and be owned by the caller
// (error-no-owner-channel), or nothing changes. A channel moved in is
// announced in the main room (user-added-room-to-team).
func (s *Teams) AddTeamRooms(ctx context.Context, actor *model.User, team *model.Team, roomIDs []string) ([]*model.Room, error) {
	if !s.canInRoom(ctx, actor, team.RoomID, perm.MoveRoomToTeam) {
		return nil, model.Bare(model.KindForbidden, "error-no-permission-team-channel")
	}
	var ids []string
	for _, id := range roomIDs {
		if id != "" && !contains(ids, id) {
			ids = append(ids, id)
		}
	}
	rooms, err := s.store.RoomsByIDs(ctx, ids)
	if err != nil {
		return nil, internal("add team rooms", err)
	}
	if len(rooms) < len(ids) {
		return nil, model.Bare(model.KindInvalid, "invalid-room")
	}
	for _, r := range rooms {
		if s.canAccessRoom(ctx, actor, r) != nil {
			return nil, model.Bare(model.KindInvalid, "invalid-room")
		}
	}
	for _, r := range rooms {
		if r.TeamID != "" {
			return nil, model.Bare(model.KindConflict, "room-already-on-team")
		}
		sub, err := subscriptionOf(ctx, s.store, r.ID, actor.ID)
		if err != nil {
			return nil, internal("add team rooms", err)
		}
		if sub == nil || !sub.HasRole(RoleOwner) {
			return nil, model.Bare(model.KindInvalid, "error-no-owner-channel")
		}
	}
	now := s.nowTime()
	var out []*model.Room
	err = s.store.Update(ctx, func(tx store.Tx) error {
		main, err := tx.RoomByID(ctx, team.RoomID)
		if err != nil {
			return err
		}
		out = out[:0]
		for _, id := range ids {
			r, err := loadRoomTx(ctx, tx, id)
			if err != nil {
				return err
			}
			if r.TeamID != "" {
				return model.Bare(model.KindConflict, "room-already-on-team")
			}
			if r.Type == model.RoomChannel {
				if err := s.systemNotice(ctx, tx, main, "user-added-room-to-team", r.Name, actor, now, nil); err != nil {
					return err
				}
			}
			r.TeamID = team.ID
			if err := saveRoom(ctx, tx, r, now); err != nil {
				return err
			}
			out = append(out, r)
		}
		return saveRoom(ctx, tx, main, now)
	})
	if err != nil {
		return nil, internal("add team rooms", err)
	}
	return out, nil
}

// RemoveTeamRoom takes a room out of a team (teams.removeRoom): the caller
// needs remove-team-channel in the main room; without
// view-all-team-channels they must be able to see the room. The room must
// be one of the team's (room-not-on-that-team; the main room cannot be
// taken out). A channel taken out is announced in the main room
// (user-removed-room-from-team).
func (s *Teams) RemoveTeamRoom(ctx context.Context, actor *model.User, team *model.Team, roomID string) (*model.Room, error) {
	if !s.canInRoom(ctx, actor, team.RoomID, perm.RemoveTeamChannel) {
		return nil, model.ErrUnauthorized
	}
	canAny := s.canInRoom(ctx, actor, team.RoomID, perm.ViewAllTeamChannels)
	room, err := s.store.RoomByID(ctx, roomID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, model.Bare(model.KindInvalid, "invalid-room")
	}
	if err != nil {
		return nil, internal("remove team room", err)
	}
	if !canAny && s.canAccessRoom(ctx, actor, room) != nil {
		return nil, model.Bare(model.KindInvalid, "invalid-room")
	}
	if room.TeamID != team.ID || room.TeamMain {
		return nil, model.Bare(model.KindInvalid, "room-not-on-that-team")
	}
	now := s.nowTime()
	err = s.store.Update(ctx, func(tx store.Tx) error {
		r, err := loadRoomTx(ctx, tx, roomID)
		if err != nil {
			return err
		}
		if r.TeamID != team.ID || r.TeamMain {
			return model.Bare(model.KindInvalid, "room-not-on-that-team")
		}
		r.TeamID, r.TeamDefault = "", false
		if err := saveRoom(ctx, tx, r, now); err != nil {
			return err
		}
		room = r
		if r.Type != model.RoomChannel {
			return nil
		}
		main, err := tx.RoomByID(ctx, team.RoomID)
		if err != nil {
			return err
		}
		if err := s.systemNotice(ctx, tx, main, "user-removed-room-from-team", r.Name, actor, now, nil); err != nil {
			return err
		}
		return saveRoom(ctx, tx, main, now)
	})
	if err != nil {
		return nil, internal("remove team room", err)
	}
	return room, nil
}

// UpdateTeamRoom marks a team's room as joined by every member, or not
// (teams.updateRoom): the room must be on a team (room-not-on-team); the
// caller needs edit-team-channel in the team's main room and, without
// view-all-team-channels, must see the room. Making a room default adds
// every team member (up to API_User_Limit) to it, with "au" notices.
func (s *Teams) UpdateTeamRoom(ctx context.Context, actor *model.User, roomID string, isDefault bool) (*model.Room, error) {
	room, err := s.store.RoomByID(ctx, roomID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, model.Bare(model.KindInvalid, "invalid-room")
	}
	if err != nil {
		return nil, internal("update team room", err)
	}
	if room.TeamID == "" {
		return nil, model.Bare(model.KindInvalid, "room-not-on-team")
	}
	team, err := s.findTeam(ctx, TeamRef{ID: room.TeamID})
	if err != nil {
		return nil, err
	}
	if !s.canInRoom(ctx, actor, team.RoomID, perm.EditTeamChannel) {
		return nil, model.ErrUnauthorized
	}
	if !s.canInRoom(ctx, actor, team.RoomID, perm.ViewAllTeamChannels) && s.canAccessRoom(ctx, actor, room) != nil {
		return nil, model.Bare(model.KindInvalid, "invalid-room")
	}
	now := s.nowTime()
	err = s.store.Update(ctx, func(tx store.Tx) error {
		r, err := loadRoomTx(ctx, tx, roomID)
		if err != nil {
			return err
		}
		r.TeamDefault = isDefault
		if err := saveRoom(ctx, tx, r, now); err != nil {
			return err
		}
		room = r
		if !isDefault {
			return nil
		}
		yes := true
		limit := s.settings.Int(setting.APIUserLimit)
		ms, _, err := tx.TeamMembers(ctx, team.ID, store.TeamMemberQuery{Active: &yes}, model.Page{Count: max(limit, 0), NoTotal: true})
		if err != nil {
			return err
		}
		ids := make([]string, 0, len(ms))
		for _, m := range ms {
			if r.Creator == nil || m.UserID != r.Creator.ID {
				ids = append(ids, m.UserID)
			}
		}
		users, err := tx.UsersByIDs(ctx, ids)
		if err != nil {
			return err
		}
		for _, u := range users {
			if _, err := s.addUserToRoomTx(ctx, tx, r, u, actor, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, internal("update team room", err)
	}
	return room, nil
}

// TeamRoomsFilter narrows teams.listRooms.
type TeamRoomsFilter struct {
	Name        string
	DefaultOnly bool // type=autoJoin
}

// checkTeamVisible refuses a private team to a caller who is not a member
// and lacks view-all-teams (user-not-on-private-team).
func (s *core) checkTeamVisible(ctx context.Context, user *model.User, team *model.Team) error {
	if team.Type != model.TeamPrivate || s.canInRoom(ctx, user, team.RoomID, perm.ViewAllTeams) {
		return nil
	}
	if _, err := s.store.TeamMember(ctx, team.ID, user.ID); errors.Is(err, store.ErrNotFound) {
		return model.Bare(model.KindInvalid, "user-not-on-private-team")
	} else if err != nil {
		return internal("team rooms", err)
	}
	return nil
}

// TeamRooms pages a team's rooms besides the main one (teams.listRooms):
// with view-all-team-channels every room, otherwise the public ones and
// those the caller is in.
func (s *Teams) TeamRooms(ctx context.Context, user *model.User, team *model.Team, f TeamRoomsFilter, p model.Page) ([]*model.Room, int, error) {
	if err := s.checkTeamVisible(ctx, user, team); err != nil {
		return nil, 0, err
	}
	no := false
	q := store.RoomQuery{TeamID: team.ID, TeamMain: &no, Text: strings.TrimSpace(f.Name)}
	if f.DefaultOnly {
		yes := true
		q.TeamDefault = &yes
	}
	if !s.canInRoom(ctx, user, team.RoomID, perm.ViewAllTeamChannels) {
		q.MemberID, q.AlsoTypes = user.ID, []string{model.RoomChannel}
	}
	rooms, total, err := s.store.ListRooms(ctx, q, p)
	if err != nil {
		return nil, 0, internal("team rooms", err)
	}
	return rooms, total, nil
}

// TeamRoomOfUser is a room of teams.listRoomsOfUser: whether the user is
// its last owner comes with it.
type TeamRoomOfUser struct {
	*model.Room
	IsLastOwner bool
}

// TeamRoomsOfUser pages the team's channels and groups (the main room
// included) that a user is in (teams.listRoomsOfUser): the caller asks
// about themselves or holds view-all-team-channels in the main room. With
// canUserDelete, only the rooms the user may delete (delete-team-channel /
// delete-team-group in the main room and delete-c / delete-p in the room).
func (s *Teams) TeamRoomsOfUser(ctx context.Context, actor *model.User, team *model.Team, userID string, canUserDelete bool, p model.Page) ([]TeamRoomOfUser, int, error) {
	if actor.ID != userID && !s.canInRoom(ctx, actor, team.RoomID, perm.ViewAllTeamChannels) {
		return nil, 0, model.ErrUnauthorized
	}
	if err := s.checkTeamVisible(ctx, actor, team); err != nil {
		return nil, 0, err
	}
	q := store.RoomQuery{TeamID: team.ID, Types: []string{model.RoomChannel, model.RoomPrivate}, MemberID: userID}
	if canUserDelete {
		u, err := s.store.UserByID(ctx, userID)
		if errors.Is(err, store.ErrNotFound) {
			return nil, 0, nil
		}
		if err != nil {
			return nil, 0, internal("team rooms of user", err)
		}
		all, _, err := s.store.ListRooms(ctx, q, model.Page{NoTotal: true})
		if err != nil {
			return nil, 0, internal("team rooms of user", err)
		}
		canChannel := s.canInRoom(ctx, u, team.RoomID, perm.DeleteTeamChannel)
		canGroup := s.canInRoom(ctx, u, team.RoomID, perm.DeleteTeamGroup)
		q.IDs = []string{}
		for _, r := range all {
			ok := canChannel && r.Type == model.RoomChannel && s.canInRoom(ctx, u, r.ID, perm.DeleteC) ||
				canGroup && r.Type == model.RoomPrivate && s.canInRoom(ctx, u, r.ID, perm.DeleteP)
			if ok {
				q.IDs = append(q.IDs, r.ID)
			}
		}
		if len(q.IDs) == 0 {
			return nil, 0, nil
		}
	}
	rooms, total, err := s.store.ListRooms(ctx, q, p)
	if err != nil {
		return nil, 0, internal("team rooms of user", err)
	}
	out := make([]TeamRoomOfUser, 0, len(rooms))
	for _, r := range rooms {
		sub, err := subscriptionOf(ctx, s.store, r.ID, userID)
		if err != nil {
			return nil, 0, internal("team rooms of user", err)
		}
		last := false
		if sub != nil {
			if last, err = isLastOwner(ctx, s.store, sub); err != nil {
				return nil, 0, internal("team rooms of user", err)
			}
		}
		out = append(out, TeamRoomOfUser{Room: r, IsLastOwner: last})
	}
	return out, total, nil
}

// DeleteTeam deletes a team (teams.delete): the caller needs delete-team
// in the main room, and may delete the main room and the listed rooms of
// the team (delete-c / delete-p, as eraseRoom), or nothing changes. The
// listed rooms are erased, the team's other rooms leave it, then the main
// room, the memberships and the team go.
func (s *Teams) DeleteTeam(ctx context.Context, actor *model.User, team *model.Team, roomsToRemove []string) error {
	if !s.canInRoom(ctx, actor, team.RoomID, perm.DeleteTeam) {
		return model.ErrUnauthorized
	}
	return s.dropTeam(ctx, actor, team, roomsToRemove, true)
}

// ConvertTeamToChannel turns a team back into a plain room
// (teams.convertToChannel): the caller needs convert-team in the main
// room; the listed rooms of the team are erased (delete-c / delete-p
// needed), the other rooms leave the team with a
// "user-converted-to-channel" notice in the main room, which stays as a
// plain room.
func (s *Teams) ConvertTeamToChannel(ctx context.Context, actor *model.User, team *model.Team, roomsToRemove []string) error {
	if !s.canInRoom(ctx, actor, team.RoomID, perm.ConvertTeam) {
		return model.ErrUnauthorized
	}
	return s.dropTeam(ctx, actor, team, roomsToRemove, false)
}

func (s *core) dropTeam(ctx context.Context, actor *model.User, team *model.Team, roomsToRemove []string, eraseMain bool) error {
	var erase []*model.Room
	if len(roomsToRemove) > 0 {
		no := false
		rooms, _, err := s.store.ListRooms(ctx, store.RoomQuery{TeamID: team.ID, TeamMain: &no, IDs: roomsToRemove}, model.Page{NoTotal: true})
		if err != nil {
			return internal("delete team", err)
		}
		erase = rooms
	}
	main, err := s.store.RoomByID(ctx, team.RoomID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return internal("delete team", err)
	}
	checks := erase
	if eraseMain && main != nil {
		checks = append(checks[:len(checks):len(checks)], main)
	}
	for _, r := range checks {
		need := perm.DeleteC
		if r.Type == model.RoomPrivate {
			need = perm.DeleteP
		}
		if !s.canInRoom(ctx, actor, r.ID, need) {
			return model.Forbidden("error-not-allowed", "Not allowed").InMethod()
		}
	}
	now := s.nowTime()
	err = s.store.Update(ctx, func(tx store.Tx) error {
		for _, r := range erase {
			cur, err := tx.RoomByID(ctx, r.ID)
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			if err := eraseRoomTx(ctx, tx, cur, now); err != nil {
				return err
			}
		}
		if err := unsetTeamOfRoomsTx(ctx, tx, team.ID, now); err != nil {
			return err
		}
		m, err := tx.RoomByID(ctx, team.RoomID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if m != nil {
			if eraseMain {
				if err := eraseRoomTx(ctx, tx, m, now); err != nil {
					return err
				}
			} else {
				if err := s.systemNotice(ctx, tx, m, "user-converted-to-channel", m.Name, actor, now, nil); err != nil {
					return err
				}
				m.TeamID, m.TeamMain, m.TeamDefault = "", false, false
				if err := saveRoom(ctx, tx, m, now); err != nil {
					return err
				}
			}
		}
		if err := tx.DeleteTeam(ctx, team.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		return nil
	})
	return internal("delete team", err)
}
