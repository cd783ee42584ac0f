package matrix

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"liftoff/chat"
	"liftoff/federation/matrix/links"
	"liftoff/jobs"
	"liftoff/model"
	"liftoff/store"
)

// fakes for the transaction endpoint: one portal room, one remote user.

type memLinks struct {
	mu sync.Mutex
	m  map[string]string // kind|local → remote
}

func (l *memLinks) MatrixLink(_ context.Context, kind, local string) (string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if v, ok := l.m[kind+"|"+local]; ok {
		return v, nil
	}
	return "", links.ErrNotFound
}

func (l *memLinks) MatrixLocal(_ context.Context, kind, remote string) (string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for k, v := range l.m {
		if v == remote && strings.HasPrefix(k, kind+"|") {
			return strings.TrimPrefix(k, kind+"|"), nil
		}
	}
	return "", links.ErrNotFound
}

func (l *memLinks) PutMatrixLink(ctx context.Context, kind, local, remote string) (bool, error) {
	if _, err := l.MatrixLink(ctx, kind, local); err == nil {
		return false, nil
	}
	if _, err := l.MatrixLocal(ctx, kind, remote); err == nil {
		return false, nil
	}
	l.mu.Lock()
	l.m[kind+"|"+local] = remote
	l.mu.Unlock()
	return true, nil
}

func (l *memLinks) MatrixLinksByPrefix(context.Context, string, string) (map[string]string, error) {
	return map[string]string{}, nil
}

func (l *memLinks) DeleteMatrixLink(_ context.Context, kind, local string) error {
	l.mu.Lock()
	delete(l.m, kind+"|"+local)
	l.mu.Unlock()
	return nil
}

type fakeData struct{ remote *model.User }

func (d fakeData) UserByID(context.Context, string) (*model.User, error) { return d.remote, nil }
func (d fakeData) UserByUsername(_ context.Context, name string) (*model.User, error) {
	if name == d.remote.Username {
		return d.remote, nil
	}
	return nil, store.ErrNotFound
}
func (d fakeData) RoomByID(context.Context, string) (*model.Room, error) {
	return &model.Room{ID: "R1", Type: "c", Federated: true}, nil
}
func (d fakeData) MessageByID(context.Context, string) (*model.Message, error) {
	return nil, store.ErrNotFound
}
func (d fakeData) MemberIDs(context.Context, string) ([]string, error) { return nil, nil }

type fakeChat struct {
	Chat
	mu   sync.Mutex
	sent []chat.SendInput
	fail bool
}

func (c *fakeChat) SendMessage(_ context.Context, _ *model.User, in chat.SendInput) (*model.Message, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fail {
		return nil, context.DeadlineExceeded
	}
	c.sent = append(c.sent, in)
	return &model.Message{ID: in.ID}, nil
}

type fakeQueue struct{}

func (fakeQueue) Enqueue(context.Context, ...jobs.NewJob) (int, error)         { return 0, nil }
func (fakeQueue) HandleBatch(string, int, jobs.BatchHandler, jobs.KindOptions) {}
func (fakeQueue) Handle(string, jobs.Handler, jobs.KindOptions)                {}

func TestTransactions(t *testing.T) {
	l := &memLinks{m: map[string]string{"room|R1": "!portal:hs"}}
	c := &fakeChat{}
	b, err := New(Deps{
		Config: Config{ID: "x", ASToken: "as", HSToken: "hs", HomeserverURL: "http://127.0.0.1:1", Domain: "hs",
			BridgeURL: "http://127.0.0.1:2", BotLocalpart: "bot", PuppetPrefix: "lo_"},
		Data: fakeData{remote: &model.User{ID: "U1", Username: "bob:hs", Federated: true}}, Links: l, Chat: c, Queue: fakeQueue{},
	})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	b.Routes(func(p string, h http.HandlerFunc) { mux.HandleFunc(p, h) })
	body := `{"events":[
		{"type":"m.room.message","room_id":"!portal:hs","sender":"@bob:hs","event_id":"$1","content":{"msgtype":"m.text","body":"one"}},
		{"type":"m.room.message","room_id":"!portal:hs","sender":"@lo_alice:hs","event_id":"$2","content":{"msgtype":"m.text","body":"echo"}},
		{"type":"m.room.message","room_id":"!other:hs","sender":"@bob:hs","event_id":"$3","content":{"msgtype":"m.text","body":"not a portal"}}]}`
	put := func(path, token string) int {
		req := httptest.NewRequest("PUT", path, strings.NewReader(body))
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, req)
		return w.Code
	}
	if code := put("/_matrix/app/v1/transactions/t1", ""); code != 401 {
		t.Errorf("no token: %d", code)
	}
	if code := put("/_matrix/app/v1/transactions/t1", "as"); code != 403 {
		t.Errorf("wrong token: %d", code)
	}
	if len(c.sent) != 0 {
		t.Fatal("a refused transaction was applied")
	}
	// A failure answers 500 and stores nothing: the homeserver resends.
	c.fail = true
	if code := put("/_matrix/app/v1/transactions/t1", "hs"); code != 500 {
		t.Errorf("failing transaction: %d", code)
	}
	if _, err := l.MatrixLink(t.Context(), links.Txn, "t1"); err == nil {
		t.Error("a failed transaction was recorded")
	}
	c.fail = false
	if code := put("/_matrix/app/v1/transactions/t1", "hs"); code != 200 {
		t.Errorf("transaction: %d", code)
	}
	if code := put("/transactions/t1", "hs"); code != 200 { // the legacy path, the same id again
		t.Errorf("repeated transaction: %d", code)
	}
	if len(c.sent) != 1 || c.sent[0].Msg != "one" || c.sent[0].ID != messageID("$1") || c.sent[0].RoomID != "R1" {
		t.Fatalf("applied: %+v", c.sent)
	}
}
