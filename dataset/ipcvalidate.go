package dataset

import (
	"encoding/binary"
	"fmt"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// An Arrow IPC file carries its buffers as they were written: arrow-go
// builds arrays over them without checking offsets, lengths or null counts,
// so one corrupt byte turns into a slice-bounds panic wherever a value is
// read (printing, evaluation), or, worse, into a silently wrong answer.
// validateBatch checks what readers rely on, once per batch as it is read,
// in O(rows): buffer sizes, validity bitmaps against the null count,
// offsets (in range and non-decreasing), dictionary indices, union type
// codes, run ends, and the children of nested types. It is arrow-go's
// array.ValidateFull in spirit, without its false alarms on valid null and
// union columns (testdata/corpus/README.md, hazard 4).

// validateBatch checks every column of a batch read from an IPC file.
func validateBatch(b arrow.RecordBatch) error {
	for i, col := range b.Columns() {
		if err := validateData(col.Data(), col.DataType(), 0); err != nil {
			return fmt.Errorf("column %q: %w", b.Schema().Field(i).Name, err)
		}
	}
	return nil
}

// maxNesting bounds the recursion over nested types (checkIPC already
// refuses schemas nested deeper).
const maxNesting = maxDepth + 1

func validateData(d arrow.ArrayData, dt arrow.DataType, depth int) error {
	if depth > maxNesting {
		return fmt.Errorf("nested more than %d deep", maxNesting)
	}
	off, n := d.Offset(), d.Len()
	if off < 0 || n < 0 || off+n < off {
		return fmt.Errorf("offset %d and length %d are invalid", off, n)
	}
	end := off + n
	bufs := d.Buffers()
	if ext, ok := dt.(arrow.ExtensionType); ok {
		return validateData(d, ext.StorageType(), depth)
	}
	switch dt.ID() {
	case arrow.NULL:
		return nil // no buffers: every value is null
	case arrow.SPARSE_UNION, arrow.DENSE_UNION, arrow.RUN_END_ENCODED:
		// No validity bitmap of their own.
	default:
		if err := validateValidity(d, bufs, off, n); err != nil {
			return err
		}
	}
	switch dt := dt.(type) {
	case *arrow.DictionaryType:
		return validateDictionary(d, dt, off, n, depth)
	case *arrow.BooleanType:
		return needBuffer(bufs, 1, int64(bitutil.BytesForBits(int64(end))), n, "values")
	case arrow.FixedWidthDataType:
		return needBuffer(bufs, 1, int64(end)*int64(dt.BitWidth()/8), n, "values")
	case *arrow.StringType:
		return validateStrings(bufs, off, n, 4, true)
	case *arrow.BinaryType:
		return validateStrings(bufs, off, n, 4, false)
	case *arrow.LargeStringType:
		return validateStrings(bufs, off, n, 8, true)
	case *arrow.LargeBinaryType:
		return validateStrings(bufs, off, n, 8, false)
	case *arrow.StringViewType:
		return validateViews(bufs, off, n, true)
	case *arrow.BinaryViewType:
		return validateViews(bufs, off, n, false)
	case *arrow.ListType, *arrow.MapType:
		return validateList(d, dt.(arrow.ListLikeType), off, n, 4, depth)
	case *arrow.LargeListType:
		return validateList(d, dt, off, n, 8, depth)
	case *arrow.ListViewType:
		return validateListView(d, dt.Elem(), off, n, 4, depth)
	case *arrow.LargeListViewType:
		return validateListView(d, dt.Elem(), off, n, 8, depth)
	case *arrow.FixedSizeListType:
		child, err := onlyChild(d)
		if err != nil {
			return err
		}
		if dt.Len() < 0 || int64(child.Len()) < int64(end)*int64(dt.Len()) {
			return fmt.Errorf("list values: %d values for %d lists of %d", child.Len(), end, dt.Len())
		}
		return validateChild(child, dt.Elem(), depth, "list values")
	case *arrow.StructType:
		children := d.Children()
		if len(children) != dt.NumFields() {
			return fmt.Errorf("%d children for %d fields", len(children), dt.NumFields())
		}
		for i, c := range children {
			f := dt.Field(i)
			if c.Len() < end {
				return fmt.Errorf("field %q: %d values for %d rows", f.Name, c.Len(), end)
			}
			if err := validateChild(c, f.Type, depth, fmt.Sprintf("field %q", f.Name)); err != nil {
				return err
			}
		}
		return nil
	case arrow.UnionType:
		return validateUnion(d, dt, off, n, depth)
	case *arrow.RunEndEncodedType:
		return validateRunEnds(d, dt, off, n, depth)
	}
	return fmt.Errorf("type %s cannot be checked", dt)
}

// validateValidity checks the validity bitmap's size and that the null
// count agrees with it: readers skip the bitmap when the count is 0.
func validateValidity(d arrow.ArrayData, bufs []*memory.Buffer, off, n int) error {
	nulls := d.NullN()
	if nulls < -1 || nulls > n {
		return fmt.Errorf("null count %d for %d rows", nulls, n)
	}
	if len(bufs) == 0 || bufs[0] == nil || n == 0 {
		if nulls > 0 {
			return fmt.Errorf("null count %d but no validity bitmap", nulls)
		}
		return nil
	}
	if int64(bufs[0].Len()) < int64(bitutil.BytesForBits(int64(off+n))) {
		return fmt.Errorf("validity bitmap of %d bytes for %d rows", bufs[0].Len(), off+n)
	}
	actual := n - bitutil.CountSetBits(bufs[0].Bytes(), off, n)
	if nulls >= 0 && actual != nulls {
		return fmt.Errorf("null count %d, but the validity bitmap has %d nulls", nulls, actual)
	}
	return nil
}

// needBuffer checks that buffer i holds at least size bytes (a buffer may
// be absent when there are no rows).
func needBuffer(bufs []*memory.Buffer, i int, size int64, n int, what string) error {
	if size < 0 {
		return fmt.Errorf("%s buffer size overflows", what)
	}
	if i >= len(bufs) || bufs[i] == nil {
		if n > 0 && size > 0 {
			return fmt.Errorf("no %s buffer", what)
		}
		return nil
	}
	if int64(bufs[i].Len()) < size {
		return fmt.Errorf("%s buffer of %d bytes, need %d", what, bufs[i].Len(), size)
	}
	return nil
}

func dataLen(bufs []*memory.Buffer, i int) int64 {
	if i >= len(bufs) || bufs[i] == nil {
		return 0
	}
	return int64(bufs[i].Len())
}

// offsetAt reads offset i of a 4- or 8-byte offsets buffer.
func offsetAt(b []byte, i int, width int) int64 {
	if width == 4 {
		return int64(int32(binary.LittleEndian.Uint32(b[4*i:])))
	}
	return int64(binary.LittleEndian.Uint64(b[8*i:]))
}

// validateOffsets checks the offsets buffer i of n rows from off: n+1
// offsets, non-decreasing, within [0, limit].
func validateOffsets(bufs []*memory.Buffer, i, off, n, width int, limit int64, what string) error {
	if n == 0 {
		return nil
	}
	if err := needBuffer(bufs, i, int64(off+n+1)*int64(width), n, what+" offsets"); err != nil {
		return err
	}
	var bad int // the first offset out of order, or -1
	if width == 4 {
		bad = firstBadOffset(arrow.Int32Traits.CastFromBytes(bufs[i].Bytes())[off:off+n+1], limit)
	} else {
		bad = firstBadOffset(arrow.Int64Traits.CastFromBytes(bufs[i].Bytes())[off:off+n+1], limit)
	}
	b := bufs[i].Bytes()
	switch bad {
	case -1:
		return nil
	case 0:
		return fmt.Errorf("%s offset %d at row 0 is outside [0, %d]", what, offsetAt(b, off, width), limit)
	}
	return fmt.Errorf("%s offset %d at row %d is outside [%d, %d]", what, offsetAt(b, off+bad, width), bad, offsetAt(b, off+bad-1, width), limit)
}

// firstBadOffset returns the index of the first offset below the one
// before it, or outside [0, limit]; -1 if there is none.
func firstBadOffset[T int32 | int64](offsets []T, limit int64) int {
	prev := int64(offsets[0])
	if prev < 0 || prev > limit {
		return 0
	}
	for r, o := range offsets[1:] {
		if int64(o) < prev || int64(o) > limit {
			return r + 1
		}
		prev = int64(o)
	}
	return -1
}

// validateStrings checks the offsets of a string or binary column and,
// for strings, that each value is UTF-8 (as the format requires). The
// values are checked as one run of bytes, then at their boundaries: a
// valid run cut between characters gives valid values.
func validateStrings(bufs []*memory.Buffer, off, n, width int, text bool) error {
	if err := validateOffsets(bufs, 1, off, n, width, dataLen(bufs, 2), "value"); err != nil {
		return err
	}
	if !text || n == 0 || dataLen(bufs, 2) == 0 {
		return nil
	}
	offsets, data := bufs[1].Bytes(), bufs[2].Bytes()
	first, last := offsetAt(offsets, off, width), offsetAt(offsets, off+n, width)
	if utf8.Valid(data[first:last]) {
		var cut bool
		if width == 4 {
			cut = cutsRune(arrow.Int32Traits.CastFromBytes(offsets)[off:off+n+1], data)
		} else {
			cut = cutsRune(arrow.Int64Traits.CastFromBytes(offsets)[off:off+n+1], data)
		}
		if !cut {
			return nil
		}
	}
	for r := 0; r < n; r++ { // name the row
		if !utf8.Valid(data[offsetAt(offsets, off+r, width):offsetAt(offsets, off+r+1, width)]) {
			return fmt.Errorf("string at row %d is not valid UTF-8", r)
		}
	}
	return nil
}

// cutsRune reports whether an offset inside the values falls within a
// multi-byte character.
func cutsRune[T int32 | int64](offsets []T, data []byte) bool {
	last := offsets[len(offsets)-1]
	for _, o := range offsets[1 : len(offsets)-1] {
		if o < last && !utf8.RuneStart(data[o]) {
			return true
		}
	}
	return false
}

// validateViews checks string and binary views: 16 bytes each; a value
// longer than 12 bytes points into one of the variadic data buffers.
func validateViews(bufs []*memory.Buffer, off, n int, text bool) error {
	if err := needBuffer(bufs, 1, int64(off+n)*16, n, "views"); err != nil {
		return err
	}
	if n == 0 {
		return nil
	}
	views := bufs[1].Bytes()
	data := bufs[2:]
	for r := 0; r < n; r++ {
		v := views[16*(off+r):]
		size := int64(int32(binary.LittleEndian.Uint32(v)))
		if size < 0 {
			return fmt.Errorf("view at row %d has length %d", r, size)
		}
		value := v[4 : 4+min(size, 12)] // inline
		if size > 12 {
			buf := int(int32(binary.LittleEndian.Uint32(v[8:])))
			start := int64(int32(binary.LittleEndian.Uint32(v[12:])))
			if buf < 0 || buf >= len(data) || data[buf] == nil || start < 0 || start+size > int64(data[buf].Len()) {
				return fmt.Errorf("view at row %d points outside its data buffers", r)
			}
			value = data[buf].Bytes()[start : start+size]
		}
		if text && !utf8.Valid(value) {
			return fmt.Errorf("string at row %d is not valid UTF-8", r)
		}
	}
	return nil
}

func onlyChild(d arrow.ArrayData) (arrow.ArrayData, error) {
	if len(d.Children()) != 1 || d.Children()[0] == nil {
		return nil, fmt.Errorf("%d children, want 1", len(d.Children()))
	}
	return d.Children()[0], nil
}

func validateChild(c arrow.ArrayData, dt arrow.DataType, depth int, what string) error {
	if !arrow.TypeEqual(c.DataType(), dt) {
		return fmt.Errorf("%s: type %s, want %s", what, c.DataType(), dt)
	}
	if err := validateData(c, dt, depth+1); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

func validateList(d arrow.ArrayData, dt arrow.ListLikeType, off, n, width, depth int) error {
	child, err := onlyChild(d)
	if err != nil {
		return err
	}
	if err := validateOffsets(d.Buffers(), 1, off, n, width, int64(child.Len()), "list"); err != nil {
		return err
	}
	if dt.ID() == arrow.MAP {
		// arrow-go reads a map's entries as a struct of key and value.
		return validateData(child, child.DataType(), depth+1)
	}
	return validateChild(child, dt.Elem(), depth, "list values")
}

func validateListView(d arrow.ArrayData, elem arrow.DataType, off, n, width, depth int) error {
	child, err := onlyChild(d)
	if err != nil {
		return err
	}
	bufs := d.Buffers()
	for i := 1; i <= 2; i++ {
		if err := needBuffer(bufs, i, int64(off+n)*int64(width), n, "list view"); err != nil {
			return err
		}
	}
	for r := 0; r < n; r++ {
		if !isValid(bufs, off+r) {
			continue
		}
		start, size := offsetAt(bufs[1].Bytes(), off+r, width), offsetAt(bufs[2].Bytes(), off+r, width)
		if start < 0 || size < 0 || start+size < start || start+size > int64(child.Len()) {
			return fmt.Errorf("list view at row %d (offset %d, size %d) is outside its %d values", r, start, size, child.Len())
		}
	}
	return validateChild(child, elem, depth, "list values")
}

// isValid reads the validity bitmap (already checked to be long enough);
// no bitmap means every row is valid.
func isValid(bufs []*memory.Buffer, i int) bool {
	return len(bufs) == 0 || bufs[0] == nil || bitutil.BitIsSet(bufs[0].Bytes(), i)
}

func validateUnion(d arrow.ArrayData, dt arrow.UnionType, off, n, depth int) error {
	bufs := d.Buffers()
	children := d.Children()
	if len(children) != dt.NumFields() {
		return fmt.Errorf("%d children for %d union fields", len(children), dt.NumFields())
	}
	if err := needBuffer(bufs, 1, int64(off+n), n, "union type ids"); err != nil {
		return err
	}
	dense := dt.Mode() == arrow.DenseMode
	if dense {
		if err := needBuffer(bufs, 2, int64(off+n)*4, n, "union offsets"); err != nil {
			return err
		}
	}
	ids := dt.ChildIDs()
	for r := 0; r < n; r++ {
		code := int8(bufs[1].Bytes()[off+r])
		if code < 0 || int(code) >= len(ids) || ids[code] == arrow.InvalidUnionChildID {
			return fmt.Errorf("union value at row %d has unknown type id %d", r, code)
		}
		child := children[ids[code]]
		if dense {
			o := offsetAt(bufs[2].Bytes(), off+r, 4)
			if o < 0 || o >= int64(child.Len()) {
				return fmt.Errorf("union value at row %d has offset %d outside its %d values", r, o, child.Len())
			}
		} else if child.Len() < off+n {
			return fmt.Errorf("union field has %d values for %d rows", child.Len(), off+n)
		}
	}
	for i, c := range children {
		if err := validateChild(c, dt.Fields()[i].Type, depth, fmt.Sprintf("union field %q", dt.Fields()[i].Name)); err != nil {
			return err
		}
	}
	return nil
}

func validateRunEnds(d arrow.ArrayData, dt *arrow.RunEndEncodedType, off, n, depth int) error {
	children := d.Children()
	if len(children) != 2 {
		return fmt.Errorf("%d children, want run ends and values", len(children))
	}
	runEnds, values := children[0], children[1]
	if err := validateChild(runEnds, dt.RunEnds(), depth, "run ends"); err != nil {
		return err
	}
	if err := validateChild(values, dt.Encoded(), depth, "values"); err != nil {
		return err
	}
	if runEnds.NullN() != 0 {
		return fmt.Errorf("run ends hold nulls")
	}
	if values.Len() < runEnds.Len() {
		return fmt.Errorf("%d values for %d runs", values.Len(), runEnds.Len())
	}
	if n == 0 {
		return nil
	}
	width := int(dt.RunEnds().(arrow.FixedWidthDataType).BitWidth() / 8)
	var prev int64
	for i := 0; i < runEnds.Len(); i++ { // runEnds.Len() > 0: its buffer was checked
		var e int64
		at := runEnds.Buffers()[1].Bytes()[(runEnds.Offset()+i)*width:]
		switch width {
		case 2:
			e = int64(int16(binary.LittleEndian.Uint16(at)))
		case 4:
			e = int64(int32(binary.LittleEndian.Uint32(at)))
		default:
			e = int64(binary.LittleEndian.Uint64(at))
		}
		if e <= prev {
			return fmt.Errorf("run end %d at run %d does not increase", e, i)
		}
		prev = e
	}
	if prev < int64(off+n) {
		return fmt.Errorf("runs end at %d, before row %d", prev, off+n)
	}
	return nil
}

func validateDictionary(d arrow.ArrayData, dt *arrow.DictionaryType, off, n, depth int) error {
	dict := d.Dictionary()
	if dd, ok := dict.(*array.Data); dict == nil || ok && dd == nil {
		if n > 0 {
			return fmt.Errorf("no dictionary")
		}
		return nil
	}
	if err := validateChild(dict, dt.ValueType, depth, "dictionary"); err != nil {
		return err
	}
	width := dt.IndexType.(arrow.FixedWidthDataType).BitWidth() / 8
	bufs := d.Buffers()
	if err := needBuffer(bufs, 1, int64(off+n)*int64(width), n, "dictionary indices"); err != nil {
		return err
	}
	if n == 0 {
		return nil
	}
	idx := bufs[1].Bytes()
	size := uint64(dict.Len())
	for r := 0; r < n; r++ {
		if !isValid(bufs, off+r) {
			continue
		}
		at := idx[(off+r)*width:]
		var i uint64
		switch width {
		case 1:
			i = uint64(at[0])
		case 2:
			i = uint64(binary.LittleEndian.Uint16(at))
		case 4:
			i = uint64(binary.LittleEndian.Uint32(at))
		default:
			i = binary.LittleEndian.Uint64(at)
		}
		if signed(dt.IndexType) {
			i = uint64(signExtend(i, width))
		}
		if i >= size {
			return fmt.Errorf("dictionary index %d at row %d is outside the %d values", int64(i), r, size)
		}
	}
	return nil
}

func signed(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64:
		return true
	}
	return false
}

// signExtend reads the low width bytes of v as a signed integer.
func signExtend(v uint64, width int) int64 {
	shift := uint(64 - 8*width)
	return int64(v<<shift) >> shift
}
