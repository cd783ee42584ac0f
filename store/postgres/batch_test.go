package postgres

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"liftoff/model"
	"liftoff/store"
)

// TestSlowBatchSplits reproduces the group-commit timeout seen under load
// (docs/scaling.md, the standard suite on PostgreSQL): many Update calls
// queue behind a busy writer and form one batch; each is quick alone, but
// the batch together runs past BatchTimeout. Every call must succeed: the
// writer stops taking functions into a transaction once it has run for
// BatchBudget and commits the rest in the next one.
func TestSlowBatchSplits(t *testing.T) {
	const calls = 60
	const work = 20 * time.Millisecond // a slow database, simulated in the function
	db := openTest(t, nil, Options{BatchTimeout: 500 * time.Millisecond, BatchBudget: 100 * time.Millisecond})
	var sizes []int
	var sizesMu sync.Mutex
	db.opts.OnBatch = func(n int) {
		sizesMu.Lock()
		sizes = append(sizes, n)
		sizesMu.Unlock()
	}
	ctx := t.Context()

	// Hold the writer until every call is queued, so that they form one
	// batch (at most MaxBatch) as under load.
	release, running := make(chan struct{}), make(chan struct{})
	held := make(chan error, 1)
	go func() {
		held <- db.Update(ctx, func(tx store.Tx) error { close(running); <-release; return nil })
	}()
	<-running
	errs := make(chan error, calls)
	for i := range calls {
		go func() {
			errs <- db.Update(ctx, func(tx store.Tx) error {
				time.Sleep(work)
				return tx.UpsertSetting(ctx, &model.Setting{ID: fmt.Sprintf("slow-%d", i), Value: float64(i), Type: "int"})
			})
		}()
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(db.reqs) < calls {
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d calls queued", len(db.reqs), calls)
		}
		time.Sleep(time.Millisecond)
	}
	close(release)
	if err := <-held; err != nil {
		t.Fatal(err)
	}
	failed := 0
	var first error
	for range calls {
		if err := <-errs; err != nil {
			failed++
			if first == nil {
				first = err
			}
		}
	}
	if failed > 0 {
		t.Fatalf("%d of %d calls failed, first: %v", failed, calls, first)
	}
	for i := range calls {
		if _, err := db.SettingByID(ctx, fmt.Sprintf("slow-%d", i)); err != nil {
			t.Fatalf("slow-%d: %v", i, err)
		}
	}
	sizesMu.Lock()
	defer sizesMu.Unlock()
	if len(sizes) < 3 {
		t.Fatalf("batches %v: the calls were not split", sizes)
	}
	t.Logf("batch sizes: %v", sizes)
}

// BenchmarkSlowBatch measures a burst of Update calls whose functions
// take a few milliseconds each (a slow or loaded database), as
// TestSlowBatchSplits, with the default BatchTimeout and BatchBudget:
// the failures (timeouts) and the time the burst takes.
func BenchmarkSlowBatch(b *testing.B) {
	const calls = 128
	db := openTest(b, nil, Options{})
	ctx := context.Background()
	for b.Loop() {
		var wg sync.WaitGroup
		var mu sync.Mutex
		failed := 0
		for i := range calls {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := db.Update(ctx, func(tx store.Tx) error {
					time.Sleep(300 * time.Millisecond)
					return tx.UpsertSetting(ctx, &model.Setting{ID: fmt.Sprintf("burst-%d", i), Value: float64(i), Type: "int"})
				})
				if err != nil {
					mu.Lock()
					failed++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		b.ReportMetric(float64(failed), "failed/op")
	}
}
