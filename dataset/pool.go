package dataset

import (
	"math/bits"
	"sync"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// reuseAllocator hands the fast paths' value buffers back to the next run
// of pages instead of to the garbage collector: a scan allocates the same
// few sizes over and over, and fresh memory costs page faults and zeroing.
// Buffers are kept by power-of-two size class, up to reuseBudget bytes in
// all: a pool without a bound (sync.Pool) kept every size a scan had
// freed since the last two collections, tens of megabytes. It only serves
// buffers the fast paths overwrite completely, and only with Go's default
// allocator (a checked allocator in tests sees every allocation).
type reuseAllocator struct{}

const reuseBudget = 4 << 20

var reuse struct {
	sync.Mutex
	free  [4 * 64][][]byte
	bytes int
}

// Size classes are quarter steps between powers of two: 1, 1.25, 1.5,
// 1.75, 2, 2.5... times a power of two, so a buffer just past a power of
// two (a megabyte of values and a few bytes) does not take twice its size.
func sizeClass(size int) int {
	if size <= 4 {
		return size
	}
	e := bits.Len(uint(size-1)) - 3 // size-1 has e+3 bits: the top three say the quarter
	q := (size - 1) >> e            // 4..7
	return 4*e + q + 1              // 5, 6, 7...
}

// classSize is the capacity of size class c, the smallest that holds
// every size of the class.
func classSize(c int) int {
	if c <= 4 {
		return c
	}
	e, q := (c-5)/4, (c-5)%4+4
	return (q + 1) << e
}

func (reuseAllocator) Allocate(size int) []byte {
	if size > maxAlloc {
		panic(errAllocTooLarge)
	}
	c := sizeClass(size)
	reuse.Lock()
	if n := len(reuse.free[c]); n > 0 {
		b := reuse.free[c][n-1]
		reuse.free[c] = reuse.free[c][:n-1]
		reuse.bytes -= cap(b)
		reuse.Unlock()
		return b[:size]
	}
	reuse.Unlock()
	return make([]byte, size, classSize(c))
}

func (a reuseAllocator) Reallocate(size int, b []byte) []byte {
	if size <= cap(b) {
		return b[:size]
	}
	nb := a.Allocate(size)
	copy(nb, b)
	a.Free(b)
	return nb
}

func (reuseAllocator) Free(b []byte) {
	c := sizeClass(cap(b))
	if cap(b) == 0 || classSize(c) != cap(b) {
		return // not one of ours: leave it to the GC
	}
	reuse.Lock()
	defer reuse.Unlock()
	if reuse.bytes+cap(b) > reuseBudget {
		return
	}
	reuse.free[c] = append(reuse.free[c], b[:cap(b)])
	reuse.bytes += cap(b)
}

// valueAllocator is the allocator for a fast path's value buffer.
func valueAllocator(mem memory.Allocator) memory.Allocator {
	if c, ok := mem.(cappedAllocator); ok && c.Allocator == memory.DefaultAllocator {
		return reuseAllocator{}
	}
	return mem
}
