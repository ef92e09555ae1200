package dataset

import (
	"encoding/binary"
	"math"
	"math/bits"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"triage/dataset/internal/jsonscan"
)

// Top-level scalar columns of an indexed JSON Lines chunk are built
// straight into Arrow buffers, a column at a time: no builder call per
// value, and the string bytes are copied once.

// validity is a column's validity bitmap, allocated at the first null.
type validity struct {
	mem   memory.Allocator
	rows  int
	buf   *memory.Buffer
	nulls int
}

func (v *validity) setNull(i int) {
	if v.buf == nil {
		v.buf = memory.NewResizableBuffer(v.mem)
		v.buf.Resize(int(bitutil.BytesForBits(int64(v.rows))))
		b := v.buf.Bytes()
		for k := range b {
			b[k] = 0xff
		}
	}
	bitutil.ClearBit(v.buf.Bytes(), i)
	v.nulls++
}

// jsonScalarColumn builds a column of type dt from the values starting at
// offs in buf (noValue: null). ok is false if a value does not have the
// type (the file changed since Open). It handles int64, float64, bool and
// utf8; other types return nil, true.
func jsonScalarColumn(mem memory.Allocator, dt arrow.DataType, buf []byte, offs []uint32, scratch *[]byte) (arrow.Array, bool) {
	rows := len(offs)
	v := validity{mem: mem, rows: rows}
	var sc jsonscan.Scanner
	bad := false
	isNull := func(i int, off uint32) bool {
		if off == noValue || buf[off] == 'n' {
			v.setNull(i)
			return true
		}
		sc.Reset(buf[off:])
		return false
	}
	var buffers []*memory.Buffer
	switch dt.ID() {
	case arrow.INT64, arrow.FLOAT64:
		vals := memory.NewResizableBuffer(mem)
		vals.Resize(rows * 8)
		b := vals.Bytes()
		isInt := dt.ID() == arrow.INT64
		for i, off := range offs {
			var bits uint64
			if !isNull(i, off) {
				text, integer := sc.Number()
				if isInt {
					n, ok := jsonscan.ParseInt(text)
					if !ok || !integer {
						vals.Release()
						v.release()
						return nil, false
					}
					bits = uint64(n)
				} else {
					f, ok := jsonscan.ParseFloat(text)
					if !ok {
						vals.Release()
						v.release()
						return nil, false
					}
					bits = math.Float64bits(f)
				}
				bad = bad || sc.Err() != nil
			}
			binary.LittleEndian.PutUint64(b[i*8:], bits)
		}
		buffers = []*memory.Buffer{v.buf, vals}
	case arrow.BOOL:
		vals := memory.NewResizableBuffer(mem)
		vals.Resize(int(bitutil.BytesForBits(int64(rows))))
		b := vals.Bytes()
		clear(b)
		for i, off := range offs {
			if !isNull(i, off) && sc.Bool() {
				bitutil.SetBit(b, i)
			}
			bad = bad || sc.Err() != nil
		}
		buffers = []*memory.Buffer{v.buf, vals}
	case arrow.STRING:
		offsets := memory.NewResizableBuffer(mem)
		offsets.Resize((rows + 1) * 4)
		ob := arrow.Int32Traits.CastFromBytes(offsets.Bytes())
		data := (*scratch)[:0]
		for i, off := range offs {
			ob[i] = int32(len(data))
			if body, ok := plainStringAt(buf, off); ok {
				data = append(data, body...)
			} else if !isNull(i, off) {
				data = sc.Str(data) // escapes or non-ASCII: unescaped
				bad = bad || sc.Err() != nil
			}
			if len(data) > math.MaxInt32 {
				offsets.Release()
				v.release()
				return nil, false
			}
		}
		ob[rows] = int32(len(data))
		*scratch = data
		values := memory.NewResizableBuffer(mem)
		values.Resize(len(data))
		copy(values.Bytes(), data)
		buffers = []*memory.Buffer{v.buf, offsets, values}
	default:
		return nil, true
	}
	if bad {
		for _, b := range buffers {
			if b != nil {
				b.Release()
			}
		}
		return nil, false
	}
	d := array.NewData(dt, rows, buffers, nil, v.nulls, 0)
	for _, b := range buffers {
		if b != nil {
			b.Release()
		}
	}
	defer d.Release()
	return array.MakeFromData(d), true
}

func (v *validity) release() {
	if v.buf != nil {
		v.buf.Release()
	}
}

// csvColumn builds a column of CSV cells of one kind, straight into Arrow
// buffers; field(r) is row r's cell, and textBytes bounds the bytes of all
// cells (a string column's data is sized once). ok is false if a cell does
// not parse as the kind (the file changed since Open).
func csvColumn(mem memory.Allocator, k cellKind, rows, textBytes int, field func(r int) []byte) (arrow.Array, bool) {
	v := validity{mem: mem, rows: rows}
	var buffers []*memory.Buffer
	release := func() {
		v.release()
		for _, b := range buffers {
			if b != nil {
				b.Release()
			}
		}
	}
	dt := k.arrowType()
	switch k {
	case kindInt, kindFloat:
		vals := memory.NewResizableBuffer(mem)
		vals.Resize(rows * 8)
		buffers = append(buffers, vals)
		b := vals.Bytes()
		for r := range rows {
			cell := field(r)
			var bits uint64
			switch {
			case isNullCell(cell):
				v.setNull(r)
			case k == kindInt:
				n, ok := parseCSVInt(cell)
				if !ok {
					release()
					return nil, false
				}
				bits = uint64(n)
			default:
				f, ok := jsonscan.ParseFloat(cell)
				if !ok {
					release()
					return nil, false
				}
				bits = math.Float64bits(f)
			}
			binary.LittleEndian.PutUint64(b[r*8:], bits)
		}
		buffers = []*memory.Buffer{v.buf, vals}
	case kindBool:
		vals := memory.NewResizableBuffer(mem)
		vals.Resize(int(bitutil.BytesForBits(int64(rows))))
		buffers = append(buffers, vals)
		b := vals.Bytes()
		clear(b)
		for r := range rows {
			cell := field(r)
			switch s := unsafeString(cell); {
			case isNullCell(cell):
				v.setNull(r)
			case strings.EqualFold(s, "true"):
				bitutil.SetBit(b, r)
			case !strings.EqualFold(s, "false"):
				release()
				return nil, false
			}
		}
		buffers = []*memory.Buffer{v.buf, vals}
	default:
		offsets := memory.NewResizableBuffer(mem)
		offsets.Resize((rows + 1) * 4)
		buffers = append(buffers, offsets)
		ob := arrow.Int32Traits.CastFromBytes(offsets.Bytes())
		values := memory.NewResizableBuffer(mem)
		values.Resize(textBytes)
		buffers = append(buffers, values)
		n := 0
		for r := range rows {
			ob[r] = int32(n)
			cell := field(r)
			if isNullCell(cell) {
				v.setNull(r)
				continue
			}
			if n+len(cell) > values.Len() {
				if n+len(cell) > math.MaxInt32 {
					release()
					return nil, false
				}
				values.Resize(max(2*values.Len(), n+len(cell), 1024))
			}
			n += copy(values.Bytes()[n:], cell)
		}
		ob[rows] = int32(n)
		values.Resize(n)
		buffers = []*memory.Buffer{v.buf, offsets, values}
	}
	d := array.NewData(dt, rows, buffers, nil, v.nulls, 0)
	for _, b := range buffers {
		if b != nil {
			b.Release()
		}
	}
	defer d.Release()
	return array.MakeFromData(d), true
}

// plainStringAt returns the body of the JSON string whose quote is at
// buf[off] when it holds only ASCII and no escape, eight bytes at a time;
// ok is false otherwise (and for a value that is not a string). Open has
// checked the file, so the closing quote is there.
func plainStringAt(buf []byte, off uint32) (body []byte, ok bool) {
	if off == noValue || buf[off] != '"' {
		return nil, false
	}
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	i := int(off) + 1
	for i+8 <= len(buf) {
		x := binary.LittleEndian.Uint64(buf[i:])
		q, bs := x^(lo*'"'), x^(lo*'\\')
		if m := ((q-lo)&^q | (bs-lo)&^bs | x) & hi; m != 0 {
			i += bits.TrailingZeros64(m) / 8
			break
		}
		i += 8
	}
	for i < len(buf) && buf[i] != '"' && buf[i] != '\\' && buf[i] < 0x80 {
		i++
	}
	if i < len(buf) && buf[i] == '"' {
		return buf[off+1 : i], true
	}
	return nil, false
}
