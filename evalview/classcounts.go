package evalview

import (
	"context"
	"fmt"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"triage/dataset"
	"triage/query"
)

// LabelCounts counts the rows a query selects by their ground-truth
// class: out[k] is how many selected rows are labeled Dataset().Classes[k].
// Rows whose label is null or not a known class are not counted. It is
// how the evaluation view puts a number of suspects beside each class.
func (s *Session) LabelCounts(ctx context.Context, prog *query.Program) ([]int64, error) {
	label := s.ds.Roles[dataset.RoleLabel]
	if label == "" {
		return nil, fmt.Errorf("%s: no label column", s.ds.Path)
	}
	sel, err := s.Select(ctx, prog)
	if err != nil {
		return nil, err
	}
	t, err := s.table(ctx, []string{label})
	if err != nil {
		return nil, err
	}
	defer t.Release()
	classes := s.ds.Classes
	out := make([]int64, len(classes))
	// The label of each row: batches are in row order.
	var starts []int64
	var arrs []arrow.Array
	var n int64
	for _, b := range t.Batches() {
		starts = append(starts, n)
		arrs = append(arrs, b.Column(0))
		n += b.NumRows()
	}
	index := map[string]int{}
	for k, c := range classes {
		index[c] = k
	}
	for i := range sel.Len() {
		row := sel.Row(i)
		b, _ := slices.BinarySearch(starts, row+1)
		b--
		if b < 0 {
			continue
		}
		if k := classIndex(arrs[b], int(row-starts[b]), index, len(classes)); k >= 0 {
			out[k]++
		}
	}
	return out, nil
}

// classIndex is the class of row i of a label column, -1 when unknown.
func classIndex(a arrow.Array, i int, index map[string]int, n int) int {
	if a.IsNull(i) {
		return -1
	}
	switch a := a.(type) {
	case *array.Dictionary:
		return classIndex(a.Dictionary(), a.GetValueIndex(i), index, n)
	case *array.String:
		if k, ok := index[a.Value(i)]; ok {
			return k
		}
		return -1
	case *array.LargeString:
		if k, ok := index[a.Value(i)]; ok {
			return k
		}
		return -1
	}
	if k := intAt(a, i); k >= 0 && k < int64(n) {
		return int(k)
	}
	return -1
}
