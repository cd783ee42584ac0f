package e2e

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"liftoff/internal/testserver"
	"liftoff/model"
	"liftoff/store"
	"liftoff/store/sqlite"
)

// End-to-end tests of Message_KeepHistory: edits and deletions keep the
// previous version as a hidden message (Rocket.Chat's _hidden, with
// parent), which no list, search, count or sync answer ever shows.

// storedMessages returns every message stored in the room, hidden ones
// included, oldest first, read from a backup of the running server's
// database (the API never shows hidden messages, by design).
func storedMessages(t *testing.T, srv *testserver.Server, rid string) []*model.Message {
	t.Helper()
	path := filepath.Join(t.TempDir(), "copy.db")
	if out, err := runCLI(t, srv.DataDir, "backup", path); err != nil {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	db, err := sqlite.Open(context.Background(), path, func([]model.Event) {}, sqlite.Options{})
	if err != nil {
		t.Fatalf("open backup: %v", err)
	}
	defer db.Close()
	msgs, _, err := db.ListMessages(context.Background(), store.MessageQuery{RoomID: rid, IncludeHidden: true},
		store.Page{Sort: []store.SortKey{{Field: "ts"}, {Field: "_updatedAt"}}})
	if err != nil {
		t.Fatalf("list stored messages: %v", err)
	}
	return msgs
}

// hiddenVersions returns the hidden previous versions of message id.
func hiddenVersions(msgs []*model.Message, id string) []*model.Message {
	var out []*model.Message
	for _, m := range msgs {
		if m.Hidden && m.Parent == id {
			out = append(out, m)
		}
	}
	return out
}

// checkNoHidden fails the test if any of the room's lists, search or sync
// answers shows a hidden message, or channels.messages counts other than
// wantTotal messages.
func checkNoHidden(t *testing.T, srv *testserver.Server, c *testserver.Client, rid string, wantTotal int) {
	t.Helper()
	hidden := map[string]bool{}   // every hidden record
	versions := map[string]bool{} // hidden previous versions
	for _, m := range storedMessages(t, srv, rid) {
		if m.Hidden {
			hidden[m.ID] = true
			versions[m.ID] = m.Parent != ""
		}
	}
	// Lists and updates show no hidden record; removal lists may report a
	// message hidden by its deletion, but never a previous version.
	check := func(what string, got []string) {
		t.Helper()
		removals := strings.HasSuffix(what, "deleted") || strings.HasSuffix(what, "remove")
		for _, id := range got {
			if hidden[id] && (!removals || versions[id]) {
				t.Fatalf("%s shows hidden message %s", what, id)
			}
		}
	}
	h := c.Get("/api/v1/channels.history", "roomId", rid, "count", "100").OK(t)
	check("channels.history", ids(h.List("messages")))
	m := c.Get("/api/v1/channels.messages", "roomId", rid, "count", "100").OK(t)
	check("channels.messages", ids(m.List("messages")))
	if int(m.Num("total")) != wantTotal {
		t.Fatalf("channels.messages total %v, want %d", m.Num("total"), wantTotal)
	}
	s := c.Get("/api/v1/chat.search", "roomId", rid, "searchText", "version").OK(t)
	check("chat.search", ids(s.List("messages")))
	u := c.Get("/api/v1/chat.syncMessages", "roomId", rid, "lastUpdate", "1970-01-01T00:00:00.000Z").OK(t)
	check("chat.syncMessages updated", ids(u.List("result.updated")))
	check("chat.syncMessages deleted", ids(u.List("result.deleted")))
	tl := c.Get("/api/v1/chat.getThreadsList", "rid", rid).OK(t)
	check("chat.getThreadsList", ids(tl.List("threads")))
	ts := c.Get("/api/v1/chat.syncThreadsList", "rid", rid, "updatedSince", "1970-01-01T00:00:00.000Z").OK(t)
	check("chat.syncThreadsList update", ids(ts.List("threads.update")))
	check("chat.syncThreadsList remove", ids(ts.List("threads.remove")))
	for _, th := range tl.List("threads") {
		tmid := th.(map[string]any)["_id"].(string)
		tm := c.Get("/api/v1/chat.getThreadMessages", "tmid", tmid).OK(t)
		check("chat.getThreadMessages", ids(tm.List("messages")))
		st := c.Get("/api/v1/chat.syncThreadMessages", "tmid", tmid, "updatedSince", "1970-01-01T00:00:00.000Z").OK(t)
		check("chat.syncThreadMessages update", ids(st.List("messages.update")))
		check("chat.syncThreadMessages remove", ids(st.List("messages.remove")))
	}
}

func TestMessageKeepHistory(t *testing.T) {
	srv := testserver.Start(t)
	admin := srv.Admin(t)
	alice := chatUser(t, srv, "alice")
	bob := chatUser(t, srv, "bob")
	rid := chatRoom(t, alice, "channels", "history-room", "bob")
	totalMessages := func() float64 { return admin.Get("/api/v1/statistics").OK(t).Num("totalMessages") }
	roomMsgs := func() float64 { return alice.Get("/api/v1/channels.info", "roomId", rid).OK(t).Num("channel.msgs") }
	edit := func(c *testserver.Client, id, text string) *testserver.Response {
		return c.Post("/api/v1/chat.update", map[string]any{"roomId": rid, "msgId": id, "text": text})
	}

	// Off (the default): an edit keeps no previous version.
	plain := say(t, alice, rid, "plain version one")
	edit(alice, plain, "plain version two").OK(t)
	if v := hiddenVersions(storedMessages(t, srv, rid), plain); len(v) != 0 {
		t.Fatalf("previous versions kept with Message_KeepHistory off: %+v", v)
	}

	setSetting(t, admin, "Message_KeepHistory", true)
	id := say(t, alice, rid, "version one")
	msgsBefore, totalBefore := roomMsgs(), totalMessages()
	edit(alice, id, "version two").OK(t)
	r := edit(alice, id, "version three").OK(t)
	if r.Str("message.msg") != "version three" || r.Get("message.editedAt") == nil || r.Str("message.editedBy.username") != "alice" {
		t.Fatalf("chat.update answer: %s", r.Body)
	}
	if g := message(t, bob, id); g.Str("message.msg") != "version three" || g.Get("message._hidden") != nil {
		t.Fatalf("edited message: %s", g.Body)
	}
	versions := hiddenVersions(storedMessages(t, srv, rid), id)
	if len(versions) != 2 || versions[0].Msg != "version one" || versions[1].Msg != "version two" {
		t.Fatalf("previous versions: %+v", versions)
	}
	for _, v := range versions {
		if v.ID == id || v.RoomID != rid || v.Author.Username != "alice" || v.EditedBy == nil || v.EditedBy.Username != "alice" || v.EditedAt.IsZero() {
			t.Fatalf("previous version: %+v", v)
		}
		// A hidden version cannot be read, edited or deleted through the API.
		bob.Get("/api/v1/chat.getMessage", "msgId", v.ID).Fail(t, 400, "error-message-not-found")
		edit(alice, v.ID, "rewrite history").Fail(t, 400, "error-message-not-found")
		alice.Post("/api/v1/chat.delete", map[string]any{"roomId": rid, "msgId": v.ID}).Fail(t, 400, "error-message-not-found")
	}
	if roomMsgs() != msgsBefore || totalMessages() != totalBefore {
		t.Fatalf("edits changed the counts: msgs %v→%v, totalMessages %v→%v", msgsBefore, roomMsgs(), totalBefore, totalMessages())
	}

	// Refusals keep no version: another user's edit, a wrong room, an
	// unchanged text.
	edit(bob, id, "bob was here").Fail(t, 403, "error-action-not-allowed")
	alice.Post("/api/v1/chat.update", map[string]any{"roomId": "GENERAL", "msgId": id, "text": "wrong room"}).Fail(t, 400, "error-invalid-room")
	edit(alice, id, "version three").OK(t)
	if v := hiddenVersions(storedMessages(t, srv, rid), id); len(v) != 2 {
		t.Fatalf("a refused or empty edit kept a version: %d versions", len(v))
	}

	// Threads: an edited thread's first message and an edited reply keep
	// their versions out of the thread lists.
	parent := say(t, alice, rid, "thread version one")
	reply := bob.Post("/api/v1/chat.sendMessage", map[string]any{"message": map[string]any{"rid": rid, "msg": "reply version one", "tmid": parent}}).OK(t).Str("message._id")
	edit(alice, parent, "thread version two").OK(t)
	edit(bob, reply, "reply version two").OK(t)
	if p := message(t, alice, parent); p.Num("message.tcount") != 1 {
		t.Fatalf("thread after edits: %s", p.Body)
	}
	threads := alice.Get("/api/v1/chat.getThreadsList", "rid", rid).OK(t).List("threads")
	if got := ids(threads); len(got) != 1 || got[0] != parent {
		t.Fatalf("threads: %v", got)
	}
	if got := ids(alice.Get("/api/v1/chat.getThreadMessages", "tmid", parent).OK(t).List("messages")); len(got) != 1 || got[0] != reply {
		t.Fatalf("thread messages: %v", got)
	}

	// Deleting with Message_KeepHistory on and Message_ShowDeletedStatus
	// off hides the message: gone from every list, reported removed.
	doomed := say(t, alice, rid, "version doomed")
	msgsBefore, totalBefore = roomMsgs(), totalMessages()
	alice.Post("/api/v1/chat.delete", map[string]any{"roomId": rid, "msgId": doomed}).OK(t)
	bob.Get("/api/v1/chat.getMessage", "msgId", doomed).Fail(t, 400, "error-message-not-found")
	if roomMsgs() != msgsBefore-1 || totalMessages() != totalBefore-1 {
		t.Fatalf("delete counts: msgs %v→%v, totalMessages %v→%v", msgsBefore, roomMsgs(), totalBefore, totalMessages())
	}
	gone := alice.Get("/api/v1/chat.getDeletedMessages", "roomId", rid, "since", "1970-01-01T00:00:00.000Z").OK(t)
	if !includes(ids(gone.List("messages")), doomed) {
		t.Fatalf("hidden deletion not reported removed: %s", gone.Body)
	}
	var stored *model.Message
	for _, m := range storedMessages(t, srv, rid) {
		if m.ID == doomed {
			stored = m
		}
	}
	if stored == nil || !stored.Hidden || stored.Msg != "version doomed" {
		t.Fatalf("hidden deletion stored as %+v", stored)
	}

	// With Message_ShowDeletedStatus on as well, the removal shows ("rm")
	// and the text as it was is kept as a hidden version.
	setSetting(t, admin, "Message_ShowDeletedStatus", true)
	shown := say(t, alice, rid, "version shown removed")
	alice.Post("/api/v1/chat.delete", map[string]any{"roomId": rid, "msgId": shown}).OK(t)
	if g := message(t, bob, shown); g.Str("message.t") != "rm" || g.Str("message.msg") != "" {
		t.Fatalf("removed message: %s", g.Body)
	}
	if v := hiddenVersions(storedMessages(t, srv, rid), shown); len(v) != 1 || v[0].Msg != "version shown removed" || v[0].Type != "" {
		t.Fatalf("version kept by the removal: %+v", v)
	}
	// A refused deletion keeps nothing.
	kept := say(t, alice, rid, "version kept")
	bob.Post("/api/v1/chat.delete", map[string]any{"roomId": rid, "msgId": kept}).Fail(t, 403, "error-action-not-allowed")
	if v := hiddenVersions(storedMessages(t, srv, rid), kept); len(v) != 0 {
		t.Fatalf("refused deletion kept a version: %+v", v)
	}

	// Nowhere does a hidden message show.
	visible := 0
	for _, m := range storedMessages(t, srv, rid) {
		if !m.Hidden {
			visible++
		}
	}
	checkNoHidden(t, srv, alice, rid, visible)

	// A history clean-up removes the hidden records with the messages they
	// were, counting only the messages.
	cleaned := admin.Post("/api/v1/rooms.cleanHistory", map[string]any{
		"roomId": rid, "oldest": "1970-01-01T00:00:00.000Z", "latest": isoMillis(time.Now().Add(time.Minute)),
	}).OK(t)
	if int(cleaned.Num("count")) != visible {
		t.Fatalf("cleanHistory count %v, want %d", cleaned.Num("count"), visible)
	}
	if left := storedMessages(t, srv, rid); len(left) != 0 {
		t.Fatalf("records left after the clean-up: %d (first %+v)", len(left), left[0])
	}
}
