package dataset

import (
	"encoding/binary"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// INT96 timestamps (Impala, Hive and older Spark) hold a Julian day and
// the nanoseconds of that day. pqarrow reads them as nanoseconds since the
// epoch, and fails on any instant past 2262 or before 1677, which real
// files hold (Spark writes 9999-12-31 as "forever"). triage reads a
// top-level INT96 column as microseconds instead, with DuckDB's arithmetic:
// days*86400e6 + nanos/1000 in int64, so a value no timestamp can hold
// wraps as it does in DuckDB. docs/upstream/int96-unit.patch proposes the
// same choice of unit to arrow-go.

// int96Type is the Arrow type of an INT96 column.
var int96Type = arrow.FixedWidthTypes.Timestamp_us

// julianUnixEpoch is the Julian day number of 1970-01-01.
const julianUnixEpoch = 2440588

// int96Micros converts an INT96 value to microseconds since the epoch.
func int96Micros(v parquet.Int96) int64 {
	nanos := int64(binary.LittleEndian.Uint64(v[:8]))
	days := int64(binary.LittleEndian.Uint32(v[8:])) - julianUnixEpoch
	return days*86_400_000_000 + nanos/1000
}

// isInt96 reports whether a top-level field is an INT96 leaf.
func isInt96(pf *file.Reader, f pqarrow.SchemaField) bool {
	return f.IsLeaf() && pf.MetaData().Schema.Column(f.ColIndex).PhysicalType() == parquet.Types.Int96
}

// withInt96Micros gives the schema's top-level INT96 columns int96Type.
func withInt96Micros(sc *arrow.Schema, pf *file.Reader, fields []pqarrow.SchemaField) *arrow.Schema {
	out := append([]arrow.Field(nil), sc.Fields()...)
	changed := false
	for i, f := range fields {
		if i < len(out) && isInt96(pf, f) {
			out[i].Type = int96Type
			changed = true
		}
	}
	if !changed {
		return sc
	}
	md := sc.Metadata()
	return arrow.NewSchema(out, &md)
}

// readInt96Chunk reads a top-level INT96 column chunk as microseconds.
func readInt96Chunk(pf *file.Reader, rg, c int, mem memory.Allocator) (arrow.Array, error) {
	descr := pf.MetaData().Schema.Column(c)
	if descr.MaxRepetitionLevel() != 0 || descr.MaxDefinitionLevel() > 1 {
		return nil, fmt.Errorf("INT96 column nested in a list or struct is not supported")
	}
	rgr := pf.RowGroup(rg)
	rows := rgr.NumRows()
	cr, err := rgr.Column(c)
	if err != nil {
		return nil, err
	}
	r, ok := cr.(*file.Int96ColumnChunkReader)
	if !ok {
		return nil, fmt.Errorf("INT96 column has a %T reader", cr)
	}
	values := make([]parquet.Int96, rows)
	defs := make([]int16, rows)
	var levels int64
	read := 0
	for levels < rows {
		n, got, err := r.ReadBatch(rows-levels, values[read:], defs[levels:], nil)
		if err != nil {
			return nil, err
		}
		if n == 0 {
			return nil, fmt.Errorf("INT96 column holds %d of its %d rows", levels, rows)
		}
		levels += n
		read += got
	}
	data := memory.NewResizableBuffer(mem)
	defer data.Release()
	data.Resize(int(rows) * 8)
	out := arrow.Int64Traits.CastFromBytes(data.Bytes())
	var valid *memory.Buffer
	nulls := 0
	if descr.MaxDefinitionLevel() == 1 {
		valid = memory.NewResizableBuffer(mem)
		defer valid.Release()
		valid.Resize(int(bitutil.BytesForBits(rows)))
		clear(valid.Bytes())
	}
	next := 0 // values are packed: nulls take none
	for i := range out {
		if valid != nil && defs[i] != 1 {
			out[i] = 0
			nulls++
			continue
		}
		if next >= read {
			return nil, fmt.Errorf("INT96 column has fewer values than its levels say")
		}
		out[i] = int96Micros(values[next])
		next++
		if valid != nil {
			bitutil.SetBit(valid.Bytes(), i)
		}
	}
	d := array.NewData(int96Type, int(rows), []*memory.Buffer{valid, data}, nil, nulls, 0)
	defer d.Release()
	return array.MakeFromData(d), nil
}
