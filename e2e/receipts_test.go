package e2e

import (
	"encoding/json"
	"testing"

	"liftoff/internal/testserver"
)

// End-to-end tests of read receipts (package receipts): the unread flag of
// new messages, its clearing once every other member has read past the
// message (streamed to the room), the receipts kept per user, and
// chat.getMessageReadReceipts / getReadReceipts with their refusals.

func receiptsServer(t *testing.T) *testserver.Server {
	return testserver.Start(t, testserver.Options{Env: []string{
		"OVERWRITE_SETTING_Message_Read_Receipt_Enabled=true",
		"OVERWRITE_SETTING_Message_Read_Receipt_Store_Users=true",
	}})
}

func receiptUsers(t *testing.T, r *testserver.Response) []string {
	t.Helper()
	var out []string
	for _, x := range r.List("receipts") {
		out = append(out, x.(map[string]any)["userId"].(string))
	}
	return out
}

func TestReadReceipts(t *testing.T) {
	srv := receiptsServer(t)
	alice, rt := rtUser(t, srv, "alice")
	bob := srv.CreateUser(t, "bob")
	carol := srv.CreateUser(t, "carol")
	carolRT := ddpDial(t, srv)
	carolRT.login("carol", "carol-pass")
	rid := chatRoom(t, alice, "groups", "receipts-crew", "bob", "carol")
	rt.sub("stream-room-messages", rid, false)

	posted := alice.Post("/api/v1/chat.postMessage", map[string]any{"roomId": rid, "text": "did you read this?"}).OK(t)
	mid := posted.Str("message._id")
	if posted.Get("message.unread") != true {
		t.Fatalf("a new message is unread: %s", posted.Body)
	}
	if r := bob.Get("/api/v1/chat.getMessage", "msgId", mid).OK(t); r.Get("message.unread") != true {
		t.Fatalf("stored unread: %s", r.Body)
	}
	// The sender's own receipt comes with the message.
	if got := receiptUsers(t, alice.Get("/api/v1/chat.getMessageReadReceipts", "messageId", mid).OK(t)); len(got) != 1 || got[0] != alice.UserID {
		t.Fatalf("sender's receipt: %v", got)
	}

	// Bob reads: his receipt is kept, the message stays unread for carol.
	bob.Post("/api/v1/subscriptions.read", map[string]any{"rid": rid}).OK(t)
	if r := bob.Get("/api/v1/chat.getMessage", "msgId", mid).OK(t); r.Get("message.unread") != true {
		t.Fatalf("read by bob only: %s", r.Body)
	}
	if got := receiptUsers(t, bob.Get("/api/v1/chat.getMessageReadReceipts", "messageId", mid).OK(t)); len(got) != 2 || got[1] != bob.UserID {
		t.Fatalf("after bob: %v", got)
	}
	// Reading again keeps one receipt per user.
	bob.Post("/api/v1/subscriptions.read", map[string]any{"rid": rid}).OK(t)

	// Carol reads over DDP: everyone but the sender has read it, the flag
	// goes, and the room sees the message change.
	carolRT.call(nil, "readMessages", rid)
	upd := rt.roomMessage(rid, func(m map[string]any) bool { return m["_id"] == mid && m["unread"] == nil })
	if upd["msg"] != "did you read this?" {
		t.Fatalf("update: %v", upd)
	}
	if r := bob.Get("/api/v1/chat.getMessage", "msgId", mid).OK(t); r.Get("message.unread") != nil {
		t.Fatalf("read by all: %s", r.Body)
	}
	r := carol.Get("/api/v1/chat.getMessageReadReceipts", "messageId", mid).OK(t)
	if got := receiptUsers(t, r); len(got) != 3 || got[0] != alice.UserID || got[1] != bob.UserID || got[2] != carol.UserID {
		t.Fatalf("receipts: %s", r.Body)
	}
	first := r.List("receipts")[2].(map[string]any)
	user, _ := first["user"].(map[string]any)
	if first["_id"] != mid+carol.UserID || first["roomId"] != rid || first["messageId"] != mid || first["userId"] != carol.UserID ||
		user["_id"] != carol.UserID || user["username"] != "carol" || user["name"] == nil {
		t.Fatalf("receipt shape: %v", first)
	}
	if ts, _ := first["ts"].(string); len(ts) != len("2006-01-02T15:04:05.000Z") {
		t.Fatalf("REST ts is an ISO string: %v", first["ts"])
	}
	if page := receiptUsers(t, carol.Get("/api/v1/chat.getMessageReadReceipts", "messageId", mid, "offset", "1", "count", "1").OK(t)); len(page) != 1 || page[0] != bob.UserID {
		t.Fatalf("page: %v", page)
	}

	// DDP: the same list, dates as EJSON.
	var list []map[string]any
	carolRT.call(&list, "getReadReceipts", map[string]any{"messageId": mid})
	if len(list) != 3 || list[0]["userId"] != alice.UserID {
		t.Fatalf("getReadReceipts: %v", list)
	}
	ejsonDate(t, list[0]["ts"])

	// A sender alone in the room has nobody to wait for.
	solo := chatRoom(t, alice, "channels", "receipts-solo")
	if r := alice.Post("/api/v1/chat.postMessage", map[string]any{"roomId": solo, "text": "me, myself"}).OK(t); r.Get("message.unread") != nil {
		t.Fatalf("alone: %s", r.Body)
	}

	t.Run("refusals", func(t *testing.T) {
		r := alice.Get("/api/v1/chat.getMessageReadReceipts").Fail(t, 400, "invalid-params")
		if r.Str("error") != "must have required property 'messageId' [invalid-params]" {
			t.Fatalf("%s", r.Body)
		}
		r = alice.Get("/api/v1/chat.getMessageReadReceipts", "messageId", "nope").Fail(t, 400, "error-invalid-message")
		if r.Str("error") != "Invalid message [error-invalid-message]" {
			t.Fatalf("%s", r.Body)
		}
		// Someone outside the private group may not see who read in it.
		dave, daveRT := rtUser(t, srv, "dave")
		r = dave.Get("/api/v1/chat.getMessageReadReceipts", "messageId", mid).Fail(t, 400, "error-invalid-room")
		if r.Str("error") != "Invalid room [error-invalid-room]" || r.Get("receipts") != nil {
			t.Fatalf("%s", r.Body)
		}
		srv.Anon(t).Get("/api/v1/chat.getMessageReadReceipts", "messageId", mid).Fail(t, 401, "")
		daveRT.callFail("error-invalid-room", "getReadReceipts", map[string]any{"messageId": mid})
		daveRT.callFail("error-invalid-message", "getReadReceipts", map[string]any{"messageId": "nope"})
		daveRT.callFail("error-invalid-params", "getReadReceipts")
		daveRT.callFail("error-invalid-params", "getReadReceipts", map[string]any{"messageId": 5})
		anon := ddpDial(t, srv)
		anon.callFail("error-invalid-user", "getReadReceipts", map[string]any{"messageId": mid})
	})

	t.Run("flag without stored users", func(t *testing.T) {
		admin := srv.Admin(t)
		admin.Post("/api/v1/settings/Message_Read_Receipt_Store_Users", map[string]any{"value": false}).OK(t)
		t.Cleanup(func() {
			admin.Post("/api/v1/settings/Message_Read_Receipt_Store_Users", map[string]any{"value": true}).OK(t)
		})
		m2 := alice.Post("/api/v1/chat.postMessage", map[string]any{"roomId": rid, "text": "second"}).OK(t)
		if m2.Get("message.unread") != true {
			t.Fatalf("%s", m2.Body)
		}
		id := m2.Str("message._id")
		bob.Post("/api/v1/subscriptions.read", map[string]any{"rid": rid}).OK(t)
		carolRT.call(nil, "readMessages", rid)
		rt.roomMessage(rid, func(m map[string]any) bool { return m["_id"] == id && m["unread"] == nil })
		if got := receiptUsers(t, alice.Get("/api/v1/chat.getMessageReadReceipts", "messageId", id).OK(t)); len(got) != 0 {
			t.Fatalf("stored without Store_Users: %v", got)
		}
	})
}

// With the setting off (Rocket.Chat's default) messages carry no flag and
// reading stores nothing.
func TestReadReceiptsOff(t *testing.T) {
	srv := testserver.Start(t)
	alice := srv.CreateUser(t, "alice")
	bob := srv.CreateUser(t, "bob")
	rid := chatRoom(t, alice, "channels", "receipts-off", "bob")
	r := alice.Post("/api/v1/chat.postMessage", map[string]any{"roomId": rid, "text": "hello"}).OK(t)
	if r.Get("message.unread") != nil {
		t.Fatalf("flag with the setting off: %s", r.Body)
	}
	mid := r.Str("message._id")
	bob.Post("/api/v1/subscriptions.read", map[string]any{"rid": rid}).OK(t)
	got := bob.Get("/api/v1/chat.getMessageReadReceipts", "messageId", mid).OK(t)
	var body map[string]json.RawMessage
	if err := json.Unmarshal(got.Body, &body); err != nil || string(body["receipts"]) != "[]" {
		t.Fatalf("receipts with the setting off: %s", got.Body)
	}
}
