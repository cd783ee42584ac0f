package script

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/dop251/goja"

	"liftoff/internal/safehttp"
)

// Method names a Script method Rocket.Chat calls.
type Method string

// The methods of Rocket.Chat's Script class.
const (
	ProcessIncomingRequest  Method = "process_incoming_request"
	PrepareOutgoingRequest  Method = "prepare_outgoing_request"
	ProcessOutgoingResponse Method = "process_outgoing_response"
)

// HTTPDoer sends scripts' HTTP calls; *safehttp.Client is the one to use.
type HTTPDoer interface {
	Do(*http.Request) (*http.Response, error)
}

// Options configure an Engine. Zero values take the defaults in brackets.
type Options struct {
	// HTTP carries scripts' HTTP and serverFetch calls. Nil refuses them.
	HTTP HTTPDoer
	// Logger receives scripts' console output (slog.Default()).
	Logger *slog.Logger
	// Workers is the number of worker processes (2).
	Workers int
	// CPUTime bounds the CPU time of one call, evaluating the script
	// included (3s, Rocket.Chat's script timeout).
	CPUTime time.Duration
	// WallTime bounds one call's duration, HTTP calls included (30s).
	WallTime time.Duration
	// MemoryLimit bounds the heap growth of one call (64 MiB).
	MemoryLimit int64
	// HardMemoryLimit is a worker's kernel-enforced data-segment allowance
	// beyond its size at start; past it the worker dies (4×MemoryLimit,
	// at least 256 MiB).
	HardMemoryLimit int64
	// MaxSourceBytes bounds a script's source (256 KiB).
	MaxSourceBytes int
	// MaxParamsBytes bounds a call's input, as JSON (4 MiB).
	MaxParamsBytes int
	// MaxResultBytes bounds a call's result, as JSON (1 MiB).
	MaxResultBytes int
	// MaxLogLines bounds console lines per call (100).
	MaxLogLines int
	// CachedScripts is how many evaluated scripts a worker keeps (64).
	CachedScripts int
	// Disabled refuses every call (Rocket.Chat's DISABLE_INTEGRATION_SCRIPTS).
	Disabled bool
	// Command makes the command that starts a worker; nil runs this
	// executable with WorkerEnv set (the server's main must call
	// RunWorkerIfChild).
	Command func() (*exec.Cmd, error)
}

// Engine runs integration scripts in worker processes. It is safe for
// concurrent use; calls for one integration run one at a time, in the
// worker that holds its Store.
type Engine struct {
	opts    Options
	cfg     workerConfig
	workers []*workerProc
}

// New makes an Engine. Workers start on first use.
func New(opts Options) *Engine {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Workers <= 0 {
		opts.Workers = 2
	}
	if opts.CPUTime <= 0 {
		opts.CPUTime = 3 * time.Second
	}
	if opts.WallTime <= 0 {
		opts.WallTime = 30 * time.Second
	}
	if opts.MemoryLimit <= 0 {
		opts.MemoryLimit = 64 << 20
	}
	if opts.HardMemoryLimit <= 0 {
		opts.HardMemoryLimit = max(4*opts.MemoryLimit, 256<<20)
	}
	if opts.MaxSourceBytes <= 0 {
		opts.MaxSourceBytes = 256 << 10
	}
	if opts.MaxParamsBytes <= 0 {
		opts.MaxParamsBytes = 4 << 20
	}
	if opts.MaxResultBytes <= 0 {
		opts.MaxResultBytes = 1 << 20
	}
	if opts.MaxLogLines <= 0 {
		opts.MaxLogLines = 100
	}
	if opts.CachedScripts <= 0 {
		opts.CachedScripts = 64
	}
	e := &Engine{opts: opts, cfg: workerConfig{
		CPUTime:         opts.CPUTime,
		MemoryLimit:     opts.MemoryLimit,
		HardMemoryLimit: opts.HardMemoryLimit,
		MaxResultBytes:  opts.MaxResultBytes,
		MaxLogLines:     opts.MaxLogLines,
		CachedScripts:   opts.CachedScripts,
	}}
	for range opts.Workers {
		e.workers = append(e.workers, &workerProc{engine: e, slot: make(chan struct{}, 1)})
	}
	return e
}

// Close stops the workers.
func (e *Engine) Close() error {
	for _, w := range e.workers {
		w.slot <- struct{}{}
		w.stop()
		<-w.slot
	}
	return nil
}

// Check parses a script as Rocket.Chat does when an integration is saved:
// nil when it compiles, otherwise a KindSyntax *Error whose Name, Message
// and Stack become the integration's scriptError.
func (e *Engine) Check(source string) *Error {
	if len(source) > e.opts.MaxSourceBytes {
		return &Error{Kind: KindSyntax, Name: "Error", Message: fmt.Sprintf("the script is larger than %d bytes", e.opts.MaxSourceBytes)}
	}
	if _, err := goja.Compile("integration.js", source, false); err != nil {
		return syntaxError(err)
	}
	return nil
}

// Script identifies an integration's script: calls with the same
// IntegrationID and Source share one compiled program and Store.
type Script struct {
	IntegrationID string
	Name          string // the integration's name, for logs
	Source        string
}

func (s Script) key() string {
	sum := sha256.Sum256([]byte(s.Source))
	return s.IntegrationID + ":" + hex.EncodeToString(sum[:])
}

// Result is what a script method returned.
type Result struct {
	// Missing: the Script class has no such method.
	Missing bool
	// Value is the returned value as JSON; nil when it returned undefined.
	Value json.RawMessage
	// Logs are the call's console lines.
	Logs []LogLine
}

// LogLine is one console line of a script.
type LogLine struct {
	Level string // debug, info, warn, error
	Text  string
}

// Call runs method(params) of the script, params being passed as JSON
// (JSON.parse'd inside the sandbox, as isolated-vm copies them). A failed
// call returns an *Error; the server is never at risk, whatever the script
// does.
func (e *Engine) Call(ctx context.Context, s Script, method Method, params any) (*Result, error) {
	if e.opts.Disabled {
		return nil, &Error{Kind: KindDisabled, Message: "integration scripts are disabled"}
	}
	if len(s.Source) > e.opts.MaxSourceBytes {
		return nil, &Error{Kind: KindSyntax, Name: "Error", Message: fmt.Sprintf("the script is larger than %d bytes", e.opts.MaxSourceBytes)}
	}
	var raw json.RawMessage
	if params != nil {
		b, err := json.Marshal(params)
		if err != nil {
			return nil, fmt.Errorf("script: encode params: %w", err)
		}
		if len(b) > e.opts.MaxParamsBytes {
			return nil, &Error{Kind: KindInput, Message: fmt.Sprintf("the input is larger than %d bytes", e.opts.MaxParamsBytes)}
		}
		raw = b
	}
	h := fnv.New32a()
	h.Write([]byte(s.IntegrationID))
	w := e.workers[h.Sum32()%uint32(len(e.workers))]
	select {
	case w.slot <- struct{}{}:
	case <-ctx.Done():
		return nil, &Error{Kind: KindTimeout, Message: "waited too long for a script worker: " + ctx.Err().Error()}
	}
	defer func() { <-w.slot }()
	return w.call(ctx, s, method, raw)
}

// workerProc is the server's side of one worker process. Its slot is held
// by the one call in progress.
type workerProc struct {
	engine *Engine
	slot   chan struct{}

	cmd    *exec.Cmd
	stdin  io.WriteCloser
	out    *bufio.Reader
	stderr *tail
	exited chan struct{} // closed when the process has been waited for
	loaded map[string]bool
	nextID uint64
}

func (w *workerProc) start() error {
	var cmd *exec.Cmd
	if w.engine.opts.Command != nil {
		var err error
		if cmd, err = w.engine.opts.Command(); err != nil {
			return err
		}
	} else {
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("script: find the executable: %w", err)
		}
		cmd = exec.Command(exe)
		// Only what a worker needs: the server's environment (database
		// addresses, secrets) stays with the server.
		cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	}
	cfg, _ := json.Marshal(w.engine.cfg)
	cmd.Env = append(cmd.Env, WorkerEnv+"=1", workerConfigEnv+"="+string(cfg))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	w.stderr = &tail{max: 4 << 10}
	cmd.Stderr = w.stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("script: start a worker: %w", err)
	}
	w.cmd, w.stdin, w.out = cmd, stdin, bufio.NewReaderSize(stdout, 64<<10)
	w.exited = make(chan struct{})
	w.loaded = map[string]bool{}
	go func(exited chan struct{}) {
		_ = cmd.Wait()
		close(exited)
	}(w.exited)
	return nil
}

// stop kills the worker process, if any, and waits for it.
func (w *workerProc) stop() {
	if w.cmd == nil {
		return
	}
	_ = w.cmd.Process.Kill()
	<-w.exited
	w.cmd = nil
}

func (w *workerProc) alive() bool {
	if w.cmd == nil {
		return false
	}
	select {
	case <-w.exited:
		return false
	default:
		return true
	}
}

func (w *workerProc) call(ctx context.Context, s Script, method Method, params json.RawMessage) (*Result, error) {
	if !w.alive() {
		w.stop()
		if err := w.start(); err != nil {
			return nil, err
		}
	}
	ctx, cancel := context.WithTimeout(ctx, w.engine.opts.WallTime)
	defer cancel()
	var killedForTime bool
	var killMu sync.Mutex
	cmd := w.cmd
	stopKill := context.AfterFunc(ctx, func() {
		killMu.Lock()
		killedForTime = true
		killMu.Unlock()
		_ = cmd.Process.Kill()
	})
	defer stopKill()

	w.nextID++
	id := w.nextID
	key := s.key()
	req := frame{Op: "call", ID: id, Key: key, Name: integrationFileName(s), Method: string(method), Params: params}
	if !w.loaded[key] {
		req.Source = s.Source
	}
	res := &Result{}
	failed := func(err error) (*Result, error) {
		// The process is gone or unusable: say why, and start a new one
		// for the next call.
		_ = cmd.Process.Kill()
		<-w.exited
		defer func() { w.cmd = nil }()
		killMu.Lock()
		timedOut := killedForTime
		killMu.Unlock()
		if timedOut {
			return nil, &Error{Kind: KindTimeout, Message: fmt.Sprintf("the script did not finish within %v: %v", w.engine.opts.WallTime, context.Cause(ctx))}
		}
		return nil, w.death(err)
	}
	if err := w.send(req); err != nil {
		return failed(err)
	}
	for {
		f, err := w.read()
		if err != nil {
			return failed(err)
		}
		if f.ID != id {
			return failed(fmt.Errorf("answer for call %d during call %d", f.ID, id))
		}
		switch f.Op {
		case "need-source":
			req.Source = s.Source
			if err := w.send(req); err != nil {
				return failed(err)
			}
		case "log":
			res.Logs = append(res.Logs, LogLine{Level: f.Level, Text: f.Text})
			w.engine.log(s, f.Level, f.Text)
		case "http":
			reply := w.engine.doHTTP(ctx, f.Request)
			if err := w.send(frame{Op: "http-result", ID: id, Reply: reply}); err != nil {
				return failed(err)
			}
		case "result":
			if f.Err == nil || (f.Err.Kind != KindSyntax && f.Err.Kind != KindEvaluate) {
				w.loaded[key] = true
			}
			if f.Err != nil {
				if f.Err.Kind == KindCPU || f.Err.Kind == KindMemory || f.Err.Kind == KindCrash {
					delete(w.loaded, key)
				}
				return res, f.Err
			}
			res.Missing, res.Value = f.Missing, f.Value
			return res, nil
		default:
			return failed(fmt.Errorf("unexpected %q frame", f.Op))
		}
	}
}

func (w *workerProc) send(f frame) error {
	b, err := json.Marshal(f)
	if err != nil {
		return err
	}
	_, err = w.stdin.Write(append(b, '\n'))
	return err
}

// maxFrame bounds one line from a worker: a result, a log line or an HTTP
// request, with room for JSON escaping.
func (w *workerProc) maxFrame() int {
	return 4*w.engine.opts.MaxResultBytes + (1 << 20)
}

func (w *workerProc) read() (frame, error) {
	var line []byte
	for {
		chunk, isPrefix, err := w.out.ReadLine()
		if err != nil {
			return frame{}, err
		}
		line = append(line, chunk...)
		if len(line) > w.maxFrame() {
			return frame{}, errors.New("a worker frame is too large")
		}
		if !isPrefix {
			break
		}
	}
	var f frame
	if err := json.Unmarshal(line, &f); err != nil {
		return frame{}, fmt.Errorf("bad worker frame: %w", err)
	}
	return f, nil
}

// death explains why a worker stopped answering.
func (w *workerProc) death(cause error) *Error {
	if w.exited != nil {
		<-w.exited
	}
	text := strings.TrimSpace(w.stderr.String())
	code := -1
	if w.cmd != nil && w.cmd.ProcessState != nil {
		code = w.cmd.ProcessState.ExitCode()
	}
	switch {
	case code == exitCPU:
		return &Error{Kind: KindCPU, Message: limitMessage(KindCPU, w.engine.cfg) + " (inside a builtin; the worker was stopped)"}
	case code == exitMemory:
		return &Error{Kind: KindMemory, Message: limitMessage(KindMemory, w.engine.cfg) + " (inside a builtin; the worker was stopped)"}
	case outOfMemory(text):
		return &Error{Kind: KindMemory, Message: fmt.Sprintf("the script reached the worker's hard memory limit (%d MiB); the worker was stopped", w.engine.cfg.HardMemoryLimit>>20)}
	}
	msg := fmt.Sprintf("the script worker stopped (%v)", cause)
	if text != "" {
		msg += ": " + firstLine(text)
	}
	return &Error{Kind: KindCrash, Message: msg}
}

func (e *Engine) log(s Script, level, text string) {
	l := slog.LevelInfo
	switch level {
	case "debug":
		l = slog.LevelDebug
	case "warn":
		l = slog.LevelWarn
	case "error":
		l = slog.LevelError
	}
	e.opts.Logger.Log(context.Background(), l, "integration script", "integration", s.IntegrationID, "name", s.Name, "text", text)
}

// doHTTP performs a script's HTTP call through the server's client.
func (e *Engine) doHTTP(ctx context.Context, r *httpRequest) *httpReply {
	if r == nil {
		return &httpReply{Error: "bad request"}
	}
	if e.opts.HTTP == nil {
		return &httpReply{Error: "HTTP calls are not available to scripts on this server"}
	}
	if r.TimeoutMillis > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Duration(r.TimeoutMillis)*time.Millisecond)
		defer cancel()
	}
	var body io.Reader
	if r.Body != nil {
		body = strings.NewReader(*r.Body)
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, r.URL, body)
	if err != nil {
		return &httpReply{Error: err.Error()}
	}
	for k, v := range r.Headers {
		req.Header.Set(k, v)
	}
	if r.FollowRedirects != nil && !*r.FollowRedirects {
		req = req.WithContext(safehttp.WithoutRedirects(ctx))
	}
	resp, err := e.opts.HTTP.Do(req)
	if err != nil {
		return &httpReply{Error: err.Error()}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, int64(e.opts.MaxResultBytes)+1))
	if err != nil {
		return &httpReply{Error: err.Error()}
	}
	if len(b) > e.opts.MaxResultBytes {
		return &httpReply{Error: fmt.Sprintf("the response is larger than %d bytes", e.opts.MaxResultBytes)}
	}
	headers := map[string]string{}
	for k, v := range resp.Header {
		headers[strings.ToLower(k)] = strings.Join(v, ", ")
	}
	return &httpReply{
		Status:     resp.StatusCode,
		StatusText: strings.TrimSpace(strings.TrimPrefix(resp.Status, fmt.Sprint(resp.StatusCode))),
		URL:        resp.Request.URL.String(),
		Redirected: resp.Request.URL.String() != r.URL,
		Headers:    headers,
		Body:       string(bytes.ToValidUTF8(b, []byte("\uFFFD"))),
	}
}

func integrationFileName(s Script) string {
	if s.IntegrationID == "" {
		return "integration.js"
	}
	return "integration-" + s.IntegrationID + ".js"
}

// tail keeps the first and the last max bytes written to it (a worker's
// stderr: a Go crash says why in its first line, then dumps goroutines).
type tail struct {
	mu   sync.Mutex
	max  int
	head []byte
	buf  []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if room := t.max - len(t.head); room > 0 {
		t.head = append(t.head, p[:min(room, len(p))]...)
	}
	t.buf = append(t.buf, p...)
	if len(t.buf) > t.max {
		t.buf = append([]byte(nil), t.buf[len(t.buf)-t.max:]...)
	}
	return len(p), nil
}

// String returns the start of the output, and its end when it is longer.
func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.buf) <= len(t.head) {
		return string(t.head)
	}
	return string(t.head) + "\n…\n" + string(t.buf)
}

// outOfMemory tells whether a worker's stderr says it ran out of memory:
// the Go runtime's fatal error, or an allocation refused to the race
// detector's runtime (tests run under -race).
func outOfMemory(stderr string) bool {
	return strings.Contains(stderr, "out of memory") ||
		(strings.Contains(stderr, "failed to allocate") && strings.Contains(stderr, "errno: 12"))
}

// firstLine returns the first non-empty line of s.
func firstLine(s string) string {
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			return l
		}
	}
	return ""
}
