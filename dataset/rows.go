package dataset

import (
	"bufio"
	"io"
	"sort"
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
	if _, err := columnIndices("", t.schema, columns); err != nil {
		return err
	}
	enc, err := NewRowEncoder(format, columns)
	if err != nil {
		return err
	}
	loc := NewRowLocator(t)
	bw := bufio.NewWriter(w)
	bw.Write(enc.Begin())
	binds := make([]RowAppender, len(t.batches))
	var buf []byte
	for n, r := range rows {
		b, i := loc.Locate(r)
		if binds[b] == nil {
			if binds[b], err = enc.Bind(t.batches[b]); err != nil {
				return err
			}
		}
		if n > 0 {
			buf = append(buf, enc.Sep()...)
		}
		buf = binds[b].Append(buf, i)
		if len(buf) > 1<<16 {
			bw.Write(buf)
			buf = buf[:0]
		}
	}
	bw.Write(buf)
	bw.Write(enc.End())
	return bw.Flush()
}
