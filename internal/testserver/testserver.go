// Package testserver starts the real liftoff binary for end-to-end tests:
// built once per test process, run on a free loopback port with its own
// data directory, stopped and cleaned up when the test ends. It also has a
// small REST client that keeps raw status codes and JSON bodies, so tests
// can check Rocket.Chat's exact envelopes.
package testserver

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Admin credentials of every test server.
const (
	AdminUser = "admin"
	AdminPass = "admin-pass-1"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// Binary builds ./cmd/liftoff once per test process and returns its path.
func Binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "liftoff-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "liftoff")
		cmd := exec.Command("go", "build", "-o", binPath, "./cmd/liftoff")
		cmd.Dir = moduleRoot()
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

func moduleRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// Server is a running liftoff process.
type Server struct {
	URL     string // http://127.0.0.1:PORT
	WSURL   string // ws://127.0.0.1:PORT/websocket
	DataDir string
	Port    int
	cmd     *exec.Cmd
	logs    *lockedBuffer
	done    chan struct{}
	t       testing.TB
}

// Options tune a test server.
type Options struct {
	// Env holds extra KEY=VALUE environment entries, applied after the
	// defaults (among them OVERWRITE_SETTING_API_Enable_Rate_Limiter=false).
	Env     []string
	DataDir string // reuse a data directory (default: a new temp dir)
	NoAdmin bool   // start without ADMIN_USERNAME
}

// Start runs a fresh server and stops it when the test ends.
func Start(t testing.TB, opts ...Options) *Server {
	t.Helper()
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	bin := Binary(t)
	if o.DataDir == "" {
		o.DataDir = t.TempDir()
	}
	// The port is picked free, then released for the server to bind; another
	// process may take it in between. Then the server exits at once saying
	// so, and a new port is tried.
	for attempt := 1; ; attempt++ {
		s := launch(t, bin, o, freePort(t))
		err := s.waitReady()
		if err == nil {
			t.Cleanup(func() {
				s.Stop()
				if t.Failed() {
					t.Logf("server log:\n%s", s.Logs())
				}
			})
			return s
		}
		s.Stop()
		if attempt < 5 && s.Exited() && strings.Contains(s.Logs(), "address already in use") {
			t.Logf("port %d taken before the server bound it; retrying", s.Port)
			continue
		}
		t.Fatal(err)
	}
}

// launch starts the process on port.
func launch(t testing.TB, bin string, o Options, port int) *Server {
	t.Helper()
	s := &Server{URL: fmt.Sprintf("http://127.0.0.1:%d", port), WSURL: fmt.Sprintf("ws://127.0.0.1:%d/websocket", port),
		DataDir: o.DataDir, Port: port, logs: &lockedBuffer{}, done: make(chan struct{}), t: t}
	cmd := exec.Command(bin, "serve")
	env := append(os.Environ(),
		fmt.Sprintf("PORT=%d", port), "LIFTOFF_BIND=127.0.0.1", "LIFTOFF_DATA_DIR="+o.DataDir,
		"ROOT_URL="+s.URL, "LIFTOFF_BCRYPT_COST=4", "LIFTOFF_LOG_LEVEL=info", "LIFTOFF_SQLITE_SYNCHRONOUS=NORMAL",
		// Rocket.Chat's REST rate limiter (10 calls a minute per route and
		// address) would refuse most tests; e2e/ratelimit_test.go turns it
		// on through the settings API, and Options.Env may override this.
		"OVERWRITE_SETTING_API_Enable_Rate_Limiter=false")
	if !o.NoAdmin {
		env = append(env, "ADMIN_USERNAME="+AdminUser, "ADMIN_PASS="+AdminPass, "ADMIN_EMAIL=admin@example.org", "ADMIN_NAME=Administrator")
	}
	cmd.Env = append(env, o.Env...)
	cmd.Stdout, cmd.Stderr = s.logs, s.logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s.cmd = cmd
	go func() { _ = cmd.Wait(); close(s.done) }()
	return s
}

// Logs returns what the server printed so far.
func (s *Server) Logs() string { return s.logs.String() }

// Stop sends SIGTERM and waits for the process to exit (kills it after 10 s).
func (s *Server) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	select {
	case <-s.done:
		return
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

// Exited reports whether the process has ended.
func (s *Server) Exited() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// ExitCode waits for the process and returns its exit code.
func (s *Server) ExitCode() int {
	<-s.done
	return s.cmd.ProcessState.ExitCode()
}

// waitReady waits until /readyz answers 200; it fails when the process
// exits first or after 30 s.
func (s *Server) waitReady() error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if s.Exited() {
			return fmt.Errorf("server exited during start:\n%s", s.Logs())
		}
		resp, err := http.Get(s.URL + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("server not ready after 30s:\n%s", s.Logs())
}

func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Client calls the REST API, as a user (after Login) or anonymously.
type Client struct {
	Srv      *Server
	UserID   string
	Token    string
	Username string
	http     *http.Client
	t        testing.TB
}

// Anon returns an unauthenticated client.
func (s *Server) Anon(t testing.TB) *Client {
	return &Client{Srv: s, http: &http.Client{Timeout: 30 * time.Second}, t: t}
}

// Login logs in with username and password and returns a client for that user.
func (s *Server) Login(t testing.TB, username, password string) *Client {
	t.Helper()
	c := s.Anon(t)
	r := c.Post("/api/v1/login", map[string]any{"user": username, "password": password})
	if r.Status != http.StatusOK {
		t.Fatalf("login %s: %d %s", username, r.Status, r.Body)
	}
	c.UserID = r.Str("data.userId")
	c.Token = r.Str("data.authToken")
	c.Username = username
	return c
}

// Admin logs in as the administrator.
func (s *Server) Admin(t testing.TB) *Client { return s.Login(t, AdminUser, AdminPass) }

// CreateUser makes a user through users.create (as admin) and logs them in.
func (s *Server) CreateUser(t testing.TB, username string, extra ...map[string]any) *Client {
	t.Helper()
	body := map[string]any{"username": username, "email": username + "@example.org", "password": username + "-pass", "name": strings.ToUpper(username[:1]) + username[1:]}
	for _, e := range extra {
		for k, v := range e {
			body[k] = v
		}
	}
	s.Admin(t).Post("/api/v1/users.create", body).OK(t)
	return s.Login(t, username, username+"-pass")
}

// Response is a raw API answer.
type Response struct {
	Status int
	Body   []byte
	Header http.Header
	JSON   map[string]any
}

// FromAddr returns a copy of c whose connections leave from the local
// address ip (any of 127.0.0.0/8 on Linux), so the server sees another
// client address.
func (c *Client) FromAddr(ip string) *Client {
	c.t.Helper()
	addr := net.ParseIP(ip)
	if addr == nil {
		c.t.Fatalf("FromAddr: bad address %q", ip)
	}
	d := &net.Dialer{Timeout: 10 * time.Second, LocalAddr: &net.TCPAddr{IP: addr}}
	cc := *c
	cc.http = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DialContext: d.DialContext}}
	return &cc
}

// Get calls GET path with query parameters given as key, value pairs.
func (c *Client) Get(path string, kv ...string) *Response {
	c.t.Helper()
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	u := c.Srv.URL + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	return c.do(req)
}

// Post calls POST path with body encoded as JSON (a []byte or string is sent as is).
func (c *Client) Post(path string, body any) *Response {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = strings.NewReader(b)
	default:
		enc, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(enc)
	}
	req, _ := http.NewRequest(http.MethodPost, c.Srv.URL+path, rd)
	req.Header.Set("Content-Type", "application/json")
	return c.do(req)
}

func (c *Client) do(req *http.Request) *Response {
	c.t.Helper()
	if c.UserID != "" {
		req.Header.Set("X-User-Id", c.UserID)
		req.Header.Set("X-Auth-Token", c.Token)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp, err := c.http.Do(req.WithContext(ctx))
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	r := &Response{Status: resp.StatusCode, Body: b, Header: resp.Header}
	_ = json.Unmarshal(b, &r.JSON)
	return r
}

// OK fails the test unless the call succeeded (200, success true); it returns r.
func (r *Response) OK(t testing.TB) *Response {
	t.Helper()
	if r.Status != http.StatusOK || r.JSON["success"] != true {
		t.Fatalf("expected success, got %d %s", r.Status, r.Body)
	}
	return r
}

// Fail fails the test unless the call failed with the status and errorType
// (errorType "" checks only the status); it returns r.
func (r *Response) Fail(t testing.TB, status int, errorType string) *Response {
	t.Helper()
	if r.Status != status {
		t.Fatalf("expected status %d, got %d %s", status, r.Status, r.Body)
	}
	if errorType != "" && r.JSON["errorType"] != errorType {
		t.Fatalf("expected errorType %q, got %s", errorType, r.Body)
	}
	if status != http.StatusUnauthorized && r.JSON["success"] != false {
		t.Fatalf("expected success false, got %s", r.Body)
	}
	return r
}

// Get returns the value at a dotted path ("data.me.username", "messages.0._id").
func (r *Response) Get(path string) any {
	var cur any = r.JSON
	for _, part := range strings.Split(path, ".") {
		switch v := cur.(type) {
		case map[string]any:
			cur = v[part]
		case []any:
			var i int
			if _, err := fmt.Sscanf(part, "%d", &i); err != nil || i < 0 || i >= len(v) {
				return nil
			}
			cur = v[i]
		default:
			return nil
		}
	}
	return cur
}

// Str returns the string at path ("" when absent or not a string).
func (r *Response) Str(path string) string {
	s, _ := r.Get(path).(string)
	return s
}

// Num returns the number at path (0 when absent).
func (r *Response) Num(path string) float64 {
	f, _ := r.Get(path).(float64)
	return f
}

// List returns the array at path.
func (r *Response) List(path string) []any {
	l, _ := r.Get(path).([]any)
	return l
}
