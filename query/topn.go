package query

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// TopN runs a `where … | sort … | limit n` program over one stream of
// batches (a part of a file, in file order) a batch at a time. It keeps the
// sort keys of the best n rows seen so far: a row that does not beat the
// n-th of them cannot be in the answer, so after the first batches almost
// every row is dropped with one comparison, and only the few that beat it
// are sorted. A TopN belongs to one goroutine.
type TopN struct {
	p     *Program
	where []stage
	keys  []sortKey
	n     int
	kept  []keyRow // the best rows so far, best first; at most n
	seen  int64    // rows of the batches before this one
}

// keyRow is one row's sort keys, with its position in the stream, which
// breaks ties (the sort is stable).
type keyRow struct {
	vals []keyVal
	seq  int64
}

type keyVal struct {
	null bool
	f    float64
	i    int64
	s    string
}

// NewTopN is a TopN for p, which must have the sorted shape StreamShape
// reports.
func (p *Program) NewTopN() (*TopN, error) {
	n, sorted, ok := p.StreamShape()
	if !ok || !sorted {
		return nil, errors.New("query: not a where … | sort … | limit n query")
	}
	t := &TopN{p: p, n: int(n)}
	for _, st := range p.stages {
		switch st.kind {
		case Where:
			t.where = append(t.where, st)
		case Sort:
			for _, k := range st.keys {
				if k.kind != TNull { // a null key orders nothing
					t.keys = append(t.keys, k)
				}
			}
		}
	}
	return t, nil
}

// Add runs the program's filters on the next batch of the stream and
// returns the rows of it (indices into the batch, ascending) that are
// among the best n rows so far. The rows it returned before and those it
// returns now hold the stream's best n; Run over them orders and cuts them.
func (t *TopN) Add(ctx context.Context, b arrow.RecordBatch) (rows []int64, err error) {
	var release []arrow.Array
	defer func() {
		for _, a := range release {
			a.Release()
		}
	}()
	defer func() {
		if r := recover(); r != nil {
			rows, err = nil, fmt.Errorf("%s: %v", internalRunMsg, r)
		}
	}()
	defer func() { t.seen += b.NumRows() }()
	if t.n == 0 || b.NumRows() == 0 {
		return nil, nil
	}
	scopes, err := t.p.batchScopes([]arrow.RecordBatch{b}, &release)
	if err != nil {
		return nil, err
	}
	sel := newSelection(scopes)
	for _, st := range t.where {
		if err := t.p.where(ctx, sel, scopes, st.pred); err != nil {
			return nil, err
		}
	}
	readers := make([]keyReader, len(t.keys))
	for k, key := range t.keys {
		readers[k] = newKeyReader(key, scopes[0])
	}
	// The rows that beat the n-th best so far.
	sel.fill()
	var cand []int32
	switch r := readers[0]; {
	case len(t.kept) < t.n:
		cand = eachSelected(sel.bitmaps[0], cand, func(int) bool { return true })
	case len(readers) == 1 && r.f32 != nil:
		cand = r.floatsBeating(sel.bitmaps[0], t.kept[t.n-1].vals[0], cand)
	default:
		worst := t.kept[t.n-1]
		cand = eachSelected(sel.bitmaps[0], cand, func(i int) bool { return compareToKept(readers, i, worst) < 0 })
	}
	if len(cand) == 0 {
		return nil, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// Only the batch's own best n can be among the best n overall.
	if len(cand) > t.n {
		cmp := func(a, b int32) int {
			for k := range readers {
				if c := readers[k].compare(int(cand[a]), int(cand[b])); c != 0 {
					return c
				}
			}
			return int(a) - int(b)
		}
		pos := topN(len(cand), int64(t.n), cmp)
		best := make([]int32, len(pos))
		for i, p := range pos {
			best[i] = cand[p]
		}
		cand = best
	}
	merged := t.kept
	for _, i := range cand {
		kr := keyRow{vals: make([]keyVal, len(readers)), seq: t.seen + int64(i)}
		for k := range readers {
			kr.vals[k] = readers[k].value(int(i))
		}
		merged = append(merged, kr)
	}
	slices.SortStableFunc(merged, func(a, b keyRow) int {
		if c := t.compareKept(a, b); c != 0 {
			return c
		}
		return cmpOrdered(a.seq, b.seq)
	})
	t.kept = merged[:min(len(merged), t.n)]
	for _, kr := range t.kept {
		if kr.seq >= t.seen {
			rows = append(rows, kr.seq-t.seen)
		}
	}
	slices.Sort(rows)
	return rows, nil
}

// Seen is how many rows the batches given to Add so far held.
func (t *TopN) Seen() int64 { return t.seen }

// eachSelected appends the rows set in bm for which keep is true.
func eachSelected(bm []uint64, rows []int32, keep func(i int) bool) []int32 {
	for w, word := range bm {
		for word != 0 {
			i := w<<6 + bits.TrailingZeros64(word)
			word &= word - 1
			if keep(i) {
				rows = append(rows, int32(i))
			}
		}
	}
	return rows
}

// floatsBeating appends the rows set in bm whose float32 key beats the
// kept key worst: the one comparison nearly every row of a top N makes.
func (r *keyReader) floatsBeating(bm []uint64, worst keyVal, rows []int32) []int32 {
	if r.valid != nil {
		bm = andValid(bm, r.valid)
	}
	b := float32(worst.f)
	for w, word := range bm {
		for word != 0 {
			i := w<<6 + bits.TrailingZeros64(word)
			word &= word - 1
			x := r.f32[i]
			// A NaN key is null, last either way; so is a null worst.
			if x == x && (worst.null || r.desc && x > b || !r.desc && x < b) {
				rows = append(rows, int32(i))
			}
		}
	}
	return rows
}

func (t *TopN) compareKept(a, b keyRow) int {
	for k, key := range t.keys {
		if c := compareKeyVals(key.kind, key.desc, a.vals[k], b.vals[k]); c != 0 {
			return c
		}
	}
	return 0
}

// compareToKept compares row i of the batch with a kept row on the keys
// alone: a tie goes to the kept row, which came first.
func compareToKept(readers []keyReader, i int, kr keyRow) int {
	for k := range readers {
		if c := readers[k].compareVal(i, kr.vals[k]); c != 0 {
			return c
		}
	}
	return 0
}

// keyReader reads one sort key of a batch's rows: a float32 column in
// place, any other key through its evaluated vector.
type keyReader struct {
	kind  TypeKind
	desc  bool
	f32   []float32
	valid []uint64
	v     *vec
}

func newKeyReader(key sortKey, s *scope) keyReader {
	r := keyReader{kind: key.kind, desc: key.desc}
	if c, ok := key.node.(*colNode); ok && s.valid == nil {
		if a, ok := s.cols[c.idx].(*array.Float32); ok {
			r.f32, r.valid = a.Float32Values(), nullBits(a)
			return r
		}
	}
	r.v = key.node.eval(s)
	r.valid = r.v.valid
	return r
}

// value is row i's key; strings are copied, as the batch goes away.
func (r *keyReader) value(i int) keyVal {
	if !isValid(r.valid, i) {
		return keyVal{null: true}
	}
	switch {
	case r.f32 != nil:
		f := float64(r.f32[i])
		return keyVal{f: f, null: math.IsNaN(f)}
	case r.kind == TFloat:
		f := r.v.floats1(i)
		return keyVal{f: f, null: math.IsNaN(f)}
	case r.kind == TString:
		return keyVal{s: strings.Clone(r.v.str.at(i))}
	case r.kind == TBool:
		return keyVal{i: int64(b2u(bit(r.v.bits, i)))}
	}
	return keyVal{i: r.v.ints[i]}
}

// compare orders rows a and b of the batch by this key.
func (r *keyReader) compare(a, b int) int {
	if r.f32 != nil {
		return compareFloats(r.desc, r.floatOrNaN(a), r.floatOrNaN(b))
	}
	return compareKeyVals(r.kind, r.desc, r.value(a), r.value(b))
}

// compareVal orders row i of the batch against a kept key.
func (r *keyReader) compareVal(i int, kv keyVal) int {
	if r.f32 != nil {
		x := math.NaN()
		if !kv.null {
			x = kv.f
		}
		return compareFloats(r.desc, r.floatOrNaN(i), x)
	}
	return compareKeyVals(r.kind, r.desc, r.value(i), kv)
}

// floatOrNaN is row i of a float32 key, NaN when null.
func (r *keyReader) floatOrNaN(i int) float64 {
	if !isValid(r.valid, i) {
		return math.NaN()
	}
	return float64(r.f32[i])
}

// compareFloats orders two float keys as keyCol.compare does, a null
// given as NaN.
func compareFloats(desc bool, a, b float64) int {
	return nullsLast(a != a, b != b, cmpOrdered(a, b), desc)
}

// compareKeyVals orders two key values as keyCol.compare does.
func compareKeyVals(kind TypeKind, desc bool, a, b keyVal) int {
	var c int
	switch kind {
	case TFloat:
		c = cmpOrdered(a.f, b.f)
	case TString:
		c = strings.Compare(a.s, b.s)
	default:
		c = cmpOrdered(a.i, b.i)
	}
	return nullsLast(a.null, b.null, c, desc)
}
