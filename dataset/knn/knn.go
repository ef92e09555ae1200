// Package knn finds exact nearest neighbours by cosine similarity: for each
// query vector, the k rows of a pool with the highest cosine, fast enough to
// search a million pool vectors for a thousand queries in seconds.
//
// The score of query q and pool row p is
//
//	cos(q, p) = Σ q_i·p_i / (‖q‖·‖p‖)
//
// computed in float64 over the float32 inputs, summed in index order
// (‖x‖ = sqrt(Σ x_i·x_i), the same way). Neighbours are ranked by that score,
// highest first, ties broken by the lower pool row. The result is exactly the
// one a naive loop over every (query, row) pair gives.
//
// How it is fast and still exact:
//
//	queries ──normalize, pack 6×dim panels──┐
//	pool block (512 rows) ──normalize, pack──┴─> float32 GEMM tile 6×16 ──> scores
//	scores ≥ threshold(q) ──> candidates(q)  (threshold = k-th best float32 score − 2ε)
//	candidates ──rescore in float64 (the definition above)──> sort ──> top k
//
// Each worker takes the next block of pool rows, normalizes and packs it
// once, and multiplies it by every packed query panel with a register-blocked
// kernel (AVX2+FMA assembly on amd64, plain Go elsewhere). A float32 score
// differs from the float64 one by at most ε = (2·dim+8)·2⁻²⁴ (rounding in
// the normalization and the dot product of unit vectors), so every row whose
// float64 score could make the top k has a float32 score within 2ε of the
// k-th best float32 score: keeping those candidates and rescoring them in
// float64 gives the exact ranking.
package knn

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
)

// Matrix is a set of vectors stored row after row in one flat buffer.
type Matrix struct {
	Data []float32
	Dim  int
}

// Rows is the number of vectors; 0 when Dim is 0.
func (m Matrix) Rows() int {
	if m.Dim <= 0 {
		return 0
	}
	return len(m.Data) / m.Dim
}

// Row returns vector i, aliasing Data.
func (m Matrix) Row(i int) []float32 { return m.Data[i*m.Dim : (i+1)*m.Dim] }

// Neighbor is one pool row found for a query.
type Neighbor struct {
	Row   int     // row index in the pool
	Score float64 // cosine similarity
}

// Options tune a search.
type Options struct {
	// Skip, if not nil, has one entry per pool row; rows marked true are
	// never neighbours.
	Skip []bool
	// Workers is the number of goroutines; 0 means GOMAXPROCS.
	Workers int
}

// Search returns, for each query, its k nearest pool rows by cosine
// similarity, best first. Pool rows whose norm is zero, NaN or infinite are
// never neighbours; a query whose norm is is an error naming the query.
// When fewer than k rows are eligible, a query gets all of them. k <= 0 or
// no queries give empty results.
func Search(ctx context.Context, queries, pool Matrix, k int, opts Options) ([][]Neighbor, error) {
	return search(ctx, queries, pool, k, opts, defaultKernel)
}

// blockRows is how many pool rows a worker packs at a time: 512 rows of
// dimension 128 are 256 KiB, which stays in a core's L2 cache while every
// query panel streams past it.
const blockRows = 512

const (
	mr = 6  // queries per kernel tile
	nr = 16 // pool rows per kernel tile
)

func search(ctx context.Context, queries, pool Matrix, k int, opts Options, kern kernel) ([][]Neighbor, error) {
	if queries.Dim != pool.Dim {
		return nil, fmt.Errorf("queries have dimension %d, pool %d", queries.Dim, pool.Dim)
	}
	d := queries.Dim
	if d <= 0 {
		return nil, fmt.Errorf("dimension %d: need at least 1", d)
	}
	if len(queries.Data)%d != 0 || len(pool.Data)%d != 0 {
		return nil, errors.New("vector buffer is not a whole number of rows")
	}
	nq, np := queries.Rows(), pool.Rows()
	if opts.Skip != nil && len(opts.Skip) != np {
		return nil, fmt.Errorf("skip list has %d entries, pool has %d rows", len(opts.Skip), np)
	}
	out := make([][]Neighbor, nq)
	if k <= 0 || nq == 0 || np == 0 {
		return out, nil
	}

	qnorm := make([]float64, nq)
	for i := range nq {
		qnorm[i] = norm(queries.Row(i))
		if !usable(qnorm[i]) {
			return nil, fmt.Errorf("query %d: embedding norm is %v, cosine similarity is undefined", i, qnorm[i])
		}
	}
	qpanels := (nq + mr - 1) / mr
	apack := make([]float32, qpanels*mr*d)
	for i := range nq {
		packRow(apack[(i/mr)*mr*d:], mr, i%mr, queries.Row(i), qnorm[i])
	}

	eps := float32((2*float64(d) + 8) / (1 << 24))
	pnorm := make([]float64, np)
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	nblocks := (np + blockRows - 1) / blockRows
	workers = min(workers, nblocks)
	tops := make([][]topK, workers)
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		tops[w] = make([]topK, nq)
		for i := range tops[w] {
			tops[w][i].init(k, 2*eps)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := scanner{d: d, pool: pool, skip: opts.Skip, pnorm: pnorm, apack: apack, nq: nq, tops: tops[w], kern: kern,
				bpack: make([]float32, blockRows*d), c: make([]float32, mr*blockRows), bad: make([]bool, blockRows)}
			for ctx.Err() == nil {
				b := int(next.Add(1) - 1)
				if b >= nblocks {
					return
				}
				s.block(b*blockRows, min((b+1)*blockRows, np))
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	// Rescore every worker's candidates in float64 and keep the best k.
	for q := range nq {
		var cands []Neighbor
		for w := range workers {
			for _, c := range tops[w][q].cands {
				cands = append(cands, Neighbor{Row: int(c.row), Score: cosine(queries.Row(q), pool.Row(int(c.row)), qnorm[q], pnorm[c.row])})
			}
		}
		slices.SortFunc(cands, compareNeighbors)
		out[q] = cands[:min(k, len(cands))]
	}
	return out, nil
}

// compareNeighbors orders by score, highest first, then by row.
func compareNeighbors(a, b Neighbor) int {
	switch {
	case a.Score > b.Score:
		return -1
	case a.Score < b.Score:
		return 1
	}
	return a.Row - b.Row
}

// scanner is one worker's state: its packing buffers and its candidates.
type scanner struct {
	d     int
	pool  Matrix
	skip  []bool
	pnorm []float64 // shared; each worker writes only its own blocks' rows
	apack []float32
	nq    int
	tops  []topK
	kern  kernel

	bpack []float32 // the block's rows, normalized, in panels of nr
	c     []float32 // scores: mr rows of blockRows
	bad   []bool    // rows of the block that can't be neighbours
}

// block scores pool rows [r0, r1) against every query.
func (s *scanner) block(r0, r1 int) {
	d, n := s.d, r1-r0
	panels := (n + nr - 1) / nr
	clear(s.bpack[:panels*nr*d])
	for r := r0; r < r1; r++ {
		nm := norm(s.pool.Row(r))
		s.pnorm[r] = nm
		i := r - r0
		s.bad[i] = !usable(nm) || (s.skip != nil && s.skip[r])
		if !s.bad[i] {
			packRow(s.bpack[(i/nr)*nr*d:], nr, i%nr, s.pool.Row(r), nm)
		}
	}
	for qp := 0; qp*mr < s.nq; qp++ {
		a := s.apack[qp*mr*d : (qp+1)*mr*d]
		for j := range panels {
			s.kern.tile(d, a, s.bpack[j*nr*d:(j+1)*nr*d], s.c[j*nr:], blockRows)
		}
		for i := range mr {
			q := qp*mr + i
			if q >= s.nq {
				break
			}
			t := &s.tops[q]
			row := s.c[i*blockRows : i*blockRows+n]
			for off := 0; off < n; {
				j := off + s.kern.firstAtLeast(row[off:], t.thr)
				if j >= n {
					break
				}
				if !s.bad[j] {
					t.add(row[j], int32(r0+j))
				}
				off = j + 1
			}
		}
	}
}

// packRow writes x/‖x‖ as lane `lane` of a panel of `width` interleaved
// vectors: panel[p*width+lane] = x[p]/‖x‖.
func packRow(panel []float32, width, lane int, x []float32, nm float64) {
	inv := 1 / nm
	for p, v := range x {
		panel[p*width+lane] = float32(float64(v) * inv)
	}
}

func usable(nm float64) bool { return nm > 0 && !math.IsInf(nm, 0) && !math.IsNaN(nm) }

// dot is Σ a_i·b_i in float64, in index order: the definition the ranking
// follows.
func dot(a, b []float32) float64 {
	var s float64
	for i, v := range a {
		s += float64(v) * float64(b[i])
	}
	return s
}

func norm(x []float32) float64 { return math.Sqrt(dot(x, x)) }

func cosine(q, p []float32, qn, pn float64) float64 { return dot(q, p) / (qn * pn) }
