package curate

import (
	"context"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"triage/dataset"
)

const (
	demoDir       = "../../testdata/demo/"
	demoPath      = demoDir + "digits.parquet"
	demoPreds     = demoDir + "digits-preds.parquet"
	demoPool      = demoDir + "digits-pool.parquet"
	demoPoolPreds = demoDir + "digits-pool-preds.parquet"
)

// load opens path (joined with preds, if any) and reads every column.
func load(t testing.TB, mem memory.Allocator, path string, preds ...string) (*dataset.Dataset, *dataset.Table) {
	t.Helper()
	opts := dataset.Options{Path: path}
	for _, p := range preds {
		opts.Preds = append(opts.Preds, dataset.ParsePredSpec(p))
	}
	ds, err := dataset.Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ds.Close() })
	tb, _, err := ds.Load(context.Background(), dataset.LoadOptions{Mem: mem})
	if err != nil {
		t.Fatal(err)
	}
	return ds, tb
}

// whole returns a column as one array; the caller releases it.
func whole(t testing.TB, tb *dataset.Table, name string, mem memory.Allocator) arrow.Array {
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

// tableFromJSON builds a one-batch table. The caller releases it.
func tableFromJSON(t testing.TB, mem memory.Allocator, schema *arrow.Schema, rows string) *dataset.Table {
	t.Helper()
	rec, _, err := array.RecordFromJSON(mem, schema, stringsReader(rows))
	if err != nil {
		t.Fatal(err)
	}
	return dataset.NewTable(schema, []arrow.RecordBatch{rec})
}

func stringsReader(s string) *strings.Reader { return strings.NewReader(s) }
