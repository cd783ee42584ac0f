package realtime

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"liftoff/model"
)

func TestConnectPingPong(t *testing.T) {
	e := newEnv(t, nil)

	// Frames before connect get an error; the connection stays up.
	c := e.dial("/websocket")
	c.read() // server_id
	c.sendJSON(map[string]any{"msg": "ping", "id": "early"})
	if f := c.read(); f.str("msg") != "error" {
		t.Fatalf("frame before connect: got %v, want error", f)
	}
	// An unknown version is answered with failed and a suggestion.
	c.sendJSON(map[string]any{"msg": "connect", "version": "2", "support": []string{"2", "pre1"}})
	if f := c.read(); f.str("msg") != "failed" || f.str("version") != "pre1" {
		t.Fatalf("unknown version: got %v", f)
	}
	c.sendJSON(map[string]any{"msg": "connect", "version": "pre2", "support": []string{"pre2"}})
	if f := c.read(); f.str("msg") != "connected" || len(f.str("session")) != 17 {
		t.Fatalf("connect: got %v", f)
	}
	c.sendJSON(map[string]any{"msg": "ping", "id": "p1"})
	if f := c.read(); f.str("msg") != "pong" || f.str("id") != "p1" {
		t.Fatalf("ping: got %v", f)
	}
	c.sendJSON(map[string]any{"msg": "ping"})
	if f := c.read(); f.str("msg") != "pong" || f["id"] != nil {
		t.Fatalf("ping without id: got %v", f)
	}
	// Two sessions get different ids.
	a, b := e.connect(), e.connect()
	_ = a
	_ = b
}

func TestMalformedFrameKeepsConnection(t *testing.T) {
	e := newEnv(t, nil)
	c := e.connect()
	for _, bad := range []string{`not json`, `{"msg":"method","params":[]}`, `[1,2]`, `{"msg":"bogus"}`} {
		c.sendRaw([]byte(bad))
		f := c.read()
		if f.str("msg") != "error" || f.str("reason") == "" {
			t.Fatalf("%s: got %v, want error frame", bad, f)
		}
	}
	c.sendJSON(map[string]any{"msg": "ping", "id": "alive"})
	if f := c.read(); f.str("msg") != "pong" {
		t.Fatalf("after malformed frames: got %v", f)
	}
	if e.srv.Stats().MalformedFrames < 4 {
		t.Fatalf("stats: %+v", e.srv.Stats())
	}
}

func TestMethodResultAndUpdated(t *testing.T) {
	e := newEnv(t, nil)
	e.auth.add("u1", "alice", "pw")
	e.srv.Handle("echo", func(ctx context.Context, call *Call) (any, error) {
		var s string
		if err := call.Param(0, &s); err != nil {
			return nil, err
		}
		return map[string]any{"said": s, "by": call.User().Username, "at": model.TimeFromMillis(1234)}, nil
	})
	e.srv.Handle("fail", func(ctx context.Context, call *Call) (any, error) {
		return nil, model.ErrRoomNotFound
	})
	e.srv.Handle("crash", func(ctx context.Context, call *Call) (any, error) {
		panic("boom")
	})
	e.srv.HandlePublic("open", func(ctx context.Context, call *Call) (any, error) { return call.User() == nil, nil })

	c := e.connect()
	if r := c.call("open"); r["result"] != true {
		t.Fatalf("public method: %v", r)
	}
	r := c.call("echo", "hi")
	if errv, _ := r["error"].(map[string]any); errv["error"] != "error-invalid-user" {
		t.Fatalf("anonymous call: %v", r)
	}
	r = c.call("nope")
	if errv, _ := r["error"].(map[string]any); errv["error"] != float64(404) {
		t.Fatalf("unknown method: %v", r)
	}

	c = e.login("u1")
	r = c.call("echo", "hi")
	res, _ := r["result"].(map[string]any)
	if res["said"] != "hi" || res["by"] != "alice" {
		t.Fatalf("echo: %v", r)
	}
	if at, _ := res["at"].(map[string]any); at["$date"] != float64(1234) {
		t.Fatalf("EJSON date: %v", res["at"])
	}
	r = c.call("fail")
	errv, _ := r["error"].(map[string]any)
	if errv["error"] != "error-room-not-found" || errv["errorType"] != "Meteor.Error" {
		t.Fatalf("domain error: %v", r)
	}
	r = c.call("crash")
	if errv, _ := r["error"].(map[string]any); errv["error"] != float64(500) {
		t.Fatalf("panicking method: %v", r)
	}
	// The connection survived all of it.
	if r := c.call("echo", "still here"); r["result"] == nil {
		t.Fatalf("after errors: %v", r)
	}
}

func TestLoginForms(t *testing.T) {
	e := newEnv(t, nil)
	e.auth.add("u1", "alice", "secret")
	sum := sha256.Sum256([]byte("secret"))
	digest := hex.EncodeToString(sum[:])

	cases := []struct {
		name   string
		param  any
		typ    string
		failed bool
	}{
		{"resume", map[string]any{"resume": "tok-u1"}, "resume", false},
		{"digest username", map[string]any{"user": map[string]any{"username": "alice"}, "password": map[string]any{"digest": digest, "algorithm": "sha-256"}}, "password", false},
		{"digest email", map[string]any{"user": map[string]any{"email": "alice@example.com"}, "password": map[string]any{"digest": strings.ToUpper(digest), "algorithm": "sha-256"}}, "password", false},
		{"plain password", map[string]any{"user": map[string]any{"username": "alice"}, "password": "secret"}, "password", false},
		{"string user", map[string]any{"user": "alice", "password": "secret"}, "password", false},
		{"totp wrapper", map[string]any{"totp": map[string]any{"login": map[string]any{"user": "alice", "password": "secret"}, "code": "123456"}}, "password", false},
		{"wrong password", map[string]any{"user": "alice", "password": "nope"}, "", true},
		{"bad resume", map[string]any{"resume": "tok-zzz"}, "", true},
		{"other algorithm", map[string]any{"user": "alice", "password": map[string]any{"digest": digest, "algorithm": "md5"}}, "", true},
		{"garbage", "x", "", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := e.connect()
			c.t = t
			r := c.call("login", tc.param)
			if tc.failed {
				if r["error"] == nil {
					t.Fatalf("login succeeded: %v", r)
				}
				return
			}
			res, _ := r["result"].(map[string]any)
			exp, _ := res["tokenExpires"].(map[string]any)
			if res["id"] != "u1" || res["token"] != "tok-u1" || res["type"] != tc.typ || exp["$date"] != float64(1_900_000_000_000) {
				t.Fatalf("login result: %v", r)
			}
		})
	}
}

func TestLogoutEndsUserStreams(t *testing.T) {
	e := newEnv(t, nil)
	e.auth.add("u1", "alice", "pw")
	e.srv.Handle("whoami", func(ctx context.Context, call *Call) (any, error) { return call.User().ID, nil })
	c := e.login("u1")
	c.mustSub(streamNotifyLogged, "user-status", opts)
	c.mustSub(streamNotifyAll, "public-settings-changed", opts)
	c.sendJSON(map[string]any{"msg": "method", "id": "out", "method": "logout", "params": []any{}})
	// The logged-in stream ends with a nosub; the public one does not.
	nosubs := 0
	c.until(func(f frame) bool {
		if f.str("msg") == "nosub" {
			nosubs++
		}
		if f.str("msg") == "result" && f["error"] != nil {
			t.Fatalf("logout: %v", f)
		}
		return f.str("msg") == "updated"
	})
	if nosubs != 1 {
		t.Fatalf("logout ended %d subscriptions, want 1", nosubs)
	}
	if r := c.call("whoami"); r["error"] == nil {
		t.Fatalf("method after logout: %v", r)
	}
	// Public streams keep flowing.
	e.publish(model.SettingChanged{Setting: &model.Setting{ID: "Site_Name", Value: "X", Public: true}})
	if args := c.event(streamNotifyAll, "public-settings-changed"); len(args) != 2 {
		t.Fatalf("public setting after logout: %v", args)
	}
}

func TestRefusedSubscriptions(t *testing.T) {
	e := newEnv(t, nil)
	e.auth.add("u1", "alice", "pw")
	e.auth.add("u2", "bob", "pw")
	e.rooms.join("R1", "u2")

	anon := e.connect()
	if f := anon.sub(streamNotifyLogged, "user-status", opts); f.str("msg") != "nosub" {
		t.Fatalf("anonymous notify-logged: %v", f)
	}
	c := e.login("u1")
	check := func(name string, params ...any) {
		t.Helper()
		f := c.sub(name, params...)
		errv, _ := f["error"].(map[string]any)
		if f.str("msg") != "nosub" || errv == nil {
			t.Fatalf("sub %s %v: got %v, want nosub with error", name, params, f)
		}
	}
	check(streamRoomMessages, "R1", opts)
	check(streamRoomMessages, "R1", false) // legacy parameter form
	check(streamNotifyRoom, "R1/deleteMessage", opts)
	check(streamNotifyUser, "u2/message", opts)
	check(streamNotifyRoom, "no-slash", opts)
	check(streamNotifyLogged, "private-settings-changed", opts)
	check("no-such-publication", "x")
	f := c.sub(streamRoomMessages, "R1", opts)
	if errv, _ := f["error"].(map[string]any); errv["error"] != "error-not-allowed" {
		t.Fatalf("room refusal carries the access error: %v", f)
	}
	// Unsubscribing an unknown id still answers nosub.
	c.sendJSON(map[string]any{"msg": "unsub", "id": "zzz"})
	c.until(func(f frame) bool { return f.str("msg") == "nosub" && f.str("id") == "zzz" })
}

// TestStreamDelivery checks that each event kind reaches the right
// sessions, and only them.
func TestStreamDelivery(t *testing.T) {
	e := newEnv(t, nil)
	alice := e.auth.add("u1", "alice", "pw")
	e.auth.add("u2", "bob", "pw")
	e.rooms.join("R1", "u1", "u2")
	e.rooms.join("R2", "u2")

	a := e.login("u1")
	b := e.login("u2")
	for _, c := range []*client{a, b} {
		c.mustSub(streamRoomMessages, eventMyMessages, opts)
		c.mustSub(streamNotifyLogged, "user-status", opts)
		c.mustSub(streamNotifyAll, "public-settings-changed", opts)
	}
	a.mustSub(streamRoomMessages, "R1", opts)
	a.mustSub(streamNotifyRoom, "R1/deleteMessage", false)
	a.mustSub(streamNotifyRoom, "R1/user-activity", opts)
	a.mustSub(streamNotifyRoom, "R1/typing", opts)
	a.mustSub(streamNotifyUser, "u1/rooms-changed", opts)
	a.mustSub(streamNotifyUser, "u1/subscriptions-changed", opts)
	a.mustSub(streamNotifyUser, "u1/notification", opts)
	a.mustSub(streamNotifyUser, "u1/message", opts)
	a.mustSub(streamUserPresence, "", map[string]any{"added": []string{"u2"}})
	b.mustSub(streamNotifyUser, "u2/rooms-changed", opts)

	// A message in R2 reaches bob only; one in R1 reaches alice twice
	// (room stream and __my_messages__) and bob once.
	e.publish(model.MessageSaved{Message: &model.Message{ID: "m0", RoomID: "R2", Msg: "r2 only", Author: model.UserRef{ID: "u2", Username: "bob"}}, RoomType: "c", RoomName: "two", Created: true})
	msg := &model.Message{ID: "m1", RoomID: "R1", Msg: "hello @alice", Author: model.UserRef{ID: "u2", Username: "bob"}, SentAt: model.TimeFromMillis(5000)}
	e.publish(model.MessageSaved{Message: msg, RoomType: "c", RoomName: "general", Created: true, Notify: []string{"u1"}})

	args := a.event(streamRoomMessages, "R1")
	if m, _ := args[0].(map[string]any); m["_id"] != "m1" || m["ts"].(map[string]any)["$date"] != float64(5000) {
		t.Fatalf("room message: %v", args)
	}
	args = a.event(streamRoomMessages, eventMyMessages)
	if m, _ := args[0].(map[string]any); m["_id"] != "m1" || len(args) != 2 {
		t.Fatalf("my message: %v", args)
	}
	args = a.event(streamNotifyUser, "u1/notification")
	n, _ := args[0].(map[string]any)
	p, _ := n["payload"].(map[string]any)
	if n["title"] != "#general" || n["text"] != "bob: hello @alice" || p["rid"] != "R1" || p["_id"] != "m1" {
		t.Fatalf("notification: %v", args)
	}
	if _, ev, args := b.nextEvent(); ev != eventMyMessages || args[0].(map[string]any)["_id"] != "m0" {
		t.Fatalf("bob's first event: %v %v", ev, args)
	}
	if _, ev, args := b.nextEvent(); ev != eventMyMessages || args[0].(map[string]any)["_id"] != "m1" {
		t.Fatalf("bob's second event: %v %v", ev, args)
	}

	e.publish(model.MessageDeleted{RoomID: "R1", MessageID: "m1"})
	if args := a.event(streamNotifyRoom, "R1/deleteMessage"); args[0].(map[string]any)["_id"] != "m1" {
		t.Fatalf("deleteMessage: %v", args)
	}

	e.publish(model.RoomChanged{Action: model.ActionUpdated, Room: &model.Room{ID: "R1", Type: "c", Name: "general", Topic: "new"}})
	if args := a.event(streamNotifyUser, "u1/rooms-changed"); args[0] != "updated" || args[1].(map[string]any)["topic"] != "new" {
		t.Fatalf("rooms-changed: %v", args)
	}
	if _, ev, args := b.nextEvent(); ev != "u2/rooms-changed" || args[1].(map[string]any)["_id"] != "R1" {
		t.Fatalf("bob rooms-changed: %v %v", ev, args)
	}

	e.publish(model.SubscriptionChanged{Action: model.ActionUpdated, Subscription: &model.Subscription{ID: "s1", RoomID: "R1", User: alice.Ref(), Unread: 3}})
	if args := a.event(streamNotifyUser, "u1/subscriptions-changed"); args[0] != "updated" || args[1].(map[string]any)["unread"] != float64(3) {
		t.Fatalf("subscriptions-changed: %v", args)
	}

	e.publish(model.PresenceChanged{UserID: "u2", Username: "bob", Status: model.StatusAway, StatusText: "lunch"})
	if args := a.event(streamNotifyLogged, "user-status"); !jsonEq(args, `[["u2","bob",2,"lunch"]]`) {
		t.Fatalf("user-status: %v", args)
	}
	f := a.until(func(f frame) bool { return f.str("collection") == streamUserPresence })
	if f.str("id") != "u2" || !jsonEq(f["fields"], `{"uid":"u2","eventName":"u2","args":[["bob",2,"lunch"]]}`) {
		t.Fatalf("user-presence: %v", f)
	}
	if args := b.event(streamNotifyLogged, "user-status"); len(args) != 1 {
		t.Fatalf("bob user-status: %v", args)
	}

	// Typing: bob emits through the stream method; alice hears it, and a
	// wrong username is ignored.
	if r := b.call(streamNotifyRoom, "R1/user-activity", "alice", []string{"user-typing"}, map[string]any{}); r["error"] != nil {
		t.Fatalf("typing as someone else: %v", r)
	}
	if r := b.call(streamNotifyRoom, "R1/user-activity", "bob", []string{"user-typing"}, map[string]any{"tmid": "t1"}); r["error"] != nil {
		t.Fatalf("typing: %v", r)
	}
	args = a.event(streamNotifyRoom, "R1/user-activity")
	if args[0] != "bob" || !jsonEq(args[1], `["user-typing"]`) || !jsonEq(args[2], `{"tmid":"t1"}`) {
		t.Fatalf("user-activity: %v", args)
	}
	if args := a.event(streamNotifyRoom, "R1/typing"); args[0] != "bob" || args[1] != true {
		t.Fatalf("legacy typing: %v", args)
	}

	e.publish(model.SettingChanged{Setting: &model.Setting{ID: "Site_Name", Value: "Liftoff", Public: true}})
	if args := b.event(streamNotifyAll, "public-settings-changed"); args[0] != "updated" || !jsonEq(args[1], `{"_id":"Site_Name","value":"Liftoff"}`) {
		t.Fatalf("public-settings-changed: %v", args)
	}
	if err := e.srv.EmitToUser("u1", "message", map[string]any{"msg": "ephemeral"}); err != nil {
		t.Fatal(err)
	}
	if args := a.event(streamNotifyUser, "u1/message"); args[0].(map[string]any)["msg"] != "ephemeral" {
		t.Fatalf("ephemeral message: %v", args)
	}

	// Bob saw nothing meant for alice: his next event is this marker.
	e.publish(model.SettingChanged{Setting: &model.Setting{ID: "Marker", Value: 1, Public: true}})
	if _, ev, args := b.nextEvent(); ev != "public-settings-changed" || args[1].(map[string]any)["_id"] != "Marker" {
		t.Fatalf("bob got %v %v", ev, args)
	}
}

func TestRemovalStopsDelivery(t *testing.T) {
	e := newEnv(t, nil)
	alice := e.auth.add("u1", "alice", "pw")
	e.rooms.join("R1", "u1")
	e.rooms.join("R2", "u1")
	a := e.login("u1")
	a.mustSub(streamRoomMessages, "R1", opts)
	a.mustSub(streamRoomMessages, eventMyMessages, opts)
	a.mustSub(streamNotifyRoom, "R1/deleteMessage", opts)

	e.rooms.leave("R1", "u1")
	e.publish(
		model.SubscriptionChanged{Action: model.ActionRemoved, Subscription: &model.Subscription{ID: "s1", RoomID: "R1", User: alice.Ref()}},
		model.MessageSaved{Message: &model.Message{ID: "secret", RoomID: "R1", Msg: "after kick"}},
		model.MessageDeleted{RoomID: "R1", MessageID: "secret"},
		model.MessageSaved{Message: &model.Message{ID: "marker", RoomID: "R2", Msg: "still here"}},
	)
	coll, ev, args := a.nextEvent()
	if coll != streamRoomMessages || ev != eventMyMessages || args[0].(map[string]any)["_id"] != "marker" {
		t.Fatalf("after removal got %s %s %v, want the R2 marker", coll, ev, args)
	}
	// Re-subscribing is refused now.
	if f := a.sub(streamRoomMessages, "R1", opts); f.str("msg") != "nosub" {
		t.Fatalf("resubscribe after kick: %v", f)
	}
	// Joining again restores __my_messages__ delivery.
	e.rooms.join("R1", "u1")
	e.publish(
		model.SubscriptionChanged{Action: model.ActionInserted, Subscription: &model.Subscription{ID: "s2", RoomID: "R1", User: alice.Ref()}},
		model.MessageSaved{Message: &model.Message{ID: "back", RoomID: "R1"}},
	)
	if _, ev, args := a.nextEvent(); ev != eventMyMessages || args[0].(map[string]any)["_id"] != "back" {
		t.Fatalf("after rejoin: %v %v", ev, args)
	}
}

func TestSlowConsumerIsDisconnected(t *testing.T) {
	e := newEnv(t, func(c *Config) {
		c.SendQueueFrames = 16
		c.SendQueueBytes = 1 << 20
	})
	e.auth.add("u1", "alice", "pw")
	e.auth.add("u2", "bob", "pw")
	e.rooms.join("R1", "u1", "u2")
	slow := e.login("u1")
	slow.mustSub(streamRoomMessages, "R1", opts)
	fast := e.login("u2")
	fast.mustSub(streamRoomMessages, "R1", opts)

	// The slow client stops reading. Publish far more than socket buffers
	// and its queue can hold, one message at a time, and check that each
	// reaches the fast client promptly all along.
	big := strings.Repeat("x", 32<<10)
	const n = 600
	var worst time.Duration
	for i := range n {
		start := time.Now()
		e.publish(model.MessageSaved{Message: &model.Message{ID: "m" + itoa(i), RoomID: "R1", Msg: big}})
		args := fast.event(streamRoomMessages, "R1")
		if id := args[0].(map[string]any)["_id"]; id != "m"+itoa(i) {
			t.Fatalf("fast client: message %d is %v", i, id)
		}
		worst = max(worst, time.Since(start))
	}
	if worst > time.Second {
		t.Fatalf("fast client waited up to %v for a message", worst)
	}
	// The slow client finds its connection closed after what was buffered.
	for {
		if _, err := slow.readTimeout(5 * time.Second); err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				t.Fatal("slow client connection still open")
			}
			break
		}
	}
	// The server counted the slow consumer before it closed the connection.
	if e.srv.Stats().SlowConsumers != 1 {
		t.Fatalf("stats: %+v", e.srv.Stats())
	}
}

func TestHeartbeat(t *testing.T) {
	e := newEnv(t, func(c *Config) {
		c.HeartbeatInterval = 40 * time.Millisecond
		c.HeartbeatTimeout = 60 * time.Millisecond
	})
	// A client answering pings stays connected.
	live := e.connect()
	pings := 0
	deadline := time.Now().Add(400 * time.Millisecond)
	for time.Now().Before(deadline) {
		f, err := live.readTimeout(time.Until(deadline) + 10*time.Millisecond)
		if err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				break
			}
			t.Fatalf("answering client lost its connection: %v", err)
		}
		if f.str("msg") == "ping" {
			pings++
			live.sendJSON(map[string]any{"msg": "pong"})
		}
	}
	if pings < 2 {
		t.Fatalf("got %d pings in 400ms", pings)
	}
	// A silent client is closed.
	silent := e.connect()
	start := time.Now()
	for {
		_, err := silent.readTimeout(3 * time.Second)
		if err == nil {
			continue
		}
		if errors.Is(err, context.DeadlineExceeded) {
			t.Fatal("silent connection not closed")
		}
		break
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("closed after %v", d)
	}
	if e.srv.Stats().HeartbeatTimeouts < 1 {
		t.Fatalf("stats: %+v", e.srv.Stats())
	}
}

func TestFrameSizeLimit(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.MaxFrameBytes = 1024 })
	c := e.connect()
	c.sendJSON(map[string]any{"msg": "ping", "id": strings.Repeat("a", 900)})
	if f := c.read(); f.str("msg") != "pong" {
		t.Fatalf("frame under the limit: %v", f)
	}
	c.sendJSON(map[string]any{"msg": "ping", "id": strings.Repeat("a", 2000)})
	_, err := c.readTimeout(5 * time.Second)
	if websocket.CloseStatus(err) != websocket.StatusMessageTooBig {
		t.Fatalf("oversized frame: got %v, want close 1009", err)
	}
	// The server is still up for others.
	e.connect()
}

func TestMethodRateLimit(t *testing.T) {
	e := newEnv(t, func(c *Config) {
		c.MethodRate = 0.5
		c.MethodBurst = 3
	})
	e.auth.add("u1", "alice", "pw")
	e.srv.HandlePublic("noop", func(ctx context.Context, call *Call) (any, error) { return true, nil })
	c := e.connect()
	for i := range 3 {
		if r := c.call("noop"); r["result"] != true {
			t.Fatalf("call %d: %v", i, r)
		}
	}
	r := c.call("noop")
	errv, _ := r["error"].(map[string]any)
	if errv["error"] != "too-many-requests" {
		t.Fatalf("4th call: %v", r)
	}
	if d, _ := errv["details"].(map[string]any); d["timeToReset"] == nil {
		t.Fatalf("no timeToReset: %v", errv)
	}
	// Another connection has its own budget.
	if r := e.connect().call("noop"); r["result"] != true {
		t.Fatalf("other connection: %v", r)
	}
}

func TestSockJSEndpoint(t *testing.T) {
	e := newEnv(t, nil)
	c := e.dial("/sockjs/123/abcdefgh/websocket")
	readRaw := func() string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, b, err := c.ws.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	if got := readRaw(); got != "o" {
		t.Fatalf("open frame: %q", got)
	}
	// The server id may come alone or with later frames; collect DDP
	// messages until "connected" shows up.
	var msgs []string
	collect := func(want string) {
		t.Helper()
		for !strings.Contains(strings.Join(msgs, "\n"), want) {
			raw := readRaw()
			if !strings.HasPrefix(raw, "a") {
				t.Fatalf("sockjs frame %q", raw)
			}
			var batch []string
			if err := json.Unmarshal([]byte(raw[1:]), &batch); err != nil {
				t.Fatalf("sockjs frame %q: %v", raw, err)
			}
			msgs = append(msgs, batch...)
		}
	}
	collect(`"server_id"`)
	inner, _ := json.Marshal(map[string]any{"msg": "connect", "version": "1", "support": []string{"1"}})
	outer, _ := json.Marshal([]string{string(inner), `{"msg":"ping","id":"x"}`})
	c.sendRaw(outer)
	collect(`"msg":"connected"`)
	collect(`"msg":"pong","id":"x"`)

	resp, err := e.http.Client().Get(e.http.URL + "/sockjs/info")
	if err != nil {
		t.Fatal(err)
	}
	var info map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&info)
	resp.Body.Close()
	if info["websocket"] != true {
		t.Fatalf("sockjs info: %v", info)
	}
}

func TestUserPresenceSubscriptionUpdates(t *testing.T) {
	e := newEnv(t, nil)
	e.auth.add("u1", "alice", "pw")
	c := e.login("u1")
	c.mustSub(streamUserPresence, "", map[string]any{"added": []string{"u2"}})
	// A later sub only changes the watched users and stops at once.
	if f := c.sub(streamUserPresence, "", map[string]any{"added": []string{"u3"}, "removed": []string{"u2"}}); f.str("msg") != "nosub" || f["error"] != nil {
		t.Fatalf("second presence sub: %v", f)
	}
	e.publish(
		model.PresenceChanged{UserID: "u2", Username: "bob", Status: model.StatusOnline},
		model.PresenceChanged{UserID: "u3", Username: "carol", Status: model.StatusBusy},
	)
	f := c.until(func(f frame) bool { return f.str("collection") == streamUserPresence })
	if f.str("id") != "u3" {
		t.Fatalf("presence event for %v, want only u3", f)
	}
}

func jsonEq(v any, want string) bool {
	got, err := json.Marshal(v)
	if err != nil {
		return false
	}
	var a, b any
	if json.Unmarshal(got, &a) != nil || json.Unmarshal([]byte(want), &b) != nil {
		return false
	}
	ga, _ := json.Marshal(a)
	gb, _ := json.Marshal(b)
	return string(ga) == string(gb)
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}

// TestEarlyClientBytes sends the DDP connect frame in the same packet as
// the upgrade request: the bytes net/http buffered must not be lost when
// the connection is handed to the WebSocket layer.
func TestEarlyClientBytes(t *testing.T) {
	e := newEnv(t, nil)
	addr := strings.TrimPrefix(e.http.URL, "http://")
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	connect := []byte(`{"msg":"connect","version":"1","support":["1"]}`)
	req := "GET /websocket HTTP/1.1\r\nHost: " + addr + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
	packet := append([]byte(req), 0x81, 0x80|byte(len(connect)), 0, 0, 0, 0)
	if _, err := conn.Write(append(packet, connect...)); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	c := &rawClient{conn: conn, r: bufio.NewReader(conn)}
	for {
		line, err := c.r.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if line == "\r\n" {
			break
		}
	}
	for {
		p, err := c.read()
		if err != nil {
			t.Fatalf("reading: %v", err)
		}
		if strings.Contains(string(p), `"msg":"connected"`) {
			return
		}
		if !strings.Contains(string(p), "server_id") {
			t.Fatalf("unexpected frame %q", p)
		}
	}
}

// An error that names the method raising it gets the name of the method
// the client called in its details, on a connection and through Invoke.
func TestMethodErrorNamesMethod(t *testing.T) {
	e := newEnv(t, nil)
	refusal := model.Forbidden("error-not-allowed", "Not allowed").WithDetails(map[string]any{"action": "x"}).InMethod()
	e.srv.HandlePublic("refuse", func(ctx context.Context, call *Call) (any, error) { return nil, refusal })
	e.srv.HandlePublic("plain", func(ctx context.Context, call *Call) (any, error) {
		return nil, model.Forbidden("error-not-allowed", "Not allowed")
	})
	c := e.connect()
	errv, _ := c.call("refuse")["error"].(map[string]any)
	if d, _ := errv["details"].(map[string]any); d["method"] != "refuse" || d["action"] != "x" {
		t.Fatalf("details: %v", errv)
	}
	if errv, _ := c.call("plain")["error"].(map[string]any); errv["details"] != nil {
		t.Fatalf("an unmarked error gained details: %v", errv)
	}
	_, err := e.srv.Invoke(context.Background(), nil, "", "127.0.0.1", "refuse", nil)
	if de, ok := model.AsError(err); !ok || de.Details["method"] != "refuse" {
		t.Fatalf("Invoke: %v", err)
	}
	if _, ok := refusal.Details["method"]; ok {
		t.Fatal("the method's error value was modified")
	}
}
