package e2e

import (
	"testing"
	"time"

	"liftoff/internal/testserver"
)

// An outgoing webhook does not fire on the messages it posts itself, so a
// reply that starts with its own trigger word cannot loop; another
// integration with the same trigger word still hears that reply.
func TestOutgoingWebhookIgnoresItsOwnReply(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{Env: []string{"OVERWRITE_SETTING_Liftoff_Outbound_AllowList=127.0.0.1"}})
	admin := srv.Admin(t)
	srv.CreateUser(t, "echo-bot", map[string]any{"roles": []string{"user", "bot"}})
	rt := ddpDial(t, srv)
	rt.login(testserver.AdminUser, testserver.AdminPass)
	rt.sub("stream-room-messages", "GENERAL", false)
	create := func(name, url string) string {
		return admin.Post("/api/v1/integrations.create", map[string]any{"type": "webhook-outgoing", "name": name, "enabled": true,
			"username": "echo-bot", "channel": "#general", "event": "sendMessage", "urls": []string{url},
			"triggerWords": []string{"!echo"}, "scriptEnabled": false, "token": "tok-" + name}).OK(t).Str("integration._id")
	}
	// Only the first answer echoes, so that a regression fails the count
	// below instead of looping until the test's end.
	echo := newReceiver(t, func(n int) (int, string) {
		if n == 1 {
			return 200, `{"text":"!echo again"}`
		}
		return 200, `{}`
	})
	listener := newReceiver(t, func(int) (int, string) { return 200, `{}` })
	echoID := create("echo", echo.URL+"/hook")
	create("listener", listener.URL+"/hook")

	admin.Post("/api/v1/chat.postMessage", map[string]any{"channel": "#general", "text": "!echo hi"}).OK(t)
	if b := echo.next(t); b["text"] != "!echo hi" {
		t.Fatalf("echo's first call: %v", b)
	}
	reply := rt.roomMessage("GENERAL", func(m map[string]any) bool { return m["msg"] == "!echo again" })
	if bot, _ := reply["bot"].(map[string]any); bot["i"] != echoID {
		t.Fatalf("reply: %v", reply)
	}
	// The listener hears both the user's message and echo's reply; both
	// calls were queued with echo's, had there been one.
	seen := map[any]bool{}
	seen[listener.next(t)["text"]] = true
	seen[listener.next(t)["text"]] = true
	if !seen["!echo hi"] || !seen["!echo again"] {
		t.Fatalf("listener calls: %v", seen)
	}
	waitFinished(t, srv, echoID, "url-response-sent-message")
	time.Sleep(2 * time.Second)
	if n := echo.calls(); n != 1 {
		t.Fatalf("echo called %d times, want 1 (it fired on its own reply)", n)
	}
	if n := listener.calls(); n != 2 {
		t.Fatalf("listener called %d times, want 2", n)
	}
}
