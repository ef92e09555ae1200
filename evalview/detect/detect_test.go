package detect

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/google/go-cmp/cmp"
)

var (
	detTestGTType = arrow.ListOf(arrow.StructOf(
		arrow.Field{Name: "label", Type: arrow.BinaryTypes.String, Nullable: true},
		arrow.Field{Name: "bbox", Type: arrow.ListOf(arrow.PrimitiveTypes.Float64), Nullable: true},
		arrow.Field{Name: "iscrowd", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	))
	detTestDTType = arrow.ListOf(arrow.StructOf(
		arrow.Field{Name: "label", Type: arrow.BinaryTypes.String, Nullable: true},
		arrow.Field{Name: "score", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		arrow.Field{Name: "bbox", Type: arrow.ListOf(arrow.PrimitiveTypes.Float64), Nullable: true},
	))
)

// detColumn builds a one-chunk column from JSON; "" gives nil.
func detColumn(t *testing.T, mem memory.Allocator, typ arrow.DataType, js string) *arrow.Chunked {
	t.Helper()
	if js == "" {
		return nil
	}
	a, _, err := array.FromJSON(mem, typ, strings.NewReader(js))
	if err != nil {
		t.Fatalf("FromJSON(%s): %v", js, err)
	}
	defer a.Release()
	return arrow.NewChunked(typ, []arrow.Array{a})
}

type detCase struct {
	classes []string
	gt, dt  string // JSON arrays, one list per image
}

func (c detCase) run(t *testing.T, mem memory.Allocator, iou float64) (*Report, []string, map[string][][]detBoxView) {
	t.Helper()
	gt := detColumn(t, mem, detTestGTType, c.gt)
	if gt != nil {
		defer gt.Release()
	}
	dt := detColumn(t, mem, detTestDTType, c.dt)
	if dt != nil {
		defer dt.Release()
	}
	ids := make([]int64, gt.Len())
	for i := range ids {
		ids[i] = int64(i + 1)
	}
	r, warns, err := Evaluate(&Input{Classes: c.classes, ImageIDs: ids, GT: gt, Dets: dt, IoU: iou})
	if err != nil {
		t.Fatal(err)
	}
	// Read the per-box fields while the columns are alive.
	return r, warns, r.boxSnapshot(mem)
}

// detBoxView is what Fields says about one box, for comparisons.
type detBoxView struct {
	Eval  string
	ID    any
	IoU   any
	Extra any
}

// boxSnapshot reads the per-box fields of Fields' ground_truth and
// detections columns: [side][row][box].
func (r *Report) boxSnapshot(mem memory.Allocator) map[string][][]detBoxView {
	fields, arrs := r.Fields(mem)
	defer func() {
		for _, a := range arrs {
			a.Release()
		}
	}()
	out := map[string][][]detBoxView{}
	for i, f := range fields {
		l, ok := arrs[i].(array.ListLike)
		if !ok {
			continue
		}
		extra := "possible_missing"
		if f.Name == "ground_truth" {
			extra = "mistakenness"
		}
		st := l.ListValues().(*array.Struct)
		typ := st.DataType().(*arrow.StructType)
		col := func(name string) arrow.Array {
			k, _ := typ.FieldIdx(name)
			return st.Field(k)
		}
		ev, id, iou, ex := col("eval"), col("eval_id"), col("eval_iou"), col(extra)
		rows := make([][]detBoxView, l.Len())
		for row := range rows {
			s, e := l.ValueOffsets(row)
			rows[row] = []detBoxView{}
			for j := int(s); j < int(e); j++ {
				v := detBoxView{}
				if ev.IsValid(j) {
					v.Eval = ev.(*array.String).Value(j)
				}
				if id.IsValid(j) {
					v.ID = id.(*array.Int64).Value(j)
				}
				if iou.IsValid(j) {
					v.IoU = math.Round(iou.(*array.Float64).Value(j)*1e9) / 1e9
				}
				if ex.IsValid(j) {
					v.Extra = ex.GetOneForMarshal(j)
					if f, ok := v.Extra.(float64); ok {
						v.Extra = math.Round(f*1e9) / 1e9
					}
				}
				rows[row] = append(rows[row], v)
			}
		}
		out[f.Name] = rows
	}
	return out
}

func statsMap(s Stats) map[string]any {
	names, vals := s.statList()
	m := map[string]any{}
	for i, n := range names {
		if math.IsNaN(vals[i]) {
			m[n] = nil
		} else {
			m[n] = math.Round(vals[i]*1e12) / 1e12
		}
	}
	return m
}

func TestDetHandWorked(t *testing.T) {
	null := any(nil)
	tests := []struct {
		name   string
		c      detCase
		stats  map[string]any
		counts [3]int64
		perAP  map[string]any
	}{
		{
			// Every box found exactly: precision 1 at every recall point.
			// Boxes are 10x10 = 100 px, "small", so medium and large have no
			// ground truth and stay undefined.
			name: "all correct, one class",
			c: detCase{
				classes: []string{"cat"},
				gt:      `[[{"label":"cat","bbox":[0,0,10,10]}],[{"label":"cat","bbox":[5,5,10,10]}]]`,
				dt:      `[[{"label":"cat","score":0.9,"bbox":[0,0,10,10]}],[{"label":"cat","score":0.8,"bbox":[5,5,10,10]}]]`,
			},
			stats: map[string]any{"AP": 1.0, "AP50": 1.0, "AP75": 1.0, "APs": 1.0, "APm": null, "APl": null,
				"AR1": 1.0, "AR10": 1.0, "AR100": 1.0, "ARs": 1.0, "ARm": null, "ARl": null},
			counts: [3]int64{2, 0, 0},
			perAP:  map[string]any{"cat": 1.0},
		},
		{
			// "dog" has no ground truth: its AP is undefined (COCO's -1) and
			// left out of the mean, though its false positive is counted.
			name: "class without ground truth",
			c: detCase{
				classes: []string{"cat", "dog"},
				gt:      `[[{"label":"cat","bbox":[0,0,10,10]}]]`,
				dt:      `[[{"label":"cat","score":0.9,"bbox":[0,0,10,10]},{"label":"dog","score":0.95,"bbox":[20,20,10,10]}]]`,
			},
			stats: map[string]any{"AP": 1.0, "AP50": 1.0, "AP75": 1.0, "APs": 1.0, "APm": null, "APl": null,
				"AR1": 1.0, "AR10": 1.0, "AR100": 1.0, "ARs": 1.0, "ARm": null, "ARl": null},
			counts: [3]int64{1, 1, 0},
			perAP:  map[string]any{"cat": 1.0, "dog": null},
		},
		{
			// Ground truth but no detections column: AP and AR are 0, not
			// undefined.
			name: "no detections at all",
			c: detCase{
				classes: []string{"cat"},
				gt:      `[[{"label":"cat","bbox":[0,0,10,10]}],[{"label":"cat","bbox":[0,0,100,100]}]]`,
			},
			stats: map[string]any{"AP": 0.0, "AP50": 0.0, "AP75": 0.0, "APs": 0.0, "APm": null, "APl": 0.0,
				"AR1": 0.0, "AR10": 0.0, "AR100": 0.0, "ARs": 0.0, "ARm": null, "ARl": 0.0},
			counts: [3]int64{0, 0, 2},
			perAP:  map[string]any{"cat": 0.0},
		},
		{
			// A crowd region is never a false negative and a detection inside
			// it is neither TP nor FP; with nothing else there are no
			// positives, so everything is undefined.
			name: "only crowd boxes",
			c: detCase{
				classes: []string{"person"},
				gt:      `[[{"label":"person","bbox":[0,0,100,100],"iscrowd":true}]]`,
				dt:      `[[{"label":"person","score":0.9,"bbox":[10,10,20,20]},{"label":"person","score":0.8,"bbox":[50,50,20,20]}]]`,
			},
			stats: map[string]any{"AP": null, "AP50": null, "AP75": null, "APs": null, "APm": null, "APl": null,
				"AR1": null, "AR10": null, "AR100": null, "ARs": null, "ARm": null, "ARl": null},
			counts: [3]int64{0, 0, 0},
			perAP:  map[string]any{"person": null},
		},
		{
			// Equal scores keep list order (pycocotools' stable mergesort).
			// A (IoU 0.7) comes first and takes the box at thresholds .50
			// to .70 (0.7 >= 0.7 matches); B (IoU 1) is then an FP ranked
			// second: precision 1 everywhere. At .75 to .95 A misses, B
			// matches second: precision 0.5 everywhere. AP = (5*1 + 5*.5)/10.
			name: "score tie, worse box first",
			c: detCase{
				classes: []string{"cat"},
				gt:      `[[{"label":"cat","bbox":[0,0,10,10]}]]`,
				dt:      `[[{"label":"cat","score":0.5,"bbox":[0,0,10,7]},{"label":"cat","score":0.5,"bbox":[0,0,10,10]}]]`,
			},
			stats: map[string]any{"AP": 0.75, "AP50": 1.0, "AP75": 0.5, "APs": 0.75, "APm": null, "APl": null,
				"AR1": 0.5, "AR10": 1.0, "AR100": 1.0, "ARs": 1.0, "ARm": null, "ARl": null},
			counts: [3]int64{1, 1, 0},
			perAP:  map[string]any{"cat": 0.75},
		},
		{
			// The same detections in the other order: B first wins at every
			// threshold.
			name: "score tie, better box first",
			c: detCase{
				classes: []string{"cat"},
				gt:      `[[{"label":"cat","bbox":[0,0,10,10]}]]`,
				dt:      `[[{"label":"cat","score":0.5,"bbox":[0,0,10,10]},{"label":"cat","score":0.5,"bbox":[0,0,10,7]}]]`,
			},
			stats: map[string]any{"AP": 1.0, "AP50": 1.0, "AP75": 1.0, "APs": 1.0, "APm": null, "APl": null,
				"AR1": 1.0, "AR10": 1.0, "AR100": 1.0, "ARs": 1.0, "ARm": null, "ARl": null},
			counts: [3]int64{1, 1, 0},
			perAP:  map[string]any{"cat": 1.0},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
			defer mem.AssertSize(t, 0)
			r, warns, _ := tt.c.run(t, mem, 0.5)
			if len(warns) > 0 && tt.c.dt != "" {
				t.Errorf("warnings: %q", warns)
			}
			if diff := cmp.Diff(tt.stats, statsMap(r.Stats)); diff != "" {
				t.Errorf("stats (-want +got):\n%s", diff)
			}
			if got := [3]int64{r.TP, r.FP, r.FN}; got != tt.counts {
				t.Errorf("TP/FP/FN = %v, want %v", got, tt.counts)
			}
			var js struct {
				PerClass map[string]struct{ AP any } `json:"per_class"`
			}
			b, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(b, &js); err != nil {
				t.Fatalf("MarshalJSON gave invalid JSON: %v\n%s", err, b)
			}
			gotAP := map[string]any{}
			for k, v := range js.PerClass {
				gotAP[k] = v.AP
				if f, ok := v.AP.(float64); ok {
					// pycocotools' precision is tp/(tp+fp+eps): a perfect
					// score is 1-2.2e-16.
					gotAP[k] = math.Round(f*1e12) / 1e12
				}
			}
			if diff := cmp.Diff(tt.perAP, gotAP); diff != "" {
				t.Errorf("per_class AP in JSON (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDetCrowdVerdicts(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	// One regular person and a crowd region. The first detection matches
	// the person (IoU 1); the next two fall inside the crowd (IoU with a
	// crowd = intersection / detection area = 1) and are ignored; the last
	// overlaps nothing and is an FP.
	c := detCase{
		classes: []string{"person"},
		gt:      `[[{"label":"person","bbox":[200,200,10,10]},{"label":"person","bbox":[0,0,100,100],"iscrowd":true}]]`,
		dt: `[[{"label":"person","score":0.9,"bbox":[200,200,10,10]},{"label":"person","score":0.8,"bbox":[10,10,20,20]},` +
			`{"label":"person","score":0.7,"bbox":[50,50,20,20]},{"label":"person","score":0.6,"bbox":[300,300,5,5]}]]`,
	}
	r, _, boxes := c.run(t, mem, 0.5)
	want := map[string][][]detBoxView{
		// FiftyOne lets a crowd region match a prediction of its class, so
		// the region gets a mistakenness from the 0.8 detection.
		"ground_truth": {{{"tp", int64(0), 1.0, 0.05}, {"ignored", nil, nil, 0.1}}},
		"detections": {{{"tp", int64(0), 1.0, false}, {"ignored", int64(1), 1.0, false},
			{"ignored", int64(1), 1.0, false}, {"fp", nil, nil, false}}},
	}
	if diff := cmp.Diff(want, boxes); diff != "" {
		t.Errorf("per-box fields (-want +got):\n%s", diff)
	}
	if r.IgnoredDets != 2 || r.IgnoredGTs != 1 || r.TP != 1 || r.FP != 1 || r.FN != 0 {
		t.Errorf("counts tp=%d fp=%d fn=%d ignored dets=%d gts=%d, want 1 1 0 2 1", r.TP, r.FP, r.FN, r.IgnoredDets, r.IgnoredGTs)
	}
}

func TestDetBadBoxes(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	c := detCase{
		classes: []string{"cat"},
		gt:      `[[{"label":"cat","bbox":[0,0,10,10]},{"label":"zebra","bbox":[50,50,10,10]},{"label":"cat","bbox":[0,0,1,2,3]}]]`,
		dt: `[[{"label":"cat","score":0.9,"bbox":[0,0,10,10]},{"label":"cat","score":null,"bbox":[0,0,10,10]},` +
			`{"label":"cat","score":0.8,"bbox":[0,0,-10,10]},{"label":"dog","score":0.7,"bbox":[0,0,10,10]}]]`,
	}
	r, warns, boxes := c.run(t, mem, 0.5)
	wantWarns := []string{
		`ground_truth: label outside the class list: 1 box not evaluated (first: row 0, ground_truth[1] label "zebra")`,
		`ground_truth: bbox not 4 numbers: 1 box not evaluated (first: row 0, ground_truth[2])`,
		`detections: null score: 1 box not evaluated (first: row 0, detections[1])`,
		`detections: bbox with negative width or height: 1 box not evaluated (first: row 0, detections[2])`,
		`detections: label outside the class list: 1 box not evaluated (first: row 0, detections[3] label "dog")`,
	}
	if diff := cmp.Diff(wantWarns, warns); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
	if r.TP != 1 || r.FP != 0 || r.FN != 0 || !detClose(r.Stats.AP, 1) {
		t.Errorf("tp=%d fp=%d fn=%d AP=%v, want 1 0 0 1: the sound boxes are still evaluated", r.TP, r.FP, r.FN, r.Stats.AP)
	}
	got := boxes["detections"][0]
	for k := 1; k < 4; k++ {
		if got[k].Eval != "" || got[k].ID != nil {
			t.Errorf("bad detection %d: eval %q id %v, want null", k, got[k].Eval, got[k].ID)
		}
	}
}

func TestDetNaNScore(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	// array.FromJSON cannot write NaN: build the score column by hand.
	gt := detColumn(t, mem, detTestGTType, `[[{"label":"cat","bbox":[0,0,10,10]}]]`)
	defer gt.Release()
	lb := array.NewListBuilder(mem, detTestDTType.Elem())
	defer lb.Release()
	sb := lb.ValueBuilder().(*array.StructBuilder)
	lb.Append(true)
	for _, s := range []float64{math.NaN(), 0.5} {
		sb.Append(true)
		sb.FieldBuilder(0).(*array.StringBuilder).Append("cat")
		sb.FieldBuilder(1).(*array.Float64Builder).Append(s)
		bb := sb.FieldBuilder(2).(*array.ListBuilder)
		bb.Append(true)
		bb.ValueBuilder().(*array.Float64Builder).AppendValues([]float64{0, 0, 10, 10}, nil)
	}
	arr := lb.NewArray()
	defer arr.Release()
	dt := arrow.NewChunked(arr.DataType(), []arrow.Array{arr})
	defer dt.Release()
	r, warns, err := Evaluate(&Input{Classes: []string{"cat"}, ImageIDs: []int64{7}, GT: gt, Dets: dt})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`detections: NaN score: 1 box not evaluated (first: row 0, detections[0])`}
	if diff := cmp.Diff(want, warns); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
	if r.TP != 1 || r.FP != 0 || r.IoU != 0.5 {
		t.Errorf("tp=%d fp=%d IoU=%v, want 1 0 0.5 (the default)", r.TP, r.FP, r.IoU)
	}
}

func TestDetInputErrors(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	gt := detColumn(t, mem, detTestGTType, `[[{"label":"cat","bbox":[0,0,10,10]}]]`)
	defer gt.Release()
	ints, _, err := array.FromJSON(mem, arrow.PrimitiveTypes.Int64, strings.NewReader(`[1]`))
	if err != nil {
		t.Fatal(err)
	}
	defer ints.Release()
	notList := arrow.NewChunked(ints.DataType(), []arrow.Array{ints})
	defer notList.Release()
	tests := []struct {
		name string
		in   Input
		want string
	}{
		{"no classes", Input{ImageIDs: []int64{1}, GT: gt}, "detection: no classes"},
		{"length", Input{Classes: []string{"cat"}, ImageIDs: []int64{1, 2}, GT: gt}, "detection: ground_truth: 1 rows, want 2"},
		{"type", Input{Classes: []string{"cat"}, ImageIDs: []int64{1}, GT: gt, Dets: notList}, "detection: detections: type int64, want list<struct<...>>"},
		{"iou", Input{Classes: []string{"cat"}, ImageIDs: []int64{1}, GT: gt, IoU: 1.5}, "detection: IoU threshold 1.5 outside [0, 1]"},
		{"dup class", Input{Classes: []string{"cat", "cat"}, ImageIDs: []int64{1}, GT: gt}, `detection: class "cat" listed twice`},
	}
	for _, tt := range tests {
		_, _, err := Evaluate(&tt.in)
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s: Evaluate error = %v, want %q", tt.name, err, tt.want)
		}
	}
}

// Hand-built images for FiftyOne's detection mistakenness (formulas in
// detect_mistake.go): c is the matched prediction's confidence.
func TestDetMistakenness(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	c := detCase{
		classes: []string{"cat", "dog"},
		gt: `[` +
			// 1: annotated cat, predicted dog on the same box (IoU 1, c .9):
			// mistakenness (.9+1)/2 = .95, loc (.9*(2*0-1)+1)/2 = .05.
			`[{"label":"cat","bbox":[0,0,10,10]}],` +
			// 2: badly located: IoU .6, c .8, same label:
			// mistakenness (-.8+1)/2 = .1, i = 2*(1-.6) = .8,
			// loc (.8*(1.6-1)+1)/2 = .74.
			`[{"label":"cat","bbox":[0,0,10,10]}],` +
			// 3: nothing annotated, two unmatched predictions.
			`[],` +
			// 4: an annotation nothing predicts.
			`[{"label":"dog","bbox":[0,0,10,10]}]]`,
		dt: `[[{"label":"dog","score":0.9,"bbox":[0,0,10,10]}],` +
			`[{"label":"cat","score":0.8,"bbox":[0,0,10,6]}],` +
			`[{"label":"cat","score":0.97,"bbox":[0,0,10,10]},{"label":"dog","score":0.95,"bbox":[50,50,10,10]}],` +
			`[]]`,
	}
	r, warns, boxes := c.run(t, mem, 0.5)
	if len(warns) > 0 {
		t.Errorf("warnings: %q", warns)
	}
	round := func(v float64) any {
		if math.IsNaN(v) {
			return nil
		}
		return math.Round(v*1e12) / 1e12
	}
	var gotMax []any
	for _, v := range r.rowMaxMist {
		gotMax = append(gotMax, round(v))
	}
	if diff := cmp.Diff([]any{0.95, 0.1, nil, nil}, gotMax); diff != "" {
		t.Errorf("max_mistakenness (-want +got):\n%s", diff)
	}
	var gotLoc []any
	for g := range r.gtMistLoc {
		gotLoc = append(gotLoc, round(r.gtMistLoc[g]))
	}
	if diff := cmp.Diff([]any{0.05, 0.74, nil}, gotLoc); diff != "" {
		t.Errorf("mistakenness_loc (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int64{0, 0, 1, 0}, r.rowMissing); diff != "" {
		t.Errorf("possible_missing counts (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int64{0, 0, 0, 1}, r.rowSpurious); diff != "" {
		t.Errorf("possible_spurious counts (-want +got):\n%s", diff)
	}
	// Per box, from Fields: the swapped label is an FN/FP pair for COCO
	// (matching is per class) though FiftyOne's agnostic match pairs them.
	wantGT := [][]detBoxView{
		{{"fn", nil, nil, 0.95}}, {{"tp", int64(0), 0.6, 0.1}}, {}, {{"fn", nil, nil, nil}},
	}
	if diff := cmp.Diff(wantGT, boxes["ground_truth"]); diff != "" {
		t.Errorf("ground_truth boxes (-want +got):\n%s", diff)
	}
	wantDT := [][]detBoxView{
		{{"fp", nil, nil, false}}, {{"tp", int64(0), 0.6, false}},
		{{"fp", nil, nil, true}, {"fp", nil, nil, false}}, {},
	}
	if diff := cmp.Diff(wantDT, boxes["detections"]); diff != "" {
		t.Errorf("detections boxes (-want +got):\n%s", diff)
	}
	// Confusion (rows ground truth, "(none)" last): cat->dog, cat->cat,
	// two unmatched predictions, one unmatched dog.
	wantConf := [][]int64{{1, 1, 0}, {0, 0, 1}, {1, 1, 0}}
	if diff := cmp.Diff(wantConf, r.Confusion); diff != "" {
		t.Errorf("confusion (-want +got):\n%s", diff)
	}
}

func TestDetReportOutput(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	c := detCase{
		classes: []string{"cat", "dog"},
		gt:      `[[{"label":"cat","bbox":[0,0,10,10]}]]`,
		dt:      `[[{"label":"cat","score":0.9,"bbox":[0,0,10,10]}]]`,
	}
	r, _, _ := c.run(t, mem, 0.5)
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("invalid JSON: %v", err)
	}
	for _, k := range []string{"coco", "per_class", "tp", "fp", "fn", "confusion_matrix", "pr_curves"} {
		if _, ok := got[k]; !ok {
			t.Errorf("JSON lacks %q: %s", k, b)
		}
	}
	coco := got["coco"].(map[string]any)
	if ap, _ := coco["AP"].(float64); coco["APm"] != nil || !detClose(ap, 1) {
		t.Errorf("coco = %v, want AP 1 and APm null", coco)
	}
	var text bytes.Buffer
	if err := r.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		" Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 1.000\n",
		" Average Recall     (AR) @[ IoU=0.50:0.95 | area=medium | maxDets=100 ] = n/a\n",
		"at IoU 0.5: 1 TP, 0 FP, 0 FN",
	} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("WriteText lacks %q:\n%s", want, text.String())
		}
	}
	if rc, pr := r.PRCurve("dog", 0.5); rc != nil || pr != nil {
		t.Errorf("PRCurve(dog) = %v, %v, want nil for a class without ground truth", rc, pr)
	}
	if rc, pr := r.PRCurve("cat", 0.75); len(rc) != 101 || !detClose(pr[100], 1) {
		t.Errorf("PRCurve(cat, .75) = %v, %v", rc, pr)
	}
}
