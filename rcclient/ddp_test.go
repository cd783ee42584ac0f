package rcclient

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// fakeDDP is a test double speaking the few DDP frames the client needs. It
// pings each client right after connected and records the pongs.
type fakeDDP struct {
	mu    sync.Mutex
	pongs []string
}

func (f *fakeDDP) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ws, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	defer ws.CloseNow()
	ctx := r.Context()
	send := func(v any) {
		b, _ := json.Marshal(v)
		_ = ws.Write(ctx, websocket.MessageText, b)
	}
	for {
		_, data, err := ws.Read(ctx)
		if err != nil {
			return
		}
		var in struct {
			Msg    string            `json:"msg"`
			ID     string            `json:"id"`
			Method string            `json:"method"`
			Name   string            `json:"name"`
			Params []json.RawMessage `json:"params"`
		}
		if json.Unmarshal(data, &in) != nil {
			send(map[string]string{"msg": "error", "reason": "bad frame"})
			continue
		}
		switch in.Msg {
		case "connect":
			send(map[string]string{"server_id": "0"})
			send(map[string]string{"msg": "connected", "session": "S1"})
			send(map[string]string{"msg": "ping", "id": "hb1"})
		case "pong":
			f.mu.Lock()
			f.pongs = append(f.pongs, in.ID)
			f.mu.Unlock()
		case "sub":
			if in.Name == "forbidden" {
				send(map[string]any{"msg": "nosub", "id": in.ID, "error": map[string]any{"error": "error-not-allowed", "reason": "Not allowed", "errorType": "Meteor.Error"}})
				continue
			}
			send(map[string]any{"msg": "ready", "subs": []string{in.ID}})
		case "method":
			switch in.Method {
			case "login":
				var p struct {
					Resume   string `json:"resume"`
					Password struct {
						Digest string `json:"digest"`
					} `json:"password"`
				}
				_ = json.Unmarshal(in.Params[0], &p)
				// sha256("pw")
				if p.Resume == "tok" || p.Password.Digest == "30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4" {
					send(map[string]any{"msg": "result", "id": in.ID, "result": map[string]any{"id": "U1", "token": "tok", "tokenExpires": map[string]int64{"$date": 1764014500123}}})
				} else {
					send(map[string]any{"msg": "result", "id": in.ID, "error": map[string]any{"error": 403, "reason": "User not found", "errorType": "Meteor.Error"}})
				}
			case "sendMessage":
				var m map[string]any
				_ = json.Unmarshal(in.Params[0], &m)
				m["ts"] = map[string]int64{"$date": 1764014500123}
				send(map[string]any{"msg": "changed", "collection": "stream-room-messages", "id": "id", "fields": map[string]any{"eventName": m["rid"], "args": []any{m}}})
				send(map[string]any{"msg": "result", "id": in.ID, "result": m})
				send(map[string]any{"msg": "updated", "methods": []string{in.ID}})
			case "slow":
				// never answers
			case "die":
				return
			default:
				send(map[string]any{"msg": "result", "id": in.ID, "error": map[string]any{"error": 404, "reason": "Method '" + in.Method + "' not found", "errorType": "Meteor.Error"}})
			}
		}
	}
}

func dialFake(t *testing.T, f *fakeDDP, onEvent func(Event)) *Conn {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/websocket", DialOptions{OnEvent: onEvent})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(c.CloseNow)
	return c
}

func TestDDPSession(t *testing.T) {
	f := &fakeDDP{}
	events := make(chan Message, 4)
	c := dialFake(t, f, func(e Event) {
		if e.Collection != "stream-room-messages" || e.EventName != "R1" {
			t.Errorf("unexpected event %+v", e)
			return
		}
		var args []Message
		if err := json.Unmarshal(e.Args, &args); err != nil || len(args) != 1 {
			t.Errorf("args %s: %v", e.Args, err)
			return
		}
		events <- args[0]
	})
	if c.Session() != "S1" {
		t.Fatalf("session = %q", c.Session())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	if _, err := c.LoginResume(ctx, "bad"); !IsErrorType(err, "403") {
		t.Fatalf("bad resume: want error 403, got %v", err)
	}
	res, err := c.LoginPassword(ctx, "alice", "pw")
	if err != nil || res.ID != "U1" || res.Token != "tok" || res.TokenExpires.UnixMilli() != 1764014500123 {
		t.Fatalf("password login = %+v, %v", res, err)
	}
	if _, err := c.LoginResume(ctx, "tok"); err != nil {
		t.Fatalf("resume: %v", err)
	}
	if _, err := c.SubscribeStream(ctx, "stream-room-messages", "R1"); err != nil {
		t.Fatalf("sub: %v", err)
	}
	if err := c.SubscribeAll(ctx, StreamSub("stream-notify-user", "U1/message"), StreamSub("stream-notify-user", "U1/notification")); err != nil {
		t.Fatalf("subscribe all: %v", err)
	}
	if err := c.SubscribeAll(ctx, StreamSub("stream-notify-user", "U1/message"), Sub{Name: "forbidden"}); !IsErrorType(err, "error-not-allowed") {
		t.Fatalf("subscribe all with a refusal: got %v", err)
	}
	if _, err := c.Subscribe(ctx, "forbidden"); !IsErrorType(err, "error-not-allowed") {
		t.Fatalf("refused sub: got %v", err)
	}
	m, err := c.SendMessage(ctx, Message{ID: "M1", RoomID: "R1", Msg: "hello"})
	if err != nil || m.ID != "M1" || m.TS.UnixMilli() != 1764014500123 {
		t.Fatalf("sendMessage = %+v, %v", m, err)
	}
	select {
	case got := <-events:
		if got.ID != "M1" || got.Msg != "hello" {
			t.Fatalf("event message = %+v", got)
		}
	case <-ctx.Done():
		t.Fatal("no stream event")
	}
	if _, err := c.Call(ctx, "nosuch"); !IsErrorType(err, "404") {
		t.Fatalf("unknown method: got %v", err)
	}
	short, cancelShort := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancelShort()
	if _, err := c.Call(short, "slow"); err == nil {
		t.Fatal("a call without answer must end with its context")
	}
	f.mu.Lock()
	pongs := append([]string(nil), f.pongs...)
	f.mu.Unlock()
	if len(pongs) != 1 || pongs[0] != "hb1" {
		t.Fatalf("pongs = %v, want [hb1]", pongs)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	select {
	case <-c.Done():
	case <-ctx.Done():
		t.Fatal("Done not closed")
	}
	if _, err := c.Call(ctx, "login"); err == nil {
		t.Fatal("a call on a closed connection must fail")
	}
}

func TestDDPPendingCallFailsWhenServerGoes(t *testing.T) {
	c := dialFake(t, &fakeDDP{}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// The server drops the connection instead of answering.
	if _, err := c.Call(ctx, "die"); err == nil || ctx.Err() != nil {
		t.Fatalf("pending call: want a connection error before the deadline, got %v", err)
	}
	<-c.Done()
	if c.Err() == nil {
		t.Fatal("Err is nil after the connection died")
	}
}
