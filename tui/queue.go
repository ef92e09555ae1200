package tui

import (
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"

	"triage/render"
)

// The queue view: every action taken, newest first, undone ones struck
// out; u undoes the last.
//
//	#  action              samples  query                 time
//	2  relabel as "7"            1  label == "8" | …      14:02:11
//	1  tag "blurry"              3  not correct           14:01:40

type queueModel struct {
	c      *common
	q      Queue
	width  int
	height int
	cur    int
}

func newQueueView(c *common, q Queue) queueModel { return queueModel{c: c, q: q} }

func (m *queueModel) SetSize(w, h int) { m.width, m.height = w, h }

func (m queueModel) Update(msg tea.Msg) (queueModel, tea.Cmd) {
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return m, nil
	}
	n := int64(len(m.q.Entries()))
	cur := int64(m.cur)
	moveRow(km, m.c.keys, &cur, int64(max(1, m.height-1)), n)
	m.cur = int(cur)
	return m, nil
}

func (m queueModel) View() string {
	st := &m.c.styles
	entries := m.q.Entries()
	where := "held in memory for this session"
	if j, ok := m.q.(*JournalQueue); ok {
		where = "journal " + render.Sanitize(j.Path()) + " · triage queue apply writes the new training set"
	}
	where = st.Faint.Render(render.Cut(where, m.width))
	if len(entries) == 0 {
		return where + "\n" + st.Faint.Render(render.Cut("no actions yet · t tags, r relabels, m mines similar, x drops the current sample or the selection", m.width))
	}
	widths := []int{4, 24, 8, 0, 8}
	widths[3] = max(8, m.width-4-24-8-8-4*2-1)
	head := []string{"#", "action", "samples", "query", "time"}
	var b strings.Builder
	b.WriteString(where + "\n ")
	for i, h := range head {
		if i > 0 {
			b.WriteString("  ")
		}
		b.WriteString(st.Header.Render(render.Fit(h, widths[i], i == 0 || i == 2)))
	}
	rows := max(1, m.height-2)
	first := 0
	if m.cur >= rows {
		first = m.cur - rows + 1
	}
	for p := first; p < min(len(entries), first+rows); p++ {
		a := entries[len(entries)-1-p] // newest first
		what := a.Verb
		switch a.Verb {
		case VerbTag, VerbUntag:
			what += " " + quoteString(a.Arg)
		case VerbRelabel:
			if a.Box != nil {
				what += " box " + strconv.Itoa(a.Box.Index)
			}
			what += " as " + quoteString(a.Arg)
		case VerbMine:
			what += " " + a.Arg + " similar"
			if a.Mined >= 0 {
				what += ": " + render.Count(int64(a.Mined)) + " found"
			}
		}
		cells := []string{formatInt(a.ID), render.Sanitize(what), render.Count(int64(len(a.Keys))), render.Sanitize(a.Query), a.Time.Format("15:04:05")}
		var line strings.Builder
		for i, c := range cells {
			if i > 0 {
				line.WriteString("  ")
			}
			line.WriteString(render.Fit(c, widths[i], i == 0 || i == 2))
		}
		text := line.String()
		if a.Undone {
			text = render.Cut(text, m.width-10) + " (undone)"
		}
		b.WriteString("\n ")
		switch {
		case p == m.cur:
			b.WriteString(st.RowCur.wrap(text))
		case a.Undone:
			b.WriteString(st.Faint.Render(text))
		default:
			b.WriteString(text)
		}
	}
	return b.String()
}
