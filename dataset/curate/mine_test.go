package curate

import (
	"cmp"
	"context"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	gocmp "github.com/google/go-cmp/cmp"
)

// bruteMine is the slow reference: every (chosen, pool row) cosine in
// float64 from the Arrow values one row at a time, the k best per chosen
// sample, a row found twice kept for its best score.
func bruteMine(t *testing.T, q, pool arrow.Array, qrows []int, k int, eligible func(r int) bool) map[int]float64 {
	vec := func(a arrow.Array, r int) []float64 {
		l := a.(*array.List)
		s, e := l.ValueOffsets(r)
		v := l.ListValues().(*array.Float32)
		out := make([]float64, 0, e-s)
		for j := s; j < e; j++ {
			out = append(out, float64(v.Value(int(j))))
		}
		return out
	}
	best := map[int]float64{}
	for _, qr := range qrows {
		qv := vec(q, qr)
		type hit struct {
			row   int
			score float64
		}
		var hits []hit
		for r := range pool.Len() {
			if !eligible(r) {
				continue
			}
			pv := vec(pool, r)
			var d, nq, np float64
			for i := range qv {
				d += qv[i] * pv[i]
				nq += qv[i] * qv[i]
				np += pv[i] * pv[i]
			}
			hits = append(hits, hit{r, d / (math.Sqrt(nq) * math.Sqrt(np))})
		}
		slices.SortStableFunc(hits, func(a, b hit) int { return cmp.Compare(b.score, a.score) })
		for _, h := range hits[:k] {
			if s, ok := best[h.row]; !ok || h.score > s {
				best[h.row] = h.score
			}
		}
	}
	return best
}

func TestMineFromPool(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	ds, data := load(t, mem, demoPath)
	defer data.Release()
	_, pool := load(t, mem, demoPool, demoPoolPreds)
	defer pool.Release()

	chosen := sel(0, 17, 42, 1499)
	req := MineRequest{Chosen: chosen, K: 5, Dataset: data, Pool: pool, PoolPath: "/abs/pool.parquet", PredColumn: "pred", Classes: ds.Classes}
	e, err := Mine(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if e.Action != ActionMine || e.Args.K != 5 || e.Args.Pool != "/abs/pool.parquet" || e.Args.PoolKeyColumn != "id" {
		t.Errorf("entry %+v", e)
	}

	qa, pa := whole(t, data, "embedding", mem), whole(t, pool, "embedding", mem)
	defer qa.Release()
	defer pa.Release()
	ids, preds := whole(t, pool, "id", mem), whole(t, pool, "pred", mem)
	defer ids.Release()
	defer preds.Release()
	want := bruteMine(t, qa, pa, []int{0, 17, 42, 1499}, 5, func(int) bool { return true })
	if len(e.Args.Mined) != len(want) {
		t.Fatalf("%d mined, want %d", len(e.Args.Mined), len(want))
	}
	byKey := map[int64]int{}
	for r := range ids.Len() {
		byKey[ids.(*array.Int64).Value(r)] = r
	}
	for i, m := range e.Args.Mined {
		r := byKey[m.Key.Int]
		if s, ok := want[r]; !ok || math.Abs(s-m.Score) > 1e-12 {
			t.Errorf("mined %s (score %v): reference score %v, found %v", m.Key, m.Score, s, ok)
		}
		if wantPred := ds.Classes[preds.(*array.Int64).Value(r)]; m.Pred != wantPred {
			t.Errorf("mined %s: pred %q, want %q", m.Key, m.Pred, wantPred)
		}
		if i > 0 && m.Score > e.Args.Mined[i-1].Score {
			t.Errorf("mined not sorted by score at %d", i)
		}
		if !slices.Contains(chosen.Keys, m.Source) {
			t.Errorf("mined %s: source %s is not a chosen sample", m.Key, m.Source)
		}
	}

	// Mining again from the same samples finds other rows.
	req.State = Replay([]Entry{e})
	e2, err := Mine(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range e2.Args.Mined {
		if req.State.IsMined(m.Key) {
			t.Errorf("%s mined twice", m.Key)
		}
	}
	if len(e2.Args.Mined) == 0 {
		t.Error("second mine found nothing")
	}
}

// TestMineOwnUnlabeled mines the dataset's own rows whose label is null;
// labeled rows are never found, even when they are nearer.
func TestMineOwnUnlabeled(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.BinaryTypes.String},
		{Name: "label", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "pred", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "embedding", Type: arrow.FixedSizeListOf(2, arrow.PrimitiveTypes.Float64), Nullable: true},
	}, nil)
	tb := tableFromJSON(t, mem, schema, `[
		{"id": "a", "label": "cat", "pred": "cat", "embedding": [1, 0]},
		{"id": "b", "label": "dog", "pred": "cat", "embedding": [1, 0.01]},
		{"id": "c", "label": null, "pred": "dog", "embedding": [1, 0.5]},
		{"id": "d", "label": null, "pred": "cat", "embedding": [0, 1]},
		{"id": "e", "label": null, "pred": null, "embedding": [1, 0.2]},
		{"id": "f", "label": null, "pred": "cat", "embedding": null}
	]`)
	defer tb.Release()
	e, err := Mine(context.Background(), MineRequest{
		Chosen: Selection{KeyColumn: "id", Keys: []Key{StrKey("a")}}, K: 2, Dataset: tb, LabelColumn: "label", PredColumn: "pred"})
	if err != nil {
		t.Fatal(err)
	}
	got := e.Args.Mined
	for i := range got {
		got[i].Score = math.Round(got[i].Score*1e6) / 1e6
	}
	want := []Mined{
		{Key: StrKey("e"), Source: StrKey("a"), Score: math.Round(1/math.Sqrt(1.04)*1e6) / 1e6},
		{Key: StrKey("c"), Source: StrKey("a"), Score: math.Round(1/math.Sqrt(1.25)*1e6) / 1e6, Pred: "dog"},
	}
	if diff := gocmp.Diff(want, got); diff != "" {
		t.Errorf("mined (-want +got):\n%s", diff)
	}
	if e.Args.Pool != "" {
		t.Errorf("pool %q, want empty for the dataset's own rows", e.Args.Pool)
	}
}

func TestMineErrors(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	schema := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}, {Name: "label", Type: arrow.BinaryTypes.String}}, nil)
	tb := tableFromJSON(t, mem, schema, `[{"id": 1, "label": "x"}]`)
	defer tb.Release()
	_, err := Mine(context.Background(), MineRequest{Chosen: sel(1), K: 3, Dataset: tb, LabelColumn: "label"})
	if err == nil || !strings.Contains(err.Error(), `the dataset has no "embedding" column`) {
		t.Errorf("mining without embeddings: %v", err)
	}
	if _, err := Mine(context.Background(), MineRequest{Chosen: sel(1), K: 0, Dataset: tb}); err == nil {
		t.Error("K = 0: no error")
	}
}
