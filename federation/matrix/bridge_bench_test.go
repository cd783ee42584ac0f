package matrix_test

import (
	"fmt"
	"os"
	"testing"
	"time"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"
)

// TestBridgeThroughput measures the bridge with Dendrite (set
// LIFTOFF_MATRIX_BENCH=N, the messages sent each way): the rate at which
// messages posted in Liftoff reach a Matrix client, and back, and the
// latency of one message each way when the bridge is idle. Figures in
// docs/performance.md.
func TestBridgeThroughput(t *testing.T) {
	n := 0
	if _, err := fmt.Sscan(os.Getenv("LIFTOFF_MATRIX_BENCH"), &n); err != nil || n <= 0 {
		t.Skip("set LIFTOFF_MATRIX_BENCH=N to measure the bridge with N messages each way")
	}
	d := newDendrite(t)
	p := startProxy(t)
	d.configure(registration(t, d, p))
	d.start()
	srv := startLiftoff(t, d, p, "")
	bob := registerMatrixUser(t, d, "bob")
	alice := srv.CreateUser(t, "alice")
	rid := alice.Post("/api/v1/channels.create", map[string]any{"name": "bench", "extraData": map[string]any{"federated": true}}).OK(t).Str("channel._id")
	alice.Post("/api/v1/channels.invite", map[string]any{"roomId": rid, "username": "bob:" + d.server}).OK(t)
	portal := bob.acceptInvite(map[id.RoomID]bool{})

	// Idle latency, each way (the first messages also warm up puppets).
	for i := range 5 {
		text := fmt.Sprintf("warm %d", i)
		began := time.Now()
		alice.Post("/api/v1/chat.postMessage", map[string]any{"roomId": rid, "text": text}).OK(t)
		bob.waitEvent(portal, text, isMessage(text))
		out := time.Since(began)
		text = fmt.Sprintf("back %d", i)
		began = time.Now()
		bob.send(portal, &event.MessageEventContent{MsgType: event.MsgText, Body: text})
		waitHistory(t, alice, rid, text, func(m []map[string]any) bool { return findMsg(m, text) != nil })
		t.Logf("latency: Liftoff→Matrix client %v, Matrix client→Liftoff history %v", out, time.Since(began))
	}

	began := time.Now()
	for i := range n {
		alice.Post("/api/v1/chat.postMessage", map[string]any{"roomId": rid, "text": fmt.Sprintf("out %d", i)}).OK(t)
	}
	posted := time.Since(began)
	bob.waitEvent(portal, "the last message", isMessage(fmt.Sprintf("out %d", n-1)))
	took := time.Since(began)
	t.Logf("Liftoff → Matrix: %d messages posted in %v, all seen by the Matrix client after %v: %.1f msg/s",
		n, posted, took, float64(n)/took.Seconds())

	began = time.Now()
	for i := range n {
		bob.send(portal, &event.MessageEventContent{MsgType: event.MsgText, Body: fmt.Sprintf("in %d", i)})
	}
	sent := time.Since(began)
	waitHistory(t, alice, rid, "the last message from Matrix", func(m []map[string]any) bool { return findMsg(m, fmt.Sprintf("in %d", n-1)) != nil })
	took = time.Since(began)
	t.Logf("Matrix → Liftoff: %d messages sent in %v, all in Liftoff after %v: %.1f msg/s", n, sent, took, float64(n)/took.Seconds())
}
