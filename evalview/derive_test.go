package evalview

import (
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/google/go-cmp/cmp"

	"triage/dataset"
)

// TestEvaluateDemo runs the glue end to end on the demo: open, load the
// evaluation columns, evaluate, and check the derived schema promised
// before reading equals the one produced.
func TestEvaluateDemo(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	ds, err := dataset.Open(dataset.Options{Path: "../testdata/demo/digits.parquet", Preds: []dataset.PredSpec{{Name: "lr", Path: "../testdata/demo/digits-preds.parquet"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer ds.Close()
	promised, err := DerivedFields(ds, Options{})
	if err != nil {
		t.Fatal(err)
	}
	tbl, _, err := ds.Load(context.Background(), dataset.LoadOptions{Columns: Columns(ds), Mem: mem})
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	out, evals, err := Evaluate(ds, tbl, Options{}, mem)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Release()
	got := out.Schema().Fields()[tbl.Schema().NumFields():]
	if diff := cmp.Diff(promised, got); diff != "" {
		t.Errorf("derived fields (-promised +produced):\n%s", diff)
	}
	var names []string
	for _, f := range got {
		names = append(names, f.Name)
	}
	want := []string{"correct", "self_confidence", "normalized_margin", "confidence_weighted_entropy", "hardness", "loss", "mistakenness", "suspect"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("derived names (-want +got):\n%s", diff)
	}
	if len(evals) != 1 || evals[0].Class == nil || evals[0].Name != "lr" {
		t.Fatalf("evaluations = %+v, want one classification named lr", evals)
	}
}

// TestEvaluateCOCOFiles opens COCO annotation and results JSON through the
// dataset package and checks the promised detection fields, the rewritten
// list columns among them, match what evaluation produces.
func TestEvaluateCOCOFiles(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	ds, err := dataset.Open(dataset.Options{Path: "../testdata/reference/coco-small/instances.json", Preds: []dataset.PredSpec{dataset.ParsePredSpec("../testdata/reference/coco-small/results.json")}})
	if err != nil {
		t.Fatal(err)
	}
	defer ds.Close()
	if ds.Task != "detection" || len(ds.Classes) != 6 {
		t.Fatalf("task %q with %d classes, want detection with 6", ds.Task, len(ds.Classes))
	}
	promised, err := DerivedFields(ds, Options{})
	if err != nil {
		t.Fatal(err)
	}
	tbl, _, err := ds.Load(context.Background(), dataset.LoadOptions{Columns: Columns(ds), Mem: mem})
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	out, evals, err := Evaluate(ds, tbl, Options{}, mem)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Release()
	for _, f := range promised {
		i := out.Schema().FieldIndices(f.Name)
		if len(i) == 0 {
			t.Errorf("promised field %s is not in the evaluated table", f.Name)
			continue
		}
		if got := out.Schema().Field(i[0]); !arrow.TypeEqual(got.Type, f.Type) {
			t.Errorf("field %s: promised %s, produced %s", f.Name, f.Type, got.Type)
		}
	}
	if len(promised) < 8 { // tp fp fn possible_missing possible_spurious max_mistakenness ground_truth detections
		t.Errorf("promised fields = %v, want the 6 per-sample fields and the 2 list columns", promised)
	}
	if evals[0].Det == nil {
		t.Fatal("no detection report")
	}
}
