package tui

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"triage/dataset"
	"triage/evalview"
	"triage/evalview/classify"
	"triage/render"
	"triage/render/chart"
)

// The evaluation view: where the model fails, in the first second.
//
//	accuracy 0.9047 · macro F1 0.9045 · log loss 0.5519 · 75 suspects
//	▸ c confusion (rows label, columns pred)   p per class
//	     0   1   2 …                           class  precision  recall …
//	 0 139   1   0                             0         0.9267  0.9329
//	…
//	label 8 → pred 1: 7 samples · enter opens them
//	w where it fails (overall error 9.5%)
//	split == "val"   13.1% [10.2–16.6]   42 / 320
//	1 false positives of 8 · 2 false negatives of 8 · 3 suspects · …
//
// Every number that names samples opens them with enter, as a query on
// the samples view.

type panel int

const (
	panelConfusion panel = iota
	panelClasses
	panelSlices
	panelCharts
)

type evalModel struct {
	c      *common
	width  int
	height int

	evals []*evalview.Evaluation
	err   error

	slices     *evalview.SliceReport
	slicesErr  error
	slicesDone bool

	suspects []int64         // per class, from LabelCounts; nil until counted
	boxes    *evalview.Boxes // detection: every evaluated box; nil until read
	// detection: the scores of true- and false-positive boxes, and which
	// read of the boxes they came from
	tpScores, fpScores []float64
	boxesGen           int

	curves     *evalview.Curves // the first prediction set's; nil until computed
	curvesErr  error
	curvesDone bool
	curvesOp   int         // the load whose result is awaited
	cache      *chartCache // drawn charts, shared by the model's copies

	focus      panel
	row, col   int // confusion cursor: label row, prediction column
	hmRow      int // the heatmap's scroll: first row and column shown
	hmCol      int
	classPos   int // per-class cursor, a position in classOrder
	classOrder []int
	classSort  int  // per-class column sorted by
	classDesc  bool // its direction
	sliceRow   int
}

func newEval(c *common) evalModel { return evalModel{c: c, cache: &chartCache{}} }

func (e *evalModel) SetSize(w, h int) {
	if w == e.width && h == e.height {
		return
	}
	e.width, e.height = w, h
	e.scrollHeatmap()
}

// suspectsMsg carries the suspects per class.
type suspectsMsg struct {
	counts []int64
	err    error
}

// setReports takes the evaluation, puts the confusion cursor on the cell
// with the most errors, and starts what the panels need next: the curves,
// the suspects per class or the boxes.
func (e *evalModel) setReports(evals []*evalview.Evaluation, err error) tea.Cmd {
	e.evals, e.err = evals, err
	if err != nil || len(evals) == 0 {
		return nil
	}
	return tea.Batch(e.loadCurves(), e.setPanels())
}

// setPanels readies the per-class panels for a new evaluation.
func (e *evalModel) setPanels() tea.Cmd {
	if d := e.det(); d != nil {
		e.focus = panelClasses
		e.classOrder = make([]int, len(d.PerClass))
		for i := range e.classOrder {
			e.classOrder[i] = i
		}
		s, ctx := e.c.sess, e.c.ctx
		return func() tea.Msg {
			b, err := s.Boxes(ctx)
			tp, fp := boxScores(b)
			return boxesMsg{boxes: b, tp: tp, fp: fp, err: err}
		}
	}
	r := e.class()
	if r == nil {
		return nil
	}
	e.row, e.col = worstCell(r.Confusion)
	e.scrollHeatmap()
	e.classOrder = make([]int, len(r.PerClass))
	for i := range e.classOrder {
		e.classOrder[i] = i
	}
	e.syncClass()
	if r.LabelIssues == nil || !e.c.sess.IsDerived("suspect") || e.c.role(dataset.RoleLabel) == "" {
		return nil
	}
	prog, perr := e.c.sess.Compile("suspect")
	if perr != nil {
		return nil
	}
	s, ctx := e.c.sess, e.c.ctx
	return func() tea.Msg {
		counts, err := s.LabelCounts(ctx, prog)
		return suspectsMsg{counts: counts, err: err}
	}
}

func (e *evalModel) setSlices(rep *evalview.SliceReport, err error) {
	e.slices, e.slicesErr, e.slicesDone = rep, err, true
}

// worstCell is the off-diagonal cell with the most samples (the first in
// row order on a tie); (0, 0) when there is none.
func worstCell(m [][]int64) (int, int) {
	br, bc := 0, 0
	var best int64 = -1
	for r, row := range m {
		for c, v := range row {
			if r != c && v > best {
				best, br, bc = v, r, c
			}
		}
	}
	if best <= 0 {
		return 0, 0
	}
	return br, bc
}

// class is the first prediction set's classification report, or nil.
func (e *evalModel) class() *classify.Report {
	if len(e.evals) == 0 {
		return nil
	}
	return e.evals[0].Class
}

// currentClass is the class the presets and the PR curve work on: the row
// of the confusion cursor, or the per-class cursor (always, for detection).
func (e *evalModel) currentClass() int {
	if (e.focus == panelClasses || e.det() != nil) && len(e.classOrder) > 0 {
		return e.classOrder[e.classPos]
	}
	return e.row
}

// syncClass moves the per-class cursor to the confusion row.
func (e *evalModel) syncClass() {
	if i := slices.Index(e.classOrder, e.row); i >= 0 {
		e.classPos = i
	}
}

// Update handles keys and results for the evaluation view.
func (e evalModel) Update(msg tea.Msg) (evalModel, tea.Cmd) {
	switch msg := msg.(type) {
	case suspectsMsg:
		if msg.err == nil {
			e.suspects = msg.counts
		}
		return e, nil
	case curvesMsg:
		e.takeCurves(msg)
		return e, nil
	case boxesMsg:
		e.boxes, e.tpScores, e.fpScores = msg.boxes, msg.tp, msg.fp
		e.boxesGen++
		if msg.err != nil {
			return e, notice("boxes: "+firstLine(msg.err.Error()), true)
		}
		return e, nil
	case tea.KeyPressMsg:
		return e.handleKey(msg)
	}
	return e, nil
}

func (e evalModel) handleKey(msg tea.KeyPressMsg) (evalModel, tea.Cmd) {
	k := e.c.keys
	switch {
	case key.Matches(msg, k.Confusion):
		e.focus = panelConfusion
		return e, nil
	case key.Matches(msg, k.PerClass):
		e.focus = panelClasses
		return e, nil
	case key.Matches(msg, k.Slices):
		e.focus = panelSlices
		return e, nil
	case key.Matches(msg, k.Charts):
		e.focus = panelCharts
		return e, nil
	case key.Matches(msg, k.Boxes):
		if e.c.detection() {
			return e, func() tea.Msg { return openBoxesMsg{} }
		}
		return e, nil
	case key.Matches(msg, k.Open):
		return e, e.open()
	}
	if e.evals == nil && key.Matches(msg, k.FalsePos, k.FalseNeg, k.Suspects, k.ConfidentErrors, k.Hardest, k.Regressions, k.Fixes) {
		return e, notice("the presets open once the evaluation is done", true)
	}
	if p, ok := e.preset(msg); ok {
		if p.query == "" {
			return e, notice(p.name+": "+p.why, true)
		}
		return e, openQuery(p.name, p.query, false)
	}
	switch e.focus {
	case panelConfusion:
		e.moveCell(msg)
	case panelClasses:
		e.moveClass(msg)
	case panelCharts:
		switch { // the PR curve's class
		case key.Matches(msg, k.Up):
			e.stepClass(-1)
		case key.Matches(msg, k.Down):
			e.stepClass(1)
		}
	case panelSlices:
		if e.slices != nil {
			cur := int64(e.sliceRow)
			moveRow(msg, k, &cur, int64(max(1, e.height/3)), int64(len(e.slices.Slices)))
			e.sliceRow = int(cur)
		}
	}
	return e, nil
}

// stepClass moves to the next (d = 1) or previous (d = -1) class in the
// per-class order, round the end: the confusion row, the per-class cursor
// and the PR curve follow.
func (e *evalModel) stepClass(d int) {
	n := len(e.classOrder)
	if n == 0 {
		return
	}
	e.classPos = ((e.classPos+d)%n + n) % n
	if e.class() != nil {
		e.row = e.classOrder[e.classPos]
		e.scrollHeatmap()
	}
}

func (e *evalModel) moveCell(msg tea.KeyPressMsg) {
	k := e.c.keys
	n := e.matrixSize()
	if n == 0 {
		return
	}
	switch {
	case key.Matches(msg, k.Up):
		e.row--
	case key.Matches(msg, k.Down):
		e.row++
	case key.Matches(msg, k.Left):
		e.col--
	case key.Matches(msg, k.Right):
		e.col++
	case key.Matches(msg, k.Top):
		e.row = 0
	case key.Matches(msg, k.Bottom):
		e.row = n - 1
	}
	e.row, e.col = max(0, min(e.row, n-1)), max(0, min(e.col, n-1))
	e.syncClass()
	e.scrollHeatmap()
}

func (e *evalModel) moveClass(msg tea.KeyPressMsg) {
	k := e.c.keys
	n := len(e.classOrder)
	if n == 0 {
		return
	}
	cur := int64(e.classPos)
	if moveRow(msg, k, &cur, int64(max(1, e.height/2)), int64(n)) {
		e.classPos = int(cur)
		if e.class() != nil {
			e.row = e.classOrder[e.classPos]
		}
		return
	}
	if e.class() == nil {
		return
	}
	switch {
	case key.Matches(msg, k.Left):
		e.classSort = max(0, e.classSort-1)
	case key.Matches(msg, k.Right):
		e.classSort = min(len(classHeaders)-1, e.classSort+1)
	case key.Matches(msg, k.SortAsc, k.SortDesc):
		e.classDesc = key.Matches(msg, k.SortDesc)
		cur := e.classOrder[e.classPos]
		e.sortClasses()
		e.classPos = slices.Index(e.classOrder, cur)
	}
}

// matrixSize is the number of rows of the confusion matrix on show.
func (e *evalModel) matrixSize() int {
	if r := e.class(); r != nil {
		return len(r.Confusion)
	}
	if d := e.det(); d != nil {
		return len(d.Confusion)
	}
	return 0
}

// open opens what the cursor is on.
func (e *evalModel) open() tea.Cmd {
	switch e.focus {
	case panelSlices:
		if e.slices == nil || e.sliceRow >= len(e.slices.Slices) {
			return nil
		}
		s := e.slices.Slices[e.sliceRow]
		return openQuery(s.Column+" = "+strings.Trim(s.Value, `"`)+" errors", s.Query, false)
	case panelClasses:
		if d := e.det(); d != nil && len(d.PerClass) > 0 {
			name := d.PerClass[e.classOrder[e.classPos]].Name
			return openQuery("errors on "+name, e.detClassQuery(name), false)
		}
		r := e.class()
		if r == nil || len(e.classOrder) == 0 {
			return nil
		}
		name := r.Classes[e.classOrder[e.classPos]]
		lit := quoteString(name)
		label, pred := quoteName(e.c.role(dataset.RoleLabel)), quoteName(e.c.role(dataset.RolePred))
		return openQuery("errors on "+name, "("+label+" == "+lit+" or "+pred+" == "+lit+") and not correct", false)
	default:
		r := e.class()
		if r == nil {
			if e.det() != nil {
				return notice("the boxes view (b) lists every matched and unmatched box", false)
			}
			return nil
		}
		a, b := r.Classes[e.row], r.Classes[e.col]
		label, pred := quoteName(e.c.role(dataset.RoleLabel)), quoteName(e.c.role(dataset.RolePred))
		return openQuery(a+" → "+b, label+" == "+quoteString(a)+" and "+pred+" == "+quoteString(b), false)
	}
}

// preset is a view one key away: its name and query, or why it is not
// available here.
type preset struct {
	binding key.Binding
	name    string
	query   string
	why     string
}

// presets lists the presets for the dataset and the current class.
func (e *evalModel) presets() []preset {
	k := e.c.keys
	has := e.c.sess.IsDerived
	var out []preset
	add := func(b key.Binding, name, q, why string, ok bool) {
		if !ok {
			q = ""
		}
		out = append(out, preset{binding: b, name: name, query: q, why: why})
	}
	if e.c.detection() {
		add(k.FalsePos, "false positives", "fp > 0 | sort fp desc", "", has("fp"))
		add(k.FalseNeg, "false negatives", "fn > 0 | sort fn desc", "", has("fn"))
		add(k.Suspects, "suspects", "possible_missing > 0 or possible_spurious > 0 | sort max_mistakenness desc", "", has("possible_missing"))
		add(k.ConfidentErrors, "confident errors", `len(detections[eval == "fp" and score > 0.8]) > 0 | sort fp desc`, "needs detections with scores", has("detections") && has("fp"))
		add(k.Hardest, "hardest", "sort max_mistakenness desc", "", has("max_mistakenness"))
		return out
	}
	r := e.class()
	if r == nil {
		return nil
	}
	if r.Binary != nil {
		add(k.FalsePos, "false positives", "fp | sort score desc", "", has("fp"))
		add(k.FalseNeg, "false negatives", "fn | sort score desc", "", has("fn"))
	} else {
		name := r.Classes[e.currentClass()]
		lit := quoteString(name)
		add(k.FalsePos, "false positives of "+name, "fp("+lit+")", "", true)
		add(k.FalseNeg, "false negatives of "+name, "fn("+lit+")", "", true)
	}
	add(k.Suspects, "suspects", "suspect | sort self_confidence asc", "needs probs (confident learning)", has("suspect") && has("self_confidence"))
	score := e.c.role(dataset.RoleScore)
	switch {
	case score != "":
		add(k.ConfidentErrors, "confident errors", "not correct | sort "+quoteName(score)+" desc", "", true)
	default:
		add(k.ConfidentErrors, "confident errors", "not correct | sort mistakenness desc", "needs a score", has("mistakenness"))
	}
	add(k.Hardest, "hardest", "sort hardness desc", "needs probs", has("hardness"))
	if sets := e.c.ds().PredictionSets(); len(sets) > 1 {
		a, b := sets[0].Name, sets[1].Name
		ac, bc := quoteName(a+".correct"), quoteName(b+".correct")
		add(k.Regressions, "regressions "+a+" ✓ "+b+" ✗", ac+" and not "+bc, "", has(a+".correct") && has(b+".correct"))
		add(k.Fixes, "fixes "+a+" ✗ "+b+" ✓", "not "+ac+" and "+bc, "", has(a+".correct") && has(b+".correct"))
	}
	return out
}

func (e *evalModel) preset(msg tea.KeyPressMsg) (preset, bool) {
	for _, p := range e.presets() {
		if key.Matches(msg, p.binding) {
			return p, true
		}
	}
	return preset{}, false
}

// shortHelp is the key hints of the evaluation view.
func (e evalModel) shortHelp() []key.Binding {
	k := e.c.keys
	if e.c.detection() {
		return []key.Binding{k.Open, k.Boxes, k.PerClass, k.Slices}
	}
	return []key.Binding{k.Open, k.Confusion, k.PerClass, k.Slices}
}

// det is the first prediction set's detection report, or nil.
func (e *evalModel) det() *detectReport {
	if len(e.evals) == 0 || e.evals[0].Det == nil {
		return nil
	}
	return e.evals[0].Det
}

// View draws the view; preview is the sheet of all rows, shown while the
// evaluation runs.
func (e evalModel) View(preview *sheet) string {
	st := &e.c.styles
	w, h := e.width, e.height
	switch {
	case e.err != nil:
		msg := "evaluation failed: " + firstLine(e.err.Error())
		if isCancel(e.err) {
			msg = "evaluation cancelled (ctrl+c) · a query on a derived field runs it again"
		}
		return st.Error.Render(render.Cut(render.Sanitize(msg), w)) + "\n" + e.previewRows(preview, h-1)
	case e.evals == nil:
		n := e.c.sess.NumRows()
		what := "evaluating"
		if n >= 0 {
			what += " " + render.Count(n) + " rows"
		}
		return st.Faint.Render(render.Cut(what+" … the first rows meanwhile:", w)) + "\n" + e.previewRows(preview, h-1)
	case e.det() != nil:
		return e.detView()
	case e.class() != nil:
		return e.classView()
	}
	return st.Faint.Render("nothing to evaluate")
}

// previewRows shows the first rows of the dataset.
func (e evalModel) previewRows(sh *sheet, h int) string {
	if h < 2 || !sh.ready() {
		return ""
	}
	return sh.render(&e.c.styles, e.width, h, func(int64) bool { return false })
}

// headline is the line of headline numbers.
func (e evalModel) headline() string {
	st := &e.c.styles
	r := e.class()
	metric := func(name string, v float64) string {
		return name + " " + st.Metric.Render(formatMetric(v))
	}
	parts := []string{metric("accuracy", r.Accuracy), metric("macro F1", r.MacroAvg.F1)}
	if !math.IsNaN(r.LogLoss) {
		parts = append(parts, metric("log loss", r.LogLoss))
	}
	if b := r.Binary; b != nil {
		parts = append(parts, metric("precision", b.Precision), metric("recall", b.Recall))
	}
	if li := r.LabelIssues; li != nil {
		parts = append(parts, st.Metric.Render(render.Count(int64(li.NumFlagged)))+" suspects")
	}
	if n := r.N; n > 0 {
		parts = append(parts, render.Count(int64(r.Evaluated))+" evaluated")
	}
	return joinFit(parts, " · ", e.width)
}

// joinFit joins parts with sep, dropping the last ones that do not fit.
func joinFit(parts []string, sep string, w int) string {
	out := ""
	for _, p := range parts {
		next := p
		if out != "" {
			next = out + sep + p
		}
		if ansi.StringWidth(next) > w {
			break
		}
		out = next
	}
	return out
}

// classView lays out the classification panels.
func (e evalModel) classView() string {
	w, h := e.width, e.height
	lines := []string{e.headline()}
	if sets := e.setsTable(); sets != "" {
		lines = append(lines, strings.Split(sets, "\n")...)
	}
	presets := e.presetLines()
	room := h - len(lines) - len(presets)
	if room < 3 {
		return strings.Join(append(lines, presets...), "\n")
	}
	cw, ch, side, compact := e.confusionArea()
	conf, info := e.confusionBlock(cw, ch)
	var top []string
	switch {
	case side:
		top = sideBySide(conf, e.classesBlock(w, room-1, compact), blockWidth(conf)+3)
	case e.focus == panelClasses:
		top = strings.Split(e.classesBlock(w, room, false), "\n")
	default:
		top = strings.Split(conf, "\n")
	}
	if e.focus != panelClasses || side {
		top = append(top, info)
	}
	slicesRoom := room - len(top) - 1
	chartsH := e.chartsHeight(slicesRoom, e.slicesNeed(w))
	switch {
	case e.focus == panelSlices && slicesRoom < 4:
		top, chartsH = nil, 0 // the slices take the room
		slicesRoom = room
	case e.focus == panelCharts && chartsH == 0:
		top, chartsH = nil, room // the charts take the room
		slicesRoom = 0
	case chartsH > 0:
		slicesRoom -= chartsH + 1
	}
	lines = append(lines, top...)
	if slicesRoom >= 2 {
		if len(top) > 0 {
			lines = append(lines, "")
		}
		issues := e.issuesBlock(w)
		sl := strings.Split(e.slicesBlock(w, slicesRoom), "\n")
		lines = append(lines, sl...)
		if left := slicesRoom - len(sl) - 1; issues != "" && left >= strings.Count(issues, "\n")+1 {
			lines = append(lines, "")
			lines = append(lines, strings.Split(issues, "\n")...)
		}
	}
	lines = e.appendCharts(lines, chartsH, len(top) > 0 || slicesRoom >= 2)
	for len(lines) < h-len(presets) {
		lines = append(lines, "")
	}
	return strings.Join(append(lines, presets...), "\n")
}

// panelTitle is a panel's title with its key, marked when focused.
func (e evalModel) panelTitle(p panel, b key.Binding, text string) string {
	st := &e.c.styles
	if e.focus == p {
		return st.Title.Render("▸ " + b.Help().Key + " " + text)
	}
	return st.Faint.Render("  " + b.Help().Key + " " + text)
}

// topLines counts the lines above the panels (the headline, the sets
// table) and below them (the presets).
func (e evalModel) topLines() (above, below int) {
	above = 1
	if sets := e.setsTable(); sets != "" {
		above += strings.Count(sets, "\n") + 1
	}
	return above, len(e.presetLines())
}

// classNameWidth is the width of the per-class table's first column.
func (e evalModel) classNameWidth() int {
	w := 5
	for _, c := range e.class().Classes {
		w = max(w, ansi.StringWidth(render.Sanitize(c)))
	}
	return min(w, 16)
}

// classWidths are the per-class table's column widths, long or compact.
func (e evalModel) classWidths(compact bool) []int {
	if compact {
		return []int{min(e.classNameWidth(), 10), 5, 5, 5, 5, 4}
	}
	return []int{e.classNameWidth(), 9, 6, 6, 7, 8}
}

// tableWidth is the width of a table with these columns, one space apart.
func tableWidth(widths []int) int {
	w := len(widths) - 1
	for _, x := range widths {
		w += x
	}
	return w
}

// heatmapWidth is the width the heatmap takes when nothing limits it.
func (e evalModel) heatmapWidth(h int) int {
	r := e.class()
	hm := chart.ConfusionHeatmap(chart.Matrix{Classes: r.Classes, Counts: r.Confusion}, e.width, max(3, h), chart.HeatmapOptions{Row: e.hmRow, Col: e.hmCol, Selected: &chart.Cell{Row: e.row, Col: e.col}})
	header, _, _ := strings.Cut(hm.Text, "\n")
	return ansi.StringWidth(header) + 1 // a closing bracket may follow the last column
}

// confusionArea is the width and height the heatmap gets, whether the
// per-class table stands beside it, and in which form.
func (e evalModel) confusionArea() (w, h int, side, compact bool) {
	above, below := e.topLines()
	room := e.height - above - below - 1
	h = max(3, room-2) // its title above, the cell's line below
	nat := e.heatmapWidth(h)
	switch {
	case nat+3+tableWidth(e.classWidths(false)) <= e.width:
		return nat, h, true, false
	case nat+3+tableWidth(e.classWidths(true)) <= e.width:
		return nat, h, true, true
	}
	return e.width, h, false, false
}

// scrollHeatmap keeps the heatmap's scroll where the cursor is, scrolling
// as little as it must (the chart decides; the view keeps its choice).
func (e *evalModel) scrollHeatmap() {
	r := e.class()
	if r == nil {
		return
	}
	w, h, _, _ := e.confusionArea()
	hm := chart.ConfusionHeatmap(chart.Matrix{Classes: r.Classes, Counts: r.Confusion}, w, h, chart.HeatmapOptions{Row: e.hmRow, Col: e.hmCol, Selected: &chart.Cell{Row: e.row, Col: e.col}})
	e.hmRow, e.hmCol = hm.Rows[0], hm.Cols[0]
}

// confusionBlock is the heatmap with its title, and a line about the
// cursor's cell.
func (e evalModel) confusionBlock(w, h int) (string, string) {
	st := &e.c.styles
	r := e.class()
	opt := chart.HeatmapOptions{Row: e.hmRow, Col: e.hmCol}
	cell := chart.Cell{Row: e.row, Col: e.col}
	if e.focus == panelConfusion {
		opt.Selected = &cell
	}
	hm := chart.ConfusionHeatmap(chart.Matrix{Classes: r.Classes, Counts: r.Confusion}, w, h, opt)
	body := hm.Text
	if x, y, cw, ok := hm.CellRect(cell); ok && e.focus == panelConfusion {
		lines := strings.Split(body, "\n")
		l := lines[y]
		lines[y] = ansi.Truncate(l, x, "") + st.RowCur.wrap(ansi.Cut(l, x, x+cw)) + ansi.TruncateLeft(l, x+cw, "")
		body = strings.Join(lines, "\n")
	}
	title := e.panelTitle(panelConfusion, e.c.keys.Confusion, "confusion")
	n := r.Confusion[e.row][e.col]
	var rowTotal int64
	for _, v := range r.Confusion[e.row] {
		rowTotal += v
	}
	info := "label " + render.Sanitize(r.Classes[e.row]) + " → pred " + render.Sanitize(r.Classes[e.col]) + ": " + render.Count(n)
	if rowTotal > 0 {
		info += " (" + formatPct(float64(n)/float64(rowTotal)) + " of the label)"
	}
	info += " · enter opens"
	return title + "\n" + body, st.Faint.Render(render.Cut(info, e.width))
}

var (
	classHeaders      = []string{"class", "precision", "recall", "f1", "support", "suspects"}
	shortClassHeaders = []string{"class", "prec", "rec", "f1", "n", "sus"}
)

// sortClasses orders the per-class rows by the sort column.
func (e *evalModel) sortClasses() {
	r := e.class()
	if r == nil {
		return
	}
	val := func(i int) float64 {
		m := r.PerClass[i]
		switch e.classSort {
		case 1:
			return m.Precision
		case 2:
			return m.Recall
		case 3:
			return m.F1
		case 4:
			return float64(m.Support)
		case 5:
			if e.suspects != nil {
				return float64(e.suspects[i])
			}
		}
		return float64(i)
	}
	slices.SortStableFunc(e.classOrder, func(a, b int) int {
		va, vb := val(a), val(b)
		if math.IsNaN(va) != math.IsNaN(vb) { // undefined last either way
			if math.IsNaN(va) {
				return 1
			}
			return -1
		}
		d := 0
		switch {
		case va < vb:
			d = -1
		case va > vb:
			d = 1
		}
		if e.classDesc {
			d = -d
		}
		return d
	})
}

// classesBlock is the per-class table; compact is narrower, with short
// headers and three decimals.
func (e evalModel) classesBlock(w, h int, compact bool) string {
	st := &e.c.styles
	r := e.class()
	widths := e.classWidths(compact)
	headers := classHeaders
	metric := formatMetric
	if compact {
		headers = shortClassHeaders
		metric = func(v float64) string {
			if math.IsNaN(v) {
				return "—"
			}
			return strconv.FormatFloat(v, 'f', 3, 64)
		}
	}
	var b strings.Builder
	b.WriteString(e.panelTitle(panelClasses, e.c.keys.PerClass, "per class"))
	b.WriteString("\n")
	for i, hd := range headers {
		if i > 0 {
			b.WriteString(" ")
		}
		if i == e.classSort && e.classSort > 0 {
			if e.classDesc {
				hd += "↓"
			} else {
				hd += "↑"
			}
		}
		text := render.Fit(hd, widths[i], i > 0)
		if e.focus == panelClasses && i == e.classSort {
			text = st.HeaderCur.Render(text)
		} else {
			text = st.Header.Render(text)
		}
		b.WriteString(text)
	}
	rows := max(1, h-3)
	first := 0
	if e.classPos >= rows {
		first = e.classPos - rows + 1
	}
	for p := first; p < min(len(e.classOrder), first+rows); p++ {
		i := e.classOrder[p]
		m := r.PerClass[i]
		sus := ""
		if e.suspects != nil {
			sus = render.Count(e.suspects[i])
		}
		cells := []string{render.Sanitize(m.Name), metric(m.Precision), metric(m.Recall), metric(m.F1), render.Count(m.Support), sus}
		e.writeClassRow(&b, cells, widths, p == e.classPos)
	}
	return b.String()
}

// writeClassRow writes a line of the per-class table, numbers
// right-aligned, the cursor's row highlighted when the table has focus.
func (e evalModel) writeClassRow(b *strings.Builder, cells []string, widths []int, cursor bool) {
	var line strings.Builder
	for j, c := range cells {
		if j > 0 {
			line.WriteString(" ")
		}
		line.WriteString(render.Fit(c, widths[j], j > 0))
	}
	b.WriteString("\n")
	if e.focus == panelClasses && cursor {
		b.WriteString(e.c.styles.RowCur.wrap(line.String()))
	} else {
		b.WriteString(line.String())
	}
}

// slicesBlock is "where it fails".
func (e evalModel) slicesBlock(w, h int) string {
	st := &e.c.styles
	var b strings.Builder
	title := "where it fails"
	if rep := e.slices; rep != nil && rep.N > 0 {
		unit := ""
		if rep.Unit == "boxes" {
			unit = " of boxes"
		}
		title += " · overall error " + formatPct(rep.Rate) + unit + " (" + render.Count(rep.Errors) + " / " + render.Count(rep.N) + ")"
	}
	b.WriteString(e.panelTitle(panelSlices, e.c.keys.Slices, title))
	switch {
	case !e.slicesDone:
		b.WriteString("\n" + st.Faint.Render("looking at the metadata columns …"))
		return b.String()
	case e.slicesErr != nil:
		b.WriteString("\n" + st.Error.Render(render.Cut(render.Sanitize(firstLine(e.slicesErr.Error())), w)))
		return b.String()
	case len(e.slices.Columns) == 0:
		b.WriteString("\n" + st.Faint.Render(render.Cut("no metadata column with at most "+strconv.Itoa(evalview.MaxSliceValues)+" values to cut by", w)))
		return b.String()
	case len(e.slices.Slices) == 0:
		b.WriteString("\n" + st.Faint.Render(render.Cut("no value of "+strings.Join(e.slices.Columns, ", ")+" has more errors than overall", w)))
		return b.String()
	}
	rows := max(1, h-1)
	first := 0
	if e.sliceRow >= rows {
		first = e.sliceRow - rows + 1
	}
	nameW := 8
	for _, s := range e.slices.Slices {
		nameW = max(nameW, ansi.StringWidth(render.Sanitize(sliceName(s))))
	}
	counts := func(s evalview.Slice) string { return render.Count(s.Errors) + " / " + render.Count(s.N) }
	countW := 0 // as wide as the widest count: a count is never cut
	for _, s := range e.slices.Slices {
		countW = max(countW, len(counts(s)))
	}
	nameW = min(nameW, 28, max(8, w-27-countW))
	for i := first; i < min(len(e.slices.Slices), first+rows); i++ {
		s := e.slices.Slices[i]
		line := render.Fit(render.Sanitize(sliceName(s)), nameW, false) + " " +
			render.Fit(formatPct(s.Rate), 6, true) + " " +
			render.Fit("["+formatPct(s.Low)+"–"+formatPct(s.High)+"]", 15, false) + " " +
			render.Fit(counts(s), countW, true)
		b.WriteString("\n")
		if e.focus == panelSlices && i == e.sliceRow {
			b.WriteString(st.RowCur.wrap(render.Cut(line, w)))
		} else {
			b.WriteString(render.Cut(line, w))
		}
	}
	return b.String()
}

// sliceName is how a slice reads: split = val.
func sliceName(s evalview.Slice) string {
	return s.Column + " = " + strings.Trim(s.Value, `"`)
}

// issuesBlock is what confident learning found: how many labels look
// wrong, and which classes are swapped most.
func (e evalModel) issuesBlock(w int) string {
	r := e.class()
	li := r.LabelIssues
	if li == nil {
		return ""
	}
	st := &e.c.styles
	lines := []string{st.Faint.Render("  label issues · cleanlab " + li.Filter)}
	lines = append(lines, render.Cut(render.Count(int64(li.NumFlagged))+" flagged as suspect · "+
		render.Count(int64(li.NumLabelIssues))+" label issues estimated ("+render.Count(int64(li.NumLabelIssuesCalibrated))+" calibrated)", w))
	if len(li.TopSwaps) > 0 {
		var parts []string
		for _, sw := range li.TopSwaps {
			parts = append(parts, render.Sanitize(sw.Given)+" → "+render.Sanitize(sw.True)+" "+render.Count(sw.Count))
		}
		lines = append(lines, joinFit(append([]string{"most swapped (given → likely true):"}, parts...), "  ", w))
	}
	return strings.Join(lines, "\n")
}

// presetLines lists the presets, those not available here faint.
func (e evalModel) presetLines() []string {
	st := &e.c.styles
	var items []string
	for _, p := range e.presets() {
		text := st.Key.Render(p.binding.Help().Key) + " " + render.Sanitize(p.name)
		if p.query == "" {
			text = st.Faint.Render(p.binding.Help().Key + " " + render.Sanitize(p.name))
		}
		items = append(items, text)
	}
	// Wrap onto as many lines as needed.
	var lines []string
	line := ""
	for _, it := range items {
		next := it
		if line != "" {
			next = line + "  " + it
		}
		if ansi.StringWidth(next) > e.width && line != "" {
			lines = append(lines, line)
			next = it
		}
		line = next
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

// setsTable puts several prediction sets side by side.
func (e evalModel) setsTable() string {
	if len(e.evals) < 2 {
		return ""
	}
	st := &e.c.styles
	nameW := 3
	for _, ev := range e.evals {
		nameW = max(nameW, ansi.StringWidth(render.Sanitize(ev.Name)))
	}
	nameW = min(nameW, 20)
	head := []string{"set", "accuracy", "macro F1", "log loss", "suspects"}
	widths := []int{nameW, 8, 8, 8, 8}
	var b strings.Builder
	for i, hd := range head {
		if i > 0 {
			b.WriteString(" ")
		}
		b.WriteString(st.Header.Render(render.Fit(hd, widths[i], i > 0)))
	}
	for _, ev := range e.evals {
		r := ev.Class
		if r == nil {
			continue
		}
		sus := "—"
		if r.LabelIssues != nil {
			sus = render.Count(int64(r.LabelIssues.NumFlagged))
		}
		cells := []string{render.Sanitize(ev.Name), formatMetric(r.Accuracy), formatMetric(r.MacroAvg.F1), formatMetric(r.LogLoss), sus}
		b.WriteString("\n")
		for i, c := range cells {
			if i > 0 {
				b.WriteString(" ")
			}
			b.WriteString(render.Fit(c, widths[i], i > 0))
		}
	}
	return b.String()
}

// blockWidth is the width of a block's widest line.
func blockWidth(s string) int {
	w := 0
	for _, l := range strings.Split(s, "\n") {
		w = max(w, ansi.StringWidth(l))
	}
	return w
}

// sideBySide puts block b to the right of a, starting at column at.
func sideBySide(a, b string, at int) []string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	n := max(len(al), len(bl))
	out := make([]string, n)
	for i := range n {
		left, right := "", ""
		if i < len(al) {
			left = al[i]
		}
		if i < len(bl) {
			right = bl[i]
		}
		out[i] = render.Fit(left, at, false) + right
	}
	return out
}

// openBoxesMsg asks for the box-level view (detection).
type openBoxesMsg struct{}
