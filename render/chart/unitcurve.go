package chart

import (
	"math"
	"strings"

	"triage/evalview/curve"
)

// Curve is a line through points on the unit square, such as a
// precision–recall or ROC curve.
type Curve struct {
	X, Y           []float64 // in [0, 1]; a NaN point breaks the line
	XLabel, YLabel string
}

// UnitCurve draws c in braille dots (two across and four down a cell),
// with the y axis on the left labelled 0, 0.5 and 1, the x axis below, and
// the axis names above:
//
//	precision vs recall
//	  1┤⠉⠉⠉⠒⠢⢄
//	   │      ⠈⠑⠢⡀
//	0.5┤         ⠈⠢⡀
//	   │            ⠑
//	  0┤             ⠸
//	   └──────────────
//	   0     0.5     1
//
// It needs width 12 and height 5, and gives "" when smaller. Points
// outside the unit square are clamped to its edge.
func UnitCurve(c Curve, width, height int) string {
	const margin = 4 // "0.5┤"
	rows, cols := height-3, width-margin
	if rows < 2 || cols < 8 {
		return ""
	}
	dots := newBraille(cols, rows)
	prev, have := [2]int{}, false
	for i := range min(len(c.X), len(c.Y)) {
		x, y := c.X[i], c.Y[i]
		if math.IsNaN(x) || math.IsNaN(y) {
			have = false
			continue
		}
		p := [2]int{
			int(math.Round(clamp01(x) * float64(2*cols-1))),
			int(math.Round((1 - clamp01(y)) * float64(4*rows-1))),
		}
		if have {
			dots.line(prev, p)
		} else {
			dots.set(p[0], p[1])
		}
		prev, have = p, true
	}

	title := label(c.YLabel)
	if x := label(c.XLabel); x != "" {
		title += " vs " + x
	}
	lines := []string{fit(title, width)}
	mid := (rows - 1) / 2
	for r, text := range dots.lines() {
		tick, axis := "", "│"
		switch r {
		case 0:
			tick, axis = "1", "┤"
		case rows - 1:
			tick, axis = "0", "┤"
		case mid:
			if rows >= 5 {
				tick, axis = "0.5", "┤"
			}
		}
		lines = append(lines, fitRight(tick, margin-1)+axis+text)
	}
	lines = append(lines, strings.Repeat(" ", margin-1)+"└"+strings.Repeat("─", cols))
	lines = append(lines, strings.Repeat(" ", margin-1)+ticks(0, 1, cols+1))
	return join(lines, height)
}

// PRCurve draws a precision–recall curve (recall across, precision up).
func PRCurve(pr curve.PR, width, height int) string {
	return UnitCurve(Curve{X: pr.Recall, Y: pr.Precision, XLabel: "recall", YLabel: "precision"}, width, height)
}

func clamp01(v float64) float64 { return math.Min(1, math.Max(0, v)) }

// braille is a canvas of cols×rows cells of 2×4 dots each.
type braille struct {
	cols, rows int
	cells      []uint8
}

func newBraille(cols, rows int) *braille {
	return &braille{cols, rows, make([]uint8, cols*rows)}
}

// dotBits are the bits of the dots of a braille cell, by row and column.
var dotBits = [4][2]uint8{{0x01, 0x08}, {0x02, 0x10}, {0x04, 0x20}, {0x40, 0x80}}

func (b *braille) set(x, y int) {
	if x < 0 || y < 0 || x >= 2*b.cols || y >= 4*b.rows {
		return
	}
	b.cells[(y/4)*b.cols+x/2] |= dotBits[y%4][x%2]
}

// line sets the dots from p to q (Bresenham).
func (b *braille) line(p, q [2]int) {
	dx, dy := abs(q[0]-p[0]), -abs(q[1]-p[1])
	sx, sy := sign(q[0]-p[0]), sign(q[1]-p[1])
	err := dx + dy
	x, y := p[0], p[1]
	for {
		b.set(x, y)
		if x == q[0] && y == q[1] {
			return
		}
		e2 := 2 * err
		if e2 >= dy {
			err += dy
			x += sx
		}
		if e2 <= dx {
			err += dx
			y += sy
		}
	}
}

func (b *braille) lines() []string {
	out := make([]string, b.rows)
	for r := range b.rows {
		var sb strings.Builder
		for _, bits := range b.cells[r*b.cols : (r+1)*b.cols] {
			if bits == 0 {
				sb.WriteByte(' ')
			} else {
				sb.WriteRune(rune(0x2800 + int(bits)))
			}
		}
		out[r] = sb.String()
	}
	return out
}

func abs(v int) int { return max(v, -v) }

func sign(v int) int {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}
