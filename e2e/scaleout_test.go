package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"liftoff/internal/natstest"
	"liftoff/internal/pgtest"
	"liftoff/internal/testserver"
)

// Scale-out tests: real liftoff processes on a PostgreSQL database of
// their own and a NATS subject prefix of their own (docs/scaling.md).

// scaledEnv returns the environment of instances sharing a new PostgreSQL
// database and a new NATS prefix on natsURL (the shared test server when
// empty, with a prefix of the test's own; a server of the test's own gets
// the default prefix), with extra entries after.
func scaledEnv(t *testing.T, natsURL string, extra ...string) []string {
	t.Helper()
	if testing.Short() {
		t.Skip("scale-out test: several real instances for tens of seconds; make test runs it")
	}
	prefix := "liftoff"
	if natsURL == "" {
		natsURL = natstest.URL(t)
		prefix = natstest.Prefix(t, natsURL)
	}
	env := []string{
		"LIFTOFF_DATABASE_URL=" + pgtest.URL(t),
		"LIFTOFF_NATS_URL=" + natsURL,
		"LIFTOFF_NATS_PREFIX=" + prefix,
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

// startCluster starts n instances of the binary on the environment env
// (scaledEnv), one after the other.
func startCluster(t *testing.T, n int, env []string) []*testserver.Server {
	t.Helper()
	srvs := make([]*testserver.Server, n)
	for i := range srvs {
		srvs[i] = testserver.StartBinary(t, testserver.Options{Env: env})
	}
	return srvs
}

// eventually retries check until it returns "" or the deadline passes, for
// state that reaches the other instances by an event the test cannot see
// (a cache applying a setting); it fails with check's last answer.
func eventually(t *testing.T, what string, check func() string) {
	t.Helper()
	deadline := time.Now().Add(ddpWait)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		msg := check()
		if msg == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still %s after %s", what, msg, ddpWait)
		}
		<-tick.C
	}
}

func TestScaleOutThreeInstances(t *testing.T) {
	srvs := startCluster(t, 3, scaledEnv(t, ""))
	a, b, c := srvs[0], srvs[1], srvs[2]
	admin := a.Admin(t)
	aliceREST, alice := rtUser(t, a, "alice") // alice on A
	bobREST := b.CreateUser(t, "bob")         // bob and carol on B and C
	carolREST := c.CreateUser(t, "carol")
	bob := ddpDial(t, b)
	bob.login("bob", "bob-pass")
	carol := ddpDial(t, c)
	carol.login("carol", "carol-pass")
	rid := admin.Post("/api/v1/channels.create", map[string]any{"name": "everywhere", "members": []string{"alice", "bob", "carol"}}).OK(t).Str("channel._id")
	for _, cl := range []*ddpConn{alice, bob, carol} {
		cl.sub("stream-room-messages", rid, false)
		cl.sub("stream-notify-room", rid+"/user-activity", false)
	}

	t.Run("a message posted on A reaches B and C once", func(t *testing.T) {
		id := aliceREST.Post("/api/v1/chat.postMessage", map[string]any{"roomId": rid, "text": "hello from A"}).OK(t).Str("message._id")
		for _, cl := range []*ddpConn{alice, bob, carol} {
			if m := cl.roomMessage(rid, msgWithID(id)); m["msg"] != "hello from A" {
				t.Fatalf("message %v", m)
			}
		}
		// Once: a later message arrives with no copy of the first between.
		id2 := bobREST.Post("/api/v1/chat.postMessage", map[string]any{"roomId": rid, "text": "from B"}).OK(t).Str("message._id")
		carol.roomMessage(rid, func(m map[string]any) bool {
			if m["_id"] == id {
				t.Fatalf("message %s delivered twice on C", id)
			}
			return m["_id"] == id2
		})
	})

	t.Run("edits, reactions and typing cross instances", func(t *testing.T) {
		id := carolREST.Post("/api/v1/chat.postMessage", map[string]any{"roomId": rid, "text": "typo"}).OK(t).Str("message._id")
		alice.roomMessage(rid, msgWithID(id))
		carolREST.Post("/api/v1/chat.update", map[string]any{"roomId": rid, "msgId": id, "text": "fixed"}).OK(t)
		alice.roomMessage(rid, func(m map[string]any) bool { return m["_id"] == id && m["msg"] == "fixed" })
		bobREST.Post("/api/v1/chat.react", map[string]any{"messageId": id, "emoji": ":+1:"}).OK(t)
		for _, cl := range []*ddpConn{alice, carol} {
			cl.roomMessage(rid, func(m map[string]any) bool {
				r, _ := m["reactions"].(map[string]any)
				return m["_id"] == id && r[":+1:"] != nil
			})
		}
		alice.callRaw("stream-notify-room", rid+"/user-activity", "alice", []string{"user-typing"}, map[string]any{})
		for _, cl := range []*ddpConn{bob, carol} {
			cl.event("stream-notify-room", rid+"/user-activity", func(args []any) bool { return len(args) > 0 && args[0] == "alice" })
		}
	})

	t.Run("a room created on B is usable on C at once", func(t *testing.T) {
		rid2 := bobREST.Post("/api/v1/channels.create", map[string]any{"name": "made-on-b", "members": []string{"carol"}}).OK(t).Str("channel._id")
		id := carolREST.Post("/api/v1/chat.postMessage", map[string]any{"roomId": rid2, "text": "first on C"}).OK(t).Str("message._id")
		h := b.Login(t, "bob", "bob-pass").Get("/api/v1/channels.history", "roomId", rid2).OK(t)
		if !includes(ids(h.List("messages")), id) {
			t.Fatalf("B's history lacks C's message: %s", h.Body)
		}
		// Room changes reach subscribers of the other instances.
		bob.sub("stream-notify-user", bob.userID+"/rooms-changed", false)
		c.Admin(t).Post("/api/v1/channels.setTopic", map[string]any{"roomId": rid2, "topic": "set on C"}).OK(t)
		bob.event("stream-notify-user", bob.userID+"/rooms-changed", func(args []any) bool {
			r, _ := args[1].(map[string]any)
			return r["_id"] == rid2 && r["topic"] == "set on C"
		})
	})

	t.Run("a login token of A works on B and C", func(t *testing.T) {
		if got := alice.restClient(t, b).Get("/api/v1/me").OK(t).Str("username"); got != "alice" {
			t.Fatalf("me on B = %q", got)
		}
		again := ddpDial(t, c)
		var res struct {
			ID string `json:"id"`
		}
		again.call(&res, "login", map[string]any{"resume": alice.token})
		if res.ID != alice.userID {
			t.Fatalf("resume on C logged in %q", res.ID)
		}
		// A logout on C ends the token everywhere.
		tok := b.Login(t, "carol", "carol-pass")
		if r := tok.Post("/api/v1/logout", nil); r.Status != 200 {
			t.Fatalf("logout: %d %s", r.Status, r.Body)
		}
		tok2 := c.Anon(t)
		tok2.UserID, tok2.Token = tok.UserID, tok.Token
		tok2.Get("/api/v1/me").Fail(t, 401, "")
	})

	t.Run("user changes reach the other instances", func(t *testing.T) {
		carol.sub("stream-notify-logged", "Users:NameChanged", false)
		admin.Post("/api/v1/users.update", map[string]any{"userId": bobREST.UserID, "data": map[string]any{"name": "Robert"}}).OK(t)
		carol.event("stream-notify-logged", "Users:NameChanged", func(args []any) bool {
			u, _ := args[0].(map[string]any)
			return u["_id"] == bobREST.UserID && u["name"] == "Robert"
		})
		if n := c.Admin(t).Get("/api/v1/users.info", "userId", bobREST.UserID).OK(t).Str("user.name"); n != "Robert" {
			t.Fatalf("name on C = %q", n)
		}
	})

	t.Run("settings changed on A apply on B and C", func(t *testing.T) {
		id := bobREST.Post("/api/v1/chat.postMessage", map[string]any{"roomId": rid, "text": "editable"}).OK(t).Str("message._id")
		admin.Post("/api/v1/settings/Message_AllowEditing", map[string]any{"value": false}).OK(t)
		eventually(t, "editing refused on B", func() string {
			r := bobREST.Post("/api/v1/chat.update", map[string]any{"roomId": rid, "msgId": id, "text": "edited?"})
			if r.Status == 200 {
				return "allowed"
			}
			return ""
		})
		// B and C receive the change independently over the bus: C's copy
		// may land a moment after B's.
		eventually(t, "C's public setting off", func() string {
			info := c.Anon(t).Get("/api/v1/settings.public", "_id", "Message_AllowEditing").OK(t)
			if v := info.List("settings"); len(v) != 1 || v[0].(map[string]any)["value"] != false {
				return string(info.Body)
			}
			return ""
		})
		admin.Post("/api/v1/settings/Message_AllowEditing", map[string]any{"value": true}).OK(t)
		eventually(t, "editing allowed on C", func() string {
			r := c.Login(t, "bob", "bob-pass").Post("/api/v1/chat.update", map[string]any{"roomId": rid, "msgId": id, "text": "edited"})
			if r.Status != 200 {
				return "refused: " + string(r.Body)
			}
			return ""
		})
	})

	t.Run("permissions changed on A apply on B and C", func(t *testing.T) {
		perms := admin.Get("/api/v1/permissions.listAll").OK(t).List("update")
		var roles []any
		for _, p := range perms {
			if p := p.(map[string]any); p["_id"] == "create-c" {
				roles = p["roles"].([]any)
			}
		}
		var without []string
		for _, r := range roles {
			if r != "user" {
				without = append(without, r.(string))
			}
		}
		admin.Post("/api/v1/permissions.update", map[string]any{"permissions": []any{map[string]any{"_id": "create-c", "roles": without}}}).OK(t)
		for i, srv := range []*testserver.Server{b, c} {
			cl := []*testserver.Client{bobREST, carolREST}[i]
			_ = srv
			n := 0
			eventually(t, "create-c refused", func() string {
				n++
				r := cl.Post("/api/v1/channels.create", map[string]any{"name": fmt.Sprintf("perm-%d-%d", i, n)})
				if r.Status == 200 {
					return "allowed"
				}
				return ""
			})
		}
	})
}

// TestScaleOutPresence: presence is cluster-wide. A user connected to two
// instances stays online when one connection closes; the users of an
// instance that dies turn offline within a bounded time; every instance's
// watchers see the changes.
func TestScaleOutPresence(t *testing.T) {
	srvs := startCluster(t, 3, scaledEnv(t, "", "LIFTOFF_CLUSTER_HEARTBEAT=200ms"))
	a, b, c := srvs[0], srvs[1], srvs[2]
	_, watcher := rtUser(t, c, "watcher")
	daveREST := a.CreateUser(t, "dave")
	eveREST := a.CreateUser(t, "eve")
	watcher.sub("stream-notify-logged", "user-status", false)
	status := func(uid string, want float64, forbid ...float64) {
		t.Helper()
		watcher.event("stream-notify-logged", "user-status", func(args []any) bool {
			s, _ := args[0].([]any)
			if len(s) < 3 || s[0] != uid {
				return false
			}
			for _, f := range forbid {
				if s[2] == f {
					t.Fatalf("user %s went to status %v", uid, f)
				}
			}
			return s[2] == want
		})
	}

	onA := ddpDial(t, a)
	onA.login("dave", "dave-pass")
	status(daveREST.UserID, 1)
	onB := ddpDial(t, b)
	onB.login("dave", "dave-pass")
	_ = onA.ws.CloseNow()
	// Past A's grace period (1s): eve connects to A after dave's connection
	// closed and leaves; her offline comes after dave's grace ended.
	eve := ddpDial(t, a)
	eve.login("eve", "eve-pass")
	status(eveREST.UserID, 1)
	_ = eve.ws.CloseNow()
	status(eveREST.UserID, 0)
	// Dave is still online (his connection on B): no offline before the
	// marker (his away status, set on B).
	onB.call(nil, "UserPresence:away")
	status(daveREST.UserID, 2, 0)
	if p := c.Admin(t).Get("/api/v1/users.getPresence", "userId", daveREST.UserID).OK(t).Str("presence"); p != "away" {
		t.Fatalf("presence on C: %s", p)
	}

	// B dies with dave's only connection: dave turns offline (three
	// heartbeats of 200ms, then a sweep by A or C).
	onB.call(nil, "UserPresence:online")
	status(daveREST.UserID, 1)
	killed := time.Now()
	b.Kill()
	status(daveREST.UserID, 0)
	t.Logf("offline %s after the kill", time.Since(killed).Round(time.Millisecond))
}

// TestScaleOutLoginLimit: failed logins spread over instances add up, and
// the block holds on every instance (auth/loginlimit).
func TestScaleOutLoginLimit(t *testing.T) {
	srvs := startCluster(t, 2, scaledEnv(t, "", "OVERWRITE_SETTING_Block_Multiple_Failed_Logins_Attempts_Until_Block_by_User=4"))
	srvs[0].CreateUser(t, "mallory-target")
	login := func(srv *testserver.Server, password string) *testserver.Response {
		return srv.Anon(t).Post("/api/v1/login", map[string]any{"user": "mallory-target", "password": password})
	}
	for i := range 4 { // 2 failures on each instance: 4 in all
		if r := login(srvs[i%2], "wrong"); r.Status != 401 {
			t.Fatalf("failure %d: %d %s", i, r.Status, r.Body)
		}
	}
	for _, srv := range srvs {
		r := login(srv, "mallory-target-pass") // the right password, blocked all the same
		if r.Status == 200 || !strings.Contains(string(r.Body), "This user is blocked due to too many failed login attempts") {
			t.Fatalf("login after 4 failures on 2 instances: %d %s", r.Status, r.Body)
		}
	}
}
