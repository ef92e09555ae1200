package dataset

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
)

// TestHugeVectorLength patches the field count of a valid IPC schema to two
// billion. arrow-go would allocate hundreds of gigabytes for it and the
// process would die of a fatal out-of-memory error, which no recover
// catches; triage must refuse the file first.
func TestHugeVectorLength(t *testing.T) {
	for _, tc := range []struct {
		path string
		kind Format
	}{
		{"../testdata/corpus/arrow-ipc/cpp-21.0.0/generated_primitive.stream", FormatArrowStream},
		{"../testdata/corpus/arrow-ipc/cpp-21.0.0/generated_primitive.arrow_file", FormatArrowFile},
	} {
		b, err := os.ReadFile(tc.path)
		if err != nil {
			t.Fatal(err)
		}
		msgStart := 8 // continuation marker and length
		if tc.kind == FormatArrowFile {
			msgStart += 8 // "ARROW1" and padding
		}
		msg := b[msgStart:]
		m, err := rootTable(msg)
		if err != nil {
			t.Fatal(err)
		}
		s, ok, err := m.child(msgHeader)
		if err != nil || !ok {
			t.Fatalf("no schema in %s: %v", tc.path, err)
		}
		vec, err := s.indirect(s.field(schemaFields))
		if err != nil {
			t.Fatal(err)
		}
		binary.LittleEndian.PutUint32(msg[vec:], 0x7ffffff0)
		path := filepath.Join(t.TempDir(), filepath.Base(tc.path))
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err = OpenFile(path)
		wantErr(t, err, path, "malformed IPC metadata", "claims 2147483632 elements")
	}
}
