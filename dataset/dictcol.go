package dataset

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
)

// A fast path for the columns triage filters most: low-cardinality strings
// (labels, predictions, splits) that a writer dictionary-encoded on every
// page and that hold no nulls. pqarrow decodes their indices through a
// per-value callback and a growing builder; decoding the RLE/bit-packed
// index runs straight into one int32 buffer is several times faster. Any
// page this path does not handle (a plain fallback page, a null, a nested
// or repeated column) makes it give up on the chunk with errSlowPath, and
// pqarrow reads that chunk instead, so the result is the same either way.

var errSlowPath = errors.New("column chunk needs the general reader")

// Parquet encodings, as numbered in the format.
const (
	encPlain      = 0
	encPlainDict  = 2
	encRLE        = 3
	encRLEDict    = 8
	maxIndexWidth = 32
)

// dictStringType is the type pqarrow gives a string column read as a
// dictionary.
var dictStringType = &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}

// chunkPages opens column leaf c of row group rg for a fast path: a flat
// column (no repetition, at most one definition level) of the given
// physical type. It returns the page reader, the row count and the
// column's definition level.
func chunkPages(pf *file.Reader, rg, c int, phys parquet.Type) (file.PageReader, int64, int16, error) {
	descr := pf.MetaData().Schema.Column(c)
	if descr.MaxRepetitionLevel() != 0 || descr.MaxDefinitionLevel() > 1 || descr.PhysicalType() != phys {
		return nil, 0, 0, errSlowPath
	}
	rgr := pf.RowGroup(rg)
	pr, err := rgr.GetColumnPageReader(c)
	if err != nil {
		return nil, 0, 0, err
	}
	return pr, rgr.NumRows(), descr.MaxDefinitionLevel(), nil
}

// dataPage returns a data page's values section, its value count and
// encoding, after checking its definition levels say it holds no null.
// Any other page is errSlowPath.
func dataPage(page file.Page, maxDef int16) (values []byte, count int, encoding int32, err error) {
	switch p := page.(type) {
	case *file.DataPageV1:
		values = p.Data()
		if maxDef == 1 {
			if p.DefinitionLevelEncoding() != parquet.Encodings.RLE || len(values) < 4 {
				return nil, 0, 0, errSlowPath
			}
			l := int(binary.LittleEndian.Uint32(values))
			if l > len(values)-4 || !allOnes(values[4:4+l], int(p.NumValues())) {
				return nil, 0, 0, errSlowPath
			}
			values = values[4+l:]
		}
		return values, int(p.NumValues()), int32(p.Encoding()), nil
	case *file.DataPageV2:
		values = p.Data()
		skip := int(p.RepetitionLevelByteLen()) + int(p.DefinitionLevelByteLen())
		if p.NumNulls() != 0 || skip < 0 || skip > len(values) {
			return nil, 0, 0, errSlowPath
		}
		return values[skip:], int(p.NumValues()), int32(p.Encoding()), nil
	}
	return nil, 0, 0, errSlowPath
}

// dictCursor reads a dictionary-encoded string chunk as dictionary arrays
// that share the chunk's dictionary.
type dictCursor struct {
	pr     file.PageReader
	maxDef int16
	left   int // rows the chunk has not handed out yet
	dict   arrow.Array
	mem    memory.Allocator
}

// newDictCursor opens column leaf c of row group rg for the dictionary
// path, or fails with errSlowPath when the column's shape rules it out.
// Pages the path cannot read show up later, as errSlowPath from next.
func newDictCursor(pf *file.Reader, rg, c int, mem memory.Allocator) (*dictCursor, error) {
	pr, rows, maxDef, err := chunkPages(pf, rg, c, parquet.Types.ByteArray)
	if err != nil {
		return nil, err
	}
	return &dictCursor{pr: pr, maxDef: maxDef, left: int(rows), mem: mem}, nil
}

func (dc *dictCursor) close() {
	dc.pr.Close()
	if dc.dict != nil {
		dc.dict.Release()
	}
}

func (dc *dictCursor) next(want int) (arrow.Array, error) {
	idxBuf := memory.NewResizableBuffer(valueAllocator(dc.mem))
	defer idxBuf.Release()
	n := 0
	for n < want && n*4 < runBytes && dc.pr.Next() {
		if d, ok := dc.pr.Page().(*file.DictionaryPage); ok {
			if dc.dict != nil {
				return nil, errSlowPath
			}
			var err error
			if dc.dict, err = plainStrings(d.Data(), int(d.NumValues()), dc.mem); err != nil {
				return nil, err
			}
			continue
		}
		values, count, encoding, err := dataPage(dc.pr.Page(), dc.maxDef)
		if err != nil {
			return nil, err
		}
		if count > dc.left-n {
			return nil, errors.New("data pages hold more values than their row group")
		}
		growBuffer(idxBuf, (n+count)*4)
		if n, err = appendIndices(arrow.Int32Traits.CastFromBytes(idxBuf.Bytes()), n, values, count, encoding); err != nil {
			return nil, err
		}
	}
	if err := dc.pr.Err(); err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, endOfChunk(dc.left)
	}
	if dc.dict == nil {
		return nil, errSlowPath
	}
	limit := uint32(dc.dict.Len())
	for _, v := range arrow.Int32Traits.CastFromBytes(idxBuf.Bytes())[:n] {
		if uint32(v) >= limit {
			return nil, fmt.Errorf("dictionary index %d out of range (dictionary of %d)", v, limit)
		}
	}
	dc.left -= n
	data := array.NewData(arrow.PrimitiveTypes.Int32, n, []*memory.Buffer{nil, idxBuf}, nil, 0, 0)
	defer data.Release()
	idx := array.MakeFromData(data)
	defer idx.Release()
	return array.NewDictionaryArray(dictStringType, idx, dc.dict), nil
}

// endOfChunk is what next says when the pages are used up: nothing when
// every row was handed out, errSlowPath when pages are missing (pqarrow
// then reads the chunk and says what is wrong with it).
func endOfChunk(left int) error {
	if left != 0 {
		return errSlowPath
	}
	return nil
}

// growBuffer resizes b to size bytes, growing its capacity by growCap.
func growBuffer(b *memory.Buffer, size int) {
	if size > b.Cap() {
		b.Reserve(growCap(b.Cap(), size))
	}
	b.ResizeNoShrink(size)
}

// growCap is the capacity a buffer of capacity cur takes to hold need
// bytes: exactly need the first time (a run is often one page, and a
// table keeps its runs), then half as much again, so that page after
// page costs amortized constant time.
func growCap(cur, need int) int {
	if cur <= 64 {
		return need
	}
	return max(need, cur+cur/2)
}

// plainPhysical maps the Arrow types read straight from PLAIN pages to
// their Parquet physical type and value width.
var plainPhysical = map[arrow.Type]struct {
	phys  parquet.Type
	width int
}{
	arrow.FLOAT32: {parquet.Types.Float, 4},
	arrow.FLOAT64: {parquet.Types.Double, 8},
	arrow.INT32:   {parquet.Types.Int32, 4},
	arrow.INT64:   {parquet.Types.Int64, 8},
}

// plainCursor reads a flat float32, float64, int32 or int64 column chunk
// whose pages hold no null, PLAIN or dictionary encoded (writers encode
// numbers with a dictionary by default, and fall back to PLAIN when it
// grows too big): PLAIN values are the page bytes, copied once into the
// array's buffer; dictionary pages are gathered. Other pages give
// errSlowPath.
type plainCursor struct {
	pr      file.PageReader
	maxDef  int16
	left    int
	typ     arrow.DataType
	width   int
	mem     memory.Allocator
	dict    []byte // the dictionary page's values, copied: pages are freed on Next
	hasDict bool
	idx     []int32 // a page's dictionary indices
}

func newPlainCursor(pf *file.Reader, rg, c int, typ arrow.DataType, mem memory.Allocator) (*plainCursor, error) {
	pw, ok := plainPhysical[typ.ID()]
	if !ok {
		return nil, errSlowPath
	}
	pr, rows, maxDef, err := chunkPages(pf, rg, c, pw.phys)
	if err != nil {
		return nil, err
	}
	return &plainCursor{pr: pr, maxDef: maxDef, left: int(rows), typ: typ, width: pw.width, mem: mem}, nil
}

func (pc *plainCursor) close() { pc.pr.Close() }

func (pc *plainCursor) next(want int) (arrow.Array, error) {
	buf := memory.NewResizableBuffer(valueAllocator(pc.mem))
	defer buf.Release()
	w, n := pc.width, 0
	for n < want && n*w < runBytes && pc.pr.Next() {
		if d, ok := pc.pr.Page().(*file.DictionaryPage); ok {
			k := int(d.NumValues())
			if pc.hasDict || k < 0 || len(d.Data()) < k*w {
				return nil, errSlowPath
			}
			pc.dict, pc.hasDict = append([]byte(nil), d.Data()[:k*w]...), true
			continue
		}
		values, count, encoding, err := dataPage(pc.pr.Page(), pc.maxDef)
		if err != nil {
			return nil, err
		}
		if count > pc.left-n {
			return nil, errors.New("data pages hold more values than their row group")
		}
		growBuffer(buf, (n+count)*w)
		out := buf.Bytes()[n*w:]
		switch encoding {
		case encPlain:
			if len(values) < count*w {
				return nil, errors.New("data page holds fewer bytes than values")
			}
			copy(out, values[:count*w])
		case encRLEDict, encPlainDict:
			if err := pc.gather(out, values, count); err != nil {
				return nil, err
			}
		default:
			return nil, errSlowPath
		}
		n += count
	}
	if err := pc.pr.Err(); err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, endOfChunk(pc.left)
	}
	pc.left -= n
	data := array.NewData(pc.typ, n, []*memory.Buffer{nil, buf}, nil, 0, 0)
	defer data.Release()
	return array.MakeFromData(data), nil
}

// gather writes count values of a dictionary-encoded page into out.
func (pc *plainCursor) gather(out, values []byte, count int) error {
	if !pc.hasDict {
		return errors.New("dictionary-encoded page without a dictionary")
	}
	pc.idx = grow(pc.idx, count)
	if _, err := appendIndices(pc.idx, 0, values, count, encRLEDict); err != nil {
		return err
	}
	w := pc.width
	limit := uint32(len(pc.dict) / w)
	for i, k := range pc.idx {
		if uint32(k) >= limit {
			return fmt.Errorf("dictionary index %d out of range (dictionary of %d)", k, limit)
		}
		if w == 4 {
			copy(out[i*4:i*4+4], pc.dict[k*4:k*4+4])
		} else {
			copy(out[i*8:i*8+8], pc.dict[k*8:k*8+8])
		}
	}
	return nil
}

// plainStrings decodes n PLAIN byte arrays (a 4-byte length, then bytes).
func plainStrings(b []byte, n int, mem memory.Allocator) (arrow.Array, error) {
	bld := array.NewStringBuilder(mem)
	defer bld.Release()
	bld.Reserve(n)
	bld.ReserveData(len(b))
	for i := 0; i < n; i++ {
		if len(b) < 4 {
			return nil, errors.New("dictionary page ends early")
		}
		l := int(binary.LittleEndian.Uint32(b))
		if l < 0 || l > len(b)-4 {
			return nil, errors.New("dictionary page value overruns the page")
		}
		bld.BinaryBuilder.Append(b[4 : 4+l])
		b = b[4+l:]
	}
	return bld.NewArray(), nil
}

// appendIndices decodes a dictionary data page's indices (a bit-width byte,
// then the RLE/bit-packed hybrid) into out[n:n+count].
func appendIndices(out []int32, n int, data []byte, count int, encoding int32) (int, error) {
	if encoding != encRLEDict && encoding != encPlainDict {
		return n, errSlowPath // a plain fallback page
	}
	if count > len(out)-n || len(data) < 1 {
		return n, errors.New("data page holds more values than its row group")
	}
	width := int(data[0])
	if width > maxIndexWidth {
		return n, fmt.Errorf("dictionary index bit width %d", width)
	}
	got, err := decodeHybrid(out[n:n+count], data[1:], width)
	if err != nil {
		return n, err
	}
	if got != count {
		return n, fmt.Errorf("data page has %d of its %d values", got, count)
	}
	return n + count, nil
}

// decodeHybrid decodes Parquet's RLE/bit-packed hybrid encoding of
// width-bit values into out, stopping when out is full or b is used up.
//
//	run := header (uvarint) ...
//	header&1 == 0: an RLE run of header>>1 copies of one value (width rounded up to bytes)
//	header&1 == 1: header>>1 groups of 8 values, bit-packed LSB first
func decodeHybrid(out []int32, b []byte, width int) (int, error) {
	n := 0
	valueBytes := (width + 7) / 8
	for n < len(out) && len(b) > 0 {
		header, k := binary.Uvarint(b)
		if k <= 0 {
			return n, errors.New("bad run header")
		}
		b = b[k:]
		if header&1 == 0 {
			count := int(min(header>>1, uint64(len(out)-n)))
			if len(b) < valueBytes {
				return n, errors.New("RLE run ends early")
			}
			var v uint32
			for i := 0; i < valueBytes; i++ {
				v |= uint32(b[i]) << (8 * i)
			}
			b = b[valueBytes:]
			fill := out[n : n+count]
			for i := range fill {
				fill[i] = int32(v)
			}
			n += count
			continue
		}
		groups := header >> 1
		if width > 0 && groups > uint64(len(b)) { // width 0: every value is 0, in no bytes
			return n, errors.New("bit-packed run overruns the page")
		}
		nbytes := int(groups) * width
		if nbytes > len(b) {
			nbytes = len(b) // a final run may be cut short
		}
		count := min(int(groups)*8, len(out)-n)
		n += unpack(out[n:n+count], b[:nbytes], width)
		b = b[nbytes:]
	}
	return n, nil
}

// unpack reads len(out) width-bit values, LSB first, from b; it returns
// how many it could read.
func unpack(out []int32, b []byte, width int) int {
	if width == 0 {
		clear(out)
		return len(out)
	}
	mask := uint64(1)<<width - 1
	if width <= 8 {
		// Eight values fill exactly width bytes: load them as one word.
		i := 0
		for ; i+8 <= len(out) && (i/8+1)*width <= len(b); i += 8 {
			off := i / 8 * width
			var w uint64
			if off+8 <= len(b) {
				w = binary.LittleEndian.Uint64(b[off:]) // bits past the group are shifted out
			} else {
				for k, c := range b[off : off+width] {
					w |= uint64(c) << (8 * k)
				}
			}
			o := out[i : i+8 : i+8]
			o[0] = int32(w & mask)
			o[1] = int32(w >> width & mask)
			o[2] = int32(w >> (2 * width) & mask)
			o[3] = int32(w >> (3 * width) & mask)
			o[4] = int32(w >> (4 * width) & mask)
			o[5] = int32(w >> (5 * width) & mask)
			o[6] = int32(w >> (6 * width) & mask)
			o[7] = int32(w >> (7 * width) & mask)
		}
		out, b = out[i:], b[min(i/8*width, len(b)):]
		if len(out) == 0 {
			return i
		}
		return i + unpackSlow(out, b, width, mask)
	}
	return unpackSlow(out, b, width, mask)
}

// unpackSlow unpacks bit by byte, for wide values and a short tail.
func unpackSlow(out []int32, b []byte, width int, mask uint64) int {
	var acc uint64
	bits, pos := 0, 0
	for i := range out {
		for bits < width {
			if pos >= len(b) {
				return i
			}
			acc |= uint64(b[pos]) << bits
			pos++
			bits += 8
		}
		out[i] = int32(acc & mask)
		acc >>= width
		bits -= width
	}
	return len(out)
}

// allOnes reports whether a definition-level run of bit width 1 holds n
// ones: the page has no nulls.
func allOnes(b []byte, n int) bool {
	for n > 0 && len(b) > 0 {
		header, k := binary.Uvarint(b)
		if k <= 0 {
			return false
		}
		b = b[k:]
		if header&1 == 0 {
			if len(b) < 1 || b[0] != 1 {
				return false
			}
			b = b[1:]
			n -= int(min(header>>1, uint64(n)))
			continue
		}
		groups := int(header >> 1)
		if groups > len(b) {
			return false
		}
		vals := min(groups*8, n)
		for i := 0; i < vals; i++ {
			if b[i/8]>>(i%8)&1 == 0 {
				return false
			}
		}
		b = b[groups:]
		n -= vals
	}
	return n == 0
}
