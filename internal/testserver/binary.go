package testserver

import (
	"fmt"
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

// process is a running liftoff binary.
type process struct {
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
}

// StartBinary runs the real liftoff binary (built once per test process)
// on a free port and stops it when the test ends. It inherits the test's
// environment, then the test server's entries and Options.Env. Use it for
// what needs the process: CLI commands on its data directory, backup,
// restarts, SIGTERM, and the environment it reads at start.
func StartBinary(t testing.TB, opts ...Options) *Server {
	t.Helper()
	o := options(t, opts)
	bin := Binary(t)
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
	s := &Server{DataDir: o.DataDir, t: t, logs: &lockedBuffer{}, stopped: make(chan struct{})}
	s.setAddr(fmt.Sprintf("127.0.0.1:%d", port))
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), environment(s, o)...)
	cmd.Stdout, cmd.Stderr = s.logs, s.logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s.proc = &process{cmd: cmd, done: s.stopped}
	go func() { _ = cmd.Wait(); close(s.stopped) }()
	return s
}

// stop sends SIGTERM and waits for the process to exit (kills it after 10 s).
func (p *process) stop() {
	if p.cmd.Process == nil {
		return
	}
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// Kill ends the process at once (SIGKILL: no shutdown, connections cut)
// and waits until it has exited. Only a binary can be killed.
func (s *Server) Kill() {
	if s.proc == nil {
		s.t.Fatal("Kill: an in-process server cannot be killed (use StartBinary)")
	}
	if s.proc.cmd.Process != nil {
		_ = s.proc.cmd.Process.Kill()
	}
	<-s.proc.done
}

// ExitCode waits for the process to exit and returns its exit code. Only
// a binary has one.
func (s *Server) ExitCode() int {
	if s.proc == nil {
		s.t.Fatal("ExitCode: an in-process server has no exit code (use StartBinary)")
	}
	<-s.proc.done
	return s.proc.cmd.ProcessState.ExitCode()
}

// waitReady waits until /readyz answers 200; it fails when the process
// exits first or after 30 s.
func (s *Server) waitReady() error {
	deadline := time.Now().Add(30 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for time.Now().Before(deadline) {
		if s.Exited() {
			return fmt.Errorf("server exited during start:\n%s", s.Logs())
		}
		// Until this process has logged that it listens, whatever answers
		// on the port is another process (one that took the port first).
		if !strings.Contains(s.Logs(), "liftoff listening") {
			select {
			case <-tick.C:
			case <-s.stopped:
			}
			continue
		}
		resp, err := http.Get(s.URL + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-tick.C:
		case <-s.stopped:
		}
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
