package bench

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// fakeRC is a small in-memory stand-in for a Rocket.Chat server, speaking
// just the REST calls and DDP frames the bench uses. It can drop or
// duplicate deliveries, so tests can check that runs catch both.
type fakeRC struct {
	mu       sync.Mutex
	users    map[string]*fakeUser // by username
	tokens   map[string]*fakeUser
	rooms    map[string]*fakeRoom // by name
	roomByID map[string]*fakeRoom
	nextID   int

	// dropNth, when > 0, drops the nth stream delivery; dupNth duplicates it.
	dropNth, dupNth int64
	deliveries      atomic.Int64
	failedLogins    atomic.Int64
}

type fakeUser struct {
	id, name, pass string
}

type fakeRoom struct {
	id, name string
	members  map[string]bool
	subs     map[*fakeConn]bool
	msgs     []map[string]any
}

type fakeConn struct {
	ws   *websocket.Conn
	user *fakeUser
}

func newFakeRC(t *testing.T) (*fakeRC, *httptest.Server) {
	f := &fakeRC{users: map[string]*fakeUser{}, tokens: map[string]*fakeUser{}, rooms: map[string]*fakeRoom{}, roomByID: map[string]*fakeRoom{}}
	f.users["admin"] = &fakeUser{id: "ADMIN", name: "admin", pass: "adminpass"}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/info", func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, map[string]any{"version": "fake", "success": true})
	})
	mux.HandleFunc("POST /api/v1/login", f.login)
	mux.HandleFunc("/api/v1/", f.rest)
	mux.HandleFunc("/websocket", f.ddp)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return f, srv
}

func reply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (f *fakeRC) id() string {
	f.nextID++
	return fmt.Sprintf("ID%015d", f.nextID)
}

func (f *fakeRC) login(w http.ResponseWriter, r *http.Request) {
	var in struct{ User, Password string }
	_ = json.NewDecoder(r.Body).Decode(&in)
	f.mu.Lock()
	defer f.mu.Unlock()
	u := f.users[in.User]
	if u == nil || u.pass != in.Password {
		f.failedLogins.Add(1)
		reply(w, 401, map[string]any{"status": "error", "error": "Unauthorized"})
		return
	}
	tok := "tok-" + f.id()
	f.tokens[tok] = u
	reply(w, 200, map[string]any{"status": "success", "data": map[string]string{"userId": u.id, "authToken": tok}})
}

func (f *fakeRC) rest(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	me := f.tokens[r.Header.Get("X-Auth-Token")]
	if me == nil || me.id != r.Header.Get("X-User-Id") {
		reply(w, 401, map[string]any{"status": "error", "message": "You must be logged in to do this."})
		return
	}
	var body map[string]any
	if r.Method == http.MethodPost {
		_ = json.NewDecoder(r.Body).Decode(&body)
	}
	q := r.URL.Query()
	fail := func(t string) { reply(w, 400, map[string]any{"success": false, "error": t, "errorType": t}) }
	switch r.URL.Path {
	case "/api/v1/me":
		reply(w, 200, map[string]any{"_id": me.id, "username": me.name, "success": true})
	case "/api/v1/users.create":
		name := body["username"].(string)
		if f.users[name] != nil {
			fail("error-field-unavailable")
			return
		}
		u := &fakeUser{id: f.id(), name: name, pass: body["password"].(string)}
		f.users[name] = u
		reply(w, 200, map[string]any{"user": map[string]any{"_id": u.id, "username": name}, "success": true})
	case "/api/v1/users.info":
		u := f.users[q.Get("username")]
		if u == nil {
			fail("error-invalid-user")
			return
		}
		reply(w, 200, map[string]any{"user": map[string]any{"_id": u.id, "username": u.name}, "success": true})
	case "/api/v1/channels.info":
		room := f.rooms[q.Get("roomName")]
		if room == nil {
			fail("error-room-not-found")
			return
		}
		reply(w, 200, map[string]any{"channel": map[string]any{"_id": room.id, "name": room.name, "t": "c", "msgs": len(room.msgs)}, "success": true})
	case "/api/v1/channels.create":
		room := &fakeRoom{id: f.id(), name: body["name"].(string), members: map[string]bool{me.id: true}, subs: map[*fakeConn]bool{}}
		for _, m := range body["members"].([]any) {
			room.members[f.users[m.(string)].id] = true
		}
		f.rooms[room.name], f.roomByID[room.id] = room, room
		reply(w, 200, map[string]any{"channel": map[string]any{"_id": room.id, "name": room.name, "t": "c"}, "success": true})
	case "/api/v1/channels.invite":
		room := f.roomByID[body["roomId"].(string)]
		if room == nil {
			fail("error-room-not-found")
			return
		}
		room.members[body["userId"].(string)] = true
		reply(w, 200, map[string]any{"success": true})
	case "/api/v1/channels.members":
		room := f.roomByID[q.Get("roomId")]
		ids := make([]string, 0, len(room.members))
		for id := range room.members {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		off, _ := strconv.Atoi(q.Get("offset"))
		n, _ := strconv.Atoi(q.Get("count"))
		var page []map[string]string
		for _, id := range ids[min(off, len(ids)):min(off+n, len(ids))] {
			page = append(page, map[string]string{"_id": id})
		}
		reply(w, 200, map[string]any{"members": page, "total": len(ids), "success": true})
	case "/api/v1/chat.postMessage":
		room := f.roomByID[body["roomId"].(string)]
		m := map[string]any{"_id": f.id(), "rid": room.id, "msg": body["text"], "ts": time.Now().UTC().Format("2006-01-02T15:04:05.000Z")}
		room.msgs = append(room.msgs, m)
		reply(w, 200, map[string]any{"message": m, "success": true})
	case "/api/v1/chat.sendMessage":
		m := body["message"].(map[string]any)
		m["ts"] = time.Now().UTC().Format("2006-01-02T15:04:05.000Z")
		m["u"] = map[string]string{"_id": me.id, "username": me.name}
		room := f.roomByID[m["rid"].(string)]
		room.msgs = append(room.msgs, m)
		frame, _ := json.Marshal(map[string]any{"msg": "changed", "collection": "stream-room-messages", "id": "id", "fields": map[string]any{"eventName": m["rid"], "args": []any{m}}})
		for s := range room.subs {
			_ = s.ws.Write(r.Context(), websocket.MessageText, frame)
		}
		reply(w, 200, map[string]any{"message": m, "success": true})
	case "/api/v1/channels.history":
		room := f.roomByID[q.Get("roomId")]
		n, _ := strconv.Atoi(q.Get("count"))
		reply(w, 200, map[string]any{"messages": newestFirst(room.msgs, n), "success": true})
	default:
		reply(w, 404, map[string]any{"success": false, "error": "not found"})
	}
}

func newestFirst(msgs []map[string]any, n int) []map[string]any {
	var out []map[string]any
	for i := len(msgs) - 1; i >= 0 && len(out) < n; i-- {
		out = append(out, msgs[i])
	}
	return out
}

func (f *fakeRC) ddp(w http.ResponseWriter, r *http.Request) {
	ws, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	c := &fakeConn{ws: ws}
	defer func() {
		f.mu.Lock()
		for _, room := range f.rooms {
			delete(room.subs, c)
		}
		f.mu.Unlock()
		ws.CloseNow()
	}()
	ctx := r.Context()
	send := func(v any) {
		b, _ := json.Marshal(v)
		_ = ws.Write(ctx, websocket.MessageText, b)
	}
	result := func(id string, v any) { send(map[string]any{"msg": "result", "id": id, "result": v}) }
	failed := func(id, t string) {
		send(map[string]any{"msg": "result", "id": id, "error": map[string]any{"error": t, "reason": t, "errorType": "Meteor.Error"}})
	}
	for {
		_, data, err := ws.Read(ctx)
		if err != nil {
			return
		}
		var in struct {
			Msg, ID, Method, Name string
			Params                []json.RawMessage
		}
		_ = json.Unmarshal(data, &in)
		switch {
		case in.Msg == "connect":
			send(map[string]string{"msg": "connected", "session": "s"})
		case in.Msg == "sub":
			var ev string
			_ = json.Unmarshal(in.Params[0], &ev)
			f.mu.Lock()
			room := f.roomByID[ev]
			ok := in.Name == "stream-notify-user" || (in.Name == "stream-room-messages" && room != nil && c.user != nil && room.members[c.user.id])
			if ok && room != nil {
				room.subs[c] = true
			}
			f.mu.Unlock()
			if ok {
				send(map[string]any{"msg": "ready", "subs": []string{in.ID}})
			} else {
				send(map[string]any{"msg": "nosub", "id": in.ID, "error": map[string]any{"error": "error-not-allowed"}})
			}
		case in.Method == "login":
			var p struct {
				Resume   string
				User     struct{ Username string }
				Password struct{ Digest string }
			}
			_ = json.Unmarshal(in.Params[0], &p)
			f.mu.Lock()
			u := f.tokens[p.Resume]
			tok := p.Resume
			if cand := f.users[p.User.Username]; u == nil && cand != nil {
				sum := sha256.Sum256([]byte(cand.pass))
				if hex.EncodeToString(sum[:]) == p.Password.Digest {
					u, tok = cand, "tok-"+f.id()
					f.tokens[tok] = u
				}
			}
			f.mu.Unlock()
			if u == nil {
				failed(in.ID, "403")
				continue
			}
			c.user = u
			result(in.ID, map[string]any{"id": u.id, "token": tok})
		case in.Method == "logout":
			result(in.ID, nil)
		case in.Method == "sendMessage":
			var m map[string]any
			_ = json.Unmarshal(in.Params[0], &m)
			m["ts"] = map[string]int64{"$date": time.Now().UnixMilli()}
			m["u"] = map[string]string{"_id": c.user.id, "username": c.user.name}
			frame, _ := json.Marshal(map[string]any{"msg": "changed", "collection": "stream-room-messages", "id": "id", "fields": map[string]any{"eventName": m["rid"], "args": []any{m}}})
			f.mu.Lock()
			room := f.roomByID[m["rid"].(string)]
			var subs []*fakeConn
			for s := range room.subs {
				subs = append(subs, s)
			}
			room.msgs = append(room.msgs, m)
			f.mu.Unlock()
			for _, s := range subs {
				n := f.deliveries.Add(1)
				if n == f.dropNth {
					continue
				}
				_ = s.ws.Write(ctx, websocket.MessageText, frame)
				if n == f.dupNth {
					_ = s.ws.Write(ctx, websocket.MessageText, frame)
				}
			}
			result(in.ID, m)
		case in.Method == "loadHistory":
			var rid string
			var limit int
			_ = json.Unmarshal(in.Params[0], &rid)
			_ = json.Unmarshal(in.Params[2], &limit)
			f.mu.Lock()
			msgs := newestFirst(f.roomByID[rid].msgs, limit)
			f.mu.Unlock()
			result(in.ID, map[string]any{"messages": msgs})
		case in.Msg == "method":
			failed(in.ID, "404")
		}
	}
}

// testTarget returns a target for the fake server.
func testTarget(url string) Target {
	return Target{URL: url, AdminUser: "admin", AdminPass: "adminpass", SourceIPs: nil}
}

func runOn(t *testing.T, url string, c RunConfig) Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r, err := NewRunner(ctx, testTarget(url))
	if err != nil {
		t.Fatalf("runner: %v", err)
	}
	return r.Run(ctx, c)
}

func selfPIDForTest() int { return os.Getpid() }
