package classify

import (
	"errors"
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// Names of the confident-learning filters (cleanlab's filter_by).
const (
	FilterPruneByNoiseRate    = "prune_by_noise_rate"
	FilterPruneByClass        = "prune_by_class"
	FilterBoth                = "both"
	FilterConfidentLearning   = "confident_learning"
	FilterPredictedNeqGiven   = "predicted_neq_given"
	FilterLowNormalizedMargin = "low_normalized_margin"
	FilterLowSelfConfidence   = "low_self_confidence"
)

// CLFilters lists every filter_by value CLFilter accepts, the default first.
var CLFilters = []string{
	FilterPruneByNoiseRate, FilterPruneByClass, FilterBoth, FilterConfidentLearning,
	FilterPredictedNeqGiven, FilterLowNormalizedMargin, FilterLowSelfConfidence,
}

// Input is the classification view of a dataset, one entry per sample.
//
// Missing values: Label and Pred hold -1, Score holds NaN, and a row of Probs
// that is missing holds NaN in every position (a row with any NaN is treated
// as missing).
type Input struct {
	Classes   []string
	Label     []int32   // class index, -1 where missing/unknown
	Pred      []int32   // class index, -1 where missing; nil: argmax of Probs
	Score     []float64 // confidence of Pred; NaN where missing; may be nil
	Probs     []float64 // row-major N*K, K = len(Classes); nil when there are no probs
	Positive  int       // index of the positive class for binary tasks, -1 otherwise
	Threshold float64   // binary: positive iff p(positive) >= Threshold (when Probs exist); 0 means 0.5
	CLFilter  string    // cleanlab filter_by; "" means prune_by_noise_rate
	// FieldsOnly leaves out the report's metrics that rank every sample
	// of every class (ROC AUC, average precision): the per-sample fields
	// need none of them, and ranking is most of an evaluation's time.
	FieldsOnly bool
	// NoEntropy leaves out the two fields made from the entropy of each
	// row of probs, hardness and confidence_weighted_entropy: a logarithm
	// per probability, a third of an evaluation's time, that a query which
	// reads neither need not pay. Fields then has neither column.
	NoEntropy bool
}

// SetPositive names the positive class of a binary task. An empty name
// clears it (Positive = -1).
func (in *Input) SetPositive(name string) error {
	if name == "" {
		in.Positive = -1
		return nil
	}
	for i, c := range in.Classes {
		if c == name {
			in.Positive = i
			return nil
		}
	}
	return fmt.Errorf("positive class %q is not one of the %d classes", name, len(in.Classes))
}

// NewInput converts Arrow columns into a Input.
//
// label and pred may be string, large_string, string_view,
// dictionary<int, string> or integer (an index into classes); probs a list,
// large_list or fixed_size_list of float32 or float64, one value per class in
// the order of classes; score float32 or float64. All columns have the same
// length; score, probs and pred may be nil (without pred, the prediction is
// the argmax of probs, the first maximum on ties). label is required.
//
// Bad values never stop the conversion: labels or predictions outside the
// class list, NaN or infinite scores, probs rows of the wrong length or holding nulls,
// NaN or values outside [0, 1] become missing and are counted in the
// returned warnings, one message per column and kind, naming the column and
// the count. Probs rows that do not sum to 1 within 1e-6 are kept as they are
// (never renormalized) and counted in a warning.
//
// The result has Positive = -1, Threshold = 0.5 and the default filter.
func NewInput(classes []string, label, pred, score, probs *arrow.Chunked) (*Input, []string, error) {
	if len(classes) == 0 {
		return nil, nil, errors.New("no classes")
	}
	if label == nil {
		return nil, nil, errors.New("no label column")
	}
	if pred == nil && probs == nil {
		return nil, nil, errors.New("neither a pred nor a probs column")
	}
	n := label.Len()
	for _, c := range []struct {
		name string
		col  *arrow.Chunked
	}{{"pred", pred}, {"score", score}, {"probs", probs}} {
		if c.col != nil && c.col.Len() != n {
			return nil, nil, fmt.Errorf("column %s has %d rows, label has %d", c.name, c.col.Len(), n)
		}
	}
	index := make(map[string]int32, len(classes))
	for i, c := range classes {
		if _, dup := index[c]; dup {
			return nil, nil, fmt.Errorf("class %q listed twice", c)
		}
		index[c] = int32(i)
	}
	in := &Input{Classes: classes, Positive: -1, Threshold: 0.5, CLFilter: FilterPruneByNoiseRate}
	var warns []string
	var err error
	if in.Label, err = classIndexes("label", label, classes, index, &warns); err != nil {
		return nil, nil, err
	}
	if pred != nil {
		if in.Pred, err = classIndexes("pred", pred, classes, index, &warns); err != nil {
			return nil, nil, err
		}
	}
	if score != nil {
		if in.Score, err = scoreValues(score, &warns); err != nil {
			return nil, nil, err
		}
	}
	if probs != nil {
		if in.Probs, err = probRows(probs, len(classes), &warns); err != nil {
			return nil, nil, err
		}
	}
	if in.Pred == nil {
		in.Pred = argmaxRows(in.Probs, len(classes))
	}
	return in, warns, nil
}

// argmaxRows returns the first maximum of each row, -1 for missing rows.
func argmaxRows(probs []float64, k int) []int32 {
	n := len(probs) / k
	out := make([]int32, n)
	for i := range n {
		row := probs[i*k : (i+1)*k]
		if hasNaN(row) {
			out[i] = -1
			continue
		}
		out[i] = int32(argmaxFirst(row))
	}
	return out
}

// argmaxFirst is numpy's argmax: the index of the first maximum.
func argmaxFirst(row []float64) int {
	best := 0
	for j := 1; j < len(row); j++ {
		if row[j] > row[best] {
			best = j
		}
	}
	return best
}

// stringValuer is what string, large_string and string_view arrays share.
type stringValuer interface {
	arrow.Array
	Value(int) string
}

// classIndexes maps a label or pred column to class indexes.
func classIndexes(name string, col *arrow.Chunked, classes []string, index map[string]int32, warns *[]string) ([]int32, error) {
	out := make([]int32, 0, col.Len())
	outside, example := 0, ""
	k := int64(len(classes))
	lookup := func(s string) int32 {
		if c, ok := index[s]; ok {
			return c
		}
		if outside == 0 {
			example = fmt.Sprintf("%q", s)
		}
		outside++
		return -1
	}
	byIndex := func(v int64) int32 {
		if v >= 0 && v < k {
			return int32(v)
		}
		if outside == 0 {
			example = fmt.Sprint(v)
		}
		outside++
		return -1
	}
	for _, chunk := range col.Chunks() {
		switch a := chunk.(type) {
		case stringValuer:
			for i := 0; i < a.Len(); i++ {
				if a.IsNull(i) {
					out = append(out, -1)
					continue
				}
				out = append(out, lookup(a.Value(i)))
			}
		case *array.Dictionary:
			dict, ok := a.Dictionary().(stringValuer)
			if !ok {
				return nil, fmt.Errorf("column %s: dictionary of %s, want strings", name, a.Dictionary().DataType())
			}
			// Resolve each dictionary entry once; count outsiders per row.
			entries := make([]int32, dict.Len())
			for j := range entries {
				entries[j] = -2
				if dict.IsNull(j) {
					entries[j] = -1
				} else if c, ok := index[dict.Value(j)]; ok {
					entries[j] = c
				}
			}
			for i := 0; i < a.Len(); i++ {
				if a.IsNull(i) {
					out = append(out, -1)
					continue
				}
				j := a.GetValueIndex(i)
				switch c := entries[j]; c {
				case -2:
					out = append(out, lookup(dict.Value(j)))
				default:
					out = append(out, c)
				}
			}
		default:
			ints, ok := intValues(chunk)
			if !ok {
				return nil, fmt.Errorf("column %s has type %s, want string, dictionary or integer", name, chunk.DataType())
			}
			for i := 0; i < chunk.Len(); i++ {
				if chunk.IsNull(i) {
					out = append(out, -1)
					continue
				}
				out = append(out, byIndex(ints(i)))
			}
		}
	}
	if outside > 0 {
		*warns = append(*warns, fmt.Sprintf("%s: %d values outside the %d classes (first: %s); treated as missing", name, outside, len(classes), example))
	}
	return out, nil
}

// intValues returns an accessor for an integer array.
func intValues(a arrow.Array) (func(int) int64, bool) {
	switch a := a.(type) {
	case *array.Int8:
		return func(i int) int64 { return int64(a.Value(i)) }, true
	case *array.Int16:
		return func(i int) int64 { return int64(a.Value(i)) }, true
	case *array.Int32:
		return func(i int) int64 { return int64(a.Value(i)) }, true
	case *array.Int64:
		return a.Value, true
	case *array.Uint8:
		return func(i int) int64 { return int64(a.Value(i)) }, true
	case *array.Uint16:
		return func(i int) int64 { return int64(a.Value(i)) }, true
	case *array.Uint32:
		return func(i int) int64 { return int64(a.Value(i)) }, true
	case *array.Uint64:
		return func(i int) int64 {
			if v := a.Value(i); v <= math.MaxInt64 {
				return int64(v)
			}
			return -1
		}, true
	}
	return nil, false
}

// floatValues returns an accessor for a float32 or float64 array.
func floatValues(a arrow.Array) (func(int) float64, bool) {
	switch a := a.(type) {
	case *array.Float64:
		return a.Value, true
	case *array.Float32:
		return func(i int) float64 { return float64(a.Value(i)) }, true
	}
	return nil, false
}

func scoreValues(col *arrow.Chunked, warns *[]string) ([]float64, error) {
	out := make([]float64, 0, col.Len())
	nans, infs := 0, 0
	for _, chunk := range col.Chunks() {
		get, ok := floatValues(chunk)
		if !ok {
			return nil, fmt.Errorf("column score has type %s, want float32 or float64", chunk.DataType())
		}
		for i := 0; i < chunk.Len(); i++ {
			if chunk.IsNull(i) {
				out = append(out, math.NaN())
				continue
			}
			v := get(i)
			switch {
			case math.IsNaN(v):
				nans++
			case math.IsInf(v, 0):
				// Not a confidence (scikit-learn refuses infinity): missing.
				infs++
				v = math.NaN()
			}
			out = append(out, v)
		}
	}
	if nans > 0 {
		*warns = append(*warns, fmt.Sprintf("score: %d NaN values; treated as missing", nans))
	}
	if infs > 0 {
		*warns = append(*warns, fmt.Sprintf("score: %d infinite values; treated as missing", infs))
	}
	return out, nil
}

// probSpan is rows lo..hi of one chunk of the probs column and where they
// go, with what was wrong with them.
type probSpan struct {
	list   array.ListLike
	values arrow.Array
	get    func(int) float64
	lo, hi int
	out    []float64

	wrongLen, wrongExample, bad, outside, unnormalized int
}

func (sp *probSpan) copy(k int) {
	var f32 []float32 // float32 values without nulls, read in place
	if a, ok := sp.values.(*array.Float32); ok && a.NullN() == 0 {
		f32 = a.Float32Values()
	}
	for i := sp.lo; i < sp.hi; i++ {
		dst := sp.out[(i-sp.lo)*k : (i-sp.lo+1)*k]
		missing := true
		switch start, end := sp.list.ValueOffsets(i); {
		case sp.list.IsNull(i):
		case int(end-start) != k:
			if sp.wrongLen == 0 {
				sp.wrongExample = int(end - start)
			}
			sp.wrongLen++
		default:
			missing = false
			sum := 0.0
			for j := range dst {
				at := int(start) + j
				var v float64
				if f32 != nil {
					v = float64(f32[at])
				} else if sp.values.IsNull(at) {
					v = math.NaN()
				} else {
					v = sp.get(at)
				}
				if math.IsNaN(v) {
					missing = true
					sp.bad++
					break
				}
				if v < 0 || v > 1 {
					missing = true
					sp.outside++
					break
				}
				dst[j] = v
				sum += v
			}
			if !missing && math.Abs(sum-1) > probSumTolerance {
				sp.unnormalized++
			}
		}
		if missing {
			for j := range dst {
				dst[j] = math.NaN()
			}
		}
	}
}

// probSumTolerance is how far a probs row may sum from 1 before a warning.
const probSumTolerance = 1e-6

// probRows copies the probs column into n rows of k float64s, rows that
// cannot be used as NaN, in spans of rows on every core.
func probRows(col *arrow.Chunked, k int, warns *[]string) ([]float64, error) {
	out := make([]float64, col.Len()*k)
	var spans []probSpan
	row := 0
	for _, chunk := range col.Chunks() {
		list, ok := chunk.(array.ListLike)
		if !ok {
			return nil, fmt.Errorf("column probs has type %s, want a list of floats", chunk.DataType())
		}
		values := list.ListValues()
		get, ok := floatValues(values)
		if !ok {
			return nil, fmt.Errorf("column probs has type %s, want a list of float32 or float64", chunk.DataType())
		}
		for lo := 0; lo < list.Len(); lo += rowChunk {
			hi := min(list.Len(), lo+rowChunk)
			spans = append(spans, probSpan{list: list, values: values, get: get, lo: lo, hi: hi, out: out[(row+lo)*k : (row+hi)*k]})
		}
		row += list.Len()
	}
	parallelChunks(chunkWorkers(len(spans)), len(spans), func(_, c int) { spans[c].copy(k) })
	var wrongLen, bad, outside, unnormalized int
	wrongExample := 0
	for _, sp := range spans { // in row order: the first wrong length is the first row's
		if wrongLen == 0 && sp.wrongLen > 0 {
			wrongExample = sp.wrongExample
		}
		wrongLen += sp.wrongLen
		bad += sp.bad
		outside += sp.outside
		unnormalized += sp.unnormalized
	}
	if wrongLen > 0 {
		*warns = append(*warns, fmt.Sprintf("probs: %d rows have the wrong length (first: %d values, want %d, one per class); treated as missing", wrongLen, wrongExample, k))
	}
	if bad > 0 {
		*warns = append(*warns, fmt.Sprintf("probs: %d rows hold null or NaN values; treated as missing", bad))
	}
	if outside > 0 {
		*warns = append(*warns, fmt.Sprintf("probs: %d rows hold values outside [0, 1]; treated as missing", outside))
	}
	if unnormalized > 0 {
		*warns = append(*warns, fmt.Sprintf("probs: %d rows do not sum to 1 within %g; used as they are, not renormalized", unnormalized, probSumTolerance))
	}
	return out, nil
}
