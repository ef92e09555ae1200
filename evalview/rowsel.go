package evalview

import "slices"

// SelectRows selects the given dataset rows, in the given order: a set of
// marked samples, one sample for a detail view. The slice is copied.
func SelectRows(rows []int64) *Selection {
	if rows == nil {
		rows = []int64{}
	}
	return &Selection{rows: slices.Clone(rows), n: int64(len(rows))}
}
