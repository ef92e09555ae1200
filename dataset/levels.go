package dataset

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"

	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
)

// Data pages split into their repetition levels, definition levels and
// values, for the fast paths of plainstr.go and floatlist.go.
//
//	DataPageV1: [4-byte length][rep levels] [4-byte length][def levels] values
//	DataPageV2: [rep levels][def levels] values   (lengths in the page header)
//
// Each part is present only when its maximum level is above zero; levels
// use the RLE/bit-packed hybrid at the width of their maximum.

// pageParts is one data page, split.
type pageParts struct {
	count    int     // level entries: rows of a flat column, slots of a list column
	encoding int32   // of the values
	values   []byte  // the values section, still encoded
	repData  []byte  // repetition levels, still encoded (repLevels decodes them)
	defs     []int32 // definition levels; nil when every entry is at maxDef
	defined  int     // entries at maxDef, the values the page holds
}

// levelReader splits the pages of one column chunk, reusing its scratch
// slices from page to page.
type levelReader struct {
	maxRep, maxDef int16
	reps, defs     []int32
}

// split reads a data page's levels. Pages it cannot read (a deprecated
// BIT_PACKED level encoding, a streaming page) give errSlowPath; levels
// that cannot be right give an error.
func (lr *levelReader) split(p file.Page) (pageParts, error) {
	parts := pageParts{count: int(p.NumValues()), encoding: int32(p.Encoding())}
	if parts.count < 0 {
		return parts, fmt.Errorf("data page with %d values", parts.count)
	}
	var repData, defData []byte
	switch p := p.(type) {
	case *file.DataPageV1:
		data := p.Data()
		var err error
		if lr.maxRep > 0 {
			if p.RepetitionLevelEncoding() != parquet.Encodings.RLE {
				return parts, errSlowPath
			}
			if repData, data, err = lengthPrefixed(data); err != nil {
				return parts, err
			}
		}
		if lr.maxDef > 0 {
			if p.DefinitionLevelEncoding() != parquet.Encodings.RLE {
				return parts, errSlowPath
			}
			if defData, data, err = lengthPrefixed(data); err != nil {
				return parts, err
			}
		}
		parts.values = data
	case *file.DataPageV2:
		data := p.Data()
		rl, dl := int(p.RepetitionLevelByteLen()), int(p.DefinitionLevelByteLen())
		if rl < 0 || dl < 0 || rl+dl > len(data) {
			return parts, errors.New("data page levels overrun the page")
		}
		repData, defData, parts.values = data[:rl], data[rl:rl+dl], data[rl+dl:]
	default:
		return parts, errSlowPath
	}
	parts.defined = parts.count
	parts.repData = repData
	if lr.maxDef > 0 && !allLevel(defData, parts.count, lr.maxDef) {
		lr.defs = grow(lr.defs, parts.count)
		if err := decodeLevels(lr.defs, defData, lr.maxDef); err != nil {
			return parts, fmt.Errorf("definition levels: %w", err)
		}
		parts.defs = lr.defs
		parts.defined = 0
		for _, d := range parts.defs {
			if d == int32(lr.maxDef) {
				parts.defined++
			}
		}
	}
	return parts, nil
}

// repLevels decodes a page's repetition levels, into scratch space
// reused by the next page.
func (lr *levelReader) repLevels(p pageParts) ([]int32, error) {
	lr.reps = grow(lr.reps, p.count)
	if err := decodeLevels(lr.reps, p.repData, lr.maxRep); err != nil {
		return nil, fmt.Errorf("repetition levels: %w", err)
	}
	return lr.reps, nil
}

// lengthPrefixed splits off a V1 page's 4-byte-length-prefixed levels.
func lengthPrefixed(b []byte) (levels, rest []byte, err error) {
	if len(b) < 4 {
		return nil, nil, errors.New("data page ends in its levels")
	}
	l := binary.LittleEndian.Uint32(b)
	if uint64(l) > uint64(len(b)-4) {
		return nil, nil, errors.New("data page levels overrun the page")
	}
	return b[4 : 4+l], b[4+l:], nil
}

// decodeLevels fills out with levels of at most max, or fails.
func decodeLevels(out []int32, b []byte, max int16) error {
	got, err := decodeHybrid(out, b, bits.Len16(uint16(max)))
	if err != nil {
		return err
	}
	if got != len(out) {
		return fmt.Errorf("%d of %d levels", got, len(out))
	}
	for _, l := range out {
		if uint32(l) > uint32(max) {
			return fmt.Errorf("level %d above the column's maximum %d", l, max)
		}
	}
	return nil
}

// allLevel reports whether hybrid-encoded levels b hold n copies of
// level, in RLE runs: what a writer produces for a page without nulls. It
// answers false when unsure, and the caller decodes the levels.
func allLevel(b []byte, n int, level int16) bool {
	width := bits.Len16(uint16(level))
	valueBytes := (width + 7) / 8
	for n > 0 {
		header, k := binary.Uvarint(b)
		if k <= 0 || header&1 != 0 || len(b) < k+valueBytes {
			return false
		}
		var v int
		for i := 0; i < valueBytes; i++ {
			v |= int(b[k+i]) << (8 * i)
		}
		if v != int(level) {
			return false
		}
		b = b[k+valueBytes:]
		n -= int(min(header>>1, uint64(n)))
	}
	return true
}

// grow returns s resized to n, reusing its array when it is big enough.
func grow(s []int32, n int) []int32 {
	if cap(s) < n {
		return make([]int32, n)
	}
	return s[:n]
}

// decodeDeltaInt32 decodes DELTA_BINARY_PACKED values into out, which
// must be as long as the count in the header says, and returns the bytes
// after them. Arithmetic wraps, as the format says.
//
//	header: block size, miniblocks per block, total count (uvarints), first value (zigzag)
//	block:  min delta (zigzag), one bit-width byte per miniblock, the miniblocks
//	        (each block size/miniblocks deltas - min delta, bit-packed; the last
//	        block stores only the miniblocks it needs)
func decodeDeltaInt32(b []byte, out []int32) ([]byte, error) {
	var hdr [3]uint64
	for i := range hdr {
		v, k := binary.Uvarint(b)
		if k <= 0 {
			return nil, errors.New("delta header ends early")
		}
		hdr[i], b = v, b[k:]
	}
	blockSize, miniBlocks, total := hdr[0], hdr[1], hdr[2]
	if blockSize == 0 || blockSize%128 != 0 || miniBlocks == 0 || blockSize%miniBlocks != 0 || (blockSize/miniBlocks)%32 != 0 || blockSize > 1<<20 {
		return nil, fmt.Errorf("delta block of %d values in %d miniblocks", blockSize, miniBlocks)
	}
	if total != uint64(len(out)) {
		return nil, errSlowPath // a count the page does not agree with: let pqarrow decide
	}
	first, k := binary.Varint(b)
	if k <= 0 {
		return nil, errors.New("delta header ends early")
	}
	b = b[k:]
	if len(out) == 0 {
		return b, nil
	}
	out[0] = int32(first)
	perMini := int(blockSize / miniBlocks)
	n := 1
	for n < len(out) {
		minDelta, k := binary.Varint(b)
		if k <= 0 || len(b) < k+int(miniBlocks) {
			return nil, errors.New("delta block ends early")
		}
		widths := b[k : k+int(miniBlocks)]
		b = b[k+int(miniBlocks):]
		for _, w := range widths {
			if n == len(out) {
				break
			}
			if w > 32 {
				return nil, fmt.Errorf("delta bit width %d", w)
			}
			size := perMini * int(w) / 8
			if size > len(b) {
				return nil, errors.New("delta miniblock ends early")
			}
			take := min(perMini, len(out)-n)
			unpack(out[n:n+take], b[:size], int(w))
			prev, d := uint32(out[n-1]), uint32(minDelta)
			for i := n; i < n+take; i++ {
				prev += d + uint32(out[i])
				out[i] = int32(prev)
			}
			n += take
			b = b[size:]
		}
	}
	return b, nil
}
