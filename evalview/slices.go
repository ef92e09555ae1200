package evalview

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"triage/dataset"
	"triage/query"
)

// Where a model fails: for each metadata column with few distinct values
// (split, source, camera, ...), the share of samples the model gets wrong
// for each value, against the share over all samples. For detection the
// share is of boxes: the false positives and false negatives among all
// the boxes (tp + fp + fn) of the images that have the value, as nearly
// every image of a real detection set has some error. A value whose rate
// is clearly above the overall rate is a place to look. The interval is
// Wilson's score interval at 95%, which stays inside [0, 1] and behaves
// for small counts, unlike the normal approximation.

// Slice is one value of a metadata column and how often the model errs on
// samples that have it.
type Slice struct {
	Column string
	Value  string // as a query literal shows it: "val", 3, true, null
	// Query selects the slice's errors, a query a script can run:
	// `split == "val" and not correct`.
	Query     string
	N, Errors int64   // samples (or boxes, see SliceReport.Unit) and errors
	Rate      float64 // Errors / N
	Low, High float64 // the 95% Wilson interval of Rate
}

// SliceReport is what FailureSlices found.
type SliceReport struct {
	N, Errors int64   // samples evaluated, and those the model got wrong
	Rate      float64 // Errors / N
	// Unit is what N and Errors count: "samples", or "boxes" for
	// detection (tp + fp + fn, and fp + fn).
	Unit string
	// ErrorQuery selects every error: "not correct" for classification,
	// "fp > 0 or fn > 0" for detection.
	ErrorQuery string
	Columns    []string // the columns considered
	// Slices are the values whose error rate is above Rate, best
	// evidence first: ranked by the low end of the interval, so that a
	// value seen three times does not outrank a large, clearly worse one.
	Slices []Slice
}

// MaxSliceValues is the most distinct values a column may have to be cut
// into slices.
const MaxSliceValues = 50

// sliceSample is how many leading rows are looked at before a column is
// read whole: one with more distinct values than MaxSliceValues there is
// left out without reading the rest.
const sliceSample = 10_000

// FailureSlices cuts the samples by each low-cardinality metadata column
// (strings, integers and booleans with at most MaxSliceValues distinct
// values; not the key, label, predictions, paths or images) and reports
// the values where the first prediction set errs more often than overall.
// A sample errs when it is not correct (classification); for detection
// the boxes are counted, an error being a false positive or a false
// negative (the interval then is narrower than it should be, as the boxes
// of one image are not independent). Samples without a verdict are left
// out. It reads the columns it considers.
func (s *Session) FailureSlices(ctx context.Context) (*SliceReport, error) {
	errCols, errQuery, ok := s.errorFields()
	if !ok {
		return nil, fmt.Errorf("%s: %w", s.ds.Path, errNothingToEvaluate)
	}
	rep := &SliceReport{ErrorQuery: errQuery, Unit: "samples"}
	if len(errCols) > 1 {
		rep.Unit = "boxes"
	}
	verdict, err := s.table(ctx, errCols)
	if err != nil {
		return nil, err
	}
	for _, b := range verdict.Batches() {
		for i := range int(b.NumRows()) {
			n, bad := verdictAt(b, 0, i)
			rep.N += n
			rep.Errors += bad
		}
	}
	verdict.Release()
	if rep.N == 0 {
		return rep, nil
	}
	rep.Rate = float64(rep.Errors) / float64(rep.N)
	for _, col := range s.sliceCandidates() {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		few, err := s.fewValues(ctx, col)
		if err != nil {
			return nil, err
		}
		if !few {
			continue
		}
		t, err := s.table(ctx, append([]string{col}, errCols...))
		if err != nil {
			return nil, err
		}
		groups, ok := groupValues(t)
		t.Release()
		if !ok {
			continue
		}
		rep.Columns = append(rep.Columns, col)
		for _, g := range groups {
			if g.n == 0 {
				continue
			}
			sl := Slice{Column: col, Value: g.literal, N: g.n, Errors: g.errors}
			sl.Rate = float64(sl.Errors) / float64(sl.N)
			sl.Low, sl.High = Wilson(sl.Errors, sl.N)
			if sl.Rate <= rep.Rate {
				continue
			}
			sl.Query = sliceQuery(col, g, errQuery)
			rep.Slices = append(rep.Slices, sl)
		}
	}
	sort.SliceStable(rep.Slices, func(i, j int) bool { return rep.Slices[i].Low > rep.Slices[j].Low })
	return rep, nil
}

// errorFields names the derived fields that say whether a sample is an
// error, and the query that selects the errors.
func (s *Session) errorFields() ([]string, string, bool) {
	has := func(n string) bool { return s.IsDerived(n) }
	switch {
	case s.ds.Task == dataset.TaskClassification && has("correct"):
		return []string{"correct"}, "not correct", true
	case s.ds.Task == dataset.TaskDetection && has("tp") && has("fp") && has("fn"):
		return []string{"tp", "fp", "fn"}, "(fp > 0 or fn > 0)", true
	}
	return nil, "", false
}

// verdictAt reads the error fields of row i of b, which start at column
// from: how many verdicts the row holds and how many are errors (one
// sample, or an image's boxes: tp + fp + fn, and fp + fn); none when it
// has no verdict.
func verdictAt(b arrow.RecordBatch, from, i int) (n, errors int64) {
	if int(b.NumCols())-from == 1 { // correct
		c := b.Column(from).(*array.Boolean)
		if c.IsNull(i) {
			return 0, 0
		}
		if !c.Value(i) {
			return 1, 1
		}
		return 1, 0
	}
	tp, fp, fn := b.Column(from), b.Column(from+1), b.Column(from+2) // counts
	if tp.IsNull(i) || fp.IsNull(i) || fn.IsNull(i) {
		return 0, 0
	}
	errors = intAt(fp, i) + intAt(fn, i)
	return intAt(tp, i) + errors, errors
}

// sliceCandidates lists the dataset columns that may cut the samples:
// strings, integers and booleans that play no role but the split.
func (s *Session) sliceCandidates() []string {
	skip := map[string]bool{s.ds.Key: true}
	for role, c := range s.ds.Roles {
		if role != dataset.RoleSplit {
			skip[c] = true
		}
	}
	for _, p := range s.ds.PredictionSets() {
		for _, c := range p.Roles {
			skip[c] = true
		}
	}
	var out []string
	for _, f := range s.ds.Schema().Fields() {
		if skip[f.Name] || s.IsDerived(f.Name) || !sliceable(f.Type) {
			continue
		}
		out = append(out, f.Name)
	}
	return out
}

func sliceable(dt arrow.DataType) bool {
	if d, ok := dt.(*arrow.DictionaryType); ok {
		dt = d.ValueType
	}
	switch dt.ID() {
	case arrow.STRING, arrow.LARGE_STRING, arrow.BOOL,
		arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64,
		arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
		return true
	}
	return false
}

// fewValues looks at the first rows of col: false when they already hold
// more than MaxSliceValues distinct values.
func (s *Session) fewValues(ctx context.Context, col string) (bool, error) {
	n := s.NumRows()
	if n < 0 {
		n = sliceSample
	}
	w, err := s.Rows(ctx, AllRows(n), 0, min(n, sliceSample), []string{col})
	if err != nil {
		return false, err
	}
	defer w.Release()
	seen := map[string]bool{}
	a := w.Cols[0]
	for i := range a.Len() {
		seen[a.ValueStr(i)] = true
		if len(seen) > MaxSliceValues {
			return false, nil
		}
	}
	return true, nil
}

// valueGroup counts the samples sharing one value of a column.
type valueGroup struct {
	literal   string // the value as a query literal
	null      bool
	n, errors int64 // samples with a verdict, and errors among them
}

// groupValues counts, for each value of t's first column, the samples
// with a verdict (in the columns after it) and the errors; ok is false
// when there are more than MaxSliceValues values. Looking a value up
// allocates nothing: strings are looked up as they sit in the column, a
// dictionary's indexes once.
func groupValues(t *dataset.Table) ([]*valueGroup, bool) {
	g := grouper{strs: map[string]*valueGroup{}, ints: map[int64]*valueGroup{}}
	for _, b := range t.Batches() {
		a := b.Column(0)
		dict, isDict := a.(*array.Dictionary)
		var dictGroups []*valueGroup // the dictionary's index -> group
		if isDict {
			dictGroups = make([]*valueGroup, dict.Dictionary().Len())
		}
		for i := range a.Len() {
			var vg *valueGroup
			if isDict && dict.IsValid(i) {
				k := dict.GetValueIndex(i)
				if vg = dictGroups[k]; vg == nil {
					vg = g.of(dict.Dictionary(), k)
					dictGroups[k] = vg
				}
			} else {
				vg = g.of(a, i)
			}
			if vg == nil {
				return nil, false
			}
			n, bad := verdictAt(b, 1, i)
			vg.n += n
			vg.errors += bad
		}
	}
	return g.order, true
}

// grouper finds the group of a value, making it the first time; nil once
// there would be more than MaxSliceValues.
type grouper struct {
	strs  map[string]*valueGroup
	ints  map[int64]*valueGroup
	bools [2]*valueGroup
	null  *valueGroup
	order []*valueGroup
}

func (g *grouper) add(lit string, null bool) *valueGroup {
	if len(g.order) == MaxSliceValues {
		return nil
	}
	vg := &valueGroup{literal: lit, null: null}
	g.order = append(g.order, vg)
	return vg
}

func (g *grouper) of(a arrow.Array, i int) *valueGroup {
	if a.IsNull(i) {
		if g.null == nil {
			g.null = g.add("null", true)
		}
		return g.null
	}
	switch a := a.(type) {
	case *array.String:
		return g.str(a.Value(i))
	case *array.LargeString:
		return g.str(a.Value(i))
	case *array.Boolean:
		k := 0
		if a.Value(i) {
			k = 1
		}
		if g.bools[k] == nil {
			g.bools[k] = g.add(strconv.FormatBool(a.Value(i)), false)
		}
		return g.bools[k]
	}
	v := intAt(a, i)
	vg, ok := g.ints[v]
	if !ok {
		lit := strconv.FormatInt(v, 10)
		if u, isU := a.(*array.Uint64); isU {
			lit = strconv.FormatUint(u.Value(i), 10)
		}
		if vg = g.add(lit, false); vg == nil {
			return nil
		}
		g.ints[v] = vg
	}
	return vg
}

func (g *grouper) str(v string) *valueGroup {
	vg, ok := g.strs[v]
	if !ok {
		if vg = g.add((&query.StringLit{Value: v}).String(), false); vg == nil {
			return nil
		}
		g.strs[strings.Clone(v)] = vg
	}
	return vg
}

// intAt reads an integer column's value as int64.
func intAt(a arrow.Array, i int) int64 {
	switch a := a.(type) {
	case *array.Int8:
		return int64(a.Value(i))
	case *array.Int16:
		return int64(a.Value(i))
	case *array.Int32:
		return int64(a.Value(i))
	case *array.Int64:
		return a.Value(i)
	case *array.Uint8:
		return int64(a.Value(i))
	case *array.Uint16:
		return int64(a.Value(i))
	case *array.Uint32:
		return int64(a.Value(i))
	case *array.Uint64:
		return int64(min(a.Value(i), math.MaxInt64))
	}
	return 0
}

// sliceQuery selects the errors of one slice.
func sliceQuery(col string, g *valueGroup, errQuery string) string {
	name := (&query.Ident{Name: col}).String()
	if g.null {
		return "is_null(" + name + ") and " + errQuery
	}
	return name + " == " + g.literal + " and " + errQuery
}

// Wilson returns the 95% Wilson score interval of the proportion k/n
// (Wilson 1927; the interval statsmodels' proportion_confint gives with
// method="wilson"). n == 0 gives NaN, NaN.
func Wilson(k, n int64) (low, high float64) {
	if n <= 0 {
		return math.NaN(), math.NaN()
	}
	const z = 1.959963984540054 // the 97.5th percentile of the normal
	nf := float64(n)
	p := float64(k) / nf
	z2 := z * z
	denom := 1 + z2/nf
	center := (p + z2/(2*nf)) / denom
	half := z / denom * math.Sqrt(p*(1-p)/nf+z2/(4*nf*nf))
	return max(0, center-half), min(1, center+half)
}
