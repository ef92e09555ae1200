package dataset

import (
	"math/bits"
	"sync"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// reusePool hands the fast paths' value buffers back to the next row group
// instead of to the garbage collector: a scan allocates the same few sizes
// over and over, and fresh memory costs page faults and zeroing. Buffers
// are kept by power-of-two size class. It only serves buffers the fast
// paths overwrite completely, and only with Go's default allocator (a
// checked allocator in tests sees every allocation).
var reusePool [48]sync.Pool

type reuseAllocator struct{}

func sizeClass(size int) int { return bits.Len(uint(size - 1)) }

func (reuseAllocator) Allocate(size int) []byte {
	if size > maxAlloc {
		panic(errAllocTooLarge)
	}
	c := sizeClass(size)
	if b, ok := reusePool[c].Get().(*[]byte); ok {
		return (*b)[:size]
	}
	return make([]byte, size, 1<<c)
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
	if cap(b) == 0 || cap(b)&(cap(b)-1) != 0 {
		return // not one of ours: leave it to the GC
	}
	b = b[:cap(b)]
	reusePool[sizeClass(cap(b))].Put(&b)
}

// valueAllocator is the allocator for a fast path's value buffer.
func valueAllocator(mem memory.Allocator) memory.Allocator {
	if c, ok := mem.(cappedAllocator); ok && c.Allocator == memory.DefaultAllocator {
		return reuseAllocator{}
	}
	return mem
}
