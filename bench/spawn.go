package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Spawned is a fresh Liftoff server the tool started itself: `liftoff
// serve` on a free loopback port with an empty data folder. It exists so
// that `make bench` and the smoke test need no script; the runs still talk
// to it only through the public API.
type Spawned struct {
	URL       string
	PID       int
	AdminUser string
	AdminPass string
	// LogPath is the server's combined stdout and stderr.
	LogPath string

	cmd  *exec.Cmd
	dir  string
	log  *os.File
	exit chan error
}

// Spawn starts binary ("liftoff") with `serve`, the caller's environment
// plus extraEnv, and waits until /api/info answers. The server starts with
// the REST rate limiter off (OVERWRITE_SETTING_API_Enable_Rate_Limiter=false,
// which extraEnv may override).
func Spawn(ctx context.Context, binary string, extraEnv ...string) (*Spawned, error) {
	dir, err := os.MkdirTemp("", "liftoff-bench-server-")
	if err != nil {
		return nil, fmt.Errorf("spawn: %w", err)
	}
	s := &Spawned{dir: dir, AdminUser: "admin", AdminPass: "adminpass", LogPath: filepath.Join(dir, "server.log"), exit: make(chan error, 1)}
	fail := func(err error) (*Spawned, error) {
		if s.log != nil {
			s.log.Close()
		}
		os.RemoveAll(dir)
		return nil, err
	}
	// The port is picked free, then released for the server to bind; another
	// process may take it in between, and then a new one is tried.
	for attempt := 1; ; attempt++ {
		if err := s.start(binary, extraEnv); err != nil {
			return fail(err)
		}
		err := s.waitReady(ctx, 30*time.Second)
		if err == nil {
			break
		}
		_ = s.cmd.Process.Kill()
		<-s.exit
		log, _ := os.ReadFile(s.LogPath)
		if attempt < 5 && strings.Contains(string(log), "address already in use") {
			continue
		}
		return fail(err)
	}
	return s, nil
}

// start launches the process on a free port, logging to s.LogPath.
func (s *Spawned) start(binary string, extraEnv []string) error {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("spawn: free port: %w", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	s.URL = "http://127.0.0.1:" + strconv.Itoa(port)
	if s.log != nil {
		s.log.Close()
	}
	if s.log, err = os.Create(s.LogPath); err != nil {
		return fmt.Errorf("spawn: %w", err)
	}
	s.cmd = exec.Command(binary, "serve")
	s.cmd.Env = append(os.Environ(),
		"ADMIN_USERNAME="+s.AdminUser, "ADMIN_PASS="+s.AdminPass, "ADMIN_EMAIL=admin@bench.invalid",
		"PORT="+strconv.Itoa(port), "LIFTOFF_BIND=127.0.0.1", "ROOT_URL="+s.URL,
		"LIFTOFF_DATA_DIR="+filepath.Join(s.dir, "data"),
		// Rocket.Chat's REST rate limiter allows 10 calls a minute per route
		// and address; the load tool's plain users post far more. extraEnv
		// may turn it back on.
		"OVERWRITE_SETTING_API_Enable_Rate_Limiter=false",
		// Rocket.Chat's DDP rate limiter (10 calls of a method in 10 s per
		// connection...) likewise.
		"OVERWRITE_SETTING_DDP_Rate_Limit_IP_Enabled=false", "OVERWRITE_SETTING_DDP_Rate_Limit_User_Enabled=false",
		"OVERWRITE_SETTING_DDP_Rate_Limit_Connection_Enabled=false", "OVERWRITE_SETTING_DDP_Rate_Limit_User_By_Method_Enabled=false",
		"OVERWRITE_SETTING_DDP_Rate_Limit_Connection_By_Method_Enabled=false")
	s.cmd.Env = append(s.cmd.Env, extraEnv...)
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		return fmt.Errorf("spawn %s: %w", binary, err)
	}
	s.PID = s.cmd.Process.Pid
	exit := make(chan error, 1)
	s.exit = exit
	go func() { exit <- s.cmd.Wait() }()
	return nil
}

func (s *Spawned) waitReady(ctx context.Context, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	tk := time.NewTicker(50 * time.Millisecond)
	defer tk.Stop()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/api/info", nil)
		if err != nil {
			return fmt.Errorf("spawn: %w", err)
		}
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case err := <-s.exit:
			s.exit <- err
			return fmt.Errorf("spawn: server exited before answering (%v); log in %s", err, s.LogPath)
		case <-ctx.Done():
			return fmt.Errorf("spawn: server not answering %s/api/info after %v; log in %s", s.URL, limit, s.LogPath)
		case <-tk.C:
		}
	}
}

// Stop interrupts the server, kills it if it has not exited after ten
// seconds, and removes its data folder (the log goes with it).
func (s *Spawned) Stop() error {
	_ = s.cmd.Process.Signal(os.Interrupt)
	var err error
	select {
	case err = <-s.exit:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		err = <-s.exit
		err = errors.Join(errors.New("server ignored the interrupt and was killed"), err)
	}
	s.exit <- err
	s.log.Close()
	os.RemoveAll(s.dir)
	var ee *exec.ExitError
	if errors.As(err, &ee) && !ee.Exited() {
		// Ended by our signal.
		return nil
	}
	if err != nil {
		return fmt.Errorf("server stop: %w", err)
	}
	return nil
}

// Log returns the server's output so far.
func (s *Spawned) Log() string {
	b, _ := os.ReadFile(s.LogPath)
	return string(b)
}
