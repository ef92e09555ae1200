package curate

import (
	"fmt"
	"math"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"triage/dataset"
	"triage/dataset/knn"
)

// KeysOf returns the keys of the given rows (global indices) of t's key
// column, which holds integers or strings.
func KeysOf(t *dataset.Table, keyColumn string, rows []int64) ([]Key, error) {
	ch := t.ColumnByName(keyColumn)
	if ch == nil {
		return nil, fmt.Errorf("no key column %q", keyColumn)
	}
	defer ch.Release()
	loc := dataset.NewRowLocator(t)
	keys := make([]Key, len(rows))
	for i, r := range rows {
		if r < 0 || r >= t.NumRows() {
			return nil, fmt.Errorf("row %d out of range", r)
		}
		b, j := loc.Locate(r)
		k, err := keyAt(ch.Chunk(b), j)
		if err != nil {
			return nil, fmt.Errorf("column %q row %d: %w", keyColumn, r, err)
		}
		keys[i] = k
	}
	return keys, nil
}

// KeysOfArray returns every key of a key column's array.
func KeysOfArray(a arrow.Array) ([]Key, error) {
	keys := make([]Key, a.Len())
	for i := range keys {
		k, err := keyAt(a, i)
		if err != nil {
			return nil, fmt.Errorf("row %d: %w", i, err)
		}
		keys[i] = k
	}
	return keys, nil
}

func keyAt(a arrow.Array, i int) (Key, error) {
	if a.IsNull(i) {
		return Key{}, fmt.Errorf("null key")
	}
	switch a := a.(type) {
	case *array.String:
		return StrKey(a.Value(i)), nil
	case *array.LargeString:
		return StrKey(a.Value(i)), nil
	case *array.StringView:
		return StrKey(a.Value(i)), nil
	}
	if v, ok := intAt(a, i); ok {
		return IntKey(v), nil
	}
	return Key{}, fmt.Errorf("key type %v: want an integer or a string", a.DataType())
}

// intAt reads an integer column's value (unsigned ones up to MaxInt64).
func intAt(a arrow.Array, i int) (int64, bool) {
	switch a := a.(type) {
	case *array.Int64:
		return a.Value(i), true
	case *array.Int32:
		return int64(a.Value(i)), true
	case *array.Int16:
		return int64(a.Value(i)), true
	case *array.Int8:
		return int64(a.Value(i)), true
	case *array.Uint64:
		return int64(min(a.Value(i), math.MaxInt64)), true
	case *array.Uint32:
		return int64(a.Value(i)), true
	case *array.Uint16:
		return int64(a.Value(i)), true
	case *array.Uint8:
		return int64(a.Value(i)), true
	}
	return 0, false
}

// keyIndex maps each key of t's key column to its global row; duplicate
// and null keys are errors.
func keyIndex(t *dataset.Table, keyColumn string) (map[Key]int64, error) {
	ch := t.ColumnByName(keyColumn)
	if ch == nil {
		return nil, fmt.Errorf("no key column %q", keyColumn)
	}
	defer ch.Release()
	idx := make(map[Key]int64, t.NumRows())
	var row int64
	for _, c := range ch.Chunks() {
		for i := range c.Len() {
			k, err := keyAt(c, i)
			if err != nil {
				return nil, fmt.Errorf("column %q row %d: %w", keyColumn, row, err)
			}
			if _, dup := idx[k]; dup {
				return nil, fmt.Errorf("column %q: duplicate key %s", keyColumn, k)
			}
			idx[k] = row
			row++
		}
	}
	return idx, nil
}

// className is the class a label value names: a string itself, an integer
// the class at that index (or its decimal form when there is no list).
// ok is false for a null.
func className(a arrow.Array, i int, classes []string) (string, bool) {
	if a.IsNull(i) {
		return "", false
	}
	switch a := a.(type) {
	case *array.String:
		return a.Value(i), true
	case *array.LargeString:
		return a.Value(i), true
	case *array.StringView:
		return a.Value(i), true
	}
	if v, ok := intAt(a, i); ok {
		if v >= 0 && v < int64(len(classes)) {
			return classes[v], true
		}
		return strconv.FormatInt(v, 10), true
	}
	return a.ValueStr(i), true
}

// Embeddings reads an embedding column (list, large list or fixed-size
// list of float32 or float64) as one flat float32 matrix. A single chunk of
// float32 whose rows are contiguous is used in place, without a copy; else
// the values are copied chunk by chunk into one buffer. valid[r] is false
// for a null row, a row with a null element, or a row of another length
// than the first non-null row's; such rows are zero vectors in the matrix.
// The matrix aliases t's memory: keep t until done with it.
func Embeddings(t *dataset.Table, column string) (m knn.Matrix, valid []bool, err error) {
	ch := t.ColumnByName(column)
	if ch == nil {
		return knn.Matrix{}, nil, fmt.Errorf("no embedding column %q", column)
	}
	defer ch.Release()
	chunks := make([]listChunk, len(ch.Chunks()))
	dim := -1
	for i, c := range ch.Chunks() {
		lc, err := newListChunk(c)
		if err != nil {
			return knn.Matrix{}, nil, fmt.Errorf("column %q: %w", column, err)
		}
		chunks[i] = lc
		if dim < 0 {
			dim = lc.firstLen()
		}
	}
	if dim <= 0 {
		return knn.Matrix{}, nil, fmt.Errorf("column %q has no non-empty embedding", column)
	}
	n := int(t.NumRows())
	valid = make([]bool, n)
	// Fast path: one float32 chunk, every row present and contiguous.
	if len(chunks) == 1 && chunks[0].f32 != nil && chunks[0].regular(dim) {
		lc := chunks[0]
		for i := range valid {
			valid[i] = true
		}
		start := lc.start(0)
		return knn.Matrix{Data: lc.f32[start : start+n*dim], Dim: dim}, valid, nil
	}
	data := make([]float32, n*dim)
	row := 0
	for _, lc := range chunks {
		for i := range lc.arr.Len() {
			s, e := lc.start(i), lc.end(i)
			if lc.arr.IsNull(i) || e-s != dim || lc.hasNullIn(s, e) {
				row++
				continue
			}
			dst := data[row*dim : (row+1)*dim]
			if lc.f32 != nil {
				copy(dst, lc.f32[s:e])
			} else {
				for j, v := range lc.f64[s:e] {
					dst[j] = float32(v)
				}
			}
			valid[row] = true
			row++
		}
	}
	return knn.Matrix{Data: data, Dim: dim}, valid, nil
}

// listChunk is one chunk of a list column, its values as a flat slice.
type listChunk struct {
	arr    arrow.Array
	values arrow.Array
	f32    []float32
	f64    []float64
	start  func(i int) int
	end    func(i int) int
}

func newListChunk(c arrow.Array) (listChunk, error) {
	lc := listChunk{arr: c}
	switch a := c.(type) {
	case *array.List:
		off := a.Offsets()
		lc.values = a.ListValues()
		lc.start = func(i int) int { return int(off[i]) }
		lc.end = func(i int) int { return int(off[i+1]) }
	case *array.LargeList:
		off := a.Offsets()
		lc.values = a.ListValues()
		lc.start = func(i int) int { return int(off[i]) }
		lc.end = func(i int) int { return int(off[i+1]) }
	case *array.FixedSizeList:
		n := int(a.DataType().(*arrow.FixedSizeListType).Len())
		lc.values = a.ListValues()
		o := a.Offset()
		lc.start = func(i int) int { return (o + i) * n }
		lc.end = func(i int) int { return (o + i + 1) * n }
	default:
		return lc, fmt.Errorf("type %v is not a list of floats", c.DataType())
	}
	switch v := lc.values.(type) {
	case *array.Float32:
		lc.f32 = v.Float32Values()
	case *array.Float64:
		lc.f64 = v.Float64Values()
	default:
		return lc, fmt.Errorf("type %v is not a list of float32 or float64", c.DataType())
	}
	return lc, nil
}

func (lc listChunk) firstLen() int {
	for i := range lc.arr.Len() {
		if !lc.arr.IsNull(i) {
			return lc.end(i) - lc.start(i)
		}
	}
	return -1
}

// regular reports whether every row is present, dim long and right after
// the one before.
func (lc listChunk) regular(dim int) bool {
	if lc.arr.NullN() > 0 || lc.values.NullN() > 0 {
		return false
	}
	s0 := lc.start(0)
	for i := range lc.arr.Len() {
		if lc.start(i) != s0+i*dim || lc.end(i) != s0+(i+1)*dim {
			return false
		}
	}
	return true
}

func (lc listChunk) hasNullIn(s, e int) bool {
	if lc.values.NullN() == 0 {
		return false
	}
	for j := s; j < e; j++ {
		if lc.values.IsNull(j) {
			return true
		}
	}
	return false
}
