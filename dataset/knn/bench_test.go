package knn

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// BenchmarkSearch is the target: 1,000 queries against 1,000,000
// pool vectors of dimension 128, k = 10, with the default kernel. The
// smaller size compares the kernels and the naive loop, which at the target
// would take many minutes (its ns/pair, times 10⁹ pairs, is its time).
//
//	go test ./dataset/knn -run '^$' -bench Search -benchtime 3x
func BenchmarkSearch(b *testing.B) {
	for _, size := range []struct{ nq, np, dim int }{
		{20, 100_000, 128},
		{1000, 1_000_000, 128},
	} {
		r := rand.New(rand.NewPCG(7, 8))
		q := randMatrix(r, size.nq, size.dim)
		p := randMatrix(r, size.np, size.dim)
		pairs := float64(size.nq) * float64(size.np)
		kerns := kernels()
		if size.np > 100_000 {
			kerns = []kernel{defaultKernel}
		}
		for _, kern := range kerns {
			b.Run(fmt.Sprintf("%s/q=%d/pool=%d/dim=%d", kern.name, size.nq, size.np, size.dim), func(b *testing.B) {
				b.SetBytes(int64(len(p.Data) * 4))
				cpu0 := cpuTime()
				for b.Loop() {
					if _, err := search(context.Background(), q, p, 10, Options{}, kern); err != nil {
						b.Fatal(err)
					}
				}
				// On a shared machine the wall time depends on the load;
				// the CPU time does not.
				b.ReportMetric((cpuTime()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/pairs, "ns/pair")
			})
		}
		if size.np > 100_000 {
			continue
		}
		b.Run(fmt.Sprintf("naive/q=%d/pool=%d/dim=%d", size.nq, size.np, size.dim), func(b *testing.B) {
			b.SetBytes(int64(len(p.Data) * 4))
			for b.Loop() {
				naive(q, p, 10, nil)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/pairs, "ns/pair")
		})
	}
}

// BenchmarkTile measures one kernel tile (6 queries × 16 rows × 128 dims)
// from L1 cache: the kernel's peak.
func BenchmarkTile(b *testing.B) {
	const d = 128
	a, p, c := make([]float32, d*mr), make([]float32, d*nr), make([]float32, mr*nr)
	for _, kern := range kernels() {
		b.Run(kern.name, func(b *testing.B) {
			for b.Loop() {
				kern.tile(d, a, p, c, nr)
			}
			b.ReportMetric(2*d*mr*nr*float64(b.N)/float64(b.Elapsed().Nanoseconds()), "GFLOP/s")
		})
	}
}

// BenchmarkGEMM compares the score product alone — 1,000 queries × 51,200
// pool rows × 128 dims, in blocks of 512 rows — done by gonum's pure-Go
// Sgemm and by this package's kernel (packing included, no top-k): why
// the search has its own kernel.
func BenchmarkGEMM(b *testing.B) {
	const nq, np, d = 1000, 100 * blockRows, 128
	r := rand.New(rand.NewPCG(9, 10))
	q, p := randMatrix(r, nq, d), randMatrix(r, np, d)
	flops := 2 * float64(nq) * np * d
	b.Run("gonum-sgemm", func(b *testing.B) {
		c := make([]float32, nq*blockRows)
		impl := gonum.Implementation{}
		for b.Loop() {
			for r0 := 0; r0 < np; r0 += blockRows {
				impl.Sgemm(blas.NoTrans, blas.Trans, nq, blockRows, d, 1, q.Data, d, p.Data[r0*d:(r0+blockRows)*d], d, 0, c, blockRows)
			}
		}
		b.ReportMetric(flops*float64(b.N)/float64(b.Elapsed().Nanoseconds()), "GFLOP/s")
	})
	for _, kern := range kernels() {
		b.Run(kern.name, func(b *testing.B) {
			apack := make([]float32, (nq+mr-1)/mr*mr*d)
			for i := range nq {
				packRow(apack[(i/mr)*mr*d:], mr, i%mr, q.Row(i), 1)
			}
			bpack, c := make([]float32, blockRows*d), make([]float32, mr*blockRows)
			for b.Loop() {
				for r0 := 0; r0 < np; r0 += blockRows {
					for i := range blockRows {
						packRow(bpack[(i/nr)*nr*d:], nr, i%nr, p.Row(r0+i), 1)
					}
					for qp := 0; qp*mr < nq; qp++ {
						for j := range blockRows / nr {
							kern.tile(d, apack[qp*mr*d:(qp+1)*mr*d], bpack[j*nr*d:(j+1)*nr*d], c[j*nr:], blockRows)
						}
					}
				}
			}
			b.ReportMetric(flops*float64(b.N)/float64(b.Elapsed().Nanoseconds()), "GFLOP/s")
		})
	}
}
