package storetest

import (
	"liftoff/model"
	"liftoff/store"
)

// testTeams checks the team records, their memberships (with the filters
// teams.members needs), the rooms' team columns, and that deleting a team
// or a user takes the memberships with it.
func testTeams(h *harness) {
	alice, bob, carol := newUser("alice"), newUser("bob"), newUser("carol")
	carol.Status, carol.Name = model.StatusOnline, "Carol Zed"
	bob.Active = false
	h.insertUsers(alice, bob, carol)

	mkTeam := func(id, name string, typ, sec int) *model.Team {
		return &model.Team{ID: id, Name: name, Type: typ, RoomID: "main-" + id,
			CreatedBy: model.UserRef{ID: alice.ID, Username: alice.Username}, CreatedAt: at(sec), UpdatedAt: at(sec)}
	}
	red, blue := mkTeam("t-red", "red", model.TeamPublic, 1), mkTeam("t-blue", "blue", model.TeamPrivate, 2)
	h.update(func(tx store.Tx) error {
		if err := tx.InsertTeam(h.ctx, red); err != nil {
			return err
		}
		return tx.InsertTeam(h.ctx, blue)
	})
	err := h.s.Update(h.ctx, func(tx store.Tx) error { return tx.InsertTeam(h.ctx, mkTeam("t-other", "red", 0, 3)) })
	h.mustErr(err, store.ErrConflict, "duplicate team name")

	got, err := h.s.TeamByID(h.ctx, "t-red")
	h.noErr(err, "TeamByID")
	h.sameJSON(got, red, "team by id")
	got, err = h.s.TeamByName(h.ctx, "blue")
	h.noErr(err, "TeamByName")
	h.sameJSON(got, blue, "team by name")
	_, err = h.s.TeamByName(h.ctx, "Blue")
	h.mustErr(err, store.ErrNotFound, "team names are exact")
	_, err = h.s.TeamByID(h.ctx, "nope")
	h.mustErr(err, store.ErrNotFound, "missing team")

	red.Name, red.UpdatedAt = "crimson", at(9)
	h.update(func(tx store.Tx) error { return tx.UpdateTeam(h.ctx, red) })
	got, err = h.s.TeamByName(h.ctx, "crimson")
	h.noErr(err, "renamed team")
	h.sameJSON(got, red, "renamed team")
	err = h.s.Update(h.ctx, func(tx store.Tx) error { return tx.UpdateTeam(h.ctx, mkTeam("nope", "x", 0, 0)) })
	h.mustErr(err, store.ErrNotFound, "update missing team")

	member := func(team *model.Team, u *model.User, sec int, roles ...string) *model.TeamMember {
		return &model.TeamMember{TeamID: team.ID, UserID: u.ID, Roles: roles,
			CreatedBy: model.UserRef{ID: alice.ID, Username: alice.Username}, CreatedAt: at(sec), UpdatedAt: at(sec)}
	}
	h.update(func(tx store.Tx) error {
		for _, m := range []*model.TeamMember{
			member(red, alice, 1, "owner"), member(red, bob, 2), member(red, carol, 3, "moderator"),
			member(blue, carol, 4),
		} {
			if err := tx.UpsertTeamMember(h.ctx, m); err != nil {
				return err
			}
		}
		return nil
	})
	m, err := h.s.TeamMember(h.ctx, red.ID, alice.ID)
	h.noErr(err, "TeamMember")
	h.sameJSON(m, member(red, alice, 1, "owner"), "team member")
	_, err = h.s.TeamMember(h.ctx, blue.ID, alice.ID)
	h.mustErr(err, store.ErrNotFound, "not a member")

	// Upsert replaces the roles.
	h.update(func(tx store.Tx) error { return tx.UpsertTeamMember(h.ctx, member(red, bob, 2, "owner")) })
	m, err = h.s.TeamMember(h.ctx, red.ID, bob.ID)
	h.noErr(err, "TeamMember")
	if !m.HasRole("owner") || len(m.Roles) != 1 {
		h.Fatalf("roles after upsert: %v", m.Roles)
	}

	members := func(q store.TeamMemberQuery, p store.Page) ([]string, int) {
		h.Helper()
		ms, total, err := h.s.TeamMembers(h.ctx, red.ID, q, p)
		h.noErr(err, "TeamMembers")
		return ids(ms, func(m *model.TeamMember) string { return m.UserID }), total
	}
	ids1, total := members(store.TeamMemberQuery{}, store.Page{})
	h.sameIDs(ids1, []string{alice.ID, bob.ID, carol.ID}, "members by creation")
	if total != 3 {
		h.Fatalf("members total = %d", total)
	}
	ids1, total = members(store.TeamMemberQuery{}, store.Page{Offset: 1, Count: 1})
	h.sameIDs(ids1, []string{bob.ID}, "members page")
	if total != 3 {
		h.Fatalf("paged total = %d", total)
	}
	ids1, _ = members(store.TeamMemberQuery{Active: ptr(true)}, store.Page{})
	h.sameIDs(ids1, []string{alice.ID, carol.ID}, "active members")
	ids1, _ = members(store.TeamMemberQuery{Username: "ARO"}, store.Page{})
	h.sameIDs(ids1, []string{carol.ID}, "username filter")
	ids1, _ = members(store.TeamMemberQuery{Name: "zed"}, store.Page{})
	h.sameIDs(ids1, []string{carol.ID}, "name filter")
	ids1, _ = members(store.TeamMemberQuery{Statuses: []string{model.StatusOnline, model.StatusAway}}, store.Page{})
	h.sameIDs(ids1, []string{carol.ID}, "status filter")
	ids1, total = members(store.TeamMemberQuery{Role: "owner"}, store.Page{})
	h.sameIDs(ids1, []string{alice.ID, bob.ID}, "owners")
	if total != 2 {
		h.Fatalf("owners total = %d", total)
	}
	ids1, _ = members(store.TeamMemberQuery{UserIDs: []string{carol.ID, "u-nobody"}}, store.Page{})
	h.sameIDs(ids1, []string{carol.ID}, "user ids filter")
	ids1, _ = members(store.TeamMemberQuery{}, store.Page{Sort: []store.SortKey{{Field: "username", Desc: true}}})
	h.sameIDs(ids1, []string{carol.ID, bob.ID, alice.ID}, "by username desc")

	teams := func(q store.TeamQuery, p store.Page) ([]string, int) {
		h.Helper()
		ts, total, err := h.s.ListTeams(h.ctx, q, p)
		h.noErr(err, "ListTeams")
		return ids(ts, func(t *model.Team) string { return t.ID }), total
	}
	tids, total := teams(store.TeamQuery{}, store.Page{})
	h.sameIDs(tids, []string{red.ID, blue.ID}, "all teams by creation")
	if total != 2 {
		h.Fatalf("teams total = %d", total)
	}
	tids, _ = teams(store.TeamQuery{MemberID: carol.ID}, store.Page{Sort: []store.SortKey{{Field: "name"}}})
	h.sameIDs(tids, []string{blue.ID, red.ID}, "carol's teams by name")
	tids, _ = teams(store.TeamQuery{MemberID: alice.ID}, store.Page{})
	h.sameIDs(tids, []string{red.ID}, "alice's teams")
	tids, _ = teams(store.TeamQuery{Type: ptr(model.TeamPrivate)}, store.Page{})
	h.sameIDs(tids, []string{blue.ID}, "private teams")
	tids, _ = teams(store.TeamQuery{IDs: []string{blue.ID}}, store.Page{})
	h.sameIDs(tids, []string{blue.ID}, "teams by ids")

	// Rooms of a team.
	main := newRoom("main-t-red", "c", "crimson")
	main.TeamID, main.TeamMain = red.ID, true
	r1 := newRoom("r1", "c", "r1")
	r1.TeamID, r1.TeamDefault = red.ID, true
	r2 := newRoom("r2", "p", "r2")
	r2.TeamID = red.ID
	loose := newRoom("loose", "c", "loose")
	h.insertRooms(main, r1, r2, loose)
	rooms := func(q store.RoomQuery) []string {
		h.Helper()
		rs, _, err := h.s.ListRooms(h.ctx, q, store.Page{})
		h.noErr(err, "ListRooms")
		return roomIDs(rs)
	}
	h.sameIDs(rooms(store.RoomQuery{TeamID: red.ID}), []string{"main-t-red", "r1", "r2"}, "rooms of the team")
	h.sameIDs(rooms(store.RoomQuery{TeamID: red.ID, TeamMain: ptr(false)}), []string{"r1", "r2"}, "rooms besides the main one")
	h.sameIDs(rooms(store.RoomQuery{TeamMain: ptr(true)}), []string{"main-t-red"}, "main rooms")
	h.sameIDs(rooms(store.RoomQuery{TeamID: red.ID, TeamDefault: ptr(true)}), []string{"r1"}, "default rooms")
	disc := newRoom("d-main", "p", "d-main")
	disc.ParentRoomID = "main-t-red"
	h.insertRooms(disc)
	h.sameIDs(rooms(store.RoomQuery{TeamID: red.ID, ParentRoomID: "main-t-red", TeamOrParent: true}), []string{"main-t-red", "d-main", "r1", "r2"}, "team rooms or discussions of the main room")
	h.sameIDs(rooms(store.RoomQuery{TeamID: red.ID, ParentRoomID: "main-t-red"}), nil, "team rooms that are discussions of the main room")
	h.sameIDs(rooms(store.RoomQuery{TeamID: red.ID, ParentRoomID: "main-t-red", TeamOrParent: true, Types: []string{"c"}}), []string{"main-t-red", "r1"}, "either, channels only")
	back, err := h.s.RoomByID(h.ctx, "r1")
	h.noErr(err, "RoomByID")
	h.sameJSON(back, r1, "team room read back")
	r1.TeamID, r1.TeamDefault = "", false
	h.update(func(tx store.Tx) error { return tx.UpdateRoom(h.ctx, r1) })
	h.sameIDs(rooms(store.RoomQuery{TeamID: red.ID}), []string{"main-t-red", "r2"}, "after taking r1 out")

	// Deleting a membership, a user, a team.
	h.update(func(tx store.Tx) error { return tx.DeleteTeamMember(h.ctx, red.ID, bob.ID) })
	err = h.s.Update(h.ctx, func(tx store.Tx) error { return tx.DeleteTeamMember(h.ctx, red.ID, bob.ID) })
	h.mustErr(err, store.ErrNotFound, "delete missing membership")
	h.update(func(tx store.Tx) error { return tx.DeleteUser(h.ctx, carol.ID) })
	_, err = h.s.TeamMember(h.ctx, blue.ID, carol.ID)
	h.mustErr(err, store.ErrNotFound, "a deleted user's memberships go")
	ids1, _ = members(store.TeamMemberQuery{}, store.Page{})
	h.sameIDs(ids1, []string{alice.ID}, "members left")
	h.update(func(tx store.Tx) error { return tx.DeleteTeam(h.ctx, red.ID) })
	_, err = h.s.TeamByID(h.ctx, red.ID)
	h.mustErr(err, store.ErrNotFound, "deleted team")
	_, err = h.s.TeamMember(h.ctx, red.ID, alice.ID)
	h.mustErr(err, store.ErrNotFound, "a deleted team's memberships go")
	h.sameIDs(rooms(store.RoomQuery{TeamID: red.ID}), []string{"main-t-red", "r2"}, "rooms stay")
}
