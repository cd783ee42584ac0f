package ddp

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"liftoff/model"
)

func must(b []byte, err error) []byte {
	if err != nil {
		return []byte("ERROR: " + err.Error())
	}
	return b
}

func TestServerFrames(t *testing.T) {
	msg := &model.Message{ID: "m1", RoomID: "GENERAL", Msg: "hi", SentAt: model.TimeFromMillis(1764014500123),
		Author: model.UserRef{ID: "u1", Username: "alice"}, UpdatedAt: model.TimeFromMillis(1764014500123)}
	msgJSON := `{"_id":"m1","rid":"GENERAL","msg":"hi","ts":{"$date":1764014500123},"u":{"_id":"u1","username":"alice"},` +
		`"_updatedAt":{"$date":1764014500123},"mentions":null,"channels":null}`
	internal := fmt.Errorf("store: select: %w", errors.New("database is locked"))
	cases := []struct {
		name string
		got  []byte
		want string
	}{
		{"connected", Connected("sess1"), `{"msg":"connected","session":"sess1"}`},
		{"failed", Failed("1"), `{"msg":"failed","version":"1"}`},
		{"ping", Ping(""), `{"msg":"ping"}`},
		{"ping id", Ping("p1"), `{"msg":"ping","id":"p1"}`},
		{"pong", Pong(""), `{"msg":"pong"}`},
		{"pong id", Pong("a\"b"), `{"msg":"pong","id":"a\"b"}`},
		{"result", must(Result("1", msg)), `{"msg":"result","id":"1","result":` + msgJSON + `}`},
		{"result nil", must(Result("2", nil)), `{"msg":"result","id":"2"}`},
		{"result false", must(Result("3", false)), `{"msg":"result","id":"3","result":false}`},
		{"result nil ptr", must(Result("4", (*model.Message)(nil))), `{"msg":"result","id":"4","result":null}`},
		{"result error", must(ResultError("5", model.ErrRoomArchived)),
			`{"msg":"result","id":"5","error":{"isClientSafe":true,"error":"error-room-archived","reason":"Room is archived",` +
				`"message":"Room is archived [error-room-archived]","errorType":"Meteor.Error"}}`},
		{"result internal error", must(ResultError("6", internal)),
			`{"msg":"result","id":"6","error":{"isClientSafe":true,"error":500,"reason":"Internal server error",` +
				`"message":"Internal server error [500]","errorType":"Meteor.Error"}}`},
		{"updated", Updated("1"), `{"msg":"updated","methods":["1"]}`},
		{"updated many", Updated("1", "2"), `{"msg":"updated","methods":["1","2"]}`},
		{"ready", Ready("s1"), `{"msg":"ready","subs":["s1"]}`},
		{"ready none", Ready(), `{"msg":"ready","subs":[]}`},
		{"nosub", must(NoSub("s1", nil)), `{"msg":"nosub","id":"s1"}`},
		{"nosub error", must(NoSub("s1", model.Invalid("not-allowed", "Not allowed"))),
			`{"msg":"nosub","id":"s1","error":{"isClientSafe":true,"error":"not-allowed","reason":"Not allowed",` +
				`"message":"Not allowed [not-allowed]","errorType":"Meteor.Error"}}`},
		{"added", must(Added("users", "u1", map[string]any{"username": "alice", "createdAt": model.TimeFromMillis(5)})),
			`{"msg":"added","collection":"users","id":"u1","fields":{"createdAt":{"$date":5},"username":"alice"}}`},
		{"added no fields", must(Added("users", "u1", nil)), `{"msg":"added","collection":"users","id":"u1"}`},
		{"added empty fields", must(Added("users", "u1", map[string]any{})), `{"msg":"added","collection":"users","id":"u1"}`},
		{"added stream compat", must(Added("stream-room-messages", StreamEventID, map[string]string{"eventName": "GENERAL"})),
			`{"msg":"added","collection":"stream-room-messages","id":"id","fields":{"eventName":"GENERAL"}}`},
		{"changed", must(Changed("users", "u1", struct {
			Status string `json:"status"`
		}{"away"})), `{"msg":"changed","collection":"users","id":"u1","fields":{"status":"away"}}`},
		{"changed cleared", must(Changed("users", "u1", nil, "statusText", "bio")),
			`{"msg":"changed","collection":"users","id":"u1","cleared":["statusText","bio"]}`},
		{"removed", Removed("users", "u1"), `{"msg":"removed","collection":"users","id":"u1"}`},
		{"stream event", must(StreamEvent("stream-room-messages", "GENERAL", msg)),
			`{"msg":"changed","collection":"stream-room-messages","id":"id","fields":{"eventName":"GENERAL","args":[` + msgJSON + `]}}`},
		{"stream event many args", must(StreamEvent("stream-notify-room", "GENERAL/user-activity", "alice", []string{"user-typing"}, map[string]any{})),
			`{"msg":"changed","collection":"stream-notify-room","id":"id","fields":{"eventName":"GENERAL/user-activity","args":["alice",["user-typing"],{}]}}`},
		{"stream event no args", must(StreamEvent("stream-notify-all", "deleteEmojiCustom")),
			`{"msg":"changed","collection":"stream-notify-all","id":"id","fields":{"eventName":"deleteEmojiCustom","args":[]}}`},
		{"error frame object", ErrorFrame("Bad request", []byte(" {\"msg\":\"hello\"}\n")),
			`{"msg":"error","reason":"Bad request","offendingMessage":{"msg":"hello"}}`},
		{"error frame garbage", ErrorFrame("Parse error", []byte(`{"msg":`)), `{"msg":"error","reason":"Parse error"}`},
		{"error frame non-object", ErrorFrame("Bad request", []byte(`[1]`)), `{"msg":"error","reason":"Bad request"}`},
		{"error frame nil", ErrorFrame("Bad request", nil), `{"msg":"error","reason":"Bad request"}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if string(c.got) != c.want {
				t.Errorf("got  %s\nwant %s", c.got, c.want)
			}
			if !json.Valid(c.got) {
				t.Errorf("invalid JSON: %s", c.got)
			}
		})
	}
}

func TestFramesWithUnencodableValues(t *testing.T) {
	bad := map[string]any{"c": make(chan int)}
	if _, err := Result("1", bad); err == nil {
		t.Error("Result accepted a channel")
	}
	if _, err := Added("c", "1", bad); err == nil {
		t.Error("Added accepted a channel")
	}
	if _, err := StreamEvent("c", "e", 1, bad); err == nil {
		t.Error("StreamEvent accepted a channel")
	}
	badDetails := model.Invalid("x", "y").WithDetails(bad)
	if _, err := ResultError("1", badDetails); err == nil {
		t.Error("ResultError accepted a channel in details")
	}
	if _, err := NoSub("1", badDetails); err == nil {
		t.Error("NoSub accepted a channel in details")
	}
	// Append forms leave dst as it was on error.
	dst := []byte("keep")
	if got, err := AppendStreamEvent(dst, "c", "e", bad); err == nil || string(got) != "keep" {
		t.Errorf("AppendStreamEvent = %q, %v", got, err)
	}
}

func TestAppendFramesReuseBuffer(t *testing.T) {
	buf := make([]byte, 0, 1024)
	for i := range 3 {
		var err error
		buf, err = AppendStreamEvent(buf[:0], "stream-room-messages", "GENERAL", i)
		if err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf(`{"msg":"changed","collection":"stream-room-messages","id":"id","fields":{"eventName":"GENERAL","args":[%d]}}`, i)
		if string(buf) != want {
			t.Errorf("got %s want %s", buf, want)
		}
	}
	b, err := AppendResult([]byte("x"), "1", 2)
	if err != nil || string(b) != `x{"msg":"result","id":"1","result":2}` {
		t.Errorf("AppendResult = %s, %v", b, err)
	}
}

func TestErrorValue(t *testing.T) {
	detailed := model.ErrActionNotAllowed.WithDetails(map[string]any{"method": "sendMessage", "at": model.TimeFromMillis(9)})
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"domain", model.ErrInvalidRoom,
			`{"isClientSafe":true,"error":"error-invalid-room","reason":"Invalid room","message":"Invalid room [error-invalid-room]","errorType":"Meteor.Error"}`},
		{"wrapped domain", fmt.Errorf("chat: send: %w", model.ErrInvalidRoom),
			`{"isClientSafe":true,"error":"error-invalid-room","reason":"Invalid room","message":"Invalid room [error-invalid-room]","errorType":"Meteor.Error"}`},
		{"details", detailed,
			`{"isClientSafe":true,"error":"error-action-not-allowed","reason":"Not allowed","details":{"at":{"$date":9},"method":"sendMessage"},` +
				`"message":"Not allowed [error-action-not-allowed]","errorType":"Meteor.Error"}`},
		{"no reason", &model.Error{Type: "invalid-event-name"},
			`{"isClientSafe":true,"error":"invalid-event-name","message":"[invalid-event-name]","errorType":"Meteor.Error"}`},
		{"internal", errors.New("secret path /var/lib/x"),
			`{"isClientSafe":true,"error":500,"reason":"Internal server error","message":"Internal server error [500]","errorType":"Meteor.Error"}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Marshal(ErrorValue(c.err))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != c.want {
				t.Errorf("got  %s\nwant %s", got, c.want)
			}
		})
	}
}

// A template's frames are byte for byte those of StreamEvent, whatever the
// name holds.
func TestStreamTemplate(t *testing.T) {
	room := json.RawMessage(`{"_id":"R1","t":"c","name":"general","lastMessage":{"msg":"a \"quoted\" text"}}`)
	tmpl, err := NewStreamTemplate("stream-notify-user", "updated", room)
	if err != nil {
		t.Fatal(err)
	}
	for _, uid := range []string{"u1", "", "ünïcode", "quote\"back\\slash", "ctl\x01\n", "bad\xff", "bad\xe2\x82", "\u2028"} {
		want, err := StreamEvent("stream-notify-user", uid+"/rooms-changed", "updated", room)
		if err != nil {
			t.Fatal(err)
		}
		got := tmpl.Frame(uid, "/rooms-changed")
		if string(got) != string(want) {
			t.Errorf("uid %q:\n got %s\nwant %s", uid, got, want)
		}
	}
	if _, err := NewStreamTemplate("c", func() {}); err == nil {
		t.Error("a template of an unencodable value was built")
	}
}
