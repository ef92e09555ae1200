package dataset

import (
	"context"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/float16"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestFloat16JSON: float16 NaN and ±Inf are null in JSON, as float32 and
// float64 ones are (JSON has no NaN).
func TestFloat16JSON(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	bld := array.NewFloat16Builder(mem)
	defer bld.Release()
	for _, v := range []float32{1.5, float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))} {
		bld.Append(float16.New(v))
	}
	bld.AppendNull()
	col := bld.NewArray()
	defer col.Release()
	schema := arrow.NewSchema([]arrow.Field{{Name: "h", Type: arrow.FixedWidthTypes.Float16, Nullable: true}}, nil)
	tbl := NewTable(schema, []arrow.RecordBatch{array.NewRecordBatch(schema, []arrow.Array{col}, int64(col.Len()))})
	defer tbl.Release()
	var b strings.Builder
	if err := WriteRows(&b, FormatRowsJSON, tbl, []int64{0, 1, 2, 3, 4}, []string{"h"}); err != nil {
		t.Fatal(err)
	}
	if want := `[{"h":1.5},{"h":null},{"h":null},{"h":null},{"h":null}]` + "\n"; b.String() != want {
		t.Errorf("WriteRows = %q, want %q", b.String(), want)
	}
}

// TestCorpusFloat16JSON: the corpus files with float16 NaNs print as JSON.
func TestCorpusFloat16JSON(t *testing.T) {
	for _, name := range []string{"float16_nonzeros_and_nans.parquet", "float16_zeros_and_nans.parquet", "floating_orders_nan_count.parquet"} {
		path := filepath.Join("../testdata/corpus/parquet", name)
		ds, err := Open(Options{Path: path})
		if err != nil {
			t.Fatal(err)
		}
		tbl, _, err := ds.Load(context.Background(), LoadOptions{})
		ds.Close()
		if err != nil {
			t.Fatal(err)
		}
		rows := make([]int64, tbl.NumRows())
		for i := range rows {
			rows[i] = int64(i)
		}
		var b strings.Builder
		err = WriteRows(&b, FormatRowsJSONL, tbl, rows, fieldNames(tbl.Schema()))
		tbl.Release()
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !strings.Contains(b.String(), "null") {
			t.Errorf("%s: no NaN became null:\n%s", name, b.String())
		}
	}
}
