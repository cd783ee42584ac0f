package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"liftoff/internal/testserver"
)

// End-to-end tests of the realtime API over real WebSockets against the
// running binary: streams, methods, presence, limits and resume.

// rtServer starts a server with short heartbeat and presence grace.
func rtServer(t *testing.T) *testserver.Server {
	return testserver.Start(t, testserver.Options{Env: []string{"LIFTOFF_HEARTBEAT=1s", "LIFTOFF_PRESENCE_GRACE=1s"}})
}

func TestRealtimeMessaging(t *testing.T) {
	srv := rtServer(t)
	admin := srv.Admin(t)
	aliceREST, alice := rtUser(t, srv, "alice")
	bobREST, bob := rtUser(t, srv, "bob")
	rid := admin.Post("/api/v1/channels.create", map[string]any{"name": "rt-talk", "members": []string{"alice", "bob"}}).OK(t).Str("channel._id")

	alice.sub("stream-room-messages", rid, map[string]any{"useCollection": false, "args": []any{}})
	bob.sub("stream-room-messages", rid, false) // the older parameter form
	bob.sub("stream-notify-room", rid+"/deleteMessage", false)
	bob.sub("stream-notify-room", rid+"/user-activity", map[string]any{"useCollection": false, "args": []any{}})

	t.Run("REST post reaches DDP subscribers", func(t *testing.T) {
		id := aliceREST.Post("/api/v1/chat.postMessage", map[string]any{"roomId": rid, "text": "hello over rest"}).OK(t).Str("message._id")
		m := bob.roomMessage(rid, msgWithID(id))
		if m["msg"] != "hello over rest" || m["rid"] != rid {
			t.Fatalf("message %v", m)
		}
		u, _ := m["u"].(map[string]any)
		if u["username"] != "alice" {
			t.Fatalf("u = %v", u)
		}
		ejsonDate(t, m["ts"])
		ejsonDate(t, m["_updatedAt"])
		alice.roomMessage(rid, msgWithID(id)) // the author's own connection too
	})

	t.Run("DDP sendMessage shows in REST history", func(t *testing.T) {
		var sent map[string]any
		bob.call(&sent, "sendMessage", map[string]any{"_id": "rtClientChosenId01", "rid": rid, "msg": "hello over ddp"})
		if sent["_id"] != "rtClientChosenId01" || sent["msg"] != "hello over ddp" {
			t.Fatalf("sendMessage result %v", sent)
		}
		ejsonDate(t, sent["ts"])
		alice.roomMessage(rid, msgWithID("rtClientChosenId01"))
		h := aliceREST.Get("/api/v1/channels.history", "roomId", rid).OK(t)
		if !includes(ids(h.List("messages")), "rtClientChosenId01") {
			t.Fatalf("history lacks the message: %s", h.Body)
		}
		bob.callFail("error-invalid-params", "sendMessage")
		bob.callFail("error-invalid-room", "sendMessage", map[string]any{"rid": "nosuchroomxxxxxxx", "msg": "x"})
	})

	t.Run("edit, react, pin arrive as changed events; delete as deleteMessage", func(t *testing.T) {
		var sent map[string]any
		alice.call(&sent, "sendMessage", map[string]any{"rid": rid, "msg": "to be edited"})
		id := sent["_id"].(string)
		bob.roomMessage(rid, msgWithID(id))

		alice.call(nil, "updateMessage", map[string]any{"_id": id, "rid": rid, "msg": "edited text"})
		m := bob.roomMessage(rid, func(m map[string]any) bool { return m["_id"] == id && m["msg"] == "edited text" })
		ejsonDate(t, m["editedAt"])
		if eb, _ := m["editedBy"].(map[string]any); eb["username"] != "alice" {
			t.Fatalf("editedBy %v", m["editedBy"])
		}
		if got := aliceREST.Get("/api/v1/chat.getMessage", "msgId", id).OK(t).Str("message.msg"); got != "edited text" {
			t.Fatalf("REST sees %q", got)
		}
		bob.callFail("error-action-not-allowed", "updateMessage", map[string]any{"_id": id, "rid": rid, "msg": "not mine"})

		bob.call(nil, "setReaction", ":thumbsup:", id)
		m = bob.roomMessage(rid, func(m map[string]any) bool { return m["_id"] == id && m["reactions"] != nil })
		r, _ := m["reactions"].(map[string]any)
		tu, _ := r[":thumbsup:"].(map[string]any)
		if !listHas(tu["usernames"], "bob") {
			t.Fatalf("reactions %v", m["reactions"])
		}
		bob.callFail("error-message-not-found", "setReaction", ":thumbsup:", "nosuchmessagexxxx")

		alice.callFail("not-authorized", "pinMessage", map[string]any{"_id": id, "rid": rid}) // pin-message: moderators
		adminDDP := ddpDial(t, srv)
		adminDDP.login(testserver.AdminUser, testserver.AdminPass)
		var pinned map[string]any
		adminDDP.call(&pinned, "pinMessage", map[string]any{"_id": id, "rid": rid})
		if pinned["t"] != "message_pinned" {
			t.Fatalf("pinMessage result %v", pinned)
		}
		bob.roomMessage(rid, func(m map[string]any) bool { return m["_id"] == id && m["pinned"] == true })
		var ok bool
		adminDDP.call(&ok, "unpinMessage", map[string]any{"_id": id, "rid": rid})
		if !ok {
			t.Fatal("unpinMessage did not answer true")
		}
		bob.roomMessage(rid, func(m map[string]any) bool { return m["_id"] == id && m["pinned"] == nil })

		alice.call(&ok, "starMessage", map[string]any{"_id": id, "rid": rid, "starred": true})
		st := aliceREST.Get("/api/v1/chat.getStarredMessages", "roomId", rid).OK(t)
		if !includes(ids(st.List("messages")), id) {
			t.Fatalf("not starred: %s", st.Body)
		}

		bob.callFail("error-action-not-allowed", "deleteMessage", map[string]any{"_id": id})
		alice.call(nil, "deleteMessage", map[string]any{"_id": id})
		args := bob.event("stream-notify-room", rid+"/deleteMessage", nil)
		if d, _ := args[0].(map[string]any); d["_id"] != id {
			t.Fatalf("deleteMessage args %v", args)
		}
		aliceREST.Get("/api/v1/chat.getMessage", "msgId", id).Fail(t, 400, "")
		alice.callFail("error-action-not-allowed", "deleteMessage", map[string]any{"_id": id})
	})

	t.Run("typing reaches others as user-activity", func(t *testing.T) {
		alice.call(nil, "stream-notify-room", rid+"/user-activity", "alice", []string{"user-typing"}, map[string]any{})
		args := bob.event("stream-notify-room", rid+"/user-activity", nil)
		if args[0] != "alice" || !listHas(args[1], "user-typing") {
			t.Fatalf("user-activity args %v", args)
		}
		alice.call(nil, "stream-notify-room", rid+"/user-activity", "alice", []string{}, map[string]any{})
		args = bob.event("stream-notify-room", rid+"/user-activity", nil)
		if l, _ := args[1].([]any); args[0] != "alice" || len(l) != 0 {
			t.Fatalf("stop typing args %v", args)
		}
	})

	t.Run("refused subscription: a private group of others", func(t *testing.T) {
		gid := admin.Post("/api/v1/groups.create", map[string]any{"name": "rt-secret", "members": []string{"alice"}}).OK(t).Str("group._id")
		e := bob.subRefused("stream-room-messages", gid, false)
		if e["error"] == nil {
			t.Fatalf("nosub error %v", e)
		}
		bob.subRefused("stream-notify-room", gid+"/deleteMessage", false)
		bob.subRefused("stream-notify-user", alice.userID+"/notification", false)
		anon := ddpDial(t, srv)
		anon.subRefused("stream-room-messages", gid, false)
		anon.callFail("error-invalid-user", "sendMessage", map[string]any{"rid": rid, "msg": "anon"})
		alice.sub("stream-room-messages", gid, false)
	})

	t.Run("kick stops delivery at once", func(t *testing.T) {
		kid := admin.Post("/api/v1/groups.create", map[string]any{"name": "rt-kick", "members": []string{"bob"}}).OK(t).Str("group._id")
		bob.sub("stream-room-messages", kid, false)
		before := admin.Post("/api/v1/chat.postMessage", map[string]any{"roomId": kid, "text": "before kick"}).OK(t).Str("message._id")
		bob.roomMessage(kid, msgWithID(before))
		admin.Post("/api/v1/groups.kick", map[string]any{"roomId": kid, "userId": bob.userID}).OK(t)
		after := admin.Post("/api/v1/chat.postMessage", map[string]any{"roomId": kid, "text": "after kick"}).OK(t).Str("message._id")
		// Events reach a connection in publish order: once a message posted
		// later elsewhere arrives, the kicked room's message would have.
		sentinel := aliceREST.Post("/api/v1/chat.postMessage", map[string]any{"roomId": rid, "text": "sentinel after kick"}).OK(t).Str("message._id")
		bob.roomMessage(rid, msgWithID(sentinel))
		if _, got := bob.tryTake(0, func(f map[string]any) bool {
			args := streamArgs(f, "stream-room-messages", kid)
			return len(args) > 0 && args[0].(map[string]any)["_id"] == after
		}); got {
			t.Fatal("kicked user received a message of the room")
		}
		bob.subRefused("stream-room-messages", kid, false)
	})

	t.Run("history methods", func(t *testing.T) {
		hid := admin.Post("/api/v1/channels.create", map[string]any{"name": "rt-history", "members": []string{"alice"}}).OK(t).Str("channel._id")
		var idsInOrder []string
		for i := range 5 {
			// Timestamps have millisecond precision and the windows below
			// are exclusive: messages one millisecond apart keep them apart.
			srv.Advance(t, 2*time.Millisecond)
			idsInOrder = append(idsInOrder, aliceREST.Post("/api/v1/chat.postMessage", map[string]any{"roomId": hid, "text": fmt.Sprintf("h%d", i)}).OK(t).Str("message._id"))
		}
		var h struct {
			Messages        []map[string]any `json:"messages"`
			UnreadNotLoaded int              `json:"unreadNotLoaded"`
			FirstUnread     map[string]any   `json:"firstUnread"`
		}
		alice.call(&h, "loadHistory", hid, nil, 2, nil)
		if len(h.Messages) != 2 || h.Messages[0]["_id"] != idsInOrder[4] || h.Messages[1]["_id"] != idsInOrder[3] {
			t.Fatalf("loadHistory page %v", h.Messages)
		}
		end := h.Messages[1]["ts"]
		var firstTS map[string]any
		{
			var all struct {
				Messages []map[string]any `json:"messages"`
			}
			alice.call(&all, "loadHistory", hid, nil, 50, nil)
			for _, m := range all.Messages {
				if m["_id"] == idsInOrder[0] {
					firstTS = m["ts"].(map[string]any)
				}
			}
		}
		var h2 struct {
			Messages        []map[string]any `json:"messages"`
			UnreadNotLoaded int              `json:"unreadNotLoaded"`
			FirstUnread     map[string]any   `json:"firstUnread"`
		}
		alice.call(&h2, "loadHistory", hid, end, 1, firstTS)
		if len(h2.Messages) != 1 || h2.Messages[0]["_id"] != idsInOrder[2] {
			t.Fatalf("loadHistory before end: %v", h2.Messages)
		}
		if h2.UnreadNotLoaded != 1 || h2.FirstUnread["_id"] != idsInOrder[1] {
			t.Fatalf("unread window: %d %v", h2.UnreadNotLoaded, h2.FirstUnread)
		}
		var missed []map[string]any
		alice.call(&missed, "loadMissedMessages", hid, firstTS)
		if len(missed) != 4 || missed[0]["_id"] != idsInOrder[4] || missed[3]["_id"] != idsInOrder[1] {
			t.Fatalf("loadMissedMessages %v", missed)
		}
		// A room bob may not read: false, as Rocket.Chat answers.
		gid := admin.Post("/api/v1/groups.create", map[string]any{"name": "rt-hidden-history"}).OK(t).Str("group._id")
		var f any
		bob.call(&f, "loadHistory", gid)
		if f != false {
			t.Fatalf("loadHistory of a hidden room: %v", f)
		}
		bob.call(&f, "loadMissedMessages", gid, map[string]any{"$date": 0})
		if f != false {
			t.Fatalf("loadMissedMessages of a hidden room: %v", f)
		}
		alice.callFail("error-invalid-params", "loadMissedMessages", hid)

		// Threads.
		var reply map[string]any
		alice.call(&reply, "sendMessage", map[string]any{"rid": hid, "msg": "in thread", "tmid": idsInOrder[0]})
		var thread []map[string]any
		alice.call(&thread, "getThreadMessages", map[string]any{"tmid": idsInOrder[0]})
		if len(thread) != 2 || thread[0]["_id"] != idsInOrder[0] || thread[1]["_id"] != reply["_id"] {
			t.Fatalf("getThreadMessages %v", thread)
		}
		alice.callFail("error-not-allowed", "getThreadMessages", map[string]any{"tmid": idsInOrder[0], "limit": 101})
		alice.call(&thread, "getThreadMessages", map[string]any{"tmid": "nosuchthreadxxxxx"})
		if len(thread) != 0 {
			t.Fatalf("unknown thread: %v", thread)
		}
	})

	t.Run("room methods", func(t *testing.T) {
		var created map[string]any
		alice.call(&created, "createChannel", "rt-made-by-ddp", []string{"bob"}, false)
		cid, _ := created["rid"].(string)
		if cid == "" || created["_id"] != cid || created["name"] != "rt-made-by-ddp" || created["t"] != "c" {
			t.Fatalf("createChannel %v", created)
		}
		alice.callFail("error-duplicate-channel-name", "createChannel", "rt-made-by-ddp", []string{})
		alice.call(&created, "createPrivateGroup", "rt-group-by-ddp", []string{})
		if created["t"] != "p" {
			t.Fatalf("createPrivateGroup %v", created)
		}
		gid := created["rid"].(string)
		var dm map[string]any
		alice.call(&dm, "createDirectMessage", "bob")
		if dm["t"] != "d" || dm["rid"] == nil {
			t.Fatalf("createDirectMessage %v", dm)
		}
		alice.callFail("error-invalid-user", "createDirectMessage", "nosuchuser")

		var ok bool
		alice.call(&ok, "addUsersToRoom", map[string]any{"rid": gid, "users": []string{"bob"}})
		if !ok {
			t.Fatal("addUsersToRoom did not answer true")
		}
		members := bobREST.Get("/api/v1/groups.members", "roomId", gid).OK(t)
		if !includes(listStrings(members.List("members"), "username"), "bob") {
			t.Fatalf("bob not added: %s", members.Body)
		}
		alice.callFail("error-invalid-username", "addUsersToRoom", map[string]any{"rid": gid, "users": []string{"nosuchuser"}})

		var saved map[string]any
		alice.call(&saved, "saveRoomSettings", cid, "roomTopic", "new topic")
		if saved["result"] != true || saved["rid"] != cid {
			t.Fatalf("saveRoomSettings %v", saved)
		}
		alice.call(&saved, "saveRoomSettings", cid, map[string]any{"roomDescription": "desc", "readOnly": true})
		info := aliceREST.Get("/api/v1/channels.info", "roomId", cid).OK(t)
		if info.Str("channel.topic") != "new topic" || info.Str("channel.description") != "desc" || info.Get("channel.ro") != true {
			t.Fatalf("settings not saved: %s", info.Body)
		}
		alice.callFail("error-invalid-settings", "saveRoomSettings", cid, "noSuchSetting", 1)
		bob.callFail("error-action-not-allowed", "saveRoomSettings", cid, "roomTopic", "bob's topic")

		var roles []map[string]any
		alice.call(&roles, "getRoomRoles", cid)
		if len(roles) != 1 || !listHas(roles[0]["roles"], "owner") {
			t.Fatalf("getRoomRoles %v", roles)
		}

		var users struct {
			Total   int              `json:"total"`
			Records []map[string]any `json:"records"`
		}
		alice.call(&users, "getUsersOfRoom", cid, true, map[string]any{"limit": 10, "skip": 0}, "")
		if users.Total != 2 || len(users.Records) != 2 {
			t.Fatalf("getUsersOfRoom %+v", users)
		}
		alice.call(&users, "getUsersOfRoom", cid, true, map[string]any{}, "bo")
		if len(users.Records) != 1 || users.Records[0]["username"] != "bob" || users.Total != 2 {
			t.Fatalf("getUsersOfRoom filtered %+v", users)
		}
		secret := admin.Post("/api/v1/groups.create", map[string]any{"name": "rt-not-yours"}).OK(t).Str("group._id")
		alice.callFail("error-not-allowed", "getUsersOfRoom", secret, true)

		bob.call(&ok, "joinRoom", rid)
		bob.callFail("error-room-not-found", "joinRoom", secret)
		bob.call(nil, "leaveRoom", cid)
		if r := bobREST.Get("/api/v1/subscriptions.getOne", "roomId", cid).OK(t); r.Get("subscription") != nil {
			t.Fatalf("still subscribed after leaveRoom: %s", r.Body)
		}

		var n int
		alice.call(&n, "toggleFavorite", cid, true)
		if n != 1 {
			t.Fatalf("toggleFavorite changed %d", n)
		}
		alice.call(&n, "toggleFavorite", cid, true)
		if n != 0 {
			t.Fatalf("second toggleFavorite changed %d", n)
		}
		if sub := aliceREST.Get("/api/v1/subscriptions.getOne", "roomId", cid).OK(t); sub.Get("subscription.f") != true {
			t.Fatalf("not favorite: %s", sub.Body)
		}
		bob.callFail("error-invalid-subscription", "toggleFavorite", secret, true)
		alice.call(&n, "hideRoom", cid)
		if n != 1 {
			t.Fatalf("hideRoom changed %d", n)
		}
		if sub := aliceREST.Get("/api/v1/subscriptions.getOne", "roomId", cid).OK(t); sub.Get("subscription.open") != false {
			t.Fatalf("not hidden: %s", sub.Body)
		}
		alice.call(&n, "openRoom", cid)
		if n != 1 {
			t.Fatalf("openRoom changed %d", n)
		}
		alice.call(nil, "readMessages", cid)
	})

	t.Run("sync methods", func(t *testing.T) {
		// A fresh connection: alice's has used up its method burst.
		a2 := ddpDial(t, srv)
		a2.login("alice", "alice-pass")
		var rooms []map[string]any
		a2.call(&rooms, "rooms/get")
		if len(rooms) == 0 {
			t.Fatal("rooms/get: no rooms")
		}
		before := srv.Now().Add(-time.Second).UnixMilli()
		var changed struct {
			Update []map[string]any `json:"update"`
			Remove []map[string]any `json:"remove"`
		}
		a2.call(&changed, "rooms/get", map[string]any{"$date": before})
		if changed.Update == nil || changed.Remove == nil {
			t.Fatalf("rooms/get since: %+v", changed)
		}
		var subs []map[string]any
		a2.call(&subs, "subscriptions/get")
		if len(subs) != len(rooms) {
			t.Fatalf("%d subscriptions for %d rooms", len(subs), len(rooms))
		}
		a2.call(&changed, "subscriptions/get", map[string]any{"$date": before})
		if changed.Update == nil {
			t.Fatalf("subscriptions/get since: %+v", changed)
		}
		a2.callFail("error-invalid-params", "rooms/get", "not a date")

		anon := ddpDial(t, srv)
		var settings []map[string]any
		anon.call(&settings, "public-settings/get")
		found := false
		for _, s := range settings {
			if s["_id"] == "Site_Url" {
				found = true
			}
		}
		if !found {
			t.Fatalf("public-settings/get lacks Site_Url (%d settings)", len(settings))
		}
		var perms []map[string]any
		anon.call(&perms, "permissions/get")
		if len(perms) < 10 {
			t.Fatalf("permissions/get: %d", len(perms))
		}
		var list []any
		a3 := ddpDial(t, srv)
		a3.login("alice", "alice-pass")
		a3.call(&list, "listCustomSounds")
		if list == nil || len(list) != 0 {
			t.Fatalf("listCustomSounds %v", list)
		}
	})
}

func TestRealtimeMethodCallBridge(t *testing.T) {
	srv := testserver.Start(t)
	admin := srv.Admin(t)
	rid := admin.Post("/api/v1/channels.create", map[string]any{"name": "bridge"}).OK(t).Str("channel._id")
	msg := func(method string, params ...any) map[string]any {
		if params == nil {
			params = []any{}
		}
		b, _ := json.Marshal(map[string]any{"msg": "method", "method": method, "params": params, "id": "42"})
		return map[string]any{"message": string(b)}
	}
	decode := func(r *testserver.Response) map[string]any {
		t.Helper()
		var inner map[string]any
		if err := json.Unmarshal([]byte(r.Str("message")), &inner); err != nil {
			t.Fatalf("message is not JSON: %s", r.Body)
		}
		if inner["msg"] != "result" || inner["id"] != "42" {
			t.Fatalf("result message %v", inner)
		}
		return inner
	}

	r := admin.Post("/api/v1/method.call/sendMessage", msg("sendMessage", map[string]any{"rid": rid, "msg": "via bridge"})).OK(t)
	res := decode(r)
	m, _ := res["result"].(map[string]any)
	if m["msg"] != "via bridge" {
		t.Fatalf("sendMessage via bridge: %v", res)
	}
	ejsonDate(t, m["ts"])
	if h := admin.Get("/api/v1/channels.history", "roomId", rid).OK(t); !includes(ids(h.List("messages")), m["_id"].(string)) {
		t.Fatalf("bridge message not in history: %s", h.Body)
	}

	// A method error travels inside a successful response.
	r = admin.Post("/api/v1/method.call/sendMessage", msg("sendMessage", map[string]any{"rid": "nosuchroomxxxxxxx", "msg": "x"})).OK(t)
	if e, _ := decode(r)["error"].(map[string]any); e["error"] != "error-invalid-room" || e["errorType"] != "Meteor.Error" {
		t.Fatalf("error result %v", e)
	}
	r = admin.Post("/api/v1/method.call/nope", msg("noSuchMethod")).OK(t)
	if e, _ := decode(r)["error"].(map[string]any); e["error"] != float64(404) {
		t.Fatalf("unknown method %v", e)
	}

	// Anonymous calls: public methods work, the others refuse.
	anon := srv.Anon(t)
	r = anon.Post("/api/v1/method.callAnon/public-settings%2Fget", msg("public-settings/get")).OK(t)
	if l, _ := decode(r)["result"].([]any); len(l) == 0 {
		t.Fatalf("public-settings/get via callAnon: %s", r.Body)
	}
	r = anon.Post("/api/v1/method.callAnon/sendMessage", msg("sendMessage", map[string]any{"rid": rid, "msg": "anon"})).OK(t)
	if e, _ := decode(r)["error"].(map[string]any); e["error"] != "error-invalid-user" {
		t.Fatalf("anonymous sendMessage %v", e)
	}
	// Logging in through callAnon answers the token.
	r = anon.Post("/api/v1/method.callAnon/login", msg("login", map[string]any{"user": map[string]any{"username": testserver.AdminUser}, "password": testserver.AdminPass})).OK(t)
	if l, _ := decode(r)["result"].(map[string]any); l["token"] == nil || l["id"] == nil {
		t.Fatalf("login via callAnon: %s", r.Body)
	}

	// Bad input.
	anon.Post("/api/v1/method.call/sendMessage", msg("sendMessage")).Fail(t, http.StatusUnauthorized, "")
	admin.Post("/api/v1/method.call/x", map[string]any{}).Fail(t, 400, "invalid-params")
	admin.Post("/api/v1/method.call/x", map[string]any{"message": 5}).Fail(t, 400, "invalid-params")
	bad := admin.Post("/api/v1/method.call/x", map[string]any{"message": "not json"})
	if bad.Status != 400 || bad.Str("error") != "Invalid method call" {
		t.Fatalf("invalid message: %d %s", bad.Status, bad.Body)
	}
	bad = admin.Post("/api/v1/method.call/x", map[string]any{"message": `{"msg":"method","method":"sendMessage","params":{},"id":"1"}`})
	if bad.Status != 400 || bad.Str("error") != "Invalid method call" {
		t.Fatalf("params not an array: %d %s", bad.Status, bad.Body)
	}
	if h := admin.Get("/api/v1/channels.history", "roomId", rid).OK(t); len(h.List("messages")) != 1 {
		t.Fatalf("refused calls changed the room: %s", h.Body)
	}
}

func TestRealtimeLogin(t *testing.T) {
	srv := testserver.Start(t)
	rest := srv.CreateUser(t, "carol")

	c := ddpDial(t, srv)
	var res map[string]any
	c.call(&res, "login", map[string]any{"resume": rest.Token})
	if res["id"] != rest.UserID || res["type"] != "resume" || res["token"] != rest.Token {
		t.Fatalf("resume login %v", res)
	}
	ejsonDate(t, res["tokenExpires"])

	c2 := ddpDial(t, srv)
	r := c2.loginDigest("carol", "carol-pass")
	if r.Error != nil {
		t.Fatalf("digest login: %v", r.Error)
	}
	var dres map[string]any
	_ = json.Unmarshal(r.Result, &dres)
	if dres["id"] != rest.UserID || dres["type"] != "password" {
		t.Fatalf("digest login %v", dres)
	}
	// The new token works for REST.
	me := srv.Anon(t)
	me.UserID, me.Token = rest.UserID, dres["token"].(string)
	if me.Get("/api/v1/me").OK(t).Str("username") != "carol" {
		t.Fatal("token from DDP login refused by REST")
	}

	c3 := ddpDial(t, srv)
	c3.login("carol", "carol-pass")
	c3.callFail("", "login", map[string]any{"user": map[string]any{"username": "carol"}, "password": "wrong"})
	if r := ddpDial(t, srv).loginDigest("carol", "wrong"); r.Error == nil {
		t.Fatal("wrong digest accepted")
	}
	c4 := ddpDial(t, srv)
	c4.callFail("", "login", map[string]any{"resume": "not-a-token"})
	c4.callFail("error-invalid-params", "login", map[string]any{"foo": 1})
	c4.callFail("error-invalid-user", "rooms/get")

	// logout ends the session's identity.
	c3.call(nil, "logout")
	c3.callFail("error-invalid-user", "rooms/get")
}

func TestRealtimePresence(t *testing.T) {
	srv := rtServer(t)
	_, watcher := rtUser(t, srv, "watcher")
	daveREST := srv.CreateUser(t, "dave")
	watcher.sub("stream-notify-logged", "user-status", false)

	status := func(want float64) time.Time {
		t.Helper()
		watcher.event("stream-notify-logged", "user-status", func(args []any) bool {
			a, _ := args[0].([]any)
			return len(a) >= 3 && a[0] == daveREST.UserID && a[1] == "dave" && a[2] == want
		})
		return time.Now()
	}
	restPresence := func() string {
		return watcher.restClient(t, srv).Get("/api/v1/users.getPresence", "userId", daveREST.UserID).OK(t).Str("presence")
	}

	dave := ddpDial(t, srv)
	dave.login("dave", "dave-pass")
	status(1)
	if p := restPresence(); p != "online" {
		t.Fatalf("users.getPresence says %q", p)
	}
	dave.call(nil, "UserPresence:away")
	status(2)
	dave.call(nil, "UserPresence:online")
	status(1)
	dave.call(nil, "UserPresence:setDefaultStatus", "busy")
	status(3)
	if p := restPresence(); p != "busy" {
		t.Fatalf("users.getPresence says %q", p)
	}
	dave.call(nil, "UserPresence:setDefaultStatus", "invisible")
	status(0) // others see offline
	if p := restPresence(); p != "offline" {
		t.Fatalf("invisible user shows as %q", p)
	}
	dave.call(nil, "UserPresence:setDefaultStatus", "online")
	status(1)

	// The last connection closes: offline only after the grace period.
	closedAt := time.Now()
	_ = dave.ws.CloseNow()
	offlineAt := status(0)
	if d := offlineAt.Sub(closedAt); d < 800*time.Millisecond {
		t.Fatalf("offline %v after the connection closed, before the 1s grace period", d)
	}
	if p := restPresence(); p != "offline" {
		t.Fatalf("users.getPresence says %q", p)
	}

	// A reconnection within the grace period keeps the user online.
	d1 := ddpDial(t, srv)
	d1.login("dave", "dave-pass")
	status(1)
	_ = d1.ws.CloseNow()
	d2 := ddpDial(t, srv)
	d2.login("dave", "dave-pass")
	// Wait past the grace period with a marker: an event after it proves
	// no offline status went out in between (events arrive in order).
	srv.Advance(t, 1500*time.Millisecond) // the grace period itself is what is under test
	d2.call(nil, "UserPresence:away")
	watcher.event("stream-notify-logged", "user-status", func(args []any) bool {
		a, _ := args[0].([]any)
		if a[0] == daveREST.UserID && a[2] == float64(0) {
			t.Fatal("user went offline although a connection reopened within the grace period")
		}
		return a[0] == daveREST.UserID && a[2] == float64(2)
	})
}

// restClient returns a REST client authenticated with the connection's
// resume token.
func (c *ddpConn) restClient(t *testing.T, srv *testserver.Server) *testserver.Client {
	cl := srv.Anon(t)
	cl.UserID, cl.Token = c.userID, c.token
	return cl
}

func TestRealtimeRobustness(t *testing.T) {
	srv := rtServer(t)

	t.Run("malformed frames get a DDP error and the server stays up", func(t *testing.T) {
		c := ddpDial(t, srv)
		for _, bad := range []string{`not json`, `{"msg":"method"}`, `{"msg":"sub","id":5}`, `[1,2]`, `{"msg":"nonsense"}`} {
			c.sendRaw(bad)
			f := c.waitMsg("error")
			if r, _ := f["reason"].(string); r == "" {
				t.Fatalf("error frame for %q has no reason: %v", bad, f)
			}
		}
		c.login(testserver.AdminUser, testserver.AdminPass)
		var rooms []any
		c.call(&rooms, "rooms/get")
		fresh := ddpDial(t, srv)
		fresh.login(testserver.AdminUser, testserver.AdminPass)
		// Before connect, frames are refused.
		raw := ddpDial(t, srv, ddpOpts{noConnect: true})
		raw.sendJSON(map[string]any{"msg": "method", "method": "rooms/get", "params": []any{}, "id": "1"})
		raw.waitMsg("error")
	})

	t.Run("a silent connection is closed by the heartbeat", func(t *testing.T) {
		silent := ddpDial(t, srv, ddpOpts{noPong: true})
		silent.waitMsg("ping")
		if !silent.waitClosed(10 * time.Second) {
			t.Fatal("silent connection still open 10s after the server's ping")
		}
		// A connection that answers pings stays.
		live := ddpDial(t, srv)
		live.waitMsg("ping")
		live.waitMsg("ping")
		live.login(testserver.AdminUser, testserver.AdminPass)
	})

}

// TestRealtimeSlowConsumer floods a room while one subscriber never reads:
// the other subscriber gets every message promptly and the stalled
// connection is closed. It uses the default heartbeat, so that the stalled
// connection is cut for its send queue, not for its silence.
func TestRealtimeSlowConsumer(t *testing.T) {
	srv := testserver.Start(t)
	admin := srv.Admin(t)
	rid := admin.Post("/api/v1/channels.create", map[string]any{"name": "rt-flood"}).OK(t).Str("channel._id")
	_, reader := rtUser(t, srv, "rtreader")
	admin.Post("/api/v1/channels.invite", map[string]any{"roomId": rid, "userId": reader.userID}).OK(t)
	reader.sub("stream-room-messages", rid, false)

	stalled := ddpDial(t, srv, ddpOpts{rcvBuf: 4096})
	stalled.login(testserver.AdminUser, testserver.AdminPass)
	stalled.sub("stream-room-messages", rid, false)
	stalled.sub("stream-room-messages", "__my_messages__", false)
	stalled.sub("stream-notify-user", stalled.userID+"/rooms-changed", false)
	stalled.pause() // from now on it never takes data off its socket

	big := strings.Repeat("x", 4000)
	const n = 800
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for i := range n {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			admin.Post("/api/v1/chat.postMessage", map[string]any{"roomId": rid, "text": fmt.Sprintf("flood %d %s", i, big)}).OK(t)
		}()
	}
	// The reader gets every message promptly while the flood goes on.
	var worst time.Duration
	for range n {
		start := time.Now()
		reader.roomMessage(rid, func(m map[string]any) bool {
			s, _ := m["msg"].(string)
			return strings.HasPrefix(s, "flood ")
		})
		worst = max(worst, time.Since(start))
	}
	wg.Wait()
	if worst > 5*time.Second {
		t.Fatalf("reader waited %v for a message", worst)
	}
	// The stalled connection was cut: once it reads again, it finds the
	// connection closed after what had been buffered.
	stalled.resume()
	if !stalled.waitClosed(20 * time.Second) {
		t.Fatal("stalled connection still open after the flood")
	}
	// The server is fine: a new connection works.
	c := ddpDial(t, srv)
	c.login(testserver.AdminUser, testserver.AdminPass)
}

// TestRealtimeResume follows the resume procedure of docs/realtime.md: a
// client that was away subscribes again, then asks what it missed with the
// timestamps it last saw, and gets every change exactly once.
func TestRealtimeResume(t *testing.T) {
	srv := testserver.Start(t)
	admin := srv.Admin(t)
	aliceREST := srv.CreateUser(t, "alice")
	bobREST, bob := rtUser(t, srv, "bob")
	rid := admin.Post("/api/v1/channels.create", map[string]any{"name": "rt-resume", "members": []string{"alice", "bob"}}).OK(t).Str("channel._id")
	post := func(text string) string {
		return aliceREST.Post("/api/v1/chat.postMessage", map[string]any{"roomId": rid, "text": text}).OK(t).Str("message._id")
	}

	bob.sub("stream-room-messages", rid, false)
	m1 := post("seen before the disconnect")
	seen := bob.roomMessage(rid, msgWithID(m1))
	lastTS, lastUpdated := ejsonDate(t, seen["ts"]), ejsonDate(t, seen["_updatedAt"])
	_ = bob.ws.CloseNow()

	// While bob is away: two new messages, an edit of the seen one, and a
	// message posted and deleted.
	m2, m3 := post("missed one"), post("missed two")
	aliceREST.Post("/api/v1/chat.update", map[string]any{"roomId": rid, "msgId": m1, "text": "edited while away"}).OK(t)
	m4 := post("posted and deleted while away")
	aliceREST.Post("/api/v1/chat.delete", map[string]any{"roomId": rid, "msgId": m4}).OK(t)

	// Reconnect with the resume token, subscribe first, then catch up.
	again := ddpDial(t, srv)
	again.call(nil, "login", map[string]any{"resume": bobREST.Token})
	again.sub("stream-room-messages", rid, false)

	var missed []map[string]any
	again.call(&missed, "loadMissedMessages", rid, map[string]any{"$date": lastTS})
	got := map[string]int{}
	for _, m := range missed {
		got[m["_id"].(string)]++
	}
	if len(missed) != 2 || got[m2] != 1 || got[m3] != 1 {
		t.Fatalf("loadMissedMessages: %v", missed)
	}

	since := time.UnixMilli(lastUpdated).UTC().Format("2006-01-02T15:04:05.000Z")
	sync := bobREST.Get("/api/v1/chat.syncMessages", "roomId", rid, "lastUpdate", since).OK(t)
	updated := ids(sync.List("result.updated"))
	deleted := ids(sync.List("result.deleted"))
	for _, id := range []string{m1, m2, m3} {
		if n := count(updated, id); n != 1 {
			t.Fatalf("chat.syncMessages lists %s %d times in updated: %s", id, n, sync.Body)
		}
	}
	if count(updated, m4) != 0 || count(deleted, m4) != 1 {
		t.Fatalf("chat.syncMessages: deleted message: %s", sync.Body)
	}
	for _, m := range sync.List("result.updated") {
		if mm := m.(map[string]any); mm["_id"] == m1 && mm["msg"] != "edited while away" {
			t.Fatalf("edit not reported: %v", mm)
		}
	}

	// And the live stream carries on after the catch-up.
	m5 := post("after the resume")
	again.roomMessage(rid, msgWithID(m5))
}

func count(list []string, v string) int {
	n := 0
	for _, x := range list {
		if x == v {
			n++
		}
	}
	return n
}
