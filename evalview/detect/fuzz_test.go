package detect

import (
	"math"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// fuzzDetColumns turns bytes into up to 8 images of small, overlapping
// boxes over 3 classes, 6 bytes a box: flags (image, side, class, crowd),
// x, y, w, h (0..31 px; w*h spans the small/medium/large limits when
// scaled by 8), score (16 levels, so ties are common).
func fuzzDetColumns(mem memory.Allocator, data []byte) (gt, dt *arrow.Chunked) {
	const images = 8
	classes := []string{"a", "b", "c"}
	type box struct {
		side, class int
		crowd       bool
		bbox        [4]float64
		score       float64
	}
	rows := make([][]box, images)
	for len(data) >= 6 && len(data) < 6*400 {
		f := data[0]
		b := box{side: int(f>>3) & 1, class: int(f>>4) % 3, crowd: f>>6 == 3}
		for q := range 4 {
			b.bbox[q] = float64(data[1+q]%32) * 8
		}
		b.score = float64(data[5]%16) / 16
		rows[int(f)%images] = append(rows[int(f)%images], b)
		data = data[6:]
	}
	gb := array.NewListBuilder(mem, detTestGTType.Elem())
	defer gb.Release()
	db := array.NewListBuilder(mem, detTestDTType.Elem())
	defer db.Release()
	gs, ds := gb.ValueBuilder().(*array.StructBuilder), db.ValueBuilder().(*array.StructBuilder)
	for _, row := range rows {
		gb.Append(true)
		db.Append(true)
		for _, b := range row {
			if b.side == 0 {
				gs.Append(true)
				gs.FieldBuilder(0).(*array.StringBuilder).Append(classes[b.class])
				bb := gs.FieldBuilder(1).(*array.ListBuilder)
				bb.Append(true)
				bb.ValueBuilder().(*array.Float64Builder).AppendValues(b.bbox[:], nil)
				gs.FieldBuilder(2).(*array.BooleanBuilder).Append(b.crowd)
			} else {
				ds.Append(true)
				ds.FieldBuilder(0).(*array.StringBuilder).Append(classes[b.class])
				ds.FieldBuilder(1).(*array.Float64Builder).Append(b.score)
				bb := ds.FieldBuilder(2).(*array.ListBuilder)
				bb.Append(true)
				bb.ValueBuilder().(*array.Float64Builder).AppendValues(b.bbox[:], nil)
			}
		}
	}
	ga, da := gb.NewArray(), db.NewArray()
	defer ga.Release()
	defer da.Release()
	return arrow.NewChunked(ga.DataType(), []arrow.Array{ga}), arrow.NewChunked(da.DataType(), []arrow.Array{da})
}

// FuzzDetection checks the flat evaluation against the line-by-line port
// and the per-box verdicts against the per-sample counts.
func FuzzDetection(f *testing.F) {
	f.Add([]byte{0, 1, 1, 4, 4, 8, 8, 1, 1, 4, 4, 8})
	f.Add([]byte{
		0x00, 0, 0, 10, 10, 0, 0x08, 0, 0, 10, 7, 8, 0x08, 0, 0, 10, 10, 8, // tie
		0xc1, 0, 0, 31, 31, 0, 0x09, 2, 2, 3, 3, 15, 0x09, 5, 5, 3, 3, 15, // crowd
		0x12, 1, 1, 2, 2, 0, 0x1a, 1, 1, 2, 2, 3, 0x2a, 1, 1, 2, 2, 9, // classes
	})
	f.Fuzz(func(t *testing.T, data []byte) {
		mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
		defer mem.AssertSize(t, 0)
		gt, dt := fuzzDetColumns(mem, data)
		defer gt.Release()
		defer dt.Release()
		ids := []int64{5, 3, 9, 1, 7, 2, 8, 4}
		r, warns, err := Evaluate(&Input{Classes: []string{"a", "b", "c"}, ImageIDs: ids, GT: gt, Dets: dt})
		if err != nil || len(warns) > 0 {
			t.Fatalf("Evaluate: %v %q", err, warns)
		}
		wantP, wantR := slowCOCOEval(r)
		for i := range r.precision {
			if w := wantP[i*detM+detM-1]; r.precision[i] != w {
				t.Fatalf("precision[%d] = %v, want %v", i, r.precision[i], w)
			}
		}
		if !slices.Equal(wantR, r.recall) {
			t.Fatalf("recall differs from the slow port")
		}
		for i := range ids {
			var tp, fp, fn, tpGT int64
			for g := r.gt.lo[i]; g < r.gt.hi[i]; g++ {
				switch r.gtEval[g] {
				case detEvalFN:
					fn++
				case detEvalTP:
					tpGT++
				}
			}
			for d := r.dt.lo[i]; d < r.dt.hi[i]; d++ {
				switch r.dtEval[d] {
				case detEvalTP:
					tp++
					if m := r.dtMatch[d]; r.gtMatch[m] != d || r.gt.cls[m] != r.dt.cls[d] {
						t.Fatalf("row %d: det %d matched gt %d, which points at %d", i, d, m, r.gtMatch[m])
					}
				case detEvalFP:
					fp++
				}
			}
			if tp != r.rowTP[i] || fp != r.rowFP[i] || fn != r.rowFN[i] || tpGT != tp {
				t.Fatalf("row %d: verdicts tp %d (gt side %d) fp %d fn %d, counts %d %d %d", i, tp, tpGT, fp, fn, r.rowTP[i], r.rowFP[i], r.rowFN[i])
			}
		}
		names, vals := r.Stats.statList()
		for i, v := range vals {
			if !math.IsNaN(v) && (v < 0 || v > 1) {
				t.Fatalf("%s = %v", names[i], v)
			}
		}
		_, arrs := r.Fields(mem)
		for _, a := range arrs {
			a.Release()
		}
	})
}
