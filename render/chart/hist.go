package chart

import (
	"triage/render"

	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// Series is a named sample of values, such as the scores of the correct
// predictions.
type Series struct {
	Name   string
	Values []float64
	// Sorted says Values are in increasing order, NaN first (as
	// slices.Sort leaves them): the chart then finds its bins by binary
	// search instead of a pass over every value, so ten million scores
	// draw as fast as a thousand.
	Sorted bool
}

// Histogram draws the distribution of up over [lo, hi] as columns of
// block characters and, when down has values, the distribution of down
// mirrored below the same axis, so that two series (the scores of correct
// and of wrong predictions, say) compare bin by bin without colour:
//
//	▲ correct n=1400 (max 312)   ▼ wrong n=100 (max 30)
//	312┤            ▂▂▅▅██▇▇
//	   ┤        ▁▁▂▂▄▄▆▆████████
//	   ┼────────────────────────
//	   ┤      ▀▀████▀▀▀▀
//	 30┤          ██
//	    0         0.5          1
//
// Each side is scaled to its own largest bin, whose count is on its axis.
// There are about 2√n bins for the smaller series' n (at least 10, at most
// one a column), each as many columns wide as fit. Values outside [lo, hi]
// count in the end bins; NaN values are left out. When lo >= hi the range
// is the data's. The chart needs 12×4 cells (12×5 for two series) and
// gives "" when smaller.
func Histogram(up, down Series, lo, hi float64, width, height int) string {
	two := len(down.Values) > 0
	if width < 12 || height < 4 || two && height < 5 {
		return ""
	}
	if !(lo < hi) {
		lo, hi = dataRange(up, down)
	}
	// Rows: the legend, the bars, an axis between two series, the ticks.
	barRows := height - 2
	upRows, downRows := barRows, 0
	if two {
		barRows--
		upRows = (barRows + 1) / 2
		downRows = barRows - upRows
	}
	n := countFinite(up)
	if two {
		n = min(n, countFinite(down))
	}
	// The axis labels' width decides the bins, whose counts decide the
	// labels: settle it in a few rounds.
	margin := 2
	var nbins int
	for range 3 {
		nbins = binsFor(n, width-margin)
		u := maxOf(binCounts(up, lo, hi, nbins))
		d := maxOf(binCounts(down, lo, hi, nbins))
		need := max(len(formatTick(u)), len(formatTick(d))) + 1
		if need <= margin {
			break
		}
		margin = need
	}
	nbins = binsFor(n, width-margin)
	per := (width - margin) / nbins // columns a bin
	upCounts := binCounts(up, lo, hi, nbins)
	downCounts := binCounts(down, lo, hi, nbins)
	upMax, downMax := maxOf(upCounts), maxOf(downCounts)

	lines := []string{fit(legends(up, down, upMax, downMax, two, width), width)}
	for r := range upRows {
		tick := ""
		if r == 0 {
			tick = formatTick(upMax)
		}
		// Row r counts from the top: level is its bottom edge's height.
		level := float64(upRows - 1 - r)
		lines = append(lines, fitRight(tick, margin-1)+"┤"+bars(upCounts, per, func(c float64) rune {
			return upCell(c, upMax, upRows, level)
		}))
	}
	if two {
		lines = append(lines, strings.Repeat(" ", margin-1)+"┼"+strings.Repeat("─", nbins*per))
		for r := range downRows {
			tick := ""
			if r == downRows-1 {
				tick = formatTick(downMax)
			}
			lines = append(lines, fitRight(tick, margin-1)+"┤"+bars(downCounts, per, func(c float64) rune {
				return downCell(c, downMax, downRows, float64(r))
			}))
		}
	}
	lines = append(lines, strings.Repeat(" ", margin)+ticks(lo, hi, nbins*per))
	return join(lines, height)
}

// binsFor picks the number of bins for n values in cols columns.
func binsFor(n, cols int) int {
	b := int(math.Round(2 * math.Sqrt(float64(n))))
	return max(1, min(cols, max(b, 10)))
}

// bars draws each bin's character per times.
func bars(counts []float64, per int, cell func(float64) rune) string {
	var sb strings.Builder
	for _, c := range counts {
		r := cell(c)
		for range per {
			sb.WriteRune(r)
		}
	}
	return sb.String()
}

// legends is the legend line: each series' mark, name, count and largest
// bin, or without the largest bins (which the axis shows too) when that
// does not fit in width.
func legends(up, down Series, upMax, downMax float64, two bool, width int) string {
	full := legend(up, "▲", upMax, two, true)
	short := legend(up, "▲", upMax, two, false)
	if two {
		full += "   " + legend(down, "▼", downMax, two, true)
		short += "  " + legend(down, "▼", downMax, two, false)
	}
	if ansi.StringWidth(full) > width {
		return short
	}
	return full
}

func legend(s Series, mark string, peak float64, two, withMax bool) string {
	if len(s.Values) == 0 && s.Name == "" {
		return ""
	}
	if !two {
		mark = "█"
	}
	text := fmt.Sprintf("%s %s n=%s", mark, label(s.Name), render.Count(int64(countFinite(s))))
	if withMax {
		text += " (max " + formatTick(peak) + ")"
	}
	return text
}

// upCell is the character of a bar growing up, in a row whose bottom edge
// is level rows above the axis: eighths give the bar's top its height.
func upCell(count, peak float64, rows int, level float64) rune {
	if peak == 0 || count == 0 {
		return ' '
	}
	h := count / peak * float64(rows) // the bar's height in rows
	fill := h - level
	switch {
	case fill >= 1:
		return '█'
	case fill <= 0:
		return ' '
	}
	// At least one eighth, so that a non-empty bin shows.
	return eighths[max(1, int(math.Round(fill*8)))]
}

// downCell is the character of a bar growing down, in a row whose top edge
// is level rows below the axis: only halves exist as upper blocks.
func downCell(count, peak float64, rows int, level float64) rune {
	if peak == 0 || count == 0 {
		return ' '
	}
	fill := count/peak*float64(rows) - level
	switch {
	case fill >= 0.75:
		return '█'
	case fill > 0 && level == 0 || fill >= 0.25:
		return '▀'
	}
	return ' '
}

// binOf is the bin of a value that is not NaN: values outside [lo, hi]
// count in the end bins.
func binOf(v, lo, hi float64, n int) int {
	switch {
	case v <= lo:
		return 0
	case v >= hi:
		return n - 1
	}
	return min(int((v-lo)/(hi-lo)*float64(n)), n-1)
}

// finite returns the values of s that are not NaN (a sorted series holds
// them after its NaNs).
func finite(s Series) []float64 {
	if !s.Sorted {
		return s.Values
	}
	i := sort.Search(len(s.Values), func(i int) bool { return !math.IsNaN(s.Values[i]) })
	return s.Values[i:]
}

// binCounts counts the values of s into n equal bins over [lo, hi]; NaN
// values are left out.
func binCounts(s Series, lo, hi float64, n int) []float64 {
	counts := make([]float64, n)
	if s.Sorted {
		// binOf never decreases as v grows: each bin starts where it
		// first holds.
		vs := finite(s)
		start := 0
		for b := range n {
			end := sort.Search(len(vs), func(i int) bool { return binOf(vs[i], lo, hi, n) > b })
			counts[b] = float64(end - start)
			start = end
		}
		return counts
	}
	for _, v := range s.Values {
		if !math.IsNaN(v) {
			counts[binOf(v, lo, hi, n)]++
		}
	}
	return counts
}

func dataRange(a, b Series) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, s := range []Series{a, b} {
		vs := finite(s)
		if s.Sorted {
			// the ends, past any infinities
			i := sort.Search(len(vs), func(i int) bool { return !math.IsInf(vs[i], -1) })
			j := sort.Search(len(vs), func(i int) bool { return math.IsInf(vs[i], 1) })
			vs = vs[i:j]
			if len(vs) > 0 {
				vs = []float64{vs[0], vs[len(vs)-1]}
			}
		}
		for _, v := range vs {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	switch {
	case lo > hi:
		return 0, 1
	case lo == hi:
		return lo - 0.5, hi + 0.5
	}
	return lo, hi
}

func maxOf(xs []float64) float64 {
	m := 0.0
	for _, x := range xs {
		m = math.Max(m, x)
	}
	return m
}

func countFinite(s Series) int {
	if s.Sorted {
		return len(finite(s))
	}
	n := 0
	for _, x := range s.Values {
		if !math.IsNaN(x) {
			n++
		}
	}
	return n
}

// ticks labels an axis of n cells over [lo, hi] at its ends and middle,
// where they fit.
func ticks(lo, hi float64, n int) string {
	line := []rune(strings.Repeat(" ", n))
	put := func(at int, s string) bool {
		r := []rune(s)
		if at < 0 || at+len(r) > n {
			return false
		}
		for i := max(at-1, 0); i < min(at+len(r)+1, n); i++ {
			if line[i] != ' ' {
				return false
			}
		}
		copy(line[at:], r)
		return true
	}
	put(0, formatTick(lo))
	right := formatTick(hi)
	put(n-len(right), right)
	mid := formatTick((lo + hi) / 2)
	put(n/2-len(mid)/2, mid)
	return string(line)
}
