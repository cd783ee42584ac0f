package storetest

import (
	"fmt"
	"time"

	"liftoff/model"
	"liftoff/store"
)

func testMessages(h *harness) {
	alice, bob := newUser("alice"), newUser("bob")
	m := newMessage("m1", "r1", alice, 1, "hello @bob")
	m.Mentions = []model.Mention{{ID: bob.ID, Username: "bob", Type: "user"}}
	m.Attachments = []map[string]any{{"title": "file.txt"}}
	m.Reactions = map[string]*model.Reaction{":+1:": {Usernames: []string{"bob"}}}
	m.Groupable = ptr(false)
	h.insertMessages(m)

	got, err := h.s.MessageByID(h.ctx, "m1")
	h.noErr(err, "MessageByID")
	h.sameJSON(got, m, "MessageByID")
	_, err = h.s.MessageByID(h.ctx, "nope")
	h.mustErr(err, store.ErrNotFound, "MessageByID missing")
	err = h.s.Update(h.ctx, func(tx store.Tx) error { return tx.InsertMessage(h.ctx, newMessage("m1", "r2", bob, 2, "dup")) })
	h.mustErr(err, store.ErrConflict, "InsertMessage duplicate")

	upd := *m
	upd.Msg, upd.EditedAt, upd.EditedBy, upd.UpdatedAt = "hello everyone", at(5), &model.UserRef{ID: alice.ID, Username: "alice"}, at(5)
	upd.Pinned, upd.Starred = true, []model.Starrer{{ID: bob.ID}}
	h.update(func(tx store.Tx) error { return tx.UpdateMessage(h.ctx, &upd) })
	got, err = h.s.MessageByID(h.ctx, "m1")
	h.noErr(err, "MessageByID")
	h.sameJSON(got, &upd, "updated message")
	err = h.s.Update(h.ctx, func(tx store.Tx) error { return tx.UpdateMessage(h.ctx, newMessage("nope", "r1", bob, 1, "")) })
	h.mustErr(err, store.ErrNotFound, "UpdateMessage missing")

	h.update(func(tx store.Tx) error { return tx.DeleteMessage(h.ctx, "m1", at(9)) })
	_, err = h.s.MessageByID(h.ctx, "m1")
	h.mustErr(err, store.ErrNotFound, "deleted message")
	ts, total, err := h.s.Deleted(h.ctx, store.DeletedQuery{Kind: store.KindMessage, RoomID: "r1"}, store.Page{})
	h.noErr(err, "Deleted")
	if total != 1 || len(ts) != 1 || ts[0].ID != "m1" || ts[0].RoomID != "r1" || !ts[0].DeletedAt.Equal(at(9).Time) {
		h.Fatalf("message tombstones = %+v", ts)
	}
	err = h.s.Update(h.ctx, func(tx store.Tx) error { return tx.DeleteMessage(h.ctx, "m1", at(10)) })
	h.mustErr(err, store.ErrNotFound, "DeleteMessage missing")
}

func testListMessages(h *harness) {
	alice, bob := newUser("alice"), newUser("bob")
	// r1: m1..m8 at seconds 1..8; r2: one message.
	m1 := newMessage("m1", "r1", alice, 1, "Hello World")
	m2 := newMessage("m2", "r1", bob, 2, "thread parent")
	m2.ThreadCount, m2.ThreadLastMessageAt = 2, at(7)
	m3 := newMessage("m3", "r1", alice, 3, "reply hidden")
	m3.ThreadID = "m2"
	m4 := newMessage("m4", "r1", bob, 4, "reply shown")
	m4.ThreadID, m4.ShowInRoom = "m2", true
	m5 := newMessage("m5", "r1", alice, 5, "")
	m5.Type = "uj"
	m6 := newMessage("m6", "r1", bob, 6, "pinned 100% _sure_")
	m6.Pinned = true
	m7 := newMessage("m7", "r1", alice, 7, "starred, mentions bob")
	m7.Starred = []model.Starrer{{ID: bob.ID}}
	m7.Mentions = []model.Mention{{ID: bob.ID, Username: "bob"}}
	m8 := newMessage("m8", "r1", bob, 8, "")
	m8.Type = "room_changed_topic"
	m8.UpdatedAt = at(20)
	other := newMessage("o1", "r2", alice, 4, "elsewhere")
	other.SentAt = model.TimeOf(at(4).Add(500 * time.Millisecond)) // no tie with m4
	h.insertMessages(m1, m2, m3, m4, m5, m6, m7, m8, other)

	list := func(q store.MessageQuery, p store.Page) ([]string, int) {
		h.Helper()
		ms, total, err := h.s.ListMessages(h.ctx, q, p)
		h.noErr(err, "ListMessages")
		return msgIDs(ms), total
	}
	r1 := store.MessageQuery{RoomID: "r1"}
	cases := []struct {
		name string
		q    store.MessageQuery
		want []string
	}{
		{"room, newest first", r1, []string{"m8", "m7", "m6", "m5", "m4", "m3", "m2", "m1"}},
		{"before", store.MessageQuery{RoomID: "r1", Before: at(3)}, []string{"m2", "m1"}},
		{"before inclusive", store.MessageQuery{RoomID: "r1", Before: at(3), Inclusive: true}, []string{"m3", "m2", "m1"}},
		{"after", store.MessageQuery{RoomID: "r1", After: at(6)}, []string{"m8", "m7"}},
		{"between inclusive", store.MessageQuery{RoomID: "r1", After: at(3), Before: at(4), Inclusive: true}, []string{"m4", "m3"}},
		{"updated since", store.MessageQuery{RoomID: "r1", UpdatedSince: at(7)}, []string{"m8"}},
		{"updated before", store.MessageQuery{RoomID: "r1", UpdatedBefore: at(2)}, []string{"m1"}},
		{"thread", store.MessageQuery{ThreadID: "m2"}, []string{"m4", "m3"}},
		{"threads only", store.MessageQuery{RoomID: "r1", ThreadsOnly: true}, []string{"m2"}},
		{"hide thread replies", store.MessageQuery{RoomID: "r1", HideThreadReplies: true}, []string{"m8", "m7", "m6", "m5", "m4", "m2", "m1"}},
		{"pinned", store.MessageQuery{RoomID: "r1", Pinned: true}, []string{"m6"}},
		{"not pinned", store.MessageQuery{RoomID: "r1", NotPinned: true, After: at(4)}, []string{"m8", "m7", "m5"}},
		{"no threads", store.MessageQuery{RoomID: "r1", NoThreads: true, Before: at(5)}, []string{"m1"}},
		{"from users", store.MessageQuery{RoomID: "r1", FromUsers: []string{bob.ID, "nobody"}, After: at(5)}, []string{"m8", "m6"}},
		{"from no users", store.MessageQuery{RoomID: "r1", FromUsers: []string{}}, nil},
		{"starred by", store.MessageQuery{RoomID: "r1", StarredBy: bob.ID}, []string{"m7"}},
		{"starred by other", store.MessageQuery{RoomID: "r1", StarredBy: alice.ID}, nil},
		{"mentions", store.MessageQuery{RoomID: "r1", MentionsUser: bob.ID}, []string{"m7"}},
		{"from user", store.MessageQuery{RoomID: "r1", FromUser: alice.ID}, []string{"m7", "m5", "m3", "m1"}},
		{"exclude types", store.MessageQuery{RoomID: "r1", ExcludeTypes: []string{"uj"}}, []string{"m8", "m7", "m6", "m4", "m3", "m2", "m1"}},
		{"only user messages", store.MessageQuery{RoomID: "r1", OnlyUserMessages: true}, []string{"m7", "m6", "m4", "m3", "m2", "m1"}},
		{"ids", store.MessageQuery{IDs: []string{"m1", "o1", "zz"}}, []string{"o1", "m1"}},
		{"text contains, any case", store.MessageQuery{RoomID: "r1", TextContains: "hello WORLD"}, []string{"m1"}},
		{"text contains, wildcards literal", store.MessageQuery{RoomID: "r1", TextContains: "100% _s"}, []string{"m6"}},
		{"text contains, no match", store.MessageQuery{RoomID: "r1", TextContains: "1%s"}, nil},
		{"all rooms", store.MessageQuery{}, []string{"m8", "m7", "m6", "m5", "o1", "m4", "m3", "m2", "m1"}},
	}
	for _, c := range cases {
		got, total := list(c.q, store.Page{})
		h.sameIDs(got, c.want, c.name)
		if total != len(c.want) {
			h.Fatalf("%s: total = %d, want %d", c.name, total, len(c.want))
		}
	}

	got, _ := list(r1, store.Page{Sort: []store.SortKey{{Field: "ts"}}, Count: 3})
	h.sameIDs(got, []string{"m1", "m2", "m3"}, "ts asc")
	got, _ = list(r1, store.Page{Sort: []store.SortKey{{Field: "_updatedAt", Desc: true}}, Count: 2})
	h.sameIDs(got, []string{"m8", "m7"}, "_updatedAt desc")
	got, _ = list(store.MessageQuery{RoomID: "r1", ThreadsOnly: true}, store.Page{Sort: []store.SortKey{{Field: "tlm", Desc: true}}})
	h.sameIDs(got, []string{"m2"}, "tlm desc")
	_, _, err := h.s.ListMessages(h.ctx, r1, store.Page{Sort: []store.SortKey{{Field: "msg"}}})
	if err == nil {
		h.Fatal("ListMessages accepted an unsupported sort field")
	}
	_, _, err = h.s.ListMessages(h.ctx, r1, store.Page{Count: -1})
	if err == nil {
		h.Fatal("ListMessages accepted a negative count")
	}

	// Updating a message moves it in the filters that depend on it.
	m3u := *m3
	m3u.ThreadID, m3u.Pinned = "", true
	h.update(func(tx store.Tx) error { return tx.UpdateMessage(h.ctx, &m3u) })
	got, _ = list(store.MessageQuery{ThreadID: "m2"}, store.Page{})
	h.sameIDs(got, []string{"m4"}, "thread after update")
	got, _ = list(store.MessageQuery{RoomID: "r1", Pinned: true}, store.Page{})
	h.sameIDs(got, []string{"m6", "m3"}, "pinned after update")
}

func testMessagePaging(h *harness) {
	alice := newUser("alice")
	var ms []*model.Message
	for i := range 25 {
		ms = append(ms, newMessage(fmt.Sprintf("m%02d", i), "r1", alice, i, "text"))
	}
	// Two messages share a timestamp: the order must still be total and stable.
	ms[24].SentAt = ms[23].SentAt
	h.insertMessages(ms...)

	seen := map[string]bool{}
	for offset := 0; offset < 30; offset += 10 {
		got, total, err := h.s.ListMessages(h.ctx, store.MessageQuery{RoomID: "r1"}, store.Page{Offset: offset, Count: 10})
		h.noErr(err, "ListMessages")
		if total != 25 {
			h.Fatalf("offset %d: total = %d, want 25", offset, total)
		}
		wantLen := min(10, 25-offset)
		if len(got) != wantLen {
			h.Fatalf("offset %d: %d messages, want %d", offset, len(got), wantLen)
		}
		for _, m := range got {
			if seen[m.ID] {
				h.Fatalf("message %s on two pages", m.ID)
			}
			seen[m.ID] = true
		}
	}
	if len(seen) != 25 {
		h.Fatalf("pages held %d messages", len(seen))
	}
	got, total, err := h.s.ListMessages(h.ctx, store.MessageQuery{RoomID: "r1"}, store.Page{Offset: 40, Count: 10})
	h.noErr(err, "ListMessages past the end")
	if len(got) != 0 || total != 25 {
		h.Fatalf("past the end: %d messages, total %d", len(got), total)
	}
	got, total, err = h.s.ListMessages(h.ctx, store.MessageQuery{RoomID: "r1"}, store.Page{Offset: 20})
	h.noErr(err, "ListMessages offset without count")
	if len(got) != 5 || total != 25 || got[0].ID == "m00" {
		h.Fatalf("offset without count: %d messages, total %d", len(got), total)
	}
}

func testSearchMessages(h *harness) {
	alice := newUser("alice")
	h.insertMessages(
		newMessage("a1", "r1", alice, 1, "Hello world, how are you?"),
		newMessage("a2", "r1", alice, 2, "hello there"),
		newMessage("a3", "r1", alice, 3, "goodbye WORLD"),
		newMessage("a4", "r1", alice, 4, "Café au lait"),
		newMessage("b1", "r2", alice, 5, "hello from another room"),
	)
	search := func(rid, text string, p store.Page) ([]string, int) {
		h.Helper()
		ms, total, err := h.s.SearchMessages(h.ctx, rid, text, p)
		h.noErr(err, "SearchMessages "+text)
		return msgIDs(ms), total
	}
	got, total := search("r1", "hello", store.Page{})
	h.sameIDs(got, []string{"a2", "a1"}, "hello, newest first")
	if total != 2 {
		h.Fatalf("total = %d", total)
	}
	got, _ = search("r1", "WORLD", store.Page{})
	h.sameIDs(got, []string{"a3", "a1"}, "case-insensitive")
	got, _ = search("r1", "hello world", store.Page{})
	h.sameIDs(got, []string{"a1"}, "every word")
	got, _ = search("r1", "cafe", store.Page{})
	h.sameIDs(got, []string{"a4"}, "diacritics")
	got, total = search("r1", "hello", store.Page{Count: 1})
	h.sameIDs(got, []string{"a2"}, "first page")
	if total != 2 {
		h.Fatalf("paged total = %d", total)
	}
	got, _ = search("r1", "hello", store.Page{Count: 1, Offset: 1})
	h.sameIDs(got, []string{"a1"}, "second page")
	for _, odd := range []string{"", "   ", `"`, `hello" OR "x`, "NEAR(", "*", "a:b", "-hello"} {
		if _, _, err := h.s.SearchMessages(h.ctx, "r1", odd, store.Page{}); err != nil {
			h.Fatalf("SearchMessages(%q): %v", odd, err)
		}
	}
	got, _ = search("r1", "nothing-like-this", store.Page{})
	h.sameIDs(got, nil, "no match")

	// Edits and deletes show in the index.
	h.update(func(tx store.Tx) error {
		m := newMessage("a2", "r1", alice, 2, "bonjour")
		return tx.UpdateMessage(h.ctx, m)
	})
	got, _ = search("r1", "hello", store.Page{})
	h.sameIDs(got, []string{"a1"}, "after edit")
	got, _ = search("r1", "bonjour", store.Page{})
	h.sameIDs(got, []string{"a2"}, "edited text")
	h.update(func(tx store.Tx) error { return tx.DeleteMessage(h.ctx, "a1", at(10)) })
	got, _ = search("r1", "hello", store.Page{})
	h.sameIDs(got, nil, "after delete")

	// Insert, edit and delete within one transaction, searching inside it.
	h.update(func(tx store.Tx) error {
		if err := tx.InsertMessage(h.ctx, newMessage("c1", "r1", alice, 20, "draft zebra")); err != nil {
			return err
		}
		if err := tx.InsertMessage(h.ctx, newMessage("c2", "r1", alice, 21, "short-lived zebra")); err != nil {
			return err
		}
		ms, _, err := tx.SearchMessages(h.ctx, "r1", "zebra", store.Page{})
		if err != nil || len(ms) != 2 {
			return fmt.Errorf("search in transaction: %d results, %v", len(ms), err)
		}
		if err := tx.UpdateMessage(h.ctx, newMessage("c1", "r1", alice, 20, "final giraffe")); err != nil {
			return err
		}
		if err := tx.DeleteMessage(h.ctx, "c2", at(22)); err != nil {
			return err
		}
		if err := tx.InsertMessage(h.ctx, newMessage("c3", "r1", alice, 23, "zebra again")); err != nil {
			return err
		}
		return tx.UpdateMessage(h.ctx, newMessage("c3", "r1", alice, 23, "okapi"))
	})
	got, _ = search("r1", "zebra", store.Page{})
	h.sameIDs(got, nil, "edited and deleted in one transaction")
	got, _ = search("r1", "giraffe", store.Page{})
	h.sameIDs(got, []string{"c1"}, "edited in the transaction that searched")
	got, _ = search("r1", "okapi", store.Page{})
	h.sameIDs(got, []string{"c3"}, "inserted and edited in one transaction")

	// A failed transaction leaves the index as it was.
	err := h.s.Update(h.ctx, func(tx store.Tx) error {
		if err := tx.InsertMessage(h.ctx, newMessage("f1", "r1", alice, 30, "phantom okapi")); err != nil {
			return err
		}
		if _, _, err := tx.SearchMessages(h.ctx, "r1", "phantom", store.Page{}); err != nil {
			return err
		}
		if err := tx.UpdateMessage(h.ctx, newMessage("c3", "r1", alice, 23, "changed")); err != nil {
			return err
		}
		return errPlanned
	})
	h.mustErr(err, errPlanned, "failed update")
	got, _ = search("r1", "okapi", store.Page{})
	h.sameIDs(got, []string{"c3"}, "after a failed transaction")
	got, _ = search("r1", "phantom", store.Page{})
	h.sameIDs(got, nil, "message of a failed transaction")
}

func testDeleted(h *harness) {
	alice := newUser("alice")
	var ms []*model.Message
	for i := range 6 {
		ms = append(ms, newMessage(fmt.Sprintf("m%d", i), "r1", alice, i, "x"))
	}
	ms = append(ms, newMessage("o1", "r2", alice, 1, "x"))
	h.insertMessages(ms...)
	h.update(func(tx store.Tx) error {
		for i := range 6 {
			if err := tx.DeleteMessage(h.ctx, fmt.Sprintf("m%d", i), at(10+i)); err != nil {
				return err
			}
		}
		return tx.DeleteMessage(h.ctx, "o1", at(12))
	})
	del := func(q store.DeletedQuery, p store.Page) ([]string, int) {
		h.Helper()
		ts, total, err := h.s.Deleted(h.ctx, q, p)
		h.noErr(err, "Deleted")
		return ids(ts, func(t store.Tombstone) string { return t.ID }), total
	}
	got, total := del(store.DeletedQuery{Kind: store.KindMessage, RoomID: "r1"}, store.Page{})
	h.sameIDs(got, []string{"m0", "m1", "m2", "m3", "m4", "m5"}, "oldest first")
	if total != 6 {
		h.Fatalf("total = %d", total)
	}
	got, _ = del(store.DeletedQuery{Kind: store.KindMessage, RoomID: "r1", Since: at(12)}, store.Page{})
	h.sameIDs(got, []string{"m3", "m4", "m5"}, "since (exclusive)")
	got, _ = del(store.DeletedQuery{Kind: store.KindMessage, RoomID: "r1", Since: at(10), Before: at(13)}, store.Page{})
	h.sameIDs(got, []string{"m1", "m2"}, "since and before")
	got, total = del(store.DeletedQuery{Kind: store.KindMessage, RoomID: "r1"}, store.Page{Offset: 2, Count: 2})
	h.sameIDs(got, []string{"m2", "m3"}, "page")
	if total != 6 {
		h.Fatalf("page total = %d", total)
	}
	got, _ = del(store.DeletedQuery{Kind: store.KindMessage, RoomID: "r2"}, store.Page{})
	h.sameIDs(got, []string{"o1"}, "other room")
	got, _ = del(store.DeletedQuery{Kind: store.KindRoom}, store.Page{})
	h.sameIDs(got, nil, "no room tombstones")
	if _, _, err := h.s.Deleted(h.ctx, store.DeletedQuery{Kind: "bogus"}, store.Page{}); err == nil {
		h.Fatal("Deleted accepted an unknown kind")
	}
}

// testHiddenMessages checks that hidden messages (kept previous versions,
// hidden deletions) stay readable by id but are left out of every list,
// search and count, and that HideMessage leaves a tombstone.
func testHiddenMessages(h *harness) {
	alice := newUser("alice")
	h.insertRooms(&model.Room{ID: "r1", Type: model.RoomChannel, Name: "one"})
	m1 := newMessage("m1", "r1", alice, 1, "visible words")
	old := newMessage("v1", "r1", alice, 1, "previous words")
	old.Hidden = true
	m2 := newMessage("m2", "r1", alice, 2, "soon hidden words")
	h.insertMessages(m1, old, m2)

	got, err := h.s.MessageByID(h.ctx, "v1")
	h.noErr(err, "MessageByID hidden")
	if !got.Hidden {
		h.Fatalf("hidden message read back without _hidden: %+v", got)
	}
	ids := func(q store.MessageQuery) []string {
		h.Helper()
		ms, total, err := h.s.ListMessages(h.ctx, q, store.Page{Sort: []store.SortKey{{Field: "ts"}}})
		h.noErr(err, "ListMessages")
		if total != len(ms) {
			h.Fatalf("ListMessages total %d for %d messages", total, len(ms))
		}
		return msgIDs(ms)
	}
	h.sameIDs(ids(store.MessageQuery{RoomID: "r1"}), []string{"m1", "m2"}, "list leaves hidden out")
	h.sameIDs(ids(store.MessageQuery{RoomID: "r1", UpdatedSince: at(0)}), []string{"m1", "m2"}, "updates leave hidden out")
	h.sameIDs(ids(store.MessageQuery{RoomID: "r1", IncludeHidden: true}), []string{"m1", "v1", "m2"}, "IncludeHidden")
	h.sameIDs(ids(store.MessageQuery{RoomID: "r1", OnlyHidden: true}), []string{"v1"}, "OnlyHidden")
	found, _, err := h.s.SearchMessages(h.ctx, "r1", "words", store.Page{})
	h.noErr(err, "SearchMessages")
	h.sameSet(msgIDs(found), []string{"m1", "m2"}, "search leaves hidden out")
	c, err := h.s.Counts(h.ctx)
	h.noErr(err, "Counts")
	if c.TotalMessages != 2 || c.TotalChannelMessages != 2 {
		h.Fatalf("counts include hidden messages: %+v", c)
	}

	h.update(func(tx store.Tx) error { return tx.HideMessage(h.ctx, "m2", at(9)) })
	got, err = h.s.MessageByID(h.ctx, "m2")
	h.noErr(err, "MessageByID after HideMessage")
	if !got.Hidden || got.Msg != "soon hidden words" {
		h.Fatalf("HideMessage: %+v", got)
	}
	h.sameIDs(ids(store.MessageQuery{RoomID: "r1"}), []string{"m1"}, "list after HideMessage")
	found, _, err = h.s.SearchMessages(h.ctx, "r1", "words", store.Page{})
	h.noErr(err, "SearchMessages")
	h.sameSet(msgIDs(found), []string{"m1"}, "search after HideMessage")
	ts, _, err := h.s.Deleted(h.ctx, store.DeletedQuery{Kind: store.KindMessage, RoomID: "r1"}, store.Page{})
	h.noErr(err, "Deleted")
	if len(ts) != 1 || ts[0].ID != "m2" || !ts[0].DeletedAt.Equal(at(9).Time) {
		h.Fatalf("tombstones after HideMessage = %+v", ts)
	}
	// Hiding again, and removing hidden records, leave no new tombstone.
	h.update(func(tx store.Tx) error { return tx.HideMessage(h.ctx, "m2", at(12)) })
	h.update(func(tx store.Tx) error { return tx.DeleteMessage(h.ctx, "v1", at(13)) })
	h.update(func(tx store.Tx) error { return tx.DeleteMessage(h.ctx, "m2", at(14)) })
	ts, _, err = h.s.Deleted(h.ctx, store.DeletedQuery{Kind: store.KindMessage, RoomID: "r1"}, store.Page{})
	h.noErr(err, "Deleted")
	if len(ts) != 1 || ts[0].ID != "m2" || !ts[0].DeletedAt.Equal(at(9).Time) {
		h.Fatalf("tombstones after removing hidden records = %+v", ts)
	}
	err = h.s.Update(h.ctx, func(tx store.Tx) error { return tx.HideMessage(h.ctx, "nope", at(15)) })
	h.mustErr(err, store.ErrNotFound, "HideMessage missing")
}

// testThreadTombstones checks that message tombstones remember the thread
// of a removed reply and whether a removed message was a thread's first.
func testThreadTombstones(h *harness) {
	alice := newUser("alice")
	parent := newMessage("p1", "r1", alice, 1, "parent")
	parent.ThreadCount = 2
	r1 := newMessage("a1", "r1", alice, 2, "reply one")
	r1.ThreadID = "p1"
	r2 := newMessage("a2", "r1", alice, 3, "reply two")
	r2.ThreadID = "p1"
	plain := newMessage("x1", "r1", alice, 4, "plain")
	other := newMessage("o1", "r2", alice, 4, "elsewhere")
	other.ThreadCount = 1
	h.insertMessages(parent, r1, r2, plain, other)
	h.update(func(tx store.Tx) error {
		for i, id := range []string{"a1", "x1", "p1", "o1"} {
			if err := tx.DeleteMessage(h.ctx, id, at(10+i)); err != nil {
				return err
			}
		}
		return tx.HideMessage(h.ctx, "a2", at(20))
	})
	deleted := func(q store.DeletedQuery) []store.Tombstone {
		h.Helper()
		q.Kind = store.KindMessage
		ts, _, err := h.s.Deleted(h.ctx, q, store.Page{})
		h.noErr(err, "Deleted")
		return ts
	}
	ts := deleted(store.DeletedQuery{ThreadID: "p1"})
	if len(ts) != 2 || ts[0].ID != "a1" || ts[1].ID != "a2" || ts[0].ThreadID != "p1" || ts[0].Thread {
		h.Fatalf("thread p1 tombstones = %+v", ts)
	}
	if ts := deleted(store.DeletedQuery{ThreadID: "p1", Since: at(15)}); len(ts) != 1 || ts[0].ID != "a2" {
		h.Fatalf("thread p1 tombstones since 15 = %+v", ts)
	}
	ts = deleted(store.DeletedQuery{RoomID: "r1", ThreadsOnly: true})
	if len(ts) != 1 || ts[0].ID != "p1" || !ts[0].Thread || ts[0].ThreadID != "" {
		h.Fatalf("r1 thread tombstones = %+v", ts)
	}
	if ts := deleted(store.DeletedQuery{ThreadsOnly: true}); len(ts) != 2 {
		h.Fatalf("all thread tombstones = %+v", ts)
	}
}
