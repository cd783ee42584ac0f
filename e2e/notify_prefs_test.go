package e2e

import (
	"net/http"
	"reflect"
	"testing"

	"liftoff/internal/testserver"
)

// TestUserPreferences covers users.setPreferences and users.getPreferences:
// the preferences and the language round trip, bad input changes nothing,
// another user's preferences need edit-other-user-info, and the
// notification preferences reach the user's subscriptions.
func TestUserPreferences(t *testing.T) {
	srv := testserver.Start(t)
	admin := srv.Admin(t)
	bob := srv.CreateUser(t, "bob")
	carol := srv.CreateUser(t, "carol")
	rid := admin.Post("/api/v1/channels.create", map[string]any{"name": "prefs", "members": []string{"bob"}}).OK(t).Str("channel._id")

	if r := carol.Get("/api/v1/users.getPreferences"); r.Status == http.StatusOK {
		if p, ok := r.Get("preferences").(map[string]any); !ok || len(p) != 0 {
			t.Fatalf("a new user's preferences: %s", r.Body)
		}
	} else {
		r.Fail(t, 400, "error-invalid-params")
		if r.JSON["error"] != "FAILED TO RETRIEVE USER PREFERENCES BECAUSE THEY HAVEN'T BEEN SET UP BY THE USER YET [error-invalid-params]" {
			t.Fatalf("error: %s", r.Body)
		}
	}

	r := bob.Post("/api/v1/users.setPreferences", map[string]any{"data": map[string]any{
		"desktopNotifications": "mentions", "emailNotificationMode": "all", "highlights": []string{"deploy", "outage"},
		"sidebarShowUnread": true, "language": "fr", "clockMode": 2,
	}}).OK(t)
	if r.Str("user._id") != bob.UserID || r.Str("user.settings.preferences.desktopNotifications") != "mentions" ||
		r.Str("user.settings.preferences.emailNotificationMode") != "mentions" || // the old "all" is "mentions"
		r.Str("user.settings.preferences.language") != "fr" || r.Get("user.settings.preferences.sidebarShowUnread") != true ||
		r.Num("user.settings.preferences.clockMode") != 2 {
		t.Fatalf("setPreferences: %s", r.Body)
	}
	got := bob.Get("/api/v1/users.getPreferences").OK(t)
	if got.Str("preferences.desktopNotifications") != "mentions" || got.Str("preferences.language") != "fr" ||
		!reflect.DeepEqual(got.List("preferences.highlights"), []any{"deploy", "outage"}) {
		t.Fatalf("getPreferences: %s", got.Body)
	}
	if bob.Get("/api/v1/me").OK(t).Str("settings.preferences.desktopNotifications") != "mentions" {
		t.Fatal("me does not carry the preferences")
	}

	// The subscriptions follow the user's choices.
	sub := bob.Get("/api/v1/subscriptions.getOne", "roomId", rid).OK(t)
	if sub.Str("subscription.desktopNotifications") != "mentions" || sub.Str("subscription.desktopPrefOrigin") != "user" ||
		sub.Str("subscription.emailNotifications") != "mentions" || sub.Str("subscription.emailPrefOrigin") != "user" ||
		!reflect.DeepEqual(sub.List("subscription.userHighlights"), []any{"deploy", "outage"}) {
		t.Fatalf("subscription after setPreferences: %s", sub.Body)
	}

	// Bad input: refused, nothing changed.
	for name, body := range map[string]any{
		"unknown preference": map[string]any{"data": map[string]any{"desktopNotifications": "all", "favouriteColour": "red"}},
		"wrong type":         map[string]any{"data": map[string]any{"desktopNotifications": "all", "sidebarShowUnread": "yes"}},
		"no data":            map[string]any{"userId": bob.UserID},
		"extra member":       map[string]any{"data": map[string]any{}, "more": 1},
		"bad enum":           map[string]any{"data": map[string]any{"alsoSendThreadToChannel": "sometimes"}},
	} {
		bob.Post("/api/v1/users.setPreferences", body).Fail(t, 400, "invalid-params")
		if v := bob.Get("/api/v1/users.getPreferences").OK(t).Str("preferences.desktopNotifications"); v != "mentions" {
			t.Fatalf("%s changed the preferences: %q", name, v)
		}
	}

	// Someone else's preferences.
	carol.Post("/api/v1/users.setPreferences", map[string]any{"userId": bob.UserID, "data": map[string]any{"desktopNotifications": "nothing"}}).
		Fail(t, 403, "error-action-not-allowed")
	admin.Post("/api/v1/users.setPreferences", map[string]any{"userId": "nobody", "data": map[string]any{}}).
		Fail(t, 400, "error-invalid-user")
	admin.Post("/api/v1/users.setPreferences", map[string]any{"userId": bob.UserID, "data": map[string]any{"desktopNotifications": "nothing"}}).OK(t)
	if v := bob.Get("/api/v1/users.getPreferences").OK(t).Str("preferences.desktopNotifications"); v != "nothing" {
		t.Fatalf("admin's change: %q", v)
	}
	srv.Anon(t).Get("/api/v1/users.getPreferences").Fail(t, 401, "")
}

// TestSaveNotification covers rooms.saveNotification: each field of the
// subscription, "default" falling back to the user's preference, the user's
// later changes leaving a room's own choice alone, and refusals that change
// nothing.
func TestSaveNotification(t *testing.T) {
	srv := testserver.Start(t)
	admin := srv.Admin(t)
	bob := srv.CreateUser(t, "bob")
	rid := admin.Post("/api/v1/channels.create", map[string]any{"name": "notif", "members": []string{"bob"}}).OK(t).Str("channel._id")
	other := admin.Post("/api/v1/channels.create", map[string]any{"name": "elsewhere"}).OK(t).Str("channel._id")
	subOf := func() *testserver.Response { return bob.Get("/api/v1/subscriptions.getOne", "roomId", rid).OK(t) }

	r := bob.Post("/api/v1/rooms.saveNotification", map[string]any{"roomId": rid, "notifications": map[string]string{
		"desktopNotifications": "nothing", "mobilePushNotifications": "mentions", "emailNotifications": "all",
		"disableNotifications": "1", "hideUnreadStatus": "1", "hideMentionStatus": "1", "muteGroupMentions": "1",
		"unreadAlert": "nothing", "audioNotificationValue": "chime",
	}}).OK(t)
	if len(r.JSON) != 1 {
		t.Fatalf("answer: %s", r.Body)
	}
	s := subOf()
	for path, want := range map[string]any{
		"desktopNotifications": "nothing", "desktopPrefOrigin": "subscription", "mobilePushNotifications": "mentions",
		"mobilePrefOrigin": "subscription", "emailNotifications": "all", "emailPrefOrigin": "subscription",
		"disableNotifications": true, "hideUnreadStatus": true, "hideMentionStatus": true, "muteGroupMentions": true,
		"unreadAlert": "nothing", "audioNotificationValue": "chime",
	} {
		if got := s.Get("subscription." + path); got != want {
			t.Fatalf("%s = %v, want %v (%s)", path, got, want, s.Body)
		}
	}

	// The user's preference does not override the room's own choice...
	bob.Post("/api/v1/users.setPreferences", map[string]any{"data": map[string]any{"desktopNotifications": "all", "pushNotifications": "nothing"}}).OK(t)
	if s := subOf(); s.Str("subscription.desktopNotifications") != "nothing" || s.Str("subscription.desktopPrefOrigin") != "subscription" {
		t.Fatalf("room's own choice lost: %s", s.Body)
	}
	// ... until the room goes back to default; flags turn off with "0".
	bob.Post("/api/v1/rooms.saveNotification", map[string]any{"roomId": rid, "notifications": map[string]string{
		"desktopNotifications": "default", "emailNotifications": "default", "disableNotifications": "0", "audioNotificationValue": "default",
	}}).OK(t)
	s = subOf()
	if s.Str("subscription.desktopNotifications") != "all" || s.Str("subscription.desktopPrefOrigin") != "user" ||
		s.Get("subscription.emailNotifications") != nil || s.Get("subscription.emailPrefOrigin") != nil ||
		s.Get("subscription.disableNotifications") != nil || s.Get("subscription.audioNotificationValue") != nil {
		t.Fatalf("after default: %s", s.Body)
	}

	// Refusals change nothing, even for the valid fields beside them.
	before := string(subOf().Body)
	for _, c := range []struct {
		body      any
		errorType string
	}{
		{map[string]any{"roomId": rid, "notifications": map[string]string{"hideUnreadStatus": "0", "pinkNotifications": "1"}}, "error-invalid-settings"},
		{map[string]any{"roomId": rid, "notifications": map[string]string{"hideUnreadStatus": "0", "desktopNotifications": "loud"}}, "error-invalid-settings"},
		{map[string]any{"roomId": other, "notifications": map[string]string{"hideUnreadStatus": "0"}}, "error-invalid-subscription"},
		{map[string]any{"roomId": rid, "notifications": map[string]string{}}, "invalid-params"},
		{map[string]any{"roomId": rid}, "invalid-params"},
		{map[string]any{"roomId": "", "notifications": map[string]string{"hideUnreadStatus": "0"}}, "invalid-params"},
		{map[string]any{"roomId": rid, "notifications": map[string]any{"hideUnreadStatus": 0}}, "invalid-params"},
	} {
		bob.Post("/api/v1/rooms.saveNotification", c.body).Fail(t, 400, c.errorType)
	}
	if after := string(subOf().Body); after != before {
		t.Fatalf("a refused call changed the subscription:\n%s\n%s", before, after)
	}
	r = bob.Post("/api/v1/rooms.saveNotification", map[string]any{"roomId": rid, "notifications": map[string]string{"bogus": "1"}})
	if r.JSON["error"] != "Invalid settings field [error-invalid-settings]" {
		t.Fatalf("error text: %s", r.Body)
	}

	// The methods: saveNotificationSettings (one field), and
	// saveUserPreferences, which keeps keys of its own.
	if res := callAs(t, bob, "saveNotificationSettings", rid, "muteGroupMentions", "0"); res["result"] != true {
		t.Fatalf("saveNotificationSettings: %v", res)
	}
	if subOf().Get("subscription.muteGroupMentions") != nil {
		t.Fatal("saveNotificationSettings changed nothing")
	}
	if e, _ := callAs(t, bob, "saveNotificationSettings", rid, "bogus", "1")["error"].(map[string]any); e["error"] != "error-invalid-settings" {
		t.Fatalf("saveNotificationSettings error: %v", e)
	}
	if res := callAs(t, bob, "saveUserPreferences", map[string]any{"myClientKey": "x", "sidebarShowUnread": true}); res["result"] != true {
		t.Fatalf("saveUserPreferences: %v", res)
	}
	if p := bob.Get("/api/v1/users.getPreferences").OK(t); p.Str("preferences.myClientKey") != "x" || p.Get("preferences.sidebarShowUnread") != true {
		t.Fatalf("after saveUserPreferences: %s", p.Body)
	}
	if e, _ := callAs(t, bob, "saveUserPreferences", map[string]any{"sidebarShowUnread": "yes"})["error"].(map[string]any); e["error"] != "invalid-params" {
		t.Fatalf("saveUserPreferences error: %v", e)
	}
}
