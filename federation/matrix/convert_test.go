package matrix_test

import (
	"fmt"
	"strings"
	"testing"

	"liftoff/internal/testserver"
)

// TestConvertRoom checks who may federate a room (no homeserver needed:
// the bridge is off, the flag is the chat's).
func TestConvertRoom(t *testing.T) {
	srv := testserver.Start(t)
	alice := srv.CreateUser(t, "alice")
	bob := srv.CreateUser(t, "bob")
	rid := alice.Post("/api/v1/channels.create", map[string]any{"name": "local", "members": []string{"bob"}}).OK(t).Str("channel._id")
	if alice.Get("/api/v1/channels.info", "roomId", rid).OK(t).Get("channel.federated") != nil {
		t.Fatal("a new room is federated")
	}
	// A member who is no owner may not; the owner may; there is no way back.
	if err := ddpTry(t, srv, bob, "saveRoomSettings", rid, "federated", true); err == nil || !strings.Contains(fmt.Sprint(err), "error-action-not-allowed") {
		t.Fatalf("a member federated the room: %v", err)
	}
	ddpCall(t, srv, alice, "saveRoomSettings", rid, map[string]any{"federated": true})
	if alice.Get("/api/v1/channels.info", "roomId", rid).OK(t).Get("channel.federated") != true {
		t.Fatal("the owner's conversion did not stick")
	}
	if err := ddpTry(t, srv, alice, "saveRoomSettings", rid, "federated", false); err == nil {
		t.Fatal("a federated room was made local again")
	}
	// Creating one needs access-federation, which users hold by default.
	admin := srv.Admin(t)
	admin.Post("/api/v1/permissions.update", map[string]any{"permissions": []map[string]any{{"_id": "access-federation", "roles": []string{"admin"}}}}).OK(t)
	alice.Post("/api/v1/channels.create", map[string]any{"name": "fed2", "extraData": map[string]any{"federated": true}}).Fail(t, 403, "error-not-allowed")
	admin.Post("/api/v1/channels.create", map[string]any{"name": "fed3", "extraData": map[string]any{"federated": true}}).OK(t)
}
