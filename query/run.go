package query

import (
	"context"
	"fmt"
	"math/bits"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Program is a checked, compiled query. It does not change once compiled:
// several goroutines may Run it at once.
type Program struct {
	schema *arrow.Schema
	stages []stage
	cols   []string // columns read, in schema order
	colIdx []int    // their indexes in the schema
	sel    []string
}

type stage struct {
	kind Kind // Where, Sort, Limit
	pred evalNode
	keys []sortKey
	n    int64
}

type sortKey struct {
	node evalNode
	kind TypeKind
	desc bool
}

// Columns returns the names of the top-level columns the query reads,
// including those a select stage names, in schema order.
func (p *Program) Columns() []string { return append([]string(nil), p.cols...) }

// Select returns the fields a select stage names, as written ("a.b" for a
// struct field), or nil when the query has no select stage.
func (p *Program) Select() []string {
	if p.sel == nil {
		return nil
	}
	return append([]string{}, p.sel...)
}

// Compile parses src and checks it against env. The error is an ErrorList
// holding every problem found.
func Compile(src string, env Env) (prog *Program, err error) {
	q, err := Parse(src)
	if err != nil {
		return nil, err
	}
	defer func() {
		if r := recover(); r != nil {
			// A bug in the checker must not take the program down.
			prog, err = nil, ErrorList{{Pos: 0, End: len(src), Msg: fmt.Sprintf("%s: %v", internalCheckMsg, r)}}
		}
	}()
	if testHook != nil {
		testHook()
	}
	c := newChecker(env)
	prog = c.query(q)
	if len(c.errs) > 0 {
		c.errs.Sort()
		if len(c.errs) > maxErrors {
			c.errs = c.errs[:maxErrors]
		}
		return nil, c.errs
	}
	prog.schema = env.Schema
	return prog, nil
}

// batchScopes resolves the program's columns in each batch by name.
func (p *Program) batchScopes(batches []arrow.RecordBatch, release *[]arrow.Array) ([]*scope, error) {
	scopes := make([]*scope, len(batches))
	for b, rec := range batches {
		s := &scope{n: int(rec.NumRows()), release: release}
		if p.schema != nil {
			s.cols = make([]arrow.Array, p.schema.NumFields())
		}
		for k, name := range p.cols {
			idx := rec.Schema().FieldIndices(name)
			if len(idx) == 0 {
				return nil, fmt.Errorf("query: batch %d has no column %q", b, name)
			}
			col := rec.Column(idx[0])
			want := typeOf(p.schema.Field(p.colIdx[k]).Type)
			if got := typeOf(col.DataType()); got.String() != want.String() {
				return nil, fmt.Errorf("query: column %q of batch %d is %s, the query was compiled for %s", name, b, col.DataType(), p.schema.Field(p.colIdx[k]).Type)
			}
			if col.Len() != s.n {
				return nil, fmt.Errorf("query: column %q of batch %d has %d rows, the batch %d", name, b, col.Len(), s.n)
			}
			s.cols[p.colIdx[k]] = col
		}
		scopes[b] = s
	}
	return scopes, nil
}

// selection is the state of a pipeline: per-batch bitmaps until a stage
// orders rows, then a vector of global row indices.
type selection struct {
	bitmaps [][]uint64 // nil after ordering
	all     bool       // every row is still selected; bitmaps are not filled in
	idx     []int64
	starts  []int64 // global index of each batch's first row
}

// Run evaluates the program over batches and returns the selected rows'
// global indices (row offsets counted across batches) in output order:
// filtered by where stages, ordered by sort stages (stable, nulls and NaN
// last), cut by limit. Batches must hold every column Columns names, with
// the types the program was compiled for. mem is for temporary Arrow
// arrays; it may be nil.
func (p *Program) Run(ctx context.Context, batches []arrow.RecordBatch, mem memory.Allocator) ([]int64, error) {
	sel, err := p.run(ctx, batches)
	if err != nil {
		return nil, err
	}
	if sel.bitmaps != nil {
		return sel.indices(-1), nil
	}
	if sel.idx == nil {
		return []int64{}, nil
	}
	return sel.idx, nil
}

// Count returns how many rows Run would return. Without sort or limit
// stages it only counts bits.
func (p *Program) Count(ctx context.Context, batches []arrow.RecordBatch) (int64, error) {
	sel, err := p.run(ctx, batches)
	if err != nil {
		return 0, err
	}
	if sel.bitmaps != nil {
		sel.fill()
		var n int64
		for _, b := range sel.bitmaps {
			n += int64(popcount(b))
		}
		return n, nil
	}
	return int64(len(sel.idx)), nil
}

func (p *Program) run(ctx context.Context, batches []arrow.RecordBatch) (sel *selection, err error) {
	var release []arrow.Array
	defer func() {
		for _, a := range release {
			a.Release()
		}
	}()
	defer func() {
		// Malformed Arrow data (offsets past their buffers, say) or a bug
		// here must not take the program down; tests fail on this error.
		if r := recover(); r != nil {
			sel, err = nil, fmt.Errorf("%s: %v", internalRunMsg, r)
		}
	}()
	if testHook != nil {
		testHook()
	}
	scopes, err := p.batchScopes(batches, &release)
	if err != nil {
		return nil, err
	}
	sel = newSelection(scopes)
	for i, st := range p.stages {
		switch st.kind {
		case Where:
			if err := p.where(ctx, sel, scopes, st.pred); err != nil {
				return nil, err
			}
		case Sort:
			limit := int64(-1)
			if i+1 < len(p.stages) && p.stages[i+1].kind == Limit {
				limit = p.stages[i+1].n
			}
			if err := sortSelection(ctx, sel, scopes, st.keys, limit); err != nil {
				return nil, err
			}
		case Limit:
			if sel.bitmaps != nil {
				sel.idx, sel.bitmaps = sel.indices(st.n), nil
			} else if int64(len(sel.idx)) > st.n {
				sel.idx = sel.idx[:st.n]
			}
		}
	}
	return sel, nil
}

func (p *Program) where(ctx context.Context, sel *selection, scopes []*scope, pred evalNode) error {
	keep := make([][]uint64, len(scopes))
	for b, s := range scopes {
		if err := ctx.Err(); err != nil {
			return err
		}
		if s.n == 0 || sel.bitmaps != nil && !sel.all && popcount(sel.bitmaps[b]) == 0 {
			keep[b] = make([]uint64, words(s.n))
			continue
		}
		keep[b] = truth(pred, s)
	}
	if sel.all {
		sel.bitmaps, sel.all = keep, false
		return nil
	}
	if sel.bitmaps != nil {
		for b := range keep {
			for i := range keep[b] {
				sel.bitmaps[b][i] &= keep[b][i]
			}
		}
		return nil
	}
	out := sel.idx[:0:0]
	for _, g := range sel.idx {
		b := sel.batchOf(g)
		if bit(keep[b], int(g-sel.starts[b])) {
			out = append(out, g)
		}
	}
	sel.idx = out
	return nil
}

// newSelection selects every row of the scopes' batches.
func newSelection(scopes []*scope) *selection {
	sel := &selection{starts: make([]int64, len(scopes)+1), bitmaps: make([][]uint64, len(scopes)), all: true}
	for b, s := range scopes {
		sel.starts[b+1] = sel.starts[b] + int64(s.n)
	}
	return sel
}

// indices lists the selected rows in order, at most limit of them (all
// when limit < 0).
func (sel *selection) indices(limit int64) []int64 {
	sel.fill()
	out := []int64{}
	if limit < 0 {
		n := 0
		for _, b := range sel.bitmaps {
			n += popcount(b)
		}
		out = make([]int64, 0, n)
	}
	for b, bm := range sel.bitmaps {
		for w, word := range bm {
			for word != 0 {
				if limit >= 0 && int64(len(out)) >= limit {
					return out
				}
				j := bits.TrailingZeros64(word)
				out = append(out, sel.starts[b]+int64(w<<6+j))
				word &= word - 1
			}
		}
	}
	return out
}

// fill makes the bitmaps of a selection that still has every row.
func (sel *selection) fill() {
	if !sel.all {
		return
	}
	for b := range sel.bitmaps {
		sel.bitmaps[b] = ones(int(sel.starts[b+1] - sel.starts[b]))
	}
	sel.all = false
}

func (sel *selection) batchOf(g int64) int {
	lo, hi := 0, len(sel.starts)-1
	for hi-lo > 1 {
		m := (lo + hi) / 2
		if sel.starts[m] <= g {
			lo = m
		} else {
			hi = m
		}
	}
	return lo
}
