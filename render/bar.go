package render

import (
	"math"
	"strings"
)

// eighths are the left-aligned partial blocks, one to seven eighths.
var eighths = []string{"", "▏", "▎", "▍", "▌", "▋", "▊", "▉"}

// Bar draws frac (0 to 1) of width columns as a horizontal bar with
// eighth-block precision, padded with spaces to width. NaN draws nothing.
func Bar(frac float64, width int) string {
	if width <= 0 {
		return ""
	}
	if math.IsNaN(frac) {
		frac = 0
	}
	frac = max(0, min(1, frac))
	n := int(math.Round(frac * float64(width*8)))
	full, part := n/8, n%8
	var b strings.Builder
	b.WriteString(strings.Repeat("█", full))
	used := full
	if part > 0 {
		b.WriteString(eighths[part])
		used++
	}
	b.WriteString(strings.Repeat(" ", width-used))
	return b.String()
}
