package dataset

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/apache/arrow-go/v18/parquet/schema"
)

// A fast path for list<float32> and list<float64> columns: the predicted
// probabilities of a classifier, one list per row. pqarrow rebuilds such a
// list from its levels through a general record reader that costs several
// times the decompression; here the levels are read in one pass into Arrow
// offsets, and the values are copied page by page into one flat buffer.
//
// The Parquet shape it reads is the standard three-level list at the top
// of the schema, with the list and the element each optional or required:
//
//	<optional|required> group probs (LIST) {
//	  repeated group list {
//	    <optional|required> float element;
//	  }
//	}
//
// A slot's definition level says how far down it is defined: below
// emptyDef the list is null, at emptyDef it is empty, above it the slot is
// an element, null unless it is at the maximum. A repetition level of 0
// starts a row; 1 continues the row's list. Values pages may be PLAIN or
// dictionary encoded. Any other shape or encoding gives errSlowPath.

// listShape is what the reader needs to know of a list column.
type listShape struct {
	leaf     int
	elem     arrow.DataType
	width    int   // bytes per value
	emptyDef int32 // definition level of an empty list
	maxDef   int16
}

// floatListShape reports whether a top-level field is a float list the
// fast path reads.
func floatListShape(pf *file.Reader, f pqarrow.SchemaField) (listShape, bool) {
	lt, ok := f.Field.Type.(*arrow.ListType)
	if !ok || len(f.Children) != 1 || !f.Children[0].IsLeaf() {
		return listShape{}, false
	}
	sh := listShape{leaf: f.Children[0].ColIndex, elem: lt.Elem()}
	var phys parquet.Type
	switch sh.elem.ID() {
	case arrow.FLOAT32:
		phys, sh.width = parquet.Types.Float, 4
	case arrow.FLOAT64:
		phys, sh.width = parquet.Types.Double, 8
	default:
		return listShape{}, false
	}
	descr := pf.MetaData().Schema.Column(sh.leaf)
	if descr.PhysicalType() != phys || descr.MaxRepetitionLevel() != 1 || descr.ConvertedType() != schema.ConvertedTypes.None {
		return listShape{}, false
	}
	if lt := descr.LogicalType(); lt != nil && !lt.Equals(schema.NoLogicalType{}) {
		return listShape{}, false
	}
	leaf := descr.SchemaNode()
	rep := leaf.Parent()
	if rep == nil || rep.Parent() == nil || rep.Parent().Parent() == nil || rep.Parent().Parent().Parent() != nil {
		return listShape{}, false // not leaf, repeated group, list group, root
	}
	list := rep.Parent()
	if g, ok := rep.(*schema.GroupNode); !ok || g.NumFields() != 1 || rep.RepetitionType() != parquet.Repetitions.Repeated ||
		list.RepetitionType() == parquet.Repetitions.Repeated || leaf.RepetitionType() == parquet.Repetitions.Repeated {
		return listShape{}, false
	}
	if list.RepetitionType() == parquet.Repetitions.Optional {
		sh.emptyDef = 1
	}
	sh.maxDef = int16(sh.emptyDef) + 1
	if leaf.RepetitionType() == parquet.Repetitions.Optional {
		sh.maxDef++
	}
	if descr.MaxDefinitionLevel() != sh.maxDef {
		return listShape{}, false
	}
	return sh, true
}

// floatList accumulates a run of a chunk's pages as Arrow buffers.
type floatList struct {
	sh       listShape
	left     int // rows of the chunk not yet handed out
	row      int // rows started in the buffers
	offBuf   *memory.Buffer
	offsets  []int32
	valBuf   *memory.Buffer
	elems    int // slots filled in valBuf
	listNul  lazyBitmap
	elemNul  lazyBitmap
	mem      memory.Allocator
	dict     []byte // a dictionary page's values, copied
	hasDict  bool
	idx      []int32 // a page's dictionary indices
	gathered []byte  // a page's values looked up in the dictionary
}

// floatListCursor reads a list<float32|float64> column chunk a run of
// pages at a time. A list may continue from one page to the next (in
// version 1 pages), so a run ends only before a page that starts a row:
// the cursor reads that page and keeps it for the next run.
type floatListCursor struct {
	pr      file.PageReader
	lr      levelReader
	typ     arrow.DataType
	fl      floatList
	pending *pageParts  // a page read but not yet decoded
	carried *carriedRow // a row begun in the last run, not yet handed out
}

// newFloatListCursor opens a top-level list<float32|float64> column
// chunk of row group rg, or fails with errSlowPath.
func newFloatListCursor(pf *file.Reader, rg int, f pqarrow.SchemaField, mem memory.Allocator) (*floatListCursor, error) {
	sh, ok := floatListShape(pf, f)
	if !ok {
		return nil, errSlowPath
	}
	rgr := pf.RowGroup(rg)
	rows := rgr.NumRows()
	if rows >= 1<<31-1 {
		return nil, errSlowPath
	}
	pr, err := rgr.GetColumnPageReader(sh.leaf)
	if err != nil {
		return nil, err
	}
	return &floatListCursor{pr: pr, lr: levelReader{maxRep: 1, maxDef: sh.maxDef}, typ: f.Field.Type,
		fl: floatList{sh: sh, left: int(rows), mem: mem}}, nil
}

func (c *floatListCursor) close() { c.pr.Close() }

func (c *floatListCursor) next(want int) (arrow.Array, error) {
	fl := &c.fl
	carried := 0
	if c.carried != nil {
		carried = len(c.carried.vals)
	}
	fl.start(carried)
	defer fl.release()
	if c.carried != nil {
		fl.resume(*c.carried)
		c.carried = nil
	}
	carry := false
	for {
		var p pageParts
		if c.pending != nil {
			p, c.pending = *c.pending, nil
		} else {
			if !c.pr.Next() {
				break
			}
			if d, ok := c.pr.Page().(*file.DictionaryPage); ok {
				if err := fl.setDict(d); err != nil {
					return nil, err
				}
				continue
			}
			var err error
			if p, err = c.lr.split(c.pr.Page()); err != nil {
				return nil, err
			}
		}
		if fl.row > 0 && (fl.row >= want || (fl.elems+p.count)*fl.sh.width > runBytes) {
			// The run is long enough: end it before this page. When the
			// page continues a row, that row goes on to the next run.
			starts, err := startsRow(p)
			if err != nil {
				return nil, err
			}
			if starts || fl.row >= 2 {
				c.pending, carry = &p, !starts
				break
			}
		}
		if err := fl.page(&c.lr, p); err != nil {
			return nil, err
		}
	}
	if err := c.pr.Err(); err != nil {
		return nil, err
	}
	if fl.row == 0 {
		return nil, endOfChunk(fl.left)
	}
	rows := fl.row
	if carry {
		cr := fl.carry()
		c.carried = &cr
		rows--
	}
	fl.left -= rows
	return fl.array(c.typ, rows), nil
}

// startsRow reports whether a list page's first slot starts a row (its
// repetition level is 0), as every page of an empty page does.
func startsRow(p pageParts) (bool, error) {
	if p.count == 0 {
		return true, nil
	}
	var first [1]int32
	if _, err := decodeHybrid(first[:], p.repData, 1); err != nil {
		return false, fmt.Errorf("repetition levels: %w", err)
	}
	return first[0] == 0, nil
}

func (fl *floatList) setDict(d *file.DictionaryPage) error {
	if fl.hasDict {
		return errSlowPath
	}
	n := int(d.NumValues())
	if n < 0 || len(d.Data()) < n*fl.sh.width {
		return errors.New("dictionary page ends early")
	}
	fl.dict, fl.hasDict = append([]byte(nil), d.Data()[:n*fl.sh.width]...), true
	return nil
}

// start gives the list new buffers, with room for a carried row of
// carried bytes; pages size them as they come (growCap).
func (fl *floatList) start(carried int) {
	fl.row, fl.elems = 0, 0
	fl.offBuf = memory.NewResizableBuffer(valueAllocator(fl.mem))
	fl.offBuf.Resize(8)
	fl.offsets = arrow.Int32Traits.CastFromBytes(fl.offBuf.Bytes())
	fl.valBuf = memory.NewResizableBuffer(valueAllocator(fl.mem))
	fl.valBuf.Reserve(max(carried, 64))
	fl.listNul = lazyBitmap{mem: fl.mem}
	fl.elemNul = lazyBitmap{mem: fl.mem}
}

func (fl *floatList) release() {
	fl.offBuf.Release()
	fl.valBuf.Release()
	fl.listNul.release()
	fl.elemNul.release()
}

// page appends one data page's slots.
func (fl *floatList) page(lr *levelReader, p pageParts) error {
	src, err := fl.pageValues(p)
	if err != nil {
		return err
	}
	if p.count > 1<<31-1-fl.elems {
		return errSlowPath
	}
	vals := fl.growValues(p.count)
	if p.defs == nil {
		return fl.dense(p.repData, p.count, src, vals)
	}
	reps, err := lr.repLevels(p)
	if err != nil {
		return err
	}
	return fl.levels(reps, p.defs, src, vals)
}

// pageValues returns the page's defined values as PLAIN bytes: the page's
// own, or gathered from the dictionary.
func (fl *floatList) pageValues(p pageParts) ([]byte, error) {
	w := fl.sh.width
	switch p.encoding {
	case encPlain:
		if len(p.values) < p.defined*w {
			return nil, errors.New("data page holds fewer bytes than values")
		}
		return p.values[:p.defined*w], nil
	case encRLEDict, encPlainDict:
		if !fl.hasDict {
			return nil, errors.New("dictionary-encoded page without a dictionary")
		}
		fl.idx = grow(fl.idx, p.defined)
		if _, err := appendIndices(fl.idx, 0, p.values, p.defined, encRLEDict); err != nil {
			return nil, err
		}
		if cap(fl.gathered) < p.defined*w {
			fl.gathered = make([]byte, p.defined*w)
		}
		out := fl.gathered[:p.defined*w]
		limit := uint32(len(fl.dict) / w)
		for i, k := range fl.idx {
			if uint32(k) >= limit {
				return nil, fmt.Errorf("dictionary index %d out of range (dictionary of %d)", k, limit)
			}
			copy(out[i*w:(i+1)*w], fl.dict[int(k)*w:])
		}
		return out, nil
	}
	return nil, errSlowPath
}

// newRow makes room in the offsets for one more row (and the end offset
// after it), or fails when the row group has no more rows. The offsets
// grow as rows come: a page's slot count would overstate them many times.
func (fl *floatList) newRow() error {
	if fl.row == fl.left {
		return errors.New("data pages hold more rows than the row group")
	}
	if need := (fl.row + 2) * 4; need > fl.offBuf.Len() {
		growBuffer(fl.offBuf, need)
		fl.offsets = arrow.Int32Traits.CastFromBytes(fl.offBuf.Bytes())
	}
	return nil
}

// growValues makes room for n more value slots and returns the buffer.
func (fl *floatList) growValues(n int) []byte {
	need := (fl.elems + n) * fl.sh.width
	if need > fl.valBuf.Cap() {
		fl.valBuf.Reserve(growCap(fl.valBuf.Cap(), need))
	}
	return fl.valBuf.Buf()[:fl.valBuf.Cap()]
}

// dense reads a page whose every slot is a present element, the common
// case of probabilities: the values are the page's, and a row starts at
// each repetition level of 0, found in the encoded levels a word at a
// time without decoding them one by one.
func (fl *floatList) dense(repData []byte, count int, src, vals []byte) error {
	first := fl.row
	base := int32(fl.elems)
	start := func(at int) error {
		if err := fl.newRow(); err != nil {
			return err
		}
		fl.offsets[fl.row] = base + int32(at)
		fl.row++
		return nil
	}
	b, k := repData, 0
	for k < count {
		header, n := binary.Uvarint(b)
		if n <= 0 {
			return errors.New("repetition levels: bad run header")
		}
		b = b[n:]
		if header&1 == 0 { // an RLE run of one level
			c := int(min(header>>1, uint64(count-k)))
			if len(b) < 1 || b[0] > 1 {
				return errors.New("repetition levels: bad RLE run")
			}
			if b[0] == 0 {
				for j := 0; j < c; j++ {
					if err := start(k + j); err != nil {
						return err
					}
				}
			}
			b, k = b[1:], k+c
			continue
		}
		groups := header >> 1 // of eight 1-bit levels, one byte each
		if groups > uint64(len(b)) {
			return errors.New("repetition levels: bit-packed run overruns the page")
		}
		c := min(int(groups)*8, count-k)
		for i := 0; i < c; i += 64 {
			var word uint64
			for j, x := range b[i/8 : min(i/8+8, int(groups))] {
				word |= uint64(x) << (8 * j)
			}
			zeros := ^word
			if left := c - i; left < 64 {
				zeros &= 1<<left - 1
			}
			for zeros != 0 {
				if err := start(k + i + bits.TrailingZeros64(zeros)); err != nil {
					return err
				}
				zeros &= zeros - 1
			}
		}
		b, k = b[groups:], k+c
	}
	if count > 0 && first == 0 && (fl.row == 0 || fl.offsets[0] != 0) {
		return errors.New("list continues before its first row")
	}
	fl.listNul.setValid(first, fl.row-first)
	fl.elemNul.setValid(fl.elems, count)
	copy(vals[fl.elems*fl.sh.width:], src)
	fl.elems += count
	return nil
}

// levels reads a page with null lists, empty lists or null elements.
func (fl *floatList) levels(reps, defs []int32, src, vals []byte) error {
	w, emptyDef, maxDef := fl.sh.width, fl.sh.emptyDef, int32(fl.sh.maxDef)
	v := 0
	for k, r := range reps {
		d := defs[k]
		if r == 0 {
			if err := fl.newRow(); err != nil {
				return err
			}
			fl.offsets[fl.row] = int32(fl.elems)
			if d < emptyDef {
				fl.listNul.setNull(fl.row, len(fl.offsets))
			} else {
				fl.listNul.setValid(fl.row, 1)
			}
			fl.row++
		} else if fl.row == 0 || d <= emptyDef {
			return errors.New("list continues with no element")
		}
		if d <= emptyDef {
			continue // a null or empty list has no slot
		}
		at := fl.elems * w
		if d == maxDef {
			if w == 4 {
				binary.LittleEndian.PutUint32(vals[at:], binary.LittleEndian.Uint32(src[v*4:]))
			} else {
				binary.LittleEndian.PutUint64(vals[at:], binary.LittleEndian.Uint64(src[v*8:]))
			}
			v++
			fl.elemNul.setValid(fl.elems, 1)
		} else {
			clear(vals[at : at+w])
			fl.elemNul.setNull(fl.elems, len(vals)/w)
		}
		fl.elems++
	}
	return nil
}

// array hands the buffers of the first rows rows to a new list array;
// the slots after them (a carried row's) are not in it.
func (fl *floatList) array(typ arrow.DataType, rows int) arrow.Array {
	if rows == fl.row {
		fl.offsets[fl.row] = int32(fl.elems)
	}
	elems := int(fl.offsets[rows])
	elemNulls := fl.elemNul.nulls
	if fl.elemNul.buf != nil {
		for i := elems; i < fl.elems; i++ {
			if !bitutil.BitIsSet(fl.elemNul.buf.Bytes(), i) {
				elemNulls--
			}
		}
	}
	listNulls := fl.listNul.nulls
	if fl.listNul.buf != nil && rows < fl.row && !bitutil.BitIsSet(fl.listNul.buf.Bytes(), rows) {
		listNulls-- // the carried row
	}
	fl.offBuf.ResizeNoShrink((rows + 1) * 4)
	fl.valBuf.ResizeNoShrink(elems * fl.sh.width)
	elemValid := fl.elemNul.buffer(elems)
	if elemNulls == 0 {
		elemValid = nil
	}
	child := array.NewData(fl.sh.elem, elems, []*memory.Buffer{elemValid, fl.valBuf}, nil, elemNulls, 0)
	defer child.Release()
	listValid := fl.listNul.buffer(rows)
	if listNulls == 0 {
		listValid = nil
	}
	data := array.NewData(typ, rows, []*memory.Buffer{listValid, fl.offBuf}, []arrow.ArrayData{child}, listNulls, 0)
	defer data.Release()
	return array.MakeFromData(data)
}

// carry copies the last started row's slots out of the buffers, before
// they go to an array without it.
func (fl *floatList) carry() carriedRow {
	w := fl.sh.width
	from := int(fl.offsets[fl.row-1])
	cr := carriedRow{vals: append([]byte(nil), fl.valBuf.Buf()[from*w:fl.elems*w]...)}
	cr.null = fl.listNul.buf != nil && !bitutil.BitIsSet(fl.listNul.buf.Bytes(), fl.row-1)
	if fl.elemNul.buf != nil {
		for i := from; i < fl.elems; i++ {
			if !bitutil.BitIsSet(fl.elemNul.buf.Bytes(), i) {
				cr.nulls = append(cr.nulls, i-from)
			}
		}
	}
	return cr
}

// carriedRow is a row that continues on the next page: its slots so far.
type carriedRow struct {
	vals  []byte
	nulls []int // slots that are null
	null  bool  // the list itself is null
}

// resume starts the buffers with a carried row.
func (fl *floatList) resume(cr carriedRow) {
	n := len(cr.vals) / fl.sh.width
	vals := fl.growValues(n)
	copy(vals, cr.vals)
	fl.offsets[0] = 0
	fl.row, fl.elems = 1, n
	if cr.null {
		fl.listNul.setNull(0, 1)
	}
	for i, k := 0, 0; i < n; i++ {
		if k < len(cr.nulls) && cr.nulls[k] == i {
			fl.elemNul.setNull(i, n)
			k++
		} else {
			fl.elemNul.setValid(i, 1)
		}
	}
}

// lazyBitmap is a validity bitmap made at the first null: until then
// every bit is valid and nothing is stored.
type lazyBitmap struct {
	mem   memory.Allocator
	buf   *memory.Buffer
	nulls int
}

// setNull marks bit i null; capacity is how many bits to allocate for
// when the bitmap is made or grown.
func (b *lazyBitmap) setNull(i, capacity int) {
	if b.buf == nil {
		b.buf = memory.NewResizableBuffer(b.mem)
		b.buf.Resize(int(bitutil.BytesForBits(int64(max(capacity, i+1)))))
		clear(b.buf.Bytes())
		bitutil.SetBitsTo(b.buf.Bytes(), 0, int64(i), true)
	}
	b.ensure(i + 1)
	bitutil.ClearBit(b.buf.Bytes(), i)
	b.nulls++
}

// setValid marks bits [lo, lo+n) valid, when there is a bitmap.
func (b *lazyBitmap) setValid(lo, n int) {
	if b.buf == nil || n == 0 {
		return
	}
	b.ensure(lo + n)
	if n == 1 {
		bitutil.SetBit(b.buf.Bytes(), lo)
		return
	}
	bitutil.SetBitsTo(b.buf.Bytes(), int64(lo), int64(n), true)
}

func (b *lazyBitmap) ensure(bits int) {
	if need := int(bitutil.BytesForBits(int64(bits))); need > b.buf.Len() {
		old := b.buf.Len()
		b.buf.Resize(max(need, 2*old))
		clear(b.buf.Bytes()[old:])
	}
}

// buffer is the bitmap for an array of n, or nil when nothing is null.
func (b *lazyBitmap) buffer(n int) *memory.Buffer {
	if b.nulls == 0 {
		return nil
	}
	b.ensure(n)
	return b.buf
}

func (b *lazyBitmap) release() {
	if b.buf != nil {
		b.buf.Release()
	}
}
