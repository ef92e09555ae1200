package classify

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"

	"triage/evalview/internal/numpy"
)

// Confident learning, ported from cleanlab 2.9.0 (commit 7506257):
// cleanlab.count.compute_confident_joint, calibrate_confident_joint and
// num_label_issues, and cleanlab.filter.find_label_issues with
// multi_label=False and, as Evaluate calls it, the defaults
// frac_noise=1.0, num_to_remove_per_class=None and min_examples_per_class=1
// (the other values are ported too, see clOptions; the diagram shows the
// defaults). Also cleanlab.rank's label quality scores (in rowPass) and
// order_label_issues (RankedLabelIssues). The pipeline, for N rows and K
// classes:
//
//	thresholds t[k] = mean p[k] over rows labeled k    (2 for absent classes, clipped at 2e-6)
//	      |
//	per row: confident classes {k : p[k] >= t[k] - 1e-6}
//	      |   none -> not counted; one -> that class; several -> argmax p
//	      v
//	confident joint C[given][guess], diagonal at least 1
//	      |   calibrate: rows scaled to the label counts, total to N,
//	      v   rounded preserving row totals
//	calibrated joint  --transpose, keep >= 1 per class-->  prune counts M
//	      |
//	prune_by_noise_rate: for given label k and each j != k, flag the M[j][k]
//	      rows labeled k with the largest p[j] - p[k]
//	prune_by_class: for given label k, flag the n_k - M[k][k] rows labeled
//	      k with the smallest p[k]
//	both: flagged by both; confident_learning: the off-diagonal rows of C;
//	predicted_neq_given: argmax p != label
//	      |
//	finally unflag every row whose argmax p is its label (not for the
//	low_* filters, which flag the num_label_issues lowest quality scores)
//
// Orders are numpy's: argmax takes the first maximum, and "largest" and
// "smallest" are the first entries of np.argsort (quicksort), whose order
// among equal keys npArgsort reproduces.

// cleanlab constants (cleanlab.internal.constants).
const (
	clFloatCompare    = 1e-6   // FLOATING_POINT_COMPARISON
	clThresholdLower  = 2e-6   // CONFIDENT_THRESHOLDS_LOWER_BOUND
	clTiny            = 1e-100 // TINY_VALUE
	clMissingClassThr = 2      // BIG_VALUE for classes without labels
)

// LabelIssueSummary is the confident-learning summary of a report.
type LabelIssueSummary struct {
	Filter     string // the filter_by that set suspect
	NumFlagged int    // rows flagged by Filter (suspect = true)
	// NumLabelIssues is cleanlab.count.num_label_issues (estimation_method
	// "off_diagonal"); NumLabelIssuesCalibrated is "off_diagonal_calibrated".
	NumLabelIssues           int
	NumLabelIssuesCalibrated int
	Thresholds               []float64 // per-class confident thresholds
	ConfidentJointRaw        [][]int64 // [given][true], before calibration (diagonal at least 1)
	ConfidentJoint           [][]int64 // calibrated, the one the filters use
	// NoiseRate[k] estimates P(true label != k | given label k) from the
	// calibrated joint: 1 - C[k][k] / sum_j C[k][j].
	NoiseRate []float64
	TopSwaps  []ClassSwap // the largest off-diagonal cells of the calibrated joint
}

// ClassSwap is one off-diagonal cell of the confident joint: Count rows
// labeled Given are estimated to truly be True.
type ClassSwap struct {
	Given, True string
	Count       int64
}

// maxSwaps is how many swapped pairs the summary lists.
const maxSwaps = 10

// confidentLearner holds the state of one confident-learning run.
type confidentLearner struct {
	k       int
	probs   []float64 // stride k, by input row
	label   []int32   // by input row
	rows    []int32   // rows taking part (label and probs), ascending
	byClass [][]int32 // rows of each given label, ascending
	counts  []int64   // len(byClass[k])

	thresholds []float64
	argmax     []int32 // by input row
	guess      []int32 // true_label_guess by input row, -1 when no class is confident
	cjRaw      []int64 // K*K, diagonal clipped to >= 1
	cj         []int64 // calibrated
	numIssues  int     // num_label_issues, off_diagonal
	opts       clOptions
}

// newConfidentLearner takes the rows with a label and a full probs row;
// ok, when not nil, says which rows have a full probs row.
func newConfidentLearner(label []int32, probs []float64, ok []bool, k int) *confidentLearner {
	n := len(label)
	cl := &confidentLearner{k: k, probs: probs, label: label, counts: make([]int64, k), opts: clDefaults}
	cl.rows = make([]int32, 0, n)
	for i, l := range label {
		if l >= 0 && (ok != nil && ok[i] || ok == nil && !hasNaN(probs[i*k:(i+1)*k])) {
			cl.rows = append(cl.rows, int32(i))
			cl.counts[l]++
		}
	}
	cl.byClass = make([][]int32, k)
	for c := range k {
		cl.byClass[c] = make([]int32, 0, cl.counts[c])
	}
	for _, r := range cl.rows {
		cl.byClass[label[r]] = append(cl.byClass[label[r]], r)
	}
	cl.argmax = make([]int32, n)
	cl.guess = make([]int32, n)
	return cl
}

// distinctLabels is how many classes occur among the given labels.
func (cl *confidentLearner) distinctLabels() int {
	d := 0
	for _, c := range cl.counts {
		if c > 0 {
			d++
		}
	}
	return d
}

// run computes thresholds, the confident joint (raw and calibrated) and
// num_label_issues.
func (cl *confidentLearner) run() {
	k := cl.k
	// get_confident_thresholds: np.mean(pred_probs[:, k][labels == k]).
	cl.thresholds = make([]float64, k)
	var buf []float64
	for c := range k {
		thr := float64(clMissingClassThr)
		if len(cl.byClass[c]) > 0 {
			buf = buf[:0]
			for _, r := range cl.byClass[c] {
				buf = append(buf, cl.probs[int(r)*k+c])
			}
			thr = numpy.Mean(buf)
		}
		cl.thresholds[c] = max(thr, clThresholdLower)
	}
	cut := make([]float64, k)
	for c, t := range cl.thresholds {
		cut[c] = t - clFloatCompare
	}
	chunks := (len(cl.rows) + rowChunk - 1) / rowChunk
	workers := chunkWorkers(chunks)
	joints := make([][]int64, workers) // one per worker: counts add in any order
	issues := make([]int, workers)
	for w := range joints {
		joints[w] = make([]int64, k*k)
	}
	parallelChunks(workers, chunks, func(w, ch int) {
		joint := joints[w]
		lo, hi := ch*rowChunk, min(len(cl.rows), (ch+1)*rowChunk)
		for _, r := range cl.rows[lo:hi] {
			row := cl.probs[int(r)*k : int(r+1)*k]
			l := cl.label[r]
			// argmax (the first maximum) and the confident classes in one
			// pass.
			am, best := 0, row[0]
			confident, first := 0, -1
			for j, v := range row {
				if v > best {
					am, best = j, v
				}
				if v >= cut[j] {
					if confident == 0 {
						first = j
					}
					confident++
				}
			}
			cl.argmax[r] = int32(am)
			g := int32(first)
			if confident > 1 {
				g = int32(am)
			}
			cl.guess[r] = g
			if g < 0 {
				continue
			}
			joint[int(l)*k+int(g)]++
			// num_label_issues: off-diagonal rows, less those whose
			// argmax, after adding 1e-6 to p(label), is the label.
			if g != l && !labelWinsWithSlack(row, int(l)) {
				issues[w]++
			}
		}
	})
	cl.cjRaw = make([]int64, k*k)
	for w, joint := range joints {
		for i, v := range joint {
			cl.cjRaw[i] += v
		}
		cl.numIssues += issues[w]
	}
	for c := range k {
		cl.cjRaw[c*k+c] = max(cl.cjRaw[c*k+c], 1)
	}
	cl.cj = calibrateJoint(cl.cjRaw, cl.counts, k, false)
}

// labelWinsWithSlack is cleanlab's _reduce_issues for one row: the argmax
// of the row with p[label] + 1e-6 is the label.
func labelWinsWithSlack(row []float64, l int) bool {
	v := row[l] + clFloatCompare
	for j, x := range row {
		if (j < l && x >= v) || (j > l && x > v) {
			return false
		}
	}
	return true
}

// calibrateJoint is calibrate_confident_joint: scale each row of cj to the
// label count, the whole to the number of labels, then round preserving row
// totals. The arithmetic follows numpy's, including the order of the
// total's pairwise sum, which is numpy's memory order: column-major when
// cj is compute_confident_joint's (a transposed confusion matrix, so the
// scaled matrix is a transposed C array), row-major when cj is an already
// calibrated joint (C-contiguous, so the scaled matrix is C-contiguous).
func calibrateJoint(cj []int64, counts []int64, k int, rowMajor bool) []int64 {
	cal := make([]float64, k*k)
	var n int64
	for i := range k {
		var rowSum int64
		for j := range k {
			rowSum += cj[i*k+j]
		}
		d := max(float64(rowSum), clTiny)
		for j := range k {
			cal[i*k+j] = float64(cj[i*k+j]) / d * float64(counts[i])
		}
		n += counts[i]
	}
	order := cal
	if !rowMajor {
		order = make([]float64, 0, k*k)
		for j := range k {
			for i := range k {
				order = append(order, cal[i*k+j])
			}
		}
	}
	total := max(numpy.Sum(order), clTiny)
	for i := range cal {
		cal[i] = cal[i] / total * float64(n)
	}
	return roundPreservingRowTotals(cal, k)
}

// roundPreservingRowTotals is cleanlab's round_preserving_row_totals: round
// each row half to even, then move the largest (or smallest) remainders by
// one until the row sums to its rounded float total.
func roundPreservingRowTotals(m []float64, k int) []int64 {
	out := make([]int64, k*k)
	ints := make([]float64, k)
	diff := make([]float64, k)
	perm := make([]int32, k)
	for i := range k {
		floats := m[i*k : (i+1)*k]
		for j, f := range floats {
			ints[j] = math.RoundToEven(f)
		}
		origSum := math.RoundToEven(numpy.Sum(floats))
		intSum := math.RoundToEven(numpy.Sum(ints))
		for math.Abs(intSum-origSum) > clFloatCompare {
			d := math.RoundToEven(origSum - intSum)
			inc := 1.0
			if d < 0 {
				inc = -1
			}
			changes := min(int(math.Abs(d)), k)
			for j := range k {
				diff[j] = floats[j] - ints[j]
				perm[j] = int32(j)
			}
			npArgsort(diff, perm)
			if inc > 0 {
				slices.Reverse(perm)
			}
			for _, p := range perm[:changes] {
				ints[p] += inc
			}
			intSum = math.RoundToEven(numpy.Sum(ints))
		}
		for j, v := range ints {
			out[i*k+j] = npInt(v)
		}
	}
	return out
}

// clOptions are find_label_issues' tuning arguments. Evaluate
// uses cleanlab's defaults (frac_noise 1, min_examples_per_class 1,
// num_to_remove_per_class None).
type clOptions struct {
	fracNoise           float64
	minExamplesPerClass int64
	numToRemovePerClass []int64 // nil: not set
}

var clDefaults = clOptions{fracNoise: 1, minExamplesPerClass: 1}

// pruneCounts is the prune count matrix of find_label_issues, indexed
// [true][given]: _keep_at_least_n_per_class(confident_joint.T,
// min_examples_per_class, frac_noise) — raise each diagonal entry to at
// least n, taking the difference evenly from the column's nonzero entries,
// scale the off-diagonal by frac_noise moving the rest to the diagonal, and
// truncate to integers — then, with num_to_remove_per_class, the
// rescaling cleanlab applies (including its broadcasting of row sums over
// columns).
func pruneCounts(cj, counts []int64, k int, opts clOptions) []int64 {
	pcm := make([]float64, k*k)
	for i := range k {
		for j := range k {
			pcm[i*k+j] = float64(cj[j*k+i])
		}
	}
	n := float64(opts.minExamplesPerClass)
	for j := range k {
		diag := pcm[j*k+j]
		newDiag := max(diag, n)
		nonzero := 0.0
		for i := range k {
			if pcm[i*k+j] != 0 {
				nonzero++
			}
		}
		take := (newDiag - diag) / max(nonzero-1, 1)
		for i := range k {
			pcm[i*k+j] = max(pcm[i*k+j]-take, 0)
		}
		pcm[j*k+j] = newDiag
	}
	// _reduce_prune_counts: off-diagonal times frac_noise, the column's
	// loss added to its diagonal (summed down the column, in order).
	if f := opts.fracNoise; f != 1 {
		for j := range k {
			lost := 0.0
			for i := range k {
				if i != j {
					scaled := pcm[i*k+j] * f
					lost += pcm[i*k+j] - scaled
					pcm[i*k+j] = scaled
				}
			}
			pcm[j*k+j] += lost
		}
	}
	for i, v := range pcm {
		pcm[i] = float64(npInt(v)) // astype(int)
	}
	if ntr := opts.numToRemovePerClass; ntr != nil {
		// psy = pcm / np.sum(pcm, axis=1): row sums divide the columns.
		rowSum := make([]float64, k)
		for i := range k {
			rowSum[i] = numpy.Sum(pcm[i*k : (i+1)*k])
		}
		psy := make([]float64, k*k)
		for i := range k {
			for j := range k {
				psy[i*k+j] = pcm[i*k+j] / rowSum[j]
			}
		}
		tmp := make([]float64, k*k)
		for i := range k {
			noise := numpy.Sum(psy[i*k:(i+1)*k]) - psy[i*k+i]
			for j := range k {
				tmp[i*k+j] = psy[i*k+j] * float64(ntr[i]) / noise
			}
			tmp[i*k+i] = float64(counts[i] - ntr[i])
		}
		return roundPreservingRowTotals(tmp, k)
	}
	out := make([]int64, k*k)
	for i, v := range pcm {
		out[i] = int64(v)
	}
	return out
}

// npInt is numpy's float64 to int64 conversion on x86: truncation toward
// zero, and the minimum int64 for NaN, infinities and values out of range.
func npInt(v float64) int64 {
	if v != v || v >= 1<<63 || v < -(1<<63) {
		return math.MinInt64
	}
	return int64(v)
}

// numLabelIssuesCalibrated is num_label_issues(estimation_method=
// "off_diagonal_calibrated"): calibrate the calibrated joint once more,
// normalize it to a joint distribution and count 1 - trace of N.
func (cl *confidentLearner) numLabelIssuesCalibrated() int {
	k := cl.k
	cal := calibrateJoint(cl.cj, cl.counts, k, true)
	var total int64
	for _, v := range cal {
		total += v
	}
	t := max(float64(total), clTiny)
	diag := make([]float64, k)
	for c := range k {
		diag[c] = float64(cal[c*k+c]) / t
	}
	frac := 1 - numpy.Sum(diag)
	return int(math.RoundToEven(frac * float64(len(cl.rows))))
}

// flag returns find_label_issues' mask for filter, by input row. scores are
// the label quality scores by input row, needed by the low_* filters.
func (cl *confidentLearner) flag(filter string, selfConf, margin []float64) []bool {
	k := cl.k
	flagged := make([]bool, len(cl.label))
	switch filter {
	case FilterPruneByNoiseRate, FilterPruneByClass, FilterBoth:
		pcm := pruneCounts(cl.cj, cl.counts, k, cl.opts)
		byNoise := filter != FilterPruneByClass
		byClass := filter != FilterPruneByNoiseRate
		cl.prune(pcm, flagged, byNoise, byClass)
	case FilterConfidentLearning:
		for _, r := range cl.rows {
			if g := cl.guess[r]; g >= 0 && g != cl.label[r] {
				flagged[r] = true
			}
		}
	case FilterPredictedNeqGiven:
		for _, r := range cl.rows {
			flagged[r] = cl.argmax[r] != cl.label[r]
		}
	case FilterLowNormalizedMargin, FilterLowSelfConfidence:
		scores := selfConf
		if filter == FilterLowNormalizedMargin {
			scores = margin
		}
		keys := make([]float64, len(cl.rows))
		for i, r := range cl.rows {
			keys[i] = scores[r]
		}
		sel := make([]bool, len(keys))
		npArgsortFirst(keys, cl.numIssues, sel, make([]float64, len(keys)), make([]int32, len(keys)))
		for i, s := range sel {
			flagged[cl.rows[i]] = s
		}
		return flagged
	}
	// Unflag rows whose prediction (argmax) is the given label.
	for _, r := range cl.rows {
		if cl.argmax[r] == cl.label[r] {
			flagged[r] = false
		}
	}
	return flagged
}

// prune runs _prune_by_count and/or _prune_by_class for every class, in
// parallel over classes, and sets flagged to their result (their
// intersection when both run).
func (cl *confidentLearner) prune(pcm []int64, flagged []bool, byNoise, byClass bool) {
	k := cl.k
	classes := make(chan int, k)
	for c := range k {
		classes <- c
	}
	close(classes)
	var wg sync.WaitGroup
	for range min(k, maxWorkers()) {
		wg.Go(func() {
			var keys, scratch, block []float64
			var perm []int32
			var noise, class []bool
			for c := range classes {
				rows := cl.byClass[c]
				nc := len(rows)
				// Classes with at most min_examples_per_class rows are not
				// pruned, nor is a class of one row (its mask is dropped).
				if int64(nc) <= max(1, cl.opts.minExamplesPerClass) {
					continue
				}
				keys, scratch, perm = grow(keys, nc), grow(scratch, nc), grow(perm, nc)
				noise, class = grow(noise, nc), grow(class, nc)
				clear(noise)
				clear(class)
				// The class's probs, column by column: block[j*nc+i] is
				// p[rows[i]][j]. One pass over the rows, then every key
				// vector below reads memory in order.
				block = grow(block, nc*k)
				transposeRows(block, cl.probs, rows, k)
				own := block[c*nc : (c+1)*nc]
				if byNoise {
					for j := range k {
						m := pcm[j*k+c]
						if j == c || m <= 0 {
							continue
						}
						// order = np.argsort(-(p[:, j] - p[:, c]))[:m]
						for i, pj := range block[j*nc : (j+1)*nc] {
							keys[i] = -(pj - own[i])
						}
						npArgsortFirst(keys, int(m), noise, scratch, perm)
					}
				}
				if byClass {
					if m := int64(nc) - pcm[c*k+c]; m >= 1 {
						npArgsortFirst(own, int(m), class, scratch, perm)
					}
				}
				for i, r := range rows {
					switch {
					case byNoise && byClass:
						flagged[r] = noise[i] && class[i]
					case byNoise:
						flagged[r] = noise[i]
					default:
						flagged[r] = class[i]
					}
				}
			}
		})
	}
	wg.Wait()
}

// transposeRows writes the probs of rows column by column into block
// (block[j*len(rows)+i] = probs[rows[i]*k+j]), in tiles of rows so that
// both the reads and the writes stay in cache.
func transposeRows(block, probs []float64, rows []int32, k int) {
	const tile = 64
	n := len(rows)
	for lo := 0; lo < n; lo += tile {
		hi := min(n, lo+tile)
		for j := range k {
			dst := block[j*n+lo : j*n+hi]
			for i, r := range rows[lo:hi] {
				dst[i] = probs[int(r)*k+j]
			}
		}
	}
}

func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// summary builds the LabelIssueSummary.
func (cl *confidentLearner) summary(classes []string, filter string, flagged []bool) *LabelIssueSummary {
	k := cl.k
	s := &LabelIssueSummary{
		Filter:                   filter,
		NumLabelIssues:           cl.numIssues,
		NumLabelIssuesCalibrated: cl.numLabelIssuesCalibrated(),
		Thresholds:               cl.thresholds,
		ConfidentJointRaw:        square(cl.cjRaw, k),
		ConfidentJoint:           square(cl.cj, k),
		NoiseRate:                make([]float64, k),
	}
	for _, f := range flagged {
		if f {
			s.NumFlagged++
		}
	}
	for g := range k {
		var row int64
		for t := range k {
			c := cl.cj[g*k+t]
			row += c
			if t != g && c > 0 {
				s.TopSwaps = insertSwap(s.TopSwaps, ClassSwap{classes[g], classes[t], c})
			}
		}
		s.NoiseRate[g] = 1 - ratio(cl.cj[g*k+g], row)
	}
	return s
}

// insertSwap keeps the maxSwaps largest cells, largest first; among equal
// counts the cell seen first (row-major, so class order) stays first.
func insertSwap(top []ClassSwap, c ClassSwap) []ClassSwap {
	at := len(top)
	for at > 0 && top[at-1].Count < c.Count {
		at--
	}
	if at >= maxSwaps {
		return top
	}
	top = slices.Insert(top, at, c)
	if len(top) > maxSwaps {
		top = top[:maxSwaps]
	}
	return top
}

func square(m []int64, k int) [][]int64 {
	out := make([][]int64, k)
	for i := range out {
		out[i] = slices.Clone(m[i*k : (i+1)*k])
	}
	return out
}

// confidentLearning runs cleanlab on the rows with a label and probs and
// sets the suspect field and r.LabelIssues.
func (r *Report) confidentLearning(in *Input, filter string, k int) {
	cl := newConfidentLearner(in.Label, in.Probs, r.rows.probsOK, k)
	if d := cl.distinctLabels(); d < 2 || k < 2 {
		r.note(fmt.Sprintf("confident learning needs at least 2 classes among the labels of rows with probs, found %d: suspect is not computed", d))
		return
	}
	cl.run()
	flagged := cl.flag(filter, r.rows.selfConf, r.rows.margin)
	suspect := make([]int8, len(in.Label))
	for i := range suspect {
		suspect[i] = -1
	}
	for _, row := range cl.rows {
		suspect[row] = b2i(flagged[row])
	}
	r.rows.suspect = suspect
	r.LabelIssues = cl.summary(in.Classes, filter, flagged)
}

// RankedLabelIssues returns the rows flagged as suspect ordered by a label
// quality score, lowest (most likely mislabeled) first, as cleanlab's
// find_label_issues(return_indices_ranked_by=by): "self_confidence",
// "normalized_margin" or "confidence_weighted_entropy". Ties are ordered
// as numpy's quicksort orders them. It panics after DropRows.
func (r *Report) RankedLabelIssues(by string) ([]int, error) {
	r.mustHaveRows("RankedLabelIssues")
	var scores []float64
	switch by {
	case "self_confidence":
		scores = r.rows.selfConf
	case "normalized_margin":
		scores = r.rows.margin
	case "confidence_weighted_entropy":
		if r.rows.cwe == nil {
			return nil, errors.New("confidence_weighted_entropy was not computed (NoEntropy)")
		}
		scores = r.rows.cwe
	default:
		return nil, fmt.Errorf("unknown label quality score %q", by)
	}
	if r.rows.suspect == nil {
		return nil, nil
	}
	var rows []int
	var keys []float64
	for i, s := range r.rows.suspect {
		if s == 1 {
			rows = append(rows, i)
			keys = append(keys, scores[i])
		}
	}
	perm := make([]int32, len(rows))
	for i := range perm {
		perm[i] = int32(i)
	}
	npArgsort(keys, perm)
	out := make([]int, len(rows))
	for i, p := range perm {
		out[i] = rows[p]
	}
	return out, nil
}

func maxWorkers() int { return max(1, runtime.GOMAXPROCS(0)) }
