// Package rcclient is a small client for Rocket.Chat's public API: the REST
// API under /api/v1 and the realtime DDP protocol over WebSocket at
// /websocket. It knows nothing of Liftoff's internals, so whatever it drives
// can be Liftoff or a real Rocket.Chat.
//
// It is built for load generation: a DDP connection costs one reader
// goroutine and the WebSocket buffers, stream events are handed to a
// callback on that goroutine without copying, and a connection can be bound
// to a chosen local address (127.0.0.x) so that one process can open more
// connections than one source address has ephemeral ports.
package rcclient
