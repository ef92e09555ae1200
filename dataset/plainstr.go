package dataset

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
)

// A fast path for flat string and binary columns that are not read as
// dictionaries: file paths, ids, captions. pqarrow decodes them one value
// at a time into a growing builder; here each page's values go straight
// into the Arrow offsets and data buffers of the whole row group. It reads
// PLAIN pages, DELTA_LENGTH_BYTE_ARRAY and DELTA_BYTE_ARRAY pages, and
// dictionary-encoded pages (a writer that fell back to PLAIN part way
// through a chunk leaves both kinds), with or without nulls. Anything else
// gives errSlowPath and pqarrow reads the chunk.

// Parquet encodings beyond those of dictcol.go.
const (
	encDeltaLength = 6
	encDeltaBytes  = 7
)

// stringChunk accumulates a run of a chunk's pages as Arrow buffers; the
// dictionary, if the chunk has one, stays for the pages after.
type stringChunk struct {
	left    int // rows of the chunk not yet handed out
	n       int // rows decoded into the buffers
	offsets []int32
	offBuf  *memory.Buffer
	data    *memory.Buffer
	size    int // bytes used in data
	valid   *memory.Buffer
	nulls   int
	mem     memory.Allocator

	dictOff  []int32 // a dictionary page's values, copied: pages are freed on Next
	dictData []byte
	hasDict  bool
	idx      []int32
}

// stringCursor reads a flat string or binary column chunk a run of pages
// at a time.
type stringCursor struct {
	pr  file.PageReader
	lr  levelReader
	typ arrow.DataType
	sc  stringChunk
}

// newStringCursor opens a flat string or binary column chunk, or fails
// with errSlowPath when it cannot read it.
func newStringCursor(pf *file.Reader, rg, c int, typ arrow.DataType, mem memory.Allocator) (*stringCursor, error) {
	if id := typ.ID(); id != arrow.STRING && id != arrow.BINARY {
		return nil, errSlowPath
	}
	pr, rows, maxDef, err := chunkPages(pf, rg, c, parquet.Types.ByteArray)
	if err != nil {
		return nil, err
	}
	if rows >= math.MaxInt32 {
		pr.Close()
		return nil, errSlowPath
	}
	return &stringCursor{pr: pr, lr: levelReader{maxDef: maxDef}, typ: typ, sc: stringChunk{left: int(rows), mem: mem}}, nil
}

func (c *stringCursor) close() { c.pr.Close() }

func (c *stringCursor) next(want int) (arrow.Array, error) {
	sc := &c.sc
	sc.start()
	defer sc.release()
	for sc.n < want && sc.size+4*sc.n < runBytes && c.pr.Next() {
		if d, ok := c.pr.Page().(*file.DictionaryPage); ok {
			if err := sc.setDict(d.Data(), int(d.NumValues())); err != nil {
				return nil, err
			}
			continue
		}
		parts, err := c.lr.split(c.pr.Page())
		if err != nil {
			return nil, err
		}
		if err := sc.page(parts); err != nil {
			return nil, err
		}
	}
	if err := c.pr.Err(); err != nil {
		return nil, err
	}
	if sc.n == 0 {
		return nil, endOfChunk(sc.left)
	}
	sc.left -= sc.n
	return sc.array(c.typ), nil
}

// start gives the chunk new, empty buffers: the first page sizes them
// exactly (a run is often one page), later pages grow them (growCap).
func (sc *stringChunk) start() {
	sc.n, sc.size, sc.nulls = 0, 0, 0
	sc.offBuf = memory.NewResizableBuffer(valueAllocator(sc.mem))
	sc.offBuf.Resize(4)
	sc.offsets = arrow.Int32Traits.CastFromBytes(sc.offBuf.Bytes())
	sc.offsets[0] = 0
	sc.data = memory.NewResizableBuffer(valueAllocator(sc.mem))
	sc.valid = nil
}

func (sc *stringChunk) release() {
	sc.offBuf.Release()
	sc.data.Release()
	if sc.valid != nil {
		sc.valid.Release()
	}
}

// array hands the buffers to a new array.
func (sc *stringChunk) array(typ arrow.DataType) arrow.Array {
	sc.offBuf.ResizeNoShrink((sc.n + 1) * 4)
	sc.data.ResizeNoShrink(sc.size)
	var valid *memory.Buffer
	if sc.nulls > 0 {
		valid = sc.valid
		valid.ResizeNoShrink(int(bitutil.BytesForBits(int64(sc.n))))
	}
	data := array.NewData(typ, sc.n, []*memory.Buffer{valid, sc.offBuf, sc.data}, nil, sc.nulls, 0)
	defer data.Release()
	return array.MakeFromData(data)
}

// room makes space for k more rows in the offsets and the validity bitmap.
func (sc *stringChunk) room(k int) {
	growBuffer(sc.offBuf, max((sc.n+k+1)*4, sc.offBuf.Len()))
	sc.offsets = arrow.Int32Traits.CastFromBytes(sc.offBuf.Bytes())
	if sc.valid != nil {
		if need := int(bitutil.BytesForBits(int64(sc.n + k))); need > sc.valid.Len() {
			old := sc.valid.Len()
			growBuffer(sc.valid, need)
			clear(sc.valid.Bytes()[old:])
		}
	}
}

// reserve makes room for k more bytes of data and returns the whole
// buffer; it fails when the chunk would pass Arrow's 2 GiB string limit
// (pqarrow splits such chunks).
func (sc *stringChunk) reserve(k int) ([]byte, error) {
	need := sc.size + k
	if need > math.MaxInt32 || k < 0 {
		return nil, errSlowPath
	}
	if need > sc.data.Cap() {
		sc.data.Reserve(growCap(sc.data.Cap(), need))
	}
	return sc.data.Buf()[:sc.data.Cap()], nil
}

func (sc *stringChunk) setDict(b []byte, n int) error {
	if sc.hasDict {
		return errSlowPath
	}
	sc.hasDict = true
	sc.dictOff = make([]int32, n+1)
	sc.dictData = make([]byte, 0, len(b))
	for i := 0; i < n; i++ {
		if len(b) < 4 {
			return errors.New("dictionary page ends early")
		}
		l := binary.LittleEndian.Uint32(b)
		if uint64(l) > uint64(len(b)-4) {
			return errors.New("dictionary page value overruns the page")
		}
		sc.dictData = append(sc.dictData, b[4:4+l]...)
		sc.dictOff[i+1] = int32(len(sc.dictData))
		b = b[4+l:]
	}
	return nil
}

// page appends one data page's rows.
func (sc *stringChunk) page(p pageParts) error {
	if p.count > sc.left-sc.n {
		return errors.New("data pages hold more values than the row group has rows")
	}
	sc.room(p.count)
	// The page's values go in densely at offsets[n+1:], then spread out
	// over the rows when some rows are null.
	dense := sc.offsets[sc.n+1 : sc.n+1+p.defined]
	var err error
	switch p.encoding {
	case encPlain:
		err = sc.plain(p.values, dense)
	case encRLEDict, encPlainDict:
		err = sc.dictValues(p.values, dense)
	case encDeltaLength:
		err = sc.deltaLength(p.values, dense)
	case encDeltaBytes:
		err = sc.deltaBytes(p.values, dense)
	default:
		return errSlowPath
	}
	if err != nil {
		return err
	}
	if p.defs != nil {
		sc.spread(p.defs, p.defined)
	} else if sc.valid != nil {
		bitutil.SetBitsTo(sc.valid.Bytes(), int64(sc.n), int64(p.count), true)
	}
	sc.n += p.count
	return nil
}

// plain decodes PLAIN byte arrays: each a 4-byte length, then the bytes.
func (sc *stringChunk) plain(b []byte, dense []int32) error {
	// The data needs at most the page's size less the lengths, and 32
	// bytes of slack for the short copies below.
	buf, err := sc.reserve(max(len(b)-4*len(dense), 0) + 32)
	if err != nil {
		return err
	}
	size := sc.size
	for i := range dense {
		if len(b) < 4 {
			return errors.New("data page ends early")
		}
		l := binary.LittleEndian.Uint32(b)
		if uint64(l) > uint64(len(b)-4) {
			return errors.New("data page value overruns the page")
		}
		if l <= 32 && len(b) >= 36 {
			// Short values (paths, ids) move as one 32-byte block, no
			// call; the bytes past the value are overwritten next.
			copy32(buf[size:size+32], b[4:36])
		} else {
			copy(buf[size:], b[4:4+l])
		}
		size += int(l)
		dense[i] = int32(size)
		b = b[4+l:]
	}
	sc.size = size
	return nil
}

// copy32 copies 32 bytes in four 8-byte moves; the compiler makes a
// memmove call of a [32]byte assignment.
func copy32(dst, src []byte) {
	dst, src = dst[:32:32], src[:32:32]
	a, b := binary.LittleEndian.Uint64(src), binary.LittleEndian.Uint64(src[8:])
	c, d := binary.LittleEndian.Uint64(src[16:]), binary.LittleEndian.Uint64(src[24:])
	binary.LittleEndian.PutUint64(dst, a)
	binary.LittleEndian.PutUint64(dst[8:], b)
	binary.LittleEndian.PutUint64(dst[16:], c)
	binary.LittleEndian.PutUint64(dst[24:], d)
}

// dictValues copies dictionary entries, by the page's indices.
func (sc *stringChunk) dictValues(b []byte, dense []int32) error {
	if !sc.hasDict {
		return errors.New("dictionary-encoded page without a dictionary")
	}
	sc.idx = grow(sc.idx, len(dense))
	if _, err := appendIndices(sc.idx, 0, b, len(dense), encRLEDict); err != nil {
		return err
	}
	total := 0
	limit := uint32(len(sc.dictOff) - 1)
	for _, k := range sc.idx {
		if uint32(k) >= limit {
			return fmt.Errorf("dictionary index %d out of range (dictionary of %d)", k, limit)
		}
		total += int(sc.dictOff[k+1] - sc.dictOff[k])
	}
	buf, err := sc.reserve(total)
	if err != nil {
		return err
	}
	size := sc.size
	for i, k := range sc.idx {
		size += copy(buf[size:], sc.dictData[sc.dictOff[k]:sc.dictOff[k+1]])
		dense[i] = int32(size)
	}
	sc.size = size
	return nil
}

// deltaLength decodes DELTA_LENGTH_BYTE_ARRAY: every length, delta
// encoded, then every value's bytes back to back.
func (sc *stringChunk) deltaLength(b []byte, dense []int32) error {
	data, err := splitDeltaLength(b, dense)
	if err != nil {
		return err
	}
	buf, err := sc.reserve(len(data))
	if err != nil {
		return err
	}
	copy(buf[sc.size:], data)
	for i, l := range dense {
		sc.size += int(l)
		dense[i] = int32(sc.size)
	}
	return nil
}

// splitDeltaLength decodes the lengths of a DELTA_LENGTH_BYTE_ARRAY
// section into lens and returns the bytes of the values.
func splitDeltaLength(b []byte, lens []int32) ([]byte, error) {
	rest, err := decodeDeltaInt32(b, lens)
	if err != nil {
		return nil, err
	}
	total := 0
	for _, l := range lens {
		if l < 0 || int(l) > len(rest)-total {
			return nil, errors.New("delta-length value overruns the page")
		}
		total += int(l)
	}
	return rest[:total], nil
}

// deltaBytes decodes DELTA_BYTE_ARRAY: each value is a prefix of the one
// before it (the prefix lengths delta encoded), then a suffix (the
// suffixes as in DELTA_LENGTH_BYTE_ARRAY). The first value of a page has
// no prefix.
func (sc *stringChunk) deltaBytes(b []byte, dense []int32) error {
	sc.idx = grow(sc.idx, len(dense))
	prefix := sc.idx
	rest, err := decodeDeltaInt32(b, prefix)
	if err != nil {
		return err
	}
	suffixes, err := splitDeltaLength(rest, dense)
	if err != nil {
		return err
	}
	total, prevLen := 0, 0
	for i, p := range prefix {
		if p < 0 || int(p) > prevLen {
			return fmt.Errorf("delta byte array prefix of %d bytes after a value of %d", p, prevLen)
		}
		prevLen = int(p) + int(dense[i])
		total += prevLen
	}
	buf, err := sc.reserve(total)
	if err != nil {
		return err
	}
	prev := sc.size
	for i, p := range prefix {
		start := sc.size
		sc.size += copy(buf[sc.size:], buf[prev:prev+int(p)]) // the value before lies wholly below
		sc.size += copy(buf[sc.size:], suffixes[:dense[i]])
		suffixes = suffixes[dense[i]:]
		dense[i] = int32(sc.size)
		prev = start
	}
	return nil
}

// spread moves the page's defined values, written densely from
// offsets[n+1], to their rows, and marks the null rows. It runs from the
// last row back, so nothing is overwritten before it is read.
func (sc *stringChunk) spread(defs []int32, defined int) {
	if sc.valid == nil {
		sc.valid = memory.NewResizableBuffer(sc.mem)
		sc.valid.Resize(int(bitutil.BytesForBits(int64(sc.n + len(defs)))))
		clear(sc.valid.Bytes())
		bitutil.SetBitsTo(sc.valid.Bytes(), 0, int64(sc.n), true)
	}
	bitmap := sc.valid.Bytes()
	off := sc.offsets[sc.n:]
	j := defined - 1
	for i := len(defs) - 1; i >= 0; i-- {
		if defs[i] != 0 {
			off[i+1] = off[j+1]
			j--
			bitutil.SetBit(bitmap, sc.n+i)
			continue
		}
		// A null row is empty: it ends where the value before it does.
		off[i+1] = off[j+1]
		sc.nulls++
	}
}
