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
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/google/go-cmp/cmp"
)

// demoJournal is a journal on the demo: relabels, drops, tags, a weight,
// a key that is not in the dataset, and a mine from the pool file.
func demoJournal(t testing.TB, mem memory.Allocator, classes []string, poolPath string) []Entry {
	t.Helper()
	must := func(e Entry, err error) Entry {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	entries := []Entry{
		must(Relabel(sel(0, 1, 2), "3", classes, false)),
		must(Relabel(sel(2), "5", classes, false)),
		must(Drop(sel(10, 11))),
		must(Tag(sel(20, 21, 999999), "blurry")),
		must(Tag(sel(21), "odd")),
		must(Weight(sel(30), 2.5)),
		must(Drop(sel(40))),
	}
	entries = append(entries, Entry{Action: ActionUndo, Args: Args{Undoes: 7}})
	if poolPath != "" {
		_, data := load(t, mem, demoPath)
		defer data.Release()
		_, pool := load(t, mem, poolPath, demoPoolPreds)
		defer pool.Release()
		entries = append(entries, must(Mine(context.Background(), MineRequest{
			Chosen: sel(5, 6), K: 4, Dataset: data, Pool: pool, PoolPath: poolPath, PredColumn: "pred", Classes: classes})))
	}
	for i := range entries {
		entries[i].ID = int64(i + 1)
	}
	return entries
}

func TestApplyDemo(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	ds, data := load(t, mem, demoPath)
	defer data.Release()
	poolPath, err := filepath.Abs(demoPool)
	if err != nil {
		t.Fatal(err)
	}
	state := Replay(demoJournal(t, mem, ds.Classes, poolPath))
	out := filepath.Join(t.TempDir(), "v2.parquet")
	sum, err := Apply(context.Background(), ApplyRequest{Dataset: data, Schema: ds.Schema(), KeyColumn: "id", LabelColumn: "label", Classes: ds.Classes,
		State: state, Out: out, Inputs: []string{demoPath, demoPool}, Mem: mem})
	if err != nil {
		t.Fatal(err)
	}

	origLabels := whole(t, data, "label", mem).(*array.Int64)
	defer origLabels.Release()
	className := func(r int) string { return ds.Classes[origLabels.Value(r)] }
	wantPairs := map[[2]string]int{}
	for _, p := range [][2]string{{className(0), "3"}, {className(1), "3"}, {className(2), "5"}} {
		if p[0] != p[1] {
			wantPairs[p]++
		}
	}
	gotPairs := map[[2]string]int{}
	for _, p := range sum.RelabeledBy {
		gotPairs[[2]string{p.From, p.To}] = p.N
	}
	if diff := cmp.Diff(wantPairs, gotPairs); diff != "" {
		t.Errorf("relabeled by pair (-want +got):\n%s", diff)
	}
	mined := len(state.Mined)
	want := Summary{Output: out, InputRows: 1500, OutputRows: int64(1500 - 2 + mined), Dropped: 2, Mined: mined, Tagged: 2, TaggedBy: map[string]int{"blurry": 2, "odd": 1}, Weighted: 1,
		Entries: 7, Undone: 1, Missing: []Key{IntKey(999999)}, Warnings: []string{}}
	want.Relabeled = 0
	for _, n := range wantPairs {
		want.Relabeled += n
	}
	if diff := cmp.Diff(&want, sum, cmp.FilterPath(func(p cmp.Path) bool { return p.String() == "RelabeledBy" }, cmp.Ignore())); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	var fromFile Summary
	if b, err := os.ReadFile(SummaryPath(out)); err != nil || json.Unmarshal(b, &fromFile) != nil {
		t.Fatalf("summary file: %v", err)
	}
	if diff := cmp.Diff(sum, &fromFile); diff != "" {
		t.Errorf("summary file differs (-returned +file):\n%s", diff)
	}

	outDS, got := load(t, mem, out)
	defer got.Release()
	if got.NumRows() != want.OutputRows {
		t.Fatalf("%d rows, want %d", got.NumRows(), want.OutputRows)
	}
	if !got.Schema().Metadata().Equal(data.Schema().Metadata()) {
		t.Errorf("metadata changed: %v", got.Schema().Metadata())
	}
	// Column types are the file's (the reader hands split over
	// dictionary-encoded; the file says utf8).
	for _, f := range ds.Schema().Fields() {
		g := outDS.Schema().Field(outDS.Schema().FieldIndices(f.Name)[0])
		if !arrow.TypeEqual(g.Type, f.Type) {
			t.Errorf("column %s: type %v, want %v", f.Name, g.Type, f.Type)
		}
	}

	// The dataset's rows: everything but the label is the input's values.
	var kept []int64
	for r := range int64(1500) {
		if r != 10 && r != 11 {
			kept = append(kept, r)
		}
	}
	ib := array.NewInt64Builder(mem)
	ib.AppendValues(kept, nil)
	keptIdx := ib.NewArray()
	ib.Release()
	defer keptIdx.Release()
	ctx := compute.WithAllocator(context.Background(), mem)
	for _, f := range data.Schema().Fields() {
		in, outCol := whole(t, data, f.Name, mem), whole(t, got, f.Name, mem)
		wantCol, err := compute.TakeArray(ctx, in, keptIdx)
		if err != nil {
			t.Fatal(err)
		}
		head := array.NewSlice(outCol, 0, int64(len(kept)))
		if d, ok := wantCol.DataType().(*arrow.DictionaryType); ok && !arrow.TypeEqual(head.DataType(), d) {
			plain, err := compute.CastArray(ctx, wantCol, compute.SafeCastOptions(d.ValueType))
			if err != nil {
				t.Fatal(err)
			}
			wantCol.Release()
			wantCol = plain
		}
		if f.Name == "label" {
			l := head.(*array.Int64)
			for i, r := range kept {
				w := origLabels.Value(int(r))
				switch r {
				case 0, 1:
					w = int64(slices.Index(ds.Classes, "3"))
				case 2:
					w = int64(slices.Index(ds.Classes, "5"))
				}
				if l.Value(i) != w {
					t.Errorf("label of row %d = %d, want %d", r, l.Value(i), w)
				}
			}
		} else if !array.Equal(head, wantCol) {
			t.Errorf("column %s: values of the kept rows changed", f.Name)
		}
		for _, a := range []arrow.Array{in, outCol, wantCol, head} {
			a.Release()
		}
	}

	// New columns, and the mined rows at the end.
	tags := whole(t, got, TagsColumn, mem).(*array.List)
	defer tags.Release()
	weight := whole(t, got, WeightColumn, mem).(*array.Float64)
	defer weight.Release()
	review := whole(t, got, NeedsReviewColumn, mem).(*array.Boolean)
	defer review.Release()
	ids := whole(t, got, "id", mem).(*array.Int64)
	defer ids.Release()
	labels := whole(t, got, "label", mem).(*array.Int64)
	defer labels.Release()
	split := whole(t, got, "split", mem)
	defer split.Release()
	tagsOf := func(i int) []string {
		s, e := tags.ValueOffsets(i)
		var out []string
		for j := s; j < e; j++ {
			out = append(out, tags.ListValues().(*array.String).Value(int(j)))
		}
		return out
	}
	for i := range ids.Len() {
		id := ids.Value(i)
		var wantTags []string
		switch id {
		case 20:
			wantTags = []string{"blurry"}
		case 21:
			wantTags = []string{"blurry", "odd"}
		}
		if !slices.Equal(tagsOf(i), wantTags) {
			t.Errorf("id %d: tags %q, want %q", id, tagsOf(i), wantTags)
		}
		if w := map[bool]float64{true: 2.5, false: 1}[id == 30]; weight.Value(i) != w {
			t.Errorf("id %d: weight %v, want %v", id, weight.Value(i), w)
		}
		isMined := i >= len(kept)
		if review.Value(i) != isMined {
			t.Errorf("id %d: needs_review %v, want %v", id, review.Value(i), isMined)
		}
		if isMined {
			m := state.Mined[i-len(kept)]
			if id != m.Key.Int || ds.Classes[labels.Value(i)] != m.Pred || split.IsValid(i) {
				t.Errorf("row %d: id %d label %d split valid %v; want mined %+v with a null split", i, id, labels.Value(i), split.IsValid(i), m)
			}
		}
	}
}

func TestApplyRefusesInputs(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	dir := t.TempDir()
	in := filepath.Join(dir, "data.parquet")
	b, err := os.ReadFile(demoPath)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(in, b, 0o644)
	link := filepath.Join(dir, "link.parquet")
	os.Symlink(in, link)
	ds, data := load(t, mem, in)
	defer data.Release()
	state := Replay(demoJournal(t, mem, ds.Classes, ""))
	for _, out := range []string{in, link} {
		_, err := Apply(context.Background(), ApplyRequest{Dataset: data, KeyColumn: "id", LabelColumn: "label", Classes: ds.Classes,
			State: state, Out: out, Inputs: []string{in}, Mem: mem})
		if err == nil || !strings.Contains(err.Error(), "refusing") {
			t.Errorf("Apply --out %s: %v, want a refusal", out, err)
		}
	}
	if after, _ := os.ReadFile(in); string(after) != string(b) {
		t.Error("input changed")
	}
}

// TestApplyStringLabels checks that a string label stays a string, a new
// class is allowed when asked for, and the dataset's own tags, weight and
// needs_review columns are updated rather than duplicated.
func TestApplyStringLabels(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	md := arrow.NewMetadata([]string{"triage.classes"}, []string{`["cat","dog"]`})
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "name", Type: arrow.BinaryTypes.String},
		{Name: "label", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "tags", Type: arrow.ListOf(arrow.BinaryTypes.String), Nullable: true},
		{Name: "weight", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	}, &md)
	tb := tableFromJSON(t, mem, schema, `[
		{"name": "a", "label": "cat", "tags": ["old", "keep"], "weight": 3},
		{"name": "b", "label": null, "tags": [], "weight": null},
		{"name": "c", "label": "dog", "tags": null, "weight": 1}
	]`)
	defer tb.Release()
	classes := []string{"cat", "dog"}
	s := Selection{KeyColumn: "name", Keys: []Key{StrKey("a"), StrKey("b")}}
	e1, _ := Relabel(s, "fox", classes, true)
	e2, _ := Untag(Selection{KeyColumn: "name", Keys: []Key{StrKey("a")}}, "old")
	e3, _ := Tag(Selection{KeyColumn: "name", Keys: []Key{StrKey("c")}}, "new")
	e1.ID, e2.ID, e3.ID = 1, 2, 3
	out := filepath.Join(t.TempDir(), "out.parquet")
	sum, err := Apply(context.Background(), ApplyRequest{Dataset: tb, KeyColumn: "name", LabelColumn: "label", Classes: classes,
		State: Replay([]Entry{e1, e2, e3}), Out: out, Mem: mem})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]ClassPair{{From: "", To: "fox", N: 1}, {From: "cat", To: "fox", N: 1}}, sum.RelabeledBy); diff != "" {
		t.Errorf("pairs (-want +got):\n%s", diff)
	}
	_, got := load(t, mem, out)
	defer got.Release()
	if v, _ := got.Schema().Metadata().GetValue("triage.classes"); v != `["cat","dog","fox"]` {
		t.Errorf("triage.classes = %s, want the new class added", v)
	}
	rec := got.Batches()[0]
	if len(got.Batches()) != 1 || rec.NumCols() != 5 {
		t.Fatalf("%d batches, %d columns; want 1 and 5 (name, label, tags, weight, needs_review)", len(got.Batches()), rec.NumCols())
	}
	j, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"label":"fox","name":"a","needs_review":false,"tags":["keep"],"weight":3},` +
		`{"label":"fox","name":"b","needs_review":false,"tags":[],"weight":null},` +
		`{"label":"dog","name":"c","needs_review":false,"tags":["new"],"weight":1}]`
	if string(j) != want {
		t.Errorf("output:\n%s\nwant:\n%s", j, want)
	}
}
