// Package curve computes the curves that evaluation plots show, from
// per-sample arrays, as scikit-learn computes them: precision–recall and
// ROC points for one class against the rest, and calibration bins with the
// expected calibration error. It holds numbers only; packages chart and
// plot draw them.
package curve

import (
	"math"
)

// Counts holds, for each distinct score from the highest down, the number
// of positives (tps) and negatives (fps) scoring at least that much:
// scikit-learn's _binary_clf_curve. Both curves of one class are read
// from one Counts, so its samples are sorted once.
type Counts struct {
	tps, fps, thresholds []float64
}

// scored is one sample in the sort.
type scored struct {
	score    float64
	positive bool
}

// Cumulate sorts the samples by score, highest first, and counts. Samples
// with a NaN score are left out. It panics if the lengths differ.
func Cumulate(positive []bool, score []float64) Counts {
	if len(positive) != len(score) {
		panic("curve: positive and score lengths differ")
	}
	order := make([]scored, 0, len(score))
	for i, s := range score {
		if !math.IsNaN(s) {
			order = append(order, scored{s, positive[i]})
		}
	}
	sortByScore(order)
	distinct := 0
	for k := range order {
		if k == len(order)-1 || order[k+1].score != order[k].score {
			distinct++
		}
	}
	c := Counts{tps: make([]float64, 0, distinct), fps: make([]float64, 0, distinct), thresholds: make([]float64, 0, distinct)}
	tp := 0
	for k, x := range order {
		if x.positive {
			tp++
		}
		// A threshold closes where the next score differs (or at the end).
		if k == len(order)-1 || order[k+1].score != x.score {
			c.tps = append(c.tps, float64(tp))
			c.fps = append(c.fps, float64(k+1-tp))
			c.thresholds = append(c.thresholds, x.score)
		}
	}
	return c
}

// sortByScore orders samples by score, highest first, ties in the order
// they came (as a stable sort does, and scikit-learn's mergesort): a
// least-significant-digit radix sort on the score's bits, a byte a pass,
// which skips the passes where every sample has the same byte. A
// comparison sort of a million samples took 150 ms (a stable one 600 ms);
// twenty classes, each sorted once, add up.
func sortByScore(xs []scored) {
	if len(xs) < 2 {
		return
	}
	src, dst := xs, make([]scored, len(xs))
	for shift := 0; shift < 64; shift += 8 {
		var count [256]int
		for _, x := range src {
			count[byte(descendingKey(x.score)>>shift)]++
		}
		if count[byte(descendingKey(src[0].score)>>shift)] == len(src) {
			continue // one bucket: the pass would move nothing
		}
		at := 0
		for b, n := range count {
			count[b] = at
			at += n
		}
		for _, x := range src {
			b := byte(descendingKey(x.score) >> shift)
			dst[count[b]] = x
			count[b]++
		}
		src, dst = dst, src
	}
	if &src[0] != &xs[0] {
		copy(xs, src)
	}
}

// descendingKey maps a score (not NaN) to a key whose ascending order is
// the scores' descending order; -0 and +0 are one key, as they compare
// equal.
func descendingKey(f float64) uint64 {
	if f == 0 {
		f = 0
	}
	b := math.Float64bits(f)
	if b>>63 != 0 {
		b = ^b
	} else {
		b |= 1 << 63
	}
	return ^b
}

// PR is a precision–recall curve in scikit-learn's order: Thresholds
// increasing, Recall decreasing, and one more point than thresholds, the
// final (Precision 1, Recall 0).
type PR struct {
	Precision, Recall, Thresholds []float64
}

// PrecisionRecall returns the precision–recall curve of score for the
// samples marked positive, as scikit-learn's precision_recall_curve
// (drop_intermediate=False) does: one point per distinct score, a sample
// predicted positive when its score is at least the threshold. With no
// positives, recall is 1 throughout (as scikit-learn sets it); with no
// samples, the curve is the single point (1, 0). For one class of a
// multi-class task, positive is label == class and score is that class's
// probability (one-vs-rest). NaN scores are left out; PrecisionRecall
// panics if the lengths differ.
func PrecisionRecall(positive []bool, score []float64) PR {
	return Cumulate(positive, score).PrecisionRecall()
}

// PrecisionRecall is the precision–recall curve of the counted samples.
func (c Counts) PrecisionRecall() PR {
	n := len(c.tps)
	pr := PR{
		Precision:  make([]float64, n+1),
		Recall:     make([]float64, n+1),
		Thresholds: make([]float64, n),
	}
	total := 0.0
	if n > 0 {
		total = c.tps[n-1]
	}
	for i := range n {
		j := n - 1 - i // reversed, so that recall decreases
		pr.Precision[j] = c.tps[i] / (c.tps[i] + c.fps[i])
		pr.Recall[j] = 1
		if total > 0 {
			pr.Recall[j] = c.tps[i] / total
		}
		pr.Thresholds[j] = c.thresholds[i]
	}
	pr.Precision[n], pr.Recall[n] = 1, 0
	return pr
}

// AveragePrecision is scikit-learn's average_precision_score: the sum over
// thresholds of precision times the increase in recall, a step function
// with no interpolation. It is NaN without positives (undefined: a
// made-up 0 would read as a real score).
func (pr PR) AveragePrecision() float64 {
	n := len(pr.Recall)
	// Precision[0] is at the lowest threshold, where every sample counts
	// as predicted positive: it is 0 exactly when there are no positives.
	if n < 2 || pr.Precision[0] == 0 {
		return math.NaN()
	}
	ap := 0.0
	for i := range n - 1 {
		ap -= (pr.Recall[i+1] - pr.Recall[i]) * pr.Precision[i]
	}
	return max(0, ap)
}

// ROC is a receiver operating characteristic curve in scikit-learn's order:
// thresholds decreasing from +Inf, FPR and TPR increasing from (0, 0).
type ROC struct {
	FPR, TPR, Thresholds []float64
}

// ROCCurve returns the ROC curve of score for the samples marked positive,
// as scikit-learn's roc_curve with drop_intermediate=False does: a first
// point (0, 0) at threshold +Inf, then one point per distinct score. FPR
// is NaN throughout without negatives and TPR without positives. NaN
// scores are left out; ROCCurve panics if the lengths differ.
func ROCCurve(positive []bool, score []float64) ROC {
	return Cumulate(positive, score).ROC()
}

// ROC is the ROC curve of the counted samples.
func (c Counts) ROC() ROC {
	n := len(c.tps)
	roc := ROC{
		FPR:        make([]float64, n+1),
		TPR:        make([]float64, n+1),
		Thresholds: make([]float64, n+1),
	}
	roc.Thresholds[0] = math.Inf(1)
	var totalP, totalN float64
	if n > 0 {
		totalP, totalN = c.tps[n-1], c.fps[n-1]
	}
	for i := range n {
		roc.FPR[i+1] = c.fps[i] / totalN
		roc.TPR[i+1] = c.tps[i] / totalP
		roc.Thresholds[i+1] = c.thresholds[i]
	}
	if totalN == 0 {
		fill(roc.FPR, math.NaN())
	}
	if totalP == 0 {
		fill(roc.TPR, math.NaN())
	}
	return roc
}

func fill(xs []float64, v float64) {
	for i := range xs {
		xs[i] = v
	}
}

// AUC is the area under the curve by the trapezoidal rule, as
// scikit-learn's roc_auc_score computes it for one class. It is NaN when
// either class is missing.
func (roc ROC) AUC() float64 {
	area := 0.0
	for i := 1; i < len(roc.FPR); i++ {
		area += (roc.FPR[i] - roc.FPR[i-1]) * (roc.TPR[i] + roc.TPR[i-1]) / 2
	}
	if len(roc.FPR) < 2 {
		return math.NaN()
	}
	return area
}

// keep lists the points of a curve to draw: the first and the last, and
// each point at least step away (in x or y) from the last one kept, or
// not a number. A curve of a million distinct scores becomes a few
// thousand points that draw the same.
func keep(xs, ys []float64, step float64) []int {
	if len(xs) <= 2 {
		out := make([]int, len(xs))
		for i := range out {
			out[i] = i
		}
		return out
	}
	out := []int{0}
	last := 0
	for i := 1; i < len(xs)-1; i++ {
		dx, dy := math.Abs(xs[i]-xs[last]), math.Abs(ys[i]-ys[last])
		if dx >= step || dy >= step || math.IsNaN(dx) || math.IsNaN(dy) {
			out = append(out, i)
			last = i
		}
	}
	return append(out, len(xs)-1)
}

func pick(xs []float64, idx []int) []float64 {
	out := make([]float64, len(idx))
	for i, j := range idx {
		out[i] = xs[j]
	}
	return out
}

// Thin returns the curve with only the points keep chooses, for drawing;
// the thresholds are left out. Compute the average precision first.
func (pr PR) Thin(step float64) PR {
	idx := keep(pr.Recall, pr.Precision, step)
	return PR{Precision: pick(pr.Precision, idx), Recall: pick(pr.Recall, idx)}
}

// Thin returns the curve with only the points keep chooses, for drawing;
// the thresholds are left out. Compute the AUC first.
func (roc ROC) Thin(step float64) ROC {
	idx := keep(roc.FPR, roc.TPR, step)
	return ROC{FPR: pick(roc.FPR, idx), TPR: pick(roc.TPR, idx)}
}
