package detect

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// synthDetections builds n images with about 4.3 ground-truth boxes and 5
// detections each over k classes, deterministically: most detections are
// jittered copies of a ground-truth box (sometimes with the wrong class),
// the rest are random boxes; 2% of the ground truth is crowd.
func synthDetections(mem memory.Allocator, n, k int) (classes []string, ids []int64, gt, dt *arrow.Chunked) {
	rng := rand.New(rand.NewPCG(1, 2))
	classes = make([]string, k)
	for i := range classes {
		classes[i] = fmt.Sprintf("class%02d", i)
	}
	gb := array.NewListBuilder(mem, detTestGTType.Elem())
	defer gb.Release()
	db := array.NewListBuilder(mem, detTestDTType.Elem())
	defer db.Release()
	gs := gb.ValueBuilder().(*array.StructBuilder)
	gLabel := gs.FieldBuilder(0).(*array.StringBuilder)
	gBox := gs.FieldBuilder(1).(*array.ListBuilder)
	gBoxV := gBox.ValueBuilder().(*array.Float64Builder)
	gCrowd := gs.FieldBuilder(2).(*array.BooleanBuilder)
	ds := db.ValueBuilder().(*array.StructBuilder)
	dLabel := ds.FieldBuilder(0).(*array.StringBuilder)
	dScore := ds.FieldBuilder(1).(*array.Float64Builder)
	dBox := ds.FieldBuilder(2).(*array.ListBuilder)
	dBoxV := dBox.ValueBuilder().(*array.Float64Builder)
	ids = make([]int64, n)
	var boxes [][4]float64
	var labels []int
	for i := range n {
		ids[i] = int64(i*7 + 3)
		gb.Append(true)
		db.Append(true)
		ng := 2 + rng.IntN(5) // 2..6, mean 4; plus the occasional extra
		if rng.IntN(10) < 3 {
			ng++
		}
		boxes, labels = boxes[:0], labels[:0]
		for range ng {
			w, h := 5+rng.Float64()*150, 5+rng.Float64()*150
			bx := [4]float64{rng.Float64() * 500, rng.Float64() * 400, w, h}
			c := rng.IntN(k)
			boxes, labels = append(boxes, bx), append(labels, c)
			gs.Append(true)
			gLabel.Append(classes[c])
			gBox.Append(true)
			gBoxV.AppendValues(bx[:], nil)
			gCrowd.Append(rng.IntN(50) == 0)
		}
		for range 5 {
			ds.Append(true)
			var bx [4]float64
			c := rng.IntN(k)
			if j := rng.IntN(ng + 2); j < ng {
				g := boxes[j]
				for q := range 4 {
					bx[q] = g[q] + (rng.Float64()-0.5)*0.2*g[2+q%2]
				}
				if rng.IntN(5) > 0 {
					c = labels[j]
				}
			} else {
				bx = [4]float64{rng.Float64() * 500, rng.Float64() * 400, 5 + rng.Float64()*150, 5 + rng.Float64()*150}
			}
			dLabel.Append(classes[c])
			dScore.Append(rng.Float64())
			dBox.Append(true)
			dBoxV.AppendValues(bx[:], nil)
		}
	}
	ga, da := gb.NewArray(), db.NewArray()
	defer ga.Release()
	defer da.Release()
	return classes, ids, arrow.NewChunked(ga.DataType(), []arrow.Array{ga}), arrow.NewChunked(da.DataType(), []arrow.Array{da})
}

// BenchmarkDetCOCO evaluates 100,000 synthetic images (about 430,000
// ground-truth boxes and 500,000 detections, 20 classes). pycocotools
// takes about 2 minutes on the same machine.
func BenchmarkDetCOCO(b *testing.B) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(b, 0)
	classes, ids, gt, dt := synthDetections(mem, 100_000, 20)
	defer gt.Release()
	defer dt.Release()
	in := &Input{Classes: classes, ImageIDs: ids, GT: gt, Dets: dt}
	b.Run("evaluate", func(b *testing.B) {
		for b.Loop() {
			if _, _, err := Evaluate(in); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("evaluate+fields", func(b *testing.B) {
		for b.Loop() {
			r, _, err := Evaluate(in)
			if err != nil {
				b.Fatal(err)
			}
			_, arrs := r.Fields(mem)
			for _, a := range arrs {
				a.Release()
			}
		}
	})
}
