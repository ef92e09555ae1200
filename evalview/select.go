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
	if s.cfg.Interactive || len(cols) > 0 && s.holds(cols) {
		return false
	}
	for _, c := range cols {
		if s.IsDerived(c) {
			return false
		}
	}
	return s.ds.Direct(cols)
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

// heldSource loads cols whole (see table) for taking rows from.
func (s *Session) heldSource(ctx context.Context, cols []string) (*rowSource, error) {
	t, err := s.table(ctx, cols)
	if err != nil {
		return nil, err
	}
	defer t.Release()
	return newRowSource(0, t), nil
}

// partsCovering reads the parts of the dataset file that hold rows
// [first, first+n) of cols.
func (s *Session) partsCovering(ctx context.Context, cols []string, first, n int64) (*rowSource, error) {
	parts := s.ds.Parts()
	var want []int
	var start, wantStart int64
	for p, rows := range parts {
		if start+rows > first && start < first+max(n, 1) {
			if want == nil {
				wantStart = start
			}
			want = append(want, p)
		}
		start += rows
	}
	var batches []arrow.RecordBatch
	var schema *arrow.Schema
	for _, p := range want {
		t, err := s.ds.ReadPart(ctx, p, cols, s.mem)
		if err != nil {
			releaseBatches(batches)
			return nil, err
		}
		for _, b := range t.Batches() {
			b.Retain()
			batches = append(batches, b)
		}
		schema = t.Schema()
		t.Release()
	}
	if schema == nil {
		return &rowSource{}, nil
	}
	// Parts may differ in dictionary-encoding: give each batch one schema
	// only when they agree, else keep them apart.
	return newRowSourceBatches(wantStart, schema, batches), nil
}

func releaseBatches(bs []arrow.RecordBatch) {
	for _, b := range bs {
		b.Release()
	}
}

// rowSource is a run of batches whose first row is dataset row first.
type rowSource struct {
	first   int64
	batches []arrow.RecordBatch
	starts  []int64 // dataset row of each batch's first row
}

// newRowSource holds t's batches (retained: the caller still releases t).
func newRowSource(first int64, t *dataset.Table) *rowSource {
	var bs []arrow.RecordBatch
	for _, b := range t.Batches() {
		b.Retain()
		bs = append(bs, b)
	}
	return newRowSourceBatches(first, t.Schema(), bs)
}

func newRowSourceBatches(first int64, _ *arrow.Schema, batches []arrow.RecordBatch) *rowSource {
	r := &rowSource{first: first, batches: batches}
	off := first
	for _, b := range batches {
		r.starts = append(r.starts, off)
		off += b.NumRows()
	}
	return r
}

func (r *rowSource) release() { releaseBatches(r.batches) }

// locate finds the batch holding dataset row row, and the row within it.
func (r *rowSource) locate(row int64) (int, int, error) {
	b := sort.Search(len(r.starts), func(i int) bool { return r.starts[i] > row }) - 1
	if b < 0 || row-r.starts[b] >= r.batches[b].NumRows() {
		return 0, 0, fmt.Errorf("row %d out of range", row)
	}
	return b, int(row - r.starts[b]), nil
}

// take gathers the given dataset rows of column i into one array.
func (r *rowSource) take(i int, rows []int64, mem memory.Allocator) (arrow.Array, error) {
	type run struct{ batch, from, to int }
	var runs []run
	for _, row := range rows {
		b, j, err := r.locate(row)
		if err != nil {
			return nil, err
		}
		if n := len(runs); n > 0 && runs[n-1].batch == b && runs[n-1].to == j {
			runs[n-1].to++ // neighbouring rows share one slice
			continue
		}
		runs = append(runs, run{b, j, j + 1})
	}
	if len(runs) == 0 {
		if len(r.batches) == 0 {
			return nil, fmt.Errorf("no rows")
		}
		return plainSlice(r.batches[0].Column(i), 0, 0, mem)
	}
	pieces := make([]arrow.Array, 0, len(runs))
	defer func() {
		for _, p := range pieces {
			p.Release()
		}
	}()
	for _, rn := range runs {
		p, err := plainSlice(r.batches[rn.batch].Column(i), rn.from, rn.to, mem)
		if err != nil {
			return nil, err
		}
		pieces = append(pieces, p)
	}
	if len(pieces) == 1 {
		pieces[0].Retain()
		return pieces[0], nil
	}
	return array.Concatenate(pieces, mem)
}

// plainSlice returns rows [from, to) of a, with a dictionary of strings
// turned into plain strings: a window never pays for unifying the
// dictionaries of several parts.
func plainSlice(a arrow.Array, from, to int, mem memory.Allocator) (arrow.Array, error) {
	d, ok := a.(*array.Dictionary)
	if !ok {
		return array.NewSlice(a, int64(from), int64(to)), nil
	}
	values, ok := d.Dictionary().(interface{ Value(int) string })
	if !ok {
		return array.NewSlice(a, int64(from), int64(to)), nil
	}
	b := array.NewStringBuilder(mem)
	defer b.Release()
	for j := from; j < to; j++ {
		if d.IsNull(j) || d.Dictionary().IsNull(d.GetValueIndex(j)) {
			b.AppendNull()
		} else {
			b.Append(values.Value(d.GetValueIndex(j)))
		}
	}
	return b.NewArray(), nil
}
