//go:build unix

package fn_test

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time (user and system, every thread, GC included) the process has used:
// a measure that other load on the machine disturbs far less than wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
