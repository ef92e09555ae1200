package query

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// benchBatchRows is the batch size of the benchmark tables, about a
// Parquet row group.
const benchBatchRows = 1 << 16

var benchClasses = []string{"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"}

// benchTable builds rows of label, pred (dictionary<int32, string> or
// string) and score (float32), with a fraction of nulls in each.
func benchTable(mem memory.Allocator, rows int, dict bool, nullFrac float64) ([]arrow.RecordBatch, *arrow.Schema, int64) {
	r := rand.New(rand.NewPCG(1, 2))
	strType := arrow.DataType(arrow.BinaryTypes.String)
	if dict {
		strType = &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}
	}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "label", Type: strType, Nullable: true},
		{Name: "pred", Type: strType, Nullable: true},
		{Name: "score", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
	}, nil)
	var batches []arrow.RecordBatch
	var bytes int64
	for start := 0; start < rows; start += benchBatchRows {
		n := min(benchBatchRows, rows-start)
		b := array.NewRecordBuilder(mem, schema)
		for i := 0; i < n; i++ {
			l := r.IntN(len(benchClasses))
			p := l
			if r.Float64() < 0.2 {
				p = r.IntN(len(benchClasses))
			}
			for c, v := range []int{l, p} {
				if r.Float64() < nullFrac {
					b.Field(c).AppendNull()
					continue
				}
				if dict {
					b.Field(c).(*array.BinaryDictionaryBuilder).AppendString(benchClasses[v])
				} else {
					b.Field(c).(*array.StringBuilder).Append(benchClasses[v])
				}
			}
			if r.Float64() < nullFrac {
				b.Field(2).AppendNull()
			} else {
				b.Field(2).(*array.Float32Builder).Append(r.Float32())
			}
		}
		rec := b.NewRecordBatch()
		b.Release()
		for _, col := range rec.Columns() {
			for _, buf := range col.Data().Buffers() {
				if buf != nil {
					bytes += int64(buf.Len())
				}
			}
		}
		batches = append(batches, rec)
	}
	return batches, schema, bytes
}

// BenchmarkEval runs the query SPEC.md §8 cares about over in-memory
// tables: go test -run='^$' -bench=Eval -benchtime=20x ./query/
func BenchmarkEval(b *testing.B) {
	for _, rows := range []int{1e6, 1e7} {
		for _, dict := range []bool{true, false} {
			for _, nulls := range []float64{0, 0.1} {
				enc := "string"
				if dict {
					enc = "dict"
				}
				b.Run(fmt.Sprintf("rows=%d/%s/nulls=%g", rows, enc, nulls), func(b *testing.B) {
					batches, schema, bytes := benchTable(memory.DefaultAllocator, rows, dict, nulls)
					defer func() {
						for _, rec := range batches {
							rec.Release()
						}
					}()
					prog, err := Compile(`label != pred and score > 0.9`, Env{Schema: schema, Label: "label", Pred: "pred"})
					if err != nil {
						b.Fatal(err)
					}
					ctx := context.Background()
					b.SetBytes(bytes)
					b.ResetTimer()
					for b.Loop() {
						if _, err := prog.Count(ctx, batches); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(rows), "ns/row")
				})
			}
		}
	}
}

// BenchmarkSortLimit is the top-N path: sort score desc | limit 200.
func BenchmarkSortLimit(b *testing.B) {
	batches, schema, bytes := benchTable(memory.DefaultAllocator, 1e6, true, 0)
	defer func() {
		for _, rec := range batches {
			rec.Release()
		}
	}()
	prog, err := Compile(`label != pred | sort score desc | limit 200`, Env{Schema: schema})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(bytes)
	for b.Loop() {
		if _, err := prog.Run(context.Background(), batches, memory.DefaultAllocator); err != nil {
			b.Fatal(err)
		}
	}
}

// TestCountAllocs keeps the hot path free of per-row allocations: a batch
// costs a fixed number of allocations (bitmaps, dictionary maps), however
// many rows it has.
func TestCountAllocs(t *testing.T) {
	for _, dict := range []bool{true, false} {
		batches, schema, _ := benchTable(memory.DefaultAllocator, benchBatchRows, dict, 0.1)
		prog, err := Compile(`label != pred and score > 0.9`, Env{Schema: schema})
		if err != nil {
			t.Fatal(err)
		}
		allocs := testing.AllocsPerRun(5, func() {
			if _, err := prog.Count(context.Background(), batches); err != nil {
				t.Fatal(err)
			}
		})
		if allocs > 50 {
			t.Errorf("Count over %d rows (dict %v) made %v allocations, want at most 50", benchBatchRows, dict, allocs)
		}
		t.Logf("dict=%v: %v allocations per batch of %d rows", dict, allocs, benchBatchRows)
		releaseAll(batches)
	}
}
