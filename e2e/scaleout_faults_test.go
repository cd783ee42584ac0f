package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"liftoff/internal/natstest"
	"liftoff/internal/testserver"
)

// roomTally takes the room's message frames off a connection and counts
// them by message id.
type roomTally struct {
	c      *ddpConn
	rid    string
	counts map[string]int
	lastTS int64 // ts of the newest message seen (ms)
}

func newTally(c *ddpConn, rid string) *roomTally {
	return &roomTally{c: c, rid: rid, counts: map[string]int{}}
}

func (r *roomTally) add(m map[string]any) {
	id, _ := m["_id"].(string)
	r.counts[id]++
	if ts, ok := m["ts"].(map[string]any); ok {
		if ms, _ := ts["$date"].(float64); int64(ms) > r.lastTS {
			r.lastTS = int64(ms)
		}
	}
}

// until takes frames until the message id has arrived (failing after the
// deadline), counting every message of the room on the way.
func (r *roomTally) until(t *testing.T, id string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for r.counts[id] == 0 {
		f, ok := r.c.tryTake(time.Until(deadline), func(f map[string]any) bool {
			return streamArgs(f, "stream-room-messages", r.rid) != nil
		})
		if !ok {
			t.Fatalf("message %s not received within 30s (%d messages counted)", id, len(r.counts))
		}
		if m, _ := streamArgs(f, "stream-room-messages", r.rid)[0].(map[string]any); m != nil {
			r.add(m)
		}
	}
}

// drain counts the room's frames already received, without waiting.
func (r *roomTally) drain() {
	for {
		f, ok := r.c.tryTake(0, func(f map[string]any) bool { return streamArgs(f, "stream-room-messages", r.rid) != nil })
		if !ok {
			return
		}
		if m, _ := streamArgs(f, "stream-room-messages", r.rid)[0].(map[string]any); m != nil {
			r.add(m)
		}
	}
}

// tryPost posts a message as w and returns its id, or the error (the
// connection failing included) without failing the test.
func tryPost(w *testserver.Client, rid, text string) (string, error) {
	body, _ := json.Marshal(map[string]any{"roomId": rid, "text": text})
	req, _ := http.NewRequest(http.MethodPost, w.Srv.URL+"/api/v1/chat.postMessage", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-User-Id", w.UserID)
	req.Header.Set("X-Auth-Token", w.Token)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var out struct {
		Success bool
		Message struct {
			ID string `json:"_id"`
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 || !out.Success || out.Message.ID == "" {
		return "", fmt.Errorf("status %d, %v", resp.StatusCode, err)
	}
	return out.Message.ID, nil
}

// TestScaleOutKillInstance kills one of three instances (SIGKILL) under a
// steady write load from clients of all three: every message an instance
// acknowledged is stored and reaches the members connected to the other
// instances exactly once; the killed instance's client reconnects to
// another one and catches up with no gap; a new instance joins.
func TestScaleOutKillInstance(t *testing.T) {
	env := scaledEnv(t, "")
	srvs := startCluster(t, 3, env)
	a, b, c := srvs[0], srvs[1], srvs[2]
	admin := b.Admin(t)
	names := []string{"wa", "wb", "wc"}
	writers := make([]*testserver.Client, 3)
	for i, srv := range srvs {
		writers[i] = srv.CreateUser(t, names[i])
	}
	_, readerA := rtUser(t, a, "ra")
	_, readerB := rtUser(t, b, "rb")
	_, readerC := rtUser(t, c, "rc")
	rid := admin.Post("/api/v1/channels.create", map[string]any{"name": "under-load",
		"members": []string{"wa", "wb", "wc", "ra", "rb", "rc"}}).OK(t).Str("channel._id")
	tallies := []*roomTally{newTally(readerA, rid), newTally(readerB, rid), newTally(readerC, rid)}
	for _, r := range tallies {
		r.c.sub("stream-room-messages", rid, false)
	}

	const perWriter = 60
	var (
		mu      sync.Mutex
		acked   = map[string]bool{}
		total   atomic.Int64
		killed  = make(chan struct{})
		wg      sync.WaitGroup
		aFailed atomic.Int64
	)
	for i, w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range perWriter {
				id, err := tryPost(w, rid, fmt.Sprintf("%s #%d", names[i], n))
				if err != nil {
					if i == 0 {
						aFailed.Add(1)
						return // A is gone: its client's writes fail, not acknowledged
					}
					t.Errorf("%s #%d: %v", names[i], n, err)
					return
				}
				mu.Lock()
				acked[id] = true
				mu.Unlock()
				if total.Add(1) == perWriter {
					close(killed) // a third of the load is through: kill A
				}
			}
		}()
	}
	<-killed
	a.Kill()
	readerA.waitClosed(10 * time.Second)
	wg.Wait()
	t.Logf("A's writer: %d write refused by the kill", aFailed.Load())

	// A's reader reconnects to B with its resume token and catches up: the
	// stream from now on, and what it missed (by time, as Rocket.Chat's
	// clients do; see docs/scaling.md for the margin).
	tallies[0].drain()
	again := ddpDial(t, b)
	var res struct {
		ID string `json:"id"`
	}
	again.call(&res, "login", map[string]any{"resume": readerA.token})
	again.sub("stream-room-messages", rid, false)
	var missed []map[string]any
	again.call(&missed, "loadMissedMessages", rid, map[string]any{"$date": tallies[0].lastTS - 2000})
	caughtUp := newTally(again, rid)
	for _, m := range missed {
		caughtUp.add(m)
	}

	// A new instance joins in place of A; a marker posted on it reaches
	// everyone, after every earlier message (one room's events are ordered).
	a2 := testserver.StartBinary(t, testserver.Options{Env: env})
	marker := a2.Login(t, "wa", "wa-pass").Post("/api/v1/chat.postMessage", map[string]any{"roomId": rid, "text": "marker"}).OK(t).Str("message._id")
	for _, r := range []*roomTally{tallies[1], tallies[2], caughtUp} {
		r.until(t, marker)
	}

	stored := map[string]bool{}
	for offset := 0; ; offset += 100 {
		page := admin.Get("/api/v1/channels.history", "roomId", rid, "count", "100", "offset", fmt.Sprint(offset)).OK(t).List("messages")
		for _, m := range page {
			if m := m.(map[string]any); m["t"] == nil {
				stored[m["_id"].(string)] = true
			}
		}
		if len(page) < 100 {
			break
		}
	}
	for id := range acked {
		if !stored[id] {
			t.Errorf("acknowledged message %s is not stored", id)
		}
	}
	for i, r := range tallies[1:] {
		for id := range stored {
			if r.counts[id] != 1 {
				t.Errorf("reader on instance %c got message %s %d times", 'B'+i, id, r.counts[id])
			}
		}
		for id := range r.counts {
			if !stored[id] {
				t.Errorf("reader on instance %c got message %s, which is not stored", 'B'+i, id)
			}
		}
	}
	for id := range stored {
		if tallies[0].counts[id] == 0 && caughtUp.counts[id] == 0 {
			t.Errorf("A's reader never got message %s, before the kill or after reconnecting", id)
		}
	}
	t.Logf("%d acknowledged, %d stored; A's reader had %d before the kill and %d after reconnecting to B",
		len(acked), len(stored)-1, len(tallies[0].counts), len(caughtUp.counts))
}

// TestScaleOutNATSRestart restarts the NATS server (SIGKILL, then the same
// storage) under write load from clients of two instances: writes go on
// (they commit in PostgreSQL), and once NATS is back every acknowledged
// message reaches the readers of both instances exactly once, in order.
func TestScaleOutNATSRestart(t *testing.T) {
	testStart := time.Now()
	ns := natstest.Start(t)
	env := scaledEnv(t, ns.URL)
	srvs := startCluster(t, 2, env)
	t.Logf("cluster started after %s", time.Since(testStart).Round(time.Millisecond))
	t.Cleanup(func() { t.Logf("test body ended; cleanup from %s", time.Since(testStart).Round(time.Millisecond)) })
	a, b := srvs[0], srvs[1]
	admin := a.Admin(t)
	wa, wb := a.CreateUser(t, "wa"), b.CreateUser(t, "wb")
	_, ra := rtUser(t, a, "ra")
	_, rb := rtUser(t, b, "rb")
	rid := admin.Post("/api/v1/channels.create", map[string]any{"name": "nats-restart", "members": []string{"wa", "wb", "ra", "rb"}}).OK(t).Str("channel._id")
	tallies := []*roomTally{newTally(ra, rid), newTally(rb, rid)}
	for _, r := range tallies {
		r.c.sub("stream-room-messages", rid, false)
	}

	const perWriter = 60
	var (
		mu      sync.Mutex
		acked   []string
		total   atomic.Int64
		restart = make(chan struct{})
		wg      sync.WaitGroup
	)
	for i, w := range []*testserver.Client{wa, wb} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range perWriter {
				id, err := tryPost(w, rid, fmt.Sprintf("w%d #%d", i, n))
				if err != nil {
					t.Errorf("w%d #%d: %v", i, n, err)
					return
				}
				mu.Lock()
				acked = append(acked, id)
				mu.Unlock()
				if total.Add(1) == perWriter/2 {
					close(restart)
				}
			}
		}()
	}
	<-restart
	phase := time.Now()
	ns.Stop()
	// Writes during the outage still commit (PostgreSQL has them; the
	// outbox keeps their events).
	during, err := tryPost(wa, rid, "while NATS is down")
	if err != nil {
		t.Fatalf("a write while NATS is down: %v", err)
	}
	// Logins go on without waiting for NATS (presence and the shared
	// failed-login counters fail fast and are logged).
	began := time.Now()
	b.Login(t, "wb", "wb-pass")
	late := ddpDial(t, a)
	late.login("ra", "ra-pass")
	if d := time.Since(began); d > 3*time.Second {
		t.Fatalf("logins took %s while NATS was down", d)
	}
	t.Logf("NATS down: a write and two logins in %s", time.Since(phase).Round(time.Millisecond))
	phase = time.Now()
	ns.Restart()
	wg.Wait()
	t.Logf("NATS restarted, writers done in %s", time.Since(phase).Round(time.Millisecond))
	phase = time.Now()
	marker := wb.Post("/api/v1/chat.postMessage", map[string]any{"roomId": rid, "text": "marker"}).OK(t).Str("message._id")
	acked = append(acked, during)
	for i, r := range tallies {
		r.until(t, marker)
		for _, id := range acked {
			if r.counts[id] != 1 {
				t.Errorf("reader on instance %c got message %s %d times", 'A'+i, id, r.counts[id])
			}
		}
	}
	t.Logf("%d acknowledged messages, all delivered once on both instances (%s after the writers)", len(acked), time.Since(phase).Round(time.Millisecond))
	for i, srv := range srvs {
		began := time.Now()
		srv.Stop()
		t.Logf("instance %d stopped in %s", i, time.Since(began).Round(time.Millisecond))
	}
}

// tcpProxy forwards a loopback port to a TCP address, and can cut every
// connection and refuse new ones for a while: PostgreSQL going away as
// the instances see it.
type tcpProxy struct {
	t      *testing.T
	addr   string // where the proxy listens
	target string
	mu     sync.Mutex
	ln     net.Listener
	conns  map[net.Conn]bool
}

func startProxy(t *testing.T, target string) *tcpProxy {
	p := &tcpProxy{t: t, target: target, conns: map[net.Conn]bool{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.addr = ln.Addr().String()
	p.serve(ln)
	t.Cleanup(p.cut)
	return p
}

func (p *tcpProxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns[c], p.conns[up] = true, true
			p.mu.Unlock()
			go func() { _, _ = io.Copy(up, c); up.Close() }()
			go func() { _, _ = io.Copy(c, up); c.Close() }()
		}
	}()
}

// cut closes the listener and every connection.
func (p *tcpProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}

// resume listens again on the same address.
func (p *tcpProxy) resume() {
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		p.t.Fatal(err)
	}
	p.serve(ln)
}

// TestScaleOutPostgresOutage cuts an instance off PostgreSQL: requests
// fail with an error in bounded time (none hangs), readiness turns false,
// and the instance recovers by itself once the database is back.
func TestScaleOutPostgresOutage(t *testing.T) {
	env := scaledEnv(t, "")
	for i, e := range env {
		if v, ok := strings.CutPrefix(e, "LIFTOFF_DATABASE_URL="); ok {
			u, err := url.Parse(v)
			if err != nil {
				t.Fatal(err)
			}
			proxy := startProxy(t, u.Host)
			u.Host = proxy.addr
			env[i] = "LIFTOFF_DATABASE_URL=" + u.String()
			outage(t, env, proxy)
			return
		}
	}
	t.Fatal("no database URL")
}

func outage(t *testing.T, env []string, proxy *tcpProxy) {
	srv := testserver.StartBinary(t, testserver.Options{Env: env})
	w := srv.CreateUser(t, "writer")
	rid := srv.Admin(t).Post("/api/v1/channels.create", map[string]any{"name": "outage", "members": []string{"writer"}}).OK(t).Str("channel._id")
	if _, err := tryPost(w, rid, "before"); err != nil {
		t.Fatal(err)
	}

	proxy.cut()
	for i := range 3 {
		began := time.Now()
		_, err := tryPost(w, rid, fmt.Sprintf("during %d", i))
		if err == nil {
			t.Fatal("a write succeeded while PostgreSQL was unreachable")
		}
		if d := time.Since(began); d > 15*time.Second {
			t.Fatalf("a write took %s to fail", d)
		}
		r := w.Get("/api/v1/channels.history", "roomId", rid)
		if r.Status != 500 || r.JSON["success"] != false {
			t.Fatalf("a read during the outage: %d %s", r.Status, r.Body)
		}
	}
	if r := srv.Anon(t).Get("/readyz"); r.Status == 200 {
		t.Fatalf("ready while the database is unreachable: %s", r.Body)
	}

	proxy.resume()
	var id string
	eventually(t, "writes work again", func() string {
		var err error
		if id, err = tryPost(w, rid, "after"); err != nil {
			return err.Error()
		}
		return ""
	})
	got := ids(w.Get("/api/v1/channels.history", "roomId", rid).OK(t).List("messages"))
	if !includes(got, id) || len(got) < 2 {
		t.Fatalf("history after the outage: %v", got)
	}
	if r := srv.Anon(t).Get("/readyz"); r.Status != 200 {
		t.Fatalf("not ready after the outage: %d %s", r.Status, r.Body)
	}
}
