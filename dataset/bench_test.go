package dataset

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// benchClasses is the number of classes, and the length of probs, in the
// generated tables.
const benchClasses = 20

// benchSchema is SPEC §2.1's classification layout plus metadata columns,
// 20 columns in all.
func benchSchema() *arrow.Schema {
	fields := []arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "label", Type: arrow.BinaryTypes.String},
		{Name: "pred", Type: arrow.BinaryTypes.String},
		{Name: "score", Type: arrow.PrimitiveTypes.Float32},
		{Name: "probs", Type: arrow.ListOf(arrow.PrimitiveTypes.Float32)},
		{Name: "split", Type: arrow.BinaryTypes.String},
		{Name: "filepath", Type: arrow.BinaryTypes.String},
	}
	for i := len(fields); i < 20; i++ {
		fields = append(fields, arrow.Field{Name: fmt.Sprintf("meta%02d", i), Type: arrow.PrimitiveTypes.Float64})
	}
	return arrow.NewSchema(fields, nil)
}

// writeBenchTable writes n rows of synthetic classification data to path,
// in row groups of 128k rows.
func writeBenchTable(tb testing.TB, path string, n int) {
	tb.Helper()
	schema := benchSchema()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	props := parquet.NewWriterProperties(parquet.WithMaxRowGroupLength(128*1024), parquet.WithDictionaryDefault(true))
	w, err := pqarrow.NewFileWriter(schema, f, props, pqarrow.DefaultWriterProps())
	if err != nil {
		tb.Fatal(err)
	}
	classes := make([]string, benchClasses)
	for i := range classes {
		classes[i] = fmt.Sprintf("class_%02d", i)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	const chunk = 64 * 1024
	for start := 0; start < n; start += chunk {
		for i := start; i < min(n, start+chunk); i++ {
			label := rng.IntN(benchClasses)
			pred := label
			if rng.Float64() < 0.15 {
				pred = rng.IntN(benchClasses)
			}
			b.Field(0).(*array.Int64Builder).Append(int64(i))
			b.Field(1).(*array.StringBuilder).Append(classes[label])
			b.Field(2).(*array.StringBuilder).Append(classes[pred])
			score := 0.3 + 0.7*rng.Float32()
			b.Field(3).(*array.Float32Builder).Append(score)
			lb := b.Field(4).(*array.ListBuilder)
			lb.Append(true)
			vb := lb.ValueBuilder().(*array.Float32Builder)
			rest := (1 - score) / (benchClasses - 1)
			for c := 0; c < benchClasses; c++ {
				if c == pred {
					vb.Append(score)
				} else {
					vb.Append(rest)
				}
			}
			split := "train"
			if i%5 == 0 {
				split = "val"
			}
			b.Field(5).(*array.StringBuilder).Append(split)
			b.Field(6).(*array.StringBuilder).Append(fmt.Sprintf("images/%08d.jpg", i))
			for c := 7; c < 20; c++ {
				b.Field(c).(*array.Float64Builder).Append(rng.Float64())
			}
		}
		rec := b.NewRecordBatch()
		err := w.Write(rec)
		rec.Release()
		if err != nil {
			tb.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
}

var (
	benchFileOnce sync.Once
	benchFilePath string
)

// benchFile returns a 1,000,000-row table, written once per process, or the
// file $TRIAGE_BENCH_FILE names (to compare with other tools on one file).
func benchFile(b *testing.B) string {
	if p := os.Getenv("TRIAGE_BENCH_FILE"); p != "" {
		return p
	}
	benchFileOnce.Do(func() {
		dir, err := os.MkdirTemp("", "triage-bench-")
		if err != nil {
			b.Fatal(err)
		}
		benchFilePath = filepath.Join(dir, "cls_1m.parquet")
		writeBenchTable(b, benchFilePath, 1_000_000)
	})
	return benchFilePath
}

// BenchmarkOpenScan opens the 1M-row table and reads every column.
func BenchmarkOpenScan(b *testing.B) {
	path := benchFile(b)
	st, _ := os.Stat(path)
	for _, cols := range []struct {
		name string
		cols []string
	}{{"all", nil}, {"label_pred_score", []string{"label", "pred", "score"}}, {"probs", []string{"probs"}}} {
		b.Run(cols.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(st.Size())
			var rows int64
			for b.Loop() {
				src, err := OpenFile(path)
				if err != nil {
					b.Fatal(err)
				}
				batches, err := src.Read(context.Background(), ReadOptions{Columns: cols.cols})
				if err != nil {
					b.Fatal(err)
				}
				rows = 0
				for _, r := range batches {
					rows += r.NumRows()
				}
				releaseAll(batches)
				src.Close()
			}
			b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// BenchmarkProjection reports the share of the file's bytes a read of one
// column of twenty touches, counted through the source's ReaderAt.
func BenchmarkProjection(b *testing.B) {
	path := benchFile(b)
	for b.Loop() {
		frac := projectionFraction(b, path, "score")
		b.ReportMetric(frac*100, "%bytes")
	}
}

// projectionFraction reads one column and returns the fraction of the
// file's bytes that went through the reader.
func projectionFraction(tb testing.TB, path, column string) float64 {
	src, err := OpenFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer src.Close()
	ps := src.(*parquetSource)
	before := ps.f.read.Load()
	batches, err := src.Read(context.Background(), ReadOptions{Columns: []string{column}})
	if err != nil {
		tb.Fatal(err)
	}
	releaseAll(batches)
	return float64(ps.f.read.Load()-before) / float64(ps.f.size)
}

// TestProjectionReadsFewBytes checks that reading 1 of 20 columns fetches a
// small part of the file: projection works, not just filters after reading.
func TestProjectionReadsFewBytes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.parquet")
	writeBenchTable(t, path, 50_000)
	if frac := projectionFraction(t, path, "score"); frac > 0.10 {
		t.Errorf("reading score alone touched %.1f%% of the file, want under 10%%", frac*100)
	}
	if frac := projectionFraction(t, path, "probs"); frac < 0.10 {
		t.Errorf("reading probs touched only %.1f%% of the file; the byte count is not counting", frac*100)
	}
}

// readEachPart calls fn with the batches of every part of the dataset
// file, one part at a time, as the session's streaming reads do.
func readEachPart(ds *Dataset, cols []string, mem memory.Allocator, fn func(arrow.RecordBatch) error) error {
	parts := ds.Parts()
	if parts == nil {
		parts = []int64{ds.NumRows()}
	}
	for p := range parts {
		t, err := ds.ReadPart(context.Background(), p, cols, mem)
		if err != nil {
			return err
		}
		for _, b := range t.Batches() {
			if err := fn(b); err != nil {
				t.Release()
				return err
			}
		}
		t.Release()
	}
	return nil
}

// TestReadParts checks that reading part by part hands over every row of
// a multi-row-group file, with the columns asked for.
func TestReadParts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.parquet")
	writeBenchTable(t, path, 300_000) // several row groups
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	ds, err := Open(Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer ds.Close()
	var rows, batches atomic.Int64
	if len(ds.Parts()) < 3 {
		t.Fatalf("parts %v, want several row groups", ds.Parts())
	}
	err = readEachPart(ds, []string{"score", "label"}, mem, func(b arrow.RecordBatch) error {
		if b.NumCols() != 2 || b.Schema().Field(0).Name != "score" {
			return fmt.Errorf("batch columns %v, want score, label", b.Schema())
		}
		rows.Add(b.NumRows())
		batches.Add(1)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if rows.Load() != 300_000 || batches.Load() < 3 {
		t.Errorf("scanned %d rows in %d batches, want 300000 in at least 3", rows.Load(), batches.Load())
	}
}
