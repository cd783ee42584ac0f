package rcclient

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/coder/websocket"
)

// DefaultReadLimit is the largest DDP frame a connection accepts unless
// DialOptions.ReadLimit says otherwise; history pages can be large.
const DefaultReadLimit = 16 << 20

// DialOptions configure a DDP connection.
type DialOptions struct {
	// LocalAddr, when set, is the source address of the TCP connection
	// (e.g. 127.0.0.7), to spread many connections over several source
	// addresses. Ignored when HTTPClient is set.
	LocalAddr net.IP
	// HTTPClient performs the WebSocket handshake; share one per source
	// address when opening many connections. Its Timeout must be zero.
	HTTPClient *http.Client
	// OnEvent receives every added/changed/removed frame, on the
	// connection's reader goroutine. It must not block for long and must
	// not keep Event.Args or Event.Raw after it returns.
	OnEvent func(Event)
	// ReadLimit is the largest frame accepted; 0 means DefaultReadLimit.
	ReadLimit int64
	// Header is sent with the handshake request.
	Header http.Header
}

// Event is a collection frame: for Rocket.Chat's streams ("stream-room-
// messages", "stream-notify-user", ...) Msg is "changed", EventName is the
// stream's event (a room id, "<uid>/notification", ...) and Args is the raw
// JSON array of its arguments. Args and Raw alias the connection's read
// buffer and are valid only during the OnEvent call.
type Event struct {
	Msg        string
	Collection string
	ID         string
	EventName  string
	Args       json.RawMessage
	// Raw is the whole frame, for fields Event does not decode.
	Raw []byte
}

// LoginResult is what the DDP login method returns.
type LoginResult struct {
	ID           string `json:"id"`
	Token        string `json:"token"`
	TokenExpires Time   `json:"tokenExpires"`
	Type         string `json:"type"`
}

// Conn is one DDP session over a WebSocket. Its methods are safe for
// concurrent use. It runs exactly one goroutine, the reader, which answers
// the server's heartbeats, completes calls and subscriptions and delivers
// events.
type Conn struct {
	ws      *websocket.Conn
	session string
	onEvent func(Event)

	nextID atomic.Uint64

	mu      sync.Mutex
	pending map[string]chan reply
	err     error

	closed    chan struct{}
	closeOnce sync.Once
}

type reply struct {
	result json.RawMessage
	err    error
}

// inFrame is the union of the server frames the client understands.
type inFrame struct {
	Msg        string          `json:"msg"`
	ID         string          `json:"id"`
	Session    string          `json:"session"`
	Collection string          `json:"collection"`
	Fields     streamFields    `json:"fields"`
	Result     json.RawMessage `json:"result"`
	Error      *ddpError       `json:"error"`
	Subs       []string        `json:"subs"`
	Reason     string          `json:"reason"`
	Version    string          `json:"version"`
}

type streamFields struct {
	EventName string          `json:"eventName"`
	Args      json.RawMessage `json:"args"`
}

// ddpError is a Meteor.Error as DDP carries it.
type ddpError struct {
	Error     json.RawMessage `json:"error"`
	Reason    string          `json:"reason"`
	Message   string          `json:"message"`
	ErrorType string          `json:"errorType"`
	Details   json.RawMessage `json:"details"`
}

func (d *ddpError) toError() *Error {
	e := &Error{Details: d.Details}
	var s string
	if len(d.Error) > 0 && d.Error[0] == '"' {
		_ = json.Unmarshal(d.Error, &s)
	} else {
		s = string(d.Error)
	}
	e.ErrorType = s
	if e.ErrorType == "" && d.ErrorType != "Meteor.Error" {
		e.ErrorType = d.ErrorType
	}
	e.Message = firstNonEmpty(d.Reason, d.Message, s)
	return e
}

// bufPool recycles read buffers across connections, so an idle connection
// holds none.
var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBuf keeps rare huge frames from pinning memory in the pool.
const maxPooledBuf = 256 << 10

// Dial opens a WebSocket to url (ws:// or wss://, usually ending in
// /websocket), performs DDP's connect handshake and starts the reader.
func Dial(ctx context.Context, url string, opts DialOptions) (*Conn, error) {
	hc := opts.HTTPClient
	if hc == nil && opts.LocalAddr != nil {
		hc = NewHTTPClient(1, opts.LocalAddr)
	}
	ws, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPClient: hc, HTTPHeader: opts.Header})
	if err != nil {
		return nil, fmt.Errorf("ddp dial %s: %w", url, err)
	}
	limit := opts.ReadLimit
	if limit <= 0 {
		limit = DefaultReadLimit
	}
	ws.SetReadLimit(limit)
	c := &Conn{ws: ws, onEvent: opts.OnEvent, pending: make(map[string]chan reply), closed: make(chan struct{})}
	if err := c.handshake(ctx); err != nil {
		ws.CloseNow()
		return nil, fmt.Errorf("ddp dial %s: %w", url, err)
	}
	go c.readLoop()
	return c, nil
}

// handshake sends connect and waits for connected, before the reader runs.
func (c *Conn) handshake(ctx context.Context) error {
	if err := c.write(ctx, map[string]any{"msg": "connect", "version": "1", "support": []string{"1", "pre2", "pre1"}}); err != nil {
		return err
	}
	for {
		_, data, err := c.ws.Read(ctx)
		if err != nil {
			return fmt.Errorf("await connected: %w", err)
		}
		var f inFrame
		if err := json.Unmarshal(data, &f); err != nil {
			return fmt.Errorf("await connected: bad frame: %w", err)
		}
		switch f.Msg {
		case "connected":
			c.session = f.Session
			return nil
		case "failed":
			return fmt.Errorf("server refused DDP connect (it proposes version %q)", f.Version)
		case "ping":
			if err := c.pong(ctx, f.ID); err != nil {
				return err
			}
		case "error":
			return fmt.Errorf("server sent DDP error: %s", f.Reason)
		}
		// Anything else (Meteor's {"server_id":...}) is ignored.
	}
}

// Session returns the session id the server assigned.
func (c *Conn) Session() string { return c.session }

// Done is closed when the connection has ended.
func (c *Conn) Done() <-chan struct{} { return c.closed }

// Err returns why the connection ended, or nil while it is open.
func (c *Conn) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Close ends the connection with a normal WebSocket close.
func (c *Conn) Close() error {
	err := c.ws.Close(websocket.StatusNormalClosure, "")
	c.shutdown(net.ErrClosed)
	if err != nil && !errors.Is(err, net.ErrClosed) && websocket.CloseStatus(err) == -1 {
		return fmt.Errorf("ddp close: %w", err)
	}
	return nil
}

// CloseNow drops the connection without a close handshake.
func (c *Conn) CloseNow() {
	_ = c.ws.CloseNow()
	c.shutdown(net.ErrClosed)
}

func (c *Conn) shutdown(err error) {
	c.closeOnce.Do(func() {
		c.mu.Lock()
		c.err = err
		p := c.pending
		c.pending = nil
		c.mu.Unlock()
		for _, ch := range p {
			ch <- reply{err: err}
		}
		close(c.closed)
	})
}

func (c *Conn) write(ctx context.Context, frame any) error {
	b, err := json.Marshal(frame)
	if err != nil {
		return fmt.Errorf("encode DDP frame: %w", err)
	}
	if err := c.ws.Write(ctx, websocket.MessageText, b); err != nil {
		return fmt.Errorf("write DDP frame: %w", err)
	}
	return nil
}

func (c *Conn) pong(ctx context.Context, id string) error {
	if id == "" {
		return c.write(ctx, map[string]string{"msg": "pong"})
	}
	return c.write(ctx, map[string]string{"msg": "pong", "id": id})
}

func (c *Conn) readLoop() {
	ctx := context.Background()
	var f inFrame
	for {
		_, r, err := c.ws.Reader(ctx)
		if err != nil {
			c.shutdown(fmt.Errorf("ddp read: %w", err))
			return
		}
		buf := bufPool.Get().(*bytes.Buffer)
		buf.Reset()
		if _, err := buf.ReadFrom(r); err != nil {
			bufPool.Put(buf)
			c.shutdown(fmt.Errorf("ddp read: %w", err))
			_ = c.ws.CloseNow()
			return
		}
		c.handle(ctx, &f, buf.Bytes())
		if buf.Cap() <= maxPooledBuf {
			bufPool.Put(buf)
		}
	}
}

// handle dispatches one frame. f is reused between frames to save
// allocations, so every field is reset first.
func (c *Conn) handle(ctx context.Context, f *inFrame, data []byte) {
	f.Msg, f.ID, f.Session, f.Collection, f.Reason, f.Version = "", "", "", "", "", ""
	f.Fields.EventName, f.Fields.Args = "", f.Fields.Args[:0]
	f.Result, f.Error, f.Subs = f.Result[:0], nil, f.Subs[:0]
	if err := json.Unmarshal(data, f); err != nil {
		// A frame we cannot decode is the server's fault; the session
		// stays usable, so it is skipped.
		return
	}
	switch f.Msg {
	case "ping":
		_ = c.pong(ctx, f.ID)
	case "added", "changed", "removed":
		if c.onEvent != nil {
			c.onEvent(Event{Msg: f.Msg, Collection: f.Collection, ID: f.ID, EventName: f.Fields.EventName, Args: f.Fields.Args, Raw: data})
		}
	case "result":
		r := reply{}
		if f.Error != nil {
			r.err = f.Error.toError()
		} else {
			r.result = append(json.RawMessage(nil), f.Result...)
		}
		c.complete(f.ID, r)
	case "ready":
		for _, id := range f.Subs {
			c.complete("s"+id, reply{})
		}
	case "nosub":
		r := reply{err: &Error{ErrorType: "nosub", Message: "subscription stopped"}}
		if f.Error != nil {
			r.err = f.Error.toError()
		}
		c.complete("s"+f.ID, r)
	}
}

func (c *Conn) complete(key string, r reply) {
	c.mu.Lock()
	ch, ok := c.pending[key]
	if ok {
		delete(c.pending, key)
	}
	c.mu.Unlock()
	if ok {
		ch <- r
	}
}

// await registers key, sends frame and waits for the matching reply.
func (c *Conn) await(ctx context.Context, key string, frame any) (json.RawMessage, error) {
	ch := make(chan reply, 1)
	c.mu.Lock()
	if c.pending == nil {
		err := c.err
		c.mu.Unlock()
		return nil, err
	}
	c.pending[key] = ch
	c.mu.Unlock()
	if err := c.write(ctx, frame); err != nil {
		c.forget(key)
		return nil, err
	}
	select {
	case r := <-ch:
		return r.result, r.err
	case <-ctx.Done():
		c.forget(key)
		return nil, ctx.Err()
	}
}

func (c *Conn) forget(key string) {
	c.mu.Lock()
	if c.pending != nil {
		delete(c.pending, key)
	}
	c.mu.Unlock()
}

type methodFrame struct {
	Msg    string `json:"msg"`
	Method string `json:"method"`
	Params []any  `json:"params"`
	ID     string `json:"id"`
}

type subFrame struct {
	Msg    string `json:"msg"`
	ID     string `json:"id"`
	Name   string `json:"name"`
	Params []any  `json:"params"`
}

// Call invokes a DDP method and returns its raw result. A Meteor error
// becomes an *Error whose ErrorType is the error's code.
func (c *Conn) Call(ctx context.Context, method string, params ...any) (json.RawMessage, error) {
	if params == nil {
		params = []any{}
	}
	id := strconv.FormatUint(c.nextID.Add(1), 10)
	res, err := c.await(ctx, id, methodFrame{Msg: "method", Method: method, Params: params, ID: id})
	if err != nil {
		return nil, fmt.Errorf("ddp method %s: %w", method, err)
	}
	return res, nil
}

// CallInto invokes a DDP method and decodes its result into out.
func (c *Conn) CallInto(ctx context.Context, out any, method string, params ...any) error {
	res, err := c.Call(ctx, method, params...)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(res, out); err != nil {
		return fmt.Errorf("ddp method %s: decode result: %w", method, err)
	}
	return nil
}

// Subscribe starts a subscription and waits until it is ready; it returns
// the subscription id. A refusal (nosub) is an *Error.
func (c *Conn) Subscribe(ctx context.Context, name string, params ...any) (string, error) {
	if params == nil {
		params = []any{}
	}
	id := strconv.FormatUint(c.nextID.Add(1), 10)
	if _, err := c.await(ctx, "s"+id, subFrame{Msg: "sub", ID: id, Name: name, Params: params}); err != nil {
		return "", fmt.Errorf("ddp sub %s: %w", name, err)
	}
	return id, nil
}

// Unsubscribe stops a subscription without waiting for the server.
func (c *Conn) Unsubscribe(ctx context.Context, id string) error {
	return c.write(ctx, map[string]string{"msg": "unsub", "id": id})
}

// streamArgs is the second parameter of a stream subscription, in the form
// Rocket.Chat's current clients send.
var streamArgs = map[string]any{"useCollection": false, "args": []any{}}

// SubscribeStream subscribes to one event of a Rocket.Chat stream
// ("stream-room-messages" with a room id, "stream-notify-user" with
// "<uid>/notification", ...).
func (c *Conn) SubscribeStream(ctx context.Context, stream, event string) (string, error) {
	return c.Subscribe(ctx, stream, event, streamArgs)
}

// LoginResume logs the session in with a resume (auth) token.
func (c *Conn) LoginResume(ctx context.Context, token string) (LoginResult, error) {
	var out LoginResult
	err := c.CallInto(ctx, &out, "login", map[string]string{"resume": token})
	return out, err
}

// LoginPassword logs the session in with a username (or an e-mail address,
// when user contains "@") and password, sending the password's SHA-256
// digest as Rocket.Chat's clients do.
func (c *Conn) LoginPassword(ctx context.Context, user, password string) (LoginResult, error) {
	sum := sha256.Sum256([]byte(password))
	who := map[string]string{"username": user}
	if strings.Contains(user, "@") {
		who = map[string]string{"email": user}
	}
	var out LoginResult
	err := c.CallInto(ctx, &out, "login", map[string]any{
		"user":     who,
		"password": map[string]string{"digest": hex.EncodeToString(sum[:]), "algorithm": "sha-256"},
	})
	return out, err
}

// SendMessage sends a message with the DDP method sendMessage; a non-empty
// m.ID is the client-chosen message id.
func (c *Conn) SendMessage(ctx context.Context, m Message) (Message, error) {
	p := map[string]string{"rid": m.RoomID, "msg": m.Msg}
	if m.ID != "" {
		p["_id"] = m.ID
	}
	var out Message
	err := c.CallInto(ctx, &out, "sendMessage", p)
	return out, err
}

// History is the result of loadHistory.
type History struct {
	Messages        []Message `json:"messages"`
	UnreadNotLoaded int       `json:"unreadNotLoaded"`
}

// LoadHistory returns up to limit messages of a room older than end (the
// zero end means from the newest), newest first, with the DDP method
// loadHistory.
func (c *Conn) LoadHistory(ctx context.Context, roomID string, end Time, limit int) (History, error) {
	var endParam any
	if !end.IsZero() {
		endParam = end
	}
	var out History
	err := c.CallInto(ctx, &out, "loadHistory", roomID, endParam, limit, nil)
	return out, err
}

// Sub names one subscription for SubscribeAll.
type Sub struct {
	Name   string
	Params []any
}

// StreamSub is the Sub of one event of a Rocket.Chat stream, in the form
// SubscribeStream sends.
func StreamSub(stream, event string) Sub {
	return Sub{Name: stream, Params: []any{event, streamArgs}}
}

// SubscribeAll sends every subscription at once and waits until all are
// ready: one round trip instead of one per subscription. It returns the
// first refusal or failure.
func (c *Conn) SubscribeAll(ctx context.Context, subs ...Sub) error {
	chans := make([]chan reply, len(subs))
	keys := make([]string, len(subs))
	frames := make([]subFrame, len(subs))
	c.mu.Lock()
	if c.pending == nil {
		err := c.err
		c.mu.Unlock()
		return fmt.Errorf("ddp subscribe: %w", err)
	}
	for i, s := range subs {
		id := strconv.FormatUint(c.nextID.Add(1), 10)
		params := s.Params
		if params == nil {
			params = []any{}
		}
		keys[i], chans[i] = "s"+id, make(chan reply, 1)
		frames[i] = subFrame{Msg: "sub", ID: id, Name: s.Name, Params: params}
		c.pending[keys[i]] = chans[i]
	}
	c.mu.Unlock()
	defer func() {
		for _, k := range keys {
			c.forget(k)
		}
	}()
	for _, f := range frames {
		if err := c.write(ctx, f); err != nil {
			return fmt.Errorf("ddp sub %s: %w", f.Name, err)
		}
	}
	for i, ch := range chans {
		select {
		case r := <-ch:
			if r.err != nil {
				return fmt.Errorf("ddp sub %s: %w", subs[i].Name, r.err)
			}
		case <-ctx.Done():
			return fmt.Errorf("ddp sub %s: %w", subs[i].Name, ctx.Err())
		}
	}
	return nil
}
