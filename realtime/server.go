package realtime

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/coder/websocket"

	"liftoff/bus"
	"liftoff/model"
	"liftoff/realtime/ddp"
)

// Server serves Rocket.Chat's realtime API: DDP over WebSocket at
// /websocket, and the same behind SockJS's WebSocket transport at
// /sockjs/{server}/{session}/websocket, which Meteor-based clients (the
// Rocket.Chat web app) use. It is an http.Handler; mount it on those paths
// (see Patterns).
//
// Why github.com/coder/websocket rather than gorilla/websocket: neither
// needs a goroutine of its own per connection (coder's deadlines use
// context.AfterFunc), both let us choose the bufio buffers of the hijacked
// connection (see smallBuffers), and coder's API takes a context on every
// call. Per-connection memory is therefore set by our own choices: one
// reader goroutine, frames handled on short-lived goroutines, a writer
// goroutine only while frames are pending, 1 KiB + 2 KiB buffers, no
// per-subscription goroutines. BenchmarkIdleConnections measures about
// 16 KB per idle logged-in connection (4 KB of it stack) with coder's
// library, under the 20 KB target; gorilla would add a dependency without
// removing any of those costs, so it was not adopted.
type Server struct {
	cfg     Config
	hub     *hub
	methods sync.Map // name -> *methodEntry
	pubs    sync.Map // name -> *publication
	metrics counters

	baseCtx context.Context
	stop    context.CancelFunc

	mu       sync.Mutex
	sessions map[*session]struct{}
	closed   bool
	wg       sync.WaitGroup

	unsubscribeBus func()
	sweeping       bool // sweepTokens runs
}

// counters are the server's operational counts (exported via Stats).
type counters struct {
	connections       atomic.Int64
	slowConsumers     atomic.Int64
	heartbeatTimeouts atomic.Int64
	malformed         atomic.Int64
	oversized         atomic.Int64
	rateLimited       atomic.Int64
}

// Stats is a snapshot of the server's counters.
type Stats struct {
	Connections       int64 // open now
	SlowConsumers     int64 // closed because their send queue overflowed
	HeartbeatTimeouts int64 // closed because they went silent
	MalformedFrames   int64 // answered with a DDP error frame
	OversizedFrames   int64 // connections closed for a too large frame
	RateLimited       int64 // method calls refused by the rate limit
}

// New returns a Server configured by cfg, with the built-in methods
// (login, logout, stream-notify-room) registered. Call Start to connect
// it to the bus.
func New(cfg Config) (*Server, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		cfg:      c,
		baseCtx:  ctx,
		stop:     cancel,
		sessions: make(map[*session]struct{}),
	}
	s.hub = newHub(s)
	s.registerBuiltins()
	return s, nil
}

// Start subscribes the hub to the bus. Without it, only Emit* calls and
// the server's own responses reach clients.
func (s *Server) Start() {
	if s.cfg.Tokens != nil && !s.sweeping {
		s.sweeping = true
		go s.sweepTokens()
	}
	if s.cfg.Bus == nil || s.unsubscribeBus != nil {
		return
	}
	if bs, ok := s.cfg.Bus.(bus.BatchSubscriber); ok {
		s.unsubscribeBus = bs.SubscribeBatch("realtime-hub", s.hub.handleEvents)
		return
	}
	s.unsubscribeBus = s.cfg.Bus.Subscribe("realtime-hub", s.hub.handleEvent)
}

// Patterns lists the URL patterns (net/http ServeMux syntax) the server
// answers.
func Patterns() []string {
	return []string{"GET /websocket", "GET /sockjs/info", "GET /sockjs/{server}/{session}/websocket"}
}

// ServeHTTP upgrades /websocket and /sockjs/.../websocket requests and
// answers SockJS's /sockjs/info probe.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	sockjs := false
	switch {
	case path == "/websocket":
	case path == "/sockjs/info":
		s.sockjsInfo(w)
		return
	case strings.HasPrefix(path, "/sockjs/") && strings.HasSuffix(path, "/websocket") &&
		strings.Count(path, "/") == 4:
		sockjs = true
	default:
		http.NotFound(w, r)
		return
	}
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		http.Error(w, "server shutting down", http.StatusServiceUnavailable)
		return
	}
	opts := &websocket.AcceptOptions{
		OriginPatterns:     s.cfg.OriginPatterns,
		InsecureSkipVerify: len(s.cfg.OriginPatterns) == 0,
	}
	var cork *corkWriter
	ws, err := websocket.Accept(smallBuffers{ResponseWriter: w, cork: &cork}, r, opts)
	if err != nil {
		// Accept already answered the client.
		s.cfg.Logger.Debug("realtime: websocket upgrade refused", "remote", r.RemoteAddr, "err", err)
		return
	}
	ws.SetReadLimit(s.cfg.MaxFrameBytes)
	ctx, cancel := context.WithCancel(s.baseCtx)
	sess := &session{
		srv:     s,
		ws:      ws,
		tr:      &wsTransport{ws: ws, sockjs: sockjs, cork: cork},
		sockjs:  sockjs,
		remote:  s.cfg.ClientAddr.Addr(r),
		limitID: strconv.FormatUint(connSeq.Add(1), 36),
		ctx:     ctx,
		cancel:  cancel,
		subs:    make(map[string]*subscription),

		frameDone: make(chan struct{}),
	}
	if !s.addSession(sess) {
		_ = ws.Close(websocket.StatusGoingAway, "server shutting down")
		cancel()
		return
	}
	// Serve on a fresh goroutine and let net/http's goroutine end: it
	// would otherwise keep the upgrade request, its response buffers and
	// a grown stack alive for the life of the connection.
	go sess.run()
}

// Buffer sizes of a hijacked connection. net/http hands over 4 KiB for
// each direction; DDP frames are mostly far smaller, larger ones bypass
// the buffers, and idle connections are what we have most of.
const (
	readBufferSize  = 1 << 10
	writeBufferSize = 2 << 10
)

// smallBuffers makes websocket.Accept use smaller bufio buffers than the
// ones net/http gives a hijacked connection, and puts a corkWriter between
// the write buffer and the connection (stored in *cork).
type smallBuffers struct {
	http.ResponseWriter
	cork **corkWriter
}

// Hijack implements http.Hijacker.
func (w smallBuffers) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	if err := brw.Writer.Flush(); err != nil {
		_ = conn.Close()
		return nil, nil, fmt.Errorf("flushing upgrade response: %w", err)
	}
	cw := &corkWriter{conn: conn}
	*w.cork = cw
	n := brw.Reader.Buffered()
	if n == 0 {
		return conn, bufio.NewReadWriter(bufio.NewReaderSize(conn, readBufferSize), bufio.NewWriterSize(cw, writeBufferSize)), nil
	}
	// Bytes the client sent right after its request (net/http may also
	// have read one ahead). They must sit in the new reader's buffer:
	// websocket.Accept takes what is buffered and reads the rest from conn.
	early, _ := brw.Reader.Peek(n)
	br := bufio.NewReaderSize(io.MultiReader(bytes.NewReader(bytes.Clone(early)), conn), max(readBufferSize, n))
	if _, err := br.Peek(n); err != nil {
		_ = conn.Close()
		return nil, nil, fmt.Errorf("buffering early client bytes: %w", err)
	}
	return conn, bufio.NewReadWriter(br, bufio.NewWriterSize(cw, writeBufferSize)), nil
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w smallBuffers) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (s *Server) sockjsInfo(w http.ResponseWriter) {
	var b [4]byte
	_, _ = rand.Read(b[:])
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.Header().Set("Cache-Control", "no-store, no-cache, must-revalidate, max-age=0")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	fmt.Fprintf(w, `{"websocket":true,"origins":["*:*"],"cookie_needed":false,"entropy":%d}`, binary.LittleEndian.Uint32(b[:]))
}

func (s *Server) addSession(sess *session) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.sessions[sess] = struct{}{}
	s.wg.Add(1)
	s.metrics.connections.Add(1)
	return true
}

func (s *Server) dropSession(sess *session) {
	s.mu.Lock()
	_, ok := s.sessions[sess]
	delete(s.sessions, sess)
	s.mu.Unlock()
	if ok {
		s.metrics.connections.Add(-1)
		s.wg.Done()
	}
}

// Close stops accepting connections, unsubscribes from the bus, closes
// every connection with "going away" and waits (until ctx ends) for their
// cleanup.
func (s *Server) Close(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	sessions := make([]*session, 0, len(s.sessions))
	for sess := range s.sessions {
		sessions = append(sessions, sess)
	}
	s.mu.Unlock()
	if s.unsubscribeBus != nil {
		s.unsubscribeBus()
	}
	for _, sess := range sessions {
		go func() {
			// Close performs the close handshake; the session's reader
			// sees the peer's answer and ends.
			_ = sess.ws.Close(websocket.StatusGoingAway, "server shutting down")
			sess.abort("server shutdown")
		}()
	}
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		s.stop()
		return nil
	case <-ctx.Done():
		s.stop()
		return fmt.Errorf("realtime: closing connections: %w", ctx.Err())
	}
}

// Stats returns the server's counters.
func (s *Server) Stats() Stats {
	return Stats{
		Connections:       s.metrics.connections.Load(),
		SlowConsumers:     s.metrics.slowConsumers.Load(),
		HeartbeatTimeouts: s.metrics.heartbeatTimeouts.Load(),
		MalformedFrames:   s.metrics.malformed.Load(),
		OversizedFrames:   s.metrics.oversized.Load(),
		RateLimited:       s.metrics.rateLimited.Load(),
	}
}

// userLeft runs when a logged-in session logs out or closes.
func (s *Server) userLeft(sess *session, userID string) {
	if s.cfg.Presence != nil && sess.id != "" {
		s.cfg.Presence.UserDisconnected(sess.id, userID)
	}
}

// EmitToRoom sends a stream-notify-room event "<rid>/<event>" to this
// instance's subscribers of it. Use it for events without a domain event
// type (deleteMessageBulk, messagesRead); it does not cross instances.
func (s *Server) EmitToRoom(rid, event string, args ...any) error {
	frame, err := ddp.StreamEvent(streamNotifyRoom, rid+"/"+event, args...)
	if err != nil {
		return fmt.Errorf("realtime: encoding %s/%s: %w", rid, event, err)
	}
	s.hub.deliverRoomNotify(nil, rid, event, frame, nil)
	return nil
}

// EmitToUser sends a stream-notify-user event "<uid>/<event>" (for example
// an ephemeral "message") to the user's sessions on this instance.
func (s *Server) EmitToUser(userID, event string, args ...any) error {
	frame, err := ddp.StreamEvent(streamNotifyUser, userID+"/"+event, args...)
	if err != nil {
		return fmt.Errorf("realtime: encoding %s/%s: %w", userID, event, err)
	}
	s.hub.deliverUserNotify(nil, userID, event, frame)
	return nil
}

// EmitToLogged sends a stream-notify-logged event to every logged-in
// subscriber on this instance.
func (s *Server) EmitToLogged(event string, args ...any) error {
	frame, err := ddp.StreamEvent(streamNotifyLogged, event, args...)
	if err != nil {
		return fmt.Errorf("realtime: encoding %s: %w", event, err)
	}
	s.hub.deliverGlobal(nil, streamNotifyLogged, event, frame)
	return nil
}

// EmitToAll sends a stream-notify-all event to every subscriber on this
// instance.
func (s *Server) EmitToAll(event string, args ...any) error {
	frame, err := ddp.StreamEvent(streamNotifyAll, event, args...)
	if err != nil {
		return fmt.Errorf("realtime: encoding %s: %w", event, err)
	}
	s.hub.deliverGlobal(nil, streamNotifyAll, event, frame)
	return nil
}

// errNotLoggedIn is what methods answer to anonymous callers.
func errNotLoggedIn(method string) error {
	return model.ErrInvalidUser.WithDetails(map[string]any{"method": method})
}

// connSeq numbers connections for the call limiter's per-connection rules.
var connSeq atomic.Uint64
