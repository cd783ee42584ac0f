package realtime

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"liftoff/model"
)

// countingTransport discards frames and counts them, standing in for a
// WebSocket in the in-process fan-out benchmark.
type countingTransport struct {
	frames *atomic.Int64
	done   chan struct{}
	target *atomic.Int64
	writes *atomic.Int64 // optional: counts write calls
}

func (t *countingTransport) write(_ context.Context, frames [][]byte) error {
	if t.writes != nil {
		t.writes.Add(1)
	}
	n := t.frames.Add(int64(len(frames)))
	if n == t.target.Load() {
		t.done <- struct{}{}
	}
	return nil
}

func (t *countingTransport) closeNow() {}

// newBenchServer returns a Server with fake dependencies and no bus.
func newBenchServer(tb testing.TB, tweak func(*Config)) *Server {
	tb.Helper()
	cfg := Config{
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Auth:   newFakeAuth(),
		Rooms:  newFakeRooms(),
	}
	if tweak != nil {
		tweak(&cfg)
	}
	srv, err := New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return srv
}

// BenchmarkFanout measures one message event fanned out to n sessions
// subscribed to the room: the hub encodes the frame once and queues it to
// every session, whose writer goroutines hand it to a counting transport
// (in process, no sockets). ns/op is publish to last write; enqueue-ns is
// the part spent in the hub before it returns.
func BenchmarkFanout(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("sessions=%d", n), func(b *testing.B) {
			srv := newBenchServer(b, func(c *Config) { c.SendQueueFrames = 1 << 16; c.SendQueueBytes = 1 << 30 })
			var frames, target atomic.Int64
			done := make(chan struct{}, 1)
			for i := range n {
				ctx, cancel := context.WithCancel(context.Background())
				s := &session{srv: srv, ctx: ctx, cancel: cancel, subs: map[string]*subscription{},
					tr: &countingTransport{frames: &frames, done: done, target: &target}}
				uid := fmt.Sprintf("u%d", i)
				s.who.Store(&identity{user: &model.User{ID: uid, Username: uid}})
				srv.hub.userLoggedIn(s, uid)
				srv.hub.roomsLoaded(uid, []string{"R"}, true)
				sub := &subscription{id: "1", kind: kindRoomMessages, scope: "R"}
				s.subs["1"] = sub
				srv.hub.index(s, sub)
				b.Cleanup(cancel)
			}
			msg := &model.Message{ID: "m", RoomID: "R", Msg: strings.Repeat("hello ", 20), SentAt: model.Now(),
				Author: model.UserRef{ID: "u0", Username: "u0"}, Mentions: []model.Mention{}, Channels: []model.ChannelRef{}}
			ev := model.MessageSaved{Message: msg, RoomType: "c", RoomName: "general", Created: true}
			var enqueue time.Duration
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				target.Store(int64(n) * int64(i+1))
				start := time.Now()
				srv.hub.handleEvent(ev)
				enqueue += time.Since(start)
				<-done
			}
			b.ReportMetric(float64(enqueue.Nanoseconds())/float64(b.N), "enqueue-ns/op")
		})
	}
}

// BenchmarkFanoutMessage measures what one new message costs the hub when
// every member listens as Rocket.Chat's web client does: the commit's
// RoomChanged (a <uid>/rooms-changed frame per member) and MessageSaved
// (the stream-room-messages frame) handled as one bus batch. writes/op
// counts the transport writes (system calls on a real connection).
func BenchmarkFanoutMessage(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("sessions=%d", n), func(b *testing.B) {
			srv := newBenchServer(b, func(c *Config) { c.SendQueueFrames = 1 << 16; c.SendQueueBytes = 1 << 30 })
			var frames, target, writes atomic.Int64
			done := make(chan struct{}, 1)
			for i := range n {
				ctx, cancel := context.WithCancel(context.Background())
				s := &session{srv: srv, ctx: ctx, cancel: cancel, subs: map[string]*subscription{},
					tr: &countingTransport{frames: &frames, done: done, target: &target, writes: &writes}}
				uid := fmt.Sprintf("u%d", i)
				s.who.Store(&identity{user: &model.User{ID: uid, Username: uid}})
				srv.hub.userLoggedIn(s, uid)
				srv.hub.roomsLoaded(uid, []string{"R"}, true)
				for _, sub := range []*subscription{
					{id: "1", kind: kindRoomMessages, scope: "R"},
					{id: "2", kind: kindUserNotify, scope: uid, event: eventRoomsChanged},
				} {
					s.subs[sub.id] = sub
					srv.hub.index(s, sub)
				}
				b.Cleanup(cancel)
			}
			msg := &model.Message{ID: "m", RoomID: "R", Msg: strings.Repeat("hello ", 20), SentAt: model.Now(),
				Author: model.UserRef{ID: "u0", Username: "u0"}, Mentions: []model.Mention{}, Channels: []model.ChannelRef{}}
			room := &model.Room{ID: "R", Type: "c", Name: "general", MessageCount: 10, LastMessageAt: msg.SentAt, LastMessage: msg, UsersCount: n,
				Creator: &model.UserRef{ID: "u0", Username: "u0"}, UpdatedAt: msg.SentAt}
			events := []model.Event{
				model.RoomChanged{Action: model.ActionUpdated, Room: room},
				model.MessageSaved{Message: msg, RoomType: "c", RoomName: "general", Created: true},
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				target.Store(2 * int64(n) * int64(i+1))
				srv.hub.handleEvents(events)
				<-done
			}
			b.ReportMetric(float64(writes.Load())/float64(b.N), "writes/op")
		})
	}
}

// rawClient is a minimal WebSocket client over a bare net.Conn (no
// goroutines, no buffers beyond the socket), so that measuring the
// process's memory counts little besides the server's side.
type rawClient struct {
	conn net.Conn
	r    *bufio.Reader
}

func dialRaw(addr string) (*rawClient, error) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	var key [16]byte
	_, _ = rand.Read(key[:])
	req := "GET /websocket HTTP/1.1\r\nHost: " + addr + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: " + base64.StdEncoding.EncodeToString(key[:]) + "\r\nSec-WebSocket-Version: 13\r\n\r\n"
	if _, err := io.WriteString(conn, req); err != nil {
		return nil, err
	}
	c := &rawClient{conn: conn, r: bufio.NewReaderSize(conn, 16)}
	for {
		line, err := c.r.ReadString('\n')
		if err != nil {
			return nil, fmt.Errorf("handshake: %w", err)
		}
		if line == "\r\n" {
			break
		}
	}
	return c, nil
}

func (c *rawClient) write(v any) error {
	payload, err := json.Marshal(v)
	if err != nil {
		return err
	}
	hdr := []byte{0x81, 0}
	switch {
	case len(payload) < 126:
		hdr[1] = 0x80 | byte(len(payload))
	default:
		hdr[1] = 0x80 | 126
		hdr = binary.BigEndian.AppendUint16(hdr, uint16(len(payload)))
	}
	hdr = append(hdr, 0, 0, 0, 0) // a zero mask leaves the payload as is
	_, err = c.conn.Write(append(hdr, payload...))
	return err
}

func (c *rawClient) read() ([]byte, error) {
	var h [2]byte
	if _, err := io.ReadFull(c.r, h[:]); err != nil {
		return nil, err
	}
	n := int(h[1] & 0x7f)
	switch n {
	case 126:
		var l [2]byte
		if _, err := io.ReadFull(c.r, l[:]); err != nil {
			return nil, err
		}
		n = int(binary.BigEndian.Uint16(l[:]))
	case 127:
		var l [8]byte
		if _, err := io.ReadFull(c.r, l[:]); err != nil {
			return nil, err
		}
		n = int(binary.BigEndian.Uint64(l[:]))
	}
	p := make([]byte, n)
	_, err := io.ReadFull(c.r, p)
	return p, err
}

func memNow() (bytes uint64, goroutines int) {
	m := memStats()
	return m.HeapInuse + m.StackInuse, runtime.NumGoroutine()
}

func memStats() runtime.MemStats {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m
}

// BenchmarkIdleConnections opens 2,000 real loopback WebSocket connections,
// each logged in (as its own user, member of 5 rooms) and subscribed to
// __my_messages__, <uid>/notification, <uid>/subscriptions-changed and
// user-status, and reports heap plus stack bytes and goroutines per idle
// connection. The figure includes the test client's end of each socket,
// which "pair-bytes/conn" estimates (a bare TCP connection pair).
func BenchmarkIdleConnections(b *testing.B) {
	const n = 2000
	e := newEnv(b, nil)
	for i := range n {
		uid := fmt.Sprintf("u%d", i)
		e.auth.add(uid, uid, "pw")
		for r := range 5 {
			e.rooms.join(fmt.Sprintf("R%d", (i+r*7)%100), uid)
		}
	}
	addr := strings.TrimPrefix(e.http.URL, "http://")

	pair := measurePairs(b, n)

	m0 := memStats()
	before, g0 := memNow()
	clients := make([]*rawClient, 0, n)
	for i := range n {
		c, err := dialRaw(addr)
		if err != nil {
			b.Fatal(err)
		}
		uid := fmt.Sprintf("u%d", i)
		msgs := []any{
			map[string]any{"msg": "connect", "version": "1", "support": []string{"1"}},
			map[string]any{"msg": "method", "id": "1", "method": "login", "params": []any{map[string]any{"resume": "tok-" + uid}}},
			map[string]any{"msg": "sub", "id": "a", "name": streamRoomMessages, "params": []any{eventMyMessages, opts}},
			map[string]any{"msg": "sub", "id": "b", "name": streamNotifyUser, "params": []any{uid + "/notification", opts}},
			map[string]any{"msg": "sub", "id": "c", "name": streamNotifyUser, "params": []any{uid + "/subscriptions-changed", opts}},
			map[string]any{"msg": "sub", "id": "d", "name": streamNotifyLogged, "params": []any{"user-status", opts}},
		}
		for _, m := range msgs {
			if err := c.write(m); err != nil {
				b.Fatal(err)
			}
		}
		for ready := 0; ready < 4; {
			p, err := c.read()
			if err != nil {
				b.Fatal(err)
			}
			if strings.Contains(string(p), `"ready"`) {
				ready++
			}
			if strings.Contains(string(p), `"nosub"`) || strings.Contains(string(p), `"error"`) {
				b.Fatalf("setup: %s", p)
			}
		}
		clients = append(clients, c)
	}
	// Let writer goroutines finish and exit.
	// Nothing signals their end: look again every 10 ms, for 5 s at most.
	deadline := time.Now().Add(5 * time.Second)
	tick := time.NewTicker(10 * time.Millisecond)
	for runtime.NumGoroutine() > g0+n && time.Now().Before(deadline) {
		<-tick.C
	}
	tick.Stop()
	after, g1 := memNow()
	m1 := memStats()
	per := float64(after-before) / n
	b.ReportMetric(float64(m1.StackInuse-m0.StackInuse)/n, "stack-bytes/conn")
	b.ReportMetric(per, "bytes/conn")
	b.ReportMetric(float64(g1-g0)/n, "goroutines/conn")
	b.ReportMetric(pair, "pair-bytes/conn")
	b.ReportMetric(per-pair/2, "server-bytes/conn")
	for _, c := range clients {
		_ = c.conn.Close()
	}
	for i := 0; i < b.N; i++ {
		// The measurement above is the benchmark; b.N has no meaning here.
	}
}

// measurePairs estimates the memory of n idle TCP connection pairs held
// as plain net.Conns on both ends, with no goroutines.
func measurePairs(b *testing.B, n int) float64 {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	var mu sync.Mutex
	var server []net.Conn
	accepted := make(chan struct{})
	go func() {
		for range n {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			server = append(server, c)
			mu.Unlock()
		}
		close(accepted)
	}()
	before, _ := memNow()
	clients := make([]net.Conn, 0, n)
	for range n {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			b.Fatal(err)
		}
		clients = append(clients, c)
	}
	<-accepted
	after, _ := memNow()
	for _, c := range clients {
		c.Close()
	}
	mu.Lock()
	for _, c := range server {
		c.Close()
	}
	mu.Unlock()
	return float64(after-before) / float64(n)
}
