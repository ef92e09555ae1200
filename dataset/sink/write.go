package sink

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"triage/dataset"
)

// Format is an output file format.
type Format string

const (
	Parquet Format = "parquet"
	Arrow   Format = "arrow" // Arrow IPC file
	CSV     Format = "csv"
	JSONL   Format = "jsonl"
)

// Formats lists the formats WriteTable writes.
var Formats = []Format{Parquet, Arrow, CSV, JSONL}

// ParseFormat checks a format name.
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats {
		if string(f) == s {
			return f, nil
		}
	}
	names := make([]string, len(Formats))
	for i, f := range Formats {
		names[i] = string(f)
	}
	return "", fmt.Errorf("unknown format %q, expected one of %s", s, strings.Join(names, ", "))
}

// WriteTable writes the given rows of t (global row indices, in the order
// given; nil means every row) to path atomically (see WriteFile), refusing
// to write over any of inputs. Parquet and Arrow keep the schema, its types
// and its key-value metadata; CSV and JSON Lines write nested values as JSON
// text, as dataset.WriteRows does.
func WriteTable(ctx context.Context, path string, format Format, t *dataset.Table, rows []int64, inputs []string, mem memory.Allocator) error {
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	if rows != nil {
		for _, r := range rows {
			if r < 0 || r >= t.NumRows() {
				return fmt.Errorf("write %s: row %d out of range (table has %d rows)", path, r, t.NumRows())
			}
		}
	}
	return WriteFile(path, inputs, func(w io.Writer) error {
		switch format {
		case Parquet:
			return writeBatches(w, t.Schema(), newParquetWriter, func(emit func(arrow.RecordBatch) error) error {
				return eachTaken(ctx, t, rows, mem, emit)
			})
		case Arrow:
			return writeBatches(w, t.Schema(), newIPCWriter(mem), func(emit func(arrow.RecordBatch) error) error {
				return eachTaken(ctx, t, rows, mem, emit)
			})
		case CSV, JSONL:
			if rows == nil {
				rows = make([]int64, t.NumRows())
				for i := range rows {
					rows[i] = int64(i)
				}
			}
			cols := make([]string, t.Schema().NumFields())
			for i, f := range t.Schema().Fields() {
				cols[i] = f.Name
			}
			rf := dataset.FormatRowsCSV
			if format == JSONL {
				rf = dataset.FormatRowsJSONL
			}
			return dataset.WriteRows(w, rf, t, rows, cols)
		}
		return fmt.Errorf("unknown format %q", format)
	})
}

// batchWriter is what Parquet and Arrow IPC writers have in common.
type batchWriter interface {
	Write(arrow.RecordBatch) error
	Close() error
}

type newWriter func(w io.Writer, schema *arrow.Schema) (batchWriter, error)

func newParquetWriter(w io.Writer, schema *arrow.Schema) (batchWriter, error) {
	props := parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Zstd), parquet.WithStats(true))
	return pqarrow.NewFileWriter(schema, w, props, pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
}

func newIPCWriter(mem memory.Allocator) newWriter {
	return func(w io.Writer, schema *arrow.Schema) (batchWriter, error) {
		return ipc.NewFileWriter(w, ipc.WithSchema(schema), ipc.WithAllocator(mem))
	}
}

// WriteParquet writes batches from each (which calls emit once per batch)
// as one Parquet file with schema, metadata included.
func WriteParquet(w io.Writer, schema *arrow.Schema, each func(emit func(arrow.RecordBatch) error) error) error {
	return writeBatches(w, schema, newParquetWriter, each)
}

func writeBatches(w io.Writer, schema *arrow.Schema, open newWriter, each func(emit func(arrow.RecordBatch) error) error) error {
	bw, err := open(w, schema)
	if err != nil {
		return err
	}
	if err := each(bw.Write); err != nil {
		bw.Close()
		return err
	}
	return bw.Close()
}

// eachTaken calls emit with the rows of t in order, as batches: runs of
// consecutive rows from the same input batch are taken together.
func eachTaken(ctx context.Context, t *dataset.Table, rows []int64, mem memory.Allocator, emit func(arrow.RecordBatch) error) error {
	batches := t.Batches()
	if rows == nil {
		for _, b := range batches {
			if b.NumRows() > 0 {
				if err := emit(b); err != nil {
					return err
				}
			}
		}
		return nil
	}
	loc := dataset.NewRowLocator(t)
	ctx = compute.WithAllocator(ctx, mem)
	for start := 0; start < len(rows); {
		b, _ := loc.Locate(rows[start])
		end := start
		idx := array.NewInt64Builder(mem)
		for ; end < len(rows) && end-start < 1<<16; end++ {
			bb, i := loc.Locate(rows[end])
			if bb != b {
				break
			}
			idx.Append(int64(i))
		}
		indices := idx.NewArray()
		idx.Release()
		rec, err := TakeBatch(ctx, batches[b], indices)
		indices.Release()
		if err != nil {
			return err
		}
		err = emit(rec)
		rec.Release()
		if err != nil {
			return err
		}
		start = end
	}
	return nil
}

// TakeBatch returns the rows of b at indices (an integer array), every
// column taken with compute.TakeArray. The caller releases the result.
func TakeBatch(ctx context.Context, b arrow.RecordBatch, indices arrow.Array) (arrow.RecordBatch, error) {
	cols := make([]arrow.Array, b.NumCols())
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	for i, c := range b.Columns() {
		taken, err := compute.TakeArray(ctx, c, indices)
		if err != nil {
			return nil, fmt.Errorf("take column %q: %w", b.ColumnName(i), err)
		}
		cols[i] = taken
	}
	return array.NewRecordBatch(b.Schema(), cols, int64(indices.Len())), nil
}
