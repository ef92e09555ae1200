package tui

import (
	"errors"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"triage/query"
	"triage/render"
)

// queryBar is the line where queries are typed. While it is open every
// key is text, except the few it binds (enter, tab, ↑ ↓, esc). It checks
// the query on every key and shows the first error with a caret under
// the offending text and a suggestion, as `triage query` prints them.
type queryBar struct {
	c      *common
	active bool
	edit   lineEdit
	within string // the query being refined, shown as context
	err    *query.Error
	nErr   int // errors in the list

	history     []string
	histPos     int    // index into history while browsing; len = the draft
	draft       string // what was typed before browsing
	historyPath string

	cands   []query.Candidate // completions on show
	candIdx int               // the one inserted, -1 none yet
	candAt  int               // byte offset where candidates replace text
	candEnd int               // end of the inserted candidate
}

// open starts editing a query that refines within ("" a fresh query).
func (b *queryBar) open(within string) {
	b.active = true
	b.within = within
	b.edit.set("")
	b.err, b.nErr = nil, 0
	b.histPos = len(b.history)
	b.cands = nil
}

func (b *queryBar) close() {
	b.active = false
	b.cands = nil
}

// submitMsg is a query typed and accepted.
type submitMsg struct {
	text string // what was typed
}

// Update handles a key while the bar is open.
func (b queryBar) Update(msg tea.Msg) (queryBar, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.PasteMsg:
		b.edit.insert(msg.Content)
		b.check()
	case tea.KeyPressMsg:
		return b.handleKey(msg)
	}
	return b, nil
}

func (b queryBar) handleKey(msg tea.KeyPressMsg) (queryBar, tea.Cmd) {
	k := b.c.keys
	if !key.Matches(msg, k.Complete) {
		b.cands = nil
	}
	switch {
	case key.Matches(msg, k.Cancel):
		b.close()
		return b, nil
	case key.Matches(msg, k.Submit):
		text := strings.TrimSpace(b.edit.String())
		b.check()
		if text == "" {
			b.close()
			return b, nil
		}
		if b.err != nil {
			return b, nil // the error is on show; enter again once fixed
		}
		b.close()
		b.remember(text)
		return b, tea.Batch(
			func() tea.Msg { return submitMsg{text: text} },
			saveHistory(b.historyPath, text),
		)
	case key.Matches(msg, k.Complete):
		b.complete()
	case key.Matches(msg, k.HistoryPrev):
		b.browse(-1)
	case key.Matches(msg, k.HistoryNext):
		b.browse(+1)
	default:
		if b.edit.handle(msg) {
			b.check()
		}
	}
	return b, nil
}

// check compiles what is typed and keeps the first error.
func (b *queryBar) check() {
	b.err, b.nErr = nil, 0
	src := b.edit.String()
	if strings.TrimSpace(src) == "" {
		return
	}
	_, err := b.c.sess.Compile(src)
	if err == nil {
		return
	}
	var list query.ErrorList
	var one *query.Error
	switch {
	case errors.As(err, &list) && len(list) > 0:
		b.err, b.nErr = list[0], len(list)
	case errors.As(err, &one):
		b.err, b.nErr = one, 1
	default:
		b.err, b.nErr = &query.Error{Pos: 0, End: len(src), Msg: err.Error()}, 1
	}
}

// remember adds a query to the history, once, newest last.
func (b *queryBar) remember(q string) {
	if n := len(b.history); n > 0 && b.history[n-1] == q {
		return
	}
	b.history = append(b.history, q)
	if len(b.history) > historyMax {
		b.history = b.history[len(b.history)-historyMax:]
	}
}

// browse moves through the history: -1 older, +1 newer.
func (b *queryBar) browse(d int) {
	if len(b.history) == 0 {
		return
	}
	if b.histPos == len(b.history) {
		b.draft = b.edit.String()
	}
	b.histPos = max(0, min(len(b.history), b.histPos+d))
	if b.histPos == len(b.history) {
		b.edit.set(b.draft)
	} else {
		b.edit.set(b.history[b.histPos])
	}
	b.check()
}

// complete inserts a completion at the cursor. With one candidate it is
// inserted; with several the list is shown and each tab inserts the
// next. Where nothing completes but the error on show has a suggestion
// ("label" for "lable"), tab puts it in.
func (b *queryBar) complete() {
	if len(b.cands) > 1 {
		b.candIdx = (b.candIdx + 1) % len(b.cands)
		b.insertCandidate()
		return
	}
	src, cur := b.edit.String(), b.edit.bytePos()
	cands := query.Complete(src, cur, b.c.sess.Env())
	start := wordStart(src, cur)
	if len(cands) == 0 {
		if e := b.err; e != nil && e.Suggest != "" {
			at := b.edit.bytePos()
			b.edit.replace(e.Pos, e.End, e.Suggest)
			if at > e.End { // keep the cursor where it was in the text
				b.edit.setBytePos(at + len(e.Suggest) - (e.End - e.Pos))
			}
			b.check()
		}
		return
	}
	b.candAt, b.candEnd = start, cur
	b.cands = cands
	b.candIdx = 0
	if len(cands) > 1 {
		// Insert what every candidate shares first.
		common := cands[0].Text
		for _, c := range cands[1:] {
			common = sharedPrefix(common, c.Text)
		}
		if len(common) > cur-start {
			b.edit.replace(start, cur, common)
			b.candEnd = start + len(common)
		}
		b.candIdx = -1
		b.check()
		return
	}
	b.insertCandidate()
	b.cands = nil
}

func (b *queryBar) insertCandidate() {
	c := b.cands[b.candIdx]
	text := c.Text
	if c.Kind == "class" {
		text += `"`
	}
	b.edit.replace(b.candAt, b.candEnd, text)
	b.candEnd = b.candAt + len(text)
	b.check()
}

// wordStart finds where the name (or the class name inside a string)
// ending at cur begins.
func wordStart(src string, cur int) int {
	i := cur
	for i > 0 {
		c := src[i-1]
		if c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80 || c == '`' {
			i--
			continue
		}
		break
	}
	// Inside a string, a class name may hold anything but the quote.
	if q := strings.LastIndexByte(src[:cur], '"'); q >= 0 && strings.Count(src[:cur], `"`)%2 == 1 {
		return q + 1
	}
	return i
}

func sharedPrefix(a, b string) string {
	n := 0
	for n < len(a) && n < len(b) && strings.EqualFold(a[n:n+1], b[n:n+1]) {
		n++
	}
	return a[:n]
}

// height is the lines the bar takes: one idle, two while typing.
func (b queryBar) height() int {
	if b.active {
		return 2
	}
	return 1
}

// View draws the bar in width columns: when open, the input and under it
// the error with its caret, or the completions; when closed, idle (the
// current query, or a notice).
func (b queryBar) View(width int, idle string) string {
	st := &b.c.styles
	if !b.active {
		return render.Cut(idle, width)
	}
	const prompt = "/ "
	input, shift := b.edit.view(width-len(prompt), st.RowCur)
	first := st.Key.Render(prompt) + input
	var second string
	switch {
	case len(b.cands) > 1:
		second = b.candidatesLine(width)
	case b.err != nil:
		second = b.errorLine(width, len(prompt)+shift)
	case b.within != "":
		second = st.Faint.Render(render.Cut("within "+render.Sanitize(b.within)+" · enter runs · esc cancels", width))
	default:
		second = st.Faint.Render(render.Cut("enter runs · tab completes · ↑↓ history · esc cancels", width))
	}
	return first + "\n" + second
}

// errorLine is the caret under the error and its message:
//
//	/ lable == "3"
//	  ^~~~~ unknown column "lable", did you mean "label"? (tab)
func (b queryBar) errorLine(width, offset int) string {
	st := &b.c.styles
	src := b.edit.String()
	e := b.err
	pos, end := max(0, min(e.Pos, len(src))), max(0, min(e.End, len(src)))
	end = max(end, pos)
	col := offset + ansi.StringWidth(render.Sanitize(src[:pos]))
	n := max(1, ansi.StringWidth(render.Sanitize(src[pos:end])))
	caret := "^" + strings.Repeat("~", n-1)
	msg := render.Sanitize(e.Msg)
	if e.Suggest != "" {
		msg += ", did you mean " + quoteString(e.Suggest) + "? (tab)"
	}
	if b.nErr > 1 {
		msg += " (and " + render.Count(int64(b.nErr-1)) + " more)"
	}
	if col < 0 || col+n+1+ansi.StringWidth(msg) > width {
		// No room beside the caret: the message alone, from the left.
		if col < 0 || col >= width {
			return st.Error.Render(render.Cut(msg, width))
		}
		return render.Cut(strings.Repeat(" ", col)+st.Caret.wrap(caret)+" "+st.Error.Render(msg), width)
	}
	return strings.Repeat(" ", col) + st.Caret.wrap(caret) + " " + st.Error.Render(msg)
}

// candidatesLine lists completions, the inserted one highlighted.
func (b queryBar) candidatesLine(width int) string {
	st := &b.c.styles
	var parts []string
	used := 0
	for i, c := range b.cands {
		text := render.Sanitize(c.Text)
		w := ansi.StringWidth(text) + 2
		if used+w > width-2 {
			parts = append(parts, "…")
			break
		}
		used += w
		if i == b.candIdx {
			text = st.TabActive.Render(text)
		}
		parts = append(parts, text)
	}
	return strings.Join(parts, "  ")
}
