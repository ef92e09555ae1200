package dataset

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// Table is a sequence of record batches that share one schema: the one data
// model every stage of triage works on (SPEC §8). Columns are read lazily, so a
// Table holds only the columns that were asked for.
//
// A Table owns its batches: Release releases them.
type Table struct {
	schema  *arrow.Schema
	batches []arrow.RecordBatch
	rows    int64
}

// NewTable builds a table from batches that all have schema. It takes
// ownership of the batches (the caller must not release them). A table
// may be read from several goroutines at once.
func NewTable(schema *arrow.Schema, batches []arrow.RecordBatch) *Table {
	t := &Table{schema: schema, batches: batches}
	for _, b := range batches {
		if !b.Schema().Equal(schema) {
			panic(fmt.Sprintf("dataset: batch schema %v differs from table schema %v", b.Schema(), schema))
		}
		t.rows += b.NumRows()
		for _, c := range b.Columns() {
			if d, ok := c.(*array.Dictionary); ok {
				// Made on first use, unguarded: make it now, before the
				// table is read from several goroutines.
				d.Dictionary()
			}
		}
	}
	return t
}

// Schema returns the table's schema.
func (t *Table) Schema() *arrow.Schema { return t.schema }

// NumRows returns the number of rows over all batches.
func (t *Table) NumRows() int64 { return t.rows }

// Batches returns the record batches. They stay valid until Release.
func (t *Table) Batches() []arrow.RecordBatch { return t.batches }

// Column returns column i across all batches. The caller releases it.
func (t *Table) Column(i int) *arrow.Chunked {
	chunks := make([]arrow.Array, len(t.batches))
	for j, b := range t.batches {
		chunks[j] = b.Column(i)
	}
	return arrow.NewChunked(t.schema.Field(i).Type, chunks)
}

// ColumnByName returns the named column across all batches, or nil if the
// table has no such column. The caller releases it.
func (t *Table) ColumnByName(name string) *arrow.Chunked {
	idx := t.schema.FieldIndices(name)
	if len(idx) == 0 {
		return nil
	}
	return t.Column(idx[0])
}

// WithColumns returns a new table with cols added, or replacing the columns
// of the same name. Each col is one whole-length array; it is sliced at the
// batch boundaries without copying. t is left unchanged and still owned by
// the caller; the caller also still owns cols.
func (t *Table) WithColumns(fields []arrow.Field, cols []arrow.Array) (*Table, error) {
	if len(fields) != len(cols) {
		panic("dataset: WithColumns: fields and columns differ in number")
	}
	for i, c := range cols {
		if int64(c.Len()) != t.rows {
			return nil, fmt.Errorf("column %q has %d rows, table has %d", fields[i].Name, c.Len(), t.rows)
		}
	}
	outFields := append([]arrow.Field(nil), t.schema.Fields()...)
	replace := make([]int, len(fields)) // index in outFields each new column lands on
	for i, f := range fields {
		replace[i] = len(outFields)
		if idx := indexOfField(outFields, f.Name); idx >= 0 {
			replace[i] = idx
			outFields[idx] = f
		} else {
			outFields = append(outFields, f)
		}
	}
	md := t.schema.Metadata()
	schema := arrow.NewSchema(outFields, &md)

	batches := make([]arrow.RecordBatch, len(t.batches))
	var offset int64
	for j, b := range t.batches {
		arrs := make([]arrow.Array, len(outFields))
		copy(arrs, b.Columns())
		var slices []arrow.Array
		for i, c := range cols {
			s := array.NewSlice(c, offset, offset+b.NumRows())
			slices = append(slices, s)
			arrs[replace[i]] = s
		}
		batches[j] = array.NewRecordBatch(schema, arrs, b.NumRows())
		for _, s := range slices {
			s.Release()
		}
		offset += b.NumRows()
	}
	return &Table{schema: schema, batches: batches, rows: t.rows}, nil
}

func indexOfField(fields []arrow.Field, name string) int {
	for i, f := range fields {
		if f.Name == name {
			return i
		}
	}
	return -1
}

// Release releases the table's batches.
func (t *Table) Release() {
	for _, b := range t.batches {
		b.Release()
	}
	t.batches = nil
}
