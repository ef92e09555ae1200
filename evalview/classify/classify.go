package classify

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"triage/evalview/internal/numpy"
)

// Report is the evaluation of one set of classification predictions:
// the scikit-learn metrics, cleanlab's label-issue summary and the
// per-sample derived fields (see Fields). Undefined values are NaN and
// marshal to JSON null.
type Report struct {
	Classes      []string
	N            int // rows in the input
	Evaluated    int // rows with both a label and a prediction
	WithProbs    int // rows with both a label and probs
	MissingLabel int // rows without a usable label
	MissingPred  int // rows with a label but without a prediction

	Accuracy         float64
	BalancedAccuracy float64
	CohenKappa       float64
	MatthewsCorrcoef float64 // NaN where scikit-learn returns 0 for an undefined value
	PerClass         []ClassMetrics
	MacroAvg         Average
	WeightedAvg      Average
	MicroAvg         Average
	Confusion        [][]int64 // [given label][prediction], all classes in order

	LogLoss           float64
	ROCAUCOvRMacro    float64
	ROCAUCOvRWeighted float64
	ROCAUCOvOMacro    float64
	TopK              []TopKAccuracy

	Binary      *BinaryMetrics     // nil unless Positive >= 0
	LabelIssues *LabelIssueSummary // nil without probs or when confident learning cannot run

	// Notes say, once each, why a number or a field is missing.
	Notes []string

	rows        classRows
	rowsDropped bool // DropRows ran: Fields and RankedLabelIssues have nothing to read
}

// ClassMetrics holds one class's numbers. Precision is NaN when nothing was
// predicted as the class, Recall when the class has no ground truth, F1 when
// the class occurs nowhere; otherwise scikit-learn's zero_division=0 rule
// applies (F1 is 0 when precision and recall are both 0).
type ClassMetrics struct {
	Name      string
	Precision float64
	Recall    float64
	F1        float64
	Support   int64   // rows whose label is the class
	Predicted int64   // rows predicted as the class
	ROCAUC    float64 // one-vs-rest ROC AUC; NaN without probs or without positives or negatives
}

// Average is an average over classes (macro, weighted by support, or
// micro over all decisions), as scikit-learn's classification_report.
type Average struct {
	Precision float64
	Recall    float64
	F1        float64
	Support   int64
}

// TopKAccuracy is scikit-learn's top_k_accuracy_score for one k: the share
// of rows whose label is among the k highest probs; tied probs rank the
// higher class index first, as sklearn's stable argsort reversed does.
type TopKAccuracy struct {
	K        int
	Accuracy float64
}

// BinaryMetrics are the numbers of a binary task with respect to the
// positive class, at Threshold on p(positive) (on pred without probs).
type BinaryMetrics struct {
	Positive         string
	PositiveIndex    int
	Threshold        float64
	TP, FP, FN, TN   int64
	Precision        float64
	Recall           float64
	F1               float64
	Accuracy         float64
	ROCAUC           float64 // threshold-free, on p(positive)
	AveragePrecision float64 // threshold-free, sklearn's step-wise definition
}

// classRows holds the per-sample derived values, N each. Floats are NaN
// where undefined; int8 flags are -1 where undefined.
type classRows struct {
	correct  []int8
	predPos  []int8 // binary: predicted positive
	label    []int32
	hasProbs bool
	probsOK  []bool // the row has a full probs row (no NaN)
	selfConf []float64
	margin   []float64 // cleanlab normalized_margin
	cwe      []float64
	hardness []float64
	loss     []float64
	mistaken []float64
	suspect  []int8
}

// DropRows lets go of the per-sample values the report keeps for Fields
// and RankedLabelIssues (13 bytes a row, the label indexes it shares
// with the input included; 55 with probs), for a caller that has made
// the fields, or needs none, and keeps only the metrics. The metrics
// stay as they were; Fields and RankedLabelIssues panic after it.
func (r *Report) DropRows() {
	r.rows = classRows{}
	r.rowsDropped = true
}

// mustHaveRows panics when DropRows ran: a caller that still needs the
// per-sample values dropped them.
func (r *Report) mustHaveRows(caller string) {
	if r.rowsDropped {
		panic("classify: " + caller + " after DropRows")
	}
}

// rowChunk is how many rows one worker takes at a time. Float sums are kept
// per chunk and added in chunk order, so results do not depend on the
// number of cores.
const rowChunk = 1 << 15

// chunkStats are the partial counts of one worker.
type chunkStats struct {
	confusion []int64 // K*K
	probRows  int64
	topHits   []int64
	bin       [4]int64 // tp fp fn tn
	noLabel   int64
	noPred    int64
}

// Evaluate computes every metric and per-sample field for in.
// It returns an error when the input is inconsistent (lengths that do not
// match, class indexes out of range, an unknown filter); missing values are
// not errors, they are left out and counted. Work is spread over GOMAXPROCS
// goroutines; memory beyond the input is O(N) plus O(K^2). The report keeps
// a reference to in.Label, which must not change while the report is used.
func Evaluate(in *Input) (*Report, error) {
	k := len(in.Classes)
	if k == 0 {
		return nil, errors.New("evaluate: no classes")
	}
	n := len(in.Label)
	if err := checkInput(in, n, k); err != nil {
		return nil, fmt.Errorf("evaluate: %w", err)
	}
	filter := in.CLFilter
	if filter == "" {
		filter = FilterPruneByNoiseRate
	}
	if !slices.Contains(CLFilters, filter) {
		return nil, fmt.Errorf("evaluate: unknown confident-learning filter %q (want one of %v)", in.CLFilter, CLFilters)
	}
	threshold := in.Threshold
	if threshold == 0 {
		threshold = 0.5
	}
	pred := in.Pred
	if pred == nil {
		pred = argmaxRows(in.Probs, k)
	}
	r := &Report{Classes: in.Classes, N: n}
	rows := &r.rows
	rows.label = in.Label
	rows.correct = make([]int8, n)
	rows.mistaken = make([]float64, n)
	binary := in.Positive >= 0
	if binary {
		rows.predPos = make([]int8, n)
	}
	if in.Probs != nil {
		rows.hasProbs = true
		rows.probsOK = make([]bool, n)
		rows.selfConf = make([]float64, n)
		rows.margin = make([]float64, n)
		if !in.NoEntropy {
			rows.cwe = make([]float64, n)
			rows.hardness = make([]float64, n)
		}
		rows.loss = make([]float64, n)
	}
	topMax := min(5, k-1)
	if in.Probs == nil {
		topMax = 0
	}
	// Counts go to one accumulator per worker, the log loss (a float sum)
	// to one per chunk, added in chunk order.
	nChunks := (n + rowChunk - 1) / rowChunk
	workers := chunkWorkers(nChunks)
	counts := make([]chunkStats, workers)
	for w := range counts {
		counts[w].confusion = make([]int64, k*k)
		counts[w].topHits = make([]int64, topMax+1)
	}
	chunkLoss := make([]float64, nChunks)
	parallelChunks(workers, nChunks, func(w, c int) {
		lo, hi := c*rowChunk, min(n, (c+1)*rowChunk)
		chunkLoss[c] = rowPass(in, pred, threshold, rows, &counts[w], lo, hi, k)
	})
	confusion := make([]int64, k*k)
	topHits := make([]int64, topMax+1)
	var logLoss float64
	var probRows, noLabel, noPred int64
	var bin [4]int64
	for _, st := range counts {
		for i, v := range st.confusion {
			confusion[i] += v
		}
		for i, v := range st.topHits {
			topHits[i] += v
		}
		for i, v := range st.bin {
			bin[i] += v
		}
		probRows += st.probRows
		noLabel += st.noLabel
		noPred += st.noPred
	}
	for _, l := range chunkLoss {
		logLoss += l
	}
	r.MissingLabel, r.MissingPred, r.WithProbs = int(noLabel), int(noPred), int(probRows)
	r.Confusion = make([][]int64, k)
	for i := range r.Confusion {
		r.Confusion[i] = confusion[i*k : (i+1)*k]
	}
	r.confusionMetrics(confusion, k)
	if r.MissingLabel > 0 {
		r.note(fmt.Sprintf("%d rows without a usable label are left out of every metric", r.MissingLabel))
	}
	if r.MissingPred > 0 {
		r.note(fmt.Sprintf("%d labeled rows without a prediction are left out of the metrics on predictions", r.MissingPred))
	}

	nanAll := func(fs ...*float64) {
		for _, f := range fs {
			*f = math.NaN()
		}
	}
	nanAll(&r.LogLoss, &r.ROCAUCOvRMacro, &r.ROCAUCOvRWeighted, &r.ROCAUCOvOMacro)
	for i := range r.PerClass {
		r.PerClass[i].ROCAUC = math.NaN()
	}
	var ranks *rankStats
	switch {
	case in.Probs == nil:
		r.note("no probs column: log_loss, ROC AUC, top-k accuracy, self_confidence, normalized_margin, confidence_weighted_entropy, hardness, loss and suspect are not computed")
	case probRows == 0:
		r.note("no labeled row has probs: log_loss, ROC AUC, top-k accuracy and suspect are not computed")
	default:
		if missing := int(int64(n) - noLabel - probRows); missing > 0 {
			r.note(fmt.Sprintf("%d labeled rows without valid probs are left out of log loss, ROC AUC, top-k accuracy and confident learning", missing))
		}
		if k >= 2 {
			r.LogLoss = logLoss / float64(probRows)
		} else {
			r.note("log_loss needs at least 2 classes")
		}
		for i := 1; i <= topMax; i++ {
			r.TopK = append(r.TopK, TopKAccuracy{K: i, Accuracy: float64(topHits[i]) / float64(probRows)})
		}
		pos := -1
		if binary {
			pos = in.Positive
		}
		// Ranking the columns and confident learning are independent;
		// overlapping them keeps every core busy when their own
		// parallelism runs out of work.
		if in.FieldsOnly {
			r.confidentLearning(in, filter, k)
		} else {
			done := make(chan struct{})
			go func() {
				defer close(done)
				ranks = rankAll(in.Label, in.Probs, rows.probsOK, k, pos)
			}()
			r.confidentLearning(in, filter, k)
			<-done
			r.rocAUC(ranks, k)
		}
	}
	if binary {
		r.binaryMetrics(in, threshold, bin, ranks)
	}
	return r, nil
}

func checkInput(in *Input, n, k int) error {
	if in.Pred != nil && len(in.Pred) != n {
		return fmt.Errorf("%d predictions for %d labels", len(in.Pred), n)
	}
	if in.Score != nil && len(in.Score) != n {
		return fmt.Errorf("%d scores for %d labels", len(in.Score), n)
	}
	if in.Probs != nil && len(in.Probs) != n*k {
		return fmt.Errorf("%d probs for %d rows of %d classes", len(in.Probs), n, k)
	}
	if in.Pred == nil && in.Probs == nil {
		return errors.New("neither predictions nor probs")
	}
	if in.Positive >= k {
		return fmt.Errorf("positive class index %d out of range for %d classes", in.Positive, k)
	}
	if in.Positive >= 0 && (in.Threshold < 0 || in.Threshold > 1 || math.IsNaN(in.Threshold)) {
		return fmt.Errorf("threshold %v outside [0, 1]", in.Threshold)
	}
	for _, c := range []struct {
		name string
		v    []int32
	}{{"label", in.Label}, {"pred", in.Pred}} {
		for i, v := range c.v {
			if v < -1 || int(v) >= k {
				return fmt.Errorf("%s %d of row %d out of range for %d classes", c.name, v, i, k)
			}
		}
	}
	return nil
}

// parallelChunks runs f(worker, chunk) for chunk 0..count-1 on the given
// number of goroutines, worker being in [0, workers): integer counts can go
// to per-worker accumulators of any size while order-sensitive float sums
// stay per chunk.
func parallelChunks(workers, count int, f func(worker, chunk int)) {
	if workers <= 1 {
		for c := range count {
			f(0, c)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for {
				c := int(next.Add(1)) - 1
				if c >= count {
					return
				}
				f(w, c)
			}
		})
	}
	wg.Wait()
}

// chunkWorkers is how many goroutines to use for count chunks.
func chunkWorkers(count int) int {
	return max(1, min(runtime.GOMAXPROCS(0), count))
}

// sklearnEps is float64 machine epsilon, sklearn 1.2.1's log_loss clip.
const sklearnEps = 2.220446049250313e-16

// rowPass computes the per-sample fields of rows lo..hi, adds their counts
// to st and returns their log-loss sum.
func rowPass(in *Input, pred []int32, threshold float64, rows *classRows, st *chunkStats, lo, hi, k int) float64 {
	var logLoss float64
	clipped := make([]float64, k)
	xlx := make([]float64, k)
	logK := math.Log(float64(k))
	for i := lo; i < hi; i++ {
		l, p := in.Label[i], pred[i]
		var row []float64
		if in.Probs != nil {
			row = in.Probs[i*k : (i+1)*k]
			if hasNaN(row) {
				row = nil
			} else {
				rows.probsOK[i] = true
			}
		}
		// Confidence of the prediction: the score, else p(pred).
		conf := math.NaN()
		if p >= 0 {
			if in.Score != nil {
				conf = in.Score[i]
			} else if row != nil {
				conf = row[p]
			}
		}
		switch {
		case l < 0:
			st.noLabel++
			rows.correct[i] = -1
			rows.mistaken[i] = math.NaN()
		case p < 0:
			st.noPred++
			rows.correct[i] = -1
			rows.mistaken[i] = math.NaN()
		default:
			st.confusion[int(l)*k+int(p)]++
			s := -1.0
			rows.correct[i] = 1
			if l != p {
				s = 1
				rows.correct[i] = 0
			}
			rows.mistaken[i] = (s*conf + 1) / 2
		}
		if rows.predPos != nil {
			pos := int32(in.Positive)
			var pp int8 = -1
			switch {
			case row != nil:
				pp = b2i(row[pos] >= threshold)
			case p >= 0:
				pp = b2i(p == pos)
			}
			if l < 0 {
				pp = -1
			}
			rows.predPos[i] = pp
			if pp >= 0 {
				st.bin[binCell(l == pos, pp == 1)]++
			}
		}
		if !rows.hasProbs {
			continue
		}
		if row == nil || l < 0 {
			rows.selfConf[i], rows.margin[i], rows.loss[i] = math.NaN(), math.NaN(), math.NaN()
			if rows.hardness != nil {
				rows.cwe[i], rows.hardness[i] = math.NaN(), math.NaN()
				if row != nil {
					rows.hardness[i] = -npRowSum(row, xlx, xlogx)
				}
			}
			continue
		}
		st.probRows++
		// One pass over the row gathers what the scores need: the largest
		// other probability (normalized margin), p·ln p (entropy), the
		// row clipped as sklearn 1.2.1's log_loss clips it to
		// [eps, 1-eps], and the label's rank for top-k, ties ranking the
		// higher class index first.
		sc := row[l]
		li := int(l)
		maxOther := math.Inf(-1)
		rank := 0
		for j, v := range row {
			if rows.hardness != nil {
				xlx[j] = xlogx(v)
			}
			clipped[j] = min(max(v, sklearnEps), 1-sklearnEps)
			if j != li && v > maxOther {
				maxOther = v
			}
			if v > sc || (v == sc && j > li) {
				rank++
			}
		}
		rows.selfConf[i] = sc
		rows.loss[i] = -math.Log(sc)
		rows.margin[i] = math.NaN()
		if k > 1 {
			rows.margin[i] = (sc - maxOther + 1) / 2
		}
		if rows.hardness != nil {
			ent := -numpy.Sum(xlx)
			rows.hardness[i] = ent
			rows.cwe[i] = math.NaN()
			if k > 1 {
				rows.cwe[i] = cweScore(sc, ent/logK)
			}
		}
		// log_loss renormalizes the clipped row.
		logLoss += -math.Log(clipped[l] / numpy.Sum(clipped))
		for kk := rank + 1; kk < len(st.topHits); kk++ {
			st.topHits[kk]++
		}
	}
	return logLoss
}

// npRowSum is np.sum(f(row)) with numpy's pairwise order; buf has len(row).
func npRowSum(row, buf []float64, f func(float64) float64) float64 {
	for j, v := range row {
		buf[j] = f(v)
	}
	return numpy.Sum(buf)
}

// cleanlabClip is cleanlab's CLIPPING_LOWER_BOUND.
const cleanlabClip = 1e-6

// cweScore is cleanlab's confidence_weighted_entropy from the self
// confidence and the normalized entropy (entropy / ln K).
func cweScore(selfConf, normEntropy float64) float64 {
	sc := max(selfConf, cleanlabClip)
	s := normEntropy / sc
	return math.Log(s+1) / max(s, cleanlabClip)
}

func b2i(b bool) int8 {
	if b {
		return 1
	}
	return 0
}

// binCell is the index into tp, fp, fn, tn.
func binCell(actual, predicted bool) int {
	switch {
	case actual && predicted:
		return 0
	case predicted:
		return 1
	case actual:
		return 2
	}
	return 3
}

func (r *Report) note(s string) { r.Notes = append(r.Notes, s) }

// binaryMetrics fills r.Binary from the threshold counts and the ranks of
// p(positive).
func (r *Report) binaryMetrics(in *Input, threshold float64, bin [4]int64, ranks *rankStats) {
	pos := in.Positive
	b := &BinaryMetrics{
		Positive: in.Classes[pos], PositiveIndex: pos, Threshold: threshold,
		TP: bin[0], FP: bin[1], FN: bin[2], TN: bin[3],
		ROCAUC: math.NaN(), AveragePrecision: math.NaN(),
	}
	b.Precision, b.Recall, b.F1 = prf(b.TP, b.FP, b.FN)
	b.Accuracy = ratio(b.TP+b.TN, b.TP+b.FP+b.FN+b.TN)
	if ranks != nil {
		b.ROCAUC = r.PerClass[pos].ROCAUC
		b.AveragePrecision = ranks.averagePrecision
		if math.IsNaN(b.AveragePrecision) {
			r.note(fmt.Sprintf("average_precision is undefined: no row is labeled %q", b.Positive))
		}
	}
	r.Binary = b
}
