package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/charmbracelet/x/ansi"

	"triage/dataset"
	"triage/render"
)

// Model is the table view: a window of rows over a dataset table. It
// formats only the rows on screen.
type Model struct {
	title   string
	table   *dataset.Table
	classes map[string][]string // column -> class names, for integer label columns
	keys    KeyMap

	width, height int
	top           int // first row on screen
	firstCol      int // first column on screen
}

// New returns a model showing t. classColumns names integer columns whose
// values index classes.
func New(title string, t *dataset.Table, classes []string, classColumns []string) Model {
	m := Model{title: title, table: t, keys: DefaultKeyMap(), width: 80, height: 24, classes: map[string][]string{}}
	for _, c := range classColumns {
		m.classes[c] = classes
	}
	return m
}

func (m Model) Init() tea.Cmd { return nil }

func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
	case tea.KeyPressMsg:
		return m.handleKey(msg)
	}
	return m, nil
}

// pageRows is the number of table rows on screen (title, header and help
// take three lines).
func (m Model) pageRows() int { return max(1, m.height-3) }

func (m Model) handleKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	n := int(m.table.NumRows())
	switch {
	case key.Matches(msg, m.keys.Quit):
		return m, tea.Quit
	case key.Matches(msg, m.keys.Up):
		m.top--
	case key.Matches(msg, m.keys.Down):
		m.top++
	case key.Matches(msg, m.keys.PageUp):
		m.top -= m.pageRows()
	case key.Matches(msg, m.keys.PageDown):
		m.top += m.pageRows()
	case key.Matches(msg, m.keys.Top):
		m.top = 0
	case key.Matches(msg, m.keys.Bottom):
		m.top = n - m.pageRows()
	case key.Matches(msg, m.keys.Left):
		m.firstCol--
	case key.Matches(msg, m.keys.Right):
		m.firstCol++
	}
	m.top = max(0, min(m.top, n-m.pageRows()))
	m.firstCol = max(0, min(m.firstCol, m.table.Schema().NumFields()-1))
	return m, nil
}

func (m Model) View() tea.View {
	v := tea.NewView(m.Render())
	v.AltScreen = true
	return v
}

// Render draws the screen as plain text, width by height.
func (m Model) Render() string {
	var b strings.Builder
	n := m.table.NumRows()
	last := min(int64(m.top+m.pageRows()), n)
	status := fmt.Sprintf("%s  rows %d–%d of %d", render.Sanitize(m.title), min(int64(m.top+1), n), last, n)
	b.WriteString(ansi.Truncate(status, m.width, "…"))
	b.WriteByte('\n')

	fields := m.table.Schema().Fields()
	var header []string
	for _, f := range fields[m.firstCol:] {
		header = append(header, render.Sanitize(f.Name))
	}
	rows := m.windowRows(m.top, int(last))
	header, rows = fitColumns(header, rows, m.width)
	b.WriteString(render.Table(header, rows, m.width))
	for i := len(rows); i < m.pageRows(); i++ {
		b.WriteByte('\n')
	}
	b.WriteString(ansi.Truncate(m.keys.helpLine(), m.width, "…"))
	return b.String()
}

// windowRows formats rows [from, to) of the visible columns.
func (m Model) windowRows(from, to int) [][]string {
	var rows [][]string
	var offset int
	for _, batch := range m.table.Batches() {
		bn := int(batch.NumRows())
		for r := max(from, offset); r < min(to, offset+bn); r++ {
			rows = append(rows, m.formatRow(batch, r-offset))
		}
		offset += bn
		if offset >= to {
			break
		}
	}
	return rows
}

func (m Model) formatRow(batch arrow.RecordBatch, i int) []string {
	var cells []string
	for c := m.firstCol; c < int(batch.NumCols()); c++ {
		name := batch.Schema().Field(c).Name
		cells = append(cells, render.Value(batch.Column(c), i, m.classes[name]))
	}
	return cells
}

// maxColumnWidth caps a column on screen; wider values are cut with "…".
const maxColumnWidth = 32

// fitColumns keeps the leading columns that fit in width at their natural
// size (capped at maxColumnWidth), rather than squeezing every column: the
// rest are a keypress to the right. At least one column is kept.
func fitColumns(header []string, rows [][]string, width int) ([]string, [][]string) {
	used, keep := 0, 0
	for c := range header {
		w := ansi.StringWidth(header[c])
		for _, r := range rows {
			if c < len(r) {
				w = max(w, ansi.StringWidth(r[c]))
			}
		}
		w = min(w, maxColumnWidth)
		if keep > 0 {
			w += 2 // the gap before the column
		}
		if keep > 0 && used+w > width {
			break
		}
		used += w
		keep++
	}
	for i, r := range rows {
		if len(r) > keep {
			r = r[:keep]
			rows[i] = r
		}
		for c, cell := range r {
			if ansi.StringWidth(cell) > maxColumnWidth {
				r[c] = ansi.Truncate(cell, maxColumnWidth, "…")
			}
		}
	}
	return header[:min(keep, len(header))], rows
}
