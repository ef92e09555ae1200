package dataset

import (
	"context"
	"fmt"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// keyIndex maps each key value of a table to its row. Integer keys of any
// width are compared as int64; string keys as strings.
type keyIndex struct {
	isString bool
	ints     map[int64]int
	strs     map[string]int
}

// keyKind names a key column's kind for messages: "integer" or "string".
func keyKind(t arrow.DataType) (string, error) {
	switch {
	case isInteger(t):
		return "integer", nil
	case isString(t):
		return "string", nil
	}
	return "", fmt.Errorf("has type %s; a key must be an integer or a string", t)
}

// forEachKey calls f with each row's key, as an int64 or a string. Null keys
// are an error naming the row.
func forEachKey(col *arrow.Chunked, f func(row int, i int64, s string) error) error {
	row := 0
	for _, c := range col.Chunks() {
		if d, ok := c.(*array.Dictionary); ok {
			dict := d.Dictionary().(interface{ Value(int) string })
			for j := 0; j < d.Len(); j++ {
				if d.IsNull(j) {
					return fmt.Errorf("row %d: null key", row)
				}
				if err := f(row, 0, dict.Value(d.GetValueIndex(j))); err != nil {
					return err
				}
				row++
			}
			continue
		}
		for j := 0; j < c.Len(); j++ {
			if c.IsNull(j) {
				return fmt.Errorf("row %d: null key", row)
			}
			var err error
			switch a := c.(type) {
			case *array.String:
				err = f(row, 0, a.Value(j))
			case *array.LargeString:
				err = f(row, 0, a.Value(j))
			case *array.StringView:
				err = f(row, 0, a.Value(j))
			default:
				v, perr := strconv.ParseInt(c.ValueStr(j), 10, 64)
				if perr != nil {
					return fmt.Errorf("row %d: key %q is not an integer", row, c.ValueStr(j))
				}
				err = f(row, v, "")
			}
			if err != nil {
				return err
			}
			row++
		}
	}
	return nil
}

// buildKeyIndex indexes a key column; a duplicate key is an error naming the
// first one.
func buildKeyIndex(col *arrow.Chunked) (*keyIndex, error) {
	ix := &keyIndex{isString: isString(col.DataType())}
	if ix.isString {
		ix.strs = make(map[string]int, col.Len())
	} else {
		ix.ints = make(map[int64]int, col.Len())
	}
	err := forEachKey(col, func(row int, i int64, s string) error {
		if ix.isString {
			if prev, dup := ix.strs[s]; dup {
				return fmt.Errorf("duplicate key %q (rows %d and %d)", s, prev, row)
			}
			ix.strs[s] = row
		} else {
			if prev, dup := ix.ints[i]; dup {
				return fmt.Errorf("duplicate key %d (rows %d and %d)", i, prev, row)
			}
			ix.ints[i] = row
		}
		return nil
	})
	return ix, err
}

// JoinStats says how a prediction table met the dataset.
type JoinStats struct {
	Name                     string `json:"name"`
	Path                     string `json:"path"`
	Rows                     int64  `json:"rows"`
	Matched                  int64  `json:"matched"`
	SamplesWithoutPrediction int64  `json:"samples_without_prediction"`
	PredictionsWithoutSample int64  `json:"predictions_without_sample"`
	// Positional is set when rows were matched by position, for lack of a
	// key column.
	Positional bool `json:"positional,omitempty"`
}

// matchRows returns, for each dataset row, the prediction row with the same
// key in predIx, or -1. A null or duplicate key among dataKeys is an error
// naming its row; the caller names the file.
func matchRows(dataKeys *arrow.Chunked, predIx *keyIndex, predRows int64) ([]int64, JoinStats, error) {
	var st JoinStats
	dataIx := make([]int64, 0, dataKeys.Len())
	seen := make(map[string]int)
	seenInt := make(map[int64]int)
	err := forEachKey(dataKeys, func(row int, i int64, s string) error {
		var pr int
		var ok bool
		if predIx.isString {
			if prev, dup := seen[s]; dup {
				return fmt.Errorf("duplicate key %q (rows %d and %d)", s, prev, row)
			}
			seen[s] = row
			pr, ok = predIx.strs[s]
		} else {
			if prev, dup := seenInt[i]; dup {
				return fmt.Errorf("duplicate key %d (rows %d and %d)", i, prev, row)
			}
			seenInt[i] = row
			pr, ok = predIx.ints[i]
		}
		if ok {
			dataIx = append(dataIx, int64(pr))
			st.Matched++
		} else {
			dataIx = append(dataIx, -1)
			st.SamplesWithoutPrediction++
		}
		return nil
	})
	if err != nil {
		return nil, st, err
	}
	st.Rows = predRows
	st.PredictionsWithoutSample = st.Rows - st.Matched
	return dataIx, st, nil
}

// takeRows gathers rows of a chunked column by index; -1 gives null. The
// caller releases the result.
func takeRows(ctx context.Context, mem memory.Allocator, col *arrow.Chunked, rows []int64) (arrow.Array, error) {
	var whole arrow.Array
	if len(col.Chunks()) == 0 {
		// An empty prediction file: every row taken is null.
		whole = array.MakeArrayOfNull(mem, col.DataType(), 0)
	} else {
		var err error
		if whole, err = array.Concatenate(col.Chunks(), mem); err != nil {
			return nil, err
		}
	}
	defer whole.Release()
	bld := array.NewInt64Builder(mem)
	defer bld.Release()
	bld.Reserve(len(rows))
	for _, r := range rows {
		if r < 0 {
			bld.AppendNull()
		} else {
			bld.UnsafeAppend(r)
		}
	}
	idx := bld.NewArray()
	defer idx.Release()
	return compute.TakeArray(compute.WithAllocator(ctx, mem), whole, idx)
}
