package evalview

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"triage/dataset"
	"triage/evalview/classify"
	"triage/evalview/curve"
)

// TestCurvesDemo checks the plots' inputs on the demo against scikit-learn
// 1.2.1 (testdata/reference/digits/reference.json): one-vs-rest ROC AUC a
// class, the confusion matrix, and how many predictions were right.
func TestCurvesDemo(t *testing.T) {
	var ref struct {
		Sklearn struct {
			ROCAUC    map[string]float64 `json:"roc_auc_ovr_per_class"`
			Confusion [][]int64          `json:"confusion_matrix"`
			Right     int                `json:"n_label_eq_pred"`
			Wrong     int                `json:"n_label_ne_pred"`
		} `json:"sklearn"`
	}
	readJSON(t, "../testdata/reference/digits/reference.json", &ref)
	s := open(t, Config{Data: dataset.Options{Path: demoData, Preds: []dataset.PredSpec{{Name: "lr", Path: demoPreds}}}})
	sets, err := s.Curves(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	c := sets[0]
	if len(c.ROC) != 10 || len(c.PR) != 10 {
		t.Fatalf("%d ROC and %d PR curves, want 10 each", len(c.ROC), len(c.PR))
	}
	for i, class := range c.ROCClasses {
		if got, want := c.AUC[i], ref.Sklearn.ROCAUC[class]; math.Abs(got-want) > 1e-9 {
			t.Errorf("class %s: ROC AUC %v, scikit-learn %v", class, got, want)
		}
	}
	for i := range ref.Sklearn.Confusion {
		for j, want := range ref.Sklearn.Confusion[i] {
			if c.Confusion[i][j] != want {
				t.Errorf("confusion[%d][%d] = %d, want %d", i, j, c.Confusion[i][j], want)
			}
		}
	}
	if len(c.Correct) != ref.Sklearn.Right || len(c.Wrong) != ref.Sklearn.Wrong {
		t.Errorf("%d right and %d wrong scores, want %d and %d", len(c.Correct), len(c.Wrong), ref.Sklearn.Right, ref.Sklearn.Wrong)
	}
	if !slices.IsSorted(c.Correct) || !slices.IsSorted(c.Wrong) {
		t.Error("scores not sorted")
	}
	var binned int
	for _, b := range c.Calibration {
		binned += b.Count
	}
	if binned != ref.Sklearn.Right+ref.Sklearn.Wrong || c.ECE <= 0 || c.ECE >= 1 {
		t.Errorf("calibration holds %d samples with ECE %v, want %d and an ECE in (0, 1)", binned, c.ECE, ref.Sklearn.Right+ref.Sklearn.Wrong)
	}
}

// TestCurvesDetection checks detection's curves against pycocotools
// (testdata/reference/coco-small/reference.json): AP50 and the PR curve at
// IoU 0.5 of every category.
func TestCurvesDetection(t *testing.T) {
	var ref struct {
		PerCategory map[string]struct {
			AP50 float64   `json:"AP50"`
			PR   []float64 `json:"pr_curve_iou50_all_maxdet100"`
		} `json:"per_category"`
	}
	readJSON(t, "../testdata/reference/coco-small/reference.json", &ref)
	dir := "../testdata/reference/coco-small/"
	s := open(t, Config{Data: dataset.Options{Path: dir + "dataset.parquet", Preds: []dataset.PredSpec{{Name: "predictions", Path: dir + "predictions.parquet"}}}})
	sets, err := s.Curves(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	c := sets[0]
	if len(c.Classes) != len(ref.PerCategory) {
		t.Fatalf("classes %v, reference has %d", c.Classes, len(ref.PerCategory))
	}
	for i, class := range c.Classes {
		want := ref.PerCategory[class]
		if math.Abs(c.AP[i]-want.AP50) > 1e-12 {
			t.Errorf("%s: AP50 %v, pycocotools %v", class, c.AP[i], want.AP50)
		}
		if len(c.PR[i].Precision) != len(want.PR) {
			t.Errorf("%s: %d PR points, pycocotools %d", class, len(c.PR[i].Precision), len(want.PR))
			continue
		}
		for j, p := range want.PR {
			if math.Abs(c.PR[i].Precision[j]-p) > 1e-12 {
				t.Errorf("%s: precision at recall point %d = %v, pycocotools %v", class, j, c.PR[i].Precision[j], p)
				break
			}
		}
	}
}

// TestCurvesScoresByBatch checks the right and wrong scores, split a
// batch at a time, against a slow split of whole columns converted at
// once (what Curves did before), on a file of many row groups with null
// predictions and null scores, with and without the derived fields held.
func TestCurvesScoresByBatch(t *testing.T) {
	path := writeParts(t, 20000, 3000)
	ctx := context.Background()
	for _, interactive := range []bool{false, true} {
		s := open(t, Config{Data: dataset.Options{Path: path}, Interactive: interactive})
		sets, err := s.Curves(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got := sets[0]
		held, err := s.baseTable(ctx, []string{"label", "pred", "score"})
		if err != nil {
			t.Fatal(err)
		}
		if n := len(held.Batches()); n < 2 {
			t.Errorf("the columns are held in %d batch, want several", n)
		}
		label, pred, score := held.ColumnByName("label"), held.ColumnByName("pred"), held.ColumnByName("score")
		in, _, err := classify.NewInput(s.Dataset().Classes, label, pred, score, nil)
		label.Release()
		pred.Release()
		score.Release()
		held.Release()
		if err != nil {
			t.Fatal(err)
		}
		var right, wrong []float64
		for i := range in.Label {
			l, p, v := in.Label[i], in.Pred[i], in.Score[i]
			switch {
			case l < 0 || p < 0 || math.IsNaN(v):
			case l == p:
				right = append(right, v)
			default:
				wrong = append(wrong, v)
			}
		}
		calibration, ece := curve.CalibrationSplit(right, wrong, 10)
		slices.Sort(right)
		slices.Sort(wrong)
		if len(right) == 0 || len(wrong) == 0 || len(right)+len(wrong) == len(in.Label) {
			t.Fatalf("%d right and %d wrong of %d rows: the file should have both, and rows without a prediction or a score", len(right), len(wrong), len(in.Label))
		}
		if diff := cmp.Diff(right, got.Correct); diff != "" {
			t.Errorf("interactive %v: right scores (-slow +Curves):\n%s", interactive, diff)
		}
		if diff := cmp.Diff(wrong, got.Wrong); diff != "" {
			t.Errorf("interactive %v: wrong scores (-slow +Curves):\n%s", interactive, diff)
		}
		if diff := cmp.Diff(calibration, got.Calibration, cmpopts.EquateNaNs()); diff != "" || ece != got.ECE {
			t.Errorf("interactive %v: calibration (-slow +Curves):\n%s\nECE %v, slow %v", interactive, diff, got.ECE, ece)
		}
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}
