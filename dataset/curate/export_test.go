package curate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/google/go-cmp/cmp"

	"triage/dataset"
)

// shape lists the JSON paths of v with their types; array elements share
// the path "[]".
func shape(v any, path string, out map[string]string) {
	switch v := v.(type) {
	case map[string]any:
		out[path] = "object"
		for k, e := range v {
			shape(e, path+"."+k, out)
		}
	case []any:
		out[path] = "array"
		for _, e := range v {
			shape(e, path+"[]", out)
		}
	case string:
		out[path] = "string"
	case float64:
		out[path] = "number"
	case bool:
		out[path] = "bool"
	case nil:
		out[path] = "null"
	}
}

func documentedShape(t *testing.T) map[string]string {
	b, err := os.ReadFile("testdata/labelstudio/documented.json")
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	s := map[string]string{}
	shape(v, "", s)
	return s
}

// checkLabelStudioShape checks that every field of out, outside a task's
// free-form data, is one the documentation shows, with the same type.
func checkLabelStudioShape(t *testing.T, out []byte) map[string]string {
	t.Helper()
	doc := documentedShape(t)
	var v any
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("export is not JSON: %v", err)
	}
	got := map[string]string{}
	shape(v, "", got)
	var paths []string
	for p := range got {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		if strings.HasPrefix(p, "[].data.") {
			if typ := got[p]; typ != "string" && typ != "number" {
				t.Errorf("%s is a %s; data values are strings or numbers", p, typ)
			}
			continue
		}
		if doc[p] != got[p] {
			t.Errorf("%s: %s, documented: %q", p, got[p], doc[p])
		}
	}
	if got["[].data.image"] != "string" {
		t.Error("tasks have no data.image")
	}
	return got
}

func TestLabelStudioShape(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)

	t.Run("classification", func(t *testing.T) {
		ds, tb := load(t, mem, demoPath, demoPreds)
		defer tb.Release()
		e, _ := Relabel(sel(3), "8", ds.Classes, false)
		e.ID = 1
		var buf bytes.Buffer
		err := WriteLabelStudio(&buf, ExportRequest{Table: tb, Rows: []int64{3, 4}, Key: "id", Label: "label", Pred: "pred", Score: "score",
			Image: "image", Classes: ds.Classes, State: Replay([]Entry{e}), ModelVersion: "digits-preds"})
		if err != nil {
			t.Fatal(err)
		}
		checkLabelStudioShape(t, buf.Bytes())
		var tasks []lsTask
		json.Unmarshal(buf.Bytes(), &tasks)
		if len(tasks) != 2 || tasks[0].Data["id"] != float64(3) || tasks[0].Data["proposed"] != "8" || tasks[1].Data["proposed"] != nil {
			t.Fatalf("tasks: %+v", tasks)
		}
		img, _ := tasks[0].Data["image"].(string)
		if !strings.HasPrefix(img, "data:image/png;base64,") {
			t.Errorf("image %.40q..., want a PNG data: URI", img)
		}
		var versions []string
		for _, p := range tasks[0].Predictions {
			versions = append(versions, p.ModelVersion)
		}
		if want := []string{"current label", "digits-preds", "triage queue"}; !slices.Equal(versions, want) {
			t.Errorf("predictions %q, want %q", versions, want)
		}
		if p := tasks[0].Predictions[1]; p.Score == nil || *p.Score <= 0 || *p.Score > 1 {
			t.Errorf("model prediction has score %v", p.Score)
		}
	})

	t.Run("detection", func(t *testing.T) {
		const coco = "../../testdata/reference/coco-small/"
		ds, tb := load(t, mem, coco+"instances.json", coco+"results.json")
		defer tb.Release()
		var buf bytes.Buffer
		err := WriteLabelStudio(&buf, ExportRequest{Table: tb, Rows: []int64{0, 1, 2}, Key: "id", GroundTruth: "ground_truth", Detections: "detections",
			Width: "width", Height: "height", Filepath: "filepath", Dir: "/images", Classes: ds.Classes, ModelVersion: "results"})
		if err != nil {
			t.Fatal(err)
		}
		got := checkLabelStudioShape(t, buf.Bytes())
		if got["[].predictions[].result[].value.rectanglelabels[]"] != "string" {
			t.Errorf("no boxes exported:\n%s", buf.String())
		}
		// Percentages: each box, scaled back by the image size, is the
		// pixel box of the ground truth.
		var tasks []lsTask
		json.Unmarshal(buf.Bytes(), &tasks)
		var coc cocoFile
		var cbuf bytes.Buffer
		if err := WriteCOCO(&cbuf, ExportRequest{Table: tb, Rows: []int64{0, 1, 2}, Key: "id", GroundTruth: "ground_truth", Width: "width", Height: "height", Filepath: "filepath", Classes: ds.Classes}); err != nil {
			t.Fatal(err)
		}
		json.Unmarshal(cbuf.Bytes(), &coc)
		var fromLS, fromCOCO []string
		for _, task := range tasks {
			for _, r := range task.Predictions[0].Result {
				v := r.Value
				fromLS = append(fromLS, fmt.Sprintf("%s %.6f %.6f %.6f %.6f", v["rectanglelabels"].([]any)[0],
					v["x"].(float64)*float64(r.OriginalWidth)/100, v["y"].(float64)*float64(r.OriginalHeight)/100,
					v["width"].(float64)*float64(r.OriginalWidth)/100, v["height"].(float64)*float64(r.OriginalHeight)/100))
			}
		}
		for _, a := range coc.Annotations {
			fromCOCO = append(fromCOCO, fmt.Sprintf("%s %.6f %.6f %.6f %.6f", coc.Categories[a.CategoryID-1].Name, a.BBox[0], a.BBox[1], a.BBox[2], a.BBox[3]))
		}
		if len(fromLS) == 0 {
			t.Fatal("no ground-truth boxes in the first three images")
		}
		if diff := cmp.Diff(fromCOCO, fromLS); diff != "" {
			t.Errorf("Label Studio boxes scaled back differ from the ground truth (-coco +labelstudio):\n%s", diff)
		}
		if !strings.HasPrefix(tasks[0].Data["image"].(string), "/images/") {
			t.Errorf("image path %v, want it resolved against Dir", tasks[0].Data["image"])
		}
	})
}

// TestCOCOExport compares the export with the source annotation file: the
// same images, boxes, categories and crowd flags.
func TestCOCOExport(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	const src = "../../testdata/reference/coco-small/instances.json"
	ds, tb := load(t, mem, src)
	defer tb.Release()
	var buf bytes.Buffer
	if err := WriteCOCO(&buf, ExportRequest{Table: tb, Rows: allRows(tb.NumRows()), Key: "id", GroundTruth: "ground_truth", Width: "width", Height: "height", Filepath: "filepath", Classes: ds.Classes}); err != nil {
		t.Fatal(err)
	}
	var got, want struct {
		Images []struct {
			ID            int64
			FileName      string `json:"file_name"`
			Width, Height int
		}
		Annotations []struct {
			ImageID    int64 `json:"image_id"`
			CategoryID int   `json:"category_id"`
			BBox       [4]float64
			IsCrowd    int `json:"iscrowd"`
		}
		Categories []struct {
			ID   int
			Name string
		}
	}
	json.Unmarshal(buf.Bytes(), &got)
	b, _ := os.ReadFile(src)
	json.Unmarshal(b, &want)
	if len(want.Annotations) == 0 || len(want.Images) != int(tb.NumRows()) {
		t.Fatalf("source has %d annotations, %d images", len(want.Annotations), len(want.Images))
	}
	// Category ids are renumbered 1..n in class order: compare by name.
	name := func(cats []struct {
		ID   int
		Name string
	}, id int) string {
		for _, c := range cats {
			if c.ID == id {
				return c.Name
			}
		}
		return "?"
	}
	type ann struct {
		Image int64
		Cat   string
		BBox  [4]float64
		Crowd int
	}
	norm := func(anns []struct {
		ImageID    int64 `json:"image_id"`
		CategoryID int   `json:"category_id"`
		BBox       [4]float64
		IsCrowd    int `json:"iscrowd"`
	}, cats []struct {
		ID   int
		Name string
	}) []ann {
		var out []ann
		for _, a := range anns {
			out = append(out, ann{a.ImageID, name(cats, a.CategoryID), a.BBox, a.IsCrowd})
		}
		slices.SortFunc(out, func(x, y ann) int { return strings.Compare(fmt.Sprint(x), fmt.Sprint(y)) })
		return out
	}
	if diff := cmp.Diff(norm(want.Annotations, want.Categories), norm(got.Annotations, got.Categories)); diff != "" {
		t.Errorf("annotations (-source +export):\n%s", diff)
	}
	if diff := cmp.Diff(want.Images, got.Images, cmp.Comparer(func(a, b float64) bool { return math.Abs(a-b) < 1e-9 })); diff != "" {
		t.Errorf("images (-source +export):\n%s", diff)
	}
}

func TestRelabelCSV(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	ds, tb := load(t, mem, demoPath)
	defer tb.Release()
	e, _ := Relabel(sel(1), "0", ds.Classes, false)
	e.ID = 1
	var buf bytes.Buffer
	if err := WriteRelabelCSV(&buf, ExportRequest{Table: tb, Rows: []int64{0, 1}, Key: "id", Label: "label", Classes: ds.Classes, State: Replay([]Entry{e})}); err != nil {
		t.Fatal(err)
	}
	labels := whole(t, tb, "label", mem)
	defer labels.Release()
	l0, _ := className(labels, 0, ds.Classes)
	l1, _ := className(labels, 1, ds.Classes)
	if want := fmt.Sprintf("id,label,proposed,mined,needs_review\n0,%s,,false,false\n1,%s,0,false,false\n", l0, l1); buf.String() != want {
		t.Errorf("csv:\n%s\nwant:\n%s", buf.String(), want)
	}
}

// TestExportMined exports a queue with relabels and mined rows: the mined
// rows, from the pool file, come after the dataset's, each with the
// prediction mine recorded and marked as needing review.
func TestExportMined(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	ds, data := load(t, mem, demoPath)
	defer data.Release()
	_, pool := load(t, mem, demoPool)
	defer pool.Release()
	state := Replay(demoJournal(t, mem, ds.Classes, demoPool))
	if len(state.Mined) == 0 {
		t.Fatal("the demo journal mines nothing")
	}
	keyRows := func(tb *dataset.Table) map[Key]int64 {
		idx, err := keyIndex(tb, "id")
		if err != nil {
			t.Fatal(err)
		}
		return idx
	}
	dsRow, poolRow := keyRows(data), keyRows(pool)
	var minedRows []int64
	for _, m := range state.Mined {
		minedRows = append(minedRows, poolRow[m.Key])
	}
	parts := []ExportRequest{
		{Table: data, Rows: []int64{dsRow[IntKey(0)], dsRow[IntKey(2)]}, Key: "id", Label: "label", Image: "image", Classes: ds.Classes, State: state},
		{Table: pool, Rows: minedRows, Key: "id", Image: "image", Classes: ds.Classes, State: state},
	}

	var ls bytes.Buffer
	if err := WriteLabelStudio(&ls, parts...); err != nil {
		t.Fatal(err)
	}
	checkLabelStudioShape(t, ls.Bytes())
	var tasks []lsTask
	json.Unmarshal(ls.Bytes(), &tasks)
	if len(tasks) != 2+len(state.Mined) {
		t.Fatalf("%d tasks, want %d", len(tasks), 2+len(state.Mined))
	}
	if tasks[1].Data["proposed"] != "5" || tasks[1].Data["needs_review"] != nil {
		t.Errorf("relabeled task data %v", tasks[1].Data)
	}
	for i, m := range state.Mined {
		task := tasks[2+i]
		if task.Data["id"] != float64(m.Key.Int) || task.Data["mined_near"] != float64(m.Source.Int) || task.Data["needs_review"] != "yes" {
			t.Errorf("mined task %d data %v, want id %s near %s", i, task.Data, m.Key, m.Source)
		}
		var choices []string
		for _, p := range task.Predictions {
			choices = append(choices, p.ModelVersion+"="+p.Result[0].Value["choices"].([]any)[0].(string))
		}
		if want := []string{"model=" + m.Pred, "triage queue=" + m.Pred}; !slices.Equal(choices, want) {
			t.Errorf("mined task %d predictions %q, want %q", i, choices, want)
		}
	}

	var csvOut bytes.Buffer
	if err := WriteRelabelCSV(&csvOut, parts...); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(csvOut.String()), "\n")
	if len(lines) != 3+len(state.Mined) || lines[0] != "id,label,proposed,mined,needs_review" || !strings.HasSuffix(lines[2], ",5,false,false") {
		t.Fatalf("csv:\n%s", csvOut.String())
	}
	for i, m := range state.Mined {
		if want := fmt.Sprintf("%d,,%s,true,true", m.Key.Int, m.Pred); lines[3+i] != want {
			t.Errorf("csv line %q, want %q", lines[3+i], want)
		}
	}
}

// TestExportBoxRelabel exports a queued box relabel: COCO writes the new
// label, Label Studio adds the relabeled ground truth as the queue's
// pre-annotation, the CSV has a row per box.
func TestExportBoxRelabel(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	_, ds, data := detDataset(t, mem)
	defer data.Release()
	e, err := RelabelBox(sel(2), BoxRef{Index: 1, From: "cat", BBox: [4]float64{20, 10, 30, 40.25}}, "bird", ds.Classes, true)
	if err != nil {
		t.Fatal(err)
	}
	e.ID = 1
	req := ExportRequest{Table: data, Rows: []int64{0, 1}, Key: "id", GroundTruth: "ground_truth", Detections: "detections", Width: "width", Height: "height",
		Filepath: "filepath", Classes: ds.Classes, State: Replay([]Entry{e}), ModelVersion: "m"}

	var cbuf bytes.Buffer
	if err := WriteCOCO(&cbuf, req); err != nil {
		t.Fatal(err)
	}
	var coc cocoFile
	json.Unmarshal(cbuf.Bytes(), &coc)
	var anns []string
	for _, a := range coc.Annotations {
		anns = append(anns, fmt.Sprintf("%d %s %v %d", a.ImageID, coc.Categories[a.CategoryID-1].Name, a.BBox, a.IsCrowd))
	}
	want := []string{"1 cat [0.5 0 10 10] 0", "2 dog [1 2 3 4] 0", "2 bird [20 10 30 40.25] 1"}
	if diff := cmp.Diff(want, anns); diff != "" {
		t.Errorf("COCO annotations (-want +got):\n%s", diff)
	}

	var ls bytes.Buffer
	if err := WriteLabelStudio(&ls, req); err != nil {
		t.Fatal(err)
	}
	checkLabelStudioShape(t, ls.Bytes())
	var tasks []lsTask
	json.Unmarshal(ls.Bytes(), &tasks)
	labels := func(p lsPrediction) string {
		var out []string
		for _, r := range p.Result {
			out = append(out, r.Value["rectanglelabels"].([]any)[0].(string))
		}
		return p.ModelVersion + ":" + strings.Join(out, ",")
	}
	var got []string
	for _, task := range tasks {
		for _, p := range task.Predictions {
			got = append(got, labels(p))
		}
	}
	if diff := cmp.Diff([]string{"ground truth:cat", "m:cat", "ground truth:dog,cat", "triage queue:dog,bird", "m:cat"}, got); diff != "" {
		t.Errorf("Label Studio predictions (-want +got):\n%s", diff)
	}

	var csvOut bytes.Buffer
	if err := WriteRelabelCSV(&csvOut, req); err != nil {
		t.Fatal(err)
	}
	if want := "id,box,label,proposed,mined,needs_review\n1,,,,false,false\n2,1,cat,bird,false,false\n"; csvOut.String() != want {
		t.Errorf("csv:\n%s\nwant:\n%s", csvOut.String(), want)
	}
}

// TestCOCOMined: a mined image is marked needs_review; without
// ground-truth boxes its annotations are the model's detections.
func TestCOCOMined(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	path := filepath.Join(t.TempDir(), "dets.jsonl")
	rows := detJSONL + `{"id": 4, "width": 100, "height": 50, "filepath": "d.png", "ground_truth": null, "detections": [{"label": "dog", "score": 0.7, "bbox": [1, 1, 2, 2]}]}` + "\n"
	if err := os.WriteFile(path, []byte(rows), 0o644); err != nil {
		t.Fatal(err)
	}
	ds, data := load(t, mem, path)
	defer data.Release()
	state := Replay([]Entry{{ID: 1, Action: ActionMine, Keys: []Key{IntKey(1)}, Args: Args{K: 2, Mined: []Mined{
		{Key: IntKey(4), Source: IntKey(1), Score: 0.9}, {Key: IntKey(3), Source: IntKey(1), Score: 0.8}}}}})
	var buf bytes.Buffer
	err := WriteCOCO(&buf, ExportRequest{Table: data, Rows: []int64{0, 2, 3}, Key: "id", GroundTruth: "ground_truth", Detections: "detections",
		Width: "width", Height: "height", Filepath: "filepath", Classes: ds.Classes, State: state})
	if err != nil {
		t.Fatal(err)
	}
	var coc cocoFile
	json.Unmarshal(buf.Bytes(), &coc)
	var got []string
	for _, img := range coc.Images {
		got = append(got, fmt.Sprintf("image %d %s review=%v", img.ID, img.FileName, img.NeedsReview))
	}
	for _, a := range coc.Annotations {
		got = append(got, fmt.Sprintf("box %d %s %v", a.ImageID, coc.Categories[a.CategoryID-1].Name, a.BBox))
	}
	want := []string{"image 1 a.png review=false", "image 3 c.png review=true", "image 4 d.png review=true",
		"box 1 cat [0.5 0 10 10]", "box 3 dog [5 5 5 5]", "box 4 dog [1 1 2 2]"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("COCO (-want +got):\n%s", diff)
	}
}
