package detect

import (
	"bufio"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"triage/dataset/coco"
)

// The coco-small reference was computed by pycocotools (cocoapi commit
// 8c9bcc3), COCOeval(iouType="bbox") with default parameters, on
// testdata/reference/coco-small/instances.json + results.json; the same
// data in triage's layout is dataset.parquet + predictions.parquet. See
// testdata/reference/README.md.
const cocoSmallDir = "../../testdata/reference/coco-small"

type cocoRefCounts struct {
	TP, FP, FN  int64
	IgnoredDets int64 `json:"ignored_dets"`
	IgnoredGTs  int64 `json:"ignored_gts"`
}

type cocoRef struct {
	Params struct {
		IoUThrs []float64 `json:"iouThrs"`
		CatIDs  []int64   `json:"catIds"`
	} `json:"params"`
	Stats       map[string]float64 `json:"stats"`
	PerCategory map[string]struct {
		CategoryID int64     `json:"category_id"`
		AP         float64   `json:"AP"`
		AP50       float64   `json:"AP50"`
		AP75       float64   `json:"AP75"`
		APs        float64   `json:"AP_small"`
		APm        float64   `json:"AP_medium"`
		APl        float64   `json:"AP_large"`
		AR100      float64   `json:"AR100"`
		Recall50   float64   `json:"recall_at_iou50"`
		PRRaw      []float64 `json:"pr_curve_iou50_all_maxdet100"`
	} `json:"per_category"`
	Totals50       cocoRefCounts            `json:"totals_iou50"`
	Totals75       cocoRefCounts            `json:"totals_iou75"`
	PerCategory50  map[string]cocoRefCounts `json:"per_category_counts_iou50"`
	PerCategory75  map[string]cocoRefCounts `json:"per_category_counts_iou75"`
	PerImage50     map[string]cocoRefCounts `json:"per_image_iou50"`
	PerImage75     map[string]cocoRefCounts `json:"per_image_iou75"`
	classesInOrder []string
}

type cocoRefBoxes struct {
	ID      int64      `json:"id"`
	DetEval []string   `json:"det_eval"`
	DetMat  []*int64   `json:"det_match"`
	DetIoU  []*float64 `json:"det_iou"`
	GTEval  []string   `json:"gt_eval"`
	GTMat   []*int64   `json:"gt_match"`
}

func loadCOCORef(t *testing.T) *cocoRef {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(cocoSmallDir, "reference.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ref cocoRef
	if err := json.Unmarshal(data, &ref); err != nil {
		t.Fatal(err)
	}
	for name := range ref.PerCategory {
		ref.classesInOrder = append(ref.classesInOrder, name)
	}
	sort.Slice(ref.classesInOrder, func(i, j int) bool {
		return ref.PerCategory[ref.classesInOrder[i]].CategoryID < ref.PerCategory[ref.classesInOrder[j]].CategoryID
	})
	return &ref
}

func loadCOCORefBoxes(t *testing.T) map[int64]cocoRefBoxes {
	t.Helper()
	f, err := os.Open(filepath.Join(cocoSmallDir, "per_box_iou50.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[int64]cocoRefBoxes{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var b cocoRefBoxes
		if err := json.Unmarshal(sc.Bytes(), &b); err != nil {
			t.Fatal(err)
		}
		out[b.ID] = b
	}
	return out
}

// cocoSmallFromJSON reads the COCO JSON pair with dataset/coco.
func cocoSmallFromJSON(t *testing.T, mem memory.Allocator) (ids []int64, gt, dt *arrow.Chunked, classes []string, release func()) {
	t.Helper()
	rec, classes, err := coco.Read(filepath.Join(cocoSmallDir, "instances.json"), filepath.Join(cocoSmallDir, "results.json"), mem)
	if err != nil {
		t.Fatal(err)
	}
	ids = append(ids, rec.Column(0).(*array.Int64).Int64Values()...)
	gt = arrow.NewChunked(rec.Column(4).DataType(), []arrow.Array{rec.Column(4)})
	dt = arrow.NewChunked(rec.Column(5).DataType(), []arrow.Array{rec.Column(5)})
	return ids, gt, dt, classes, func() { gt.Release(); dt.Release(); rec.Release() }
}

func readParquetTable(t *testing.T, path string, mem memory.Allocator) arrow.Table {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tbl, err := pqarrow.ReadTable(context.Background(), f, parquet.NewReaderProperties(mem), pqarrow.ArrowReadProperties{Parallel: false}, mem)
	if err != nil {
		t.Fatal(err)
	}
	return tbl
}

func tableColumn(t *testing.T, tbl arrow.Table, name string) *arrow.Chunked {
	t.Helper()
	idx := tbl.Schema().FieldIndices(name)
	if len(idx) != 1 {
		t.Fatalf("no column %q", name)
	}
	return tbl.Column(idx[0]).Data()
}

// cocoSmallFromParquet reads dataset.parquet and predictions.parquet and
// joins the detections to the dataset rows by id.
func cocoSmallFromParquet(t *testing.T, mem memory.Allocator) (ids []int64, gt, dt *arrow.Chunked, release func()) {
	t.Helper()
	ds := readParquetTable(t, filepath.Join(cocoSmallDir, "dataset.parquet"), mem)
	pr := readParquetTable(t, filepath.Join(cocoSmallDir, "predictions.parquet"), mem)
	defer ds.Release()
	defer pr.Release()
	for _, ch := range tableColumn(t, ds, "id").Chunks() {
		ids = append(ids, ch.(*array.Int64).Int64Values()...)
	}
	predRow := map[int64]int64{}
	var k int64
	for _, ch := range tableColumn(t, pr, "id").Chunks() {
		for _, id := range ch.(*array.Int64).Int64Values() {
			predRow[id] = k
			k++
		}
	}
	take := make([]int64, len(ids))
	for i, id := range ids {
		r, ok := predRow[id]
		if !ok {
			t.Fatalf("image %d has no predictions row", id)
		}
		take[i] = r
	}
	ib := array.NewInt64Builder(mem)
	ib.AppendValues(take, nil)
	idx := ib.NewArray()
	ib.Release()
	defer idx.Release()
	dets := tableColumn(t, pr, "detections")
	detsArr, err := array.Concatenate(dets.Chunks(), mem)
	if err != nil {
		t.Fatal(err)
	}
	defer detsArr.Release()
	joined, err := compute.TakeArray(context.Background(), detsArr, idx)
	if err != nil {
		t.Fatal(err)
	}
	defer joined.Release()
	gtCol := tableColumn(t, ds, "ground_truth")
	gtCol.Retain()
	dt = arrow.NewChunked(joined.DataType(), []arrow.Array{joined})
	return ids, gtCol, dt, func() { gtCol.Release(); dt.Release() }
}

func detClose(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Abs(a-b) <= 1e-9
}

func TestDetIoUThresholdsMatchNumpy(t *testing.T) {
	ref := loadCOCORef(t)
	if len(ref.Params.IoUThrs) != detT {
		t.Fatalf("reference has %d thresholds", len(ref.Params.IoUThrs))
	}
	for i, want := range ref.Params.IoUThrs {
		if detIoUThrs[i] != want {
			t.Errorf("iouThrs[%d] = %v, want %v (bit exact)", i, detIoUThrs[i], want)
		}
	}
	// np.linspace(0, 1, 101) as pycocotools uses it: i*0.01 + 0, last 1.
	if detRecThrs[7] != 0.07 || detRecThrs[29] != 0.29 || detRecThrs[100] != 1 {
		t.Errorf("recThrs[7,29,100] = %v %v %v", detRecThrs[7], detRecThrs[29], detRecThrs[100])
	}
}

func TestDetCOCOSmallParity(t *testing.T) {
	ref := loadCOCORef(t)
	boxes := loadCOCORefBoxes(t)
	for _, source := range []string{"json", "parquet"} {
		t.Run(source, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
			defer mem.AssertSize(t, 0)
			var ids []int64
			var gt, dt *arrow.Chunked
			var release func()
			classes := ref.classesInOrder
			if source == "json" {
				var got []string
				ids, gt, dt, got, release = cocoSmallFromJSON(t, mem)
				if !slicesEqual(got, classes) {
					t.Errorf("coco.Read classes = %q, want %q", got, classes)
				}
			} else {
				ids, gt, dt, release = cocoSmallFromParquet(t, mem)
			}
			defer release()
			in := &Input{Classes: classes, ImageIDs: ids, GT: gt, Dets: dt, IoU: 0.5}
			r, warns, err := Evaluate(in)
			if err != nil {
				t.Fatal(err)
			}
			if len(warns) > 0 {
				t.Errorf("warnings: %q", warns)
			}
			checkCOCOStats(t, r, ref)
			checkCOCOCounts(t, r, ids, ref.PerImage50, ref.Totals50, "iou50")
			checkCOCOClassCounts(t, r, ref.PerCategory50, "iou50")
			checkCOCOPerBox(t, r, mem, ids, boxes)

			in.IoU = 0.75
			r75, _, err := Evaluate(in)
			if err != nil {
				t.Fatal(err)
			}
			checkCOCOCounts(t, r75, ids, ref.PerImage75, ref.Totals75, "iou75")
			checkCOCOClassCounts(t, r75, ref.PerCategory75, "iou75")
		})
	}
}

func slicesEqual(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func checkCOCOStats(t *testing.T, r *Report, ref *cocoRef) {
	t.Helper()
	got := map[string]float64{
		"AP": r.Stats.AP, "AP50": r.Stats.AP50, "AP75": r.Stats.AP75,
		"AP_small": r.Stats.APs, "AP_medium": r.Stats.APm, "AP_large": r.Stats.APl,
		"AR1": r.Stats.AR1, "AR10": r.Stats.AR10, "AR100": r.Stats.AR100,
		"AR_small": r.Stats.ARs, "AR_medium": r.Stats.ARm, "AR_large": r.Stats.ARl,
	}
	if len(ref.Stats) != 12 {
		t.Errorf("reference has %d stats", len(ref.Stats))
	}
	for name, want := range ref.Stats {
		if g, ok := got[name]; !ok || !detClose(g, want) {
			t.Errorf("stats[%s] = %v, want %v", name, g, want)
		}
	}
	for c, name := range ref.classesInOrder {
		want := ref.PerCategory[name]
		pc := r.PerClass[c]
		for _, v := range []struct {
			what      string
			got, want float64
		}{
			{"AP", pc.AP, want.AP}, {"AP50", pc.AP50, want.AP50}, {"AP75", pc.AP75, want.AP75},
			{"AP_small", pc.APs, want.APs}, {"AP_medium", pc.APm, want.APm}, {"AP_large", pc.APl, want.APl},
			{"AR100", pc.AR100, want.AR100}, {"recall_at_iou50", pc.Recall50, want.Recall50},
		} {
			if !detClose(v.got, v.want) {
				t.Errorf("%s %s = %v, want %v", name, v.what, v.got, v.want)
			}
		}
		rc, pr := r.PRCurve(name, 0.5)
		if len(pr) != len(want.PRRaw) || len(rc) != detR {
			t.Errorf("%s PR curve: %d points, want %d", name, len(pr), len(want.PRRaw))
			continue
		}
		for i := range pr {
			if !detClose(pr[i], want.PRRaw[i]) {
				t.Errorf("%s PR curve[%d] = %v, want %v", name, i, pr[i], want.PRRaw[i])
			}
		}
	}
}

// checkCOCOClassCounts compares per-class TP/FP/FN, counted from the
// per-box verdicts, with the reference.
func checkCOCOClassCounts(t *testing.T, r *Report, want map[string]cocoRefCounts, what string) {
	t.Helper()
	if len(want) != len(r.Classes) {
		t.Errorf("%s: reference has %d classes", what, len(want))
	}
	for c, name := range r.Classes {
		var got cocoRefCounts
		for g := range r.gt.cls {
			if int(r.gt.cls[g]) == c && r.gtEval[g] == detEvalFN {
				got.FN++
			}
		}
		for d := range r.dt.cls {
			if int(r.dt.cls[d]) == c {
				switch r.dtEval[d] {
				case detEvalTP:
					got.TP++
				case detEvalFP:
					got.FP++
				}
			}
		}
		if w := want[name]; got != w {
			t.Errorf("%s: %s counts = %+v, want %+v", what, name, got, w)
		}
	}
}

func checkCOCOCounts(t *testing.T, r *Report, ids []int64, want map[string]cocoRefCounts, total cocoRefCounts, what string) {
	t.Helper()
	if len(want) != len(ids) {
		t.Errorf("%s: reference has %d images, input %d", what, len(want), len(ids))
	}
	for i, id := range ids {
		w, ok := want[jsonKey(id)]
		if !ok {
			t.Errorf("%s: image %d not in the reference", what, id)
			continue
		}
		got := cocoRefCounts{r.rowTP[i], r.rowFP[i], r.rowFN[i], r.rowIgnDT[i], r.rowIgnGT[i]}
		if got != w {
			t.Errorf("%s: image %d counts = %+v, want %+v", what, id, got, w)
		}
	}
	got := cocoRefCounts{r.TP, r.FP, r.FN, r.IgnoredDets, r.IgnoredGTs}
	if got != total {
		t.Errorf("%s: totals = %+v, want %+v", what, got, total)
	}
}

func jsonKey(id int64) string {
	b, _ := json.Marshal(id)
	return string(b)
}

// checkCOCOPerBox compares the ground_truth and detections columns Fields
// returns with per_box_iou50.jsonl.
func checkCOCOPerBox(t *testing.T, r *Report, mem memory.Allocator, ids []int64, want map[int64]cocoRefBoxes) {
	t.Helper()
	fields, arrs := r.Fields(mem)
	defer func() {
		for _, a := range arrs {
			a.Release()
		}
	}()
	col := map[string]arrow.Array{}
	for i, f := range fields {
		col[f.Name] = arrs[i]
	}
	gtL, dtL := col["ground_truth"].(*array.List), col["detections"].(*array.List)
	if gtL == nil || dtL == nil {
		t.Fatalf("Fields lacks ground_truth or detections: %v", fields)
	}
	gtS, dtS := gtL.ListValues().(*array.Struct), dtL.ListValues().(*array.Struct)
	for i, id := range ids {
		w, ok := want[id]
		if !ok {
			t.Errorf("image %d not in per_box_iou50.jsonl", id)
			continue
		}
		gs, ge := gtL.ValueOffsets(i)
		ds, de := dtL.ValueOffsets(i)
		if int(ge-gs) != len(w.GTEval) || int(de-ds) != len(w.DetEval) {
			t.Errorf("image %d: %d gt / %d dets, want %d / %d", id, ge-gs, de-ds, len(w.GTEval), len(w.DetEval))
			continue
		}
		ev, evID, evIoU := structCols(t, dtS)
		for k := range w.DetEval {
			j := int(ds) + k
			if got := ev.Value(j); got != w.DetEval[k] {
				t.Errorf("image %d det %d eval = %q, want %q", id, k, got, w.DetEval[k])
			}
			if got, want := optInt(evID, j), w.DetMat[k]; !sameOptInt(got, want) {
				t.Errorf("image %d det %d eval_id = %v, want %v", id, k, fmtOpt(got), fmtOpt(want))
			}
			gotIoU := math.NaN()
			if evIoU.IsValid(j) {
				gotIoU = evIoU.Value(j)
			}
			wantIoU := math.NaN()
			if w.DetIoU[k] != nil {
				wantIoU = *w.DetIoU[k]
			}
			if !detClose(gotIoU, wantIoU) {
				t.Errorf("image %d det %d eval_iou = %v, want %v", id, k, gotIoU, wantIoU)
			}
		}
		gev, gevID, _ := structCols(t, gtS)
		for k := range w.GTEval {
			j := int(gs) + k
			if got := gev.Value(j); got != w.GTEval[k] {
				t.Errorf("image %d gt %d eval = %q, want %q", id, k, got, w.GTEval[k])
			}
			if got, want := optInt(gevID, j), w.GTMat[k]; !sameOptInt(got, want) {
				t.Errorf("image %d gt %d eval_id = %v, want %v", id, k, fmtOpt(got), fmtOpt(want))
			}
		}
	}
}

func structCols(t *testing.T, s *array.Struct) (*array.String, *array.Int64, *array.Float64) {
	t.Helper()
	st := s.DataType().(*arrow.StructType)
	get := func(name string) arrow.Array {
		i, ok := st.FieldIdx(name)
		if !ok {
			t.Fatalf("no struct field %q in %s", name, st)
		}
		return s.Field(i)
	}
	return get("eval").(*array.String), get("eval_id").(*array.Int64), get("eval_iou").(*array.Float64)
}

func optInt(a *array.Int64, j int) *int64 {
	if a.IsNull(j) {
		return nil
	}
	v := a.Value(j)
	return &v
}

func sameOptInt(a, b *int64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

func fmtOpt(p *int64) any {
	if p == nil {
		return "null"
	}
	return *p
}
