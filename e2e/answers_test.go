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
