package e2e

import (
	"encoding/json"
	"testing"
)

// End-to-end tests of DDP methods of their own: getUserRoles lists the
// holders of the roles Rocket.Chat shows, and getThreadMessages reads a
// thread (marking it read for the caller).

func TestGetUserRoles(t *testing.T) {
	srv := rtServer(t)
	admin := srv.Admin(t)
	srv.CreateUser(t, "plain")
	admin.Post("/api/v1/users.create", map[string]any{"username": "agent", "email": "agent@example.org", "password": "agent-pass", "name": "Agent",
		"roles": []string{"user", "livechat-agent"}}).OK(t)
	admin.Post("/api/v1/users.create", map[string]any{"username": "boss", "email": "boss@example.org", "password": "boss-pass", "name": "Boss",
		"roles": []string{"admin", "bot"}}).OK(t)

	_, c := rtUser(t, srv, "viewer")
	var got []struct {
		ID       string   `json:"_id"`
		Username string   `json:"username"`
		Roles    []string `json:"roles"`
	}
	c.call(&got, "getUserRoles")
	want := map[string][]string{"admin": {"admin"}, "agent": {"livechat-agent"}, "boss": {"admin"}}
	if len(got) != len(want) {
		t.Fatalf("getUserRoles = %+v", got)
	}
	for i, h := range got {
		if i > 0 && got[i-1].Username >= h.Username {
			t.Fatalf("not sorted by username: %+v", got)
		}
		w, ok := want[h.Username]
		if !ok || h.ID == "" || len(h.Roles) != len(w) || h.Roles[0] != w[0] {
			t.Fatalf("entry %+v (want roles %v)", h, w)
		}
	}

	// Taking the role away takes the user off the list.
	admin.Post("/api/v1/roles.removeUserFromRole", map[string]any{"roleId": "livechat-agent", "username": "agent"}).OK(t)
	c.call(&got, "getUserRoles")
	for _, h := range got {
		if h.Username == "agent" {
			t.Fatalf("agent still listed: %+v", got)
		}
	}
	// Anonymous connections are refused.
	anon := ddpDial(t, srv)
	anon.callFail("", "getUserRoles")
}

func TestGetThreadMessagesReadsThread(t *testing.T) {
	srv := rtServer(t)
	aliceREST, alice := rtUser(t, srv, "alice")
	bobREST, bob := rtUser(t, srv, "bob")
	_, carol := rtUser(t, srv, "carol")
	rid := aliceREST.Post("/api/v1/groups.create", map[string]any{"name": "thread-read", "members": []string{"bob"}}).OK(t).Str("group._id")
	tmid := aliceREST.Post("/api/v1/chat.postMessage", map[string]any{"roomId": rid, "text": "a thread"}).OK(t).Str("message._id")
	other := aliceREST.Post("/api/v1/chat.postMessage", map[string]any{"roomId": rid, "text": "another thread"}).OK(t).Str("message._id")
	for _, parent := range []string{tmid, other} {
		bobREST.Post("/api/v1/chat.sendMessage", map[string]any{"message": map[string]any{"rid": rid, "msg": "a reply", "tmid": parent}}).OK(t)
	}
	tunread := func() []string {
		sub, _ := aliceREST.Get("/api/v1/subscriptions.getOne", "roomId", rid).OK(t).Get("subscription").(map[string]any)
		var out []string
		l, _ := sub["tunread"].([]any)
		for _, v := range l {
			out = append(out, v.(string))
		}
		return out
	}
	if got := tunread(); len(got) != 2 {
		t.Fatalf("before reading, tunread = %v", got)
	}

	alice.sub("stream-notify-user", alice.userID+"/subscriptions-changed", false)
	var msgs []map[string]any
	alice.call(&msgs, "getThreadMessages", map[string]any{"tmid": tmid})
	if len(msgs) != 2 || msgs[0]["_id"] != tmid || msgs[1]["tmid"] != tmid {
		t.Fatalf("getThreadMessages = %v", msgs)
	}
	// The thread is read: it leaves tunread (the other thread stays), and
	// the change reaches the user's connections.
	alice.event("stream-notify-user", alice.userID+"/subscriptions-changed", func(args []any) bool {
		sub, _ := args[1].(map[string]any)
		if args[0] != "updated" || sub["rid"] != rid {
			return false
		}
		b, _ := json.Marshal(sub["tunread"])
		return string(b) == `["`+other+`"]`
	})
	if got := tunread(); len(got) != 1 || got[0] != other {
		t.Fatalf("after reading, tunread = %v", got)
	}

	// Reading an already read thread, or as a member without unread
	// threads, changes nothing and succeeds.
	alice.call(&msgs, "getThreadMessages", map[string]any{"tmid": tmid})
	bob.call(&msgs, "getThreadMessages", map[string]any{"tmid": other})
	if got := tunread(); len(got) != 1 || got[0] != other {
		t.Fatalf("tunread changed by other reads: %v", got)
	}
	// Someone who may not read the room is refused.
	carol.callFail("error-not-allowed", "getThreadMessages", map[string]any{"tmid": tmid})
	alice.callFail("error-invalid-params", "getThreadMessages", map[string]any{})

	// The last unread thread read clears the alert too.
	alice.call(&msgs, "getThreadMessages", map[string]any{"tmid": other})
	sub, _ := aliceREST.Get("/api/v1/subscriptions.getOne", "roomId", rid).OK(t).Get("subscription").(map[string]any)
	if l, _ := sub["tunread"].([]any); len(l) != 0 || sub["alert"] != false {
		t.Fatalf("after reading both threads: %v", sub)
	}
}
