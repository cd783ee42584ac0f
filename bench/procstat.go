package bench

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// clockTicks is USER_HZ, the unit of CPU times in /proc/<pid>/stat; it is
// 100 on every Linux platform Go supports.
const clockTicks = 100

// procSample is one reading of a process's memory and CPU time.
type procSample struct {
	at  time.Time
	rss int64
	cpu time.Duration
}

// readProc reads a process's resident set size and total CPU time from /proc.
func readProc(pid int) (procSample, error) {
	s := procSample{at: time.Now()}
	status, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return s, fmt.Errorf("read process %d status: %w", pid, err)
	}
	for line := range strings.SplitSeq(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(v)
			if len(f) < 1 {
				return s, fmt.Errorf("process %d: malformed VmRSS line %q", pid, line)
			}
			kb, err := strconv.ParseInt(f[0], 10, 64)
			if err != nil {
				return s, fmt.Errorf("process %d: VmRSS %q: %w", pid, line, err)
			}
			s.rss = kb << 10
		}
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return s, fmt.Errorf("read process %d stat: %w", pid, err)
	}
	// The command name may hold spaces; fields start after its last ')'.
	i := strings.LastIndexByte(string(stat), ')')
	if i < 0 {
		return s, fmt.Errorf("process %d: malformed stat", pid)
	}
	f := strings.Fields(string(stat[i+1:]))
	if len(f) < 13 {
		return s, fmt.Errorf("process %d: stat has %d fields", pid, len(f))
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return s, fmt.Errorf("process %d: bad CPU times %q %q", pid, f[11], f[12])
	}
	s.cpu = time.Duration(ut+st) * time.Second / clockTicks
	return s, nil
}

// ProcStats summarises a process's memory and CPU over a run.
type ProcStats struct {
	PID int `json:"pid"`
	// RSS at the start and end of the run and its peak, in MiB.
	RSSStartMB float64 `json:"rss_start_mb"`
	RSSEndMB   float64 `json:"rss_end_mb"`
	RSSPeakMB  float64 `json:"rss_peak_mb"`
	// CPUPercent is the average over the run; 100 is one core busy.
	CPUPercent float64 `json:"cpu_percent"`
	CPUSeconds float64 `json:"cpu_seconds"`
}

// Sampler samples a process's RSS and CPU time at a fixed interval.
type Sampler struct {
	pid   int
	stop  context.CancelFunc
	done  chan struct{}
	mu    sync.Mutex
	first procSample
	last  procSample
	peak  int64
	err   error
}

// StartSampler takes a first sample of process pid and keeps sampling every
// interval until Stop.
func StartSampler(ctx context.Context, pid int, interval time.Duration) (*Sampler, error) {
	first, err := readProc(pid)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	s := &Sampler{pid: pid, stop: cancel, done: make(chan struct{}), first: first, last: first, peak: first.rss}
	go func() {
		defer close(s.done)
		tk := time.NewTicker(interval)
		defer tk.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tk.C:
				s.sample()
			}
		}
	}()
	return s, nil
}

func (s *Sampler) sample() {
	p, err := readProc(s.pid)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.err = err
		return
	}
	s.last = p
	s.peak = max(s.peak, p.rss)
}

// RSS takes a sample now and returns the resident set size in bytes.
func (s *Sampler) RSS() (int64, error) {
	s.sample()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last.rss, s.err
}

// Stop takes a last sample, stops sampling and returns the summary; the
// error is the last failure to read the process (it may have exited).
func (s *Sampler) Stop() (ProcStats, error) {
	s.stop()
	<-s.done
	s.sample()
	s.mu.Lock()
	defer s.mu.Unlock()
	st := ProcStats{
		PID:        s.pid,
		RSSStartMB: float64(s.first.rss) / (1 << 20),
		RSSEndMB:   float64(s.last.rss) / (1 << 20),
		RSSPeakMB:  float64(s.peak) / (1 << 20),
		CPUSeconds: (s.last.cpu - s.first.cpu).Seconds(),
	}
	if wall := s.last.at.Sub(s.first.at).Seconds(); wall > 0 {
		st.CPUPercent = 100 * st.CPUSeconds / wall
	}
	return st, s.err
}
