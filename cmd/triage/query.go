package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"triage/dataset"
	"triage/query"
	"triage/render"
)

var queryCmd = &command{
	name:    "query",
	summary: "rows matching a query (--count, --format, --columns, --limit)",
	usage: `Usage: triage query [open flags] DATASET QUERY [flags]

Prints the rows that match QUERY, in the query language of SPEC §5 (see
` + "`go doc triage/query`" + `), for example:

  triage query data.parquet --pred preds.parquet 'label != pred and score > 0.9'
  triage query data.parquet 'fp("cat") and split == "val" | sort score desc | limit 20'
  triage query data.parquet 'suspect | sort self_confidence asc' --format csv

By default the output is an aligned table of the key, the fields the query
mentions and label/pred/score. Only the columns the query and the output
need are read.

  --count          print only the number of matching rows
  --format F       table (default), csv, jsonl or json
  --columns a,b    the columns to print (default: see above)
  --limit N        print at most N rows (after the query's own stages)

A bad query exits with code 2 and a caret under the offending token.

` + openFlagsHelp,
	run: runQuery,
}

func runQuery(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("query", flag.ContinueOnError)
	var of openFlags
	of.register(fs)
	count := fs.Bool("count", false, "print the number of matching rows")
	format := fs.String("format", "table", "table, csv, jsonl or json")
	columns := fs.String("columns", "", "columns to print")
	limit := fs.Int("limit", -1, "print at most N rows")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return usagef("want DATASET QUERY, got %d arguments (see `triage help query`)", len(pos))
	}
	switch *format {
	case "table", "csv", "jsonl", "json":
	default:
		return usagef("--format %q: want table, csv, jsonl or json", *format)
	}
	path, src := pos[0], pos[1]
	s, err := openSession(path, &of)
	if err != nil {
		return err
	}
	defer s.close()
	env := s.queryEnv(s.schema(s.ds.Schema())) // every column, derived fields included, before reading
	prog, err := query.Compile(src, env)
	if err != nil {
		return &usageError{query.FormatError(src, err)}
	}
	var out []string
	if *columns != "" {
		out = strings.Split(*columns, ",")
	} else if sel := prog.Select(); sel != nil {
		out = sel
	} else {
		out = s.defaultColumns(prog.Columns())
	}
	if err := s.checkColumns(out); err != nil {
		return usagef("--columns: %v", err)
	}
	need := prog.Columns()
	if !*count {
		need = appendNew(need, out...)
	}
	mem := memory.DefaultAllocator
	if *count && *limit < 0 && prog.Streamable() && !s.needsEvaluation(need) {
		n, err := streamCount(ctx, s, src, need, mem)
		if err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, n)
		return nil
	}
	t, err := s.load(ctx, need, mem)
	if err != nil {
		return err
	}
	defer t.Release()
	// Compile again against the columns as read (dictionary-encoded
	// strings, derived fields): the plan specializes on the real types.
	prog, err = query.Compile(src, s.queryEnv(t.Schema()))
	if err != nil {
		return &usageError{query.FormatError(src, err)}
	}
	if *count && *limit < 0 {
		n, err := prog.Count(ctx, t.Batches())
		if err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, n)
		return nil
	}
	rows, err := prog.Run(ctx, t.Batches(), mem)
	if err != nil {
		return err
	}
	if *limit >= 0 && len(rows) > *limit {
		rows = rows[:*limit]
	}
	if *count {
		fmt.Fprintln(e.stdout, len(rows))
		return nil
	}
	s.warn(e)
	if *format != "table" {
		return dataset.WriteRows(e.stdout, dataset.RowFormat(*format), t, rows, out)
	}
	fmt.Fprint(e.stdout, s.table(t, rows, out))
	return nil
}

// queryEnv is what a query sees: the columns of schema, with the dataset's
// classes and label and pred roles.
func (s *session) queryEnv(schema *arrow.Schema) query.Env {
	return query.Env{Schema: schema, Classes: s.ds.Classes, Label: s.ds.Roles[dataset.RoleLabel], Pred: s.ds.Roles[dataset.RolePred]}
}

// table formats the rows as an aligned table, class indices as names.
func (s *session) table(t *dataset.Table, rows []int64, cols []string) string {
	loc := dataset.NewRowLocator(t)
	idx := make([]int, len(cols))
	for i, c := range cols {
		idx[i] = t.Schema().FieldIndices(c)[0]
	}
	cells := make([][]string, len(rows))
	for i, r := range rows {
		b, j := loc.Locate(r)
		batch := t.Batches()[b]
		cells[i] = make([]string, len(cols))
		for k, c := range idx {
			cells[i][k] = render.Value(batch.Column(c), j, s.classesFor(cols[k]))
		}
	}
	header := make([]string, len(cols))
	for i, c := range cols {
		header[i] = render.Sanitize(c)
	}
	return render.Table(header, cells, 0)
}

// streamCount counts matching rows batch by batch as the file is read,
// never holding the whole table. The query is compiled against the batches
// as read (dictionary-encoded strings), once per distinct schema.
func streamCount(ctx context.Context, s *session, src string, cols []string, mem memory.Allocator) (int64, error) {
	var total atomic.Int64
	var mu sync.Mutex
	var progs []*query.Program
	compiled := func(schema *arrow.Schema) (*query.Program, error) {
		mu.Lock()
		defer mu.Unlock()
		for _, p := range progs {
			if p.Schema().Equal(schema) {
				return p, nil
			}
		}
		p, err := query.Compile(src, s.queryEnv(schema))
		if err != nil {
			return nil, &usageError{query.FormatError(src, err)}
		}
		progs = append(progs, p)
		return p, nil
	}
	err := s.ds.Scan(ctx, cols, mem, func(b arrow.RecordBatch) error {
		prog, err := compiled(b.Schema())
		if err != nil {
			return err
		}
		n, err := prog.Count(ctx, []arrow.RecordBatch{b})
		total.Add(n)
		return err
	})
	return total.Load(), err
}
