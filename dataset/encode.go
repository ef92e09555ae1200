package dataset

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"unicode"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// An Encoder turns rows of record batches into output text: Begin, then
// each row (Sep between two rows), then End.
type Encoder interface {
	Begin() []byte
	Sep() []byte
	End() []byte
	// Bind prepares the encoding of one batch's rows.
	Bind(b arrow.RecordBatch) (RowAppender, error)
}

// A RowAppender appends row i of the batch it was bound to. It belongs to
// one goroutine.
type RowAppender interface {
	Append(dst []byte, i int) []byte
}

// RowEncoder writes rows as CSV, JSON Lines or JSON text straight from the
// Arrow buffers: no value is boxed into an interface and no cell goes
// through encoding/json. Several goroutines may encode batches with one
// encoder at once.
type RowEncoder struct {
	format  RowFormat
	columns []string
	// Cell, if set, rewrites every CSV cell holding text (the command
	// line escapes control characters when it writes to a terminal).
	Cell func(string) string
}

// NewRowEncoder returns an encoder of the named columns.
func NewRowEncoder(format RowFormat, columns []string) (*RowEncoder, error) {
	switch format {
	case FormatRowsCSV, FormatRowsJSONL, FormatRowsJSON:
	default:
		return nil, fmt.Errorf("unknown row format %q", format)
	}
	return &RowEncoder{format: format, columns: columns}, nil
}

// Begin is what comes before the first row: the CSV header, or "[".
func (e *RowEncoder) Begin() []byte {
	switch e.format {
	case FormatRowsCSV:
		var b []byte
		for i, c := range e.columns {
			if i > 0 {
				b = append(b, ',')
			}
			b = e.appendCSVText(b, c)
		}
		return append(b, '\n')
	case FormatRowsJSON:
		return []byte("[")
	}
	return nil
}

// Sep goes between two rows (after a row's own end).
func (e *RowEncoder) Sep() []byte {
	if e.format == FormatRowsJSON {
		return []byte(",")
	}
	return nil
}

// End is what comes after the last row.
func (e *RowEncoder) End() []byte {
	if e.format == FormatRowsJSON {
		return []byte("]\n")
	}
	return nil
}

// batchEncoder appends rows of one batch. It belongs to one goroutine.
type batchEncoder struct {
	e     *RowEncoder
	keys  [][]byte // JSON object keys, quoted, with the colon
	cells []appendFunc
}

type appendFunc func(dst []byte, i int) []byte

// Bind prepares the encoding of b's rows: the encoder's columns must be
// in b, by name.
func (e *RowEncoder) Bind(b arrow.RecordBatch) (RowAppender, error) {
	be := &batchEncoder{e: e}
	for i, c := range e.columns {
		idx := b.Schema().FieldIndices(c)
		if len(idx) == 0 {
			return nil, fmt.Errorf("no column %q", c)
		}
		col := b.Column(idx[0])
		if e.format == FormatRowsCSV {
			be.cells = append(be.cells, e.csvCell(col))
			continue
		}
		key := []byte{}
		if i > 0 {
			key = append(key, ',')
		}
		key = appendJSONString(key, c)
		be.keys = append(be.keys, append(key, ':'))
		be.cells = append(be.cells, jsonCell(col))
	}
	return be, nil
}

// Append appends row i of the batch, ended by a newline (JSON Lines, CSV)
// or nothing (JSON, where Sep separates rows).
func (be *batchEncoder) Append(dst []byte, i int) []byte {
	if be.e.format == FormatRowsCSV {
		for j, f := range be.cells {
			if j > 0 {
				dst = append(dst, ',')
			}
			dst = f(dst, i)
		}
		return append(dst, '\n')
	}
	dst = append(dst, '{')
	for j, f := range be.cells {
		dst = append(dst, be.keys[j]...)
		dst = f(dst, i)
	}
	dst = append(dst, '}')
	if be.e.format == FormatRowsJSONL {
		dst = append(dst, '\n')
	}
	return dst
}

// jsonCell returns the appender of a column's values as JSON. NaN and
// ±Inf are null, which JSON cannot hold otherwise.
func jsonCell(a arrow.Array) appendFunc {
	var f appendFunc
	switch a := a.(type) {
	case *array.Boolean:
		f = func(dst []byte, i int) []byte { return strconv.AppendBool(dst, a.Value(i)) }
	case *array.Int8:
		f = func(dst []byte, i int) []byte { return strconv.AppendInt(dst, int64(a.Value(i)), 10) }
	case *array.Int16:
		f = func(dst []byte, i int) []byte { return strconv.AppendInt(dst, int64(a.Value(i)), 10) }
	case *array.Int32:
		f = func(dst []byte, i int) []byte { return strconv.AppendInt(dst, int64(a.Value(i)), 10) }
	case *array.Int64:
		f = func(dst []byte, i int) []byte { return strconv.AppendInt(dst, a.Value(i), 10) }
	case *array.Uint8:
		f = func(dst []byte, i int) []byte { return strconv.AppendUint(dst, uint64(a.Value(i)), 10) }
	case *array.Uint16:
		f = func(dst []byte, i int) []byte { return strconv.AppendUint(dst, uint64(a.Value(i)), 10) }
	case *array.Uint32:
		f = func(dst []byte, i int) []byte { return strconv.AppendUint(dst, uint64(a.Value(i)), 10) }
	case *array.Uint64:
		f = func(dst []byte, i int) []byte { return strconv.AppendUint(dst, a.Value(i), 10) }
	case *array.Float16:
		f = func(dst []byte, i int) []byte { return appendJSONFloat(dst, float64(a.Value(i).Float32()), 32) }
	case *array.Float32:
		f = func(dst []byte, i int) []byte { return appendJSONFloat(dst, float64(a.Value(i)), 32) }
	case *array.Float64:
		f = func(dst []byte, i int) []byte { return appendJSONFloat(dst, a.Value(i), 64) }
	case *array.String:
		f = func(dst []byte, i int) []byte { return appendJSONString(dst, a.Value(i)) }
	case *array.LargeString:
		f = func(dst []byte, i int) []byte { return appendJSONString(dst, a.Value(i)) }
	case *array.Binary:
		f = func(dst []byte, i int) []byte { return appendBase64(dst, a.Value(i)) }
	case *array.LargeBinary:
		f = func(dst []byte, i int) []byte { return appendBase64(dst, a.Value(i)) }
	case *array.Dictionary:
		f = dictCell(a, jsonCell(a.Dictionary()), []byte("null"))
	case array.ListLike:
		if _, isMap := a.(*array.Map); isMap {
			break
		}
		elem := jsonCell(a.ListValues())
		f = func(dst []byte, i int) []byte {
			from, to := a.ValueOffsets(i)
			dst = append(dst, '[')
			for j := from; j < to; j++ {
				if j > from {
					dst = append(dst, ',')
				}
				dst = elem(dst, int(j))
			}
			return append(dst, ']')
		}
	case *array.Struct:
		st := a.DataType().(*arrow.StructType)
		keys := make([][]byte, st.NumFields())
		fields := make([]appendFunc, st.NumFields())
		for j := range fields {
			k := []byte{}
			if j > 0 {
				k = append(k, ',')
			}
			keys[j] = append(appendJSONString(k, st.Field(j).Name), ':')
			fields[j] = jsonCell(a.Field(j))
		}
		f = func(dst []byte, i int) []byte {
			dst = append(dst, '{')
			for j, fj := range fields {
				dst = append(dst, keys[j]...)
				dst = fj(dst, i)
			}
			return append(dst, '}')
		}
	}
	if f == nil {
		f = marshalCell(a) // dates, times, decimals, maps: rare in this data
	}
	return func(dst []byte, i int) []byte {
		if a.IsNull(i) {
			return append(dst, "null"...)
		}
		return f(dst, i)
	}
}

// dictCell encodes a dictionary's entries once each, when first used (a
// RowAppender belongs to one goroutine, so the cache needs no lock).
func dictCell(d *array.Dictionary, entry appendFunc, null []byte) appendFunc {
	var cache [][]byte
	return func(dst []byte, i int) []byte {
		k := d.GetValueIndex(i)
		if d.Dictionary().IsNull(k) {
			return append(dst, null...)
		}
		if cache == nil {
			cache = make([][]byte, d.Dictionary().Len())
		}
		if cache[k] == nil {
			cache[k] = entry(make([]byte, 0, 16), k) // never nil, even when empty
		}
		return append(dst, cache[k]...)
	}
}

// marshalCell falls back to encoding/json for the types the fast path
// does not know.
func marshalCell(a arrow.Array) appendFunc {
	return func(dst []byte, i int) []byte {
		b, err := json.Marshal(a.GetOneForMarshal(i))
		if err != nil {
			return append(dst, "null"...)
		}
		return append(dst, b...)
	}
}

// appendJSONFloat formats v as encoding/json does (the shortest text that
// reads back as the same float of that size), and NaN and ±Inf as null.
func appendJSONFloat(dst []byte, v float64, bits int) []byte {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return append(dst, "null"...)
	}
	abs := math.Abs(v)
	format := byte('f')
	if abs != 0 {
		if bits == 64 && (abs < 1e-6 || abs >= 1e21) || bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21) {
			format = 'e'
		}
	}
	dst = strconv.AppendFloat(dst, v, format, -1, bits)
	if format == 'e' {
		// clean up e-09 to e-9
		n := len(dst)
		if n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst
}

func appendBase64(dst []byte, b []byte) []byte {
	dst = append(dst, '"')
	dst = base64.StdEncoding.AppendEncode(dst, b)
	return append(dst, '"')
}

const hexDigits = "0123456789abcdef"

// appendJSONString quotes s as JSON. Control characters, C1 controls,
// bidirectional overrides and the line separators are \u escapes, so that
// the text is safe to show on a terminal and still the same JSON string;
// invalid UTF-8 becomes U+FFFD, as encoding/json does.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if unsafeOnTerminal(r) {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// unsafeOnTerminal reports the non-ASCII runes a terminal acts on: C1
// controls (U+009B is CSI), bidirectional overrides and isolates, and the
// line and paragraph separators.
func unsafeOnTerminal(r rune) bool {
	switch {
	case r >= 0x80 && r <= 0x9f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x2028, r == 0x2029, r == 0x200e, r == 0x200f, r == 0x061c:
		return true
	}
	return false
}

// csvCell returns the appender of a column's values as CSV cells: text as
// encoding/csv quotes it, numbers as strconv formats them, nested values
// as JSON text; null is an empty cell.
func (e *RowEncoder) csvCell(a arrow.Array) appendFunc {
	var f appendFunc
	switch a := a.(type) {
	case *array.String:
		f = func(dst []byte, i int) []byte { return e.appendCSVText(dst, a.Value(i)) }
	case *array.LargeString:
		f = func(dst []byte, i int) []byte { return e.appendCSVText(dst, a.Value(i)) }
	case *array.Float32:
		f = func(dst []byte, i int) []byte { return strconv.AppendFloat(dst, float64(a.Value(i)), 'g', -1, 32) }
	case *array.Float64:
		f = func(dst []byte, i int) []byte { return strconv.AppendFloat(dst, a.Value(i), 'g', -1, 64) }
	case *array.Dictionary:
		f = dictCell(a, e.csvCell(a.Dictionary()), nil)
	case *array.Boolean, *array.Int8, *array.Int16, *array.Int32, *array.Int64,
		*array.Uint8, *array.Uint16, *array.Uint32, *array.Uint64:
		json := jsonCell(a)
		f = func(dst []byte, i int) []byte { return json(dst, i) }
	default:
		switch a.DataType().ID() {
		case arrow.LIST, arrow.LARGE_LIST, arrow.FIXED_SIZE_LIST, arrow.LIST_VIEW, arrow.LARGE_LIST_VIEW, arrow.STRUCT, arrow.MAP, arrow.BINARY, arrow.LARGE_BINARY:
			json := jsonCell(a)
			f = func(dst []byte, i int) []byte { return e.appendCSVText(dst, string(json(nil, i))) }
		default:
			f = func(dst []byte, i int) []byte { return e.appendCSVText(dst, a.ValueStr(i)) }
		}
	}
	return func(dst []byte, i int) []byte {
		if a.IsNull(i) {
			return dst
		}
		return f(dst, i)
	}
}

// appendCSVText appends a field as encoding/csv's Writer would.
func (e *RowEncoder) appendCSVText(dst []byte, s string) []byte {
	if e.Cell != nil {
		s = e.Cell(s)
	}
	if !csvNeedsQuotes(s) {
		return append(dst, s...)
	}
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			dst = append(dst, '"')
		}
		dst = append(dst, s[i])
	}
	return append(dst, '"')
}

// csvNeedsQuotes is encoding/csv's fieldNeedsQuotes with a comma.
func csvNeedsQuotes(s string) bool {
	if s == "" {
		return false
	}
	if s == `\.` {
		return true
	}
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ',', '"', '\r', '\n':
			return true
		}
	}
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsSpace(r)
}
