package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"triage/evalview"
	"triage/query"
	"triage/render"
)

// samplesModel is the samples view: a stack of sheets, the top one shown.
type samplesModel struct {
	c      *common
	marks  *marks
	stack  []*sheet
	nextID int
	width  int
	height int
}

func newSamples(c *common, m *marks) samplesModel {
	s := samplesModel{c: c, marks: m}
	root := newSheet(c, s.newID(), "all", "", nil)
	if n := c.sess.NumRows(); n >= 0 {
		root.sel = evalview.AllRows(n)
	}
	s.stack = []*sheet{root}
	return s
}

func (m *samplesModel) newID() int {
	m.nextID++
	return m.nextID
}

func (m samplesModel) top() *sheet  { return m.stack[len(m.stack)-1] }
func (m samplesModel) root() *sheet { return m.stack[0] }

// find returns the sheet with the given id, nil when it was popped.
func (m samplesModel) find(id int) *sheet {
	for _, sh := range m.stack {
		if sh.id == id {
			return sh
		}
	}
	return nil
}

// page is the number of rows on screen.
func (m samplesModel) page() int { return max(1, m.height-1) }

// SetSize sets the view's size.
func (m *samplesModel) SetSize(w, h int) {
	m.width, m.height = w, h
	for _, sh := range m.stack {
		sh.clamp(m.page())
	}
}

// push opens a sheet for a compiled query on top of the stack and starts
// it; replace swaps it for the top sheet instead (sorting).
func (m *samplesModel) push(title, src string, prog *query.Program, replace bool) tea.Cmd {
	sh := newSheet(m.c, m.newID(), title, src, prog)
	if replace && len(m.stack) > 1 {
		old := m.top()
		sh.col, sh.left = old.col, old.left
		m.c.cancelOp(old.op) // a newer query supersedes it
		m.stack[len(m.stack)-1] = sh
	} else {
		m.stack = append(m.stack, sh)
	}
	if prog == nil {
		sh.sel = evalview.AllRows(m.c.sess.NumRows())
		return m.ensureWindow()
	}
	ctx, op := m.c.startOp("query")
	sh.op = op
	return runQuery(ctx, m.c.sess, sh.id, op, prog)
}

// truncate keeps the first n sheets; the queries of the others, if they
// still run, are cancelled.
func (m *samplesModel) truncate(n int) {
	for _, sh := range m.stack[n:] {
		m.c.cancelOp(sh.op)
	}
	m.stack = m.stack[:n]
}

// pop drops the top sheet; false when only the root is left.
func (m *samplesModel) pop() bool {
	if len(m.stack) == 1 {
		return false
	}
	m.truncate(len(m.stack) - 1)
	return true
}

// ensureWindow fetches the rows the top sheet shows, if they are not held.
func (m *samplesModel) ensureWindow() tea.Cmd {
	return ensureWindow(m.c, m.top(), m.page())
}

func ensureWindow(c *common, sh *sheet, page int) tea.Cmd {
	want := c.fetchKinds()
	if off, n, ok := sh.wantFetch(page, want); ok {
		return sh.fetch(c.ctx, c.sess, off, n, want)
	}
	return nil
}

// invalidate drops every sheet's fetched rows (evaluation added fields).
func (m *samplesModel) invalidate() tea.Cmd {
	for _, sh := range m.stack {
		sh.win.kinds = fetchKinds{}
	}
	return m.ensureWindow()
}

// Update handles a message meant for the samples view.
func (m samplesModel) Update(msg tea.Msg) (samplesModel, tea.Cmd) {
	switch msg := msg.(type) {
	case queryDoneMsg:
		m.c.endOp(msg.op)
		sh := m.find(msg.sheet)
		if sh == nil {
			return m, nil
		}
		sh.op = 0
		if msg.err != nil {
			sh.err = msg.err
			sh.sel = evalview.AllRows(0)
			return m, nil
		}
		sh.sel = msg.sel
		sh.clamp(m.page())
		return m, m.ensureWindow()
	case windowMsg:
		sh := m.find(msg.sheet)
		if sh == nil {
			return m, nil
		}
		if msg.err != nil {
			sh.fetching = false
			sh.err = msg.err
			return m, nil
		}
		sh.takeWindow(msg.win)
		return m, m.ensureWindow()
	case tea.MouseWheelMsg:
		sh := m.top()
		switch msg.Button {
		case tea.MouseWheelUp:
			sh.cur -= 3
		case tea.MouseWheelDown:
			sh.cur += 3
		}
		sh.clamp(m.page())
		return m, m.ensureWindow()
	case tea.KeyPressMsg:
		return m.handleKey(msg)
	}
	return m, nil
}

func (m samplesModel) handleKey(msg tea.KeyPressMsg) (samplesModel, tea.Cmd) {
	k := m.c.keys
	sh := m.top()
	page := int64(m.page())
	switch {
	case moveRow(msg, k, &sh.cur, page, sh.len()):
	case key.Matches(msg, k.Left):
		sh.col--
	case key.Matches(msg, k.Right):
		sh.col++
	case key.Matches(msg, k.SortAsc, k.SortDesc):
		if len(sh.cols) == 0 || sh.cols[sh.col].rowNum {
			return m, nil
		}
		desc := key.Matches(msg, k.SortDesc)
		src := withSort(sh.query, sh.cols[sh.col].name, desc)
		if len(m.stack) == 1 {
			// All rows stay as they are; the sorted ones are a sheet.
			return m, openQuery(src, src, false)
		}
		return m, openQuery(sh.title, src, true)
	case key.Matches(msg, k.Open):
		if row, ok := sh.row(sh.cur); ok {
			return m, func() tea.Msg { return openDetailMsg{sheet: sh.id, pos: sh.cur, row: row} }
		}
		return m, nil
	case key.Matches(msg, k.Mark):
		if sh.ready() && sh.len() > 0 {
			m.marks.toggle(sh.sel.Row(sh.cur))
			sh.anchor = sh.cur
			sh.cur++
		}
	case key.Matches(msg, k.MarkRange):
		return m, markRange(m.c, sh, m.marks)
	case key.Matches(msg, k.MarkAll):
		return m, markAll(m.c, sh, m.marks)
	default:
		return m, nil
	}
	sh.clamp(m.page())
	sh.scrollToColumn(m.width)
	return m, m.ensureWindow()
}

// moveRow applies a movement key to a cursor over n rows with pages of
// page rows; false when msg is not a movement key.
func moveRow(msg tea.KeyPressMsg, k KeyMap, cur *int64, page, n int64) bool {
	switch {
	case key.Matches(msg, k.Up):
		*cur--
	case key.Matches(msg, k.Down):
		*cur++
	case key.Matches(msg, k.PageUp):
		*cur -= page
	case key.Matches(msg, k.PageDown):
		*cur += page
	case key.Matches(msg, k.HalfUp):
		*cur -= max(1, page/2)
	case key.Matches(msg, k.HalfDown):
		*cur += max(1, page/2)
	case key.Matches(msg, k.Top):
		*cur = 0
	case key.Matches(msg, k.Bottom):
		*cur = n - 1
	default:
		return false
	}
	*cur = max(0, min(*cur, n-1))
	return true
}

// View draws the top sheet.
func (m samplesModel) View() string {
	sh := m.top()
	st := &m.c.styles
	switch {
	case sh.err != nil:
		return st.Error.Render(render.Cut(render.Sanitize(firstLine(sh.err.Error())), m.width))
	case !sh.ready():
		return st.Faint.Render("running " + render.Cut(render.Sanitize(sh.query), m.width-8) + " …")
	case sh.len() == 0:
		return st.Faint.Render(render.Cut("no rows match "+render.Sanitize(sh.query), m.width))
	}
	return sh.render(st, m.width, m.height, m.marks.has)
}

// breadcrumb is the stack of sheets, oldest first: all › 8 → 1 › not correct.
func (m samplesModel) breadcrumb() []string {
	out := make([]string, len(m.stack))
	for i, sh := range m.stack {
		out[i] = sh.title
	}
	return out
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
