package query

import (
	"context"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/google/go-cmp/cmp"
)

// TestDottedNameBesideStruct: a column named "a.b" beside a struct column
// a{b}. a.b and `a.b` mean the column "a.b" (as for NAME.field columns of
// several prediction sets); `a`.b means field b of column a.
func TestDottedNameBesideStruct(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "a.b", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "a", Type: arrow.StructOf(arrow.Field{Name: "b", Type: arrow.PrimitiveTypes.Int64, Nullable: true}), Nullable: true},
		{Name: "m-1.pred", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	}, nil)
	rec, _, err := array.RecordFromJSON(mem, schema, strings.NewReader(
		`[{"id":0,"a.b":10,"a":{"b":20},"m-1.pred":1},{"id":1,"a.b":20,"a":{"b":10},"m-1.pred":2}]`))
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()
	tests := []struct {
		src     string
		ids     []int64
		columns []string
		canon   string
	}{
		{"a.b == 10", []int64{0}, []string{"a.b"}, "a.b == 10"},
		{"`a.b` == 10", []int64{0}, []string{"a.b"}, "`a.b` == 10"},
		{"`a`.b == 10", []int64{1}, []string{"a"}, "`a`.b == 10"},
		{"`a`.`b` == 10", []int64{1}, []string{"a"}, "`a`.b == 10"},
		// No column is named m-1: the quoted part is not a column, so the
		// path names the column "m-1.pred".
		{"`m-1`.pred == 2", []int64{1}, []string{"m-1.pred"}, "`m-1`.pred == 2"},
	}
	for _, tc := range tests {
		prog, err := Compile(tc.src, Env{Schema: schema})
		if err != nil {
			t.Errorf("Compile(%q): %v", tc.src, err)
			continue
		}
		rows, err := prog.Run(context.Background(), []arrow.RecordBatch{rec}, mem)
		if err != nil {
			t.Errorf("Run(%q): %v", tc.src, err)
			continue
		}
		if diff := cmp.Diff(tc.ids, rows); diff != "" {
			t.Errorf("Run(%q) rows (-want +got):\n%s", tc.src, diff)
		}
		if diff := cmp.Diff(tc.columns, prog.Columns()); diff != "" {
			t.Errorf("Compile(%q).Columns() (-want +got):\n%s", tc.src, diff)
		}
		q, err := Parse(tc.src)
		if err != nil {
			t.Fatal(err)
		}
		if got := q.String(); got != tc.canon {
			t.Errorf("Parse(%q).String() = %q, want %q", tc.src, got, tc.canon)
		}
	}
}
