package classify

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/google/go-cmp/cmp"

	"triage/evalview/internal/numpy"
)

// The parity tests compare against numbers that scikit-learn 1.2.1 and
// cleanlab 2.9.0 computed on the same files (testdata/reference/README.md),
// never against numbers this package printed. Floats agree within 1e-9.

const parityTol = 1e-9

// readParquet reads a whole Parquet file as one table.
func readParquet(t *testing.T, mem memory.Allocator, path string) arrow.Table {
	t.Helper()
	r, err := file.OpenParquetFile(path, false, file.WithReadProps(nil))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	fr, err := pqarrow.NewFileReader(r, pqarrow.ArrowReadProperties{Parallel: false, BatchSize: 1 << 16}, mem)
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return tbl
}

// column returns a table column as one array; the caller releases it.
func column(t *testing.T, mem memory.Allocator, tbl arrow.Table, name string) arrow.Array {
	t.Helper()
	idx := tbl.Schema().FieldIndices(name)
	if len(idx) != 1 {
		t.Fatalf("no column %q in %s", name, tbl.Schema())
	}
	a, err := array.Concatenate(tbl.Column(idx[0]).Data().Chunks(), mem)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// joined is a dataset joined with its predictions by id, in dataset order.
type joined struct {
	ids                       []int64
	label, pred, score, probs *arrow.Chunked
}

func (j *joined) release() {
	for _, c := range []*arrow.Chunked{j.label, j.pred, j.score, j.probs} {
		c.Release()
	}
}

// joinByID reads the dataset and prediction files and lines the prediction
// columns up with the dataset rows by the id column.
func joinByID(t *testing.T, mem memory.Allocator, datasetPath, predsPath string) *joined {
	t.Helper()
	ds := readParquet(t, mem, datasetPath)
	defer ds.Release()
	pr := readParquet(t, mem, predsPath)
	defer pr.Release()
	dsID := column(t, mem, ds, "id")
	defer dsID.Release()
	prID := column(t, mem, pr, "id")
	defer prID.Release()
	at := map[int64]int{}
	for i, id := range prID.(*array.Int64).Int64Values() {
		at[id] = i
	}
	ids := slices.Clone(dsID.(*array.Int64).Int64Values())
	bld := array.NewInt64Builder(mem)
	defer bld.Release()
	for _, id := range ids {
		i, ok := at[id]
		if !ok {
			t.Fatalf("id %d has no prediction", id)
		}
		bld.Append(int64(i))
	}
	take := bld.NewArray()
	defer take.Release()
	ctx := compute.WithAllocator(context.Background(), mem)
	j := &joined{ids: ids}
	label := column(t, mem, ds, "label")
	defer label.Release()
	j.label = arrow.NewChunked(label.DataType(), []arrow.Array{label})
	for _, c := range []struct {
		name string
		dst  **arrow.Chunked
	}{{"pred", &j.pred}, {"score", &j.score}, {"probs", &j.probs}} {
		col := column(t, mem, pr, c.name)
		taken, err := compute.TakeArray(ctx, col, take)
		col.Release()
		if err != nil {
			t.Fatal(err)
		}
		*c.dst = arrow.NewChunked(taken.DataType(), []arrow.Array{taken})
		taken.Release()
	}
	return j
}

func loadReference(t *testing.T, path string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var ref map[string]any
	if err := json.Unmarshal(data, &ref); err != nil {
		t.Fatal(err)
	}
	return ref
}

// readJSONL reads a JSON Lines file of objects keyed by their "id".
func readJSONL(t *testing.T, path string) map[int64]map[string]any {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[int64]map[string]any{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		out[int64(m["id"].(float64))] = m
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func closeTo(got, want float64) bool {
	return math.Abs(got-want) <= parityTol || (math.IsNaN(got) && math.IsNaN(want))
}

func checkNum(t *testing.T, name string, got float64, want any) {
	t.Helper()
	w, ok := want.(float64)
	if !ok {
		t.Errorf("%s: reference value %v is not a number", name, want)
		return
	}
	if !closeTo(got, w) {
		t.Errorf("%s = %.17g, want %.17g (diff %.3g)", name, got, w, got-w)
	}
}

func intsOf(v any) []int64 {
	var out []int64
	for _, x := range v.([]any) {
		out = append(out, int64(x.(float64)))
	}
	return out
}

func matrixOf(v any) [][]int64 {
	var out [][]int64
	for _, row := range v.([]any) {
		out = append(out, intsOf(row))
	}
	return out
}

// checkSklearn compares a report with a reference "sklearn" section.
func checkSklearn(t *testing.T, r *Report, ref map[string]any) {
	t.Helper()
	checkNum(t, "accuracy", r.Accuracy, ref["accuracy"])
	checkNum(t, "balanced_accuracy", r.BalancedAccuracy, ref["balanced_accuracy"])
	checkNum(t, "cohen_kappa", r.CohenKappa, ref["cohen_kappa"])
	checkNum(t, "matthews_corrcoef", r.MatthewsCorrcoef, ref["matthews_corrcoef"])
	checkNum(t, "log_loss", r.LogLoss, ref["log_loss"])
	if got, want := int64(r.Evaluated), int64(ref["n"].(float64)); got != want {
		t.Errorf("evaluated %d rows, want %d", got, want)
	}
	var right, wrong int
	var nll []float64
	for i, c := range r.rows.correct {
		switch c {
		case 1:
			right++
		case 0:
			wrong++
		}
		nll = append(nll, r.rows.loss[i])
	}
	checkNum(t, "n_label_eq_pred", float64(right), ref["n_label_eq_pred"])
	checkNum(t, "n_label_ne_pred", float64(wrong), ref["n_label_ne_pred"])
	checkNum(t, "mean_nll_unclipped", numpy.Mean(nll), ref["mean_nll_unclipped"])
	per := ref["per_class"].(map[string]any)
	for _, m := range r.PerClass {
		w := per[m.Name].(map[string]any)
		checkNum(t, m.Name+" precision", m.Precision, w["precision"])
		checkNum(t, m.Name+" recall", m.Recall, w["recall"])
		checkNum(t, m.Name+" f1", m.F1, w["f1"])
		checkNum(t, m.Name+" support", float64(m.Support), w["support"])
	}
	for _, avg := range []struct {
		name string
		got  Average
	}{{"macro_avg", r.MacroAvg}, {"weighted_avg", r.WeightedAvg}, {"micro_avg", r.MicroAvg}} {
		w := ref[avg.name].(map[string]any)
		checkNum(t, avg.name+" precision", avg.got.Precision, w["precision"])
		checkNum(t, avg.name+" recall", avg.got.Recall, w["recall"])
		checkNum(t, avg.name+" f1", avg.got.F1, w["f1"])
		checkNum(t, avg.name+" support", float64(avg.got.Support), w["support"])
	}
	if diff := cmp.Diff(matrixOf(ref["confusion_matrix"]), r.Confusion); diff != "" {
		t.Errorf("confusion matrix (-want +got):\n%s", diff)
	}
	for name, want := range ref["roc_auc_ovr_per_class"].(map[string]any) {
		i := slices.Index(r.Classes, name)
		checkNum(t, "roc_auc "+name, r.PerClass[i].ROCAUC, want)
	}
	for key, got := range map[string]float64{
		"roc_auc_ovr_macro": r.ROCAUCOvRMacro, "roc_auc_ovr_weighted": r.ROCAUCOvRWeighted, "roc_auc_ovo_macro": r.ROCAUCOvOMacro,
	} {
		if want, ok := ref[key]; ok {
			checkNum(t, key, got, want)
		}
	}
	for _, tk := range r.TopK {
		if want, ok := ref[fmt.Sprintf("top%d_accuracy", tk.K)]; ok {
			checkNum(t, fmt.Sprintf("top-%d accuracy", tk.K), tk.Accuracy, want)
		}
	}
}

// checkCleanlab compares every filter's flagged ids, the rankings, the
// issue counts and the confident joint with a reference "cleanlab" section.
func checkCleanlab(t *testing.T, in *Input, ids []int64, ref map[string]any) {
	t.Helper()
	for filter, v := range ref["filters"].(map[string]any) {
		want := v.(map[string]any)
		in.CLFilter = filter
		r, err := Evaluate(in)
		if err != nil {
			t.Fatal(err)
		}
		var got []int64
		for i, s := range r.rows.suspect {
			if s == 1 {
				got = append(got, ids[i])
			}
		}
		slices.Sort(got)
		if diff := cmp.Diff(intsOf(want["flagged_ids"]), got); diff != "" {
			t.Errorf("filter %s flagged ids (-want +got):\n%s", filter, diff)
		}
		if r.LabelIssues.NumFlagged != int(want["n_flagged"].(float64)) {
			t.Errorf("filter %s flagged %d, want %v", filter, r.LabelIssues.NumFlagged, want["n_flagged"])
		}
	}
	in.CLFilter = ""
	r, err := Evaluate(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, by := range []string{"self_confidence", "normalized_margin"} {
		rows, err := r.RankedLabelIssues(by)
		if err != nil {
			t.Fatal(err)
		}
		got := make([]int64, len(rows))
		for i, row := range rows {
			got[i] = ids[row]
		}
		want := intsOf(ref["default_ranked_by_"+by].(map[string]any)["ids"])
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("ranked by %s (-want +got):\n%s", by, diff)
		}
	}
	nli := ref["num_label_issues"].(map[string]any)
	if got, want := r.LabelIssues.NumLabelIssues, int(nli["off_diagonal"].(float64)); got != want {
		t.Errorf("num_label_issues = %d, want %d", got, want)
	}
	if got, want := r.LabelIssues.NumLabelIssuesCalibrated, int(nli["off_diagonal_calibrated"].(float64)); got != want {
		t.Errorf("num_label_issues calibrated = %d, want %d", got, want)
	}
	cj := ref["confident_joint"].(map[string]any)
	if diff := cmp.Diff(matrixOf(cj["uncalibrated_counts"]), r.LabelIssues.ConfidentJointRaw); diff != "" {
		t.Errorf("confident joint (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(matrixOf(cj["calibrated"]), r.LabelIssues.ConfidentJoint); diff != "" {
		t.Errorf("calibrated confident joint (-want +got):\n%s", diff)
	}
}

// fieldValues returns the derived columns of a report by name, read back
// from the Arrow arrays Fields builds, and a function releasing them.
func fieldValues(t *testing.T, mem memory.Allocator, r *Report) (map[string]arrow.Array, func()) {
	t.Helper()
	fields, arrays := r.Fields(mem)
	out := map[string]arrow.Array{}
	for i, f := range fields {
		if arrays[i].Len() != r.N {
			t.Errorf("field %s has %d rows, want %d", f.Name, arrays[i].Len(), r.N)
		}
		out[f.Name] = arrays[i]
	}
	return out, func() {
		for _, a := range arrays {
			a.Release()
		}
	}
}

// checkPerSample compares derived.jsonl and cleanlab_scores.jsonl.
func checkPerSample(t *testing.T, mem memory.Allocator, r *Report, ids []int64, dir string) {
	t.Helper()
	derived := readJSONL(t, filepath.Join(dir, "derived.jsonl"))
	scores := readJSONL(t, filepath.Join(dir, "cleanlab_scores.jsonl"))
	cols, release := fieldValues(t, mem, r)
	defer release()
	f := func(name string) *array.Float64 { return cols[name].(*array.Float64) }
	correct := cols[FieldCorrect].(*array.Boolean)
	if len(derived) != len(ids) || len(scores) != len(ids) {
		t.Fatalf("reference has %d derived and %d score rows for %d samples", len(derived), len(scores), len(ids))
	}
	bad := 0
	for i, id := range ids {
		d, s := derived[id], scores[id]
		margin := 2*f(FieldNormMargin).Value(i) - 1
		checks := []struct {
			name      string
			got, want float64
		}{
			{"p_label", f(FieldSelfConfidence).Value(i), d["p_label"].(float64)},
			{"margin", margin, d["margin"].(float64)},
			{"entropy", f(FieldHardness).Value(i), d["entropy"].(float64)},
			{"loss", f(FieldLoss).Value(i), d["loss"].(float64)},
			{"self_confidence", f(FieldSelfConfidence).Value(i), s["self_confidence"].(float64)},
			{"normalized_margin", f(FieldNormMargin).Value(i), s["normalized_margin"].(float64)},
			{"confidence_weighted_entropy", f(FieldCWE).Value(i), s["confidence_weighted_entropy"].(float64)},
		}
		for _, c := range checks {
			if !closeTo(c.got, c.want) && bad < 20 {
				bad++
				t.Errorf("id %d %s = %.17g, want %.17g", id, c.name, c.got, c.want)
			}
		}
		if correct.Value(i) != d["correct"].(bool) && bad < 20 {
			bad++
			t.Errorf("id %d correct = %v, want %v", id, correct.Value(i), d["correct"])
		}
	}
}

func TestClassDigitsParity(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	j := joinByID(t, mem, "../../testdata/demo/digits.parquet", "../../testdata/demo/digits-preds.parquet")
	defer j.release()
	ref := loadReference(t, "../../testdata/reference/digits/reference.json")
	var classes []string
	for _, c := range ref["classes"].([]any) {
		classes = append(classes, c.(string))
	}
	in, warns, err := NewInput(classes, j.label, j.pred, j.score, j.probs)
	if err != nil {
		t.Fatal(err)
	}
	if len(warns) > 0 {
		t.Errorf("warnings: %q", warns)
	}
	r, err := Evaluate(in)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("sklearn", func(t *testing.T) { checkSklearn(t, r, ref["sklearn"].(map[string]any)) })
	t.Run("cleanlab", func(t *testing.T) { checkCleanlab(t, in, j.ids, ref["cleanlab"].(map[string]any)) })
	t.Run("per-sample", func(t *testing.T) {
		checkPerSample(t, mem, r, j.ids, "../../testdata/reference/digits")
	})
}

func TestClassBinaryParity(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	j := joinByID(t, mem, "../../testdata/reference/binary/dataset.parquet", "../../testdata/reference/binary/predictions.parquet")
	defer j.release()
	ref := loadReference(t, "../../testdata/reference/binary/reference.json")
	var classes []string
	for _, c := range ref["classes"].([]any) {
		classes = append(classes, c.(string))
	}
	in, warns, err := NewInput(classes, j.label, j.pred, j.score, j.probs)
	if err != nil {
		t.Fatal(err)
	}
	if len(warns) > 0 {
		t.Errorf("warnings: %q", warns)
	}
	if err := in.SetPositive(ref["positive"].(string)); err != nil {
		t.Fatal(err)
	}
	free := ref["threshold_free"].(map[string]any)
	if r := mustEvaluate(t, in); float64(r.PerClass[in.Positive].Support) != ref["n_positive"].(float64) {
		t.Errorf("%d positives, want %v", r.PerClass[in.Positive].Support, ref["n_positive"])
	}
	for ts, v := range ref["thresholds"].(map[string]any) {
		t.Run("threshold "+ts, func(t *testing.T) {
			want := v.(map[string]any)
			th, err := strconv.ParseFloat(ts, 64)
			if err != nil {
				t.Fatal(err)
			}
			in.Threshold = th
			r, err := Evaluate(in)
			if err != nil {
				t.Fatal(err)
			}
			b := r.Binary
			for name, got := range map[string]int64{"TP": b.TP, "FP": b.FP, "FN": b.FN, "TN": b.TN} {
				if float64(got) != want[name].(float64) {
					t.Errorf("%s = %d, want %v", name, got, want[name])
				}
			}
			checkNum(t, "precision", b.Precision, want["precision"])
			checkNum(t, "recall", b.Recall, want["recall"])
			checkNum(t, "f1", b.F1, want["f1"])
			checkNum(t, "accuracy", b.Accuracy, want["accuracy"])
			checkNum(t, "roc_auc", b.ROCAUC, free["roc_auc"])
			checkNum(t, "average_precision", b.AveragePrecision, free["average_precision"])
			checkNum(t, "log_loss", r.LogLoss, free["log_loss"])
			cols, release := fieldValues(t, mem, r)
			defer release()
			outcome := cols[FieldOutcome].(*array.String)
			for _, kind := range []string{"fp", "fn"} {
				var got []int64
				flag := cols[kind].(*array.Boolean)
				for i, id := range j.ids {
					if outcome.Value(i) == kind != flag.Value(i) {
						t.Fatalf("row %d: outcome %q but %s = %v", i, outcome.Value(i), kind, flag.Value(i))
					}
					if flag.Value(i) {
						got = append(got, id)
					}
				}
				slices.Sort(got)
				if diff := cmp.Diff(intsOf(want[kind+"_ids"]), got); diff != "" {
					t.Errorf("%s ids (-want +got):\n%s", kind, diff)
				}
			}
		})
	}
	in.Threshold = 0.5
	r, err := Evaluate(in)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("as multiclass", func(t *testing.T) {
		mc := ref["as_multiclass"].(map[string]any)
		checkSklearn(t, r, mc)
		checkNum(t, "roc_auc", r.Binary.ROCAUC, mc["roc_auc"])
	})
	t.Run("cleanlab", func(t *testing.T) { checkCleanlab(t, in, j.ids, ref["cleanlab"].(map[string]any)) })
	t.Run("per-sample", func(t *testing.T) {
		checkPerSample(t, mem, r, j.ids, "../../testdata/reference/binary")
	})
}
