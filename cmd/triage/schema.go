package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strings"

	"triage/dataset"
	"triage/render"
)

var schemaCmd = &command{
	name:    "schema",
	summary: "columns, types, detected roles, classes, row counts, joins",
	usage: `Usage: triage schema [open flags] DATASET [--json]

Prints the dataset's columns with their Arrow types and detected roles, the
class list and where it came from, the row count, and how each prediction
file joined (matched, samples without a prediction, predictions without a
sample). Reads only the key columns.

  --json   one JSON object, for scripts

` + openFlagsHelp,
	run: runSchema,
}

// schemaReport is the JSON of `triage schema --json` (SPEC §3).
type schemaReport struct {
	Path          string              `json:"path"`
	Format        string              `json:"format"`
	Rows          int64               `json:"rows"`
	Columns       []schemaColumn      `json:"columns"`
	Task          *string             `json:"task"`
	Classes       []string            `json:"classes"`
	ClassesSource *string             `json:"classes_source"`
	Key           *string             `json:"key"`
	Predictions   []dataset.JoinStats `json:"predictions"`
	Warnings      []string            `json:"warnings"`
}

type schemaColumn struct {
	Name string  `json:"name"`
	Type string  `json:"type"`
	Role *string `json:"role"`
}

func runSchema(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("schema", flag.ContinueOnError)
	var of openFlags
	of.register(fs)
	asJSON := fs.Bool("json", false, "JSON output")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("want one DATASET, got %d arguments (see `triage help schema`)", len(pos))
	}
	s, err := of.openSession(pos[0])
	if err != nil {
		return err
	}
	defer s.Close()
	ds := s.Dataset()
	// Reading no columns counts the rows and joins the keys.
	t, info, err := ds.Load(ctx, dataset.LoadOptions{Columns: []string{}})
	if err != nil {
		return err
	}
	rows := t.NumRows()
	t.Release()

	rep := schemaReport{Path: ds.Path, Format: ds.Format().String(), Rows: rows, Classes: ds.Classes,
		Predictions: info.Joins, Warnings: append(append([]string(nil), ds.Warnings...), info.Warnings...)}
	rep.Task = nullable(string(ds.Task))
	rep.ClassesSource = nullable(ds.ClassesSource)
	rep.Key = nullable(ds.Key)
	for _, f := range ds.Schema().Fields() {
		rep.Columns = append(rep.Columns, schemaColumn{Name: f.Name, Type: f.Type.String(), Role: nullable(string(ds.Roles.RoleOf(f.Name)))})
	}
	if rep.Predictions == nil {
		rep.Predictions = []dataset.JoinStats{}
	}
	if rep.Warnings == nil {
		rep.Warnings = []string{}
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	writeSchemaText(e, &rep)
	return nil
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func deref(s *string, none string) string {
	if s == nil {
		return none
	}
	return *s
}

func writeSchemaText(e *env, rep *schemaReport) {
	w := e.stdout
	fmt.Fprintf(w, "%s  (%s, %s rows)\n\n", render.Sanitize(rep.Path), rep.Format, render.Count(rep.Rows))
	var rows [][]string
	for _, c := range rep.Columns {
		rows = append(rows, []string{render.Sanitize(c.Name), c.Type, deref(c.Role, "")})
	}
	fmt.Fprint(w, render.Table([]string{"column", "type", "role"}, rows, 0))
	fmt.Fprintf(w, "\ntask     %s\n", deref(rep.Task, "unknown (no label, pred, ground_truth or detections column)"))
	if rep.Classes != nil {
		fmt.Fprintf(w, "classes  %d from %s: %s\n", len(rep.Classes), deref(rep.ClassesSource, "?"), render.Sanitize(strings.Join(rep.Classes, ", ")))
	} else {
		fmt.Fprintln(w, "classes  none found")
	}
	fmt.Fprintf(w, "key      %s\n", deref(rep.Key, "none (rows match by position)"))
	for _, p := range rep.Predictions {
		how := "by key"
		if p.Positional {
			how = "by position"
		}
		fmt.Fprintf(w, "pred     %s = %s: %s rows, %s matched %s, %s samples without prediction, %s predictions without sample\n",
			render.Sanitize(p.Name), render.Sanitize(p.Path), render.Count(p.Rows), render.Count(p.Matched), how,
			render.Count(p.SamplesWithoutPrediction), render.Count(p.PredictionsWithoutSample))
	}
	for _, warn := range rep.Warnings {
		fmt.Fprintf(w, "warning  %s\n", render.Sanitize(warn))
	}
}
