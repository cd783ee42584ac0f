package e2e

import (
	"testing"

	"liftoff/internal/testserver"
)

// Rocket.Chat names, in an error's details, the server method that raised
// it. The domain only marks such errors; the transport names the method:
// the REST route's Rocket.Chat method, or the DDP method called.
func TestErrorDetailsNameTheMethod(t *testing.T) {
	srv := testserver.Start(t)
	alice, aliceRT := rtUser(t, srv, "alice")
	bob, bobRT := rtUser(t, srv, "bob")
	rid := alice.Post("/api/v1/channels.create", map[string]any{"name": "owned"}).OK(t).Str("channel._id")
	bob.Post("/api/v1/channels.join", map[string]any{"roomId": rid}).OK(t)

	// REST: the route declares Rocket.Chat's method (channels.delete runs eraseRoom).
	r := bob.Post("/api/v1/channels.delete", map[string]any{"roomId": rid}).Fail(t, 403, "error-not-allowed")
	if m := r.Str("details.method"); m != "eraseRoom" {
		t.Fatalf("channels.delete details: %s", r.Body)
	}
	// The same refusal over DDP names the method called.
	e := bobRT.callFail("error-not-allowed", "eraseRoom", rid)
	if d, _ := e["details"].(map[string]any); d["method"] != "eraseRoom" {
		t.Fatalf("eraseRoom details: %v", e)
	}
	// A route without a declared method is named after itself.
	dm := alice.Post("/api/v1/im.create", map[string]any{"username": "bob"}).OK(t).Str("room._id")
	r = alice.Post("/api/v1/rooms.leave", map[string]any{"roomId": dm}).Fail(t, 400, "error-not-allowed")
	if m := r.Str("details.method"); m != "leaveRoom" {
		t.Fatalf("rooms.leave details: %s", r.Body)
	}
	r = bob.Post("/api/v1/users.setStatus", map[string]any{"status": "dancing"}).Fail(t, 400, "error-invalid-status")
	if m := r.Str("details.method"); m != "users.setStatus" {
		t.Fatalf("users.setStatus details: %s", r.Body)
	}
	// Errors Rocket.Chat raises without naming a method have no details.
	if e := aliceRT.callFail("error-invalid-params", "leaveRoom"); e["details"] != nil {
		t.Fatalf("a parameter error carries details over DDP: %v", e)
	}
	if d := bob.Post("/api/v1/channels.join", map[string]any{}).Fail(t, 400, "").Get("details"); d != nil {
		t.Fatalf("a parameter error carries details: %v", d)
	}
}
