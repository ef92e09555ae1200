package classify

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// chunked builds a one-chunk column from JSON; the caller releases it.
func chunked(t *testing.T, mem memory.Allocator, dt arrow.DataType, js string) *arrow.Chunked {
	t.Helper()
	a, _, err := array.FromJSON(mem, dt, strings.NewReader(js))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Release()
	return arrow.NewChunked(dt, []arrow.Array{a})
}

func TestClassInputFromArrow(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	classes := []string{"cat", "dog", "eel"}

	// The same labels in every supported type: cat dog null eel.
	dictType := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: arrow.BinaryTypes.String}
	idx, _, _ := array.FromJSON(mem, arrow.PrimitiveTypes.Int8, strings.NewReader(`[1, 2, null, 0]`))
	defer idx.Release()
	dictValues, _, _ := array.FromJSON(mem, arrow.BinaryTypes.String, strings.NewReader(`["eel", "cat", "dog"]`))
	defer dictValues.Release()
	dict := array.NewDictionaryArray(dictType, idx, dictValues)
	defer dict.Release()
	dictCol := arrow.NewChunked(dictType, []arrow.Array{dict})
	defer dictCol.Release()
	labelCols := map[string]*arrow.Chunked{
		"string":       chunked(t, mem, arrow.BinaryTypes.String, `["cat", "dog", null, "eel"]`),
		"large_string": chunked(t, mem, arrow.BinaryTypes.LargeString, `["cat", "dog", null, "eel"]`),
		"int64":        chunked(t, mem, arrow.PrimitiveTypes.Int64, `[0, 1, null, 2]`),
		"uint8":        chunked(t, mem, arrow.PrimitiveTypes.Uint8, `[0, 1, null, 2]`),
	}
	labelCols["dictionary"] = dictCol
	dictCol.Retain() // released with the others below
	probTypes := map[string]arrow.DataType{
		"list<float64>":       arrow.ListOf(arrow.PrimitiveTypes.Float64),
		"large_list<float32>": arrow.LargeListOf(arrow.PrimitiveTypes.Float32),
		"fixed_size_list<3>":  arrow.FixedSizeListOf(3, arrow.PrimitiveTypes.Float64),
	}
	pred := chunked(t, mem, arrow.BinaryTypes.String, `["cat", "eel", "dog", null]`)
	defer pred.Release()
	score := chunked(t, mem, arrow.PrimitiveTypes.Float32, `[0.5, 0.75, null, 0.25]`)
	defer score.Release()
	for lname, label := range labelCols {
		defer label.Release()
		for pname, pt := range probTypes {
			probs := chunked(t, mem, pt, `[[0.5, 0.25, 0.25], [0, 0, 1], [0.25, 0.5, 0.25], null]`)
			in, warns, err := NewInput(classes, label, pred, score, probs)
			probs.Release()
			if err != nil {
				t.Fatalf("%s, %s: %v", lname, pname, err)
			}
			if len(warns) != 0 {
				t.Errorf("%s, %s: warnings %q", lname, pname, warns)
			}
			want := &Input{
				Classes:   classes,
				Label:     []int32{0, 1, -1, 2},
				Pred:      []int32{0, 2, 1, -1},
				Score:     []float64{0.5, 0.75, math.NaN(), 0.25},
				Probs:     []float64{0.5, 0.25, 0.25, 0, 0, 1, 0.25, 0.5, 0.25, math.NaN(), math.NaN(), math.NaN()},
				Positive:  -1,
				Threshold: 0.5,
				CLFilter:  FilterPruneByNoiseRate,
			}
			if diff := cmp.Diff(want, in, cmpopts.EquateNaNs()); diff != "" {
				t.Errorf("%s, %s (-want +got):\n%s", lname, pname, diff)
			}
		}
	}
}

func TestClassInputWarnings(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	classes := []string{"a", "b"}
	label := chunked(t, mem, arrow.BinaryTypes.String, `["a", "zebra", "b", "b", "a", "yak"]`)
	defer label.Release()
	pred := chunked(t, mem, arrow.PrimitiveTypes.Int32, `[0, 1, 7, 1, 0, 1]`)
	defer pred.Release()
	score := chunked(t, mem, arrow.PrimitiveTypes.Float64, `[0.9, "NaN", "+Inf", 0.7, "-Inf", 0.5]`)
	defer score.Release()
	// Row 1 too short, row 2 NaN, row 3 outside [0, 1], row 4 sums to 0.9.
	probs := chunked(t, mem, arrow.ListOf(arrow.PrimitiveTypes.Float64), `[[0.9, 0.1], [1], [0.5, "NaN"], [1.5, -0.5], [0.5, 0.4], [0.5, 0.5]]`)
	defer probs.Release()
	in, warns, err := NewInput(classes, label, pred, score, probs)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`label: 2 values outside the 2 classes (first: "zebra"); treated as missing`,
		`pred: 1 values outside the 2 classes (first: 7); treated as missing`,
		`score: 1 NaN values; treated as missing`,
		`score: 2 infinite values; treated as missing`,
		`probs: 1 rows have the wrong length (first: 1 values, want 2, one per class); treated as missing`,
		`probs: 1 rows hold null or NaN values; treated as missing`,
		`probs: 1 rows hold values outside [0, 1]; treated as missing`,
		`probs: 1 rows do not sum to 1 within 1e-06; used as they are, not renormalized`,
	}
	if diff := cmp.Diff(want, warns); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int32{0, -1, 1, 1, 0, -1}, in.Label); diff != "" {
		t.Errorf("labels (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]float64{0.9, math.NaN(), math.NaN(), 0.7, math.NaN(), 0.5}, in.Score, cmpopts.EquateNaNs()); diff != "" {
		t.Errorf("scores (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]float64{0.5, 0.4}, in.Probs[8:10]); diff != "" {
		t.Errorf("unnormalized row changed (-want +got):\n%s", diff)
	}
	for _, row := range []int{1, 2, 3} {
		if !math.IsNaN(in.Probs[2*row]) {
			t.Errorf("probs row %d = %v, want missing", row, in.Probs[2*row:2*row+2])
		}
	}
}

func TestClassInputErrorsFromArrow(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	label := chunked(t, mem, arrow.BinaryTypes.String, `["a", "b"]`)
	defer label.Release()
	short := chunked(t, mem, arrow.BinaryTypes.String, `["a"]`)
	defer short.Release()
	floats := chunked(t, mem, arrow.PrimitiveTypes.Float64, `[1, 2]`)
	defer floats.Release()
	for _, tc := range []struct {
		name                      string
		classes                   []string
		label, pred, score, probs *arrow.Chunked
		want                      string
	}{
		{"no classes", nil, label, label, nil, nil, "no classes"},
		{"lengths", []string{"a", "b"}, label, short, nil, nil, "column pred has 1 rows, label has 2"},
		{"pred type", []string{"a", "b"}, label, floats, nil, nil, "column pred has type float64"},
		{"probs type", []string{"a", "b"}, label, label, nil, floats, "column probs has type float64, want a list"},
		{"no pred", []string{"a", "b"}, label, nil, nil, nil, "neither a pred nor a probs column"},
		{"duplicate class", []string{"a", "a"}, label, label, nil, nil, `class "a" listed twice`},
	} {
		_, _, err := NewInput(tc.classes, tc.label, tc.pred, tc.score, tc.probs)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

// Without a pred column the prediction is the first maximum of probs.
func TestClassInputPredFromProbs(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	label := chunked(t, mem, arrow.PrimitiveTypes.Int64, `[0, 1, 2]`)
	defer label.Release()
	probs := chunked(t, mem, arrow.ListOf(arrow.PrimitiveTypes.Float64), `[[0.4, 0.4, 0.2], [0.1, 0.2, 0.7], null]`)
	defer probs.Release()
	in, _, err := NewInput([]string{"x", "y", "z"}, label, nil, nil, probs)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int32{0, 2, -1}, in.Pred); diff != "" {
		t.Errorf("pred (-want +got):\n%s", diff)
	}
	if err := in.SetPositive("q"); err == nil {
		t.Error("SetPositive of an unknown class succeeded")
	}
}

// Sliced arrays (non-zero offsets) and several chunks read the same as
// whole ones.
func TestClassInputSlicedChunks(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	lt := arrow.BinaryTypes.String
	pt := arrow.ListOf(arrow.PrimitiveTypes.Float32)
	labels, _, _ := array.FromJSON(mem, lt, strings.NewReader(`["x", "b", "a", "b", "y"]`))
	defer labels.Release()
	probs, _, _ := array.FromJSON(mem, pt, strings.NewReader(`[[1, 0], [0.25, 0.75], [0.5, 0.5], [0, 1], [1, 0]]`))
	defer probs.Release()
	// Rows 1..3 in two chunks: [1, 2) and [2, 4).
	var lc, pc []arrow.Array
	for _, r := range [][2]int64{{1, 2}, {2, 4}} {
		l := array.NewSlice(labels, r[0], r[1])
		defer l.Release()
		p := array.NewSlice(probs, r[0], r[1])
		defer p.Release()
		lc, pc = append(lc, l), append(pc, p)
	}
	label := arrow.NewChunked(lt, lc)
	defer label.Release()
	prob := arrow.NewChunked(pt, pc)
	defer prob.Release()
	in, warns, err := NewInput([]string{"a", "b"}, label, nil, nil, prob)
	if err != nil || len(warns) > 0 {
		t.Fatalf("err %v, warnings %q", err, warns)
	}
	if diff := cmp.Diff([]int32{1, 0, 1}, in.Label); diff != "" {
		t.Errorf("labels (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]float64{0.25, 0.75, 0.5, 0.5, 0, 1}, in.Probs); diff != "" {
		t.Errorf("probs (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int32{1, 0, 1}, in.Pred); diff != "" {
		t.Errorf("pred (-want +got):\n%s", diff)
	}
}

// TestProbRowsSpans: a probs column of two chunks, each cut into several
// spans copied on different cores, gives each row where it belongs, with
// float32 values read in place and with nulls, and counts its problems
// once, naming the first wrong length in row order.
func TestProbRowsSpans(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	const k = 3
	n := []int{rowChunk*2 + 5, rowChunk + 1} // rows per chunk
	var chunks []arrow.Array
	defer func() {
		for _, c := range chunks {
			c.Release()
		}
	}()
	for c, rows := range n {
		b := array.NewListBuilder(mem, arrow.PrimitiveTypes.Float32)
		vb := b.ValueBuilder().(*array.Float32Builder)
		for i := range rows {
			switch {
			case c == 0 && i == rowChunk+7: // the first wrong length, in span 1
				b.Append(true)
				vb.AppendValues([]float32{1}, nil)
			case c == 1 && i == 3: // a later one, in an earlier span of its chunk
				b.Append(true)
				vb.AppendValues([]float32{0.5, 0.5}, nil)
			case c == 1 && i == rowChunk: // a null value: not read in place
				b.Append(true)
				vb.AppendValues([]float32{0.5, 0, 0.5}, []bool{true, false, true})
			default:
				b.Append(true)
				vb.AppendValues([]float32{0.25, 0.5, float32(i%2) / 4}, nil) // even rows sum to 0.75
			}
		}
		chunks = append(chunks, b.NewArray())
		b.Release()
	}
	col := arrow.NewChunked(chunks[0].DataType(), chunks)
	defer col.Release()
	uneven := 0
	for c, rows := range n {
		for i := range rows {
			if i%2 == 0 && !(c == 0 && i == rowChunk+7 || c == 1 && (i == 3 || i == rowChunk)) {
				uneven++
			}
		}
	}
	var warns []string
	got, err := probRows(col, k, &warns)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`probs: 2 rows have the wrong length (first: 1 values, want 3, one per class); treated as missing`,
		`probs: 1 rows hold null or NaN values; treated as missing`,
		fmt.Sprintf("probs: %d rows do not sum to 1 within 1e-06; used as they are, not renormalized", uneven),
	}
	if diff := cmp.Diff(want, warns); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
	row := 0
	for c, rows := range n {
		for i := range rows {
			r := got[row*k : (row+1)*k]
			bad := c == 0 && i == rowChunk+7 || c == 1 && (i == 3 || i == rowChunk)
			if bad && !math.IsNaN(r[0]) || !bad && (r[0] != 0.25 || r[1] != 0.5 || r[2] != float64(i%2)/4) {
				t.Fatalf("chunk %d row %d = %v", c, i, r)
			}
			row++
		}
	}
}
