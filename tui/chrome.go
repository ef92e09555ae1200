package tui

import (
	"strconv"
	"strings"
	"sync"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"triage/evalview"
	"triage/render"
)

// The lines around the view: the status line, the tabs with the
// breadcrumb, the idle query line and the key hints.

// statusLine: the dataset, rows on show of the total, the selection, the
// queue, and on the right a progress bar while something runs, or a
// notice.
//
//	digits.parquet · 7 / 1,500 rows · 2 selected · queue 1     evaluating ███░░ 40%
func (m Model) statusLine(w int) string {
	st := &m.c.styles
	total := m.c.sess.NumRows()
	rows := "? rows"
	if total >= 0 {
		rows = render.Count(total) + " rows"
		if sh := m.samples.top(); m.view == viewSamples && len(m.samples.stack) > 1 {
			if sh.ready() {
				rows = render.Count(sh.len()) + " / " + rows
			} else {
				rows = "… / " + rows
			}
		}
	}
	parts := []string{rows}
	if m.marks.n > 0 {
		parts = append(parts, render.Count(m.marks.n)+" selected")
	}
	if n := m.actions.Len(); n > 0 {
		parts = append(parts, "queue "+strconv.Itoa(n))
	}
	tail := st.Status.Render(" · ") + strings.Join(parts, st.Status.Render(" · "))
	// What runs, or the latest notice, takes the room a long dataset path
	// would: the path keeps its last 24 columns (its file name, mostly)
	// and gives up its directories first.
	title := render.Sanitize(m.c.title)
	keep := min(ansi.StringWidth(title), 24)
	right := m.statusRight(max(0, w-1-keep-ansi.StringWidth(tail)-3))
	titleW := w - 1 - ansi.StringWidth(tail) - ansi.StringWidth(right) - 2
	left := " " + st.StatusKey.Render(render.CutLeft(title, max(titleW, keep))) + tail
	gap := w - ansi.StringWidth(left) - ansi.StringWidth(right) - 1
	if gap < 1 {
		return st.Status.Render(render.Fit(left, w, false))
	}
	return st.Status.Render(left + strings.Repeat(" ", gap) + right + " ")
}

// statusRight is the progress of what runs, or the latest notice.
func (m Model) statusRight(w int) string {
	st := &m.c.styles
	if o := m.c.busy(); o != nil {
		label := o.name
		if p := m.progress; p != nil && o.name != "query" {
			label = p.Step
			if p.Total > 0 {
				return progressBar(st, label, float64(p.Done)/float64(p.Total), min(w, 40))
			}
		}
		return render.Cut(label+" …", w)
	}
	if m.notice != "" {
		text := render.Cut(render.Sanitize(m.notice), w)
		if m.noticeErr {
			return st.Error.Render(text)
		}
		return st.Good.Render(text)
	}
	return st.Faint.Render(render.Cut(m.stats, w))
}

// statsMsg is the latest debug line.
type statsMsg string

// statsTick asks for the debug line in a second.
func statsTick(stats func() string) tea.Cmd {
	return tea.Tick(time.Second, func(time.Time) tea.Msg { return statsMsg(stats()) })
}

// progressBar draws "label ████░░░░ 45%" in w columns.
func progressBar(st *Styles, label string, frac float64, w int) string {
	frac = max(0, min(1, frac))
	pct := strconv.Itoa(int(100*frac)) + "%"
	barW := w - ansi.StringWidth(label) - len(pct) - 2
	if barW < 5 {
		return render.Cut(label+" "+pct, w)
	}
	full := int(frac * float64(barW))
	return label + " " + st.BarFull.Render(strings.Repeat("█", full)) + st.BarEmpty.Render(strings.Repeat("░", barW-full)) + " " + pct
}

// tabsLine shows the views, the current one highlighted, and in the
// samples view the breadcrumb of sheets.
//
//	Evaluation  Samples  Queue   all › 8 → 1 › not correct
func (m Model) tabsLine(w int) string {
	st := &m.c.styles
	var b strings.Builder
	for i, name := range viewNames {
		if viewID(i) == m.view {
			b.WriteString(st.TabActive.Render(" " + name + " "))
		} else {
			b.WriteString(st.Tab.Render(" " + name + " "))
		}
	}
	tabs := b.String()
	if m.view != viewSamples || ansi.StringWidth(tabs) > w {
		return ansi.Truncate(tabs, w, "")
	}
	crumbs := m.samples.breadcrumb()
	room := w - ansi.StringWidth(tabs) - 2
	if room < 8 {
		return render.Cut(tabs, w)
	}
	// The newest sheets matter most: cut from the left.
	for i, c := range crumbs {
		crumbs[i] = render.Sanitize(c)
	}
	trail := strings.Join(crumbs[:len(crumbs)-1], " › ")
	last := crumbs[len(crumbs)-1]
	text := last
	if trail != "" {
		text = trail + " › " + last
	}
	text = render.CutLeft(text, room)
	// Style the last crumb, which is always at the end.
	lw := ansi.StringWidth(last)
	tw := ansi.StringWidth(text)
	if lw < tw {
		head := ansi.Truncate(text, tw-lw, "")
		return tabs + "  " + st.CrumbTrail.Render(head) + st.Crumb.Render(ansi.TruncateLeft(text, tw-lw, ""))
	}
	return tabs + "  " + st.Crumb.Render(text)
}

// idleLine is the query bar while closed: the query on show, so that it
// can be copied into `triage query`.
func (m Model) idleLine(w int) string {
	st := &m.c.styles
	q := ""
	switch {
	case m.detail != nil:
		q = m.detail.query()
	case m.view == viewSamples:
		q = m.samples.top().query
	}
	if q == "" {
		return st.Faint.Render(render.Cut("/ type a query", w))
	}
	return st.Faint.Render("query ") + render.Cut(render.Sanitize(q), w-6)
}

// hintLine is the short help: the keys that matter on this view, with
// ? first so that it is never cut off.
func (m Model) hintLine(w int) string {
	h := m.c.help
	h.SetWidth(w)
	// help can overrun its width by one item when the ellipsis does
	// not fit after the last one that does: cut it.
	return ansi.Truncate(h.ShortHelpView(m.shortHelp()), w, "…")
}

func (m Model) shortHelp() []key.Binding {
	k := m.c.keys
	switch {
	case m.bar.active:
		return []key.Binding{k.Submit, k.Complete, k.HistoryPrev, k.HistoryNext, k.Cancel}
	case m.help:
		return []key.Binding{k.Close}
	case m.dialog != nil:
		return m.dialog.help()
	case m.detail != nil:
		return []key.Binding{k.Help, k.Back, k.Up, k.Down, k.Left, k.Right, k.Tag, k.Relabel}
	}
	base := []key.Binding{k.Help, k.Back, k.Query, k.NextView}
	switch m.view {
	case viewEval:
		return append(base, m.eval.shortHelp()...)
	case viewSamples:
		return append(base, k.Open, k.SortAsc, k.SortDesc, k.Mark, k.Tag, k.Relabel)
	default:
		return append(base, k.Undo)
	}
}

// helpView is the full help: every binding, in titled groups laid out
// in newspaper columns as the screen allows.
func (m Model) helpView(w, h int) string {
	st := &m.c.styles
	// Fill columns top to bottom; a group that does not fit in what is
	// left of a column starts the next one.
	var split [][]helpGroup
	var cur []helpGroup
	used := 0
	for _, g := range m.c.keys.groups() {
		need := 1 + len(g.bindings)
		if len(cur) > 0 {
			need++ // the blank line between groups
		}
		if len(cur) > 0 && used+need > h {
			split = append(split, cur)
			cur, used = nil, 0
			need--
		}
		cur = append(cur, g)
		used += need
	}
	split = append(split, cur)
	cols := make([][]string, len(split))
	for i, groups := range split {
		keyW := 0
		for _, g := range groups {
			for _, bd := range g.bindings {
				keyW = max(keyW, ansi.StringWidth(bd.Help().Key))
			}
		}
		for j, g := range groups {
			if j > 0 {
				cols[i] = append(cols[i], "")
			}
			cols[i] = append(cols[i], st.Title.Render(g.title))
			for _, bd := range g.bindings {
				hp := bd.Help()
				cols[i] = append(cols[i], st.Help.FullKey.Render(render.Fit(hp.Key, keyW, false))+" "+st.Help.FullDesc.Render(hp.Desc))
			}
		}
	}
	// Put as many columns side by side as fit, each as wide as its
	// widest line and two spaces.
	var out []string
	for i := 0; i < len(cols); {
		band := []int{i}
		used := blockWidth(strings.Join(cols[i], "\n"))
		for j := i + 1; j < len(cols); j++ {
			cw := blockWidth(strings.Join(cols[j], "\n"))
			if used+2+cw > w {
				break
			}
			band = append(band, j)
			used += 2 + cw
		}
		rows := 0
		for _, c := range band {
			rows = max(rows, len(cols[c]))
		}
		for r := range rows {
			var line strings.Builder
			for n, c := range band {
				cell := ""
				if r < len(cols[c]) {
					cell = cols[c][r]
				}
				if n < len(band)-1 {
					cell = render.Fit(cell, blockWidth(strings.Join(cols[c], "\n"))+2, false)
				}
				line.WriteString(cell)
			}
			out = append(out, line.String())
		}
		i = band[len(band)-1] + 1
	}
	if len(out) > h {
		out = out[:h]
		out[h-1] = st.Faint.Render(render.Cut("… a larger terminal shows the rest · esc closes", w))
	}
	return strings.Join(out, "\n")
}

// ProgressFeed carries a session's progress reports into the program:
// pass Report as evalview.Config.Progress and the feed as
// Options.Progress. Reports that come faster than the screen redraws are
// folded into the latest.
type ProgressFeed struct {
	mu   sync.Mutex
	last evalview.Progress
	ch   chan struct{}
}

// NewProgressFeed returns an empty feed.
func NewProgressFeed() *ProgressFeed { return &ProgressFeed{ch: make(chan struct{}, 1)} }

// Report records progress; it never blocks.
func (f *ProgressFeed) Report(p evalview.Progress) {
	f.mu.Lock()
	f.last = p
	f.mu.Unlock()
	select {
	case f.ch <- struct{}{}:
	default:
	}
}

// wait returns the command that waits for the next report.
func (f *ProgressFeed) wait() tea.Cmd {
	if f == nil {
		return nil
	}
	return func() tea.Msg {
		<-f.ch
		f.mu.Lock()
		defer f.mu.Unlock()
		return progressMsg(f.last)
	}
}
