package dataset

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// writeEmptyParquet writes a Parquet file with the schema and no row group
// at all (DuckDB writes these); writeParquet with "[]" writes one row
// group of 0 rows (pyarrow and arrow-go write those).
func writeEmptyParquet(t *testing.T, dir, name string, schema *arrow.Schema) string {
	t.Helper()
	path := filepath.Join(dir, name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := pqarrow.NewFileWriter(schema, f, nil, pqarrow.DefaultWriterProps())
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// writeEmptyIPC writes an Arrow IPC file (stream=false) or stream with the
// schema and no record batch.
func writeEmptyIPC(t *testing.T, dir, name string, schema *arrow.Schema, stream bool) string {
	t.Helper()
	path := filepath.Join(dir, name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if stream {
		w := ipc.NewWriter(f, ipc.WithSchema(schema))
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		return path
	}
	w, err := ipc.NewFileWriter(f, ipc.WithSchema(schema))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestEmptyDatasets: a file with a schema and no rows is an empty dataset
// (SPEC §7), in every format and on either side of a join: it opens, shows
// its columns, and loads as a table of 0 rows with those columns.
func TestEmptyDatasets(t *testing.T) {
	dir := t.TempDir()
	data := writeParquet(t, dir, "data.parquet", intKeyed, `[{"id":1,"label":"cat"},{"id":2,"label":"dog"}]`)
	preds := writeParquet(t, dir, "preds.parquet", intPreds, `[{"id":2,"pred":"cat","score":0.5},{"id":1,"pred":"cat","score":0.9}]`)
	empties := map[string]string{
		"parquet, one row group of 0 rows": writeParquet(t, dir, "rg0.parquet", intKeyed, `[]`),
		"parquet, no row group":            writeEmptyParquet(t, dir, "norg.parquet", intKeyed),
		"arrow file, no batch":             writeEmptyIPC(t, dir, "nobatch.arrow", intKeyed, false),
		"arrow stream, no batch":           writeEmptyIPC(t, dir, "nobatch.arrows", intKeyed, true),
		"csv, header only":                 writeFile(t, dir, "header.csv", "id,label\n"),
	}
	emptyPreds := writeParquet(t, dir, "emptypreds.parquet", intPreds, `[]`)
	for name, path := range empties {
		t.Run(name, func(t *testing.T) {
			cases := []struct {
				name     string
				opts     Options
				wantCols []string
				wantRows int64
			}{
				{"alone", Options{Path: path}, []string{"id", "label"}, 0},
				{"with predictions", Options{Path: path, Preds: []PredSpec{{"p", preds}}}, []string{"id", "label", "pred", "score"}, 0},
				{"with empty predictions", Options{Path: path, Preds: []PredSpec{{"p", emptyPreds}}}, []string{"id", "label", "pred", "score"}, 0},
				{"as the predictions", Options{Path: data, Preds: []PredSpec{{"p", emptyPreds}}}, []string{"id", "label", "pred", "score"}, 2},
			}
			for _, c := range cases {
				mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
				ds, tbl, info, err := loadInfo(t, c.opts, mem)
				if err != nil {
					t.Errorf("%s: %v", c.name, err)
					continue
				}
				if got := fieldNames(tbl.Schema()); !equalStrings(got, c.wantCols) {
					t.Errorf("%s: columns %v, want %v", c.name, got, c.wantCols)
				}
				if tbl.NumRows() != c.wantRows {
					t.Errorf("%s: %d rows, want %d", c.name, tbl.NumRows(), c.wantRows)
				}
				if ds.Task != "classification" || ds.Roles[RoleLabel] != "label" {
					t.Errorf("%s: task %q, roles %v: want classification with a label", c.name, ds.Task, ds.Roles)
				}
				if c.name == "as the predictions" {
					st := info.Joins[0]
					if st.Rows != 0 || st.Matched != 0 || st.SamplesWithoutPrediction != 2 {
						t.Errorf("%s: join %+v, want 0 rows, 0 matched, 2 samples without prediction", c.name, st)
					}
				}
				tbl.Release()
				ds.Close()
				mem.AssertSize(t, 0)
			}
		})
	}
}

// TestEmptyCorpusFiles: the corpus files with a schema and no rows.
func TestEmptyCorpusFiles(t *testing.T) {
	for _, name := range []string{
		"arrow-ipc/cpp-21.0.0/generated_primitive_no_batches.arrow_file",
		"arrow-ipc/cpp-21.0.0/generated_primitive_no_batches.stream",
		"parquet/column_chunk_key_value_metadata.parquet",
	} {
		path := filepath.Join("../testdata/corpus", name)
		mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
		ds, tbl, err := load(t, Options{Path: path}, mem)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if tbl.NumRows() != 0 || tbl.Schema().NumFields() != ds.Schema().NumFields() || ds.Schema().NumFields() == 0 {
			t.Errorf("%s: %d rows x %d columns, want 0 rows x %d columns", name, tbl.NumRows(), tbl.Schema().NumFields(), ds.Schema().NumFields())
		}
		tbl.Release()
		ds.Close()
		mem.AssertSize(t, 0)
	}
}

// TestEmptyScan: a streamed read of an empty file delivers no batch and no
// error, with or without columns.
func TestEmptyScan(t *testing.T) {
	dir := t.TempDir()
	path := writeParquet(t, dir, "rg0.parquet", intKeyed, `[]`)
	ds, err := Open(Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer ds.Close()
	for _, cols := range [][]string{{}, {"id"}, {"id", "label"}} {
		var rows int64
		err := readEachPart(ds, cols, nil, func(b arrow.RecordBatch) error {
			rows += b.NumRows()
			return nil
		})
		if err != nil || rows != 0 {
			t.Errorf("Scan(%v) = %d rows, %v; want 0 rows, no error", cols, rows, err)
		}
	}
}

func fieldNames(s *arrow.Schema) []string {
	var out []string
	for _, f := range s.Fields() {
		out = append(out, f.Name)
	}
	return out
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
