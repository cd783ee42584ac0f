package realtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"liftoff/auth"
	"liftoff/model"
	"liftoff/realtime/ddp"
)

// identity is who a session is logged in as; replaced whole on login and
// logout, so readers on the hub's hot path load it with one atomic read.
type identity struct {
	user  *model.User
	token string
	hash  string // auth.HashToken(token), to match removed tokens
}

func newIdentity(user *model.User, token string) *identity {
	id := &identity{user: user, token: token}
	if token != "" {
		id.hash = auth.HashToken(token)
	}
	return id
}

// session is one DDP connection.
//
// Goroutines: the connection's reader (the HTTP handler goroutine) decodes
// frames and runs methods and subscriptions in order, as Meteor does; a
// writer goroutine exists only while frames are queued (see send), so an
// idle connection costs one goroutine; heartbeats run from a timer.
type session struct {
	srv    *Server
	ws     *websocket.Conn // nil for in-process benchmark sessions
	tr     transport
	sockjs bool   // SockJS framing on the WebSocket transport
	remote string // client address
	ctx    context.Context
	cancel context.CancelFunc

	id        string // DDP session id, set by connect (reader only)
	limitID   string // the connection's key in the call limiter (fixed at creation)
	connected bool   // connect handshake done (reader only)

	who atomic.Pointer[identity]

	// mu guards subs and presence; lock order: hub shard locks, then mu.
	mu       sync.Mutex
	subs     map[string]*subscription // by DDP subscription id; nil once closed
	presence *presenceWatch           // stream-user-presence state, if any

	// Outgoing queue, guarded by qmu.
	qmu     sync.Mutex
	queue   [][]byte
	qbytes  int
	writing bool // a writer goroutine is running
	qclosed bool
	// kickDue: frames were queued by the hub with the writer's start
	// left to the end of its batch (see enqueue and kick).
	kickDue bool

	lastRead   atomic.Int64 // unix nanoseconds of the last frame received
	writeStart atomic.Int64 // unix nanoseconds the current write began, 0 when idle
	hbTimer    *time.Timer
	pingAt     time.Time // when the unanswered server ping went out (timer only)

	frameDone chan struct{} // signals the end of process's goroutine

	// Method rate limiting (reader only): a token bucket.
	tokens     float64
	tokensAt   time.Time
	closeOnce  sync.Once
	closeCause atomic.Pointer[string]
}

// user returns the logged-in user, or nil.
func (s *session) user() *model.User {
	if w := s.who.Load(); w != nil {
		return w.user
	}
	return nil
}

func (s *session) userID() string {
	if u := s.user(); u != nil {
		return u.ID
	}
	return ""
}

// send queues one complete frame for the writer. It never blocks: when the
// queue is over its bounds the connection is closed as a slow consumer.
// frame is shared with other sessions and must not be modified.
func (s *session) send(frame []byte) {
	s.qmu.Lock()
	if s.qclosed {
		s.qmu.Unlock()
		return
	}
	if len(s.queue) >= s.srv.cfg.SendQueueFrames || s.qbytes+len(frame) > s.srv.cfg.SendQueueBytes {
		s.qclosed = true
		s.queue, s.qbytes = nil, 0
		s.qmu.Unlock()
		s.srv.metrics.slowConsumers.Add(1)
		s.abort("slow consumer")
		return
	}
	if s.queue == nil {
		s.queue = newFrames()
	}
	s.queue = append(s.queue, frame)
	s.qbytes += len(frame)
	start := !s.writing
	s.writing = true
	s.qmu.Unlock()
	if start {
		go s.writeLoop()
	}
}

// enqueue queues one frame like send, but leaves starting the writer to
// the caller: when it reports true, the caller must call kick once it has
// queued the rest of its batch, so that frames queued together go out in
// one write. Bounds and order are those of send.
func (s *session) enqueue(frame []byte) (kick bool) {
	s.qmu.Lock()
	if s.qclosed {
		s.qmu.Unlock()
		return false
	}
	if len(s.queue) >= s.srv.cfg.SendQueueFrames || s.qbytes+len(frame) > s.srv.cfg.SendQueueBytes {
		s.qclosed = true
		s.queue, s.qbytes = nil, 0
		s.qmu.Unlock()
		s.srv.metrics.slowConsumers.Add(1)
		s.abort("slow consumer")
		return false
	}
	if s.queue == nil {
		// Room for a message's frames (its room event, rooms-changed
		// and subscriptions-changed) without growing.
		s.queue = newFrames()
	}
	s.queue = append(s.queue, frame)
	s.qbytes += len(frame)
	kick = !s.writing && !s.kickDue
	if kick {
		s.kickDue = true
	}
	s.qmu.Unlock()
	return kick
}

// frameArray is the array behind a connection's queue of frames while it
// has frames to write. Arrays are pooled across connections: queueing a
// burst and draining it reuse them instead of allocating one per burst,
// and an idle connection holds none.
type frameArray [8][]byte

var frameArrays = sync.Pool{New: func() any { return new(frameArray) }}

func newFrames() [][]byte { return frameArrays.Get().(*frameArray)[:0] }

// recycleFrames returns the array of a drained queue to the pool (arrays
// grown past a frameArray are left to the collector).
func recycleFrames(f [][]byte) {
	if cap(f) != len(frameArray{}) {
		return
	}
	a := (*frameArray)(f[:cap(f)])
	clear(a[:])
	frameArrays.Put(a)
}

// kick starts the writer for frames queued by enqueue, unless one runs.
func (s *session) kick() {
	s.qmu.Lock()
	s.kickDue = false
	if s.writing || s.qclosed || len(s.queue) == 0 {
		s.qmu.Unlock()
		return
	}
	s.writing = true
	s.qmu.Unlock()
	go s.writeLoop()
}

// writeLoop drains the queue, then exits; the next send starts another.
func (s *session) writeLoop() {
	var batch [][]byte
	for {
		s.qmu.Lock()
		if len(s.queue) == 0 || s.qclosed {
			s.writing = false
			// An idle connection holds no array: both go back to the
			// pool for the next burst of any connection.
			if len(s.queue) == 0 {
				recycleFrames(s.queue)
				s.queue = nil
			}
			recycleFrames(batch)
			s.qmu.Unlock()
			return
		}
		batch, s.queue = s.queue, batch[:0]
		s.qbytes = 0
		s.qmu.Unlock()

		// No per-write context: a write that hangs is caught by the
		// heartbeat timer (see writeStart), which costs nothing here.
		s.writeStart.Store(time.Now().UnixNano())
		err := s.writeBatch(context.Background(), batch)
		s.writeStart.Store(0)
		clear(batch)
		if err != nil {
			s.qmu.Lock()
			s.qclosed = true
			s.queue, s.qbytes, s.writing = nil, 0, false
			s.qmu.Unlock()
			s.abort("write failed")
			return
		}
	}
}

func (s *session) writeBatch(ctx context.Context, batch [][]byte) error {
	return s.tr.write(ctx, batch)
}

// transport writes frames to a client. wsTransport is the real one;
// benchmarks substitute one that discards.
type transport interface {
	write(ctx context.Context, frames [][]byte) error
	closeNow()
}

// wsTransport writes DDP frames as WebSocket text messages, one per frame,
// or in SockJS framing (a["frame",...]) on the SockJS endpoint.
type wsTransport struct {
	ws     *websocket.Conn
	sockjs bool
	// cork, when set, sits between the WebSocket's write buffer and the
	// connection; a batch of frames is written corked, in one write(2).
	cork *corkWriter
}

// corkWriter passes writes through to conn, except between cork and
// uncork, when it gathers them and uncork writes them at once. The
// WebSocket library flushes every message to the connection; one system
// call per frame was half the server's CPU in the chat benchmark (about
// 90,000 frames/s). Its mutex orders the writer loop's cork/uncork with
// control frames (pings, pongs, close) that other goroutines write.
type corkWriter struct {
	mu     sync.Mutex
	conn   io.Writer
	corked bool
	buf    []byte
}

// Write implements io.Writer.
func (c *corkWriter) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.corked {
		c.buf = append(c.buf, p...)
		return len(p), nil
	}
	return c.conn.Write(p)
}

func (c *corkWriter) setCork() {
	c.mu.Lock()
	c.corked = true
	c.mu.Unlock()
}

// uncork writes what was gathered. A write blocked on a peer that stopped
// reading is ended by the session's heartbeat, which closes the connection.
func (c *corkWriter) uncork() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.corked = false
	if len(c.buf) == 0 {
		return nil
	}
	_, err := c.conn.Write(c.buf)
	if cap(c.buf) > 64<<10 {
		c.buf = nil // do not keep a burst-sized buffer on the connection
	} else {
		c.buf = c.buf[:0]
	}
	return err
}

func (t *wsTransport) write(ctx context.Context, batch [][]byte) error {
	if t.sockjs {
		// SockJS carries a JSON array of message strings per WebSocket
		// message, so the whole batch goes in one. Only the open frame
		// "o" is sent bare.
		if len(batch) == 1 && string(batch[0]) == "o" {
			return t.ws.Write(ctx, websocket.MessageText, batch[0])
		}
		buf := make([]byte, 0, 64)
		buf = append(buf, 'a', '[')
		n := 0
		for _, f := range batch {
			if string(f) == "o" {
				if err := t.ws.Write(ctx, websocket.MessageText, f); err != nil {
					return fmt.Errorf("writing sockjs open frame: %w", err)
				}
				continue
			}
			if n > 0 {
				buf = append(buf, ',')
			}
			n++
			var err error
			if buf, err = ddp.AppendMarshal(buf, string(f)); err != nil {
				return fmt.Errorf("framing sockjs message: %w", err)
			}
		}
		if n == 0 {
			return nil
		}
		buf = append(buf, ']')
		return t.ws.Write(ctx, websocket.MessageText, buf)
	}
	if t.cork != nil && len(batch) > 1 {
		t.cork.setCork()
		for _, f := range batch {
			if err := t.ws.Write(ctx, websocket.MessageText, f); err != nil {
				_ = t.cork.uncork()
				return fmt.Errorf("writing frame: %w", err)
			}
		}
		if err := t.cork.uncork(); err != nil {
			return fmt.Errorf("writing frames: %w", err)
		}
		return nil
	}
	for _, f := range batch {
		if err := t.ws.Write(ctx, websocket.MessageText, f); err != nil {
			return fmt.Errorf("writing frame: %w", err)
		}
	}
	return nil
}

func (t *wsTransport) closeNow() { _ = t.ws.CloseNow() }

// abort closes the connection at once, without a close handshake (used
// when the peer cannot keep up or stopped answering). The reader then
// returns and cleans up.
func (s *session) abort(cause string) {
	s.closeCause.CompareAndSwap(nil, &cause)
	s.closeOnce.Do(func() {
		s.cancel()
		s.tr.closeNow()
	})
}

// heartbeat runs from s.hbTimer. It pings after HeartbeatInterval of
// silence, and closes the connection when nothing arrived within
// HeartbeatTimeout of the ping.
func (s *session) heartbeat() {
	if s.ctx.Err() != nil {
		return
	}
	interval, timeout := s.srv.cfg.HeartbeatInterval, s.srv.cfg.HeartbeatTimeout
	now := time.Now()
	if ws := s.writeStart.Load(); ws != 0 && now.Sub(time.Unix(0, ws)) > s.srv.cfg.WriteTimeout {
		s.abort("write timeout")
		return
	}
	last := time.Unix(0, s.lastRead.Load())
	if !s.pingAt.IsZero() && last.Before(s.pingAt) {
		if waited := now.Sub(s.pingAt); waited >= timeout {
			s.srv.metrics.heartbeatTimeouts.Add(1)
			s.abort("heartbeat timeout")
			return
		} else {
			s.hbTimer.Reset(timeout - waited)
			return
		}
	}
	s.pingAt = time.Time{}
	if silent := now.Sub(last); silent < interval {
		s.hbTimer.Reset(interval - silent)
		return
	}
	s.pingAt = now
	s.send(ddp.Ping(""))
	s.hbTimer.Reset(timeout)
}

// run serves the connection until it closes.
func (s *session) run() {
	defer s.cleanup()
	s.lastRead.Store(time.Now().UnixNano())
	s.hbTimer = time.AfterFunc(s.srv.cfg.HeartbeatInterval, s.heartbeat)
	if s.sockjs {
		s.send([]byte("o"))
	}
	s.send(serverIDFrame)
	for {
		typ, data, err := s.ws.Read(s.ctx)
		if err != nil {
			if errors.Is(err, websocket.ErrMessageTooBig) {
				s.srv.metrics.oversized.Add(1)
			}
			return
		}
		s.lastRead.Store(time.Now().UnixNano())
		if typ != websocket.MessageText {
			s.sendError("Binary frames are not supported", nil)
			continue
		}
		if !s.sockjs {
			s.process(data)
			continue
		}
		// SockJS: a JSON array of DDP messages, each a JSON string.
		var msgs []string
		if err := json.Unmarshal(data, &msgs); err != nil {
			s.sendError("Parse error: SockJS frame must be an array of strings", nil)
			continue
		}
		for _, m := range msgs {
			s.process([]byte(m))
		}
	}
}

// process handles one incoming frame on a short-lived goroutine and waits
// for it. Frames are still handled one at a time, in order, but the deep
// stacks of methods grow that goroutine's stack, not the reader's, which
// stays small while the connection idles (it is most of an idle
// connection's memory).
func (s *session) process(data []byte) {
	go func() {
		s.handleFrame(data)
		s.frameDone <- struct{}{}
	}()
	<-s.frameDone
}

// serverIDFrame is what Meteor sends first on every connection.
var serverIDFrame = []byte(`{"server_id":"0"}`)

// sendError reports a frame that could not be processed; the connection
// stays open.
func (s *session) sendError(reason string, offending []byte) {
	s.srv.metrics.malformed.Add(1)
	s.send(ddp.ErrorFrame(reason, offending))
}

// handleFrame processes one DDP message.
func (s *session) handleFrame(data []byte) {
	m, err := ddp.DecodeClient(data)
	if err != nil {
		var de *ddp.DecodeError
		if errors.As(err, &de) {
			s.sendError(de.Reason, data)
		} else {
			s.sendError("Bad request", data)
		}
		return
	}
	if !s.connected {
		if m.Msg != ddp.MsgConnect {
			s.sendError("Must connect first", data)
			return
		}
		version, ok := m.NegotiateVersion()
		if !ok {
			s.send(ddp.Failed(version))
			return
		}
		s.connected = true
		s.id = model.RandomString(17)
		s.send(ddp.Connected(s.id))
		return
	}
	switch m.Msg {
	case ddp.MsgConnect:
		s.sendError("Already connected", data)
	case ddp.MsgPing:
		s.send(ddp.Pong(m.ID))
	case ddp.MsgPong:
		// lastRead was updated; nothing else to do.
	case ddp.MsgMethod:
		s.srv.callMethod(s, m)
	case ddp.MsgSub:
		s.srv.subscribe(s, m)
	case ddp.MsgUnsub:
		s.srv.unsubscribe(s, m.ID)
	}
}

// allowMethod takes a token from the connection's method bucket.
func (s *session) allowMethod(now time.Time) (ok bool, wait time.Duration) {
	cfg := &s.srv.cfg
	if s.tokensAt.IsZero() {
		s.tokens = float64(cfg.MethodBurst)
	} else {
		s.tokens += now.Sub(s.tokensAt).Seconds() * cfg.MethodRate
		if s.tokens > float64(cfg.MethodBurst) {
			s.tokens = float64(cfg.MethodBurst)
		}
	}
	s.tokensAt = now
	if s.tokens >= 1 {
		s.tokens--
		return true, 0
	}
	return false, time.Duration((1 - s.tokens) / cfg.MethodRate * float64(time.Second))
}

// cleanup releases everything the session holds, once, when the reader ends.
func (s *session) cleanup() {
	s.abort("closed")
	if s.hbTimer != nil {
		s.hbTimer.Stop()
	}
	s.qmu.Lock()
	s.qclosed = true
	s.queue, s.qbytes = nil, 0
	s.qmu.Unlock()
	s.srv.hub.removeSession(s)
	if w := s.who.Swap(nil); w != nil && w.user != nil {
		s.srv.userLeft(s, w.user.ID)
	}
	s.srv.dropSession(s)
}
