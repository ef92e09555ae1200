package classify

import (
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Names of the per-sample classification fields (SPEC §4).
const (
	FieldCorrect        = "correct"
	FieldOutcome        = "outcome"
	FieldTP             = "tp"
	FieldFP             = "fp"
	FieldFN             = "fn"
	FieldTN             = "tn"
	FieldSelfConfidence = "self_confidence"
	FieldNormMargin     = "normalized_margin"
	FieldCWE            = "confidence_weighted_entropy"
	FieldHardness       = "hardness"
	FieldLoss           = "loss"
	FieldMistakenness   = "mistakenness"
	FieldSuspect        = "suspect"
)

// Fields returns the per-sample derived columns, each of length N, in this
// order: correct; for binary tasks outcome ("tp", "fp", "fn", "tn") and the
// tp, fp, fn, tn flags; with probs self_confidence, normalized_margin,
// confidence_weighted_entropy (cleanlab's label quality scores),
// hardness (entropy of probs, natural log), loss (-ln p(label), +Inf where
// p(label) is 0); mistakenness; and, when confident learning ran, suspect.
// A field is null where it is undefined for that row (no label, no
// prediction, no probs). With NoEntropy there is neither
// confidence_weighted_entropy nor hardness. The caller releases the
// arrays. It panics after DropRows.
func (r *Report) Fields(mem memory.Allocator) ([]arrow.Field, []arrow.Array) {
	r.mustHaveRows("Fields")
	rows := &r.rows
	var fields []arrow.Field
	var arrays []arrow.Array
	add := func(name string, a arrow.Array) {
		fields = append(fields, arrow.Field{Name: name, Type: a.DataType(), Nullable: true})
		arrays = append(arrays, a)
	}
	add(FieldCorrect, boolColumn(mem, rows.correct, func(v int8) int8 { return v }))
	if rows.predPos != nil {
		add(FieldOutcome, outcomeColumn(mem, rows.label, rows.predPos, int32(r.Binary.PositiveIndex)))
		for cell, name := range []string{FieldTP, FieldFP, FieldFN, FieldTN} {
			pos := int32(r.Binary.PositiveIndex)
			add(name, boolColumn2(mem, rows.label, rows.predPos, func(l int32, p int8) int8 {
				if p < 0 {
					return -1
				}
				return b2i(binCell(l == pos, p == 1) == cell)
			}))
		}
	}
	if rows.hasProbs {
		add(FieldSelfConfidence, floatColumn(mem, rows.selfConf))
		add(FieldNormMargin, floatColumn(mem, rows.margin))
		if rows.hardness != nil {
			add(FieldCWE, floatColumn(mem, rows.cwe))
			add(FieldHardness, floatColumn(mem, rows.hardness))
		}
		add(FieldLoss, floatColumn(mem, rows.loss))
	}
	add(FieldMistakenness, floatColumn(mem, rows.mistaken))
	if rows.suspect != nil {
		add(FieldSuspect, boolColumn(mem, rows.suspect, func(v int8) int8 { return v }))
	}
	return fields, arrays
}

// floatColumn copies vals into a float64 array, NaN as null.
func floatColumn(mem memory.Allocator, vals []float64) arrow.Array {
	n := len(vals)
	data := memory.NewResizableBuffer(mem)
	defer data.Release()
	data.Resize(n * 8)
	copy(arrow.Float64Traits.CastFromBytes(data.Bytes()), vals)
	var validity *memory.Buffer
	nulls := 0
	for _, v := range vals {
		if math.IsNaN(v) {
			nulls++
		}
	}
	if nulls > 0 {
		validity = memory.NewResizableBuffer(mem)
		defer validity.Release()
		validity.Resize(int(bitutil.BytesForBits(int64(n))))
		bits := validity.Bytes()
		clear(bits)
		for i, v := range vals {
			if !math.IsNaN(v) {
				bitutil.SetBit(bits, i)
			}
		}
	}
	d := array.NewData(arrow.PrimitiveTypes.Float64, n, []*memory.Buffer{validity, data}, nil, nulls, 0)
	defer d.Release()
	return array.MakeFromData(d)
}

// boolColumn builds a boolean array from int8 flags (1 true, 0 false,
// -1 null) mapped through f.
func boolColumn(mem memory.Allocator, vals []int8, f func(int8) int8) arrow.Array {
	return buildBool(mem, len(vals), func(i int) int8 { return f(vals[i]) })
}

func boolColumn2(mem memory.Allocator, label []int32, flags []int8, f func(int32, int8) int8) arrow.Array {
	return buildBool(mem, len(label), func(i int) int8 { return f(label[i], flags[i]) })
}

func buildBool(mem memory.Allocator, n int, at func(int) int8) arrow.Array {
	nb := int(bitutil.BytesForBits(int64(n)))
	data := memory.NewResizableBuffer(mem)
	defer data.Release()
	data.Resize(nb)
	validity := memory.NewResizableBuffer(mem)
	defer validity.Release()
	validity.Resize(nb)
	db, vb := data.Bytes(), validity.Bytes()
	clear(db)
	clear(vb)
	nulls := 0
	for i := range n {
		switch at(i) {
		case 1:
			bitutil.SetBit(db, i)
			bitutil.SetBit(vb, i)
		case 0:
			bitutil.SetBit(vb, i)
		default:
			nulls++
		}
	}
	buffers := []*memory.Buffer{validity, data}
	if nulls == 0 {
		buffers[0] = nil
	}
	d := array.NewData(arrow.FixedWidthTypes.Boolean, n, buffers, nil, nulls, 0)
	defer d.Release()
	return array.MakeFromData(d)
}

// outcomeColumn builds the binary outcome strings.
func outcomeColumn(mem memory.Allocator, label []int32, predPos []int8, pos int32) arrow.Array {
	names := [4]string{"tp", "fp", "fn", "tn"}
	n := len(label)
	offsets := memory.NewResizableBuffer(mem)
	defer offsets.Release()
	offsets.Resize((n + 1) * 4)
	values := memory.NewResizableBuffer(mem)
	defer values.Release()
	values.Resize(2 * n)
	validity := memory.NewResizableBuffer(mem)
	defer validity.Release()
	validity.Resize(int(bitutil.BytesForBits(int64(n))))
	offs := arrow.Int32Traits.CastFromBytes(offsets.Bytes())
	vals, vb := values.Bytes(), validity.Bytes()
	clear(vb)
	nulls, at := 0, 0
	for i := range n {
		offs[i] = int32(at)
		if predPos[i] < 0 {
			nulls++
			continue
		}
		bitutil.SetBit(vb, i)
		at += copy(vals[at:], names[binCell(label[i] == pos, predPos[i] == 1)])
	}
	offs[n] = int32(at)
	buffers := []*memory.Buffer{validity, offsets, values}
	if nulls == 0 {
		buffers[0] = nil
	}
	d := array.NewData(arrow.BinaryTypes.String, n, buffers, nil, nulls, 0)
	defer d.Release()
	return array.MakeFromData(d)
}
