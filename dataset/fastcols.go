package dataset

import (
	"runtime"
	"sort"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// readFastColumns reads top-level columns cols of row group rg through
// their fast paths (readFast). Each column gets an array or an error,
// errSlowPath for one pqarrow must read. When the file has fewer row
// groups than there are cores, the row groups' own workers leave cores
// idle, so the columns are decoded side by side: a file of one row group
// would otherwise decode on one core. Each goroutine runs under its own
// guard.
func (s *parquetSource) readFastColumns(rg int, cols []int, props pqarrow.ArrowReadProperties, mem memory.Allocator) ([]arrow.Array, []error) {
	arrs := make([]arrow.Array, len(cols))
	errs := make([]error, len(cols))
	read := func(i int) {
		errs[i] = guard(s.path, func() (err error) {
			c := cols[i]
			arrs[i], err = s.readFast(rg, c, props.ReadDict(s.fields[c].ColIndex), mem)
			return err
		})
	}
	workers := min(len(cols), runtime.GOMAXPROCS(0)/max(s.pf.NumRowGroups(), 1))
	if workers <= 1 {
		for i := range cols {
			read(i)
		}
		return arrs, errs
	}
	// Biggest chunks first, so that the last one to finish is a small one.
	order := make([]int, len(cols))
	size := make([]int64, len(cols))
	for i, c := range cols {
		order[i] = i
		for _, leaf := range leafIndices(s.fields[c]) {
			if cc, err := s.pf.MetaData().RowGroup(rg).ColumnChunk(leaf); err == nil {
				size[i] += cc.TotalCompressedSize()
			}
		}
	}
	sort.SliceStable(order, func(a, b int) bool { return size[order[a]] > size[order[b]] })
	var next sync.Mutex
	i := 0
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				next.Lock()
				k := i
				i++
				next.Unlock()
				if k >= len(order) {
					return
				}
				read(order[k])
			}
		}()
	}
	wg.Wait()
	return arrs, errs
}
