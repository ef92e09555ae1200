package tui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"

	"triage/dataset"
	"triage/evalview"
	"triage/evalview/detect"
	"triage/render"
)

// The evaluation view of a detection dataset: COCO's headline numbers,
// per class AP with its true-positive, false-positive and missed box
// counts, where it fails, and the presets; b opens every box.

type detectReport = detect.Report

// boxesMsg carries every evaluated box.
type boxesMsg struct {
	boxes  *evalview.Boxes
	tp, fp []float64 // the scores of true- and false-positive boxes
	err    error
}

func (e evalModel) detHeadline() string {
	st := &e.c.styles
	d := e.det()
	metric := func(name string, v float64) string {
		return name + " " + st.Metric.Render(formatMetric(v))
	}
	ap := []string{metric("AP", d.Stats.AP), metric("AP50", d.Stats.AP50), metric("AP75", d.Stats.AP75), metric("AR100", d.Stats.AR100)}
	boxes := []string{
		"at IoU " + trimFloat(d.IoU) + ": " + st.Metric.Render(render.Count(d.TP)) + " tp",
		st.Metric.Render(render.Count(d.FP)) + " fp",
		st.Metric.Render(render.Count(d.FN)) + " fn",
	}
	all := append(append([]string(nil), ap...), boxes...)
	if one := joinFit(all, " · ", e.width); one == strings.Join(all, " · ") {
		return one
	}
	// Two lines when one does not hold them.
	return joinFit(ap, " · ", e.width) + "\n" + joinFit(boxes, " · ", e.width)
}

func trimFloat(v float64) string {
	s := formatMetric(v)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// detView lays out the detection panels: per class, then where it fails.
func (e evalModel) detView() string {
	w, h := e.width, e.height
	lines := strings.Split(e.detHeadline(), "\n")
	presets := e.presetLines()
	room := h - len(lines) - len(presets)
	if room < 3 {
		return strings.Join(append(lines, presets...), "\n")
	}
	var top []string
	if e.focus != panelSlices || room >= 12 {
		classRoom := room
		if room >= 12 {
			classRoom = room * 2 / 3
		}
		top = strings.Split(e.detClassesBlock(w, classRoom), "\n")
	}
	left := room - len(top) - 1
	chartsH := e.chartsHeight(left, e.slicesNeed(w))
	switch {
	case e.focus == panelCharts && chartsH == 0:
		top, chartsH, left = nil, room, 0 // the charts take the room
	case chartsH > 0:
		left -= chartsH + 1
	}
	lines = append(lines, top...)
	if left >= 2 {
		if len(top) > 0 {
			lines = append(lines, "")
		}
		lines = append(lines, strings.Split(e.slicesBlock(w, left), "\n")...)
	}
	lines = e.appendCharts(lines, chartsH, len(top) > 0 || left >= 2)
	for len(lines) < h-len(presets) {
		lines = append(lines, "")
	}
	return strings.Join(append(lines, presets...), "\n")
}

var detClassHeaders = []string{"class", "AP", "AP50", "gt", "tp", "fp", "fn"}

// detClassesBlock is the per-class table of a detection dataset.
func (e evalModel) detClassesBlock(w, h int) string {
	st := &e.c.styles
	d := e.det()
	nameW := 5
	for _, c := range d.PerClass {
		nameW = max(nameW, ansi.StringWidth(render.Sanitize(c.Name)))
	}
	nameW = min(nameW, 16)
	widths := []int{nameW, 6, 6, 7, 7, 7, 7}
	var b strings.Builder
	title := "per class"
	if e.boxes == nil {
		title += " · counting boxes …"
	}
	b.WriteString(e.panelTitle(panelClasses, e.c.keys.PerClass, title))
	b.WriteString("\n")
	for i, hd := range detClassHeaders {
		if i > 0 {
			b.WriteString(" ")
		}
		b.WriteString(st.Header.Render(render.Fit(hd, widths[i], i > 0)))
	}
	var counts []evalview.BoxCounts
	if e.boxes != nil {
		counts = e.boxes.PerClass()
	}
	rows := max(1, h-2)
	first := 0
	if e.classPos >= rows {
		first = e.classPos - rows + 1
	}
	for i := first; i < min(len(d.PerClass), first+rows); i++ {
		m := d.PerClass[i]
		cells := []string{render.Sanitize(m.Name), formatMetric(m.AP), formatMetric(m.AP50), render.Count(m.GT), "", "", ""}
		if i < len(counts) {
			cells[4], cells[5], cells[6] = render.Count(counts[i].TP), render.Count(counts[i].FP), render.Count(counts[i].FN)
		}
		e.writeClassRow(&b, cells, widths, i == e.classPos)
	}
	return b.String()
}

// detClassQuery selects the samples with a false positive or a missed
// box of one class.
func (e evalModel) detClassQuery(name string) string {
	lit := quoteString(name)
	det, gt := e.c.role(dataset.RoleDetections), e.c.role(dataset.RoleGroundTruth)
	var parts []string
	if det != "" {
		parts = append(parts, "len("+quoteName(det)+"[label == "+lit+` and eval == "fp"]) > 0`)
	}
	if gt != "" {
		parts = append(parts, "len("+quoteName(gt)+"[label == "+lit+` and eval == "fn"]) > 0`)
	}
	return strings.Join(parts, " or ")
}
