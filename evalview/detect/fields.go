package detect

import (
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Fields returns the derived columns, one value per row:
//
//	tp, fp, fn          int64   counts at r.IoU (COCO matching, area "all")
//	possible_missing    int64   FiftyOne: confident unmatched predictions
//	possible_spurious   int64   FiftyOne: unmatched ground-truth boxes
//	max_mistakenness    float64 FiftyOne: null when no box was matched
//	ground_truth        the input column with, on every box, eval ("tp",
//	                    "fn", "ignored" for crowd regions), eval_iou,
//	                    eval_id (index of the matched detection in the
//	                    row's list; null on crowds), mistakenness,
//	                    mistakenness_loc, possible_spurious
//	detections          the input column with eval ("tp", "fp",
//	                    "ignored": matched to a crowd region, or past the
//	                    100 best of its image and class, which COCO does not
//	                    evaluate), eval_iou, eval_id (index of the matched
//	                    ground-truth box, crowds included), possible_missing;
//	                    absent when the input had no detections
//
// Boxes that were not evaluated have null in every new field. The two list
// columns reuse the input's offsets, validity and struct children (a struct
// field with one of the new names is replaced); with several chunks they
// are concatenated into one array. The input columns must still be alive.
// The caller releases the arrays.
func (r *Report) Fields(mem memory.Allocator) ([]arrow.Field, []arrow.Array) {
	var fields []arrow.Field
	var arrs []arrow.Array
	for _, c := range []struct {
		name string
		v    []int64
	}{{"tp", r.rowTP}, {"fp", r.rowFP}, {"fn", r.rowFN}, {"possible_missing", r.rowMissing}, {"possible_spurious", r.rowSpurious}} {
		b := array.NewInt64Builder(mem)
		b.AppendValues(c.v, nil)
		fields = append(fields, arrow.Field{Name: c.name, Type: arrow.PrimitiveTypes.Int64})
		arrs = append(arrs, b.NewArray())
		b.Release()
	}
	fields = append(fields, arrow.Field{Name: "max_mistakenness", Type: arrow.PrimitiveTypes.Float64, Nullable: true})
	arrs = append(arrs, detFloatArray(mem, r.rowMaxMist, 0))

	gtCols := func(mem memory.Allocator, lo, n int) ([]arrow.Field, []arrow.Array) {
		f := []arrow.Field{
			{Name: "eval", Type: arrow.BinaryTypes.String, Nullable: true},
			{Name: "eval_iou", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
			{Name: "eval_id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
			{Name: "mistakenness", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
			{Name: "mistakenness_loc", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
			{Name: "possible_spurious", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
		}
		return f, []arrow.Array{
			detEvalArray(mem, r.gtEval, lo, n),
			detFloatArray(mem, r.gtIoU[lo:lo+n], 0),
			r.localIDArray(mem, r.gtMatch, r.dt, r.gtEval, lo, n),
			detFloatArray(mem, r.gtMist[lo:lo+n], 0),
			detFloatArray(mem, r.gtMistLoc[lo:lo+n], 0),
			detBoolArray(mem, r.gtSpurious, r.gtEval, lo, n),
		}
	}
	dtCols := func(mem memory.Allocator, lo, n int) ([]arrow.Field, []arrow.Array) {
		f := []arrow.Field{
			{Name: "eval", Type: arrow.BinaryTypes.String, Nullable: true},
			{Name: "eval_iou", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
			{Name: "eval_id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
			{Name: "possible_missing", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
		}
		return f, []arrow.Array{
			detEvalArray(mem, r.dtEval, lo, n),
			detFloatArray(mem, r.dtIoU[lo:lo+n], 0),
			r.localIDArray(mem, r.dtMatch, r.gt, r.dtEval, lo, n),
			detBoolArray(mem, r.dtMissing, r.dtEval, lo, n),
		}
	}
	if f, a := r.gt.replaced(mem, "ground_truth", gtCols); a != nil {
		fields = append(fields, f)
		arrs = append(arrs, a)
	}
	if f, a := r.dt.replaced(mem, "detections", dtCols); a != nil {
		fields = append(fields, f)
		arrs = append(arrs, a)
	}
	return fields, arrs
}

// detFloatArray builds a float64 array of v with NaN as null, preceded by
// pad nulls.
func detFloatArray(mem memory.Allocator, v []float64, pad int) arrow.Array {
	b := array.NewFloat64Builder(mem)
	defer b.Release()
	b.Reserve(pad + len(v))
	b.AppendNulls(pad)
	for _, x := range v {
		if math.IsNaN(x) {
			b.AppendNull()
		} else {
			b.UnsafeAppend(x)
		}
	}
	return b.NewArray()
}

func detEvalArray(mem memory.Allocator, ev []uint8, lo, n int) arrow.Array {
	b := array.NewStringBuilder(mem)
	defer b.Release()
	b.Reserve(n)
	for _, e := range ev[lo : lo+n] {
		if e == detEvalNone {
			b.AppendNull()
		} else {
			b.Append(detEvalNames[e])
		}
	}
	return b.NewArray()
}

func detBoolArray(mem memory.Allocator, v []bool, ev []uint8, lo, n int) arrow.Array {
	b := array.NewBooleanBuilder(mem)
	defer b.Release()
	b.Reserve(n)
	for g := lo; g < lo+n; g++ {
		if ev[g] == detEvalNone {
			b.AppendNull()
		} else {
			b.UnsafeAppend(v[g])
		}
	}
	return b.NewArray()
}

// localIDArray turns global match indexes into positions in the other
// side's list of the same row. Crowd regions (eval "ignored") get null.
func (r *Report) localIDArray(mem memory.Allocator, match []int32, other *detBoxes, ev []uint8, lo, n int) arrow.Array {
	b := array.NewInt64Builder(mem)
	defer b.Release()
	b.Reserve(n)
	for g := lo; g < lo+n; g++ {
		m := match[g]
		if m < 0 {
			b.AppendNull()
			continue
		}
		b.UnsafeAppend(int64(m) - int64(other.lo[other.rowIndex[m]]))
	}
	return b.NewArray()
}

// replaced rebuilds side's list column with extra struct children made by
// cols for each chunk's struct elements [base, base+len).
func (b *detBoxes) replaced(mem memory.Allocator, name string, cols func(memory.Allocator, int, int) ([]arrow.Field, []arrow.Array)) (arrow.Field, arrow.Array) {
	if len(b.chunks) == 0 {
		return arrow.Field{}, nil
	}
	var out []arrow.Array
	defer func() {
		for _, a := range out {
			a.Release()
		}
	}()
	var typ arrow.DataType
	for _, ch := range b.chunks {
		a := detReplaceChunk(mem, ch, cols)
		out = append(out, a)
		typ = a.DataType()
	}
	f := arrow.Field{Name: name, Type: typ, Nullable: true}
	if len(out) == 1 {
		out[0].Retain()
		return f, out[0]
	}
	cat, err := array.Concatenate(out, mem)
	if err != nil {
		panic("detect: concatenate " + name + ": " + err.Error())
	}
	return f, cat
}

func detReplaceChunk(mem memory.Allocator, ch detChunk, cols func(memory.Allocator, int, int) ([]arrow.Field, []arrow.Array)) arrow.Array {
	st, _, _ := detListParts("", ch.list)
	sd := st.Data()
	soff := sd.Offset()
	newF, newA := cols(mem, ch.base, st.Len())
	defer func() {
		for _, a := range newA {
			a.Release()
		}
	}()
	// Children of a struct with an offset are indexed from that offset:
	// pad the new ones with leading nulls.
	if soff > 0 {
		for i, a := range newA {
			p := detPad(mem, a, soff)
			a.Release()
			newA[i] = p
		}
	}
	stype := st.DataType().(*arrow.StructType)
	var fields []arrow.Field
	var children []arrow.ArrayData
	drop := map[string]bool{}
	for _, f := range newF {
		drop[f.Name] = true
	}
	for i, f := range stype.Fields() {
		if drop[f.Name] {
			continue
		}
		fields = append(fields, f)
		children = append(children, sd.Children()[i])
	}
	for i, f := range newF {
		fields = append(fields, f)
		children = append(children, newA[i].Data())
	}
	newStruct := arrow.StructOf(fields...)
	sdata := array.NewData(newStruct, st.Len(), sd.Buffers(), children, sd.NullN(), soff)
	defer sdata.Release()
	ld := ch.list.Data()
	var ltype arrow.DataType
	switch t := ch.list.DataType().(type) {
	case *arrow.LargeListType:
		ef := t.ElemField()
		ef.Type = newStruct
		ltype = arrow.LargeListOfField(ef)
	default:
		ef := t.(*arrow.ListType).ElemField()
		ef.Type = newStruct
		ltype = arrow.ListOfField(ef)
	}
	ldata := array.NewData(ltype, ch.list.Len(), ld.Buffers(), []arrow.ArrayData{sdata}, ld.NullN(), ld.Offset())
	defer ldata.Release()
	return array.MakeFromData(ldata)
}

// detPad returns a with pad nulls in front.
func detPad(mem memory.Allocator, a arrow.Array, pad int) arrow.Array {
	b := array.NewBuilder(mem, a.DataType())
	defer b.Release()
	b.AppendNulls(pad)
	nulls := b.NewArray()
	defer nulls.Release()
	out, err := array.Concatenate([]arrow.Array{nulls, a}, mem)
	if err != nil {
		panic("detect: pad: " + err.Error())
	}
	return out
}
