package main

import (
	"context"
	"flag"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"triage/dataset"
	"triage/dataset/sink"
	"triage/evalview"
	"triage/query"
	"triage/render"
)

var exportCmd = &command{
	name:    "export",
	summary: "write the rows a query selects as Parquet, Arrow, CSV, JSONL, COCO or Label Studio",
	usage: `Usage: triage export [open flags] DATASET --where QUERY --out PATH [--format F] [--with-eval]

Writes the samples QUERY selects, in the query's order, to PATH:

  triage export data.parquet --pred preds.parquet --where 'suspect' --out suspects.parquet
  triage export data.parquet --pred preds.parquet --where 'not correct' --out fix.json --format labelstudio

  --where QUERY   the samples to export (--where true: all of them)
  --out PATH      the file to write; written to a temporary file and renamed,
                  never over an input
  --format F      parquet, arrow (Arrow IPC file), csv, jsonl: the dataset's
                  columns and its predictions' (Parquet and Arrow keep the
                  types and the schema metadata; CSV and JSON Lines write
                  nested values as JSON); coco: the ground-truth boxes as a
                  COCO annotation file (detection); labelstudio: Label Studio
                  tasks with the current label and the model's prediction as
                  pre-annotations. Default: from PATH's extension (.parquet,
                  .arrow/.feather/.ipc, .csv, .jsonl)
  --with-eval     also write the derived fields (correct, suspect, ...; SPEC §4)

` + openFlagsHelp,
	run: runExport,
}

func runExport(ctx context.Context, e *env, args []string) error {
	defer scanGC()()
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	var of openFlags
	of.register(fs)
	where := fs.String("where", "", "the query that chooses the samples")
	out := fs.String("out", "", "the output file")
	format := fs.String("format", "", "parquet, arrow, csv, jsonl, coco or labelstudio")
	withEval := fs.Bool("with-eval", false, "include the derived fields")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("want one DATASET, got %d arguments (see `triage help export`)", len(pos))
	}
	if *where == "" || *out == "" {
		return usagef("export: --where QUERY and --out PATH are required")
	}
	if *format == "" {
		if *format = formatFromExt(*out); *format == "" {
			return usagef("export: --format is needed: %q has no extension triage knows (parquet, arrow, csv, jsonl)", *out)
		}
	}
	switch *format {
	case "parquet", "arrow", "csv", "jsonl", "coco", "labelstudio":
	default:
		return usagef("export: --format %q: want parquet, arrow, csv, jsonl, coco or labelstudio", *format)
	}
	path := pos[0]
	opts, err := of.options(path)
	if err != nil {
		return err
	}
	inputs := inputFiles(opts)
	if err := sink.CheckNotInput(*out, inputs); err != nil {
		return err
	}
	s, err := of.openSession(path)
	if err != nil {
		return err
	}
	defer s.Close()
	prog, err := s.Compile(*where)
	if err != nil {
		return &usageError{query.FormatError(*where, err)}
	}
	sel, err := s.Select(ctx, prog)
	if err != nil {
		return err
	}
	ds := s.Dataset()
	cols := make([]string, 0, s.Schema().NumFields())
	for _, f := range ds.Schema().Fields() {
		cols = append(cols, f.Name)
	}
	if *withEval {
		for _, f := range s.Derived() {
			cols = appendNew(cols, f.Name)
		}
	}
	tb, err := selectedTable(ctx, s, sel, cols)
	if err != nil {
		return err
	}
	defer tb.Release()
	switch *format {
	case "coco", "labelstudio":
		req := exportRequest(ds, tb.Schema(), path)
		req.Table, req.Rows = tb, allRows(tb.NumRows())
		err = writeForPeople(*out, *format, req, inputs)
	default:
		err = sink.WriteTable(ctx, *out, sink.Format(*format), tb, nil, inputs, nil)
	}
	if err != nil {
		return err
	}
	warn(e, s)
	fmt.Fprintf(e.stdout, "wrote %s: %s rows\n", render.Sanitize(*out), render.Count(tb.NumRows()))
	return nil
}

// selectedTable reads the selection's rows of cols as a one-batch table
// whose schema keeps the dataset's metadata.
func selectedTable(ctx context.Context, s *evalview.Session, sel *evalview.Selection, cols []string) (*dataset.Table, error) {
	win, err := s.Rows(ctx, sel, 0, sel.Len(), cols)
	if err != nil {
		return nil, err
	}
	defer win.Release()
	md := s.Schema().Metadata()
	schema := arrow.NewSchema(win.Schema.Fields(), &md)
	rec := array.NewRecordBatch(schema, win.Cols, int64(len(win.Rows)))
	return dataset.NewTable(schema, []arrow.RecordBatch{rec}), nil
}

func formatFromExt(path string) string {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".parquet":
		return "parquet"
	case ".arrow", ".feather", ".ipc":
		return "arrow"
	case ".csv":
		return "csv"
	case ".jsonl", ".ndjson":
		return "jsonl"
	}
	return ""
}
