package presence

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"liftoff/auth"
	"liftoff/model"
	"liftoff/realtime"
)

type oneUser struct{ u *model.User }

func (a oneUser) Login(context.Context, auth.Credentials, string) (*auth.LoginResult, error) {
	return &auth.LoginResult{User: a.u, Token: "t", Method: "resume"}, nil
}
func (oneUser) Logout(context.Context, string, string) error { return nil }

type noRooms struct{}

func (noRooms) CanReadRoom(context.Context, *model.User, string) error  { return model.ErrNotAllowed }
func (noRooms) RoomIDsOfUser(context.Context, string) ([]string, error) { return nil, nil }

// TestMethodsOverDDP drives the presence methods through a real server:
// login counts the connection, UserPresence:* change the status, and
// closing the socket turns the user offline after the grace period.
func TestMethodsOverDDP(t *testing.T) {
	st, clk := &fakeStore{}, &fakeClock{}
	tr, err := NewTracker(Config{Store: st, Clock: clk, Grace: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := realtime.New(realtime.Config{
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
		Auth:     oneUser{&model.User{ID: "u1", Username: "alice"}},
		Rooms:    noRooms{},
		Presence: tr,
	})
	if err != nil {
		t.Fatal(err)
	}
	RegisterMethods(srv, tr)
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(hs.URL, "http")+"/websocket", nil)
	if err != nil {
		t.Fatal(err)
	}
	send := func(v string) {
		if err := ws.Write(ctx, websocket.MessageText, []byte(v)); err != nil {
			t.Fatal(err)
		}
	}
	// waitResult reads until the result of call id and returns it.
	waitResult := func(id string) map[string]any {
		for {
			_, b, err := ws.Read(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var f map[string]any
			_ = json.Unmarshal(b, &f)
			if f["msg"] == "result" && f["id"] == id {
				return f
			}
		}
	}
	send(`{"msg":"connect","version":"1","support":["1"]}`)
	send(`{"msg":"method","id":"1","method":"login","params":[{"resume":"t"}]}`)
	waitResult("1")
	send(`{"msg":"method","id":"2","method":"UserPresence:away","params":[]}`)
	if r := waitResult("2"); r["result"] != true {
		t.Fatalf("away: %v", r)
	}
	send(`{"msg":"method","id":"3","method":"UserPresence:setDefaultStatus","params":["busy"]}`)
	if r := waitResult("3"); r["result"] != true {
		t.Fatalf("setDefaultStatus: %v", r)
	}
	send(`{"msg":"method","id":"4","method":"UserPresence:setDefaultStatus","params":["dancing"]}`)
	if r := waitResult("4"); r["error"] == nil {
		t.Fatalf("bad status accepted: %v", r)
	}
	_ = ws.Close(websocket.StatusNormalClosure, "")
	// The server notices the close asynchronously; the last connection's
	// close arms the grace timer.
	clk.waitArmed(t)
	if n := tr.Connections("u1"); n != 0 {
		t.Fatalf("%d connections after the close", n)
	}
	clk.advance(2 * time.Second)
	want := []change{{"online", "online"}, {"away", "online"}, {"busy", "busy"}, {"offline", "busy"}}
	if got := st.history("u1"); !eq(got, want) {
		t.Fatalf("history %v, want %v", got, want)
	}
}
