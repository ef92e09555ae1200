package query

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/google/go-cmp/cmp"
)

func TestColumnsAndSelect(t *testing.T) {
	tests := []struct {
		src     string
		columns []string
		sel     []string
	}{
		{``, nil, nil},
		{`b`, []string{"b"}, nil},
		{`s == d and fp("cat")`, []string{"s", "d", "label", "pred"}, nil},
		{`len(dets[score > 0.5]) > 0 | sort st.a desc | select id, st.t, a.b`, []string{"id", "dets", "st", "a.b"}, []string{"id", "st.t", "a.b"}},
		{"`odd name` > 0 | select `odd name`", []string{"odd name"}, []string{"odd name"}},
	}
	for _, tc := range tests {
		p, err := Compile(tc.src, testEnv)
		if err != nil {
			t.Errorf("Compile(%q): %v", tc.src, err)
			continue
		}
		if diff := cmp.Diff(tc.columns, p.Columns()); diff != "" {
			t.Errorf("Compile(%q).Columns() (-want +got):\n%s", tc.src, diff)
		}
		if diff := cmp.Diff(tc.sel, p.Select()); diff != "" {
			t.Errorf("Compile(%q).Select() (-want +got):\n%s", tc.src, diff)
		}
	}
}

// TestRunBatches: batches are matched to the program by column name, and a
// batch without a column the query needs, or with another type, is an
// error rather than a panic.
func TestRunBatches(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	load := func(spec, rows string) arrow.RecordBatch {
		rec, _, err := array.RecordFromJSON(mem, mustSchema(spec), strings.NewReader(rows))
		if err != nil {
			t.Fatal(err)
		}
		return rec
	}
	prog, err := Compile(`score > 0.5 | sort score desc`, Env{Schema: mustSchema("label:string,score:float64")})
	if err != nil {
		t.Fatal(err)
	}
	// Other columns, in another order, are fine.
	a := load("extra:int64,score:float64", `[{"extra": 1, "score": 0.9}, {"extra": 2, "score": 0.2}]`)
	defer a.Release()
	b := load("score:float64", `[{"score": 0.7}, {"score": 0.95}]`)
	defer b.Release()
	got, err := prog.Run(context.Background(), []arrow.RecordBatch{a, b}, mem)
	if err != nil || !cmp.Equal(got, []int64{3, 0, 2}) {
		t.Errorf("Run = %v, %v; want [3 0 2]", got, err)
	}

	missing := load("label:string", `[{"label": "x"}]`)
	defer missing.Release()
	if _, err := prog.Run(context.Background(), []arrow.RecordBatch{a, missing}, mem); err == nil || !strings.Contains(err.Error(), `batch 1 has no column "score"`) {
		t.Errorf("Run with a missing column: %v", err)
	}
	wrong := load("score:string", `[{"score": "high"}]`)
	defer wrong.Release()
	if _, err := prog.Run(context.Background(), []arrow.RecordBatch{wrong}, mem); err == nil || !strings.Contains(err.Error(), `column "score" of batch 0 is utf8`) {
		t.Errorf("Run with a mistyped column: %v", err)
	}
	// float32 for float64 is the same query type: fine.
	narrow := load("score:float32", `[{"score": 0.75}]`)
	defer narrow.Release()
	if got, err := prog.Run(context.Background(), []arrow.RecordBatch{narrow}, mem); err != nil || !cmp.Equal(got, []int64{0}) {
		t.Errorf("Run on float32 = %v, %v", got, err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := prog.Run(ctx, []arrow.RecordBatch{a}, mem); !errors.Is(err, context.Canceled) {
		t.Errorf("Run with a canceled context: %v, want context.Canceled", err)
	}
	if n, err := prog.Count(context.Background(), nil); n != 0 || err != nil {
		t.Errorf("Count(no batches) = %d, %v", n, err)
	}
}

// TestSortTopN checks the heap path of sort | limit against a full sort,
// with ties, so stability shows.
func TestSortTopN(t *testing.T) {
	for n := 0; n < 40; n++ {
		vals := make([]int, n)
		for i := range vals {
			vals[i] = (i * 7) % 5
		}
		cmpf := func(a, b int32) int {
			if c := vals[a] - vals[b]; c != 0 {
				return c
			}
			return int(a) - int(b)
		}
		full := topN(n, -1, cmpf)
		for k := int64(0); k <= int64(n)+1; k++ {
			got := topN(n, k, cmpf)
			want := full[:min(int(k), n)]
			if len(got) == 0 && len(want) == 0 {
				continue
			}
			if !cmp.Equal(got, want) {
				t.Fatalf("topN(%d, %d) = %v, want %v", n, k, got, want)
			}
		}
	}
}

// TestRunConcurrent runs one program from several goroutines; with -race
// it shows evaluation does not write to the program.
func TestRunConcurrent(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	r := rand.New(rand.NewPCG(9, 9))
	batches := randomBatches(t, mem, r)
	defer releaseAll(batches)
	prog, err := Compile(`len(dets[eval == "fp"]) > 0 or lower(d) in ("cat", "dog") or s ~ "rain" | sort f64 desc, id | limit 10`, testEnv)
	if err != nil {
		t.Fatal(err)
	}
	want, err := prog.Run(context.Background(), batches, mem)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := prog.Run(context.Background(), batches, mem)
			if err != nil || !cmp.Equal(got, want) {
				t.Errorf("concurrent Run = %v, %v; want %v", got, err, want)
			}
		}()
	}
	wg.Wait()
}
