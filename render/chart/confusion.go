package chart

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// Matrix is a confusion matrix: Counts[i][j] samples of true class
// Classes[i] were predicted as Classes[j].
type Matrix struct {
	Classes []string
	Counts  [][]int64
}

// Cell names a cell of the matrix: a true class (Row) and a predicted one
// (Col), as indexes into Classes.
type Cell struct{ Row, Col int }

// HeatmapOptions choose the part of a large matrix to show.
type HeatmapOptions struct {
	// Row and Col are the first true and predicted classes shown: the
	// scroll position.
	Row, Col int
	// Selected, when set, is drawn in brackets, and the view scrolls as
	// little as it must to show it.
	Selected *Cell
}

// Heatmap is a drawn confusion matrix and where its cells are.
type Heatmap struct {
	Text string
	// Rows and Cols are the classes shown on each axis, [first, end): the
	// scroll position to pass back as HeatmapOptions.Row and Col.
	Rows, Cols [2]int
	labelW     int // width of the row labels
	cellW      int // width of a cell, its leading gap included
}

// Shades of a cell by its share of the row (the true class): what the
// legend line says.
const heatLegend = "rows true, columns predicted; ░ ≤10% ▒ ≤40% ▓ ≤70% █ >70% of the row"

// ConfusionHeatmap draws m in width×height cells: true classes down the
// left, predicted classes across the top, each cell shaded by its count's
// share of its row and showing the count where it fits (a zero is "·"):
//
//	true\pred  cat  dog bird
//	cat       ██97 ░░░2    ·
//	dog       ░░░3 ▓▓60 ▒▒21
//	bird         · ▒▒12[▓▓30]
//	rows true, columns predicted; ░ ≤10% ▒ ≤40% ▓ ≤70% █ >70% of the row
//
// When a class name is wider than a cell, columns are headed by the
// classes' indexes, and each row's label starts with its index.
// A matrix larger than the space scrolls: opt says where, and a line at the
// bottom says which rows and columns are shown. Class names are escaped
// and cut to fit. It gives an empty Heatmap when m has no classes or the
// space is under 8×3.
func ConfusionHeatmap(m Matrix, width, height int, opt HeatmapOptions) Heatmap {
	n := len(m.Classes)
	if n == 0 || width < 8 || height < 3 {
		return Heatmap{}
	}
	names := make([]string, n)
	nameW := 0
	var peak int64
	for i, c := range m.Classes {
		names[i] = label(c)
		nameW = max(nameW, ansi.StringWidth(names[i]))
		for j := range n {
			peak = max(peak, count(m, i, j))
		}
	}
	maxLabelW := min(16, max(4, width/4))
	// A cell holds a shade and the largest count; it widens to the class
	// names when all columns still fit.
	body := max(2, len(strconv.FormatInt(peak, 10))+1)
	if wide := max(body, nameW); min(nameW, maxLabelW)+n*(1+wide)+1 <= width {
		body = wide
	}
	// Columns are headed by their names when every one fits, else by
	// their index, which then also starts each row's label.
	byIndex := nameW > body
	labelW := nameW
	if byIndex {
		labelW += len(strconv.Itoa(n-1)) + 1
	}
	labelW = min(max(labelW, 4), maxLabelW)
	cellW := 1 + body

	visCols := max(1, min(n, (width-labelW-1)/cellW))
	if labelW+visCols*cellW+1 > width { // too narrow for one counted cell
		body = max(1, width-labelW-2)
		cellW = 1 + body
	}
	visRows := min(n, height-1)
	clipped := visRows < n || visCols < n
	if clipped {
		visRows = min(n, height-2) // a line says what is shown
	}
	h := Heatmap{labelW: labelW, cellW: cellW}
	h.Rows = window(opt.Row, visRows, n, selectedIndex(opt.Selected, true, n))
	h.Cols = window(opt.Col, visCols, n, selectedIndex(opt.Selected, false, n))

	rowLabel := func(i int) string {
		if byIndex {
			return fit(strconv.Itoa(i)+" "+names[i], labelW)
		}
		return fit(names[i], labelW)
	}
	corner := "true\\pred"
	if ansi.StringWidth(corner) > labelW {
		corner = ""
	}
	var lines []string
	header := fit(corner, labelW)
	for j := h.Cols[0]; j < h.Cols[1]; j++ {
		name := names[j]
		if byIndex {
			name = strconv.Itoa(j)
		}
		header += " " + fitRight(name, body)
	}
	lines = append(lines, header)
	for i := h.Rows[0]; i < h.Rows[1]; i++ {
		var total int64
		for j := range n {
			total += count(m, i, j)
		}
		var sb strings.Builder
		sb.WriteString(rowLabel(i))
		for j := h.Cols[0]; j < h.Cols[1]; j++ {
			gap := " "
			if sel := opt.Selected; sel != nil && sel.Row == i && sel.Col == j {
				gap = "["
			} else if sel != nil && sel.Row == i && sel.Col == j-1 {
				gap = "]"
			}
			sb.WriteString(gap)
			sb.WriteString(heatCell(count(m, i, j), total, body))
		}
		if sel := opt.Selected; sel != nil && sel.Row == i && sel.Col == h.Cols[1]-1 {
			sb.WriteString("]")
		}
		lines = append(lines, sb.String())
	}
	if clipped {
		lines = append(lines, fit(fmt.Sprintf("true #%d–#%d, predicted #%d–#%d of %d classes",
			h.Rows[0], h.Rows[1]-1, h.Cols[0], h.Cols[1]-1, n), width))
	}
	if len(lines) < height {
		lines = append(lines, fit(heatLegend, width))
	}
	h.Text = join(lines, height)
	return h
}

// ConfusionMatrix draws m from its first class, with nothing selected.
func ConfusionMatrix(m Matrix, width, height int) string {
	return ConfusionHeatmap(m, width, height, HeatmapOptions{}).Text
}

// CellAt returns the matrix cell drawn at column x, line y of h.Text (both
// from 0), for a mouse click; ok is false over labels and margins.
func (h Heatmap) CellAt(x, y int) (c Cell, ok bool) {
	row := h.Rows[0] + y - 1
	if h.cellW == 0 || y < 1 || row >= h.Rows[1] || x < h.labelW {
		return Cell{}, false
	}
	col := h.Cols[0] + (x-h.labelW)/h.cellW
	if col >= h.Cols[1] {
		return Cell{}, false
	}
	return Cell{row, col}, true
}

// CellRect returns where cell c is drawn in h.Text: line y, columns
// [x, x+w), its count's part without the gap before it; ok is false when
// c is scrolled out of view.
func (h Heatmap) CellRect(c Cell) (x, y, w int, ok bool) {
	if c.Row < h.Rows[0] || c.Row >= h.Rows[1] || c.Col < h.Cols[0] || c.Col >= h.Cols[1] {
		return 0, 0, 0, false
	}
	return h.labelW + (c.Col-h.Cols[0])*h.cellW + 1, 1 + c.Row - h.Rows[0], h.cellW - 1, true
}

func count(m Matrix, i, j int) int64 {
	if i < len(m.Counts) && j < len(m.Counts[i]) {
		return m.Counts[i][j]
	}
	return 0
}

// heatCell is a count shaded by its share of total, in body cells.
func heatCell(c, total int64, body int) string {
	if c <= 0 {
		return strings.Repeat(" ", body-1) + "·"
	}
	shade := "█"
	switch f := float64(c) / float64(total); {
	case f <= 0.1:
		shade = "░"
	case f <= 0.4:
		shade = "▒"
	case f <= 0.7:
		shade = "▓"
	}
	digits := strconv.FormatInt(c, 10)
	if len(digits) >= body {
		return strings.Repeat(shade, body)
	}
	return strings.Repeat(shade, body-len(digits)) + digits
}

func selectedIndex(sel *Cell, row bool, n int) int {
	switch {
	case sel == nil:
		return -1
	case row && sel.Row >= 0 && sel.Row < n:
		return sel.Row
	case !row && sel.Col >= 0 && sel.Col < n:
		return sel.Col
	}
	return -1
}

// window returns the [first, end) of size visible items out of n starting
// near first, moved as little as needed to include keep (when >= 0).
func window(first, size, n, keep int) [2]int {
	first = min(max(first, 0), n-size)
	if keep >= 0 {
		if keep < first {
			first = keep
		} else if keep >= first+size {
			first = keep - size + 1
		}
	}
	return [2]int{first, first + size}
}
