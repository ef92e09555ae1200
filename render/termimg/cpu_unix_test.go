//go:build unix

package termimg

import (
	"syscall"
	"testing"
	"time"
)

// reportCPU adds the metric cpu-ms/op: the processor time the process
// used (all threads, the garbage collector included) per operation. On a
// shared, loaded machine wall time (ns/op) counts the waits for a core too;
// CPU time does not.
func reportCPU(b *testing.B) func() {
	start := cpuTime()
	return func() {
		b.ReportMetric(float64(cpuTime()-start)/1e6/float64(b.N), "cpu-ms/op")
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
