package dataset

import (
	"context"
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/metadata"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// Fetching a few rows of a column: a top N needs its output columns for
// its N rows only. arrow-go's page reader decompresses every page it
// passes, so a fetch reads the page headers itself and decompresses only
// the pages that hold one of the rows. It covers flat columns of plain
// fixed-width numbers (ids, scores); anything else is ErrNotFetchable and
// the caller reads the part.

// ErrNotFetchable says FetchRows cannot read these columns page by page.
var ErrNotFetchable = errors.New("dataset: columns not fetchable row by row")

// Fetchable reports whether FetchRows can read cols: columns of the
// dataset's own Parquet file that are flat numbers (int32, int64, float32,
// float64) without a dictionary in any row group.
func (ds *Dataset) Fetchable(cols []string) bool {
	s, ok := ds.data.(*parquetSource)
	if !ok || !ds.Direct(cols) {
		return false
	}
	ok = true
	err := guard(s.path, func() error {
		md := s.pf.MetaData()
		for _, c := range cols {
			f, shaped := s.fetchableField(c)
			for rg := 0; shaped && rg < md.NumRowGroups(); rg++ {
				cc, err := md.RowGroup(rg).ColumnChunk(f.ColIndex)
				shaped = err == nil && s.fetchableChunk(cc)
			}
			ok = ok && shaped
		}
		return nil
	})
	return err == nil && ok
}

// fetchableField is the leaf of a flat plain-number column, ok false for
// any other column.
func (s *parquetSource) fetchableField(name string) (f pqarrow.SchemaField, ok bool) {
	idx := s.schema.FieldIndices(name)
	if len(idx) == 0 {
		return f, false
	}
	f = s.fields[idx[0]]
	if f.Field == nil || !f.IsLeaf() || !s.plainLogical(f) {
		return f, false
	}
	pw, ok := plainPhysical[f.Field.Type.ID()]
	descr := s.pf.MetaData().Schema.Column(f.ColIndex)
	return f, ok && descr.PhysicalType() == pw.phys && descr.MaxRepetitionLevel() == 0 && descr.MaxDefinitionLevel() <= 1
}

// fetchableChunk reports whether a fetch can read a column chunk's pages:
// no dictionary, no encryption, a codec arrow-go has, inside the file.
func (s *parquetSource) fetchableChunk(cc *metadata.ColumnChunkMetaData) bool {
	if cc.HasDictionaryPage() || cc.CryptoMetadata() != nil || checkChunkRange(cc, s.f.size) != nil {
		return false
	}
	_, err := compress.GetCodec(cc.Compression())
	return err == nil
}

// FetchRows reads rows (ascending, counted from part p's first row) of the
// columns Fetchable accepts, as one array per column in the rows' order.
// Only the pages that hold one of the rows are decompressed. A page it
// cannot read this way (one with nulls, another encoding) makes it
// ErrNotFetchable: the caller reads the part instead.
func (ds *Dataset) FetchRows(ctx context.Context, p int, rows []int64, cols []string, mem memory.Allocator) ([]arrow.Array, error) {
	s, ok := ds.data.(*parquetSource)
	if !ok || !ds.Direct(cols) {
		return nil, ErrNotFetchable
	}
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	var out []arrow.Array
	err := guard(s.path, func() error {
		for _, c := range cols {
			if err := ctx.Err(); err != nil {
				return err
			}
			f, ok := s.fetchableField(c)
			if !ok {
				return errSlowPath
			}
			pw := plainPhysical[f.Field.Type.ID()]
			values, err := s.fetchPlain(p, f.ColIndex, rows, pw.width)
			if err != nil {
				return fmt.Errorf("row group %d, column %q: %w", p, c, err)
			}
			data := array.NewData(f.Field.Type, len(rows), []*memory.Buffer{nil, memory.NewBufferBytes(values)}, nil, 0, 0)
			out = append(out, array.MakeFromData(data))
			data.Release()
		}
		return nil
	})
	if err != nil {
		for _, a := range out {
			a.Release()
		}
		if errors.Is(err, errSlowPath) {
			return nil, ErrNotFetchable
		}
		return nil, err
	}
	return out, nil
}

// fetchPlain returns the width-byte values at rows of leaf column leaf in
// row group rg, reading page headers and decompressing only the pages
// that hold one of the rows.
func (s *parquetSource) fetchPlain(rg, leaf int, rows []int64, width int) ([]byte, error) {
	md := s.pf.MetaData()
	cc, err := md.RowGroup(rg).ColumnChunk(leaf)
	if err != nil {
		return nil, err
	}
	if !s.fetchableChunk(cc) {
		return nil, errSlowPath
	}
	codec, err := compress.GetCodec(cc.Compression())
	if err != nil {
		return nil, err
	}
	maxDef := md.Schema.Column(leaf).MaxDefinitionLevel()
	out := make([]byte, 0, len(rows)*width)
	pos, end := cc.DataPageOffset(), cc.DataPageOffset()+cc.TotalCompressedSize()
	var first int64 // the row the next page starts at
	next := 0       // the next of rows to find
	head := make([]byte, 256)
	for next < len(rows) {
		if pos >= end {
			return nil, fmt.Errorf("the chunk ends before row %d", rows[next])
		}
		h, err := s.readPageHeader(pos, end, &head)
		if err != nil {
			return nil, err
		}
		body := pos + int64(h.headerLen)
		pos = body + int64(h.compressed)
		if h.typ != pageData && h.typ != pageDataV2 {
			continue // an index page (fetchableChunk ruled out a dictionary)
		}
		if h.numValues < 0 {
			return nil, fmt.Errorf("data page with %d values", h.numValues)
		}
		last := first + int64(h.numValues)
		if rows[next] >= last {
			first = last
			continue // none of the rows: not decompressed
		}
		page, err := s.readPage(h, body, codec)
		if err != nil {
			return nil, err
		}
		values, count, encoding, err := dataPage(page, maxDef)
		page.Release()
		if err != nil {
			return nil, err
		}
		if encoding != int32(parquet.Encodings.Plain) || count != int(h.numValues) || len(values) < count*width {
			return nil, errSlowPath
		}
		for ; next < len(rows) && rows[next] < last; next++ {
			if rows[next] < first {
				return nil, fmt.Errorf("rows out of order at %d", rows[next])
			}
			at := int(rows[next]-first) * width
			out = append(out, values[at:at+width]...)
		}
		first = last
	}
	return out, nil
}

// readPage reads and decompresses one data page as arrow-go's page type,
// which dataPage reads.
func (s *parquetSource) readPage(h pageHeader, at int64, codec compress.Codec) (file.Page, error) {
	raw := make([]byte, h.compressed)
	if _, err := s.f.ReadAt(raw, at); err != nil {
		return nil, err
	}
	if h.typ == pageData {
		data, err := compress.Decode(codec, make([]byte, h.uncompressed), raw)
		if err != nil {
			return nil, err
		}
		if len(data) != int(h.uncompressed) {
			return nil, fmt.Errorf("page of %d bytes, its header says %d", len(data), h.uncompressed)
		}
		return file.NewDataPageV1(memory.NewBufferBytes(data), h.numValues, parquet.Encoding(h.encoding), parquet.Encoding(h.defEncoding), parquet.Encoding(h.repEncoding), h.uncompressed), nil
	}
	levels := int(h.defLen) + int(h.repLen)
	if levels < 0 || levels > len(raw) || h.defLen < 0 || h.repLen < 0 {
		return nil, fmt.Errorf("page levels of %d bytes in a page of %d", levels, len(raw))
	}
	data := raw
	if h.compressed2 {
		values, err := compress.Decode(codec, make([]byte, int(h.uncompressed)-levels), raw[levels:])
		if err != nil {
			return nil, err
		}
		data = append(raw[:levels:levels], values...)
	}
	return file.NewDataPageV2(memory.NewBufferBytes(data), h.numValues, h.numNulls, h.numRows, parquet.Encoding(h.encoding), h.defLen, h.repLen, h.uncompressed, h.compressed2), nil
}

// Page types of the Parquet format.
const (
	pageData   = 0
	pageDataV2 = 3
)

// pageHeader is what a fetch needs of a Parquet page header.
type pageHeader struct {
	headerLen                int
	typ                      int32
	uncompressed, compressed int32
	numValues                int32
	encoding                 int32
	defEncoding, repEncoding int32 // data pages
	numNulls, numRows        int32 // data pages v2
	defLen, repLen           int32 // data pages v2
	compressed2              bool  // data pages v2: the values are compressed
}

// readPageHeader reads the page header at pos (before end) into h, growing
// *buf when a header is longer than it.
func (s *parquetSource) readPageHeader(pos, end int64, buf *[]byte) (pageHeader, error) {
	for {
		b := (*buf)[:min(int64(len(*buf)), end-pos)]
		n, err := s.f.ReadAt(b, pos)
		if n < len(b) && err != nil {
			return pageHeader{}, err
		}
		h, err := parsePageHeader(b)
		if errors.Is(err, errBadThrift) && len(b) == len(*buf) && len(*buf) < 1<<20 {
			*buf = make([]byte, 4*len(*buf)) // statistics can be long
			continue
		}
		if err == nil && (h.compressed < 0 || h.uncompressed < 0 || int64(h.headerLen)+int64(h.compressed) > end-pos) {
			err = fmt.Errorf("page header: %d compressed bytes past the chunk's end", h.compressed)
		}
		return h, err
	}
}

// parsePageHeader decodes a PageHeader (Thrift compact protocol, read by
// pqfooter.go's thriftReader), skipping what a fetch does not use
// (statistics, CRC).
func parsePageHeader(b []byte) (pageHeader, error) {
	r := &thriftReader{b: b}
	h := pageHeader{compressed2: true}
	var bad error // a value that did not read
	i32 := func() int32 {
		v, err := r.uvarint()
		if err != nil && bad == nil {
			bad = err
		}
		return int32(zigzag(v))
	}
	err := r.fields(0, func(id, typ int) (bool, error) {
		switch {
		case id == 1 && typ == ctI32:
			h.typ = i32()
		case id == 2 && typ == ctI32:
			h.uncompressed = i32()
		case id == 3 && typ == ctI32:
			h.compressed = i32()
		case id == 5 && typ == ctStruct: // DataPageHeader
			return true, r.fields(1, func(id, typ int) (bool, error) {
				switch {
				case typ != ctI32:
					return false, nil
				case id == 1:
					h.numValues = i32()
				case id == 2:
					h.encoding = i32()
				case id == 3:
					h.defEncoding = i32()
				case id == 4:
					h.repEncoding = i32()
				default:
					return false, nil
				}
				return true, bad
			})
		case id == 8 && typ == ctStruct: // DataPageHeaderV2
			return true, r.fields(1, func(id, typ int) (bool, error) {
				switch {
				case id == 7 && (typ == ctBoolTrue || typ == ctBoolFalse):
					h.compressed2 = typ == ctBoolTrue
				case typ != ctI32:
					return false, nil
				case id == 1:
					h.numValues = i32()
				case id == 2:
					h.numNulls = i32()
				case id == 3:
					h.numRows = i32()
				case id == 4:
					h.encoding = i32()
				case id == 5:
					h.defLen = i32()
				case id == 6:
					h.repLen = i32()
				default:
					return false, nil
				}
				return true, bad
			})
		default:
			return false, nil
		}
		return true, bad
	})
	if err != nil {
		return h, fmt.Errorf("page header: %w", err)
	}
	h.headerLen = r.pos
	return h, nil
}

// fields reads a struct's fields: field gets each one's id and type and
// reads its value, or says false to have it skipped.
func (r *thriftReader) fields(depth int, field func(id, typ int) (bool, error)) error {
	last := 0
	for {
		id, typ, err := r.fieldHeader(last)
		if err != nil || typ == 0 {
			return err
		}
		read, err := field(id, typ)
		if err == nil && !read {
			err = r.skip(typ, depth+1)
		}
		if err != nil {
			return err
		}
		last = id
	}
}
