package query

import (
	"context"
	"math"
	"slices"
	"strings"
)

// A sort gathers each key's values for the selected rows only, into one
// column per key, then orders positions into those columns. With a limit
// right after it, a bounded heap keeps the best N instead.

// keyCol is one sort key's values for the selected rows.
type keyCol struct {
	kind TypeKind
	desc bool
	null []bool
	f    []float64
	i    []int64
	s    []string
}

func sortSelection(ctx context.Context, sel *selection, scopes []*scope, keys []sortKey, limit int64) error {
	if sel.bitmaps != nil {
		sel.idx, sel.bitmaps = sel.indices(-1), nil
	}
	n := len(sel.idx)
	cols := make([]keyCol, 0, len(keys))
	for _, k := range keys {
		if k.kind == TNull {
			continue
		}
		kc := keyCol{kind: k.kind, desc: k.desc, null: make([]bool, n)}
		switch k.kind {
		case TFloat:
			kc.f = make([]float64, n)
		case TString:
			kc.s = make([]string, n)
		default:
			kc.i = make([]int64, n)
		}
		vecs := make([]*vec, len(scopes))
		for p, g := range sel.idx {
			b := sel.batchOf(g)
			if vecs[b] == nil {
				if err := ctx.Err(); err != nil {
					return err
				}
				vecs[b] = k.node.eval(scopes[b])
			}
			kc.set(p, vecs[b], int(g-sel.starts[b]))
		}
		cols = append(cols, kc)
	}
	cmp := func(a, b int32) int {
		for i := range cols {
			if c := cols[i].compare(int(a), int(b)); c != 0 {
				return c
			}
		}
		return int(a) - int(b) // stable
	}
	pos := topN(n, limit, cmp)
	out := make([]int64, len(pos))
	for i, p := range pos {
		out[i] = sel.idx[p]
	}
	sel.idx = out
	return nil
}

func (kc *keyCol) set(p int, v *vec, i int) {
	if !isValid(v.valid, i) {
		kc.null[p] = true
		return
	}
	switch kc.kind {
	case TFloat:
		kc.f[p] = v.floats1(i)
		kc.null[p] = math.IsNaN(kc.f[p])
	case TString:
		// No copy: the string points into the batch's buffers, which
		// outlive the sort.
		kc.s[p] = v.str.at(i)
	case TBool:
		kc.i[p] = int64(b2u(bit(v.bits, i)))
	default:
		kc.i[p] = v.ints[i]
	}
}

// floats1 is row i as a float64.
func (v *vec) floats1(i int) float64 {
	if v.flts != nil {
		return v.flts[i]
	}
	return float64(v.ints[i])
}

// compare orders rows a and b by this key: nulls (and NaN) last in either
// direction.
func (kc *keyCol) compare(a, b int) int {
	var c int
	switch kc.kind {
	case TFloat:
		c = cmpOrdered(kc.f[a], kc.f[b])
	case TString:
		c = strings.Compare(kc.s[a], kc.s[b])
	default:
		c = cmpOrdered(kc.i[a], kc.i[b])
	}
	return nullsLast(kc.null[a], kc.null[b], c, kc.desc)
}

// nullsLast orders two keys whose values compare as c, a null one last in
// either direction.
func nullsLast(na, nb bool, c int, desc bool) int {
	switch {
	case na && nb:
		return 0
	case na:
		return 1
	case nb:
		return -1
	case desc:
		return -c
	}
	return c
}

func cmpOrdered[T int64 | float64](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// topN returns the positions 0..n-1 ordered by cmp, only the first limit
// of them when limit >= 0. cmp must be a total order.
func topN(n int, limit int64, cmp func(a, b int32) int) []int32 {
	if limit < 0 || limit >= int64(n) {
		pos := make([]int32, n)
		for i := range pos {
			pos[i] = int32(i)
		}
		slices.SortFunc(pos, cmp)
		return pos
	}
	k := int(limit)
	if k == 0 {
		return nil
	}
	// A max-heap of the best k so far: the root is the worst of them.
	h := make([]int32, 0, k)
	down := func(i int) {
		for {
			l := 2*i + 1
			if l >= len(h) {
				return
			}
			m := l
			if r := l + 1; r < len(h) && cmp(h[r], h[l]) > 0 {
				m = r
			}
			if cmp(h[m], h[i]) <= 0 {
				return
			}
			h[i], h[m] = h[m], h[i]
			i = m
		}
	}
	for p := int32(0); p < int32(n); p++ {
		if len(h) < k {
			h = append(h, p)
			for i := len(h) - 1; i > 0; {
				parent := (i - 1) / 2
				if cmp(h[i], h[parent]) <= 0 {
					break
				}
				h[i], h[parent] = h[parent], h[i]
				i = parent
			}
			continue
		}
		if cmp(p, h[0]) < 0 {
			h[0] = p
			down(0)
		}
	}
	slices.SortFunc(h, cmp)
	return h
}
