package dataset

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// arrowFileSource reads an Arrow IPC file (random access, "ARROW1" magic).
type arrowFileSource struct {
	path   string
	f      *os.File
	size   int64
	schema *arrow.Schema
	rows   int64
}

func openArrowFile(path string) (Source, error) {
	if err := checkIPC(path, FormatArrowFile); err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	s := &arrowFileSource{path: path, f: f, size: st.Size(), rows: -1}
	err = guard(path, func() error {
		r, err := ipc.NewFileReader(f, ipc.WithAllocator(allocator(nil)))
		if err != nil {
			return err
		}
		defer r.Close()
		s.schema = r.Schema()
		return nil
	})
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %v", path, trimPath(err.Error(), path))
	}
	return s, nil
}

func (s *arrowFileSource) Path() string          { return s.path }
func (s *arrowFileSource) Format() Format        { return FormatArrowFile }
func (s *arrowFileSource) Schema() *arrow.Schema { return s.schema }
func (s *arrowFileSource) NumRows() int64        { return s.rows }
func (s *arrowFileSource) Close() error          { return s.f.Close() }

func (s *arrowFileSource) Read(ctx context.Context, opts ReadOptions) ([]arrow.RecordBatch, error) {
	cols, err := columnIndices(s.path, s.schema, opts.Columns)
	if err != nil {
		return nil, err
	}
	var batches []arrow.RecordBatch
	err = guard(s.path, func() error {
		r, err := ipc.NewFileReader(s.f, ipc.WithAllocator(allocator(opts.Mem)))
		if err != nil {
			return err
		}
		defer r.Close()
		var rows int64
		for i := 0; i < r.NumRecords(); i++ {
			b, err := r.RecordBatchAt(i)
			if err != nil {
				return fmt.Errorf("batch %d: %w", i, err)
			}
			p, err := project(s.schema, b, cols)
			b.Release()
			if err == nil {
				batches = append(batches, p)
				err = validateBatch(p)
			}
			if err != nil {
				return fmt.Errorf("batch %d: %w", i, err)
			}
			rows += p.NumRows()
			if opts.Progress != nil {
				opts.Progress(Progress{Rows: rows, TotalRows: -1, Bytes: -1, TotalBytes: s.size})
			}
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		s.rows = rows
		return nil
	})
	if err != nil {
		releaseAll(batches)
		return nil, fmt.Errorf("%s: %v", s.path, trimPath(err.Error(), s.path))
	}
	return deliver(batches, opts)
}

// arrowStreamSource reads an Arrow IPC stream, which has no footer: the
// schema comes first and the batches follow until the end marker.
type arrowStreamSource struct {
	path   string
	schema *arrow.Schema
	size   int64
	rows   int64
}

func openArrowStream(path string) (Source, error) {
	if err := checkIPC(path, FormatArrowStream); err != nil {
		return nil, err
	}
	s := &arrowStreamSource{path: path, rows: -1}
	err := s.withReader(nil, func(r *ipc.Reader) error {
		s.schema = r.Schema()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

func (s *arrowStreamSource) withReader(mem memory.Allocator, f func(*ipc.Reader) error) error {
	osf, err := os.Open(s.path)
	if err != nil {
		return err
	}
	defer osf.Close()
	if st, err := osf.Stat(); err == nil {
		s.size = st.Size()
	}
	err = guard(s.path, func() error {
		r, err := ipc.NewReader(osf, ipc.WithAllocator(allocator(mem)))
		if err != nil {
			return err
		}
		defer r.Release()
		return f(r)
	})
	if err != nil {
		return fmt.Errorf("%s: %v", s.path, trimPath(err.Error(), s.path))
	}
	return nil
}

func (s *arrowStreamSource) Path() string          { return s.path }
func (s *arrowStreamSource) Format() Format        { return FormatArrowStream }
func (s *arrowStreamSource) Schema() *arrow.Schema { return s.schema }
func (s *arrowStreamSource) NumRows() int64        { return s.rows }
func (s *arrowStreamSource) Close() error          { return nil }

func (s *arrowStreamSource) Read(ctx context.Context, opts ReadOptions) ([]arrow.RecordBatch, error) {
	cols, err := columnIndices(s.path, s.schema, opts.Columns)
	if err != nil {
		return nil, err
	}
	var batches []arrow.RecordBatch
	err = s.withReader(opts.Mem, func(r *ipc.Reader) error {
		var rows int64
		for i := 0; r.Next(); i++ {
			p, err := project(s.schema, r.RecordBatch(), cols)
			if err == nil {
				batches = append(batches, p)
				err = validateBatch(p)
			}
			if err != nil {
				return fmt.Errorf("batch %d: %w", i, err)
			}
			rows += p.NumRows()
			if opts.Progress != nil {
				opts.Progress(Progress{Rows: rows, TotalRows: -1, Bytes: -1, TotalBytes: s.size})
			}
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if err := r.Err(); err != nil && err != io.EOF {
			return err
		}
		s.rows = rows
		return nil
	})
	if err != nil {
		releaseAll(batches)
		return nil, err
	}
	return deliver(batches, opts)
}

// project returns a new batch holding columns cols of b. The caller
// releases it; b is left to its owner.
func project(schema *arrow.Schema, b arrow.RecordBatch, cols []int) (arrow.RecordBatch, error) {
	if int(b.NumCols()) != schema.NumFields() {
		return nil, fmt.Errorf("batch has %d columns, schema has %d", b.NumCols(), schema.NumFields())
	}
	fields := make([]arrow.Field, len(cols))
	arrs := make([]arrow.Array, len(cols))
	for i, c := range cols {
		fields[i] = schema.Field(c)
		arrs[i] = b.Column(c)
		if arrs[i].Len() != int(b.NumRows()) {
			return nil, fmt.Errorf("column %q has %d rows, batch has %d", fields[i].Name, arrs[i].Len(), b.NumRows())
		}
	}
	md := schema.Metadata()
	return array.NewRecordBatch(arrow.NewSchema(fields, &md), arrs, b.NumRows()), nil
}
