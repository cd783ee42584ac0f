package storetest

import (
	"liftoff/model"
	"liftoff/store"
)

// testDiscussions checks the queries discussions need: a room's
// discussions (RoomQuery.ParentRoomID, with the member filter), the messages that
// link to discussions (MessageQuery.DiscussionID, Discussions, NoDiscussions), and
// that changing a room's prid or a message's drid moves them in and out.
func testDiscussions(h *harness) {
	alice, bob := newUser("alice"), newUser("bob")
	h.insertUsers(alice, bob)
	parent := newRoom("parent", "c", "parent")
	other := newRoom("other", "c", "other")
	mk := func(id, t, fname, prid string) *model.Room {
		r := newRoom(id, t, id)
		r.DisplayName, r.ParentRoomID = fname, prid
		return r
	}
	d1 := mk("d1", "c", "zulu", "parent")
	d2 := mk("d2", "p", "alpha", "parent")
	d3 := mk("d3", "p", "mike", "parent")
	d4 := mk("d4", "c", "elsewhere", "other")
	h.insertRooms(parent, other, d1, d2, d3, d4)
	h.insertSubs(newSub(d2, alice))

	rooms := func(q store.RoomQuery, p store.Page) ([]string, int) {
		h.Helper()
		rs, total, err := h.s.ListRooms(h.ctx, q, p)
		h.noErr(err, "ListRooms")
		return roomIDs(rs), total
	}
	byFname := store.Page{Sort: []store.SortKey{{Field: "fname"}}}
	got, total := rooms(store.RoomQuery{ParentRoomID: "parent"}, byFname)
	h.sameIDs(got, []string{"d2", "d3", "d1"}, "discussions by fname")
	if total != 3 {
		h.Fatalf("discussions total = %d", total)
	}
	got, total = rooms(store.RoomQuery{ParentRoomID: "parent", MemberID: alice.ID, AlsoTypes: []string{"c"}}, byFname)
	h.sameIDs(got, []string{"d2", "d1"}, "discussions alice may see")
	if total != 2 {
		h.Fatalf("visible total = %d", total)
	}
	got, _ = rooms(store.RoomQuery{ParentRoomID: "parent", MemberID: bob.ID}, byFname)
	h.sameIDs(got, nil, "bob is a member of none, and no type is open to him")

	// Changing prid moves a room out of its parent's discussions.
	d3.ParentRoomID = ""
	h.update(func(tx store.Tx) error { return tx.UpdateRoom(h.ctx, d3) })
	got, _ = rooms(store.RoomQuery{ParentRoomID: "parent"}, byFname)
	h.sameIDs(got, []string{"d2", "d1"}, "after clearing d3's prid")

	m1 := newMessage("m1", "parent", alice, 1, "started zulu")
	m1.Type, m1.DiscussionID = "discussion-created", "d1"
	m2 := newMessage("m2", "parent", alice, 2, "plain")
	m3 := newMessage("m3", "parent", bob, 3, "started alpha")
	m3.Type, m3.DiscussionID = "discussion-created", "d2"
	m4 := newMessage("m4", "other", bob, 4, "elsewhere")
	m4.DiscussionID = "d4"
	h.insertMessages(m1, m2, m3, m4)

	msgs := func(q store.MessageQuery) []string {
		h.Helper()
		ms, _, err := h.s.ListMessages(h.ctx, q, store.Page{Sort: []store.SortKey{{Field: "ts"}}})
		h.noErr(err, "ListMessages")
		return msgIDs(ms)
	}
	h.sameIDs(msgs(store.MessageQuery{RoomID: "parent", Discussions: true}), []string{"m1", "m3"}, "discussion starters")
	h.sameIDs(msgs(store.MessageQuery{RoomID: "parent", NoDiscussions: true}), []string{"m2"}, "no discussion starters")
	h.sameIDs(msgs(store.MessageQuery{DiscussionID: "d2"}), []string{"m3"}, "by drid")
	h.sameIDs(msgs(store.MessageQuery{DiscussionID: "d4"}), []string{"m4"}, "by drid, any room")

	// Clearing drid takes the message out of the discussion starters.
	m1.DiscussionID = ""
	h.update(func(tx store.Tx) error { return tx.UpdateMessage(h.ctx, m1) })
	h.sameIDs(msgs(store.MessageQuery{RoomID: "parent", Discussions: true}), []string{"m3"}, "after clearing m1's drid")
	h.sameIDs(msgs(store.MessageQuery{DiscussionID: "d1"}), nil, "no message links to d1")
	m, err := h.s.MessageByID(h.ctx, "m3")
	h.noErr(err, "MessageByID")
	if m.DiscussionID != "d2" {
		h.Fatalf("m3.drid = %q", m.DiscussionID)
	}
}
