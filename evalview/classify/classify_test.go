package classify

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/google/go-cmp/cmp"
)

var nan = math.NaN()

// near compares floats within 1e-12, NaN equal to NaN.
func near(got, want float64) bool {
	if math.IsNaN(want) {
		return math.IsNaN(got)
	}
	return math.Abs(got-want) <= 1e-12
}

func mustEvaluate(t *testing.T, in *Input) *Report {
	t.Helper()
	r, err := Evaluate(in)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

type numCheck struct {
	name      string
	got, want float64
}

func checkNums(t *testing.T, checks []numCheck) {
	t.Helper()
	for _, c := range checks {
		if !near(c.got, c.want) {
			t.Errorf("%s = %.17g, want %.17g", c.name, c.got, c.want)
		}
	}
}

// Classes a, b, c, d; labels a a b b; predictions a b b c; no probs.
// Worked by hand:
//
//	confusion (rows label): a [1 1 0 0], b [0 1 1 0], c [0 0 0 0], d [0 0 0 0]
//	a: P = 1/1, R = 1/2, F1 = 2·1·.5/1.5 = 2/3
//	b: P = 1/2 (predicted b twice, once right), R = 1/2, F1 = 1/2
//	c: no ground truth: R undefined; predicted once, wrongly: P = 0; F1 = 0
//	d: occurs nowhere: P, R, F1 undefined
//	macro over the present classes a, b, c with undefined as 0 (sklearn):
//	  P = (1 + .5 + 0)/3 = .5, R = (.5 + .5 + 0)/3 = 1/3, F1 = (2/3 + .5 + 0)/3 = 7/18
//	weighted by support (2, 2, 0): P = .75, R = .5, F1 = (4/3 + 1)/4 = 7/12
//	balanced accuracy: recalls of classes with ground truth: (.5 + .5)/2
//	kappa: column sums (1 2 1), row sums (2 2 0); off-diagonal observed 2;
//	  expected off-diagonal = (16 - (1·2 + 2·2 + 1·0))/4 = 2.5; 1 - 2/2.5 = .2
//	MCC: t = (2 2 0 0), p = (1 2 1 0), c = 2, s = 4:
//	  (2·4 - 6) / sqrt((16 - 8)(16 - 6)) = 2/sqrt(80)
func TestClassNoGroundTruth(t *testing.T) {
	in := &Input{
		Classes:  []string{"a", "b", "c", "d"},
		Label:    []int32{0, 0, 1, 1},
		Pred:     []int32{0, 1, 1, 2},
		Positive: -1,
	}
	r := mustEvaluate(t, in)
	pc := r.PerClass
	checkNums(t, []numCheck{
		{"accuracy", r.Accuracy, 0.5},
		{"balanced", r.BalancedAccuracy, 0.5},
		{"a precision", pc[0].Precision, 1}, {"a recall", pc[0].Recall, 0.5}, {"a f1", pc[0].F1, 2.0 / 3},
		{"b precision", pc[1].Precision, 0.5}, {"b recall", pc[1].Recall, 0.5}, {"b f1", pc[1].F1, 0.5},
		{"c precision", pc[2].Precision, 0}, {"c recall", pc[2].Recall, nan}, {"c f1", pc[2].F1, 0},
		{"d precision", pc[3].Precision, nan}, {"d recall", pc[3].Recall, nan}, {"d f1", pc[3].F1, nan},
		{"macro precision", r.MacroAvg.Precision, 0.5},
		{"macro recall", r.MacroAvg.Recall, 1.0 / 3},
		{"macro f1", r.MacroAvg.F1, 7.0 / 18},
		{"weighted precision", r.WeightedAvg.Precision, 0.75},
		{"weighted recall", r.WeightedAvg.Recall, 0.5},
		{"weighted f1", r.WeightedAvg.F1, 7.0 / 12},
		{"micro f1", r.MicroAvg.F1, 0.5},
		{"kappa", r.CohenKappa, 0.2},
		{"mcc", r.MatthewsCorrcoef, 2 / math.Sqrt(80)},
		{"log loss", r.LogLoss, nan},
		{"roc auc", r.ROCAUCOvRMacro, nan},
	})
	if r.LabelIssues != nil || r.TopK != nil {
		t.Errorf("label issues %v, top-k %v without probs, want none", r.LabelIssues, r.TopK)
	}
	var got map[string]any
	data, err := r.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatalf("MarshalJSON wrote invalid JSON: %v\n%s", err, data)
	}
	d := got["per_class"].(map[string]any)["d"].(map[string]any)
	if d["precision"] != nil || d["recall"] != nil || d["f1"] != nil {
		t.Errorf("class d in JSON = %v, want null precision, recall and f1", d)
	}
	if got["log_loss"] != nil || got["top_k_accuracy"] != nil || got["label_issues"] != nil {
		t.Errorf("JSON without probs has log_loss %v, top_k_accuracy %v, label_issues %v; want null", got["log_loss"], got["top_k_accuracy"], got["label_issues"])
	}
	if !slices.ContainsFunc(r.Notes, func(n string) bool { return strings.HasPrefix(n, "no probs column") }) {
		t.Errorf("notes %q do not say why the prob-based fields are missing", r.Notes)
	}
}

// A single class: everything is right, but MCC (sklearn: 0), kappa
// (0/0) and ROC AUC (no negatives) are undefined, log loss needs two
// classes, and confident learning does not run.
func TestClassSingleClass(t *testing.T) {
	in := &Input{
		Classes:  []string{"only"},
		Label:    []int32{0, 0, 0},
		Pred:     []int32{0, 0, 0},
		Probs:    []float64{1, 1, 1},
		Positive: -1,
	}
	r := mustEvaluate(t, in)
	checkNums(t, []numCheck{
		{"accuracy", r.Accuracy, 1},
		{"precision", r.PerClass[0].Precision, 1},
		{"recall", r.PerClass[0].Recall, 1},
		{"mcc", r.MatthewsCorrcoef, nan},
		{"kappa", r.CohenKappa, nan},
		{"roc auc", r.PerClass[0].ROCAUC, nan},
		{"log loss", r.LogLoss, nan},
	})
	if r.LabelIssues != nil || r.rows.suspect != nil {
		t.Errorf("confident learning ran on a single class")
	}
	if len(r.TopK) != 0 {
		t.Errorf("top-k %v for one class, want none", r.TopK)
	}
}

// All correct and confident: every metric is perfect and nothing is
// suspect. Kappa = 1 - 0/expected = 1; MCC = (6·6 - 18)/sqrt(18·18) = 1;
// every positive outscores every negative, so each AUC is 1.
func TestClassAllCorrect(t *testing.T) {
	in := &Input{
		Classes: []string{"a", "b", "c"},
		Label:   []int32{0, 0, 1, 1, 2, 2},
		Probs: []float64{
			.9, .05, .05,
			.8, .1, .1,
			.1, .8, .1,
			.2, .7, .1,
			.1, .1, .8,
			.05, .05, .9,
		},
		Positive: -1,
	}
	r := mustEvaluate(t, in)
	checkNums(t, []numCheck{
		{"accuracy", r.Accuracy, 1}, {"balanced", r.BalancedAccuracy, 1},
		{"kappa", r.CohenKappa, 1}, {"mcc", r.MatthewsCorrcoef, 1},
		{"ovr", r.ROCAUCOvRMacro, 1}, {"ovo", r.ROCAUCOvOMacro, 1},
		{"top-1", r.TopK[0].Accuracy, 1},
	})
	if r.LabelIssues == nil || r.LabelIssues.NumFlagged != 0 {
		t.Errorf("label issues %+v, want none flagged", r.LabelIssues)
	}
}

// clCase is worked by hand through cleanlab's code (classes a, b, c):
//
//	row label probs            self-conf  argmax
//	0   a     .9  .05 .05      .9         a
//	1   a     .8  .1  .1       .8         a
//	2   a     .1  .8  .1       .1         b   looks like b
//	3   b     .1  .8  .1       .8         b
//	4   b     .2  .7  .1       .7         b
//	5   c     .7  .2  .1       .1         a   the only c, looks like a
//	6   b     .45 .5  .05      .5         b
//
// Thresholds (mean self-confidence per given label): a (.9+.8+.1)/3 = .6,
// b (.8+.7+.5)/3 = 2/3, c .1. A class is confident when p >= t - 1e-6:
// row 1 has p(c) = .1 = t(c), a tie that counts, so rows 1-5 all have two
// confident classes and take their argmax; row 6 reaches no threshold
// (.45 < .6, .5 < 2/3, .05 < .1) and is not counted.
//
//	raw joint [given][true]: a [2 1 0], b [0 2 0], c [1 0 0 -> 1]
//
// No example is confidently assigned to c; its diagonal is raised to 1.
// Calibration scales rows to the label counts 3, 3, 1: a [2 1 0],
// b [0 3 0], c [.5 0 .5]; c rounds half to even to [0 0 0], one short,
// and the remainder tie (.5, .5) goes to the later index, as numpy's
// argsort reversed puts it first: c [0 0 1].
//
// prune_by_noise_rate: given a, one row to prune towards b: the largest
// p(b) - p(a) among rows 0-2 is row 2. Given c has one example, which
// min_examples_per_class = 1 protects. prune_by_class: given a keeps
// 2 of 3, dropping the smallest p(a), row 2. confident_learning and
// predicted_neq_given: rows 2 and 5 (off-diagonal / argmax != label).
// num_label_issues: off-diagonal rows 2 and 5, neither within 1e-6 of its
// label: 2; calibrated: 1 - trace/7 = 1/7 of 7 = 1. low_*: the 2 lowest
// scores, rows 2 (.1, .15) and 5 (.1, .2).
func clCase() *Input {
	return &Input{
		Classes: []string{"a", "b", "c"},
		Label:   []int32{0, 0, 0, 1, 1, 2, 1},
		Probs: []float64{
			.9, .05, .05,
			.8, .1, .1,
			.1, .8, .1,
			.1, .8, .1,
			.2, .7, .1,
			.7, .2, .1,
			.45, .5, .05,
		},
		Positive: -1,
	}
}

func TestCleanlabHandWorked(t *testing.T) {
	want := map[string][]int{
		FilterPruneByNoiseRate:    {2},
		FilterPruneByClass:        {2},
		FilterBoth:                {2},
		FilterConfidentLearning:   {2, 5},
		FilterPredictedNeqGiven:   {2, 5},
		FilterLowSelfConfidence:   {2, 5},
		FilterLowNormalizedMargin: {2, 5},
	}
	for _, filter := range CLFilters {
		in := clCase()
		in.CLFilter = filter
		r := mustEvaluate(t, in)
		var got []int
		for i, s := range r.rows.suspect {
			if s == 1 {
				got = append(got, i)
			}
		}
		if diff := cmp.Diff(want[filter], got); diff != "" {
			t.Errorf("%s flagged (-want +got):\n%s", filter, diff)
		}
	}
	r := mustEvaluate(t, clCase())
	li := r.LabelIssues
	if diff := cmp.Diff([][]int64{{2, 1, 0}, {0, 2, 0}, {1, 0, 1}}, li.ConfidentJointRaw); diff != "" {
		t.Errorf("raw joint (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([][]int64{{2, 1, 0}, {0, 3, 0}, {0, 0, 1}}, li.ConfidentJoint); diff != "" {
		t.Errorf("calibrated joint (-want +got):\n%s", diff)
	}
	if li.NumLabelIssues != 2 || li.NumLabelIssuesCalibrated != 1 {
		t.Errorf("num_label_issues = %d (calibrated %d), want 2 (1)", li.NumLabelIssues, li.NumLabelIssuesCalibrated)
	}
	checkNums(t, []numCheck{
		{"threshold a", li.Thresholds[0], 0.6}, {"threshold b", li.Thresholds[1], 2.0 / 3}, {"threshold c", li.Thresholds[2], 0.1},
		{"noise a", li.NoiseRate[0], 1.0 / 3}, {"noise b", li.NoiseRate[1], 0}, {"noise c", li.NoiseRate[2], 0},
	})
	if diff := cmp.Diff([]ClassSwap{{"a", "b", 1}}, li.TopSwaps); diff != "" {
		t.Errorf("swaps (-want +got):\n%s", diff)
	}
	// Ranked by self-confidence, row 2 (.1) and 5 (.1) tie; numpy's
	// insertion sort (fewer than 17 rows) keeps them in row order.
	ranked, err := r.RankedLabelIssues("self_confidence")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int{2}, ranked); diff != "" {
		t.Errorf("ranked (-want +got):\n%s", diff)
	}
}

// Two classes with ties. Threshold 0.5 and p(pos) = .5 on row 1: a tie
// at the threshold counts as positive. Labels pos neg pos neg, p(pos)
// .8 .8 .3 .1 (row 1 at .5 in the threshold case):
//
//	ROC AUC: pairs (pos, neg): (.8,.8) tie .5, (.8,.1) 1, (.3,.8) 0,
//	  (.3,.1) 1: 2.5/4 = .625
//	average precision, scores high to low: .8 gives P 1/2 at R 1/2, .3
//	  gives P 2/3 at R 1: .5·.5 + .5·2/3 = 7/12
func TestClassBinaryTies(t *testing.T) {
	in := &Input{
		Classes:   []string{"neg", "pos"},
		Label:     []int32{1, 0, 1, 0},
		Probs:     []float64{.2, .8, .2, .8, .7, .3, .9, .1},
		Threshold: 0.5,
		Positive:  1,
	}
	r := mustEvaluate(t, in)
	checkNums(t, []numCheck{
		{"roc auc", r.Binary.ROCAUC, 0.625},
		{"average precision", r.Binary.AveragePrecision, 7.0 / 12},
	})
	// At .5: predicted positive rows 0, 1; TP 1 FP 1 FN 1 TN 1.
	if b := r.Binary; b.TP != 1 || b.FP != 1 || b.FN != 1 || b.TN != 1 {
		t.Errorf("counts %+v, want one of each", b)
	}
	in.Probs[2], in.Probs[3] = .5, .5
	in.Threshold = .5
	r = mustEvaluate(t, in)
	if b := r.Binary; b.TP != 1 || b.FP != 1 {
		t.Errorf("p(pos) = threshold: TP %d FP %d, want the tie counted positive (1, 1)", b.TP, b.FP)
	}
	// No positives at all: ROC AUC and average precision are undefined,
	// recall too; precision is 0 (something was predicted positive).
	in.Label = []int32{0, 0, 0, 0}
	r = mustEvaluate(t, in)
	checkNums(t, []numCheck{
		{"roc auc", r.Binary.ROCAUC, nan},
		{"average precision", r.Binary.AveragePrecision, nan},
		{"recall", r.Binary.Recall, nan},
		{"precision", r.Binary.Precision, 0},
	})
	data, _ := r.MarshalJSON()
	var got map[string]any
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	if got["roc_auc"] != nil || got["average_precision"] != nil || got["recall"] != nil {
		t.Errorf("JSON roc_auc %v average_precision %v recall %v, want null", got["roc_auc"], got["average_precision"], got["recall"])
	}
}

// Missing values: row 0 has no label, row 1 no prediction, row 2 no
// probs. Accuracy counts rows 2 and 3 (label and pred), prob-based
// numbers rows 1 and 3.
func TestClassMissing(t *testing.T) {
	in := &Input{
		Classes:  []string{"a", "b"},
		Label:    []int32{-1, 0, 1, 1},
		Pred:     []int32{0, -1, 1, 0},
		Score:    []float64{.9, nan, .6, .7},
		Probs:    []float64{.9, .1, .3, .7, nan, nan, .7, .3},
		Positive: -1,
	}
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	r := mustEvaluate(t, in)
	if r.Evaluated != 2 || r.WithProbs != 2 || r.MissingLabel != 1 || r.MissingPred != 1 {
		t.Errorf("evaluated %d, with probs %d, missing label %d, missing pred %d; want 2 2 1 1", r.Evaluated, r.WithProbs, r.MissingLabel, r.MissingPred)
	}
	checkNums(t, []numCheck{{"accuracy", r.Accuracy, 0.5}})
	cols, release := fieldValues(t, mem, r)
	defer release()
	correct := cols[FieldCorrect].(*array.Boolean)
	if correct.IsValid(0) || correct.IsValid(1) || !correct.Value(2) || correct.Value(3) {
		t.Errorf("correct = %v, want [null null true false]", correct)
	}
	sc := cols[FieldSelfConfidence].(*array.Float64)
	if sc.IsValid(0) || sc.Value(1) != .3 || sc.IsValid(2) || sc.Value(3) != .3 {
		t.Errorf("self_confidence = %v, want [null 0.3 null 0.3]", sc)
	}
	// mistakenness (s·c+1)/2: row 2 right with c .6 -> .2; row 3 wrong
	// with c .7 -> .85; rows 0, 1 have no label or prediction.
	m := cols[FieldMistakenness].(*array.Float64)
	if m.IsValid(0) || m.IsValid(1) || !near(m.Value(2), .2) || !near(m.Value(3), .85) {
		t.Errorf("mistakenness = %v, want [null null 0.2 0.85]", m)
	}
	// hardness needs only probs: row 0 has it.
	h := cols[FieldHardness].(*array.Float64)
	if !h.IsValid(0) || h.IsValid(2) {
		t.Errorf("hardness = %v, want a value on row 0 and null on row 2", h)
	}
}

func TestClassInputErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   Input
		want string
	}{
		{"pred length", Input{Classes: []string{"a"}, Label: []int32{0}, Pred: []int32{0, 0}}, "2 predictions for 1 labels"},
		{"label range", Input{Classes: []string{"a"}, Label: []int32{3}, Pred: []int32{0}}, "label 3 of row 0 out of range"},
		{"probs length", Input{Classes: []string{"a", "b"}, Label: []int32{0}, Probs: []float64{1}}, "1 probs for 1 rows of 2 classes"},
		{"filter", Input{Classes: []string{"a"}, Label: []int32{0}, Pred: []int32{0}, CLFilter: "nope"}, `unknown confident-learning filter "nope"`},
		{"nothing", Input{Classes: []string{"a"}, Label: []int32{0}}, "neither predictions nor probs"},
	} {
		_, err := Evaluate(&tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

// The JSON report has exactly the keys SPEC §4 fixes plus the allowed
// extras, and the text report shows the headline numbers.
func TestClassReportKeys(t *testing.T) {
	in := clCase()
	in.Positive = -1
	r := mustEvaluate(t, in)
	data, err := r.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range got {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	want := []string{"accuracy", "balanced_accuracy", "cohen_kappa", "confusion_matrix", "label_issues", "log_loss",
		"macro_avg", "matthews_corrcoef", "micro_avg", "per_class", "roc_auc_ovo_macro", "roc_auc_ovr_macro",
		"roc_auc_ovr_weighted", "top_k_accuracy", "weighted_avg"}
	if diff := cmp.Diff(want, keys); diff != "" {
		t.Errorf("JSON keys (-want +got):\n%s", diff)
	}
	li := got["label_issues"].(map[string]any)
	if li["filter"] != FilterPruneByNoiseRate || li["num_label_issues"] != 1.0 {
		t.Errorf("label_issues = %v", li)
	}
	if !bytes.HasPrefix(data, []byte(`{"accuracy":`)) {
		t.Errorf("JSON starts %q, want accuracy first", data[:20])
	}
	in.Positive = 1
	r = mustEvaluate(t, in)
	data, _ = r.MarshalJSON()
	got = nil
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"positive", "tp", "fp", "fn", "tn", "precision", "recall", "f1", "roc_auc", "average_precision"} {
		if _, ok := got[k]; !ok {
			t.Errorf("binary JSON lacks %q", k)
		}
	}
	var text strings.Builder
	if err := r.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"accuracy 0.7143", "confusion matrix", "label issues (cleanlab prune_by_noise_rate): 1 rows flagged", "a -> b 1", "positive class b"} {
		if !strings.Contains(text.String(), s) {
			t.Errorf("text report lacks %q:\n%s", s, text.String())
		}
	}
}

// Class names never reach the terminal raw.
func TestClassTextEscapes(t *testing.T) {
	in := &Input{Classes: []string{"ok", "bad\x1b[31m"}, Label: []int32{0, 1}, Pred: []int32{0, 1}, Positive: -1}
	r := mustEvaluate(t, in)
	var text strings.Builder
	if err := r.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if strings.ContainsRune(text.String(), 0x1b) {
		t.Errorf("text report holds a raw escape:\n%q", text.String())
	}
}

// Results do not depend on the number of cores: rows are summed in
// fixed chunks, in order.
func TestClassDeterministic(t *testing.T) {
	in := synthClass(3*rowChunk+17, 5)
	in.Positive = 2
	var reports [2][]byte
	for i, procs := range []int{1, 2} {
		prev := runtime.GOMAXPROCS(procs)
		r := mustEvaluate(t, in)
		runtime.GOMAXPROCS(prev)
		data, err := r.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		reports[i] = data
	}
	if !bytes.Equal(reports[0], reports[1]) {
		t.Errorf("one core and two cores disagree:\n%s\n%s", reports[0], reports[1])
	}
}

// An empty dataset evaluates to undefined metrics and empty fields, with
// no panic.
func TestClassEmpty(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	in := &Input{Classes: []string{"a", "b"}, Label: []int32{}, Pred: []int32{}, Probs: []float64{}, Positive: 1}
	r := mustEvaluate(t, in)
	checkNums(t, []numCheck{{"accuracy", r.Accuracy, nan}, {"macro f1", r.MacroAvg.F1, nan}, {"precision", r.Binary.Precision, nan}})
	cols, release := fieldValues(t, mem, r)
	defer release()
	if len(cols) == 0 {
		t.Error("no fields")
	}
	if _, err := r.MarshalJSON(); err != nil {
		t.Error(err)
	}
	if err := r.WriteText(io.Discard); err != nil {
		t.Error(err)
	}
}

// DropRows frees the per-sample values and leaves the metrics as they
// were; a later Fields or RankedLabelIssues is a programmer error.
func TestClassDropRows(t *testing.T) {
	in := synthClass(rowChunk+5, 4)
	in.Positive = 1
	r := mustEvaluate(t, in)
	before, err := r.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	r.DropRows()
	if r.rows.label != nil || r.rows.correct != nil || r.rows.mistaken != nil || r.rows.selfConf != nil || r.rows.suspect != nil {
		t.Error("DropRows kept per-sample values")
	}
	after, err := r.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Errorf("DropRows changed the report:\n%s\n%s", before, after)
	}
	for name, call := range map[string]func(){
		"Fields":            func() { r.Fields(memory.DefaultAllocator) },
		"RankedLabelIssues": func() { r.RankedLabelIssues("self_confidence") },
	} {
		func() {
			defer func() {
				if msg, _ := recover().(string); msg != "classify: "+name+" after DropRows" {
					t.Errorf("%s after DropRows: recovered %q, want the DropRows panic", name, msg)
				}
			}()
			call()
		}()
	}
}

// NoEntropy leaves out hardness and confidence_weighted_entropy, and
// changes nothing else: every other field and the report are the same.
func TestClassNoEntropy(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	in := synthClass(rowChunk+9, 4)
	in.Positive = 1
	full := mustEvaluate(t, in)
	cut := *in
	cut.NoEntropy = true
	lean := mustEvaluate(t, &cut)
	want, err := full.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	got, err := lean.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(want, got) {
		t.Errorf("NoEntropy changed the report:\n%s\n%s", want, got)
	}
	fullCols, release := fieldValues(t, mem, full)
	defer release()
	leanCols, release2 := fieldValues(t, mem, lean)
	defer release2()
	for name, a := range fullCols {
		b, ok := leanCols[name]
		switch {
		case name == FieldHardness || name == FieldCWE:
			if ok {
				t.Errorf("NoEntropy: field %s is there", name)
			}
		case !ok:
			t.Errorf("NoEntropy: field %s is missing", name)
		case !array.Equal(a, b):
			t.Errorf("NoEntropy: field %s differs", name)
		}
	}
	if len(leanCols) != len(fullCols)-2 {
		t.Errorf("NoEntropy: %d fields, want %d", len(leanCols), len(fullCols)-2)
	}
	if _, err := lean.RankedLabelIssues("confidence_weighted_entropy"); err == nil {
		t.Error("RankedLabelIssues by confidence_weighted_entropy after NoEntropy: no error")
	}
	if _, err := lean.RankedLabelIssues("self_confidence"); err != nil {
		t.Error(err)
	}
}
