package plot

import (
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/plot/cmpimg"

	"triage/evalview/curve"
)

var update = flag.Bool("update", false, "rewrite the golden plots in testdata")

// checkFigure saves f and compares the PNG with testdata/<name>_golden.png
// within a tolerance, as gonum/plot's own tests do (font rasterising may
// differ in the last bits between machines), and the SVG byte for byte.
func checkFigure(t *testing.T, f Figure, name string) {
	t.Helper()
	dir := t.TempDir()
	files, err := Save(f, dir, name)
	if err != nil {
		t.Fatal(err)
	}
	for _, got := range files {
		ext := filepath.Ext(got)
		golden := filepath.Join("testdata", name+"_golden"+ext)
		gotData, err := os.ReadFile(got)
		if err != nil {
			t.Fatal(err)
		}
		if *update {
			if err := os.WriteFile(golden, gotData, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run with -update to create it)", err)
		}
		ok, err := cmpimg.EqualApprox(ext[1:], gotData, want, 0.01)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			keep := filepath.Join(os.TempDir(), name+"_got"+ext)
			os.WriteFile(keep, gotData, 0o644)
			t.Errorf("%s differs from %s (kept as %s; -update rewrites it)", filepath.Base(got), golden, keep)
		}
	}
}

// samples returns, for k classes, labels and one-vs-rest probabilities of
// a classifier that is sure of the low classes and unsure of the high.
func samples(k, n int) (labels []int, probs [][]float64) {
	rng := rand.New(rand.NewPCG(11, 12))
	for range n {
		y := rng.IntN(k)
		p := make([]float64, k)
		sum := 0.0
		for c := range p {
			p[c] = rng.Float64()
			if c == y {
				p[c] += 1.5 * float64(k-c) / float64(k)
			}
			sum += p[c]
		}
		for c := range p {
			p[c] /= sum
		}
		labels, probs = append(labels, y), append(probs, p)
	}
	return labels, probs
}

func oneVsRest(labels []int, probs [][]float64, c int) ([]bool, []float64) {
	pos := make([]bool, len(labels))
	score := make([]float64, len(labels))
	for i := range labels {
		pos[i], score[i] = labels[i] == c, probs[i][c]
	}
	return pos, score
}

func prCurves(k int) []Curve {
	labels, probs := samples(k, 600)
	var cs []Curve
	for c := range k {
		pos, score := oneVsRest(labels, probs, c)
		pr := curve.PrecisionRecall(pos, score)
		cs = append(cs, PRCurve(fmt.Sprintf("class %d", c), pr.AveragePrecision(), pr))
	}
	return cs
}

func digitsConfusion(t *testing.T) Confusion {
	var ref struct {
		Classes []string `json:"classes"`
		Sklearn struct {
			CM [][]int64 `json:"confusion_matrix"`
		} `json:"sklearn"`
	}
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "reference", "digits", "reference.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &ref); err != nil {
		t.Fatal(err)
	}
	return Confusion{Classes: ref.Classes, Counts: ref.Sklearn.CM}
}

func scores() (correct, wrong []float64) {
	rng := rand.New(rand.NewPCG(13, 14))
	for range 900 {
		correct = append(correct, math.Min(1, 0.5+0.5*math.Sqrt(rng.Float64())))
	}
	for range 100 {
		wrong = append(wrong, 0.3+0.6*rng.Float64())
	}
	return correct, wrong
}

func TestFigures(t *testing.T) {
	// ROC: 200 positives scoring in [0.2, 1] against 300 negatives in
	// [0, 0.8].
	rng := rand.New(rand.NewPCG(15, 16))
	var pos []bool
	var score []float64
	for i := range 500 {
		p := i < 200
		v := 0.8 * rng.Float64()
		if p {
			v += 0.2
		}
		pos, score = append(pos, p), append(score, v)
	}
	correct, wrong := scores()
	conf := append(slices.Clone(correct), wrong...)
	hit := make([]bool, len(conf))
	for i := range correct {
		hit[i] = true
	}
	bins, ece := curve.Calibration(hit, conf, 10)
	for _, tt := range []struct {
		name string
		fig  Figure
	}{
		{"pr", PRFigure("Precision–recall, one class against the rest", prCurves(3))},
		{"pr_grid", PRFigure("Precision–recall at IoU 0.5", prCurves(12))},
		{"roc", ROCFigure("ROC", []Curve{ROCCurve("positive", curve.ROCCurve(pos, score).AUC(), curve.ROCCurve(pos, score))})},
		{"confusion", ConfusionFigure("Confusion matrix: digits", digitsConfusion(t))},
		{"scores", ScoresFigure("Scores of correct and wrong predictions", correct, wrong)},
		{"calibration", ReliabilityFigure("Reliability", bins, ece)},
	} {
		checkFigure(t, tt.fig, tt.name)
	}
}

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	correct, wrong := scores()
	bins, ece := curve.Calibration([]bool{true, false}, []float64{0.9, 0.4}, 10)
	r := Report{
		Name:        "bad\x1b[2Jname", // escaped in titles
		PR:          prCurves(2),
		PR75:        prCurves(2),
		Confusion:   &Confusion{Classes: []string{"a", "b"}, Counts: [][]int64{{3, 1}, {0, 4}}},
		Correct:     correct,
		Wrong:       wrong,
		Calibration: bins,
		ECE:         ece,
	}
	files, err := Write(dir, r)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, filepath.Base(f))
	}
	want := []string{"pr_iou50.png", "pr_iou50.svg", "pr_iou75.png", "pr_iou75.svg", "confusion.png", "confusion.svg",
		"scores.png", "scores.svg", "calibration.png", "calibration.svg"}
	if !slices.Equal(names, want) {
		t.Errorf("Write wrote %v, want %v", names, want)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != len(want) {
		t.Errorf("%d files in the directory, want %d (no temporary files left)", len(entries), len(want))
	}
	svg, _ := os.ReadFile(filepath.Join(dir, "confusion.svg"))
	if strings.Contains(string(svg), "\x1b") || !strings.Contains(string(svg), `bad\x1b[2Jname`) {
		t.Error("the dataset name is not escaped in the SVG")
	}

	if _, err := Write(filepath.Join(dir, "missing"), r); err == nil {
		t.Error("Write into a missing directory succeeded")
	}
	if _, err := Write(dir, Report{}); err == nil {
		t.Error("Write of an empty report succeeded")
	}
}
