package query

import (
	"context"
	"math"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/google/go-cmp/cmp"
)

// TestFloat32Literal checks that a float32 column is compared with a
// number literal in float32, at the values where that differs from
// float64: 0.99f and 0.9f and the float32s one ULP either side of each.
//
// The expected rows are DuckDB's (1.5.6, whose FLOAT compares as float32):
//
//	SELECT s, s > 0.99, s >= 0.99, s = 0.99, s < 0.99, s IN (0.99), -s < -0.99, abs(s) > 0.99
//	FROM (SELECT unnest([nextafter(0.99::FLOAT, 0::FLOAT), 0.99::FLOAT, nextafter(0.99::FLOAT, 2::FLOAT)]) s)
//
//	0.98999995  false false false true  false false false
//	0.99        false true  true  false true  false false
//	0.99000007  true  true  false false false true  true
//
// and on the bench file (../shared/bench, cls_10m.parquet, score float32):
//
//	/tmp/bd/duckq -threads 2 "SELECT count(*) FILTER (WHERE score > 0.99), count(*) FILTER (WHERE score >= 0.99),
//	  count(*) FILTER (WHERE score = 0.99), count(*) FILTER (WHERE score > 0.9) FROM 'cls_10m.parquet'"
//	875645  875648  3  4647146
//
// which triage query cls_10m.parquet 'score > 0.99' --count (and so on)
// now gives too; comparing in float64 gave 875,648 for score > 0.99 and
// 0 for score == 0.99.
func TestFloat32Literal(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	up := func(f float32) float32 { return math.Nextafter32(f, 2) }
	down := func(f float32) float32 { return math.Nextafter32(f, 0) }
	// Rows 0-5 ascend; row 6 is null.
	vals := []float32{down(0.9), 0.9, up(0.9), down(0.99), 0.99, up(0.99)}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "score", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
		{Name: "wide", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "probs", Type: arrow.ListOf(arrow.PrimitiveTypes.Float32), Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	for _, v := range vals {
		b.Field(0).(*array.Float32Builder).Append(v)
		b.Field(1).(*array.Float64Builder).Append(float64(v))
		lb := b.Field(2).(*array.ListBuilder)
		lb.Append(true)
		lb.ValueBuilder().(*array.Float32Builder).AppendValues([]float32{v, 0.5}, nil)
	}
	b.Field(0).AppendNull()
	b.Field(1).AppendNull()
	b.Field(2).AppendNull()
	rec := b.NewRecordBatch()
	defer rec.Release()

	tests := []struct {
		query string
		want  []int64
	}{
		{"score > 0.99", []int64{5}},
		{"score >= 0.99", []int64{4, 5}},
		{"score == 0.99", []int64{4}},
		{"score != 0.99", []int64{0, 1, 2, 3, 5}},
		{"score < 0.99", []int64{0, 1, 2, 3}},
		{"score <= 0.99", []int64{0, 1, 2, 3, 4}},
		{"0.99 < score", []int64{5}},
		{"0.99 == score", []int64{4}},
		{"score > 0.9", []int64{2, 3, 4, 5}},
		{"score == 0.9", []int64{1}},
		{"score <= 0.9", []int64{0, 1}},
		{"score in (0.99, 0.9)", []int64{1, 4}},
		{"score not in (0.99)", []int64{0, 1, 2, 3, 5}},
		{"-score < -0.99", []int64{5}},
		{"abs(score) > 0.99", []int64{5}},
		{"count(probs[_ > 0.99]) > 0", []int64{5}},
		{"count(probs[_ == 0.9]) > 0", []int64{1}},
		// A float64 column holding the same values compares in float64:
		// float64(0.99f) is above 0.99.
		{"wide > 0.99", []int64{4, 5}},
		{"wide == 0.99", []int64{}},
		// Integers and literals beyond float32's range.
		{"score < 1", []int64{0, 1, 2, 3, 4, 5}},
		{"score < 3.5e38", []int64{0, 1, 2, 3, 4, 5}},
		{"score > -1e39", []int64{0, 1, 2, 3, 4, 5}},
	}
	for _, tc := range tests {
		prog, err := Compile(tc.query, Env{Schema: schema})
		if err != nil {
			t.Errorf("Compile(%q): %v", tc.query, err)
			continue
		}
		got, err := prog.Run(context.Background(), []arrow.RecordBatch{rec}, mem)
		if err != nil {
			t.Errorf("Run(%q): %v", tc.query, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("Run(%q) rows (-want +got):\n%s", tc.query, diff)
		}
	}
}

// TestFloat32LiteralRounding checks the literal goes to the nearest
// float32 (ties to even), against hand-worked values.
func TestFloat32LiteralRounding(t *testing.T) {
	f32 := operand{typ: typeOf(arrow.PrimitiveTypes.Float32)}
	f64 := operand{typ: typeOf(arrow.PrimitiveTypes.Float64)}
	for _, tc := range []struct{ lit, want float64 }{
		{0.1, 0.100000001490116119384765625},
		{0.99, 0.9900000095367431640625},
		{16777217, 16777216}, // 2^24 + 1: a tie, to the even 2^24
		{16777219, 16777220},
		{-0.9, -0.89999997615814208984375},
		{3.5e38, 3.5e38}, // beyond float32: unchanged
	} {
		x := operand{typ: floatType, cnst: &constVal{kind: TFloat, f: tc.lit}}
		if got := float32Literal(x, f32).cnst.f; got != tc.want {
			t.Errorf("float32Literal(%v) = %v, want %v", tc.lit, got, tc.want)
		}
		if got := float32Literal(x, f64).cnst.f; got != tc.lit {
			t.Errorf("float32Literal(%v) against a float64 column = %v, want it unchanged", tc.lit, got)
		}
	}
}
