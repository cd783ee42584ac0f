package e2e

import (
	"net/http"
	"regexp"
	"strconv"
	"testing"
	"time"

	"liftoff/internal/testserver"
)

// Rocket.Chat's REST rate limiter (API_Enable_Rate_Limiter): test servers
// start with it off, so this test turns it on through the settings API.
// Rocket.Chat counts each route's calls per client address (the user id
// only decides the api-bypass-rate-limit bypass), in fixed windows.

var tooManyRE = regexp.MustCompile(`^Error, too many requests\. Please slow down\. You must wait (\d+) seconds before trying this endpoint again\. \[error-too-many-requests\]$`)

// rateHeaders returns the X-RateLimit-* headers of r as numbers (ok false
// when the response has none).
func rateHeaders(t *testing.T, r *testserver.Response) (limit, remaining, reset int64, ok bool) {
	t.Helper()
	h := r.Header
	if h.Get("X-RateLimit-Limit") == "" && h.Get("X-RateLimit-Remaining") == "" && h.Get("X-RateLimit-Reset") == "" {
		return 0, 0, 0, false
	}
	num := func(name string) int64 {
		n, err := strconv.ParseInt(h.Get(name), 10, 64)
		if err != nil {
			t.Fatalf("%s: %q", name, h.Get(name))
		}
		return n
	}
	return num("X-RateLimit-Limit"), num("X-RateLimit-Remaining"), num("X-RateLimit-Reset"), true
}

// expectLimited checks a refusal: 429, Rocket.Chat's body and headers.
func expectLimited(t *testing.T, r *testserver.Response, limit int64) {
	t.Helper()
	if r.Status != http.StatusTooManyRequests || r.JSON["success"] != false {
		t.Fatalf("expected 429, got %d %s", r.Status, r.Body)
	}
	m := tooManyRE.FindStringSubmatch(r.Str("error"))
	if m == nil {
		t.Fatalf("429 body: %s", r.Body)
	}
	if len(r.JSON) != 2 {
		t.Fatalf("429 body has more than success and error: %s", r.Body)
	}
	l, rem, reset, ok := rateHeaders(t, r)
	if !ok || l != limit || rem != 0 {
		t.Fatalf("429 headers: %v", r.Header)
	}
	if secs, _ := strconv.Atoi(m[1]); secs < 1 || reset <= time.Now().Add(-time.Minute).UnixMilli() {
		t.Fatalf("wait %s s, reset %d", m[1], reset)
	}
}

func TestRESTRateLimiter(t *testing.T) {
	srv := testserver.Start(t)
	admin := srv.Admin(t)
	// Every client logs in before the limiter is on: login is limited too.
	alice := srv.CreateUser(t, "alice")
	bob := srv.CreateUser(t, "bob")
	carol := srv.CreateUser(t, "carol").FromAddr("127.0.0.2")
	rid := chatRoom(t, admin, "channels", "limited", "alice", "bob", "carol")
	msgs := func() float64 { return admin.Get("/api/v1/channels.info", "roomId", rid).OK(t).Num("channel.msgs") }
	post := func(c *testserver.Client, text string) *testserver.Response {
		return c.Post("/api/v1/chat.postMessage", map[string]any{"roomId": rid, "text": text})
	}
	setting := func(id string, v any) { admin.Post("/api/v1/settings/"+id, map[string]any{"value": v}).OK(t) }

	// Off (the test server's override): no limit, no headers.
	for i := range 12 {
		r := post(alice, "free "+strconv.Itoa(i)).OK(t)
		if _, _, _, ok := rateHeaders(t, r); ok {
			t.Fatalf("headers while the limiter is off: %v", r.Header)
		}
	}

	// On, 3 calls per 5 minutes (a window far longer than the test).
	setting("API_Enable_Rate_Limiter_Limit_Calls_Default", 3)
	setting("API_Enable_Rate_Limiter_Limit_Time_Default", 300000)
	setting("API_Enable_Rate_Limiter", true)

	var firstReset int64
	for i := 1; i <= 3; i++ {
		r := post(alice, "limited "+strconv.Itoa(i)).OK(t)
		limit, rem, reset, ok := rateHeaders(t, r)
		if !ok || limit != 3 || rem != int64(3-i) {
			t.Fatalf("call %d headers: %v", i, r.Header)
		}
		if now := time.Now().UnixMilli(); reset <= now || reset > now+300000+5000 {
			t.Fatalf("call %d: reset %d is not within the window (now %d)", i, reset, now)
		}
		if i == 1 {
			firstReset = reset
		} else if d := reset - firstReset; d < -1000 || d > 1000 {
			// one window: the same end for every call (to the millisecond,
			// give or take the clock read of each call)
			t.Fatalf("call %d: reset %d, first call's %d", i, reset, firstReset)
		}
	}
	before := msgs()
	expectLimited(t, post(alice, "refused"), 3)
	expectLimited(t, post(alice, "refused again"), 3)
	if got := msgs(); got != before {
		t.Fatalf("refused calls changed the room: msgs %v, want %v", got, before)
	}
	if r := admin.Get("/api/v1/chat.search", "roomId", rid, "searchText", "refused").OK(t); len(r.List("messages")) != 0 {
		t.Fatalf("a refused message was stored: %s", r.Body)
	}

	// Another route of the same user has its own count.
	r := alice.Get("/api/v1/me").OK(t)
	if limit, rem, _, ok := rateHeaders(t, r); !ok || limit != 3 || rem != 2 {
		t.Fatalf("me headers: %v", r.Header)
	}
	// Another address is not affected...
	r = post(carol, "from elsewhere").OK(t)
	if _, rem, _, ok := rateHeaders(t, r); !ok || rem != 2 {
		t.Fatalf("carol's headers: %v", r.Header)
	}
	// ...but, as in Rocket.Chat, another user at the same address shares
	// the route's allowance.
	expectLimited(t, post(bob, "same address"), 3)

	// The administrator holds api-bypass-rate-limit: never limited, no
	// headers (and not counted).
	for i := range 6 {
		r := post(admin, "admin "+strconv.Itoa(i)).OK(t)
		if _, _, _, ok := rateHeaders(t, r); ok {
			t.Fatalf("admin got rate limit headers: %v", r.Header)
		}
	}
	// So does a user given the permission.
	admin.Post("/api/v1/permissions.update", map[string]any{"permissions": []map[string]any{{"_id": "api-bypass-rate-limit", "roles": []string{"admin", "bot", "app", "user"}}}}).OK(t)
	post(alice, "bypass").OK(t)
	admin.Post("/api/v1/permissions.update", map[string]any{"permissions": []map[string]any{{"_id": "api-bypass-rate-limit", "roles": []string{"admin", "bot", "app"}}}}).OK(t)
	expectLimited(t, post(alice, "limited again"), 3)

	// method.call has the limiter off in Rocket.Chat.
	for range 5 {
		r := alice.Post("/api/v1/method.call/public-settings:get", map[string]any{"message": `{"msg":"method","id":"1","method":"public-settings/get","params":[]}`}).OK(t)
		if _, _, _, ok := rateHeaders(t, r); ok {
			t.Fatalf("method.call has rate limit headers: %v", r.Header)
		}
	}

	// Turning the setting off lifts the limit at once.
	setting("API_Enable_Rate_Limiter", false)
	r = post(alice, "lifted").OK(t)
	if _, _, _, ok := rateHeaders(t, r); ok {
		t.Fatalf("headers after turning the limiter off: %v", r.Header)
	}
	// Turning it back on keeps the window's counts, as Rocket.Chat does.
	setting("API_Enable_Rate_Limiter", true)
	expectLimited(t, post(alice, "still counted"), 3)

	// users.register has its own limit, Rate_Limiter_Limit_RegisterUser
	// (1 by default), per address.
	anon := srv.Anon(t)
	register := func(name string) *testserver.Response {
		return anon.Post("/api/v1/users.register", map[string]any{"username": name, "email": name + "@example.org", "pass": name + "-pass", "name": name})
	}
	r = register("reg1").OK(t)
	if limit, rem, _, ok := rateHeaders(t, r); !ok || limit != 1 || rem != 0 {
		t.Fatalf("users.register headers: %v", r.Header)
	}
	expectLimited(t, register("reg2"), 1)
	admin.Get("/api/v1/users.info", "username", "reg2").Fail(t, 400, "")

	// The window ends: a short window, then wait for the reset the headers
	// announce. (Changing the window starts new windows everywhere.)
	setting("API_Enable_Rate_Limiter_Limit_Calls_Default", 2)
	setting("API_Enable_Rate_Limiter_Limit_Time_Default", 1500)
	var limited *testserver.Response
	for i := 0; i < 20 && limited == nil; i++ {
		if r := post(alice, "short "+strconv.Itoa(i)); r.Status == http.StatusTooManyRequests {
			limited = r
		} else {
			r.OK(t)
		}
	}
	if limited == nil {
		t.Fatal("never limited with 2 calls per 1.5 s")
	}
	expectLimited(t, limited, 2)
	_, _, reset, _ := rateHeaders(t, limited)
	srv.Advance(t, time.UnixMilli(reset).Sub(srv.Now())+100*time.Millisecond)
	r = post(alice, "after the reset").OK(t)
	if limit, rem, _, ok := rateHeaders(t, r); !ok || limit != 2 || rem != 1 {
		t.Fatalf("headers after the reset: %v", r.Header)
	}
}

// TestDDPRateLimit covers Rocket.Chat's DDP rate limiter (DDP_Rate_Limit_*,
// off on test servers, turned on here by the settings): a connection may
// call one method 10 times in 10 s (the 11th gets too-many-requests with
// timeToReset), other methods and other connections are unaffected, stream
// subscriptions get four times the allowance, and the window's end lets
// calls through again.
func TestDDPRateLimit(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{Env: []string{
		"OVERWRITE_SETTING_DDP_Rate_Limit_Connection_By_Method_Enabled=true",
		"OVERWRITE_SETTING_DDP_Rate_Limit_User_By_Method_Enabled=true",
	}})
	bob := srv.CreateUser(t, "bob")
	c := ddpDial(t, srv)
	c.login("bob", "bob-pass")
	for i := range 10 {
		if r := c.callRaw("listCustomUserStatus"); r.Error != nil {
			t.Fatalf("call %d: %v", i+1, r.Error)
		}
	}
	e := c.callFail("too-many-requests", "listCustomUserStatus")
	det, _ := e["details"].(map[string]any)
	if ms, _ := det["timeToReset"].(float64); ms <= 0 || ms > 10000 {
		t.Fatalf("timeToReset: %v", e)
	}
	if r, _ := e["reason"].(string); !regexp.MustCompile(`^Error, too many requests\. Please slow down\. You must wait \d+ seconds before trying again\.$`).MatchString(r) {
		t.Fatalf("reason: %q", r)
	}
	if r := c.callRaw("public-settings/get"); r.Error != nil {
		t.Fatalf("another method: %v", r.Error)
	}
	c2 := ddpDial(t, srv)
	c2.login("bob", "bob-pass")
	// The user's allowance (20 in 10 s) holds across connections: 11 of
	// 21 calls are spent.
	for i := range 9 {
		if r := c2.callRaw("listCustomUserStatus"); r.Error != nil {
			t.Fatalf("call %d on the second connection: %v", i+1, r.Error)
		}
	}
	c2.callFail("too-many-requests", "listCustomUserStatus")

	// Stream subscriptions: 40 in 40 s per connection.
	for range 40 {
		c.sub("stream-notify-user", bob.UserID+"/message", false)
	}
	if e := c.subRefused("stream-notify-user", bob.UserID+"/message", false); e["error"] != "too-many-requests" {
		t.Fatalf("41st subscription: %v", e)
	}

	srv.Advance(t, 11*time.Second)
	if r := c.callRaw("listCustomUserStatus"); r.Error != nil {
		t.Fatalf("after the window: %v", r.Error)
	}
}
