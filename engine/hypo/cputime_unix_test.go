//go:build unix

package hypo

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time (user + system) the process has used: a
// benchmark measure that other processes on the machine do not inflate.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
