package dataset_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"triage/dataset"
	"triage/evalview"
	"triage/query"
	"triage/render"
)

// TestIPCMutants changes one byte of an Arrow IPC file (and stream) at a
// time, at random, and runs each mutant through what a user does with it:
// open, read every column, count a query, print every value (JSON Lines
// and the terminal table's cells) and evaluate. No mutant may panic or
// hang. A mutant that reads successfully must answer exactly as the
// unmutated file does, unless the byte it changed is a value: Arrow IPC
// has no checksums, so a file with one character or number changed is a
// valid file that says something else. Such a mutant must then pass
// arrow-go's own full validation (array.ValidateFull), so triage never
// answers from a file arrow-go itself finds corrupt.
func TestIPCMutants(t *testing.T) {
	const random, structural = 200, 100 // mutants per file
	dir := t.TempDir()
	rec1, rec2 := mutationTable(0, 300, false), mutationTable(300, 290, false)
	defer rec1.Release()
	defer rec2.Release()
	// The same table with every value changed but none of its lengths or
	// nulls: the bytes the two files share are metadata, offsets and
	// validity bitmaps (or values that happen to agree), where mutations
	// are aimed a third of the time.
	alt1, alt2 := mutationTable(0, 300, true), mutationTable(300, 290, true)
	defer alt1.Release()
	defer alt2.Release()
	start := time.Now()
	for _, stream := range []bool{false, true} {
		name := "table.arrow"
		if stream {
			name = "table.arrows"
		}
		orig := writeIPC(t, stream, rec1, rec2)
		alt := writeIPC(t, stream, alt1, alt2)
		if len(alt) != len(orig) {
			t.Fatalf("%s: the files with other values differ in size (%d, %d bytes)", name, len(orig), len(alt))
		}
		var shared []int
		for i := range orig {
			if orig[i] == alt[i] {
				shared = append(shared, i)
			}
		}
		want, err := answer(t, dir, name, orig)
		if err != nil {
			t.Fatalf("%s, unmutated: %v", name, err)
		}
		rng := rand.New(rand.NewPCG(9, uint64(len(orig))))
		var failed, same, changed int
		for m := 0; m < random+structural; m++ {
			mut := bytes.Clone(orig)
			pos := rng.IntN(len(mut))
			if m >= random {
				pos = shared[rng.IntN(len(shared))]
			}
			mut[pos] ^= byte(1 + rng.IntN(255)) // never 0: the byte changes
			got, err := answerWithin(t, dir, name, mut, 10*time.Second)
			switch {
			case err != nil:
				failed++
				if !strings.Contains(err.Error(), name) {
					t.Errorf("%s, byte %d: error %q does not name the file", name, pos, err)
				}
			case got == want:
				same++
			default:
				changed++
				if err := arrowGoValidates(mut, stream); err != nil {
					t.Errorf("%s, byte %d: answered from a file arrow-go finds corrupt (%v):\n%s", name, pos, err, firstDiff(want, got))
				}
			}
		}
		t.Logf("%s (%d bytes, %d shared with the other values): %d mutants: %d errors, %d same answer, %d valid files with other values",
			name, len(orig), len(shared), random+structural, failed, same, changed)
	}
	// The race detector slows this several times over: the limit is for a
	// plain go test.
	if d := time.Since(start); d > 30*time.Second && !raceDetector {
		t.Errorf("took %v, want under 30 s", d)
	}
}

// mutationTable is a classification table of n rows from id first, with
// the column types a dataset has: integers, strings plain and dictionary
// encoded, floats with nulls, a list of float32 probabilities, a struct,
// a bool. other changes every value (not its length, nor the nulls).
func mutationTable(first, n int, other bool) arrow.RecordBatch {
	mem := memory.DefaultAllocator
	classes := []string{"cat", "dog", "bird"}
	tagPrefix, idBase, scale := "t", int64(0), 1.0
	if other {
		classes = []string{"CAT", "DOG", "BIRD"}
		tagPrefix, idBase, scale = "T", 0x5a5a5a5a5a5a5a5a, -3.7
	}
	predType := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int16, ValueType: arrow.BinaryTypes.String}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "label", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "pred", Type: predType, Nullable: true},
		{Name: "score", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "probs", Type: arrow.ListOf(arrow.PrimitiveTypes.Float32), Nullable: true},
		{Name: "box", Type: arrow.StructOf(arrow.Field{Name: "x", Type: arrow.PrimitiveTypes.Float32}, arrow.Field{Name: "tag", Type: arrow.BinaryTypes.String, Nullable: true}), Nullable: true},
		{Name: "ok", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	for i := first; i < first+n; i++ {
		label, pred := i%3, (i/2)%3
		b.Field(0).(*array.Int64Builder).Append(idBase ^ int64(i))
		if i%17 == 5 {
			b.Field(1).AppendNull()
		} else {
			b.Field(1).(*array.StringBuilder).Append(classes[label])
		}
		if err := b.Field(2).(*array.BinaryDictionaryBuilder).AppendString(classes[pred]); err != nil {
			panic(err)
		}
		if i%11 == 3 {
			b.Field(3).AppendNull()
		} else {
			b.Field(3).(*array.Float64Builder).Append(scale * (0.4 + float64(i%60)/100))
		}
		lb := b.Field(4).(*array.ListBuilder)
		lb.Append(true)
		for c := range classes {
			p := float32(0.2)
			if c == pred {
				p = 0.6
			}
			lb.ValueBuilder().(*array.Float32Builder).Append(p * float32(scale))
		}
		sb := b.Field(5).(*array.StructBuilder)
		sb.Append(true)
		sb.FieldBuilder(0).(*array.Float32Builder).Append(float32(scale) * float32(i) / 4)
		sb.FieldBuilder(1).(*array.StringBuilder).Append(fmt.Sprintf("%s%d", tagPrefix, i%7))
		b.Field(6).(*array.BooleanBuilder).Append((i%2 == 0) != other)
	}
	return b.NewRecordBatch()
}

// writeIPC writes the batches as an Arrow IPC file or stream. The second
// batch's dictionary differs from the first's, so the stream carries a
// dictionary delta or replacement too.
func writeIPC(t *testing.T, stream bool, recs ...arrow.RecordBatch) []byte {
	t.Helper()
	var buf bytes.Buffer
	type writer interface {
		Write(arrow.RecordBatch) error
		Close() error
	}
	var w writer
	if stream {
		w = ipc.NewWriter(&buf, ipc.WithSchema(recs[0].Schema()))
	} else {
		fw, err := ipc.NewFileWriter(&buf, ipc.WithSchema(recs[0].Schema()))
		if err != nil {
			t.Fatal(err)
		}
		w = fw
	}
	for _, r := range recs {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// answerWithin runs answer with a deadline: a hang is a failure.
func answerWithin(t *testing.T, dir, name string, data []byte, limit time.Duration) (string, error) {
	t.Helper()
	type result struct {
		s   string
		err error
	}
	done := make(chan result, 1)
	go func() {
		s, err := answer(t, dir, name, data)
		done <- result{s, err}
	}()
	select {
	case r := <-done:
		return r.s, r.err
	case <-time.After(limit):
		t.Fatalf("%s: a mutant did not finish in %v", name, limit)
		return "", nil
	}
}

// answer writes data to dir/name and does with it what a user would:
// everything triage prints about it, as one string. A panic is reported
// as a test error naming the stage, not a crash.
func answer(t *testing.T, dir, name string, data []byte) (out string, err error) {
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	stage := "open"
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s: panic in %s: %v", name, stage, r)
			err = fmt.Errorf("%s: panic", path)
		}
	}()
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	ds, err := dataset.Open(dataset.Options{Path: path})
	if err != nil {
		return "", err
	}
	defer ds.Close()
	stage = "load"
	tbl, _, err := ds.Load(context.Background(), dataset.LoadOptions{Mem: mem})
	if err != nil {
		return "", err
	}
	defer func() {
		tbl.Release()
		if r := recover(); r == nil {
			mem.AssertSize(t, 0)
		} else {
			panic(r)
		}
	}()
	var b strings.Builder
	fmt.Fprintf(&b, "%d rows, classes %q\n", tbl.NumRows(), ds.Classes)

	stage = "query"
	src := `label == "cat" and score > 0.5`
	prog, err := query.Compile(src, query.Env{Schema: tbl.Schema(), Classes: ds.Classes, Label: "label", Pred: "pred"})
	if err != nil {
		return "", fmt.Errorf("%s: %v", path, err)
	}
	n, err := prog.Count(context.Background(), tbl.Batches())
	if err != nil {
		return "", fmt.Errorf("%s: %v", path, err)
	}
	fmt.Fprintf(&b, "count %d\n", n)

	stage = "print"
	rows := make([]int64, tbl.NumRows())
	for i := range rows {
		rows[i] = int64(i)
	}
	var cols []string
	for _, f := range tbl.Schema().Fields() {
		cols = append(cols, f.Name)
	}
	if err := dataset.WriteRows(&b, dataset.FormatRowsJSONL, tbl, rows, cols); err != nil {
		fmt.Fprintf(&b, "print: %v\n", err)
	}
	stage = "render"
	for _, batch := range tbl.Batches() {
		for r := 0; r < int(batch.NumRows()); r++ {
			for _, c := range batch.Columns() {
				b.WriteString(render.Value(c, r, nil))
				b.WriteByte('|')
			}
			b.WriteByte('\n')
		}
	}

	stage = "evaluate"
	evaluated, evals, err := evalview.Evaluate(ds, tbl, evalview.Options{}, mem)
	if err != nil {
		fmt.Fprintf(&b, "evaluate: %v\n", err)
	} else {
		evaluated.Release()
		report, err := json.Marshal(evals[0].Class)
		if err != nil {
			return "", err
		}
		b.Write(report)
	}
	return b.String(), nil
}

// arrowGoValidates reads an IPC file or stream with arrow-go alone and
// runs its full validation on every batch.
func arrowGoValidates(data []byte, stream bool) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("arrow-go panicked: %v", r)
		}
	}()
	check := func(b arrow.RecordBatch) error { return array.ValidateRecordFull(b) }
	if stream {
		r, err := ipc.NewReader(bytes.NewReader(data))
		if err != nil {
			return err
		}
		defer r.Release()
		for r.Next() {
			if err := check(r.RecordBatch()); err != nil {
				return err
			}
		}
		return r.Err()
	}
	r, err := ipc.NewFileReader(bytes.NewReader(data))
	if err != nil {
		return err
	}
	defer r.Close()
	for i := 0; i < r.NumRecords(); i++ {
		b, err := r.RecordBatchAt(i)
		if err != nil {
			return err
		}
		err = check(b)
		b.Release()
		if err != nil {
			return err
		}
	}
	return nil
}

// firstDiff shows where two answers part.
func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(al), len(bl)) {
		if al[i] != bl[i] {
			return fmt.Sprintf("line %d:\n  was %.200s\n  now %.200s", i+1, al[i], bl[i])
		}
	}
	return fmt.Sprintf("%d lines, now %d", len(al), len(bl))
}
