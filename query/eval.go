package query

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// The evaluator works a batch at a time and a whole column at a time.
// Every expression evaluates to a vec: one Go slice of values for the
// batch (or a view of the Arrow buffers themselves), plus a validity
// bitmap. Booleans are bitmaps of 64-bit words, so "and", "or" and "not"
// run a word at a time and a where stage ends as the bitmap of selected
// rows. Comparisons against constants read the Arrow value slices in place
// (see cmpConstNode), and predicates on dictionary-encoded strings are
// worked out once per dictionary entry and then looked up by index.
//
//	batch ──► colNode ──► vec{flts, valid} ─┐
//	                                         ├─► compare ──► bits ─┐
//	          constNode ─► vec{scalar} ──────┘                     ├─► and ─► selection
//	batch ──► dict column ─► per-entry table ─► index lookup ─────┘
//
// Validity and bits keep one invariant: a bit is set in bits only where it
// is set in valid, so "true" is simply bits, and "false" is valid &^ bits.

// evalNode is a compiled expression.
type evalNode interface {
	eval(s *scope) *vec
}

// scope is what a node sees while evaluating: the batch's columns, or the
// fields of a list's elements inside a list filter.
type scope struct {
	n       int
	cols    []arrow.Array
	valid   []uint64 // validity of enclosing struct elements; nil when none
	release *[]arrow.Array
}

// vec is one evaluated expression over a batch.
type vec struct {
	kind   TypeKind
	n      int
	valid  []uint64 // nil means no nulls; never modified in place
	bits   []uint64 // TBool; owned, may be modified in place
	ints   []int64  // TInt
	flts   []float64
	str    strVec
	list   *listVec
	strct  *array.Struct
	scalar bool // TString only: str holds one value for every row
}

type constVal struct {
	kind TypeKind
	b    bool
	i    int64
	f    float64
	s    string
}

// strVec is a column of strings in one of three shapes: Arrow's offsets and
// bytes, Go strings, or indices into a dictionary of strings.
type strVec struct {
	off32 []int32
	off64 []int64
	data  []byte
	strs  []string
	dict  *strVec
	nDict int
	idx   []int32
	one   string // the value of a scalar
}

// at returns row i. The string shares memory with the Arrow buffer and
// must not outlive the batch.
func (s *strVec) at(i int) string {
	switch {
	case s.dict != nil:
		k := s.idx[i]
		if uint(k) >= uint(s.nDict) {
			return ""
		}
		return s.dict.at(int(k))
	case s.strs != nil:
		return s.strs[i]
	case s.off32 != nil:
		return bytesString(s.data, int64(s.off32[i]), int64(s.off32[i+1]))
	case s.off64 != nil:
		return bytesString(s.data, s.off64[i], s.off64[i+1])
	}
	return s.one
}

func bytesString(data []byte, lo, hi int64) string {
	if hi <= lo || hi > int64(len(data)) || lo < 0 {
		return ""
	}
	return unsafe.String(&data[lo], int(hi-lo))
}

// listVec is a column of lists: rows index ranges of child, and mask, when
// set, selects the elements a filter kept.
type listVec struct {
	off       []int64 // n+1 offsets into child
	child     arrow.Array
	elemValid []uint64 // extra validity of elements (null structs); nil when none
	mask      []uint64
	elem      *Type
}

func words(n int) int { return (n + 63) >> 6 }

// ---- reading columns

func (n *colNode) eval(s *scope) *vec {
	v := toVec(s.cols[n.idx], n.typ, s)
	v.valid = andValid(v.valid, s.valid)
	maskBits(v.bits, v.valid)
	return v
}

// colNode reads a column (or, inside a list filter, an element field).
type colNode struct {
	idx int
	typ *Type
}

// toVec views an Arrow array as a vec, copying only where the layout
// differs (narrow integers, float32, booleans' bit offsets).
func toVec(arr arrow.Array, t *Type, s *scope) *vec {
	n := arr.Len()
	v := &vec{kind: t.Kind, n: n, valid: nullBits(arr)}
	switch a := arr.(type) {
	case *array.Boolean:
		v.bits = loadBits(a.Data().Buffers()[1].Bytes(), a.Data().Offset(), n)
	case *array.Int64:
		v.ints = a.Int64Values()
	case *array.Int32:
		v.ints = widen(a.Int32Values())
	case *array.Int16:
		v.ints = widen(a.Int16Values())
	case *array.Int8:
		v.ints = widen(a.Int8Values())
	case *array.Uint64:
		v.ints = widen(a.Uint64Values())
	case *array.Uint32:
		v.ints = widen(a.Uint32Values())
	case *array.Uint16:
		v.ints = widen(a.Uint16Values())
	case *array.Uint8:
		v.ints = widen(a.Uint8Values())
	case *array.Float64:
		v.flts = a.Float64Values()
	case *array.Float32:
		v.flts = make([]float64, n)
		for i, x := range a.Float32Values() {
			v.flts[i] = float64(x)
		}
	case *array.Dictionary:
		v.str = toStrVec(arr)
		if d := a.Dictionary(); d.NullN() > 0 {
			// A null dictionary entry makes the rows that use it null.
			valid := ones(n)
			if v.valid != nil {
				copy(valid, v.valid)
			}
			for i, k := range v.str.idx {
				if uint(k) < uint(d.Len()) && d.IsNull(int(k)) {
					valid[i>>6] &^= 1 << (i & 63)
				}
			}
			v.valid = valid
		}
	case *array.String, *array.LargeString:
		v.str = toStrVec(arr)
	case *array.List:
		v.list = toListVec(a.Offsets()[a.Data().Offset():a.Data().Offset()+n+1], a.ListValues(), t.Elem, s)
	case *array.LargeList:
		v.list = toListVec(a.Offsets()[a.Data().Offset():a.Data().Offset()+n+1], a.ListValues(), t.Elem, s)
	case *array.Struct:
		v.strct = a
	default:
		panic(fmt.Sprintf("query: cannot read %s as %s", arr.DataType(), t))
	}
	return v
}

func widen[T int8 | int16 | int32 | uint8 | uint16 | uint32 | uint64](xs []T) []int64 {
	out := make([]int64, len(xs))
	for i, x := range xs {
		out[i] = int64(x)
	}
	return out
}

func toStrVec(arr arrow.Array) strVec {
	switch a := arr.(type) {
	case *array.String:
		return strVec{off32: a.ValueOffsets(), data: valueBytes(a)}
	case *array.LargeString:
		return strVec{off64: a.ValueOffsets(), data: valueBytes(a)}
	case *array.Dictionary:
		d := toStrVec(a.Dictionary())
		return strVec{dict: &d, nDict: a.Dictionary().Len(), idx: indices32(a.Indices())}
	}
	panic(fmt.Sprintf("query: %s is not a string column", arr.DataType()))
}

func valueBytes(a arrow.Array) []byte {
	if b := a.Data().Buffers()[2]; b != nil {
		return b.Bytes()
	}
	return nil
}

// indices32 returns dictionary indices as int32, in place when they are.
func indices32(arr arrow.Array) []int32 {
	switch a := arr.(type) {
	case *array.Int32:
		return a.Int32Values()
	case *array.Int8:
		return narrow(a.Int8Values())
	case *array.Int16:
		return narrow(a.Int16Values())
	case *array.Int64:
		return narrow(a.Int64Values())
	case *array.Uint8:
		return narrow(a.Uint8Values())
	case *array.Uint16:
		return narrow(a.Uint16Values())
	case *array.Uint32:
		return narrow(a.Uint32Values())
	case *array.Uint64:
		return narrow(a.Uint64Values())
	}
	panic(fmt.Sprintf("query: bad dictionary index type %s", arr.DataType()))
}

func narrow[T int8 | int16 | int64 | uint8 | uint16 | uint32 | uint64](xs []T) []int32 {
	out := make([]int32, len(xs))
	for i, x := range xs {
		if uint64(x) > math.MaxInt32 {
			out[i] = -1 // out of range; at and the lookups treat it as absent
			continue
		}
		out[i] = int32(x)
	}
	return out
}

// toListVec rebases list offsets onto a slice of the values that holds
// just this batch's elements, so filters evaluate nothing else.
func toListVec(off32or64 any, values arrow.Array, elem *Type, s *scope) *listVec {
	var off []int64
	switch o := off32or64.(type) {
	case []int32:
		off = make([]int64, len(o))
		for i, x := range o {
			off[i] = int64(x)
		}
	case []int64:
		off = append([]int64(nil), o...)
	}
	lo, hi := off[0], off[len(off)-1]
	for i := range off {
		off[i] -= lo
	}
	child := values
	if lo != 0 || hi != int64(values.Len()) {
		child = array.NewSlice(values, lo, hi)
		*s.release = append(*s.release, child)
	}
	return &listVec{off: off, child: child, elem: elem}
}

// ---- constants

// constNode is a literal; kind is the type of vec it makes (a null
// literal makes an all-null vec of the kind its context wants).
type constNode struct {
	v    constVal
	kind TypeKind
}

func (n *constNode) eval(s *scope) *vec {
	v := &vec{kind: n.kind, n: s.n}
	if n.v.kind == TNull {
		v.valid = make([]uint64, words(s.n))
		switch n.kind {
		case TBool:
			v.bits = make([]uint64, words(s.n))
		case TInt:
			v.ints = make([]int64, s.n)
		case TFloat:
			v.flts = make([]float64, s.n)
		case TString:
			v.scalar = true
		}
		return v
	}
	switch n.kind {
	case TBool:
		v.bits = make([]uint64, words(s.n))
		if n.v.b {
			v.bits = ones(s.n)
		}
	case TInt:
		v.ints = make([]int64, s.n)
		for i := range v.ints {
			v.ints[i] = n.v.i
		}
	case TFloat:
		v.flts = make([]float64, s.n)
		for i := range v.flts {
			v.flts[i] = n.v.f
		}
	case TString:
		v.scalar = true
		v.str.one = n.v.s
	}
	return v
}

// floats returns v's values as float64, converting integers.
func (v *vec) floats() []float64 {
	if v.flts != nil || v.kind == TFloat {
		return v.flts
	}
	out := make([]float64, len(v.ints))
	for i, x := range v.ints {
		out[i] = float64(x)
	}
	return out
}

// ---- boolean logic (Kleene)

type notNode struct{ x evalNode }

func (n *notNode) eval(s *scope) *vec {
	v := n.x.eval(s)
	if v.valid == nil {
		for i := range v.bits {
			v.bits[i] = ^v.bits[i]
		}
		clearTail(v.bits, v.n)
		return v
	}
	for i := range v.bits {
		v.bits[i] = v.valid[i] &^ v.bits[i]
	}
	return v
}

// truth evaluates a predicate where only "is it true" matters, as in a
// where stage. "and" and "or" then need no validity: with bits zero
// wherever a value is unknown, true-and is bits & bits and true-or is
// bits | bits.
func truth(n evalNode, s *scope) []uint64 {
	if l, ok := n.(*logicNode); ok {
		x, y := truth(l.x, s), truth(l.y, s)
		if l.op == And {
			for i := range x {
				x[i] &= y[i]
			}
		} else {
			for i := range x {
				x[i] |= y[i]
			}
		}
		return x
	}
	return n.eval(s).bits
}

type logicNode struct {
	op   Kind
	x, y evalNode
}

// eval combines two three-valued bitmaps:
//
//	and: true = xt & yt; known = (xk & yk) | (xk & ^xt) | (yk & ^yt)
//	or:  true = xt | yt; known = (xk & yk) | xt | yt
func (n *logicNode) eval(s *scope) *vec {
	x := n.x.eval(s)
	y := n.y.eval(s)
	if x.valid == nil && y.valid == nil {
		if n.op == And {
			for i := range x.bits {
				x.bits[i] &= y.bits[i]
			}
		} else {
			for i := range x.bits {
				x.bits[i] |= y.bits[i]
			}
		}
		return x
	}
	xv, yv := x.valid, y.valid
	if xv == nil {
		xv = ones(x.n)
	}
	if yv == nil {
		yv = ones(x.n)
	}
	valid := make([]uint64, len(x.bits))
	for i := range x.bits {
		xt, yt := x.bits[i], y.bits[i]
		if n.op == And {
			x.bits[i] = xt & yt
			valid[i] = xv[i]&yv[i] | xv[i]&^xt | yv[i]&^yt
		} else {
			x.bits[i] = xt | yt
			valid[i] = xv[i]&yv[i] | xt | yt
		}
	}
	x.valid = valid
	return x
}

type isNullNode struct{ x evalNode }

func (n *isNullNode) eval(s *scope) *vec {
	v := n.x.eval(s)
	out := &vec{kind: TBool, n: s.n, bits: make([]uint64, words(s.n))}
	if v.valid != nil {
		for i := range out.bits {
			out.bits[i] = ^v.valid[i]
		}
		clearTail(out.bits, s.n)
	}
	return out
}

// ---- comparisons

type number interface {
	~int8 | ~int16 | ~int32 | ~int64 | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~float32 | ~float64
}

// newCompare picks the kernel for x op y.
func newCompare(op Kind, x, y operand) evalNode {
	if c, ok := x.node.(*colNode); ok && y.cnst != nil && x.typ.numeric() {
		return &cmpConstNode{col: c, op: op, c: *y.cnst}
	}
	if c, ok := y.node.(*colNode); ok && x.cnst != nil && y.typ.numeric() {
		return &cmpConstNode{col: c, op: flip(op), c: *x.cnst}
	}
	return &compareNode{op: op, x: x.node, y: y.node}
}

// flip turns c op x into x flip(op) c.
func flip(op Kind) Kind {
	switch op {
	case Lt:
		return Gt
	case Le:
		return Ge
	case Gt:
		return Lt
	case Ge:
		return Le
	}
	return op
}

// cmpConstNode compares a numeric column with a constant straight from
// the Arrow value slice: no copy, no conversion pass. Integers compare with
// an integer constant exactly; everything else compares as float64.
type cmpConstNode struct {
	col *colNode
	op  Kind
	c   constVal
}

func (n *cmpConstNode) eval(s *scope) *vec {
	arr := s.cols[n.col.idx]
	out := &vec{kind: TBool, n: s.n, bits: make([]uint64, words(s.n))}
	out.valid = andValid(nullBits(arr), s.valid)
	intC := n.c.kind == TInt
	switch a := arr.(type) {
	case *array.Float64:
		cmpScalar(a.Values(), n.c.f, n.op, out.bits)
	case *array.Float32:
		cmpFloat32(a.Values(), n.c.f, n.op, out.bits)
	case *array.Int64:
		cmpNum(a.Values(), n.c, intC, n.op, out.bits)
	case *array.Int32:
		cmpNum(a.Values(), n.c, intC, n.op, out.bits)
	case *array.Int16:
		cmpNum(a.Values(), n.c, intC, n.op, out.bits)
	case *array.Int8:
		cmpNum(a.Values(), n.c, intC, n.op, out.bits)
	case *array.Uint64:
		cmpNum(a.Values(), n.c, intC, n.op, out.bits)
	case *array.Uint32:
		cmpNum(a.Values(), n.c, intC, n.op, out.bits)
	case *array.Uint16:
		cmpNum(a.Values(), n.c, intC, n.op, out.bits)
	case *array.Uint8:
		cmpNum(a.Values(), n.c, intC, n.op, out.bits)
	default:
		panic(fmt.Sprintf("query: cannot compare %s with a number", arr.DataType()))
	}
	maskBits(out.bits, out.valid)
	return out
}

// cmpFloat32 compares float32 values with a float64 constant without
// widening each value. A number literal arrives already rounded to float32
// (float32Literal), so the comparison runs in float32; a constant that is
// not a float32 (one beyond float32's range) is compared exactly: v > c is
// then the same as v >= the next float32 above c, and so on.
func cmpFloat32(vals []float32, c float64, op Kind, out []uint64) {
	c32 := float32(c)
	if float64(c32) == c || math.IsNaN(c) || math.IsInf(c, 0) || math.Abs(c) > math.MaxFloat32 {
		if float64(c32) == c {
			cmpScalar(vals, c32, op, out)
			return
		}
		cmpScalar(vals, c, op, out)
		return
	}
	up, down := c32, c32
	if float64(c32) < c {
		up = math.Nextafter32(c32, float32(math.Inf(1)))
	} else {
		down = math.Nextafter32(c32, float32(math.Inf(-1)))
	}
	switch op {
	case Gt, Ge:
		cmpScalar(vals, up, Ge, out)
	case Lt, Le:
		cmpScalar(vals, down, Le, out)
	default:
		cmpScalar(vals, c, op, out)
	}
}

func cmpNum[T number](vals []T, c constVal, intC bool, op Kind, out []uint64) {
	if intC {
		// Convert each value to int64 (uint64 wraps, as everywhere).
		cmpScalar(vals, c.i, op, out)
		return
	}
	cmpScalar(vals, c.f, op, out)
}

type compareNode struct {
	op   Kind
	x, y evalNode
}

func (n *compareNode) eval(s *scope) *vec {
	x, y := n.x.eval(s), n.y.eval(s)
	out := &vec{kind: TBool, n: s.n, bits: make([]uint64, words(s.n)), valid: andValid(x.valid, y.valid)}
	switch {
	case x.kind == TBool:
		for i := range out.bits {
			eq := ^(x.bits[i] ^ y.bits[i])
			if n.op == Ne {
				eq = ^eq
			}
			out.bits[i] = eq
		}
		clearTail(out.bits, s.n)
	case x.kind == TString:
		compareStrings(x, y, n.op, out.bits)
	case x.ints != nil && y.ints != nil:
		cmpSlices(x.ints, y.ints, n.op, out.bits)
	default:
		cmpSlices(x.floats(), y.floats(), n.op, out.bits)
	}
	maskBits(out.bits, out.valid)
	return out
}

// compareStrings compares two string vecs. Against a constant, a
// dictionary column is compared once per entry; two dictionary columns
// compare their indices after mapping both onto shared ids.
func compareStrings(x, y *vec, op Kind, out []uint64) {
	if x.scalar && !y.scalar {
		x, y, op = y, x, flip(op)
	}
	if y.scalar {
		c := y.str.one
		if x.str.dict != nil {
			t := dictTable(x.str.dict, x.str.nDict, func(s string) bool { return cmpStr(s, c, op) })
			lookup(x.str.idx, t, out)
			return
		}
		if op == Eq || op == Ne {
			eqConst(&x.str, c, op == Ne, out, x.n)
			return
		}
		for i := 0; i < x.n; i++ {
			out[i>>6] |= b2u(cmpStr(x.str.at(i), c, op)) << (i & 63)
		}
		return
	}
	if x.str.dict != nil && y.str.dict != nil && (op == Eq || op == Ne) {
		cmpDicts(&x.str, &y.str, op, out)
		return
	}
	if x.str.off32 != nil && y.str.off32 != nil && (op == Eq || op == Ne) {
		eqStrings32(&x.str, &y.str, op == Ne, out, x.n)
		return
	}
	for i := 0; i < x.n; i++ {
		out[i>>6] |= b2u(cmpStr(x.str.at(i), y.str.at(i), op)) << (i & 63)
	}
}

// eqStrings32 compares two string columns row by row. Strings of up to
// 16 bytes (class names, mostly) compare as two masked 64-bit words, with
// no call and no branch on the data; longer ones, or ones too near the end
// of the buffer to read 16 bytes, compare the usual way.
func eqStrings32(x, y *strVec, ne bool, out []uint64, n int) {
	xo, yo := x.off32[:n+1], y.off32[:n+1]
	xd, yd := x.data, y.data
	flip := b2u(ne)
	for i := 0; i < n; i++ {
		xl, yl := int(xo[i]), int(yo[i])
		lx, ly := int(xo[i+1])-xl, int(yo[i+1])-yl
		var eq uint64
		if uint(lx) <= 16 && xl >= 0 && yl >= 0 && xl+16 <= len(xd) && yl+16 <= len(yd) {
			m := &wordMasks[lx]
			d := (binary.LittleEndian.Uint64(xd[xl:])^binary.LittleEndian.Uint64(yd[yl:]))&m[0] |
				(binary.LittleEndian.Uint64(xd[xl+8:])^binary.LittleEndian.Uint64(yd[yl+8:]))&m[1]
			eq = b2u(d == 0) & b2u(lx == ly)
		} else {
			eq = b2u(lx == ly && bytesString(xd, int64(xl), int64(xl+lx)) == bytesString(yd, int64(yl), int64(yl+ly)))
		}
		out[i>>6] |= (eq ^ flip) << (i & 63)
	}
}

// wordMasks[l] selects the first l bytes of two little-endian words.
var wordMasks = func() (m [17][2]uint64) {
	for l := range m {
		for b := 0; b < l; b++ {
			m[l][b/8] |= 0xff << (8 * (b % 8))
		}
	}
	return m
}()

func eqConst(x *strVec, c string, ne bool, out []uint64, n int) {
	if x.off32 != nil {
		for i := 0; i < n; i++ {
			lo, hi := x.off32[i], x.off32[i+1]
			eq := int(hi-lo) == len(c) && bytesString(x.data, int64(lo), int64(hi)) == c
			out[i>>6] |= b2u(eq != ne) << (i & 63)
		}
		return
	}
	for i := 0; i < n; i++ {
		out[i>>6] |= b2u((x.at(i) == c) != ne) << (i & 63)
	}
}

func cmpStr(a, b string, op Kind) bool {
	switch op {
	case Eq:
		return a == b
	case Ne:
		return a != b
	case Lt:
		return a < b
	case Le:
		return a <= b
	case Gt:
		return a > b
	case Ge:
		return a >= b
	}
	panic("query: bad comparison " + op.String())
}

// dictTable evaluates f once per dictionary entry.
func dictTable(d *strVec, n int, f func(string) bool) []uint8 {
	t := make([]uint8, n)
	for k := range t {
		if f(d.at(k)) {
			t[k] = 1
		}
	}
	return t
}

// lookup sets bit i when t[idx[i]] is 1. Out-of-range indices (which
// Arrow allows under nulls) read as 0.
func lookup(idx []int32, t []uint8, out []uint64) {
	if len(t) <= 256 {
		var t256 [256]bool
		for k, v := range t {
			t256[k] = v != 0
		}
		lookup256(idx, &t256, out)
		return
	}
	n := len(idx)
	for w := 0; w < len(out); w++ {
		base := w << 6
		end := min(base+64, n)
		var word uint64
		for j, k := range idx[base:end] {
			if uint(k) < uint(len(t)) {
				word |= uint64(t[k]) << j
			}
		}
		out[w] = word
	}
}

// cmpDicts compares two dictionary columns by index for == and !=.
// Both dictionaries are mapped onto one set of ids; a dictionary whose
// entries are distinct and come first keeps its indices as they are, so
// the common case compares the raw index slices. Out-of-range indices
// (allowed under nulls) never panic.
func cmpDicts(x, y *strVec, op Kind, out []uint64) {
	ids := make(map[string]int32, x.nDict)
	canon := func(d *strVec, n int) []int32 {
		m := make([]int32, n)
		same := true
		for k := range m {
			s := d.at(k)
			id, ok := ids[s]
			if !ok {
				id = int32(len(ids))
				ids[s] = id
			}
			m[k] = id
			same = same && id == int32(k)
		}
		if same {
			return nil
		}
		return m
	}
	mx := canon(x.dict, x.nDict)
	my := canon(y.dict, y.nDict)
	xi, yi := x.idx, y.idx
	if mx != nil {
		xi = remapIdx(xi, mx, -1)
	}
	if my == nil {
		cmpSlices(xi, yi, op, out)
		return
	}
	// The common case of one remapped side, fused into the comparison.
	if len(my) <= 256 && x.nDict <= 256 && y.nDict <= 256 {
		var m [256]int32
		for k := range m {
			m[k] = -2
		}
		copy(m[:], my)
		eqMapped256(xi, yi, &m, op == Ne, out)
		return
	}
	n := len(xi)
	ne := op == Ne
	for w := range out {
		base := w << 6
		end := min(base+64, n)
		ys := yi[base:end]
		var word uint64
		for j, a := range xi[base:end] {
			k := ys[j]
			b := int32(-2)
			if uint(k) < uint(len(my)) {
				b = my[k]
			}
			word |= b2u((a == b) != ne) << j
		}
		out[w] = word
	}
}

func remapIdx(idx, m []int32, miss int32) []int32 {
	out := make([]int32, len(idx))
	for i, k := range idx {
		if uint(k) < uint(len(m)) {
			out[i] = m[k]
		} else {
			out[i] = miss
		}
	}
	return out
}

// ---- strings

// strPredNode is x ~ re, contains(x, y), startswith(x, y), endswith(x, y).
// With a constant pattern m decides it (strmatch.go); otherwise fn runs on
// each row's pair of strings.
type strPredNode struct {
	x, y evalNode
	m    *matcher
	fn   string
}

func (n *strPredNode) eval(s *scope) *vec {
	x := n.x.eval(s)
	out := &vec{kind: TBool, n: s.n, bits: make([]uint64, words(s.n)), valid: x.valid}
	if n.m != nil {
		matchVec(n.m, x, out.bits)
		maskBits(out.bits, out.valid)
		return out
	}
	f := strFuncs[n.fn]
	y := n.y.eval(s)
	out.valid = andValid(x.valid, y.valid)
	for i := 0; i < s.n; i++ {
		out.bits[i>>6] |= b2u(f(x.str.at(i), y.str.at(i))) << (i & 63)
	}
	maskBits(out.bits, out.valid)
	return out
}

var strFuncs = map[string]func(s, t string) bool{
	"contains":   strings.Contains,
	"startswith": strings.HasPrefix,
	"endswith":   strings.HasSuffix,
}

// matchVec sets out's bits where x's strings match: once per dictionary
// entry, over the Arrow buffers of a plain column, or row by row.
func matchVec(m *matcher, x *vec, out []uint64) {
	switch {
	case x.scalar:
		if m.matchString(x.str.one) {
			copy(out, ones(x.n))
		}
	case x.str.dict != nil:
		lookup(x.str.idx, dictTable(x.str.dict, x.str.nDict, m.matchString), out)
	case x.str.off32 != nil:
		matchColumn(m, x.str.off32[:x.n+1], x.str.data, out)
	case x.str.off64 != nil:
		matchColumn(m, x.str.off64[:x.n+1], x.str.data, out)
	default:
		for i := 0; i < x.n; i++ {
			out[i>>6] |= b2u(m.matchString(x.str.at(i))) << (i & 63)
		}
	}
}

// strFuncNode is len, lower or upper of a string. On a dictionary column
// it works on the dictionary and keeps the indices.
type strFuncNode struct {
	x  evalNode
	fn string
}

func (n *strFuncNode) eval(s *scope) *vec {
	x := n.x.eval(s)
	if n.fn == "len" {
		out := &vec{kind: TInt, n: s.n, ints: make([]int64, s.n), valid: x.valid}
		switch {
		case x.scalar:
			for i := range out.ints {
				out.ints[i] = int64(utf8.RuneCountInString(x.str.one))
			}
		case x.str.dict != nil:
			t := make([]int64, x.str.nDict)
			for k := range t {
				t[k] = int64(utf8.RuneCountInString(x.str.dict.at(k)))
			}
			for i, k := range x.str.idx {
				if uint(k) < uint(len(t)) {
					out.ints[i] = t[k]
				}
			}
		default:
			for i := range out.ints {
				out.ints[i] = int64(utf8.RuneCountInString(x.str.at(i)))
			}
		}
		return out
	}
	f := strings.ToLower
	if n.fn == "upper" {
		f = strings.ToUpper
	}
	out := &vec{kind: TString, n: s.n, valid: x.valid, scalar: x.scalar}
	switch {
	case x.scalar:
		out.str.one = f(x.str.one)
	case x.str.dict != nil:
		d := make([]string, x.str.nDict)
		for k := range d {
			d[k] = f(x.str.dict.at(k))
		}
		out.str = strVec{dict: &strVec{strs: d}, nDict: len(d), idx: x.str.idx}
	default:
		out.str.strs = make([]string, s.n)
		for i := range out.str.strs {
			out.str.strs[i] = f(x.str.at(i))
		}
	}
	return out
}

// inNode is x in (...) and x not in (...). A null in the list makes a
// miss unknown rather than false, as in SQL.
type inNode struct {
	x     evalNode
	not   bool
	kind  TypeKind
	nums  []constVal
	strs  map[string]bool
	bools [2]bool
	null  bool
}

func (n *inNode) eval(s *scope) *vec {
	x := n.x.eval(s)
	out := &vec{kind: TBool, n: s.n, bits: make([]uint64, words(s.n)), valid: x.valid}
	switch n.kind {
	case TString:
		has := func(v string) bool { return n.strs[v] }
		switch {
		case x.scalar:
			if has(x.str.one) {
				copy(out.bits, ones(s.n))
			}
		case x.str.dict != nil:
			lookup(x.str.idx, dictTable(x.str.dict, x.str.nDict, has), out.bits)
		default:
			for i := 0; i < s.n; i++ {
				out.bits[i>>6] |= b2u(n.strs[x.str.at(i)]) << (i & 63)
			}
		}
	case TBool:
		for i := 0; i < s.n; i++ {
			out.bits[i>>6] |= b2u(n.bools[b2u(bit(x.bits, i))]) << (i & 63)
		}
	default:
		if x.ints != nil {
			for i, v := range x.ints {
				out.bits[i>>6] |= b2u(n.hasInt(v)) << (i & 63)
			}
		} else {
			for i, v := range x.flts {
				out.bits[i>>6] |= b2u(n.hasFloat(v)) << (i & 63)
			}
		}
	}
	if n.null {
		// A hit is true; a miss is unknown.
		valid := append([]uint64(nil), out.bits...)
		out.valid = andValid(valid, x.valid)
	}
	if n.not {
		valid := out.valid
		if valid == nil {
			valid = ones(s.n)
		}
		for i := range out.bits {
			out.bits[i] = valid[i] &^ out.bits[i]
		}
	}
	maskBits(out.bits, out.valid)
	return out
}

func (n *inNode) hasInt(v int64) bool {
	for _, c := range n.nums {
		if c.kind == TInt && c.i == v || c.kind == TFloat && float64(v) == c.f {
			return true
		}
	}
	return false
}

func (n *inNode) hasFloat(v float64) bool {
	for _, c := range n.nums {
		if v == c.f {
			return true
		}
	}
	return false
}

// ---- arithmetic

type arithNode struct {
	op   Kind
	x, y evalNode
	typ  *Type
}

// eval computes x op y. Integer arithmetic wraps; "/" is always float
// division, so x/0 is ±Inf or NaN, as IEEE 754 says.
func (n *arithNode) eval(s *scope) *vec {
	x, y := n.x.eval(s), n.y.eval(s)
	out := &vec{kind: n.typ.Kind, n: s.n, valid: andValid(x.valid, y.valid)}
	if n.typ.Kind == TInt {
		a, b := x.ints, y.ints
		r := make([]int64, s.n)
		switch n.op {
		case Add:
			for i := range r {
				r[i] = a[i] + b[i]
			}
		case Sub:
			for i := range r {
				r[i] = a[i] - b[i]
			}
		case Mul:
			for i := range r {
				r[i] = a[i] * b[i]
			}
		}
		out.ints = r
		return out
	}
	a, b := x.floats(), y.floats()
	r := make([]float64, s.n)
	switch n.op {
	case Add:
		for i := range r {
			r[i] = a[i] + b[i]
		}
	case Sub:
		for i := range r {
			r[i] = a[i] - b[i]
		}
	case Mul:
		for i := range r {
			r[i] = a[i] * b[i]
		}
	case Quo:
		for i := range r {
			r[i] = a[i] / b[i]
		}
	}
	out.flts = r
	return out
}

type negNode struct {
	x   evalNode
	typ *Type
}

func (n *negNode) eval(s *scope) *vec {
	x := n.x.eval(s)
	out := &vec{kind: n.typ.Kind, n: s.n, valid: x.valid}
	if n.typ.Kind == TInt {
		out.ints = make([]int64, s.n)
		for i, v := range x.ints {
			out.ints[i] = -v
		}
		return out
	}
	out.flts = make([]float64, s.n)
	for i, v := range x.flts {
		out.flts[i] = -v
	}
	return out
}

type absNode struct {
	x   evalNode
	typ *Type
}

func (n *absNode) eval(s *scope) *vec {
	x := n.x.eval(s)
	out := &vec{kind: n.typ.Kind, n: s.n, valid: x.valid}
	if n.typ.Kind == TInt {
		out.ints = make([]int64, s.n)
		for i, v := range x.ints {
			if v < 0 {
				v = -v
			}
			out.ints[i] = v
		}
		return out
	}
	out.flts = make([]float64, s.n)
	for i, v := range x.flts {
		out.flts[i] = math.Abs(v)
	}
	return out
}

// ---- structs and lists

// fieldNode is a field of a struct column.
type fieldNode struct {
	x   evalNode
	idx int
}

func (n *fieldNode) eval(s *scope) *vec {
	x := n.x.eval(s)
	f := x.strct.Field(n.idx)
	v := toVec(f, typeOf(f.DataType()), s)
	v.valid = andValid(v.valid, x.valid)
	maskBits(v.bits, v.valid)
	return v
}

// listFieldNode is a field of every element of a list of structs.
type listFieldNode struct {
	x   evalNode
	idx int
}

func (n *listFieldNode) eval(s *scope) *vec {
	x := n.x.eval(s)
	l := *x.list
	st := l.child.(*array.Struct)
	l.elemValid = andValid(l.elemValid, nullBits(st))
	l.child = st.Field(n.idx)
	l.elem = typeOf(l.child.DataType())
	x.list = &l
	return x
}

// filterNode is list[pred]: it evaluates pred once over all the elements
// of the batch's lists and narrows the list's mask.
type filterNode struct {
	x, pred evalNode
}

func (n *filterNode) eval(s *scope) *vec {
	x := n.x.eval(s)
	l := *x.list
	inner := &scope{n: l.child.Len(), release: s.release}
	if st, ok := l.child.(*array.Struct); ok {
		inner.cols = make([]arrow.Array, st.NumField())
		for i := range inner.cols {
			inner.cols[i] = st.Field(i)
		}
		inner.valid = andValid(nullBits(st), l.elemValid)
	} else {
		// One column, "_": the element itself. Null elements are
		// masked below like null structs.
		inner.cols = []arrow.Array{l.child}
		inner.valid = andValid(nullBits(l.child), l.elemValid)
	}
	p := n.pred.eval(inner)
	// A null element is not a struct whose fields could pass the test,
	// even is_null(field).
	maskBits(p.bits, inner.valid)
	if l.mask == nil {
		l.mask = p.bits
	} else {
		m := make([]uint64, len(p.bits))
		for i := range m {
			m[i] = l.mask[i] & p.bits[i]
		}
		l.mask = m
	}
	x.list = &l
	return x
}

// listAggNode is len, count, any, mean, sum, min or max of a list.
type listAggNode struct {
	x        evalNode
	fn       string
	boolElem bool
}

func (n *listAggNode) eval(s *scope) *vec {
	x := n.x.eval(s)
	l := x.list
	out := &vec{n: s.n, valid: x.valid}
	switch n.fn {
	case "count", "any":
		keep := l.mask
		if n.boolElem {
			e := toVec(l.child, l.elem, s)
			keep = e.bits
			maskBits(keep, andValid(e.valid, l.elemValid))
			maskBits(keep, l.mask)
		}
		counts := make([]int64, s.n)
		for i := range counts {
			if keep == nil {
				counts[i] = l.off[i+1] - l.off[i]
			} else {
				counts[i] = countRange(keep, l.off[i], l.off[i+1])
			}
		}
		if n.fn == "count" {
			out.kind, out.ints = TInt, counts
			return out
		}
		out.kind, out.bits = TBool, make([]uint64, words(s.n))
		for i, c := range counts {
			out.bits[i>>6] |= b2u(c > 0) << (i & 63)
		}
		maskBits(out.bits, out.valid)
		return out
	}
	e := toVec(l.child, l.elem, s)
	vals := e.floats()
	ev := andValid(andValid(e.valid, l.elemValid), l.mask)
	out.kind, out.flts = TFloat, make([]float64, s.n)
	valid := make([]uint64, words(s.n))
	for i := range out.flts {
		var acc float64
		var k int
		for j := l.off[i]; j < l.off[i+1]; j++ {
			if !isValid(ev, int(j)) {
				continue
			}
			v := vals[j]
			switch {
			case k == 0 && n.fn != "sum" && n.fn != "mean":
				acc = v
			case n.fn == "min":
				acc = math.Min(acc, v)
			case n.fn == "max":
				acc = math.Max(acc, v)
			default:
				acc += v
			}
			k++
		}
		if n.fn == "mean" && k > 0 {
			acc /= float64(k)
		}
		out.flts[i] = acc
		if k > 0 || n.fn == "sum" {
			valid[i>>6] |= 1 << (i & 63)
		}
	}
	out.valid = andValid(valid, x.valid)
	return out
}
