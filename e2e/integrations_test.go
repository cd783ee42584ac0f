package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"liftoff/internal/testserver"
)

// put calls PUT path with a JSON body as c (the test client has no PUT).
func put(t *testing.T, c *testserver.Client, path string, body any) (int, map[string]any) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPut, c.Srv.URL+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-User-Id", c.UserID)
	req.Header.Set("X-Auth-Token", c.Token)
	return doJSON(t, req)
}

func doJSON(t *testing.T, req *http.Request) (int, map[string]any) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return resp.StatusCode, out
}

// hook posts body to an incoming webhook's URL with the content type.
func hook(t *testing.T, srv *testserver.Server, id, token, contentType, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/hooks/"+id+"/"+url.PathEscape(token), strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return doJSON(t, req)
}

// lastMessage is the newest message of a channel, read by c.
func lastMessage(t *testing.T, c *testserver.Client, roomName string) map[string]any {
	t.Helper()
	r := c.Get("/api/v1/channels.messages", "roomName", roomName, "count", "1", "sort", `{"ts":-1}`).OK(t)
	msgs := r.List("messages")
	if len(msgs) == 0 {
		t.Fatalf("no message in %s", roomName)
	}
	return msgs[0].(map[string]any)
}

func TestIntegrationsAdministration(t *testing.T) {
	srv := testserver.Start(t)
	admin := srv.Admin(t)
	srv.CreateUser(t, "ci-bot")
	mia := srv.CreateUser(t, "mia")

	in := admin.Post("/api/v1/integrations.create", map[string]any{
		"type": "webhook-incoming", "name": "CI", "enabled": true, "username": "ci-bot", "channel": "#general, @mia",
		"alias": "Builds", "emoji": ":robot:", "scriptEnabled": false,
	}).OK(t)
	id, token := in.Str("integration._id"), in.Str("integration.token")
	if len(id) != 17 || len(token) != 48 || in.Str("integration.type") != "webhook-incoming" ||
		in.Str("integration._createdBy.username") != testserver.AdminUser || in.Str("integration.userId") == "" ||
		len(in.List("integration.channel")) != 2 || in.Str("integration.channel.1") != "@mia" {
		t.Fatalf("create: %s", in.Body)
	}
	// The integration's user got the bot role.
	if roles := admin.Get("/api/v1/users.info", "username", "ci-bot").OK(t).List("user.roles"); !listHas(roles, "bot") {
		t.Fatalf("ci-bot roles: %v", roles)
	}
	// Refusals change nothing.
	admin.Post("/api/v1/integrations.create", map[string]any{"type": "webhook-incoming", "name": "x", "enabled": true,
		"username": "ci-bot", "channel": "general", "scriptEnabled": false}).Fail(t, 400, "error-invalid-channel-start-with-chars")
	admin.Post("/api/v1/integrations.create", map[string]any{"type": "webhook-incoming", "name": "x", "enabled": true,
		"username": "nobody", "channel": "#general", "scriptEnabled": false}).Fail(t, 400, "error-invalid-user")
	admin.Post("/api/v1/integrations.create", map[string]any{"type": "webhook-incoming", "name": "x", "enabled": true,
		"username": "ci-bot", "channel": "#no-such-room", "scriptEnabled": false}).Fail(t, 400, "error-invalid-room")
	if r := admin.Post("/api/v1/integrations.create", map[string]any{"type": "other"}); r.Status != 400 || r.Str("error") != "Invalid integration type." {
		t.Fatalf("bad type: %d %s", r.Status, r.Body)
	}
	mia.Post("/api/v1/integrations.create", map[string]any{"type": "webhook-incoming", "name": "x", "enabled": true,
		"username": "mia", "channel": "#general", "scriptEnabled": false}).Fail(t, 403, "not_authorized")
	mia.Get("/api/v1/integrations.list").Fail(t, 403, "")

	out := admin.Post("/api/v1/integrations.create", map[string]any{
		"type": "webhook-outgoing", "name": "Echo", "enabled": true, "username": "ci-bot", "channel": "#general",
		"event": "sendMessage", "urls": []string{"http://127.0.0.1:1/echo", " "}, "triggerWords": []string{"!echo", ""},
		"scriptEnabled": false, "retryFailedCalls": true, "retryCount": "3", "token": "secret",
	}).OK(t)
	outID := out.Str("integration._id")
	if out.Str("integration.event") != "sendMessage" || len(out.List("integration.urls")) != 1 || out.Num("integration.retryCount") != 3 ||
		out.Str("integration.retryDelay") != "powers-of-ten" || len(out.List("integration.triggerWords")) != 1 {
		t.Fatalf("create outgoing: %s", out.Body)
	}
	admin.Post("/api/v1/integrations.create", map[string]any{"type": "webhook-outgoing", "name": "x", "enabled": true,
		"username": "ci-bot", "channel": "#general", "event": "nope", "urls": []string{"http://x"}, "scriptEnabled": false}).
		Fail(t, 400, "error-invalid-event-type")

	list := admin.Get("/api/v1/integrations.list").OK(t)
	if list.Num("total") != 2 || list.Num("items") != 2 || list.Str("integrations.0._id") != outID {
		t.Fatalf("list: %s", list.Body)
	}
	if l := admin.Get("/api/v1/integrations.list", "type", "webhook-incoming").OK(t); l.Num("total") != 1 || l.Str("integrations.0._id") != id {
		t.Fatalf("list incoming: %s", l.Body)
	}
	if g := admin.Get("/api/v1/integrations.get", "integrationId", id).OK(t); g.Str("integration.name") != "CI" {
		t.Fatalf("get: %s", g.Body)
	}
	if g := admin.Get("/api/v1/integrations.get", "integrationId", "invalid"); g.Status != 400 || g.Str("error") != "The integration does not exists." {
		t.Fatalf("get invalid: %d %s", g.Status, g.Body)
	}

	status, upd := put(t, admin, "/api/v1/integrations.update", map[string]any{
		"type": "webhook-incoming", "integrationId": id, "name": "CI builds", "enabled": true, "username": "ci-bot",
		"channel": "#general", "alias": "Builds", "emoji": ":robot:", "scriptEnabled": false,
	})
	if status != 200 || upd["success"] != true {
		t.Fatalf("update: %d %v", status, upd)
	}
	it := upd["integration"].(map[string]any)
	if it["name"] != "CI builds" || it["token"] != token || len(it["channel"].([]any)) != 1 || it["_updatedBy"] == nil {
		t.Fatalf("updated: %v", it)
	}

	// The own-integrations permissions: mia sees and manages only hers.
	admin.Post("/api/v1/permissions.update", map[string]any{"permissions": []map[string]any{
		{"_id": "manage-own-incoming-integrations", "roles": []string{"admin", "user"}},
	}}).OK(t)
	mine := mia.Post("/api/v1/integrations.create", map[string]any{"type": "webhook-incoming", "name": "Mine", "enabled": true,
		"username": "mia", "channel": "#general", "scriptEnabled": false}).OK(t).Str("integration._id")
	if l := mia.Get("/api/v1/integrations.list").OK(t); l.Num("total") != 1 || l.Str("integrations.0._id") != mine {
		t.Fatalf("mia's list: %s", l.Body)
	}
	if g := mia.Get("/api/v1/integrations.get", "integrationId", id); g.Status != 403 || g.Str("error") != "not-authorized" {
		t.Fatalf("mia gets another's: %d %s", g.Status, g.Body)
	}
	if r := mia.Post("/api/v1/integrations.remove", map[string]any{"type": "webhook-incoming", "integrationId": id}); r.Status != 403 {
		t.Fatalf("mia removes another's: %d %s", r.Status, r.Body)
	}
	mia.Post("/api/v1/integrations.remove", map[string]any{"type": "webhook-incoming", "integrationId": mine}).OK(t)

	// DDP methods, as the web client calls them.
	c := ddpDial(t, srv)
	c.login(testserver.AdminUser, testserver.AdminPass)
	var added map[string]any
	c.call(&added, "addIncomingIntegration", map[string]any{"name": "DDP", "enabled": true, "username": "ci-bot",
		"channel": "#general", "scriptEnabled": false})
	ddpID, _ := added["_id"].(string)
	if ddpID == "" || added["type"] != "webhook-incoming" {
		t.Fatalf("addIncomingIntegration: %v", added)
	}
	c.call(nil, "deleteIncomingIntegration", ddpID)
	c.callFail("error-invalid-integration", "deleteIncomingIntegration", ddpID)

	// Remove the outgoing one by its URL, then the incoming one.
	if r := admin.Post("/api/v1/integrations.remove", map[string]any{"type": "webhook-outgoing", "target_url": "http://127.0.0.1:1/echo"}).OK(t); r.Str("integration._id") != outID {
		t.Fatalf("remove outgoing: %s", r.Body)
	}
	if r := admin.Post("/api/v1/integrations.remove", map[string]any{"type": "webhook-outgoing", "integrationId": outID}); r.Status != 400 || r.Str("error") != "No integration found." {
		t.Fatalf("remove twice: %d %s", r.Status, r.Body)
	}
	admin.Post("/api/v1/integrations.remove", map[string]any{"type": "webhook-incoming", "integrationId": id}).OK(t)
	if l := admin.Get("/api/v1/integrations.list").OK(t); l.Num("total") != 0 || len(l.List("integrations")) != 0 {
		t.Fatalf("list after removal: %s", l.Body)
	}
}

func TestIncomingWebhooks(t *testing.T) {
	srv := testserver.Start(t)
	admin := srv.Admin(t)
	srv.CreateUser(t, "ci-bot")
	create := func(extra map[string]any) (string, string) {
		body := map[string]any{"type": "webhook-incoming", "name": "hook", "enabled": true, "username": "ci-bot",
			"channel": "#general", "scriptEnabled": false}
		for k, v := range extra {
			body[k] = v
		}
		r := admin.Post("/api/v1/integrations.create", body).OK(t)
		return r.Str("integration._id"), r.Str("integration.token")
	}

	t.Run("plain curl and attachments", func(t *testing.T) {
		id, token := create(map[string]any{"alias": "Builds", "emoji": ":robot:"})
		// curl -d '{"text":...}' sends a form content type with the JSON as its one key.
		status, body := hook(t, srv, id, token, "application/x-www-form-urlencoded", `{"text":"Deploy finished"}`)
		if status != 200 || body["success"] != true {
			t.Fatalf("curl: %d %v", status, body)
		}
		m := lastMessage(t, admin, "general")
		if m["msg"] != "Deploy finished" || m["alias"] != "Builds" || m["emoji"] != ":robot:" ||
			m["u"].(map[string]any)["username"] != "ci-bot" || m["bot"].(map[string]any)["i"] != id {
			t.Fatalf("posted: %v", m)
		}
		status, body = hook(t, srv, id, token, "application/json", `{"text":"Tests","attachments":[{"title":"Build #42",
			"title_link":"https://ci.example/42","text":"3 failed","color":"#ff0000","fields":[{"title":"Branch","value":"main","short":true}]}]}`)
		if status != 200 || body["success"] != true {
			t.Fatalf("attachments: %d %v", status, body)
		}
		m = lastMessage(t, admin, "general")
		atts, _ := m["attachments"].([]any)
		if len(atts) != 1 || atts[0].(map[string]any)["title"] != "Build #42" || atts[0].(map[string]any)["color"] != "#ff0000" {
			t.Fatalf("attachments posted: %v", m)
		}
		// Slack's form: payload=<JSON>.
		status, _ = hook(t, srv, id, token, "application/x-www-form-urlencoded", "payload="+url.QueryEscape(`{"text":"from slack","icon_emoji":":ghost:"}`))
		if m := lastMessage(t, admin, "general"); status != 200 || m["msg"] != "from slack" || m["emoji"] != ":ghost:" {
			t.Fatalf("payload form: %d %v", status, m)
		}
	})

	t.Run("refusals", func(t *testing.T) {
		id, token := create(nil)
		if status, _ := hook(t, srv, id, "wrong-token", "application/json", `{"text":"x"}`); status != 401 {
			t.Fatalf("wrong token: %d", status)
		}
		if status, body := hook(t, srv, id, token, "application/json", `{"text":"x","channel":"#general"}`); status != 400 ||
			body["error"] != "overriding destination channel is disabled for this integration" {
			t.Fatalf("override: %d %v", status, body)
		}
		if status, body := hook(t, srv, id, token, "application/json", `{"text":`); status != 400 || body["success"] != false {
			t.Fatalf("bad JSON: %d %v", status, body)
		}
		before := lastMessage(t, admin, "general")["_id"]
		status, _ := put(t, admin, "/api/v1/integrations.update", map[string]any{"type": "webhook-incoming", "integrationId": id,
			"name": "hook", "enabled": false, "channel": "#general", "scriptEnabled": false})
		if status != 200 {
			t.Fatalf("disable: %d", status)
		}
		if status, body := hook(t, srv, id, token, "application/json", `{"text":"x"}`); status != 503 || body["error"] != "Service Unavailable" {
			t.Fatalf("disabled: %d %v", status, body)
		}
		if after := lastMessage(t, admin, "general")["_id"]; after != before {
			t.Fatal("a refused call posted a message")
		}
	})

	t.Run("info and sample", func(t *testing.T) {
		id, token := create(nil)
		get := func(path string) (int, []byte) {
			t.Helper()
			resp, err := http.Get(srv.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, b
		}
		if status, body := get("/hooks/info/" + id + "/" + token); status != 200 || !strings.Contains(string(body), `"success":true`) {
			t.Fatalf("info: %d %s", status, body)
		}
		status, body := get("/hooks/sample/" + id + "/" + token)
		var samples []map[string]any
		if err := json.Unmarshal(body, &samples); status != 200 || err != nil || len(samples) != 3 || samples[0]["trigger_word"] != "Sample" {
			t.Fatalf("sample: %d %s", status, body)
		}
		if status, _ := get("/hooks/info/" + id + "/wrong"); status != 401 {
			t.Fatalf("info with a wrong token: %d", status)
		}
	})

	t.Run("override to a direct message", func(t *testing.T) {
		srv.CreateUser(t, "ops")
		id, token := create(map[string]any{"overrideDestinationChannelEnabled": true})
		status, body := hook(t, srv, id, token, "application/json", `{"text":"psst","channel":"@ops","separateResponse":true}`)
		if status != 200 || body["success"] != true {
			t.Fatalf("to @ops: %d %v", status, body)
		}
		rs, _ := body["responses"].([]any)
		if len(rs) != 1 || rs[0].(map[string]any)["message"].(map[string]any)["msg"] != "psst" {
			t.Fatalf("responses: %v", body)
		}
	})

	t.Run("scripts", func(t *testing.T) {
		// A GitLab pipeline event, shaped by a script as Rocket.Chat's GitLab recipe does.
		gitlab := `class Script {
  process_incoming_request({ request }) {
    const e = request.content;
    if (request.headers['x-gitlab-event'] !== 'Pipeline Hook') { return { error: { success: false, message: 'unsupported event' } }; }
    const p = e.object_attributes;
    return { content: {
      text: 'Pipeline #' + p.id + ' ' + p.status + ' on ' + p.ref + ' by ' + e.user.name,
      attachments: [{ title: e.project.name, title_link: e.project.web_url, color: p.status === 'success' ? '#2fa44f' : '#d00000' }]
    } };
  }
}`
		id, token := create(map[string]any{"scriptEnabled": true, "script": gitlab})
		event := `{"object_kind":"pipeline","object_attributes":{"id":31,"ref":"main","status":"success"},
			"user":{"name":"Ada"},"project":{"name":"liftoff","web_url":"https://gitlab.example/liftoff"}}`
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/hooks/"+id+"/"+token, strings.NewReader(event))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Gitlab-Event", "Pipeline Hook")
		if status, body := doJSON(t, req); status != 200 || body["success"] != true {
			t.Fatalf("gitlab: %d %v", status, body)
		}
		m := lastMessage(t, admin, "general")
		atts, _ := m["attachments"].([]any)
		if m["msg"] != "Pipeline #31 success on main by Ada" || len(atts) != 1 || atts[0].(map[string]any)["color"] != "#2fa44f" {
			t.Fatalf("gitlab message: %v", m)
		}
		// Without the header the script answers its error.
		if status, body := hook(t, srv, id, token, "application/json", event); status != 400 || body["error"].(map[string]any)["message"] != "unsupported event" {
			t.Fatalf("script error: %d %v", status, body)
		}

		// A Prometheus Alertmanager notification.
		alertmanager := `class Script {
  process_incoming_request({ request }) {
    const alerts = request.content.alerts || [];
    return { content: { text: alerts.map(a => '[' + a.status.toUpperCase() + '] ' + a.labels.alertname + ': ' + a.annotations.summary).join('\n') } };
  }
}`
		id, token = create(map[string]any{"scriptEnabled": true, "script": alertmanager})
		status, _ := hook(t, srv, id, token, "application/json", `{"version":"4","status":"firing","alerts":[
			{"status":"firing","labels":{"alertname":"HighLatency"},"annotations":{"summary":"p99 above 1s"}},
			{"status":"resolved","labels":{"alertname":"DiskFull"},"annotations":{"summary":"disk at 95%"}}]}`)
		if m := lastMessage(t, admin, "general"); status != 200 || m["msg"] != "[FIRING] HighLatency: p99 above 1s\n[RESOLVED] DiskFull: disk at 95%" {
			t.Fatalf("alertmanager: %d %v", status, m)
		}

		// A runaway script is stopped, recorded, and the server keeps answering.
		id, token = create(map[string]any{"scriptEnabled": true, "script": `class Script { process_incoming_request() { for (;;) {} } }`})
		status, body := hook(t, srv, id, token, "application/json", `{"text":"x"}`)
		if status != 400 || body["error"] != "error-running-script" {
			t.Fatalf("runaway: %d %v", status, body)
		}
		admin.Get("/api/info").OK(t)
		hist := admin.Get("/api/v1/integrations.history", "id", id).OK(t)
		if kind := hist.Str("history.0.errorStack.kind"); hist.Num("total") != 1 || hist.Get("history.0.error") != true ||
			(kind != "cpu" && kind != "timeout") {
			t.Fatalf("history: %s", hist.Body)
		}

		// A script that does not compile is kept with its error, and not run.
		r := admin.Post("/api/v1/integrations.create", map[string]any{"type": "webhook-incoming", "name": "broken", "enabled": true,
			"username": "ci-bot", "channel": "#general", "scriptEnabled": true, "script": "class Script {"}).OK(t)
		if r.Str("integration.scriptError.name") != "SyntaxError" {
			t.Fatalf("scriptError: %s", r.Body)
		}
	})
}
