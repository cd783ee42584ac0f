package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"liftoff/jobs"
)

// JobsOpener opens a fresh, empty job store for one test, closed by
// t.Cleanup.
type JobsOpener func(t *testing.T) jobs.Store

// RunJobs is the contract suite of jobs.Store: every backend runs it
// against a fresh database and must pass it. It checks idempotent enqueue,
// due times, leases and their expiry, outcomes recorded only under the
// claiming lease, cancellation, batches, purging and counts, and that
// concurrent claimers never share a job.
func RunJobs(t *testing.T, open JobsOpener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s jobs.Store)
	}{
		{"EnqueueClaim", testJobsEnqueueClaim},
		{"IdempotentKey", testJobsIdempotentKey},
		{"DueTimeAndOrder", testJobsDueTimeAndOrder},
		{"LeaseExpiry", testJobsLeaseExpiry},
		{"Retry", testJobsRetry},
		{"Fail", testJobsFail},
		{"Cancel", testJobsCancel},
		{"Batch", testJobsBatch},
		{"ConcurrentClaims", testJobsConcurrentClaims},
		{"PurgeAndCount", testJobsPurgeAndCount},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open(t)) })
	}
}

// jobsBase is the suite's clock: a fixed time at millisecond precision.
var jobsBase = time.UnixMilli(1_800_000_000_000)

var idCounter struct {
	sync.Mutex
	n int
}

func jobID() string {
	idCounter.Lock()
	defer idCounter.Unlock()
	idCounter.n++
	return fmt.Sprintf("job%06d", idCounter.n)
}

func enqueue(t *testing.T, s jobs.Store, now time.Time, js ...jobs.NewJob) ([]string, int) {
	t.Helper()
	ids := make([]string, len(js))
	for i := range js {
		ids[i] = jobID()
	}
	n, err := s.EnqueueJobs(t.Context(), now, ids, js)
	if err != nil {
		t.Fatalf("EnqueueJobs: %v", err)
	}
	return ids, n
}

func claim(t *testing.T, s jobs.Store, c jobs.Claim) []jobs.Job {
	t.Helper()
	if c.LeaseID == "" {
		c.LeaseID = jobID()
	}
	if c.Lease == 0 {
		c.Lease = time.Minute
	}
	if c.Limit == 0 {
		c.Limit = 100
	}
	got, err := s.ClaimJobs(t.Context(), c)
	if err != nil {
		t.Fatalf("ClaimJobs: %v", err)
	}
	return got
}

func finish(t *testing.T, s jobs.Store, lease string, ids []string, f jobs.Finish) int {
	t.Helper()
	n, err := s.FinishJobs(t.Context(), lease, ids, f)
	if err != nil {
		t.Fatalf("FinishJobs: %v", err)
	}
	return n
}

func jobIDs(js []jobs.Job) []string {
	ids := make([]string, len(js))
	for i, j := range js {
		ids[i] = j.ID
	}
	return ids
}

func keys(js []jobs.Job) []string {
	ks := make([]string, len(js))
	for i, j := range js {
		ks[i] = j.Key
	}
	return ks
}

func testJobsEnqueueClaim(t *testing.T, s jobs.Store) {
	ids, n := enqueue(t, s, jobsBase,
		jobs.NewJob{Kind: "a", Key: "k1", Group: "g1", Payload: []byte(`{"x":1}`)},
		jobs.NewJob{Kind: "b", Key: "k2"},
		jobs.NewJob{Kind: "a"},
	)
	if n != 3 {
		t.Fatalf("added %d, want 3", n)
	}
	got := claim(t, s, jobs.Claim{Now: jobsBase, LeaseID: "L1", Kinds: []string{"a"}})
	if !slices.Equal(jobIDs(got), []string{ids[0], ids[2]}) {
		t.Fatalf("claimed %v, want %v", jobIDs(got), []string{ids[0], ids[2]})
	}
	j := got[0]
	if j.Kind != "a" || j.Key != "k1" || j.Group != "g1" || !bytes.Equal(j.Payload, []byte(`{"x":1}`)) ||
		j.State != jobs.StateRunning || j.Attempts != 1 || !j.RunAt.Equal(jobsBase) || !j.CreatedAt.Equal(jobsBase) || j.LastError != "" {
		t.Fatalf("claimed job = %+v", j)
	}
	if again := claim(t, s, jobs.Claim{Now: jobsBase, Kinds: []string{"a", "b"}}); !slices.Equal(jobIDs(again), []string{ids[1]}) {
		t.Fatalf("second claim got %v, want only the b job %s (the a jobs are leased)", jobIDs(again), ids[1])
	}
	if n := finish(t, s, "L1", jobIDs(got), jobs.Finish{State: jobs.StateDone, At: jobsBase}); n != 2 {
		t.Fatalf("finished %d, want 2", n)
	}
	stored, err := s.JobByKey(t.Context(), "k1")
	if err != nil || stored.State != jobs.StateDone || stored.ID != ids[0] {
		t.Fatalf("JobByKey after done = %+v, %v", stored, err)
	}
	if _, err := s.JobByKey(t.Context(), "nope"); !errors.Is(err, jobs.ErrNotFound) {
		t.Fatalf("JobByKey of a missing key: %v, want ErrNotFound", err)
	}
	if got := claim(t, s, jobs.Claim{Now: jobsBase.Add(time.Hour), Kinds: []string{"a"}}); len(got) != 0 {
		t.Fatalf("done jobs claimed again: %v", jobIDs(got))
	}
}

func testJobsIdempotentKey(t *testing.T, s jobs.Store) {
	if _, n := enqueue(t, s, jobsBase, jobs.NewJob{Kind: "a", Key: "same"}, jobs.NewJob{Kind: "a", Key: "same"}); n != 1 {
		t.Fatalf("two jobs with one key in one call: added %d, want 1", n)
	}
	if _, n := enqueue(t, s, jobsBase, jobs.NewJob{Kind: "b", Key: "same"}); n != 0 {
		t.Fatalf("pending key enqueued again: added %d, want 0", n)
	}
	got := claim(t, s, jobs.Claim{Now: jobsBase, LeaseID: "L", Kinds: []string{"a", "b"}})
	if len(got) != 1 {
		t.Fatalf("claimed %d jobs, want 1", len(got))
	}
	if _, n := enqueue(t, s, jobsBase, jobs.NewJob{Kind: "a", Key: "same"}); n != 0 {
		t.Fatalf("running key enqueued again: added %d", n)
	}
	finish(t, s, "L", jobIDs(got), jobs.Finish{State: jobs.StateDone, At: jobsBase})
	if _, n := enqueue(t, s, jobsBase, jobs.NewJob{Kind: "a", Key: "same"}); n != 0 {
		t.Fatalf("done key enqueued again: added %d (a restart would send twice)", n)
	}
	if _, n := enqueue(t, s, jobsBase, jobs.NewJob{Kind: "a"}, jobs.NewJob{Kind: "a"}); n != 2 {
		t.Fatalf("jobs without keys: added %d, want 2", n)
	}
}

func testJobsDueTimeAndOrder(t *testing.T, s jobs.Store) {
	ids, _ := enqueue(t, s, jobsBase,
		jobs.NewJob{Kind: "a", Key: "later", RunAt: jobsBase.Add(10 * time.Second)},
		jobs.NewJob{Kind: "a", Key: "now1"},
		jobs.NewJob{Kind: "a", Key: "early", RunAt: jobsBase.Add(-time.Second)},
		jobs.NewJob{Kind: "a", Key: "now2"},
	)
	_ = ids
	got := claim(t, s, jobs.Claim{Now: jobsBase, Limit: 2, Kinds: []string{"a"}})
	if !slices.Equal(keys(got), []string{"early", "now1"}) {
		t.Fatalf("claimed %v, want the oldest due first, at most 2: [early now1]", keys(got))
	}
	if got := claim(t, s, jobs.Claim{Now: jobsBase.Add(9999 * time.Millisecond), Kinds: []string{"a"}}); !slices.Equal(keys(got), []string{"now2"}) {
		t.Fatalf("claimed %v, want [now2] (later is not due)", keys(got))
	}
	if got := claim(t, s, jobs.Claim{Now: jobsBase.Add(10 * time.Second), Kinds: []string{"a"}}); !slices.Equal(keys(got), []string{"later"}) {
		t.Fatalf("claimed %v at its due time, want [later]", keys(got))
	}
}

func testJobsLeaseExpiry(t *testing.T, s jobs.Store) {
	enqueue(t, s, jobsBase, jobs.NewJob{Kind: "a", Key: "k"})
	first := claim(t, s, jobs.Claim{Now: jobsBase, LeaseID: "old", Lease: time.Second, Kinds: []string{"a"}})
	if len(first) != 1 {
		t.Fatalf("claimed %d", len(first))
	}
	if got := claim(t, s, jobs.Claim{Now: jobsBase.Add(999 * time.Millisecond), Kinds: []string{"a"}}); len(got) != 0 {
		t.Fatalf("claimed a leased job before its lease ended: %v", keys(got))
	}
	second := claim(t, s, jobs.Claim{Now: jobsBase.Add(time.Second), LeaseID: "new", Lease: time.Minute, Kinds: []string{"a"}})
	if len(second) != 1 || second[0].ID != first[0].ID || second[0].Attempts != 2 {
		t.Fatalf("after the lease ended: claimed %+v, want the same job at attempt 2", second)
	}
	if n := finish(t, s, "old", jobIDs(first), jobs.Finish{State: jobs.StatePending, At: jobsBase, Error: "stale"}); n != 0 {
		t.Fatalf("the expired lease recorded an outcome over the new claim (%d changed)", n)
	}
	if n := finish(t, s, "new", jobIDs(second), jobs.Finish{State: jobs.StateDone, At: jobsBase.Add(2 * time.Second)}); n != 1 {
		t.Fatalf("the current lease recorded %d outcomes, want 1", n)
	}
	if j, err := s.JobByKey(t.Context(), "k"); err != nil || j.State != jobs.StateDone {
		t.Fatalf("job = %+v, %v; want done", j, err)
	}
}

func testJobsRetry(t *testing.T, s jobs.Store) {
	enqueue(t, s, jobsBase, jobs.NewJob{Kind: "a", Key: "k", Payload: []byte("p")})
	got := claim(t, s, jobs.Claim{Now: jobsBase, LeaseID: "L", Kinds: []string{"a"}})
	retryAt := jobsBase.Add(30 * time.Second)
	if n := finish(t, s, "L", jobIDs(got), jobs.Finish{State: jobs.StatePending, At: retryAt, Error: "smtp down"}); n != 1 {
		t.Fatalf("retry recorded %d", n)
	}
	if got := claim(t, s, jobs.Claim{Now: retryAt.Add(-time.Millisecond), Kinds: []string{"a"}}); len(got) != 0 {
		t.Fatal("a retried job was claimed before its retry time")
	}
	again := claim(t, s, jobs.Claim{Now: retryAt, Kinds: []string{"a"}})
	if len(again) != 1 || again[0].Attempts != 2 || again[0].LastError != "smtp down" || string(again[0].Payload) != "p" || !again[0].RunAt.Equal(retryAt) {
		t.Fatalf("retried job = %+v; want attempt 2, the last error, the payload and RunAt %v", again, retryAt)
	}
}

func testJobsFail(t *testing.T, s jobs.Store) {
	enqueue(t, s, jobsBase, jobs.NewJob{Kind: "a", Key: "k"})
	got := claim(t, s, jobs.Claim{Now: jobsBase, LeaseID: "L", Kinds: []string{"a"}})
	finish(t, s, "L", jobIDs(got), jobs.Finish{State: jobs.StateFailed, At: jobsBase, Error: "invalid address"})
	j, err := s.JobByKey(t.Context(), "k")
	if err != nil || j.State != jobs.StateFailed || j.LastError != "invalid address" {
		t.Fatalf("failed job = %+v, %v", j, err)
	}
	if got := claim(t, s, jobs.Claim{Now: jobsBase.Add(time.Hour), Kinds: []string{"a"}}); len(got) != 0 {
		t.Fatal("a failed job was claimed again")
	}
	if _, err := s.FinishJobs(t.Context(), "L", jobIDs(got), jobs.Finish{State: "bogus", At: jobsBase}); err == nil {
		t.Fatal("FinishJobs accepted an invalid state")
	}
}

func testJobsCancel(t *testing.T, s jobs.Store) {
	enqueue(t, s, jobsBase,
		jobs.NewJob{Kind: "push", Key: "running", Group: "user:1"},
	)
	running := claim(t, s, jobs.Claim{Now: jobsBase, LeaseID: "L", Lease: time.Hour, Kinds: []string{"push"}})
	enqueue(t, s, jobsBase,
		jobs.NewJob{Kind: "push", Key: "p1", Group: "user:1", RunAt: jobsBase.Add(time.Minute)},
		jobs.NewJob{Kind: "email", Key: "e1", Group: "user:1", RunAt: jobsBase.Add(time.Minute)},
		jobs.NewJob{Kind: "push", Key: "other", Group: "user:2", RunAt: jobsBase.Add(time.Minute)},
	)
	n, err := s.CancelJobs(t.Context(), "user:1", []string{"push"}, jobsBase)
	if err != nil || n != 1 {
		t.Fatalf("CancelJobs(push) = %d, %v; want 1 (the running one is not touched)", n, err)
	}
	n, err = s.CancelJobs(t.Context(), "user:1", nil, jobsBase)
	if err != nil || n != 1 {
		t.Fatalf("CancelJobs(all kinds) = %d, %v; want 1 (the e-mail)", n, err)
	}
	got := claim(t, s, jobs.Claim{Now: jobsBase.Add(2 * time.Minute), Kinds: []string{"push", "email"}})
	if !slices.Equal(keys(got), []string{"other"}) {
		t.Fatalf("after cancel, claimed %v; want [other]", keys(got))
	}
	for key, want := range map[string]string{"p1": jobs.StateCanceled, "e1": jobs.StateCanceled, "running": jobs.StateRunning} {
		if j, err := s.JobByKey(t.Context(), key); err != nil || j.State != want {
			t.Fatalf("%s = %+v, %v; want %s", key, j, err, want)
		}
	}
	if n := finish(t, s, "L", jobIDs(running), jobs.Finish{State: jobs.StateDone, At: jobsBase}); n != 1 {
		t.Fatalf("the running job could not finish after a cancel of its group")
	}
	if _, n := enqueue(t, s, jobsBase, jobs.NewJob{Kind: "push", Key: "p1"}); n != 0 {
		t.Fatal("a canceled key was enqueued again")
	}
}

func testJobsBatch(t *testing.T, s jobs.Store) {
	enqueue(t, s, jobsBase,
		jobs.NewJob{Kind: "mail", Key: "m1", Group: "u1", RunAt: jobsBase},
		jobs.NewJob{Kind: "mail", Key: "other", Group: "u2", RunAt: jobsBase.Add(time.Hour)},
		jobs.NewJob{Kind: "mail", Key: "m2", Group: "u1", RunAt: jobsBase.Add(time.Minute)},
		jobs.NewJob{Kind: "mail", Key: "m3", Group: "u1", RunAt: jobsBase.Add(2 * time.Minute)},
		jobs.NewJob{Kind: "mail", Key: "m4", Group: "u1", RunAt: jobsBase.Add(3 * time.Minute)},
		jobs.NewJob{Kind: "mail", Key: "alone", RunAt: jobsBase},
		jobs.NewJob{Kind: "push", Key: "p", Group: "u1", RunAt: jobsBase.Add(time.Minute)},
	)
	got := claim(t, s, jobs.Claim{Now: jobsBase, Lease: time.Hour, Kinds: []string{"mail", "push"}, Batch: map[string]int{"mail": 3}})
	if !slices.Equal(keys(got), []string{"m1", "m2", "m3", "alone"}) {
		t.Fatalf("claimed %v; want the due m1 with its group's next pending jobs (at most 3), then alone", keys(got))
	}
	for _, j := range got {
		if j.State != jobs.StateRunning || j.Attempts != 1 {
			t.Fatalf("batch job %s = %+v", j.Key, j)
		}
	}
	if got := claim(t, s, jobs.Claim{Now: jobsBase.Add(2 * time.Minute), Kinds: []string{"mail"}, Batch: map[string]int{"mail": 3}}); len(got) != 0 {
		t.Fatalf("claimed %v; m4 is not due and the rest are leased", keys(got))
	}
	if got := claim(t, s, jobs.Claim{Now: jobsBase.Add(3 * time.Minute), Kinds: []string{"mail"}, Batch: map[string]int{"mail": 3}}); !slices.Equal(keys(got), []string{"m4"}) {
		t.Fatalf("claimed %v; want [m4]", keys(got))
	}
}

func testJobsConcurrentClaims(t *testing.T, s jobs.Store) {
	const n = 300
	js := make([]jobs.NewJob, n)
	for i := range js {
		js[i] = jobs.NewJob{Kind: "a", Key: fmt.Sprintf("k%d", i)}
	}
	enqueue(t, s, jobsBase, js...)
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for round := 0; ; round++ {
				lease := fmt.Sprintf("w%d-%d", w, round)
				got, err := s.ClaimJobs(t.Context(), jobs.Claim{Now: jobsBase, LeaseID: lease, Lease: time.Hour, Limit: 7, Kinds: []string{"a"}})
				if err != nil {
					errs <- err
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, j := range got {
					seen[j.Key]++
				}
				mu.Unlock()
				if c, err := s.FinishJobs(t.Context(), lease, jobIDs(got), jobs.Finish{State: jobs.StateDone, At: jobsBase}); err != nil || c != len(got) {
					errs <- fmt.Errorf("finish: %d of %d, %v", c, len(got), err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if len(seen) != n {
		t.Fatalf("%d distinct jobs claimed, want %d", len(seen), n)
	}
	for k, c := range seen {
		if c != 1 {
			t.Fatalf("job %s claimed %d times", k, c)
		}
	}
}

func testJobsPurgeAndCount(t *testing.T, s jobs.Store) {
	enqueue(t, s, jobsBase,
		jobs.NewJob{Kind: "a", Key: "done-old"},
		jobs.NewJob{Kind: "a", Key: "done-new"},
		jobs.NewJob{Kind: "b", Key: "pending"},
	)
	got := claim(t, s, jobs.Claim{Now: jobsBase, LeaseID: "L", Kinds: []string{"a"}})
	finish(t, s, "L", []string{got[0].ID}, jobs.Finish{State: jobs.StateDone, At: jobsBase})
	finish(t, s, "L", []string{got[1].ID}, jobs.Finish{State: jobs.StateDone, At: jobsBase.Add(time.Hour)})
	counts, err := s.CountJobs(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := []jobs.Count{{Kind: "a", State: jobs.StateDone, N: 2}, {Kind: "b", State: jobs.StatePending, N: 1}}
	if !slices.Equal(counts, want) {
		t.Fatalf("CountJobs = %v, want %v", counts, want)
	}
	n, err := s.PurgeJobs(t.Context(), jobsBase.Add(time.Minute))
	if err != nil || n != 1 {
		t.Fatalf("PurgeJobs = %d, %v; want 1", n, err)
	}
	if _, err := s.JobByKey(t.Context(), "done-old"); !errors.Is(err, jobs.ErrNotFound) {
		t.Fatalf("purged job still found: %v", err)
	}
	if _, n := enqueue(t, s, jobsBase, jobs.NewJob{Kind: "a", Key: "done-old"}); n != 1 {
		t.Fatal("a purged key could not be enqueued again")
	}
	if _, err := s.JobByKey(t.Context(), "pending"); err != nil {
		t.Fatalf("pending job purged: %v", err)
	}
}
