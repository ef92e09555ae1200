package coco

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/google/go-cmp/cmp"

	"triage/dataset/coco/internal/cocogen"
)

const smallDir = "../../testdata/reference/coco-small"

func TestReadCOCOSmall(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	rec, classes, err := Read(filepath.Join(smallDir, "instances.json"), filepath.Join(smallDir, "results.json"), mem)
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()
	// Counts and category order from reference.json ("counts", "params").
	if diff := cmp.Diff([]string{"person", "bicycle", "car", "dog", "cat", "traffic light"}, classes); diff != "" {
		t.Errorf("classes (-want +got):\n%s", diff)
	}
	if !rec.Schema().Equal(Schema) {
		t.Errorf("schema = %s, want %s", rec.Schema(), Schema)
	}
	if rec.NumRows() != 80 {
		t.Errorf("rows = %d, want 80", rec.NumRows())
	}
	gt := rec.Column(4).(*array.List)
	dt := rec.Column(5).(*array.List)
	gtS := gt.ListValues().(*array.Struct)
	if gtS.Len() != 415 || dt.ListValues().Len() != 574 {
		t.Errorf("boxes = %d gt, %d dets, want 415, 574", gtS.Len(), dt.ListValues().Len())
	}
	crowd := gtS.Field(2).(*array.Boolean)
	n := 0
	for i := range crowd.Len() {
		if crowd.Value(i) {
			n++
		}
	}
	if n != 13 {
		t.Errorf("crowd boxes = %d, want 13", n)
	}
	// First image and annotation of instances.json: id 610, 414x685,
	// annotation 1 is a car with area 251.4232.
	if id := rec.Column(0).(*array.Int64).Value(0); id != 610 {
		t.Errorf("first id = %d, want 610", id)
	}
	if w, h := rec.Column(1).(*array.Int64).Value(0), rec.Column(2).(*array.Int64).Value(0); w != 414 || h != 685 {
		t.Errorf("first image %dx%d, want 414x685", w, h)
	}
	if fp := rec.Column(3).(*array.String).Value(0); fp != "000000000610.jpg" {
		t.Errorf("first filepath %q", fp)
	}
	if l, a := gtS.Field(0).(*array.String).Value(0), gtS.Field(3).(*array.Float64).Value(0); l != "car" || a != 251.4232 {
		t.Errorf("first annotation %q area %v, want car 251.4232", l, a)
	}
}

func writeFile(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const goodInstances = `{"info": {"x": [1, 2]}, "images": [{"id": 1, "file_name": "a.jpg", "width": 10, "height": 20}, {"id": 2, "file_name": "b.jpg"}],
"categories": [{"id": 9, "name": "dog"}, {"id": 3, "name": "cat"}],
"annotations": [{"id": 1, "image_id": 2, "category_id": 9, "bbox": [1, 2, 3, 4], "iscrowd": 1, "segmentation": {"counts": "abc"}},
{"id": 2, "image_id": 2, "category_id": 3, "bbox": [0, 0, 5, 5], "area": 20}]}`

func TestReadSmallFiles(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	dir := t.TempDir()
	inst := writeFile(t, dir, "inst.json", goodInstances)
	res := writeFile(t, dir, "res.json", `[{"image_id": 1, "category_id": 3, "bbox": [1, 1, 2, 2], "score": 0.5}]`)
	image2 := `{"detections":[],"filepath":"b.jpg","ground_truth":[` +
		`{"area":12,"bbox":[1,2,3,4],"iscrowd":true,"label":"dog"},` +
		`{"area":20,"bbox":[0,0,5,5],"iscrowd":false,"label":"cat"}],"height":null,"id":2,"width":null}`
	for _, tt := range []struct{ results, image1 string }{
		{"", `{"detections":[],"filepath":"a.jpg","ground_truth":[],"height":20,"id":1,"width":10}`},
		{res, `{"detections":[{"bbox":[1,1,2,2],"label":"cat","score":0.5}],"filepath":"a.jpg","ground_truth":[],"height":20,"id":1,"width":10}`},
	} {
		rec, classes, err := Read(inst, tt.results, mem)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"cat", "dog"}, classes); diff != "" {
			t.Errorf("classes in category id order (-want +got):\n%s", diff)
		}
		got, err := rec.MarshalJSON()
		rec.Release()
		if err != nil {
			t.Fatal(err)
		}
		// Area: w*h when the annotation has none, else its own.
		want := "[" + tt.image1 + "\n," + image2 + "\n]"
		if diff := cmp.Diff(want, string(got)); diff != "" {
			t.Errorf("results %q: rows (-want +got):\n%s", tt.results, diff)
		}
	}
}

func TestReadErrors(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	dir := t.TempDir()
	badInst := func(ann string) string {
		return strings.Replace(goodInstances, `{"id": 2, "image_id": 2, "category_id": 3, "bbox": [0, 0, 5, 5], "area": 20}`, ann, 1)
	}
	tests := []struct {
		name, instances, results, want string
	}{
		{"unknown category", badInst(`{"image_id": 2, "category_id": 4, "bbox": [0, 0, 5, 5]}`), "",
			"inst.json: annotation 1: unknown category id 4"},
		{"short bbox", badInst(`{"image_id": 2, "category_id": 3, "bbox": [0, 0, 5]}`), "",
			"inst.json: annotation 1: bbox has 3 numbers, want 4 [x, y, w, h]"},
		{"negative width", badInst(`{"image_id": 2, "category_id": 3, "bbox": [0, 0, -5, 5]}`), "",
			"inst.json: annotation 1: bbox [0 0 -5 5] has a negative width or height"},
		{"unknown image", badInst(`{"image_id": 7, "category_id": 3, "bbox": [0, 0, 5, 5]}`), "",
			"inst.json: annotation 1: unknown image id 7"},
		{"not coco", `{"images": []}`, "", `inst.json: no "annotations" key: not a COCO instances file`},
		{"NaN score", goodInstances, `[{"image_id": 1, "category_id": 3, "bbox": [1, 1, 2, 2], "score": 0.5},
			{"image_id": 1, "category_id": 3, "bbox": [1, 1, 2, 2], "score": NaN}]`,
			"res.json: result 1: score is NaN"},
		{"result for unknown image", goodInstances, `[{"image_id": 5, "category_id": 3, "bbox": [1, 1, 2, 2], "score": 0.5}]`,
			"res.json: result 0: unknown image id 5"},
		{"result without score", goodInstances, `[{"image_id": 1, "category_id": 3, "bbox": [1, 1, 2, 2]}]`,
			"res.json: result 0: no score"},
		{"result unknown category", goodInstances, `[{"image_id": 1, "category_id": 1, "bbox": [1, 1, 2, 2], "score": 1}]`,
			"res.json: result 0: unknown category id 1"},
		{"results not an array", goodInstances, `{"image_id": 1}`,
			`res.json: want a JSON array of results: found {, want "["`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ip := writeFile(t, dir, "inst.json", tt.instances)
			rp := ""
			if tt.results != "" {
				rp = writeFile(t, dir, "res.json", tt.results)
			}
			rec, _, err := Read(ip, rp, mem)
			if err == nil {
				rec.Release()
				t.Fatalf("Read succeeded, want error %q", tt.want)
			}
			if got := strings.TrimPrefix(err.Error(), dir+string(filepath.Separator)); got != tt.want {
				t.Errorf("Read error = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestReadMatchesLegacy checks Read against the encoding/json loader it
// replaced, row for row, on the reference pair and on a generated file
// with polygons and crowd regions.
func TestReadMatchesLegacy(t *testing.T) {
	dir := t.TempDir()
	gen := filepath.Join(dir, "gen.json")
	f, err := os.Create(gen)
	if err != nil {
		t.Fatal(err)
	}
	if err := cocogen.Write(f, 300, 2500, 7); err != nil {
		t.Fatal(err)
	}
	f.Close()
	for _, tt := range []struct{ instances, results string }{
		{filepath.Join(smallDir, "instances.json"), filepath.Join(smallDir, "results.json")},
		{filepath.Join(smallDir, "instances.json"), ""},
		{gen, ""},
	} {
		mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
		got, gotClasses, err := Read(tt.instances, tt.results, mem)
		if err != nil {
			t.Fatal(err)
		}
		want, wantClasses, err := readLegacy(tt.instances, tt.results, mem)
		if err != nil {
			t.Fatal(err)
		}
		gj, _ := got.MarshalJSON()
		wj, _ := want.MarshalJSON()
		if string(gj) != string(wj) || !slices.Equal(gotClasses, wantClasses) {
			t.Errorf("%s: Read and the encoding/json loader differ (-legacy +Read):\n%s", tt.instances, cmp.Diff(string(wj), string(gj)))
		}
		if got.NumRows() == 0 {
			t.Errorf("%s: no rows", tt.instances)
		}
		got.Release()
		want.Release()
		mem.AssertSize(t, 0)
	}
}

// TestReadSplitsAnnotations reads files whose annotations array is split
// between two goroutines at every kind of guessed boundary: a real one, or
// "},{" inside a string (the guess must be thrown away). Results and
// errors must be the encoding/json loader's.
func TestReadSplitsAnnotations(t *testing.T) {
	old := splitMin
	splitMin = 0
	defer func() { splitMin = old }()
	dir := t.TempDir()
	for _, badCat := range []int{3, 4} { // 4: an unknown category in the second half
		var anns []string
		for i := range 40 {
			cat := 3
			if i == 35 {
				cat = badCat
			}
			anns = append(anns, fmt.Sprintf(`{"note":"a},{b","image_id":%d,"bbox":[%d,1,2,3],"category_id":%d,"segmentation":[[1,2,3]]}`, 1+i%2, i, cat))
		}
		for pad := range 200 {
			// Padding in the first element moves the guess (half way
			// through the array) along the later ones.
			body := strings.Replace(strings.Join(anns, ","), "a},{b", "a},{b"+strings.Repeat("x", pad), 1)
			inst := `{"images":[{"id":1},{"id":2}],"categories":[{"id":3,"name":"cat"},{"id":5,"name":"dog"}],"annotations":[` + body + `]}`
			path := writeFile(t, dir, "inst.json", inst)
			mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
			got, _, gerr := Read(path, "", mem)
			want, _, werr := readLegacy(path, "", mem)
			if fmt.Sprint(gerr) != fmt.Sprint(werr) {
				t.Fatalf("pad %d: Read error %v, encoding/json loader %v", pad, gerr, werr)
			}
			if (gerr != nil) != (badCat == 4) {
				t.Fatalf("pad %d, category %d: error %v", pad, badCat, gerr)
			}
			if gerr == nil {
				gj, _ := got.MarshalJSON()
				wj, _ := want.MarshalJSON()
				if string(gj) != string(wj) {
					t.Fatalf("pad %d: Read and the encoding/json loader differ (-legacy +Read):\n%s", pad, cmp.Diff(string(wj), string(gj)))
				}
				got.Release()
				want.Release()
			}
			mem.AssertSize(t, 0)
		}
	}
}

func TestIDIndex(t *testing.T) {
	for _, ids := range [][]int64{{9, 3, 100}, {5, 1 << 40, 7}, {-2, 4}, {}} {
		ix, dup := newIDIndex(ids)
		if dup != -1 {
			t.Errorf("%v: duplicate at %d, want none", ids, dup)
		}
		for i, id := range ids {
			if p, ok := ix.get(id); !ok || int(p) != i {
				t.Errorf("%v: get(%d) = %d, %v; want %d", ids, id, p, ok, i)
			}
		}
		for _, id := range []int64{0, 2, 99, 1<<40 + 1, -1} {
			if _, ok := ix.get(id); ok && !slices.Contains(ids, id) {
				t.Errorf("%v: get(%d) found an id not indexed", ids, id)
			}
		}
	}
	for _, ids := range [][]int64{{3, 5, 3}, {1 << 40, 2, 1 << 40}} {
		if _, dup := newIDIndex(ids); dup != 2 {
			t.Errorf("%v: duplicate at %d, want 2", ids, dup)
		}
	}
}
