package tui

import (
	"strconv"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"triage/dataset"
	"triage/render"
)

// The root's part in actions and overlays: it owns the selection, the
// queue and the overlays, so they are decided here.

// openDetail opens the detail view of a row.
func (m Model) openDetail(msg openDetailMsg) (tea.Model, tea.Cmd) {
	var sh *sheet
	if msg.sheet >= 0 {
		sh = m.samples.find(msg.sheet)
	}
	d := newDetail(m.c, sh, msg.pos, msg.row)
	if msg.sheet < 0 {
		d.mark = msg.box
	}
	d.SetSize(m.c.width, m.bodyHeight())
	m.detail = d
	return m, d.load()
}

// openBoxes opens the box view once the boxes are read.
func (m Model) openBoxes() (tea.Model, tea.Cmd) {
	if m.eval.boxes == nil {
		return m, notice("still reading the boxes …", false)
	}
	m.boxView = newBoxView(m.c, m.eval.boxes)
	m.boxView.SetSize(m.c.width, m.bodyHeight())
	return m, m.boxView.fetchKeys()
}

// targets are the rows an action applies to: the selection, or else the
// current row of the view on show. query is what chose them.
func (m Model) targets() (rows []int64, query string, ok bool) {
	if m.marks.n > 0 {
		q := ""
		if m.view == viewSamples {
			q = m.samples.top().query
		}
		return m.marks.rows(), q, true
	}
	switch {
	case m.detail != nil:
		return []int64{m.detail.row}, m.detail.query(), true
	case m.boxView != nil:
		if i, ok := m.boxView.current(); ok {
			return []int64{m.boxView.boxes.Row[i]}, boxViewQuery, true
		}
		return nil, "", false
	case m.view == viewSamples:
		sh := m.samples.top()
		if sh.ready() && sh.len() > 0 {
			return []int64{sh.sel.Row(sh.cur)}, sh.query, true
		}
	}
	return nil, "", false
}

// currentPred is the predicted class of the current row, if it is known:
// the class picker starts on it.
func (m Model) currentPred() string {
	if m.detail != nil && m.detail.data != nil {
		return m.detail.data.pred
	}
	if m.view != viewSamples {
		return ""
	}
	sh := m.samples.top()
	pred := m.c.role(dataset.RolePred)
	for i, c := range sh.cols {
		if c.name == pred && sh.win.has(sh.cur) {
			return sh.win.cells[sh.cur-sh.win.offset][i]
		}
	}
	return ""
}

// startAction begins an action key: undo and drop act at once; tag, mine
// and relabel ask first.
func (m Model) startAction(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	k := m.c.keys
	if key.Matches(msg, k.Undo) {
		_, q, _ := m.targets()
		return m, undoAction(m.actions, q)
	}
	if m.detail == nil && m.boxView != nil && key.Matches(msg, k.Relabel) {
		return m.startBoxRelabel()
	}
	rows, _, ok := m.targets()
	if !ok {
		return m, notice("no sample here: open the samples view (tab), or select some with space", true)
	}
	n := render.Count(int64(len(rows)))
	noun := " samples"
	if len(rows) == 1 {
		noun = " sample"
	}
	switch {
	case key.Matches(msg, k.Drop):
		return m.dialogDone(dialogDoneMsg{verb: VerbDrop})
	case key.Matches(msg, k.Tag):
		m.dialog = newPrompt(m.c, VerbTag, "tag "+n+noun+" as", m.lastTag, func(s string) string {
			if s == "" {
				return "a tag needs a name"
			}
			return ""
		})
	case key.Matches(msg, k.Mine):
		if m.c.role(dataset.RoleEmbedding) == "" {
			return m, notice("mining similar samples needs an embedding column", true)
		}
		m.dialog = newPrompt(m.c, VerbMine, "mine how many more like each of "+n+noun+"?", "10", func(s string) string {
			if v, err := strconv.Atoi(s); err != nil || v < 1 || v > 10000 {
				return "want a number from 1 to 10000"
			}
			return ""
		})
	case key.Matches(msg, k.Relabel):
		classes := m.c.ds().Classes
		if len(classes) == 0 {
			return m, notice("relabeling needs a class list (--classes)", true)
		}
		m.dialog = newPicker(m.c, VerbRelabel, "relabel "+n+noun+" as", classes, m.currentPred())
	}
	return m, nil
}

// startBoxRelabel opens the class picker for the ground-truth box on the
// box view's current row: a missed box, or the box a true positive
// matched. A false positive is a predicted box: there is no ground-truth
// box to relabel.
func (m Model) startBoxRelabel() (tea.Model, tea.Cmd) {
	v := m.boxView
	i, ok := v.current()
	if !ok {
		return m, notice("no box here", true)
	}
	gt := v.groundTruth(i)
	if gt < 0 {
		return m, notice("only ground-truth boxes (tp, fn) can be relabeled: this is a predicted box (fp)", true)
	}
	classes := m.c.ds().Classes
	if len(classes) == 0 {
		return m, notice("relabeling needs a class list (--classes)", true)
	}
	class := v.className(i)
	m.boxTarget = &boxTarget{row: v.boxes.Row[i], index: gt}
	m.dialog = newPicker(m.c, VerbRelabelBox, "relabel ground-truth box "+strconv.Itoa(gt)+" ("+render.Sanitize(class)+") as", classes, class)
	return m, nil
}

// boxViewQuery is what the journal records as having chosen the samples
// of actions taken in the box view.
const boxViewQuery = "box view"

// boxTarget is the ground-truth box a box relabel dialog is for.
type boxTarget struct {
	row   int64
	index int
}

// dialogDone queues the action a dialog confirmed.
func (m Model) dialogDone(msg dialogDoneMsg) (tea.Model, tea.Cmd) {
	if msg.verb == VerbRelabelBox {
		t := m.boxTarget
		m.boxTarget = nil
		if t == nil {
			return m, nil
		}
		a := Action{Verb: VerbRelabel, Arg: msg.arg, Query: boxViewQuery}
		return m, queueBoxRelabel(m.c.ctx, m.c.sess, m.actions, a, t.row, t.index)
	}
	rows, q, ok := m.targets()
	if !ok {
		return m, nil
	}
	if msg.verb == VerbTag {
		m.lastTag = msg.arg
	}
	a := Action{Verb: msg.verb, Arg: msg.arg, Query: q}
	return m, queueAction(m.c.ctx, m.c.sess, m.actions, a, rows)
}

// actionDone reports an action on the status line.
func (m Model) actionDone(msg actionDoneMsg) (tea.Model, tea.Cmd) {
	if msg.err != nil {
		m.notice, m.noticeErr = render.Sanitize(msg.err.Error()), true
		return m, nil
	}
	m.notice, m.noticeErr = describe(msg.action, msg.undo), false
	return m, nil
}
