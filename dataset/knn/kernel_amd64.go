package knn

import "golang.org/x/sys/cpu"

// defaultKernel is the AVX2+FMA assembly where the CPU has it.
var defaultKernel = func() kernel {
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		return avx2Kernel
	}
	return goKernel
}()

var avx2Kernel = kernel{name: "avx2", tile: tileAVX2, firstAtLeast: firstAtLeastAVX2}

// tile6x16 is tileGo in AVX2+FMA: twelve 8-wide accumulators hold the 6×16
// tile, each step loads 16 pool values and broadcasts 6 query values.
//
//go:noescape
func tile6x16(d int, a, b, c *float32, ldc int)

// firstAtLeast8 is firstAtLeastGo over the first len(x)&^7 values, eight
// compares at a time; it returns len(x)&^7 when none matched.
//
//go:noescape
func firstAtLeast8(x []float32, thr float32) int

func tileAVX2(d int, a, b, c []float32, ldc int) {
	if d == 0 {
		tileGo(d, a, b, c, ldc)
		return
	}
	_, _ = a[d*mr-1], b[d*nr-1]
	_ = c[(mr-1)*ldc+nr-1]
	tile6x16(d, &a[0], &b[0], &c[0], ldc)
}

func firstAtLeastAVX2(x []float32, thr float32) int {
	n := len(x) &^ 7
	if n > 0 {
		if i := firstAtLeast8(x[:n], thr); i < n {
			return i
		}
	}
	return n + firstAtLeastGo(x[n:], thr)
}
