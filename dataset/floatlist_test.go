package dataset

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// TestFloatListFastPath reads every list column through readFast and
// through pqarrow and compares them value for value: the generated files
// of each encoding (null lists, empty lists, null elements, required
// lists and elements, fixed-length probabilities; PLAIN and dictionary
// pages, V1 and V2) and every corpus file. In the generated files every
// float list must take the fast path.
func TestFloatListFastPath(t *testing.T) {
	isList := func(f pqarrow.SchemaField) bool { return f.Field.Type.ID() == arrow.LIST }
	dir := t.TempDir()
	for name, props := range fastPathVariants {
		if raceEnabled && strings.HasPrefix(name, "delta") {
			// arrow-go v18.8.0's DELTA writer slices past its buffer when
			// the race detector's sync.Pool hands back another one; the
			// corpus's delta files are still read below.
			continue
		}
		path := filepath.Join(dir, name+".parquet")
		writeFastPathFile(t, path, 70_000, props...)
		got := checkFastPaths(t, path, isList)
		for _, col := range []string{"p32", "p32_req", "p64", "probs", "runs"} {
			if got.fast[col] != got.groups {
				t.Errorf("%s: column %s took the fast path in %d of %d row groups", name, col, got.fast[col], got.groups)
			}
		}
	}
	corpus, err := filepath.Glob("../testdata/corpus/parquet/*.parquet")
	if err != nil {
		t.Fatal(err)
	}
	fast := 0
	for _, path := range append(corpus, demoData, demoPreds) {
		if strings.Contains(path, "encrypt") {
			continue
		}
		src, err := OpenFile(path)
		if err != nil {
			continue // the corpus test checks the files that do not open
		}
		src.Close()
		for _, n := range checkFastPaths(t, path, isList).fast {
			fast += n
		}
	}
	t.Logf("%d corpus chunks took the list fast path", fast)
}
