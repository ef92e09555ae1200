package dataset

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// PeekText reads the first chunk (about 4 MiB) of a CSV or JSON Lines
// file, with column types inferred from that chunk alone, so that a viewer
// can show rows before OpenFile has scanned the whole file. complete
// reports whether the chunk is the whole file; then the types are final.
// Otherwise they are provisional: OpenFile's schema, inferred from every
// value, may be wider (an int column may turn out float or string, a JSON
// key may appear later), and part 0 of the opened source holds the same
// rows in the final types. A bad record in the first chunk is an error, as
// it would be for OpenFile. The caller releases the batch.
func PeekText(path string, mem memory.Allocator) (b arrow.RecordBatch, complete bool, err error) {
	format, err := Sniff(path)
	if err != nil {
		return nil, false, err
	}
	if format != FormatCSV && format != FormatJSONL {
		return nil, false, fmt.Errorf("%s: not a CSV or JSON Lines file", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, false, err
	}
	if st.Size() == 0 {
		return nil, false, fmt.Errorf("%s: empty file", path)
	}
	var src Source
	if format == FormatCSV {
		src, complete, err = peekCSV(f, path, st.Size())
	} else {
		src, complete, err = peekJSONL(f, path, st.Size())
	}
	if err != nil {
		return nil, false, err
	}
	batches, err := src.Read(context.Background(), ReadOptions{Mem: mem})
	if err != nil {
		return nil, false, err
	}
	if len(batches) != 1 {
		releaseAll(batches)
		return nil, false, fmt.Errorf("%s: peek read %d batches, want 1", path, len(batches))
	}
	return batches[0], complete, nil
}

// peekCSV is a CSV source of the first range only.
func peekCSV(f *os.File, path string, size int64) (*csvSource, bool, error) {
	s := &csvSource{textFile: textFile{path: path, size: size}, comma: ','}
	if strings.EqualFold(filepath.Ext(path), ".tsv") {
		s.comma = '\t'
	}
	var dataStart, line int64
	names, err := guardWork(path, func() (names []string, err error) {
		names, dataStart, line, err = s.readHeader(f)
		return names, err
	})
	if err != nil {
		return nil, false, err
	}
	if err := checkNames(path, names); err != nil {
		return nil, false, err
	}
	s.kinds = make([]cellKind, len(names))
	complete := true
	if dataStart < size {
		w := &window{f: f, size: size}
		defer w.release()
		to := min(size, dataStart+textChunkSize)
		r, err := guardWork(path, func() (csvRange, error) {
			return s.scanRange(w, len(names), dataStart, to, true, false)
		})
		if err != nil {
			return nil, false, err
		}
		if r.err != nil {
			return nil, false, fmt.Errorf("%s: line %d: %s", path, line+r.err.line, r.err.msg)
		}
		s.kinds = r.kinds
		if r.rows > 0 {
			s.chunks = []textChunk{{start: r.first, end: r.end, line: line, rows: r.rows}}
			s.index = [][]uint32{r.index}
		}
		s.rows, complete = r.rows, r.end >= size
	}
	fields := make([]arrow.Field, len(names))
	for i, n := range names {
		fields[i] = arrow.Field{Name: n, Type: s.kinds[i].arrowType(), Nullable: true}
	}
	s.schema = arrow.NewSchema(fields, nil)
	return s, complete, nil
}

// peekJSONL is a JSON Lines source of the first range only.
func peekJSONL(f *os.File, path string, size int64) (*jsonlSource, bool, error) {
	s := &jsonlSource{textFile: textFile{path: path, size: size}}
	w := &window{f: f, size: size}
	defer w.release()
	r, err := guardWork(path, func() (jsonlRange, error) {
		return s.scanRange(w, 0, min(size, textChunkSize))
	})
	if err != nil {
		return nil, false, err
	}
	if r.err != nil {
		return nil, false, fmt.Errorf("%s: line %d: %s", path, 1+r.err.line, r.err.msg)
	}
	if r.rows == 0 {
		return nil, false, fmt.Errorf("%s: no JSON objects in the first %d bytes", path, textChunkSize)
	}
	s.rows = r.rows
	s.chunks = []textChunk{{start: r.first, end: r.end, line: 1, rows: r.rows}}
	s.index = []jsonlIndex{{names: r.root.names, offsets: r.index}}
	s.schema = arrow.NewSchema(r.root.arrowFields(), nil)
	return s, r.end >= size, nil
}
