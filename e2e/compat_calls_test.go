package e2e

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"liftoff/internal/testserver"
)

// End-to-end tests of the calls of issue #12's second round that need no
// store of their own: rooms.saveRoomSettings, users.createToken,
// channels.addAll / groups.addAll, custom-sounds.list, instances.get and
// chat.getURLPreview.

func TestSaveRoomSettingsREST(t *testing.T) {
	srv := testserver.Start(t)
	alice := srv.CreateUser(t, "alice")
	bob := srv.CreateUser(t, "bob")
	rid := chatRoom(t, alice, "channels", "plans", "bob")

	r := alice.Post("/api/v1/rooms.saveRoomSettings", map[string]any{"rid": rid, "roomTopic": "Q3", "roomDescription": "all plans", "readOnly": true}).OK(t)
	if r.Str("rid") != rid {
		t.Fatalf("answer: %s", r.Body)
	}
	info := channelInfo(t, alice, rid)
	if info.Str("channel.topic") != "Q3" || info.Str("channel.description") != "all plans" || info.Get("channel.ro") != true {
		t.Fatalf("settings not saved: %s", info.Body)
	}
	// A member without edit-room is refused; nothing changes.
	bob.Post("/api/v1/rooms.saveRoomSettings", map[string]any{"rid": rid, "roomTopic": "mine"}).Fail(t, 403, "error-action-not-allowed")
	alice.Post("/api/v1/rooms.saveRoomSettings", map[string]any{"roomTopic": "x"}).Fail(t, 400, "invalid-params")
	r = alice.Post("/api/v1/rooms.saveRoomSettings", map[string]any{"rid": rid, "bogus": 1}).Fail(t, 400, "error-invalid-settings")
	if r.Str("error") != "Invalid settings provided [error-invalid-settings]" || r.Str("details.method") != "saveRoomSettings" {
		t.Fatalf("unknown setting: %s", r.Body)
	}
	alice.Post("/api/v1/rooms.saveRoomSettings", map[string]any{"rid": "nope", "roomTopic": "x"}).Fail(t, 400, "error-invalid-room")
	if got := channelInfo(t, alice, rid).Str("channel.topic"); got != "Q3" {
		t.Fatalf("a refused call changed the topic to %q", got)
	}
}

func TestCreateTokenForUsers(t *testing.T) {
	const secret = "s3cret-for-tests"
	srv := testserver.Start(t, testserver.Options{Env: []string{"CREATE_TOKENS_FOR_USERS_SECRET=" + secret}})
	admin := srv.Admin(t)
	alice := srv.CreateUser(t, "alice")
	bob := srv.CreateUser(t, "bob")
	bobID := bob.Get("/api/v1/me").OK(t).Str("_id")

	r := admin.Post("/api/v1/users.createToken", map[string]any{"username": "bob", "secret": secret}).OK(t)
	if r.Str("data.userId") != bobID || r.Str("data.authToken") == "" {
		t.Fatalf("createToken: %s", r.Body)
	}
	me := srv.Anon(t).WithHeader("X-User-Id", bobID).WithHeader("X-Auth-Token", r.Str("data.authToken")).Get("/api/v1/me").OK(t)
	if me.Str("username") != "bob" {
		t.Fatalf("the new token does not log bob in: %s", me.Body)
	}
	// For oneself, no permission is needed; for another user it is.
	alice.Post("/api/v1/users.createToken", map[string]any{"user": "alice", "secret": secret}).OK(t)
	for _, body := range []map[string]any{
		{"username": "bob", "secret": secret}, // alice lacks user-generate-access-token
		{"username": "alice", "secret": "wrong"},
		{"username": "alice"},
	} {
		r := alice.Post("/api/v1/users.createToken", body).Fail(t, 400, "error-not-authorized")
		if r.Str("error") != "Not authorized [error-not-authorized]" {
			t.Fatalf("%v: %s", body, r.Body)
		}
	}

	// Without the secret configured, every call is refused.
	plain := testserver.Start(t)
	plain.Admin(t).Post("/api/v1/users.createToken", map[string]any{"username": "admin", "secret": ""}).Fail(t, 400, "error-not-authorized")
}

func TestAddAllToRoom(t *testing.T) {
	srv := testserver.Start(t)
	admin := srv.Admin(t)
	alice := srv.CreateUser(t, "alice")
	srv.CreateUser(t, "bob")
	srv.CreateUser(t, "carol")
	admin.Post("/api/v1/users.setActiveStatus", map[string]any{"userId": userID(t, admin, "carol"), "activeStatus": false}).OK(t)
	rid := chatRoom(t, alice, "channels", "everyone")

	// As Rocket.Chat, every user joins, the rocket.cat bot included.
	// The owner lacks add-all-to-room (administrators only, by default).
	r := alice.Post("/api/v1/channels.addAll", map[string]any{"roomId": rid}).Fail(t, 400, "403")
	if r.Str("error") != "Access to Method Forbidden [403]" {
		t.Fatalf("refusal: %s", r.Body)
	}
	if n := channelInfo(t, alice, rid).Num("channel.usersCount"); n != 1 {
		t.Fatalf("a refused addAll added members: %v", n)
	}
	r = admin.Post("/api/v1/channels.addAll", map[string]any{"roomId": rid, "activeUsersOnly": "true"}).OK(t)
	if r.Str("channel._id") != rid {
		t.Fatalf("answer: %s", r.Body)
	}
	members := names(alice.Get("/api/v1/channels.members", "roomId", rid).OK(t).List("members"), "username")
	if strings.Join(sorted(members), ",") != "admin,alice,bob,rocket.cat" {
		t.Fatalf("active users only: %v", members)
	}
	msgs := alice.Get("/api/v1/channels.messages", "roomId", rid).OK(t).List("messages")
	joins := 0
	for _, m := range msgs {
		if m.(map[string]any)["t"] == "uj" {
			joins++
		}
	}
	if joins != 3 {
		t.Fatalf("want a uj message per new member (3), got %d", joins)
	}
	admin.Post("/api/v1/channels.addAll", map[string]any{"roomName": "everyone"}).OK(t)
	if n := channelInfo(t, alice, rid).Num("channel.usersCount"); n != 5 {
		t.Fatalf("all users (the inactive one too): %v", n)
	}

	gid := chatRoom(t, admin, "groups", "staff")
	r = admin.Post("/api/v1/groups.addAll", map[string]any{"roomId": gid}).OK(t)
	if r.Str("group._id") != gid || r.Num("group.usersCount") != 5 {
		t.Fatalf("groups.addAll: %s", r.Body)
	}
	admin.Post("/api/v1/channels.addAll", map[string]any{}).Fail(t, 400, "error-room-param-not-provided")

	// More users than API_User_Limit: refused, nothing added.
	admin.Post("/api/v1/settings/API_User_Limit", map[string]any{"value": 4}).OK(t)
	other := chatRoom(t, admin, "channels", "small")
	admin.Post("/api/v1/channels.addAll", map[string]any{"roomId": other}).Fail(t, 400, "error-user-limit-exceeded")
	if n := channelInfo(t, admin, other).Num("channel.usersCount"); n != 1 {
		t.Fatalf("a refused addAll added members: %v", n)
	}
}

func userID(t *testing.T, c *testserver.Client, username string) string {
	t.Helper()
	return c.Get("/api/v1/users.info", "username", username).OK(t).Str("user._id")
}

func sorted(in []string) []string {
	out := append([]string{}, in...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func TestCustomSoundsAndInstances(t *testing.T) {
	srv := testserver.Start(t)
	admin := srv.Admin(t)
	alice := srv.CreateUser(t, "alice")

	r := alice.Get("/api/v1/custom-sounds.list").OK(t)
	if s := r.List("sounds"); s == nil || len(s) != 0 || r.Num("total") != 0 || r.Num("count") != 0 || r.Num("offset") != 0 {
		t.Fatalf("custom-sounds.list: %s", r.Body)
	}
	srv.Anon(t).Get("/api/v1/custom-sounds.list").Fail(t, 401, "")

	alice.Get("/api/v1/instances.get").Fail(t, 403, "")
	r = admin.Get("/api/v1/instances.get").OK(t)
	list := r.List("instances")
	if len(list) != 1 || r.Get("instances.0.currentStatus.local") != true || r.Get("instances.0.currentStatus.connected") != true ||
		r.Str("instances.0.instanceRecord._id") == "" || r.Str("instances.0.instanceRecord.name") != "liftoff" ||
		r.Num("instances.0.instanceRecord.pid") == 0 || r.Get("instances.0.broadcastAuth") != true {
		t.Fatalf("instances.get: %s", r.Body)
	}
}

func TestGetURLPreview(t *testing.T) {
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<html><head><title>Launch notes</title><meta property="og:title" content="Launch"><meta name="description" content="What shipped"></head><body>x</body></html>`)
	}))
	t.Cleanup(page.Close)
	port := page.URL[strings.LastIndex(page.URL, ":")+1:]

	// By default loopback is never fetched: the preview has no meta.
	plain := testserver.Start(t)
	alice := plain.CreateUser(t, "alice")
	rid := chatRoom(t, alice, "channels", "links")
	r := alice.Get("/api/v1/chat.getURLPreview", "roomId", rid, "url", page.URL+"/notes").OK(t)
	if r.Str("urlPreview.url") != page.URL+"/notes" || r.Get("urlPreview.ignoreParse") != true || len(r.Get("urlPreview.meta").(map[string]any)) != 0 {
		t.Fatalf("loopback was fetched: %s", r.Body)
	}

	srv := testserver.Start(t, testserver.Options{Env: []string{
		"OVERWRITE_SETTING_Liftoff_Outbound_AllowList=127.0.0.1",
		"OVERWRITE_SETTING_API_EmbedIgnoredHosts=",
		"OVERWRITE_SETTING_API_EmbedSafePorts=80,443," + port,
	}})
	alice = srv.CreateUser(t, "alice")
	bob := srv.CreateUser(t, "bob")
	rid = chatRoom(t, alice, "groups", "secret")
	r = alice.Get("/api/v1/chat.getURLPreview", "roomId", rid, "url", page.URL+"/notes").OK(t)
	if r.Str("urlPreview.meta.ogTitle") != "Launch" || r.Str("urlPreview.meta.pageTitle") != "Launch notes" ||
		r.Str("urlPreview.meta.description") != "What shipped" || r.Get("urlPreview.ignoreParse") != true ||
		!strings.HasPrefix(r.Str("urlPreview.headers.contentType"), "text/html") {
		t.Fatalf("preview: %s", r.Body)
	}
	r = bob.Get("/api/v1/chat.getURLPreview", "roomId", rid, "url", page.URL+"/notes").Fail(t, 400, "error-not-allowed")
	if r.Str("error") != "Not allowed [error-not-allowed]" {
		t.Fatalf("outsider: %s", r.Body)
	}
	alice.Get("/api/v1/chat.getURLPreview", "roomId", rid).Fail(t, 400, "invalid-params")
	alice.Get("/api/v1/chat.getURLPreview", "url", page.URL).Fail(t, 400, "invalid-params")
}

func TestStatisticsList(t *testing.T) {
	srv := testserver.Start(t)
	admin := srv.Admin(t)
	alice := srv.CreateUser(t, "alice")

	r := admin.Get("/api/v1/statistics.list").OK(t)
	if l := r.List("statistics"); l == nil || len(l) != 0 || r.Num("total") != 0 {
		t.Fatalf("nothing recorded yet: %s", r.Body)
	}
	first := admin.Get("/api/v1/statistics", "refresh", "true").OK(t)
	srv.CreateUser(t, "bob")
	second := admin.Get("/api/v1/statistics", "refresh", "true").OK(t)
	admin.Get("/api/v1/statistics").OK(t) // answers without recording
	if first.Str("_id") == second.Str("_id") || second.Num("totalUsers") != first.Num("totalUsers")+1 {
		t.Fatalf("snapshots: %s / %s", first.Body, second.Body)
	}
	r = admin.Get("/api/v1/statistics.list").OK(t)
	if r.Num("total") != 2 || r.Num("count") != 2 || r.Str("statistics.0._id") != second.Str("_id") ||
		r.Str("statistics.1._id") != first.Str("_id") || r.Num("statistics.0.totalUsers") != second.Num("totalUsers") {
		t.Fatalf("statistics.list: %s", r.Body)
	}
	r = admin.Get("/api/v1/statistics.list", "count", "1", "offset", "1").OK(t)
	if r.Num("total") != 2 || r.Num("count") != 1 || r.Str("statistics.0._id") != first.Str("_id") {
		t.Fatalf("paged: %s", r.Body)
	}
	r = alice.Get("/api/v1/statistics.list").Fail(t, 400, "error-not-allowed")
	if r.Str("error") != "Not allowed [error-not-allowed]" {
		t.Fatalf("refusal: %s", r.Body)
	}
	admin.Get("/api/v1/statistics", "refresh", "yes").Fail(t, 400, "invalid-params")
}
