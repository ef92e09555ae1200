package dataset

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// RowLocator maps a global row index to its batch and the row within it.
type RowLocator struct {
	starts []int64 // first global row of each batch
}

// NewRowLocator indexes t's batch boundaries.
func NewRowLocator(t *Table) *RowLocator {
	l := &RowLocator{starts: make([]int64, len(t.batches))}
	var off int64
	for i, b := range t.batches {
		l.starts[i] = off
		off += b.NumRows()
	}
	return l
}

// Locate returns the batch holding global row r and r's index in it.
func (l *RowLocator) Locate(r int64) (batch, row int) {
	b := sort.Search(len(l.starts), func(i int) bool { return l.starts[i] > r }) - 1
	return b, int(r - l.starts[b])
}

// RowFormat is a machine-readable output format for rows.
type RowFormat string

const (
	FormatRowsCSV   RowFormat = "csv"
	FormatRowsJSONL RowFormat = "jsonl"
	FormatRowsJSON  RowFormat = "json"
)

// WriteRows writes the given rows (global indices, in order) of the named
// columns of t to w. Nested lists and structs become JSON arrays and
// objects (in CSV, JSON text in the cell); binary values are base64.
func WriteRows(w io.Writer, format RowFormat, t *Table, rows []int64, columns []string) error {
	idx, err := columnIndices("", t.schema, columns)
	if err != nil {
		return err
	}
	loc := NewRowLocator(t)
	bw := bufio.NewWriter(w)
	switch format {
	case FormatRowsCSV:
		cw := csv.NewWriter(bw)
		if err := cw.Write(columns); err != nil {
			return err
		}
		rec := make([]string, len(idx))
		for _, r := range rows {
			b, i := loc.Locate(r)
			for j, c := range idx {
				rec[j] = csvCell(t.batches[b].Column(c), i)
			}
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return err
		}
	case FormatRowsJSONL, FormatRowsJSON:
		if format == FormatRowsJSON {
			bw.WriteString("[")
		}
		for n, r := range rows {
			b, i := loc.Locate(r)
			if format == FormatRowsJSON && n > 0 {
				bw.WriteString(",")
			}
			if err := writeJSONRow(bw, t.batches[b], idx, i); err != nil {
				return err
			}
			if format == FormatRowsJSONL {
				bw.WriteString("\n")
			}
		}
		if format == FormatRowsJSON {
			bw.WriteString("]\n")
		}
	default:
		return fmt.Errorf("unknown row format %q", format)
	}
	return bw.Flush()
}

// writeJSONRow writes one object, keys in column order.
func writeJSONRow(w *bufio.Writer, b arrow.RecordBatch, idx []int, i int) error {
	w.WriteString("{")
	for j, c := range idx {
		if j > 0 {
			w.WriteString(",")
		}
		key, _ := json.Marshal(b.Schema().Field(c).Name)
		w.Write(key)
		w.WriteString(":")
		v, err := json.Marshal(jsonValue(b.Column(c), i))
		if err != nil {
			return fmt.Errorf("column %q: %w", b.Schema().Field(c).Name, err)
		}
		w.Write(v)
	}
	w.WriteString("}")
	return nil
}

// jsonValue returns row i of arr as a value encoding/json can marshal.
func jsonValue(arr arrow.Array, i int) any {
	if arr.IsNull(i) {
		return nil
	}
	switch a := arr.(type) {
	case *array.Dictionary:
		return jsonValue(a.Dictionary(), a.GetValueIndex(i))
	case *array.Float64:
		return finite(a.Value(i))
	case *array.Float32:
		return finite(float64(a.Value(i)))
	}
	return arr.GetOneForMarshal(i)
}

// finite returns v, or nil for NaN and ±Inf, which JSON cannot hold (a loss
// is +Inf where the model gave the label probability 0).
func finite(v float64) any {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return v
}

func csvCell(arr arrow.Array, i int) string {
	if arr.IsNull(i) {
		return ""
	}
	switch a := arr.(type) {
	case *array.String:
		return a.Value(i)
	case *array.LargeString:
		return a.Value(i)
	case *array.Dictionary:
		return csvCell(a.Dictionary(), a.GetValueIndex(i))
	}
	switch arr.DataType().ID() {
	case arrow.LIST, arrow.LARGE_LIST, arrow.FIXED_SIZE_LIST, arrow.STRUCT, arrow.MAP, arrow.BINARY, arrow.LARGE_BINARY:
		b, err := json.Marshal(jsonValue(arr, i))
		if err != nil {
			return arr.ValueStr(i)
		}
		return string(b)
	}
	return arr.ValueStr(i)
}
