// Package peer starts the real servers that integration tests talk to
// (S3, WebDAV, SMTP, LDAP, OIDC, Matrix, a browser...): it installs them
// through scripts/peers.sh (pinned versions, cached across clones), runs
// them on free loopback ports, waits until they answer, and stops them when
// the test ends. Tests never skip for want of a peer: a peer that cannot be
// installed fails the test with the installer's output.
package peer

import (
	"bytes"
	"context"
	"net"
	"net/http"
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

var (
	mu    sync.Mutex
	paths = map[string]string{}
)

// Path returns the executable of the named peer (a file in
// scripts/peers.d), installing it first when it is missing. The answer is
// cached for the life of the test process.
func Path(t testing.TB, name string) string {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if p, ok := paths[name]; ok {
		return p
	}
	cmd := exec.Command(filepath.Join(ModuleRoot(), "scripts", "peers.sh"), name)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("peer %s: scripts/peers.sh failed: %v\n%s", name, err, stderr.String())
	}
	p := strings.TrimSpace(string(out))
	paths[name] = p
	return p
}

// ModuleRoot is the directory of the repository's go.mod.
func ModuleRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
// Another process may take it before the peer binds it; Start callers that
// see "address already in use" may pick another port and try again.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Process is a running peer.
type Process struct {
	Cmd  *exec.Cmd
	logs *syncBuffer
	done chan struct{}
	err  error
}

// Options tune Start.
type Options struct {
	Dir string   // working directory ("" : a new temporary one)
	Env []string // added to the test process's environment
}

// Start runs the program with args, its output kept and printed if the
// test fails, and kills it (its whole process group) when the test ends.
func Start(t testing.TB, opts Options, program string, args ...string) *Process {
	t.Helper()
	if opts.Dir == "" {
		opts.Dir = t.TempDir()
	}
	cmd := exec.Command(program, args...)
	cmd.Dir = opts.Dir
	cmd.Env = append(os.Environ(), opts.Env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	logs := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", program, err)
	}
	p := &Process{Cmd: cmd, logs: logs, done: make(chan struct{})}
	go func() { p.err = cmd.Wait(); close(p.done) }()
	name := filepath.Base(program)
	t.Cleanup(func() {
		p.Stop()
		if t.Failed() {
			t.Logf("--- output of %s %s:\n%s", name, strings.Join(args, " "), logs.String())
		}
	})
	return p
}

// Stop kills the peer's process group and waits for it to exit.
func (p *Process) Stop() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = syscall.Kill(-p.Cmd.Process.Pid, syscall.SIGKILL)
	<-p.done
}

// Exited reports whether the process has ended.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Logs returns what the peer has printed so far.
func (p *Process) Logs() string { return p.logs.String() }

// WaitHTTP waits until GET url answers with a status below 500, the peer
// exits (a test failure) or timeout passes (a test failure).
func (p *Process) WaitHTTP(t testing.TB, url string, timeout time.Duration) {
	t.Helper()
	p.wait(t, timeout, url, func(ctx context.Context) bool {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode < 500
	})
}

// WaitTCP waits until addr accepts a connection.
func (p *Process) WaitTCP(t testing.TB, addr string, timeout time.Duration) {
	t.Helper()
	p.wait(t, timeout, addr, func(ctx context.Context) bool {
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return false
		}
		c.Close()
		return true
	})
}

func (p *Process) wait(t testing.TB, timeout time.Duration, what string, ready func(context.Context) bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		ok := ready(ctx)
		cancel()
		if ok {
			return
		}
		if p.Exited() {
			t.Fatalf("%s exited before %s answered (%v):\n%s", filepath.Base(p.Cmd.Path), what, p.err, p.Logs())
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not answer at %s within %s:\n%s", filepath.Base(p.Cmd.Path), what, timeout, p.Logs())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.buf.Len() > 4<<20 { // keep the log bounded
		return len(p), nil
	}
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
