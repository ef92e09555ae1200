package dataset

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// A row group is read a few pages at a time, not whole: each column is a
// source that decodes a run of its pages on request, and the runs are cut
// into batches at the nearest boundary any column has reached. A scan then
// holds about one batch per column per core, whatever the row group's
// size. Columns the fast paths cannot read come from pqarrow's record
// reader, a source like the others.

// runBytes is about as many bytes of values as a fast path decodes in one
// run, whatever the rows asked for: wide columns (lists of
// probabilities, long strings) come in shorter runs.
const runBytes = 1 << 20

// A rowSource hands out the rows of some columns of one row group in
// order, as runs of equal length across its columns.
type rowSource interface {
	// next returns the next run, one array per column, nil at the end:
	// whole pages until it has want rows or runBytes of values (so
	// possibly more or fewer rows than want).
	next(want int) ([]arrow.Array, error)
	close()
}

// chunkCursor is a fast path's reader of one column chunk: next decodes
// whole pages as rowSource's next does, and returns nil at the end.
// errSlowPath from next means a page the path cannot read.
type chunkCursor interface {
	next(want int) (arrow.Array, error)
	close()
}

// newCursor opens column c's chunk of row group rg through a fast path
// of dictcol.go, plainstr.go or floatlist.go, or fails with errSlowPath.
// dict says the column is read as a dictionary (decided once per read by
// readAsDictionary).
func (s *parquetSource) newCursor(rg, c int, dict bool, mem memory.Allocator) (chunkCursor, error) {
	f := s.fields[c]
	switch {
	case f.Field == nil:
		return nil, errSlowPath
	case !f.IsLeaf():
		return newFloatListCursor(s.pf, rg, f, allocator(mem))
	case dict:
		return newDictCursor(s.pf, rg, f.ColIndex, allocator(mem))
	case isInt96(s.pf, f):
		a, err := readInt96Chunk(s.pf, rg, f.ColIndex, allocator(mem))
		if err != nil {
			return nil, err
		}
		return &wholeChunk{a: a}, nil
	case f.Field.Type.ID() == arrow.STRING || f.Field.Type.ID() == arrow.BINARY:
		return newStringCursor(s.pf, rg, f.ColIndex, f.Field.Type, allocator(mem))
	case s.plainLogical(f):
		return newPlainCursor(s.pf, rg, f.ColIndex, f.Field.Type, allocator(mem))
	}
	return nil, errSlowPath
}

// wholeChunk is a chunk read in one piece.
type wholeChunk struct{ a arrow.Array }

func (w *wholeChunk) next(int) (arrow.Array, error) {
	a := w.a
	w.a = nil
	return a, nil
}

func (w *wholeChunk) close() {
	if w.a != nil {
		w.a.Release()
	}
}

// fastSource reads one column through a fast path. A page the path cannot
// read hands the rest of the chunk to pqarrow, from the row reached.
type fastSource struct {
	s       *parquetSource
	ctx     context.Context
	props   pqarrow.ArrowReadProperties
	rg, col int
	mem     memory.Allocator
	cur     chunkCursor
	done    int64 // rows handed out
	slow    rowSource
}

func (f *fastSource) next(want int) ([]arrow.Array, error) {
	if f.slow == nil {
		a, err := f.cur.next(want)
		if err == nil {
			if a == nil {
				return nil, nil
			}
			f.done += int64(a.Len())
			return []arrow.Array{a}, nil
		}
		if !errors.Is(err, errSlowPath) {
			return nil, err
		}
		f.cur.close()
		f.cur = nil
		if f.slow, err = f.s.newPQSource(f.ctx, f.props, f.rg, []int{f.col}, f.done, f.mem); err != nil {
			return nil, err
		}
	}
	return f.slow.next(want)
}

func (f *fastSource) close() {
	if f.cur != nil {
		f.cur.close()
	}
	if f.slow != nil {
		f.slow.close()
	}
}

// pqSource reads columns through pqarrow's record reader, skipping the
// first skip rows.
type pqSource struct {
	rr    pqarrow.RecordReader
	names []string
	skip  int64
}

func (s *parquetSource) newPQSource(ctx context.Context, props pqarrow.ArrowReadProperties, rg int, cols []int, skip int64, mem memory.Allocator) (*pqSource, error) {
	var leaves []int
	names := make([]string, len(cols))
	for i, c := range cols {
		leaves = append(leaves, leafIndices(s.fields[c])...)
		names[i] = s.schema.Field(c).Name
	}
	fr, err := pqarrow.NewFileReader(s.pf, props, allocator(mem))
	if err != nil {
		return nil, err
	}
	rr, err := fr.GetRecordReader(ctx, leaves, []int{rg})
	if err != nil {
		return nil, err
	}
	return &pqSource{rr: rr, names: names, skip: skip}, nil
}

func (p *pqSource) next(int) ([]arrow.Array, error) {
	for p.rr.Next() {
		b := p.rr.RecordBatch()
		n := b.NumRows()
		if p.skip >= n {
			p.skip -= n
			continue
		}
		arrs := make([]arrow.Array, len(p.names))
		for i, name := range p.names {
			// pqarrow orders its columns as it likes: find each by name.
			idx := b.Schema().FieldIndices(name)
			if len(idx) == 0 {
				releaseArrays(arrs)
				return nil, fmt.Errorf("column %q missing from the decoded batch", name)
			}
			arrs[i] = array.NewSlice(b.Column(idx[0]), p.skip, n)
		}
		p.skip = 0
		return arrs, nil
	}
	if err := p.rr.Err(); err != nil && err != io.EOF {
		return nil, err
	}
	return nil, nil
}

func (p *pqSource) close() { p.rr.Release() }

func releaseArrays(arrs []arrow.Array) {
	for _, a := range arrs {
		if a != nil {
			a.Release()
		}
	}
}

// aheadSource decodes a source's runs in a goroutine of its own, one run
// ahead of the reader (the channel is unbuffered: the run being read and
// the next one exist, no more): with fewer row groups than cores, the columns of
// one row group are decoded side by side.
type aheadSource struct {
	src  rowSource
	runs chan aheadRun
	stop chan struct{}
	done chan struct{}
}

type aheadRun struct {
	arrs []arrow.Array
	err  error
}

func readAhead(path string, src rowSource, want int) *aheadSource {
	a := &aheadSource{src: src, runs: make(chan aheadRun), stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(a.done)
		defer close(a.runs)
		for {
			select {
			case <-a.stop: // the reader is gone: decode no more
				return
			default:
			}
			var r aheadRun
			r.err = guard(path, func() (err error) {
				r.arrs, err = src.next(want)
				return err
			})
			select {
			case a.runs <- r:
			case <-a.stop:
				releaseArrays(r.arrs)
				return
			}
			if r.arrs == nil || r.err != nil {
				return
			}
		}
	}()
	return a
}

func (a *aheadSource) next(int) ([]arrow.Array, error) {
	r, ok := <-a.runs
	if !ok {
		return nil, nil
	}
	return r.arrs, r.err
}

func (a *aheadSource) close() {
	close(a.stop)
	for r := range a.runs {
		releaseArrays(r.arrs)
	}
	<-a.done
	a.src.close()
}

// zipRowGroup reads row group rg's columns cols (top-level schema
// indices) from its sources and emits batches of at most batchSize rows,
// each owned by emit. ahead decodes the sources side by side.
func (s *parquetSource) zipRowGroup(ctx context.Context, props pqarrow.ArrowReadProperties, cols []int, rg int, mem memory.Allocator, ahead bool, emit func(arrow.RecordBatch) error) error {
	var sources []rowSource
	var covers [][]int // the positions in cols each source serves
	defer func() {
		for _, src := range sources {
			src.close()
		}
	}()
	var slow []int
	var slowAt []int
	for i, c := range cols {
		cur, err := s.newCursor(rg, c, props.ReadDict(s.fields[c].ColIndex), mem)
		switch {
		case err == nil:
			sources = append(sources, &fastSource{s: s, ctx: ctx, props: props, rg: rg, col: c, mem: mem, cur: cur})
			covers = append(covers, []int{i})
		case errors.Is(err, errSlowPath):
			slow, slowAt = append(slow, c), append(slowAt, i)
		default:
			return fmt.Errorf("row group %d, column %q: %w", rg, s.schema.Field(c).Name, err)
		}
	}
	if len(slow) > 0 {
		src, err := s.newPQSource(ctx, props, rg, slow, 0, mem)
		if err != nil {
			return err
		}
		sources = append(sources, src)
		covers = append(covers, slowAt)
	}
	if ahead && len(sources) > 1 {
		// Only the columns that hold a good share of the row group get a
		// goroutine (and a second run in memory) of their own; this one
		// decodes the small ones while they run.
		size := make([]int64, len(sources))
		var total int64
		for k := range sources {
			for _, i := range covers[k] {
				size[k] += s.columnBytes(rg, cols[i])
			}
			total += size[k]
		}
		for k := range sources {
			if size[k]*8 >= total {
				sources[k] = readAhead(s.path, sources[k], batchSize)
			}
		}
	}

	fields := make([]arrow.Field, len(cols))
	for i, c := range cols {
		fields[i] = s.schema.Field(c)
	}
	md := s.schema.Metadata()
	runs := make([][]arrow.Array, len(sources))
	at := make([]int64, len(sources)) // rows of each run already emitted
	defer func() {
		for _, r := range runs {
			releaseArrays(r)
		}
	}()
	rows := s.pf.MetaData().RowGroup(rg).NumRows()
	for done := int64(0); done < rows; {
		if err := ctx.Err(); err != nil {
			return err
		}
		n := min(rows-done, batchSize)
		for k, src := range sources {
			if runs[k] == nil || at[k] == int64(runs[k][0].Len()) {
				releaseArrays(runs[k])
				runs[k], at[k] = nil, 0
				arrs, err := src.next(batchSize)
				if err != nil {
					return fmt.Errorf("row group %d, column %q: %w", rg, fields[covers[k][0]].Name, err)
				}
				if arrs == nil || arrs[0].Len() == 0 {
					return fmt.Errorf("row group %d, column %q: %d of its %d rows", rg, fields[covers[k][0]].Name, done, rows)
				}
				runs[k] = arrs
			}
			n = min(n, int64(runs[k][0].Len())-at[k])
		}
		arrs := make([]arrow.Array, len(cols))
		batchFields := make([]arrow.Field, len(cols))
		for k, run := range runs {
			for j, i := range covers[k] {
				arrs[i] = array.NewSlice(run[j], at[k], at[k]+n)
				batchFields[i] = fields[i]
				batchFields[i].Type = arrs[i].DataType()
			}
			at[k] += n
		}
		b := array.NewRecordBatch(arrow.NewSchema(batchFields, &md), arrs, n)
		releaseArrays(arrs)
		done += n
		if err := emit(b); err != nil {
			return err
		}
	}
	// Every source must end with the row group.
	for k, src := range sources {
		if runs[k] != nil && at[k] < int64(runs[k][0].Len()) {
			return fmt.Errorf("row group %d, column %q: more rows than the row group's %d", rg, fields[covers[k][0]].Name, rows)
		}
		arrs, err := src.next(batchSize)
		releaseArrays(arrs)
		if err != nil {
			return fmt.Errorf("row group %d, column %q: %w", rg, fields[covers[k][0]].Name, err)
		}
		if arrs != nil {
			return fmt.Errorf("row group %d, column %q: more rows than the row group's %d", rg, fields[covers[k][0]].Name, rows)
		}
	}
	return nil
}

// columnBytes is the uncompressed size of top-level column c's chunks in
// row group rg, 0 when the metadata cannot say.
func (s *parquetSource) columnBytes(rg, c int) (n int64) {
	guard(s.path, func() error {
		md := s.pf.MetaData().RowGroup(rg)
		for _, l := range leafIndices(s.fields[c]) {
			cc, err := md.ColumnChunk(l)
			if err != nil {
				return err
			}
			n += cc.TotalUncompressedSize()
		}
		return nil
	})
	return n
}
