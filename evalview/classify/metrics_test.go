package classify

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// randomProbs returns values with many exact ties and long runs sharing
// their high 32 bits, the cases the radix sort and rank walk special-case.
func randomProbs(rng *rand.Rand, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		switch rng.IntN(4) {
		case 0:
			out[i] = float64(rng.IntN(5)) / 4 // exact ties, including 0 and 1
		case 1:
			out[i] = 0.5 + float64(rng.IntN(1000))*0x1p-50 // same high 32 bits
		case 2:
			out[i] = math.Copysign(0, -1) // -0 must tie with 0
		default:
			out[i] = rng.Float64()
		}
	}
	return out
}

func TestMetricRadixSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, n := range []int{1, 2, 31, 33, 1000, 20000} {
		vals := randomProbs(rng, n)
		keys := make([]uint64, n)
		lab := make([]int32, n)
		for i, v := range vals {
			keys[i] = orderKey(v)
			lab[i] = int32(i)
		}
		keys, lab = radixSort(keys, lab, make([]uint64, n), make([]int32, n))
		want := slices.Clone(vals)
		slices.Sort(want)
		for i := range keys {
			if keys[i] != orderKey(want[i]) {
				t.Fatalf("n=%d: position %d holds key %x, want %x (%v)", n, i, keys[i], orderKey(want[i]), want[i])
			}
			if orderKey(vals[lab[i]]) != keys[i] {
				t.Fatalf("n=%d: label at %d does not travel with its key", n, i)
			}
		}
	}
}

func allOK(n int) []bool {
	ok := make([]bool, n)
	for i := range ok {
		ok[i] = true
	}
	return ok
}

// slowAUC is the definition: the share of (positive, negative) pairs the
// positive outscores, ties counting one half.
func slowAUC(pos, neg []float64) float64 {
	var u float64
	for _, p := range pos {
		for _, q := range neg {
			switch {
			case p > q:
				u++
			case p == q:
				u += 0.5
			}
		}
	}
	return u / float64(len(pos)*len(neg))
}

// The rank walk gives the same one-vs-rest and one-vs-one AUCs as the
// pairwise definition, on data full of ties.
func TestMetricRankStatsSlow(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const n, k = 400, 3
	label := make([]int32, n)
	probs := make([]float64, n*k)
	for i := range n {
		label[i] = int32(rng.IntN(k))
		copy(probs[i*k:], randomProbs(rng, k))
	}
	rs := rankAll(label, probs, allOK(n), k, 1)
	for a := range k {
		var pos, neg []float64
		for i, l := range label {
			if int(l) == a {
				pos = append(pos, probs[i*k+a])
			} else {
				neg = append(neg, probs[i*k+a])
			}
		}
		got := float64(rs.ovr2[a]) / (2 * float64(rs.count[a]) * float64(n-rs.count[a]))
		if want := slowAUC(pos, neg); !near(got, want) {
			t.Errorf("OvR AUC of %d = %v, want %v", a, got, want)
		}
		for b := range k {
			if b == a {
				continue
			}
			var pa, pb []float64
			for i, l := range label {
				switch int(l) {
				case a:
					pa = append(pa, probs[i*k+a])
				case b:
					pb = append(pb, probs[i*k+a])
				}
			}
			got := float64(rs.ovo2[a*k+b]) / (2 * float64(len(pa)) * float64(len(pb)))
			if want := slowAUC(pa, pb); !near(got, want) {
				t.Errorf("AUC of %d against %d = %v, want %v", a, b, got, want)
			}
		}
	}
}

// slowAveragePrecision follows sklearn's code: thresholds at each
// distinct score, high to low, summing recall steps times precision.
func slowAveragePrecision(scores []float64, positive []bool) float64 {
	distinct := slices.Clone(scores)
	slices.Sort(distinct)
	distinct = slices.Compact(distinct)
	var total float64
	for _, p := range positive {
		if p {
			total++
		}
	}
	var ap, prevRecall float64
	for i := len(distinct) - 1; i >= 0; i-- {
		var tp, fp float64
		for j, s := range scores {
			if s >= distinct[i] {
				if positive[j] {
					tp++
				} else {
					fp++
				}
			}
		}
		recall := tp / total
		ap += (recall - prevRecall) * tp / (tp + fp)
		prevRecall = recall
	}
	return ap
}

func TestMetricAveragePrecisionSlow(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const n = 300
	label := make([]int32, n)
	probs := make([]float64, 2*n)
	scores := make([]float64, n)
	positive := make([]bool, n)
	for i := range n {
		label[i] = int32(rng.IntN(2))
		p := float64(rng.IntN(20)) / 19
		probs[2*i], probs[2*i+1] = 1-p, p
		scores[i], positive[i] = p, label[i] == 1
	}
	rs := rankAll(label, probs, allOK(n), 2, 1)
	if want := slowAveragePrecision(scores, positive); !near(rs.averagePrecision, want) {
		t.Errorf("average precision = %v, want %v", rs.averagePrecision, want)
	}
}

// npArgsort sorts, and for fewer than 17 keys keeps ties in input order
// (numpy finishes small partitions by insertion sort).
func TestMetricNumpyArgsort(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{0, 1, 5, 16, 17, 100, 5000} {
		keys := make([]float64, n)
		for i := range keys {
			keys[i] = float64(rng.IntN(10))
		}
		if n > 2 {
			keys[1] = math.NaN() // numpy sorts NaN last
		}
		perm := make([]int32, n)
		for i := range perm {
			perm[i] = int32(i)
		}
		npArgsort(keys, perm)
		for i := 1; i < n; i++ {
			a, b := keys[perm[i-1]], keys[perm[i]]
			if npLess(b, a) {
				t.Fatalf("n=%d: not sorted at %d: %v then %v", n, i, a, b)
			}
			if n <= 16 && a == b && perm[i-1] > perm[i] {
				t.Errorf("n=%d: ties out of input order at %d", n, i)
			}
		}
		seen := slices.Clone(perm)
		slices.Sort(seen)
		for i, p := range seen {
			if int(p) != i {
				t.Fatalf("n=%d: not a permutation", n)
			}
		}
	}
	// Past the depth limit numpy switches to heapsort; it must sort too.
	keys := []float64{5, 3, 9, 1, 1, 7, 2, 8, 3, 3}
	perm := []int32{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	npArgHeapsort(keys, perm)
	for i := 1; i < len(perm); i++ {
		if keys[perm[i-1]] > keys[perm[i]] {
			t.Fatalf("heapsort: not sorted: %v", perm)
		}
	}
}

// npArgsortFirst's selection shortcut picks the same rows as sorting with
// npArgsort and taking the first m, with and without ties at the cut.
func TestMetricArgsortFirst(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for trial := range 200 {
		n := 1 + rng.IntN(300)
		keys := make([]float64, n)
		for i := range keys {
			if trial%2 == 0 {
				keys[i] = float64(rng.IntN(8))
			} else {
				keys[i] = rng.Float64()
			}
		}
		m := rng.IntN(n + 2)
		got := make([]bool, n)
		npArgsortFirst(keys, m, got, make([]float64, n), make([]int32, n))
		perm := make([]int32, n)
		for i := range perm {
			perm[i] = int32(i)
		}
		npArgsort(keys, perm)
		want := make([]bool, n)
		for _, p := range perm[:min(m, n)] {
			want[p] = true
		}
		if !slices.Equal(got, want) {
			t.Fatalf("trial %d (n=%d, m=%d): selection differs from numpy's argsort", trial, n, m)
		}
	}
}

// lnTable stays within 1e-15 (relative, or absolute near 1) of math.Log
// and is exact at 1.
func TestMetricLnTable(t *testing.T) {
	if got := lnTable(1); got != 0 {
		t.Errorf("lnTable(1) = %v, want 0", got)
	}
	rng := rand.New(rand.NewPCG(11, 12))
	for range 100000 {
		x := rng.Float64()
		if rng.IntN(3) == 0 {
			x = math.Exp(-50 * rng.Float64())
		}
		if x == 0 {
			continue
		}
		got, want := lnTable(x), math.Log(x)
		if math.Abs(got-want) > 1e-15*max(1, math.Abs(want)) {
			t.Fatalf("lnTable(%v) = %.17g, math.Log = %.17g", x, got, want)
		}
	}
	for _, x := range []float64{5e-324, math.Inf(1)} {
		if got, want := lnTable(x), math.Log(x); got != want {
			t.Errorf("lnTable(%v) = %v, want %v", x, got, want)
		}
	}
}
