package e2e

import (
	"encoding/json"
	"testing"
	"time"

	"liftoff/internal/testserver"
)

// End-to-end tests of ignoring users (package ignore): chat.ignoreUser and
// the ignoreUser method, the subscription's ignored list in every view and
// in subscriptions-changed, and no notification from an ignored user.

func TestIgnoreUser(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{Env: []string{"OVERWRITE_SETTING_Push_enable=false"}})
	admin := srv.Admin(t)
	bob, rt := rtUser(t, srv, "bob")
	carol := srv.CreateUser(t, "carol")
	ch := admin.Post("/api/v1/channels.create", map[string]any{"name": "quiet", "members": []string{"bob"}}).OK(t).Str("channel._id")
	rt.sub("stream-notify-user", bob.UserID+"/subscriptions-changed", false)
	rt.sub("stream-notify-user", bob.UserID+"/notification", false)
	adminID := admin.UserID

	ignoredIn := func(sub any) []any {
		m, _ := sub.(map[string]any)
		l, _ := m["ignored"].([]any)
		return l
	}

	t.Run("bad input and refusals", func(t *testing.T) {
		r := bob.Get("/api/v1/chat.ignoreUser", "rid", ch, "userId", adminID).Fail(t, 400, "invalid-params")
		if r.Str("error") != "must have required property 'ignore' [invalid-params]" {
			t.Fatalf("%s", r.Body)
		}
		bob.Get("/api/v1/chat.ignoreUser", "userId", adminID, "ignore", "true").Fail(t, 400, "invalid-params")
		r = bob.Get("/api/v1/chat.ignoreUser", "rid", " ", "userId", adminID, "ignore", "true").Fail(t, 400, "error-room-id-param-not-provided")
		if r.Str("error") != `The required "rid" param is missing. [error-room-id-param-not-provided]` {
			t.Fatalf("%s", r.Body)
		}
		bob.Get("/api/v1/chat.ignoreUser", "rid", ch, "userId", "", "ignore", "true").Fail(t, 400, "error-user-id-param-not-provided")
		r = bob.Get("/api/v1/chat.ignoreUser", "rid", "invalid", "userId", adminID, "ignore", "true").Fail(t, 400, "error-invalid-subscription")
		if r.Str("error") != "Invalid subscription [error-invalid-subscription]" || r.Str("details.method") != "ignoreUser" {
			t.Fatalf("%s", r.Body)
		}
		// The user to ignore must be a member of the room, and so must the caller.
		bob.Get("/api/v1/chat.ignoreUser", "rid", ch, "userId", carol.UserID, "ignore", "true").Fail(t, 400, "error-invalid-subscription")
		carol.Get("/api/v1/chat.ignoreUser", "rid", ch, "userId", adminID, "ignore", "true").Fail(t, 400, "error-invalid-subscription")
		srv.Anon(t).Get("/api/v1/chat.ignoreUser", "rid", ch, "userId", adminID, "ignore", "true").Fail(t, 401, "")
		if l := ignoredIn(bob.Get("/api/v1/subscriptions.getOne", "roomId", ch).OK(t).Get("subscription")); l != nil {
			t.Fatalf("refused calls changed the subscription: %v", l)
		}
		rt.callFail("error-invalid-subscription", "ignoreUser", map[string]any{"rid": ch, "userId": carol.UserID})
		rt.callFail("error-invalid-params", "ignoreUser", map[string]any{"rid": ch})
	})

	t.Run("ignore, no notifications, unignore", func(t *testing.T) {
		bob.Get("/api/v1/chat.ignoreUser", "rid", ch, "userId", adminID, "ignore", "true").OK(t)
		rt.event("stream-notify-user", bob.UserID+"/subscriptions-changed", func(args []any) bool {
			l := ignoredIn(args[1])
			return args[0] == "updated" && len(l) == 1 && l[0] == adminID
		})
		one := bob.Get("/api/v1/subscriptions.getOne", "roomId", ch).OK(t)
		if l := ignoredIn(one.Get("subscription")); len(l) != 1 || l[0] != adminID {
			t.Fatalf("subscriptions.getOne: %s", one.Body)
		}
		found := false
		for _, s := range bob.Get("/api/v1/subscriptions.get").OK(t).List("update") {
			if m, _ := s.(map[string]any); m["rid"] == ch {
				l := ignoredIn(m)
				found = len(l) == 1 && l[0] == adminID
			}
		}
		if !found {
			t.Fatal("subscriptions.get lacks ignored")
		}
		// Ignoring twice keeps one entry.
		bob.Get("/api/v1/chat.ignoreUser", "rid", ch, "userId", adminID, "ignore", "1").OK(t)
		if l := ignoredIn(bob.Get("/api/v1/subscriptions.getOne", "roomId", ch).OK(t).Get("subscription")); len(l) != 1 {
			t.Fatalf("ignored twice: %v", l)
		}

		admin.Post("/api/v1/chat.postMessage", map[string]any{"roomId": ch, "text": "@bob are you there"}).OK(t)
		waitJobs(t, srv, "notify.message", 1)
		if f, ok := rt.tryTake(200*time.Millisecond, func(f map[string]any) bool {
			return streamArgs(f, "stream-notify-user", bob.UserID+"/notification") != nil
		}); ok {
			t.Fatalf("notified of an ignored user's message: %v", f)
		}

		bob.Get("/api/v1/chat.ignoreUser", "rid", ch, "userId", adminID, "ignore", "false").OK(t)
		rt.event("stream-notify-user", bob.UserID+"/subscriptions-changed", func(args []any) bool {
			return args[0] == "updated" && ignoredIn(args[1]) == nil
		})
		admin.Post("/api/v1/chat.postMessage", map[string]any{"roomId": ch, "text": "@bob now?"}).OK(t)
		args := rt.event("stream-notify-user", bob.UserID+"/notification", func(args []any) bool { return len(args) == 1 })
		b, _ := json.Marshal(args[0])
		if n, _ := args[0].(map[string]any); n["text"] != testserver.AdminUser+": @bob now?" {
			t.Fatalf("notification: %s", b)
		}
	})

	t.Run("ddp", func(t *testing.T) {
		var ok bool
		rt.call(&ok, "ignoreUser", map[string]any{"rid": ch, "userId": adminID})
		if !ok {
			t.Fatal("ignoreUser answered false")
		}
		if l := ignoredIn(bob.Get("/api/v1/subscriptions.getOne", "roomId", ch).OK(t).Get("subscription")); len(l) != 1 || l[0] != adminID {
			t.Fatalf("after ignoreUser: %v", l)
		}
		rt.call(&ok, "ignoreUser", map[string]any{"rid": ch, "userId": adminID, "ignore": false})
		if l := ignoredIn(bob.Get("/api/v1/subscriptions.getOne", "roomId", ch).OK(t).Get("subscription")); l != nil {
			t.Fatalf("after ignoreUser false: %v", l)
		}
	})
}
