package dataset

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
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
	"github.com/google/go-cmp/cmp"
)

// withChunks makes text files read in ranges of size bytes on workers
// goroutines, with value indexes up to share of a range's size, for the
// rest of the test.
func withChunks(t *testing.T, size int64, workers int, share float64) {
	t.Helper()
	oldSize, oldWorkers, oldShare := textChunkSize, textWorkers, textIndexShare
	textChunkSize, textWorkers, textIndexShare = size, workers, share
	t.Cleanup(func() { textChunkSize, textWorkers, textIndexShare = oldSize, oldWorkers, oldShare })
}

// readText opens path and reads every column; it returns the schema, the
// rows as JSON Lines (dataset.WriteRows) and the error, if any.
func readText(t *testing.T, path string) (schema string, rows string, err error) {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	src, err := OpenFile(path)
	if err != nil {
		return "", "", err
	}
	defer src.Close()
	batches, err := src.Read(context.Background(), ReadOptions{Mem: mem})
	if err != nil {
		return "", "", err
	}
	tbl := tableOf(batches)
	defer tbl.Release()
	if tbl.NumRows() != src.NumRows() {
		t.Errorf("%s: read %d rows, NumRows says %d", path, tbl.NumRows(), src.NumRows())
	}
	idx := make([]int64, tbl.NumRows())
	for i := range idx {
		idx[i] = int64(i)
	}
	var names []string
	for _, f := range src.Schema().Fields() {
		names = append(names, f.Name)
	}
	var out bytes.Buffer
	if err := WriteRows(&out, FormatRowsJSONL, tbl, idx, names); err != nil {
		t.Fatal(err)
	}
	var fields []string
	for _, f := range src.Schema().Fields() {
		ty := strings.ReplaceAll(f.Type.String(), ", nullable", "")
		fields = append(fields, f.Name+":"+strings.ReplaceAll(ty, " nullable", ""))
	}
	return strings.Join(fields, " "), out.String(), nil
}

// chunkSizes are the range sizes every text test reads a file of size
// bytes with: one range for the whole file on one goroutine (the
// sequential reference), and ranges small enough that records and quoted
// fields straddle them (a few hundred ranges at most).
func chunkSizes(size int64) []struct {
	size    int64
	workers int
	index   float64
} {
	return []struct {
		size    int64
		workers int
		index   float64
	}{
		{1 << 40, 1, 0}, // sequential, tokenizing every read
		{1 << 40, 1, 100},
		{max(7, size/300), 2, 100},
		{max(64, size/37), 2, 0},
		{max(64, size/37), 2, 100},
		{max(1000, size/5), 3, 1},
	}
}

// sameAtEveryChunkSize reads path at every chunk size and checks the
// schema, the rows (byte for byte) and any error are those of the
// sequential read, which it returns.
func sameAtEveryChunkSize(t *testing.T, path string) (schema, rows string, err error) {
	t.Helper()
	st, statErr := os.Stat(path)
	if statErr != nil {
		t.Fatal(statErr)
	}
	for i, cs := range chunkSizes(st.Size()) {
		withChunks(t, cs.size, cs.workers, cs.index)
		s, r, e := readText(t, path)
		if i == 0 {
			schema, rows, err = s, r, e
			continue
		}
		if fmt.Sprint(e) != fmt.Sprint(err) {
			t.Errorf("%s in ranges of %d bytes (index share %v): error %v, sequential read: %v", path, cs.size, cs.index, e, err)
		}
		if s != schema {
			t.Errorf("%s in ranges of %d bytes (index share %v): schema\n%s\nsequential read:\n%s", path, cs.size, cs.index, s, schema)
		}
		if r != rows {
			t.Errorf("%s in ranges of %d bytes (index share %v): rows differ from the sequential read (-sequential +ranges):\n%s", path, cs.size, cs.index, cmp.Diff(rows, r))
		}
	}
	return schema, rows, err
}

func TestTextWidensInLastChunk(t *testing.T) {
	dir := t.TempDir()
	var c, j strings.Builder
	c.WriteString("id,x,flag,code\n")
	for i := range 2000 {
		fmt.Fprintf(&c, "%d,%d,true,%d\n", i, i%7, i)
		fmt.Fprintf(&j, `{"id":%d,"x":%d,"box":{"w":%d}}`+"\n", i, i%7, i)
	}
	// Only the last line widens x to float, flag to string (a bool and an
	// int), code to string, and adds a struct field and a key.
	c.WriteString("2000,0.5,1,A7\n")
	j.WriteString(`{"id":2000,"x":0.5,"box":{"w":1,"h":2},"late":"z"}` + "\n")
	csvPath := writeFile(t, dir, "widen.csv", c.String())
	jsonPath := writeFile(t, dir, "widen.jsonl", j.String())
	tests := []struct {
		path, schema, last string
	}{
		{csvPath, "id:int64 x:float64 flag:utf8 code:utf8", `{"id":2000,"x":0.5,"flag":"1","code":"A7"}`},
		{jsonPath, "id:int64 x:float64 box:struct<w: int64, h: int64> late:utf8", `{"id":2000,"x":0.5,"box":{"w":1,"h":2},"late":"z"}`},
	}
	for _, tt := range tests {
		schema, rows, err := sameAtEveryChunkSize(t, tt.path)
		if err != nil {
			t.Fatal(err)
		}
		if got := schema; got != tt.schema {
			t.Errorf("%s: schema %s, want %s", tt.path, got, tt.schema)
		}
		lines := strings.Split(strings.TrimSpace(rows), "\n")
		if len(lines) != 2001 || lines[2000] != tt.last {
			t.Errorf("%s: %d rows, last %s; want 2001, last %s", tt.path, len(lines), lines[len(lines)-1], tt.last)
		}
		if !strings.Contains(lines[3], `"x":3`) {
			t.Errorf("%s: row 3 = %s, want x 3 (read as a float, written as 3)", tt.path, lines[3])
		}
	}
}

// TestTextDemo writes the demo (and the COCO reference's per-box JSON
// Lines) as CSV and JSON Lines and checks that reading them in parallel
// ranges gives byte for byte the rows of a one-range, one-core read. The
// conformance corpus holds no CSV or JSON files.
func TestTextDemo(t *testing.T) {
	dir := t.TempDir()
	var files []string
	for _, name := range []string{"digits.parquet", "digits-preds.parquet"} {
		src, err := OpenFile(filepath.Join("../testdata/demo", name))
		if err != nil {
			t.Fatal(err)
		}
		batches, err := src.Read(context.Background(), ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		tbl := tableOf(batches)
		idx := make([]int64, tbl.NumRows())
		for i := range idx {
			idx[i] = int64(i)
		}
		var names []string
		for _, f := range src.Schema().Fields() {
			names = append(names, f.Name)
		}
		for _, f := range []RowFormat{FormatRowsCSV, FormatRowsJSONL} {
			var out bytes.Buffer
			if err := WriteRows(&out, f, tbl, idx, names); err != nil {
				t.Fatal(err)
			}
			files = append(files, writeFile(t, dir, strings.TrimSuffix(name, ".parquet")+"."+string(f), out.String()))
		}
		tbl.Release()
		src.Close()
	}
	files = append(files, "../testdata/reference/coco-small/per_box_iou50.jsonl")
	for _, path := range files {
		_, rows, err := sameAtEveryChunkSize(t, path)
		if err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(rows, "\n"); n < 1500 && !strings.Contains(path, "per_box") {
			t.Errorf("%s: %d rows, want 1500", path, n)
		}
	}
}

// TestCSVAgainstEncodingCSV checks cells, row count and line numbers of
// errors against encoding/csv on generated files with quoted separators,
// quoted newlines, "" escapes, CRLF line ends and empty lines, cut into
// ranges of every size.
func TestCSVAgainstEncodingCSV(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(1, 2))
	cells := []string{"a", "b c", "x,y", "line\nbreak", `say "hi"`, "crlf\r\nin quotes", "", "z", "tab\there", "trailing\r"}
	for n := range 20 {
		var b bytes.Buffer
		w := csv.NewWriter(&b)
		w.UseCRLF = n%3 == 0
		ncols := 1 + rng.IntN(4)
		header := make([]string, ncols)
		for i := range header {
			header[i] = fmt.Sprintf("c%d", i)
		}
		w.Write(header)
		for range 1 + rng.IntN(60) {
			rec := make([]string, ncols)
			for i := range rec {
				rec[i] = cells[rng.IntN(len(cells))] + "s" // never a null token
			}
			w.Write(rec)
			if rng.IntN(10) == 0 {
				w.Flush()
				b.WriteString("\n") // an empty line
			}
		}
		w.Flush()
		path := writeFile(t, dir, fmt.Sprintf("gen%d.csv", n), b.String())
		want, err := csv.NewReader(bytes.NewReader(b.Bytes())).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		_, rows, err := sameAtEveryChunkSize(t, path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		var got [][]string
		for _, line := range strings.Split(strings.TrimSuffix(rows, "\n"), "\n") {
			got = append(got, jsonRowValues(t, line, ncols))
		}
		if diff := cmp.Diff(want[1:], got); diff != "" {
			t.Errorf("%s (-encoding/csv +triage):\n%s", path, diff)
		}
	}
}

// jsonRowValues returns the string values of a JSON Lines row written by
// WriteRows, in column order c0, c1, ...
func jsonRowValues(t *testing.T, line string, ncols int) []string {
	t.Helper()
	var m map[string]string
	if err := json.Unmarshal([]byte(line), &m); err != nil {
		t.Fatalf("row %s: %v", line, err)
	}
	out := make([]string, ncols)
	for i := range out {
		out[i] = m[fmt.Sprintf("c%d", i)]
	}
	return out
}

func TestTextErrors(t *testing.T) {
	dir := t.TempDir()
	var long strings.Builder
	long.WriteString("id,label\n")
	for i := range 500 {
		fmt.Fprintf(&long, "%d,cat\n", i)
	}
	good := long.String()
	var jl strings.Builder
	for i := range 500 {
		fmt.Fprintf(&jl, `{"id":%d,"label":"cat"}`+"\n", i)
	}
	tests := []struct {
		name, file, content string
		want                []string
	}{
		{"ragged row in the middle", "ragged.csv", good + "500,cat,extra\n" + good[9:], []string{csvErrLine(t, good+"500,cat,extra\n"), "wrong number of fields"}},
		{"bare quote", "bare.csv", good + `501,ca"t` + "\n", []string{csvErrLine(t, good+`501,ca"t`+"\n"), `bare " in non-quoted field`}},
		{"unclosed quote", "open.csv", good + "501,\"cat\n502,dog\n", []string{csvErrLine(t, good+"501,\"cat\n502,dog\n"), `extraneous or missing " in quoted-field`}},
		{"unclosed quote, no last newline", "open2.csv", good + "501,\"cat\n\n502,dog", []string{csvErrLine(t, good+"501,\"cat\n\n502,dog"), `extraneous or missing " in quoted-field`}},
		{"text after a closing quote", "after.csv", good + "501,\"cat\"x\n", []string{csvErrLine(t, good+"501,\"cat\"x\n"), `extraneous or missing " in quoted-field`}},
		{"no header", "empty.csv", "", []string{"empty file (no header line)"}},
		{"duplicate column", "dup.csv", "a,a\n1,2\n", []string{`duplicate column name "a"`}},
		{"bad json line in the middle", "bad.jsonl", jl.String() + "{\"id\":500,\"label\":cat}\n" + jl.String(), []string{"line 501:", "not valid JSON", "column 19"}},
		{"types mixed late", "mixed.jsonl", jl.String() + "{\"id\":\"500\"}\n", []string{"line 501:", `key "id": mixes int64 and utf8 values`}},
		{"nested types mixed late", "nested.jsonl", `{"b":{"x":[1]}}` + "\n" + strings.Repeat("{}\n", 300) + `{"b":{"x":{"y":1}}}` + "\n", []string{"line 302:", `key "b": key "x": mixes objects with other values`}},
		{"two values on a line", "two.jsonl", jl.String() + "{} {}\n", []string{"line 501:", "more than one JSON value"}},
		{"not an object", "array.jsonl", jl.String() + "[1]\n", []string{"line 501:", "not a JSON object"}},
		{"duplicate key", "dupkey.jsonl", jl.String() + `{"id":1,"id":2}` + "\n", []string{"line 501:", `duplicate key "id"`}},
		{"number out of range", "big.jsonl", jl.String() + `{"id":1e999}` + "\n", []string{"line 501:", "out of range"}},
		{"no objects", "blank.jsonl", "\n  \n", []string{"no JSON objects"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, dir, tt.file, tt.content)
			if tt.content == "" {
				path = writeFile(t, dir, tt.file, "\n")
			}
			_, _, err := sameAtEveryChunkSize(t, path)
			wantErr(t, err, append([]string{path}, tt.want...)...)
		})
	}
}

// csvErrLine is "line N:" for the line encoding/csv reports the first
// error of content on.
func csvErrLine(t *testing.T, content string) string {
	t.Helper()
	r := csv.NewReader(strings.NewReader(content))
	for {
		_, err := r.Read()
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return fmt.Sprintf("line %d:", pe.Line)
		}
		if err != nil {
			t.Fatalf("encoding/csv finds no error in the content (%v)", err)
		}
	}
}

func TestCSVHeaderOnly(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	path := writeFile(t, t.TempDir(), "h.csv", "id,label\n")
	src, err := OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if src.NumRows() != 0 || src.Schema().NumFields() != 2 {
		t.Fatalf("rows %d, schema %s; want 0 rows of id, label", src.NumRows(), src.Schema())
	}
	batches, err := src.Read(context.Background(), ReadOptions{Columns: []string{"label"}, Mem: mem})
	if err != nil {
		t.Fatal(err)
	}
	defer releaseAll(batches)
	if len(batches) != 1 || batches[0].NumRows() != 0 || batches[0].Schema().Field(0).Name != "label" {
		t.Errorf("batches = %v, want one empty batch of label", batches)
	}
}

// TestTextOnBatchOrder checks that OnBatch sees the chunks in file order,
// from one goroutine, with progress after each, and that an error from
// OnBatch stops the read.
func TestTextOnBatchOrder(t *testing.T) {
	withChunks(t, 256, 2, 1)
	var b strings.Builder
	b.WriteString("id,score\n")
	for i := range 3000 {
		fmt.Fprintf(&b, "%d,%d.5\n", i, i)
	}
	path := writeFile(t, t.TempDir(), "order.csv", b.String())
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	src, err := OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var next int64
	var progress []Progress
	_, err = src.Read(context.Background(), ReadOptions{
		Columns:  []string{"id"},
		Mem:      mem,
		Progress: func(p Progress) { progress = append(progress, p) },
		OnBatch: func(b arrow.RecordBatch) error {
			ids := b.Column(0).(*array.Int64)
			for i := range ids.Len() {
				if ids.Value(i) != next {
					return fmt.Errorf("row %d has id %d", next, ids.Value(i))
				}
				next++
			}
			return nil
		},
	})
	if err != nil || next != 3000 {
		t.Fatalf("read %d rows in order, error %v; want 3000", next, err)
	}
	if len(progress) < 10 || progress[len(progress)-1].Rows != 3000 || progress[len(progress)-1].Bytes != int64(b.Len()) {
		t.Errorf("progress = %v..., want many steps ending at 3000 rows, %d bytes", progress[:2], b.Len())
	}
	stop := fmt.Errorf("enough")
	calls := 0
	_, err = src.Read(context.Background(), ReadOptions{Mem: mem, OnBatch: func(arrow.RecordBatch) error { calls++; return stop }})
	if err != stop || calls != 1 {
		t.Errorf("OnBatch error: Read returned %v after %d calls, want %v after 1", err, calls, stop)
	}
}

// FuzzTextChunks reads mutated CSV and JSON Lines files in one range and in
// ranges of a few bytes: both must give the same rows or the same error.
func FuzzTextChunks(f *testing.F) {
	f.Add([]byte("id,label\n1,\"a\nb\"\n2,\"c\"\"d\"\r\n\n3,x\n"), true)
	f.Add([]byte(`{"id":1,"b":[{"x":1.5}],"s":"\u00e9"}`+"\n"+`{"id":2,"b":null}`+"\n"), false)
	f.Fuzz(func(t *testing.T, data []byte, isCSV bool) {
		if len(data) > 4096 {
			return
		}
		name := "f.jsonl"
		if isCSV {
			name = "f.csv"
		}
		path := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		sameAtEveryChunkSize(t, path)
	})
}

// TestTextParts reads a file's chunks one by one and out of order through
// ReadOptions.Parts: each part has the rows Parts says, and together they
// are the file.
func TestTextParts(t *testing.T) {
	withChunks(t, 512, 2, 1)
	var c, j strings.Builder
	c.WriteString("id,name\n")
	for i := range 1000 {
		fmt.Fprintf(&c, "%d,\"n\n%d\"\n", i, i)
		fmt.Fprintf(&j, `{"id":%d,"name":"n\n%d"}`+"\n", i, i)
	}
	dir := t.TempDir()
	for _, path := range []string{writeFile(t, dir, "p.csv", c.String()), writeFile(t, dir, "p.jsonl", j.String())} {
		mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
		src, err := OpenFile(path)
		if err != nil {
			t.Fatal(err)
		}
		parts := SourceParts(src)
		if len(parts) < 10 {
			t.Fatalf("%s: %d parts, want many", path, len(parts))
		}
		firsts := make([]int64, len(parts))
		for p := 1; p < len(parts); p++ {
			firsts[p] = firsts[p-1] + parts[p-1]
		}
		seen := int64(0)
		for p := len(parts) - 1; p >= 0; p-- {
			batches, err := src.Read(context.Background(), ReadOptions{Columns: []string{"id"}, Parts: []int{p}, Mem: mem})
			if err != nil {
				t.Fatal(err)
			}
			if len(batches) != 1 || batches[0].NumRows() != parts[p] {
				t.Errorf("%s: part %d: %d batches, want one of %d rows", path, p, len(batches), parts[p])
			}
			ids := batches[0].Column(0).(*array.Int64)
			for i := range ids.Len() {
				if ids.Value(i) != firsts[p]+int64(i) {
					t.Fatalf("%s: part %d row %d has id %d, want %d", path, p, i, ids.Value(i), firsts[p]+int64(i))
				}
			}
			seen += int64(ids.Len())
			releaseAll(batches)
		}
		if seen != 1000 {
			t.Errorf("%s: parts hold %d rows, want 1000", path, seen)
		}
		// Parts read at once from several goroutines, as a session does.
		var wg sync.WaitGroup
		got := make([]int64, len(parts))
		for p := range parts {
			wg.Go(func() {
				batches, err := src.Read(context.Background(), ReadOptions{Columns: []string{"name", "id"}, Parts: []int{p}, Mem: mem})
				if err != nil {
					t.Error(err)
					return
				}
				for _, b := range batches {
					got[p] += b.NumRows()
				}
				releaseAll(batches)
			})
		}
		wg.Wait()
		if !slices.Equal(got, parts) {
			t.Errorf("%s: parts read at once have %v rows, want %v", path, got, parts)
		}
		counts, err := src.Read(context.Background(), ReadOptions{Columns: []string{}, Parts: []int{0, 1}})
		if err != nil || len(counts) != 1 || counts[0].NumRows() != parts[0]+parts[1] {
			t.Errorf("%s: no columns of parts 0 and 1: %v, %v; want %d rows", path, counts, err, parts[0]+parts[1])
		}
		releaseAll(counts)
		if _, err := src.Read(context.Background(), ReadOptions{Parts: []int{len(parts)}}); err == nil {
			t.Errorf("%s: part %d of %d: no error", path, len(parts), len(parts))
		}
		src.Close()
		mem.AssertSize(t, 0)
	}
}

func TestIsNullCell(t *testing.T) {
	for _, v := range csvNulls {
		if !isNullCell([]byte(v)) {
			t.Errorf("isNullCell(%q) = false, want true", v)
		}
	}
	for _, v := range []string{"na", "NaN", "none", "nul", "NULL ", " ", "0", "N/B"} {
		if isNullCell([]byte(v)) {
			t.Errorf("isNullCell(%q) = true, want false", v)
		}
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		in   string
		want cellKind
	}{
		{"", kindNull}, {"NA", kindNull}, {"12", kindInt}, {"-0", kindInt}, {"+7", kindInt}, {"007", kindInt},
		{"9223372036854775807", kindInt}, {"9223372036854775808", kindFloat}, {"1.5", kindFloat}, {".5", kindFloat},
		{"1.", kindFloat}, {"1e3", kindFloat}, {"inf", kindFloat}, {"NaN", kindFloat}, {"1e400", kindString},
		{"1_000", kindFloat}, // as strconv.ParseFloat takes it
		{"0x10", kindString}, {"true", kindBool}, {"FALSE", kindBool}, {"yes", kindString},
		{"1.2.3", kindString}, {"-", kindString}, {".", kindString}, {"12a", kindString},
	}
	for _, tt := range tests {
		if got := classify([]byte(tt.in)); got != tt.want {
			t.Errorf("classify(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// TestJSONLStrings checks string values, plain and escaped, ASCII and not,
// against encoding/json, read with and without the value index.
func TestJSONLStrings(t *testing.T) {
	values := []string{`"plain"`, `"a\"b"`, `"caf\u00e9"`, "\"caf\xc3\xa9\"", `"\ud83d\ude00"`, "\"bad \xff byte\"", `"tab\tnew\nline"`,
		`"back\\slash"`, `"0123456789abcdef0123456789"`, `""`, `null`}
	var b strings.Builder
	for i := range 300 {
		fmt.Fprintf(&b, `{"i":%d,"s":%s}`+"\n", i, values[i%len(values)])
	}
	path := writeFile(t, t.TempDir(), "s.jsonl", b.String())
	_, rows, err := sameAtEveryChunkSize(t, path)
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(strings.TrimSuffix(rows, "\n"), "\n") {
		var got, want struct{ S *string }
		if err := json.Unmarshal([]byte(line), &got); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(`{"s":`+values[i%len(values)]+`}`), &want); err != nil {
			t.Fatal(err)
		}
		if (got.S == nil) != (want.S == nil) || (got.S != nil && *got.S != *want.S) {
			t.Errorf("row %d: %v, encoding/json: %v", i, got.S, want.S)
		}
	}
}

// TestPeekText reads the first chunk alone: types from that chunk (an int
// column that the last chunk widens is int here, float after OpenFile),
// the same rows as part 0 of the opened file, and complete only when the
// chunk is the whole file.
func TestPeekText(t *testing.T) {
	withChunks(t, 1000, 2, 1)
	dir := t.TempDir()
	var c, j strings.Builder
	c.WriteString("id,x\n")
	for i := range 500 {
		fmt.Fprintf(&c, "%d,%d\n", i, i%7)
		fmt.Fprintf(&j, `{"id":%d,"x":%d}`+"\n", i, i%7)
	}
	c.WriteString("500,0.5\n")
	j.WriteString(`{"id":500,"x":0.5,"late":true}` + "\n")
	small := writeFile(t, dir, "small.csv", "id,x\n1,a\n")
	for _, path := range []string{writeFile(t, dir, "p.csv", c.String()), writeFile(t, dir, "p.jsonl", j.String()), small} {
		mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
		peek, complete, err := PeekText(path, mem)
		if err != nil {
			t.Fatal(err)
		}
		src, err := OpenFile(path)
		if err != nil {
			t.Fatal(err)
		}
		part0, err := src.Read(context.Background(), ReadOptions{Parts: []int{0}, Mem: mem})
		if err != nil {
			t.Fatal(err)
		}
		wantComplete := path == small
		if complete != wantComplete {
			t.Errorf("%s: complete = %v, want %v", path, complete, wantComplete)
		}
		if peek.NumRows() != part0[0].NumRows() || peek.NumRows() == 0 {
			t.Errorf("%s: peek has %d rows, part 0 %d", path, peek.NumRows(), part0[0].NumRows())
		}
		px := peek.Schema().Field(1).Type
		fx := src.Schema().Field(1).Type
		switch {
		case path == small && !arrow.TypeEqual(px, fx):
			t.Errorf("%s: peek x is %s, file %s; want the same", path, px, fx)
		case path != small && (px.ID() != arrow.INT64 || fx.ID() != arrow.FLOAT64):
			t.Errorf("%s: peek x is %s, file %s; want int64 then float64", path, px, fx)
		}
		for i := range int(peek.NumRows()) {
			if a, b := peek.Column(0).ValueStr(i), part0[0].Column(0).ValueStr(i); a != b {
				t.Fatalf("%s: row %d id %s, part 0 has %s", path, i, a, b)
			}
		}
		peek.Release()
		releaseAll(part0)
		src.Close()
		mem.AssertSize(t, 0)
	}
	if _, _, err := PeekText(writeFile(t, dir, "bad.csv", "a,b\n1\n"), memory.DefaultAllocator); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("PeekText of a ragged first chunk: %v, want a line 2 error", err)
	}
}
