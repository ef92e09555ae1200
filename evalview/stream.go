package evalview

import (
	"context"
	"errors"
	"io"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"triage/dataset"
	"triage/query"
)

// A query that only filters, or filters and keeps the top N, runs part by
// part over the file (Parquet row groups, shards) on every core: each
// worker reads a part's columns, runs the query on them and passes on only
// what it selected, so memory holds one part per core and the output, not
// the table.

// errStop ends a scan early without an error: the output has its rows.
var errStop = errors.New("evalview: stop scanning")

// scanParts reads cols part by part on every core. fn gets each part's
// batches in order, each as a table of one batch, and done, if set, is
// called once a part is read. fn and done run on several goroutines at
// once; parts are taken in file order. admit, if set, is called before a
// worker takes the next part (an ordered writer's back-pressure: parts
// admitted in order cannot starve the one it waits for). A file without
// parts is read whole, as part 0.
func (s *Session) scanParts(ctx context.Context, cols []string, admit func(context.Context) error, fn func(ctx context.Context, part int, t *dataset.Table) error, done func(part int) error) error {
	if done == nil {
		done = func(int) error { return nil }
	}
	parts := s.ds.Parts()
	if parts == nil {
		if admit != nil {
			if err := admit(ctx); err != nil {
				return err
			}
		}
		t, _, err := s.ds.Load(ctx, dataset.LoadOptions{Columns: nonNil(cols), Mem: s.mem})
		if err != nil {
			return err
		}
		defer t.Release()
		if err := fn(ctx, 0, t); err != nil {
			if err == errStop {
				return nil
			}
			return err
		}
		if err := done(0); err != nil && err != errStop {
			return err
		}
		return nil
	}
	var total int64
	for _, n := range parts {
		total += n
	}
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var next, read atomic.Int64
	var errMu sync.Mutex
	var firstErr error
	stopped := false
	fail := func(err error) {
		errMu.Lock()
		defer errMu.Unlock()
		switch {
		case stopped: // the rest are workers told to stop
		case err == errStop:
			stopped = true
		case firstErr == nil:
			firstErr = err
		}
		cancel()
	}
	var wg sync.WaitGroup
	for range min(len(parts), runtime.GOMAXPROCS(0)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				if admit != nil {
					if err := admit(ctx); err != nil {
						fail(err)
						return
					}
				}
				p := int(next.Add(1) - 1)
				if p >= len(parts) || ctx.Err() != nil {
					return
				}
				err := s.ds.ScanPart(ctx, p, cols, s.mem, func(t *dataset.Table) error {
					return fn(ctx, p, t)
				})
				if err == nil {
					err = done(p)
				}
				if err != nil {
					fail(err)
					return
				}
				s.progress(Progress{Step: "reading", Done: read.Add(parts[p]), Total: total})
			}
		}()
	}
	wg.Wait()
	if firstErr == nil && !stopped {
		return parent.Err()
	}
	return firstErr
}

func nonNil(cols []string) []string {
	if cols == nil {
		return []string{}
	}
	return cols
}

func (s *Session) streamCount(ctx context.Context, prog *query.Program, cols []string) (int64, error) {
	var total atomic.Int64
	err := s.scanParts(ctx, cols, nil, func(ctx context.Context, _ int, t *dataset.Table) error {
		n, err := prog.Count(ctx, t.Batches())
		total.Add(n)
		return err
	}, nil)
	if err == nil {
		err = ctx.Err()
	}
	return total.Load(), err
}

// Output says what Write prints and how.
type Output struct {
	Columns []string
	Encoder dataset.Encoder
	Limit   int64 // at most this many rows; < 0: all
}

// Write runs the query and writes the selected rows in its order. A filter
// (with or without a limit) is read, filtered and formatted part by part
// on every core and written in file order; a sort with a limit keeps each
// part's best rows and merges them. Any other query reads its columns
// whole first.
func (s *Session) Write(ctx context.Context, w io.Writer, prog *query.Program, out Output) error {
	limit := out.Limit
	if n, sorted, ok := prog.StreamShape(); ok && !sorted && n >= 0 && (limit < 0 || n < limit) {
		limit = n // where ... | limit n: the first n rows in file order
	}
	need := appendNew(prog.Columns(), out.Columns...)
	if n, sorted, ok := prog.StreamShape(); ok && s.streams(need) {
		if sorted {
			return s.writeTopN(ctx, w, prog, out, need, limit, n)
		}
		return s.writeFiltered(ctx, w, prog, out, need, limit)
	}
	sel, err := s.Select(ctx, prog)
	if err != nil {
		return err
	}
	t, err := s.table(ctx, out.Columns)
	if err != nil {
		return err
	}
	defer t.Release()
	rows := sel.rows
	if rows == nil {
		rows = make([]int64, sel.n)
		for i := range rows {
			rows[i] = int64(i)
		}
	}
	if limit >= 0 && int64(len(rows)) > limit {
		rows = rows[:limit]
	}
	return writeChunks(ctx, w, out.Encoder, t, rows)
}

func appendNew(list []string, names ...string) []string {
	for _, n := range names {
		if n != "" && !slices.Contains(list, n) {
			list = append(list, n)
		}
	}
	return list
}

// writeFiltered streams a filter: each worker formats its part's rows, and
// an ordered writer puts the parts out in file order, cut at limit.
func (s *Session) writeFiltered(ctx context.Context, w io.Writer, prog *query.Program, out Output, need []string, limit int64) error {
	ow := newOrderedWriter(w, out.Encoder, limit, 2*runtime.GOMAXPROCS(0))
	if err := ow.begin(); err != nil {
		return err
	}
	err := s.scanParts(ctx, need, ow.admit, func(ctx context.Context, part int, t *dataset.Table) error {
		rows, err := prog.Run(ctx, t.Batches(), s.mem)
		if err != nil {
			return err
		}
		c, err := encodeRows(out.Encoder, t, rows)
		if err != nil {
			return err
		}
		return ow.add(part, c)
	}, ow.finish)
	if err != nil {
		return err
	}
	return ow.end()
}

// writeTopN passes each part's batches through a TopN, which keeps the
// rows among the part's best n so far, and copies those rows of every
// needed column. Once a part is read its copies are cut to its best n; the
// query then runs once more over the parts' rows to order and cut them.
func (s *Session) writeTopN(ctx context.Context, w io.Writer, prog *query.Program, out Output, need []string, limit, n int64) error {
	// Columns only printed are fetched for the N rows at the end (late.go);
	// the candidates then carry their dataset rows instead.
	late := s.lateColumns(prog.Columns(), out.Columns)
	scan := slices.DeleteFunc(slices.Clone(need), func(c string) bool { return slices.Contains(late, c) })
	keep := scan
	var starts []int64 // each part's first dataset row
	if late != nil {
		keep = append(slices.Clone(scan), rowColumn)
		starts = s.partStarts()
	}
	var mu sync.Mutex
	tops := map[int]*query.TopN{}           // each part's, used by the one goroutine reading it
	batchBest := map[int][]*dataset.Table{} // a part's batches' kept rows, in order
	partBest := map[int]*dataset.Table{}
	defer func() {
		for _, ts := range batchBest {
			for _, t := range ts {
				t.Release()
			}
		}
		for _, t := range partBest {
			t.Release()
		}
	}()
	best := func(ctx context.Context, t *dataset.Table) (*dataset.Table, error) {
		rows, err := prog.Run(ctx, t.Batches(), s.mem)
		if err != nil || len(rows) == 0 {
			return nil, err
		}
		return takeTable(t, rows, keep, s.mem)
	}
	kept := func(ctx context.Context, part int, t *dataset.Table) (*dataset.Table, error) {
		mu.Lock()
		top := tops[part]
		mu.Unlock()
		if top == nil {
			var err error
			if top, err = prog.NewTopN(); err != nil {
				return nil, err
			}
			mu.Lock()
			tops[part] = top
			mu.Unlock()
		}
		first := top.Seen() // t's first row in the part
		var rows []int64
		var start int64
		for _, b := range t.Batches() {
			r, err := top.Add(ctx, b)
			if err != nil {
				return nil, err
			}
			for _, i := range r {
				rows = append(rows, start+i)
			}
			start += b.NumRows()
		}
		if len(rows) == 0 {
			return nil, nil
		}
		b, err := takeTable(t, rows, scan, s.mem)
		if err != nil || late == nil {
			return b, err
		}
		defer b.Release()
		return withRowColumn(b, rows, starts[part]+first, s.mem)
	}
	err := s.scanParts(ctx, scan, nil, func(ctx context.Context, part int, t *dataset.Table) error {
		b, err := kept(ctx, part, t)
		if err != nil || b == nil {
			return err
		}
		mu.Lock()
		batchBest[part] = append(batchBest[part], b)
		mu.Unlock()
		return nil
	}, func(part int) error {
		mu.Lock()
		cands := batchBest[part]
		delete(batchBest, part)
		delete(tops, part)
		mu.Unlock()
		if len(cands) == 0 {
			return nil
		}
		all := concatTables(cands)
		defer all.Release()
		b, err := best(ctx, all)
		if err != nil || b == nil {
			return err
		}
		mu.Lock()
		partBest[part] = b
		mu.Unlock()
		return nil
	})
	if err != nil {
		return err
	}
	// Candidates in part order: the sort is stable, so ties keep file
	// order, as they would over the whole table.
	var cands []*dataset.Table
	for p := 0; p <= maxKey(partBest); p++ {
		if t := partBest[p]; t != nil {
			cands = append(cands, t)
		}
	}
	if len(cands) == 0 {
		return writeChunks(ctx, w, out.Encoder, dataset.NewTable(arrow.NewSchema(nil, nil), nil), nil)
	}
	all := concatTables(cands)
	defer all.Release()
	rows, err := prog.Run(ctx, all.Batches(), s.mem)
	if err != nil {
		return err
	}
	if limit >= 0 && int64(len(rows)) > limit {
		rows = rows[:limit]
	}
	if late == nil {
		return writeChunks(ctx, w, out.Encoder, all, rows)
	}
	t, err := s.fetchOutput(ctx, all, rows, out.Columns, late)
	if err != nil {
		return err
	}
	defer t.Release()
	seq := make([]int64, len(rows))
	for i := range seq {
		seq[i] = int64(i)
	}
	return writeChunks(ctx, w, out.Encoder, t, seq)
}

// concatTables is one table of the batches of ts, which share a schema;
// ts keep their own references.
func concatTables(ts []*dataset.Table) *dataset.Table {
	var batches []arrow.RecordBatch
	for _, t := range ts {
		for _, b := range t.Batches() {
			b.Retain()
			batches = append(batches, b)
		}
	}
	return dataset.NewTable(ts[0].Schema(), batches)
}

func maxKey(m map[int]*dataset.Table) int {
	k := -1
	for p := range m {
		k = max(k, p)
	}
	return k
}

// takeTable copies the given rows of t's columns into a new one-batch
// table, strings as plain strings.
func takeTable(t *dataset.Table, rows []int64, cols []string, mem memory.Allocator) (*dataset.Table, error) {
	src := newRowSource(0, t)
	defer src.release()
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
		idx := t.Schema().FieldIndices(c)
		if len(idx) == 0 {
			return nil, errors.New("evalview: no column " + c)
		}
		a, err := src.take(idx[0], rows, mem)
		if err != nil {
			return nil, err
		}
		arrs[i] = a
		fields[i] = arrow.Field{Name: c, Type: a.DataType(), Nullable: true}
	}
	md := t.Schema().Metadata()
	schema := arrow.NewSchema(fields, &md)
	return dataset.NewTable(schema, []arrow.RecordBatch{array.NewRecordBatch(schema, arrs, int64(len(rows)))}), nil
}

// chunk is a run of formatted rows: ends[i] is where row i's text ends.
type chunk struct {
	text []byte
	ends []int
}

// encodeRows formats the given rows (table-global indices) of t.
func encodeRows(enc dataset.Encoder, t *dataset.Table, rows []int64) (chunk, error) {
	var c chunk
	if len(rows) == 0 {
		return c, nil
	}
	rowsOf := dataset.NewRowAppender(enc, t)
	sep := enc.Sep()
	for _, r := range rows {
		c.text = append(c.text, sep...) // each row carries its leading separator
		var err error
		if c.text, err = rowsOf.Append(c.text, r); err != nil {
			return c, err
		}
		c.ends = append(c.ends, len(c.text))
	}
	return c, nil
}

// writeChunks formats rows of t on every core in slices of rows and
// writes them in order.
func writeChunks(ctx context.Context, w io.Writer, enc dataset.Encoder, t *dataset.Table, rows []int64) error {
	const per = 1 << 14
	ow := newOrderedWriter(w, enc, -1, 2*runtime.GOMAXPROCS(0))
	if err := ow.begin(); err != nil {
		return err
	}
	pieces := (len(rows) + per - 1) / per
	var next atomic.Int64
	errs := make(chan error, runtime.GOMAXPROCS(0))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for range max(1, min(pieces, runtime.GOMAXPROCS(0))) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				if err := ow.admit(ctx); err != nil {
					errs <- err
					cancel()
					return
				}
				p := int(next.Add(1) - 1)
				if p >= pieces {
					ow.unadmit()
					return
				}
				c, err := encodeRows(enc, t, rows[p*per:min(len(rows), (p+1)*per)])
				if err == nil {
					err = ow.put(p, c)
				}
				if err != nil {
					errs <- err
					cancel()
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != errStop {
			return err
		}
	}
	return ow.end()
}

// orderedWriter writes the chunks of parts numbered 0, 1, 2... in that
// order as they arrive from several goroutines: the chunks of the part it
// is at go out at once, later parts' wait until the parts before them
// finish. At most window parts are in flight, and it stops after limit
// rows (errStop tells the producers).
type orderedWriter struct {
	w       io.Writer
	enc     dataset.Encoder
	limit   int64 // < 0: no limit
	written int64
	tokens  chan struct{}

	mu      sync.Mutex
	next    int
	pending map[int]*partChunks
	err     error
}

// partChunks are a part's chunks waiting for the parts before it.
type partChunks struct {
	chunks   []chunk
	finished bool
}

func newOrderedWriter(w io.Writer, enc dataset.Encoder, limit int64, window int) *orderedWriter {
	ow := &orderedWriter{w: w, enc: enc, limit: limit, tokens: make(chan struct{}, window), pending: map[int]*partChunks{}}
	return ow
}

func (ow *orderedWriter) begin() error {
	_, err := ow.w.Write(ow.enc.Begin())
	return err
}

// admit blocks until one more part may be produced: fewer than window
// parts are in flight. Producers take a part number only after admit, so
// the part the writer waits for always holds a token.
func (ow *orderedWriter) admit(ctx context.Context) error {
	select {
	case ow.tokens <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	ow.mu.Lock()
	defer ow.mu.Unlock()
	if ow.err != nil {
		<-ow.tokens
		return ow.err
	}
	return nil
}

// add hands over the next chunk of part p.
func (ow *orderedWriter) add(p int, c chunk) error {
	ow.mu.Lock()
	defer ow.mu.Unlock()
	if ow.err != nil {
		return ow.err
	}
	if p == ow.next {
		if err := ow.writeChunk(c); err != nil {
			ow.err = err
		}
		return ow.err
	}
	pc := ow.pending[p]
	if pc == nil {
		pc = &partChunks{}
		ow.pending[p] = pc
	}
	pc.chunks = append(pc.chunks, c)
	return nil
}

// finish says part p has no more chunks, and writes every part now in
// order.
func (ow *orderedWriter) finish(p int) error {
	ow.mu.Lock()
	defer ow.mu.Unlock()
	if ow.err != nil {
		<-ow.tokens
		return ow.err
	}
	pc := ow.pending[p]
	if pc == nil {
		pc = &partChunks{}
		ow.pending[p] = pc
	}
	pc.finished = true
	for {
		pc, ok := ow.pending[ow.next]
		if ok {
			for _, c := range pc.chunks {
				if err := ow.writeChunk(c); err != nil {
					ow.err = err
					return err
				}
			}
			pc.chunks = nil
		}
		if !ok || !pc.finished {
			return nil
		}
		delete(ow.pending, ow.next)
		ow.next++
		<-ow.tokens
	}
}

// put hands over part p as one chunk.
func (ow *orderedWriter) put(p int, c chunk) error {
	if err := ow.add(p, c); err != nil {
		<-ow.tokens // the part will not finish: give its token back
		return err
	}
	return ow.finish(p)
}

func (ow *orderedWriter) writeChunk(c chunk) error {
	if len(c.ends) == 0 {
		return nil
	}
	n := len(c.ends)
	if ow.limit >= 0 && ow.written+int64(n) > ow.limit {
		n = int(ow.limit - ow.written)
	}
	if n > 0 {
		text := c.text[:c.ends[n-1]]
		if ow.written == 0 {
			text = text[len(ow.enc.Sep()):] // no separator before the first row
		}
		if _, err := ow.w.Write(text); err != nil {
			return err
		}
		ow.written += int64(n)
	}
	if ow.limit >= 0 && ow.written >= ow.limit {
		return errStop
	}
	return nil
}

// unadmit gives back a token taken for a chunk that does not exist.
func (ow *orderedWriter) unadmit() { <-ow.tokens }

func (ow *orderedWriter) end() error {
	ow.mu.Lock()
	defer ow.mu.Unlock()
	if ow.err != nil && ow.err != errStop {
		return ow.err
	}
	_, err := ow.w.Write(ow.enc.End())
	return err
}
