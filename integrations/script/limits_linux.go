package script

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// limitDataSegment caps the process's data segment (heap and anonymous
// mappings) at its current size plus extra bytes: an allocation past it
// fails in the kernel and the Go runtime ends the worker.
func limitDataSegment(extra int64) {
	if extra <= 0 {
		return
	}
	current := vmData()
	lim := syscall.Rlimit{Cur: uint64(current + extra), Max: uint64(current + extra)}
	_ = syscall.Setrlimit(syscall.RLIMIT_DATA, &lim)
}

// vmData reads the data segment's size from /proc/self/status.
func vmData() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmData:"); ok {
			fields := strings.Fields(rest)
			if len(fields) > 0 {
				kb, _ := strconv.ParseInt(fields[0], 10, 64)
				return kb << 10
			}
		}
	}
	return 0
}

// cpuTime is the CPU time the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
