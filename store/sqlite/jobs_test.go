package sqlite

import (
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"liftoff/jobs"
	"liftoff/notify/devices"
	"liftoff/store/storetest"
)

func TestJobsContract(t *testing.T) {
	storetest.RunJobs(t, func(t *testing.T) jobs.Store {
		return openTest(t, nil, Options{Synchronous: "NORMAL"})
	})
}

// TestJobsTwoProcesses drains one queue from two handles on the same file,
// as two server instances sharing a database would: every job is claimed
// exactly once.
func TestJobsTwoProcesses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "liftoff.db")
	var dbs []*DB
	for range 2 {
		db, err := Open(t.Context(), path, nil, Options{Synchronous: "NORMAL"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		dbs = append(dbs, db)
	}
	const n = 400
	now := time.UnixMilli(1_800_000_000_000)
	ids := make([]string, n)
	js := make([]jobs.NewJob, n)
	for i := range js {
		ids[i] = fmt.Sprintf("id%d", i)
		js[i] = jobs.NewJob{Kind: "a", Key: fmt.Sprintf("k%d", i)}
	}
	if _, err := dbs[0].EnqueueJobs(t.Context(), now, ids, js); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for w := range 6 {
		db := dbs[w%2]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for round := 0; ; round++ {
				lease := fmt.Sprintf("w%d-%d", w, round)
				got, err := db.ClaimJobs(t.Context(), jobs.Claim{Now: now, LeaseID: lease, Lease: time.Hour, Limit: 5, Kinds: []string{"a"}})
				if err != nil {
					t.Error(err)
					return
				}
				if len(got) == 0 {
					return
				}
				ids := make([]string, len(got))
				mu.Lock()
				for i, j := range got {
					seen[j.Key]++
					ids[i] = j.ID
				}
				mu.Unlock()
				if _, err := db.FinishJobs(t.Context(), lease, ids, jobs.Finish{State: jobs.StateDone, At: now}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if len(seen) != n {
		t.Fatalf("%d jobs claimed, want %d", len(seen), n)
	}
	for k, c := range seen {
		if c != 1 {
			t.Fatalf("job %s claimed %d times", k, c)
		}
	}
}

func TestDevicesContract(t *testing.T) {
	storetest.RunDevices(t, func(t *testing.T) devices.Store {
		return openTest(t, nil, Options{Synchronous: "NORMAL"})
	})
}

func TestEventJobs(t *testing.T) {
	storetest.RunEventJobs(t, openTest(t, nil, Options{Synchronous: "NORMAL"}))
}

func TestMatrixLinksContract(t *testing.T) {
	storetest.RunMatrixLinks(t, openTest(t, nil, Options{Synchronous: "NORMAL"}))
}
