package query

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func TestSmoke(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	dict := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "label", Type: dict, Nullable: true},
		{Name: "pred", Type: dict, Nullable: true},
		{Name: "score", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
		{Name: "dets", Type: arrow.ListOf(arrow.StructOf(
			arrow.Field{Name: "eval", Type: arrow.BinaryTypes.String, Nullable: true},
			arrow.Field{Name: "score", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		)), Nullable: true},
	}, nil)
	rec, _, err := array.RecordFromJSON(mem, schema, strings.NewReader(`[
		{"id": 0, "label": "cat", "pred": "dog", "score": 0.95, "dets": [{"eval": "fp", "score": 0.9}]},
		{"id": 1, "label": "cat", "pred": "cat", "score": 0.99, "dets": []},
		{"id": 2, "label": "dog", "pred": "cat", "score": 0.5, "dets": null},
		{"id": 3, "label": null, "pred": "cat", "score": 0.97, "dets": [{"eval": "tp", "score": 0.95}, {"eval": "fp", "score": 0.85}]}
	]`))
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()
	env := Env{Schema: schema, Label: "label", Pred: "pred"}
	for _, tc := range []struct {
		q    string
		want string
	}{
		{`label != pred and score > 0.9`, "[0]"},
		{`not (label != pred)`, "[1]"},
		{`len(dets[eval == "fp" and score > 0.8]) > 0`, "[0 3]"},
		{`fp("cat")`, "[2]"},
		{`score > 0 | sort score desc | limit 2`, "[1 3]"},
		{`sort label desc, id`, "[2 0 1 3]"},
		{`mean(dets.score) > 0.88`, "[0 3]"},
		{`label in ("dog", "x")`, "[2]"},
		{`label ~ "^c"`, "[0 1]"},
	} {
		p, err := Compile(tc.q, env)
		if err != nil {
			t.Errorf("Compile(%q): %v", tc.q, FormatError(tc.q, err))
			continue
		}
		got, err := p.Run(context.Background(), []arrow.RecordBatch{rec}, mem)
		if err != nil {
			t.Errorf("Run(%q): %v", tc.q, err)
			continue
		}
		if s := strings.Join(strings.Fields(strings.Trim(fmtInts(got), "[]")), " "); "["+s+"]" != tc.want {
			t.Errorf("Run(%q) = %v, want %v", tc.q, got, tc.want)
		}
	}
}

func fmtInts(xs []int64) string {
	var b strings.Builder
	b.WriteString("[")
	for i, x := range xs {
		if i > 0 {
			b.WriteString(" ")
		}
		b.WriteString(itoa64(x))
	}
	b.WriteString("]")
	return b.String()
}

func itoa64(x int64) string { return strconv.FormatInt(x, 10) }

// TestNullDictionaryEntry: a row whose index points at a null entry of
// the dictionary is null, not "".
func TestNullDictionaryEntry(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	dt := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: arrow.BinaryTypes.String}
	idx, _, err := array.FromJSON(mem, arrow.PrimitiveTypes.Int8, strings.NewReader(`[0, 1, 2, null, 1]`))
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Release()
	dict, _, err := array.FromJSON(mem, arrow.BinaryTypes.String, strings.NewReader(`["cat", null, ""]`))
	if err != nil {
		t.Fatal(err)
	}
	defer dict.Release()
	col := array.NewDictionaryArray(dt, idx, dict)
	defer col.Release()
	schema := arrow.NewSchema([]arrow.Field{{Name: "d", Type: dt, Nullable: true}}, nil)
	rec := array.NewRecordBatch(schema, []arrow.Array{col}, 5)
	defer rec.Release()
	for q, want := range map[string]string{
		`is_null(d)`:     "[1 3 4]",
		`d == ""`:        "[2]",
		`d != "cat"`:     "[2]",
		`len(d) == 0`:    "[2]",
		`d in ("", "x")`: "[2]",
	} {
		p, err := Compile(q, Env{Schema: schema})
		if err != nil {
			t.Fatal(err)
		}
		got, err := p.Run(context.Background(), []arrow.RecordBatch{rec}, mem)
		if err != nil {
			t.Fatal(err)
		}
		if fmtInts(got) != want {
			t.Errorf("Run(%q) = %v, want %s", q, got, want)
		}
	}
}
