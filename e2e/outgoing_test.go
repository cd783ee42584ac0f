package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"liftoff/internal/testserver"
)

// receiver is a loopback HTTP server standing for an outgoing webhook's
// target: it records the bodies it gets and answers with answer(n), n
// counting calls from 1.
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	bodies []map[string]any
	got    chan map[string]any
}

func newReceiver(t *testing.T, answer func(n int) (int, string)) *receiver {
	r := &receiver{got: make(chan map[string]any, 16)}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		raw, _ := io.ReadAll(req.Body)
		var body map[string]any
		_ = json.Unmarshal(raw, &body)
		r.mu.Lock()
		r.bodies = append(r.bodies, body)
		n := len(r.bodies)
		r.mu.Unlock()
		r.got <- body
		status, text := answer(n)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, text)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) next(t *testing.T) map[string]any {
	t.Helper()
	select {
	case b := <-r.got:
		return b
	case <-time.After(20 * time.Second): // retries wait their delay plus the queue's poll
		t.Fatal("the receiver got no call within 20s")
		return nil
	}
}

func (r *receiver) calls() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.bodies)
}

func TestOutgoingWebhooks(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{Env: []string{"OVERWRITE_SETTING_Liftoff_Outbound_AllowList=127.0.0.1"}})
	admin := srv.Admin(t)
	// The replies' user is a bot (as rocket.cat is): it may set an emoji.
	srv.CreateUser(t, "ci-bot", map[string]any{"roles": []string{"user", "bot"}})
	rt := ddpDial(t, srv)
	rt.login(testserver.AdminUser, testserver.AdminPass)
	rt.sub("stream-room-messages", "GENERAL", false)
	create := func(name, trigger, url string, extra map[string]any) string {
		body := map[string]any{"type": "webhook-outgoing", "name": name, "enabled": true, "username": "ci-bot",
			"channel": "#general", "event": "sendMessage", "urls": []string{url}, "triggerWords": []string{trigger},
			"scriptEnabled": false, "token": "tok-" + name}
		for k, v := range extra {
			body[k] = v
		}
		return admin.Post("/api/v1/integrations.create", body).OK(t).Str("integration._id")
	}

	t.Run("trigger word, body and reply", func(t *testing.T) {
		rcv := newReceiver(t, func(int) (int, string) { return 200, `{"text":"pong","emoji":":bell:"}` })
		id := create("ping", "!ping", rcv.URL+"/hook", nil)
		admin.Post("/api/v1/chat.postMessage", map[string]any{"channel": "#general", "text": "no trigger here"}).OK(t)
		msgID := admin.Post("/api/v1/chat.postMessage", map[string]any{"channel": "#general", "text": "!ping now"}).OK(t).Str("message._id")
		body := rcv.next(t)
		want := map[string]any{"token": "tok-ping", "bot": false, "trigger_word": "!ping", "channel_id": "GENERAL",
			"channel_name": "general", "message_id": msgID, "user_name": testserver.AdminUser, "text": "!ping now"}
		for k, v := range want {
			if body[k] != v {
				t.Errorf("body[%q] = %v, want %v", k, body[k], v)
			}
		}
		for _, k := range []string{"timestamp", "user_id", "siteUrl"} {
			if s, _ := body[k].(string); s == "" {
				t.Errorf("body[%q] missing: %v", k, body)
			}
		}
		reply := rt.roomMessage("GENERAL", func(m map[string]any) bool { return m["msg"] == "pong" })
		if reply["u"].(map[string]any)["username"] != "ci-bot" || reply["emoji"] != ":bell:" || reply["bot"].(map[string]any)["i"] != id {
			t.Fatalf("reply: %v", reply)
		}
		waitFinished(t, srv, id, "url-response-sent-message")
		if rcv.calls() != 1 {
			t.Fatalf("receiver called %d times, want 1 (the message without trigger word fires nothing)", rcv.calls())
		}
		h := admin.Get("/api/v1/integrations.history", "id", id).OK(t)
		if h.Num("total") != 1 || h.Str("history.0.step") != "url-response-sent-message" || h.Get("history.0.finished") != true ||
			h.Str("history.0.data.message_id") != msgID {
			t.Fatalf("history: %s", h.Body)
		}
		c := ddpDial(t, srv)
		c.login(testserver.AdminUser, testserver.AdminPass)
		// Replay the recorded call: the same body again, and its reply.
		c.call(nil, "replayOutgoingIntegration", map[string]any{"integrationId": id, "historyId": h.Str("history.0._id")})
		if again := rcv.next(t); again["message_id"] != msgID || again["text"] != "!ping now" {
			t.Fatalf("replayed body: %v", again)
		}
		rt.roomMessage("GENERAL", func(m map[string]any) bool { return m["msg"] == "pong" })
		srv.WaitLogs(t, "the replay's end", func(logs string) bool {
			return strings.Count(logs, "integration="+id+" step=url-response-sent-message") == 2
		})
		if h := admin.Get("/api/v1/integrations.history", "id", id).OK(t); h.Num("total") != 2 {
			t.Fatalf("history after the replay: %s", h.Body)
		}
		c.callFail("error-invalid-integration-history", "replayOutgoingIntegration", map[string]any{"integrationId": id, "historyId": "nope"})
		c.call(nil, "clearIntegrationHistory", id)
		if h := admin.Get("/api/v1/integrations.history", "id", id).OK(t); h.Num("total") != 0 {
			t.Fatalf("history after clearing: %s", h.Body)
		}
	})

	t.Run("a failing receiver is retried per policy", func(t *testing.T) {
		rcv := newReceiver(t, func(n int) (int, string) {
			if n < 3 {
				return 503, "busy"
			}
			return 200, `{"text":"finally"}`
		})
		id := create("flaky", "!flaky", rcv.URL, map[string]any{"retryFailedCalls": true, "retryCount": 3, "retryDelay": "powers-of-ten"})
		admin.Post("/api/v1/chat.postMessage", map[string]any{"channel": "#general", "text": "!flaky"}).OK(t)
		first := rcv.next(t)
		second := rcv.next(t)
		third := rcv.next(t)
		if first["message_id"] != second["message_id"] || second["message_id"] != third["message_id"] {
			t.Fatal("the retries sent another message")
		}
		rt.roomMessage("GENERAL", func(m map[string]any) bool { return m["msg"] == "finally" })
		waitFinished(t, srv, id, "url-response-sent-message")
		h := admin.Get("/api/v1/integrations.history", "id", id, "sort", `{"_createdAt":1}`).OK(t)
		if h.Num("total") != 3 || h.Str("history.0.step") != "going-to-retry-1" || h.Str("history.1.step") != "going-to-retry-2" ||
			h.Str("history.2.step") != "url-response-sent-message" {
			t.Fatalf("history: %s", h.Body)
		}

		// Without retries, one call only.
		once := newReceiver(t, func(int) (int, string) { return 503, "down" })
		id = create("once", "!once", once.URL, nil)
		admin.Post("/api/v1/chat.postMessage", map[string]any{"channel": "#general", "text": "!once"}).OK(t)
		once.next(t)
		waitFinished(t, srv, id, "failed-and-not-configured-to-retry")
		if once.calls() != 1 {
			t.Fatalf("called %d times without retries", once.calls())
		}
	})

	t.Run("scripts prepare the request and process the answer", func(t *testing.T) {
		rcv := newReceiver(t, func(int) (int, string) { return 200, `{"answer":42}` })
		scr := `class Script {
  prepare_outgoing_request({ request }) {
    return { url: request.url + '/custom', method: 'POST', headers: { 'X-Test': 'yes' }, data: { said: request.data.text } };
  }
  process_outgoing_response({ request, response }) {
    return { content: { text: 'the answer is ' + JSON.parse(response.content).answer } };
  }
}`
		create("scripted", "!ask", rcv.URL, map[string]any{"scriptEnabled": true, "script": scr})
		admin.Post("/api/v1/chat.postMessage", map[string]any{"channel": "#general", "text": "!ask life"}).OK(t)
		if body := rcv.next(t); body["said"] != "!ask life" || len(body) != 1 {
			t.Fatalf("prepared body: %v", body)
		}
		rt.roomMessage("GENERAL", func(m map[string]any) bool { return m["msg"] == "the answer is 42" })
	})

	t.Run("replies as the trigger's author, in the target room", func(t *testing.T) {
		logID := admin.Post("/api/v1/channels.create", map[string]any{"name": "deploy-log"}).OK(t).Str("channel._id")
		rt.sub("stream-room-messages", logID, false)
		rcv := newReceiver(t, func(int) (int, string) { return 200, `{"text":"deploying"}` })
		create("deploy", "!deploy", rcv.URL, map[string]any{"impersonateUser": true, "targetRoom": "#deploy-log"})
		admin.Post("/api/v1/chat.postMessage", map[string]any{"channel": "#general", "text": "!deploy api"}).OK(t)
		rcv.next(t)
		m := rt.roomMessage(logID, func(m map[string]any) bool { return m["msg"] == "deploying" })
		if m["u"].(map[string]any)["username"] != testserver.AdminUser {
			t.Fatalf("reply posted as %v, want the trigger's author", m["u"])
		}
		// A reply naming a channel goes there rather than to the target room.
		other := newReceiver(t, func(int) (int, string) { return 200, `{"text":"to general","channel":"#general"}` })
		create("redirect", "!redirect", other.URL, map[string]any{"targetRoom": "#deploy-log"})
		admin.Post("/api/v1/chat.postMessage", map[string]any{"channel": "#general", "text": "!redirect"}).OK(t)
		other.next(t)
		rt.roomMessage("GENERAL", func(m map[string]any) bool { return m["msg"] == "to general" })
	})

	t.Run("the metadata service is refused", func(t *testing.T) {
		id := create("meta", "!meta", "http://169.254.169.254/latest/meta-data/", nil)
		admin.Post("/api/v1/chat.postMessage", map[string]any{"channel": "#general", "text": "!meta"}).OK(t)
		waitFinished(t, srv, id, "after-http-call")
		h := admin.Get("/api/v1/integrations.history", "id", id).OK(t)
		if msg, _ := h.Get("history.0.httpError.message").(string); !strings.Contains(msg, "not allowed") {
			t.Fatalf("history: %s", h.Body)
		}
	})
}

// waitFinished waits until the server logs that a call of integration id
// finished with step.
func waitFinished(t *testing.T, srv *testserver.Server, id, step string) {
	t.Helper()
	srv.WaitLogs(t, "the end of a call of "+id, func(logs string) bool {
		return strings.Contains(logs, "integration="+id+" step="+step)
	})
}

// TestOutgoingWebhooksRefusePrivateTargets: without the allow-list, a
// loopback address and a name resolving to one are refused before any
// connection.
func TestOutgoingWebhooksRefusePrivateTargets(t *testing.T) {
	srv := testserver.Start(t)
	admin := srv.Admin(t)
	srv.CreateUser(t, "ci-bot")
	rcv := newReceiver(t, func(int) (int, string) { return 200, `{"text":"should not happen"}` })
	port := rcv.URL[strings.LastIndex(rcv.URL, ":")+1:]
	for i, url := range []string{rcv.URL, "http://localhost:" + port} {
		admin.Post("/api/v1/integrations.create", map[string]any{"type": "webhook-outgoing", "name": "private" + string(rune('a'+i)),
			"enabled": true, "username": "ci-bot", "channel": "#general", "event": "sendMessage", "urls": []string{url},
			"triggerWords": []string{"!private"}, "scriptEnabled": false}).OK(t)
	}
	admin.Post("/api/v1/chat.postMessage", map[string]any{"channel": "#general", "text": "!private"}).OK(t)
	srv.WaitLogs(t, "two refused calls", func(logs string) bool {
		return strings.Count(logs, "outgoing webhook call failed") == 2 && strings.Contains(logs, "loopback")
	})
	if rcv.calls() != 0 {
		t.Fatalf("the receiver was called %d times", rcv.calls())
	}
	// An administrator allows the loopback address: a malformed list is
	// refused, a good one applies at once.
	admin.Post("/api/v1/settings/Liftoff_Outbound_AllowList", map[string]any{"value": "http://127.0.0.1/"}).Fail(t, 400, "error-invalid-setting-value")
	admin.Post("/api/v1/settings/Liftoff_Outbound_AllowList", map[string]any{"value": "127.0.0.1"}).OK(t)
	admin.Post("/api/v1/chat.postMessage", map[string]any{"channel": "#general", "text": "!private again"}).OK(t)
	if b := rcv.next(t); b["text"] != "!private again" {
		t.Fatalf("allowed call: %v", b)
	}
}

// TestOutgoingRoomEvents: roomCreated, roomJoined, roomLeft and
// roomArchived integrations get their events' bodies.
func TestOutgoingRoomEvents(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{Env: []string{"OVERWRITE_SETTING_Liftoff_Outbound_AllowList=127.0.0.1"}})
	admin := srv.Admin(t)
	srv.CreateUser(t, "ci-bot")
	dana := srv.CreateUser(t, "dana")
	rcv := newReceiver(t, func(int) (int, string) { return 200, `{}` })
	create := func(event, channel string) {
		admin.Post("/api/v1/integrations.create", map[string]any{"type": "webhook-outgoing", "name": event, "enabled": true,
			"username": "ci-bot", "channel": channel, "event": event, "urls": []string{rcv.URL + "/" + event},
			"scriptEnabled": false, "token": "tok-" + event}).OK(t)
	}
	// userCreated needs a target room for its replies; the receiver's
	// answer is posted there.
	admin.Post("/api/v1/integrations.create", map[string]any{"type": "webhook-outgoing", "name": "welcome", "enabled": true,
		"username": "ci-bot", "event": "userCreated", "targetRoom": "#general", "urls": []string{rcv.URL + "/welcome"},
		"scriptEnabled": false, "token": "tok-userCreated"}).OK(t)
	admin.Post("/api/v1/integrations.create", map[string]any{"type": "webhook-outgoing", "name": "x", "enabled": true,
		"username": "ci-bot", "event": "userCreated", "urls": []string{rcv.URL}, "scriptEnabled": false}).Fail(t, 400, "error-invalid-targetRoom")
	srv.CreateUser(t, "erin")
	if b := rcv.next(t); b["token"] != "tok-userCreated" || b["user_name"] != "erin" || b["user"] == nil || b["timestamp"] == nil {
		t.Fatalf("userCreated body: %v", b)
	}
	create("roomCreated", "")
	rid := admin.Post("/api/v1/channels.create", map[string]any{"name": "events"}).OK(t).Str("channel._id")
	if b := rcv.next(t); b["token"] != "tok-roomCreated" || b["channel_id"] != rid || b["channel_name"] != "events" ||
		b["user_name"] != testserver.AdminUser || b["owner"] == nil || b["room"] == nil {
		t.Fatalf("roomCreated body: %v", b)
	}
	create("roomJoined", "#events")
	create("roomLeft", "#events")
	create("roomArchived", "")
	dana.Post("/api/v1/channels.join", map[string]any{"roomId": rid}).OK(t)
	if b := rcv.next(t); b["token"] != "tok-roomJoined" || b["user_name"] != "dana" || b["channel_id"] != rid || b["user"] == nil {
		t.Fatalf("roomJoined body: %v", b)
	}
	dana.Post("/api/v1/channels.leave", map[string]any{"roomId": rid}).OK(t)
	if b := rcv.next(t); b["token"] != "tok-roomLeft" || b["user_name"] != "dana" {
		t.Fatalf("roomLeft body: %v", b)
	}
	// Joining another room fires nothing: the filter names #events.
	other := admin.Post("/api/v1/channels.create", map[string]any{"name": "elsewhere"}).OK(t).Str("channel._id")
	if b := rcv.next(t); b["token"] != "tok-roomCreated" || b["channel_id"] != other {
		t.Fatalf("second roomCreated: %v", b)
	}
	dana.Post("/api/v1/channels.join", map[string]any{"roomId": other}).OK(t)
	admin.Post("/api/v1/channels.archive", map[string]any{"roomId": rid}).OK(t)
	if b := rcv.next(t); b["token"] != "tok-roomArchived" || b["channel_id"] != rid || b["user_name"] != testserver.AdminUser {
		t.Fatalf("roomArchived body (a join elsewhere must fire nothing): %v", b)
	}
}

// TestScriptHTTPGoesThroughTheGuardedClient: an incoming script's HTTP
// call reaches an allow-listed loopback receiver, and the metadata
// address is refused to it as to outgoing webhooks.
func TestScriptHTTPGoesThroughTheGuardedClient(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{Env: []string{"OVERWRITE_SETTING_Liftoff_Outbound_AllowList=127.0.0.1"}})
	admin := srv.Admin(t)
	srv.CreateUser(t, "ci-bot")
	rcv := newReceiver(t, func(int) (int, string) { return 200, `{"status":"green"}` })
	scr := `class Script {
  process_incoming_request({ request }) {
    const ok = HTTP('POST', request.content.status_url, { data: { ask: 'status' } });
    const meta = HTTP('GET', 'http://169.254.169.254/latest/meta-data/');
    return { content: { text: 'status ' + ok.result.data.status + '; metadata ' + (meta.error ? 'refused' : 'reached') } };
  }
}`
	r := admin.Post("/api/v1/integrations.create", map[string]any{"type": "webhook-incoming", "name": "probe", "enabled": true,
		"username": "ci-bot", "channel": "#general", "scriptEnabled": true, "script": scr}).OK(t)
	status, body := hook(t, srv, r.Str("integration._id"), r.Str("integration.token"), "application/json",
		`{"status_url":"`+rcv.URL+`/status"}`)
	if status != 200 || body["success"] != true {
		t.Fatalf("hook: %d %v", status, body)
	}
	if got := rcv.next(t); got["ask"] != "status" {
		t.Fatalf("the receiver got %v", got)
	}
	if m := lastMessage(t, admin, "general"); m["msg"] != "status green; metadata refused" {
		t.Fatalf("posted %v", m["msg"])
	}
}

// TestOutgoingFileUploaded: an upload fires fileUploaded (with the
// uploader, the room and the message, as Rocket.Chat's body has them)
// besides sendMessage; a plain message does not fire it.
func TestOutgoingFileUploaded(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{Env: []string{"OVERWRITE_SETTING_Liftoff_Outbound_AllowList=127.0.0.1"}})
	admin := srv.Admin(t)
	srv.CreateUser(t, "ci-bot")
	rcv := newReceiver(t, func(int) (int, string) { return 200, `{}` })
	rid := admin.Post("/api/v1/channels.create", map[string]any{"name": "drops"}).OK(t).Str("channel._id")
	admin.Post("/api/v1/integrations.create", map[string]any{"type": "webhook-outgoing", "name": "files", "enabled": true,
		"username": "ci-bot", "channel": "#drops", "event": "fileUploaded", "urls": []string{rcv.URL + "/files"},
		"scriptEnabled": false, "token": "tok-files"}).OK(t)
	admin.Post("/api/v1/chat.postMessage", map[string]any{"roomId": rid, "text": "no file here"}).OK(t)
	r := uploadForm(t, admin, "/api/v1/rooms.upload/"+rid, map[string]string{"msg": "the report"}, "report.txt", []byte("all good\n")).OK(t)
	mid := r.Str("message._id")
	b := rcv.next(t)
	msg, _ := b["message"].(map[string]any)
	file, _ := msg["file"].(map[string]any)
	user, _ := b["user"].(map[string]any)
	room, _ := b["room"].(map[string]any)
	if b["token"] != "tok-files" || b["channel_id"] != rid || b["channel_name"] != "drops" || b["message_id"] != mid ||
		b["user_name"] != testserver.AdminUser || b["text"] != "the report" || file["name"] != "report.txt" ||
		user["username"] != testserver.AdminUser || room["_id"] != rid {
		t.Fatalf("fileUploaded body: %v", b)
	}
	select {
	case b := <-rcv.got:
		t.Fatalf("a second call (the plain message must not fire fileUploaded): %v", b)
	case <-time.After(time.Second):
	}
}
