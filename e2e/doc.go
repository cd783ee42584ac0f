// Package e2e holds end-to-end tests that drive the real liftoff binary over
// HTTP and WebSocket, as a Rocket.Chat client would.
package e2e
