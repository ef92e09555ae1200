package curate

import (
	"fmt"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// BoxRef names one ground-truth box of a sample (detection): its index in
// the sample's ground_truth list, and the label and bbox it had when the
// relabel was queued. Apply relabels the box only if the box at Index still
// has that label and bbox, so a journal replayed on a changed dataset never
// relabels the wrong box.
type BoxRef struct {
	Index int        `json:"index"`
	From  string     `json:"from"`
	BBox  [4]float64 `json:"bbox"`
}

// BoxLabel is a queued box relabel: the box and its new label.
type BoxLabel struct {
	BoxRef
	Label string `json:"label"`
}

// GroundTruthBox reads box index of row i of a ground_truth column
// (list<struct<label, bbox, ...>>); an index out of range is an error that
// says how many boxes the row has.
func GroundTruthBox(col arrow.Array, i, index int) (BoxRef, error) {
	boxes, err := boxesAt(col, i)
	if err != nil {
		return BoxRef{}, err
	}
	if index < 0 || index >= len(boxes) {
		return BoxRef{}, fmt.Errorf("box %d is out of range: the sample has %d ground-truth boxes", index, len(boxes))
	}
	return BoxRef{Index: index, From: boxes[index].label, BBox: boxes[index].bbox}, nil
}

// RelabelBox sets the label of one ground-truth box of one sample. The
// class must be one of classes unless newClass is set.
func RelabelBox(s Selection, box BoxRef, class string, classes []string, newClass bool) (Entry, error) {
	if len(s.Keys) != 1 {
		return Entry{}, fmt.Errorf("relabel box: want one sample, %d are chosen", len(s.Keys))
	}
	if box.Index < 0 {
		return Entry{}, fmt.Errorf("relabel box: box index %d is negative", box.Index)
	}
	e, err := Relabel(s, class, classes, newClass)
	if err != nil {
		return Entry{}, err
	}
	e.Args.Box = &box
	return e, nil
}

// setBoxLabel records a box relabel in a sorted list; a later relabel of
// the same box replaces the earlier.
func setBoxLabel(list []BoxLabel, b BoxLabel) []BoxLabel {
	i, found := slices.BinarySearchFunc(list, b.Index, func(x BoxLabel, idx int) int { return x.Index - idx })
	if found {
		list[i] = b
		return list
	}
	return slices.Insert(list, i, b)
}

// BoxMiss is a queued box relabel Apply did not apply, and why.
type BoxMiss struct {
	Key    Key    `json:"key"`
	Index  int    `json:"box"`
	Reason string `json:"reason"`
}

// relabelBoxes returns the ground_truth column col (a list of box structs)
// with the label of each queued box changed; every other buffer is col's
// own, so all other values stay byte for byte the same. states[i] is the
// state of row i, keys[i] its key. Boxes whose index is out of range, or
// whose label or bbox is not the one queued, are returned as misses.
func relabelBoxes(mem memory.Allocator, col arrow.Array, states []*Sample, keys []Key, pairs map[[2]string]int) (arrow.Array, []BoxMiss, error) {
	list, ok := col.(*array.List)
	if !ok {
		return nil, nil, fmt.Errorf("type %v is not a list of boxes", col.DataType())
	}
	st, ok := list.ListValues().(*array.Struct)
	if !ok {
		return nil, nil, fmt.Errorf("type %v is not a list of box structs", col.DataType())
	}
	li, ok := st.DataType().(*arrow.StructType).FieldIdx("label")
	if !ok {
		return nil, nil, fmt.Errorf("boxes have no label field")
	}
	labels, ok := st.Field(li).(*array.String)
	if !ok {
		return nil, nil, fmt.Errorf("box label is %v, can only relabel utf8 labels", st.Field(li).DataType())
	}
	// new label by position in the struct array
	changed := map[int]string{}
	var misses []BoxMiss
	for i, smp := range states {
		if smp == nil || len(smp.Boxes) == 0 {
			continue
		}
		current, err := boxesAt(col, i)
		if err != nil {
			return nil, nil, fmt.Errorf("row %d: %w", i, err)
		}
		s, _ := list.ValueOffsets(i)
		for _, b := range smp.Boxes {
			switch {
			case b.Index >= len(current):
				misses = append(misses, BoxMiss{Key: keys[i], Index: b.Index, Reason: fmt.Sprintf("out of range: the sample has %d ground-truth boxes", len(current))})
			case current[b.Index].label != b.From || current[b.Index].bbox != b.BBox:
				c := current[b.Index]
				misses = append(misses, BoxMiss{Key: keys[i], Index: b.Index,
					Reason: fmt.Sprintf("the box is now %q %v, not the queued %q %v", c.label, c.bbox, b.From, b.BBox)})
			case b.Label != b.From:
				changed[int(s)+b.Index] = b.Label
				pairs[[2]string{b.From, b.Label}]++
			}
		}
	}
	if len(changed) == 0 {
		col.Retain()
		return col, misses, nil
	}
	lb := array.NewStringBuilder(mem)
	defer lb.Release()
	lb.Reserve(labels.Len())
	for j := range labels.Len() {
		if to, ok := changed[j]; ok {
			lb.Append(to)
		} else if labels.IsNull(j) {
			lb.AppendNull()
		} else {
			lb.Append(labels.Value(j))
		}
	}
	newLabels := lb.NewArray()
	defer newLabels.Release()
	// The struct keeps its own validity and other children; only the label
	// child is new. It must cover the struct's whole range (offset and all).
	sd := st.Data()
	children := slices.Clone(sd.Children())
	if sd.Offset() != 0 {
		return nil, nil, fmt.Errorf("box structs with an offset are not supported")
	}
	children[li] = newLabels.Data()
	newStruct := array.NewData(sd.DataType(), sd.Len(), sd.Buffers(), children, sd.NullN(), 0)
	defer newStruct.Release()
	ld := list.Data()
	out := array.NewData(ld.DataType(), ld.Len(), ld.Buffers(), []arrow.ArrayData{newStruct}, ld.NullN(), ld.Offset())
	defer out.Release()
	return array.MakeFromData(out), misses, nil
}
