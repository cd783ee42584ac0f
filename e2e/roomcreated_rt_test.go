package e2e

import (
	"testing"

	"liftoff/internal/testserver"
)

// A room created over REST reaches its creator and its invited members on
// stream-notify-user: subscriptions-changed inserted, then rooms-changed
// inserted with the room, as Rocket.Chat sends them.
func TestCreatedRoomReachesMembers(t *testing.T) {
	srv := testserver.Start(t)
	alice, aliceRT := rtUser(t, srv, "alice")
	_, bobRT := rtUser(t, srv, "bob")
	for _, c := range []*ddpConn{aliceRT, bobRT} {
		c.sub("stream-notify-user", c.userID+"/subscriptions-changed", false)
		c.sub("stream-notify-user", c.userID+"/rooms-changed", false)
	}
	rid := alice.Post("/api/v1/groups.create", map[string]any{
		"name": "secret-plans", "members": []string{"bob"}, "extraData": map[string]any{"encrypted": true},
	}).OK(t).Str("group._id")
	for _, c := range []*ddpConn{aliceRT, bobRT} {
		c.event("stream-notify-user", c.userID+"/subscriptions-changed", func(args []any) bool {
			sub, _ := args[1].(map[string]any)
			return args[0] == "inserted" && sub["rid"] == rid
		})
		c.event("stream-notify-user", c.userID+"/rooms-changed", func(args []any) bool {
			room, _ := args[1].(map[string]any)
			return args[0] == "inserted" && room["_id"] == rid && room["t"] == "p" &&
				room["name"] == "secret-plans" && room["encrypted"] == true
		})
	}
}

// A direct conversation reaches both of its members the same way.
func TestCreatedDirectReachesMembers(t *testing.T) {
	srv := testserver.Start(t)
	alice, aliceRT := rtUser(t, srv, "alice")
	_, bobRT := rtUser(t, srv, "bob")
	for _, c := range []*ddpConn{aliceRT, bobRT} {
		c.sub("stream-notify-user", c.userID+"/rooms-changed", false)
	}
	rid := alice.Post("/api/v1/im.create", map[string]any{"username": "bob"}).OK(t).Str("room._id")
	for _, c := range []*ddpConn{aliceRT, bobRT} {
		c.event("stream-notify-user", c.userID+"/rooms-changed", func(args []any) bool {
			room, _ := args[1].(map[string]any)
			return args[0] == "inserted" && room["_id"] == rid && room["t"] == "d"
		})
	}
}
