package classify

import (
	"fmt"
	"math"
	"runtime"
	"sync"

	"triage/evalview/internal/numpy"
)

// ratio is a/b, NaN when b is 0.
func ratio(a, b int64) float64 {
	if b == 0 {
		return math.NaN()
	}
	return float64(a) / float64(b)
}

// zeroIfNaN is scikit-learn's zero_division=0 substitution.
func zeroIfNaN(x float64) float64 {
	if math.IsNaN(x) {
		return 0
	}
	return x
}

// prf returns precision, recall and F1 from counts. Precision is NaN
// without predicted positives, recall without actual positives, F1 only
// when the class occurs nowhere (tp+fp+fn = 0); otherwise F1 follows
// scikit-learn 1.2.1: 2·P·R/(P+R) with an undefined P or R counted as 0, and
// 0 when P+R is 0.
func prf(tp, fp, fn int64) (precision, recall, f1 float64) {
	precision = ratio(tp, tp+fp)
	recall = ratio(tp, tp+fn)
	if tp+fp+fn == 0 {
		return precision, recall, math.NaN()
	}
	return precision, recall, fScore(zeroIfNaN(precision), zeroIfNaN(recall))
}

// fScore is sklearn's F1 from (zero-substituted) precision and recall.
func fScore(p, r float64) float64 {
	denom := p + r
	if denom == 0 {
		denom = 1
	}
	return 2 * p * r / denom
}

// confusionMetrics fills the metrics that depend only on the confusion
// matrix c (K*K, [label][pred]). As scikit-learn with labels=None, the
// averages run over the classes that occur as a label or a prediction.
func (r *Report) confusionMetrics(c []int64, k int) {
	support := make([]int64, k)
	predicted := make([]int64, k)
	var total, trace int64
	for i := range k {
		for j := range k {
			v := c[i*k+j]
			support[i] += v
			predicted[j] += v
			total += v
		}
		trace += c[i*k+i]
	}
	r.Evaluated = int(total)
	r.Accuracy = ratio(trace, total)
	r.PerClass = make([]ClassMetrics, k)
	var ps, rs, fs, recalls, weighted []float64
	var present []int
	for i := range k {
		tp := c[i*k+i]
		m := ClassMetrics{Name: r.Classes[i], Support: support[i], Predicted: predicted[i]}
		m.Precision, m.Recall, m.F1 = prf(tp, predicted[i]-tp, support[i]-tp)
		r.PerClass[i] = m
		if support[i] > 0 {
			recalls = append(recalls, m.Recall)
		}
		if support[i] > 0 || predicted[i] > 0 {
			present = append(present, i)
			ps = append(ps, zeroIfNaN(m.Precision))
			rs = append(rs, zeroIfNaN(m.Recall))
			fs = append(fs, zeroIfNaN(m.F1))
		}
	}
	r.BalancedAccuracy = math.NaN()
	if len(recalls) > 0 {
		r.BalancedAccuracy = numpy.Mean(recalls)
	}
	nan := math.NaN()
	r.MacroAvg = Average{nan, nan, nan, total}
	r.WeightedAvg = Average{nan, nan, nan, total}
	r.MicroAvg = Average{nan, nan, nan, total}
	if len(present) == 0 {
		r.CohenKappa, r.MatthewsCorrcoef = nan, nan
		return
	}
	r.MacroAvg.Precision, r.MacroAvg.Recall, r.MacroAvg.F1 = numpy.Mean(ps), numpy.Mean(rs), numpy.Mean(fs)
	avg := func(x []float64) float64 {
		weighted = weighted[:0]
		for n, i := range present {
			weighted = append(weighted, x[n]*float64(support[i]))
		}
		return numpy.Sum(weighted) / float64(total)
	}
	if total > 0 {
		r.WeightedAvg.Precision, r.WeightedAvg.Recall, r.WeightedAvg.F1 = avg(ps), avg(rs), avg(fs)
	}
	var tpSum int64
	for _, i := range present {
		tpSum += c[i*k+i]
	}
	mp, mr := ratio(tpSum, total), ratio(tpSum, total)
	r.MicroAvg.Precision, r.MicroAvg.Recall = mp, mr
	r.MicroAvg.F1 = fScore(zeroIfNaN(mp), zeroIfNaN(mr))
	r.CohenKappa = cohenKappa(c, support, predicted, present, k)
	r.MatthewsCorrcoef = matthews(support, predicted, trace, total)
	if math.IsNaN(r.MatthewsCorrcoef) {
		r.note("matthews_corrcoef is undefined (labels or predictions hold a single class); scikit-learn reports 0")
	}
}

// cohenKappa is sklearn's cohen_kappa_score (unweighted) over the present
// classes.
func cohenKappa(c, support, predicted []int64, present []int, k int) float64 {
	var total float64
	for _, i := range present {
		total += float64(predicted[i])
	}
	var obs, exp []float64
	for _, i := range present {
		for _, j := range present {
			if i == j {
				continue
			}
			obs = append(obs, float64(c[i*k+j]))
			// expected = outer(sum0, sum1) / total: column sums times row sums.
			exp = append(exp, float64(predicted[i])*float64(support[j])/total)
		}
	}
	den := numpy.Sum(exp)
	if den == 0 {
		return math.NaN()
	}
	return 1 - numpy.Sum(obs)/den
}

// matthews is sklearn's multiclass matthews_corrcoef, NaN where sklearn
// returns 0 because the denominator is 0.
func matthews(support, predicted []int64, trace, total int64) float64 {
	var tp, pp, tt float64
	for i := range support {
		t, p := float64(support[i]), float64(predicted[i])
		tp += t * p
		pp += p * p
		tt += t * t
	}
	n := float64(total)
	cov := float64(trace)*n - tp
	covPP := n*n - pp
	covTT := n*n - tt
	if covPP*covTT == 0 {
		return math.NaN()
	}
	return cov / math.Sqrt(covTT*covPP)
}

// rankStats are the rank statistics of every probs column among the rows
// with a label and probs: twice the Mann-Whitney U of each class against
// the rest (ovr2) and against each other class (ovo2, scored by the first
// class's column), from which ROC AUC follows exactly, ties counting one
// half as in the trapezoidal ROC curve.
type rankStats struct {
	n                int64
	count            []int64 // rows per class
	ovr2             []int64
	ovo2             []int64 // [a*k+b]: class a against class b on column a
	averagePrecision float64 // binary: on the positive column, NaN without positives
}

// rankAll sorts each probs column once (radix sort on the float bits) and
// walks it, on GOMAXPROCS goroutines, over the rows with a label and
// ok[row]. pos >= 0 also computes the average precision of that column.
func rankAll(label []int32, probs []float64, ok []bool, k, pos int) *rankStats {
	rows := 0
	for i, l := range label {
		if l >= 0 && ok[i] {
			rows++
		}
	}
	rowsIdx, labs := make([]int32, 0, rows), make([]int32, 0, rows)
	for i, l := range label {
		if l < 0 || !ok[i] {
			continue
		}
		rowsIdx = append(rowsIdx, int32(i))
		labs = append(labs, l)
	}
	n := len(rowsIdx)
	rs := &rankStats{n: int64(n), count: make([]int64, k), ovr2: make([]int64, k), ovo2: make([]int64, k*k), averagePrecision: math.NaN()}
	for _, l := range labs {
		rs.count[l]++
	}
	// Columns go out in blocks of colBlock, gathered in one pass over the
	// rows so that the row-major probs are read once per block.
	const colBlock = 2
	blocks := (k + colBlock - 1) / colBlock
	workers := min(runtime.GOMAXPROCS(0), blocks)
	next := make(chan int, blocks)
	for b := range blocks {
		next <- b * colBlock
	}
	close(next)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			var keys [colBlock][]uint64
			for i := range keys {
				keys[i] = make([]uint64, n)
			}
			tk := make([]uint64, n)
			lab, tl := make([]int32, n), make([]int32, n)
			cnt, g := make([]int64, k), make([]int64, k)
			for c0 := range next {
				width := min(colBlock, k-c0)
				for i, r := range rowsIdx {
					row := probs[int(r)*k+c0 : int(r)*k+c0+width]
					for j, v := range row {
						keys[j][i] = orderKey(v)
					}
				}
				for j := range width {
					copy(lab, labs)
					sk, sl := radixSort(keys[j], lab, tk, tl)
					rs.walk(c0+j, sk, sl, cnt, g, k)
					if c0+j == pos {
						rs.averagePrecision = averagePrecision(sk, sl, int32(pos), rs.count[pos])
					}
				}
			}
		})
	}
	wg.Wait()
	return rs
}

func hasNaN(row []float64) bool {
	for _, v := range row {
		if v != v {
			return true
		}
	}
	return false
}

// orderKey maps a float64 to a uint64 with the same order; -0 and +0 map
// to the same key so that they tie.
func orderKey(f float64) uint64 {
	if f == 0 {
		f = 0
	}
	b := math.Float64bits(f)
	if b>>63 == 1 {
		return ^b
	}
	return b | 1<<63
}

// radixSort sorts keys ascending, carrying lab along, and returns the
// sorted keys and labels, which are either keys and lab or tk and tl
// (scratch of the same length). It sorts by the high 32 bits with an LSD
// radix sort on bytes (skipping bytes that are the same in every key), then
// finishes each run of equal high halves: by insertion for short runs, by
// the same radix sort on the low 32 bits for long ones. Probabilities
// rarely share their high 32 bits, so most keys move in three or four
// passes instead of eight.
func radixSort(keys []uint64, lab []int32, tk []uint64, tl []int32) ([]uint64, []int32) {
	n := len(keys)
	if n < 2 {
		return keys, lab
	}
	sk, sl := radixBytes(keys, lab, tk, tl, 4)
	ok, ol := tk, tl // the other pair, scratch for the runs
	if &sk[0] == &tk[0] {
		ok, ol = keys, lab
	}
	for s := 0; s < n; {
		hi := sk[s] >> 32
		e := s + 1
		for e < n && sk[e]>>32 == hi {
			e++
		}
		switch {
		case e-s > 32:
			rk, rl := radixBytes(sk[s:e], sl[s:e], ok[s:e], ol[s:e], 0)
			if &rk[0] != &sk[s] {
				copy(sk[s:e], rk)
				copy(sl[s:e], rl)
			}
		case e-s > 1:
			insertionSort(sk[s:e], sl[s:e])
		}
		s = e
	}
	return sk, sl
}

// radixBytes sorts by bytes from..from+3 of the keys, least significant
// first, and returns the buffers that hold the result.
func radixBytes(keys []uint64, lab []int32, tk []uint64, tl []int32, from int) ([]uint64, []int32) {
	n := len(keys)
	var hist [4][256]int
	s0, s1, s2, s3 := uint(8*from), uint(8*from+8), uint(8*from+16), uint(8*from+24)
	for _, x := range keys {
		hist[0][byte(x>>s0)]++
		hist[1][byte(x>>s1)]++
		hist[2][byte(x>>s2)]++
		hist[3][byte(x>>s3)]++
	}
	src, dst, srcL, dstL := keys, tk, lab, tl
	for b := range 4 {
		shift := uint(8 * (from + b))
		h := &hist[b]
		if h[byte(src[0]>>shift)] == n {
			continue
		}
		sum := 0
		for i, c := range h {
			h[i] = sum
			sum += c
		}
		for i, x := range src {
			d := byte(x >> shift)
			at := h[d]
			h[d]++
			dst[at] = x
			dstL[at] = srcL[i]
		}
		src, dst, srcL, dstL = dst, src, dstL, srcL
	}
	return src, srcL
}

func insertionSort(keys []uint64, lab []int32) {
	for i := 1; i < len(keys); i++ {
		k, l := keys[i], lab[i]
		j := i
		for j > 0 && keys[j-1] > k {
			keys[j], lab[j] = keys[j-1], lab[j-1]
			j--
		}
		keys[j], lab[j] = k, l
	}
}

// walk accumulates the U statistics of column a from its sorted keys.
// Scanning upwards, cnt[l] counts the rows below the current group of
// equal keys and g[l] those in it. A row of class a outscores every row
// below it and ties with the rest of its group (one half each); the
// one-vs-one statistic of a against b is counted from the b side: a b row
// is outscored by the a rows above it and ties with those in its group.
func (rs *rankStats) walk(a int, keys []uint64, lab []int32, cnt, g []int64, k int) {
	clear(cnt)
	var cntAll int64
	ovo := rs.ovo2[a*k : (a+1)*k]
	na := rs.count[a]
	var ovr int64
	n := len(keys)
	la := int32(a)
	for s := 0; s < n; {
		if s+1 == n || keys[s+1] != keys[s] {
			// A group of one, the usual case.
			l := lab[s]
			if l == la {
				ovr += 2 * (cntAll - cnt[a])
			} else {
				ovo[l] += 2 * (na - cnt[a])
			}
			cnt[l]++
			cntAll++
			s++
			continue
		}
		e := s + 1
		for e < n && keys[e] == keys[s] {
			e++
		}
		for _, l := range lab[s:e] {
			g[l]++
		}
		ga, gAll := g[a], int64(e-s)
		ovr += ga * (2*(cntAll-cnt[a]) + (gAll - ga))
		aAbove := 2*(na-cnt[a]-ga) + ga // before cnt[a] moves past the group
		for _, l := range lab[s:e] {
			if gl := g[l]; gl > 0 && l != la {
				ovo[l] += gl * aAbove
			}
			cnt[l] += g[l]
			g[l] = 0
		}
		cntAll += gAll
		s = e
	}
	rs.ovr2[a] = ovr
}

// averagePrecision is sklearn's average_precision_score on one sorted
// column: the sum over distinct scores, highest first, of the recall gained
// times the precision at that score. NaN without positives.
func averagePrecision(keys []uint64, lab []int32, pos int32, positives int64) float64 {
	if positives == 0 {
		return math.NaN()
	}
	var tps, fps, prev int64
	var terms []float64
	for e := len(keys); e > 0; {
		s := e - 1
		for s > 0 && keys[s-1] == keys[e-1] {
			s--
		}
		for _, l := range lab[s:e] {
			if l == pos {
				tps++
			} else {
				fps++
			}
		}
		if tps > prev {
			recallGain := float64(tps)/float64(positives) - float64(prev)/float64(positives)
			terms = append(terms, recallGain*float64(tps)/float64(tps+fps))
		}
		prev = tps
		e = s
	}
	return numpy.Sum(terms)
}

// rocAUC fills the ROC AUC numbers from the rank statistics. As in
// scikit-learn, the macro and weighted averages and one-vs-one need every
// class among the labels (sklearn refuses otherwise; here they are NaN with
// a note), while each class's own one-vs-rest AUC is kept where defined.
func (r *Report) rocAUC(rs *rankStats, k int) {
	aucs := make([]float64, 0, k)
	var weighted []float64
	missing := ""
	for a := range k {
		na, nn := rs.count[a], rs.n-rs.count[a]
		if na == 0 || nn == 0 {
			if missing == "" {
				missing = r.Classes[a]
			}
			continue
		}
		auc := float64(rs.ovr2[a]) / (2 * float64(na) * float64(nn))
		r.PerClass[a].ROCAUC = auc
		aucs = append(aucs, auc)
		weighted = append(weighted, auc*float64(na))
	}
	if missing != "" {
		r.note(fmt.Sprintf("ROC AUC averages are undefined: class %q has no labeled rows with probs, or every such row has it", missing))
		return
	}
	r.ROCAUCOvRMacro = numpy.Mean(aucs)
	r.ROCAUCOvRWeighted = numpy.Sum(weighted) / float64(rs.n)
	var pairs []float64
	for a := range k {
		for b := a + 1; b < k; b++ {
			d := 2 * float64(rs.count[a]) * float64(rs.count[b])
			pairs = append(pairs, (float64(rs.ovo2[a*k+b])/d+float64(rs.ovo2[b*k+a])/d)/2)
		}
	}
	if len(pairs) > 0 {
		r.ROCAUCOvOMacro = numpy.Mean(pairs)
	}
}
