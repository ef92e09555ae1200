package dataset

import (
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// arrow-go v18 panics on some malformed files instead of returning an error
// (see testdata/corpus/README.md, "Hazards"). Every call into a reader goes
// through guard, so a bad file becomes an error naming it, never a stack trace.

// guard runs f and turns a panic inside it into an error.
func guard(path string, f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(error); ok && errors.Is(e, errAllocTooLarge) {
				err = fmt.Errorf("%s: %w", path, e)
				return
			}
			err = fmt.Errorf("%s: cannot read the file: the reader failed on it (%v)", path, r)
		}
	}()
	return f()
}

// maxAlloc caps a single allocation: a corrupt header can claim terabytes,
// and the reader would otherwise try to allocate them before noticing.
const maxAlloc = 4 << 30

var errAllocTooLarge = errors.New("malformed file: a header claims more than 4 GiB in one buffer")

// cappedAllocator refuses absurd single allocations by panicking with
// errAllocTooLarge, which guard turns into an error.
type cappedAllocator struct {
	memory.Allocator
}

func (a cappedAllocator) Allocate(size int) []byte {
	if size < 0 || size > maxAlloc {
		panic(errAllocTooLarge)
	}
	return a.Allocator.Allocate(size)
}

func (a cappedAllocator) Reallocate(size int, b []byte) []byte {
	if size < 0 || size > maxAlloc {
		panic(errAllocTooLarge)
	}
	return a.Allocator.Reallocate(size, b)
}
