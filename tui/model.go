package tui

import (
	"context"
	"errors"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"triage/evalview"
	"triage/render/termimg"
)

// The root model routes messages: global keys first (help, query bar,
// switching views, quitting), then overlays (the detail view, a dialog,
// the help), then the current view. Slow work runs in commands that
// report back with messages; each carries what it belongs to (a sheet id,
// an operation id), and results for a sheet that is gone are dropped.
//
//	┌ status line: dataset, rows, selection, queue, progress ┐
//	│ view tabs and the sheet breadcrumb                     │
//	│                                                        │
//	│ the current view (evaluation, samples, queue)          │
//	│   or the detail view, the help, a dialog over it       │
//	│                                                        │
//	│ query bar (two lines while typing)                     │
//	└ key hints                                              ┘

type viewID int

const (
	viewEval viewID = iota
	viewSamples
	viewQueue
)

var viewNames = []string{"Evaluation", "Samples", "Queue"}

// Options configure the program.
type Options struct {
	// Title names the dataset on the status line.
	Title string
	// Progress, when set, is the feed the session reports progress to
	// (evalview.Config.Progress = feed.Report).
	Progress *ProgressFeed
	// Queue takes the actions; nil holds them in memory.
	Queue Queue
	// HistoryPath is the query history file; "" keeps no history.
	HistoryPath string
	// SyncOutput asks the terminal for synchronized output even where
	// bubbletea does not (over SSH).
	SyncOutput bool
	// Dark is the background to assume until the terminal says; it
	// answers a query at start.
	Dark bool
	// Images is how pictures are drawn (--images); Auto asks the
	// terminal. Tmux says the program runs inside tmux ($TMUX).
	Images termimg.Protocol
	Tmux   bool
	// Placer, when set, is the writer the program writes to
	// (tea.WithOutput); it draws sixel and iTerm2 pictures, which are
	// drawn as half-blocks without it.
	Placer *termimg.Placer
	// FirstScreen, when set, is called once the first rows are on screen,
	// before the rest loads (the command line lowers the GC target then).
	FirstScreen func()
	// Stats, when set, is called every second and what it returns is
	// shown on the status line (--debug: memory held and used).
	Stats func() string
}

// Model is the program's root model.
type Model struct {
	c       *common
	view    viewID
	eval    evalModel
	samples samplesModel
	queue   queueModel
	detail  *detailModel
	boxView *boxView
	dialog  dialog
	lastTag string
	// boxTarget is the box the box relabel dialog is for.
	boxTarget *boxTarget
	help      bool
	bar       queryBar
	marks     *marks
	actions   Queue
	opts      Options

	pics      pictureState
	progress  *evalview.Progress
	stats     string
	notice    string
	noticeErr bool
	evalOp    int
	started   bool // evaluation and preloading were started
}

// New returns the program for an opened session. ctx bounds every
// operation it starts.
func New(ctx context.Context, s *evalview.Session, opts Options) Model {
	c := &common{ctx: ctx, sess: s, title: opts.Title, keys: DefaultKeyMap(), width: 80, height: 24}
	c.setStyles(NewStyles(opts.Dark))
	c.hasDerive = len(s.Derived()) > 0
	c.evalDone = !c.hasDerive
	if opts.Queue == nil {
		opts.Queue = NewMemoryQueue()
	}
	mk := &marks{}
	m := Model{c: c, marks: mk, actions: opts.Queue, opts: opts, pics: newPictureState(opts.Images, opts.Tmux, opts.Placer)}
	m.samples = newSamples(c, mk)
	m.eval = newEval(c)
	m.queue = newQueueView(c, opts.Queue)
	m.bar = queryBar{c: c, historyPath: opts.HistoryPath}
	if !c.hasDerive {
		m.view = viewSamples
	}
	m.layout()
	return m
}

// Init starts the first screen's rows, the history and the theme query.
func (m Model) Init() tea.Cmd {
	cmds := []tea.Cmd{
		tea.RequestBackgroundColor,
		loadHistory(m.opts.HistoryPath),
		m.samples.ensureWindow(),
	}
	if m.opts.Progress != nil {
		cmds = append(cmds, m.opts.Progress.wait())
	}
	if m.opts.Stats != nil {
		cmds = append(cmds, statsTick(m.opts.Stats))
	}
	cmds = append(cmds, m.pics.detectCmd())
	if m.opts.SyncOutput {
		// bubbletea asks for mode 2026 only outside SSH; ask anyway. The
		// terminal's answer turns it on (tea.ModeReportMsg).
		cmds = append(cmds, tea.Raw(ansi.RequestModeSynchronizedOutput))
	}
	return tea.Batch(cmds...)
}

// start begins evaluating (and then preloading) once the first rows are
// on screen, so that the first frame does not wait behind them.
func (m *Model) start() tea.Cmd {
	if m.started {
		return nil
	}
	m.started = true
	if m.c.hasDerive {
		ctx, op := m.c.startOp("evaluating")
		m.evalOp = op
		return evaluate(ctx, m.c.sess, op)
	}
	return m.preloadCmd()
}

// preloadCmd reads the columns the samples view shows.
func (m *Model) preloadCmd() tea.Cmd {
	var cols []string
	for _, c := range m.samples.root().cols {
		if !c.rowNum {
			cols = append(cols, c.name)
		}
	}
	ctx, op := m.c.startOp("loading")
	return preload(ctx, m.c.sess, op, cols)
}

// Update routes a message, then keeps a sixel or iTerm2 picture placed.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	next, cmd := m.update(msg)
	return next.(Model).place(msg, cmd)
}

func (m Model) update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if m.pics.observe(msg) {
		return m, nil
	}
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.c.width, m.c.height = msg.Width, msg.Height
		m.layout()
		var pic tea.Cmd
		if m.detail != nil {
			pic = m.detail.loadPicture(&m.pics)
		}
		return m, tea.Batch(m.samples.ensureWindow(), pic)
	case tea.BackgroundColorMsg:
		m.c.setStyles(NewStyles(msg.IsDark()))
		return m, nil
	case tea.KeyPressMsg:
		return m.handleKey(msg)
	case tea.PasteMsg:
		if m.bar.active {
			m.bar, _ = m.bar.Update(msg)
		}
		return m, nil
	case tea.MouseWheelMsg:
		return m.routeToView(msg)
	}
	return m.handleResult(msg)
}

// handleResult takes what a command reported.
func (m Model) handleResult(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case progressMsg:
		p := evalview.Progress(msg)
		m.progress = &p
		return m, m.opts.Progress.wait()
	case historyMsg:
		m.bar.history = append(msg.entries, m.bar.history...)
		m.bar.histPos = len(m.bar.history)
		if msg.err != nil {
			return m, notice(msg.err.Error(), true)
		}
		return m, nil
	case statsMsg:
		m.stats = string(msg)
		if m.pics.reason != "" {
			m.stats += " · images " + m.pics.reason
		}
		return m, statsTick(m.opts.Stats)
	case noticeMsg:
		m.notice, m.noticeErr = msg.text, msg.err
		return m, nil
	case evalDoneMsg:
		return m.evalDone(msg)
	case preloadDoneMsg:
		m.c.endOp(msg.op)
		m.progress = nil // an op that still runs reports again; until then its name shows
		if msg.err != nil && m.c.ctx.Err() == nil && !isCancel(msg.err) {
			return m, notice("loading: "+msg.err.Error(), true)
		}
		return m, nil
	case slicesDoneMsg:
		m.c.endOp(msg.op)
		m.progress = nil
		m.eval.setSlices(msg.rep, msg.err)
		return m, nil
	case openQueryMsg:
		return m.openQuery(msg)
	case submitMsg:
		return m.submit(msg)
	case openDetailMsg:
		return m.openDetail(msg)
	case marksDoneMsg:
		*m.marks = msg.marks
		return m, notice(markedText(msg.added, m.marks.n), false)
	case queryDoneMsg, windowMsg:
		var cmd tea.Cmd
		m.samples, cmd = m.samples.Update(msg)
		if _, ok := msg.(windowMsg); ok && !m.c.shown {
			// The first rows are up: now the rest of their columns, and
			// the evaluation.
			m.c.shown = true
			if m.opts.FirstScreen != nil {
				m.opts.FirstScreen()
			}
			return m, tea.Batch(cmd, m.samples.ensureWindow(), m.start())
		}
		if q, ok := msg.(queryDoneMsg); ok && q.err != nil && !isCancel(q.err) {
			m.notice, m.noticeErr = firstLine(q.err.Error()), true
		}
		return m, cmd
	case detailMsg:
		if m.detail != nil && m.detail.take(msg) {
			return m, m.detail.loadPicture(&m.pics)
		}
		return m, nil
	case pictureMsg:
		if m.detail != nil && m.detail.takePicture(msg) {
			return m, m.pics.transmit(msg.pic)
		}
		return m, nil
	case actionDoneMsg:
		return m.actionDone(msg)
	case dialogDoneMsg:
		return m.dialogDone(msg)
	case openBoxesMsg:
		return m.openBoxes()
	case keysMsg:
		if m.boxView != nil {
			return m, m.boxView.Update(msg)
		}
		return m, nil
	case curvesMsg:
		m.c.endOp(msg.op)
		m.progress = nil // an op that still runs reports again; until then its name shows
		var cmd tea.Cmd
		m.eval, cmd = m.eval.Update(msg)
		return m, cmd
	case suspectsMsg, boxesMsg:
		var cmd tea.Cmd
		m.eval, cmd = m.eval.Update(msg)
		return m, cmd
	}
	return m, nil
}

func (m Model) evalDone(msg evalDoneMsg) (tea.Model, tea.Cmd) {
	m.c.endOp(msg.op)
	m.c.evalDone = true
	m.c.evals, m.c.evalErr = msg.evals, msg.err
	m.progress = nil // an op that still runs reports again; until then its name shows
	if msg.err != nil {
		m.eval.setReports(nil, msg.err)
		text := "evaluation: " + firstLine(msg.err.Error())
		if isCancel(msg.err) {
			text = "evaluation cancelled"
		}
		return m, tea.Batch(m.samples.invalidate(), notice(text, true))
	}
	evalCmd := m.eval.setReports(msg.evals, nil)
	ctx, op := m.c.startOp("slicing")
	return m, tea.Batch(m.samples.invalidate(), evalCmd, findSlices(ctx, m.c.sess, op), m.preloadCmd())
}

// layout gives each part its size.
func (m *Model) layout() {
	h := m.bodyHeight()
	m.samples.SetSize(m.c.width, h)
	m.eval.SetSize(m.c.width, h)
	m.queue.SetSize(m.c.width, h)
	if m.detail != nil {
		m.detail.SetSize(m.c.width, h)
	}
	if m.boxView != nil {
		m.boxView.SetSize(m.c.width, h)
	}
}

// bodyHeight is what is left for the view: the status line, the tabs,
// the query bar and the key hints take the rest.
func (m Model) bodyHeight() int {
	return max(1, m.c.height-3-m.bar.height())
}

func (m Model) handleKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	k := m.c.keys
	if key.Matches(msg, k.Quit) {
		return m.interrupt()
	}
	m.notice = ""
	if m.bar.active {
		var cmd tea.Cmd
		h := m.bar.height()
		m.bar, cmd = m.bar.Update(msg)
		if m.bar.height() != h {
			m.layout()
		}
		return m, cmd
	}
	if m.dialog != nil {
		d, cmd := m.dialog.Update(msg)
		m.dialog = d
		return m, cmd
	}
	if m.help {
		if key.Matches(msg, k.Help, k.Close, k.Back) {
			m.help = false
		}
		return m, nil
	}
	switch {
	case key.Matches(msg, k.Help):
		m.help = true
		return m, nil
	case key.Matches(msg, k.Query):
		within := ""
		if m.view == viewSamples && m.detail == nil {
			within = m.samples.top().query
		}
		m.bar.open(within)
		m.layout()
		return m, nil
	case key.Matches(msg, k.QueueView):
		m.detail, m.boxView = nil, nil
		m.view = viewQueue
		return m, nil
	case key.Matches(msg, k.NextView, k.PrevView) && m.detail == nil && m.boxView == nil:
		d := 1
		if key.Matches(msg, k.PrevView) {
			d = len(viewNames) - 1
		}
		m.view = (m.view + viewID(d)) % viewID(len(viewNames))
		return m, m.samples.ensureWindow()
	case key.Matches(msg, k.Mark) && m.detail != nil:
		m.marks.toggle(m.detail.row)
		return m, notice(markedText(1, m.marks.n), false)
	case key.Matches(msg, k.Tag, k.Relabel, k.Mine, k.Drop, k.Undo):
		return m.startAction(msg)
	case key.Matches(msg, k.Back, k.Close, k.Pop):
		return m.back(msg)
	}
	return m.routeToView(msg)
}

// interrupt is ctrl+c: it cancels what is running, and quits when nothing
// is.
func (m Model) interrupt() (tea.Model, tea.Cmd) {
	if names := m.c.cancelOps(); len(names) > 0 {
		m.progress = nil
		m.notice, m.noticeErr = "cancelled "+strings.Join(names, ", ")+" · ctrl+c again quits", true
		return m, nil
	}
	return m, tea.Quit
}

// back is q, esc and backspace. Each closes the detail view or the box
// view first. Then esc and backspace pop the samples view's sheets, while
// q leaves the view for the evaluation and quits from there.
func (m Model) back(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	k := m.c.keys
	if m.detail != nil {
		m.detail = nil
		return m, m.samples.ensureWindow()
	}
	if m.boxView != nil {
		m.boxView = nil
		return m, nil
	}
	if !key.Matches(msg, k.Back) {
		if m.view == viewSamples && m.samples.pop() {
			m.layout()
			return m, m.samples.ensureWindow()
		}
		return m, nil
	}
	if m.view != viewEval && m.c.hasDerive {
		m.view = viewEval
		return m, nil
	}
	return m, tea.Quit
}

// routeToView hands a message to the view on screen.
func (m Model) routeToView(msg tea.Msg) (tea.Model, tea.Cmd) {
	var cmd tea.Cmd
	switch {
	case m.detail != nil:
		var d detailModel
		d, cmd = m.detail.Update(msg)
		m.detail = &d
	case m.boxView != nil:
		cmd = m.boxView.Update(msg)
	case m.view == viewEval:
		m.eval, cmd = m.eval.Update(msg)
	case m.view == viewSamples:
		m.samples, cmd = m.samples.Update(msg)
	case m.view == viewQueue:
		m.queue, cmd = m.queue.Update(msg)
	}
	return m, cmd
}

// openQuery opens a sheet for a query made by a view (a preset, a
// confusion cell, a sort).
func (m Model) openQuery(msg openQueryMsg) (tea.Model, tea.Cmd) {
	prog, err := m.c.sess.Compile(msg.query)
	if err != nil {
		return m, notice(firstLine(err.Error())+": "+msg.query, true)
	}
	m.detail = nil
	m.view = viewSamples
	if !msg.replace {
		// A query from the evaluation view starts from all rows.
		m.samples.truncate(1)
	}
	cmd := m.samples.push(msg.title, msg.query, prog, msg.replace)
	m.layout()
	return m, cmd
}

// submit runs a typed query: in the samples view it refines the sheet on
// show, elsewhere it starts from all rows.
func (m Model) submit(msg submitMsg) (tea.Model, tea.Cmd) {
	src := msg.text
	if m.view == viewSamples && m.detail == nil {
		src = refine(m.samples.top().query, msg.text)
	} else {
		m.samples.truncate(1)
	}
	prog, err := m.c.sess.Compile(src)
	if err != nil {
		return m, notice(firstLine(err.Error()), true)
	}
	m.detail = nil
	m.view = viewSamples
	cmd := m.samples.push(msg.text, src, prog, false)
	m.layout()
	return m, cmd
}

// View draws the screen.
func (m Model) View() tea.View {
	v := tea.NewView(m.Render())
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	if p := m.progress; p != nil && p.Total > 0 {
		v.ProgressBar = tea.NewProgressBar(tea.ProgressBarDefault, int(100*p.Done/p.Total))
	}
	return v
}

// Render draws the screen as text, exactly width × height.
func (m Model) Render() string {
	w, h := m.c.width, m.c.height
	body := m.bodyHeight()
	var b strings.Builder
	b.WriteString(m.statusLine(w))
	b.WriteByte('\n')
	b.WriteString(m.tabsLine(w))
	b.WriteByte('\n')
	var main string
	switch {
	case m.help:
		main = m.helpView(w, body)
	case m.dialog != nil:
		main = m.dialog.View(w, body)
	case m.detail != nil:
		main = m.detail.View()
	case m.boxView != nil:
		main = m.boxView.View()
	case m.view == viewEval:
		main = m.eval.View(m.samples.root())
	case m.view == viewSamples:
		main = m.samples.View()
	case m.view == viewQueue:
		main = m.queue.View()
	}
	writeBlock(&b, main, w, body)
	b.WriteString(m.bar.View(w, m.idleLine(w)))
	b.WriteByte('\n')
	b.WriteString(m.hintLine(w))
	out := b.String()
	if lines := strings.Count(out, "\n") + 1; lines != h && h > 0 {
		out = fitLines(out, w, h)
	}
	return out
}

// writeBlock writes text as exactly h lines of at most w columns, each
// followed by a newline.
func writeBlock(b *strings.Builder, text string, w, h int) {
	lines := strings.Split(text, "\n")
	for i := range h {
		if i < len(lines) {
			line := lines[i]
			if ansi.StringWidth(line) > w {
				line = ansi.Truncate(line, w, "")
			}
			b.WriteString(line)
		}
		b.WriteByte('\n')
	}
}

// fitLines makes a screen exactly h lines (tiny terminals).
func fitLines(s string, w, h int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	for i, l := range lines {
		if ansi.StringWidth(l) > w {
			lines[i] = ansi.Truncate(l, w, "")
		}
	}
	return strings.Join(lines, "\n")
}

func isCancel(err error) bool {
	return errors.Is(err, context.Canceled) || err != nil && strings.Contains(err.Error(), context.Canceled.Error())
}
