package dataset

import (
	"io"

	"github.com/apache/arrow-go/v18/parquet/compress"
)

// A data page v2 whose values are all null stores its definition levels
// uncompressed and zero bytes of values; a compressed column still marks
// it compressed. arrow-go v18.8.0 hands those zero bytes to the codec,
// and Snappy, for one, calls them corrupt ("s2: corrupt input": corpus
// file datapage_v2_empty_datapage.snappy.parquet, which DuckDB and Spark
// read). Every decompression codec is wrapped here so that an empty block
// decodes to nothing; the page's declared uncompressed size is still
// checked by arrow-go against what was decoded. The fix that belongs in
// arrow-go is docs/upstream/empty-v2-page.patch.

func init() {
	for _, c := range []compress.Compression{
		compress.Codecs.Snappy, compress.Codecs.Gzip, compress.Codecs.Brotli,
		compress.Codecs.Zstd, compress.Codecs.Lz4Raw,
	} {
		codec, err := compress.GetCodec(c)
		if err != nil {
			continue // not built in: nothing to wrap
		}
		if s, ok := codec.(compress.StreamingCodec); ok {
			compress.RegisterCodec(c, emptyStreamingCodec{emptyBlockCodec{codec}, s})
		} else {
			compress.RegisterCodec(c, emptyBlockCodec{codec})
		}
	}
}

// emptyBlockCodec decodes an empty block to an empty block, and any other
// block as the codec it wraps does.
type emptyBlockCodec struct {
	compress.Codec
}

func (c emptyBlockCodec) Decode(dst, src []byte) []byte {
	if len(src) == 0 {
		return dst[:0]
	}
	return c.Codec.Decode(dst, src)
}

func (c emptyBlockCodec) DecodeWithError(dst, src []byte) ([]byte, error) {
	if len(src) == 0 {
		return dst[:0], nil
	}
	return compress.Decode(c.Codec, dst, src)
}

// emptyStreamingCodec keeps the streaming interface of a codec that has
// one, so arrow-go still streams large pages through it.
type emptyStreamingCodec struct {
	emptyBlockCodec
	streaming compress.StreamingCodec
}

func (c emptyStreamingCodec) NewReader(r io.Reader) io.ReadCloser  { return c.streaming.NewReader(r) }
func (c emptyStreamingCodec) NewWriter(w io.Writer) io.WriteCloser { return c.streaming.NewWriter(w) }
func (c emptyStreamingCodec) NewWriterLevel(w io.Writer, level int) (io.WriteCloser, error) {
	return c.streaming.NewWriterLevel(w, level)
}
