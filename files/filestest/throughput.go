package filestest

import (
	"bufio"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"liftoff/files"
)

// ThroughputOptions tune Throughput.
type ThroughputOptions struct {
	Size      int64 // bytes per blob (default 100 MiB, or $LIFTOFF_BENCH_FILE_MB MiB)
	KnownSize bool  // Put with the size (true) or as a stream of unknown size
	ServerPID int   // when not 0, also report the peak memory of that process (the storage server)
}

// Throughput measures, on s, the upload (Put) and download (Open and read)
// of one blob of opts.Size bytes per iteration, streamed from a generator
// and into a hash, so that the only memory in play is the store's. It
// reports MB/s each way and the peak Go heap and resident memory of the
// test process during the transfers (and of the server, given its pid).
// Run it with -benchtime=1x to measure a single 100 MB file.
func Throughput(b *testing.B, s files.Store, opts ThroughputOptions) {
	if opts.Size == 0 {
		opts.Size = 100 << 20
		// LIFTOFF_BENCH_FILE_MB changes the default, to show that memory
		// does not grow with the file.
		if mb, err := strconv.Atoi(os.Getenv("LIFTOFF_BENCH_FILE_MB")); err == nil && mb > 0 {
			opts.Size = int64(mb) << 20
		}
	}
	ctx := context.Background()
	var putTime, getTime time.Duration
	runtime.GC()
	mon := startMemMonitor(opts.ServerPID)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		key := fmt.Sprintf("bench/blob-%d", i)
		size := opts.Size
		if !opts.KnownSize {
			size = -1
		}
		start := time.Now()
		info, err := s.Put(ctx, key, onlyReader{newPattern(opts.Size)}, size, files.PutOptions{})
		putTime += time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		if info.Size != opts.Size {
			b.Fatalf("stored %d bytes, want %d", info.Size, opts.Size)
		}
		start = time.Now()
		rc, err := s.Open(ctx, key, 0, -1)
		if err != nil {
			b.Fatal(err)
		}
		h := sha256.New()
		n, err := io.Copy(h, rc)
		rc.Close()
		getTime += time.Since(start)
		if err != nil || n != opts.Size {
			b.Fatalf("read %d bytes: %v", n, err)
		}
		want := sha256.New()
		io.Copy(want, newPattern(opts.Size))
		if string(h.Sum(nil)) != string(want.Sum(nil)) {
			b.Fatal("read back different bytes")
		}
		b.StopTimer()
		if err := s.Delete(ctx, key); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.StopTimer()
	peak := mon.stop()
	mb := float64(opts.Size) * float64(b.N) / 1e6
	b.ReportMetric(mb/putTime.Seconds(), "put-MB/s")
	b.ReportMetric(mb/getTime.Seconds(), "get-MB/s")
	b.ReportMetric(float64(peak.heap)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(peak.rss)/(1<<20), "peak-rss-MiB")
	if opts.ServerPID != 0 {
		b.ReportMetric(float64(peak.serverRSS)/(1<<20), "server-peak-rss-MiB")
	}
}

// pattern yields n reproducible bytes without holding them: a 64 KiB
// block of pseudo-random bytes, each repetition xored with its index so
// that no block repeats exactly (compression or dedup cannot cheat).
type pattern struct {
	block []byte
	left  int64
	off   int64
}

var patternBlock = randomBytes(42, 64<<10)

func newPattern(n int64) *pattern { return &pattern{block: patternBlock, left: n} }

func (p *pattern) Read(b []byte) (int, error) {
	if p.left == 0 {
		return 0, io.EOF
	}
	n := 0
	for n < len(b) && p.left > 0 {
		i := p.off % int64(len(p.block))
		k := copy(b[n:], p.block[i:])
		k = int(min(int64(k), p.left))
		rep := byte(p.off / int64(len(p.block)))
		for j := n; j < n+k; j++ {
			b[j] ^= rep
		}
		n += k
		p.off += int64(k)
		p.left -= int64(k)
	}
	return n, nil
}

type memPeak struct{ heap, rss, serverRSS uint64 }

type memMonitor struct {
	stopc chan struct{}
	done  chan memPeak
}

// startMemMonitor samples the Go heap every 2 ms and resets the kernel's
// peak-RSS counters (of this process and the server's), read at stop.
func startMemMonitor(serverPID int) *memMonitor {
	resetPeakRSS(os.Getpid())
	if serverPID != 0 {
		resetPeakRSS(serverPID)
	}
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	m := &memMonitor{stopc: make(chan struct{}), done: make(chan memPeak, 1)}
	var once sync.Once
	go func() {
		var peak memPeak
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			peak.heap = max(peak.heap, ms.HeapInuse)
			select {
			case <-m.stopc:
				once.Do(func() {
					peak.rss = peakRSS(os.Getpid())
					if serverPID != 0 {
						peak.serverRSS = peakRSS(serverPID)
					}
					m.done <- peak
				})
				return
			case <-t.C:
			}
		}
	}()
	return m
}

func (m *memMonitor) stop() memPeak {
	close(m.stopc)
	return <-m.done
}

// resetPeakRSS clears VmHWM of a process (Linux: writing 5 to clear_refs).
func resetPeakRSS(pid int) {
	os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0)
}

// peakRSS reads VmHWM, the peak resident set size since the last reset.
func peakRSS(pid int) uint64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}
