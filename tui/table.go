package tui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"

	"triage/render"
)

// The sample table: a header, then one line per row. The first column
// (the key) stays put when the others scroll sideways; a one-character
// gutter marks selected rows; the current row is in reverse video.
//
//	 id  label  pred     score  correct  suspect  mistakenness  split
//	 0   7      0     0.891959  false    false        0.945979  train
//	●1   1      1     0.977341  true     false       0.0113295  val

// colGap is the space between columns.
const colGap = 2

// visibleColumns returns the columns that fit in width, the pinned one
// first, and each one's width.
func (sh *sheet) visibleColumns(width int) (cols, widths []int) {
	if len(sh.cols) == 0 {
		return nil, nil
	}
	cap := max(4, min(maxCellWidth, width/2))
	colWidth := func(i int) int {
		w := ansi.StringWidth(render.Sanitize(sh.cols[i].name)) + 1 // room for a sort arrow
		if i < len(sh.win.widths) {
			w = max(w, sh.win.widths[i])
		}
		return min(w, cap)
	}
	used := 1 // the gutter
	add := func(i int) bool {
		w := colWidth(i)
		gap := 0
		if len(cols) > 0 {
			gap = colGap
		}
		if len(cols) > 0 && used+gap+w > width {
			return false
		}
		cols = append(cols, i)
		widths = append(widths, min(w, width-used-gap))
		used += gap + w
		return true
	}
	add(0)
	for i := max(1, sh.left); i < len(sh.cols); i++ {
		if !add(i) {
			break
		}
	}
	return cols, widths
}

// scrollToColumn moves the sideways scroll so that the current column is
// on screen.
func (sh *sheet) scrollToColumn(width int) {
	if sh.col == 0 {
		return
	}
	if sh.col < sh.left {
		sh.left = sh.col
	}
	for sh.left < sh.col {
		cols, _ := sh.visibleColumns(width)
		if len(cols) > 0 && cols[len(cols)-1] >= sh.col {
			break
		}
		sh.left++
	}
	sh.left = max(1, sh.left)
}

// render draws the sheet as width × height (the header and height-1
// rows); marked tells which dataset rows are selected.
func (sh *sheet) render(st *Styles, width, height int, marked func(int64) bool) string {
	var b strings.Builder
	cols, widths := sh.visibleColumns(width)
	sortCol, desc, sorted := sortOf(sh.query)
	// header
	b.WriteByte(' ')
	for k, i := range cols {
		if k > 0 {
			b.WriteString("  ")
		}
		name := render.Sanitize(sh.cols[i].name)
		if sorted && sh.cols[i].name == sortCol {
			if desc {
				name += "↓"
			} else {
				name += "↑"
			}
		}
		text := render.Fit(name, widths[k], sh.cols[i].right)
		if i == sh.col {
			text = st.HeaderCur.Render(text)
		} else {
			text = st.Header.Render(text)
		}
		b.WriteString(text)
	}
	n := sh.len()
	var line strings.Builder
	for r := int64(0); r < int64(height-1); r++ {
		b.WriteByte('\n')
		pos := sh.top + r
		if pos >= n {
			continue
		}
		line.Reset()
		cur := pos == sh.cur
		row, have := sh.row(pos)
		gutter := " "
		if have && marked(row) {
			gutter = "●"
		}
		for k, i := range cols {
			if k > 0 {
				line.WriteString("  ")
			}
			cell := "…"
			if have && sh.win.got[i] {
				cell = sh.win.cells[pos-sh.win.offset][i]
			}
			text := render.Fit(cell, widths[k], sh.cols[i].right)
			if !cur && have && isBad(sh.cols[i].name, cell) {
				text = st.CellBad.wrap(text)
			}
			line.WriteString(text)
		}
		text := line.String()
		switch {
		case cur:
			// Pad the current row to the width so the bar spans it.
			pad := max(0, width-1-ansi.StringWidth(text))
			b.WriteString(st.RowMark.wrap(gutter))
			b.WriteString(st.RowCur.wrap(text + strings.Repeat(" ", pad)))
		case gutter != " ":
			b.WriteString(st.RowMark.wrap(gutter))
			b.WriteString(text)
		default:
			b.WriteString(gutter)
			b.WriteString(text)
		}
	}
	return b.String()
}
