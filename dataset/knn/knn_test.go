package knn

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// naive is the row-at-a-time reference: every (query, row) pair scored by
// the definition, sorted by score then row.
func naive(queries, pool Matrix, k int, skip []bool) [][]Neighbor {
	out := make([][]Neighbor, queries.Rows())
	pn := make([]float64, pool.Rows())
	for r := range pn {
		pn[r] = norm(pool.Row(r))
	}
	for q := range queries.Rows() {
		qn := norm(queries.Row(q))
		all := make([]Neighbor, 0, pool.Rows())
		for r := range pool.Rows() {
			if (skip != nil && skip[r]) || !usable(pn[r]) {
				continue
			}
			all = append(all, Neighbor{r, cosine(queries.Row(q), pool.Row(r), qn, pn[r])})
		}
		slices.SortStableFunc(all, func(a, b Neighbor) int {
			if a.Score != b.Score {
				if a.Score > b.Score {
					return -1
				}
				return 1
			}
			return 0
		})
		out[q] = all[:min(k, len(all))]
	}
	return out
}

func randMatrix(r *rand.Rand, rows, dim int) Matrix {
	m := Matrix{Data: make([]float32, rows*dim), Dim: dim}
	for i := range m.Data {
		m.Data[i] = float32(r.NormFloat64())
	}
	return m
}

func kernels() []kernel {
	ks := []kernel{goKernel}
	if defaultKernel.name != goKernel.name {
		ks = append(ks, defaultKernel)
	}
	return ks
}

func TestSearchMatchesNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, kern := range kernels() {
		for _, tc := range []struct {
			name            string
			nq, np, dim, k  int
			dups, quantized bool
			near            bool // pool rows within 1e-4 of query 0: float32 can't rank them
		}{
			{"small", 7, 50, 3, 5, false, false, false},
			{"blocks", 13, 2*blockRows + 37, 16, 10, false, false, false},
			{"k over rows", 3, 20, 8, 50, false, false, false},
			{"dim 1", 5, 100, 1, 7, false, false, false},
			{"duplicates", 9, 1500, 32, 12, true, false, false},
			{"coarse values, many ties", 11, 1200, 4, 20, false, true, false},
			{"dim 128", 20, 3000, 128, 10, false, false, false},
			{"near the query", 3, 2000, 64, 5, false, false, true},
		} {
			t.Run(kern.name+"/"+tc.name, func(t *testing.T) {
				q := randMatrix(r, tc.nq, tc.dim)
				p := randMatrix(r, tc.np, tc.dim)
				if tc.dups { // every row repeated 30 times: exact ties
					for i := range tc.np {
						copy(p.Row(i), p.Row(i%50))
					}
					copy(q.Row(0), p.Row(3))
				}
				if tc.near {
					for i := range tc.np {
						for j, v := range q.Row(0) {
							p.Row(i)[j] = v + float32(1e-4*r.NormFloat64())
						}
					}
				}
				if tc.quantized {
					for i := range p.Data {
						p.Data[i] = float32(math.Round(float64(p.Data[i])))
					}
				}
				skip := make([]bool, tc.np)
				for i := range skip {
					skip[i] = r.IntN(10) == 0
				}
				got, err := search(context.Background(), q, p, tc.k, Options{Skip: skip, Workers: 2}, kern)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(naive(q, p, tc.k, skip), got); diff != "" {
					t.Errorf("search differs from the naive loop (-want +got):\n%s", diff)
				}
			})
		}
	}
}

func TestSearchBadRows(t *testing.T) {
	p := Matrix{Data: []float32{0, 0, 1, 0, float32(math.NaN()), 1, 0, 1, float32(math.Inf(1)), 0}, Dim: 2}
	q := Matrix{Data: []float32{1, 1}, Dim: 2}
	got, err := Search(context.Background(), q, p, 10, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := 1 / math.Sqrt(2) // 1/(‖q‖·1), as the definition computes it
	want := [][]Neighbor{{{Row: 1, Score: s}, {Row: 3, Score: s}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("zero, NaN and infinite rows are never neighbours (-want +got):\n%s", diff)
	}

	if _, err := Search(context.Background(), Matrix{Data: []float32{0, 0}, Dim: 2}, p, 1, Options{}); err == nil {
		t.Error("a zero query: no error")
	}
	if _, err := Search(context.Background(), Matrix{Data: []float32{1, 0, 0}, Dim: 3}, p, 1, Options{}); err == nil {
		t.Error("dimension mismatch: no error")
	}
	if _, err := Search(context.Background(), q, p, 1, Options{Skip: []bool{true}}); err == nil {
		t.Error("short skip list: no error")
	}
	got, err = Search(context.Background(), q, p, 0, Options{})
	if err != nil || len(got) != 1 || len(got[0]) != 0 {
		t.Errorf("k=0: %v, %v; want one empty result", got, err)
	}
}

func TestSearchCancelled(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Search(ctx, randMatrix(r, 2, 4), randMatrix(r, 5000, 4), 3, Options{}); err == nil {
		t.Error("cancelled context: no error")
	}
}

// TestTileKernels checks each kernel's tile against float64 products.
func TestTileKernels(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, kern := range kernels() {
		for _, d := range []int{0, 1, 7, 128} {
			a, b := make([]float32, d*mr), make([]float32, d*nr)
			for i := range a {
				a[i] = float32(r.Float64())
			}
			for i := range b {
				b[i] = float32(r.Float64())
			}
			const ldc = 20
			c := make([]float32, mr*ldc)
			for i := range c {
				c[i] = -7
			}
			kern.tile(d, a, b, c, ldc)
			for i := range mr {
				for j := range ldc {
					want := -7.0
					if j < nr {
						want = 0
						for p := range d {
							want += float64(a[p*mr+i]) * float64(b[p*nr+j])
						}
					}
					if got := float64(c[i*ldc+j]); math.Abs(got-want) > 1e-4*(1+math.Abs(want)) {
						t.Errorf("%s d=%d: c[%d][%d] = %v, want %v", kern.name, d, i, j, got, want)
					}
				}
			}
		}
		for n := range 40 {
			x := make([]float32, n)
			for i := range x {
				x[i] = float32(i)
			}
			if n > 3 {
				x[3] = float32(math.NaN())
			}
			for _, thr := range []float32{-1, 0, 3, 5, 17, 100} {
				if got, want := kern.firstAtLeast(x, thr), firstAtLeastGo(x, thr); got != want {
					t.Errorf("%s firstAtLeast(len %d, %v) = %d, want %d", kern.name, n, thr, got, want)
				}
			}
		}
	}
}
