package dataset

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func footerOf(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	n := int(binary.LittleEndian.Uint32(b[len(b)-8:]))
	return b[len(b)-8-n : len(b)-8]
}

// TestDropUnknownLogicalTypes: the footer rewrite leaves every corpus
// footer without an unknown logical type byte for byte as it is, drops the
// one in unknown-logical-type.parquet, and never panics on a damaged
// footer.
func TestDropUnknownLogicalTypes(t *testing.T) {
	files, err := filepath.Glob("../testdata/corpus/parquet/*.parquet")
	if err != nil || len(files) < 50 {
		t.Fatalf("corpus: %d files, %v", len(files), err)
	}
	for _, f := range files {
		footer := footerOf(t, f)
		out, cols, err := dropUnknownLogicalTypes(footer)
		switch {
		case strings.HasSuffix(f, "/unknown-logical-type.parquet"):
			if err != nil || len(cols) != 1 || cols[0] != "column with unknown type" || len(out) >= len(footer) {
				t.Errorf("%s: dropped %q (%d -> %d bytes), %v; want the one unknown column", f, cols, len(footer), len(out), err)
			}
		case err != nil || cols != nil || !bytes.Equal(out, footer):
			t.Errorf("%s: dropped %q, %v; want the footer unchanged", f, cols, err)
		}
	}
	footer := footerOf(t, "../testdata/corpus/parquet/unknown-logical-type.parquet")
	for i := range footer {
		dropUnknownLogicalTypes(footer[:i]) // an error or not, but no panic
		mut := bytes.Clone(footer)
		mut[i] ^= 0xa5
		dropUnknownLogicalTypes(mut)
	}
}

// TestMapNullKey: a map column read with optional keys that holds a null
// key is an error, not a map Arrow cannot hold.
func TestMapNullKey(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	kv := arrow.StructOf(arrow.Field{Name: "key", Type: arrow.BinaryTypes.String, Nullable: true}, arrow.Field{Name: "value", Type: arrow.BinaryTypes.String, Nullable: true})
	dt := arrow.StructOf(arrow.Field{Name: "key_value", Type: arrow.ListOf(kv)})
	for _, tc := range []struct{ rows, want string }{
		{`[{"key_value": [{"key": "a", "value": "1"}]}, null]`, ""},
		{`[{"key_value": [{"key": "a", "value": "1"}, {"key": null, "value": "2"}]}]`, "a map key is null (1 of the 2 keys)"},
	} {
		a, _, err := array.FromJSON(mem, dt, strings.NewReader(tc.rows))
		if err != nil {
			t.Fatal(err)
		}
		mt, err := mapTypeOf(dt)
		if err != nil {
			t.Fatal(err)
		}
		m, err := toMap(a, mt)
		a.Release()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.rows, err)
		case tc.want == "":
			if got := m.(*array.Map).String(); got != `[{["a"] ["1"]} (null)]` {
				t.Errorf("%s: map %s", tc.rows, got)
			}
			m.Release()
		case err == nil || err.Error() != tc.want:
			t.Errorf("%s: %v, want %q", tc.rows, err, tc.want)
		}
	}
}
