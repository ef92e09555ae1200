package classify

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// flaggedRows runs find_label_issues on clCase (see classify_test.go) with
// the given filter and options.
func flaggedRows(t *testing.T, filter string, opts clOptions) ([]int, []int64) {
	t.Helper()
	in := clCase()
	cl := newConfidentLearner(in.Label, in.Probs, nil, len(in.Classes))
	cl.opts = opts
	cl.run()
	var rows []int
	for i, f := range cl.flag(filter, nil, nil) {
		if f {
			rows = append(rows, i)
		}
	}
	return rows, pruneCounts(cl.cj, cl.counts, cl.k, opts)
}

// frac_noise = 0.5 on clCase. The prune counts start as the transposed
// calibrated joint [[2 0 0] [1 3 0] [0 0 1]] ([true][given]); halving the
// off-diagonal turns the 1 into .5 and moves the other .5 to the diagonal
// (2.5); truncation leaves [[2 0 0] [0 3 0] [0 0 1]]. No noise is left to
// prune by rate; by class, given a still keeps 2 of 3 rows and drops row 2.
func TestCleanlabFracNoise(t *testing.T) {
	opts := clOptions{fracNoise: 0.5, minExamplesPerClass: 1}
	rows, pcm := flaggedRows(t, FilterPruneByNoiseRate, opts)
	if diff := cmp.Diff([]int64{2, 0, 0, 0, 3, 0, 0, 0, 1}, pcm); diff != "" {
		t.Errorf("prune counts (-want +got):\n%s", diff)
	}
	if len(rows) != 0 {
		t.Errorf("prune_by_noise_rate flagged %v, want none", rows)
	}
	rows, _ = flaggedRows(t, FilterPruneByClass, opts)
	if diff := cmp.Diff([]int{2}, rows); diff != "" {
		t.Errorf("prune_by_class (-want +got):\n%s", diff)
	}
}

// min_examples_per_class = 3 on clCase: every diagonal rises to 3. Column
// a (2 -> 3) takes the 1 from its one nonzero noise entry; column c
// (1 -> 3) has no noise entry to take from (and stays at 0, clipped).
// Classes a and b have 3 rows each, not more than 3, so nothing is pruned.
func TestCleanlabMinExamples(t *testing.T) {
	opts := clOptions{fracNoise: 1, minExamplesPerClass: 3}
	rows, pcm := flaggedRows(t, FilterPruneByNoiseRate, opts)
	if diff := cmp.Diff([]int64{3, 0, 0, 0, 3, 0, 0, 0, 3}, pcm); diff != "" {
		t.Errorf("prune counts (-want +got):\n%s", diff)
	}
	if len(rows) != 0 {
		t.Errorf("flagged %v, want none", rows)
	}
}

// num_to_remove_per_class = [1, 2] on prune counts [[4 1] [2 5]] with 6
// rows of each label. cleanlab divides by the row sums broadcast over
// columns: psy = [[4/5 1/7] [2/5 5/7]]; noise per row = its off-diagonal,
// 1/7 and 2/5; tmp[i][j] = psy[i][j]·remove[i]/noise[i] = [[5.6 1]
// [2 25/7]], the diagonal then set to 6 - remove: [[5 1] [2 4]].
func TestCleanlabNumToRemove(t *testing.T) {
	cj := []int64{4, 2, 1, 5} // the transpose of the prune counts
	got := pruneCounts(cj, []int64{6, 6}, 2, clOptions{fracNoise: 1, minExamplesPerClass: 1, numToRemovePerClass: []int64{1, 2}})
	if diff := cmp.Diff([]int64{5, 1, 2, 4}, got); diff != "" {
		t.Errorf("prune counts (-want +got):\n%s", diff)
	}
}

// round_preserving_row_totals moves the largest remainders up (ties: the
// later index first, numpy's argsort reversed) and the smallest down.
func TestCleanlabRoundPreserving(t *testing.T) {
	for _, tc := range []struct {
		row  []float64
		want []int64
	}{
		{[]float64{0.5, 0, 0.5}, []int64{0, 0, 1}},           // 0 0 0 -> one up: the later .5
		{[]float64{1.6, 1.6, 1.8}, []int64{1, 2, 2}},         // 2 2 2 = 6 > 5: the smallest remainder, the first 1.6, goes down
		{[]float64{2.5, 3.5, 0}, []int64{2, 4, 0}},           // half to even, sum 6 kept
		{[]float64{0.4, 0.4, 0.4, 1.8}, []int64{0, 0, 1, 2}}, // 0 0 0 2 = 2 < 3: one .4 goes up, the last (numpy order reversed)
	} {
		k := len(tc.row)
		m := make([]float64, k*k)
		copy(m, tc.row)
		got := roundPreservingRowTotals(m, k)[:k]
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("round %v (-want +got):\n%s", tc.row, diff)
		}
	}
}
