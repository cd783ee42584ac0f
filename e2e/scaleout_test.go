package e2e

import (
	"strings"
	"testing"

	"liftoff/internal/natstest"
	"liftoff/internal/pgtest"
	"liftoff/internal/testserver"
)

// Scale-out tests: real liftoff processes on a PostgreSQL database of
// their own and a NATS subject prefix of their own (docs/scaling.md).

// scaledEnv returns the environment of instances sharing a new PostgreSQL
// database and a new NATS prefix on natsURL (the shared test server when
// empty), with extra entries after.
func scaledEnv(t *testing.T, natsURL string, extra ...string) []string {
	t.Helper()
	if natsURL == "" {
		natsURL = natstest.URL(t)
	}
	env := []string{
		"LIFTOFF_DATABASE_URL=" + pgtest.URL(t),
		"LIFTOFF_NATS_URL=" + natsURL,
		"LIFTOFF_NATS_PREFIX=" + natstest.Prefix(t, natsURL),
		"LIFTOFF_HEARTBEAT=1s", "LIFTOFF_PRESENCE_GRACE=1s",
	}
	return append(env, extra...)
}

func TestScaleOutBinaryOnPostgresAndNATS(t *testing.T) {
	env := scaledEnv(t, "")
	srv := testserver.StartBinary(t, testserver.Options{Env: env})
	if logs := srv.Logs(); !strings.Contains(logs, "store=postgres") || !strings.Contains(logs, "bus=nats") {
		t.Fatalf("the server did not say it runs on PostgreSQL and NATS:\n%s", logs)
	}
	admin := srv.Admin(t)
	aliceREST, alice := rtUser(t, srv, "alice")
	_, bob := rtUser(t, srv, "bob")
	rid := admin.Post("/api/v1/channels.create", map[string]any{"name": "pg-talk", "members": []string{"alice", "bob"}}).OK(t).Str("channel._id")
	bob.sub("stream-room-messages", rid, false)

	id := aliceREST.Post("/api/v1/chat.postMessage", map[string]any{"roomId": rid, "text": "hello through the outbox"}).OK(t).Str("message._id")
	if m := bob.roomMessage(rid, msgWithID(id)); m["msg"] != "hello through the outbox" {
		t.Fatalf("message %v", m)
	}
	aliceREST.Post("/api/v1/chat.update", map[string]any{"roomId": rid, "msgId": id, "text": "edited"}).OK(t)
	bob.roomMessage(rid, func(m map[string]any) bool { return m["_id"] == id && m["msg"] == "edited" })
	var sent map[string]any
	bob.call(&sent, "sendMessage", map[string]any{"rid": rid, "msg": "over ddp"})
	alice.sub("stream-room-messages", rid, false)
	aliceREST.Post("/api/v1/chat.react", map[string]any{"messageId": id, "emoji": ":tada:"}).OK(t)
	alice.roomMessage(rid, func(m map[string]any) bool { return m["_id"] == id && m["reactions"] != nil })

	h := aliceREST.Get("/api/v1/channels.history", "roomId", rid).OK(t)
	if got := ids(h.List("messages")); !includes(got, id) || !includes(got, sent["_id"].(string)) {
		t.Fatalf("history %v lacks the messages", got)
	}
	hits := aliceREST.Get("/api/v1/chat.search", "roomId", rid, "searchText", "edited").OK(t).List("messages")
	if len(hits) != 1 {
		t.Fatalf("search found %d messages, want 1", len(hits))
	}

	// A restart keeps everything: the data is in PostgreSQL, not the data
	// directory (a new, empty one).
	srv.Stop()
	again := testserver.StartBinary(t, testserver.Options{Env: env})
	h = again.Login(t, "alice", "alice-pass").Get("/api/v1/channels.history", "roomId", rid).OK(t)
	if got := ids(h.List("messages")); !includes(got, id) {
		t.Fatalf("history after restart %v lacks %s", got, id)
	}
}
