package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/charmbracelet/x/term"

	"triage/dataset"
	"triage/evalview"
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
need are read; a filter, or a sort with a limit, streams through the file.

  --count          print only the number of matching rows
  --format F       table (default), csv, jsonl or json
  --columns a,b    the columns to print (default: see above)
  --limit N        print at most N rows (after the query's own stages)

On a terminal, control characters in the data are shown escaped in every
format; written to a file or a pipe, CSV and JSON hold the data as it is.
A bad query exits with code 2 and a caret under the offending token.

` + openFlagsHelp,
	run: runQuery,
}

func runQuery(ctx context.Context, e *env, args []string) error {
	defer scanGC()()
	fs := flag.NewFlagSet("query", flag.ContinueOnError)
	var of openFlags
	of.register(fs)
	count := fs.Bool("count", false, "print the number of matching rows")
	format := fs.String("format", "table", "table, csv, jsonl or json")
	columns := fs.String("columns", "", "columns to print")
	limit := fs.Int64("limit", -1, "print at most N rows")
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
	if *limit < 0 && flagSet(fs, "limit") {
		return usagef("--limit %d: want a count of rows, 0 or more", *limit)
	}
	path, src := pos[0], pos[1]
	s, err := of.openSession(path)
	if err != nil {
		return err
	}
	defer s.Close()
	prog, err := s.Compile(src)
	if err != nil {
		return &usageError{query.FormatError(src, err)}
	}
	var out []string
	switch {
	case *columns != "":
		out = strings.Split(*columns, ",")
	case prog.Select() != nil:
		out = prog.Select()
	default:
		out = defaultColumns(s, prog.Columns())
	}
	for _, c := range out {
		if len(s.Schema().FieldIndices(c)) == 0 {
			return usagef("--columns: no column %q", c)
		}
	}
	if *count {
		n, err := countRows(ctx, s, prog, *limit)
		if err != nil {
			return err
		}
		warn(e, s)
		fmt.Fprintln(e.stdout, n)
		return nil
	}
	toTerminal := isTerminal(e.stdout)
	bw := bufio.NewWriterSize(e.stdout, 1<<16)
	var enc dataset.Encoder
	var table *render.TableWriter
	if *format == "table" {
		table = render.NewTableWriter(bw, 0)
		enc = &tableEncoder{s: s, cols: out}
	} else {
		re, err := dataset.NewRowEncoder(dataset.RowFormat(*format), out)
		if err != nil {
			return err
		}
		if toTerminal {
			re.Cell = render.Sanitize
		}
		enc = re
	}
	var w io.Writer = bw
	if table != nil {
		w = table
	}
	err = s.Write(ctx, w, prog, evalview.Output{Columns: out, Encoder: enc, Limit: *limit})
	if err == nil && table != nil {
		err = table.Close()
	}
	if err == nil {
		err = bw.Flush()
	}
	warn(e, s)
	return err
}

// countRows counts the query's rows, at most limit (< 0: no limit).
// scanGCPercent is the GC target of a query: a streamed query keeps little
// live (a batch per column per core, pointer-free buffers), and Go's
// default lets the heap grow to twice that before collecting.
const scanGCPercent = 50

// scanGC sets the GC target of a query, unless GOGC says otherwise, and
// returns a func that puts the old one back.
func scanGC() func() {
	if os.Getenv("GOGC") != "" {
		return func() {}
	}
	old := debug.SetGCPercent(scanGCPercent)
	return func() { debug.SetGCPercent(old) }
}

func countRows(ctx context.Context, s *evalview.Session, prog *query.Program, limit int64) (int64, error) {
	n, err := s.Count(ctx, prog)
	if limit >= 0 {
		n = min(n, limit)
	}
	return n, err
}

func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// isTerminal reports whether w is a terminal, where control characters
// from the data must not arrive raw.
func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(f.Fd())
}

// tableEncoder formats rows as cells for a render.TableWriter: sanitized,
// class indices as names.
type tableEncoder struct {
	s    *evalview.Session
	cols []string
}

func (t *tableEncoder) Begin() []byte {
	var b []byte
	for i, c := range t.cols {
		if i > 0 {
			b = append(b, render.CellSep)
		}
		b = append(b, render.Sanitize(c)...)
	}
	return append(b, '\n')
}

func (t *tableEncoder) Sep() []byte { return nil }
func (t *tableEncoder) End() []byte { return nil }

func (t *tableEncoder) Bind(b arrow.RecordBatch) (dataset.RowAppender, error) {
	ta := &tableAppender{}
	for _, c := range t.cols {
		idx := b.Schema().FieldIndices(c)
		if len(idx) == 0 {
			return nil, fmt.Errorf("no column %q", c)
		}
		ta.cols = append(ta.cols, b.Column(idx[0]))
		ta.classes = append(ta.classes, t.s.ClassesFor(c))
	}
	return ta, nil
}

type tableAppender struct {
	cols    []arrow.Array
	classes [][]string
}

func (ta *tableAppender) Append(dst []byte, i int) []byte {
	for j, c := range ta.cols {
		if j > 0 {
			dst = append(dst, render.CellSep)
		}
		dst = append(dst, render.Value(c, i, ta.classes[j])...)
	}
	return append(dst, '\n')
}
