package tui

import (
	"context"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"triage/evalview"
	"triage/evalview/curve"
	"triage/render"
	"triage/render/chart"
)

// The evaluation view's charts, in text (s focuses them):
//
//	▸ s scores · ECE 0.0412                         PR curve · class 8 · AP 0.9140
//	▲ correct n=1357 (max 312)   ▼ wrong n=143 (max 20)   precision vs recall
//	312┤            ▂▂▅▅██▇▇                          1┤⠉⠉⠉⠒⠢⢄
//	   ┼────────────────────────                      ...
//	 20┤          ██                                    0     0.5     1
//	    0         0.5          1                      AP by class ▇▇▆█▅▆▆▇▄▅ 0.86–0.98
//	accuracy by confidence ▁▂▃▅▆█ 0.31–0.98
//
// The scores are the confidences of right and wrong predictions
// (detection: of true- and false-positive boxes); the PR curve is the
// current class's (the confusion row, the per-class cursor; n steps to the
// next). They are computed once the evaluation is done, in a command.

const (
	chartsMin = 8  // lines the charts need to be worth showing
	chartsMax = 20 // lines they take at most when other panels want room
)

// curvesMsg carries the first prediction set's curves, thinned for drawing.
type curvesMsg struct {
	op     int
	curves *evalview.Curves // nil when there are none
	err    error
}

// loadCurves computes the curves in the background; a newer load makes an
// older one's result stale (its op no longer matches).
func (e *evalModel) loadCurves() tea.Cmd {
	ctx, op := e.c.startOp("charts")
	e.curvesOp, e.curves, e.curvesErr, e.curvesDone = op, nil, nil, false
	s := e.c.sess
	return func() tea.Msg { return computeCurves(ctx, s, op) }
}

func computeCurves(ctx context.Context, s *evalview.Session, op int) curvesMsg {
	m := curvesMsg{op: op}
	all, err := s.Curves(ctx)
	if err != nil || len(all) == 0 {
		m.err = err
		return m
	}
	c := all[0]
	// Keep what the charts draw, and PR curves only as fine as a screen
	// can show: a million-row curve a class would otherwise stay in memory.
	// The scores come sorted, so the histogram finds its bins by binary
	// search at every size.
	thin := evalview.Curves{Name: c.Name, Classes: c.Classes, AP: c.AP, Correct: c.Correct, Wrong: c.Wrong, Calibration: c.Calibration, ECE: c.ECE}
	for _, pr := range c.PR {
		thin.PR = append(thin.PR, thinPR(pr, 4096))
	}
	m.curves = &thin
	return m
}

// thinPR drops the points of a curve that move less than 1/grid in both
// recall and precision from the last point kept: drawn on fewer than grid
// dots, the curve looks the same. The first and last points, and NaN
// points (which break the line), are kept. Thresholds are dropped.
func thinPR(pr curve.PR, grid float64) curve.PR {
	n := min(len(pr.Recall), len(pr.Precision))
	out := curve.PR{}
	lastX, lastY := math.NaN(), math.NaN()
	for i := range n {
		x, y := pr.Recall[i], pr.Precision[i]
		keep := i == 0 || i == n-1 || math.IsNaN(x) || math.IsNaN(y) || math.IsNaN(lastX) || math.IsNaN(lastY) ||
			math.Abs(x-lastX)*grid >= 1 || math.Abs(y-lastY)*grid >= 1
		if keep {
			out.Recall, out.Precision = append(out.Recall, x), append(out.Precision, y)
			lastX, lastY = x, y
		}
	}
	return out
}

// takeCurves takes a curves result, unless a newer load superseded it.
func (e *evalModel) takeCurves(msg curvesMsg) bool {
	if msg.op != e.curvesOp {
		return false
	}
	e.curves, e.curvesErr, e.curvesDone = msg.curves, msg.err, true
	return true
}

// boxScores splits the scores of true- and false-positive boxes
// (detection's correct and wrong predictions), sorted.
func boxScores(b *evalview.Boxes) (tp, fp []float64) {
	if b == nil {
		return nil, nil
	}
	for i, k := range b.Kind {
		switch k {
		case evalview.BoxTP:
			tp = append(tp, b.Score[i])
		case evalview.BoxFP:
			fp = append(fp, b.Score[i])
		}
	}
	slices.Sort(tp)
	slices.Sort(fp)
	return tp, fp
}

// chartCache remembers drawn charts: binning ten million scores on every
// frame would make keys lag. Entries are keyed by everything a chart
// depends on, so a hit is what drawing again would give.
type chartCache struct {
	mu      sync.Mutex
	entries map[chartKey]string
}

type chartKey struct {
	what          string
	op, class     int // the load the data came from; the PR curve's class
	width, height int
}

func (c *chartCache) get(k chartKey, draw func() string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.entries[k]; ok {
		return s
	}
	if c.entries == nil || len(c.entries) > 32 {
		c.entries = map[chartKey]string{}
	}
	s := draw()
	c.entries[k] = s
	return s
}

// chartsHeight is how many lines the charts get out of room, under
// panels that would like need lines (and a blank line between); 0 means
// no charts. The panels keep at least five lines, and scroll.
func (e evalModel) chartsHeight(room, need int) int {
	switch left := room - need - 1; {
	case left >= chartsMin:
		return min(left, chartsMax)
	case room-1-5 >= chartsMin: // the others scroll in five lines
		return min(room-1-5, chartsMax)
	}
	return 0
}

// slicesNeed is how many lines "where it fails" and the label issues
// would like: all of them, up to twelve.
func (e evalModel) slicesNeed(w int) int {
	n := strings.Count(e.slicesBlock(w, 1<<20), "\n") + 1
	if e.class() != nil {
		if is := e.issuesBlock(w); is != "" {
			n += 1 + strings.Count(is, "\n") + 1
		}
	}
	return min(n, 12)
}

// appendCharts adds the charts, h lines, under lines, after a blank line
// when they share the screen with other panels.
func (e evalModel) appendCharts(lines []string, h int, blank bool) []string {
	if h <= 0 {
		return lines
	}
	if blank {
		lines = append(lines, "")
	}
	return append(lines, strings.Split(e.chartsBlock(e.width, h), "\n")...)
}

// chartsBlock is the scores panel and the PR panel, side by side when
// they fit, else one above the other, in w × h.
func (e evalModel) chartsBlock(w, h int) string {
	st := &e.c.styles
	title := e.panelTitle(panelCharts, e.c.keys.Charts, "scores")
	switch {
	case !e.curvesDone:
		return title + "\n" + st.Faint.Render(render.Cut("computing the score histogram and the PR curves …", w))
	case e.curvesErr != nil:
		msg := "charts: " + firstLine(e.curvesErr.Error())
		if isCancel(e.curvesErr) {
			msg = "charts cancelled (ctrl+c)"
		}
		return title + "\n" + st.Error.Render(render.Cut(render.Sanitize(msg), w))
	}
	const gap = 3
	if c := e.curves; c != nil && len(c.PR) == 0 {
		return e.scoresBlock(w, h) // no probs, no PR curves
	}
	if w >= 2*36+gap {
		// The PR curve about square (a cell is two dots across, four
		// down, and twice as tall as wide); the histogram takes the rest.
		prW := min((w-gap)/2, max(36, 2*(h-5)+8))
		left := e.scoresBlock(w-prW-gap, h)
		at := min(w-prW, blockWidth(left)+gap) // the PR curve close to the bars
		return strings.Join(sideBySide(left, e.prBlock(prW, h), at), "\n")
	}
	if h >= 2*chartsMin+1 {
		top := (h - 1) / 2
		return e.scoresBlock(w, top) + "\n\n" + e.prBlock(w, h-top-1)
	}
	return e.scoresBlock(w, h)
}

// scoresBlock: the histogram of correct scores above the axis and wrong
// ones below, with the calibration error and accuracy by confidence.
func (e evalModel) scoresBlock(w, h int) string {
	st := &e.c.styles
	k := e.c.keys
	c := e.curves
	up, down := chart.Series{Name: "correct", Sorted: true}, chart.Series{Name: "wrong", Sorted: true}
	text := "scores"
	if c != nil {
		up.Values, down.Values = c.Correct, c.Wrong
		if len(e.evals) > 1 {
			text += " of " + render.Sanitize(c.Name)
		}
		if len(c.Calibration) > 0 {
			text += " · ECE " + formatMetric(c.ECE)
		}
		if len(c.PR) == 0 {
			text += " · no PR curves without probs"
		}
	}
	if d := e.det(); d != nil {
		up, down = chart.Series{Name: "tp", Values: e.tpScores, Sorted: true}, chart.Series{Name: "fp", Values: e.fpScores, Sorted: true}
		text = "box scores at IoU " + trimFloat(d.IoU)
		if e.boxes == nil {
			text += " · reading boxes …"
		}
	}
	lines := []string{e.panelTitle(panelCharts, k.Charts, text)}
	if len(up.Values)+len(down.Values) == 0 {
		if e.det() == nil || e.boxes != nil {
			lines = append(lines, st.Faint.Render(render.Cut("no scores: needs a score or probs column", w)))
		}
		return strings.Join(lines, "\n")
	}
	spark := e.calibrationLine(w)
	ch := h - 1
	if spark != "" && ch > 6 {
		ch--
	} else {
		spark = ""
	}
	key := chartKey{what: "hist", op: e.curvesOp, width: w, height: ch}
	if e.det() != nil {
		key = chartKey{what: "box hist", op: e.boxesGen, width: w, height: ch}
	}
	hist := e.cache.get(key, func() string {
		lo, hi := scoreRange(up.Values, down.Values)
		return chart.Histogram(up, down, lo, hi, w, ch)
	})
	if hist != "" {
		lines = append(lines, strings.Split(hist, "\n")...)
	}
	if spark != "" {
		lines = append(lines, spark)
	}
	return strings.Join(lines, "\n")
}

// scoreRange is [0, 1] for confidences, else lo >= hi: the data's range.
// The scores are sorted (NaN first): their ends tell.
func scoreRange(a, b []float64) (lo, hi float64) {
	for _, vs := range [][]float64{a, b} {
		i := sort.Search(len(vs), func(i int) bool { return !math.IsNaN(vs[i]) })
		if i < len(vs) && (vs[i] < 0 || vs[len(vs)-1] > 1) {
			return 0, 0
		}
	}
	return 0, 1
}

// calibrationLine is the accuracy of each confidence bin as a sparkline,
// with its range: "" without calibration bins.
func (e evalModel) calibrationLine(w int) string {
	c := e.curves
	if c == nil || len(c.Calibration) == 0 || e.det() != nil {
		return ""
	}
	acc := make([]float64, len(c.Calibration))
	for i, b := range c.Calibration {
		acc[i] = b.Accuracy
	}
	lo, hi := rangeOf(acc)
	line := "accuracy by score " + chart.Sparkline(acc, len(acc)) + " " + formatShort(lo) + "–" + formatShort(hi)
	if ansi.StringWidth(line) > w {
		return ""
	}
	return e.c.styles.Faint.Render(line)
}

// prBlock: the current class's precision–recall curve with its AP, and
// every class's AP as a sparkline.
func (e evalModel) prBlock(w, h int) string {
	st := &e.c.styles
	c := e.curves
	class := e.currentClass()
	if c == nil || class >= len(c.Classes) {
		return ""
	}
	ap := "AP"
	if e.det() != nil {
		ap = "AP50" // COCO's curve at IoU 0.5
	}
	head := "PR curve of " + render.Sanitize(c.Classes[class])
	if class < len(c.AP) {
		head += " · " + ap + " " + formatMetric(c.AP[class])
	}
	title := st.Faint.Render(render.Cut(head, w))
	if e.focus == panelCharts {
		if hint := head + " · ↑↓ class"; ansi.StringWidth(hint) <= w {
			head = hint
		}
		title = st.Title.Render(render.Cut(head, w))
	}
	lines := []string{title}
	if class >= len(c.PR) || len(c.PR[class].Recall) == 0 {
		return strings.Join(append(lines, st.Faint.Render(render.Cut("no PR curve for this class", w))), "\n")
	}
	apLine := e.apLine(w)
	ch := h - 1
	if apLine != "" && ch > 6 {
		ch--
	} else {
		apLine = ""
	}
	pr := e.cache.get(chartKey{what: "pr", op: e.curvesOp, class: class, width: w, height: ch}, func() string {
		return chart.PRCurve(c.PR[class], w, ch)
	})
	if pr != "" {
		lines = append(lines, strings.Split(pr, "\n")...)
	}
	if apLine != "" {
		lines = append(lines, apLine)
	}
	return strings.Join(lines, "\n")
}

// apLine is every class's AP as a sparkline, when one character a class
// fits.
func (e evalModel) apLine(w int) string {
	c := e.curves
	if len(c.AP) < 2 {
		return ""
	}
	lo, hi := rangeOf(c.AP)
	ap := "AP"
	if e.det() != nil {
		ap = "AP50"
	}
	line := ap + " by class " + chart.Sparkline(c.AP, len(c.AP)) + " " + formatShort(lo) + "–" + formatShort(hi)
	if ansi.StringWidth(line) > w {
		return ""
	}
	return e.c.styles.Faint.Render(line)
}

// rangeOf is the smallest and largest finite value (NaN, NaN when none).
func rangeOf(xs []float64) (lo, hi float64) {
	lo, hi = math.NaN(), math.NaN()
	for _, x := range xs {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			continue
		}
		if math.IsNaN(lo) || x < lo {
			lo = x
		}
		if math.IsNaN(hi) || x > hi {
			hi = x
		}
	}
	return lo, hi
}

// formatShort prints a value in [0, 1] with two decimals.
func formatShort(v float64) string {
	if math.IsNaN(v) {
		return "—"
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}
