package e2e

import (
	"fmt"
	"testing"
	"time"

	"liftoff/internal/testserver"
)

// End-to-end tests of chat.syncThreadsList and chat.syncThreadMessages.

// nowISO returns the server's present as an ISO date, a few milliseconds
// clear of the writes made just before and just after it.
func nowISO(t *testing.T, srv *testserver.Server) string {
	srv.Advance(t, 5*time.Millisecond)
	s := srv.Now().UTC().Format("2006-01-02T15:04:05.000Z")
	srv.Advance(t, 5*time.Millisecond)
	return s
}

func TestThreadSync(t *testing.T) {
	srv := testserver.Start(t)
	admin := srv.Admin(t)
	alice := chatUser(t, srv, "alice")
	bob := chatUser(t, srv, "bob")
	carol := chatUser(t, srv, "carol")
	rid := chatRoom(t, alice, "channels", "thread-sync", "bob")
	reply := func(c *testserver.Client, tmid, text string) string {
		t.Helper()
		return c.Post("/api/v1/chat.sendMessage", map[string]any{"message": map[string]any{"rid": rid, "msg": text, "tmid": tmid}}).OK(t).Str("message._id")
	}
	epoch := "1970-01-01T00:00:00.000Z"

	plain := say(t, alice, rid, "not a thread")
	p1 := say(t, alice, rid, "first thread")
	r1 := reply(bob, p1, "reply one")
	r2 := reply(alice, p1, "reply two")
	p2 := say(t, bob, rid, "second thread")
	q1 := reply(alice, p2, "second thread reply")

	// Everything since the epoch: both threads, oldest first; no removals.
	all := bob.Get("/api/v1/chat.syncThreadsList", "rid", rid, "updatedSince", epoch).OK(t)
	if got := fmt.Sprint(ids(all.List("threads.update"))); got != fmt.Sprint([]string{p1, p2}) {
		t.Fatalf("threads update = %s, want [%s %s] (not %s)", got, p1, p2, plain)
	}
	if l := all.List("threads.remove"); l == nil || len(l) != 0 {
		t.Fatalf("threads remove: %s", all.Body)
	}
	if all.Num("threads.update.0.tcount") != 2 {
		t.Fatalf("thread record: %s", all.Body)
	}
	msgs := bob.Get("/api/v1/chat.syncThreadMessages", "tmid", p1, "updatedSince", epoch).OK(t)
	if got := fmt.Sprint(ids(msgs.List("messages.update"))); got != fmt.Sprint([]string{r1, r2}) {
		t.Fatalf("thread messages update = %s", got)
	}
	if l := msgs.List("messages.remove"); l == nil || len(l) != 0 {
		t.Fatalf("thread messages remove: %s", msgs.Body)
	}
	// sort applies to the updated records.
	desc := bob.Get("/api/v1/chat.syncThreadMessages", "tmid", p1, "updatedSince", epoch, "sort", `{"ts":-1}`).OK(t)
	if got := fmt.Sprint(ids(desc.List("messages.update"))); got != fmt.Sprint([]string{r2, r1}) {
		t.Fatalf("sorted thread messages = %s", got)
	}

	// Changes after a date: an edited reply, a deleted reply (which also
	// changes its thread's counter), a removed thread.
	since := nowISO(t, srv)
	alice.Post("/api/v1/chat.update", map[string]any{"roomId": rid, "msgId": r2, "text": "reply two, edited"}).OK(t)
	bob.Post("/api/v1/chat.delete", map[string]any{"roomId": rid, "msgId": r1}).OK(t)
	m := message(t, alice, p2)
	ts := m.Str("message.ts")
	admin.Post("/api/v1/rooms.cleanHistory", map[string]any{"roomId": rid, "oldest": ts, "latest": ts, "inclusive": true}).OK(t)

	th := bob.Get("/api/v1/chat.syncThreadsList", "rid", rid, "updatedSince", since).OK(t)
	if got := fmt.Sprint(ids(th.List("threads.update"))); got != fmt.Sprint([]string{p1}) || th.Num("threads.update.0.tcount") != 1 {
		t.Fatalf("threads updated since: %s", th.Body)
	}
	if got := fmt.Sprint(ids(th.List("threads.remove"))); got != fmt.Sprint([]string{p2}) || th.Str("threads.remove.0._deletedAt") == "" {
		t.Fatalf("threads removed since: %s", th.Body)
	}
	tm := bob.Get("/api/v1/chat.syncThreadMessages", "tmid", p1, "updatedSince", since).OK(t)
	if got := fmt.Sprint(ids(tm.List("messages.update"))); got != fmt.Sprint([]string{r2}) || tm.Str("messages.update.0.msg") != "reply two, edited" {
		t.Fatalf("thread messages updated since: %s", tm.Body)
	}
	if got := fmt.Sprint(ids(tm.List("messages.remove"))); got != fmt.Sprint([]string{r1}) || tm.Str("messages.remove.0._deletedAt") == "" {
		t.Fatalf("thread messages removed since: %s", tm.Body)
	}
	// The second thread's reply survived the clean-up; its thread is gone.
	if g := message(t, alice, q1); g.Str("message.tmid") != p2 {
		t.Fatalf("surviving reply: %s", g.Body)
	}
	// Nothing after now.
	later := nowISO(t, srv)
	if l := bob.Get("/api/v1/chat.syncThreadsList", "rid", rid, "updatedSince", later).OK(t); len(l.List("threads.update"))+len(l.List("threads.remove")) != 0 {
		t.Fatalf("changes after the last write: %s", l.Body)
	}

	// Refusals and bad input.
	group := chatRoom(t, alice, "groups", "thread-sync-private")
	gp := say(t, alice, group, "private thread")
	alice.Post("/api/v1/chat.sendMessage", map[string]any{"message": map[string]any{"rid": group, "msg": "private reply", "tmid": gp}}).OK(t)
	carol.Get("/api/v1/chat.syncThreadsList", "rid", group, "updatedSince", epoch).Fail(t, 403, "error-not-allowed")
	carol.Get("/api/v1/chat.syncThreadMessages", "tmid", gp, "updatedSince", epoch).Fail(t, 403, "error-not-allowed")
	carol.Get("/api/v1/chat.syncThreadsList", "rid", "no-such-room", "updatedSince", epoch).Fail(t, 403, "error-not-allowed")
	bob.Get("/api/v1/chat.syncThreadMessages", "tmid", "no-such-message", "updatedSince", epoch).Fail(t, 400, "error-invalid-message")
	bob.Get("/api/v1/chat.syncThreadsList", "rid", rid).Fail(t, 400, "The 'updatedSince' param is required")
	bob.Get("/api/v1/chat.syncThreadsList", "updatedSince", epoch).Fail(t, 400, "The 'rid' param is required")
	bob.Get("/api/v1/chat.syncThreadMessages", "tmid", p1).Fail(t, 400, "The 'updatedSince' param is required")
	bob.Get("/api/v1/chat.syncThreadsList", "rid", rid, "updatedSince", "yesterday").Fail(t, 400, "error-updatedSince-param-invalid")
	bob.Get("/api/v1/chat.syncThreadMessages", "tmid", p1, "updatedSince", "yesterday").Fail(t, 400, "error-updatedSince-param-invalid")
	bob.Get("/api/v1/chat.syncThreadMessages", "tmid", p1, "updatedSince", epoch, "sort", `{"msg":1}`).Fail(t, 400, "error-invalid-sort")

	// Threads disabled: both calls refuse before looking at anything else.
	setSetting(t, admin, "Threads_enabled", false)
	bob.Get("/api/v1/chat.syncThreadsList", "rid", rid, "updatedSince", "yesterday").Fail(t, 403, "error-not-allowed")
	bob.Get("/api/v1/chat.syncThreadMessages", "tmid", p1, "updatedSince", epoch).Fail(t, 403, "error-not-allowed")
}
