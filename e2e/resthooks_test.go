package e2e

import (
	"net/http"
	"strings"
	"testing"

	"liftoff/internal/testserver"
)

// hookCall sends body to /hooks/<kind>/<id>/<token> with method.
func hookCall(t *testing.T, srv *testserver.Server, method, kind, id, token, body string) (int, map[string]any) {
	t.Helper()
	path := "/hooks/" + id + "/" + token
	if kind != "" {
		path = "/hooks/" + kind + "/" + id + "/" + token
	}
	req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	return doJSON(t, req)
}

// TestRESTHooksAddRemove: Rocket.Chat's REST hooks (/hooks/add and
// /hooks/remove, used by services holding an incoming webhook's URL)
// create an outgoing webhook that then fires, and remove it by its URL.
func TestRESTHooksAddRemove(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{Env: []string{"OVERWRITE_SETTING_Liftoff_Outbound_AllowList=127.0.0.1"}})
	admin := srv.Admin(t)
	rcv := newReceiver(t, func(int) (int, string) { return 200, `{}` })
	r := admin.Post("/api/v1/integrations.create", map[string]any{"type": "webhook-incoming", "name": "zapier", "enabled": true,
		"username": testserver.AdminUser, "channel": "#general", "scriptEnabled": false}).OK(t)
	id, token := r.Str("integration._id"), r.Str("integration.token")

	if st, _ := hookCall(t, srv, "POST", "add", id, "wrong", `{"event":"newMessageOnChannel","name":"x","target_url":"http://127.0.0.1/x"}`); st != 401 {
		t.Fatalf("wrong token: %d", st)
	}
	if st, b := hookCall(t, srv, "POST", "add", id, token, `{"event":"newMessageOnChannel","name":"x"}`); st != 400 || b["errorType"] != "invalid-params" {
		t.Fatalf("no target_url: %d %v", st, b)
	}
	if st, b := hookCall(t, srv, "POST", "add", id, token, `{"event":"newMessageToUser","name":"x","target_url":"http://127.0.0.1/x"}`); st != 400 || b["error"] != "username-required" {
		t.Fatalf("newMessageToUser without username: %d %v", st, b)
	}
	st, b := hookCall(t, srv, "POST", "add", id, token, `{"event":"newMessageOnChannel","name":"zap","target_url":"`+rcv.URL+`/zap","data":{"channel_name":"general","trigger_words":"deploy"}}`)
	if st != 200 || b["success"] != true || b["type"] != "webhook-outgoing" || b["event"] != "sendMessage" || b["_id"] == "" || b["enabled"] != true {
		t.Fatalf("add: %d %v", st, b)
	}
	outID, _ := b["_id"].(string)
	admin.Post("/api/v1/chat.postMessage", map[string]any{"channel": "#general", "text": "nothing to see"}).OK(t)
	admin.Post("/api/v1/chat.postMessage", map[string]any{"channel": "#general", "text": "deploy started"}).OK(t)
	if got := rcv.next(t); got["text"] != "deploy started" || got["trigger_word"] != "deploy" || got["channel_name"] != "general" {
		t.Fatalf("the added hook's call: %v", got)
	}

	if st, b := hookCall(t, srv, "POST", "remove", id, token, `{"target_url":"http://127.0.0.1/none"}`); st != 400 || b["error"] != "integration-not-found" {
		t.Fatalf("remove unknown: %d %v", st, b)
	}
	if st, b := hookCall(t, srv, "POST", "remove", id, token, `{"target_url":"`+rcv.URL+`/zap"}`); st != 200 || b["success"] != true {
		t.Fatalf("remove: %d %v", st, b)
	}
	admin.Get("/api/v1/integrations.get", "integrationId", outID).Fail(t, 400, "")
}

// TestHooksRateLimit: the /hooks routes go through the REST rate limiter
// (Rocket.Chat's WebHookAPI): each hook URL has its own allowance, a call
// over it answers 429 with Rocket.Chat's error, and an integration user
// holding api-bypass-rate-limit is not limited.
func TestHooksRateLimit(t *testing.T) {
	srv := testserver.Start(t)
	admin := srv.Admin(t)
	srv.CreateUser(t, "ci-bot")
	r := admin.Post("/api/v1/integrations.create", map[string]any{"type": "webhook-incoming", "name": "ci", "enabled": true,
		"username": "ci-bot", "channel": "#general", "scriptEnabled": false}).OK(t)
	id, token := r.Str("integration._id"), r.Str("integration.token")
	// The bot role (given to the integration's user) bypasses the limiter; take that away.
	admin.Post("/api/v1/permissions.update", map[string]any{"permissions": []map[string]any{
		{"_id": "api-bypass-rate-limit", "roles": []string{"admin"}}}}).OK(t)
	setting := func(id string, v any) { admin.Post("/api/v1/settings/"+id, map[string]any{"value": v}).OK(t) }
	setting("API_Enable_Rate_Limiter_Limit_Calls_Default", 3)
	setting("API_Enable_Rate_Limiter_Limit_Time_Default", 300000)
	setting("API_Enable_Rate_Limiter", true)

	for i := 1; i <= 3; i++ {
		if st, b := hookCall(t, srv, "POST", "", id, token, `{"text":"build ok"}`); st != 200 || b["success"] != true {
			t.Fatalf("call %d: %d %v", i, st, b)
		}
	}
	st, b := hookCall(t, srv, "POST", "", id, token, `{"text":"one too many"}`)
	msg, _ := b["error"].(string)
	if st != 429 || b["success"] != false || !strings.HasPrefix(msg, "Error, too many requests. Please slow down. You must wait ") ||
		!strings.HasSuffix(msg, " seconds before trying this endpoint again. [error-too-many-requests]") {
		t.Fatalf("fourth call: %d %v", st, b)
	}
	if m := lastMessage(t, admin, "general"); m["msg"] != "build ok" {
		t.Fatalf("the refused call posted: %v", m)
	}
	// Another hook URL counts on its own.
	if st, b := hookCall(t, srv, "GET", "info", id, token, ""); st != 200 || b["success"] != true {
		t.Fatalf("info: %d %v", st, b)
	}
	// With the bypass back, the integration's user is not limited.
	admin.Post("/api/v1/permissions.update", map[string]any{"permissions": []map[string]any{
		{"_id": "api-bypass-rate-limit", "roles": []string{"admin", "bot", "app"}}}}).OK(t)
	if st, b := hookCall(t, srv, "POST", "", id, token, `{"text":"bypassed"}`); st != 200 || b["success"] != true {
		t.Fatalf("with the bypass: %d %v", st, b)
	}
}
