package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// fixture writes a table given as JSON rows to dir/name: Parquet (.parquet),
// an Arrow IPC file (.arrow) or stream (.arrows). rows == "" writes the
// schema alone: a Parquet file with no row group, IPC with no batch.
func fixture(t *testing.T, dir, name string, schema *arrow.Schema, rows string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rec arrow.RecordBatch
	if rows != "" {
		if rec, _, err = array.RecordFromJSON(memory.DefaultAllocator, schema, strings.NewReader(rows)); err != nil {
			t.Fatal(err)
		}
		defer rec.Release()
	}
	type writer interface {
		Write(arrow.RecordBatch) error
		Close() error
	}
	var w writer
	switch filepath.Ext(name) {
	case ".parquet":
		w, err = pqarrow.NewFileWriter(schema, f, nil, pqarrow.DefaultWriterProps())
	case ".arrow":
		w, err = ipc.NewFileWriter(f, ipc.WithSchema(schema))
	case ".arrows":
		w = ipc.NewWriter(f, ipc.WithSchema(schema))
	default:
		t.Fatalf("fixture %s: unknown extension", name)
	}
	if err != nil {
		t.Fatal(err)
	}
	if rec != nil {
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func writeText(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func schemaOf(fields ...arrow.Field) *arrow.Schema { return arrow.NewSchema(fields, nil) }

var (
	idField     = arrow.Field{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: true}
	labelField  = arrow.Field{Name: "label", Type: arrow.BinaryTypes.String, Nullable: true}
	predField   = arrow.Field{Name: "pred", Type: arrow.BinaryTypes.String, Nullable: true}
	scoreField  = arrow.Field{Name: "score", Type: arrow.PrimitiveTypes.Float64, Nullable: true}
	weightField = arrow.Field{Name: "weight", Type: arrow.PrimitiveTypes.Float64, Nullable: true}
	splitField  = arrow.Field{Name: "split", Type: arrow.BinaryTypes.String, Nullable: true}
)

// cliCase is one command line and what it must do.
type cliCase struct {
	name   string
	args   []string
	code   int      // exit code
	stdout []string // substrings of stdout
	stderr []string // substrings of stderr (the error line and warnings)
	not    []string // substrings stderr must not hold
}

// runCLI runs the cases through run, as main does, and checks the exit
// code and the output.
func runCLI(t *testing.T, cases []cliCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), tc.args, strings.NewReader(""), &stdout, &stderr)
			code := 0
			if err != nil {
				stderr.WriteString(errorText(err) + "\n")
				code = exitCode(err)
			}
			if code != tc.code {
				t.Errorf("triage %q: exit code %d, want %d\nstderr: %s", tc.args, code, tc.code, stderr.String())
			}
			for _, want := range tc.stdout {
				if !strings.Contains(stdout.String(), want) {
					t.Errorf("triage %q: stdout lacks %q:\n%s", tc.args, want, stdout.String())
				}
			}
			for _, want := range tc.stderr {
				if !strings.Contains(stderr.String(), want) {
					t.Errorf("triage %q: stderr lacks %q:\n%s", tc.args, want, stderr.String())
				}
			}
			for _, bad := range append(tc.not, "goroutine ", "panic") {
				if strings.Contains(stderr.String(), bad) {
					t.Errorf("triage %q: stderr holds %q:\n%s", tc.args, bad, stderr.String())
				}
			}
		})
	}
}

// TestEmptyDataset: a file with a schema and 0 rows, in every format and
// on either side of --pred, is an empty dataset: schema shows it, query
// answers 0 rows, eval says there is nothing to evaluate (exit 1: no
// report is written).
func TestEmptyDataset(t *testing.T) {
	dir := t.TempDir()
	data := schemaOf(idField, labelField)
	preds := schemaOf(idField, predField, scoreField)
	full := fixture(t, dir, "data.parquet", data, `[{"id":1,"label":"cat"},{"id":2,"label":"dog"}]`)
	fullPreds := fixture(t, dir, "preds.parquet", preds, `[{"id":1,"pred":"cat","score":0.9},{"id":2,"pred":"cat","score":0.6}]`)
	emptyPreds := fixture(t, dir, "emptypreds.parquet", preds, `[]`)
	empties := []string{
		fixture(t, dir, "rowgroup0.parquet", data, `[]`),
		fixture(t, dir, "norowgroup.parquet", data, ""),
		fixture(t, dir, "nobatch.arrow", data, ""),
		fixture(t, dir, "nobatch.arrows", data, ""),
		fixture(t, dir, "batch0.arrows", data, `[]`),
		writeText(t, dir, "header.csv", "id,label\n"),
		filepath.Join("../../testdata/corpus/arrow-ipc/cpp-21.0.0/generated_primitive_no_batches.arrow_file"),
		filepath.Join("../../testdata/corpus/arrow-ipc/cpp-21.0.0/generated_primitive_no_batches.stream"),
		filepath.Join("../../testdata/corpus/parquet/column_chunk_key_value_metadata.parquet"),
	}
	var cases []cliCase
	for _, e := range empties {
		base := filepath.Base(e)
		cases = append(cases,
			cliCase{name: base + "/schema", args: []string{"schema", e}, stdout: []string{"0 rows)"}},
			cliCase{name: base + "/count", args: []string{"query", e, "true", "--count"}, stdout: []string{"0\n"}},
			cliCase{name: base + "/json", args: []string{"query", e, "true", "--format", "json"}, stdout: []string{"[]\n"}},
			cliCase{name: base + "/table", args: []string{"query", e, "true"}},
		)
		if strings.HasPrefix(base, "generated_") || strings.HasPrefix(base, "column_chunk") {
			continue // no label column: the corpus files are not classification data
		}
		cases = append(cases,
			cliCase{name: base + "/schema with predictions", args: []string{"schema", e, "--pred", fullPreds},
				stdout: []string{"0 rows)", "pred     preds = " + fullPreds + ": 2 rows, 0 matched by key, 0 samples without prediction, 2 predictions without sample"}},
			cliCase{name: base + "/query a derived field", args: []string{"query", e, "--pred", fullPreds, "not correct"}, stdout: []string{"id  correct  label  pred  score\n"}},
			cliCase{name: base + "/count with empty predictions", args: []string{"query", e, "--pred", emptyPreds, "true", "--count"}, stdout: []string{"0\n"}},
			cliCase{name: base + "/eval", args: []string{"eval", e, "--pred", fullPreds}, code: 1,
				stderr: []string{"triage: eval: " + e + ": nothing to evaluate: the dataset has 0 rows\n"}},
			cliCase{name: base + "/eval with empty predictions", args: []string{"eval", e, "--pred", emptyPreds, "--json"}, code: 1,
				stderr: []string{e + ": nothing to evaluate: the dataset has 0 rows"}},
		)
	}
	cases = append(cases,
		cliCase{name: "empty predictions/schema", args: []string{"schema", full, "--pred", emptyPreds},
			stdout: []string{"(parquet, 2 rows)", ": 0 rows, 0 matched by key, 2 samples without prediction, 0 predictions without sample"}},
		cliCase{name: "empty predictions/query", args: []string{"query", full, "--pred", emptyPreds, "is_null(pred)", "--count"}, stdout: []string{"2\n"}},
		cliCase{name: "empty predictions/eval", args: []string{"eval", full, "--pred", emptyPreds}, stdout: []string{"2 rows, 0 evaluated"}},
	)
	runCLI(t, cases)
}

// TestMessages: each misleading message of issue 9 names the file, the
// column or the position, with the exit code SPEC §3 gives.
func TestMessages(t *testing.T) {
	dir := t.TempDir()
	data := fixture(t, dir, "data.parquet", schemaOf(idField, labelField, weightField, splitField),
		`[{"id":1,"label":"cat","weight":0.5,"split":"train"},{"id":2,"label":"dog","weight":2,"split":"val"}]`)
	preds := fixture(t, dir, "preds.parquet", schemaOf(idField, predField, scoreField),
		`[{"id":2,"pred":"cat","score":"+Inf"},{"id":1,"pred":"cat","score":0.9}]`)
	dupData := fixture(t, dir, "dupdata.parquet", schemaOf(idField, labelField),
		`[{"id":1,"label":"cat"},{"id":2,"label":"dog"},{"id":2,"label":"cat"}]`)
	nullKey := fixture(t, dir, "nullkey.parquet", schemaOf(idField, labelField),
		`[{"id":1,"label":"cat"},{"id":null,"label":"dog"}]`)
	hfMeta := arrow.NewMetadata([]string{"huggingface"},
		[]string{`{"info":{"features":{"id":{"dtype":"int64","_type":"Value"},"label":{"names":["cat","dog","cat"],"_type":"ClassLabel"}}}}`})
	hf := fixture(t, dir, "hf.parquet", arrow.NewSchema([]arrow.Field{idField, {Name: "label", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, &hfMeta),
		`[{"id":1,"label":0},{"id":2,"label":1}]`)
	longQuery := strings.Repeat("label == \"cat\" or ", 96<<10/18) + "lable == \"dog\""

	runCLI(t, []cliCase{
		{name: "duplicate key in the dataset", args: []string{"schema", dupData, "--pred", preds}, code: 1,
			stderr: []string{"triage: schema: " + dupData + `: key "id": duplicate key 2 (rows 1 and 2)`}, not: []string{preds}},
		{name: "null key in the dataset", args: []string{"query", nullKey, "--pred", preds, "true"}, code: 1,
			stderr: []string{"triage: query: " + nullKey + `: key "id": row 1: null key`}, not: []string{preds}},
		{name: "--label on a float column, schema", args: []string{"schema", data, "--label", "weight"}, code: 2,
			stderr: []string{"triage: schema: " + data + `: column "weight" is float64, which cannot be the label: want an integer, string or bool column`}},
		{name: "--label on a float column, query", args: []string{"query", data, "--label", "weight", "true"}, code: 2,
			stderr: []string{data + `: column "weight" is float64, which cannot be the label`}},
		{name: "--role score on a string column", args: []string{"schema", data, "--pred", preds, "--role", "score=split"}, code: 2,
			stderr: []string{data + `: column "split" is utf8, which cannot be the score: want a float column`}},
		{name: "--role names a column of the predictions", args: []string{"eval", data, "--pred", preds, "--role", "score=pred"}, code: 2,
			stderr: []string{preds + `: column "pred" is utf8, which cannot be the score`}},
		{name: "Hugging Face class names twice, schema", args: []string{"schema", hf}, code: 1,
			stderr: []string{"triage: schema: " + hf + `: huggingface ClassLabel metadata: class "cat" listed twice (positions 1 and 3)`}},
		{name: "Hugging Face class names twice, query", args: []string{"query", hf, "true"}, code: 1,
			stderr: []string{"triage: query: " + hf + `: huggingface ClassLabel metadata: class "cat" listed twice`}},
		{name: "--classes twice", args: []string{"query", data, "--classes", "cat,dog,cat", "true"}, code: 2,
			stderr: []string{`--classes: class "cat" listed twice (positions 1 and 3)`}},
		{name: "--pred with an empty path", args: []string{"schema", data, "--pred", "a="}, code: 2,
			stderr: []string{`triage: schema: --pred "a=": the path is empty`}},
		{name: "--pred with an empty path, query", args: []string{"query", data, "--pred", "a=", "true"}, code: 2,
			stderr: []string{`--pred "a=": the path is empty`}},
		{name: "infinite scores warned about", args: []string{"query", data, "--pred", preds, "correct"},
			stdout: []string{"id  correct  label  pred  score\n1   true     cat    cat   0.9\n"},
			stderr: []string{"triage: warning: score: 1 infinite values; treated as missing"}},
		{name: "infinite scores warned about, eval", args: []string{"eval", data, "--pred", preds},
			stderr: []string{"triage: warning: score: 1 infinite values; treated as missing"}},
		{name: "96 KB query with an error at its end", args: []string{"query", data, longQuery}, code: 2,
			stderr: []string{`unknown column "lable" (1:` + itoa(len(longQuery)-13) + `), did you mean "label"?`, "\n | …", "\n |" + strings.Repeat(" ", 42) + "^~~~~\n"}},
	})

	// The long query's message is a window, not the query twice.
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"query", data, longQuery}, strings.NewReader(""), &stdout, &stderr)
	if msg := errorText(err); len(msg) > 400 {
		t.Errorf("the error for a %d-byte query is %d bytes, want a window of about 80 columns", len(longQuery), len(msg))
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
