// Package testserver runs whole Liftoff servers for integration tests:
// Start runs one inside the test process (internal/app behind an
// httptest.Server, with a clock the test controls), StartBinary runs the
// real liftoff binary as a process. Both listen on a free loopback port
// with their own data directory, are configured through the same
// environment entries (Options.Env) and are stopped and cleaned up when the
// test ends. A small REST client keeps raw status codes and JSON bodies,
// so tests can check Rocket.Chat's exact envelopes.
//
// In-process servers are the default: they start in milliseconds, and the
// race detector and coverage see the server's code. The real binary is for
// what only a process shows: the CLI commands, backup, restarts, signals
// and the process environment. Setting LIFTOFF_TEST_SERVER=binary makes
// Start run binaries too, to check that both modes pass the same tests;
// tests that move the clock (Server.Advance) are skipped then.
package testserver

import (
	"bytes"
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"liftoff/internal/app"
	"liftoff/internal/clock"
)

// Admin credentials of every test server.
const (
	AdminUser = "admin"
	AdminPass = "admin-pass-1"
)

// ModeEnv names the environment variable that, set to "binary", makes
// Start run the real binary instead of an in-process server.
const ModeEnv = "LIFTOFF_TEST_SERVER"

// Server is a running liftoff server, in process or as a process.
type Server struct {
	URL     string // http://127.0.0.1:PORT
	WSURL   string // ws://127.0.0.1:PORT/websocket
	DataDir string
	Port    int

	t    testing.TB
	logs *lockedBuffer

	// In process: the app, its HTTP server and its clock.
	app   *app.App
	http  *httptest.Server
	clock *clock.Adjustable
	once  sync.Once
	// stopped is closed when an in-process server has stopped, or when
	// the process has exited.
	stopped chan struct{}

	proc *process // the real binary (nil in process)
}

// Options tune a test server.
type Options struct {
	// Env holds extra KEY=VALUE environment entries, applied after the
	// defaults (among them OVERWRITE_SETTING_API_Enable_Rate_Limiter=false).
	// An in-process server reads them as the binary reads its environment
	// (app.LoadConfig), and nothing else: not the test's own environment.
	Env     []string
	DataDir string // reuse a data directory (default: a new temp dir)
	NoAdmin bool   // start without ADMIN_USERNAME
}

// Start runs a fresh server and stops it when the test ends: in the test
// process, unless LIFTOFF_TEST_SERVER=binary.
func Start(t testing.TB, opts ...Options) *Server {
	t.Helper()
	if os.Getenv(ModeEnv) == "binary" {
		return StartBinary(t, opts...)
	}
	o := options(t, opts)
	s := &Server{DataDir: o.DataDir, t: t, logs: &lockedBuffer{}, clock: clock.NewAdjustable(), stopped: make(chan struct{})}
	s.http = httptest.NewUnstartedServer(nil)
	s.setAddr(s.http.Listener.Addr().String())
	cfg, err := app.LoadConfig(nil, environment(s, o))
	if err != nil {
		s.http.Close()
		t.Fatalf("test server configuration: %v", err)
	}
	a, err := app.New(context.Background(), cfg, app.Options{Clock: s.clock, LogOutput: s.logs, Version: "test"})
	if err != nil {
		s.http.Close()
		t.Fatalf("start test server: %v\n%s", err, s.Logs())
	}
	s.app = a
	s.http.Config.Handler = a.Handler()
	s.http.Start()
	t.Cleanup(func() {
		s.Stop()
		if t.Failed() {
			t.Logf("server log:\n%s", s.Logs())
		}
	})
	return s
}

func options(t testing.TB, opts []Options) Options {
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	if o.DataDir == "" {
		o.DataDir = t.TempDir()
	}
	return o
}

// setAddr sets the URLs and port of the server listening on addr
// (127.0.0.1:PORT).
func (s *Server) setAddr(addr string) {
	s.URL, s.WSURL = "http://"+addr, "ws://"+addr+"/websocket"
	_, port, _ := strings.Cut(addr, ":")
	s.Port, _ = strconv.Atoi(port)
}

// environment is the configuration of a test server, as environment
// entries: loopback, the server's URL, cheap password hashes, the
// administrator, and o.Env last.
func environment(s *Server, o Options) []string {
	env := []string{
		fmt.Sprintf("PORT=%d", s.Port), "LIFTOFF_BIND=127.0.0.1", "LIFTOFF_DATA_DIR=" + o.DataDir,
		"ROOT_URL=" + s.URL, "LIFTOFF_BCRYPT_COST=4", "LIFTOFF_LOG_LEVEL=info", "LIFTOFF_SQLITE_SYNCHRONOUS=NORMAL",
		// Rocket.Chat's REST rate limiter (10 calls a minute per route and
		// address) would refuse most tests; e2e/ratelimit_test.go turns it
		// on through the settings API, and Options.Env may override this.
		"OVERWRITE_SETTING_API_Enable_Rate_Limiter=false",
		// The same for the DDP rate limiter (10 calls of one method in 10 s
		// per connection); e2e/ratelimit_test.go turns it on.
		"OVERWRITE_SETTING_DDP_Rate_Limit_IP_Enabled=false", "OVERWRITE_SETTING_DDP_Rate_Limit_User_Enabled=false",
		"OVERWRITE_SETTING_DDP_Rate_Limit_Connection_Enabled=false", "OVERWRITE_SETTING_DDP_Rate_Limit_User_By_Method_Enabled=false",
		"OVERWRITE_SETTING_DDP_Rate_Limit_Connection_By_Method_Enabled=false",
	}
	if !o.NoAdmin {
		env = append(env, "ADMIN_USERNAME="+AdminUser, "ADMIN_PASS="+AdminPass, "ADMIN_EMAIL=admin@example.org", "ADMIN_NAME=Administrator")
	}
	return append(env, o.Env...)
}

// InProcess reports whether the server runs inside the test process.
func (s *Server) InProcess() bool { return s.proc == nil }

// Advance moves the server's clock forward by d at once: the next
// timestamps are at least d later, and timers due by then (presence grace
// periods) fire. Tests use it instead of sleeping. A real binary's clock
// cannot be moved: the test is skipped in that mode.
func (s *Server) Advance(t testing.TB, d time.Duration) {
	t.Helper()
	if s.clock == nil {
		t.Skip("moves the server's clock: runs in process only")
	}
	s.clock.Advance(d)
}

// Now is the server's current time.
func (s *Server) Now() time.Time {
	if s.clock == nil {
		return time.Now()
	}
	return s.clock.Now()
}

// Logs returns what the server logged so far.
func (s *Server) Logs() string { return s.logs.String() }

// Stop stops the server: an in-process one closes its listener, finishes
// the requests in flight, closes every realtime connection and the
// database; a process gets SIGTERM (see StartBinary). The test's cleanup
// calls it too; calling it twice is harmless.
func (s *Server) Stop() {
	if s.proc != nil {
		s.proc.stop()
		return
	}
	s.once.Do(func() {
		s.http.Close()
		s.app.Close()
		close(s.stopped)
	})
}

// Exited reports whether the server has stopped.
func (s *Server) Exited() bool {
	select {
	case <-s.stopped:
		return true
	default:
		return false
	}
}

// WaitLogs waits until ok holds for what the server logged so far,
// checking again on every write, and fails the test after 10 s. Request
// log lines are written after the response, so a test that looks for one
// waits for it.
func (s *Server) WaitLogs(t testing.TB, what string, ok func(logs string) bool) {
	t.Helper()
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	for {
		logs, changed := s.logs.snapshot()
		if ok(logs) {
			return
		}
		select {
		case <-changed:
		case <-deadline.C:
			t.Fatalf("server did not log %s within 10s:\n%s", what, logs)
		}
	}
}

// lockedBuffer keeps a server's output.
type lockedBuffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{} // closed and replaced on every write
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.changed != nil {
		close(b.changed)
		b.changed = nil
	}
	return b.buf.Write(p)
}

// snapshot returns the output so far and a channel closed on the next write.
func (b *lockedBuffer) snapshot() (string, <-chan struct{}) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.changed == nil {
		b.changed = make(chan struct{})
	}
	return b.buf.String(), b.changed
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
