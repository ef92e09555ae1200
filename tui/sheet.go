package tui

import (
	"context"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/charmbracelet/x/ansi"

	"triage/dataset"
	"triage/evalview"
	"triage/query"
	"triage/render"
)

// A sheet is one query's rows, as VisiData calls them: the samples view
// keeps a stack of them, each a refinement of the one below, and shows the
// top one. A sheet asks the session only for the rows on screen (and a
// screen above and below), formatted in the command that fetches them, so
// drawing costs the same for ten rows or ten million.
type sheet struct {
	id    int
	title string // its breadcrumb label
	query string // the whole query, as `triage query` takes it ("" all rows)
	prog  *query.Program
	sel   *evalview.Selection // nil while the query runs
	err   error
	cols  []column

	cur, top int64 // current row, first row on screen (positions in sel)
	col      int   // current column
	left     int   // first column shown after the pinned one
	anchor   int64 // where the last mark was toggled (v marks from here)

	op       int    // the running query's operation, 0 when done
	win      window // the rows fetched
	fetchSeq int    // the newest fetch asked for
	fetching bool   // a fetch is in flight
}

// column is one column of a sheet.
type column struct {
	name    string
	right   bool     // numbers: aligned right
	classes []string // class names for an integer label column
	derived bool     // a field evaluation adds
	nested  bool     // lists and structs: slow to read, left for later on a first screen
	text    bool     // strings other than the key, label and pred: read just after it
	rowNum  bool     // the "#" column of a dataset without a key
}

// window is a run of formatted rows of a sheet.
type window struct {
	seq    int
	offset int64      // position in the selection of the first row
	rows   []int64    // dataset row of each
	cells  [][]string // [row][column], sanitized; nil cell: not fetched
	widths []int      // widest cell per column
	kinds  fetchKinds // which kinds of columns were fetched
	got    []bool     // per column: fetched
}

// fetchKinds says which of the slow kinds of columns a fetch reads: the
// derived fields (once evaluation is done), nested columns (once it has
// ended, one way or another), and free text such as paths (once the first
// screen is up).
type fetchKinds struct{ derived, nested, text bool }

// covers reports whether what k fetched includes all of want.
func (k fetchKinds) covers(want fetchKinds) bool {
	return (k.derived || !want.derived) && (k.nested || !want.nested) && (k.text || !want.text)
}

// skips reports whether a fetch of kinds k leaves out column c.
func (k fetchKinds) skips(c column) bool {
	return c.derived && !k.derived || c.nested && !k.nested || c.text && !k.text
}

func (w *window) has(pos int64) bool {
	return pos >= w.offset && pos < w.offset+int64(len(w.rows))
}

// maxCellWidth caps a column's width; wider values are cut with "…".
const maxCellWidth = 32

// newSheet makes a sheet for a query; prog is nil for every row.
func newSheet(c *common, id int, title, src string, prog *query.Program) *sheet {
	sh := &sheet{id: id, title: title, query: src, prog: prog, anchor: -1}
	var mentioned, selected []string
	if prog != nil {
		mentioned, selected = prog.Columns(), prog.Select()
	}
	sh.cols = sheetColumns(c, mentioned, selected)
	return sh
}

// sheetColumns orders a sheet's columns: the key (pinned), label, pred,
// score, the derived fields that matter most, the columns the query
// names, the dataset's other columns, the other derived fields. A select
// stage shows just its columns after the key.
func sheetColumns(c *common, mentioned, selected []string) []column {
	s := c.sess
	schema := s.Schema()
	var names []string
	add := func(ns ...string) {
		for _, n := range ns {
			if n != "" && !slices.Contains(names, n) && len(schema.FieldIndices(n)) > 0 {
				names = append(names, n)
			}
		}
	}
	ds := s.Dataset()
	add(ds.Key)
	if selected != nil {
		for _, n := range selected {
			if len(schema.FieldIndices(n)) == 0 { // a struct field a.b: its column
				n, _, _ = strings.Cut(n, ".")
			}
			add(n)
		}
	} else {
		add(ds.Roles[dataset.RoleLabel], ds.Roles[dataset.RolePred])
		several := len(ds.PredictionSets()) > 1
		for _, p := range ds.PredictionSets() {
			add(p.Roles[dataset.RolePred])
		}
		add(ds.Roles[dataset.RoleScore])
		for _, p := range ds.PredictionSets() {
			add(p.Roles[dataset.RoleScore])
		}
		main := []string{"correct", "suspect", "mistakenness"}
		if ds.Task == dataset.TaskDetection {
			main = []string{"tp", "fp", "fn"}
		}
		for _, want := range main {
			for _, f := range s.Derived() {
				base := f.Name[strings.LastIndexByte(f.Name, '.')+1:]
				if base == want && (!several || base != f.Name) {
					add(f.Name)
				}
			}
		}
		add(mentioned...)
		if ds.Task == dataset.TaskDetection {
			add(ds.Roles[dataset.RoleDetections], ds.Roles[dataset.RoleGroundTruth])
		}
		// Metadata: short values first, nested ones (images, embeddings,
		// probabilities) after them.
		for _, nested := range []bool{false, true} {
			for _, f := range ds.Schema().Fields() {
				if isNested(f.Type) == nested {
					add(f.Name)
				}
			}
		}
		for _, f := range s.Derived() {
			if !several || strings.Contains(f.Name, ".") {
				add(f.Name)
			}
		}
	}
	var cols []column
	if ds.Key == "" {
		cols = append(cols, column{name: "#", right: true, rowNum: true})
	}
	for _, n := range names {
		f := schema.Field(schema.FieldIndices(n)[0])
		classes := s.ClassesFor(n)
		cols = append(cols, column{
			name:    n,
			right:   render.IsNumeric(f.Type) && classes == nil,
			classes: classes,
			derived: s.IsDerived(n),
			nested:  isNested(f.Type),
			text:    isText(f.Type) && n != ds.Key && n != ds.Roles[dataset.RoleLabel] && n != ds.Roles[dataset.RolePred],
		})
	}
	return cols
}

// ready reports whether the sheet's rows are known.
func (sh *sheet) ready() bool { return sh.sel != nil }

// len is the number of rows, 0 until known.
func (sh *sheet) len() int64 {
	if sh.sel == nil {
		return 0
	}
	return sh.sel.Len()
}

// clamp keeps the current row inside the rows and on a screen of page
// rows, and fills the screen when it can (after a resize, say).
func (sh *sheet) clamp(page int) {
	n := sh.len()
	p := int64(max(page, 1))
	sh.cur = max(0, min(sh.cur, n-1))
	if sh.cur < sh.top {
		sh.top = sh.cur
	}
	if sh.cur >= sh.top+p {
		sh.top = sh.cur - p + 1
	}
	sh.top = max(0, min(sh.top, n-p))
	sh.col = max(0, min(sh.col, len(sh.cols)-1))
}

// queryDoneMsg carries a sheet's rows.
type queryDoneMsg struct {
	sheet int
	op    int
	sel   *evalview.Selection
	err   error
}

// runQuery selects a sheet's rows.
func runQuery(ctx context.Context, s *evalview.Session, sheetID, opID int, prog *query.Program) tea.Cmd {
	return func() tea.Msg {
		sel, err := s.Select(ctx, prog)
		return queryDoneMsg{sheet: sheetID, op: opID, sel: sel, err: err}
	}
}

// windowMsg carries fetched rows.
type windowMsg struct {
	sheet int
	win   window
	err   error
}

// wantFetch says which rows to fetch for a screen of page rows, if the
// rows on it are not all held: the screen and one more above and below.
func (sh *sheet) wantFetch(page int, want fetchKinds) (offset, n int64, ok bool) {
	if !sh.ready() || sh.fetching {
		return 0, 0, false
	}
	last := min(sh.top+int64(page), sh.len())
	if sh.win.has(sh.top) && (last == sh.top || sh.win.has(last-1)) && sh.win.kinds.covers(want) && len(sh.win.rows) > 0 {
		return 0, 0, false
	}
	if last == sh.top && sh.win.seq > 0 {
		return 0, 0, false // nothing to show, and we know it
	}
	offset = max(0, sh.top-int64(page))
	return offset, int64(3 * page), true
}

// fetch returns the command that fetches rows [offset, offset+n) of the
// sheet. Derived fields and nested columns (probabilities, embeddings,
// images: slow to read) are left out until evaluation is done (full), so
// that the first screen of a large file does not wait for them.
func (sh *sheet) fetch(ctx context.Context, s *evalview.Session, offset, n int64, want fetchKinds) tea.Cmd {
	sh.fetchSeq++
	sh.fetching = true
	seq, id, sel := sh.fetchSeq, sh.id, sh.sel
	cols := slices.Clone(sh.cols)
	return func() tea.Msg {
		w, err := fetchWindow(ctx, s, sel, offset, n, cols, want)
		w.seq = seq
		return windowMsg{sheet: id, win: w, err: err}
	}
}

// fetchWindow reads and formats rows of sel.
func fetchWindow(ctx context.Context, s *evalview.Session, sel *evalview.Selection, offset, n int64, cols []column, want fetchKinds) (window, error) {
	var names []string
	idx := make([]int, len(cols)) // column -> index in the fetched window, -1 none
	for i, c := range cols {
		idx[i] = -1
		if c.rowNum || want.skips(c) {
			continue
		}
		idx[i] = len(names)
		names = append(names, c.name)
	}
	w, err := s.Rows(ctx, sel, offset, n, names)
	if err != nil {
		return window{}, err
	}
	defer w.Release()
	out := window{offset: w.Offset, rows: w.Rows, kinds: want, widths: make([]int, len(cols)), got: make([]bool, len(cols))}
	for i, c := range cols {
		out.widths[i] = ansi.StringWidth(render.Sanitize(c.name))
		out.got[i] = idx[i] >= 0 || c.rowNum
	}
	out.cells = make([][]string, len(w.Rows))
	for r := range w.Rows {
		row := make([]string, len(cols))
		for i, c := range cols {
			switch {
			case c.rowNum:
				row[i] = formatInt(w.Rows[r])
			case idx[i] < 0:
				continue
			default:
				row[i] = render.Summary(w.Cols[idx[i]], r, c.classes)
			}
			out.widths[i] = max(out.widths[i], min(maxCellWidth, ansi.StringWidth(row[i])))
		}
		out.cells[r] = row
	}
	return out, nil
}

// takeWindow keeps a fetched window unless a newer one is held.
func (sh *sheet) takeWindow(w window) {
	if w.seq == sh.fetchSeq {
		sh.fetching = false
	}
	if w.seq < sh.win.seq {
		return
	}
	// Keep column widths from growing and shrinking as the screen moves:
	// a column is as wide as the widest value seen so far.
	if len(sh.win.widths) == len(w.widths) {
		for i := range w.widths {
			w.widths[i] = max(w.widths[i], sh.win.widths[i])
		}
	}
	sh.win = w
}

// row returns the dataset row at position pos, if it is fetched.
func (sh *sheet) row(pos int64) (int64, bool) {
	if !sh.win.has(pos) {
		return 0, false
	}
	return sh.win.rows[pos-sh.win.offset], true
}

// isBad reports whether a cell shows a failure: false under correct, true
// under suspect or possible_missing, and the like.
func isBad(col, cell string) bool {
	base := col[strings.LastIndexByte(col, '.')+1:]
	switch base {
	case "correct":
		return cell == "false"
	case "suspect", "fp", "fn", "possible_missing", "possible_spurious":
		return cell == "true"
	}
	return false
}

// isNested reports whether values of the type are lists or structs.
func isNested(dt arrow.DataType) bool {
	switch dt.ID() {
	case arrow.LIST, arrow.LARGE_LIST, arrow.FIXED_SIZE_LIST, arrow.STRUCT, arrow.MAP, arrow.BINARY, arrow.LARGE_BINARY:
		return true
	}
	return false
}

// isText reports whether values of the type are strings.
func isText(dt arrow.DataType) bool {
	if d, ok := dt.(*arrow.DictionaryType); ok {
		dt = d.ValueType
	}
	switch dt.ID() {
	case arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW:
		return true
	}
	return false
}
