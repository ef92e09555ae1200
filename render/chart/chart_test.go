package chart

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

	"github.com/charmbracelet/x/ansi"

	"triage/evalview/curve"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", t.Name(), name+".golden")
	if *update {
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, []byte(got+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got+"\n" != string(want) {
		t.Errorf("%s differs from %s (-update rewrites it):\ngot:\n%s\nwant:\n%s", name, path, got, want)
	}
}

// digitsMatrix is the demo's confusion matrix as scikit-learn computed it
// (testdata/reference/digits/reference.json).
func digitsMatrix(t *testing.T) Matrix {
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
	return Matrix{Classes: ref.Classes, Counts: ref.Sklearn.CM}
}

// bigMatrix has 30 classes with long names, one holding an escape.
func bigMatrix() Matrix {
	rng := rand.New(rand.NewPCG(5, 6))
	m := Matrix{}
	for i := range 30 {
		m.Classes = append(m.Classes, fmt.Sprintf("class_%02d_long_name", i))
		row := make([]int64, 30)
		for j := range row {
			if rng.IntN(4) == 0 {
				row[j] = int64(rng.IntN(20))
			}
		}
		row[i] = int64(200 + rng.IntN(1000))
		m.Counts = append(m.Counts, row)
	}
	m.Classes[3] = "bad\x1b[2Jname"
	return m
}

// scores are a deterministic sample: correct predictions score high,
// wrong ones lower and wider.
func scores() (correct, wrong []float64) {
	rng := rand.New(rand.NewPCG(7, 8))
	for range 1400 {
		correct = append(correct, math.Min(1, 0.55+0.45*math.Sqrt(rng.Float64())))
	}
	for range 100 {
		wrong = append(wrong, 0.3+0.6*rng.Float64())
	}
	return correct, wrong
}

// prCurve is the curve of 300 positives scoring in [0.3, 1] over 700
// negatives in [0, 0.8]: precision falls as recall rises.
func prCurve() curve.PR {
	rng := rand.New(rand.NewPCG(9, 10))
	var pos []bool
	var s []float64
	for i := range 1000 {
		p := i < 300
		v := 0.8 * rng.Float64()
		if p {
			v = 0.3 + 0.7*math.Sqrt(rng.Float64())
		}
		pos, s = append(pos, p), append(s, v)
	}
	return curve.PrecisionRecall(pos, s)
}

// charts are every chart, by name, as a function of the size.
func charts(t *testing.T) map[string]func(w, h int) string {
	correct, wrong := scores()
	m, big := digitsMatrix(t), bigMatrix()
	return map[string]func(w, h int) string{
		"histogram": func(w, h int) string {
			return Histogram(Series{Name: "correct", Values: correct}, Series{Name: "wrong", Values: wrong}, 0, 1, w, h)
		},
		"histogram_one": func(w, h int) string {
			return Histogram(Series{Name: "mistakenness", Values: wrong}, Series{}, 0, 1, w, h)
		},
		"pr": func(w, h int) string { return PRCurve(prCurve(), w, h) },
		"sparkline": func(w, h int) string {
			if h < 1 {
				return ""
			}
			return Sparkline(correct[:200], w)
		},
		"confusion": func(w, h int) string { return ConfusionMatrix(m, w, h) },
		"confusion_scrolled": func(w, h int) string {
			return ConfusionHeatmap(big, w, h, HeatmapOptions{Row: 2, Selected: &Cell{Row: 3, Col: 25}}).Text
		},
	}
}

// TestCharts compares each chart at 80×24 and 40×12 with its golden file.
func TestCharts(t *testing.T) {
	for name, draw := range charts(t) {
		for _, size := range [][2]int{{80, 24}, {40, 12}} {
			golden(t, fmt.Sprintf("%s_%dx%d", name, size[0], size[1]), draw(size[0], size[1]))
		}
	}
}

// TestChartSizes sweeps the sizes: no line wider than the width, no more
// lines than the height, and no raw escape from the data.
func TestChartSizes(t *testing.T) {
	for name, draw := range charts(t) {
		for w := 0; w <= 100; w += 3 {
			for h := 0; h <= 30; h += 2 {
				out := draw(w, h)
				if out == "" {
					continue
				}
				lines := strings.Split(out, "\n")
				if len(lines) > h {
					t.Errorf("%s at %d×%d: %d lines", name, w, h, len(lines))
				}
				for i, l := range lines {
					if sw := ansi.StringWidth(l); sw > w {
						t.Errorf("%s at %d×%d: line %d is %d wide: %q", name, w, h, i, sw, l)
					}
				}
				if strings.Contains(out, "\x1b") {
					t.Errorf("%s at %d×%d: raw escape in %q", name, w, h, out)
				}
			}
		}
	}
}

func TestSparkline(t *testing.T) {
	tests := []struct {
		values []float64
		width  int
		want   string
	}{
		{[]float64{0, 1, 2, 3, 4, 5, 6, 7}, 10, "▁▂▃▄▅▆▇█"},
		{[]float64{0, 7, 0, 7}, 2, "▄▄"}, // means of pairs: equal
		{[]float64{1, 1, 1}, 5, "▄▄▄"},   // no spread
		{[]float64{0, math.NaN(), 1}, 5, "▁ █"},
		{[]float64{0, math.Inf(1), 1}, 5, "▁ █"},
		{nil, 5, ""},
		{[]float64{1}, 0, ""},
	}
	for _, tt := range tests {
		if got := Sparkline(tt.values, tt.width); got != tt.want {
			t.Errorf("Sparkline(%v, %d) = %q, want %q", tt.values, tt.width, got, tt.want)
		}
	}
}

func TestHistogramCounts(t *testing.T) {
	out := Histogram(Series{Name: "s", Values: []float64{0, 0.05, 1, math.NaN()}}, Series{}, 0, 1, 12, 4)
	lines := strings.Split(out, "\n")
	// Worked by hand: the margin "2┤" leaves 10 bins; 0 and 0.05 fall in
	// the first (two rows high), 1 in the last (one row).
	want := []string{
		"█ s n=3", // the axis shows the largest bin where "(max 2)" does not fit
		"2┤█",
		" ┤█        █",
		"  0   0.5  1",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("Histogram =\n%s\nwant\n%s", out, strings.Join(want, "\n"))
	}
}

func TestHeatmapCells(t *testing.T) {
	m := bigMatrix()
	for _, sel := range []Cell{{0, 0}, {3, 25}, {29, 29}, {15, 2}} {
		h := ConfusionHeatmap(m, 80, 20, HeatmapOptions{Selected: &sel})
		x, y, w, ok := h.CellRect(sel)
		if !ok {
			t.Errorf("selected %v is not on screen (rows %v, cols %v)", sel, h.Rows, h.Cols)
			continue
		}
		lines := strings.Split(h.Text, "\n")
		// The brackets sit right around the selected cell.
		line := []rune(lines[y])
		if line[x-1] != '[' || line[x+w] != ']' {
			t.Errorf("selected %v: %q around columns %d..%d of %q", sel, string(line[x-1:x+w+1]), x, x+w, lines[y])
		}
		for dx := -1; dx < w; dx++ {
			if got, ok := h.CellAt(x+dx, y); !ok || got != sel {
				t.Errorf("CellAt(%d, %d) = %v, %v; want %v", x+dx, y, got, ok, sel)
			}
		}
	}
	h := ConfusionHeatmap(m, 80, 20, HeatmapOptions{})
	if _, ok := h.CellAt(0, 1); ok {
		t.Error("CellAt over a row label found a cell")
	}
	if _, ok := h.CellAt(20, 0); ok {
		t.Error("CellAt over the header found a cell")
	}
	if !strings.Contains(h.Text, `bad\x1b[2Jname`) {
		t.Errorf("class name not escaped:\n%s", h.Text)
	}
}

// TestHistogramSorted: a sorted series (NaN first, infinities at the ends)
// draws exactly as the same values unsorted, at every size.
func TestHistogramSorted(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	up := make([]float64, 5000)
	down := make([]float64, 700)
	for i := range up {
		up[i] = math.Round(rng.Float64()*1000) / 1000 // ties, and values on bin edges
	}
	for i := range down {
		down[i] = rng.NormFloat64()*0.1 + 0.3
	}
	up = append(up, math.NaN(), math.Inf(1), 0, 1)
	down = append(down, math.Inf(-1), math.NaN())
	sortedUp, sortedDown := slices.Clone(up), slices.Clone(down)
	slices.Sort(sortedUp)
	slices.Sort(sortedDown)
	for _, r := range [][2]float64{{0, 1}, {0, 0}, {0.25, 0.75}} {
		for _, size := range [][2]int{{40, 12}, {80, 24}, {160, 20}, {13, 5}} {
			want := Histogram(Series{Name: "a", Values: up}, Series{Name: "b", Values: down}, r[0], r[1], size[0], size[1])
			got := Histogram(Series{Name: "a", Values: sortedUp, Sorted: true}, Series{Name: "b", Values: sortedDown, Sorted: true}, r[0], r[1], size[0], size[1])
			if got != want {
				t.Errorf("range %v, %v: sorted series draws\n%s\nunsorted\n%s", r, size, got, want)
			}
		}
	}
}
