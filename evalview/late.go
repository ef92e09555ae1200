package evalview

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"triage/dataset"
)

// A top N reads the columns its query needs for every row, but the
// columns it only prints (an id, say) for its N rows alone: the scan
// carries each kept row's place in the file, and once the N rows are
// known their other columns are fetched, decompressing only the pages
// that hold them (dataset.FetchRows).

// rowColumn holds a kept row's dataset row in a top N's candidates; no
// column of a file can have this name.
const rowColumn = "\x00row"

// lateColumns are the output columns a top N can fetch for its rows
// alone: those its query does not read, when the file can fetch them.
func (s *Session) lateColumns(queryCols, out []string) []string {
	var late []string
	for _, c := range out {
		if !slices.Contains(queryCols, c) && !slices.Contains(late, c) {
			late = append(late, c)
		}
	}
	if len(late) == 0 || s.ds.Parts() == nil || !s.ds.Fetchable(late) {
		return nil
	}
	return late
}

// withRowColumn adds rowColumn to t (whose rows are rows of a part's
// batch): the dataset row of each, base + rows[i].
func withRowColumn(t *dataset.Table, rows []int64, base int64, mem memory.Allocator) (*dataset.Table, error) {
	b := array.NewInt64Builder(mem)
	defer b.Release()
	b.Reserve(len(rows))
	for _, r := range rows {
		b.UnsafeAppend(base + r)
	}
	col := b.NewArray()
	defer col.Release()
	return t.WithColumns([]arrow.Field{{Name: rowColumn, Type: arrow.PrimitiveTypes.Int64}}, []arrow.Array{col})
}

// fetchOutput builds the output of a top N whose late columns were left
// out of the scan: rows are positions in all (its candidates, with
// rowColumn), in output order.
func (s *Session) fetchOutput(ctx context.Context, all *dataset.Table, rows []int64, cols, late []string) (*dataset.Table, error) {
	src := newRowSource(0, all)
	defer src.release()
	rowIdx := all.Schema().FieldIndices(rowColumn)
	if len(rowIdx) == 0 {
		return nil, errors.New("evalview: top N candidates without their rows")
	}
	dsRows, err := src.take(rowIdx[0], rows, s.mem)
	if err != nil {
		return nil, err
	}
	fetched, err := s.fetch(ctx, dsRows.(*array.Int64).Int64Values(), late)
	dsRows.Release()
	if err != nil {
		return nil, err
	}
	defer func() {
		for _, a := range fetched {
			if a != nil {
				a.Release()
			}
		}
	}()
	fields := make([]arrow.Field, len(cols))
	arrs := make([]arrow.Array, len(cols))
	defer func() {
		for _, a := range arrs {
			if a != nil {
				a.Release()
			}
		}
	}()
	for i, c := range cols {
		if k := slices.Index(late, c); k >= 0 {
			arrs[i], fetched[k] = fetched[k], nil
		} else {
			idx := all.Schema().FieldIndices(c)
			if len(idx) == 0 {
				return nil, fmt.Errorf("evalview: no column %q among the top N's candidates", c)
			}
			if arrs[i], err = src.take(idx[0], rows, s.mem); err != nil {
				return nil, err
			}
		}
		fields[i] = arrow.Field{Name: c, Type: arrs[i].DataType(), Nullable: true}
	}
	md := all.Schema().Metadata()
	schema := arrow.NewSchema(fields, &md)
	return dataset.NewTable(schema, []arrow.RecordBatch{array.NewRecordBatch(schema, arrs, int64(len(rows)))}), nil
}

// fetch reads cols at the given dataset rows (any order) and returns one
// array per column, in the rows' order. Each part's rows are fetched page
// by page; a part that cannot be (a page with nulls) or fails to be is
// read whole instead, which reports a real error.
func (s *Session) fetch(ctx context.Context, rows []int64, cols []string) ([]arrow.Array, error) {
	if len(rows) == 0 {
		out := make([]arrow.Array, len(cols))
		for i, c := range cols {
			f, _ := s.schema.FieldsByName(c)
			out[i] = array.MakeArrayOfNull(s.mem, f[0].Type, 0)
		}
		return out, nil
	}
	parts, starts := s.ds.Parts(), s.partStarts()
	// The rows in file order, cut by part; rank[i] is row i's place in
	// that order.
	order := make([]int, len(rows))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return rows[order[a]] < rows[order[b]] })
	rank := make([]int64, len(rows))
	type group struct {
		part  int
		local []int64
	}
	var groups []group
	for lo := 0; lo < len(order); {
		p := sort.Search(len(parts), func(p int) bool { return starts[p+1] > rows[order[lo]] })
		if p == len(parts) {
			return nil, fmt.Errorf("evalview: row %d past the file's %d", rows[order[lo]], starts[len(parts)])
		}
		g := group{part: p}
		for ; lo < len(order) && rows[order[lo]] < starts[p+1]; lo++ {
			g.local = append(g.local, rows[order[lo]]-starts[p])
			rank[order[lo]] = int64(lo)
		}
		groups = append(groups, g)
	}
	// The parts on every core: each decompresses its own pages.
	pieces := make([][]arrow.Array, len(groups))
	defer func() {
		for _, arrs := range pieces {
			for _, a := range arrs {
				a.Release()
			}
		}
	}()
	errs := make([]error, len(groups))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(len(groups), runtime.GOMAXPROCS(0)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(groups) {
					return
				}
				g := groups[i]
				pieces[i], errs[i] = s.ds.FetchRows(ctx, g.part, g.local, cols, s.mem)
				if errs[i] != nil {
					pieces[i], errs[i] = s.readRows(ctx, g.part, g.local, cols)
				}
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	// Each column's pieces, one after another, hold the rows in file
	// order: take them in the rows' own order.
	src := &rowSource{}
	defer src.release()
	for c := range cols {
		chunks := make([]arrow.Array, len(pieces))
		for i, arrs := range pieces {
			chunks[i] = arrs[c]
		}
		src.add(arrow.NewChunked(chunks[0].DataType(), chunks))
	}
	out := make([]arrow.Array, len(cols))
	for c := range cols {
		a, err := src.take(c, rank, s.mem)
		if err != nil {
			for _, b := range out[:c] {
				b.Release()
			}
			return nil, err
		}
		out[c] = a
	}
	return out, nil
}

// partStarts is each part's first dataset row, and the row count last.
func (s *Session) partStarts() []int64 {
	parts := s.ds.Parts()
	starts := make([]int64, len(parts)+1)
	for p, n := range parts {
		starts[p+1] = starts[p] + n
	}
	return starts
}

// readRows reads part p of cols whole and takes rows (ascending) of it.
func (s *Session) readRows(ctx context.Context, p int, rows []int64, cols []string) ([]arrow.Array, error) {
	t, err := s.ds.ReadPart(ctx, p, cols, s.mem)
	if err != nil {
		return nil, err
	}
	defer t.Release()
	src := newRowSource(0, t)
	defer src.release()
	arrs := make([]arrow.Array, len(cols))
	for i := range cols {
		if arrs[i], err = src.take(i, rows, s.mem); err != nil {
			for _, a := range arrs[:i] {
				a.Release()
			}
			return nil, err
		}
	}
	return arrs, nil
}
