package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"liftoff/jobs"
	"liftoff/store/sqlite"
)

func openDB(t *testing.T, path string) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), path, nil, sqlite.Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func newDB(t *testing.T) *sqlite.DB {
	return openDB(t, filepath.Join(t.TempDir(), "liftoff.db"))
}

// fast are options for tests: quick polls and retries.
func fast(reg prometheus.Registerer) jobs.Options {
	return jobs.Options{
		Workers:      4,
		PollInterval: 20 * time.Millisecond,
		Backoff:      jobs.Backoff{Base: time.Millisecond, Max: 5 * time.Millisecond},
		Registerer:   reg,
	}
}

// run starts q.Run and returns a function that stops it and waits.
func run(t *testing.T, q *jobs.Queue) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- q.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// waitFor waits until cond holds, failing the test after a deadline.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func state(t *testing.T, s jobs.Store, key string) *jobs.Job {
	t.Helper()
	j, err := s.JobByKey(context.Background(), key)
	if err != nil {
		t.Fatalf("JobByKey(%s): %v", key, err)
	}
	return j
}

func TestRetryThenSuccess(t *testing.T) {
	db := newDB(t)
	reg := prometheus.NewRegistry()
	q := jobs.New(db, fast(reg))
	var mu sync.Mutex
	var attempts []int
	var errs []string
	q.Handle("flaky", func(ctx context.Context, j jobs.Job) error {
		mu.Lock()
		defer mu.Unlock()
		attempts = append(attempts, j.Attempts)
		errs = append(errs, j.LastError)
		if j.Attempts < 3 {
			return fmt.Errorf("provider down (attempt %d)", j.Attempts)
		}
		return nil
	}, jobs.KindOptions{})
	run(t, q)
	if n, err := q.Enqueue(t.Context(), jobs.NewJob{Kind: "flaky", Key: "k", Payload: []byte("x")}); err != nil || n != 1 {
		t.Fatalf("Enqueue = %d, %v", n, err)
	}
	// The counter moves just after the store records the outcome.
	waitFor(t, "the job to be done", func() bool {
		return state(t, db, "k").State == jobs.StateDone && counter(t, reg, "liftoff_jobs_completed_total", "flaky") == 1
	})
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(attempts, []int{1, 2, 3}) {
		t.Fatalf("attempts %v, want [1 2 3]", attempts)
	}
	if !slices.Equal(errs, []string{"", "provider down (attempt 1)", "provider down (attempt 2)"}) {
		t.Fatalf("last errors seen by the handler: %q", errs)
	}
	for name, want := range map[string]float64{
		"liftoff_jobs_enqueued_total": 1, "liftoff_jobs_retried_total": 2,
		"liftoff_jobs_completed_total": 1, "liftoff_jobs_failed_total": 0,
	} {
		if got := counter(t, reg, name, "flaky"); got != want {
			t.Errorf("%s{kind=flaky} = %v, want %v", name, got, want)
		}
	}
	if got := stored(t, reg, "flaky", jobs.StateDone); got != 1 {
		t.Errorf("liftoff_jobs_stored{kind=flaky,state=done} = %v, want 1", got)
	}
}

// stored reads the liftoff_jobs_stored gauge of a kind and state.
func stored(t *testing.T, reg *prometheus.Registry, kind, st string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "liftoff_jobs_stored" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["kind"] == kind && labels["state"] == st {
				return m.GetGauge().GetValue()
			}
		}
	}
	return -1
}

// counter reads one counter of the registry (0 when absent).
func counter(t *testing.T, reg *prometheus.Registry, name, kind string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "kind" && l.GetValue() == kind {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}

func TestPermanentAndMaxAttempts(t *testing.T) {
	db := newDB(t)
	reg := prometheus.NewRegistry()
	q := jobs.New(db, fast(reg))
	calls := map[string]int{}
	var mu sync.Mutex
	q.Handle("bad", func(ctx context.Context, j jobs.Job) error {
		mu.Lock()
		calls[j.Key]++
		mu.Unlock()
		if j.Key == "permanent" {
			return jobs.Permanent(errors.New("invalid recipient"))
		}
		return errors.New("still down")
	}, jobs.KindOptions{MaxAttempts: 3})
	run(t, q)
	q.Enqueue(t.Context(), jobs.NewJob{Kind: "bad", Key: "permanent"}, jobs.NewJob{Kind: "bad", Key: "transient"})
	waitFor(t, "both jobs to fail", func() bool {
		return state(t, db, "permanent").State == jobs.StateFailed && state(t, db, "transient").State == jobs.StateFailed &&
			counter(t, reg, "liftoff_jobs_failed_total", "bad") == 2
	})
	mu.Lock()
	defer mu.Unlock()
	if calls["permanent"] != 1 || calls["transient"] != 3 {
		t.Fatalf("calls %v; want 1 for the permanent error, 3 (MaxAttempts) for the transient one", calls)
	}
	if j := state(t, db, "transient"); j.LastError != "still down" || j.Attempts != 3 {
		t.Fatalf("failed job = %+v", j)
	}
	if got := counter(t, reg, "liftoff_jobs_failed_total", "bad"); got != 2 {
		t.Fatalf("failed_total = %v, want 2", got)
	}
}

func TestRetryAfter(t *testing.T) {
	db := newDB(t)
	q := jobs.New(db, fast(nil))
	q.Handle("limited", func(ctx context.Context, j jobs.Job) error {
		if j.Attempts == 1 {
			return jobs.RetryAfter(errors.New("429"), time.Hour)
		}
		return nil
	}, jobs.KindOptions{})
	run(t, q)
	before := time.Now()
	q.Enqueue(t.Context(), jobs.NewJob{Kind: "limited", Key: "k"})
	waitFor(t, "the retry to be scheduled", func() bool { j := state(t, db, "k"); return j.State == jobs.StatePending && j.Attempts == 1 })
	if j := state(t, db, "k"); j.RunAt.Before(before.Add(59*time.Minute)) || j.LastError != "429" {
		t.Fatalf("retry scheduled at %v (err %q), want an hour after %v", j.RunAt, j.LastError, before)
	}
}

func TestBatchAndCancel(t *testing.T) {
	db := newDB(t)
	q := jobs.New(db, fast(nil))
	batches := make(chan []string, 10)
	q.HandleBatch("digest", 10, func(ctx context.Context, batch []jobs.Job) error {
		var ks []string
		for _, j := range batch {
			ks = append(ks, j.Key)
		}
		batches <- ks
		return nil
	}, jobs.KindOptions{})
	later := time.Now().Add(time.Hour)
	// u1's first message is due now; the next two are within its window.
	q.Enqueue(t.Context(),
		jobs.NewJob{Kind: "digest", Key: "u2-a", Group: "user:u2", RunAt: later},
		jobs.NewJob{Kind: "digest", Key: "u1-a", Group: "user:u1"},
		jobs.NewJob{Kind: "digest", Key: "u1-b", Group: "user:u1", RunAt: later},
		jobs.NewJob{Kind: "digest", Key: "u1-c", Group: "user:u1", RunAt: later},
	)
	// u2 read the room: its pending notification goes.
	if n, err := q.Cancel(t.Context(), "user:u2"); err != nil || n != 1 {
		t.Fatalf("Cancel = %d, %v", n, err)
	}
	run(t, q)
	select {
	case got := <-batches:
		if !slices.Equal(got, []string{"u1-a", "u1-b", "u1-c"}) {
			t.Fatalf("batch %v, want u1's three jobs in order", got)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no batch")
	}
	if j := state(t, db, "u2-a"); j.State != jobs.StateCanceled {
		t.Fatalf("u2's job is %s, want canceled", j.State)
	}
}

// TestRestartFullQueue stops a queue in the middle of a full queue and
// starts another on the reopened database: every job is handled exactly
// once.
func TestRestartFullQueue(t *testing.T) {
	path := filepath.Join(t.TempDir(), "liftoff.db")
	const n = 300
	var mu sync.Mutex
	handled := map[string]int{}
	handler := func(ctx context.Context, j jobs.Job) error {
		mu.Lock()
		handled[j.Key]++
		mu.Unlock()
		return nil
	}
	count := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(handled)
	}

	db1, err := sqlite.Open(context.Background(), path, nil, sqlite.Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	q1 := jobs.New(db1, fast(nil))
	q1.Handle("note", handler, jobs.KindOptions{})
	js := make([]jobs.NewJob, n)
	for i := range js {
		js[i] = jobs.NewJob{Kind: "note", Key: fmt.Sprintf("k%03d", i)}
	}
	if added, err := q1.Enqueue(t.Context(), js...); err != nil || added != n {
		t.Fatalf("Enqueue = %d, %v", added, err)
	}
	stop := run(t, q1)
	waitFor(t, "some jobs to run", func() bool { return count() >= n/4 })
	stop()
	if err := db1.Close(); err != nil {
		t.Fatal(err)
	}
	first := count()
	if first >= n {
		t.Fatalf("the first queue handled all %d jobs before it was stopped; the test proves nothing", n)
	}

	db2 := openDB(t, path)
	q2 := jobs.New(db2, fast(nil))
	q2.Handle("note", handler, jobs.KindOptions{})
	// Enqueueing the same work again (an event delivered twice) adds nothing.
	if added, err := q2.Enqueue(t.Context(), js...); err != nil || added != 0 {
		t.Fatalf("re-Enqueue after restart = %d, %v; want 0", added, err)
	}
	run(t, q2)
	waitFor(t, "every job", func() bool { return count() == n })
	waitFor(t, "every job recorded done", func() bool {
		cs, err := db2.CountJobs(context.Background())
		return err == nil && len(cs) == 1 && cs[0].State == jobs.StateDone && cs[0].N == n
	})
	mu.Lock()
	defer mu.Unlock()
	for k, c := range handled {
		if c != 1 {
			t.Fatalf("job %s handled %d times", k, c)
		}
	}
	t.Logf("first queue handled %d, second %d", first, n-first)
}

// The crash test runs a queue in a child process (this test binary again)
// that sends each job to a provider (an HTTP server of the parent), and
// kills it with SIGKILL in the middle. A new queue on the same database
// then finishes the work: every job reaches the provider, jobs recorded as
// done before the crash are never sent again, and the only duplicates are
// jobs that were in flight when the process died.

const (
	crashEnvDB  = "LIFTOFF_JOBS_CRASH_DB"
	crashEnvURL = "LIFTOFF_JOBS_CRASH_URL"
	crashWorker = 4
	// The lease bounds how long the restarted queue waits for the killed
	// one's jobs; it must also exceed any request to the provider, or a
	// slow answer would time out and repeat a job without a crash.
	crashLease = 3 * time.Second
)

// sendTo is the crash test's handler: one POST of the job's key.
func sendTo(url string) jobs.Handler {
	return func(ctx context.Context, j jobs.Job) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(j.Key))
		if err != nil {
			return err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNoContent {
			return fmt.Errorf("provider answered %s", resp.Status)
		}
		return nil
	}
}

func crashOptions() jobs.Options {
	o := fast(nil)
	o.Workers = crashWorker
	o.Lease = crashLease
	return o
}

// TestMain runs the crash test's child process when asked to.
func TestMain(m *testing.M) {
	if path := os.Getenv(crashEnvDB); path != "" {
		crashChild(path, os.Getenv(crashEnvURL))
		return
	}
	os.Exit(m.Run())
}

// crashChild drains the queue at path until the parent kills it.
func crashChild(path, url string) {
	db, err := sqlite.Open(context.Background(), path, nil, sqlite.Options{Synchronous: "NORMAL"})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	q := jobs.New(db, crashOptions())
	q.Handle("note", sendTo(url), jobs.KindOptions{})
	q.Run(context.Background())
}

func TestCrashNothingLost(t *testing.T) {
	const n = 400
	var mu sync.Mutex
	received := map[string]int{}
	total := 0
	provider := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		received[string(b)]++
		total++
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer provider.Close()
	count := func() int {
		mu.Lock()
		defer mu.Unlock()
		return total
	}

	path := filepath.Join(t.TempDir(), "liftoff.db")
	db := openDB(t, path)
	js := make([]jobs.NewJob, n)
	for i := range js {
		js[i] = jobs.NewJob{Kind: "note", Key: fmt.Sprintf("k%03d", i)}
	}
	if added, err := jobs.New(db, fast(nil)).Enqueue(t.Context(), js...); err != nil || added != n {
		t.Fatalf("Enqueue = %d, %v", added, err)
	}

	child := exec.Command(os.Args[0])
	child.Env = append(os.Environ(), crashEnvDB+"="+path, crashEnvURL+"="+provider.URL)
	child.Stdout, child.Stderr = io.Discard, io.Discard
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the child to send some jobs", func() bool { return count() >= n/3 })
	if err := child.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	child.Wait()
	sentBeforeCrash := count()
	if sentBeforeCrash >= n {
		t.Fatalf("the child sent all %d jobs before it was killed; the test proves nothing", n)
	}

	// What the store recorded as done before the crash must never be sent again.
	var doneBefore []string
	for i := range n {
		key := fmt.Sprintf("k%03d", i)
		if state(t, db, key).State == jobs.StateDone {
			doneBefore = append(doneBefore, key)
		}
	}

	q := jobs.New(db, crashOptions())
	q.Handle("note", sendTo(provider.URL), jobs.KindOptions{})
	run(t, q)
	waitFor(t, "every job done", func() bool {
		cs, err := db.CountJobs(context.Background())
		return err == nil && len(cs) == 1 && cs[0].State == jobs.StateDone && cs[0].N == n
	})

	mu.Lock()
	defer mu.Unlock()
	dups := 0
	for i := range n {
		key := fmt.Sprintf("k%03d", i)
		switch c := received[key]; {
		case c == 0:
			t.Fatalf("job %s was lost", key)
		case c > 1:
			dups++
		}
	}
	for _, key := range doneBefore {
		if received[key] != 1 {
			t.Fatalf("job %s, done before the crash, was sent %d times", key, received[key])
		}
	}
	// Only jobs claimed by the killed process and not yet recorded may
	// repeat: at most one claim's worth per worker.
	if dups > crashWorker {
		t.Fatalf("%d jobs sent twice; at most %d (the jobs in flight at the crash) may be", dups, crashWorker)
	}
	t.Logf("sent before the crash %d (recorded done %d), duplicates %d", sentBeforeCrash, len(doneBefore), dups)
}
