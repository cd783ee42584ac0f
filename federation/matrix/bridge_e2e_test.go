package matrix_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"liftoff/internal/peer"
	"liftoff/internal/testserver"
)

// These tests run the real liftoff binary bridged to a real Dendrite
// (v0.13.8, scripts/peers.d/dendrite.sh), and drive a Matrix user through
// the Client-Server API. The homeserver reaches Liftoff through a small
// proxy of the test's, whose port stays while Liftoff restarts.

const (
	asToken = "as-token-for-the-bridge-tests"
	hsToken = "hs-token-for-the-bridge-tests"
)

// dendrite is a running homeserver.
type dendrite struct {
	t      *testing.T
	bin    string
	dir    string
	port   int
	server string // the server name, 127.0.0.1:port
	url    string
	proc   *peer.Process
}

// newDendrite prepares a homeserver's directory and port; start runs it
// with the registration the liftoff binary prints.
func newDendrite(t *testing.T) *dendrite {
	t.Helper()
	bin := peer.Path(t, "dendrite")
	dir := t.TempDir()
	port := peer.FreePort(t)
	d := &dendrite{t: t, bin: bin, dir: dir, port: port, server: fmt.Sprintf("127.0.0.1:%d", port), url: fmt.Sprintf("http://127.0.0.1:%d", port)}
	d.run("generate-keys", "--private-key", "matrix_key.pem")
	return d
}

func (d *dendrite) run(args ...string) []byte {
	d.t.Helper()
	cmd := exec.Command(d.bin, args...)
	cmd.Dir = d.dir
	out, err := cmd.Output()
	if err != nil {
		d.t.Fatalf("dendrite %v: %v", args, err)
	}
	return out
}

// configure writes dendrite.yaml with the appservice registration.
func (d *dendrite) configure(registration []byte) {
	d.t.Helper()
	cfg := string(d.run("generate-config", "-ci", "-dir", d.dir, "-server", d.server))
	regPath := filepath.Join(d.dir, "appservice.yaml")
	if err := os.WriteFile(regPath, registration, 0o600); err != nil {
		d.t.Fatal(err)
	}
	cfg = strings.Replace(cfg, "config_files: []", "config_files: ["+regPath+"]", 1)
	if err := os.WriteFile(filepath.Join(d.dir, "dendrite.yaml"), []byte(cfg), 0o600); err != nil {
		d.t.Fatal(err)
	}
}

// bridgeEnv is the liftoff environment of a bridge to d through p.
func bridgeEnv(d *dendrite, p *proxy) []string {
	return []string{
		"OVERWRITE_SETTING_Federation_Matrix_enabled=true",
		"OVERWRITE_SETTING_Federation_Matrix_as_token=" + asToken,
		"OVERWRITE_SETTING_Federation_Matrix_hs_token=" + hsToken,
		"OVERWRITE_SETTING_Federation_Matrix_homeserver_url=" + d.url,
		"OVERWRITE_SETTING_Federation_Matrix_homeserver_domain=" + d.server,
		"OVERWRITE_SETTING_Federation_Matrix_bridge_url=" + p.URL,
	}
}

// registration runs "liftoff admin matrix-registration".
func registration(t *testing.T, d *dendrite, p *proxy) []byte {
	t.Helper()
	cmd := exec.Command(testserver.Binary(t), "admin", "matrix-registration", "--data", t.TempDir())
	cmd.Env = append(os.Environ(), bridgeEnv(d, p)...)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("liftoff admin matrix-registration: %v", err)
	}
	return out
}

func (d *dendrite) start() {
	d.t.Helper()
	d.proc = peer.Start(d.t, peer.Options{Dir: d.dir}, d.bin, "dendrite", "-config", "dendrite.yaml",
		"-http-bind-address", fmt.Sprintf("127.0.0.1:%d", d.port), "-really-enable-open-registration")
	d.proc.WaitHTTP(d.t, d.url+"/_matrix/client/versions", 30*time.Second)
}

// proxy forwards the homeserver's calls to the current Liftoff, and
// answers 502 while there is none.
type proxy struct {
	target atomic.Pointer[url.URL]
	URL    string
}

func startProxy(t *testing.T) *proxy {
	p := &proxy{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.URL = "http://" + ln.Addr().String()
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u := p.target.Load()
		if u == nil {
			http.Error(w, "liftoff is down", http.StatusBadGateway)
			return
		}
		httputil.NewSingleHostReverseProxy(u).ServeHTTP(w, r)
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return p
}

func (p *proxy) point(s *testserver.Server) {
	if s == nil {
		p.target.Store(nil)
		return
	}
	u, _ := url.Parse(s.URL)
	p.target.Store(u)
}

func startLiftoff(t *testing.T, d *dendrite, p *proxy, dataDir string) *testserver.Server {
	t.Helper()
	s := testserver.StartBinary(t, testserver.Options{DataDir: dataDir, Env: bridgeEnv(d, p)})
	p.point(s)
	return s
}

// matrixUser is a Matrix account on the homeserver whose sync loop keeps
// every event it sees.
type matrixUser struct {
	t      *testing.T
	c      *mautrix.Client
	mu     sync.Mutex
	events []*event.Event
	invite []id.RoomID
	since  string
}

func registerMatrixUser(t *testing.T, d *dendrite, name string) *matrixUser {
	t.Helper()
	c, err := mautrix.NewClient(d.url, "", "")
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.RegisterDummy(context.Background(), &mautrix.ReqRegister[any]{Username: name, Password: name + "-password-1"})
	if err != nil {
		t.Fatalf("register %s: %v", name, err)
	}
	c.UserID, c.AccessToken = resp.UserID, resp.AccessToken
	if err := c.SetDisplayName(context.Background(), strings.ToUpper(name[:1])+name[1:]+" on Matrix"); err != nil {
		t.Fatal(err)
	}
	u := &matrixUser{t: t, c: c}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go u.syncLoop(ctx, done)
	t.Cleanup(func() { cancel(); <-done })
	return u
}

func (u *matrixUser) syncLoop(ctx context.Context, done chan struct{}) {
	defer close(done)
	for ctx.Err() == nil {
		u.mu.Lock()
		since := u.since
		u.mu.Unlock()
		resp, err := u.c.SyncRequest(ctx, 1000, since, "", false, "")
		if err != nil {
			select {
			case <-ctx.Done():
			case <-time.After(200 * time.Millisecond):
			}
			continue
		}
		u.mu.Lock()
		u.since = resp.NextBatch
		for rid, room := range resp.Rooms.Join {
			for _, e := range append(room.Timeline.Events, room.Ephemeral.Events...) {
				e.RoomID = rid
				_ = e.Content.ParseRaw(e.Type)
				u.events = append(u.events, e)
			}
		}
		for rid := range resp.Rooms.Invite {
			u.invite = append(u.invite, rid)
		}
		u.mu.Unlock()
	}
}

// waitEvent waits for an event of the room that ok accepts.
func (u *matrixUser) waitEvent(room id.RoomID, what string, ok func(e *event.Event) bool) *event.Event {
	u.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		u.mu.Lock()
		for _, e := range u.events {
			if (room == "" || e.RoomID == room) && ok(e) {
				u.mu.Unlock()
				return e
			}
		}
		u.mu.Unlock()
		time.Sleep(50 * time.Millisecond)
	}
	u.t.Fatalf("matrix user %s never saw %s", u.c.UserID, what)
	return nil
}

func (u *matrixUser) count(room id.RoomID, ok func(e *event.Event) bool) int {
	u.mu.Lock()
	defer u.mu.Unlock()
	n := 0
	for _, e := range u.events {
		if e.RoomID == room && ok(e) {
			n++
		}
	}
	return n
}

// acceptInvite waits for an invitation (one not accepted yet) and joins.
func (u *matrixUser) acceptInvite(seen map[id.RoomID]bool) id.RoomID {
	u.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		u.mu.Lock()
		var rid id.RoomID
		for _, r := range u.invite {
			if !seen[r] {
				rid = r
			}
		}
		u.mu.Unlock()
		if rid != "" {
			seen[rid] = true
			if _, err := u.c.JoinRoomByID(context.Background(), rid); err != nil {
				u.t.Fatalf("join %s: %v", rid, err)
			}
			return rid
		}
		time.Sleep(50 * time.Millisecond)
	}
	u.t.Fatal("no invitation arrived")
	return ""
}

func (u *matrixUser) send(room id.RoomID, content any) id.EventID {
	u.t.Helper()
	resp, err := u.c.SendMessageEvent(context.Background(), room, event.EventMessage, content)
	if err != nil {
		u.t.Fatalf("send: %v", err)
	}
	return resp.EventID
}

func isMessage(body string) func(e *event.Event) bool {
	return func(e *event.Event) bool {
		m := e.Content.AsMessage()
		return e.Type == event.EventMessage && m.Body == body && m.RelatesTo.GetReplaceID() == ""
	}
}

// waitHistory polls a room's history until ok accepts it.
func waitHistory(t *testing.T, c *testserver.Client, roomID, what string, ok func(msgs []map[string]any) bool) []map[string]any {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	var msgs []map[string]any
	for time.Now().Before(deadline) {
		r := c.Get("/api/v1/channels.history", "roomId", roomID, "count", "200")
		if r.Status != 200 {
			r = c.Get("/api/v1/groups.history", "roomId", roomID, "count", "200")
		}
		if r.Status != 200 {
			r = c.Get("/api/v1/im.history", "roomId", roomID, "count", "200")
		}
		msgs = msgs[:0]
		for _, m := range r.List("messages") {
			msgs = append(msgs, m.(map[string]any))
		}
		if ok(msgs) {
			return msgs
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("Liftoff never showed %s; history: %v", what, msgs)
	return nil
}

func findMsg(msgs []map[string]any, text string) map[string]any {
	for _, m := range msgs {
		if m["msg"] == text {
			return m
		}
	}
	return nil
}

func countMsg(msgs []map[string]any, text string) int {
	n := 0
	for _, m := range msgs {
		if m["msg"] == text {
			n++
		}
	}
	return n
}

func TestBridgeWithDendrite(t *testing.T) {
	d := newDendrite(t)
	p := startProxy(t)
	reg := registration(t, d, p)
	if !strings.Contains(string(reg), "as_token: "+asToken) || !strings.Contains(string(reg), "sender_localpart: liftoff.bot") {
		t.Fatalf("registration:\n%s", reg)
	}
	d.configure(reg)
	d.start()
	srv := startLiftoff(t, d, p, "")
	bob := registerMatrixUser(t, d, "bob")
	bobName := "bob:" + d.server
	alice := srv.CreateUser(t, "alice", map[string]any{"name": "Alice Liftoff"})
	invites := map[id.RoomID]bool{}

	// A federated channel; bob is invited by his Matrix id and joins.
	rid := alice.Post("/api/v1/channels.create", map[string]any{"name": "fed", "extraData": map[string]any{"federated": true}}).OK(t).Str("channel._id")
	if alice.Get("/api/v1/channels.info", "roomId", rid).OK(t).Get("channel.federated") != true {
		t.Fatal("the channel is not marked federated")
	}
	alice.Post("/api/v1/channels.invite", map[string]any{"roomId": rid, "username": bobName}).OK(t)
	portal := bob.acceptInvite(invites)
	info := srv.Admin(t).Get("/api/v1/users.info", "username", bobName).OK(t)
	if info.Get("user.name") != "Bob on Matrix" {
		t.Fatalf("remote user: %s", info.Body)
	}
	// He cannot log in: there is no password.
	if r := srv.Anon(t).Post("/api/v1/login", map[string]any{"user": bobName, "password": "anything"}); r.Status != 401 {
		t.Fatalf("a remote user's login: %d %s", r.Status, r.Body)
	}

	// Liftoff → Matrix: a message with markdown, from alice's puppet.
	mid := alice.Post("/api/v1/chat.postMessage", map[string]any{"roomId": rid, "text": "hello **bob**"}).OK(t).Str("message._id")
	hello := bob.waitEvent(portal, "alice's message", isMessage("hello **bob**"))
	if hello.Sender != id.UserID("@liftoff_alice:"+d.server) || !strings.Contains(hello.Content.AsMessage().FormattedBody, "<strong>bob</strong>") {
		t.Fatalf("alice's message on Matrix: %s %+v", hello.Sender, hello.Content.AsMessage())
	}

	// Matrix → Liftoff: HTML becomes markdown.
	hi := bob.send(portal, &event.MessageEventContent{MsgType: event.MsgText, Body: "hi alice", Format: event.FormatHTML,
		FormattedBody: "hi <em>alice</em><script>alert(1)</script>"})
	msgs := waitHistory(t, alice, rid, "bob's message", func(m []map[string]any) bool { return findMsg(m, "hi _alice_") != nil })
	bobMsg := findMsg(msgs, "hi _alice_")
	if u := bobMsg["u"].(map[string]any); u["username"] != bobName {
		t.Fatalf("bob's message author: %v", u)
	}
	bobMid := bobMsg["_id"].(string)

	// Edits, both ways.
	alice.Post("/api/v1/chat.update", map[string]any{"roomId": rid, "msgId": mid, "text": "hello **Bob**"}).OK(t)
	bob.waitEvent(portal, "alice's edit", func(e *event.Event) bool {
		m := e.Content.AsMessage()
		return e.Type == event.EventMessage && m.RelatesTo.GetReplaceID() == hello.ID && m.NewContent != nil && m.NewContent.Body == "hello **Bob**"
	})
	edit := &event.MessageEventContent{MsgType: event.MsgText, Body: "* hi Alice"}
	edit.SetEdit(hi)
	edit.NewContent = &event.MessageEventContent{MsgType: event.MsgText, Body: "hi Alice"}
	bob.send(portal, edit)
	waitHistory(t, alice, rid, "bob's edit", func(m []map[string]any) bool {
		e := findMsg(m, "hi Alice")
		return e != nil && e["_id"] == bobMid && e["editedAt"] != nil
	})

	// Reactions, both ways.
	alice.Post("/api/v1/chat.react", map[string]any{"messageId": bobMid, "emoji": ":thumbsup:", "shouldReact": true}).OK(t)
	bob.waitEvent(portal, "alice's reaction", func(e *event.Event) bool {
		r := e.Content.AsReaction().RelatesTo
		return e.Type == event.EventReaction && r.EventID == hi && r.Key == "👍"
	})
	if _, err := bob.c.SendReaction(context.Background(), portal, hello.ID, "🎉"); err != nil {
		t.Fatal(err)
	}
	waitHistory(t, alice, rid, "bob's reaction", func(m []map[string]any) bool {
		for _, x := range m {
			if x["_id"] == mid {
				r, _ := x["reactions"].(map[string]any)
				tada, _ := r[":tada:"].(map[string]any)
				return tada != nil && fmt.Sprint(tada["usernames"]) == "["+bobName+"]"
			}
		}
		return false
	})

	// Thread replies, both ways.
	alice.Post("/api/v1/chat.postMessage", map[string]any{"roomId": rid, "text": "thread from alice", "tmid": bobMid}).OK(t)
	bob.waitEvent(portal, "alice's thread reply", func(e *event.Event) bool {
		m := e.Content.AsMessage()
		return e.Type == event.EventMessage && m.Body == "thread from alice" && m.RelatesTo.GetThreadParent() == hi
	})
	reply := &event.MessageEventContent{MsgType: event.MsgText, Body: "thread from bob"}
	reply.RelatesTo = (&event.RelatesTo{}).SetThread(hello.ID, hello.ID)
	bob.send(portal, reply)
	deadline := time.Now().Add(60 * time.Second)
	for {
		r := alice.Get("/api/v1/chat.getThreadMessages", "tmid", mid).OK(t)
		var replies []map[string]any
		for _, m := range r.List("messages") {
			replies = append(replies, m.(map[string]any))
		}
		if x := findMsg(replies, "thread from bob"); x != nil && x["tmid"] == mid {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Liftoff never showed bob's thread reply: %s", r.Body)
		}
		time.Sleep(100 * time.Millisecond)
	}

	// Topic, both ways.
	alice.Post("/api/v1/channels.setTopic", map[string]any{"roomId": rid, "topic": "from liftoff"}).OK(t)
	bob.waitEvent(portal, "the topic", func(e *event.Event) bool {
		return e.Type == event.StateTopic && e.Content.AsTopic().Topic == "from liftoff"
	})
	if _, err := bob.c.SendStateEvent(context.Background(), portal, event.StateTopic, "", &event.TopicEventContent{Topic: "from matrix"}); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(30 * time.Second)
	for alice.Get("/api/v1/channels.info", "roomId", rid).OK(t).Str("channel.topic") != "from matrix" {
		if time.Now().After(deadline) {
			t.Fatal("Liftoff never showed bob's topic")
		}
		time.Sleep(100 * time.Millisecond)
	}

	// Redactions, both ways.
	gone := bob.send(portal, &event.MessageEventContent{MsgType: event.MsgText, Body: "to be redacted"})
	waitHistory(t, alice, rid, "the message to redact", func(m []map[string]any) bool { return findMsg(m, "to be redacted") != nil })
	if _, err := bob.c.RedactEvent(context.Background(), portal, gone); err != nil {
		t.Fatal(err)
	}
	// Dendrite 0.13.8 does not push m.room.redaction to appservices: the
	// bridge bot's /sync brings it.
	waitHistory(t, alice, rid, "the redaction", func(m []map[string]any) bool { return findMsg(m, "to be redacted") == nil })
	del := alice.Post("/api/v1/chat.postMessage", map[string]any{"roomId": rid, "text": "alice deletes this"}).OK(t).Str("message._id")
	delEvt := bob.waitEvent(portal, "the message alice deletes", isMessage("alice deletes this"))
	alice.Post("/api/v1/chat.delete", map[string]any{"roomId": rid, "msgId": del}).OK(t)
	bob.waitEvent(portal, "alice's deletion", func(e *event.Event) bool { return e.Type == event.EventRedaction && e.Redacts == delEvt.ID })

	// Typing, Liftoff → Matrix (over DDP).
	ddpCall(t, srv, alice, "stream-notify-room", rid+"/user-activity", "alice", []string{"user-typing"}, map[string]any{})
	bob.waitEvent(portal, "alice typing", func(e *event.Event) bool {
		if e.Type != event.EphemeralEventTyping {
			return false
		}
		for _, u := range e.Content.AsTyping().UserIDs {
			if u == id.UserID("@liftoff_alice:"+d.server) {
				return true
			}
		}
		return false
	})

	// A read-only room refuses bob's message.
	ro := alice.Post("/api/v1/channels.create", map[string]any{"name": "ro", "readOnly": true, "extraData": map[string]any{"federated": true}}).OK(t).Str("channel._id")
	alice.Post("/api/v1/channels.invite", map[string]any{"roomId": ro, "username": bobName}).OK(t)
	roPortal := bob.acceptInvite(invites)
	bob.send(roPortal, &event.MessageEventContent{MsgType: event.MsgText, Body: "not allowed"})
	alice.Post("/api/v1/chat.postMessage", map[string]any{"roomId": ro, "text": "owner speaks"}).OK(t)
	bob.waitEvent(roPortal, "the owner's message", isMessage("owner speaks"))
	// bob's message was in the homeserver's queue before the owner's reply
	// came back: it has been refused by now.
	if m := waitHistory(t, alice, ro, "the read-only room", func([]map[string]any) bool { return true }); findMsg(m, "not allowed") != nil {
		t.Fatal("a remote user posted in a read-only room")
	}

	// A direct conversation started in Liftoff.
	dm := alice.Post("/api/v1/im.create", map[string]any{"username": bobName}).OK(t).Str("room._id")
	dmPortal := bob.acceptInvite(invites)
	alice.Post("/api/v1/chat.postMessage", map[string]any{"roomId": dm, "text": "a direct hello"}).OK(t)
	bob.waitEvent(dmPortal, "the direct message", isMessage("a direct hello"))
	bob.send(dmPortal, &event.MessageEventContent{MsgType: event.MsgText, Body: "a direct answer"})
	waitHistory(t, alice, dm, "bob's direct answer", func(m []map[string]any) bool { return findMsg(m, "a direct answer") != nil })

	// Liftoff restarts (killed) while bob keeps writing: the homeserver
	// retries its transactions until Liftoff is back.
	dataDir := srv.DataDir
	srv.Kill()
	p.point(nil)
	for i := range 3 {
		bob.send(portal, &event.MessageEventContent{MsgType: event.MsgText, Body: fmt.Sprintf("while liftoff was down %d", i)})
	}
	srv = startLiftoff(t, d, p, dataDir)
	alice = srv.Login(t, "alice", "alice-pass")
	waitHistory(t, alice, rid, "bob's messages sent while Liftoff was down", func(m []map[string]any) bool {
		return countMsg(m, "while liftoff was down 0") == 1 && countMsg(m, "while liftoff was down 1") == 1 && countMsg(m, "while liftoff was down 2") == 1
	})

	// Dendrite restarts while alice keeps writing: the jobs retry.
	d.proc.Stop()
	for i := range 3 {
		alice.Post("/api/v1/chat.postMessage", map[string]any{"roomId": rid, "text": fmt.Sprintf("while dendrite was down %d", i)}).OK(t)
	}
	time.Sleep(2 * time.Second) // let the first attempts fail
	d.start()
	for i := range 3 {
		bob.waitEvent(portal, "alice's messages sent while Dendrite was down", isMessage(fmt.Sprintf("while dendrite was down %d", i)))
	}

	// Nothing doubled on either side.
	final := waitHistory(t, alice, rid, "the final history", func([]map[string]any) bool { return true })
	for _, text := range []string{"hello **Bob**", "hi Alice", "while liftoff was down 0", "while liftoff was down 2", "while dendrite was down 1"} {
		if n := countMsg(final, text); n != 1 {
			t.Errorf("Liftoff has %q %d times", text, n)
		}
	}
	time.Sleep(time.Second)
	for _, text := range []string{"hello **bob**", "while dendrite was down 0", "while dendrite was down 2", "thread from alice"} {
		if n := bob.count(portal, isMessage(text)); n != 1 {
			t.Errorf("Matrix has %q %d times", text, n)
		}
	}
}

// ddpCall logs in over DDP with c's token and calls a method, which must
// succeed.
func ddpCall(t *testing.T, srv *testserver.Server, c *testserver.Client, method string, params ...any) {
	t.Helper()
	if err := ddpTry(t, srv, c, method, params...); err != nil {
		t.Fatalf("ddp %s: %v", method, err)
	}
}

// ddpTry logs in over DDP with c's token, calls a method and returns its
// error, if any.
func ddpTry(t *testing.T, srv *testserver.Server, c *testserver.Client, method string, params ...any) any {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, srv.WSURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	send := func(v any) {
		if err := wsjson.Write(ctx, ws, v); err != nil {
			t.Fatal(err)
		}
	}
	wait := func(id string) any {
		for {
			var m map[string]any
			if err := wsjson.Read(ctx, ws, &m); err != nil {
				t.Fatalf("ddp: %v", err)
			}
			if m["msg"] == "result" && m["id"] == id {
				return m["error"]
			}
		}
	}
	send(map[string]any{"msg": "connect", "version": "1", "support": []string{"1"}})
	send(map[string]any{"msg": "method", "id": "1", "method": "login", "params": []any{map[string]any{"resume": c.Token}}})
	if err := wait("1"); err != nil {
		t.Fatalf("ddp login: %v", err)
	}
	send(map[string]any{"msg": "method", "id": "2", "method": method, "params": params})
	return wait("2")
}
