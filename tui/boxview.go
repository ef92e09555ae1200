package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"triage/evalview"
	"triage/render"
)

// The box view (detection): one row per true-positive, false-positive
// and missed box (FiftyOne's evaluation patches), sortable by score or
// IoU; enter opens the sample with that box marked.
//
//	 id      eval  class   score   iou  box
//	 139     fp    person  0.998     —    3
//	 139     tp    person  0.997  0.92    0

type boxView struct {
	c      *common
	boxes  *evalview.Boxes
	order  []int // box indexes in the order shown
	cur    int
	top    int
	col    int // current column
	sortBy string
	desc   bool
	keys   map[int64]string // dataset row -> key, fetched for the rows on show
	want   bool             // a key fetch is in flight
	width  int
	height int
}

var boxHeaders = []string{"key", "eval", "class", "score", "iou", "box"}

func newBoxView(c *common, b *evalview.Boxes) *boxView {
	v := &boxView{c: c, boxes: b, keys: map[int64]string{}, col: 3, sortBy: "score", desc: true}
	v.order = b.Order(v.sortBy, v.desc)
	return v
}

func (v *boxView) SetSize(w, h int) { v.width, v.height = w, h; v.clamp() }

func (v *boxView) page() int { return max(1, v.height-2) }

func (v *boxView) clamp() {
	n := len(v.order)
	v.cur = max(0, min(v.cur, n-1))
	if v.cur < v.top {
		v.top = v.cur
	}
	if v.cur >= v.top+v.page() {
		v.top = v.cur - v.page() + 1
	}
	v.top = max(0, min(v.top, n-v.page()))
}

// keysMsg carries the keys of some dataset rows.
type keysMsg struct {
	keys map[int64]string
	err  error
}

// fetchKeys asks for the keys of the rows on screen not known yet.
func (v *boxView) fetchKeys() tea.Cmd {
	if v.want || v.c.ds().Key == "" {
		return nil
	}
	var rows []int64
	for p := v.top; p < min(len(v.order), v.top+v.page()); p++ {
		r := v.boxes.Row[v.order[p]]
		if _, ok := v.keys[r]; !ok {
			rows = append(rows, r)
		}
	}
	if len(rows) == 0 {
		return nil
	}
	v.want = true
	s, ctx := v.c.sess, v.c.ctx
	return func() tea.Msg {
		keys, err := sampleKeys(ctx, s, rows)
		out := map[int64]string{}
		for i, k := range keys {
			out[rows[i]] = render.Sanitize(strings.Trim(k.String(), `"`))
		}
		return keysMsg{keys: out, err: err}
	}
}

// current is the box on the current row; ok is false when there is none.
func (v *boxView) current() (i int, ok bool) {
	if len(v.order) == 0 {
		return 0, false
	}
	return v.order[v.cur], true
}

// groundTruth is the index in its sample's ground_truth list of box i: a
// missed box's own, a true positive's matched box; -1 for a false
// positive, which has no ground-truth box.
func (v *boxView) groundTruth(i int) int {
	switch v.boxes.Kind[i] {
	case evalview.BoxFN:
		return int(v.boxes.Index[i])
	case evalview.BoxTP:
		return int(v.boxes.Matched[i])
	}
	return -1
}

func (v *boxView) className(i int) string {
	if c := v.boxes.Class[i]; c >= 0 && int(c) < len(v.boxes.Classes) {
		return v.boxes.Classes[c]
	}
	return ""
}

func (v *boxView) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case keysMsg:
		v.want = false
		for r, k := range msg.keys {
			v.keys[r] = k
		}
		if msg.err != nil {
			return notice(firstLine(msg.err.Error()), true)
		}
	case tea.KeyPressMsg:
		k := v.c.keys
		cur := int64(v.cur)
		switch {
		case moveRow(msg, k, &cur, int64(v.page()), int64(len(v.order))):
			v.cur = int(cur)
		case key.Matches(msg, k.Left):
			v.col = max(0, v.col-1)
		case key.Matches(msg, k.Right):
			v.col = min(len(boxHeaders)-1, v.col+1)
		case key.Matches(msg, k.SortAsc, k.SortDesc):
			v.sortBy, v.desc = boxHeaders[v.col], key.Matches(msg, k.SortDesc)
			if v.sortBy != "score" && v.sortBy != "iou" {
				v.sortBy = "row"
			}
			v.order = v.boxes.Order(v.sortBy, v.desc)
			v.cur, v.top = 0, 0
		case key.Matches(msg, k.Open):
			if len(v.order) == 0 {
				return nil
			}
			i := v.order[v.cur]
			ref := boxRef{det: v.boxes.Kind[i] != evalview.BoxFN, index: int(v.boxes.Index[i])}
			row := v.boxes.Row[i]
			return func() tea.Msg { return openDetailMsg{sheet: -1, row: row, box: ref} }
		}
	}
	v.clamp()
	return v.fetchKeys()
}

func (v *boxView) View() string {
	st := &v.c.styles
	b := v.boxes
	var out strings.Builder
	counts := [4]int64{}
	for _, k := range b.Kind {
		counts[k]++
	}
	out.WriteString(st.Title.Render("boxes") + " " + render.Cut(render.Count(int64(b.Len()))+" · "+
		render.Count(counts[evalview.BoxTP])+" tp · "+render.Count(counts[evalview.BoxFP])+" fp · "+render.Count(counts[evalview.BoxFN])+" fn · sorted by "+v.sortBy, v.width-6))
	widths := []int{12, 4, 16, 7, 6, 4}
	out.WriteString("\n ")
	for i, h := range boxHeaders {
		if i > 0 {
			out.WriteString("  ")
		}
		if h == v.sortBy {
			if v.desc {
				h += "↓"
			} else {
				h += "↑"
			}
		}
		text := render.Fit(h, widths[i], i >= 3)
		if i == v.col {
			text = st.HeaderCur.Render(text)
		} else {
			text = st.Header.Render(text)
		}
		out.WriteString(text)
	}
	for p := v.top; p < min(len(v.order), v.top+v.page()); p++ {
		i := v.order[p]
		key, ok := v.keys[b.Row[i]]
		if !ok {
			key = "…"
			if v.c.ds().Key == "" {
				key = formatInt(b.Row[i])
			}
		}
		class := "?"
		if c := v.className(i); c != "" {
			class = render.Sanitize(c)
		}
		cells := []string{key, evalview.BoxKindName(b.Kind[i]), class, formatMetric(b.Score[i]), formatMetric(b.IoU[i]), formatInt(int64(b.Index[i]))}
		var line strings.Builder
		for j, c := range cells {
			if j > 0 {
				line.WriteString("  ")
			}
			line.WriteString(render.Fit(c, widths[j], j >= 3))
		}
		out.WriteString("\n ")
		switch {
		case p == v.cur:
			out.WriteString(st.RowCur.wrap(line.String()))
		case b.Kind[i] != evalview.BoxTP:
			out.WriteString(st.CellBad.wrap(line.String()))
		default:
			out.WriteString(line.String())
		}
	}
	return out.String()
}
