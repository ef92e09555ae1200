package classify

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// synthClass makes a reproducible classification input of n rows and k
// classes: a model that is right about 80% of the time, softmax probs, and
// 5% of labels flipped at random.
func synthClass(n, k int) *Input {
	rng := rand.New(rand.NewPCG(uint64(n), uint64(k)))
	in := &Input{
		Classes:  make([]string, k),
		Label:    make([]int32, n),
		Probs:    make([]float64, n*k),
		Positive: -1,
	}
	for c := range k {
		in.Classes[c] = fmt.Sprintf("class%d", c)
	}
	logits := make([]float64, k)
	for i := range n {
		truth := rng.IntN(k)
		for c := range logits {
			logits[c] = rng.NormFloat64()
		}
		logits[truth] += 2.5
		sum := 0.0
		row := in.Probs[i*k : (i+1)*k]
		for c, l := range logits {
			row[c] = math.Exp(l)
			sum += row[c]
		}
		for c := range row {
			row[c] /= sum
		}
		label := truth
		if rng.Float64() < 0.05 {
			label = rng.IntN(k)
		}
		in.Label[i] = int32(label)
	}
	in.Pred = argmaxRows(in.Probs, k)
	return in
}

var synthCache sync.Map

func cachedSynth(n, k int) *Input {
	key := [2]int{n, k}
	if in, ok := synthCache.Load(key); ok {
		return in.(*Input)
	}
	in := synthClass(n, k)
	synthCache.Store(key, in)
	return in
}

// withMissing returns a copy of in where a fraction of the rows lack a
// label, a prediction or probs (a third each).
func withMissing(in *Input, frac float64) *Input {
	if frac == 0 {
		return in
	}
	k := len(in.Classes)
	out := *in
	out.Label = slices.Clone(in.Label)
	out.Pred = slices.Clone(in.Pred)
	out.Probs = slices.Clone(in.Probs)
	rng := rand.New(rand.NewPCG(1, 1))
	for i := range out.Label {
		if rng.Float64() >= frac {
			continue
		}
		switch i % 3 {
		case 0:
			out.Label[i] = -1
		case 1:
			out.Pred[i] = -1
		default:
			for j := range k {
				out.Probs[i*k+j] = math.NaN()
			}
		}
	}
	return &out
}

// BenchmarkClassEvaluate is Evaluate plus building the
// derived Arrow columns, the whole per-dataset cost, by size and fraction
// of rows with something missing.
func BenchmarkClassEvaluate(b *testing.B) {
	for _, size := range []struct {
		n, k    int
		missing float64
	}{{100_000, 10, 0}, {100_000, 10, 0.1}, {1_000_000, 20, 0}} {
		name := fmt.Sprintf("%dx%d", size.n, size.k)
		if size.missing > 0 {
			name += fmt.Sprintf("/missing=%g", size.missing)
		}
		b.Run(name, func(b *testing.B) {
			in := withMissing(cachedSynth(size.n, size.k), size.missing)
			mem := memory.NewGoAllocator()
			b.SetBytes(int64(size.n * size.k * 8))
			b.ResetTimer()
			for b.Loop() {
				r, err := Evaluate(in)
				if err != nil {
					b.Fatal(err)
				}
				_, arrays := r.Fields(mem)
				for _, a := range arrays {
					a.Release()
				}
			}
		})
	}
}

// BenchmarkCleanlab is confident learning alone: thresholds, confident
// joint, calibration and find_label_issues with the default filter.
func BenchmarkCleanlab(b *testing.B) {
	for _, size := range []struct{ n, k int }{{200_000, 8}, {1_000_000, 20}} {
		for _, filter := range []string{FilterPruneByNoiseRate, FilterBoth} {
			b.Run(fmt.Sprintf("%dx%d/%s", size.n, size.k, filter), func(b *testing.B) {
				in := cachedSynth(size.n, size.k)
				b.SetBytes(int64(size.n * size.k * 8))
				b.ResetTimer()
				for b.Loop() {
					cl := newConfidentLearner(in.Label, in.Probs, nil, size.k)
					cl.run()
					_ = cl.flag(filter, nil, nil)
				}
			})
		}
	}
}
