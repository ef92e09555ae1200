package sink

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"triage/dataset"
)

const demo = "../../testdata/demo/digits.parquet"

func load(t *testing.T, path string, mem memory.Allocator) *dataset.Table {
	t.Helper()
	ds, err := dataset.Open(dataset.Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer ds.Close()
	tb, _, err := ds.Load(context.Background(), dataset.LoadOptions{Mem: mem})
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

// column returns column name of t as one array. The caller releases it.
func column(t *testing.T, tb *dataset.Table, name string, mem memory.Allocator) arrow.Array {
	t.Helper()
	ch := tb.ColumnByName(name)
	if ch == nil {
		t.Fatalf("no column %q", name)
	}
	defer ch.Release()
	a, err := array.Concatenate(ch.Chunks(), mem)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestRoundTrip writes a subset of the demo, in a scrambled order, as
// Parquet and Arrow, opens it again and compares every column's values,
// the types and the schema metadata with the same rows taken from the
// original.
func TestRoundTrip(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	src := load(t, demo, mem)
	defer src.Release()
	var rows []int64
	for r := src.NumRows() - 1; r >= 0; r -= 7 {
		rows = append(rows, r)
	}
	rows = append(rows, 0, 1, 2, 0)
	idxB := array.NewInt64Builder(mem)
	idxB.AppendValues(rows, nil)
	idx := idxB.NewArray()
	idxB.Release()
	defer idx.Release()

	dir := t.TempDir()
	for _, f := range []Format{Parquet, Arrow} {
		t.Run(string(f), func(t *testing.T) {
			out := filepath.Join(dir, "subset."+string(f))
			if err := WriteTable(context.Background(), out, f, src, rows, []string{demo}, mem); err != nil {
				t.Fatal(err)
			}
			got := load(t, out, mem)
			defer got.Release()
			if got.NumRows() != int64(len(rows)) {
				t.Fatalf("%d rows, want %d", got.NumRows(), len(rows))
			}
			if !got.Schema().Metadata().Equal(src.Schema().Metadata()) {
				t.Errorf("metadata %v, want %v", got.Schema().Metadata(), src.Schema().Metadata())
			}
			for _, fld := range src.Schema().Fields() {
				orig := column(t, src, fld.Name, mem)
				want, err := compute.TakeArray(compute.WithAllocator(context.Background(), mem), orig, idx)
				orig.Release()
				if err != nil {
					t.Fatal(err)
				}
				g := column(t, got, fld.Name, mem)
				if !arrow.TypeEqual(g.DataType(), want.DataType()) {
					t.Errorf("column %s: type %v, want %v", fld.Name, g.DataType(), want.DataType())
				} else if !array.Equal(g, want) {
					t.Errorf("column %s: values differ", fld.Name)
				}
				g.Release()
				want.Release()
			}
		})
	}

	for _, f := range []Format{CSV, JSONL} {
		t.Run(string(f), func(t *testing.T) {
			out := filepath.Join(dir, "subset."+string(f))
			if err := WriteTable(context.Background(), out, f, src, rows[:5], nil, mem); err != nil {
				t.Fatal(err)
			}
			var want strings.Builder
			cols := []string{"id", "image", "label", "split", "embedding"}
			rf := dataset.FormatRowsCSV
			if f == JSONL {
				rf = dataset.FormatRowsJSONL
			}
			if err := dataset.WriteRows(&want, rf, src, rows[:5], cols); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != want.String() {
				t.Errorf("%s output differs from dataset.WriteRows:\n%s\nwant:\n%s", f, got, want.String())
			}
		})
	}
}

func TestRefusesInputs(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.parquet")
	if err := os.WriteFile(in, []byte("data"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.parquet")
	hard := filepath.Join(dir, "hard.parquet")
	shards := filepath.Join(dir, "shards")
	for _, err := range []error{os.Symlink(in, link), os.Link(in, hard), os.Mkdir(shards, 0o755)} {
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct{ out, input string }{
		{in, in},
		{link, in},
		{in, link},
		{hard, in},
		{filepath.Join(dir, ".", "in.parquet"), in},
		{filepath.Join(shards, "new.parquet"), shards},
	} {
		err := WriteFile(tc.out, []string{"", tc.input}, func(w io.Writer) error {
			_, err := io.WriteString(w, "new")
			return err
		})
		if err == nil || !strings.Contains(err.Error(), "refusing") {
			t.Errorf("WriteFile(%s) with input %s: %v, want a refusal", tc.out, tc.input, err)
		}
	}
	if b, _ := os.ReadFile(in); string(b) != "data" {
		t.Errorf("input changed to %q", b)
	}
	if err := WriteFile(dir, nil, func(io.Writer) error { return nil }); err == nil {
		t.Error("writing over a folder: no error")
	}
}

func TestWriteFileFailureLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out.parquet")
	boom := errors.New("boom")
	err := WriteFile(out, nil, func(w io.Writer) error {
		io.WriteString(w, "partial")
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Errorf("left %v behind", entries)
	}
	if err := WriteFile(out, nil, func(w io.Writer) error { _, err := io.WriteString(w, "ok"); return err }); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(out); string(b) != "ok" {
		t.Errorf("out = %q", b)
	}
	if _, err := ParseFormat("xlsx"); err == nil || !strings.Contains(err.Error(), "parquet, arrow, csv, jsonl") {
		t.Errorf("ParseFormat(xlsx) = %v", err)
	}
}
