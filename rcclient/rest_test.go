package rcclient

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestDoDecodesEnvelopes(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/login", func(w http.ResponseWriter, r *http.Request) {
		var body map[string]string
		_ = json.NewDecoder(r.Body).Decode(&body)
		if body["user"] != "alice" || body["password"] != "pw" {
			w.WriteHeader(401)
			_, _ = w.Write([]byte(`{"status":"error","error":"Unauthorized","message":"Unauthorized"}`))
			return
		}
		_, _ = w.Write([]byte(`{"status":"success","data":{"userId":"U1","authToken":"T1","me":{}}}`))
	})
	mux.HandleFunc("GET /api/v1/channels.info", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-User-Id") != "U1" || r.Header.Get("X-Auth-Token") != "T1" {
			w.WriteHeader(401)
			_, _ = w.Write([]byte(`{"status":"error","message":"You must be logged in to do this."}`))
			return
		}
		if r.URL.Query().Get("roomName") != "general" {
			w.WriteHeader(400)
			_, _ = w.Write([]byte(`{"success":false,"error":"The required \"roomId\" or \"roomName\" param provided does not match any channel [error-room-not-found]","errorType":"error-room-not-found"}`))
			return
		}
		_, _ = w.Write([]byte(`{"channel":{"_id":"GENERAL","name":"general","t":"c","msgs":3,"usersCount":2},"success":true}`))
	})
	mux.HandleFunc("GET /api/v1/channels.history", func(w http.ResponseWriter, r *http.Request) {
		if got := r.URL.Query().Get("latest"); got != "2026-01-02T03:04:05.006Z" {
			t.Errorf("latest = %q", got)
		}
		_, _ = w.Write([]byte(`{"messages":[{"_id":"m1","rid":"GENERAL","msg":"hi","ts":"2026-01-02T03:04:05.000Z"}],"success":true}`))
	})
	mux.HandleFunc("GET /api/v1/me", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200)
		_, _ = w.Write([]byte(`<html>oops</html>`))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	ctx := context.Background()

	c := &Client{BaseURL: srv.URL}
	if _, err := c.Login(ctx, "alice", "bad"); HTTPStatus(err) != 401 {
		t.Fatalf("bad login: want a 401 *Error, got %v", err)
	}
	if _, err := c.ChannelInfo(ctx, "general"); HTTPStatus(err) != 401 {
		t.Fatalf("anonymous call: want 401, got %v", err)
	}
	cr, err := c.Login(ctx, "alice", "pw")
	if err != nil || cr != (Credentials{UserID: "U1", Token: "T1"}) || c.UserID != "U1" {
		t.Fatalf("login = %+v, %v", cr, err)
	}
	room, err := c.ChannelInfo(ctx, "general")
	if err != nil || room.ID != "GENERAL" || room.Msgs != 3 {
		t.Fatalf("channel info = %+v, %v", room, err)
	}
	_, err = c.ChannelInfo(ctx, "nope")
	var e *Error
	if !errors.As(err, &e) || e.ErrorType != "error-room-not-found" || e.HTTPStatus != 400 {
		t.Fatalf("missing room: got %#v", err)
	}
	if !IsErrorType(err, "error-room-not-found") {
		t.Fatal("IsErrorType does not see the wrapped error")
	}
	msgs, err := c.ChannelHistory(ctx, "GENERAL", time.Date(2026, 1, 2, 3, 4, 5, 6e6, time.UTC), 50)
	if err != nil || len(msgs) != 1 || msgs[0].TS.UnixMilli() != time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).UnixMilli() {
		t.Fatalf("history = %+v, %v", msgs, err)
	}
	if _, err := c.Me(ctx); err == nil {
		t.Fatal("a non-JSON success must be an error")
	}
}

func TestDecodeFailure(t *testing.T) {
	cases := []struct {
		name     string
		status   int
		body     string
		wantNil  bool
		wantType string
		wantMsg  string
	}{
		{"success", 200, `{"success":true}`, true, "", ""},
		{"success with a message object", 200, `{"message":{"_id":"m"},"success":true}`, true, "", ""},
		{"failure with an object message", 400, `{"success":false,"message":{"x":1},"error":"Nope"}`, false, "", "Nope"},
		{"login success", 200, `{"status":"success","data":{}}`, true, "", ""},
		{"typed failure", 400, `{"success":false,"error":"Nope","errorType":"error-not-allowed"}`, false, "error-not-allowed", "Nope"},
		{"type in error field", 400, `{"success":false,"error":"error-invalid-user","reason":"Bad user"}`, false, "error-invalid-user", "Bad user"},
		{"failure with 200", 200, `{"success":false,"error":"x"}`, false, "", "x"},
		{"unauthorized", 401, `{"status":"error","message":"You must be logged in to do this."}`, false, "", "You must be logged in to do this."},
		{"not json", 502, `Bad Gateway`, false, "", "Bad Gateway: Bad Gateway"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := decodeFailure(tc.status, []byte(tc.body))
			if tc.wantNil {
				if e != nil {
					t.Fatalf("want success, got %v", e)
				}
				return
			}
			if e == nil || e.ErrorType != tc.wantType || e.Message != tc.wantMsg || e.HTTPStatus != tc.status {
				t.Fatalf("got %#v", e)
			}
		})
	}
}

func TestTimeJSON(t *testing.T) {
	want := time.UnixMilli(1764014500123).UTC()
	for _, in := range []string{`{"$date":1764014500123}`, `"2025-11-24T20:01:40.123Z"`, `1764014500123`} {
		var tm Time
		if err := json.Unmarshal([]byte(in), &tm); err != nil || !tm.Equal(want) {
			t.Errorf("%s -> %v, %v", in, tm.Time, err)
		}
	}
	var tm Time
	if err := json.Unmarshal([]byte(`{"x":1}`), &tm); err == nil {
		t.Error("an object without $date must fail")
	}
	b, _ := json.Marshal(TimeOf(want))
	if string(b) != `{"$date":1764014500123}` {
		t.Errorf("marshal = %s", b)
	}
}
