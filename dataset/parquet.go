package dataset

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/metadata"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/apache/arrow-go/v18/parquet/schema"
)

// batchSize is the number of rows per record batch read from a file.
const batchSize = 64 * 1024

type parquetSource struct {
	path   string
	f      *countingFile
	pf     *file.Reader
	schema *arrow.Schema
	fields []pqarrow.SchemaField
	rows   int64                     // the sum over the row groups (the footer's total can be wrong)
	maps   map[string]*arrow.MapType // columns read as struct and turned into maps (pqmap.go)
	notes  []string                  // what a person should know about how the file was read

	progressMu sync.Mutex // progress callbacks come from several goroutines
}

func openParquet(path string) (_ Source, err error) {
	osf, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := osf.Stat()
	if err != nil {
		osf.Close()
		return nil, err
	}
	s := &parquetSource{path: path, f: &countingFile{f: osf, size: st.Size()}}
	err = guard(path, s.open)
	if err != nil && strings.Contains(err.Error(), "invalid logical type") {
		// A logical type newer than arrow-go: read the physical type.
		if columns, retry := s.dropUnknownLogicalTypes(); retry == nil {
			if err = guard(path, s.open); err == nil {
				s.noteUnknownLogicalTypes(columns)
			}
		}
	}
	if err != nil {
		osf.Close()
		return nil, parquetError(path, err)
	}
	return s, nil
}

// open reads the footer and works out the Arrow schema.
func (s *parquetSource) open() error {
	props := parquet.NewReaderProperties(nil)
	// Read column chunks through a small buffer: unbuffered, arrow-go
	// reads each whole compressed chunk into one buffer first (60 MB for
	// the probs of a million rows). A page larger than the buffer is read
	// in one piece.
	props.BufferedStreamEnabled = true
	props.BufferSize = 256 << 10
	pf, err := file.NewParquetReader(s.f, file.WithReadProps(props))
	if err != nil {
		return err
	}
	s.pf = pf
	if s.rows, err = rowGroupRows(pf); err != nil {
		return err
	}
	relaxed, err := relaxMapKeys(pf)
	if err != nil {
		return err
	}
	manifest, err := pqarrow.NewSchemaManifest(pf.MetaData().Schema, pf.MetaData().KeyValueMetadata(), nil)
	if err != nil {
		return err
	}
	s.fields = manifest.Fields
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, nil)
	if err != nil {
		return err
	}
	sc, err := fr.Schema()
	if err != nil {
		return err
	}
	s.schema = withInt96Micros(withFileMetadata(sc, pf), pf, s.fields)
	if relaxed != nil {
		s.schema, s.maps, err = withMapTypes(s.schema, relaxed)
	}
	return err
}

// dropUnknownLogicalTypes makes the file read through a footer without
// the logical types arrow-go does not know (pqfooter.go), and returns the
// columns concerned.
func (s *parquetSource) dropUnknownLogicalTypes() ([]string, error) {
	size := s.f.size
	var tail [8]byte
	if size < 12 {
		return nil, errBadThrift
	}
	if _, err := s.f.f.ReadAt(tail[:], size-8); err != nil {
		return nil, err
	}
	n := int64(binary.LittleEndian.Uint32(tail[:4]))
	if n <= 0 || n > size-12 || string(tail[4:]) != "PAR1" {
		return nil, errBadThrift
	}
	footer := make([]byte, n)
	if _, err := s.f.f.ReadAt(footer, size-8-n); err != nil {
		return nil, err
	}
	patched, columns, err := dropUnknownLogicalTypes(footer)
	if err != nil || columns == nil {
		return nil, errBadThrift
	}
	patched = binary.LittleEndian.AppendUint32(patched, uint32(len(patched)))
	s.f.footer, s.f.footerAt = append(patched, "PAR1"...), size-8-n
	return columns, nil
}

// noteUnknownLogicalTypes says, for schema, which columns were read by
// their physical type.
func (s *parquetSource) noteUnknownLogicalTypes(columns []string) {
	sc := s.pf.MetaData().Schema
	for _, c := range columns {
		phys := "physical type"
		for i := 0; i < sc.NumColumns(); i++ {
			if sc.Column(i).Name() == c {
				phys = sc.Column(i).PhysicalType().String()
			}
		}
		s.notes = append(s.notes, fmt.Sprintf("%s: column %q has a logical type this reader does not know: read as its physical type, %s", s.path, c, phys))
	}
}

// parquetError makes arrow-go's messages say what a person needs to know.
func parquetError(path string, err error) error {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "encrypt") || strings.Contains(msg, "PARE"):
		return fmt.Errorf("%s: the file is encrypted (Parquet modular encryption); triage cannot read encrypted files", path)
	case errors.Is(err, io.ErrUnexpectedEOF) || strings.Contains(msg, "too small") || strings.Contains(msg, "smaller than") || strings.Contains(msg, "magic"):
		return fmt.Errorf("%s: not a complete Parquet file (truncated?): %v", path, trimPath(msg, path))
	}
	return fmt.Errorf("%s: %v", path, trimPath(msg, path))
}

// trimPath drops a leading "path: " that an inner error already carries.
func trimPath(msg, path string) string {
	return strings.TrimPrefix(msg, path+": ")
}

func (s *parquetSource) Path() string          { return s.path }
func (s *parquetSource) Format() Format        { return FormatParquet }
func (s *parquetSource) Schema() *arrow.Schema { return s.schema }
func (s *parquetSource) NumRows() int64        { return s.rows }
func (s *parquetSource) Close() error          { return s.f.f.Close() }
func (s *parquetSource) Notes() []string       { return s.notes }

// Parts are the row groups.
func (s *parquetSource) Parts() []int64 {
	parts := make([]int64, s.pf.NumRowGroups())
	for i := range parts {
		parts[i] = s.pf.MetaData().RowGroup(i).NumRows()
	}
	return parts
}

// Read reads row groups through pqarrow's record reader with
// Parallel=false: with Parallel=true a malformed file panics in a goroutine
// arrow-go starts, where no recover can reach, and kills the process.
func (s *parquetSource) Read(ctx context.Context, opts ReadOptions) ([]arrow.RecordBatch, error) {
	cols, err := columnIndices(s.path, s.schema, opts.Columns)
	if err != nil {
		return nil, err
	}
	groups := make([]int, s.pf.NumRowGroups())
	for i := range groups {
		groups[i] = i
	}
	if opts.Parts != nil {
		groups = opts.Parts
		for _, rg := range groups {
			if rg < 0 || rg >= s.pf.NumRowGroups() {
				return nil, fmt.Errorf("%s: no row group %d", s.path, rg)
			}
		}
	}
	if len(cols) == 0 {
		var rows int64
		for _, rg := range groups {
			rows += s.pf.MetaData().RowGroup(rg).NumRows()
		}
		return deliver(emptyBatches(rows), opts)
	}
	props := pqarrow.ArrowReadProperties{BatchSize: batchSize}
	var leaves []int
	for _, c := range cols {
		leaves = append(leaves, leafIndices(s.fields[c])...)
		if s.readAsDictionary(s.fields[c]) {
			props.SetReadDict(s.fields[c].ColIndex, true)
		}
	}
	totalBytes, err := s.chunkBytes(leaves)
	if err != nil {
		return nil, parquetError(s.path, err)
	}
	startBytes := s.f.read.Load()

	// Row groups are decoded in parallel by our own goroutines, each under
	// its own guard, and put back in file order.
	perGroup := make([][]arrow.RecordBatch, len(groups))
	errs := make([]error, len(groups))
	var rows, next atomic.Int64
	var totalRows int64
	for _, rg := range groups {
		totalRows += s.pf.MetaData().RowGroup(rg).NumRows()
	}
	workers := min(len(groups), runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Each worker takes the next row group: groups differ in size.
			for i := int(next.Add(1) - 1); i < len(groups); i = int(next.Add(1) - 1) {
				if ctx.Err() != nil {
					errs[i] = ctx.Err()
					return
				}
				rg := groups[i]
				perGroup[i], errs[i] = s.readRowGroup(ctx, props, cols, rg, opts.Mem, opts.OnBatch)
				if errs[i] != nil {
					return
				}
				n := s.pf.MetaData().RowGroup(rg).NumRows()
				r := rows.Add(n)
				if opts.Progress != nil {
					s.progressMu.Lock()
					opts.Progress(Progress{Rows: r, TotalRows: totalRows, Bytes: s.f.read.Load() - startBytes, TotalBytes: totalBytes})
					s.progressMu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	var batches []arrow.RecordBatch
	var firstErr error
	for rg := range perGroup {
		batches = append(batches, perGroup[rg]...)
		if errs[rg] != nil && firstErr == nil {
			firstErr = errs[rg]
		}
	}
	if firstErr != nil {
		releaseAll(batches)
		return nil, parquetError(s.path, firstErr)
	}
	return batches, nil
}

// readRowGroup reads one row group's columns (top-level schema indices)
// a few pages at a time (zipRowGroup), under a guard of its own: it runs
// in a goroutine, where a panic would otherwise kill the process.
func (s *parquetSource) readRowGroup(ctx context.Context, props pqarrow.ArrowReadProperties, cols []int, rg int, mem memory.Allocator, onBatch func(arrow.RecordBatch) error) ([]arrow.RecordBatch, error) {
	var batches []arrow.RecordBatch
	emit := func(b arrow.RecordBatch) error {
		if onBatch != nil {
			defer b.Release()
			return onBatch(b)
		}
		batches = append(batches, b)
		return nil
	}
	if s.maps != nil {
		emit = withMaps(s.maps, emit)
	}
	// With fewer row groups than cores, the row groups' own workers
	// leave cores idle: the columns are decoded side by side.
	ahead := s.pf.NumRowGroups() < runtime.GOMAXPROCS(0)
	err := guard(s.path, func() error {
		return s.zipRowGroup(ctx, props, cols, rg, mem, ahead, emit)
	})
	if err != nil {
		releaseAll(batches)
		return nil, err
	}
	return batches, nil
}

// plainLogical reports whether a leaf's values need no conversion from
// their physical type: no logical type (dates, decimals, timestamps...),
// or a plain signed integer of the physical width.
func (s *parquetSource) plainLogical(f pqarrow.SchemaField) bool {
	descr := s.pf.MetaData().Schema.Column(f.ColIndex)
	lt := descr.LogicalType()
	if lt == nil || lt.Equals(schema.NoLogicalType{}) {
		return descr.ConvertedType() == schema.ConvertedTypes.None
	}
	// A file's logical type is an IntLogicalType value, not a pointer.
	it, ok := lt.(schema.IntLogicalType)
	return ok && it.IsSigned() && (it.BitWidth() == 32 || it.BitWidth() == 64)
}

// leafIndices lists the Parquet leaf columns under a top-level field.
func leafIndices(f pqarrow.SchemaField) []int {
	if f.IsLeaf() {
		return []int{f.ColIndex}
	}
	var out []int
	for _, c := range f.Children {
		out = append(out, leafIndices(c)...)
	}
	return out
}

// readAsDictionary reports whether a top-level string column is dictionary
// encoded in every row group, so it can be read as an Arrow dictionary array
// that queries compare by index (low-cardinality labels, splits, classes).
func (s *parquetSource) readAsDictionary(f pqarrow.SchemaField) bool {
	if !f.IsLeaf() || f.Field == nil || f.Field.Type.ID() != arrow.STRING {
		return false
	}
	md := s.pf.MetaData()
	if md.NumRowGroups() == 0 {
		return false
	}
	for rg := 0; rg < md.NumRowGroups(); rg++ {
		cc, err := md.RowGroup(rg).ColumnChunk(f.ColIndex)
		if err != nil || !cc.HasDictionaryPage() {
			return false
		}
		for _, st := range cc.EncodingStats() {
			if st.PageType != 2 && st.Encoding == parquet.Encodings.Plain { // 2 = DICTIONARY_PAGE; a plain data page means the writer fell back
				return false
			}
		}
	}
	return true
}

// chunkBytes is the compressed size of the given leaf columns over all row
// groups: what a projected read has to fetch. It fails when a column
// chunk's metadata cannot be decoded or points outside the file.
func (s *parquetSource) chunkBytes(leaves []int) (n int64, err error) {
	err = guard(s.path, func() error {
		md := s.pf.MetaData()
		for rg := 0; rg < md.NumRowGroups(); rg++ {
			for _, l := range leaves {
				cc, err := md.RowGroup(rg).ColumnChunk(l)
				if err != nil {
					return fmt.Errorf("row group %d, column %d: %w", rg, l, err)
				}
				if err := checkChunkRange(cc, s.f.size); err != nil {
					return fmt.Errorf("row group %d, column %d: %w", rg, l, err)
				}
				n += cc.TotalCompressedSize()
			}
		}
		return nil
	})
	return n, err
}

// countingFile counts the bytes read through it, for progress and for
// proving that projection reads only the columns asked for. When footer is
// set (see pqfooter.go), the bytes from footerAt on are read from it
// instead of the file: a rewritten footer, its length and the magic.
type countingFile struct {
	f    *os.File
	size int64
	read atomic.Int64
	pos  int64

	footer   []byte
	footerAt int64
}

func (c *countingFile) ReadAt(p []byte, off int64) (int, error) {
	if c.footer == nil || off+int64(len(p)) <= c.footerAt {
		n, err := c.f.ReadAt(p, off)
		c.read.Add(int64(n))
		return n, err
	}
	n := 0
	if off < c.footerAt {
		k, err := c.f.ReadAt(p[:c.footerAt-off], off)
		c.read.Add(int64(k))
		if err != nil {
			return k, err
		}
		n, off = k, c.footerAt
	}
	if off-c.footerAt >= int64(len(c.footer)) {
		return n, io.EOF
	}
	k := copy(p[n:], c.footer[off-c.footerAt:])
	if n+k < len(p) {
		return n + k, io.EOF
	}
	return n + k, nil
}

func (c *countingFile) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekCurrent:
		offset += c.pos
	case io.SeekEnd:
		offset += c.size
		if c.footer != nil {
			offset += c.footerAt + int64(len(c.footer)) - c.size
		}
	}
	if offset < 0 {
		return c.pos, errors.New("seek before the start of the file")
	}
	c.pos = offset
	return offset, nil
}

func (c *countingFile) Read(p []byte) (int, error) {
	n, err := c.ReadAt(p, c.pos)
	c.pos += int64(n)
	return n, err
}

// rowGroupRows counts the rows of the row groups: the footer's own total
// is not always right (parquet-rs 0.3 wrote 0 for a row group of 6, in
// repeated_no_annotation.parquet), and readers count the row groups too. A
// negative count is rejected before a reader trusts it for an allocation.
func rowGroupRows(pf *file.Reader) (int64, error) {
	md := pf.MetaData()
	var total int64
	for rg := 0; rg < md.NumRowGroups(); rg++ {
		n := md.RowGroup(rg).NumRows()
		if n < 0 || total+n < total {
			return 0, fmt.Errorf("malformed footer: row group %d has %d rows", rg, n)
		}
		total += n
	}
	return total, nil
}

// withFileMetadata adds the Parquet footer's key-value pairs to the schema's
// metadata. pqarrow prefers the metadata inside a stored Arrow schema, which
// writers often leave empty while putting "huggingface" or "triage.classes"
// in the footer.
func withFileMetadata(sc *arrow.Schema, pf *file.Reader) *arrow.Schema {
	md := sc.Metadata()
	keys, values := append([]string(nil), md.Keys()...), append([]string(nil), md.Values()...)
	kv := pf.MetaData().KeyValueMetadata()
	for i, k := range kv.Keys() {
		if k == "ARROW:schema" || md.FindKey(k) >= 0 {
			continue
		}
		keys = append(keys, k)
		values = append(values, kv.Values()[i])
	}
	meta := arrow.NewMetadata(keys, values)
	return arrow.NewSchema(sc.Fields(), &meta)
}

// checkChunkRange rejects a column chunk whose byte range lies outside the
// file. pqarrow opens the readers of a struct's children in goroutines of
// its own (an errgroup, even with Parallel=false), where the panic a
// negative length causes would kill the process; so the ranges are checked
// here, first.
func checkChunkRange(cc *metadata.ColumnChunkMetaData, fileSize int64) error {
	start := cc.DataPageOffset()
	if cc.HasDictionaryPage() && cc.DictionaryPageOffset() > 0 && start > cc.DictionaryPageOffset() {
		start = cc.DictionaryPageOffset()
	}
	length := cc.TotalCompressedSize()
	if start < 0 || length < 0 || start > fileSize || length > fileSize-start {
		return fmt.Errorf("malformed footer: column chunk at offset %d with length %d lies outside the %d-byte file", start, length, fileSize)
	}
	return nil
}
