package render

import (
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// Heatmap is a confusion matrix to draw: rows are the ground truth,
// columns the predictions, as scikit-learn orders them.
type Heatmap struct {
	Rows, Cols []string  // class names of rows and columns (sanitized here)
	Counts     [][]int64 // Counts[r][c]
	// CursorRow and CursorCol mark one cell (-1: none); the view scrolls
	// to keep it on screen.
	CursorRow, CursorCol int
	// Style, if set, dresses a cell's text. level is in [0, 1]: on the
	// diagonal the share of the row predicted right, elsewhere the count
	// over the largest off-diagonal count.
	Style func(text string, level float64, diag, cursor bool) string
	// Header, if set, dresses the row and column names.
	Header func(text string, cursor bool) string
}

// maxLabelWidth caps the row-name column.
const maxLabelWidth = 12

// Render draws the matrix in at most width columns and height lines,
// showing the part around the cursor when it does not fit. The first line
// holds the column names. It returns no trailing newline.
func (h Heatmap) Render(width, height int) string {
	nr, nc := len(h.Rows), len(h.Cols)
	if nr == 0 || nc == 0 || width < 4 || height < 2 {
		return ""
	}
	cell := 1
	var maxOff int64
	for r, row := range h.Counts {
		for c, v := range row {
			cell = max(cell, len(strconv.FormatInt(v, 10)))
			if r != c && v > maxOff {
				maxOff = v
			}
		}
	}
	cell = max(cell, 2) + 1 // a space before each count
	label := 1
	for _, name := range h.Rows {
		label = max(label, ansi.StringWidth(Sanitize(name)))
	}
	label = min(label, maxLabelWidth)
	// Widen the cells, when there is room, so column names show whole.
	names := 0
	for _, name := range h.Cols {
		names = max(names, ansi.StringWidth(Sanitize(name)))
	}
	if want := min(max(cell, names+1), maxLabelWidth); label+nc*want <= width {
		cell = want
	}
	visCols := max(1, (width-label)/cell)
	visRows := max(1, height-1)
	top := scrollTo(h.CursorRow, visRows, nr)
	left := scrollTo(h.CursorCol, visCols, nc)
	lastCol := min(nc, left+visCols)

	var b strings.Builder
	b.WriteString(strings.Repeat(" ", label))
	for c := left; c < lastCol; c++ {
		name := Fit(Sanitize(h.Cols[c]), cell-1, true)
		if h.Header != nil {
			name = h.Header(name, c == h.CursorCol)
		}
		b.WriteByte(' ')
		b.WriteString(name)
	}
	for r := top; r < min(nr, top+visRows); r++ {
		b.WriteByte('\n')
		name := Fit(Sanitize(h.Rows[r]), label, true)
		if h.Header != nil {
			name = h.Header(name, r == h.CursorRow)
		}
		b.WriteString(name)
		var rowTotal int64
		for _, v := range h.Counts[r] {
			rowTotal += v
		}
		for c := left; c < lastCol; c++ {
			v := h.Counts[r][c]
			text := Fit(strconv.FormatInt(v, 10), cell, true)
			if h.Style != nil {
				diag := r == c
				level := 0.0
				switch {
				case diag && rowTotal > 0:
					level = float64(v) / float64(rowTotal)
				case !diag && maxOff > 0:
					level = float64(v) / float64(maxOff)
				}
				text = h.Style(text, level, diag, r == h.CursorRow && c == h.CursorCol)
			}
			b.WriteString(text)
		}
	}
	return b.String()
}

// scrollTo returns the first of n items to show in a window of size vis
// so that item cur is in it, near the middle when it has to scroll.
func scrollTo(cur, vis, n int) int {
	if n <= vis || cur < 0 {
		return 0
	}
	return max(0, min(cur-vis/2, n-vis))
}
