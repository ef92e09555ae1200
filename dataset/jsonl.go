package dataset

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"triage/dataset/internal/jsonscan"
)

// JSON Lines: one object per line, blank lines skipped. Top-level keys
// become columns in the order they first appear; a nested object's keys
// become struct fields, each object's new keys added in sorted order. A key
// whose values are int and float is float64; a key that mixes strings,
// numbers, bools, lists or objects is an error naming its first line.

// jnode is the type inferred for a key: a scalar kind, a list of elem, or
// an object with fields.
type jnode struct {
	kind   cellKind // for scalars; kindNull until a non-null value is seen
	list   *jnode
	object *jobject
	// For a range's own inference: the line (counted from the range's
	// first record) of the node's first non-null value, and its kind.
	line  int64
	first cellKind
	seen  bool
}

// jobject is an object's fields in order, with an index by name.
type jobject struct {
	names  []string
	nodes  []*jnode
	index  map[string]int
	stamp  []uint64 // per field: the object instance that last set it
	tokens [][]byte // per field: jsonscan.KeyToken
	last   int      // the field found last: the next key is most likely the next field
}

// next consumes the key of the next member and returns its field, trying
// first the field after the last one without decoding the key.
func (o *jobject) next(s *jsonscan.Scanner, scratch *[]byte) (int, *jnode) {
	if g := o.last + 1; g < len(o.tokens) && o.tokens[g] != nil && s.SkipToken(o.tokens[g]) {
		o.last = g
		return g, o.nodes[g]
	}
	raw, plain := s.Key()
	if s.Err() != nil {
		return -1, nil
	}
	key := raw
	if !plain {
		*scratch = s.KeyString(raw, plain, *scratch)
		key = *scratch
	}
	return o.field(key)
}

func newJObject() *jobject { return &jobject{index: map[string]int{}, last: -1} }

// field returns the node for name, adding it at the end if new.
func (o *jobject) field(name []byte) (int, *jnode) {
	if g := o.last + 1; g < len(o.names) && o.names[g] == string(name) {
		o.last = g
		return g, o.nodes[g]
	}
	if i, ok := o.index[string(name)]; ok {
		o.last = i
		return i, o.nodes[i]
	}
	n := &jnode{}
	o.index[string(name)] = len(o.names)
	o.names = append(o.names, string(name))
	o.nodes = append(o.nodes, n)
	o.stamp = append(o.stamp, 0)
	o.tokens = append(o.tokens, jsonscan.KeyToken(string(name)))
	o.last = len(o.names) - 1
	return o.last, n
}

const (
	mixLists   = "mixes lists with other values"
	mixObjects = "mixes objects with other values"
	mixScalars = "mixes scalars with lists or objects"
)

// scalar widens t by a scalar kind, as a sequential reader would.
func (t *jnode) scalar(k cellKind) string {
	if t.list != nil || t.object != nil {
		return mixScalars
	}
	switch {
	case t.kind == kindNull || t.kind == k:
		t.kind = k
	case (t.kind == kindInt && k == kindFloat) || (t.kind == kindFloat && k == kindInt):
		t.kind = kindFloat
	default:
		return fmt.Sprintf("mixes %s and %s values", t.kind.arrowType(), k.arrowType())
	}
	return ""
}

func (t *jnode) note(line int64, k cellKind) {
	if !t.seen {
		t.seen, t.line, t.first = true, line, k
	}
}

// jsonInferer infers types from lines of one range.
type jsonInferer struct {
	sc       jsonscan.Scanner
	line     int64 // the current line, counted from the range's first record
	instance uint64
	scratch  []byte
	err      string

	// index, unless nil, records where each top-level value starts, per
	// column in the range's own order: the offset from the range's first
	// record, or noValue where a row lacks the key. A read then goes
	// straight to the values it wants.
	index   [][]uint32
	lineOff int   // offset of the current line's text in the range
	rows    int   // rows indexed so far
	budget  int64 // index entries allowed (a wide, sparse file drops the index)
	capRows int   // rows expected in the range, to size the index
}

const noValue = ^uint32(0)

// value widens t by the next value.
func (in *jsonInferer) value(t *jnode) {
	s := &in.sc
	switch s.Peek() {
	case jsonscan.Null:
		s.Null()
	case jsonscan.Bool:
		s.Bool()
		in.widen(t, kindBool)
	case jsonscan.String:
		s.RawString()
		in.widen(t, kindString)
	case jsonscan.Number:
		text, integer := s.Number()
		k := kindFloat
		if integer {
			if len(text) <= 18 { // at most 17 digits and a sign: fits
				k = kindInt
			} else if _, ok := jsonscan.ParseInt(text); ok {
				k = kindInt
			}
		}
		if k == kindFloat && mayOverflow(text) {
			if _, ok := jsonscan.ParseFloat(text); !ok && s.Err() == nil {
				in.fail(fmt.Sprintf("number %s is out of range", text))
				return
			}
		}
		in.widen(t, k)
	case jsonscan.Array:
		t.note(in.line, kindNull)
		if t.kind != kindNull || t.object != nil {
			in.fail(mixLists)
			return
		}
		if t.list == nil {
			t.list = &jnode{}
		}
		s.Enter('[')
		for first := true; in.err == "" && s.Next(']', first); first = false {
			in.value(t.list)
		}
	case jsonscan.Object:
		t.note(in.line, kindNull)
		if t.kind != kindNull || t.list != nil {
			in.fail(mixObjects)
			return
		}
		if t.object == nil {
			t.object = newJObject()
		}
		in.object(t.object, true)
	}
}

// mayOverflow reports whether a number's text may be out of the float64
// range: only with an exponent or hundreds of digits.
func mayOverflow(text []byte) bool {
	if len(text) > 300 {
		return true
	}
	for _, c := range text {
		if c == 'e' || c == 'E' {
			return true
		}
	}
	return false
}

func (in *jsonInferer) widen(t *jnode, k cellKind) {
	t.note(in.line, k)
	if msg := t.scalar(k); msg != "" {
		in.fail(msg)
	}
}

func (in *jsonInferer) fail(msg string) {
	if in.err == "" {
		in.err = msg
		in.sc.Fail("%s", msg) // stop scanning
	}
}

// object widens o by the next object. Keys new to a nested object are
// added in sorted order (top-level keys keep the file's order).
func (in *jsonInferer) object(o *jobject, nested bool) {
	s := &in.sc
	in.instance++
	inst := in.instance
	before := len(o.names)
	o.last = -1
	s.Enter('{')
	for first := true; in.err == "" && s.Next('}', first); first = false {
		i, n := o.next(s, &in.scratch)
		if i < 0 {
			return
		}
		if o.stamp[i] == inst {
			in.fail(fmt.Sprintf("duplicate key %q", o.names[i]))
			return
		}
		o.stamp[i] = inst
		if !nested && in.index != nil {
			in.indexValue(i)
		}
		// The common case first: a string or a number for a key whose
		// values are already of that kind has nothing to widen.
		switch c := s.NextByte(); {
		case c == '"' && n.kind == kindString:
			s.RawString()
		case (c == '-' || (c >= '0' && c <= '9')) && n.kind == kindFloat:
			if text, _ := s.Number(); mayOverflow(text) {
				if _, ok := jsonscan.ParseFloat(text); !ok && s.Err() == nil {
					in.fail(fmt.Sprintf("number %s is out of range", text))
				}
			}
		default:
			in.value(n)
		}
		if in.err != "" {
			in.err = fmt.Sprintf("key %q: %s", o.names[i], in.err)
			return
		}
	}
	if nested && len(o.names)-before > 1 {
		sortNewFields(o, before)
	}
	if !nested && in.index != nil && in.err == "" && s.Err() == nil {
		for i := range in.index {
			if o.stamp[i] != inst {
				in.index[i] = append(in.index[i], noValue)
			}
		}
		in.rows++
		if int64(len(in.index))*int64(in.rows) > in.budget {
			in.index = nil
		}
	}
}

// indexValue records where column i's value starts in the current row.
func (in *jsonInferer) indexValue(i int) {
	off := in.lineOff + in.sc.ValueStart()
	if off >= int(noValue) {
		in.index = nil
		return
	}
	for len(in.index) <= i {
		col := make([]uint32, in.rows, max(in.rows+1024, in.capRows))
		for r := range col {
			col[r] = noValue
		}
		in.index = append(in.index, col)
	}
	in.index[i] = append(in.index[i], uint32(off))
}

// sortNewFields sorts the fields from before on by name, as the keys of a
// nested object were added in sorted order.
func sortNewFields(o *jobject, before int) {
	idx := make([]int, len(o.names)-before)
	for i := range idx {
		idx[i] = before + i
	}
	slices.SortFunc(idx, func(a, b int) int {
		switch {
		case o.names[a] < o.names[b]:
			return -1
		case o.names[a] > o.names[b]:
			return 1
		}
		return 0
	})
	names := slices.Clone(o.names[before:])
	nodes := slices.Clone(o.nodes[before:])
	stamp := slices.Clone(o.stamp[before:])
	tokens := slices.Clone(o.tokens[before:])
	for k, j := range idx {
		o.names[before+k], o.nodes[before+k], o.stamp[before+k] = names[j-before], nodes[j-before], stamp[j-before]
		o.tokens[before+k] = tokens[j-before]
		o.index[o.names[before+k]] = before + k
	}
}

// merge widens acc by a later range's node loc, as if loc's values came
// after acc's; on a conflict it returns the message and loc's line.
func merge(acc, loc *jnode) (string, int64) {
	switch {
	case loc.list != nil:
		if acc.kind != kindNull || acc.object != nil {
			return mixLists, loc.line
		}
		if acc.list == nil {
			acc.list = &jnode{}
		}
		return merge(acc.list, loc.list)
	case loc.object != nil:
		if acc.kind != kindNull || acc.list != nil {
			return mixObjects, loc.line
		}
		if acc.object == nil {
			acc.object = newJObject()
		}
		return mergeObject(acc.object, loc.object)
	case loc.kind != kindNull:
		if msg := acc.scalar(loc.first); msg != "" {
			return msg, loc.line
		}
		if msg := acc.scalar(loc.kind); msg != "" {
			return msg, loc.line
		}
	}
	return "", 0
}

func mergeObject(acc, loc *jobject) (string, int64) {
	for i, name := range loc.names {
		_, n := acc.field([]byte(name))
		if msg, line := merge(n, loc.nodes[i]); msg != "" {
			return fmt.Sprintf("key %q: %s", name, msg), line
		}
	}
	return "", 0
}

func (t *jnode) arrowType() arrow.DataType {
	switch {
	case t.list != nil:
		return arrow.ListOf(t.list.arrowType())
	case t.object != nil:
		return arrow.StructOf(t.object.arrowFields()...)
	case t.kind == kindNull:
		return arrow.BinaryTypes.String // only nulls seen: any type holds them
	}
	return t.kind.arrowType()
}

func (o *jobject) arrowFields() []arrow.Field {
	fields := make([]arrow.Field, len(o.names))
	for i, n := range o.names {
		fields[i] = arrow.Field{Name: n, Type: o.nodes[i].arrowType(), Nullable: true}
	}
	return fields
}

// jsonlSource reads JSON Lines: one object per line.
type jsonlSource struct {
	textFile
	index []jsonlIndex // per chunk; offsets nil when the chunk has none
}

// jsonlRange is what Open learns from one byte range.
type jsonlRange struct {
	first, end int64
	rows       int64
	lines      int64
	root       *jobject
	index      [][]uint32 // see jsonInferer.index; nil if dropped
	err        *textError
}

// jsonlIndex is where a chunk's top-level values start: offsets[i] are
// those of the key names[i], one per row.
type jsonlIndex struct {
	names   []string
	offsets [][]uint32
}

func openJSONL(path string) (Source, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	s := &jsonlSource{textFile: textFile{path: path, size: st.Size()}}
	starts := rangeStarts(0, s.size)
	workers := textWorkerCount(len(starts))
	windows, release := newWindows(f, s.size, workers)
	defer release()
	ranges := make([]jsonlRange, len(starts))
	err = inOrder(context.Background(), len(starts), workers,
		func(i int) (jsonlRange, error) {
			w := <-windows
			defer func() { windows <- w }()
			to := s.size
			if i+1 < len(starts) {
				to = starts[i+1]
			}
			return guardWork(path, func() (jsonlRange, error) { return s.scanRange(w, starts[i], to) })
		},
		func(i int, r jsonlRange) error { ranges[i] = r; return nil },
		func(jsonlRange) {})
	if err != nil {
		return nil, err
	}
	// Join the ranges in file order: merge the types, first error wins.
	root := &jnode{object: newJObject()}
	line, row := int64(1), int64(0)
	for _, r := range ranges {
		if r.first >= r.end && r.err == nil {
			continue
		}
		msg, at := mergeObject(root.object, r.root)
		if r.err != nil && (msg == "" || r.err.line < at) {
			msg, at = r.err.msg, r.err.line
		}
		if msg != "" {
			return nil, fmt.Errorf("%s: line %d: %s", path, line+at, msg)
		}
		if r.rows > 0 {
			s.chunks = append(s.chunks, textChunk{start: r.first, end: r.end, line: line, row: row, rows: r.rows})
			s.index = append(s.index, jsonlIndex{names: r.root.names, offsets: r.index})
		}
		line += r.lines
		row += r.rows
	}
	if row == 0 {
		return nil, fmt.Errorf("%s: no JSON objects in the file", path)
	}
	s.rows = row
	s.schema = arrow.NewSchema(root.object.arrowFields(), nil)
	return s, nil
}

// scanRange infers the types of the lines that start in [from, to).
func (s *jsonlSource) scanRange(w *window, from, to int64) (jsonlRange, error) {
	lo := max(from-1, 0)
	if err := w.load(lo, to+4096); err != nil {
		return jsonlRange{}, fmt.Errorf("%s: %w", s.path, err)
	}
	r := jsonlRange{root: newJObject()}
	var in jsonInferer
	in.index = [][]uint32{}
	in.budget = indexBudget(to - from)
	p := 0
	if from > 0 {
		for {
			if k := bytes.IndexByte(w.buf, '\n'); k >= 0 {
				p = k + 1
				break
			}
			if ok, err := w.more(); err != nil {
				return r, fmt.Errorf("%s: %w", s.path, err)
			} else if !ok {
				p = len(w.buf)
				break
			}
		}
	}
	r.first = w.base + int64(p)
	r.end = r.first
	if r.first >= to {
		return r, nil // no line starts in this range
	}
	p0 := p
	in.capRows = bytes.Count(w.buf[p:min(len(w.buf), int(to-w.base))], []byte{'\n'}) + 1
	for w.base+int64(p) < to {
		line, next, err := nextLine(w, p)
		if err != nil {
			return r, fmt.Errorf("%s: %w", s.path, err)
		}
		lead := 0
		for lead < len(line) && (line[lead] == ' ' || line[lead] == '\t' || line[lead] == '\r') {
			lead++
		}
		if line = bytes.TrimSpace(line); len(line) > 0 {
			in.sc.Reset(line)
			in.line = r.lines
			in.lineOff = p - p0 + lead
			if msg := in.row(r.root); msg != "" {
				r.err = &textError{line: r.lines, msg: msg}
				return r, nil
			}
			r.rows++
		}
		p = next
		r.lines++
		r.end = w.base + int64(p)
	}
	r.index = in.index
	return r, nil
}

// nextLine returns the line starting at w.buf[p] (without its newline) and
// the offset after it, reading more of the file if the line runs past the
// window.
func nextLine(w *window, p int) ([]byte, int, error) {
	for {
		if k := bytes.IndexByte(w.buf[p:], '\n'); k >= 0 {
			return w.buf[p : p+k], p + k + 1, nil
		}
		ok, err := w.more()
		if err != nil {
			return nil, 0, err
		}
		if !ok {
			return w.buf[p:], len(w.buf), nil
		}
	}
}

// row infers one line's object; it returns an error message or "".
func (in *jsonInferer) row(root *jobject) string {
	in.err = ""
	s := &in.sc
	if s.Peek() != jsonscan.Object {
		if s.Err() != nil {
			return "not valid JSON: " + scanMsg(s.Err())
		}
		return "not a JSON object"
	}
	in.object(root, false)
	if in.err != "" {
		return in.err
	}
	if err := s.Err(); err != nil {
		return "not valid JSON: " + scanMsg(err)
	}
	if !s.AtEnd() {
		return "more than one JSON value on the line"
	}
	return ""
}

// scanMsg words a scanner error with a column rather than a byte offset.
func scanMsg(err error) string {
	var e *jsonscan.Error
	if errors.As(err, &e) {
		return fmt.Sprintf("%s (column %d)", e.Msg, e.Offset+1)
	}
	return err.Error()
}

func (s *jsonlSource) Format() Format { return FormatJSONL }

// Read parses the chunks Open found, decoding only the keys asked for and
// stepping over the others' values. With OnBatch set, batches are handed
// over in file order, one chunk each, from the calling goroutine, as the
// chunks finish.
func (s *jsonlSource) Read(ctx context.Context, opts ReadOptions) ([]arrow.RecordBatch, error) {
	cols, schema, short, err := s.plan(opts)
	if err != nil {
		return nil, err
	}
	if short != nil {
		return deliver(short, opts)
	}
	mem := allocator(opts.Mem)
	index := make(map[string]int, len(cols))
	for j, c := range cols {
		index[s.schema.Field(c).Name] = j
	}
	return readTextChunks(ctx, s.path, s.chunks, s.rows, s.size, opts, func(w *window, i int) (arrow.RecordBatch, error) {
		if s.index[i].offsets != nil {
			return s.buildIndexed(mem, schema, s.index[i], w, s.chunks[i])
		}
		return s.buildChunk(mem, schema, index, w, s.chunks[i])
	})
}

// buildIndexed builds the wanted columns of a chunk a column at a time,
// going straight to each value through the chunk's index.
func (s *jsonlSource) buildIndexed(mem memory.Allocator, schema *arrow.Schema, ix jsonlIndex, w *window, c textChunk) (arrow.RecordBatch, error) {
	cols := make([]arrow.Array, 0, schema.NumFields())
	defer func() {
		for _, a := range cols {
			a.Release()
		}
	}()
	var scratch []byte
	for _, f := range schema.Fields() {
		offs := make([]uint32, c.rows)
		if local := slices.Index(ix.names, f.Name); local >= 0 {
			offs = ix.offsets[local]
		} else {
			for r := range offs {
				offs[r] = noValue
			}
		}
		a, ok := jsonScalarColumn(mem, f.Type, w.buf, offs, &scratch)
		if ok && a == nil {
			a, ok = jsonNestedColumn(mem, f.Type, w.buf, offs)
		}
		if !ok {
			return nil, fmt.Errorf("%s: line %d: the file changed since it was opened", s.path, c.line)
		}
		cols = append(cols, a)
	}
	return array.NewRecordBatch(schema, cols, c.rows), nil
}

// jsonNestedColumn builds a list or struct column from the values starting
// at offs in buf, through builders.
func jsonNestedColumn(mem memory.Allocator, dt arrow.DataType, buf []byte, offs []uint32) (arrow.Array, bool) {
	b := array.NewBuilder(mem, dt)
	defer b.Release()
	b.Reserve(len(offs))
	a := newJSONAppender(b)
	var sc jsonscan.Scanner
	for _, off := range offs {
		if off == noValue {
			b.AppendNull()
			continue
		}
		sc.Reset(buf[off:])
		if !a.append(&sc) || sc.Err() != nil {
			return nil, false
		}
	}
	return b.NewArray(), true
}

// buildChunk parses one chunk into a batch of the wanted columns.
func (s *jsonlSource) buildChunk(mem memory.Allocator, schema *arrow.Schema, index map[string]int, w *window, c textChunk) (arrow.RecordBatch, error) {
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	apps := make([]*jsonAppender, schema.NumFields())
	for j := range apps {
		apps[j] = newJSONAppender(b.Field(j))
		b.Field(j).Reserve(int(c.rows))
	}
	set := make([]int64, len(apps))
	var sc jsonscan.Scanner
	var scratch []byte
	line := c.line
	changed := func() (arrow.RecordBatch, error) {
		return nil, fmt.Errorf("%s: line %d: the file changed since it was opened", s.path, line)
	}
	for p := 0; p < len(w.buf); line++ {
		k := bytes.IndexByte(w.buf[p:], '\n')
		next := p + k + 1
		if k < 0 {
			k, next = len(w.buf)-p, len(w.buf)
		}
		text := bytes.TrimSpace(w.buf[p : p+k])
		p = next
		if len(text) == 0 {
			continue
		}
		sc.Reset(text)
		sc.Enter('{')
		for first := true; sc.Next('}', first); first = false {
			raw, plain := sc.Key()
			key := raw
			if !plain {
				scratch = sc.KeyString(raw, plain, scratch)
				key = scratch
			}
			j, ok := index[string(key)]
			if !ok {
				sc.Skip()
				continue
			}
			set[j] = line
			if !apps[j].append(&sc) {
				return changed()
			}
		}
		if sc.Err() != nil {
			return changed()
		}
		for j, a := range apps {
			if set[j] != line {
				a.b.AppendNull()
			}
		}
	}
	rec := b.NewRecordBatch()
	if rec.NumRows() != c.rows {
		rec.Release()
		return changed()
	}
	return rec, nil
}

// jsonAppender appends JSON values to a builder of the type inferred for
// them.
type jsonAppender struct {
	b      array.Builder
	id     arrow.Type
	i64    *array.Int64Builder
	f64    *array.Float64Builder
	bl     *array.BooleanBuilder
	str    *array.StringBuilder
	list   *array.ListBuilder
	elem   *jsonAppender
	st     *array.StructBuilder
	names  []string
	fields []*jsonAppender
	buf    []byte
}

func newJSONAppender(b array.Builder) *jsonAppender {
	a := &jsonAppender{b: b, id: b.Type().ID()}
	switch b := b.(type) {
	case *array.Int64Builder:
		a.i64 = b
	case *array.Float64Builder:
		a.f64 = b
	case *array.BooleanBuilder:
		a.bl = b
	case *array.StringBuilder:
		a.str = b
	case *array.ListBuilder:
		a.list = b
		a.elem = newJSONAppender(b.ValueBuilder())
	case *array.StructBuilder:
		a.st = b
		t := b.Type().(*arrow.StructType)
		for i, f := range t.Fields() {
			a.names = append(a.names, f.Name)
			a.fields = append(a.fields, newJSONAppender(b.FieldBuilder(i)))
		}
	default:
		panic("dataset: no JSON appender for " + b.Type().String())
	}
	return a
}

// append appends the next value; false if it does not fit the type (the
// file changed since Open inferred it).
func (a *jsonAppender) append(s *jsonscan.Scanner) bool {
	k := s.Peek()
	if k == jsonscan.Null {
		s.Null()
		a.b.AppendNull()
		return true
	}
	switch a.id {
	case arrow.INT64:
		text, integer := s.Number()
		v, ok := jsonscan.ParseInt(text)
		a.i64.Append(v)
		return k == jsonscan.Number && integer && ok
	case arrow.FLOAT64:
		text, _ := s.Number()
		v, ok := jsonscan.ParseFloat(text)
		a.f64.Append(v)
		return k == jsonscan.Number && ok
	case arrow.BOOL:
		a.bl.Append(s.Bool())
		return k == jsonscan.Bool
	case arrow.STRING:
		raw, plain := s.RawString()
		if !plain {
			a.buf = s.KeyString(raw, plain, a.buf) // unescape
			raw = a.buf
		}
		a.str.BinaryBuilder.Append(raw)
		return k == jsonscan.String
	case arrow.LIST:
		if k != jsonscan.Array {
			return false
		}
		a.list.Append(true)
		s.Enter('[')
		for first := true; s.Next(']', first); first = false {
			if !a.elem.append(s) {
				return false
			}
		}
		return s.Err() == nil
	case arrow.STRUCT:
		if k != jsonscan.Object {
			return false
		}
		return a.object(s)
	}
	return false
}

func (a *jsonAppender) object(s *jsonscan.Scanner) bool {
	a.st.Append(true)
	var set uint64 // fields appended, for up to 64 fields
	var setMany []bool
	if len(a.fields) > 64 {
		setMany = make([]bool, len(a.fields))
	}
	s.Enter('{')
	for first := true; s.Next('}', first); first = false {
		raw, plain := s.Key()
		key := raw
		if !plain {
			a.buf = s.KeyString(raw, plain, a.buf)
			key = a.buf
		}
		i := slices.Index(a.names, string(key))
		if i < 0 {
			return false
		}
		if !a.fields[i].append(s) {
			return false
		}
		if setMany != nil {
			setMany[i] = true
		} else {
			set |= 1 << i
		}
	}
	for i, f := range a.fields {
		if (setMany == nil && set&(1<<i) == 0) || (setMany != nil && !setMany[i]) {
			f.b.AppendNull()
		}
	}
	return s.Err() == nil
}
