package query

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/google/go-cmp/cmp"
)

// TestTopNStream feeds random tables batch by batch to a TopN and checks
// that the rows it kept hold the whole answer: the program run over only
// those rows gives what it gives over every row. Keys have nulls, NaN,
// ties, float32 columns, strings and booleans; limits are below and above
// a batch's size.
func TestTopNStream(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	r := rand.New(rand.NewPCG(3, 5))
	g := &queryGen{r}
	trials := 400
	if testing.Short() {
		trials = 150
	}
	for range trials {
		batches := randomBatches(t, mem, r)
		for range 4 {
			var keys []string
			for range 1 + r.IntN(2) {
				keys = append(keys, g.pick("f32", "f64", g.num(1), g.str(0), "b", "id", "i32")+g.pick("", " asc", " desc"))
			}
			src := fmt.Sprintf("sort %s | limit %d", strings.Join(keys, ", "), r.IntN(12))
			if r.IntN(4) > 0 {
				src = g.bool(2) + " | " + src
			}
			checkTopN(t, mem, src, batches)
		}
		releaseAll(batches)
		if t.Failed() {
			return
		}
	}
}

func checkTopN(t *testing.T, mem memory.Allocator, src string, batches []arrow.RecordBatch) {
	t.Helper()
	prog, err := Compile(src, testEnv)
	if err != nil {
		t.Fatalf("Compile(%q): %s", src, FormatError(src, err))
	}
	ctx := context.Background()
	want, err := prog.Run(ctx, batches, mem)
	if err != nil {
		t.Fatalf("Run(%q): %v", src, err)
	}
	tn, err := prog.NewTopN()
	if err != nil {
		t.Fatal(err)
	}
	// The kept rows, each as a one-row batch, with its global index.
	var kept []arrow.RecordBatch
	var global []int64
	defer func() { releaseAll(kept) }()
	var start int64
	for _, b := range batches {
		rows, err := tn.Add(ctx, b)
		if err != nil {
			t.Fatalf("Add(%q): %v", src, err)
		}
		for k, i := range rows {
			if i < 0 || i >= b.NumRows() || k > 0 && rows[k-1] >= i {
				t.Fatalf("Add(%q) = %v: not ascending rows of a %d-row batch", src, rows, b.NumRows())
			}
			kept = append(kept, b.NewSlice(i, i+1))
			global = append(global, start+i)
		}
		start += b.NumRows()
	}
	pos, err := prog.Run(ctx, kept, mem)
	if err != nil {
		t.Fatalf("Run(%q) over the kept rows: %v", src, err)
	}
	got := make([]int64, len(pos))
	for i, p := range pos {
		got[i] = global[p]
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("TopN(%q) kept rows that give another answer (-want +got):\n%s\ntable:\n%s", src, diff, dumpBatches(batches))
	}
}

// TestTopNKeepsFew: on a stream in random order, the rows a TopN passes on
// are few, not every filtered row.
func TestTopNKeepsFew(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	schema := mustSchema("score:float32")
	prog, err := Compile("sort score desc | limit 10", Env{Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	tn, err := prog.NewTopN()
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	passed := 0
	for range 100 {
		var js strings.Builder
		js.WriteString("[")
		for i := range 1000 {
			if i > 0 {
				js.WriteString(",")
			}
			fmt.Fprintf(&js, `{"score": %g}`, r.Float32())
		}
		js.WriteString("]")
		b, _, err := array.RecordFromJSON(mem, schema, strings.NewReader(js.String()))
		if err != nil {
			t.Fatal(err)
		}
		rows, err := tn.Add(context.Background(), b)
		b.Release()
		if err != nil {
			t.Fatal(err)
		}
		passed += len(rows)
	}
	// About 10 × (1 + ln(100000/10)) ≈ 100 rows for random order.
	if passed > 300 {
		t.Errorf("a TopN of 10 over 100,000 random rows passed on %d rows", passed)
	}
	filter, err := Compile("score > 0.5", Env{Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := filter.NewTopN(); err == nil {
		t.Error("NewTopN on a query without sort | limit: no error")
	}
}
