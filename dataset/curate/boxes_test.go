package curate

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/google/go-cmp/cmp"

	"triage/dataset"
)

// detJSONL is a small detection dataset: sample 2 has two boxes.
const detJSONL = `{"id": 1, "width": 100, "height": 50, "filepath": "a.png", "ground_truth": [{"label": "cat", "bbox": [0.5, 0, 10, 10], "iscrowd": false}], "detections": [{"label": "cat", "score": 0.9, "bbox": [0.5, 0, 10, 10]}]}
{"id": 2, "width": 100, "height": 50, "filepath": "b.png", "ground_truth": [{"label": "dog", "bbox": [1, 2, 3, 4], "iscrowd": false}, {"label": "cat", "bbox": [20, 10, 30, 40.25], "iscrowd": true}], "detections": [{"label": "cat", "score": 0.8, "bbox": [1, 2, 3, 4]}]}
{"id": 3, "width": 100, "height": 50, "filepath": "c.png", "ground_truth": [{"label": "dog", "bbox": [5, 5, 5, 5], "iscrowd": false}], "detections": []}
`

// detDataset writes detJSONL to a temporary folder and loads it.
func detDataset(t *testing.T, mem memory.Allocator) (string, *dataset.Dataset, *dataset.Table) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "dets.jsonl")
	if err := os.WriteFile(path, []byte(detJSONL), 0o644); err != nil {
		t.Fatal(err)
	}
	ds, tb := load(t, mem, path)
	return path, ds, tb
}

func TestGroundTruthBox(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	_, _, tb := detDataset(t, mem)
	defer tb.Release()
	gt := whole(t, tb, "ground_truth", mem)
	defer gt.Release()
	b, err := GroundTruthBox(gt, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	if want := (BoxRef{Index: 1, From: "cat", BBox: [4]float64{20, 10, 30, 40.25}}); b != want {
		t.Errorf("box %+v, want %+v", b, want)
	}
	if _, err := GroundTruthBox(gt, 0, 1); err == nil || err.Error() != "box 1 is out of range: the sample has 1 ground-truth boxes" {
		t.Errorf("out of range: %v", err)
	}
}

func TestRelabelBoxChecks(t *testing.T) {
	classes := []string{"cat", "dog"}
	if _, err := RelabelBox(sel(1, 2), BoxRef{}, "dog", classes, false); err == nil || !strings.Contains(err.Error(), "want one sample, 2 are chosen") {
		t.Errorf("two samples: %v", err)
	}
	if _, err := RelabelBox(sel(1), BoxRef{}, "bird", classes, false); err == nil || !strings.Contains(err.Error(), `"bird" is not a class; the classes are "cat", "dog"`) {
		t.Errorf("unknown class: %v", err)
	}
	if _, err := RelabelBox(sel(1), BoxRef{Index: -1}, "dog", classes, false); err == nil {
		t.Error("negative box index: no error")
	}
}

// TestApplyBoxRelabel relabels one box and checks that the new
// ground_truth column differs from the old only in that label; a box out
// of range and a box that is no longer the one queued are reported.
func TestApplyBoxRelabel(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	path, ds, data := detDataset(t, mem)
	defer data.Release()
	gt := whole(t, data, "ground_truth", mem)
	defer gt.Release()
	box, err := GroundTruthBox(gt, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	must := func(e Entry, err error) Entry {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	entries := []Entry{
		must(RelabelBox(sel(2), box, "dog", ds.Classes, false)),
		must(RelabelBox(sel(1), BoxRef{Index: 4, From: "cat"}, "dog", ds.Classes, false)),
		must(RelabelBox(sel(3), BoxRef{Index: 0, From: "dog", BBox: [4]float64{5, 5, 5, 6}}, "cat", ds.Classes, false)),
		must(Tag(sel(3), "small")),
	}
	for i := range entries {
		entries[i].ID = int64(i + 1)
	}
	out := filepath.Join(t.TempDir(), "v2.parquet")
	req := ApplyRequest{Dataset: data, Schema: ds.Schema(), KeyColumn: "id", Classes: ds.Classes, State: Replay(entries), Out: out, Inputs: []string{path}, Mem: mem}
	if _, err := Apply(context.Background(), req); err == nil || !strings.Contains(err.Error(), "no ground-truth column") {
		t.Errorf("box relabels without a ground-truth column: %v", err)
	}
	req.GroundTruthColumn = "ground_truth"
	sum, err := Apply(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if sum.RelabeledBoxes != 1 || !cmp.Equal(sum.RelabeledBoxesBy, []ClassPair{{From: "cat", To: "dog", N: 1}}) || sum.Relabeled != 0 {
		t.Errorf("summary: %d boxes relabeled %+v, %d samples", sum.RelabeledBoxes, sum.RelabeledBoxesBy, sum.Relabeled)
	}
	wantMiss := []BoxMiss{
		{Key: IntKey(1), Index: 4, Reason: "out of range: the sample has 1 ground-truth boxes"},
		{Key: IntKey(3), Index: 0, Reason: `the box is now "dog" [5 5 5 5], not the queued "dog" [5 5 5 6]`},
	}
	if diff := cmp.Diff(wantMiss, sum.BoxesNotApplied); diff != "" {
		t.Errorf("boxes not applied (-want +got):\n%s", diff)
	}
	b, _ := os.ReadFile(SummaryPath(out))
	if !strings.Contains(string(b), `"relabeled_boxes": 1`) || !strings.Contains(string(b), `"boxes_not_applied"`) {
		t.Errorf("summary file:\n%s", b)
	}

	_, got := load(t, mem, out)
	defer got.Release()
	newGT := whole(t, got, "ground_truth", mem).(*array.List)
	defer newGT.Release()
	oldGT := gt.(*array.List)
	if !arrow.TypeEqual(newGT.DataType(), oldGT.DataType()) || !slices.Equal(newGT.Offsets(), oldGT.Offsets()) {
		t.Fatalf("ground_truth type or offsets changed: %v", newGT.DataType())
	}
	oldSt, newSt := oldGT.ListValues().(*array.Struct), newGT.ListValues().(*array.Struct)
	for f := range oldSt.NumField() {
		name := oldSt.DataType().(*arrow.StructType).Field(f).Name
		o, n := oldSt.Field(f), newSt.Field(f)
		if name != "label" {
			if !array.Equal(o, n) {
				t.Errorf("box field %s changed:\n%v\n%v", name, o, n)
			}
			continue
		}
		ol, nl := o.(*array.String), n.(*array.String)
		for j := range ol.Len() {
			want := ol.Value(j)
			if j == 2 { // sample 2's second box: the first box of sample 1, then two of sample 2
				want = "dog"
			}
			if nl.Value(j) != want || nl.IsNull(j) != ol.IsNull(j) {
				t.Errorf("box %d label %q, want %q", j, nl.Value(j), want)
			}
		}
	}
	// Everything else is the input's: compare the other columns as JSON.
	for _, name := range []string{"id", "width", "height", "filepath", "detections"} {
		o, n := whole(t, data, name, mem), whole(t, got, name, mem)
		oj, _ := json.Marshal(o)
		nj, _ := json.Marshal(n)
		if string(oj) != string(nj) {
			t.Errorf("column %s changed:\n%s\n%s", name, oj, nj)
		}
		o.Release()
		n.Release()
	}
}
