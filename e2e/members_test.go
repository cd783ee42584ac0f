package e2e

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"testing"
	"time"

	"liftoff/internal/testserver"
	"liftoff/rcclient"
)

// These tests cover room membership: channels.* and groups.* lists,
// members, counters, invite, kick, join, leave, open, close, room roles,
// online members and delete. The subtests share one server and use their
// own users and rooms.

// memberUser creates a user with the admin CLI (so these tests do not
// depend on users.create) and logs them in. Like users.create, the CLI
// subscribes the user to the default channels.
func memberUser(t *testing.T, srv *testserver.Server, username string) *testserver.Client {
	t.Helper()
	cmd := exec.Command(testserver.Binary(t), "admin", "create-user", username, username+"@example.org", username+"-pass", "--name", username)
	cmd.Env = append(os.Environ(), "LIFTOFF_DATA_DIR="+srv.DataDir, "LIFTOFF_BCRYPT_COST=4")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("create user %s: %v\n%s", username, err, out)
	}
	return srv.Login(t, username, username+"-pass")
}

// names returns the values of key in the objects of list.
func names(list []any, key string) []string {
	var out []string
	for _, x := range list {
		if m, ok := x.(map[string]any); ok {
			s, _ := m[key].(string)
			out = append(out, s)
		}
	}
	return out
}

func has(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// newChannel creates a channel (or group when t is "groups") as c and returns its id.
func newRoom(t *testing.T, c *testserver.Client, kind, name string, members ...string) string {
	t.Helper()
	body := map[string]any{"name": name}
	if len(members) > 0 {
		body["members"] = members
	}
	key := "channel"
	if kind == "groups" {
		key = "group"
	}
	r := c.Post("/api/v1/"+kind+".create", body).OK(t)
	id := r.Str(key + "._id")
	if id == "" {
		t.Fatalf("no room id in %s", r.Body)
	}
	return id
}

func usersCount(t *testing.T, c *testserver.Client, kind, id string) float64 {
	t.Helper()
	key := "channel"
	if kind == "groups" {
		key = "group"
	}
	return c.Get("/api/v1/"+kind+".info", "roomId", id).OK(t).Num(key + ".usersCount")
}

func TestMembership(t *testing.T) {
	srv := testserver.Start(t)
	admin := srv.Admin(t)

	t.Run("lists", func(t *testing.T) {
		alice := memberUser(t, srv, "lalice")
		bob := memberUser(t, srv, "lbob")
		cid := newRoom(t, alice, "channels", "lists-chan")
		gid := newRoom(t, alice, "groups", "lists-group")

		r := bob.Get("/api/v1/channels.list", "count", "100").OK(t)
		if !has(names(r.List("channels"), "_id"), cid) || r.Num("total") < 2 || r.Num("offset") != 0 || int(r.Num("count")) != len(r.List("channels")) {
			t.Fatalf("channels.list: %s", r.Body)
		}
		if has(names(r.List("channels"), "_id"), gid) {
			t.Fatalf("channels.list shows a private group: %s", r.Body)
		}
		r = bob.Get("/api/v1/channels.list", "query", `{"name":{"$regex":"lists-ch"}}`, "fields", `{"name":1}`).OK(t)
		if r.Num("total") != 1 || r.Str("channels.0.name") != "lists-chan" {
			t.Fatalf("channels.list with query: %s", r.Body)
		}
		r = bob.Get("/api/v1/channels.list", "_id", cid).OK(t)
		if r.Num("total") != 1 || r.Str("channels.0._id") != cid {
			t.Fatalf("channels.list with _id: %s", r.Body)
		}
		r = bob.Get("/api/v1/channels.list", "count", "1", "offset", "1", "sort", `{"name":-1}`).OK(t)
		if len(r.List("channels")) != 1 || r.Num("offset") != 1 {
			t.Fatalf("channels.list paging: %s", r.Body)
		}
		bob.Get("/api/v1/channels.list", "sort", `{"password":1}`).Fail(t, 400, "error-invalid-sort")
		bob.Get("/api/v1/channels.list", "count", "many").Fail(t, 400, "error-invalid-params")
		bob.Get("/api/v1/channels.list", "query", `not json`).Fail(t, 400, "error-invalid-params")
		srv.Anon(t).Get("/api/v1/channels.list").Fail(t, 401, "")

		// Joined lists: bob is only in general; alice has her channel and group.
		r = bob.Get("/api/v1/channels.list.joined").OK(t)
		if got := names(r.List("channels"), "name"); len(got) != 1 || got[0] != "general" || r.Num("total") != 1 {
			t.Fatalf("bob's channels.list.joined: %s", r.Body)
		}
		r = alice.Get("/api/v1/channels.list.joined").OK(t)
		if !has(names(r.List("channels"), "_id"), cid) {
			t.Fatalf("alice's channels.list.joined: %s", r.Body)
		}
		r = bob.Get("/api/v1/groups.list").OK(t)
		if r.Num("total") != 0 || len(r.List("groups")) != 0 {
			t.Fatalf("bob's groups.list: %s", r.Body)
		}
		r = alice.Get("/api/v1/groups.list").OK(t)
		if r.Num("total") != 1 || r.Str("groups.0._id") != gid || r.Str("groups.0.t") != "p" {
			t.Fatalf("alice's groups.list: %s", r.Body)
		}
		alice.Get("/api/v1/groups.list", "sort", `{"nope":1}`).Fail(t, 400, "error-invalid-sort")

		// Administrators' lists.
		bob.Get("/api/v1/groups.listAll").Fail(t, 403, "")
		bob.Get("/api/v1/channels.listAll").Fail(t, 403, "")
		r = admin.Get("/api/v1/groups.listAll").OK(t)
		if !has(names(r.List("groups"), "_id"), gid) {
			t.Fatalf("groups.listAll: %s", r.Body)
		}
		r = admin.Get("/api/v1/channels.listAll").OK(t)
		if !has(names(r.List("channels"), "_id"), cid) || has(names(r.List("channels"), "_id"), gid) {
			t.Fatalf("channels.listAll: %s", r.Body)
		}
	})

	t.Run("members and counters", func(t *testing.T) {
		alice := memberUser(t, srv, "malice")
		bob := memberUser(t, srv, "mbob")
		carol := memberUser(t, srv, "mcarol")
		cid := newRoom(t, alice, "channels", "members-chan", "mbob")
		gid := newRoom(t, alice, "groups", "members-group", "mbob")

		r := carol.Get("/api/v1/channels.members", "roomId", cid).OK(t)
		if got := names(r.List("members"), "username"); len(got) != 2 || got[0] != "malice" || got[1] != "mbob" || r.Num("total") != 2 {
			t.Fatalf("channels.members: %s", r.Body)
		}
		m := r.List("members")[0].(map[string]any)
		for _, k := range []string{"_id", "username", "name", "status", "utcOffset"} {
			if _, ok := m[k]; !ok {
				t.Fatalf("member lacks %s: %s", k, r.Body)
			}
		}
		if _, ok := m["emails"]; ok {
			t.Fatalf("member shows e-mail addresses: %s", r.Body)
		}
		r = carol.Get("/api/v1/channels.members", "roomName", "members-chan", "filter", "BOB").OK(t)
		if got := names(r.List("members"), "username"); len(got) != 1 || got[0] != "mbob" {
			t.Fatalf("channels.members filter: %s", r.Body)
		}
		r = carol.Get("/api/v1/channels.members", "roomId", cid, "filter", "example.org").OK(t)
		if r.Num("total") != 0 {
			t.Fatalf("the filter matched e-mail addresses: %s", r.Body)
		}
		r = carol.Get("/api/v1/channels.members", "roomId", cid, "count", "1", "offset", "1", "sort", `{"username":-1}`).OK(t)
		if got := names(r.List("members"), "username"); len(got) != 1 || got[0] != "malice" || r.Num("total") != 2 {
			t.Fatalf("channels.members paging: %s", r.Body)
		}
		r = carol.Get("/api/v1/channels.members", "roomId", cid, "status", `["online"]`).OK(t)
		if r.Num("total") != 0 {
			t.Fatalf("nobody is online, yet: %s", r.Body)
		}
		r = carol.Get("/api/v1/channels.members", "roomId", cid, "status", `["offline","online"]`).OK(t)
		if r.Num("total") != 2 {
			t.Fatalf("status filter: %s", r.Body)
		}
		carol.Get("/api/v1/channels.members", "roomId", "nope").Fail(t, 400, "error-room-not-found")
		carol.Get("/api/v1/channels.members").Fail(t, 400, "error-room-param-not-provided")
		carol.Get("/api/v1/channels.members", "roomId", gid).Fail(t, 400, "error-room-not-found")
		carol.Get("/api/v1/groups.members", "roomId", gid).Fail(t, 400, "error-room-not-found")
		r = bob.Get("/api/v1/groups.members", "roomId", gid).OK(t)
		if r.Num("total") != 2 {
			t.Fatalf("groups.members: %s", r.Body)
		}

		// Counters: a member sees them all, an outsider only joined=false.
		r = bob.Get("/api/v1/channels.counters", "roomId", cid).OK(t)
		if r.Get("joined") != true || r.Num("members") != 2 || r.Get("unreads") == nil || r.Get("latest") == nil || r.Get("userMentions") == nil || r.Get("unreadsFrom") == nil {
			t.Fatalf("member's counters: %s", r.Body)
		}
		r = carol.Get("/api/v1/channels.counters", "roomName", "members-chan").OK(t)
		if r.Get("joined") != false || r.Get("members") != nil || r.Get("msgs") != nil || r.Get("unreads") != nil {
			t.Fatalf("outsider's counters: %s", r.Body)
		}
		carol.Get("/api/v1/channels.counters", "roomId", cid, "userId", bob.UserID).Fail(t, 403, "")
		r = admin.Get("/api/v1/channels.counters", "roomId", cid, "userId", bob.UserID).OK(t)
		if r.Get("joined") != true || r.Num("members") != 2 {
			t.Fatalf("admin's counters for bob: %s", r.Body)
		}
		r = admin.Get("/api/v1/groups.counters", "roomId", gid).OK(t)
		if r.Get("joined") != false || r.Num("members") != 2 {
			t.Fatalf("admin's group counters: %s", r.Body)
		}
		r = bob.Get("/api/v1/groups.counters", "roomId", gid).OK(t)
		if r.Get("joined") != true || r.Num("members") != 2 {
			t.Fatalf("member's group counters: %s", r.Body)
		}
		carol.Get("/api/v1/groups.counters", "roomId", gid).Fail(t, 400, "error-room-not-found")
		carol.Get("/api/v1/channels.counters", "roomId", "nope").Fail(t, 400, "error-room-not-found")
	})

	t.Run("invite", func(t *testing.T) {
		alice := memberUser(t, srv, "ialice")
		bob := memberUser(t, srv, "ibob")
		carol := memberUser(t, srv, "icarol")
		dave := memberUser(t, srv, "idave")
		cid := newRoom(t, alice, "channels", "invite-chan")
		gid := newRoom(t, alice, "groups", "invite-group")

		r := alice.Post("/api/v1/channels.invite", map[string]any{"roomId": cid, "userId": bob.UserID}).OK(t)
		if r.Str("channel._id") != cid || r.Num("channel.usersCount") != 2 {
			t.Fatalf("channels.invite: %s", r.Body)
		}
		// Inviting a member again succeeds and changes nothing.
		alice.Post("/api/v1/channels.invite", map[string]any{"roomId": cid, "username": "ibob"}).OK(t)
		if n := usersCount(t, alice, "channels", cid); n != 2 {
			t.Fatalf("usersCount after a repeated invite: %v", n)
		}
		// Bob was invited: his subscription counts a mention, like Rocket.Chat's.
		r = bob.Get("/api/v1/channels.counters", "roomId", cid).OK(t)
		if r.Get("joined") != true || r.Num("userMentions") != 1 {
			t.Fatalf("invited member's counters: %s", r.Body)
		}
		// A list of users.
		r = alice.Post("/api/v1/channels.invite", map[string]any{"roomName": "invite-chan", "userIds": []string{carol.UserID, dave.UserID}}).OK(t)
		if r.Num("channel.usersCount") != 4 {
			t.Fatalf("invite of a list: %s", r.Body)
		}
		// Failures change nothing.
		outsider := memberUser(t, srv, "ioutsider")
		other := memberUser(t, srv, "iother")
		outsider.Post("/api/v1/channels.invite", map[string]any{"roomId": cid, "userId": other.UserID}).Fail(t, 403, "error-not-allowed")
		bob.Post("/api/v1/channels.invite", map[string]any{"roomId": cid, "userId": other.UserID}).Fail(t, 403, "error-not-allowed")
		alice.Post("/api/v1/channels.invite", map[string]any{"roomId": cid, "userId": "nobody"}).Fail(t, 400, "error-invalid-user")
		alice.Post("/api/v1/channels.invite", map[string]any{"roomId": cid, "userIds": []string{"nobody"}}).Fail(t, 400, "error-empty-invite-list")
		alice.Post("/api/v1/channels.invite", map[string]any{"roomId": cid}).Fail(t, 400, "error-user-param-not-provided")
		alice.Post("/api/v1/channels.invite", map[string]any{"userId": bob.UserID}).Fail(t, 400, "error-room-param-not-provided")
		alice.Post("/api/v1/channels.invite", map[string]any{"roomId": "nope", "userId": other.UserID}).Fail(t, 400, "error-room-not-found")
		alice.Post("/api/v1/channels.invite", map[string]any{"roomId": cid, "userId": 5}).Fail(t, 400, "error-invalid-params")
		if n := usersCount(t, alice, "channels", cid); n != 4 {
			t.Fatalf("usersCount after refused invites: %v", n)
		}
		// A private group: hidden from outsiders, open to its owner.
		outsider.Post("/api/v1/groups.invite", map[string]any{"roomId": gid, "userId": other.UserID}).Fail(t, 400, "error-room-not-found")
		alice.Post("/api/v1/channels.invite", map[string]any{"roomId": gid, "userId": bob.UserID}).Fail(t, 400, "error-room-not-found")
		r = alice.Post("/api/v1/groups.invite", map[string]any{"roomId": gid, "usernames": []string{"ibob"}}).OK(t)
		if r.Str("group._id") != gid || r.Num("group.usersCount") != 2 {
			t.Fatalf("groups.invite: %s", r.Body)
		}
		if r := bob.Get("/api/v1/groups.list").OK(t); r.Str("groups.0._id") != gid {
			t.Fatalf("invited member's groups.list: %s", r.Body)
		}
	})

	t.Run("join and leave", func(t *testing.T) {
		alice := memberUser(t, srv, "jalice")
		bob := memberUser(t, srv, "jbob")
		cid := newRoom(t, alice, "channels", "join-chan")
		gid := newRoom(t, alice, "groups", "join-group")

		r := bob.Post("/api/v1/channels.join", map[string]any{"roomId": cid}).OK(t)
		if r.Str("channel._id") != cid || r.Num("channel.usersCount") != 2 {
			t.Fatalf("channels.join: %s", r.Body)
		}
		bob.Post("/api/v1/channels.join", map[string]any{"roomName": "join-chan"}).OK(t)
		if n := usersCount(t, bob, "channels", cid); n != 2 {
			t.Fatalf("usersCount after joining twice: %v", n)
		}
		if r := bob.Get("/api/v1/channels.list.joined").OK(t); !has(names(r.List("channels"), "_id"), cid) {
			t.Fatalf("joined channel missing from list.joined: %s", r.Body)
		}
		bob.Post("/api/v1/channels.join", map[string]any{"roomId": gid}).Fail(t, 400, "error-room-not-found")
		bob.Post("/api/v1/channels.join", map[string]any{"roomId": "nope"}).Fail(t, 400, "error-room-not-found")
		bob.Post("/api/v1/channels.join", map[string]any{}).Fail(t, 400, "error-room-param-not-provided")
		bob.Post("/api/v1/channels.join", map[string]any{"roomId": cid, "joinCode": 12}).Fail(t, 400, "error-invalid-params")

		// Leaving.
		r = bob.Post("/api/v1/channels.leave", map[string]any{"roomId": cid}).OK(t)
		if r.Str("channel._id") != cid || r.Num("channel.usersCount") != 1 {
			t.Fatalf("channels.leave: %s", r.Body)
		}
		bob.Post("/api/v1/channels.leave", map[string]any{"roomId": cid}).Fail(t, 400, "error-user-not-in-room")
		if r := bob.Get("/api/v1/channels.list.joined").OK(t); has(names(r.List("channels"), "_id"), cid) {
			t.Fatalf("left channel still in list.joined: %s", r.Body)
		}
		// The last owner cannot leave, of a channel or a group.
		alice.Post("/api/v1/channels.leave", map[string]any{"roomId": cid}).Fail(t, 400, "error-you-are-last-owner")
		alice.Post("/api/v1/groups.leave", map[string]any{"roomId": gid}).Fail(t, 400, "error-you-are-last-owner")
		if n := usersCount(t, alice, "channels", cid); n != 1 {
			t.Fatalf("usersCount after a refused leave: %v", n)
		}
		// A group: outsiders cannot see it, members leave it.
		bob.Post("/api/v1/groups.leave", map[string]any{"roomId": gid}).Fail(t, 400, "error-room-not-found")
		alice.Post("/api/v1/groups.invite", map[string]any{"roomId": gid, "userId": bob.UserID}).OK(t)
		r = bob.Post("/api/v1/groups.leave", map[string]any{"roomName": "join-group"}).OK(t)
		if r.Get("group") != nil {
			t.Fatalf("groups.leave answers with the group: %s", r.Body)
		}
		if n := usersCount(t, alice, "groups", gid); n != 1 {
			t.Fatalf("group usersCount after leave: %v", n)
		}
		bob.Get("/api/v1/groups.info", "roomId", gid).Fail(t, 400, "error-room-not-found")
	})

	t.Run("kick", func(t *testing.T) {
		alice := memberUser(t, srv, "kalice")
		bob := memberUser(t, srv, "kbob")
		carol := memberUser(t, srv, "kcarol")
		outsider := memberUser(t, srv, "koutsider")
		cid := newRoom(t, alice, "channels", "kick-chan", "kbob", "kcarol")
		gid := newRoom(t, alice, "groups", "kick-group", "kbob")

		bob.Post("/api/v1/channels.kick", map[string]any{"roomId": cid, "userId": carol.UserID}).Fail(t, 403, "error-not-allowed")
		alice.Post("/api/v1/channels.kick", map[string]any{"roomId": cid, "userId": outsider.UserID}).Fail(t, 400, "error-user-not-in-room")
		alice.Post("/api/v1/channels.kick", map[string]any{"roomId": cid, "userId": alice.UserID}).Fail(t, 400, "error-you-are-last-owner")
		alice.Post("/api/v1/channels.kick", map[string]any{"roomId": cid, "userId": "nobody"}).Fail(t, 400, "error-invalid-user")
		alice.Post("/api/v1/channels.kick", map[string]any{"userId": bob.UserID}).Fail(t, 400, "error-room-param-not-provided")
		if n := usersCount(t, alice, "channels", cid); n != 3 {
			t.Fatalf("usersCount after refused kicks: %v", n)
		}
		r := alice.Post("/api/v1/channels.kick", map[string]any{"roomId": cid, "username": "kcarol"}).OK(t)
		if r.Str("channel._id") != cid || r.Num("channel.usersCount") != 2 {
			t.Fatalf("channels.kick: %s", r.Body)
		}
		if r := carol.Get("/api/v1/channels.counters", "roomId", cid).OK(t); r.Get("joined") != false {
			t.Fatalf("kicked member still joined: %s", r.Body)
		}
		// Groups: outsiders get room-not-found, as if the group did not exist.
		outsider.Post("/api/v1/groups.kick", map[string]any{"roomId": gid, "userId": bob.UserID}).Fail(t, 400, "error-room-not-found")
		bob.Post("/api/v1/groups.kick", map[string]any{"roomId": gid, "userId": alice.UserID}).Fail(t, 403, "error-not-allowed")
		r = alice.Post("/api/v1/groups.kick", map[string]any{"roomId": gid, "userId": bob.UserID}).OK(t)
		if r.Get("group") != nil {
			t.Fatalf("groups.kick answers with the group: %s", r.Body)
		}
		bob.Get("/api/v1/groups.members", "roomId", gid).Fail(t, 400, "error-room-not-found")
		if n := usersCount(t, alice, "groups", gid); n != 1 {
			t.Fatalf("group usersCount after kick: %v", n)
		}
	})

	t.Run("open and close", func(t *testing.T) {
		alice := memberUser(t, srv, "oalice")
		bob := memberUser(t, srv, "obob")
		cid := newRoom(t, alice, "channels", "open-chan")
		gid := newRoom(t, alice, "groups", "open-group")

		alice.Post("/api/v1/channels.open", map[string]any{"roomId": cid}).Fail(t, 400, "error-room-already-open")
		alice.Post("/api/v1/channels.close", map[string]any{"roomId": cid}).OK(t)
		alice.Post("/api/v1/channels.close", map[string]any{"roomName": "open-chan"}).Fail(t, 400, "error-room-already-closed")
		if r := alice.Get("/api/v1/channels.counters", "roomId", cid).OK(t); r.Get("joined") != false {
			t.Fatalf("a closed room counts as not joined: %s", r.Body)
		}
		alice.Post("/api/v1/channels.open", map[string]any{"roomId": cid}).OK(t)
		if r := alice.Get("/api/v1/channels.counters", "roomId", cid).OK(t); r.Get("joined") != true {
			t.Fatalf("a reopened room counts as joined: %s", r.Body)
		}
		bob.Post("/api/v1/channels.close", map[string]any{"roomId": cid}).Fail(t, 400, "error-user-not-in-room")
		bob.Post("/api/v1/channels.open", map[string]any{"roomId": "nope"}).Fail(t, 400, "error-room-not-found")

		alice.Post("/api/v1/groups.close", map[string]any{"roomId": gid}).OK(t)
		alice.Post("/api/v1/groups.close", map[string]any{"roomId": gid}).Fail(t, 400, "error-room-already-closed")
		alice.Post("/api/v1/groups.open", map[string]any{"roomId": gid}).OK(t)
		alice.Post("/api/v1/groups.open", map[string]any{"roomId": gid}).Fail(t, 400, "error-room-already-open")
		bob.Post("/api/v1/groups.open", map[string]any{"roomId": gid}).Fail(t, 400, "error-room-not-found")
		alice.Post("/api/v1/groups.open", map[string]any{}).Fail(t, 400, "error-room-param-not-provided")
	})

	t.Run("room roles", func(t *testing.T) {
		alice := memberUser(t, srv, "ralice")
		bob := memberUser(t, srv, "rbob")
		carol := memberUser(t, srv, "rcarol")
		outsider := memberUser(t, srv, "routsider")
		cid := newRoom(t, alice, "channels", "roles-chan", "rbob", "rcarol")
		gid := newRoom(t, alice, "groups", "roles-group", "rbob")

		r := bob.Get("/api/v1/channels.roles", "roomId", cid).OK(t)
		if l := r.List("roles"); len(l) != 1 || r.Str("roles.0.u.username") != "ralice" || r.Str("roles.0.roles.0") != "owner" || r.Str("roles.0.rid") != cid || r.Str("roles.0._id") == "" {
			t.Fatalf("channels.roles: %s", r.Body)
		}
		bob.Post("/api/v1/channels.addOwner", map[string]any{"roomId": cid, "userId": carol.UserID}).Fail(t, 403, "error-not-allowed")
		alice.Post("/api/v1/channels.addOwner", map[string]any{"roomId": cid, "userId": outsider.UserID}).Fail(t, 400, "error-user-not-in-room")
		alice.Post("/api/v1/channels.addOwner", map[string]any{"roomId": cid, "userId": alice.UserID}).Fail(t, 400, "error-user-already-owner")
		alice.Post("/api/v1/channels.addOwner", map[string]any{"roomId": cid, "userId": "nobody"}).Fail(t, 400, "error-invalid-user")
		alice.Post("/api/v1/channels.removeOwner", map[string]any{"roomId": cid, "userId": alice.UserID}).Fail(t, 400, "error-remove-last-owner")
		alice.Post("/api/v1/channels.removeOwner", map[string]any{"roomId": cid, "userId": bob.UserID}).Fail(t, 400, "error-user-not-owner")

		alice.Post("/api/v1/channels.addOwner", map[string]any{"roomId": cid, "userId": bob.UserID}).OK(t)
		alice.Post("/api/v1/channels.addModerator", map[string]any{"roomId": cid, "userId": carol.UserID}).OK(t)
		alice.Post("/api/v1/channels.addModerator", map[string]any{"roomId": cid, "userId": carol.UserID}).Fail(t, 400, "error-user-already-moderator")
		alice.Post("/api/v1/channels.addLeader", map[string]any{"roomId": cid, "username": "rcarol"}).OK(t)
		r = outsider.Get("/api/v1/channels.roles", "roomName", "roles-chan").OK(t)
		got := map[string][]any{}
		for _, x := range r.List("roles") {
			m := x.(map[string]any)
			got[m["u"].(map[string]any)["username"].(string)] = m["roles"].([]any)
		}
		if len(got) != 3 || len(got["rbob"]) != 1 || len(got["rcarol"]) != 2 || got["rbob"][0] != "owner" {
			t.Fatalf("channels.roles after changes: %s", r.Body)
		}
		// Bob, now an owner, may kick and remove the first owner.
		bob.Post("/api/v1/channels.removeOwner", map[string]any{"roomId": cid, "userId": alice.UserID}).OK(t)
		alice.Post("/api/v1/channels.addOwner", map[string]any{"roomId": cid, "userId": carol.UserID}).Fail(t, 403, "error-not-allowed")
		bob.Post("/api/v1/channels.removeModerator", map[string]any{"roomId": cid, "userId": carol.UserID}).OK(t)
		bob.Post("/api/v1/channels.removeModerator", map[string]any{"roomId": cid, "userId": carol.UserID}).Fail(t, 400, "error-user-not-moderator")
		bob.Post("/api/v1/channels.removeLeader", map[string]any{"roomId": cid, "userId": carol.UserID}).OK(t)
		bob.Post("/api/v1/channels.removeLeader", map[string]any{"roomId": cid, "userId": carol.UserID}).Fail(t, 400, "error-user-not-leader")
		bob.Post("/api/v1/channels.removeOwner", map[string]any{"roomId": cid, "userId": bob.UserID}).Fail(t, 400, "error-remove-last-owner")
		r = bob.Get("/api/v1/channels.roles", "roomId", cid).OK(t)
		if len(r.List("roles")) != 1 || r.Str("roles.0.u.username") != "rbob" {
			t.Fatalf("channels.roles at the end: %s", r.Body)
		}
		bob.Get("/api/v1/channels.roles", "roomId", "nope").Fail(t, 400, "error-room-not-found")

		// Groups.
		outsider.Get("/api/v1/groups.roles", "roomId", gid).Fail(t, 400, "error-room-not-found")
		outsider.Post("/api/v1/groups.addOwner", map[string]any{"roomId": gid, "userId": outsider.UserID}).Fail(t, 400, "error-room-not-found")
		alice.Post("/api/v1/groups.addModerator", map[string]any{"roomId": gid, "userId": bob.UserID}).OK(t)
		alice.Post("/api/v1/groups.addLeader", map[string]any{"roomId": gid, "userId": bob.UserID}).OK(t)
		alice.Post("/api/v1/groups.addOwner", map[string]any{"roomId": gid, "userId": bob.UserID}).OK(t)
		r = bob.Get("/api/v1/groups.roles", "roomId", gid).OK(t)
		if len(r.List("roles")) != 2 {
			t.Fatalf("groups.roles: %s", r.Body)
		}
		alice.Post("/api/v1/groups.removeOwner", map[string]any{"roomId": gid, "userId": bob.UserID}).OK(t)
		alice.Post("/api/v1/groups.removeModerator", map[string]any{"roomId": gid, "userId": bob.UserID}).OK(t)
		alice.Post("/api/v1/groups.removeLeader", map[string]any{"roomId": gid, "userId": bob.UserID}).OK(t)
		alice.Post("/api/v1/groups.removeLeader", map[string]any{"roomId": gid, "userId": bob.UserID}).Fail(t, 400, "error-user-not-leader")
		r = bob.Get("/api/v1/groups.roles", "roomId", gid).OK(t)
		if len(r.List("roles")) != 1 || r.Str("roles.0.u.username") != "ralice" {
			t.Fatalf("groups.roles at the end: %s", r.Body)
		}
	})

	t.Run("online", func(t *testing.T) {
		alice := memberUser(t, srv, "nalice")
		bob := memberUser(t, srv, "nbob")
		outsider := memberUser(t, srv, "noutsider")
		cid := newRoom(t, alice, "channels", "online-chan", "nbob")
		gid := newRoom(t, alice, "groups", "online-group", "nbob")

		r := alice.Get("/api/v1/channels.online", "_id", cid).OK(t)
		if len(r.List("online")) != 0 {
			t.Fatalf("nobody is connected, yet: %s", r.Body)
		}
		// Bob connects over DDP and becomes online: the administrator (not
		// in these rooms) sees his status change, which is stored before
		// it is announced.
		watcher := ddpDial(t, srv)
		watcher.login(testserver.AdminUser, testserver.AdminPass)
		watcher.sub("stream-notify-logged", "user-status", false)
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		conn, err := rcclient.Dial(ctx, srv.WSURL, rcclient.DialOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if _, err := conn.LoginResume(ctx, bob.Token); err != nil {
			t.Fatal(err)
		}
		watcher.event("stream-notify-logged", "user-status", func(args []any) bool {
			a, _ := args[0].([]any)
			return len(a) >= 3 && a[0] == bob.UserID && a[2] == float64(1)
		})
		r = alice.Get("/api/v1/channels.online", "query", `{"_id":"`+cid+`"}`).OK(t)
		if got := names(r.List("online"), "username"); len(got) != 1 || got[0] != "nbob" || r.Str("online.0._id") != bob.UserID {
			t.Fatalf("bob never showed online: %s", r.Body)
		}
		r = alice.Get("/api/v1/channels.members", "roomId", cid, "status", `["online"]`).OK(t)
		if got := names(r.List("members"), "username"); len(got) != 1 || got[0] != "nbob" {
			t.Fatalf("members filtered by status online: %s", r.Body)
		}
		r = alice.Get("/api/v1/groups.online", "query", `{"name":"online-group"}`).OK(t)
		if got := names(r.List("online"), "username"); len(got) != 1 || got[0] != "nbob" {
			t.Fatalf("groups.online: %s", r.Body)
		}
		outsider.Get("/api/v1/groups.online", "_id", gid).Fail(t, 400, "error-room-not-found")
		alice.Get("/api/v1/channels.online").Fail(t, 400, "error-invalid-params")
		alice.Get("/api/v1/channels.online", "_id", gid).Fail(t, 400, "error-room-not-found")
		alice.Get("/api/v1/channels.online", "query", "{").Fail(t, 400, "error-invalid-params")
	})

	t.Run("delete", func(t *testing.T) {
		alice := memberUser(t, srv, "dalice")
		bob := memberUser(t, srv, "dbob")
		outsider := memberUser(t, srv, "doutsider")
		cid := newRoom(t, alice, "channels", "delete-chan", "dbob")
		gid := newRoom(t, alice, "groups", "delete-group", "dbob")
		bob.Post("/api/v1/chat.postMessage", map[string]any{"roomId": cid, "text": "soon gone"}).OK(t)

		bob.Post("/api/v1/channels.delete", map[string]any{"roomId": cid}).Fail(t, 403, "error-not-allowed")
		outsider.Post("/api/v1/groups.delete", map[string]any{"roomId": gid}).Fail(t, 400, "error-room-not-found")
		bob.Post("/api/v1/groups.delete", map[string]any{"roomId": gid}).Fail(t, 403, "error-not-allowed")
		alice.Post("/api/v1/channels.delete", map[string]any{"roomId": gid}).Fail(t, 400, "error-room-not-found")
		alice.Post("/api/v1/channels.delete", map[string]any{}).Fail(t, 400, "error-room-param-not-provided")
		bob.Get("/api/v1/channels.info", "roomId", cid).OK(t)

		alice.Post("/api/v1/channels.delete", map[string]any{"roomName": "delete-chan"}).OK(t)
		bob.Get("/api/v1/channels.info", "roomId", cid).Fail(t, 400, "error-room-not-found")
		if r := bob.Get("/api/v1/channels.list.joined").OK(t); has(names(r.List("channels"), "_id"), cid) {
			t.Fatalf("deleted channel still listed: %s", r.Body)
		}
		alice.Post("/api/v1/channels.delete", map[string]any{"roomId": cid}).Fail(t, 400, "error-room-not-found")
		// The name is free again.
		newRoom(t, alice, "channels", "delete-chan")

		// As in Rocket.Chat, a group is hidden even from administrators who are not in it.
		admin.Post("/api/v1/groups.delete", map[string]any{"roomId": gid}).Fail(t, 400, "error-room-not-found")
		alice.Post("/api/v1/groups.delete", map[string]any{"roomId": gid}).OK(t)
		if r := bob.Get("/api/v1/groups.list").OK(t); r.Num("total") != 0 {
			t.Fatalf("deleted group still listed: %s", r.Body)
		}
		if r := admin.Get("/api/v1/groups.listAll").OK(t); has(names(r.List("groups"), "_id"), gid) {
			t.Fatalf("deleted group in listAll: %s", r.Body)
		}
	})
}

// TestTwoUsersMeetInAChannel is the scenario of two users meeting: alice
// creates a channel and invites bob, bob finds it among his channels and in
// its counters, both post; then in a private group, kicking bob stops him
// from posting there.
func TestTwoUsersMeetInAChannel(t *testing.T) {
	srv := testserver.Start(t)
	alice := memberUser(t, srv, "alice")
	bob := memberUser(t, srv, "bob")

	r := alice.Post("/api/v1/channels.create", map[string]any{"name": "meeting"}).OK(t)
	cid := r.Str("channel._id")
	if r.Num("channel.usersCount") != 1 {
		t.Fatalf("new channel: %s", r.Body)
	}
	alice.Post("/api/v1/channels.invite", map[string]any{"roomId": cid, "userId": bob.UserID}).OK(t)

	r = bob.Get("/api/v1/channels.list.joined").OK(t)
	if !has(names(r.List("channels"), "name"), "meeting") {
		t.Fatalf("bob does not see the channel among his: %s", r.Body)
	}
	before := bob.Get("/api/v1/channels.counters", "roomId", cid).OK(t)
	if before.Get("joined") != true || before.Num("members") != 2 {
		t.Fatalf("bob's counters: %s", before.Body)
	}

	alice.Post("/api/v1/chat.postMessage", map[string]any{"roomId": cid, "text": "hi bob"}).OK(t)
	bob.Post("/api/v1/chat.postMessage", map[string]any{"roomId": cid, "text": "hi alice"}).OK(t)
	after := bob.Get("/api/v1/channels.counters", "roomId", cid).OK(t)
	if after.Num("msgs") != before.Num("msgs")+2 {
		t.Fatalf("msgs went from %v to %v: %s", before.Num("msgs"), after.Num("msgs"), after.Body)
	}
	if after.Num("unreads") < 1 {
		t.Fatalf("bob has unread messages: %s", after.Body)
	}
	r = alice.Get("/api/v1/channels.members", "roomId", cid).OK(t)
	if got := names(r.List("members"), "username"); len(got) != 2 || got[0] != "alice" || got[1] != "bob" {
		t.Fatalf("members: %s", r.Body)
	}

	// A private group: bob posts while a member, not after the kick.
	r = alice.Post("/api/v1/groups.create", map[string]any{"name": "backroom", "members": []string{"bob"}}).OK(t)
	gid := r.Str("group._id")
	bob.Post("/api/v1/chat.postMessage", map[string]any{"roomId": gid, "text": "in the back room"}).OK(t)
	alice.Post("/api/v1/groups.kick", map[string]any{"roomId": gid, "userId": bob.UserID}).OK(t)
	r = bob.Post("/api/v1/chat.postMessage", map[string]any{"roomId": gid, "text": "still here?"})
	if r.Status == http.StatusOK {
		t.Fatalf("a kicked member posted to the group: %s", r.Body)
	}
	r.Fail(t, 400, "error-not-allowed")
	bob.Get("/api/v1/groups.info", "roomId", gid).Fail(t, 400, "error-room-not-found")
	if r := bob.Get("/api/v1/groups.list").OK(t); r.Num("total") != 0 {
		t.Fatalf("bob still lists the group: %s", r.Body)
	}
	// Bob can still talk in the channel.
	bob.Post("/api/v1/chat.postMessage", map[string]any{"roomId": cid, "text": "back here"}).OK(t)
}
