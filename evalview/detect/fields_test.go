package detect

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/google/go-cmp/cmp"
)

// The same two images in other layouts must give the same verdicts: labels
// as dictionary or class index, bbox as fixed_size_list<float32>, large
// lists, several chunks, and chunks that are slices of a bigger array.
func TestDetInputLayouts(t *testing.T) {
	const gtJSON = `[[{"label":"cat","bbox":[0,0,10,10]},{"label":"dog","bbox":[20,20,10,10]}],[],[{"label":"dog","bbox":[0,0,8,8]}]]`
	const dtJSON = `[[{"label":"cat","score":0.75,"bbox":[0,0,10,9]},{"label":"dog","score":0.25,"bbox":[50,50,10,10]}],[{"label":"cat","score":0.5,"bbox":[1,1,1,1]}],[{"label":"dog","score":0.625,"bbox":[0,0,8,8]}]]`
	// Scores are exact in float32. A matched box with the same label has
	// mistakenness (1-c)/2.
	want := map[string][][]detBoxView{
		"ground_truth": {{{"tp", int64(0), 0.9, 0.125}, {"fn", nil, nil, nil}}, {}, {{"tp", int64(0), 1.0, 0.1875}}},
		"detections":   {{{"tp", int64(0), 0.9, false}, {"fp", nil, nil, false}}, {{"fp", nil, nil, false}}, {{"tp", int64(0), 1.0, false}}},
	}

	classes := []string{"cat", "dog"}
	layouts := []struct {
		name   string
		gtType arrow.DataType
		dtType arrow.DataType
		split  []int // chunk boundaries
		slice  bool  // build each chunk as a slice with a leading row
		// childOffset: the list's struct child is itself a slice (offset 1)
		childOffset bool
	}{
		{name: "strings", gtType: detTestGTType, dtType: detTestDTType},
		{name: "dictionary labels, fixed_size_list float32 boxes", gtType: arrow.ListOf(arrow.StructOf(
			arrow.Field{Name: "label", Type: &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: arrow.BinaryTypes.String}, Nullable: true},
			arrow.Field{Name: "bbox", Type: arrow.FixedSizeListOf(4, arrow.PrimitiveTypes.Float32), Nullable: true},
		)), dtType: arrow.LargeListOf(arrow.StructOf(
			arrow.Field{Name: "label", Type: &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}, Nullable: true},
			arrow.Field{Name: "score", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
			arrow.Field{Name: "bbox", Type: arrow.LargeListOf(arrow.PrimitiveTypes.Float64), Nullable: true},
		))},
		{name: "integer labels, two chunks", gtType: arrow.ListOf(arrow.StructOf(
			arrow.Field{Name: "label", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
			arrow.Field{Name: "bbox", Type: arrow.ListOf(arrow.PrimitiveTypes.Float64), Nullable: true},
		)), dtType: arrow.ListOf(arrow.StructOf(
			arrow.Field{Name: "label", Type: arrow.PrimitiveTypes.Uint8, Nullable: true},
			arrow.Field{Name: "score", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
			arrow.Field{Name: "bbox", Type: arrow.ListOf(arrow.PrimitiveTypes.Float64), Nullable: true},
		)), split: []int{1}},
		{name: "sliced chunks", gtType: detTestGTType, dtType: detTestDTType, split: []int{2}, slice: true},
		{name: "struct children with an offset", gtType: detTestGTType, dtType: detTestDTType, childOffset: true},
	}
	for _, l := range layouts {
		t.Run(l.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
			defer mem.AssertSize(t, 0)
			gtJ, dtJ := gtJSON, dtJSON
			if _, ok := l.gtType.(*arrow.ListType).Elem().(*arrow.StructType).Field(0).Type.(*arrow.Int64Type); ok {
				gtJ = strings.NewReplacer(`"cat"`, "0", `"dog"`, "1").Replace(gtJ)
				dtJ = strings.NewReplacer(`"cat"`, "0", `"dog"`, "1").Replace(dtJ)
			}
			gt := layoutColumn(t, mem, l.gtType, gtJ, l.split, l.slice)
			defer gt.Release()
			dt := layoutColumn(t, mem, l.dtType, dtJ, l.split, l.slice)
			defer dt.Release()
			if l.childOffset {
				gt = offsetChild(t, mem, gt)
				defer gt.Release()
				dt = offsetChild(t, mem, dt)
				defer dt.Release()
			}
			r, warns, err := Evaluate(&Input{Classes: classes, ImageIDs: []int64{3, 1, 2}, GT: gt, Dets: dt})
			if err != nil {
				t.Fatal(err)
			}
			if len(warns) > 0 {
				t.Errorf("warnings: %q", warns)
			}
			got := r.boxSnapshot(mem)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("per-box fields (-want +got):\n%s", diff)
			}
			fields, arrs := r.Fields(mem)
			for i, f := range fields {
				if v, ok := arrs[i].(interface{ ValidateFull() error }); ok {
					if err := v.ValidateFull(); err != nil {
						t.Errorf("%s: invalid array: %v", f.Name, err)
					}
				}
				if arrs[i].Len() != 3 {
					t.Errorf("%s: %d rows, want 3", f.Name, arrs[i].Len())
				}
				arrs[i].Release()
			}
		})
	}
}

// layoutColumn builds a column from JSON, split into chunks before the
// given rows; with slice, each chunk is a slice of an array that has one
// extra row in front.
func layoutColumn(t *testing.T, mem memory.Allocator, typ arrow.DataType, js string, split []int, slice bool) *arrow.Chunked {
	t.Helper()
	var rows []string
	depth, start := 0, 1
	for i, c := range js {
		switch c {
		case '[', '{':
			depth++
		case ']', '}':
			depth--
		case ',':
			if depth == 1 {
				rows = append(rows, js[start:i])
				start = i + 1
			}
		}
	}
	rows = append(rows, js[start:len(js)-1])
	bounds := append(append([]int{0}, split...), len(rows))
	var chunks []arrow.Array
	for i := 0; i+1 < len(bounds); i++ {
		part := rows[bounds[i]:bounds[i+1]]
		lead := 0
		if slice {
			part = append([]string{rows[len(rows)-1]}, part...)
			lead = 1
		}
		a, _, err := array.FromJSON(mem, typ, strings.NewReader("["+strings.Join(part, ",")+"]"))
		if err != nil {
			t.Fatalf("FromJSON: %v", err)
		}
		if lead > 0 {
			s := array.NewSlice(a, int64(lead), int64(a.Len()))
			a.Release()
			a = s
		}
		chunks = append(chunks, a)
	}
	defer func() {
		for _, c := range chunks {
			c.Release()
		}
	}()
	return arrow.NewChunked(typ, chunks)
}

// offsetChild rebuilds a one-chunk list column so that its struct child
// starts at offset 1 of a longer struct array (a leading box no row uses).
func offsetChild(t *testing.T, mem memory.Allocator, col *arrow.Chunked) *arrow.Chunked {
	t.Helper()
	l := col.Chunk(0).(*array.List)
	st := l.ListValues().(*array.Struct)
	// A struct one element longer: the first element repeated in front.
	first := array.NewSlice(st, 0, 1)
	defer first.Release()
	longer, err := array.Concatenate([]arrow.Array{first, st}, mem)
	if err != nil {
		t.Fatal(err)
	}
	defer longer.Release()
	child := array.NewSliceData(longer.Data(), 1, int64(longer.Len()))
	defer child.Release()
	offs := make([]int32, l.Len()+1)
	for i := range l.Len() {
		s, e := l.ValueOffsets(i)
		offs[i], offs[i+1] = int32(s), int32(e)
	}
	buf := memory.NewBufferBytes(arrow.Int32Traits.CastToBytes(offs))
	data := array.NewData(l.DataType(), l.Len(), []*memory.Buffer{nil, buf}, []arrow.ArrayData{child}, 0, 0)
	defer data.Release()
	a := array.MakeFromData(data)
	defer a.Release()
	if a.(*array.List).ListValues().Data().Offset() != 1 {
		t.Fatal("offsetChild: child offset is not 1")
	}
	return arrow.NewChunked(a.DataType(), []arrow.Array{a})
}

// Only the 100 highest-scored detections of an image and class are
// evaluated; COCO leaves the rest out, and so do the counts.
func TestDetMaxDets(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	var dets []string
	for i := range 101 {
		dets = append(dets, fmt.Sprintf(`{"label":"cat","score":%g,"bbox":[%d,0,5,5]}`, 1-float64(i)/1000, 100+10*i))
	}
	c := detCase{
		classes: []string{"cat"},
		gt:      `[[{"label":"cat","bbox":[0,0,10,10]}]]`,
		dt:      `[[` + strings.Join(dets, ",") + `]]`,
	}
	r, _, boxes := c.run(t, mem, 0.5)
	if r.FP != 100 || r.FN != 1 || r.TP != 0 {
		t.Errorf("tp/fp/fn = %d/%d/%d, want 0/100/1", r.TP, r.FP, r.FN)
	}
	if got := boxes["detections"][0][100].Eval; got != "ignored" {
		t.Errorf("101st detection eval = %q, want ignored", got)
	}
}

func TestDetEmpty(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	c := detCase{classes: []string{"cat"}, gt: `[]`, dt: `[]`}
	r, warns, _ := c.run(t, mem, 0.5)
	if len(warns) > 0 || r.TP+r.FP+r.FN != 0 {
		t.Errorf("warnings %q, counts %d/%d/%d", warns, r.TP, r.FP, r.FN)
	}
	for name, v := range statsMap(r.Stats) {
		if v != nil {
			t.Errorf("%s = %v on no images, want null", name, v)
		}
	}
}

func ExampleEvaluate() {
	mem := memory.NewGoAllocator()
	typ := arrow.ListOf(arrow.StructOf(
		arrow.Field{Name: "label", Type: arrow.BinaryTypes.String},
		arrow.Field{Name: "score", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		arrow.Field{Name: "bbox", Type: arrow.ListOf(arrow.PrimitiveTypes.Float64)},
	))
	column := func(js string) *arrow.Chunked {
		a, _, err := array.FromJSON(mem, typ, strings.NewReader(js))
		if err != nil {
			panic(err)
		}
		defer a.Release()
		return arrow.NewChunked(typ, []arrow.Array{a})
	}
	gt := column(`[[{"label":"cat","bbox":[0,0,100,100]},{"label":"dog","bbox":[200,0,50,50]}]]`)
	defer gt.Release()
	dets := column(`[[{"label":"cat","score":0.9,"bbox":[5,5,100,100]},{"label":"cat","score":0.8,"bbox":[200,0,50,50]}]]`)
	defer dets.Release()

	r, _, err := Evaluate(&Input{Classes: []string{"cat", "dog"}, ImageIDs: []int64{1}, GT: gt, Dets: dets})
	if err != nil {
		panic(err)
	}
	// The cat box is found at IoU 0.82 (a match at thresholds .50 to
	// .80), the dog box is labelled cat: per class, that is an FP and an
	// FN. The dog box is 50x50 px, "medium"; the cat box "large".
	fmt.Printf("tp=%d fp=%d fn=%d AP50=%.3f\n", r.TP, r.FP, r.FN, r.Stats.AP50)
	if err := r.WriteText(os.Stdout); err != nil {
		panic(err)
	}
	// Output:
	// tp=1 fp=1 fn=1 AP50=0.500
	//  Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.350
	//  Average Precision  (AP) @[ IoU=0.50      | area=   all | maxDets=100 ] = 0.500
	//  Average Precision  (AP) @[ IoU=0.75      | area=   all | maxDets=100 ] = 0.500
	//  Average Precision  (AP) @[ IoU=0.50:0.95 | area= small | maxDets=100 ] = n/a
	//  Average Precision  (AP) @[ IoU=0.50:0.95 | area=medium | maxDets=100 ] = 0.000
	//  Average Precision  (AP) @[ IoU=0.50:0.95 | area= large | maxDets=100 ] = 0.700
	//  Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=  1 ] = 0.350
	//  Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets= 10 ] = 0.350
	//  Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.350
	//  Average Recall     (AR) @[ IoU=0.50:0.95 | area= small | maxDets=100 ] = n/a
	//  Average Recall     (AR) @[ IoU=0.50:0.95 | area=medium | maxDets=100 ] = 0.000
	//  Average Recall     (AR) @[ IoU=0.50:0.95 | area= large | maxDets=100 ] = 0.700
	//
	// class     AP   AP50   AP75  AR100      gt
	// cat    0.700  1.000  1.000  0.700       1
	// dog    0.000  0.000  0.000  0.000       1
	//
	// at IoU 0.5: 1 TP, 1 FP, 1 FN (0 detections on crowd regions ignored)
}
