package script

import (
	"bufio"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"sync"
	"time"

	"github.com/dop251/goja"
)

// WorkerEnv is the environment variable that turns the server's executable
// into a script worker (see RunWorkerIfChild).
const WorkerEnv = "LIFTOFF_SCRIPT_WORKER"

// workerConfigEnv carries the worker's limits, as JSON.
const workerConfigEnv = "LIFTOFF_SCRIPT_WORKER_CONFIG"

// workerConfig is what a worker needs to know from the server's Options.
type workerConfig struct {
	CPUTime         time.Duration `json:"cpu"`
	MemoryLimit     int64         `json:"memory"`
	HardMemoryLimit int64         `json:"hardMemory"`
	MaxResultBytes  int           `json:"maxResult"`
	MaxLogLines     int           `json:"maxLogLines"`
	CachedScripts   int           `json:"cachedScripts"`
}

//go:embed prelude.js
var preludeSource string

var (
	preludeOnce    sync.Once
	preludeProgram *goja.Program
	newScriptProg  *goja.Program
)

func compiledPrelude() (*goja.Program, *goja.Program) {
	preludeOnce.Do(func() {
		preludeProgram = goja.MustCompile("sandbox.js", preludeSource, true)
		newScriptProg = goja.MustCompile("sandbox.js", `new Script()`, false)
	})
	return preludeProgram, newScriptProg
}

// RunWorkerIfChild makes this process a script worker when the server
// started it as one, and then exits; otherwise it returns at once. The
// server's main must call it before anything else (flag parsing, opening
// the database): the Engine starts workers from the same executable.
func RunWorkerIfChild() {
	if os.Getenv(WorkerEnv) == "" {
		return
	}
	var cfg workerConfig
	if err := json.Unmarshal([]byte(os.Getenv(workerConfigEnv)), &cfg); err != nil {
		fmt.Fprintln(os.Stderr, "script worker: bad configuration:", err)
		os.Exit(exitBroken)
	}
	os.Exit(serveWorker(os.Stdin, os.Stdout, cfg))
}

// serveWorker answers the server's calls until its input closes, and
// returns the process exit code.
func serveWorker(in io.Reader, out io.Writer, cfg workerConfig) int {
	runtime.GOMAXPROCS(2) // the script and its watchdog
	limitDataSegment(cfg.HardMemoryLimit)
	base := heapBytes()
	debug.SetMemoryLimit(base + 2*cfg.MemoryLimit)
	bw := bufio.NewWriter(out)
	w := &worker{
		cfg:     cfg,
		dec:     json.NewDecoder(bufio.NewReaderSize(in, 64<<10)),
		enc:     json.NewEncoder(bw),
		flush:   bw.Flush,
		scripts: map[string]*instance{},
	}
	for {
		var f frame
		if err := w.dec.Decode(&f); err != nil {
			if errors.Is(err, io.EOF) {
				return 0
			}
			fmt.Fprintln(os.Stderr, "script worker:", err)
			return exitBroken
		}
		if f.Op != "call" {
			fmt.Fprintf(os.Stderr, "script worker: unexpected %q frame\n", f.Op)
			return exitBroken
		}
		if err := w.call(&f); err != nil {
			fmt.Fprintln(os.Stderr, "script worker:", err)
			return exitBroken
		}
	}
}

type worker struct {
	cfg     workerConfig
	dec     *json.Decoder
	enc     *json.Encoder
	flush   func() error
	scripts map[string]*instance
	order   []string // keys, least recently used first

	callID   uint64
	logLines int
}

// instance is one integration's script, evaluated: its runtime (global
// scope, Store) and its Script object.
type instance struct {
	vm        *goja.Runtime
	script    *goja.Object
	parse     goja.Callable
	stringify goja.Callable
}

func (w *worker) send(f frame) error {
	if err := w.enc.Encode(f); err != nil {
		return err
	}
	return w.flush()
}

func (w *worker) call(f *frame) error {
	w.callID, w.logLines = f.ID, 0
	inst := w.scripts[f.Key]
	if inst == nil {
		if f.Source == "" {
			return w.send(frame{Op: "need-source", ID: f.ID})
		}
		var err *Error
		inst, err = w.load(f.Name, f.Source)
		if err != nil {
			return w.send(frame{Op: "result", ID: f.ID, Err: err})
		}
		w.remember(f.Key, inst)
	}
	w.touch(f.Key)
	method := inst.script.Get(f.Method)
	fn, ok := goja.AssertFunction(method)
	if !ok {
		return w.send(frame{Op: "result", ID: f.ID, Missing: true})
	}
	value, err := w.invoke(inst, fn, f.Params)
	if err != nil && (err.Kind == KindCPU || err.Kind == KindMemory || err.Kind == KindCrash) {
		// The runtime may be half way through anything: start afresh.
		w.forget(f.Key)
	}
	return w.send(frame{Op: "result", ID: f.ID, Value: value, Err: err})
}

// load compiles and evaluates a script in a new runtime and makes its
// Script instance.
func (w *worker) load(name, source string) (inst *instance, failure *Error) {
	prog, err := goja.Compile(name, source, false)
	if err != nil {
		return nil, syntaxError(err)
	}
	prelude, newScript := compiledPrelude()
	vm := goja.New()
	host := vm.NewObject()
	_ = host.Set("log", w.hostLog)
	_ = host.Set("http", w.hostHTTP)
	_ = host.Set("base64", func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) })
	_ = host.Set("limits", map[string]any{
		"maxString": w.cfg.MemoryLimit / 2,
		"maxArray":  w.cfg.MemoryLimit / 16,
		"maxBytes":  w.cfg.MemoryLimit,
	})
	_ = vm.Set("__host", host)
	if _, err := vm.RunProgram(prelude); err != nil {
		return nil, &Error{Kind: KindCrash, Message: "the sandbox did not start: " + err.Error()}
	}
	inst = &instance{vm: vm}
	inst.parse, _ = goja.AssertFunction(vm.Get("JSON").ToObject(vm).Get("parse"))
	inst.stringify, _ = goja.AssertFunction(vm.Get("JSON").ToObject(vm).Get("stringify"))

	var obj goja.Value
	failure = w.guarded(vm, KindEvaluate, func() error {
		if _, err := vm.RunProgram(prog); err != nil {
			return err
		}
		var err error
		obj, err = vm.RunProgram(newScript)
		return err
	})
	if failure != nil {
		return nil, failure
	}
	inst.script = obj.ToObject(vm)
	return inst, nil
}

// invoke calls method(params) and returns its result as JSON (nil for
// undefined), awaiting a returned promise.
func (w *worker) invoke(inst *instance, fn goja.Callable, params json.RawMessage) (json.RawMessage, *Error) {
	var out json.RawMessage
	failure := w.guarded(inst.vm, KindThrow, func() error {
		arg := goja.Undefined()
		if len(params) > 0 {
			v, err := inst.parse(goja.Undefined(), inst.vm.ToValue(string(params)))
			if err != nil {
				return err
			}
			arg = v
		}
		ret, err := fn(inst.script, arg)
		if err != nil {
			return err
		}
		if p, ok := ret.Export().(*goja.Promise); ok {
			switch p.State() {
			case goja.PromiseStateFulfilled:
				ret = p.Result()
			case goja.PromiseStateRejected:
				return &rejection{p.Result()}
			default:
				return &resultError{"the method's promise never settled (only the sandbox's own calls can complete it)"}
			}
		}
		if goja.IsUndefined(ret) {
			return nil
		}
		s, err := inst.stringify(goja.Undefined(), ret)
		if err != nil {
			return &resultError{"the result is not JSON: " + exceptionMessage(err)}
		}
		if goja.IsUndefined(s) {
			return nil
		}
		text := s.String()
		if len(text) > w.cfg.MaxResultBytes {
			return &resultError{fmt.Sprintf("the result is larger than %d bytes", w.cfg.MaxResultBytes)}
		}
		out = json.RawMessage(text)
		return nil
	})
	return out, failure
}

// resultError is a call whose result cannot be returned.
type resultError struct{ msg string }

func (e *resultError) Error() string { return e.msg }

// rejection is a promise rejected with value.
type rejection struct{ value goja.Value }

func (e *rejection) Error() string { return "promise rejected" }

// Interrupt values: why the watchdog stopped a script.
type limitHit struct{ kind Kind }

// guarded runs fn under the watchdog and turns what went wrong into an
// *Error (kind for an exception the script threw).
func (w *worker) guarded(vm *goja.Runtime, kind Kind, fn func() error) (failure *Error) {
	stop := w.watch(vm)
	defer func() {
		hit := stop()
		if r := recover(); r != nil {
			// A Go panic in a builtin (for example an allocation too large
			// for the runtime): the runtime is not to be trusted any more.
			failure = &Error{Kind: KindCrash, Message: fmt.Sprint(r)}
			if strings.Contains(fmt.Sprint(r), "out of range") || strings.Contains(fmt.Sprint(r), "memory") {
				failure.Kind = KindMemory
			}
		}
		if failure != nil && hit != "" {
			failure.Kind = hit
		}
		vm.ClearInterrupt()
		if failure != nil && (failure.Kind == KindMemory || failure.Kind == KindCPU) {
			runtime.GC()
			debug.FreeOSMemory()
		}
	}()
	err := fn()
	if err == nil {
		return nil
	}
	return w.toError(vm, kind, err)
}

func (w *worker) toError(vm *goja.Runtime, kind Kind, err error) *Error {
	var interrupted *goja.InterruptedError
	var exception *goja.Exception
	var rejected *rejection
	var result *resultError
	switch {
	case errors.As(err, &interrupted):
		if hit, ok := interrupted.Value().(limitHit); ok {
			return &Error{Kind: hit.kind, Message: limitMessage(hit.kind, w.cfg)}
		}
		return &Error{Kind: KindTimeout, Message: fmt.Sprint(interrupted.Value())}
	case errors.As(err, &exception):
		return jsError(vm, kind, exception.Value(), exception.String())
	case errors.As(err, &rejected):
		return jsError(vm, kind, rejected.value, "")
	case errors.As(err, &result):
		return &Error{Kind: KindResult, Message: result.msg}
	}
	return &Error{Kind: kind, Message: err.Error()}
}

func limitMessage(kind Kind, cfg workerConfig) string {
	if kind == KindCPU {
		return fmt.Sprintf("the script used more than %v of CPU time", cfg.CPUTime)
	}
	return fmt.Sprintf("the script allocated more than %d MiB", cfg.MemoryLimit>>20)
}

// jsError describes a thrown JavaScript value as Rocket.Chat does: the
// error's name, message and stack.
func jsError(vm *goja.Runtime, kind Kind, v goja.Value, stack string) *Error {
	e := &Error{Kind: kind, Name: "Error"}
	if obj, ok := v.(*goja.Object); ok && obj != nil {
		if name := obj.Get("name"); name != nil && !goja.IsUndefined(name) {
			e.Name = name.String()
		}
		if msg := obj.Get("message"); msg != nil && !goja.IsUndefined(msg) {
			e.Message = msg.String()
		}
		if st := obj.Get("stack"); st != nil && !goja.IsUndefined(st) {
			e.Stack = st.String()
		}
		if flag := obj.Get("__memoryLimit"); flag != nil && flag.ToBoolean() {
			e.Kind = KindMemory
		}
	} else if v != nil {
		e.Message = v.String()
	}
	if e.Stack == "" {
		e.Stack = stack
	}
	return e
}

func syntaxError(err error) *Error {
	e := &Error{Kind: KindSyntax, Name: "SyntaxError", Message: err.Error()}
	var cse *goja.CompilerSyntaxError
	if errors.As(err, &cse) {
		e.Message = cse.Message
		e.Stack = cse.Error()
	}
	return e
}

func exceptionMessage(err error) string {
	var exception *goja.Exception
	if errors.As(err, &exception) {
		return exception.Value().String()
	}
	return err.Error()
}

// watch starts the watchdog of one run: every 2 ms it compares the
// process's CPU time and heap with their values at the start, interrupts
// the script past a limit, and ends the process when a builtin does not
// give control back within a second of that. stop ends the watch and
// returns which limit was hit, if any.
func (w *worker) watch(vm *goja.Runtime) (stop func() Kind) {
	cpu0, heap0 := cpuTime(), heapBytes()
	done := make(chan struct{})
	var hit Kind
	var mu sync.Mutex
	go func() {
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		var since time.Time
		for {
			select {
			case <-done:
				return
			case now := <-tick.C:
				mu.Lock()
				if hit == "" {
					switch {
					case cpuTime()-cpu0 > w.cfg.CPUTime:
						hit = KindCPU
					case heapBytes()-heap0 > w.cfg.MemoryLimit:
						hit = KindMemory
					}
					if hit != "" {
						since = now
						vm.Interrupt(limitHit{hit})
					}
				} else if now.Sub(since) > time.Second {
					code := exitCPU
					if hit == KindMemory {
						code = exitMemory
					}
					fmt.Fprintf(os.Stderr, "script worker: %s\n", limitMessage(hit, w.cfg))
					os.Exit(code)
				}
				mu.Unlock()
			}
		}
	}()
	return func() Kind {
		close(done)
		mu.Lock()
		defer mu.Unlock()
		return hit
	}
}

var heapSample = []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}

// heapBytes is the memory held by heap objects, live or not yet swept.
func heapBytes() int64 {
	metrics.Read(heapSample)
	if heapSample[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return int64(heapSample[0].Value.Uint64())
}

// hostLog is console.*: lines go to the server, which logs them with the
// integration's name; past MaxLogLines a call's lines are dropped.
func (w *worker) hostLog(level, text string) {
	w.logLines++
	switch {
	case w.logLines > w.cfg.MaxLogLines+1:
		return
	case w.logLines == w.cfg.MaxLogLines+1:
		level, text = "warn", fmt.Sprintf("more than %d console lines in one call: the rest are dropped", w.cfg.MaxLogLines)
	}
	if len(text) > 4000 {
		text = text[:4000] + "…"
	}
	if err := w.send(frame{Op: "log", ID: w.callID, Level: level, Text: text}); err != nil {
		panic(fmt.Errorf("script worker: %w", err))
	}
}

// hostHTTP carries a script's HTTP call to the server and waits for the
// answer (a JSON httpReply).
func (w *worker) hostHTTP(request string) string {
	var req httpRequest
	if err := json.Unmarshal([]byte(request), &req); err != nil {
		return `{"error":"bad request"}`
	}
	if err := w.send(frame{Op: "http", ID: w.callID, Request: &req}); err != nil {
		panic(fmt.Errorf("script worker: %w", err))
	}
	var f frame
	if err := w.dec.Decode(&f); err != nil || f.Op != "http-result" || f.ID != w.callID || f.Reply == nil {
		fmt.Fprintln(os.Stderr, "script worker: the server did not answer an HTTP call", err)
		os.Exit(exitBroken)
	}
	b, _ := json.Marshal(f.Reply)
	return string(b)
}

func (w *worker) remember(key string, inst *instance) {
	w.scripts[key] = inst
	w.order = append(w.order, key)
	for len(w.order) > w.cfg.CachedScripts {
		delete(w.scripts, w.order[0])
		w.order = w.order[1:]
	}
}

func (w *worker) touch(key string) {
	for i, k := range w.order {
		if k == key {
			w.order = append(append(w.order[:i:i], w.order[i+1:]...), key)
			return
		}
	}
}

func (w *worker) forget(key string) {
	delete(w.scripts, key)
	for i, k := range w.order {
		if k == key {
			w.order = append(w.order[:i:i], w.order[i+1:]...)
			return
		}
	}
}
