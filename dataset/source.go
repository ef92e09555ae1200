package dataset

import (
	"context"
	"fmt"
	"os"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Progress reports how far a read has come, for a progress bar. A total is
// -1 when it is not known in advance.
type Progress struct {
	Rows, TotalRows   int64
	Bytes, TotalBytes int64
}

// ReadOptions say what to read from a source.
type ReadOptions struct {
	// Columns names the top-level columns to read; nil reads all of them.
	Columns []string
	// Progress, if set, is called after each batch.
	Progress func(Progress)
	// Mem allocates the batches; nil means memory.DefaultAllocator.
	Mem memory.Allocator
	// OnBatch, if set, receives each batch as it is read, and Read returns
	// none: the batch is released when OnBatch returns, so a scan holds
	// one row group per core at a time. OnBatch may be called from several
	// goroutines at once, in no particular order.
	OnBatch func(arrow.RecordBatch) error
	// Parts, if not nil, reads only these parts of a source that has
	// them (see Parted), in this order.
	Parts []int
}

// Parted is a source whose rows fall into parts that can be read on their
// own and in any order: Parquet row groups, shards. A caller that reads
// part by part can stream in file order, or read only the rows it needs.
type Parted interface {
	Source
	// Parts returns the row count of each part, in file order.
	Parts() []int64
}

// SourceParts returns src's part sizes, or nil when src reads only whole.
func SourceParts(src Source) []int64 {
	if p, ok := src.(Parted); ok {
		return p.Parts()
	}
	return nil
}

// deliver hands batches read whole to opts.OnBatch, if set, and releases
// them; otherwise it returns them.
func deliver(batches []arrow.RecordBatch, opts ReadOptions) ([]arrow.RecordBatch, error) {
	if opts.OnBatch == nil {
		return batches, nil
	}
	defer releaseAll(batches)
	for _, b := range batches {
		if err := opts.OnBatch(b); err != nil {
			return nil, err
		}
	}
	return nil, nil
}

// A Source is one data file, opened: its schema and, for most formats, its
// row count are known before any data is read.
type Source interface {
	Path() string
	Format() Format
	// Schema is the file's schema, with its key-value metadata.
	Schema() *arrow.Schema
	// NumRows is the row count, or -1 if it is known only after a read.
	NumRows() int64
	// Read reads the requested columns as record batches. The caller
	// releases them.
	Read(ctx context.Context, opts ReadOptions) ([]arrow.RecordBatch, error)
	Close() error
}

// notesOf returns what a source says about how it read its file (a
// column read by its physical type, say), for the dataset's warnings.
func notesOf(src Source) []string {
	if n, ok := src.(interface{ Notes() []string }); ok {
		return n.Notes()
	}
	return nil
}

// OpenFile opens one data file, detecting its format from its content.
func OpenFile(path string) (Source, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%s: is a directory", path)
	}
	if st.Size() == 0 {
		return nil, fmt.Errorf("%s: empty file", path)
	}
	format, err := Sniff(path)
	if err != nil {
		return nil, err
	}
	switch format {
	case FormatParquet:
		return openParquet(path)
	case FormatArrowFile:
		return openArrowFile(path)
	case FormatArrowStream:
		return openArrowStream(path)
	case FormatCSV:
		return openCSV(path)
	case FormatJSONL:
		return openJSONL(path)
	}
	return nil, fmt.Errorf("%s: unknown format", path)
}

// columnIndices maps column names to schema indices; nil names mean all.
func columnIndices(path string, schema *arrow.Schema, names []string) ([]int, error) {
	if names == nil {
		idx := make([]int, schema.NumFields())
		for i := range idx {
			idx[i] = i
		}
		return idx, nil
	}
	idx := make([]int, 0, len(names))
	for _, n := range names {
		found := schema.FieldIndices(n)
		if len(found) == 0 {
			return nil, fmt.Errorf("%s: no column %q", path, n)
		}
		idx = append(idx, found[0])
	}
	return idx, nil
}

func allocator(mem memory.Allocator) memory.Allocator {
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	return cappedAllocator{mem}
}

func releaseAll(batches []arrow.RecordBatch) {
	for _, b := range batches {
		b.Release()
	}
}

// emptyBatches returns batches with no columns that add up to rows rows, so
// that a read of no columns (a plain count) still carries the row count.
func emptyBatches(rows int64) []arrow.RecordBatch {
	schema := arrow.NewSchema(nil, nil)
	var out []arrow.RecordBatch
	for rows > 0 {
		n := min(rows, batchSize)
		out = append(out, array.NewRecordBatch(schema, nil, n))
		rows -= n
	}
	return out
}
