// Package natstest gives tests a NATS server with JetStream: the machine's
// shared one, with a subject prefix of the test's own whose streams are
// deleted when the test ends (URL, Prefix), or a server of the test's own
// that it can stop and restart (Start).
//
// The shared server is LIFTOFF_TEST_NATS, by default nats://127.0.0.1:4222;
// scripts/services.sh starts it. A test never skips for want of it: an
// unreachable server fails the test, saying how to start it.
package natstest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"liftoff/internal/peer"
)

// DefaultURL is the shared server used when LIFTOFF_TEST_NATS is unset.
const DefaultURL = "nats://127.0.0.1:4222"

// URL returns the shared server's URL, failing the test when it does not
// answer or has no JetStream.
func URL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("LIFTOFF_TEST_NATS")
	if u == "" {
		u = DefaultURL
	}
	nc, err := natsgo.Connect(u, natsgo.Timeout(5*time.Second))
	if err != nil {
		t.Fatalf("natstest: cannot reach the test NATS server at %s (start it with scripts/services.sh, or set LIFTOFF_TEST_NATS): %v", u, err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, err = js.AccountInfo(ctx)
	}
	if err != nil {
		t.Fatalf("natstest: the NATS server at %s has no JetStream (start it with -js): %v", u, err)
	}
	return u
}

// Prefix returns a new subject prefix (test_<random>) and deletes, when
// the test ends, every stream and key-value bucket of the server at url
// whose name starts with it.
func Prefix(t testing.TB, url string) string {
	t.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	prefix := "test_" + hex.EncodeToString(b[:])
	t.Cleanup(func() {
		if err := DeleteStreams(url, prefix); err != nil {
			t.Error(err)
		}
	})
	return prefix
}

// DeleteStreams deletes the streams whose names start with prefix, and the
// key-value buckets (streams KV_<bucket>) whose names do.
func DeleteStreams(url, prefix string) error {
	nc, err := natsgo.Connect(url, natsgo.Timeout(5*time.Second))
	if err != nil {
		return fmt.Errorf("natstest: delete streams of %s: %w", prefix, err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return fmt.Errorf("natstest: delete streams of %s: %w", prefix, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	names := js.StreamNames(ctx)
	var doomed []string
	for n := range names.Name() {
		if strings.HasPrefix(n, prefix) || strings.HasPrefix(n, "KV_"+prefix) { // key-value buckets too
			doomed = append(doomed, n)
		}
	}
	if err := names.Err(); err != nil {
		return fmt.Errorf("natstest: list streams: %w", err)
	}
	for _, n := range doomed {
		if err := js.DeleteStream(ctx, n); err != nil {
			return fmt.Errorf("natstest: delete stream %s: %w", n, err)
		}
	}
	return nil
}

// Server is a NATS server of one test, with JetStream storing in a
// directory that outlives restarts.
type Server struct {
	URL  string
	t    testing.TB
	bin  string
	port int
	dir  string
	proc *peer.Process
}

// Start runs a NATS server with JetStream on a free loopback port; it is
// stopped when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	s := &Server{t: t, bin: peer.Path(t, "nats-server"), port: peer.FreePort(t), dir: t.TempDir()}
	s.URL = fmt.Sprintf("nats://127.0.0.1:%d", s.port)
	s.Restart()
	return s
}

// Stop kills the server (SIGKILL: no clean shutdown).
func (s *Server) Stop() {
	if s.proc != nil {
		s.proc.Stop()
		s.proc = nil
	}
}

// Restart starts the server again (stopping it first if it runs), on the
// same port with the same JetStream storage, and waits until it accepts
// connections.
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	s.proc = peer.Start(s.t, peer.Options{Dir: s.dir}, s.bin,
		"-a", "127.0.0.1", "-p", fmt.Sprint(s.port), "-js", "-sd", filepath.Join(s.dir, "jetstream"))
	s.proc.WaitTCP(s.t, fmt.Sprintf("127.0.0.1:%d", s.port), 20*time.Second)
}
