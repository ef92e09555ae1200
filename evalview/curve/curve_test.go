package curve

import (
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

func near(a, b, tol float64) bool {
	if a == b {
		return true
	}
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Abs(a-b) <= tol
}

func nearAll(a, b []float64, tol float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !near(a[i], b[i], tol) {
			return false
		}
	}
	return true
}

// The sklearn examples are from the docstrings of precision_recall_curve
// and roc_curve (scikit-learn 1.2–1.7): y_true [0 0 1 1], scores
// [0.1 0.4 0.35 0.8].
var (
	docPositive = []bool{false, false, true, true}
	docScore    = []float64{0.1, 0.4, 0.35, 0.8}
)

func TestPrecisionRecallDocExample(t *testing.T) {
	pr := PrecisionRecall(docPositive, docScore)
	want := PR{
		Precision:  []float64{0.5, 2.0 / 3, 0.5, 1, 1},
		Recall:     []float64{1, 1, 0.5, 0.5, 0},
		Thresholds: []float64{0.1, 0.35, 0.4, 0.8},
	}
	if !nearAll(pr.Precision, want.Precision, 1e-15) || !nearAll(pr.Recall, want.Recall, 0) || !nearAll(pr.Thresholds, want.Thresholds, 0) {
		t.Errorf("PrecisionRecall = %+v, want %+v", pr, want)
	}
	// average_precision_score docstring: 0.83 (5/6).
	if ap := pr.AveragePrecision(); !near(ap, 5.0/6, 1e-15) {
		t.Errorf("AveragePrecision = %v, want 5/6", ap)
	}
}

func TestROCDocExample(t *testing.T) {
	roc := ROCCurve(docPositive, docScore)
	want := ROC{
		FPR:        []float64{0, 0, 0.5, 0.5, 1},
		TPR:        []float64{0, 0.5, 0.5, 1, 1},
		Thresholds: []float64{math.Inf(1), 0.8, 0.4, 0.35, 0.1},
	}
	if !nearAll(roc.FPR, want.FPR, 0) || !nearAll(roc.TPR, want.TPR, 0) || !nearAll(roc.Thresholds, want.Thresholds, 0) {
		t.Errorf("ROCCurve = %+v, want %+v", roc, want)
	}
	if auc := roc.AUC(); auc != 0.75 {
		t.Errorf("AUC = %v, want 0.75 (the auc docstring)", auc)
	}
}

// TestTiesAndDegenerate works small cases by hand.
func TestTiesAndDegenerate(t *testing.T) {
	// Three samples tie at 0.5 (two positive): one threshold for them.
	pr := PrecisionRecall([]bool{true, false, true, false}, []float64{0.5, 0.5, 0.5, 0.2})
	if !nearAll(pr.Thresholds, []float64{0.2, 0.5}, 0) || !nearAll(pr.Precision, []float64{0.5, 2.0 / 3, 1}, 1e-15) || !nearAll(pr.Recall, []float64{1, 1, 0}, 0) {
		t.Errorf("ties: %+v", pr)
	}
	// A NaN score is left out.
	if got := PrecisionRecall([]bool{true, false}, []float64{math.NaN(), 0.3}); len(got.Thresholds) != 1 {
		t.Errorf("NaN score kept: %+v", got)
	}
	// No positives: recall 1, precision 0, AP undefined.
	none := PrecisionRecall([]bool{false, false}, []float64{0.9, 0.1})
	if !nearAll(none.Recall, []float64{1, 1, 0}, 0) || !math.IsNaN(none.AveragePrecision()) {
		t.Errorf("no positives: %+v, AP %v", none, none.AveragePrecision())
	}
	if empty := PrecisionRecall(nil, nil); len(empty.Precision) != 1 || !math.IsNaN(empty.AveragePrecision()) {
		t.Errorf("no samples: %+v", empty)
	}
	if auc := ROCCurve([]bool{true, true}, []float64{0.9, 0.1}).AUC(); !math.IsNaN(auc) {
		t.Errorf("no negatives: AUC = %v, want NaN", auc)
	}
	if auc := ROCCurve([]bool{false, false}, []float64{0.9, 0.1}).AUC(); !math.IsNaN(auc) {
		t.Errorf("no positives: AUC = %v, want NaN", auc)
	}
	if auc := ROCCurve(nil, nil).AUC(); !math.IsNaN(auc) {
		t.Errorf("no samples: AUC = %v, want NaN", auc)
	}
	// Perfect ranking.
	if auc := ROCCurve([]bool{true, false, true}, []float64{0.9, 0.1, 0.8}).AUC(); auc != 1 {
		t.Errorf("perfect ranking: AUC = %v, want 1", auc)
	}
}

// readColumns reads the named columns of a Parquet file: int64 and string
// columns as strings, float64 as []float64, list<float64> as [][]float64.
func readColumns(t *testing.T, path string, names ...string) map[string]any {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	rdr, err := file.OpenParquetFile(path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Close()
	fr, err := pqarrow.NewFileReader(rdr, pqarrow.ArrowReadProperties{}, mem)
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	out := map[string]any{}
	for _, name := range names {
		idx := tbl.Schema().FieldIndices(name)
		if len(idx) != 1 {
			t.Fatalf("%s: no column %q", path, name)
		}
		var strs []string
		var floats []float64
		var lists [][]float64
		for _, chunk := range tbl.Column(idx[0]).Data().Chunks() {
			switch a := chunk.(type) {
			case *array.Int64:
				for i := range a.Len() {
					strs = append(strs, a.ValueStr(i))
				}
			case *array.String:
				for i := range a.Len() {
					strs = append(strs, a.Value(i))
				}
			case *array.Float64:
				floats = append(floats, a.Float64Values()...)
			case *array.List:
				vals := a.ListValues().(*array.Float64)
				for i := range a.Len() {
					lo, hi := a.ValueOffsets(i)
					lists = append(lists, slices.Clone(vals.Float64Values()[lo:hi]))
				}
			default:
				t.Fatalf("%s: column %q is %s", path, name, chunk.DataType())
			}
		}
		switch {
		case strs != nil:
			out[name] = strs
		case floats != nil:
			out[name] = floats
		default:
			out[name] = lists
		}
	}
	return out
}

// joined returns the label column of a dataset and the probs column of its
// predictions, matched by id.
func joined(t *testing.T, dataset, predictions string) ([]string, [][]float64) {
	t.Helper()
	ds := readColumns(t, dataset, "id", "label")
	preds := readColumns(t, predictions, "id", "probs")
	byID := map[string][]float64{}
	for i, id := range preds["id"].([]string) {
		byID[id] = preds["probs"].([][]float64)[i]
	}
	ids, labels := ds["id"].([]string), ds["label"].([]string)
	probs := make([][]float64, len(ids))
	for i, id := range ids {
		if probs[i] = byID[id]; probs[i] == nil {
			t.Fatalf("%s: id %s has no prediction", predictions, id)
		}
	}
	return labels, probs
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatal(err)
	}
}

var refDir = filepath.Join("..", "..", "testdata", "reference")

// TestBinaryReference checks ROC AUC and average precision on the binary
// reference case against scikit-learn 1.2.1's roc_auc_score and
// average_precision_score (testdata/reference/binary/reference.json).
func TestBinaryReference(t *testing.T) {
	var ref struct {
		Positive      string `json:"positive"`
		ThresholdFree struct {
			ROCAUC float64 `json:"roc_auc"`
			AP     float64 `json:"average_precision"`
		} `json:"threshold_free"`
	}
	readJSON(t, filepath.Join(refDir, "binary", "reference.json"), &ref)
	labels, probs := joined(t, filepath.Join(refDir, "binary", "dataset.parquet"), filepath.Join(refDir, "binary", "predictions.parquet"))
	positive := make([]bool, len(labels))
	score := make([]float64, len(labels))
	for i := range labels {
		positive[i] = labels[i] == ref.Positive
		score[i] = probs[i][1] // [p(neg), p(pos)]
	}
	if auc := ROCCurve(positive, score).AUC(); !near(auc, ref.ThresholdFree.ROCAUC, 1e-9) {
		t.Errorf("ROC AUC = %.17g, sklearn %.17g", auc, ref.ThresholdFree.ROCAUC)
	}
	if ap := PrecisionRecall(positive, score).AveragePrecision(); !near(ap, ref.ThresholdFree.AP, 1e-9) {
		t.Errorf("average precision = %.17g, sklearn %.17g", ap, ref.ThresholdFree.AP)
	}
}

// TestDigitsReference checks one-vs-rest ROC AUC per class of the demo
// against scikit-learn's roc_auc_score(multi_class="ovr", average=None)
// (testdata/reference/digits/reference.json, roc_auc_ovr_per_class).
func TestDigitsReference(t *testing.T) {
	var ref struct {
		Classes []string `json:"classes"`
		Sklearn struct {
			PerClass map[string]float64 `json:"roc_auc_ovr_per_class"`
			Macro    float64            `json:"roc_auc_ovr_macro"`
		} `json:"sklearn"`
	}
	readJSON(t, filepath.Join(refDir, "digits", "reference.json"), &ref)
	demo := filepath.Join("..", "..", "testdata", "demo")
	labels, probs := joined(t, filepath.Join(demo, "digits.parquet"), filepath.Join(demo, "digits-preds.parquet"))
	macro := 0.0
	for k, class := range ref.Classes {
		positive := make([]bool, len(labels))
		score := make([]float64, len(labels))
		for i := range labels {
			positive[i] = labels[i] == class
			score[i] = probs[i][k]
		}
		auc := ROCCurve(positive, score).AUC()
		if want := ref.Sklearn.PerClass[class]; !near(auc, want, 1e-9) {
			t.Errorf("class %s: ROC AUC = %.17g, sklearn %.17g", class, auc, want)
		}
		macro += auc / float64(len(ref.Classes))
	}
	if !near(macro, ref.Sklearn.Macro, 1e-9) {
		t.Errorf("macro ROC AUC = %.17g, sklearn %.17g", macro, ref.Sklearn.Macro)
	}
}

func TestCalibration(t *testing.T) {
	// Worked by hand with 10 bins. Edges are k*0.1, so 0.3 lies below the
	// edge 0.30000000000000004 and joins (0.2, 0.3]; 0.1 and 0.2 end their
	// bins; 0 joins the first and 1 the last.
	conf := []float64{0, 0.1, 0.2, 0.3, 0.3, 0.95, 1, math.NaN()}
	hit := []bool{false, true, false, true, false, true, true, true}
	bins, ece := Calibration(hit, conf, 10)
	wantCount := []int{2, 1, 2, 0, 0, 0, 0, 0, 0, 2}
	for b, want := range wantCount {
		if bins[b].Count != want {
			t.Errorf("bin %d (%v, %v] holds %d, want %d", b, bins[b].Lo, bins[b].Hi, bins[b].Count, want)
		}
	}
	// bin 0: conf 0.05, acc 0.5; bin 1: 0.2, 0; bin 2: 0.3, 0.5; bin 9: 0.975, 1.
	want := (2*math.Abs(0.5-0.05) + 1*math.Abs(0-0.2) + 2*math.Abs(0.5-0.3) + 2*math.Abs(1-0.975)) / 7
	if !near(ece, want, 1e-15) {
		t.Errorf("ECE = %v, want %v", ece, want)
	}
	if !math.IsNaN(bins[4].Confidence) || !math.IsNaN(bins[4].Accuracy) || bins[9].Hi != 1 || bins[3].Lo != 0.30000000000000004 {
		t.Errorf("bins = %+v", bins)
	}
	if _, ece := Calibration(nil, nil, 5); !math.IsNaN(ece) {
		t.Errorf("no samples: ECE = %v, want NaN", ece)
	}
	// Perfectly calibrated halves: ECE 0.
	if _, ece := Calibration([]bool{true, false, true, true}, []float64{0.5, 0.5, 1, 1}, 2); ece != 0 {
		t.Errorf("calibrated: ECE = %v, want 0", ece)
	}
}

// TestThin: a curve of many close points keeps its ends and no two kept
// neighbours closer than the step (but for the last), and a short curve is
// kept whole.
func TestThin(t *testing.T) {
	n := 100000
	pos := make([]bool, n)
	score := make([]float64, n)
	for i := range score {
		pos[i] = i%3 == 0
		score[i] = float64(i) / float64(n)
	}
	pr := PrecisionRecall(pos, score)
	thin := pr.Thin(1.0 / 256)
	if len(thin.Recall) >= len(pr.Recall)/10 || len(thin.Recall) < 3 {
		t.Fatalf("%d points thinned to %d", len(pr.Recall), len(thin.Recall))
	}
	last := len(pr.Recall) - 1
	if thin.Recall[0] != pr.Recall[0] || thin.Precision[len(thin.Precision)-1] != pr.Precision[last] {
		t.Errorf("ends not kept")
	}
	for i := 1; i < len(thin.Recall)-1; i++ {
		if math.Abs(thin.Recall[i]-thin.Recall[i-1]) < 1.0/256 && math.Abs(thin.Precision[i]-thin.Precision[i-1]) < 1.0/256 {
			t.Fatalf("points %d and %d closer than the step", i-1, i)
		}
	}
	short := PrecisionRecall([]bool{true, false}, []float64{0.9, 0.1}).Thin(1.0 / 256)
	if len(short.Recall) != 3 {
		t.Errorf("a 3-point curve thinned to %d points", len(short.Recall))
	}
}

// TestCalibrationSplit: the confidences of right and wrong predictions
// given apart bin as they do together.
func TestCalibrationSplit(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var hit []bool
	var conf, right, wrong []float64
	for range 5000 {
		c := rng.Float64()
		h := rng.Float64() < c
		hit, conf = append(hit, h), append(conf, c)
		if h {
			right = append(right, c)
		} else {
			wrong = append(wrong, c)
		}
	}
	want, wantECE := Calibration(hit, conf, 10)
	got, gotECE := CalibrationSplit(right, wrong, 10)
	for b := range want {
		if got[b].Count != want[b].Count || got[b].Accuracy != want[b].Accuracy || math.Abs(got[b].Confidence-want[b].Confidence) > 1e-12 {
			t.Errorf("bin %d: %+v, together %+v", b, got[b], want[b])
		}
	}
	if math.Abs(gotECE-wantECE) > 1e-12 {
		t.Errorf("ECE %v, together %v", gotECE, wantECE)
	}
}

// TestSortByScore: the radix sort orders as a stable sort by score,
// highest first, does: on random scores with many ties, negative values,
// infinities, and -0 among 0s (one score to the comparison).
func TestSortByScore(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 8))
	pool := []float64{0, math.Copysign(0, -1), 1, -1, 0.5, 1e-300, -1e-300, math.Inf(1), math.Inf(-1), 0.25, 0.7500001}
	for trial := range 300 {
		n := r.IntN(2000)
		xs := make([]scored, n)
		for i := range xs {
			s := pool[r.IntN(len(pool))]
			if trial%2 == 0 {
				s = r.NormFloat64() * math.Pow(10, float64(r.IntN(20)-10))
			}
			xs[i] = scored{score: s, positive: i%3 == 0}
		}
		want := slices.Clone(xs)
		slices.SortStableFunc(want, func(a, b scored) int {
			switch {
			case a.score > b.score:
				return -1
			case a.score < b.score:
				return 1
			}
			return 0
		})
		got := slices.Clone(xs)
		sortByScore(got)
		for i := range want {
			// Compare bits: a -0 must stay where the stable sort puts it.
			if math.Float64bits(got[i].score) != math.Float64bits(want[i].score) || got[i].positive != want[i].positive {
				t.Fatalf("trial %d, n %d: position %d is %v, want %v", trial, n, i, got[i], want[i])
			}
		}
	}
}
