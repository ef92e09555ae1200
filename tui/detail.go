package tui

import (
	"bytes"
	"context"
	"math"
	"slices"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/charmbracelet/x/ansi"

	"triage/dataset"
	"triage/evalview"
	"triage/render"
	"triage/render/picture"
	"triage/render/termimg"
)

// The detail view: one sample, every field.
//
//	id 1317 · label 9 · pred 1 ✗ · score 0.310584
//	image   png 8×8, 126 bytes
//	probs   1  ████████████▌         0.3106
//	        9  ██████████            0.2500
//	fields  split         train
//	        embedding     [64 × f32] 0 0 0.3125 0.8125 …
//	boxes   detections: # eval label score iou bbox …
//
// ←/→ step through the sheet it was opened from; ↑/↓ scroll.

type detailModel struct {
	c      *common
	width  int
	height int

	sheet  *sheet // where it was opened from; nil from the box view
	pos    int64  // position in the sheet
	row    int64  // dataset row
	mark   boxRef // a box to highlight (from the box view)
	seq    int
	data   *detailData
	err    error
	scroll int

	pic    *termimg.Picture // the image, drawn; nil until it is
	picErr error
	picID  uint64    // the Placer's id of a sixel or iTerm2 picture
	placed placement // where the view marks that picture (see Model.place)

	prefetching    bool // render the neighbours' pictures ahead (see prefetch)
	cancelPrefetch context.CancelFunc
}

// boxRef names one box of a sample: a detection or a ground-truth box.
type boxRef struct {
	det   bool
	index int // -1: none
}

// detailData is one sample's fields, extracted in a command.
type detailData struct {
	seq    int
	row    int64
	fields []detailField
	key    string // the key's query literal
	label  string
	pred   string
	score  string
	probs  []float64 // class probabilities, nil without
	image  string    // what the image slot shows
	src    imageSource
	boxes  []picture.Box // the ground truth and detections, for the picture
	refs   []boxRef      // which list and index each box is
}

type detailField struct {
	name  string
	value string     // the value, or its summary
	items []string   // a list's elements, formatted
	boxes [][]string // a list of boxes: a header, then one row per box
	isDet bool       // boxes of the detections column
}

// detailMsg carries the data of a sample.
type detailMsg struct {
	data *detailData
	err  error
}

func newDetail(c *common, sh *sheet, pos, row int64) *detailModel {
	return &detailModel{c: c, sheet: sh, pos: pos, row: row, mark: boxRef{index: -1}, prefetching: true}
}

func (d *detailModel) SetSize(w, h int) { d.width, d.height = w, h }

// load fetches the sample's fields.
func (d *detailModel) load() tea.Cmd {
	d.seq++
	seq, row := d.seq, d.row
	s, ctx, full := d.c.sess, d.c.ctx, d.c.fetchKinds().derived
	return func() tea.Msg {
		data, err := fetchDetail(ctx, s, row, full)
		if data != nil {
			data.seq = seq
		}
		return detailMsg{data: data, err: err}
	}
}

func (d *detailModel) take(msg detailMsg) bool {
	if msg.data != nil && msg.data.seq != d.seq {
		return false
	}
	d.data, d.err = msg.data, msg.err
	d.pic, d.picErr, d.picID = nil, nil, 0
	d.showMark()
	return true
}

// showMark scrolls to the marked box, when one is.
func (d *detailModel) showMark() {
	if d.data == nil || d.mark.index < 0 {
		return
	}
	for i, l := range d.lines() {
		if strings.Contains(l, "▶ ") {
			d.scroll = max(0, i-d.height/2)
			return
		}
	}
}

// pictureArea is the cell box the picture may take.
func (d *detailModel) pictureArea() (cols, rows int) {
	return max(8, min(d.width/2, 64)), max(4, min(d.height/2, 16))
}

// loadPicture asks for the sample's picture at the size the view allows.
func (d *detailModel) loadPicture(ps *pictureState) tea.Cmd {
	if d.data == nil || d.data.src.empty() {
		return nil
	}
	boxes := slices.Clone(d.data.boxes)
	variant := ""
	for i, r := range d.data.refs {
		if r == d.mark {
			boxes[i].Highlight = true
			variant = strconv.FormatBool(r.det) + strconv.Itoa(r.index)
		}
	}
	cols, rows := d.pictureArea()
	return tea.Batch(ps.renderPicture(d.seq, strconv.FormatInt(d.row, 10), d.data.src, boxes, variant, cols, rows), d.prefetch(ps))
}

// takePicture keeps a rendered picture if it is this sample's.
func (d *detailModel) takePicture(msg pictureMsg) bool {
	if msg.seq != d.seq {
		return false
	}
	if msg.err != nil {
		d.picErr = msg.err
		return false
	}
	d.pic, d.picID = &msg.pic, msg.placeID
	d.showMark()
	return true
}

// query is the query that selects this sample.
func (d *detailModel) query() string {
	if d.data == nil || d.data.key == "" {
		return ""
	}
	return quoteName(d.c.ds().Key) + " == " + d.data.key
}

// Update handles keys in the detail view.
func (d detailModel) Update(msg tea.Msg) (detailModel, tea.Cmd) {
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return d, nil
	}
	k := d.c.keys
	last := 0
	if d.data != nil {
		last = max(0, len(d.lines())-d.height)
	}
	switch {
	case key.Matches(km, k.Up):
		d.scroll--
	case key.Matches(km, k.Down):
		d.scroll++
	case key.Matches(km, k.PageDown, k.HalfDown):
		d.scroll += max(1, d.height/2)
	case key.Matches(km, k.PageUp, k.HalfUp):
		d.scroll -= max(1, d.height/2)
	case key.Matches(km, k.Top):
		d.scroll = 0
	case key.Matches(km, k.Bottom):
		d.scroll = last
	case key.Matches(km, k.Left, k.Right):
		if d.sheet == nil || !d.sheet.ready() {
			return d, nil
		}
		step := int64(1)
		if key.Matches(km, k.Left) {
			step = -1
		}
		next := d.pos + step
		if next < 0 || next >= d.sheet.len() {
			return d, nil
		}
		d.pos, d.row = next, d.sheet.sel.Row(next)
		d.sheet.cur = next
		d.scroll = 0
		return d, d.load()
	}
	d.scroll = max(0, min(d.scroll, last))
	return d, nil
}

// View draws the sample.
func (d detailModel) View() string {
	st := &d.c.styles
	w := d.width
	switch {
	case d.err != nil:
		return st.Error.Render(render.Cut(render.Sanitize(firstLine(d.err.Error())), w))
	case d.data == nil:
		return st.Faint.Render("reading row " + render.Count(d.row) + " …")
	}
	lines := d.lines()
	from := max(0, min(d.scroll, len(lines)-d.height))
	return strings.Join(lines[from:min(len(lines), from+d.height)], "\n")
}

// pictureSpot is the top-left cell of a sixel or iTerm2 picture in the
// view, when the whole picture is on screen.
func (d detailModel) pictureSpot() (col, row int, ok bool) {
	if d.err != nil || d.data == nil || d.pic == nil || d.picID == 0 {
		return 0, 0, false
	}
	lines, top := d.layout()
	from := max(0, min(d.scroll, len(lines)-d.height))
	if top < from || top+d.pic.Rows > from+d.height {
		return 0, 0, false
	}
	return 0, top - from, true
}

// lines lays the sample out, one string per screen line.
func (d detailModel) lines() []string {
	lines, _ := d.layout()
	return lines
}

// layout lays the sample out, one string per screen line, and says on
// which line the picture starts.
func (d detailModel) layout() (out []string, picTop int) {
	st := &d.c.styles
	data := d.data
	w := d.width
	// The headline: key, label against prediction.
	head := []string{}
	if k := d.c.ds().Key; k != "" {
		head = append(head, render.Sanitize(k)+" "+st.Metric.Render(render.Sanitize(strings.Trim(data.key, `"`))))
	} else {
		head = append(head, "row "+st.Metric.Render(render.Count(data.row)))
	}
	if data.label != "" {
		head = append(head, "label "+st.Metric.Render(data.label))
	}
	if data.pred != "" {
		verdict := st.Good.Render("✓")
		if data.label != data.pred {
			verdict = st.Bad.Render("✗")
		}
		head = append(head, "pred "+st.Metric.Render(data.pred)+" "+verdict)
	}
	if data.score != "" {
		head = append(head, "score "+data.score)
	}
	if d.sheet != nil && d.sheet.ready() {
		head = append(head, st.Faint.Render(render.Count(d.pos+1)+" of "+render.Count(d.sheet.len())))
	}
	out = append(out, joinFit(head, " · ", w))
	if data.image != "" {
		what := data.image
		switch {
		case d.picErr != nil:
			what += " · " + firstLine(d.picErr.Error())
		case d.pic != nil:
			what += " · " + protocolName(d.pic.Protocol)
		}
		out = append(out, label("image", st)+render.Cut(render.Sanitize(what), w-10))
	}
	picTop = len(out)
	if d.pic == nil {
		return append(out, d.bodyLines(w)...), picTop
	}
	text := d.pic.Text
	if p := d.placed; p.id != 0 && p.id == d.picID {
		text = termimg.MarkedBlank(p.id, p.col, p.row, d.pic.Cols, d.pic.Rows)
	}
	if bw := w - d.pic.Cols - 2; bw >= 40 {
		// The picture on the left, the fields beside it.
		return append(out, sideBySide(text, strings.Join(d.bodyLines(bw), "\n"), d.pic.Cols+2)...), picTop
	}
	return append(append(out, strings.Split(text, "\n")...), d.bodyLines(w)...), picTop
}

// bodyLines are the probabilities, the fields and the boxes in w columns.
func (d detailModel) bodyLines(w int) []string {
	st := &d.c.styles
	data := d.data
	var out []string
	if len(data.probs) > 0 {
		out = append(out, d.probLines(w)...)
	}
	out = append(out, "")
	nameW := 8
	for _, f := range data.fields {
		nameW = max(nameW, ansi.StringWidth(f.name))
	}
	nameW = min(nameW, 28)
	for _, f := range data.fields {
		if f.boxes != nil {
			continue
		}
		val := f.value
		if len(f.items) > 0 {
			val += " " + strings.Join(f.items, " ")
		}
		out = append(out, st.Header.Render(render.Fit(f.name, nameW, false))+"  "+render.Cut(val, max(1, w-nameW-2)))
	}
	for _, f := range data.fields {
		if f.boxes == nil {
			continue
		}
		out = append(out, "", st.Title.Render(render.Cut(f.name+" "+f.value, w)))
		out = append(out, d.boxLines(f, w)...)
	}
	return out
}

func label(name string, st *Styles) string {
	return st.Title.Render(render.Fit(name, 8, false)) + "  "
}

// probLines shows the five most probable classes as bars.
func (d detailModel) probLines(w int) []string {
	st := &d.c.styles
	data := d.data
	classes := d.c.ds().Classes
	idx := make([]int, len(data.probs))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		pa, pb := data.probs[a], data.probs[b]
		switch {
		case pa > pb || !math.IsNaN(pa) && math.IsNaN(pb):
			return -1
		case pa < pb || math.IsNaN(pa) && !math.IsNaN(pb):
			return 1
		}
		return 0
	})
	nameW := 1
	for _, i := range idx[:min(5, len(idx))] {
		nameW = max(nameW, ansi.StringWidth(className(classes, i)))
	}
	nameW = min(nameW, 16)
	barW := max(5, min(30, w-nameW-22))
	var out []string
	for n, i := range idx[:min(5, len(idx))] {
		name := className(classes, i)
		p := data.probs[i]
		bar := render.Bar(p, barW)
		if name == data.label {
			bar = st.Good.Render(bar)
		} else if name == data.pred {
			bar = st.Bad.Render(bar)
		}
		prefix := render.Fit("", 10, false)
		if n == 0 {
			prefix = label("probs", st)
		}
		mark := ""
		switch {
		case name == data.label && name == data.pred:
			mark = " label, pred"
		case name == data.label:
			mark = " label"
		case name == data.pred:
			mark = " pred"
		}
		out = append(out, prefix+render.Fit(name, nameW, false)+" "+bar+" "+formatMetric(p)+st.Faint.Render(mark))
	}
	return out
}

func className(classes []string, i int) string {
	if i < len(classes) {
		return render.Sanitize(classes[i])
	}
	return strconv.Itoa(i)
}

// boxLines is a boxes field as a table, the highlighted box marked.
func (d detailModel) boxLines(f detailField, w int) []string {
	st := &d.c.styles
	if len(f.boxes) == 0 {
		return nil
	}
	widths := make([]int, len(f.boxes[0]))
	for _, r := range f.boxes {
		for i, c := range r {
			widths[i] = max(widths[i], min(ansi.StringWidth(c), 30))
		}
	}
	var out []string
	for j, r := range f.boxes {
		var b strings.Builder
		marker := "  "
		if j > 0 && d.mark.index == j-1 && d.mark.det == f.isDet {
			marker = "▶ "
		}
		b.WriteString(marker)
		for i, c := range r {
			if i > 0 {
				b.WriteString("  ")
			}
			b.WriteString(render.Fit(c, widths[i], i == 0))
		}
		line := render.Cut(b.String(), w)
		switch {
		case j == 0:
			line = st.Header.Render(line)
		case marker != "  ":
			line = st.RowCur.wrap(line)
		case isBad("correct", boxEval(r, f.boxes[0])):
			line = st.CellBad.wrap(line)
		}
		out = append(out, line)
	}
	return out
}

// boxEval is "false" for a box whose eval is fp or fn, so that isBad
// colours it.
func boxEval(row, header []string) string {
	if i := slices.Index(header, "eval"); i >= 0 && i < len(row) && (row[i] == "fp" || row[i] == "fn") {
		return "false"
	}
	return ""
}

// fetchDetail reads one row, every column, and extracts what the view
// shows.
func fetchDetail(ctx context.Context, s *evalview.Session, row int64, full bool) (*detailData, error) {
	var names []string
	for _, f := range s.Schema().Fields() {
		if !full && s.IsDerived(f.Name) {
			continue
		}
		if !slices.Contains(names, f.Name) {
			names = append(names, f.Name)
		}
	}
	w, err := s.Rows(ctx, evalview.SelectRows([]int64{row}), 0, 1, names)
	if err != nil {
		return nil, err
	}
	defer w.Release()
	ds := s.Dataset()
	r := ds.Roles
	data := &detailData{row: row}
	for i, name := range names {
		col := w.Cols[i]
		if col.Len() == 0 {
			continue
		}
		classes := s.ClassesFor(name)
		switch name {
		case ds.Key:
			data.key = keyLiteral(col)
		case r[dataset.RoleLabel]:
			data.label = render.Value(col, 0, classes)
		case r[dataset.RolePred]:
			data.pred = render.Value(col, 0, classes)
		case r[dataset.RoleScore]:
			data.score = render.Value(col, 0, nil)
		case r[dataset.RoleProbs]:
			data.probs = floats(col)
		case r[dataset.RoleImage]:
			data.image = imageText(col)
			data.src = imageOf(col, ds.Path)
		case r[dataset.RoleFilepath]:
			if data.src.empty() && col.IsValid(0) {
				data.image = "file " + render.Sanitize(col.ValueStr(0))
				data.src = imageSource{path: resolvePath(ds.Path, col.ValueStr(0))}
			}
		case r[dataset.RoleGroundTruth], r[dataset.RoleDetections]:
			isDet := name == r[dataset.RoleDetections]
			for i, b := range boxesOf(col, isDet) {
				data.boxes = append(data.boxes, b)
				data.refs = append(data.refs, boxRef{det: isDet, index: i})
			}
		}
		data.fields = append(data.fields, detailFieldOf(name, col, classes, name == r[dataset.RoleDetections]))
	}
	return data, nil
}

// keyLiteral writes a key value as a query literal.
func keyLiteral(col arrow.Array) string {
	if col.IsNull(0) {
		return "null"
	}
	switch a := col.(type) {
	case *array.String:
		return quoteString(a.Value(0))
	case *array.LargeString:
		return quoteString(a.Value(0))
	}
	return col.ValueStr(0)
}

// imageText describes an image cell: its format, size and bytes.
func imageText(col arrow.Array) string {
	st, ok := col.(*array.Struct)
	if !ok {
		return render.Summary(col, 0, nil)
	}
	s, ok := render.ImageSummary(st, 0)
	if !ok {
		return render.Summary(col, 0, nil)
	}
	t := st.DataType().(*arrow.StructType)
	if i, ok := t.FieldIdx("bytes"); ok {
		if b, ok := st.Field(i).(*array.Binary); ok && b.IsValid(0) {
			s += ", " + render.Count(int64(len(b.Value(0)))) + " bytes"
		}
	}
	return s
}

// floats reads a list of numbers (row 0) as float64s.
func floats(col arrow.Array) []float64 {
	l, ok := col.(*array.List)
	if !ok || l.IsNull(0) {
		return nil
	}
	start, end := l.ValueOffsets(0)
	var out []float64
	switch v := l.ListValues().(type) {
	case *array.Float32:
		for i := start; i < end; i++ {
			out = append(out, float64(v.Value(int(i))))
		}
	case *array.Float64:
		for i := start; i < end; i++ {
			out = append(out, v.Value(int(i)))
		}
	}
	return out
}

// maxItems is how many list elements the detail view prints.
const maxItems = 64

// detailFieldOf formats one field of row 0.
func detailFieldOf(name string, col arrow.Array, classes []string, isDet bool) detailField {
	f := detailField{name: render.Sanitize(name), value: render.Summary(col, 0, classes), isDet: isDet}
	l, ok := col.(*array.List)
	if !ok || l.IsNull(0) {
		return f
	}
	start, end := l.ValueOffsets(0)
	if st, ok := l.ListValues().(*array.Struct); ok {
		f.boxes = structRows(st, int(start), int(end))
		return f
	}
	for i := start; i < min(end, start+maxItems); i++ {
		f.items = append(f.items, render.Value(l.ListValues(), int(i), nil))
	}
	if end-start > maxItems {
		f.items = append(f.items, "…")
	}
	return f
}

// structRows is a list of structs as a table: a header (# and the field
// names), then one row per element.
func structRows(st *array.Struct, start, end int) [][]string {
	t := st.DataType().(*arrow.StructType)
	header := []string{"#"}
	for _, f := range t.Fields() {
		header = append(header, render.Sanitize(f.Name))
	}
	rows := [][]string{header}
	for i := start; i < end; i++ {
		row := []string{strconv.Itoa(i - start)}
		for j := range t.NumFields() {
			row = append(row, boxCell(st.Field(j), i))
		}
		rows = append(rows, row)
	}
	return rows
}

// boxCell formats one field of a box; a bbox prints its four numbers.
func boxCell(a arrow.Array, i int) string {
	if l, ok := a.(*array.List); ok && l.IsValid(i) {
		start, end := l.ValueOffsets(i)
		var parts []string
		for j := start; j < end; j++ {
			parts = append(parts, render.Value(l.ListValues(), int(j), nil))
		}
		return "[" + strings.Join(parts, " ") + "]"
	}
	return render.Summary(a, i, nil)
}

// imageOf is where row 0's image is: the bytes of an image struct (copied:
// the window is released), or the file its path names.
func imageOf(col arrow.Array, dataset string) imageSource {
	st, ok := col.(*array.Struct)
	if !ok || st.IsNull(0) {
		return imageSource{}
	}
	t := st.DataType().(*arrow.StructType)
	if i, ok := t.FieldIdx("bytes"); ok {
		if b, ok := st.Field(i).(*array.Binary); ok && b.IsValid(0) && len(b.Value(0)) > 0 {
			return imageSource{data: bytes.Clone(b.Value(0))}
		}
	}
	if i, ok := t.FieldIdx("path"); ok {
		if p, ok := st.Field(i).(*array.String); ok && p.IsValid(0) && p.Value(0) != "" {
			return imageSource{path: resolvePath(dataset, p.Value(0))}
		}
	}
	return imageSource{}
}

// boxesOf reads row 0's boxes (SPEC §2.2) for drawing: bbox, label,
// score, eval. A box without four finite numbers is skipped, but keeps
// its place in the count so that indexes match the list.
func boxesOf(col arrow.Array, isDet bool) []picture.Box {
	l, ok := col.(*array.List)
	if !ok || l.IsNull(0) {
		return nil
	}
	st, ok := l.ListValues().(*array.Struct)
	if !ok {
		return nil
	}
	t := st.DataType().(*arrow.StructType)
	field := func(name string) arrow.Array {
		if i, ok := t.FieldIdx(name); ok {
			return st.Field(i)
		}
		return nil
	}
	bbox, _ := field("bbox").(*array.List)
	if bbox == nil {
		return nil
	}
	start, end := l.ValueOffsets(0)
	out := make([]picture.Box, 0, end-start)
	for j := int(start); j < int(end); j++ {
		var b picture.Box
		if bbox.IsValid(j) {
			bs, be := bbox.ValueOffsets(j)
			if be-bs == 4 {
				v := make([]float64, 4)
				for k := range 4 {
					v[k] = floatAt(bbox.ListValues(), int(bs)+k)
				}
				b.X, b.Y, b.W, b.H = v[0], v[1], v[2], v[3]
			}
		}
		eval, label := stringAt(field("eval"), j), stringAt(field("label"), j)
		b.Verdict = picture.ParseVerdict(eval)
		score, hasScore := 0.0, false
		if sc := field("score"); isDet && sc != nil && sc.IsValid(j) {
			score, hasScore = floatAt(sc, j), true
		}
		b.Label = boxLabel(eval, label, score, hasScore)
		out = append(out, b)
	}
	return out
}

// floatAt reads a float32 or float64 value; NaN for anything else.
func floatAt(a arrow.Array, i int) float64 {
	if a.IsNull(i) {
		return math.NaN()
	}
	switch a := a.(type) {
	case *array.Float32:
		return float64(a.Value(i))
	case *array.Float64:
		return a.Value(i)
	}
	return math.NaN()
}

// stringAt reads a string value, "" for null or another type.
func stringAt(a arrow.Array, i int) string {
	if a == nil || a.IsNull(i) {
		return ""
	}
	switch a := a.(type) {
	case *array.String:
		return a.Value(i)
	case *array.LargeString:
		return a.Value(i)
	case *array.Dictionary:
		return stringAt(a.Dictionary(), a.GetValueIndex(i))
	}
	return ""
}
