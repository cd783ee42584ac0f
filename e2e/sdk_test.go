package e2e

import (
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/RocketChat/Rocket.Chat.Go.SDK/models"
	"github.com/RocketChat/Rocket.Chat.Go.SDK/realtime"
	"github.com/gopackage/ddp"
	"github.com/sony/sonyflake"

	"liftoff/internal/testserver"
)

// TestRealtimeOfficialGoSDK drives the server with Rocket.Chat's official
// Go SDK (its realtime client, built on github.com/gopackage/ddp): log in,
// subscribe to a room, receive a message posted over REST, send one and
// find it in the REST history.
//
// Under the race detector it is skipped: gopackage/ddp races with itself
// (its inbox goroutines share fields without locks, and Close races with
// its reconnect), which no server can change. make test runs it.
func TestRealtimeOfficialGoSDK(t *testing.T) {
	if raceDetector {
		t.Skip("github.com/gopackage/ddp, the SDK's DDP client, has data races of its own; runs without -race (make test)")
	}
	srv := testserver.Start(t)
	admin := srv.Admin(t)
	srv.CreateUser(t, "sdkbot")
	rid := admin.Post("/api/v1/channels.create", map[string]any{"name": "sdk-room", "members": []string{"sdkbot"}}).OK(t).Str("channel._id")

	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	client := sdkClient(t, u)
	t.Cleanup(client.Close)

	// The SDK logs in by e-mail with the password's SHA-256 digest.
	user, err := client.Login(&models.UserCredentials{Email: "sdkbot@example.org", Password: "sdkbot-pass"})
	if err != nil {
		t.Fatalf("login: %v", err)
	}
	if user.ID == "" || user.Token == "" {
		t.Fatalf("login answered %+v", user)
	}

	settings, err := client.GetPublicSettings()
	if err != nil || len(settings) == 0 {
		t.Fatalf("public settings: %d, %v", len(settings), err)
	}

	channel := &models.Channel{ID: rid}
	msgs := make(chan models.Message, 100)
	// The SDK attaches its message listener only to the first client of
	// the process (a package-level flag), so with -count>1 a second client
	// would never hear of its messages; a listener of our own on the
	// client's DDP collection receives them in every run.
	client.DDP().CollectionByName("stream-room-messages").AddUpdateListener(sdkListener{msgs})
	if err := client.SubscribeToMessageStream(channel, msgs); err != nil {
		t.Fatalf("subscribe: %v", err)
	}

	posted := admin.Post("/api/v1/chat.postMessage", map[string]any{"roomId": rid, "text": "from rest to the sdk"}).OK(t).Str("message._id")
	deadline := time.After(ddpWait)
	for received := false; !received; {
		select {
		case m := <-msgs:
			if m.ID == posted {
				if m.Msg != "from rest to the sdk" || m.RoomID != rid || m.User == nil || m.User.UserName != testserver.AdminUser {
					t.Fatalf("SDK decoded %+v", m)
				}
				received = true
			}
		case <-deadline:
			t.Fatal("the SDK received no message posted over REST")
		}
	}

	sent, err := client.SendMessage(client.NewMessage(channel, "from the sdk"))
	if err != nil {
		t.Fatalf("send: %v", err)
	}
	if sent.ID == "" || sent.Msg != "from the sdk" || sent.RoomID != rid {
		t.Fatalf("SDK send answered %+v", sent)
	}
	h := admin.Get("/api/v1/channels.history", "roomId", rid).OK(t)
	if !includes(ids(h.List("messages")), sent.ID) {
		t.Fatalf("message sent by the SDK is not in the history: %s", h.Body)
	}

	history, err := client.LoadHistory(rid)
	if err != nil || len(history) < 2 {
		t.Fatalf("loadHistory through the SDK: %d, %v", len(history), err)
	}
}

// sdkClient connects the SDK's realtime client to u. realtime.NewClient
// seeds its message-id generator (sonyflake) from the host's private IPv4
// address and fails on hosts without one (this sandbox only has a TEST-NET
// address). There the client is assembled the way NewClient does it, with
// the generator given a fixed machine id; everything after construction
// (connect, login, calls, subscriptions) is the SDK's own code.
func sdkClient(t *testing.T, u *url.URL) *realtime.Client {
	t.Helper()
	client, err := realtime.NewClient(u, false)
	if err == nil {
		return client
	}
	if !strings.Contains(err.Error(), "random id generator") {
		t.Fatalf("connect: %v", err)
	}
	t.Logf("realtime.NewClient: %v; assembling the client with a fixed sonyflake machine id", err)
	sf := sonyflake.NewSonyflake(sonyflake.Settings{MachineID: func() (uint16, error) { return 1, nil }})
	conn := ddp.NewClient(fmt.Sprintf("ws://%s/websocket", u.Host), u.String())
	if err := conn.Connect(); err != nil {
		t.Fatalf("connect: %v", err)
	}
	client = new(realtime.Client)
	v := reflect.ValueOf(client).Elem()
	setUnexported(t, v.FieldByName("ddp"), conn)
	setUnexported(t, v.FieldByName("sf"), sf)
	return client
}

func setUnexported(t *testing.T, field reflect.Value, value any) {
	t.Helper()
	if !field.IsValid() || field.Type() != reflect.TypeOf(value) {
		t.Fatalf("the SDK's Client has changed shape: cannot set %v", reflect.TypeOf(value))
	}
	reflect.NewAt(field.Type(), unsafe.Pointer(field.UnsafeAddr())).Elem().Set(reflect.ValueOf(value))
}

// sdkListener decodes stream-room-messages updates received by the SDK's
// DDP client.
type sdkListener struct{ out chan models.Message }

// CollectionUpdate implements ddp.UpdateListener.
func (l sdkListener) CollectionUpdate(_, operation, _ string, doc ddp.Update) {
	if operation != "update" {
		return
	}
	args, _ := doc["args"].([]any)
	for _, a := range args {
		m, _ := a.(map[string]any)
		if m == nil {
			continue
		}
		str := func(v any) string { s, _ := v.(string); return s }
		u, _ := m["u"].(map[string]any)
		select {
		case l.out <- models.Message{ID: str(m["_id"]), RoomID: str(m["rid"]), Msg: str(m["msg"]),
			User: &models.User{ID: str(u["_id"]), UserName: str(u["username"])}}:
		default:
		}
	}
}
