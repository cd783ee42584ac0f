package e2e

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"liftoff/internal/testserver"
)

// A request body that arrives too slowly is cut off: after the grace
// period it must keep up the minimum rate, or the request fails and its
// connection closes. Without the bound, these connections stay open.
func TestSlowRequestBodiesAreCutOff(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{Env: []string{"LIFTOFF_BODY_GRACE=300ms", "LIFTOFF_BODY_MIN_RATE=1000"}})
	addr := strings.TrimPrefix(srv.URL, "http://")
	head := "POST /api/v1/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{"

	// ended waits for the server to answer or close c, and reports how long
	// it took; the test's own deadline stands for "never".
	ended := func(t *testing.T, c net.Conn) time.Duration {
		t.Helper()
		began := time.Now()
		_ = c.SetReadDeadline(time.Now().Add(8 * time.Second))
		br := bufio.NewReader(c)
		resp, err := http.ReadResponse(br, nil)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode < 400 {
				t.Fatalf("a cut-off body answered %d", resp.StatusCode)
			}
			// The connection closes after the answer.
			if b, err := br.ReadByte(); err == nil {
				rest, _ := br.Peek(br.Buffered())
				t.Fatalf("the connection stayed open after a cut-off body (%d): %q", resp.StatusCode, string(b)+string(rest))
			}
		}
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Fatal("the server still waits for the slow body")
		}
		return time.Since(began)
	}

	t.Run("stalled", func(t *testing.T) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := c.Write([]byte(head)); err != nil {
			t.Fatal(err)
		}
		ended(t, c)
	})

	t.Run("one byte at a time", func(t *testing.T) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := c.Write([]byte(head)); err != nil {
			t.Fatal(err)
		}
		// The client's pace: 20 bytes a second, far under the minimum.
		stop := make(chan struct{})
		defer close(stop)
		go func() {
			tick := time.NewTicker(50 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-stop:
					return
				case <-tick.C:
					if _, err := c.Write([]byte(" ")); err != nil {
						return
					}
				}
			}
		}()
		ended(t, c)
	})

	t.Run("a normal body and a websocket still work", func(t *testing.T) {
		srv.Admin(t).Post("/api/v1/chat.postMessage", map[string]any{"roomId": "GENERAL", "text": strings.Repeat("x", 4000)}).OK(t)
		c := ddpDial(t, srv)
		c.login(testserver.AdminUser, testserver.AdminPass)
		stillLoggedIn(t, c, "websocket")
	})
}
