package dataset

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"

	"triage/dataset/internal/filemap"
)

// CSV and JSON Lines carry no schema. Both readers work the same way, on
// byte ranges of the file read in parallel (csv.go and jsonl.go hold the
// format-specific parts):
//
//	file:   | header | range 0 | range 1 | range 2 | ... |
//	                    ^ a range's first record starts after the first
//	                      record boundary at or past the range's start
//
// Open makes one pass over every range at once on all cores. Each range
// finds its first record boundary, tokenizes its records, checks them
// (ragged rows, malformed JSON) and widens each column's type over the
// values it sees: null < bool, int < float < string, for CSV; int < float
// and merged objects and lists for JSON. Nothing is built. The ranges are
// then joined in file order: each range's last record must end where the
// next range's first record begins (for CSV, a range that starts inside a
// quoted field is parsed again from the right state), the types are merged
// in file order, and the first error in file order wins, with its line
// number. So the schema is the one a sequential reader would infer from
// every value, and the chunks (record-aligned byte ranges with their first
// line and row) are known. The scan also records where each value starts
// (4 bytes a value, kept while that is no more than the range's own size).
//
// Read maps the chunks again on all cores and builds only the columns asked
// for, a column at a time, going straight to each value through the index
// (a chunk without one is tokenized again); the other columns are not
// looked at. Batches come out in file order, one per chunk, as the chunks
// finish; each chunk is also a part (Parted) that can be read alone.
//
// Open must look at every value because a Source promises its schema before
// any read (roles, join keys and the query checker are decided from it); a
// read then never has to widen a type or re-cast a chunk.

// textChunkSize is the size of the byte ranges a text file is cut into: a
// batch holds one chunk's rows. Tests make it small to cut files into many
// chunks.
var textChunkSize int64 = 4 << 20

// textWorkers is how many goroutines read a text file; 0 means GOMAXPROCS.
var textWorkers = 0

// textIndexShare bounds a range's index of value offsets (4 bytes each) to
// this share of the range's own bytes; past it the range is read by
// tokenizing again. Tests set it to 0 to read without indexes.
var textIndexShare = 1.0

// indexBudget is how many index entries a range of n bytes may keep.
func indexBudget(n int64) int64 { return int64(float64(n) * textIndexShare / 4) }

func textWorkerCount(n int) int {
	w := textWorkers
	if w <= 0 {
		w = runtime.GOMAXPROCS(0)
	}
	return max(1, min(w, n))
}

// csvNulls are the cell values read as null.
var csvNulls = []string{"", "NA", "N/A", "null", "NULL", "None"}

// isNullCell reports whether a CSV cell is one of csvNulls.
func isNullCell(v []byte) bool {
	switch len(v) {
	case 0:
		return true
	case 2:
		return v[0] == 'N' && v[1] == 'A'
	case 3:
		return string(v) == "N/A"
	case 4:
		return string(v) == "null" || string(v) == "NULL" || string(v) == "None"
	}
	return false
}

// textChunk is a record-aligned byte range of a text file: the unit a read
// parses and the rows of one batch.
type textChunk struct {
	start, end int64 // bytes [start, end) hold whole records
	line       int64 // line number of the byte at start (1-based)
	row        int64 // index of the chunk's first row in the file
	rows       int64
}

// textError is a bad record found in a range, at a line counted from the
// range's first record (its line is made absolute when ranges are joined).
type textError struct {
	line int64
	msg  string
}

// window holds the bytes of a file from base on: a range or chunk maps (or
// reads) its own bytes, and more when its last record runs past them.
type window struct {
	f      *os.File
	size   int64 // file size
	base   int64
	buf    []byte
	mapped []byte // the mapping buf lies in, if mapped
	heap   []byte // the buffer buf lies in, if read
}

// newWindows returns n windows over f to share between workers, and a
// function that releases them.
func newWindows(f *os.File, size int64, n int) (chan *window, func()) {
	ws := make(chan *window, n)
	all := make([]*window, n)
	for i := range all {
		all[i] = &window{f: f, size: size}
		ws <- all[i]
	}
	return ws, func() {
		for _, w := range all {
			w.release()
		}
	}
}

func (w *window) release() {
	if w.mapped != nil {
		filemap.Unmap(w.mapped)
		w.mapped = nil
	}
	w.buf = nil
}

// load makes the window hold [from, to).
func (w *window) load(from, to int64) error {
	to = min(to, w.size)
	w.release()
	w.base = from
	if to <= from {
		return nil
	}
	if m, skip, ok := filemap.Range(w.f, from, to); ok {
		w.mapped, w.buf = m, m[skip:]
		return nil
	}
	n := int(to - from)
	if cap(w.heap) < n {
		w.heap = make([]byte, n, n+n/4)
	}
	w.buf = w.heap[:n]
	if _, err := w.f.ReadAt(w.buf, from); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}

// more extends the window past its end (doubling it), for a record that
// does not end inside it; false at the end of the file.
func (w *window) more() (bool, error) {
	end := w.base + int64(len(w.buf))
	if end >= w.size {
		return false, nil
	}
	grow := min(max(int64(len(w.buf)), 64<<10), w.size-end)
	if w.mapped != nil {
		return true, w.load(w.base, end+grow)
	}
	old := len(w.buf)
	w.buf = append(w.buf, make([]byte, grow)...)
	w.heap = w.buf
	if _, err := w.f.ReadAt(w.buf[old:], end); err != nil && !errors.Is(err, io.EOF) {
		return false, err
	}
	return true, nil
}

// final reports whether the window reaches the end of the file.
func (w *window) final() bool { return w.base+int64(len(w.buf)) >= w.size }

// inOrder runs work(i) for i in [0, n) on up to workers goroutines and
// hands each result to done in order of i, on the calling goroutine, as
// soon as it and all before it are ready. At most 2*workers results wait
// for done at a time, so a slow consumer holds back the workers rather than
// memory filling up. After an error (from work, done or ctx) no new work
// starts, the results not yet handed over are passed to drop, and the
// error of the lowest i is returned.
func inOrder[T any](ctx context.Context, n, workers int, work func(i int) (T, error), done func(i int, v T) error, drop func(T)) error {
	if n == 0 {
		return ctx.Err()
	}
	type result struct {
		v   T
		err error
	}
	results := make([]chan result, n)
	for i := range results {
		results[i] = make(chan result, 1)
	}
	tokens := make(chan struct{}, 2*workers)
	var next atomic.Int64
	var stop atomic.Bool
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				tokens <- struct{}{}
				i := int(next.Add(1) - 1)
				if i >= n {
					<-tokens
					return
				}
				if stop.Load() {
					results[i] <- result{err: errStopped}
					continue
				}
				v, err := work(i)
				results[i] <- result{v, err}
			}
		}()
	}
	var first error
	for i := range n {
		r := <-results[i]
		<-tokens
		if first == nil {
			first = r.err
			if first == nil {
				first = ctx.Err()
			}
			if first == nil {
				first = done(i, r.v)
				continue
			}
			stop.Store(true)
		}
		if r.err == nil {
			drop(r.v)
		}
	}
	wg.Wait()
	return first
}

var errStopped = errors.New("stopped")

// guardWork runs f and turns a panic in it into an error (a bug in a
// reader must not kill the process from a worker goroutine).
func guardWork[T any](path string, f func() (T, error)) (v T, err error) {
	// A mapped file that shrinks under us faults; make that a panic too.
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%s: internal error reading the file (%v)", path, r)
		}
	}()
	return f()
}

// rangeStarts cuts [from, size) into ranges of about textChunkSize bytes.
func rangeStarts(from, size int64) []int64 {
	var starts []int64
	for s := from; s < size; s += textChunkSize {
		starts = append(starts, s)
	}
	return starts
}

// cellKind is the narrowest type that holds every value seen so far.
type cellKind uint8

const (
	kindNull cellKind = iota
	kindBool
	kindInt
	kindFloat
	kindString
)

// join is the narrowest kind that holds values of both kinds, for CSV:
// int and float make float, anything else mixed makes string.
func (k cellKind) join(seen cellKind) cellKind {
	switch {
	case seen == kindNull || k == seen:
		return k
	case k == kindNull:
		return seen
	case (k == kindInt && seen == kindFloat) || (k == kindFloat && seen == kindInt):
		return kindFloat
	}
	return kindString
}

func (k cellKind) arrowType() arrow.DataType {
	switch k {
	case kindBool:
		return arrow.FixedWidthTypes.Boolean
	case kindInt:
		return arrow.PrimitiveTypes.Int64
	case kindFloat:
		return arrow.PrimitiveTypes.Float64
	}
	return arrow.BinaryTypes.String
}

// classify is the kind of one CSV cell: int if strconv.ParseInt takes it,
// else float if strconv.ParseFloat does, else bool for true/false in any
// case, else string; kindNull for a null cell. The common shapes (plain
// digits, plain decimals) are decided without strconv.
func classify(v []byte) cellKind {
	if isNullCell(v) {
		return kindNull
	}
	i := 0
	if v[0] == '-' || v[0] == '+' {
		i = 1
	}
	digits, dot, other := 0, 0, false
	for _, c := range v[i:] {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '.':
			dot++
		default:
			other = true
		}
		if other {
			break
		}
	}
	if !other && digits > 0 {
		switch {
		case dot == 0 && digits <= 18:
			return kindInt
		case dot == 1 && len(v) < 300: // no exponent: always in range
			return kindFloat
		}
	}
	s := unsafeString(v)
	if _, err := strconv.ParseInt(s, 10, 64); err == nil {
		return kindInt
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return kindFloat
	}
	if strings.EqualFold(s, "true") || strings.EqualFold(s, "false") {
		return kindBool
	}
	return kindString
}

func checkNames(path string, names []string) error {
	seen := map[string]bool{}
	for i, n := range names {
		if n == "" {
			return fmt.Errorf("%s: column %d has no name", path, i+1)
		}
		if seen[n] {
			return fmt.Errorf("%s: duplicate column name %q", path, n)
		}
		seen[n] = true
	}
	return nil
}

// textFile is what the CSV and JSON Lines sources share: the file, its
// schema and the chunks Open found.
type textFile struct {
	path   string
	schema *arrow.Schema
	rows   int64
	size   int64
	chunks []textChunk
}

func (f *textFile) Path() string          { return f.path }
func (f *textFile) Schema() *arrow.Schema { return f.schema }
func (f *textFile) NumRows() int64        { return f.rows }
func (f *textFile) Close() error          { return nil }

// Parts are the row counts of the chunks, each of which can be read on its
// own (ReadOptions.Parts), so a viewer reads the first one first; nil for
// a file without rows, which reads whole as one empty batch with its
// columns.
func (f *textFile) Parts() []int64 {
	if len(f.chunks) == 0 {
		return nil
	}
	parts := make([]int64, len(f.chunks))
	for i, c := range f.chunks {
		parts[i] = c.rows
	}
	return parts
}

// plan resolves a read's columns. When no chunk needs parsing (no columns
// asked for: only the rows count; a file without rows: one empty batch)
// short holds the batches to deliver instead.
func (f *textFile) plan(opts ReadOptions) (cols []int, schema *arrow.Schema, short []arrow.RecordBatch, err error) {
	if cols, err = columnIndices(f.path, f.schema, opts.Columns); err != nil {
		return nil, nil, nil, err
	}
	if len(cols) == 0 {
		rows, err := f.partRows(opts.Parts)
		if err != nil {
			return nil, nil, nil, err
		}
		return cols, nil, append([]arrow.RecordBatch{}, emptyBatches(rows)...), nil
	}
	schema = projectSchema(f.schema, cols)
	if len(f.chunks) == 0 {
		short = []arrow.RecordBatch{emptyBatch(allocator(opts.Mem), schema)}
	}
	return cols, schema, short, nil
}

// partRows is the number of rows in the chunks parts names (nil: all).
func (f *textFile) partRows(parts []int) (int64, error) {
	var n int64
	if parts == nil {
		for _, c := range f.chunks {
			n += c.rows
		}
		return n, nil
	}
	for _, p := range parts {
		if p < 0 || p >= len(f.chunks) {
			return 0, fmt.Errorf("%s: no part %d", f.path, p)
		}
		n += f.chunks[p].rows
	}
	return n, nil
}

// textReadProgress reports a read's progress after each chunk.
func textReadProgress(opts ReadOptions, c textChunk, total int64, size int64) {
	if opts.Progress != nil {
		opts.Progress(Progress{Rows: c.row + c.rows, TotalRows: total, Bytes: c.end, TotalBytes: size})
	}
}

// readTextChunks parses the chunks with parse, in parallel, and returns
// the batches in file order or hands them to opts.OnBatch in file order as
// they finish. With opts.Parts set it reads only those chunks, in that
// order.
func readTextChunks(ctx context.Context, path string, chunks []textChunk, rows, size int64, opts ReadOptions,
	parse func(w *window, i int) (arrow.RecordBatch, error)) ([]arrow.RecordBatch, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() != size {
		return nil, fmt.Errorf("%s: the file changed since it was opened", path)
	}
	order := opts.Parts
	if order == nil {
		order = make([]int, len(chunks))
		for i := range order {
			order[i] = i
		}
	}
	for _, p := range order {
		if p < 0 || p >= len(chunks) {
			return nil, fmt.Errorf("%s: no part %d", path, p)
		}
	}
	workers := textWorkerCount(len(order))
	windows, release := newWindows(f, size, workers)
	defer release()
	var out []arrow.RecordBatch
	err = inOrder(ctx, len(order), workers,
		func(k int) (arrow.RecordBatch, error) {
			i := order[k]
			w := <-windows
			defer func() { windows <- w }()
			return guardWork(path, func() (arrow.RecordBatch, error) {
				if err := ctx.Err(); err != nil {
					return nil, err
				}
				if err := w.load(chunks[i].start, chunks[i].end); err != nil {
					return nil, fmt.Errorf("%s: %w", path, err)
				}
				return parse(w, i)
			})
		},
		func(k int, b arrow.RecordBatch) error {
			textReadProgress(opts, chunks[order[k]], rows, size)
			if opts.OnBatch == nil {
				out = append(out, b)
				return nil
			}
			defer b.Release()
			return opts.OnBatch(b)
		},
		func(b arrow.RecordBatch) { b.Release() })
	if err != nil {
		releaseAll(out)
		return nil, err
	}
	return out, nil
}
