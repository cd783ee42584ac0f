// Package realtime serves Rocket.Chat's realtime API: DDP over WebSocket
// at /websocket (and behind SockJS's WebSocket transport at
// /sockjs/{server}/{session}/websocket, which Meteor clients use), with
// Rocket.Chat's login, method calls and stream subscriptions, fed by the
// domain events on the bus.
//
// # Pieces
//
// A Server is an http.Handler. Each connection is a session: its reader
// goroutine decodes frames (package ddp) and runs methods and
// subscriptions one after the other, as Meteor does; outgoing frames go
// through a bounded queue drained by a writer goroutine that exists only
// while frames are pending, so an idle connection costs one goroutine. A
// connection whose queue overflows (a slow consumer) is closed; nothing
// ever waits for it. Heartbeats run from a timer: the server pings after
// HeartbeatInterval of silence and closes the connection when nothing
// arrives within HeartbeatTimeout.
//
// The hub subscribes to the bus and turns each domain event into stream
// frames, encoding each frame once and queueing the same bytes to every
// recipient. When the bus implements bus.BatchSubscriber, the hub takes a
// commit's events as one batch and starts the recipients' writers only
// once the whole batch is queued, so a connection gets a message and its
// rooms-changed event in one write. Its indexes (room → sessions, user → sessions, event →
// sessions) are split into 64 shards by key hash; a delivery takes one
// shard's read lock, so there is no global lock on the hot path. The hub
// keeps each logged-in user's room ids (read at login through RoomAccess,
// then kept current from SubscriptionChanged events); a removal from a
// room drops the user's room subscriptions and __my_messages__ delivery for
// that room before the next event is handled.
//
// # Streams
//
// stream-room-messages (a room id, or __my_messages__), stream-notify-room
// (<rid>/deleteMessage, <rid>/deleteMessageBulk, <rid>/user-activity,
// <rid>/typing, any other <rid>/<event>), stream-notify-user (<uid>/<event>
// for the session's own user: message, notification, rooms-changed,
// subscriptions-changed, ...), stream-notify-logged (user-status,
// Users:NameChanged, Users:Deleted, updateAvatar, roles-change,
// permissions-changed, private-settings-changed), stream-notify-all
// (public-settings-changed, public-info, ...) and stream-user-presence.
// Subscriptions accept both parameter forms clients send:
// [eventName, {"useCollection": false, "args": [...]}] and [eventName, false].
// Clients publish typing by calling the method stream-notify-room, which
// the server turns into a model.UserActivity on the bus.
//
// Event producers must keep one ordering rule: a RoomChanged that members
// should see goes on the bus after the SubscriptionChanged "inserted" of a
// new member and before the "removed" of a leaving one, since the hub
// routes rooms-changed by current membership.
//
// # Registering methods
//
// Domain methods are registered by the code that wires the server, with
// plain functions:
//
//	srv.Handle("sendMessage", func(ctx context.Context, call *realtime.Call) (any, error) {
//		var msg struct {
//			ID  string `json:"_id"`
//			RID string `json:"rid"`
//			Msg string `json:"msg"`
//		}
//		if err := call.Param(0, &msg); err != nil {
//			return nil, err // error-invalid-params
//		}
//		return chatService.SendMessage(ctx, call.User(), msg.RID, msg.Msg)
//	})
//
// Handle'd methods require a logged-in session (anonymous callers get
// error-invalid-user, as Rocket.Chat answers); HandlePublic registers
// methods anonymous clients may call (public-settings/get). The result is
// encoded as EJSON (model.Time as {"$date": ms}); a *model.Error becomes a
// Meteor.Error with its type and reason, other errors an internal error
// (logged). A method that panics answers error 500 and the connection
// lives on. login, logout and stream-notify-room are built in; the presence
// package registers UserPresence:*. Methods that need the session's
// identity use call.User(), call.Token(), call.SessionID() and
// call.RemoteAddr(); a method that changes it uses call.SetUser or
// call.ClearUser.
//
// Events without a domain event type can be sent directly with EmitToRoom,
// EmitToUser, EmitToLogged and EmitToAll; these reach this instance only.
package realtime
