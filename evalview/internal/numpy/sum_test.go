package numpy

import "testing"

// numpy's pairwise sum: below 8 values a plain loop; up to 128, eight
// accumulators combined as ((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7)) plus the
// tail. With 1e16 in r0 and 1 in r1..r7 the accumulators lose each 1
// (1e16+1 rounds back to 1e16) but add 1+1, 1+1, 1+1 exactly before
// meeting it; worked by hand the result is 1e16+6 (r1+r0 loses its 1).
func TestPairwiseSum(t *testing.T) {
	a := []float64{1e16, 1, 1, 1, 1, 1, 1, 1}
	if got, want := Sum(a), 1e16+6; got != want {
		t.Errorf("Sum = %v, want %v", got, want)
	}
	seq := 0.0
	for _, v := range a {
		seq += v
	}
	if seq != 1e16 {
		t.Errorf("sequential sum = %v, want 1e16 (every 1 lost)", seq)
	}
	if got := Mean([]float64{1, 2, 3}); got != 2 {
		t.Errorf("Mean = %v, want 2", got)
	}
}
