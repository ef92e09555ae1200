package evalview

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"triage/dataset"
)

const (
	demoData  = "../testdata/demo/digits.parquet"
	demoPreds = "../testdata/demo/digits-preds.parquet"
)

// writeParts writes n rows of a classification table to a Parquet file
// with row groups of rowGroup rows, so that queries stream over many
// parts. Scores repeat (ties) and some are null.
func writeParts(t testing.TB, n, rowGroup int, opts ...parquet.WriterProperty) string {
	t.Helper()
	classes := []string{"cat", "dog", "bird", "fish"}
	mem := memory.DefaultAllocator
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "label", Type: arrow.BinaryTypes.String},
		{Name: "pred", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "score", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
		{Name: "split", Type: arrow.BinaryTypes.String},
		{Name: "filepath", Type: arrow.BinaryTypes.String},
	}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range n {
		b.Field(0).(*array.Int64Builder).Append(int64(i))
		label := classes[rng.IntN(len(classes))]
		b.Field(1).(*array.StringBuilder).Append(label)
		switch r := rng.IntN(10); {
		case r == 0:
			b.Field(2).(*array.StringBuilder).AppendNull()
		case r < 4:
			b.Field(2).(*array.StringBuilder).Append(classes[rng.IntN(len(classes))])
		default:
			b.Field(2).(*array.StringBuilder).Append(label)
		}
		if rng.IntN(20) == 0 {
			b.Field(3).(*array.Float32Builder).AppendNull()
		} else {
			b.Field(3).(*array.Float32Builder).Append(float32(rng.IntN(50)) / 50) // many ties
		}
		b.Field(4).(*array.StringBuilder).Append([]string{"train", "val"}[rng.IntN(2)])
		b.Field(5).(*array.StringBuilder).Append(fmt.Sprintf("img/%05d.jpg", rng.IntN(100000)))
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	path := filepath.Join(t.TempDir(), "parts.parquet")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	props := parquet.NewWriterProperties(append([]parquet.WriterProperty{parquet.WithMaxRowGroupLength(int64(rowGroup))}, opts...)...)
	w, err := pqarrow.NewFileWriter(schema, f, props, pqarrow.DefaultWriterProps())
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteBuffered(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func open(t testing.TB, cfg Config) *Session {
	t.Helper()
	s, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func write(t *testing.T, s *Session, src string, format dataset.RowFormat, cols []string, limit int64) string {
	t.Helper()
	prog, err := s.Compile(src)
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	enc, err := dataset.NewRowEncoder(format, cols)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := s.Write(context.Background(), &buf, prog, Output{Columns: cols, Encoder: enc, Limit: limit}); err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	return buf.String()
}

// TestStreamingMatchesMemory checks that a query streamed part by part
// (filters, a filter with a limit, a top N merged from every part's best)
// prints exactly what the same query prints over the whole table in
// memory, ties and nulls included.
func TestStreamingMatchesMemory(t *testing.T) {
	path := writeParts(t, 5000, 700)
	streamed := open(t, Config{Data: dataset.Options{Path: path}})
	whole := open(t, Config{Data: dataset.Options{Path: path}, Interactive: true})
	if parts := streamed.Dataset().Parts(); len(parts) != 8 {
		t.Fatalf("parts = %v, want 8 row groups", parts)
	}
	cols := []string{"id", "label", "pred", "score", "filepath"}
	cases := []struct {
		src   string
		limit int64
	}{
		{"label != pred", -1},
		{"label != pred", 123},
		{"score > 0.5 and split == \"val\"", 0},
		{"score > 0.3 | limit 50", -1},
		{"score > 0.3 | limit 50", 20},
		{"label != pred | sort score desc | limit 37", -1},
		{"true | sort score asc | limit 1000", -1},
		{"split == \"train\" | sort label desc, score desc | limit 333", 100},
		{"contains(filepath, \"99\") | sort filepath | limit 5", -1},
		{"false", -1},
	}
	for _, tc := range cases {
		for _, format := range []dataset.RowFormat{dataset.FormatRowsJSONL, dataset.FormatRowsCSV, dataset.FormatRowsJSON} {
			got := write(t, streamed, tc.src, format, cols, tc.limit)
			want := write(t, whole, tc.src, format, cols, tc.limit)
			if got != want {
				t.Errorf("%s (limit %d, %s): streamed output differs from in-memory output\nstreamed:\n%.600s\nin memory:\n%.600s", tc.src, tc.limit, format, got, want)
			}
		}
		if tc.limit >= 0 {
			continue
		}
		prog, err := streamed.Compile(tc.src)
		if err != nil {
			t.Fatal(err)
		}
		n, err := streamed.Count(context.Background(), prog)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Count(write(t, whole, tc.src, dataset.FormatRowsJSONL, cols, -1), "\n")
		if n != int64(lines) {
			t.Errorf("%s: streamed count %d, in-memory rows %d", tc.src, n, lines)
		}
	}
}

// TestStreamingBatchesMatchMemory is TestStreamingMatchesMemory over
// row groups larger than a batch: each part reaches the query as several
// batches, cut where one column's pages end.
func TestStreamingBatchesMatchMemory(t *testing.T) {
	path := writeParts(t, 300_000, 100_000)
	streamed := open(t, Config{Data: dataset.Options{Path: path}})
	whole := open(t, Config{Data: dataset.Options{Path: path}, Interactive: true})
	cols := []string{"id", "label", "pred", "score", "filepath"}
	for _, tc := range []struct {
		src   string
		limit int64
	}{
		{"label != pred and score > 0.9", -1},
		{"label != pred", 150_000},
		{"label != pred | sort score desc | limit 1000", -1},
		{"true | sort label, score | limit 70000", -1},
	} {
		got := write(t, streamed, tc.src, dataset.FormatRowsJSONL, cols, tc.limit)
		want := write(t, whole, tc.src, dataset.FormatRowsJSONL, cols, tc.limit)
		if got != want {
			t.Errorf("%s (limit %d): streamed output (%d lines) differs from in-memory output (%d lines)", tc.src, tc.limit, strings.Count(got, "\n"), strings.Count(want, "\n"))
		}
	}
}

// TestTopNFetchesLateColumns: a top N reads its query's columns for every
// row and fetches the columns it only prints for its rows alone, page by
// page (plain numbers), or from the part read whole when a page has nulls;
// the output is the in-memory answer either way.
func TestTopNFetchesLateColumns(t *testing.T) {
	path := writeParts(t, 50_000, 12_000, parquet.WithDictionaryDefault(false), parquet.WithDataPageSize(8192),
		parquet.WithDictionaryFor("label", true), parquet.WithDictionaryFor("pred", true))
	streamed := open(t, Config{Data: dataset.Options{Path: path}})
	whole := open(t, Config{Data: dataset.Options{Path: path}, Interactive: true})
	for _, tc := range []struct {
		src  string
		cols []string
		late []string
	}{
		{"label != pred | sort score desc | limit 1000", []string{"id", "label", "pred", "score"}, []string{"id"}},
		{`label == "cat" | sort pred, label | limit 500`, []string{"id", "score", "pred"}, []string{"id", "score"}}, // score has nulls: read whole
		{"sort score | limit 3", []string{"score", "id"}, []string{"id"}},
		{"label != pred | sort score desc | limit 100", []string{"id", "filepath"}, nil}, // strings are read in the scan
	} {
		prog, err := streamed.Compile(tc.src)
		if err != nil {
			t.Fatal(err)
		}
		if got := streamed.lateColumns(prog.Columns(), tc.cols); !slices.Equal(got, tc.late) {
			t.Errorf("%s: late columns %q, want %q", tc.src, got, tc.late)
		}
		got := write(t, streamed, tc.src, dataset.FormatRowsJSONL, tc.cols, -1)
		want := write(t, whole, tc.src, dataset.FormatRowsJSONL, tc.cols, -1)
		if got != want || strings.Count(got, "\n") == 0 {
			t.Errorf("%s: output with fetched columns differs from the in-memory output:\n%.300s\nwant\n%.300s", tc.src, got, want)
		}
	}
}

// TestWindowBeforeAndAfterLoading checks that a window in file order read
// from the parts it covers equals the same window once columns are held.
func TestWindowBeforeAndAfterLoading(t *testing.T) {
	path := writeParts(t, 3000, 500)
	s := open(t, Config{Data: dataset.Options{Path: path}, Interactive: true})
	cols := []string{"id", "label", "score", "filepath"}
	ctx := context.Background()
	all := AllRows(s.NumRows())
	text := func() string {
		w, err := s.Rows(ctx, all, 480, 70, cols) // spans two row groups
		if err != nil {
			t.Fatal(err)
		}
		defer w.Release()
		if w.Rows[0] != 480 || len(w.Rows) != 70 {
			t.Fatalf("window rows %d..., %d of them; want 480..., 70", w.Rows[0], len(w.Rows))
		}
		var b strings.Builder
		for i := range w.Rows {
			for _, c := range w.Cols {
				b.WriteString(c.ValueStr(i) + " ")
			}
			b.WriteString("\n")
		}
		return b.String()
	}
	before := text()
	if s.holds(cols) {
		t.Fatal("the first window loaded whole columns")
	}
	if err := s.Preload(ctx, cols); err != nil {
		t.Fatal(err)
	}
	if after := text(); after != before {
		t.Errorf("window from parts:\n%s\nwindow from held columns:\n%s", before, after)
	}
	if !strings.HasPrefix(before, "480 ") {
		t.Errorf("window starts %q, want id 480", before[:10])
	}
}

// TestConcurrentQueries runs queries on one session from several
// goroutines while another reads windows (run with -race).
func TestConcurrentQueries(t *testing.T) {
	s := open(t, Config{Data: dataset.Options{Path: demoData, Preds: []dataset.PredSpec{{Name: "lr", Path: demoPreds}}}, Interactive: true})
	ctx := context.Background()
	queries := map[string]int64{
		"label != pred":  143, // testdata/reference/digits/reference.json: n_label_ne_pred
		"suspect":        75,  // cleanlab's prune_by_noise_rate
		`split == "val"`: 300,
		"not correct | sort score desc | limit 10": 10,
	}
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for round := range 3 {
		for src, want := range queries {
			wg.Add(1)
			go func() {
				defer wg.Done()
				prog, err := s.Compile(src)
				if err != nil {
					errs <- err
					return
				}
				sel, err := s.Select(ctx, prog)
				if err != nil {
					errs <- err
					return
				}
				if sel.Len() != want {
					errs <- fmt.Errorf("round %d: %s selected %d rows, want %d", round, src, sel.Len(), want)
				}
				n, err := s.Count(ctx, prog)
				if err != nil || n != want {
					errs <- fmt.Errorf("round %d: %s counted %d (%v), want %d", round, src, n, err, want)
				}
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for off := int64(0); off < 1500; off += 97 {
				w, err := s.Rows(ctx, AllRows(1500), off, 40, []string{"id", "label", "pred", "correct", "image"})
				if err != nil {
					errs <- err
					return
				}
				if w.Rows[0] != off {
					errs <- fmt.Errorf("window at %d starts at row %d", off, w.Rows[0])
				}
				w.Release()
			}
		}()
		wg.Add(1)
		go func() {
			defer wg.Done()
			evals, err := s.Evaluations(ctx)
			if err != nil {
				errs <- err
			} else if len(evals) != 1 || evals[0].Class == nil {
				errs <- fmt.Errorf("evaluations = %v", evals)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestSessionMemory checks that a session releases every column it held.
func TestSessionMemory(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	s, err := Open(Config{Data: dataset.Options{Path: demoData, Preds: []dataset.PredSpec{{Name: "lr", Path: demoPreds}}}, Mem: mem, Interactive: true})
	if err != nil {
		t.Fatal(err)
	}
	prog, err := s.Compile("not correct | sort mistakenness desc | limit 5")
	if err != nil {
		t.Fatal(err)
	}
	sel, err := s.Select(context.Background(), prog)
	if err != nil {
		t.Fatal(err)
	}
	w, err := s.Rows(context.Background(), sel, 0, 5, []string{"id", "label", "pred", "mistakenness", "probs"})
	if err != nil {
		t.Fatal(err)
	}
	w.Release()
	s.Close()
}

// TestNothingToEvaluate: a table without predictions has no derived
// fields, and asking for a report says why.
func TestNothingToEvaluate(t *testing.T) {
	s := open(t, Config{Data: dataset.Options{Path: demoData}})
	if len(s.Derived()) != 0 {
		t.Errorf("derived = %v, want none", s.Derived())
	}
	_, err := s.Evaluations(context.Background())
	if err == nil || !strings.Contains(err.Error(), "nothing to evaluate") || !strings.Contains(err.Error(), "digits.parquet") {
		t.Errorf("err = %v, want nothing to evaluate, naming the file", err)
	}
}

// BenchmarkRowsSorted times a 70-row window at row 5,000,000 of the
// bench's cls_10m.parquet with a sort applied, after the sort is computed
// (TRIAGE_BENCH_CLS10M names the file; see docs/benchmarks.md).
func BenchmarkRowsSorted(b *testing.B) {
	path := os.Getenv("TRIAGE_BENCH_CLS10M")
	if path == "" {
		b.Skip("set TRIAGE_BENCH_CLS10M to the bench's cls_10m.parquet")
	}
	s := open(b, Config{Data: dataset.Options{Path: path}, Interactive: true})
	ctx := context.Background()
	prog, err := s.Compile("true | sort score desc")
	if err != nil {
		b.Fatal(err)
	}
	sel, err := s.Select(ctx, prog)
	if err != nil {
		b.Fatal(err)
	}
	cols := []string{"id", "label", "pred", "score", "split", "filepath", "correct", "mistakenness"}
	if err := s.Preload(ctx, cols); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		w, err := s.Rows(ctx, sel, 5_000_000, 70, cols)
		if err != nil {
			b.Fatal(err)
		}
		w.Release()
	}
}

// TestSessionReportsDropRows: the reports a session keeps hold only
// metrics, whether the fields were made (interactive) or not; their
// per-sample values are the held columns' data, and a copy would be
// 13 bytes a row or more for as long as the session is open.
func TestSessionReportsDropRows(t *testing.T) {
	for _, interactive := range []bool{false, true} {
		s := open(t, Config{Data: dataset.Options{Path: demoData, Preds: []dataset.PredSpec{{Name: "lr", Path: demoPreds}}}, Interactive: interactive})
		evals, err := s.Evaluations(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("interactive %v: the report still has its per-sample values", interactive)
				}
			}()
			_, arrs := evals[0].Class.Fields(memory.DefaultAllocator)
			for _, a := range arrs {
				a.Release()
			}
		}()
	}
}

// TestEntropyOnDemand: a script's session leaves out the entropy fields
// until a query reads one, then evaluates again; the counts are the
// TUI's, which makes every field at once.
func TestEntropyOnDemand(t *testing.T) {
	cfg := Config{Data: dataset.Options{Path: demoData, Preds: []dataset.PredSpec{{Name: "lr", Path: demoPreds}}}}
	script := open(t, cfg)
	cfg.Interactive = true
	tui := open(t, cfg)
	ctx := context.Background()
	count := func(s *Session, src string) int64 {
		t.Helper()
		prog, err := s.Compile(src)
		if err != nil {
			t.Fatal(err)
		}
		n, err := s.Count(ctx, prog)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		return n
	}
	count(script, "suspect")
	if script.holds([]string{"hardness"}) {
		t.Error("a query on suspect made hardness")
	}
	for _, src := range []string{"suspect", "hardness > 0.5", "confidence_weighted_entropy < 0.4 and suspect", "self_confidence < 0.5"} {
		if got, want := count(script, src), count(tui, src); got != want || want == 0 {
			t.Errorf("%s: the script's session counts %d, the TUI's %d", src, got, want)
		}
	}
}

// BenchmarkCurvesCls1M times the TUI's charts (score histograms, and the
// precision–recall and ROC curves of each of 20 classes) on the bench's
// cls_1m.parquet, 1M rows with probs, after the evaluation
// (TRIAGE_BENCH_CLS1M names the file; see docs/benchmarks.md).
func BenchmarkCurvesCls1M(b *testing.B) {
	path := os.Getenv("TRIAGE_BENCH_CLS1M")
	if path == "" {
		b.Skip("set TRIAGE_BENCH_CLS1M to the bench's cls_1m.parquet")
	}
	s := open(b, Config{Data: dataset.Options{Path: path}, Interactive: true})
	ctx := context.Background()
	if _, err := s.Evaluations(ctx); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.Curves(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
