package storetest

import (
	"liftoff/model"
	"liftoff/store"
)

func testSubscriptions(h *harness) {
	alice, bob := newUser("alice"), newUser("bob")
	h.insertUsers(alice, bob)
	r1, r2, r3 := newRoom("r1", "c", "one"), newRoom("r2", "p", "two"), newRoom("r3", "d", "")
	h.insertRooms(r1, r2, r3)
	s1, s2, s3 := newSub(r1, alice), newSub(r2, alice), newSub(r3, alice)
	s1.Roles = []string{"owner"}
	s1.Favorite, s1.LastSeen, s1.UpdatedAt = true, at(3), at(10)
	s1.DesktopNotifications, s1.UserHighlights, s1.UnreadThreads = "all", []string{"word"}, []string{"t1"}
	s1.DesktopPrefOrigin, s1.MobilePushNotifications, s1.MobilePrefOrigin = "subscription", "nothing", "user"
	s1.EmailNotifications, s1.EmailPrefOrigin, s1.AudioNotificationValue = "mentions", "user", "beep"
	s1.HideMentionStatus, s1.MuteGroupMentions, s1.DisableNotifications, s1.HideUnreadStatus = true, true, true, true
	s1.Ignored = []string{bob.ID, "carol"}
	s2.E2EKey, s2.E2ESuggestedKey = "a1b2c3d4e5f6wrapped", "a1b2c3d4e5f6offered"
	s2.OldRoomKeys = []model.OldRoomKey{{KeyID: "k0", At: at(5), E2EKey: "old"}}
	s2.SuggestedOldRoomKeys = []model.OldRoomKey{{KeyID: "k0", At: at(6), E2EKey: "old2"}}
	s2.UpdatedAt, s2.Open = at(20), false
	s3.UpdatedAt = at(30)
	sb := newSub(r1, bob)
	h.insertSubs(s1, s2, s3, sb)

	got, err := h.s.Subscription(h.ctx, "r1", alice.ID)
	h.noErr(err, "Subscription")
	h.sameJSON(got, s1, "Subscription")
	got, err = h.s.SubscriptionByID(h.ctx, s1.ID)
	h.noErr(err, "SubscriptionByID")
	h.sameJSON(got, s1, "SubscriptionByID")
	got, err = h.s.Subscription(h.ctx, "r2", alice.ID)
	h.noErr(err, "Subscription with E2E keys")
	h.sameJSON(got, s2, "Subscription with E2E keys")
	c := *got
	c.E2EKey, c.E2ESuggestedKey, c.SuggestedOldRoomKeys = "new", "", nil
	c.OldRoomKeys = append(c.OldRoomKeys, model.OldRoomKey{KeyID: "k1", At: at(7), E2EKey: "older"})
	h.noErr(h.s.Update(h.ctx, func(tx store.Tx) error { return tx.UpdateSubscription(h.ctx, &c) }), "UpdateSubscription E2E keys")
	got, err = h.s.Subscription(h.ctx, "r2", alice.ID)
	h.noErr(err, "Subscription after E2E update")
	h.sameJSON(got, &c, "Subscription after E2E update")
	h.noErr(h.s.Update(h.ctx, func(tx store.Tx) error { return tx.UpdateSubscription(h.ctx, s2) }), "UpdateSubscription back")
	_, err = h.s.Subscription(h.ctx, "r2", bob.ID)
	h.mustErr(err, store.ErrNotFound, "Subscription missing")
	_, err = h.s.SubscriptionByID(h.ctx, "nope")
	h.mustErr(err, store.ErrNotFound, "SubscriptionByID missing")

	dupID := newSub(r2, bob)
	dupID.ID = s1.ID
	dupPair := newSub(r1, alice)
	dupPair.ID = "other"
	for what, s := range map[string]*model.Subscription{"id": dupID, "room and user": dupPair} {
		err := h.s.Update(h.ctx, func(tx store.Tx) error { return tx.InsertSubscription(h.ctx, s) })
		h.mustErr(err, store.ErrConflict, "InsertSubscription duplicate "+what)
	}

	of := func(q store.SubscriptionQuery) []string {
		h.Helper()
		ss, err := h.s.SubscriptionsOfUser(h.ctx, alice.ID, q)
		h.noErr(err, "SubscriptionsOfUser")
		return subIDs(ss)
	}
	h.sameSet(of(store.SubscriptionQuery{}), []string{s1.ID, s2.ID, s3.ID}, "all")
	h.sameSet(of(store.SubscriptionQuery{UpdatedSince: at(20)}), []string{s3.ID}, "updated strictly after")
	h.sameSet(of(store.SubscriptionQuery{Types: []string{"c", "d"}}), []string{s1.ID, s3.ID}, "types")
	h.sameSet(of(store.SubscriptionQuery{Open: ptr(false)}), []string{s2.ID}, "closed")
	h.sameSet(of(store.SubscriptionQuery{Open: ptr(true), Types: []string{"p", "d"}}), []string{s3.ID}, "open of types")

	members, err := h.s.MemberIDs(h.ctx, "r1")
	h.noErr(err, "MemberIDs")
	h.sameSet(members, []string{alice.ID, bob.ID}, "MemberIDs")

	upd := *s1
	upd.Unread, upd.Alert, upd.Roles, upd.UnreadThreads, upd.UpdatedAt = 7, true, nil, nil, at(40)
	upd.MuteGroupMentions, upd.DesktopNotifications, upd.DesktopPrefOrigin, upd.AudioNotificationValue = false, "", "", ""
	upd.Ignored = []string{"carol"}
	h.update(func(tx store.Tx) error { return tx.UpdateSubscription(h.ctx, &upd) })
	got, err = h.s.SubscriptionByID(h.ctx, s1.ID)
	h.noErr(err, "SubscriptionByID")
	h.sameJSON(got, &upd, "updated subscription")
	ghost := newSub(r2, bob)
	err = h.s.Update(h.ctx, func(tx store.Tx) error { return tx.UpdateSubscription(h.ctx, ghost) })
	h.mustErr(err, store.ErrNotFound, "UpdateSubscription missing")

	h.update(func(tx store.Tx) error { return tx.DeleteSubscription(h.ctx, sb.ID) })
	_, err = h.s.Subscription(h.ctx, "r1", bob.ID)
	h.mustErr(err, store.ErrNotFound, "deleted subscription")
	ts, _, err := h.s.Deleted(h.ctx, store.DeletedQuery{Kind: store.KindSubscription, UserID: bob.ID}, store.Page{})
	h.noErr(err, "Deleted")
	if len(ts) != 1 || ts[0].ID != sb.ID || ts[0].RoomID != "r1" || ts[0].UserID != bob.ID {
		h.Fatalf("tombstones = %+v", ts)
	}
	err = h.s.Update(h.ctx, func(tx store.Tx) error { return tx.DeleteSubscription(h.ctx, sb.ID) })
	h.mustErr(err, store.ErrNotFound, "DeleteSubscription missing")
	// The pair is free again.
	h.insertSubs(newSub(r1, bob))
}

func testSubscriptionsOfRoom(h *harness) {
	room := newRoom("r1", "c", "one")
	h.insertRooms(room)
	var subs []*model.Subscription
	for i, n := range []string{"dora", "alice", "carl", "bob"} {
		u := newUser(n)
		if n == "carl" {
			u.Name = "Çarl Grün"
		}
		s := newSub(room, u)
		s.JoinedAt, s.UpdatedAt = at(i), at(10-i)
		subs = append(subs, s)
	}
	h.insertSubs(subs...)
	h.insertSubs(newSub(newRoom("r2", "c", "two"), newUser("erin")))

	list := func(q store.MemberQuery, p store.Page) ([]string, int) {
		h.Helper()
		ss, total, err := h.s.SubscriptionsOfRoom(h.ctx, "r1", q, p)
		h.noErr(err, "SubscriptionsOfRoom")
		return ids(ss, func(s *model.Subscription) string { return s.User.Username }), total
	}
	got, total := list(store.MemberQuery{}, store.Page{})
	h.sameIDs(got, []string{"alice", "bob", "carl", "dora"}, "default sort u.username")
	if total != 4 {
		h.Fatalf("total = %d", total)
	}
	got, total = list(store.MemberQuery{}, store.Page{Count: 2, Offset: 1, Sort: []store.SortKey{{Field: "u.username", Desc: true}}})
	h.sameIDs(got, []string{"carl", "bob"}, "page desc")
	if total != 4 {
		h.Fatalf("page total = %d", total)
	}
	got, _ = list(store.MemberQuery{}, store.Page{Sort: []store.SortKey{{Field: "ts"}}})
	h.sameIDs(got, []string{"dora", "alice", "carl", "bob"}, "ts")
	got, _ = list(store.MemberQuery{}, store.Page{Sort: []store.SortKey{{Field: "_updatedAt"}}})
	h.sameIDs(got, []string{"bob", "carl", "alice", "dora"}, "_updatedAt")
	got, total = list(store.MemberQuery{Text: "AL"}, store.Page{})
	h.sameIDs(got, []string{"alice"}, "text in username")
	if total != 1 {
		h.Fatalf("text total = %d", total)
	}
	got, _ = list(store.MemberQuery{Text: "GRÜN"}, store.Page{})
	h.sameIDs(got, []string{"carl"}, "text in name, non-ASCII")
	_, _, err := h.s.SubscriptionsOfRoom(h.ctx, "r1", store.MemberQuery{}, store.Page{Sort: []store.SortKey{{Field: "unread"}}})
	if err == nil {
		h.Fatal("SubscriptionsOfRoom accepted an unsupported sort field")
	}
}

// roomWithMembers makes a room with a subscription for each username.
func (h *harness) roomWithMembers(rid string, names ...string) map[string]*model.Subscription {
	h.Helper()
	room := newRoom(rid, "c", rid)
	h.insertRooms(room)
	subs := map[string]*model.Subscription{}
	var list []*model.Subscription
	for _, n := range names {
		s := newSub(room, newUser(n))
		s.Open = false
		subs[n] = s
		list = append(list, s)
	}
	h.insertSubs(list...)
	return subs
}

// sub reads a member's subscription back.
func (h *harness) sub(rid, username string) *model.Subscription {
	h.Helper()
	s, err := h.s.Subscription(h.ctx, rid, "u-"+username)
	h.noErr(err, "Subscription")
	return s
}

func (h *harness) changeSubs(rid string, c store.SubscriptionChange) []string {
	h.Helper()
	var changed []string
	h.update(func(tx store.Tx) error {
		var err error
		changed, err = tx.UpdateSubscriptionsOfRoom(h.ctx, rid, c)
		return err
	})
	return changed
}

type counters struct {
	open, alert                         bool
	unread, userMentions, groupMentions int
}

func (h *harness) wantCounters(rid, username string, want counters, updatedAt model.Time) {
	h.Helper()
	s := h.sub(rid, username)
	got := counters{s.Open, s.Alert, s.Unread, s.UserMentions, s.GroupMentions}
	if got != want {
		h.Fatalf("%s's counters = %+v, want %+v", username, got, want)
	}
	if !s.UpdatedAt.Equal(updatedAt.Time) {
		h.Fatalf("%s's _updatedAt = %v, want %v", username, s.UpdatedAt, updatedAt)
	}
}

func testUpdateSubscriptionsOfRoom(h *harness) {
	h.roomWithMembers("r1", "author", "bob", "carl", "dora")
	h.roomWithMembers("r2", "bob") // another room stays untouched

	// A plain message: every member but the author opens, alerts, unread+1;
	// the mentioned one also gets userMentions+1 (no extra unread, since
	// IncUnread is not 0).
	changed := h.changeSubs("r1", store.SubscriptionChange{
		Exclude: []string{"u-author"}, At: at(10), Open: true, Alert: true, IncUnread: 1,
		Mentioned: []string{"u-bob"}, IncUnreadOnMention: true,
	})
	h.sameSet(changed, []string{"u-bob", "u-carl", "u-dora"}, "changed users")
	h.wantCounters("r1", "author", counters{}, at(0))
	h.wantCounters("r1", "bob", counters{true, true, 1, 1, 0}, at(10))
	h.wantCounters("r1", "carl", counters{true, true, 1, 0, 0}, at(10))
	h.wantCounters("r2", "bob", counters{}, at(0))

	// Mentions only (IncUnread 0, unread on mention): just the mentioned
	// members change, with unread+1.
	changed = h.changeSubs("r1", store.SubscriptionChange{
		Exclude: []string{"u-author"}, At: at(20), Mentioned: []string{"u-carl", "u-author"}, IncUnreadOnMention: true,
	})
	h.sameSet(changed, []string{"u-carl"}, "mention-only changed users (author excluded)")
	h.wantCounters("r1", "carl", counters{true, true, 2, 1, 0}, at(20))
	h.wantCounters("r1", "bob", counters{true, true, 1, 1, 0}, at(10))
	h.wantCounters("r1", "author", counters{}, at(0))

	// Mentions without unread on mention: the counter only.
	changed = h.changeSubs("r1", store.SubscriptionChange{At: at(25), Mentioned: []string{"u-dora"}})
	h.sameSet(changed, []string{"u-dora"}, "mention without unread")
	h.wantCounters("r1", "dora", counters{true, true, 1, 1, 0}, at(25))

	// A group mention: every member not excluded gets groupMentions+1 and,
	// with unread on mention and IncUnread 0, unread+1 — once, even when
	// also mentioned by name.
	changed = h.changeSubs("r1", store.SubscriptionChange{
		Exclude: []string{"u-carl"}, At: at(30), GroupMentioned: true, IncUnreadOnMention: true,
		Mentioned: []string{"u-bob"},
	})
	h.sameSet(changed, []string{"u-author", "u-bob", "u-dora"}, "group mention")
	h.wantCounters("r1", "author", counters{false, false, 1, 0, 1}, at(30))
	h.wantCounters("r1", "bob", counters{true, true, 2, 2, 1}, at(30))
	h.wantCounters("r1", "carl", counters{true, true, 2, 1, 0}, at(20))

	// Archiving.
	changed = h.changeSubs("r1", store.SubscriptionChange{At: at(40), Archived: ptr(true)})
	h.sameSet(changed, []string{"u-author", "u-bob", "u-carl", "u-dora"}, "archive")
	if s := h.sub("r1", "carl"); !s.Archived || s.Unread != 2 {
		h.Fatalf("archived subscription = %+v", s)
	}
	h.changeSubs("r1", store.SubscriptionChange{At: at(41), Archived: ptr(false)})
	if s := h.sub("r1", "carl"); s.Archived {
		h.Fatal("subscription still archived")
	}

	// An empty change changes nothing.
	changed = h.changeSubs("r1", store.SubscriptionChange{At: at(50)})
	if len(changed) != 0 {
		h.Fatalf("empty change changed %v", changed)
	}
	h.wantCounters("r1", "dora", counters{true, true, 2, 1, 1}, at(41))

	// Open only opens; nothing else moves.
	changed = h.changeSubs("r1", store.SubscriptionChange{At: at(60), Open: true, Exclude: []string{"u-bob", "u-carl", "u-dora"}})
	h.sameSet(changed, []string{"u-author"}, "open")
	h.wantCounters("r1", "author", counters{true, false, 1, 0, 1}, at(60))

	// Open and alert when everyone is already open and alerted: no row
	// changes (a busy room's steady state), except a mentioned member's.
	h.changeSubs("r1", store.SubscriptionChange{At: at(62), Open: true, Alert: true})
	changed = h.changeSubs("r1", store.SubscriptionChange{At: at(64), Open: true, Alert: true, Exclude: []string{"u-author"}})
	if len(changed) != 0 {
		h.Fatalf("open+alert of open, alerted members changed %v", changed)
	}
	h.wantCounters("r1", "dora", counters{true, true, 2, 1, 1}, at(41))
	h.wantCounters("r1", "author", counters{true, true, 1, 0, 1}, at(62))
	changed = h.changeSubs("r1", store.SubscriptionChange{At: at(66), Open: true, Alert: true, Mentioned: []string{"u-dora"}, IncUnreadOnMention: true})
	h.sameSet(changed, []string{"u-dora"}, "open+alert with a mention")
	h.wantCounters("r1", "dora", counters{true, true, 3, 2, 1}, at(66))
	h.wantCounters("r1", "carl", counters{true, true, 2, 1, 0}, at(41))

	// The change is visible inside the transaction that made it.
	h.update(func(tx store.Tx) error {
		if _, err := tx.UpdateSubscriptionsOfRoom(h.ctx, "r1", store.SubscriptionChange{At: at(70), IncUnread: 5, Exclude: []string{"u-author"}}); err != nil {
			return err
		}
		s, err := tx.Subscription(h.ctx, "r1", "u-dora")
		if err != nil {
			return err
		}
		if s.Unread != 8 {
			h.Errorf("unread inside the transaction = %d, want 8", s.Unread)
		}
		return nil
	})
}

func testUpdateSubscriptionsThreads(h *harness) {
	h.roomWithMembers("r1", "author", "bob", "carl", "dora")
	// A thread reply: thread users get the thread in tunread, mentioned ones
	// also in tunreadUser; nobody else changes.
	changed := h.changeSubs("r1", store.SubscriptionChange{
		Exclude: []string{"u-author"}, At: at(10), ThreadID: "t1",
		ThreadUsers: []string{"u-author", "u-bob", "u-carl"}, Mentioned: []string{"u-carl"},
	})
	h.sameSet(changed, []string{"u-bob", "u-carl"}, "thread reply")
	bob, carl, dora := h.sub("r1", "bob"), h.sub("r1", "carl"), h.sub("r1", "dora")
	h.sameIDs(bob.UnreadThreads, []string{"t1"}, "bob tunread")
	h.sameIDs(bob.UnreadThreadMentions, nil, "bob tunreadUser")
	h.sameIDs(carl.UnreadThreads, []string{"t1"}, "carl tunread")
	h.sameIDs(carl.UnreadThreadMentions, []string{"t1"}, "carl tunreadUser")
	if carl.UserMentions != 1 || carl.Unread != 0 {
		h.Fatalf("carl = %+v", carl)
	}
	if len(dora.UnreadThreads) != 0 || !dora.UpdatedAt.Equal(at(0).Time) {
		h.Fatalf("dora changed: %+v", dora)
	}
	h.sameIDs(h.sub("r1", "author").UnreadThreads, nil, "author (excluded) tunread")

	// The same thread again does not repeat it; another thread is appended.
	h.changeSubs("r1", store.SubscriptionChange{At: at(20), ThreadID: "t1", ThreadUsers: []string{"u-bob"}})
	h.changeSubs("r1", store.SubscriptionChange{At: at(30), ThreadID: "t2", ThreadUsers: []string{"u-bob"}})
	bob = h.sub("r1", "bob")
	h.sameIDs(bob.UnreadThreads, []string{"t1", "t2"}, "bob tunread after two threads")
	if !bob.UpdatedAt.Equal(at(30).Time) {
		h.Fatalf("bob _updatedAt = %v", bob.UpdatedAt)
	}

	// Clearing tunread is a plain UpdateSubscription.
	bob.UnreadThreads = nil
	h.update(func(tx store.Tx) error { return tx.UpdateSubscription(h.ctx, bob) })
	h.sameIDs(h.sub("r1", "bob").UnreadThreads, nil, "cleared tunread")
}

func testRenameSubscriptions(h *harness) {
	alice, bob, carl := newUser("alice"), newUser("bob"), newUser("carl")
	h.insertUsers(alice, bob, carl)
	ch := newRoom("rc", "c", "alice") // a channel that happens to be named like alice
	dmAB := newRoom("rab", "d", "")
	dmBC := newRoom("rbc", "d", "")
	h.insertRooms(ch, dmAB, dmBC)
	chA, chB := newSub(ch, alice), newSub(ch, bob)
	ab, ba := newSub(dmAB, alice), newSub(dmAB, bob)
	ab.Name, ab.DisplayName, ba.Name, ba.DisplayName = "bob", bob.Name, "alice", alice.Name
	bc, cb := newSub(dmBC, bob), newSub(dmBC, carl)
	bc.Name, cb.Name = "carl", "bob"
	h.insertSubs(chA, chB, ab, ba, bc, cb)

	h.update(func(tx store.Tx) error { return tx.RenameSubscriptions(h.ctx, "rc", "lobby", "Lobby", at(5)) })
	for _, u := range []string{"alice", "bob"} {
		s := h.sub("rc", u)
		if s.Name != "lobby" || s.DisplayName != "Lobby" || !s.UpdatedAt.Equal(at(5).Time) {
			h.Fatalf("renamed subscription = %+v", s)
		}
	}
	// Rename the channel back so it is named like alice again.
	h.update(func(tx store.Tx) error { return tx.RenameSubscriptions(h.ctx, "rc", "alice", "alice", at(6)) })

	h.update(func(tx store.Tx) error {
		return tx.RenameUserInSubscriptions(h.ctx, alice.ID, "alice", "alicia", "Alicia A", at(10))
	})
	s := h.sub("rab", "alice")
	if s.User.Username != "alicia" || s.User.Name != "Alicia A" || s.Name != "bob" || !s.UpdatedAt.Equal(at(10).Time) {
		h.Fatalf("alice's own DM subscription = %+v", s)
	}
	if s := h.sub("rc", "alice"); s.User.Username != "alicia" {
		h.Fatalf("alice's channel subscription = %+v", s)
	}
	s = h.sub("rab", "bob")
	if s.Name != "alicia" || s.DisplayName != "Alicia A" || s.User.Username != "bob" || !s.UpdatedAt.Equal(at(10).Time) {
		h.Fatalf("bob's DM with alice = %+v", s)
	}
	if s := h.sub("rc", "bob"); s.Name != "alice" {
		h.Fatalf("bob's channel subscription renamed: %+v", s)
	}
	if s := h.sub("rbc", "bob"); s.Name != "carl" {
		h.Fatalf("unrelated DM renamed: %+v", s)
	}
	// Member search follows the new name.
	got, _, err := h.s.SubscriptionsOfRoom(h.ctx, "rab", store.MemberQuery{Text: "alicia"}, store.Page{})
	h.noErr(err, "SubscriptionsOfRoom")
	if len(got) != 1 || got[0].User.ID != alice.ID {
		h.Fatalf("member search after rename = %v", subIDs(got))
	}
}
