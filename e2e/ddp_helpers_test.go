package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"

	"liftoff/internal/testserver"
)

// A raw-frame DDP client for the realtime tests: it sends frames as given
// and keeps every frame received as decoded JSON, so tests can check
// Rocket.Chat's exact shapes. Waits always have a deadline.

// ddpWait is the default deadline of a wait for a frame.
const ddpWait = 10 * time.Second

// ddpConn is one DDP connection.
type ddpConn struct {
	t  testing.TB
	ws *websocket.Conn

	autoPong bool // answer server pings (default true)

	mu      sync.Mutex
	backlog []map[string]any // frames received and not yet taken
	notify  chan struct{}    // signalled when a frame arrives or the reader ends
	closed  bool             // the reader ended
	readErr error
	nextID  int
	session string
	userID  string
	token   string
	gate    chan struct{} // while not nil, the reader stops taking data off the socket
}

// ddpOpts tune ddpDial.
type ddpOpts struct {
	noPong    bool        // do not answer server pings
	noConnect bool        // skip the connect handshake
	rcvBuf    int         // SO_RCVBUF of the client socket (0: system default)
	header    http.Header // sent with the upgrade request
	localAddr string      // the client socket's address (default: the system's choice)
}

// ddpDial connects to srv's /websocket and performs the connect handshake.
func ddpDial(t testing.TB, srv *testserver.Server, opt ...ddpOpts) *ddpConn {
	t.Helper()
	var o ddpOpts
	if len(opt) > 0 {
		o = opt[0]
	}
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	if o.localAddr != "" {
		dialer.LocalAddr = &net.TCPAddr{IP: net.ParseIP(o.localAddr)}
	}
	if o.rcvBuf > 0 {
		dialer.Control = func(_, _ string, rc syscall.RawConn) error {
			var serr error
			err := rc.Control(func(fd uintptr) {
				serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, o.rcvBuf)
			})
			if err != nil {
				return err
			}
			return serr
		}
	}
	hc := &http.Client{Transport: &http.Transport{DialContext: dialer.DialContext}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, srv.WSURL, &websocket.DialOptions{HTTPClient: hc, HTTPHeader: o.header})
	if err != nil {
		t.Fatalf("dial %s: %v", srv.WSURL, err)
	}
	ws.SetReadLimit(64 << 20)
	c := &ddpConn{t: t, ws: ws, autoPong: !o.noPong, notify: make(chan struct{}, 1)}
	t.Cleanup(func() { _ = ws.CloseNow() })
	go c.readLoop()
	if !o.noConnect {
		c.sendJSON(map[string]any{"msg": "connect", "version": "1", "support": []string{"1", "pre2", "pre1"}})
		f := c.waitMsg("connected")
		c.session, _ = f["session"].(string)
		if c.session == "" {
			t.Fatalf("connected without session: %v", f)
		}
	}
	return c
}

func (c *ddpConn) readLoop() {
	for {
		c.mu.Lock()
		gate := c.gate
		c.mu.Unlock()
		if gate != nil {
			<-gate
		}
		_, data, err := c.ws.Read(context.Background())
		if err != nil {
			c.mu.Lock()
			c.closed, c.readErr = true, err
			c.mu.Unlock()
			c.signal()
			return
		}
		var f map[string]any
		if err := json.Unmarshal(data, &f); err != nil {
			f = map[string]any{"msg": "<undecodable>", "raw": string(data)}
		}
		if f["msg"] == "ping" && c.autoPong {
			pong := map[string]any{"msg": "pong"}
			if id, ok := f["id"]; ok {
				pong["id"] = id
			}
			b, _ := json.Marshal(pong)
			_ = c.ws.Write(context.Background(), websocket.MessageText, b)
		}
		c.mu.Lock()
		c.backlog = append(c.backlog, f)
		c.mu.Unlock()
		c.signal()
	}
}

// pause stops reading from the socket (a stalled client); resume reads on.
func (c *ddpConn) pause() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gate == nil {
		c.gate = make(chan struct{})
	}
}

func (c *ddpConn) resume() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gate != nil {
		close(c.gate)
		c.gate = nil
	}
}

func (c *ddpConn) signal() {
	select {
	case c.notify <- struct{}{}:
	default:
	}
}

// sendRaw sends one text message as is.
func (c *ddpConn) sendRaw(s string) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.ws.Write(ctx, websocket.MessageText, []byte(s)); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

func (c *ddpConn) sendJSON(v any) {
	c.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		c.t.Fatal(err)
	}
	c.sendRaw(string(b))
}

// take removes and returns the first frame matching pred, waiting until
// the deadline; it fails the test on timeout.
func (c *ddpConn) take(what string, timeout time.Duration, pred func(map[string]any) bool) map[string]any {
	c.t.Helper()
	f, ok := c.tryTake(timeout, pred)
	if !ok {
		c.mu.Lock()
		n, closed, rerr := len(c.backlog), c.closed, c.readErr
		c.mu.Unlock()
		c.t.Fatalf("no %s within %v (%d other frames pending, closed=%v %v)", what, timeout, n, closed, rerr)
	}
	return f
}

// tryTake is take without failing: ok is false on timeout or when the
// connection closed without a matching frame.
func (c *ddpConn) tryTake(timeout time.Duration, pred func(map[string]any) bool) (map[string]any, bool) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		c.mu.Lock()
		for i, f := range c.backlog {
			if pred(f) {
				c.backlog = append(c.backlog[:i:i], c.backlog[i+1:]...)
				c.mu.Unlock()
				return f, true
			}
		}
		closed := c.closed
		c.mu.Unlock()
		if closed {
			return nil, false
		}
		select {
		case <-c.notify:
		case <-deadline.C:
			return nil, false
		}
	}
}

// waitMsg takes the next frame of type msg.
func (c *ddpConn) waitMsg(msg string) map[string]any {
	c.t.Helper()
	return c.take(msg, ddpWait, func(f map[string]any) bool { return f["msg"] == msg })
}

// waitClosed waits for the server to close the connection and reports
// whether it did within timeout.
func (c *ddpConn) waitClosed(timeout time.Duration) bool {
	deadline := time.After(timeout)
	for {
		c.mu.Lock()
		closed := c.closed
		c.mu.Unlock()
		if closed {
			return true
		}
		select {
		case <-c.notify:
		case <-deadline:
			return false
		}
	}
}

func (c *ddpConn) newID(prefix string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.nextID++
	return fmt.Sprintf("%s%d", prefix, c.nextID)
}

// ddpResult is a method's answer: the raw result, or the error object.
type ddpResult struct {
	Result json.RawMessage
	Error  map[string]any
	Frame  map[string]any
}

// callRaw sends a method call and waits for its result frame and its
// updated frame.
func (c *ddpConn) callRaw(method string, params ...any) ddpResult {
	c.t.Helper()
	if params == nil {
		params = []any{}
	}
	id := c.newID("m")
	c.sendJSON(map[string]any{"msg": "method", "method": method, "params": params, "id": id})
	f := c.take("result of "+method, ddpWait, func(f map[string]any) bool { return f["msg"] == "result" && f["id"] == id })
	c.take("updated of "+method, ddpWait, func(f map[string]any) bool {
		if f["msg"] != "updated" {
			return false
		}
		ms, _ := f["methods"].([]any)
		return len(ms) == 1 && ms[0] == id
	})
	r := ddpResult{Frame: f}
	if e, ok := f["error"].(map[string]any); ok {
		r.Error = e
	}
	if raw, ok := f["result"]; ok {
		r.Result, _ = json.Marshal(raw)
	}
	return r
}

// call runs a method that must succeed and decodes its result into out
// (when not nil).
func (c *ddpConn) call(out any, method string, params ...any) {
	c.t.Helper()
	r := c.callRaw(method, params...)
	if r.Error != nil {
		c.t.Fatalf("%s: error %v", method, r.Error)
	}
	if out != nil {
		if err := json.Unmarshal(r.Result, out); err != nil {
			c.t.Fatalf("%s: decoding result %s: %v", method, r.Result, err)
		}
	}
}

// callFail runs a method that must fail with errorType and returns the error.
func (c *ddpConn) callFail(errorType string, method string, params ...any) map[string]any {
	c.t.Helper()
	r := c.callRaw(method, params...)
	if r.Error == nil {
		c.t.Fatalf("%s: expected error %q, got result %s", method, errorType, r.Result)
	}
	if errorType != "" && r.Error["error"] != errorType {
		c.t.Fatalf("%s: expected error %q, got %v", method, errorType, r.Error)
	}
	return r.Error
}

// login logs in with a plain password.
func (c *ddpConn) login(username, password string) {
	c.t.Helper()
	var res struct {
		ID    string `json:"id"`
		Token string `json:"token"`
	}
	c.call(&res, "login", map[string]any{"user": map[string]any{"username": username}, "password": password})
	if res.ID == "" || res.Token == "" {
		c.t.Fatalf("login %s: no id or token", username)
	}
	c.userID, c.token = res.ID, res.Token
}

// loginDigest logs in with the SHA-256 digest of the password, as
// Rocket.Chat's clients do.
func (c *ddpConn) loginDigest(username, password string) ddpResult {
	sum := sha256.Sum256([]byte(password))
	return c.callRaw("login", map[string]any{
		"user":     map[string]any{"username": username},
		"password": map[string]any{"digest": hex.EncodeToString(sum[:]), "algorithm": "sha-256"},
	})
}

// sub subscribes and waits for ready; it returns the subscription id.
func (c *ddpConn) sub(name string, params ...any) string {
	c.t.Helper()
	if params == nil {
		params = []any{}
	}
	id := c.newID("s")
	c.sendJSON(map[string]any{"msg": "sub", "id": id, "name": name, "params": params})
	f := c.take("ready/nosub of "+name, ddpWait, func(f map[string]any) bool {
		return (f["msg"] == "ready" && listHas(f["subs"], id)) || (f["msg"] == "nosub" && f["id"] == id)
	})
	if f["msg"] != "ready" {
		c.t.Fatalf("sub %s %v: %v", name, params, f)
	}
	return id
}

// subRefused subscribes and expects nosub with an error; it returns the error.
func (c *ddpConn) subRefused(name string, params ...any) map[string]any {
	c.t.Helper()
	id := c.newID("s")
	c.sendJSON(map[string]any{"msg": "sub", "id": id, "name": name, "params": params})
	f := c.take("ready/nosub of "+name, ddpWait, func(f map[string]any) bool {
		return (f["msg"] == "ready" && listHas(f["subs"], id)) || (f["msg"] == "nosub" && f["id"] == id)
	})
	e, _ := f["error"].(map[string]any)
	if f["msg"] != "nosub" || e == nil {
		c.t.Fatalf("sub %s %v: expected nosub with error, got %v", name, params, f)
	}
	return e
}

// streamArgs returns the args of a stream event frame for collection and
// eventName, or nil when f is not one.
func streamArgs(f map[string]any, collection, eventName string) []any {
	if f["msg"] != "changed" || f["collection"] != collection {
		return nil
	}
	fields, _ := f["fields"].(map[string]any)
	if fields == nil || fields["eventName"] != eventName {
		return nil
	}
	args, _ := fields["args"].([]any)
	if args == nil {
		return []any{}
	}
	return args
}

// event waits for a stream event matching pred (given the args) and
// returns its args.
func (c *ddpConn) event(collection, eventName string, pred func(args []any) bool) []any {
	c.t.Helper()
	f := c.take(collection+" "+eventName, ddpWait, func(f map[string]any) bool {
		args := streamArgs(f, collection, eventName)
		return args != nil && (pred == nil || pred(args))
	})
	return streamArgs(f, collection, eventName)
}

// roomMessage waits for a stream-room-messages event of room rid whose
// message matches pred and returns the message.
func (c *ddpConn) roomMessage(rid string, pred func(m map[string]any) bool) map[string]any {
	c.t.Helper()
	args := c.event("stream-room-messages", rid, func(args []any) bool {
		m, _ := args[0].(map[string]any)
		return m != nil && (pred == nil || pred(m))
	})
	return args[0].(map[string]any)
}

// msgWithID matches a message by id.
func msgWithID(id string) func(map[string]any) bool {
	return func(m map[string]any) bool { return m["_id"] == id }
}

func listHas(v any, s string) bool {
	l, _ := v.([]any)
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// ejsonDate returns the milliseconds of an EJSON date ({"$date": ms}).
func ejsonDate(t testing.TB, v any) int64 {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("not an EJSON date: %#v", v)
	}
	ms, ok := m["$date"].(float64)
	if !ok {
		t.Fatalf("not an EJSON date: %#v", v)
	}
	return int64(ms)
}

// rtUser creates a user and returns the REST client and a logged-in DDP
// connection.
func rtUser(t *testing.T, srv *testserver.Server, username string) (*testserver.Client, *ddpConn) {
	t.Helper()
	rest := srv.CreateUser(t, username)
	c := ddpDial(t, srv)
	c.login(username, username+"-pass")
	return rest, c
}
