package evalview

import (
	"context"
	"math"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
)

// TestBoxes lists the boxes of the small COCO set and checks them against
// the report's totals and each row's tp, fp and fn fields.
func TestBoxes(t *testing.T) {
	s := openTestSession(t, "../testdata/reference/coco-small/dataset.parquet", "../testdata/reference/coco-small/predictions.parquet")
	ctx := context.Background()
	b, err := s.Boxes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	evals, err := s.Evaluations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rep := evals[0].Det
	var tp, fp, fn int64
	for _, c := range b.PerClass() {
		tp, fp, fn = tp+c.TP, fp+c.FP, fn+c.FN
	}
	if tp != rep.TP || fp != rep.FP || fn != rep.FN {
		t.Errorf("boxes per class sum to %d tp, %d fp, %d fn; the report says %d, %d, %d", tp, fp, fn, rep.TP, rep.FP, rep.FN)
	}
	if b.Len() != int(tp+fp+fn) {
		t.Errorf("%d boxes, %d counted", b.Len(), tp+fp+fn)
	}
	// Each row's boxes against its derived counts.
	n := s.NumRows()
	w, err := s.Rows(ctx, AllRows(n), 0, n, []string{"tp", "fp", "fn"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Release()
	per := make([][3]int64, n)
	for i, r := range b.Row {
		per[r][b.Kind[i]-1]++
		switch b.Kind[i] {
		case BoxTP:
			if math.IsNaN(b.IoU[i]) || b.IoU[i] < 0.5 || b.Matched[i] < 0 {
				t.Errorf("box %d: a tp with IoU %v and match %d", i, b.IoU[i], b.Matched[i])
			}
		case BoxFP:
			if !math.IsNaN(b.IoU[i]) && b.IoU[i] >= 0.5 {
				t.Errorf("box %d: an fp with IoU %v", i, b.IoU[i])
			}
		case BoxFN:
			if !math.IsNaN(b.Score[i]) {
				t.Errorf("box %d: a missed ground-truth box with score %v", i, b.Score[i])
			}
		}
	}
	for r := range int(n) {
		for k := range 3 {
			if want := w.Cols[k].(*array.Int64).Value(r); per[r][k] != want {
				t.Errorf("row %d: %d %s boxes, the field says %d", r, per[r][k], BoxKindName(uint8(k+1)), want)
			}
		}
	}
	// Sorting by score puts the highest first and the missed boxes last.
	order := b.Order("score", true)
	for i := 1; i < len(order); i++ {
		a, c := b.Score[order[i-1]], b.Score[order[i]]
		if !math.IsNaN(c) && (math.IsNaN(a) || a < c) {
			t.Fatalf("Order(score, desc): %v before %v", a, c)
		}
	}
}

func TestBoxesNotDetection(t *testing.T) {
	s := openTestSession(t, "../testdata/demo/digits.parquet", "../testdata/demo/digits-preds.parquet")
	if _, err := s.Boxes(context.Background()); err == nil {
		t.Error("Boxes on a classification dataset: no error")
	}
}
