package dataset

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

// FuzzOpen feeds mutated files of every format to OpenFile and Read, and
// prints what was read as JSON Lines, as `triage query --format jsonl`
// does: they may fail, but never panic or hang.
func FuzzOpen(f *testing.F) {
	seeds := []string{
		"../testdata/corpus/parquet/alltypes_plain.parquet",
		"../testdata/corpus/parquet/nested_lists.snappy.parquet",
		"../testdata/corpus/arrow-ipc/cpp-21.0.0/generated_primitive.arrow_file",
		"../testdata/corpus/arrow-ipc/cpp-21.0.0/generated_primitive.stream",
	}
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, uint8(0))
	}
	f.Add([]byte("id,label\n1,cat\n2,dog\n"), uint8(1))
	f.Add([]byte(`{"id":1,"boxes":[{"bbox":[1,2,3,4]}]}`+"\n"), uint8(2))
	exts := []string{".bin", ".csv", ".jsonl"}
	f.Fuzz(func(t *testing.T, data []byte, ext uint8) {
		if len(data) > 1<<20 {
			return
		}
		path := filepath.Join(t.TempDir(), "f"+exts[int(ext)%len(exts)])
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		src, err := OpenFile(path)
		if err != nil {
			return
		}
		defer src.Close()
		batches, err := src.Read(context.Background(), ReadOptions{})
		if err != nil {
			return
		}
		for _, b := range batches {
			tbl := NewTable(b.Schema(), []arrow.RecordBatch{b}) // releases b
			rows := make([]int64, tbl.NumRows())
			for i := range rows {
				rows[i] = int64(i)
			}
			_ = WriteRows(io.Discard, FormatRowsJSONL, tbl, rows, fieldNames(tbl.Schema()))
			tbl.Release()
		}
	})
}
