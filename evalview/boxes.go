package evalview

import (
	"context"
	"fmt"
	"math"
	"sort"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"triage/dataset"
)

// Box kinds: how COCO matching at the session's IoU judged a box.
const (
	BoxTP uint8 = iota + 1 // a detection matched to a ground-truth box
	BoxFP                  // a detection matched to nothing
	BoxFN                  // a ground-truth box no detection matched
)

// BoxKindName names a box kind as the eval field does: "tp", "fp", "fn".
func BoxKindName(k uint8) string {
	switch k {
	case BoxTP:
		return "tp"
	case BoxFP:
		return "fp"
	case BoxFN:
		return "fn"
	}
	return ""
}

// Boxes is every evaluated box of a detection dataset, one entry per
// true-positive or false-positive detection and per missed ground-truth
// box (FiftyOne's evaluation patches); crowd regions and ignored boxes
// are left out. Entries are in row order, detections before ground
// truth within a row. The slices are parallel, one value per box.
type Boxes struct {
	Classes []string
	Row     []int64   // the dataset row
	Kind    []uint8   // BoxTP, BoxFP or BoxFN
	Index   []int32   // the box's index in its list: detections (tp, fp) or ground_truth (fn)
	Class   []int32   // index into Classes, -1 for a label not in the list
	Score   []float64 // the detection's score; NaN for fn
	IoU     []float64 // IoU with the matched box; NaN when unmatched
	Matched []int32   // tp: index of the matched ground-truth box; else -1
}

// Len is the number of boxes.
func (b *Boxes) Len() int { return len(b.Row) }

// BoxCounts are one class's box counts.
type BoxCounts struct{ TP, FP, FN int64 }

// PerClass counts each class's boxes by kind.
func (b *Boxes) PerClass() []BoxCounts {
	out := make([]BoxCounts, len(b.Classes))
	for i, c := range b.Class {
		if c < 0 {
			continue
		}
		switch b.Kind[i] {
		case BoxTP:
			out[c].TP++
		case BoxFP:
			out[c].FP++
		case BoxFN:
			out[c].FN++
		}
	}
	return out
}

// Order returns the boxes' indexes sorted by "score" or "iou" (NaN last
// either way), or by row for anything else; ties keep row order.
func (b *Boxes) Order(by string, desc bool) []int {
	idx := make([]int, b.Len())
	for i := range idx {
		idx[i] = i
	}
	var key []float64
	switch by {
	case "score":
		key = b.Score
	case "iou":
		key = b.IoU
	default:
		return idx
	}
	sort.SliceStable(idx, func(i, j int) bool {
		a, c := key[idx[i]], key[idx[j]]
		if math.IsNaN(a) || math.IsNaN(c) {
			return !math.IsNaN(a) && math.IsNaN(c)
		}
		if desc {
			return a > c
		}
		return a < c
	})
	return idx
}

// Boxes lists the evaluated boxes of a detection dataset. It evaluates
// first when it has not.
func (s *Session) Boxes(ctx context.Context) (*Boxes, error) {
	if s.ds.Task != dataset.TaskDetection {
		return nil, fmt.Errorf("%s: boxes: not a detection dataset", s.ds.Path)
	}
	var names []string
	for _, role := range []dataset.Role{dataset.RoleDetections, dataset.RoleGroundTruth} {
		if c := s.ds.Roles[role]; c != "" && s.IsDerived(c) {
			names = append(names, c)
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("%s: boxes: %w", s.ds.Path, errNothingToEvaluate)
	}
	t, err := s.table(ctx, names)
	if err != nil {
		return nil, err
	}
	defer t.Release()
	out := &Boxes{Classes: s.ds.Classes}
	index := map[string]int32{}
	for k, c := range out.Classes {
		index[c] = int32(k)
	}
	var first int64
	for _, batch := range t.Batches() {
		for r := range int(batch.NumRows()) {
			for c, name := range names {
				isDet := name == s.ds.Roles[dataset.RoleDetections]
				if err := out.addRow(batch.Column(c), r, first+int64(r), isDet, index); err != nil {
					return nil, fmt.Errorf("%s: column %q: %w", s.ds.Path, name, err)
				}
			}
		}
		first += batch.NumRows()
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// addRow adds the evaluated boxes of row r of a list<struct> column.
func (b *Boxes) addRow(col arrow.Array, r int, row int64, isDet bool, index map[string]int32) error {
	list, ok := col.(*array.List)
	if !ok {
		return fmt.Errorf("want a list of boxes, got %s", col.DataType())
	}
	if list.IsNull(r) {
		return nil
	}
	st, ok := list.ListValues().(*array.Struct)
	if !ok {
		return fmt.Errorf("want a list of structs, got %s", list.ListValues().DataType())
	}
	f := boxFields(st)
	if f.eval == nil {
		return fmt.Errorf("boxes have no eval field")
	}
	start, end := list.ValueOffsets(r)
	for j := int(start); j < int(end); j++ {
		if f.eval.IsNull(j) {
			continue
		}
		var kind uint8
		switch ev := f.eval.Value(j); {
		case isDet && ev == "tp":
			kind = BoxTP
		case isDet && ev == "fp":
			kind = BoxFP
		case !isDet && ev == "fn":
			kind = BoxFN
		default:
			continue // a matched ground-truth box is its detection's tp; crowds are ignored
		}
		class := int32(-1)
		if name, ok := stringAt(f.label, j); ok {
			if k, ok := index[name]; ok {
				class = k
			}
		}
		score, iou := math.NaN(), math.NaN()
		if f.score != nil && f.score.IsValid(j) {
			score = f.score.at(j)
		}
		if f.iou != nil && f.iou.IsValid(j) {
			iou = f.iou.Value(j)
		}
		matched := int32(-1)
		if kind == BoxTP && f.id != nil && f.id.IsValid(j) {
			matched = int32(f.id.Value(j))
		}
		b.Row = append(b.Row, row)
		b.Kind = append(b.Kind, kind)
		b.Index = append(b.Index, int32(j-int(start)))
		b.Class = append(b.Class, class)
		b.Score = append(b.Score, score)
		b.IoU = append(b.IoU, iou)
		b.Matched = append(b.Matched, matched)
	}
	return nil
}

// boxFieldArrays are the fields of a box struct that Boxes reads; nil
// when absent.
type boxFieldArrays struct {
	eval  *array.String
	label arrow.Array // strings, plain or dictionary-encoded
	score *floatArray
	iou   *array.Float64
	id    *array.Int64
}

// floatArray reads a float32 or float64 array as float64.
type floatArray struct{ arrow.Array }

func (f *floatArray) at(i int) float64 {
	switch a := f.Array.(type) {
	case *array.Float32:
		return float64(a.Value(i))
	case *array.Float64:
		return a.Value(i)
	}
	return math.NaN()
}

func boxFields(st *array.Struct) boxFieldArrays {
	var f boxFieldArrays
	t := st.DataType().(*arrow.StructType)
	get := func(name string) arrow.Array {
		if i, ok := t.FieldIdx(name); ok {
			return st.Field(i)
		}
		return nil
	}
	f.eval, _ = get("eval").(*array.String)
	f.label = get("label")
	if s := get("score"); s != nil {
		switch s.(type) {
		case *array.Float32, *array.Float64:
			f.score = &floatArray{s}
		}
	}
	f.iou, _ = get("eval_iou").(*array.Float64)
	f.id, _ = get("eval_id").(*array.Int64)
	return f
}

// stringAt reads row i of a string column, plain or dictionary-encoded.
func stringAt(a arrow.Array, i int) (string, bool) {
	if a == nil || a.IsNull(i) {
		return "", false
	}
	switch a := a.(type) {
	case *array.String:
		return a.Value(i), true
	case *array.LargeString:
		return a.Value(i), true
	case *array.Dictionary:
		return stringAt(a.Dictionary(), a.GetValueIndex(i))
	}
	return "", false
}
