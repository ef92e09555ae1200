package evalview

import (
	"context"
	"fmt"
	"sort"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"triage/dataset"
	"triage/query"
)

// Selection is the rows a query chose, in the query's order, as indexes
// into the dataset (row 0 is the file's first row).
type Selection struct {
	rows []int64 // nil: every row, in file order
	n    int64
}

// AllRows selects every one of n rows in file order.
func AllRows(n int64) *Selection { return &Selection{n: max(n, 0)} }

// Len is the number of rows selected.
func (sel *Selection) Len() int64 { return sel.n }

// Row returns the dataset row at position i of the selection.
func (sel *Selection) Row(i int64) int64 {
	if sel.rows == nil {
		return i
	}
	return sel.rows[i]
}

// Select runs a compiled query over every row and returns the rows it
// chose. The columns it reads stay in memory (see Config.Interactive).
func (s *Session) Select(ctx context.Context, prog *query.Program) (*Selection, error) {
	t, err := s.table(ctx, prog.Columns())
	if err != nil {
		return nil, err
	}
	defer t.Release()
	rows, err := prog.Run(ctx, t.Batches(), s.mem)
	if err != nil {
		return nil, err
	}
	return &Selection{rows: rows, n: int64(len(rows))}, nil
}

// Count returns how many rows the query selects. A filter over columns
// read straight from the file streams through it part by part, unless the
// session is interactive and keeps columns.
func (s *Session) Count(ctx context.Context, prog *query.Program) (int64, error) {
	cols := prog.Columns()
	if s.streams(cols) && prog.Streamable() {
		return s.streamCount(ctx, prog, cols)
	}
	t, err := s.table(ctx, cols)
	if err != nil {
		return 0, err
	}
	defer t.Release()
	return prog.Count(ctx, t.Batches())
}

// streams reports whether a query over cols should stream through the
// file rather than load its columns: a script's one-off query, over
// columns read straight from the dataset file, not yet in memory.
func (s *Session) streams(cols []string) bool {
	return !s.cfg.Interactive && !(len(cols) > 0 && s.holds(cols)) && s.directOnly(cols)
}

// Window is a few rows of a selection, the columns asked for, ready to
// show: the TUI asks for what is on screen.
type Window struct {
	Offset int64   // position of the first row in the selection
	Rows   []int64 // the dataset row of each
	Schema *arrow.Schema
	Cols   []arrow.Array // one per schema field, len(Rows) values each
}

// Release releases the columns.
func (w *Window) Release() {
	for _, c := range w.Cols {
		c.Release()
	}
	w.Cols = nil
}

// Rows returns positions [offset, offset+n) of sel (fewer at the end),
// with the named columns. Columns held in memory are sliced; before they
// are, a window in file order over columns of the dataset file reads only
// the parts of the file it covers, so a first screen does not wait for the
// whole file. Dictionary-encoded strings come back as plain strings.
func (s *Session) Rows(ctx context.Context, sel *Selection, offset, n int64, cols []string) (*Window, error) {
	if err := s.checkColumns(cols); err != nil {
		return nil, err
	}
	offset = max(0, min(offset, sel.Len()))
	n = max(0, min(n, sel.Len()-offset))
	rows := make([]int64, n)
	for i := range rows {
		rows[i] = sel.Row(offset + int64(i))
	}
	var src *rowSource
	var err error
	if sel.rows == nil && !s.holds(cols) && s.directOnly(cols) && s.ds.Parts() != nil {
		src, err = s.partsCovering(ctx, cols, offset, n)
	} else {
		src, err = s.heldSource(ctx, cols)
	}
	if err != nil {
		return nil, err
	}
	defer src.release()
	w := &Window{Offset: offset, Rows: rows}
	fields := make([]arrow.Field, len(cols))
	for i, c := range cols {
		col, err := src.take(i, rows, s.mem)
		if err != nil {
			w.Release()
			return nil, fmt.Errorf("%s: column %q: %w", s.ds.Path, c, err)
		}
		w.Cols = append(w.Cols, col)
		fields[i] = arrow.Field{Name: c, Type: col.DataType(), Nullable: true}
	}
	md := s.schema.Metadata()
	w.Schema = arrow.NewSchema(fields, &md)
	return w, nil
}

// directOnly reports whether cols are all read straight from the dataset
// file: no derived field, no joined prediction column.
func (s *Session) directOnly(cols []string) bool {
	for _, c := range cols {
		if s.IsDerived(c) {
			return false
		}
	}
	return s.ds.Direct(cols)
}

// heldSource takes rows from the whole columns, loading them first.
func (s *Session) heldSource(ctx context.Context, cols []string) (*rowSource, error) {
	if len(cols) > 0 {
		if err := s.ensure(ctx, cols); err != nil {
			return nil, err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	src := &rowSource{}
	for _, c := range cols {
		col := s.cols[s.key(c)]
		if col == nil {
			src.release()
			return nil, fmt.Errorf("evalview: column %q not held after loading", c)
		}
		col.Retain()
		src.add(col)
	}
	return src, nil
}

// partsCovering reads the parts of the dataset file that hold rows
// [first, first+n) of cols.
func (s *Session) partsCovering(ctx context.Context, cols []string, first, n int64) (*rowSource, error) {
	var chunks [][]arrow.Array
	var start, wantStart int64
	found := false
	defer func() {
		for _, cs := range chunks {
			for _, c := range cs {
				c.Release()
			}
		}
	}()
	for p, rows := range s.ds.Parts() {
		if start+rows > first && start < first+max(n, 1) {
			if !found {
				wantStart, found = start, true
			}
			t, err := s.ds.ReadPart(ctx, p, cols, s.mem)
			if err != nil {
				return nil, err
			}
			if chunks == nil {
				chunks = make([][]arrow.Array, len(cols))
			}
			for i := range cols {
				col := t.Column(i)
				for _, c := range col.Chunks() {
					c.Retain()
					chunks[i] = append(chunks[i], c)
				}
				col.Release()
			}
			t.Release()
		}
		start += rows
	}
	src := &rowSource{first: wantStart}
	for i := range chunks {
		if len(chunks[i]) == 0 {
			continue
		}
		src.add(arrow.NewChunked(chunks[i][0].DataType(), chunks[i]))
	}
	return src, nil
}

// rowSource is whole columns, or runs of them, whose row 0 is dataset
// row first: what a window takes its rows from.
type rowSource struct {
	first  int64
	cols   []*arrow.Chunked
	starts [][]int64 // per column, the dataset row of each chunk's first row
}

// add holds col (the source releases it).
func (r *rowSource) add(col *arrow.Chunked) {
	st := make([]int64, len(col.Chunks()))
	off := r.first
	for i, c := range col.Chunks() {
		st[i] = off
		off += int64(c.Len())
	}
	r.cols = append(r.cols, col)
	r.starts = append(r.starts, st)
}

// newRowSource holds t's columns (retained: the caller still releases t).
func newRowSource(first int64, t *dataset.Table) *rowSource {
	r := &rowSource{first: first}
	for i := range t.Schema().NumFields() {
		r.add(t.Column(i))
	}
	return r
}

func (r *rowSource) release() {
	for _, c := range r.cols {
		c.Release()
	}
	r.cols = nil
}

// take gathers the given dataset rows of column i into one array.
// Dictionary-encoded strings come back plain: a window never pays for
// unifying the dictionaries of several parts.
func (r *rowSource) take(i int, rows []int64, mem memory.Allocator) (arrow.Array, error) {
	if i >= len(r.cols) {
		return nil, fmt.Errorf("no rows")
	}
	col, starts := r.cols[i], r.starts[i]
	at := func(row int64) (arrow.Array, int, error) {
		c := sort.Search(len(starts), func(k int) bool { return starts[k] > row }) - 1
		if c < 0 || row-starts[c] >= int64(col.Chunk(c).Len()) {
			return nil, 0, fmt.Errorf("row %d out of range", row)
		}
		return col.Chunk(c), int(row - starts[c]), nil
	}
	if a, err := gather(col.DataType(), rows, at, mem); a != nil || err != nil {
		return a, err
	}
	// Other types: slices of runs of neighbouring rows, concatenated.
	var pieces []arrow.Array
	defer func() {
		for _, p := range pieces {
			p.Release()
		}
	}()
	for k := 0; k < len(rows); {
		a, j, err := at(rows[k])
		if err != nil {
			return nil, err
		}
		n := 1
		for k+n < len(rows) && rows[k+n] == rows[k]+int64(n) && j+n < a.Len() {
			n++
		}
		pieces = append(pieces, array.NewSlice(a, int64(j), int64(j+n)))
		k += n
	}
	if len(pieces) == 0 {
		return array.MakeArrayOfNull(mem, col.DataType(), 0), nil
	}
	if len(pieces) == 1 {
		pieces[0].Retain()
		return pieces[0], nil
	}
	return array.Concatenate(pieces, mem)
}

// gather copies rows of the common flat types value by value; it returns
// nil for the others.
func gather(dt arrow.DataType, rows []int64, at func(int64) (arrow.Array, int, error), mem memory.Allocator) (arrow.Array, error) {
	var b array.Builder
	var appendRow func(a arrow.Array, j int)
	switch dt.ID() {
	case arrow.INT64:
		ib := array.NewInt64Builder(mem)
		b, appendRow = ib, func(a arrow.Array, j int) { ib.Append(a.(*array.Int64).Value(j)) }
	case arrow.INT32:
		ib := array.NewInt32Builder(mem)
		b, appendRow = ib, func(a arrow.Array, j int) { ib.Append(a.(*array.Int32).Value(j)) }
	case arrow.FLOAT64:
		fb := array.NewFloat64Builder(mem)
		b, appendRow = fb, func(a arrow.Array, j int) { fb.Append(a.(*array.Float64).Value(j)) }
	case arrow.FLOAT32:
		fb := array.NewFloat32Builder(mem)
		b, appendRow = fb, func(a arrow.Array, j int) { fb.Append(a.(*array.Float32).Value(j)) }
	case arrow.BOOL:
		bb := array.NewBooleanBuilder(mem)
		b, appendRow = bb, func(a arrow.Array, j int) { bb.Append(a.(*array.Boolean).Value(j)) }
	case arrow.STRING, arrow.LARGE_STRING, arrow.DICTIONARY:
		if d, ok := dt.(*arrow.DictionaryType); ok {
			if id := d.ValueType.ID(); id != arrow.STRING && id != arrow.LARGE_STRING {
				return nil, nil
			}
		}
		sb := array.NewStringBuilder(mem)
		b, appendRow = sb, func(a arrow.Array, j int) {
			if d, ok := a.(*array.Dictionary); ok {
				k := d.GetValueIndex(j)
				if d.Dictionary().IsNull(k) {
					sb.AppendNull()
					return
				}
				a, j = d.Dictionary(), k
			}
			sb.Append(a.(interface{ Value(int) string }).Value(j))
		}
	default:
		return nil, nil
	}
	defer b.Release()
	b.Reserve(len(rows))
	for _, row := range rows {
		a, j, err := at(row)
		if err != nil {
			return nil, err
		}
		if a.IsNull(j) {
			b.AppendNull()
			continue
		}
		appendRow(a, j)
	}
	return b.NewArray(), nil
}
