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
	rowsOf := NewRowAppender(enc, t)
	bw := bufio.NewWriter(w)
	bw.Write(enc.Begin())
	var buf []byte
	for n, r := range rows {
		if n > 0 {
			buf = append(buf, enc.Sep()...)
		}
		if buf, err = rowsOf.Append(buf, r); err != nil {
			return err
		}
		if len(buf) > 1<<16 {
			bw.Write(buf)
			buf = buf[:0]
		}
	}
	bw.Write(buf)
	bw.Write(enc.End())
	return bw.Flush()
}

// TableRowAppender appends rows of a table, given by their global index,
// through an encoder: each batch is bound once, when first used. It
// belongs to one goroutine.
type TableRowAppender struct {
	enc   Encoder
	t     *Table
	loc   *RowLocator
	binds []RowAppender
}

// NewRowAppender returns an appender of t's rows through enc.
func NewRowAppender(enc Encoder, t *Table) *TableRowAppender {
	return &TableRowAppender{enc: enc, t: t, loc: NewRowLocator(t), binds: make([]RowAppender, len(t.batches))}
}

// Append appends global row r.
func (a *TableRowAppender) Append(dst []byte, r int64) ([]byte, error) {
	b, i := a.loc.Locate(r)
	if a.binds[b] == nil {
		var err error
		if a.binds[b], err = a.enc.Bind(a.t.batches[b]); err != nil {
			return dst, err
		}
	}
	return a.binds[b].Append(dst, i), nil
}
