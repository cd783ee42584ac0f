package e2e

import (
	"strings"
	"testing"

	"liftoff/internal/testserver"
)

// TestBotDriverFlow drives a bot the way Rocket.Chat's JS SDK driver
// does over DDP: log in, subscribe to stream-room-messages
// "__my_messages__", and answer a message with sendMessage carrying the
// SDK's bot marker.
func TestBotDriverFlow(t *testing.T) {
	srv := testserver.Start(t)
	admin := srv.Admin(t)
	srv.CreateUser(t, "helper-bot", map[string]any{"roles": []string{"bot"}})
	bob := srv.CreateUser(t, "bob")
	if roles := admin.Get("/api/v1/users.info", "username", "helper-bot").OK(t).List("user.roles"); len(roles) != 1 || roles[0] != "bot" {
		t.Fatalf("bot roles: %v", roles)
	}

	bot := ddpDial(t, srv)
	bot.login("helper-bot", "helper-bot-pass")
	bot.sub("stream-room-messages", "__my_messages__", map[string]any{"useCollection": false, "args": []any{}})

	id := bob.Post("/api/v1/chat.postMessage", map[string]any{"channel": "#general", "text": "@helper-bot what time is it?"}).OK(t).Str("message._id")
	args := bot.event("stream-room-messages", "__my_messages__", func(args []any) bool {
		m, _ := args[0].(map[string]any)
		return m != nil && m["_id"] == id
	})
	got := args[0].(map[string]any)
	if got["rid"] != "GENERAL" || !strings.Contains(got["msg"].(string), "what time") {
		t.Fatalf("bot got %v", got)
	}
	// The driver answers in the same room, marking its message.
	var reply map[string]any
	bot.call(&reply, "sendMessage", map[string]any{"_id": "botreply000000001", "rid": got["rid"], "msg": "It is time to ship.",
		"bot": map[string]any{"i": "js.SDK"}})
	m := lastMessage(t, bob, "general")
	if m["_id"] != "botreply000000001" || m["msg"] != "It is time to ship." || m["u"].(map[string]any)["username"] != "helper-bot" {
		t.Fatalf("reply as bob sees it: %v", m)
	}
	if b, _ := m["bot"].(map[string]any); b["i"] != "js.SDK" {
		t.Fatalf("reply's bot marker: %v", m["bot"])
	}
	// The bot's own message reaches its stream too (the driver filters it out).
	bot.event("stream-room-messages", "__my_messages__", func(args []any) bool {
		m, _ := args[0].(map[string]any)
		return m != nil && m["_id"] == "botreply000000001"
	})
	// A person cannot pass a message off as a bot's.
	bob.Post("/api/v1/chat.sendMessage", map[string]any{"message": map[string]any{"rid": "GENERAL", "msg": "beep",
		"bot": map[string]any{"i": "fake"}}}).OK(t)
	if m := lastMessage(t, bob, "general"); m["msg"] != "beep" || m["bot"] != nil {
		t.Fatalf("a person's message kept a bot marker: %v", m)
	}
}
