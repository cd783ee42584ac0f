package storetest

import (
	"liftoff/model"
	"liftoff/store"
)

func testRooms(h *harness) {
	general := newRoom("r-general", model.RoomChannel, "general")
	general.Topic = "talk"
	general.JoinCode = "secret"
	general.CustomFields = map[string]any{"k": "v"}
	general.Muted = []string{"bob"}
	general.LastMessage = newMessage("m0", "r-general", newUser("alice"), 1, "last")
	private := newRoom("r-private", model.RoomPrivate, "staff")
	dm := newRoom("r-dm", model.RoomDirect, "")
	dm.Usernames, dm.UserIDs = []string{"alice", "bob"}, []string{"u-alice", "u-bob"}
	h.insertRooms(general, private, dm)

	got, err := h.s.RoomByID(h.ctx, general.ID)
	h.noErr(err, "RoomByID")
	h.sameJSON(got, general, "RoomByID")
	if got.JoinCode != "secret" {
		h.Fatalf("join code = %q", got.JoinCode)
	}
	got, err = h.s.RoomByName(h.ctx, "staff")
	h.noErr(err, "RoomByName group")
	h.sameJSON(got, private, "RoomByName")
	_, err = h.s.RoomByName(h.ctx, "GENERAL")
	h.mustErr(err, store.ErrNotFound, "RoomByName is exact")
	got, err = h.s.RoomByNameFold(h.ctx, "GENERAL")
	h.noErr(err, "RoomByNameFold")
	if got.ID != general.ID {
		h.Fatalf("RoomByNameFold found %s", got.ID)
	}
	_, err = h.s.RoomByNameFold(h.ctx, "genera")
	h.mustErr(err, store.ErrNotFound, "RoomByNameFold matches whole names")
	_, err = h.s.RoomByID(h.ctx, "nope")
	h.mustErr(err, store.ErrNotFound, "RoomByID missing")

	// A direct room named like a channel is not found by name and does not
	// conflict with it.
	dm2 := newRoom("r-dm2", model.RoomDirect, "general")
	h.insertRooms(dm2)
	got, err = h.s.RoomByName(h.ctx, "general")
	h.noErr(err, "RoomByName")
	if got.ID != general.ID {
		h.Fatalf("RoomByName found %s", got.ID)
	}
	rs, err := h.s.RoomsByIDs(h.ctx, []string{dm.ID, "nope", general.ID})
	h.noErr(err, "RoomsByIDs")
	h.sameSet(roomIDs(rs), []string{dm.ID, general.ID}, "RoomsByIDs")

	for what, r := range map[string]*model.Room{
		"id":                 newRoom(general.ID, model.RoomChannel, "other"),
		"channel name":       newRoom("r-x", model.RoomChannel, "general"),
		"channel/group name": newRoom("r-y", model.RoomPrivate, "general"),
		"group/channel name": newRoom("r-z", model.RoomChannel, "staff"),
	} {
		err := h.s.Update(h.ctx, func(tx store.Tx) error { return tx.InsertRoom(h.ctx, r) })
		h.mustErr(err, store.ErrConflict, "InsertRoom duplicate "+what)
	}

	upd := *general
	upd.Name, upd.DisplayName, upd.MessageCount, upd.LastMessageAt, upd.UpdatedAt, upd.JoinCode = "lobby", "Lobby", 3, at(9), at(9), ""
	h.update(func(tx store.Tx) error { return tx.UpdateRoom(h.ctx, &upd) })
	got, err = h.s.RoomByName(h.ctx, "lobby")
	h.noErr(err, "RoomByName after rename")
	h.sameJSON(got, &upd, "updated room")
	if got.JoinCode != "" {
		h.Fatalf("join code after update = %q", got.JoinCode)
	}
	_, err = h.s.RoomByName(h.ctx, "general")
	h.mustErr(err, store.ErrNotFound, "old room name")
	h.insertRooms(newRoom("r-new", model.RoomChannel, "general")) // the old name is free
	clash := upd
	clash.Name = "staff"
	err = h.s.Update(h.ctx, func(tx store.Tx) error { return tx.UpdateRoom(h.ctx, &clash) })
	h.mustErr(err, store.ErrConflict, "UpdateRoom onto taken name")
	err = h.s.Update(h.ctx, func(tx store.Tx) error { return tx.UpdateRoom(h.ctx, newRoom("nope", "c", "nope")) })
	h.mustErr(err, store.ErrNotFound, "UpdateRoom missing")
}

func testListRooms(h *harness) {
	mk := func(id, t, name string, sec, users, msgs int) *model.Room {
		r := newRoom(id, t, name)
		r.DisplayName = "F " + name
		r.CreatedAt, r.UpdatedAt, r.LastMessageAt = at(sec), at(100-sec), at(sec*2)
		r.UsersCount, r.MessageCount = users, msgs
		return r
	}
	a := mk("ra", "c", "alpha", 1, 10, 5)
	b := mk("rb", "p", "bravo", 2, 30, 1)
	c := mk("rc", "c", "charlie", 3, 20, 9)
	d := mk("rd", "d", "delta", 4, 2, 7)
	a.Default = true
	c.Archived = true
	c.DisplayName = "Ünïcode Charlie"
	h.insertRooms(a, b, c, d)

	list := func(q store.RoomQuery, p store.Page) ([]string, int) {
		h.Helper()
		rs, total, err := h.s.ListRooms(h.ctx, q, p)
		h.noErr(err, "ListRooms")
		return roomIDs(rs), total
	}
	got, total := list(store.RoomQuery{}, store.Page{})
	h.sameIDs(got, []string{"ra", "rb", "rc", "rd"}, "default sort name")
	if total != 4 {
		h.Fatalf("total = %d", total)
	}
	for field, want := range map[string][]string{
		"ts":         {"rd", "rc", "rb", "ra"},
		"_updatedAt": {"ra", "rb", "rc", "rd"},
		"usersCount": {"rb", "rc", "ra", "rd"},
		"msgs":       {"rc", "rd", "ra", "rb"},
		"lm":         {"rd", "rc", "rb", "ra"},
		"name":       {"rd", "rc", "rb", "ra"},
	} {
		got, _ := list(store.RoomQuery{}, store.Page{Sort: []store.SortKey{{Field: field, Desc: true}}})
		h.sameIDs(got, want, "sort by "+field+" desc")
	}
	got, total = list(store.RoomQuery{}, store.Page{Offset: 1, Count: 2, Sort: []store.SortKey{{Field: "ts"}}})
	h.sameIDs(got, []string{"rb", "rc"}, "page")
	if total != 4 {
		h.Fatalf("page total = %d", total)
	}
	got, total = list(store.RoomQuery{Types: []string{"c", "p"}}, store.Page{Count: 1})
	h.sameIDs(got, []string{"ra"}, "types, first page")
	if total != 3 {
		h.Fatalf("types total = %d", total)
	}
	got, _ = list(store.RoomQuery{IDs: []string{"rd", "rb", "zz"}}, store.Page{})
	h.sameIDs(got, []string{"rb", "rd"}, "ids")
	got, _ = list(store.RoomQuery{Text: "RAV"}, store.Page{})
	h.sameIDs(got, []string{"rb"}, "text in name")
	got, _ = list(store.RoomQuery{Text: "f del"}, store.Page{})
	h.sameIDs(got, []string{"rd"}, "text in fname")
	got, _ = list(store.RoomQuery{Text: "ÜNÏ"}, store.Page{})
	h.sameIDs(got, []string{"rc"}, "text folds non-ASCII")
	got, _ = list(store.RoomQuery{UpdatedSince: at(97)}, store.Page{})
	h.sameIDs(got, []string{"ra", "rb"}, "updated strictly after")
	got, _ = list(store.RoomQuery{Default: ptr(true)}, store.Page{})
	h.sameIDs(got, []string{"ra"}, "default")
	got, _ = list(store.RoomQuery{Archived: ptr(false), Types: []string{"c"}}, store.Page{})
	h.sameIDs(got, []string{"ra"}, "not archived channels")

	_, _, err := h.s.ListRooms(h.ctx, store.RoomQuery{}, store.Page{Sort: []store.SortKey{{Field: "topic"}}})
	if err == nil {
		h.Fatal("ListRooms accepted an unsupported sort field")
	}
}

// testListRoomsDirectoryFilters covers the filters of the directory and
// spotlight searches: ExcludeIDs, NoDiscussions and HiddenTeamIDs (with and
// without MemberID).
func testListRoomsDirectoryFilters(h *harness) {
	alice := newUser("alice")
	h.insertUsers(alice)
	plain := newRoom("plain", "c", "plain")
	disc := newRoom("disc", "p", "disc")
	disc.ParentRoomID = "plain"
	open := newRoom("open", "c", "open")
	open.TeamID = "t-open"
	secret := newRoom("secret", "c", "secret")
	secret.TeamID = "t-secret"
	joined := newRoom("joined", "c", "joined")
	joined.TeamID = "t-secret"
	h.insertRooms(plain, disc, open, secret, joined)
	h.insertSubs(newSub(joined, alice))

	list := func(q store.RoomQuery) []string {
		h.Helper()
		rs, total, err := h.s.ListRooms(h.ctx, q, store.Page{})
		h.noErr(err, "ListRooms")
		if total != len(rs) {
			h.Fatalf("total %d for %d rooms", total, len(rs))
		}
		return roomIDs(rs)
	}
	h.sameIDs(list(store.RoomQuery{ExcludeIDs: []string{"plain", "open"}}), []string{"disc", "joined", "secret"}, "exclude ids")
	h.sameIDs(list(store.RoomQuery{NoDiscussions: true}), []string{"joined", "open", "plain", "secret"}, "no discussions")
	h.sameIDs(list(store.RoomQuery{HiddenTeamIDs: []string{"t-secret"}}), []string{"disc", "open", "plain"}, "hidden teams")
	h.sameIDs(list(store.RoomQuery{HiddenTeamIDs: []string{"t-secret"}, MemberID: alice.ID, AlsoTypes: []string{"c"}}),
		[]string{"joined", "open", "plain"}, "hidden teams but the member's rooms")

	bob, carol := newUser("bob"), newUser("carol")
	bob.Status, carol.Status = model.StatusAway, model.StatusOffline
	h.insertUsers(bob, carol)
	us, total, err := h.s.ListUsers(h.ctx, store.UserQuery{Statuses: []string{model.StatusOnline, model.StatusAway}}, store.Page{})
	h.noErr(err, "ListUsers by status")
	if total != 1 || len(us) != 1 || us[0].ID != bob.ID {
		h.Fatalf("users by status: %d, %v", total, us)
	}
}

func testDeleteRoom(h *harness) {
	alice, bob := newUser("alice"), newUser("bob")
	h.insertUsers(alice, bob)
	r1, r2 := newRoom("r1", "c", "one"), newRoom("r2", "c", "two")
	h.insertRooms(r1, r2)
	s1a, s1b, s2a := newSub(r1, alice), newSub(r1, bob), newSub(r2, alice)
	h.insertSubs(s1a, s1b, s2a)
	h.insertMessages(newMessage("m1", "r1", alice, 1, "bye"), newMessage("m2", "r2", alice, 2, "stay"))

	h.update(func(tx store.Tx) error { return tx.DeleteRoom(h.ctx, "r1") })
	_, err := h.s.RoomByID(h.ctx, "r1")
	h.mustErr(err, store.ErrNotFound, "deleted room")
	_, err = h.s.MessageByID(h.ctx, "m1")
	h.mustErr(err, store.ErrNotFound, "deleted room's message")
	_, err = h.s.MessageByID(h.ctx, "m2")
	h.noErr(err, "other room's message")
	members, err := h.s.MemberIDs(h.ctx, "r1")
	h.noErr(err, "MemberIDs")
	if len(members) != 0 {
		h.Fatalf("deleted room has members %v", members)
	}
	subs, err := h.s.SubscriptionsOfUser(h.ctx, alice.ID, store.SubscriptionQuery{})
	h.noErr(err, "SubscriptionsOfUser")
	h.sameIDs(subIDs(subs), []string{s2a.ID}, "remaining subscriptions")
	ms, _, err := h.s.SearchMessages(h.ctx, "r1", "bye", store.Page{})
	h.noErr(err, "SearchMessages")
	if len(ms) != 0 {
		h.Fatal("deleted room's message still found by search")
	}

	ts, total, err := h.s.Deleted(h.ctx, store.DeletedQuery{Kind: store.KindRoom}, store.Page{})
	h.noErr(err, "Deleted rooms")
	if total != 1 || len(ts) != 1 || ts[0].ID != "r1" || ts[0].Kind != store.KindRoom || ts[0].DeletedAt.IsZero() {
		h.Fatalf("room tombstones = %+v (total %d)", ts, total)
	}
	for _, u := range []*model.User{alice, bob} {
		ts, _, err := h.s.Deleted(h.ctx, store.DeletedQuery{Kind: store.KindSubscription, UserID: u.ID}, store.Page{})
		h.noErr(err, "Deleted subscriptions")
		if len(ts) != 1 || ts[0].RoomID != "r1" || ts[0].UserID != u.ID || ts[0].Kind != store.KindSubscription {
			h.Fatalf("subscription tombstones of %s = %+v", u.ID, ts)
		}
	}
	err = h.s.Update(h.ctx, func(tx store.Tx) error { return tx.DeleteRoom(h.ctx, "r1") })
	h.mustErr(err, store.ErrNotFound, "DeleteRoom missing")
}
