package rocketchat_test

import (
	"context"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"liftoff/importer/rocketchat/dumptest"
)

// TestImportVolume measures an import of a generated dump of
// LIFTOFF_IMPORT_MESSAGES messages (docs/performance.md): the rate and the
// peak of the Go heap, sampled while it runs. It runs only when the
// variable is set: a million messages take minutes.
func TestImportVolume(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("LIFTOFF_IMPORT_MESSAGES"))
	if n <= 0 {
		t.Skip("set LIFTOFF_IMPORT_MESSAGES=N to measure an import of N messages")
	}
	t0 := time.Now()
	dump, err := dumptest.Write(t.TempDir(), dumptest.Options{Messages: n, Gzip: os.Getenv("LIFTOFF_IMPORT_GZIP") != ""})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("dump of %d messages written in %s", n, time.Since(t0).Round(time.Millisecond))
	runtime.GC()
	var peak atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	var checkpoints []string
	last := 0
	began := time.Now()
	sum, err := importInto(context.Background(), t, t.TempDir(), dump, func(c string, docs int, _ float64) {
		if c == "rocketchat_message" && docs-last >= n/5 {
			last = docs
			checkpoints = append(checkpoints, strconv.Itoa(docs)+" msgs: heap peak "+strconv.FormatUint(peak.Load()>>20, 10)+" MiB")
		}
	})
	close(stop)
	<-done
	if err != nil {
		t.Fatal(err)
	}
	m := counts(t, sum, "rocketchat_message")
	if m.Imported != n+16 || m.Failed != 0 {
		t.Fatalf("messages: %+v", m)
	}
	for _, c := range checkpoints {
		t.Log(c)
	}
	t.Logf("%d messages in %s: %.0f messages/s (whole import %s, rebuild included); heap peak %d MiB",
		m.Read, m.Duration.Round(time.Millisecond), m.Rate(), time.Since(began).Round(time.Millisecond), peak.Load()>>20)
}
