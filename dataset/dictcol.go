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

// eachPage walks a chunk's pages. Dictionary pages go to dict; data pages
// go to data with their values' bytes, after checking the definition
// levels say the page holds no null. Anything else is errSlowPath.
func eachPage(pr file.PageReader, maxDef int16, dict func(data []byte, n int) error, data func(values []byte, n int, encoding int32) error) error {
	for pr.Next() {
		var err error
		switch p := pr.Page().(type) {
		case *file.DictionaryPage:
			err = dict(p.Data(), int(p.NumValues()))
		case *file.DataPageV1:
			values := p.Data()
			if maxDef == 1 {
				if p.DefinitionLevelEncoding() != parquet.Encodings.RLE || len(values) < 4 {
					return errSlowPath
				}
				l := int(binary.LittleEndian.Uint32(values))
				if l > len(values)-4 || !allOnes(values[4:4+l], int(p.NumValues())) {
					return errSlowPath
				}
				values = values[4+l:]
			}
			err = data(values, int(p.NumValues()), int32(p.Encoding()))
		case *file.DataPageV2:
			values := p.Data()
			skip := int(p.RepetitionLevelByteLen()) + int(p.DefinitionLevelByteLen())
			if p.NumNulls() != 0 || skip < 0 || skip > len(values) {
				return errSlowPath
			}
			err = data(values[skip:], int(p.NumValues()), int32(p.Encoding()))
		default:
			return errSlowPath
		}
		if err != nil {
			return err
		}
	}
	return pr.Err()
}

// readDictChunk reads column leaf c of row group rg as a dictionary array,
// or fails with errSlowPath when the chunk is not a clean dictionary chunk.
func readDictChunk(pf *file.Reader, rg, c int, mem memory.Allocator) (arrow.Array, error) {
	pr, rows, maxDef, err := chunkPages(pf, rg, c, parquet.Types.ByteArray)
	if err != nil {
		return nil, err
	}
	defer pr.Close()

	idxBuf := memory.NewResizableBuffer(valueAllocator(mem))
	defer idxBuf.Release()
	idxBuf.Resize(int(rows) * 4)
	indices := arrow.Int32Traits.CastFromBytes(idxBuf.Bytes())
	var dict arrow.Array
	defer func() {
		if dict != nil {
			dict.Release()
		}
	}()
	n := 0
	err = eachPage(pr, maxDef, func(b []byte, count int) (err error) {
		if dict != nil {
			return errSlowPath
		}
		dict, err = plainStrings(b, count, mem)
		return err
	}, func(values []byte, count int, encoding int32) (err error) {
		n, err = appendIndices(indices, n, values, count, encoding)
		return err
	})
	if err != nil {
		return nil, err
	}
	if dict == nil || int64(n) != rows {
		return nil, errSlowPath
	}
	limit := uint32(dict.Len())
	for _, v := range indices[:n] {
		if uint32(v) >= limit {
			return nil, fmt.Errorf("dictionary index %d out of range (dictionary of %d)", v, limit)
		}
	}
	data := array.NewData(arrow.PrimitiveTypes.Int32, n, []*memory.Buffer{nil, idxBuf}, nil, 0, 0)
	defer data.Release()
	idx := array.MakeFromData(data)
	defer idx.Release()
	return array.NewDictionaryArray(dictStringType, idx, dict), nil
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

// readPlainChunk reads a flat float32, float64, int32 or int64 column chunk
// whose pages are all PLAIN and hold no null: the values are the page bytes,
// copied once into the array's buffer. Other chunks fail with errSlowPath.
func readPlainChunk(pf *file.Reader, rg, c int, typ arrow.DataType, mem memory.Allocator) (arrow.Array, error) {
	pw, ok := plainPhysical[typ.ID()]
	if !ok {
		return nil, errSlowPath
	}
	pr, rows, maxDef, err := chunkPages(pf, rg, c, pw.phys)
	if err != nil {
		return nil, err
	}
	defer pr.Close()
	buf := memory.NewResizableBuffer(valueAllocator(mem))
	defer buf.Release()
	buf.Resize(int(rows) * pw.width)
	out := buf.Bytes()
	n := 0
	err = eachPage(pr, maxDef, func([]byte, int) error { return errSlowPath }, func(values []byte, count int, encoding int32) error {
		if encoding != encPlain {
			return errSlowPath
		}
		if count > int(rows)-n || len(values) < count*pw.width {
			return errors.New("data page holds more values than its row group, or fewer bytes than values")
		}
		copy(out[n*pw.width:], values[:count*pw.width])
		n += count
		return nil
	})
	if err != nil {
		return nil, err
	}
	if int64(n) != rows {
		return nil, errSlowPath
	}
	data := array.NewData(typ, n, []*memory.Buffer{nil, buf}, nil, 0, 0)
	defer data.Release()
	return array.MakeFromData(data), nil
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
