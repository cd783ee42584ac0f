// Package e2e holds end-to-end tests that drive whole Liftoff servers over
// HTTP and WebSocket, as a Rocket.Chat client would. Most run the server
// inside the test process (testserver.Start), so the race detector and
// coverage see the server side and the test controls the server's clock;
// the tests of the CLI, backup, restarts and the process environment run
// the real binary (testserver.StartBinary). Files are named after what
// they test.
package e2e
