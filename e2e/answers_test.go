package e2e

import (
	"testing"

	"liftoff/internal/testserver"
)

// Answers that follow Rocket.Chat's exactly (issue 12, section 3).

// A message with neither text nor attachments is stored with an empty msg;
// reactions a client sends with chat.sendMessage are kept.
func TestMessagesWithoutTextAndClientReactions(t *testing.T) {
	srv := testserver.Start(t)
	wes := srv.CreateUser(t, "wes")
	r := wes.Post("/api/v1/chat.postMessage", map[string]any{"roomId": "GENERAL"}).OK(t)
	if r.Str("message.msg") != "" || r.Str("message._id") == "" {
		t.Fatalf("empty postMessage: %s", r.Body)
	}
	r = wes.Post("/api/v1/chat.sendMessage", map[string]any{"message": map[string]any{"rid": "GENERAL",
		"reactions": map[string]any{":+1:": map[string]any{"usernames": []string{"wes"}}}}}).OK(t)
	id := r.Str("message._id")
	if r.Str("message.msg") != "" || r.Str("message.reactions.:+1:.usernames.0") != "wes" {
		t.Fatalf("sendMessage: %s", r.Body)
	}
	if got := wes.Get("/api/v1/chat.getMessage", "msgId", id).OK(t).Str("message.reactions.:+1:.usernames.0"); got != "wes" {
		t.Fatalf("stored reactions: %q", got)
	}
}

// E-mail addresses keep the case given and compare ignoring it; Rocket.Chat's
// pattern accepts "name.@domain.tld".
func TestEmailCaseAndPattern(t *testing.T) {
	srv := testserver.Start(t)
	admin := srv.Admin(t)
	r := admin.Post("/api/v1/users.create", map[string]any{"username": "xena", "email": "Xena.@Example.Org", "password": "xena-pass", "name": "X"}).OK(t)
	if got := r.Str("user.emails.0.address"); got != "Xena.@Example.Org" {
		t.Fatalf("stored address %q", got)
	}
	srv.Login(t, "xena.@example.org", "xena-pass")
	admin.Post("/api/v1/users.create", map[string]any{"username": "xena2", "email": "XENA.@example.org", "password": "xena-pass", "name": "X"}).
		Fail(t, 400, "error-field-unavailable")
	for _, bad := range []string{"no-at-sign", "a@b", "a b@example.org", "a@example.org\r\nBcc: x@example.org", "<a@example.org>"} {
		admin.Post("/api/v1/users.create", map[string]any{"username": "xena3", "email": bad, "password": "xena-pass", "name": "X"}).
			Fail(t, 400, "error-invalid-email")
	}
}

// Numeric settings take fractions, as Rocket.Chat's JavaScript numbers do.
func TestFractionalNumericSetting(t *testing.T) {
	srv := testserver.Start(t)
	admin := srv.Admin(t)
	const id = "Block_Multiple_Failed_Logins_Time_To_Unblock_By_User_In_Minutes"
	setSetting(t, admin, id, 0.05)
	if got := admin.Get("/api/v1/settings/" + id).OK(t).Num("value"); got != 0.05 {
		t.Fatalf("value %v", got)
	}
	admin.Post("/api/v1/settings/"+id, map[string]any{"value": "soon"}).Fail(t, 400, "")
}

// groups.create with extraData.encrypted answers (and stores) an encrypted group.
func TestGroupsCreateEncrypted(t *testing.T) {
	srv := testserver.Start(t)
	yan := srv.CreateUser(t, "yan")
	r := yan.Post("/api/v1/groups.create", map[string]any{"name": "secret-e2e", "extraData": map[string]any{"encrypted": true, "broadcast": false}}).OK(t)
	if r.Get("group.encrypted") != true {
		t.Fatalf("groups.create: %s", r.Body)
	}
	if yan.Get("/api/v1/groups.info", "roomName", "secret-e2e").OK(t).Get("group.encrypted") != true {
		t.Fatal("encrypted not stored")
	}
	r = yan.Post("/api/v1/channels.create", map[string]any{"name": "open-e2e", "extraData": map[string]any{"encrypted": true}}).OK(t)
	if r.Get("channel.encrypted") == true {
		t.Fatalf("a channel became encrypted: %s", r.Body)
	}
}

// rooms.info applies the fields projection, as Rocket.Chat's does.
func TestRoomsInfoFields(t *testing.T) {
	srv := testserver.Start(t)
	zoe := srv.CreateUser(t, "zoe")
	r := zoe.Get("/api/v1/rooms.info", "roomId", "GENERAL", "fields", `{"name":1,"msgs":1}`).OK(t)
	room := r.Get("room").(map[string]any)
	if len(room) != 3 || room["_id"] != "GENERAL" || room["name"] != "general" || room["msgs"] == nil {
		t.Fatalf("inclusive projection: %s", r.Body)
	}
	r = zoe.Get("/api/v1/rooms.info", "roomId", "GENERAL", "fields", `{"lastMessage":0}`).OK(t)
	if r.Get("room.lastMessage") != nil || r.Str("room.name") != "general" || r.Get("room.usersCount") == nil {
		t.Fatalf("exclusive projection: %s", r.Body)
	}
	zoe.Get("/api/v1/rooms.info", "roomId", "GENERAL", "fields", `nope`).Fail(t, 400, "")
}

// A direct conversation's subscription is named after the other user: name
// their username, fname their display name.
func TestDirectSubscriptionNames(t *testing.T) {
	srv := testserver.Start(t)
	amy := srv.CreateUser(t, "amy")
	srv.CreateUser(t, "ben")
	rid := amy.Post("/api/v1/im.create", map[string]any{"username": "ben"}).OK(t).Str("room._id")
	r := amy.Get("/api/v1/subscriptions.getOne", "roomId", rid).OK(t)
	if r.Str("subscription.name") != "ben" || r.Str("subscription.fname") != "Ben" {
		t.Fatalf("amy's subscription: %s", r.Body)
	}
}
