package dataset

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
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

// TestFallbackMidChunk: a column whose first pages the fast path reads and
// whose later pages it cannot (nulls) is handed to pqarrow from the row
// reached, and reads the same as it was written.
func TestFallbackMidChunk(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "n", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "s", Type: arrow.BinaryTypes.String},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	const n = 300_000
	for i := range n {
		if i > n-1000 && i%7 == 0 {
			b.Field(0).(*array.Int64Builder).AppendNull()
		} else {
			b.Field(0).(*array.Int64Builder).Append(int64(i) * 3)
		}
		b.Field(1).(*array.StringBuilder).Append(fmt.Sprintf("row %d", i))
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	path := filepath.Join(t.TempDir(), "fallback.parquet")
	writeRecord(t, path, rec, parquet.NewWriterProperties(parquet.WithDictionaryDefault(false), parquet.WithDataPageSize(16<<10)))
	src, err := OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	batches, err := src.Read(context.Background(), ReadOptions{Columns: []string{"n", "s"}, Mem: mem})
	if err != nil {
		t.Fatal(err)
	}
	defer releaseAll(batches)
	if len(batches) < 3 {
		t.Fatalf("%d batches: the row group should come in several", len(batches))
	}
	var start int64
	for _, got := range batches {
		want := rec.NewSlice(start, start+got.NumRows())
		for c := range 2 {
			if !array.Equal(got.Column(c), want.Column(c)) {
				t.Errorf("rows %d–%d, column %s differ from those written", start, start+got.NumRows(), schema.Field(c).Name)
			}
		}
		want.Release()
		start += got.NumRows()
	}
	if start != n {
		t.Errorf("read %d rows, wrote %d", start, n)
	}
	// The fast path gives up on the chunk part way: it reads some runs first.
	s := src.(*parquetSource)
	cur, err := s.newCursor(0, 0, false, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	defer cur.close()
	runs := 0
	for {
		a, err := cur.next(batchSize)
		if err != nil {
			if !errors.Is(err, errSlowPath) {
				t.Fatal(err)
			}
			break
		}
		if a == nil {
			t.Fatal("the fast path read the whole chunk: the test covers no fallback")
		}
		a.Release()
		runs++
	}
	if runs == 0 {
		t.Fatal("the fast path gave up at once: the test covers no fallback part way")
	}
}
