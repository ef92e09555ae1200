package render

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// Table lays out rows of cells under a header as aligned plain text, each
// line at most width columns wide (0: no limit). Cells must already be
// sanitized; cells too wide for their column are cut with "…".
func Table(header []string, rows [][]string, width int) string {
	widths := columnWidths(header, rows, width)
	var b strings.Builder
	writeRow(&b, header, widths, width)
	for _, r := range rows {
		writeRow(&b, r, widths, width)
	}
	return b.String()
}

// columnWidths sizes each column to its widest cell, then shrinks the
// widest columns until the line fits.
func columnWidths(header []string, rows [][]string, width int) []int {
	w := make([]int, len(header))
	for i, h := range header {
		w[i] = ansi.StringWidth(h)
	}
	for _, r := range rows {
		for i, c := range r {
			if i < len(w) {
				w[i] = max(w[i], ansi.StringWidth(c))
			}
		}
	}
	if width <= 0 {
		return w
	}
	total := func() int {
		n := 2 * (len(w) - 1)
		for _, x := range w {
			n += x
		}
		return n
	}
	for total() > width {
		widest := 0
		for i := range w {
			if w[i] > w[widest] {
				widest = i
			}
		}
		if w[widest] <= 3 {
			break
		}
		w[widest]--
	}
	return w
}

// writeRow writes one line; when even the narrowest columns do not fit,
// the line is cut at width.
func writeRow(b *strings.Builder, cells []string, widths []int, width int) {
	var line strings.Builder
	for i, wd := range widths {
		c := ""
		if i < len(cells) {
			c = cells[i]
		}
		if ansi.StringWidth(c) > wd {
			c = ansi.Truncate(c, wd, "…")
		}
		line.WriteString(c)
		if i < len(widths)-1 {
			line.WriteString(strings.Repeat(" ", wd-ansi.StringWidth(c)+2))
		}
	}
	out := strings.TrimRight(line.String(), " ")
	if width > 0 && ansi.StringWidth(out) > width {
		out = ansi.Truncate(out, width, "…")
	}
	b.WriteString(out)
	b.WriteByte('\n')
}
