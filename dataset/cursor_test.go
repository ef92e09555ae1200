package dataset

import (
	"errors"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// readFast reads a whole column chunk through its fast path, as the tests
// compare it with pqarrow: in runs of varying size (one page, a few, all
// the rest), concatenated, so that every run boundary is crossed. Like
// the reader before runs, it fails with errSlowPath if any page needs
// pqarrow.
func (s *parquetSource) readFast(rg, c int, dict bool, mem memory.Allocator) (arrow.Array, error) {
	cur, err := s.newCursor(rg, c, dict, mem)
	if err != nil {
		return nil, err
	}
	defer cur.close()
	var runs []arrow.Array
	defer func() { releaseArrays(runs) }()
	wants := []int{1, 3, 1000, 1 << 30}
	for i := 0; ; i++ {
		a, err := cur.next(wants[i%len(wants)])
		if err != nil {
			return nil, err
		}
		if a == nil {
			break
		}
		runs = append(runs, a)
	}
	switch len(runs) {
	case 0:
		return nil, errors.New("no rows")
	case 1:
		runs[0].Retain()
		return runs[0], nil
	}
	return array.Concatenate(runs, mem)
}

// TestSizeClasses: every size fits its class, the class is at most a
// quarter bigger than it must be, and classes grow with size.
func TestSizeClasses(t *testing.T) {
	prev := 0
	for size := 1; size < 1<<22; size += 1 + size/97 {
		c := sizeClass(size)
		cs := classSize(c)
		if cs < size || (size > 8 && 4*cs > 5*size+4) {
			t.Fatalf("size %d: class %d holds %d", size, c, cs)
		}
		if sizeClass(cs) != c {
			t.Fatalf("size %d: class %d's size %d is in class %d", size, c, cs, sizeClass(cs))
		}
		if c < prev {
			t.Fatalf("size %d: class %d after %d", size, c, prev)
		}
		prev = c
	}
}
