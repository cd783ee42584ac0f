//go:build unix && !linux

package script

import (
	"syscall"
	"time"
)

// limitDataSegment does nothing here: only Linux enforces RLIMIT_DATA on
// anonymous mappings. The watchdog's limits still apply.
func limitDataSegment(int64) {}

// cpuTime is the CPU time the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
