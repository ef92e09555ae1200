package dataset

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// arrow-go sizes slices from the vector lengths in an IPC schema's
// flatbuffer before checking them against the buffer: a corrupt length of a
// few billion makes it allocate hundreds of gigabytes, and the Go runtime
// dies of it with a fatal error no recover catches. checkIPCSchema walks
// the schema flatbuffers (the stream's first message, the file's footer)
// and rejects any vector that claims more elements than its buffer holds,
// before arrow-go sees them.

// Vtable slots of the Arrow flatbuffer tables (format/Schema.fbs,
// Message.fbs, File.fbs): slot n is at vtable offset 4 + 2n.
const (
	msgHeaderType = 6  // Message.header_type
	msgHeader     = 8  // Message.header
	schemaFields  = 6  // Schema.fields
	schemaMeta    = 8  // Schema.custom_metadata
	schemaFeats   = 10 // Schema.features
	fieldChildren = 14 // Field.children
	fieldMeta     = 16 // Field.custom_metadata
	footerSchema  = 6  // Footer.schema
	footerDicts   = 8  // Footer.dictionaries
	footerBatches = 10 // Footer.recordBatches

	headerSchema = 1 // MessageHeader.Schema
	blockSize    = 24
	maxDepth     = 64
)

var errBadFlatbuffer = errors.New("malformed IPC metadata")

// fbTable reads a table at pos in buf with bounds checks.
type fbTable struct {
	buf []byte
	pos int
}

func (t fbTable) ok() error {
	if t.pos < 0 || t.pos+4 > len(t.buf) {
		return errBadFlatbuffer
	}
	vt := t.pos - int(int32(binary.LittleEndian.Uint32(t.buf[t.pos:])))
	if vt < 0 || vt+4 > len(t.buf) {
		return errBadFlatbuffer
	}
	if vlen := int(binary.LittleEndian.Uint16(t.buf[vt:])); vlen < 4 || vt+vlen > len(t.buf) {
		return errBadFlatbuffer
	}
	return nil
}

// field returns the absolute position of a field's value, or 0 if absent.
func (t fbTable) field(slot int) int {
	vt := t.pos - int(int32(binary.LittleEndian.Uint32(t.buf[t.pos:])))
	if slot+2 > int(binary.LittleEndian.Uint16(t.buf[vt:])) {
		return 0
	}
	off := int(binary.LittleEndian.Uint16(t.buf[vt+slot:]))
	if off == 0 {
		return 0
	}
	return t.pos + off
}

// indirect follows the offset stored at pos.
func (t fbTable) indirect(pos int) (int, error) {
	if pos < 0 || pos+4 > len(t.buf) {
		return 0, errBadFlatbuffer
	}
	return pos + int(binary.LittleEndian.Uint32(t.buf[pos:])), nil
}

// child returns the table a field points to, or ok=false if absent.
func (t fbTable) child(slot int) (fbTable, bool, error) {
	p := t.field(slot)
	if p == 0 {
		return fbTable{}, false, nil
	}
	q, err := t.indirect(p)
	c := fbTable{buf: t.buf, pos: q}
	if err == nil {
		err = c.ok()
	}
	return c, err == nil, err
}

// vector checks a vector field whose elements are elem bytes each and
// returns its start and length (0, 0 if absent).
func (t fbTable) vector(slot, elem int) (start, n int, err error) {
	p := t.field(slot)
	if p == 0 {
		return 0, 0, nil
	}
	v, err := t.indirect(p)
	if err != nil || v+4 > len(t.buf) {
		return 0, 0, errBadFlatbuffer
	}
	n = int(binary.LittleEndian.Uint32(t.buf[v:]))
	start = v + 4
	if n < 0 || n > (len(t.buf)-start)/elem {
		return 0, 0, fmt.Errorf("%w: a vector claims %d elements in a %d-byte buffer", errBadFlatbuffer, n, len(t.buf))
	}
	return start, n, nil
}

// tables checks a vector of table offsets and each table in it.
func (t fbTable) tables(slot int, each func(fbTable) error) error {
	start, n, err := t.vector(slot, 4)
	if err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		q, err := t.indirect(start + 4*i)
		if err != nil {
			return err
		}
		c := fbTable{buf: t.buf, pos: q}
		if err := c.ok(); err != nil {
			return err
		}
		if each != nil {
			if err := each(c); err != nil {
				return err
			}
		}
	}
	return nil
}

func checkSchemaTable(s fbTable) error {
	if _, _, err := s.vector(schemaFeats, 8); err != nil {
		return err
	}
	if err := s.tables(schemaMeta, nil); err != nil {
		return err
	}
	return s.tables(schemaFields, func(f fbTable) error { return checkField(f, 0) })
}

func checkField(f fbTable, depth int) error {
	if depth > maxDepth {
		return fmt.Errorf("%w: fields nested more than %d deep", errBadFlatbuffer, maxDepth)
	}
	if err := f.tables(fieldMeta, nil); err != nil {
		return err
	}
	return f.tables(fieldChildren, func(c fbTable) error { return checkField(c, depth+1) })
}

// rootTable returns the root table of a flatbuffer.
func rootTable(buf []byte) (fbTable, error) {
	if len(buf) < 8 {
		return fbTable{}, errBadFlatbuffer
	}
	t := fbTable{buf: buf, pos: int(binary.LittleEndian.Uint32(buf))}
	return t, t.ok()
}

// checkSchemaMessage checks a Message flatbuffer that holds a schema.
func checkSchemaMessage(buf []byte) error {
	m, err := rootTable(buf)
	if err != nil {
		return err
	}
	if p := m.field(msgHeaderType); p == 0 || p >= len(buf) || buf[p] != headerSchema {
		return nil // not a schema: arrow-go says what it expected
	}
	s, ok, err := m.child(msgHeader)
	if err != nil || !ok {
		return err
	}
	return checkSchemaTable(s)
}

// checkIPCStream checks the schema message at the start of a stream (with
// or without the 0xFFFFFFFF continuation marker).
func checkIPCStream(r io.ReaderAt, size int64) error {
	var head [8]byte
	if _, err := r.ReadAt(head[:], 0); err != nil {
		return nil // too short: arrow-go reports it
	}
	off, n := int64(4), int64(int32(binary.LittleEndian.Uint32(head[:])))
	if uint32(n) == 0xFFFFFFFF {
		off, n = 8, int64(int32(binary.LittleEndian.Uint32(head[4:])))
	}
	if n <= 0 || off+n > size {
		return fmt.Errorf("%w: the first message claims %d bytes in a %d-byte file", errBadFlatbuffer, n, size)
	}
	buf := make([]byte, n)
	if _, err := r.ReadAt(buf, off); err != nil {
		return err
	}
	return checkSchemaMessage(buf)
}

// checkIPCFile checks an IPC file's footer (its schema and block vectors)
// and the schema message at its start.
func checkIPCFile(r io.ReaderAt, size int64) error {
	const magic = 6
	if size < 2*magic+4 {
		return nil
	}
	var tail [4]byte
	if _, err := r.ReadAt(tail[:], size-magic-4); err != nil {
		return err
	}
	n := int64(int32(binary.LittleEndian.Uint32(tail[:])))
	if n <= 0 || n > size-magic-4-8 {
		return nil // arrow-go rejects a bad footer length cleanly
	}
	buf := make([]byte, n)
	if _, err := r.ReadAt(buf, size-magic-4-n); err != nil {
		return err
	}
	footer, err := rootTable(buf)
	if err != nil {
		return err
	}
	if _, _, err := footer.vector(footerDicts, blockSize); err != nil {
		return err
	}
	if _, _, err := footer.vector(footerBatches, blockSize); err != nil {
		return err
	}
	if s, ok, err := footer.child(footerSchema); err != nil {
		return err
	} else if ok {
		if err := checkSchemaTable(s); err != nil {
			return err
		}
	}
	return checkIPCStream(io.NewSectionReader(r, 8, size-8), size-8)
}

// checkIPC runs the check for a file of the given format.
func checkIPC(path string, format Format) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if format == FormatArrowFile {
		err = checkIPCFile(f, st.Size())
	} else {
		err = checkIPCStream(f, st.Size())
	}
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
