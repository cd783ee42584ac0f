package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"liftoff/internal/peer"
	"liftoff/internal/testserver"
	"liftoff/jobs"
	"liftoff/model"
	"liftoff/store/sqlite"
)

// gatewayRequest is one request a push gateway received.
type gatewayRequest struct {
	Path string
	Body struct {
		Token   string         `json:"token"`
		Options map[string]any `json:"options"`
	}
}

// startGateway runs an HTTP server speaking Rocket.Chat's push gateway API
// (POST /push/{apn,gcm}/send): it answers 406 (token gone) for the tokens
// in gone and 200 otherwise, and hands every request to the returned
// channel.
func startGateway(t *testing.T, gone ...string) (string, <-chan gatewayRequest) {
	t.Helper()
	ch := make(chan gatewayRequest, 100)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req gatewayRequest
		req.Path = r.URL.Path
		b, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(b, &req.Body); err != nil || r.Method != http.MethodPost {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		ch <- req
		for _, g := range gone {
			if req.Body.Token == g {
				http.Error(w, "token gone", http.StatusNotAcceptable)
				return
			}
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(ts.Close)
	return ts.URL, ch
}

func nextPush(t *testing.T, ch <-chan gatewayRequest) gatewayRequest {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(20 * time.Second):
		t.Fatal("no push reached the gateway")
	}
	return gatewayRequest{}
}

// jobsCompleted reads liftoff_jobs_completed_total for a job kind from
// /metrics.
func jobsCompleted(t *testing.T, srv *testserver.Server, kind string) int {
	t.Helper()
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	prefix := `liftoff_jobs_completed_total{kind="` + kind + `"} `
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), prefix); ok {
			f, _ := strconv.ParseFloat(v, 64)
			return int(f)
		}
	}
	return 0
}

// waitJobs waits until n jobs of the kind have completed.
func waitJobs(t *testing.T, srv *testserver.Server, kind string, n int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for jobsCompleted(t, srv, kind) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d %s jobs completed, want %d\n%s", jobsCompleted(t, srv, kind), kind, n, srv.Logs())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestMobilePush covers push.token and push.info, and the mobile push of
// a direct message and of a mention through a push gateway: Rocket.Chat's
// request, the payload the apps read, the badge; a token the gateway says
// is gone is removed; a user with a connection and a user whose preference
// is "nothing" get none.
func TestMobilePush(t *testing.T) {
	gw, pushes := startGateway(t, "tok-gone")
	srv := testserver.Start(t, testserver.Options{Env: []string{"OVERWRITE_SETTING_Push_gateway=" + gw}})
	admin := srv.Admin(t)
	bob := srv.CreateUser(t, "bob")
	carol := srv.CreateUser(t, "carol")

	info := bob.Get("/api/v1/push.info").OK(t)
	if info.Get("pushGatewayEnabled") != true || info.Get("defaultPushGateway") != false || info.Str("webPushPublicKey") == "" {
		t.Fatalf("push.info: %s", info.Body)
	}

	// Registration: Rocket.Chat's checks, then the device.
	for _, c := range []struct {
		body      map[string]any
		errorType string
	}{
		{map[string]any{"type": "fcm", "value": "t", "appName": "a"}, "error-type-param-not-valid"},
		{map[string]any{"type": "gcm", "appName": "a"}, "error-token-param-not-valid"},
		{map[string]any{"type": "gcm", "value": "t"}, "error-appName-param-not-valid"},
		{map[string]any{"id": 5, "type": "gcm", "value": "t", "appName": "a"}, "error-id-param-not-valid"},
	} {
		bob.Post("/api/v1/push.token", c.body).Fail(t, 400, c.errorType)
	}
	r := bob.Post("/api/v1/push.token", map[string]any{"type": "gcm", "value": "tok-bob", "appName": "chat.rocket.android"}).OK(t)
	if r.Str("result.token.gcm") != "tok-bob" || r.Str("result.userId") != bob.UserID || r.Str("result.appName") != "chat.rocket.android" || r.Str("result._id") == "" {
		t.Fatalf("push.token: %s", r.Body)
	}
	bob.Post("/api/v1/push.token", map[string]any{"type": "apn", "value": "tok-gone", "appName": "chat.rocket.ios"}).OK(t)
	res := callAs(t, carol, "raix:push-update", map[string]any{"id": "carol-phone", "token": map[string]any{"apn": "tok-carol"}, "appName": "chat.rocket.ios", "userId": carol.UserID})
	if dev, _ := res["result"].(map[string]any); dev["_id"] != "carol-phone" || dev["userId"] != carol.UserID {
		t.Fatalf("raix:push-update: %v", res)
	}

	// push.test: now, to each device of the caller.
	if n := carol.Post("/api/v1/push.test", nil).OK(t).Num("tokensCount"); n != 1 {
		t.Fatalf("push.test sent to %v devices", n)
	}
	if p := nextPush(t, pushes); p.Body.Token != "tok-carol" || p.Body.Options["text"] != "This is a test push notification" {
		t.Fatalf("test push: %+v", p.Body)
	}
	admin.Post("/api/v1/push.test", nil).Fail(t, 400, "error-no-tokens-for-this-user")
	carol.Post("/api/v1/users.setPreferences", map[string]any{"data": map[string]any{"pushNotifications": "nothing"}}).OK(t)

	// A direct message to bob, who has no connection: one push per device.
	rid := admin.Post("/api/v1/im.create", map[string]any{"username": "bob"}).OK(t).Str("room._id")
	mid := admin.Post("/api/v1/chat.postMessage", map[string]any{"roomId": rid, "text": "are you there?"}).OK(t).Str("message._id")
	got := map[string]gatewayRequest{}
	for range 2 {
		p := nextPush(t, pushes)
		got[p.Body.Token] = p
	}
	p, ok := got["tok-bob"]
	if !ok || p.Path != "/push/gcm/send" {
		t.Fatalf("pushes: %+v", got)
	}
	o := p.Body.Options
	payload, _ := o["payload"].(map[string]any)
	if o["title"] != testserver.AdminUser || o["text"] != "are you there?" || o["userId"] != bob.UserID || o["badge"] != float64(1) ||
		payload["rid"] != rid || payload["messageId"] != mid || payload["type"] != "d" || payload["notificationType"] != "message" ||
		o["createdBy"] != "<SERVER>" || o["uniqueId"] == "" {
		t.Fatalf("gateway request: %+v", o)
	}
	if g := got["tok-gone"]; g.Path != "/push/apn/send" || g.Body.Options["topic"] != "chat.rocket.ios" {
		t.Fatalf("apn push: %+v", g)
	}
	// The gateway said tok-gone is gone: the device was removed.
	waitJobs(t, srv, "notify.device", 2)
	bob.Post("/api/v1/push.token", map[string]any{}).Fail(t, 400, "error-type-param-not-valid")
	del := func(c *testserver.Client, token string) *testserver.Response {
		req, _ := http.NewRequest(http.MethodDelete, srv.URL+"/api/v1/push.token", strings.NewReader(`{"token":"`+token+`"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-User-Id", c.UserID)
		req.Header.Set("X-Auth-Token", c.Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		out := &testserver.Response{Status: resp.StatusCode, Body: b}
		_ = json.Unmarshal(b, &out.JSON)
		return out
	}
	if r := del(bob, "tok-gone"); r.Status != http.StatusNotFound {
		t.Fatalf("the gone token is still there: %d %s", r.Status, r.Body)
	}

	// A mention in a channel: bob gets "#room" and "sender: text"; carol
	// (preference nothing) and the sender get nothing.
	// The channel's system messages (members joining) notify no one.
	ch := admin.Post("/api/v1/channels.create", map[string]any{"name": "ops", "members": []string{"bob", "carol"}}).OK(t).Str("channel._id")
	admin.Post("/api/v1/channels.setTopic", map[string]any{"roomId": ch, "topic": "deploys"}).OK(t)
	admin.Post("/api/v1/chat.postMessage", map[string]any{"roomId": ch, "text": "@bob @carol deploy done"}).OK(t)
	p = nextPush(t, pushes)
	if p.Body.Token != "tok-bob" || p.Body.Options["title"] != "#ops" || p.Body.Options["text"] != testserver.AdminUser+": @bob @carol deploy done" {
		t.Fatalf("mention push: %+v", p.Body)
	}
	waitJobs(t, srv, "notify.message", 2)
	waitJobs(t, srv, "notify.device", 3)
	select {
	case extra := <-pushes:
		t.Fatalf("unexpected push: %+v", extra.Body)
	default:
	}

	// DELETE push.token: the device goes, and gets no more pushes.
	del(bob, "tok-bob")
	if r := del(bob, "tok-bob"); r.Status != http.StatusNotFound {
		t.Fatalf("second delete: %d %s", r.Status, r.Body)
	}
}

// mailpit is a running mailpit, the SMTP peer.
type mailpit struct {
	smtpPort int
	api      string
}

// startMailpit starts mailpit on loopback, listening for SMTP on smtpPort
// (a free port when 0).
func startMailpit(t *testing.T, smtpPort int) *mailpit {
	t.Helper()
	bin := peer.Path(t, "mailpit")
	dir := t.TempDir()
	if smtpPort == 0 {
		smtpPort = peer.FreePort(t)
	}
	httpPort := peer.FreePort(t)
	p := peer.Start(t, peer.Options{Dir: dir}, bin,
		"--smtp", "127.0.0.1:"+strconv.Itoa(smtpPort), "--listen", "127.0.0.1:"+strconv.Itoa(httpPort),
		"--database", filepath.Join(dir, "mail.db"), "--disable-version-check", "--smtp-disable-rdns",
		"--smtp-auth-accept-any", "--smtp-auth-allow-insecure")
	api := "http://127.0.0.1:" + strconv.Itoa(httpPort)
	p.WaitHTTP(t, api+"/readyz", 30*time.Second)
	p.WaitTCP(t, "127.0.0.1:"+strconv.Itoa(smtpPort), 10*time.Second)
	return &mailpit{smtpPort: smtpPort, api: api}
}

type mail struct {
	ID      string
	Subject string
	To      []struct{ Address string }
	HTML    string
	Text    string
}

func (m *mailpit) get(t *testing.T, path string, v any) {
	t.Helper()
	resp, err := http.Get(m.api + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if err := json.NewDecoder(bytes.NewReader(b)).Decode(v); err != nil {
		t.Fatalf("GET %s: %v (%s)", path, err, b)
	}
}

// wait waits until mailpit holds n messages and returns them, oldest first,
// with their bodies.
func (m *mailpit) wait(t *testing.T, n int) []mail {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var r struct{ Messages []mail }
		m.get(t, "/api/v1/messages", &r)
		if len(r.Messages) >= n {
			out := make([]mail, len(r.Messages))
			for i, s := range r.Messages {
				m.get(t, "/api/v1/message/"+s.ID, &out[len(out)-1-i])
			}
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("mailpit has %d messages, want %d", len(r.Messages), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestEmailNotifications covers notification e-mails through a real SMTP
// server: an offline user mentioned gets one e-mail with a link to the
// message; five messages within the e-mail window make one e-mail; a user
// whose preference is "nothing" gets none.
func TestEmailNotifications(t *testing.T) {
	mp := startMailpit(t, 0)
	srv := testserver.Start(t, testserver.Options{Env: []string{
		"OVERWRITE_SETTING_SMTP_Host=127.0.0.1", "OVERWRITE_SETTING_SMTP_Port=" + strconv.Itoa(mp.smtpPort),
		"OVERWRITE_SETTING_From_Email=chat@example.org", "OVERWRITE_SETTING_Push_enable=false",
		"OVERWRITE_SETTING_Offline_Mention_Email=[User] needs you in #[Room]", // an administrator's template
	}})
	admin := srv.Admin(t)
	verified := map[string]any{"verified": true}
	srv.CreateUser(t, "bob", verified)
	srv.CreateUser(t, "dave", verified)
	carol := srv.CreateUser(t, "carol", verified)
	carol.Post("/api/v1/users.setPreferences", map[string]any{"data": map[string]any{"emailNotificationMode": "nothing"}}).OK(t)
	ch := admin.Post("/api/v1/channels.create", map[string]any{"name": "ops", "members": []string{"bob", "carol", "dave"}}).OK(t).Str("channel._id")

	mid := admin.Post("/api/v1/chat.postMessage", map[string]any{"roomId": ch, "text": "@bob @carol the build is red"}).OK(t).Str("message._id")
	for i := range 5 {
		admin.Post("/api/v1/chat.postMessage", map[string]any{"roomId": ch, "text": "@dave step " + strconv.Itoa(i+1)}).OK(t)
	}
	// The e-mails wait for the e-mail window (2 minutes) once the
	// messages are fanned out.
	waitJobs(t, srv, "notify.message", 6)
	srv.Advance(t, 2*time.Minute+time.Second)
	mails := mp.wait(t, 2)
	waitJobs(t, srv, "notify.email", 6)
	if len(mails) != 2 {
		t.Fatalf("%d e-mails, want 2", len(mails))
	}
	byTo := map[string]mail{}
	for _, m := range mails {
		byTo[m.To[0].Address] = m
	}
	b := byTo["bob@example.org"]
	link := "/channel/ops?msg=" + mid
	if b.Subject != testserver.AdminUser+" needs you in #ops" ||
		!strings.Contains(b.HTML, link) || !strings.Contains(b.Text, "the build is red") {
		t.Fatalf("bob's e-mail: %+v", b)
	}
	d := byTo["dave@example.org"]
	if d.Subject != "[Rocket.Chat] You have 5 new messages" || !strings.Contains(d.Text, "step 1") || !strings.Contains(d.Text, "step 5") {
		t.Fatalf("dave's e-mail: %+v", d)
	}
	if _, ok := byTo["carol@example.org"]; ok {
		t.Fatal("carol chose no e-mails")
	}

	// The one-click link: GET shows a button, POST stops the room's e-mails.
	m := regexp.MustCompile(`/unsubscribe/email\?token=[A-Za-z0-9_.%-]+`).FindString(b.Text)
	if m == "" {
		t.Fatalf("no preference link in %q", b.Text)
	}
	resp, err := http.Get(srv.URL + m)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), "<form method=\"post\">") {
		t.Fatalf("GET link: %d %s", resp.StatusCode, page)
	}
	bob := srv.Login(t, "bob", "bob-pass")
	if v := bob.Get("/api/v1/subscriptions.getOne", "roomId", ch).OK(t).Get("subscription.emailNotifications"); v != nil {
		t.Fatalf("GET changed the preference: %v", v)
	}
	resp, err = http.Post(srv.URL+m, "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST link: %d", resp.StatusCode)
	}
	if v := bob.Get("/api/v1/subscriptions.getOne", "roomId", ch).OK(t).Str("subscription.emailNotifications"); v != "nothing" {
		t.Fatalf("after the one-click link: %q", v)
	}
	resp, _ = http.Post(srv.URL+m+"x", "application/x-www-form-urlencoded", nil)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("forged link: %d", resp.StatusCode)
	}
}

// jobsRetried reads liftoff_jobs_retried_total for a job kind.
func jobsRetried(t *testing.T, srv *testserver.Server, kind string) int {
	t.Helper()
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	prefix := `liftoff_jobs_retried_total{kind="` + kind + `"} `
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), prefix); ok {
			f, _ := strconv.ParseFloat(v, 64)
			return int(f)
		}
	}
	return 0
}

// TestEmailSurvivesRestartAndOutage stops the server with a notification
// e-mail waiting in the queue, starts it again on the same data, lets the
// e-mail fail while the SMTP server is down, then starts the SMTP server:
// the e-mail arrives, once.
func TestEmailSurvivesRestartAndOutage(t *testing.T) {
	smtpPort := peer.FreePort(t)
	env := []string{
		"OVERWRITE_SETTING_SMTP_Host=127.0.0.1", "OVERWRITE_SETTING_SMTP_Port=" + strconv.Itoa(smtpPort),
		"OVERWRITE_SETTING_From_Email=chat@example.org", "OVERWRITE_SETTING_Push_enable=false",
	}
	dir := t.TempDir()
	srv := testserver.Start(t, testserver.Options{Env: env, DataDir: dir})
	admin := srv.Admin(t)
	srv.CreateUser(t, "bob", map[string]any{"verified": true})
	ch := admin.Post("/api/v1/channels.create", map[string]any{"name": "ops", "members": []string{"bob"}}).OK(t).Str("channel._id")
	admin.Post("/api/v1/chat.postMessage", map[string]any{"roomId": ch, "text": "@bob the disk is full"}).OK(t)
	waitJobs(t, srv, "notify.message", 1)
	srv.Stop()

	srv = testserver.Start(t, testserver.Options{Env: env, DataDir: dir})
	srv.Advance(t, 2*time.Minute+time.Second)
	deadline := time.Now().Add(20 * time.Second)
	for jobsRetried(t, srv, "notify.email") < 1 {
		if time.Now().After(deadline) {
			t.Fatalf("the e-mail was not tried while SMTP is down\n%s", srv.Logs())
		}
		time.Sleep(10 * time.Millisecond)
	}
	mp := startMailpit(t, smtpPort)
	srv.Advance(t, 2*time.Minute) // past the retry's backoff
	waitJobs(t, srv, "notify.email", 1)
	mails := mp.wait(t, 1)
	if len(mails) != 1 || mails[0].To[0].Address != "bob@example.org" || !strings.Contains(mails[0].Text, "the disk is full") {
		t.Fatalf("e-mails: %+v", mails)
	}
}

// pushService is web-push-testing, a real Web Push service that checks
// VAPID signatures and decrypts what it receives.
type pushService struct{ base string }

func startPushService(t *testing.T) *pushService {
	t.Helper()
	bin := peer.Path(t, "web-push-testing")
	port := peer.FreePort(t)
	p := peer.Start(t, peer.Options{}, bin, strconv.Itoa(port))
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	p.WaitHTTP(t, base+"/", 30*time.Second)
	return &pushService{base: base}
}

func (s *pushService) post(t *testing.T, path string, in, out any) {
	t.Helper()
	b, _ := json.Marshal(in)
	resp, err := http.Post(s.base+path, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: %s", path, resp.Status)
	}
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatal(err)
		}
	}
}

// TestWebPush registers a browser's subscription with push.token (type
// "web") and checks that the push service decrypts the notification of a
// direct message; an expired subscription is removed.
func TestWebPush(t *testing.T) {
	svc := startPushService(t)
	srv := testserver.Start(t, testserver.Options{Env: []string{"OVERWRITE_SETTING_Push_enable=false"}})
	admin := srv.Admin(t)
	bob := srv.CreateUser(t, "bob")
	key := bob.Get("/api/v1/push.info").OK(t).Str("webPushPublicKey")
	var sub struct {
		Data struct {
			Endpoint   string         `json:"endpoint"`
			Keys       map[string]any `json:"keys"`
			ClientHash string         `json:"clientHash"`
		} `json:"data"`
	}
	svc.post(t, "/subscribe", map[string]string{"userVisibleOnly": "true", "applicationServerKey": key}, &sub)
	bob.Post("/api/v1/push.token", map[string]any{"type": "web", "value": map[string]any{"endpoint": "not a url"}}).
		Fail(t, 400, "error-token-param-not-valid")
	bob.Post("/api/v1/push.token", map[string]any{"type": "web", "value": map[string]any{"endpoint": sub.Data.Endpoint, "keys": sub.Data.Keys}}).OK(t)

	rid := admin.Post("/api/v1/im.create", map[string]any{"username": "bob"}).OK(t).Str("room._id")
	mid := admin.Post("/api/v1/chat.postMessage", map[string]any{"roomId": rid, "text": "lunch?"}).OK(t).Str("message._id")
	waitJobs(t, srv, "notify.browser", 1)
	var got struct {
		Data struct {
			Messages []string `json:"messages"`
		} `json:"data"`
	}
	svc.post(t, "/get-notifications", map[string]string{"clientHash": sub.Data.ClientHash}, &got)
	if len(got.Data.Messages) != 1 {
		t.Fatalf("the push service got %q", got.Data.Messages)
	}
	var n struct {
		Title string
		Body  string
		Tag   string
		Data  struct{ RID, MID, URL string }
	}
	if err := json.Unmarshal([]byte(got.Data.Messages[0]), &n); err != nil {
		t.Fatal(err)
	}
	if n.Title != testserver.AdminUser || n.Body != "lunch?" || n.Tag != rid || n.Data.RID != rid || n.Data.MID != mid ||
		!strings.HasSuffix(n.Data.URL, "/direct/"+rid+"?msg="+mid) {
		t.Fatalf("notification: %s", got.Data.Messages[0])
	}

	// The browser unsubscribed: the next push removes the subscription.
	svc.post(t, "/expire-subscription/"+sub.Data.ClientHash, map[string]string{}, nil)
	admin.Post("/api/v1/chat.postMessage", map[string]any{"roomId": rid, "text": "still there?"}).OK(t)
	waitJobs(t, srv, "notify.browser", 2)
	req, _ := http.NewRequest(http.MethodDelete, srv.URL+"/api/v1/push.token", strings.NewReader(`{"token":"`+sub.Data.Endpoint+`"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-User-Id", bob.UserID)
	req.Header.Set("X-Auth-Token", bob.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("the expired subscription is still stored (%d)", resp.StatusCode)
	}
}

// TestDesktopNotification checks the in-app notification of a mention on
// the mentioned user's stream-notify-user "<uid>/notification", in
// Rocket.Chat's shape; with the room's desktop preference "nothing" none
// comes.
func TestDesktopNotification(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{Env: []string{"OVERWRITE_SETTING_Push_enable=false"}})
	admin := srv.Admin(t)
	bob, rt := rtUser(t, srv, "bob")
	ch := admin.Post("/api/v1/channels.create", map[string]any{"name": "desk", "members": []string{"bob"}}).OK(t).Str("channel._id")
	rt.sub("stream-notify-user", bob.UserID+"/notification", false)

	mid := admin.Post("/api/v1/chat.postMessage", map[string]any{"roomId": ch, "text": "@bob look"}).OK(t).Str("message._id")
	args := rt.event("stream-notify-user", bob.UserID+"/notification", func(args []any) bool { return len(args) == 1 })
	n, _ := args[0].(map[string]any)
	p, _ := n["payload"].(map[string]any)
	sender, _ := p["sender"].(map[string]any)
	msg, _ := p["message"].(map[string]any)
	if n["title"] != "#desk" || n["text"] != testserver.AdminUser+": @bob look" || p["_id"] != mid || p["rid"] != ch ||
		p["type"] != "c" || p["name"] != "desk" || sender["username"] != testserver.AdminUser || msg["msg"] != "@bob look" {
		t.Fatalf("notification: %v", n)
	}

	bob.Post("/api/v1/rooms.saveNotification", map[string]any{"roomId": ch, "notifications": map[string]string{"desktopNotifications": "nothing"}}).OK(t)
	admin.Post("/api/v1/chat.postMessage", map[string]any{"roomId": ch, "text": "@bob again"}).OK(t)
	waitJobs(t, srv, "notify.message", 2)
	if f, ok := rt.tryTake(200*time.Millisecond, func(f map[string]any) bool {
		return streamArgs(f, "stream-notify-user", bob.UserID+"/notification") != nil
	}); ok {
		t.Fatalf("a notification despite the preference: %v", f)
	}
}

// TestNotificationSurvivesCrashAfterCommit kills the server (SIGKILL) the
// moment a direct message's post is answered: the message's fan-out job
// was stored in the message's own transaction, so it is in the database
// the dead server left, and when it had not started yet the restarted
// server pushes the message, once.
func TestNotificationSurvivesCrashAfterCommit(t *testing.T) {
	gw, pushes := startGateway(t)
	dir := t.TempDir()
	opts := testserver.Options{Env: []string{"OVERWRITE_SETTING_Push_gateway=" + gw}, DataDir: dir}
	srv := testserver.StartBinary(t, opts)
	admin := srv.Admin(t)
	bob := srv.CreateUser(t, "bob")
	bob.Post("/api/v1/push.token", map[string]any{"type": "gcm", "value": "tok-bob", "appName": "chat.rocket.android"}).OK(t)
	rid := admin.Post("/api/v1/im.create", map[string]any{"username": "bob"}).OK(t).Str("room._id")
	mid := admin.Post("/api/v1/chat.postMessage", map[string]any{"roomId": rid, "text": "still there?"}).OK(t).Str("message._id")
	srv.Kill()

	db, err := sqlite.Open(context.Background(), filepath.Join(dir, "liftoff.db"), func([]model.Event) {}, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	job, err := db.JobByKey(context.Background(), "notify:"+mid)
	db.Close()
	if err != nil {
		t.Fatalf("the message's notification job is not in the database after the crash: %v", err)
	}
	if job.State != jobs.StatePending || job.Attempts > 0 {
		// It had started (its lease outlives this test): at least once is
		// all a crash allows then; the stored job is what this test is about.
		t.Logf("the job had started before the kill: %+v", job)
		return
	}
	isOurs := func(p gatewayRequest) bool {
		payload, _ := p.Body.Options["payload"].(map[string]any)
		return p.Body.Token == "tok-bob" && payload["messageId"] == mid
	}
	testserver.StartBinary(t, opts)
	if p := nextPush(t, pushes); !isOurs(p) {
		t.Fatalf("push after the restart: %+v", p.Body)
	}
	select {
	case p := <-pushes:
		t.Fatalf("a second push: %+v", p.Body)
	case <-time.After(2 * time.Second):
	}
}
