package dataset

import (
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func TestWriteRows(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "label", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "loss", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "boxes", Type: arrow.ListOf(arrow.StructOf(arrow.Field{Name: "label", Type: arrow.BinaryTypes.String}, arrow.Field{Name: "score", Type: arrow.PrimitiveTypes.Float64}))},
	}, nil)
	var batches []arrow.RecordBatch
	for _, js := range []string{
		`[{"id":1,"label":"a,b","loss":0.5,"boxes":[{"label":"cat","score":0.5}]}]`,
		`[{"id":2,"label":null,"loss":null,"boxes":[]},{"id":3,"label":"c","loss":"+Inf","boxes":[{"label":"dog","score":1}]}]`,
	} {
		rec, _, err := array.RecordFromJSON(mem, schema, strings.NewReader(js))
		if err != nil {
			t.Fatal(err)
		}
		batches = append(batches, rec)
	}
	tbl := NewTable(schema, batches)
	defer tbl.Release()
	rows := []int64{2, 0, 1}
	tests := []struct {
		format RowFormat
		cols   []string
		want   string
	}{
		{FormatRowsCSV, []string{"id", "label"}, "id,label\n3,c\n1,\"a,b\"\n2,\n"},
		{FormatRowsJSONL, []string{"label", "boxes"}, `{"label":"c","boxes":[{"label":"dog","score":1}]}` + "\n" + `{"label":"a,b","boxes":[{"label":"cat","score":0.5}]}` + "\n" + `{"label":null,"boxes":[]}` + "\n"},
		{FormatRowsJSON, []string{"id"}, `[{"id":3},{"id":1},{"id":2}]` + "\n"},
		{FormatRowsJSONL, []string{"loss"}, `{"loss":null}` + "\n" + `{"loss":0.5}` + "\n" + `{"loss":null}` + "\n"},
		{FormatRowsCSV, []string{"boxes"}, "boxes\n\"[{\"\"label\"\":\"\"dog\"\",\"\"score\"\":1}]\"\n\"[{\"\"label\"\":\"\"cat\"\",\"\"score\"\":0.5}]\"\n[]\n"},
	}
	for _, tt := range tests {
		var b strings.Builder
		if err := WriteRows(&b, tt.format, tbl, rows, tt.cols); err != nil {
			t.Errorf("%s %v: %v", tt.format, tt.cols, err)
			continue
		}
		if b.String() != tt.want {
			t.Errorf("%s %v:\ngot  %q\nwant %q", tt.format, tt.cols, b.String(), tt.want)
		}
	}
}
