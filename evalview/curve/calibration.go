package curve

import (
	"math"
	"sort"
)

// Bin is one bin of a reliability diagram.
type Bin struct {
	Lo, Hi     float64 // the bin holds confidences in (Lo, Hi]; the first also Lo
	Count      int
	Confidence float64 // mean confidence of the bin's samples; NaN when empty
	Accuracy   float64 // fraction of them that are correct (hit); NaN when empty
}

// Calibration splits [0, 1] into n equal-width bins and returns, for each,
// how many samples fall in it, their mean confidence and the fraction that
// are hits, with the expected calibration error: the mean over samples of
// |accuracy − confidence| of their bin, that is Σ count/N·|acc − conf|.
//
// Bins follow scikit-learn's calibration_curve (strategy="uniform"): the
// edges are k·(1/n), and a confidence on an edge belongs to the bin below
// it, so bins are (lo, hi] and the first is [0, hi]. Confidences below 0
// fall in the first bin and above 1 in the last. For top-label calibration
// hit is pred == label and confidence the score of pred; for a binary
// classifier hit is "is positive" and confidence p(positive), which is
// calibration_curve exactly.
//
// NaN confidences are left out; with no samples ECE is NaN. Calibration
// panics if n < 1 or the lengths differ.
func Calibration(hit []bool, confidence []float64, n int) (bins []Bin, ece float64) {
	if n < 1 || len(hit) != len(confidence) {
		panic("curve: Calibration needs n >= 1 and equal lengths")
	}
	return calibrate(n, func(add func(c float64, hit bool)) {
		for i, c := range confidence {
			add(c, hit[i])
		}
	})
}

// CalibrationSplit is Calibration of the confidences of right and of wrong
// predictions given apart, without joining them into one array (the sums
// run right's values, then wrong's).
func CalibrationSplit(right, wrong []float64, n int) (bins []Bin, ece float64) {
	if n < 1 {
		panic("curve: CalibrationSplit needs n >= 1")
	}
	return calibrate(n, func(add func(c float64, hit bool)) {
		for _, c := range right {
			add(c, true)
		}
		for _, c := range wrong {
			add(c, false)
		}
	})
}

// calibrate bins the (confidence, hit) pairs each gives.
func calibrate(n int, each func(add func(c float64, hit bool))) (bins []Bin, ece float64) {
	// numpy.linspace(0, 1, n+1): k*step, the last edge exactly 1.
	step := 1.0 / float64(n)
	edges := make([]float64, n+1)
	for k := range edges {
		edges[k] = float64(k) * step
	}
	edges[n] = 1
	inner := edges[1:n]

	sumConf := make([]float64, n)
	hits := make([]int, n)
	bins = make([]Bin, n)
	total := 0
	each(func(c float64, hit bool) {
		if math.IsNaN(c) {
			return
		}
		// numpy.searchsorted(inner, c), side="left": the number of
		// inner edges below c.
		b := sort.SearchFloat64s(inner, c)
		bins[b].Count++
		sumConf[b] += c
		if hit {
			hits[b]++
		}
		total++
	})
	ece = 0
	for b := range bins {
		bins[b].Lo, bins[b].Hi = edges[b], edges[b+1]
		if bins[b].Count == 0 {
			bins[b].Confidence, bins[b].Accuracy = math.NaN(), math.NaN()
			continue
		}
		cnt := float64(bins[b].Count)
		bins[b].Confidence = sumConf[b] / cnt
		bins[b].Accuracy = float64(hits[b]) / cnt
		ece += cnt / float64(total) * math.Abs(bins[b].Accuracy-bins[b].Confidence)
	}
	if total == 0 {
		ece = math.NaN()
	}
	return bins, ece
}
