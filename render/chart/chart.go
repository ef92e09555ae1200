// Package chart draws evaluation charts as text for a terminal: sparklines,
// score histograms, curves on a unit square (precision–recall, ROC) and the
// confusion-matrix heatmap. Each is a pure function of its data and a size
// in cells; no line of the result is wider than the width asked for, and
// none uses colour, so a chart reads the same on any terminal and the TUI
// may colour it as it likes. Strings from the data (class names) are
// escaped with render.Sanitize.
package chart

import (
	"math"
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"triage/render"
)

// fit pads or cuts s to exactly w cells.
func fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if sw := ansi.StringWidth(s); sw > w {
		return ansi.Truncate(s, w, "…")
	} else if sw < w {
		return s + strings.Repeat(" ", w-sw)
	}
	return s
}

// fitRight pads s on the left, or cuts it, to exactly w cells.
func fitRight(s string, w int) string {
	if sw := ansi.StringWidth(s); sw < w {
		return strings.Repeat(" ", w-sw) + s
	}
	return fit(s, w)
}

// label returns a class name made safe to print.
func label(s string) string { return render.Sanitize(s) }

// join ends a chart: lines joined by "\n", trailing spaces trimmed, at most
// height lines.
func join(lines []string, height int) string {
	if len(lines) > height {
		lines = lines[:max(height, 0)]
	}
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n")
}

// formatTick prints an axis value briefly: 0, 0.5, 1, 12, 3.2k.
func formatTick(v float64) string {
	switch a := math.Abs(v); {
	case a >= 1e6:
		return strconv.FormatFloat(v/1e6, 'f', 1, 64) + "M"
	case a >= 1e4:
		return strconv.FormatFloat(v/1e3, 'f', 0, 64) + "k"
	case a >= 1e3:
		return strconv.FormatFloat(v/1e3, 'f', 1, 64) + "k"
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}
