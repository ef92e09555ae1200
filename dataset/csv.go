package dataset

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"triage/dataset/internal/jsonscan"
)

// The CSV grammar is encoding/csv's (RFC 4180 with its relaxations): a
// field in double quotes may hold the separator, newlines and "" for a
// quote; a quote elsewhere is an error; "\r\n" ends a line like "\n"; empty
// lines are skipped; every record has as many fields as the header. Cells
// in csvNulls are null in every type.

// csvScanner parses records out of a byte buffer.
type csvScanner struct {
	comma   byte
	fields  []csvField
	scratch []byte // unescaped quoted fields

	// Set by record: where the record ended, how many newlines it
	// consumed, and for recErr the message and the line it is on
	// (counted from the record's first line).
	next    int
	lines   int
	errMsg  string
	errLine int
}

// csvField is a field's bytes: buf[start:end], or scratch[start:end]. raw
// is where its text starts in buf (at the opening quote if quoted).
type csvField struct {
	start, end int
	raw        int
	inScratch  bool
}

const (
	recOK    = iota
	recEmpty // an empty line, skipped
	recEOF   // no record left
	recMore  // the record runs past the buffer, which is not the file's end
	recErr
)

func (s *csvScanner) value(buf []byte, f csvField) []byte {
	if f.inScratch {
		return s.scratch[f.start:f.end]
	}
	return buf[f.start:f.end]
}

// record parses the record starting at buf[p]. final says buf ends where
// the file does.
func (s *csvScanner) record(buf []byte, p int, final bool) int {
	s.fields, s.scratch, s.lines = s.fields[:0], s.scratch[:0], 0
	if p >= len(buf) || (final && p == len(buf)-1 && buf[p] == '\r') {
		if final {
			return recEOF
		}
		return recMore
	}
	// Fast path: a whole line without quotes.
	nl := bytes.IndexByte(buf[p:], '\n')
	end := p + nl
	if nl < 0 {
		if !final {
			return recMore
		}
		end = len(buf)
	}
	line := buf[p:end]
	if bytes.IndexByte(line, '"') < 0 {
		s.next, s.lines = end+1, 1
		if nl < 0 {
			s.next, s.lines = end, 0
		}
		if n := len(line); n > 0 && line[n-1] == '\r' {
			end--
		}
		if end == p {
			return recEmpty
		}
		for i := p; ; {
			j := bytes.IndexByte(buf[i:end], s.comma)
			if j < 0 {
				s.fields = append(s.fields, csvField{start: i, end: end, raw: i})
				return recOK
			}
			s.fields = append(s.fields, csvField{start: i, end: i + j, raw: i})
			i += j + 1
		}
	}
	return s.slowRecord(buf, p, final)
}

// slowRecord parses a record with quotes, which may span lines.
func (s *csvScanner) slowRecord(buf []byte, p int, final bool) int {
	i := p
	for {
		if i < len(buf) && buf[i] == '"' {
			// Quoted field: up to the closing quote, "" standing for ".
			raw, start, j := i, len(s.scratch), i+1
			for {
				k := bytes.IndexByte(buf[j:], '"')
				if k < 0 {
					if !final {
						return recMore
					}
					// encoding/csv reports the last line that has text.
					rest := buf[j:]
					return s.fail(`extraneous or missing " in quoted-field`, s.lines+bytes.Count(bytes.TrimSuffix(rest, []byte{'\n'}), []byte{'\n'}))
				}
				seg := buf[j : j+k]
				s.lines += bytes.Count(seg, []byte{'\n'})
				s.scratch = appendCRLFAsLF(s.scratch, seg)
				q := j + k
				if q+1 == len(buf) && !final {
					return recMore // maybe the first half of ""
				}
				if q+1 < len(buf) && buf[q+1] == '"' {
					s.scratch = append(s.scratch, '"')
					j = q + 2
					continue
				}
				i = q + 1
				break
			}
			s.fields = append(s.fields, csvField{start: start, end: len(s.scratch), raw: raw, inScratch: true})
			switch {
			case i >= len(buf):
				if !final {
					return recMore
				}
				s.next = i
				return recOK
			case buf[i] == s.comma:
				i++
				continue
			case buf[i] == '\n':
				s.next, s.lines = i+1, s.lines+1
				return recOK
			case buf[i] == '\r' && i+1 < len(buf) && buf[i+1] == '\n':
				s.next, s.lines = i+2, s.lines+1
				return recOK
			case buf[i] == '\r' && i+1 == len(buf):
				if !final {
					return recMore
				}
				s.next = i + 1
				return recOK
			}
			return s.fail(`extraneous or missing " in quoted-field`, s.lines)
		}
		// Unquoted field: up to the separator or the end of the line.
		j := i
		for j < len(buf) && buf[j] != s.comma && buf[j] != '\n' && buf[j] != '"' {
			j++
		}
		if j == len(buf) && !final {
			return recMore
		}
		if j < len(buf) && buf[j] == '"' {
			return s.fail(`bare " in non-quoted field`, s.lines)
		}
		end := j
		if j == len(buf) || buf[j] == '\n' {
			if end > i && buf[end-1] == '\r' {
				end--
			}
		}
		s.fields = append(s.fields, csvField{start: i, end: end, raw: i})
		if j < len(buf) && buf[j] == s.comma {
			i = j + 1
			continue
		}
		s.next = j
		if j < len(buf) {
			s.next, s.lines = j+1, s.lines+1
		}
		return recOK
	}
}

func (s *csvScanner) fail(msg string, line int) int {
	s.errMsg, s.errLine = msg, line
	return recErr
}

// appendCRLFAsLF appends seg with each "\r\n" turned into "\n", as
// encoding/csv reads a quoted field.
func appendCRLFAsLF(dst, seg []byte) []byte {
	for {
		k := bytes.Index(seg, []byte("\r\n"))
		if k < 0 {
			return append(dst, seg...)
		}
		dst = append(dst, seg[:k]...)
		seg = seg[k+1:]
	}
}

// csvSource reads a CSV or TSV file.
type csvSource struct {
	textFile
	comma byte
	kinds []cellKind
	index [][]uint32 // per chunk, csvRange.index
}

func openCSV(path string) (Source, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	s := &csvSource{textFile: textFile{path: path, size: st.Size()}, comma: ','}
	if strings.EqualFold(filepath.Ext(path), ".tsv") {
		s.comma = '\t'
	}
	var dataStart, headerLines int64
	names, err := guardWork(path, func() (names []string, err error) {
		names, dataStart, headerLines, err = s.readHeader(f)
		return names, err
	})
	if err != nil {
		return nil, err
	}
	if err := checkNames(path, names); err != nil {
		return nil, err
	}
	if err := s.settle(f, len(names), dataStart, headerLines); err != nil {
		return nil, err
	}
	fields := make([]arrow.Field, len(names))
	for i, n := range names {
		fields[i] = arrow.Field{Name: n, Type: s.kinds[i].arrowType(), Nullable: true}
	}
	s.schema = arrow.NewSchema(fields, nil)
	return s, nil
}

// readHeader parses the first record (skipping a UTF-8 byte order mark and
// empty lines).
func (s *csvSource) readHeader(f *os.File) (names []string, next int64, lines int64, err error) {
	w := &window{f: f, size: s.size}
	defer w.release()
	if err := w.load(0, min(s.size, 64<<10)); err != nil {
		return nil, 0, 0, fmt.Errorf("%s: %w", s.path, err)
	}
	p := 0
	if bytes.HasPrefix(w.buf, []byte("\xef\xbb\xbf")) {
		p = 3
	}
	var sc csvScanner
	sc.comma = s.comma
	line := int64(1)
	for {
		switch sc.record(w.buf, p, w.final()) {
		case recMore:
			if _, err := w.more(); err != nil {
				return nil, 0, 0, fmt.Errorf("%s: %w", s.path, err)
			}
			continue
		case recEOF:
			return nil, 0, 0, fmt.Errorf("%s: empty file (no header line)", s.path)
		case recErr:
			return nil, 0, 0, fmt.Errorf("%s: line %d: %s", s.path, line+int64(sc.errLine), sc.errMsg)
		case recEmpty:
			p, line = sc.next, line+int64(sc.lines)
			continue
		}
		for _, fl := range sc.fields {
			names = append(names, string(sc.value(w.buf, fl)))
		}
		return names, int64(sc.next), line + int64(sc.lines), nil
	}
}

// csvRange is what Open learns from one byte range.
type csvRange struct {
	first, end int64 // the range's records are [first, end)
	rows       int64
	lines      int64 // newlines in [first, end)
	quotes     int64 // quote bytes in the range's own bytes, for parity
	kinds      []cellKind
	// index holds, per row, where each field starts and where the record
	// ends (ncols+1 offsets from first, row after row). nil if dropped (see
	// textIndexShare).
	index []uint32
	err   *textError
}

// settle is Open's pass: it cuts the data into ranges, scans them in
// parallel and joins them in file order (see text.go).
func (s *csvSource) settle(f *os.File, ncols int, dataStart, firstLine int64) error {
	starts := rangeStarts(dataStart, s.size)
	ranges := make([]csvRange, len(starts))
	bounds := func(i int) (int64, int64) {
		if i+1 < len(starts) {
			return starts[i], starts[i+1]
		}
		return starts[i], s.size
	}
	workers := textWorkerCount(len(starts))
	windows, release := newWindows(f, s.size, workers)
	defer release()
	scan := func(i int, inQuotes bool) (csvRange, error) {
		w := <-windows
		defer func() { windows <- w }()
		from, to := bounds(i)
		return guardWork(s.path, func() (csvRange, error) {
			return s.scanRange(w, ncols, from, to, i == 0, inQuotes)
		})
	}
	err := inOrder(context.Background(), len(starts), workers,
		func(i int) (csvRange, error) { return scan(i, false) },
		func(i int, r csvRange) error { ranges[i] = r; return nil },
		func(csvRange) {})
	if err != nil {
		return err
	}
	// Join the ranges in file order.
	s.kinds = make([]cellKind, ncols)
	line, row, quotes := firstLine, int64(0), int64(0)
	expect := dataStart // where the next record must start
	for i := range ranges {
		r := &ranges[i]
		if quotes%2 == 1 {
			// The range starts inside a quoted field: its first record
			// boundary was a guess; scan it again from inside quotes.
			again, err := scan(i, true)
			if err != nil {
				return err
			}
			again.quotes = r.quotes
			*r = again
		}
		quotes += r.quotes
		if r.first >= r.end && r.err == nil {
			continue // no record starts in this range
		}
		if r.first != expect {
			return fmt.Errorf("%s: line %d: records do not line up at byte %d (malformed quoting?)", s.path, line, r.first)
		}
		if r.err != nil {
			return fmt.Errorf("%s: line %d: %s", s.path, line+r.err.line, r.err.msg)
		}
		for c, k := range r.kinds {
			s.kinds[c] = s.kinds[c].join(k)
		}
		if r.rows > 0 {
			s.chunks = append(s.chunks, textChunk{start: r.first, end: r.end, line: line, row: row, rows: r.rows})
			s.index = append(s.index, r.index)
		}
		line += r.lines
		row += r.rows
		expect = r.end
	}
	s.rows = row
	return nil
}

// scanRange checks the records that start in [from, to) and infers their
// kinds. The first range starts at a record; any other starts after the
// first newline at or past from that is outside quotes, assuming from
// itself is outside quotes unless inQuotes.
func (s *csvSource) scanRange(w *window, ncols int, from, to int64, isFirst, inQuotes bool) (csvRange, error) {
	lo := from
	if !isFirst {
		lo = from - 1 // a newline just before from puts a record at from
	}
	if err := w.load(lo, to+4096); err != nil {
		return csvRange{}, fmt.Errorf("%s: %w", s.path, err)
	}
	r := csvRange{quotes: int64(bytes.Count(w.buf[from-lo:to-lo], []byte{'"'})), kinds: make([]cellKind, ncols)}
	p := 0
	if !isFirst && (inQuotes || w.buf[0] != '\n') {
		// The byte before from is not a record's end: find the first
		// newline outside quotes. (That byte's quote, if it is one, is
		// already counted in inQuotes.)
		p = 1
		q := inQuotes
		for {
			for p < len(w.buf) && (q || w.buf[p] != '\n') {
				if w.buf[p] == '"' {
					q = !q
				}
				p++
			}
			if p < len(w.buf) || w.final() {
				break
			}
			if _, err := w.more(); err != nil {
				return r, fmt.Errorf("%s: %w", s.path, err)
			}
		}
	}
	if !isFirst {
		p++ // past the newline
	}
	r.first = w.base + int64(p)
	r.end = r.first
	if r.first >= to {
		return r, nil
	}
	budget := indexBudget(to - from)
	capRows := bytes.Count(w.buf[p:min(len(w.buf), int(to-w.base))], []byte{'\n'}) + 1
	index := make([]uint32, 0, capRows*(ncols+1))
	indexed := true
	var sc csvScanner
	sc.comma = s.comma
	for w.base+int64(p) < to {
		st := sc.record(w.buf, p, w.final())
		switch st {
		case recMore:
			if _, err := w.more(); err != nil {
				return r, fmt.Errorf("%s: %w", s.path, err)
			}
			continue
		case recEOF:
			r.end = w.base + int64(p)
			r.index = index
			return r, nil
		case recErr:
			r.err = &textError{line: r.lines + int64(sc.errLine), msg: sc.errMsg}
			return r, nil
		case recOK:
			if len(sc.fields) != ncols {
				r.err = &textError{line: r.lines, msg: "wrong number of fields (a ragged row)"}
				return r, nil
			}
			for c, f := range sc.fields {
				if r.kinds[c] != kindString {
					r.kinds[c] = r.kinds[c].join(classify(sc.value(w.buf, f)))
				}
			}
			if indexed {
				base := int(w.base - r.first)
				for _, f := range sc.fields {
					index = append(index, uint32(base+f.raw))
				}
				index = append(index, uint32(base+sc.next))
				if base+sc.next >= int(noValue) || int64(len(index)) > budget {
					indexed, index = false, nil
				}
			}
			r.rows++
		}
		p = sc.next
		r.lines += int64(sc.lines)
		r.end = w.base + int64(p)
	}
	r.index = index
	return r, nil
}

func (s *csvSource) Format() Format { return FormatCSV }

// Read parses the chunks Open found, building only the columns asked for.
// With OnBatch set, batches are handed over in file order, one chunk each,
// from the calling goroutine, as the chunks finish.
func (s *csvSource) Read(ctx context.Context, opts ReadOptions) ([]arrow.RecordBatch, error) {
	cols, schema, short, err := s.plan(opts)
	if err != nil {
		return nil, err
	}
	if short != nil {
		return deliver(short, opts)
	}
	mem := allocator(opts.Mem)
	want := make([]int, len(s.kinds)) // builder index+1 per file column, 0 if not read
	for j, c := range cols {
		want[c] = j + 1
	}
	return readTextChunks(ctx, s.path, s.chunks, s.rows, s.size, opts, func(w *window, i int) (arrow.RecordBatch, error) {
		if s.index[i] != nil {
			return s.buildIndexed(mem, schema, cols, s.index[i], w, s.chunks[i])
		}
		return s.buildChunk(mem, schema, cols, want, w, s.chunks[i])
	})
}

// buildIndexed builds the wanted columns of a chunk a column at a time,
// going straight to each field through the chunk's index.
func (s *csvSource) buildIndexed(mem memory.Allocator, schema *arrow.Schema, cols []int, ix []uint32, w *window, c textChunk) (arrow.RecordBatch, error) {
	arrs := make([]arrow.Array, 0, len(cols))
	defer func() {
		for _, a := range arrs {
			a.Release()
		}
	}()
	var scratch []byte
	stride := len(s.kinds) + 1
	for _, col := range cols {
		trim := 1 // the next field's start, less the separator
		if col+1 == len(s.kinds) {
			trim = 0 // the record's end, less its line end below
		}
		field := func(r int) []byte {
			end := int(ix[r*stride+col+1]) - trim
			if trim == 0 {
				if end > 0 && end <= len(w.buf) && w.buf[end-1] == '\n' {
					end--
				}
				if end > 0 && w.buf[end-1] == '\r' {
					end--
				}
			}
			return csvUnquote(w.buf[ix[r*stride+col]:end], &scratch)
		}
		// A string column's cells lie between its starts and the next
		// column's (or the records' ends): a bound on their bytes.
		textBytes := 0
		if s.kinds[col] == kindString {
			for r := range int(c.rows) {
				textBytes += int(ix[r*stride+col+1]) - int(ix[r*stride+col])
			}
		}
		a, ok := csvColumn(mem, s.kinds[col], int(c.rows), textBytes, field)
		if !ok {
			return nil, fmt.Errorf("%s: line %d: the file changed since it was opened", s.path, c.line)
		}
		arrs = append(arrs, a)
	}
	return array.NewRecordBatch(schema, arrs, c.rows), nil
}

// csvUnquote is a field's value from its text: a quoted field without its
// quotes, "" as " and \r\n as \n (then copied into scratch).
func csvUnquote(raw []byte, scratch *[]byte) []byte {
	if len(raw) < 2 || raw[0] != '"' {
		return raw
	}
	body := raw[1 : len(raw)-1]
	if bytes.IndexByte(body, '"') < 0 && bytes.IndexByte(body, '\r') < 0 {
		return body
	}
	out := (*scratch)[:0]
	for i := 0; i < len(body); i++ {
		switch {
		case body[i] == '"' && i+1 < len(body) && body[i+1] == '"':
			out = append(out, '"')
			i++
		case body[i] == '\r' && i+1 < len(body) && body[i+1] == '\n':
		default:
			out = append(out, body[i])
		}
	}
	*scratch = out
	return out
}

// buildChunk parses one chunk into a batch of the wanted columns.
func (s *csvSource) buildChunk(mem memory.Allocator, schema *arrow.Schema, cols, want []int, w *window, c textChunk) (arrow.RecordBatch, error) {
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	apps := make([]cellAppender, len(cols))
	for j, col := range cols {
		apps[j] = newCellAppender(b.Field(j), s.kinds[col], int(c.rows), len(w.buf))
	}
	var sc csvScanner
	sc.comma = s.comma
	line := c.line
	for p := 0; p < len(w.buf); p = sc.next {
		switch sc.record(w.buf, p, true) {
		case recEOF:
			sc.next = len(w.buf)
			continue
		case recEmpty:
			line += int64(sc.lines)
			continue
		case recOK:
			if len(sc.fields) == len(want) {
				break
			}
			fallthrough
		default:
			return nil, fmt.Errorf("%s: line %d: the file changed since it was opened", s.path, line)
		}
		for k, f := range sc.fields {
			if j := want[k]; j > 0 {
				if !apps[j-1].append(sc.value(w.buf, f)) {
					return nil, fmt.Errorf("%s: line %d: the file changed since it was opened", s.path, line)
				}
			}
		}
		line += int64(sc.lines)
	}
	rec := b.NewRecordBatch()
	if rec.NumRows() != c.rows {
		rec.Release()
		return nil, fmt.Errorf("%s: line %d: the file changed since it was opened", s.path, c.line)
	}
	return rec, nil
}

// cellAppender appends CSV cells of one inferred kind to a builder.
type cellAppender struct {
	kind cellKind
	i64  *array.Int64Builder
	f64  *array.Float64Builder
	bl   *array.BooleanBuilder
	str  *array.StringBuilder
}

func newCellAppender(b array.Builder, k cellKind, rows, bytes int) cellAppender {
	a := cellAppender{kind: k}
	switch k {
	case kindInt:
		a.i64 = b.(*array.Int64Builder)
	case kindFloat:
		a.f64 = b.(*array.Float64Builder)
	case kindBool:
		a.bl = b.(*array.BooleanBuilder)
	default:
		a.str = b.(*array.StringBuilder)
		a.str.ReserveData(bytes / 8)
	}
	b.Reserve(rows)
	return a
}

// append appends one cell; false if it does not parse as the kind.
func (a *cellAppender) append(v []byte) bool {
	if isNullCell(v) {
		switch a.kind {
		case kindInt:
			a.i64.AppendNull()
		case kindFloat:
			a.f64.AppendNull()
		case kindBool:
			a.bl.AppendNull()
		default:
			a.str.AppendNull()
		}
		return true
	}
	switch a.kind {
	case kindInt:
		n, ok := parseCSVInt(v)
		a.i64.Append(n)
		return ok
	case kindFloat:
		f, ok := jsonscan.ParseFloat(v)
		a.f64.Append(f)
		return ok
	case kindBool:
		s := unsafeString(v)
		a.bl.Append(strings.EqualFold(s, "true"))
		return strings.EqualFold(s, "true") || strings.EqualFold(s, "false")
	}
	a.str.BinaryBuilder.Append(v)
	return true
}

// parseCSVInt parses as strconv.ParseInt(v, 10, 64) does.
func parseCSVInt(v []byte) (int64, bool) {
	if len(v) > 0 && len(v) <= 18 {
		i, neg := 0, false
		switch v[0] {
		case '-':
			i, neg = 1, true
		case '+':
			i = 1
		}
		if i < len(v) {
			var n int64
			for _, c := range v[i:] {
				if c < '0' || c > '9' {
					return 0, false
				}
				n = n*10 + int64(c-'0')
			}
			if neg {
				n = -n
			}
			return n, true
		}
	}
	n, err := strconv.ParseInt(unsafeString(v), 10, 64)
	return n, err == nil
}

func unsafeString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// projectSchema is the schema of the columns cols of schema, in that order.
func projectSchema(schema *arrow.Schema, cols []int) *arrow.Schema {
	fields := make([]arrow.Field, len(cols))
	for i, c := range cols {
		fields[i] = schema.Field(c)
	}
	md := schema.Metadata()
	return arrow.NewSchema(fields, &md)
}

// emptyBatch is a batch of no rows: a file with a header and no records is
// an empty table with that header's columns.
func emptyBatch(mem memory.Allocator, schema *arrow.Schema) arrow.RecordBatch {
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	return b.NewRecordBatch()
}
