package evalview

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"triage/dataset"
)

// TestWilson checks the interval against Newcombe (1998), "Two-sided
// confidence intervals for the single proportion", Statistics in
// Medicine 17, Table I, method 3 (score interval without continuity
// correction), given there to four decimals.
func TestWilson(t *testing.T) {
	tests := []struct {
		k, n      int64
		low, high float64
	}{
		{81, 263, 0.2553, 0.3662},
		{15, 148, 0.0624, 0.1605},
		{0, 20, 0, 0.1611},
		{1, 29, 0.0061, 0.1718},
		{29, 29, 0.8830, 1},
	}
	for _, tt := range tests {
		low, high := Wilson(tt.k, tt.n)
		if math.Abs(low-tt.low) > 5e-5 || math.Abs(high-tt.high) > 5e-5 {
			t.Errorf("Wilson(%d, %d) = [%.4f, %.4f], want [%.4f, %.4f]", tt.k, tt.n, low, high, tt.low, tt.high)
		}
	}
	if low, high := Wilson(0, 0); !math.IsNaN(low) || !math.IsNaN(high) {
		t.Errorf("Wilson(0, 0) = [%v, %v], want NaN", low, high)
	}
}

func openTestSession(t *testing.T, path string, preds ...string) *Session {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	opts := dataset.Options{Path: path}
	for _, p := range preds {
		opts.Preds = append(opts.Preds, dataset.ParsePredSpec(p))
	}
	s, err := Open(Config{Data: opts, Mem: mem, Interactive: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.Close()
		mem.AssertSize(t, 0)
	})
	return s
}

func count(t *testing.T, s *Session, q string) int64 {
	t.Helper()
	prog, err := s.Compile(q)
	if err != nil {
		t.Fatalf("Compile(%q): %v", q, err)
	}
	n, err := s.Count(context.Background(), prog)
	if err != nil {
		t.Fatalf("Count(%q): %v", q, err)
	}
	return n
}

// TestFailureSlicesSmall works one case by hand: source a has 3 errors in
// 4 samples, b 1 in 6; overall 4 in 10. Only a is above.
func TestFailureSlicesSmall(t *testing.T) {
	var b strings.Builder
	labels := []string{"cat", "dog"}
	for i := range 10 {
		src, wrong := "b", i == 4
		if i < 4 {
			src, wrong = "a", i < 3
		}
		label := labels[i%2]
		pred := label
		if wrong {
			pred = labels[(i+1)%2]
		}
		b.WriteString(`{"id":` + strconv.Itoa(i) + `,"label":"` + label + `","pred":"` + pred + `","source":"` + src + `"}` + "\n")
	}
	path := filepath.Join(t.TempDir(), "small.jsonl")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	s := openTestSession(t, path)
	rep, err := s.FailureSlices(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if rep.N != 10 || rep.Errors != 4 || rep.Rate != 0.4 || rep.ErrorQuery != "not correct" {
		t.Errorf("overall = %d / %d (%v, %q), want 4 / 10 (0.4, \"not correct\")", rep.Errors, rep.N, rep.Rate, rep.ErrorQuery)
	}
	if len(rep.Slices) != 1 {
		t.Fatalf("slices = %+v, want only source a", rep.Slices)
	}
	got := rep.Slices[0]
	low, high := Wilson(3, 4)
	want := Slice{Column: "source", Value: `"a"`, Query: `source == "a" and not correct`, N: 4, Errors: 3, Rate: 0.75, Low: low, High: high}
	if got != want {
		t.Errorf("slice = %+v, want %+v", got, want)
	}
	if n := count(t, s, got.Query); n != 3 {
		t.Errorf("the slice's query selects %d rows, want 3", n)
	}
}

// TestFailureSlicesDemo checks every slice of the demo against counts the
// query engine makes on its own.
func TestFailureSlicesDemo(t *testing.T) {
	s := openTestSession(t, "../testdata/demo/digits.parquet", "../testdata/demo/digits-preds.parquet")
	rep, err := s.FailureSlices(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n, e := count(t, s, "correct or not correct"), count(t, s, rep.ErrorQuery); rep.N != n || rep.Errors != e {
		t.Errorf("overall %d / %d, the query engine counts %d / %d", rep.Errors, rep.N, e, n)
	}
	if len(rep.Columns) != 1 || rep.Columns[0] != "split" {
		t.Errorf("columns = %v, want [split] (id, label, pred, image, embedding, probs are roles)", rep.Columns)
	}
	if len(rep.Slices) == 0 {
		t.Fatal("no slice above the overall rate")
	}
	for i, sl := range rep.Slices {
		if sl.Rate <= rep.Rate {
			t.Errorf("slice %s = %s has rate %v, not above %v", sl.Column, sl.Value, sl.Rate, rep.Rate)
		}
		if i > 0 && sl.Low > rep.Slices[i-1].Low {
			t.Errorf("slices not ranked by the interval's low end: %v after %v", sl.Low, rep.Slices[i-1].Low)
		}
		if n := count(t, s, sl.Column+" == "+sl.Value+" and (correct or not correct)"); n != sl.N {
			t.Errorf("%s: N = %d, the query engine counts %d", sl.Query, sl.N, n)
		}
		if e := count(t, s, sl.Query); e != sl.Errors {
			t.Errorf("%s: Errors = %d, the query engine counts %d", sl.Query, sl.Errors, e)
		}
	}
}

// TestLabelCounts counts the demo's suspects per class and checks each
// against a query of its own.
func TestLabelCounts(t *testing.T) {
	s := openTestSession(t, "../testdata/demo/digits.parquet", "../testdata/demo/digits-preds.parquet")
	prog, err := s.Compile("suspect")
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.LabelCounts(context.Background(), prog)
	if err != nil {
		t.Fatal(err)
	}
	classes := s.Dataset().Classes
	if len(got) != len(classes) {
		t.Fatalf("%d counts for %d classes", len(got), len(classes))
	}
	var total int64
	for k, c := range classes {
		total += got[k]
		if want := count(t, s, `suspect and label == "`+c+`"`); got[k] != want {
			t.Errorf("class %s: %d suspects, the query engine counts %d", c, got[k], want)
		}
	}
	if want := count(t, s, "suspect"); total != want {
		t.Errorf("%d suspects over the classes, %d in all", total, want)
	}
}

// TestSelectRows windows arbitrary rows in the order given.
func TestSelectRows(t *testing.T) {
	s := openTestSession(t, "../testdata/demo/digits.parquet", "../testdata/demo/digits-preds.parquet")
	rows := []int64{5, 2, 1499, 2}
	w, err := s.Rows(context.Background(), SelectRows(rows), 0, 10, []string{"id"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Release()
	ids := w.Cols[0].(*array.Int64)
	if ids.Len() != len(rows) {
		t.Fatalf("%d rows, want %d", ids.Len(), len(rows))
	}
	for i, r := range rows {
		if ids.Value(i) != r { // the demo's ids are its row numbers
			t.Errorf("row %d: id %d, want %d", i, ids.Value(i), r)
		}
	}
	if SelectRows(nil).Len() != 0 {
		t.Errorf("SelectRows(nil) is not empty")
	}
}

// TestFailureSlicesDetection: detection counts boxes. Overall, the boxes
// are the report's tp + fp + fn (pycocotools' matching at IoU 0.5) and the
// errors fp + fn; each slice's counts are the sums over its images, taken
// here from the per-image fields.
func TestFailureSlicesDetection(t *testing.T) {
	s := openTestSession(t, "../testdata/reference/coco-small/dataset.parquet", "../testdata/reference/coco-small/predictions.parquet")
	ctx := context.Background()
	rep, err := s.FailureSlices(ctx)
	if err != nil {
		t.Fatal(err)
	}
	evals, err := s.Evaluations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	det := evals[0].Det
	if rep.Unit != "boxes" || rep.N != det.TP+det.FP+det.FN || rep.Errors != det.FP+det.FN {
		t.Fatalf("overall %d / %d %s, want %d / %d boxes", rep.Errors, rep.N, rep.Unit, det.FP+det.FN, det.TP+det.FP+det.FN)
	}
	if len(rep.Columns) == 0 || len(rep.Slices) == 0 {
		t.Fatalf("no slices to check: %+v", rep)
	}
	for _, sl := range rep.Slices {
		w, err := s.Rows(ctx, AllRows(s.NumRows()), 0, s.NumRows(), []string{sl.Column, "tp", "fp", "fn"})
		if err != nil {
			t.Fatal(err)
		}
		var n, bad int64
		for i := range len(w.Rows) {
			if v := literalAt(w.Cols[0], i); v != sl.Value {
				continue
			}
			tp, fp, fn := intAt(w.Cols[1], i), intAt(w.Cols[2], i), intAt(w.Cols[3], i)
			n, bad = n+tp+fp+fn, bad+fp+fn
		}
		w.Release()
		if sl.N != n || sl.Errors != bad {
			t.Errorf("%s = %s: %d / %d boxes, want %d / %d", sl.Column, sl.Value, sl.Errors, sl.N, bad, n)
		}
		if sl.Rate <= rep.Rate {
			t.Errorf("%s = %s at %v is listed, not above the overall %v", sl.Column, sl.Value, sl.Rate, rep.Rate)
		}
	}
}

// literalAt is row i of a as a query literal, as Slice.Value shows it.
func literalAt(a arrow.Array, i int) string {
	switch {
	case a.IsNull(i):
		return "null"
	case a.DataType().ID() == arrow.STRING:
		return strconv.Quote(a.(*array.String).Value(i))
	}
	return strconv.FormatInt(intAt(a, i), 10)
}
