package chart

import (
	"math"
	"strings"
)

var eighths = []rune(" ▁▂▃▄▅▆▇█")

// Sparkline draws values as one line of block characters, ▁ for the
// smallest and █ for the largest, one character a value; with more values
// than width, each character is the mean of a run of them. A NaN or infinite
// value (or a run of only those) is a space; when all values are equal every character is ▄.
// No values, or a width below 1, give "".
func Sparkline(values []float64, width int) string {
	if len(values) == 0 || width < 1 {
		return ""
	}
	n := min(len(values), width)
	means := make([]float64, n)
	for i := range n {
		lo, hi := i*len(values)/n, (i+1)*len(values)/n
		sum, cnt := 0.0, 0
		for _, v := range values[lo:hi] {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				sum += v
				cnt++
			}
		}
		means[i] = math.NaN()
		if cnt > 0 {
			means[i] = sum / float64(cnt)
		}
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, m := range means {
		if !math.IsNaN(m) {
			lo, hi = math.Min(lo, m), math.Max(hi, m)
		}
	}
	var sb strings.Builder
	for _, m := range means {
		switch {
		case math.IsNaN(m):
			sb.WriteByte(' ')
		case hi == lo:
			sb.WriteRune(eighths[4])
		default:
			// 1..8 eighths, so that the smallest value still shows.
			sb.WriteRune(eighths[1+int(math.Round((m-lo)/(hi-lo)*7))])
		}
	}
	return sb.String()
}
