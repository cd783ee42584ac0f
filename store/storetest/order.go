package storetest

import (
	"fmt"
	"slices"

	"liftoff/model"
	"liftoff/store"
)

// testTimeTies checks the ordering contract of every list sorted by a
// time: records with equal times come in insertion order (first inserted
// first when ascending, last inserted first when descending), never in
// the order of their random ids. Many records share a millisecond when a
// client creates them in a burst, and clients page through such lists, so
// the order must be total and stable.
//
// The records are inserted one transaction each, with ids that sort
// against the insertion order (z..., y..., x...), and all share one
// timestamp.
func testTimeTies(h *harness) {
	const n = 5
	// tieID is the id of the i-th inserted record: later records get ids
	// that sort earlier.
	tieID := func(prefix string, i int) string { return fmt.Sprintf("%s-%c", prefix, 'z'-i) }
	inserted := func(prefix string) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = tieID(prefix, i)
		}
		return out
	}
	reversed := func(ids []string) []string {
		out := slices.Clone(ids)
		slices.Reverse(out)
		return out
	}
	asc := func(field string) store.Page { return store.Page{Sort: []store.SortKey{{Field: field}}} }
	desc := func(field string) store.Page { return store.Page{Sort: []store.SortKey{{Field: field, Desc: true}}} }

	// Users: createdAt and _updatedAt.
	var users []*model.User
	for i := range n {
		u := newUser(fmt.Sprintf("tie%c", 'z'-i))
		u.ID = tieID("u", i)
		users = append(users, u)
		h.insertUsers(u)
	}
	wantUsers := inserted("u")
	for _, field := range []string{"createdAt", "_updatedAt"} {
		got, _, err := h.s.ListUsers(h.ctx, store.UserQuery{}, asc(field))
		h.noErr(err, "ListUsers")
		h.sameIDs(userIDs(got), wantUsers, "users by "+field+" ascending")
		got, _, err = h.s.ListUsers(h.ctx, store.UserQuery{}, desc(field))
		h.noErr(err, "ListUsers")
		h.sameIDs(userIDs(got), reversed(wantUsers), "users by "+field+" descending")
	}
	got, _, err := h.s.ListUsers(h.ctx, store.UserQuery{}, store.Page{Sort: []store.SortKey{{Field: "createdAt"}}, Offset: 1, Count: 2})
	h.noErr(err, "ListUsers page")
	h.sameIDs(userIDs(got), wantUsers[1:3], "a page of users by createdAt")

	// Tokens of a user, oldest first.
	for i := range n {
		tok := &model.Token{Hash: tieID("tok", i), UserID: users[0].ID, Kind: model.TokenLogin, CreatedAt: at(1)}
		h.update(func(tx store.Tx) error { return tx.InsertToken(h.ctx, tok) })
	}
	toks, err := h.s.TokensOfUser(h.ctx, users[0].ID, "")
	h.noErr(err, "TokensOfUser")
	h.sameIDs(ids(toks, func(t *model.Token) string { return t.Hash }), inserted("tok"), "tokens of a user")

	// Rooms: ts and _updatedAt.
	var rooms []*model.Room
	for i := range n {
		r := newRoom(tieID("r", i), model.RoomChannel, fmt.Sprintf("tie-%d", i))
		rooms = append(rooms, r)
		h.insertRooms(r)
	}
	wantRooms := inserted("r")
	for _, field := range []string{"ts", "_updatedAt"} {
		got, _, err := h.s.ListRooms(h.ctx, store.RoomQuery{}, asc(field))
		h.noErr(err, "ListRooms")
		h.sameIDs(roomIDs(got), wantRooms, "rooms by "+field+" ascending")
		got, _, err = h.s.ListRooms(h.ctx, store.RoomQuery{}, desc(field))
		h.noErr(err, "ListRooms")
		h.sameIDs(roomIDs(got), reversed(wantRooms), "rooms by "+field+" descending")
	}

	// Subscriptions: a room's members by ts and _updatedAt; a user's
	// subscriptions (least recently updated first).
	var roomSubs, userSubs []string
	for i, u := range users {
		s := newSub(rooms[0], u)
		s.ID = tieID("s", i)
		roomSubs = append(roomSubs, s.ID)
		h.insertSubs(s)
	}
	for i, r := range rooms[1:] {
		s := newSub(r, users[1])
		s.ID = tieID("t", i)
		userSubs = append(userSubs, s.ID)
		h.insertSubs(s)
	}
	for _, field := range []string{"ts", "_updatedAt"} {
		got, _, err := h.s.SubscriptionsOfRoom(h.ctx, rooms[0].ID, store.MemberQuery{}, asc(field))
		h.noErr(err, "SubscriptionsOfRoom")
		h.sameIDs(subIDs(got), roomSubs, "members by "+field+" ascending")
		got, _, err = h.s.SubscriptionsOfRoom(h.ctx, rooms[0].ID, store.MemberQuery{}, desc(field))
		h.noErr(err, "SubscriptionsOfRoom")
		h.sameIDs(subIDs(got), reversed(roomSubs), "members by "+field+" descending")
	}
	subs, err := h.s.SubscriptionsOfUser(h.ctx, users[1].ID, store.SubscriptionQuery{})
	h.noErr(err, "SubscriptionsOfUser")
	h.sameIDs(subIDs(subs), append([]string{roomSubs[1]}, userSubs...), "subscriptions of a user")

	// Messages: ts and _updatedAt.
	for i := range n {
		h.insertMessages(newMessage(tieID("m", i), rooms[0].ID, users[0], 3, "tie"))
	}
	wantMsgs := inserted("m")
	for _, field := range []string{"ts", "_updatedAt"} {
		got, _, err := h.s.ListMessages(h.ctx, store.MessageQuery{RoomID: rooms[0].ID}, asc(field))
		h.noErr(err, "ListMessages")
		h.sameIDs(msgIDs(got), wantMsgs, "messages by "+field+" ascending")
		got, _, err = h.s.ListMessages(h.ctx, store.MessageQuery{RoomID: rooms[0].ID}, desc(field))
		h.noErr(err, "ListMessages")
		h.sameIDs(msgIDs(got), reversed(wantMsgs), "messages by "+field+" descending")
	}
	found, _, err := h.s.SearchMessages(h.ctx, rooms[0].ID, "tie", store.Page{})
	h.noErr(err, "SearchMessages")
	h.sameIDs(msgIDs(found), reversed(wantMsgs), "search results, newest first")

	// Tombstones: deleted in the order of insertion, all at one time.
	for i := range n {
		h.update(func(tx store.Tx) error { return tx.DeleteMessage(h.ctx, tieID("m", i), at(5)) })
	}
	del := func(p store.Page) []string {
		h.Helper()
		ts, _, err := h.s.Deleted(h.ctx, store.DeletedQuery{Kind: store.KindMessage, RoomID: rooms[0].ID}, p)
		h.noErr(err, "Deleted")
		return ids(ts, func(t store.Tombstone) string { return t.ID })
	}
	h.sameIDs(del(store.Page{}), wantMsgs, "tombstones, default order")
	h.sameIDs(del(desc("_deletedAt")), reversed(wantMsgs), "tombstones by _deletedAt descending")

	// Teams by createdAt, and a team's members by createdAt.
	for i := range n {
		tm := &model.Team{ID: tieID("team", i), Name: fmt.Sprintf("team-%d", i), RoomID: rooms[i].ID,
			CreatedBy: users[0].Ref(), CreatedAt: at(6), UpdatedAt: at(6)}
		h.update(func(tx store.Tx) error { return tx.InsertTeam(h.ctx, tm) })
	}
	wantTeams := inserted("team")
	teams, _, err := h.s.ListTeams(h.ctx, store.TeamQuery{}, store.Page{})
	h.noErr(err, "ListTeams")
	h.sameIDs(ids(teams, func(t *model.Team) string { return t.ID }), wantTeams, "teams, default order")
	teams, _, err = h.s.ListTeams(h.ctx, store.TeamQuery{}, desc("createdAt"))
	h.noErr(err, "ListTeams")
	h.sameIDs(ids(teams, func(t *model.Team) string { return t.ID }), reversed(wantTeams), "teams by createdAt descending")

	for _, u := range users {
		m := &model.TeamMember{TeamID: wantTeams[0], UserID: u.ID, CreatedBy: users[0].Ref(), CreatedAt: at(7), UpdatedAt: at(7)}
		h.update(func(tx store.Tx) error { return tx.UpsertTeamMember(h.ctx, m) })
	}
	// Updating a membership keeps its place.
	again := &model.TeamMember{TeamID: wantTeams[0], UserID: users[0].ID, Roles: []string{"owner"}, CreatedBy: users[0].Ref(), CreatedAt: at(7), UpdatedAt: at(8)}
	h.update(func(tx store.Tx) error { return tx.UpsertTeamMember(h.ctx, again) })
	members, _, err := h.s.TeamMembers(h.ctx, wantTeams[0], store.TeamMemberQuery{}, store.Page{})
	h.noErr(err, "TeamMembers")
	memberIDs := ids(members, func(m *model.TeamMember) string { return m.UserID })
	h.sameIDs(memberIDs, wantUsers, "team members, default order")
	members, _, err = h.s.TeamMembers(h.ctx, wantTeams[0], store.TeamMemberQuery{}, desc("createdAt"))
	h.noErr(err, "TeamMembers")
	h.sameIDs(ids(members, func(m *model.TeamMember) string { return m.UserID }), reversed(wantUsers), "team members by createdAt descending")
}
