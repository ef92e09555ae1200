package render

import (
	"bytes"
	"io"
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// CellSep ends every cell but a line's last in what a TableWriter reads.
// Sanitized text never holds it.
const CellSep = '\x00'

// TableWriter aligns a stream of lines, each of cells separated by CellSep,
// into columns as Table does. It sizes the columns from the first lines
// (up to tableSample of them) and keeps those sizes for the rest, so that
// output of any length streams: a later cell wider than its column pushes
// the line out rather than losing text (unless a width is set, which cuts
// lines as Table does).
type TableWriter struct {
	w      io.Writer
	width  int
	widths []int // nil until the sample is in
	sample [][]string
	part   []byte // an unfinished line
	err    error
}

const tableSample = 1000

// NewTableWriter returns a writer of aligned lines to w, each at most
// width columns (0: no limit). Close writes what is held back.
func NewTableWriter(w io.Writer, width int) *TableWriter {
	return &TableWriter{w: w, width: width}
}

func (t *TableWriter) Write(p []byte) (int, error) {
	if t.err != nil {
		return 0, t.err
	}
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			t.part = append(t.part, p...)
			break
		}
		line := p[:i]
		if len(t.part) > 0 {
			line = append(t.part, line...)
			t.part = t.part[:0]
		}
		t.line(strings.Split(string(line), string(CellSep)))
		p = p[i+1:]
	}
	return n, t.err
}

func (t *TableWriter) line(cells []string) {
	if t.widths != nil {
		t.writeLine(cells)
		return
	}
	t.sample = append(t.sample, cells)
	if len(t.sample) >= tableSample {
		t.flushSample()
	}
}

func (t *TableWriter) flushSample() {
	if len(t.sample) == 0 {
		t.widths = []int{}
		return
	}
	t.widths = columnWidths(t.sample[0], t.sample[1:], t.width)
	for _, cells := range t.sample {
		t.writeLine(cells)
	}
	t.sample = nil
}

func (t *TableWriter) writeLine(cells []string) {
	if t.err != nil {
		return
	}
	var b strings.Builder
	if t.width > 0 {
		writeRow(&b, cells, t.widths, t.width)
	} else {
		writeWide(&b, cells, t.widths)
	}
	_, t.err = io.WriteString(t.w, b.String())
}

// writeWide writes a line padded to widths, never cutting a cell.
func writeWide(b *strings.Builder, cells []string, widths []int) {
	var line strings.Builder
	for i, c := range cells {
		line.WriteString(c)
		if i < len(cells)-1 {
			wd := 0
			if i < len(widths) {
				wd = widths[i]
			}
			line.WriteString(strings.Repeat(" ", max(0, wd-ansi.StringWidth(c))+2))
		}
	}
	b.WriteString(strings.TrimRight(line.String(), " "))
	b.WriteByte('\n')
}

// Close writes the lines held back to size the columns.
func (t *TableWriter) Close() error {
	if len(t.part) > 0 {
		t.line(strings.Split(string(t.part), string(CellSep)))
		t.part = nil
	}
	if t.widths == nil {
		t.flushSample()
	}
	return t.err
}
