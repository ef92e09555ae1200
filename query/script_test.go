package query

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestScripts runs the end-to-end scripts in testdata/script. A script is
// a list of commands, one a line:
//
//	schema name:type,...     the table's columns (types as mustSchema), or "schema test"
//	env label=C pred=C classes=a,b,c
//	load [batches=N]         JSON rows follow, one a line, up to a blank line
//	eval QUERY               run QUERY; then one of:
//	ids N ...                the id column of the rows returned, in order ("ids" alone: none)
//	count N                  what Count returns
//	fail TEXT                Compile fails with a message containing TEXT
//
// Lines starting with # are comments.
func TestScripts(t *testing.T) {
	files, err := filepath.Glob("testdata/script/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scripts: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) { runScript(t, file) })
	}
}

type scriptState struct {
	env     Env
	batches []arrow.RecordBatch
	query   string
	prog    *Program
}

func runScript(t *testing.T, file string) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	var st scriptState
	defer func() { releaseAll(st.batches) }()
	lineNo := 0
	for sc.Scan() {
		lineNo++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		where := fmt.Sprintf("%s:%d", filepath.Base(file), lineNo)
		cmd, arg, _ := strings.Cut(line, " ")
		switch cmd {
		case "schema":
			if arg == "test" {
				st.env.Schema = testSchema
			} else {
				st.env.Schema = mustSchema(arg)
			}
		case "env":
			for _, kv := range strings.Fields(arg) {
				k, v, _ := strings.Cut(kv, "=")
				switch k {
				case "label":
					st.env.Label = v
				case "pred":
					st.env.Pred = v
				case "classes":
					st.env.Classes = strings.Split(v, ",")
				}
			}
		case "load":
			var rows []string
			for sc.Scan() {
				lineNo++
				if strings.TrimSpace(sc.Text()) == "" {
					break
				}
				rows = append(rows, sc.Text())
			}
			n := 1
			if v, ok := strings.CutPrefix(arg, "batches="); ok {
				n, _ = strconv.Atoi(v)
			}
			releaseAll(st.batches)
			st.batches = loadRows(t, mem, st.env.Schema, rows, n)
		case "eval":
			st.query = arg
			st.prog, err = Compile(arg, st.env)
			if err != nil {
				st.prog = nil
				st.query += "\x00" + FormatError(arg, err)
			}
		case "ids", "count":
			if st.prog == nil {
				t.Errorf("%s: Compile(%q) failed: %s", where, strings.Split(st.query, "\x00")[0], strings.Split(st.query, "\x00")[1])
				continue
			}
			if cmd == "count" {
				n, err := st.prog.Count(context.Background(), st.batches)
				if got := strconv.FormatInt(n, 10); err != nil || got != arg {
					t.Errorf("%s: Count(%q) = %s, %v; want %s", where, st.query, got, err, arg)
				}
				continue
			}
			rows, err := st.prog.Run(context.Background(), st.batches, mem)
			if err != nil {
				t.Errorf("%s: Run(%q): %v", where, st.query, err)
				continue
			}
			if got := strings.Join(idsOf(st.batches, rows), " "); got != arg {
				t.Errorf("%s: Run(%q) = ids %s, want %s", where, st.query, got, arg)
			}
		case "fail":
			if st.prog != nil {
				t.Errorf("%s: Compile(%q) succeeded, want failure %q", where, st.query, arg)
				continue
			}
			if msg := strings.Split(st.query, "\x00")[1]; !strings.Contains(msg, arg) {
				t.Errorf("%s: Compile failed with\n%s\nwant a message containing %q", where, msg, arg)
			}
		default:
			t.Fatalf("%s: unknown command %q", where, cmd)
		}
	}
}

func loadRows(t *testing.T, mem memory.Allocator, schema *arrow.Schema, rows []string, n int) []arrow.RecordBatch {
	rec, _, err := array.RecordFromJSON(mem, schema, strings.NewReader("["+strings.Join(rows, ",")+"]"))
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	defer rec.Release()
	var out []arrow.RecordBatch
	total := rec.NumRows()
	for i := 0; i < n; i++ {
		out = append(out, rec.NewSlice(total*int64(i)/int64(n), total*int64(i+1)/int64(n)))
	}
	return out
}

// idsOf maps global row indices to the values of the id column.
func idsOf(batches []arrow.RecordBatch, rows []int64) []string {
	var ids []string
	for _, g := range rows {
		for _, rec := range batches {
			if g < rec.NumRows() {
				col := rec.Column(rec.Schema().FieldIndices("id")[0])
				ids = append(ids, col.ValueStr(int(g)))
				break
			}
			g -= rec.NumRows()
		}
	}
	return ids
}
