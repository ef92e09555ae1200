package curate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/google/go-cmp/cmp"
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
	if want := fmt.Sprintf("id,label,proposed\n0,%s,\n1,%s,0\n", l0, l1); buf.String() != want {
		t.Errorf("csv:\n%s\nwant:\n%s", buf.String(), want)
	}
}
