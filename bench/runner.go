package bench

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"

	"liftoff/rcclient"
)

// Target is the server under test and how to reach it.
type Target struct {
	// URL is the server's root, e.g. http://127.0.0.1:3000.
	URL string
	// AdminUser and AdminPass log in the account that creates users and
	// rooms (it needs Rocket.Chat's create-user and create-c permissions).
	AdminUser, AdminPass string
	// Password is every bench user's password.
	Password string
	// Prefix starts every user and room name the tool creates.
	Prefix string
	// SourceIPs spread DDP connections over local addresses; empty means
	// the system's choice.
	SourceIPs []net.IP
	// PID, when not zero, is the server's process id, sampled for RSS and
	// CPU (the server must run on this machine).
	PID int
	// StateFile, when set, caches user tokens between invocations.
	StateFile string
	// Progress receives live progress; nil shows none.
	Progress *Progress
}

// Runner runs scenarios against one target. It keeps the accounts it has
// set up, so successive runs of a suite reuse them.
type Runner struct {
	t       Target
	wsURL   string
	rest    *http.Client
	wsHTTP  []*http.Client
	admin   *rcclient.Client
	version string

	mu       sync.Mutex
	accounts map[int]rcclient.Credentials
	state    *tokenCache
}

// NewRunner checks that the target answers and logs the admin in.
func NewRunner(ctx context.Context, t Target) (*Runner, error) {
	if t.Prefix == "" {
		t.Prefix = "bench"
	}
	if t.Password == "" {
		t.Password = "bench-pass-1"
	}
	u := strings.TrimRight(t.URL, "/")
	var ws string
	switch {
	case strings.HasPrefix(u, "http://"):
		ws = "ws://" + strings.TrimPrefix(u, "http://") + "/websocket"
	case strings.HasPrefix(u, "https://"):
		ws = "wss://" + strings.TrimPrefix(u, "https://") + "/websocket"
	default:
		return nil, fmt.Errorf("url %q: want http:// or https://", t.URL)
	}
	r := &Runner{t: t, wsURL: ws, rest: rcclient.NewHTTPClient(512, nil), accounts: map[int]rcclient.Credentials{}}
	if len(t.SourceIPs) == 0 {
		r.wsHTTP = []*http.Client{rcclient.NewHTTPClient(1, nil)}
	}
	for _, ip := range t.SourceIPs {
		r.wsHTTP = append(r.wsHTTP, rcclient.NewHTTPClient(1, ip))
	}
	r.admin = &rcclient.Client{BaseURL: u, HTTP: r.rest}
	info, err := r.admin.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("server at %s: %w", u, err)
	}
	r.version = info.Version
	if _, err := r.admin.Login(ctx, t.AdminUser, t.AdminPass); err != nil {
		return nil, fmt.Errorf("admin login as %q: %w", t.AdminUser, err)
	}
	if t.StateFile != "" {
		r.state, err = loadTokenCache(t.StateFile, u)
		if err != nil {
			return nil, err
		}
	}
	return r, nil
}

// Version returns the server's version from /api/info.
func (r *Runner) Version() string { return r.version }

// Close saves the token cache, if any.
func (r *Runner) Close() error {
	if r.state == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.state.save()
}

// Run runs one scenario and returns its result; a run that cannot even be
// set up returns a failed result carrying the reason.
func (r *Runner) Run(ctx context.Context, c RunConfig) Result {
	c = c.Defaults()
	res := Result{Name: c.Name, Scenario: c.Scenario, Config: c, Start: time.Now(), Passed: true}
	if err := c.Validate(); err != nil {
		res.fail("%v", err)
		return res
	}
	var sampler *Sampler
	if r.t.PID != 0 {
		s, err := StartSampler(ctx, r.t.PID, time.Second)
		if err != nil {
			res.Notes = append(res.Notes, fmt.Sprintf("server sampling off: %v", err))
		} else {
			sampler = s
		}
	}
	self, selfErr := StartSampler(ctx, os.Getpid(), time.Second)
	r.t.Progress.Printf("== %s (%s)", c.Name, c.Scenario)
	var err error
	switch c.Scenario {
	case ScenarioConnections:
		err = r.runConnections(ctx, c, &res, sampler)
	case ScenarioChat, ScenarioPost:
		err = r.runChat(ctx, c, &res)
	case ScenarioFanout:
		err = r.runFanout(ctx, c, &res)
	case ScenarioHistory:
		err = r.runHistory(ctx, c, &res)
	case ScenarioStorm:
		err = r.runStorm(ctx, c, &res)
	case ScenarioDeepHistory:
		err = r.runDeepHistory(ctx, c, &res)
	}
	if err != nil {
		res.fail("%v", err)
	}
	if sampler != nil {
		st, err := sampler.Stop()
		res.Server = &st
		if err != nil {
			res.fail("server process: %v", err)
		}
	}
	if selfErr == nil {
		st, _ := self.Stop()
		res.Client = &st
	}
	res.Seconds = time.Since(res.Start).Seconds()
	return res
}

// serverCPU returns the server's CPU time so far (user + system), when
// its process id is known.
func (r *Runner) serverCPU() (time.Duration, bool) {
	if r.t.PID == 0 {
		return 0, false
	}
	p, err := readProc(r.t.PID)
	if err != nil {
		return 0, false
	}
	return p.cpu, true
}

// cpuPerOp sets p's server CPU per operation from the CPU time at the
// phase's start (from serverCPU); nothing without a process id.
func (r *Runner) cpuPerOp(p *Phase, start time.Duration, ok bool) {
	end, ok2 := r.serverCPU()
	if ok && ok2 && p.Count > 0 {
		p.ServerCPUMsPerOp = float64(end-start) / float64(time.Millisecond) / float64(p.Count)
	}
}

// RunAll runs a suite and returns the report.
func (r *Runner) RunAll(ctx context.Context, runs []RunConfig) *Report {
	rep := &Report{Tool: "liftoff-bench", URL: r.admin.BaseURL, ServerVersion: r.version, Start: time.Now(), Passed: true}
	for _, c := range runs {
		if ctx.Err() != nil {
			break
		}
		res := r.Run(ctx, c)
		rep.Passed = rep.Passed && res.Passed
		rep.Runs = append(rep.Runs, res)
	}
	if ctx.Err() != nil {
		rep.Passed = false
	}
	return rep
}

// userName returns the username of bench user i.
func (r *Runner) userName(i int) string { return fmt.Sprintf("%s-u%06d", r.t.Prefix, i) }

// httpFor returns the handshake client of connection i's source address.
func (r *Runner) httpFor(i int) *http.Client { return r.wsHTTP[i%len(r.wsHTTP)] }

// userClient returns a REST client acting as a bench user.
func (r *Runner) userClient(cr rcclient.Credentials) *rcclient.Client {
	return r.admin.WithCredentials(cr)
}

// forEach runs fn(i) for i in [0,n) on at most conc goroutines and
// returns the first error; it stops starting new calls once one fails or
// ctx ends.
func forEach(ctx context.Context, n, conc int, fn func(ctx context.Context, i int) error) error {
	conc = max(1, min(conc, n))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
	)
	next := make(chan int)
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := fn(ctx, i); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					cancel()
				}
			}
		}()
	}
feed:
	for i := range n {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	return ctx.Err()
}

// heapInUse returns the Go heap and stacks in use after a collection: the
// tool's own memory.
func heapInUse() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapInuse + m.StackInuse)
}

// errorSample keeps the first few distinct error texts of a phase.
type errorSample struct {
	mu   sync.Mutex
	n    int64
	seen []string
}

func (e *errorSample) add(err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.n++
	s := err.Error()
	if len(e.seen) < 3 && !contains(e.seen, s) {
		e.seen = append(e.seen, s)
	}
}

func (e *errorSample) count() int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.n
}

// report adds a failure to res when any error happened.
func (e *errorSample) report(res *Result, what string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.n > 0 {
		res.fail("%d %s errors, e.g. %s", e.n, what, strings.Join(e.seen, " | "))
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
