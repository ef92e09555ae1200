package dataset

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// A Parquet schema element may carry a logical type written by a newer
// writer than the reader. The format says a reader that does not know it
// reads the column's physical type; arrow-go v18.8.0 panics instead
// ("invalid logical type", corpus file unknown-logical-type.parquet, which
// DuckDB reads). When that happens triage rewrites the footer without the
// unknown annotations and opens the file again through the rewritten
// footer (parquetSource's countingFile serves it in place of the real
// one). The fix that belongs in arrow-go is
// docs/upstream/unknown-logical-type.patch.
//
// The footer is a Thrift compact-protocol FileMetaData. Only its schema
// list is rewritten; every other byte is copied as it is.

// Thrift compact protocol type ids.
const (
	ctBoolTrue  = 1
	ctBoolFalse = 2
	ctByte      = 3
	ctI16       = 4
	ctI32       = 5
	ctI64       = 6
	ctDouble    = 7
	ctBinary    = 8
	ctList      = 9
	ctSet       = 10
	ctMap       = 11
	ctStruct    = 12
)

// Field ids of parquet.thrift used here.
const (
	fmdSchema       = 2  // FileMetaData.schema: list<SchemaElement>
	elemName        = 4  // SchemaElement.name
	elemLogicalType = 10 // SchemaElement.logicalType: union LogicalType
	lastLogicalType = 18 // LogicalType members arrow-go v18.8.0 knows: 1-8, 10-18
)

var errBadThrift = errors.New("malformed Parquet footer")

// knownLogicalType reports whether arrow-go v18.8.0 knows a LogicalType
// union member (9, INTERVAL, was never released).
func knownLogicalType(id int) bool { return id >= 1 && id <= lastLogicalType && id != 9 }

// thriftReader walks compact-protocol bytes.
type thriftReader struct {
	b   []byte
	pos int
}

func (r *thriftReader) byte() (byte, error) {
	if r.pos >= len(r.b) {
		return 0, errBadThrift
	}
	r.pos++
	return r.b[r.pos-1], nil
}

func (r *thriftReader) uvarint() (uint64, error) {
	v, n := binary.Uvarint(r.b[min(r.pos, len(r.b)):])
	if n <= 0 {
		return 0, errBadThrift
	}
	r.pos += n
	return v, nil
}

func (r *thriftReader) skipN(n uint64) error {
	if n > uint64(len(r.b)-r.pos) {
		return errBadThrift
	}
	r.pos += int(n)
	return nil
}

// fieldHeader reads a struct field header: its id (from the previous id
// last) and type; typ 0 is the stop byte.
func (r *thriftReader) fieldHeader(last int) (id, typ int, err error) {
	h, err := r.byte()
	if err != nil || h == 0 {
		return 0, 0, err
	}
	typ = int(h & 0x0f)
	if delta := int(h >> 4); delta != 0 {
		return last + delta, typ, nil
	}
	v, err := r.uvarint()
	return int(int16(zigzag(v))), typ, err
}

func zigzag(v uint64) int64 { return int64(v>>1) ^ -int64(v&1) }

// skip moves past one value of type typ (inside a struct field; a bool
// field keeps its value in the header).
func (r *thriftReader) skip(typ, depth int) error {
	if depth > maxDepth {
		return errBadThrift
	}
	switch typ {
	case ctBoolTrue, ctBoolFalse:
		return nil
	case ctByte:
		return r.skipN(1)
	case ctI16, ctI32, ctI64:
		_, err := r.uvarint()
		return err
	case ctDouble:
		return r.skipN(8)
	case ctBinary:
		n, err := r.uvarint()
		if err != nil {
			return err
		}
		return r.skipN(n)
	case ctList, ctSet:
		n, elem, err := r.listHeader()
		if err != nil {
			return err
		}
		for i := uint64(0); i < n; i++ {
			if elem == ctBoolTrue || elem == ctBoolFalse {
				if err := r.skipN(1); err != nil { // a bool element is a byte
					return err
				}
				continue
			}
			if err := r.skip(elem, depth+1); err != nil {
				return err
			}
		}
		return nil
	case ctMap:
		n, err := r.uvarint()
		if err != nil || n == 0 {
			return err
		}
		kv, err := r.byte()
		if err != nil {
			return err
		}
		for i := uint64(0); i < n; i++ {
			for _, t := range []int{int(kv >> 4), int(kv & 0x0f)} {
				if t == ctBoolTrue || t == ctBoolFalse {
					err = r.skipN(1)
				} else {
					err = r.skip(t, depth+1)
				}
				if err != nil {
					return err
				}
			}
		}
		return nil
	case ctStruct:
		last := 0
		for {
			id, t, err := r.fieldHeader(last)
			if err != nil {
				return err
			}
			if t == 0 {
				return nil
			}
			if err := r.skip(t, depth+1); err != nil {
				return err
			}
			last = id
		}
	}
	return fmt.Errorf("%w: unknown Thrift type %d", errBadThrift, typ)
}

func (r *thriftReader) listHeader() (n uint64, elem int, err error) {
	h, err := r.byte()
	if err != nil {
		return 0, 0, err
	}
	n, elem = uint64(h>>4), int(h&0x0f)
	if n == 15 {
		n, err = r.uvarint()
	}
	if err == nil && n > uint64(len(r.b)) { // each element takes a byte at least
		err = errBadThrift
	}
	return n, elem, err
}

// appendFieldHeader writes a field header for id after the field last.
func appendFieldHeader(out []byte, last, id, typ int) []byte {
	if d := id - last; d > 0 && d <= 15 {
		return append(out, byte(d<<4|typ))
	}
	out = append(out, byte(typ))
	return binary.AppendUvarint(out, uint64(int64(id)<<1^int64(id)>>63))
}

// dropUnknownLogicalTypes rewrites a FileMetaData footer without the
// logical types arrow-go does not know, and returns the names of the
// schema elements that lost one (nil, and the footer unchanged, if none).
func dropUnknownLogicalTypes(footer []byte) ([]byte, []string, error) {
	r := &thriftReader{b: footer}
	out := make([]byte, 0, len(footer))
	var dropped []string
	last := 0
	for {
		id, typ, err := r.fieldHeader(last)
		if err != nil {
			return nil, nil, err
		}
		if typ == 0 {
			out = append(out, 0)
			break
		}
		out = appendFieldHeader(out, last, id, typ)
		if id == fmdSchema && typ == ctList {
			if out, err = r.rewriteSchema(out, &dropped); err != nil {
				return nil, nil, err
			}
		} else {
			valueStart := r.pos // a bool's value is in its header
			if err := r.skip(typ, 0); err != nil {
				return nil, nil, err
			}
			out = append(out, r.b[valueStart:r.pos]...)
		}
		last = id
	}
	out = append(out, footer[r.pos:]...) // nothing follows the struct, normally
	if dropped == nil {
		return footer, nil, nil
	}
	return out, dropped, nil
}

// rewriteSchema copies the schema list, leaving out unknown logical types.
func (r *thriftReader) rewriteSchema(out []byte, dropped *[]string) ([]byte, error) {
	listStart := r.pos
	n, elem, err := r.listHeader()
	if err != nil {
		return nil, err
	}
	if elem != ctStruct {
		return nil, fmt.Errorf("%w: schema list of type %d", errBadThrift, elem)
	}
	out = append(out, r.b[listStart:r.pos]...)
	for i := uint64(0); i < n; i++ {
		last, written := 0, 0
		var name string
		for {
			id, typ, err := r.fieldHeader(last)
			if err != nil {
				return nil, err
			}
			if typ == 0 {
				out = append(out, 0)
				break
			}
			valueStart := r.pos
			if err := r.skip(typ, 0); err != nil {
				return nil, err
			}
			value := r.b[valueStart:r.pos]
			last = id
			if id == elemName && typ == ctBinary {
				nr := &thriftReader{b: value}
				if l, err := nr.uvarint(); err == nil && int(l) <= len(value)-nr.pos {
					name = string(value[nr.pos : nr.pos+int(l)])
				}
			}
			if id == elemLogicalType && typ == ctStruct && !hasKnownMember(value) {
				*dropped = append(*dropped, name)
				continue
			}
			out = appendFieldHeader(out, written, id, typ)
			out = append(out, value...)
			written = id
		}
	}
	return out, nil
}

// hasKnownMember reports whether a LogicalType union (a struct's bytes)
// sets a member arrow-go knows.
func hasKnownMember(b []byte) bool {
	r := &thriftReader{b: b}
	last := 0
	for {
		id, typ, err := r.fieldHeader(last)
		if err != nil || typ == 0 {
			return false
		}
		if knownLogicalType(id) {
			return true
		}
		if r.skip(typ, 0) != nil {
			return false
		}
		last = id
	}
}
