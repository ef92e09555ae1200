package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"triage/render"
)

// A dialog takes the keys until it is answered or cancelled: the text
// prompt of tag and mine, the class picker of relabel.
type dialog interface {
	Update(tea.KeyPressMsg) (dialog, tea.Cmd)
	View(w, h int) string
	help() []key.Binding
}

// VerbRelabelBox names the box relabel dialog; it queues a VerbRelabel
// action with a Box.
const VerbRelabelBox = "relabel box"

// dialogDoneMsg is a dialog's answer.
type dialogDoneMsg struct {
	verb, arg string
}

// prompt asks for one line of text.
type prompt struct {
	c        *common
	verb     string
	question string // "tag 3 samples as"
	edit     lineEdit
	valid    func(string) string // "" when the answer is fine, else why not
	problem  string
}

func newPrompt(c *common, verb, question, initial string, valid func(string) string) *prompt {
	p := &prompt{c: c, verb: verb, question: question, valid: valid}
	p.edit.set(initial)
	return p
}

func (p *prompt) Update(msg tea.KeyPressMsg) (dialog, tea.Cmd) {
	k := p.c.keys
	switch {
	case key.Matches(msg, k.Cancel):
		return nil, notice("cancelled", false)
	case key.Matches(msg, k.Submit):
		v := strings.TrimSpace(p.edit.String())
		if p.valid != nil {
			if p.problem = p.valid(v); p.problem != "" {
				return p, nil
			}
		}
		verb := p.verb
		return nil, func() tea.Msg { return dialogDoneMsg{verb: verb, arg: v} }
	default:
		p.edit.handle(msg)
		p.problem = ""
	}
	return p, nil
}

func (p *prompt) View(w, h int) string {
	st := &p.c.styles
	input, _ := p.edit.view(max(1, w-4), st.RowCur)
	lines := []string{
		st.Title.Render(render.Cut(p.question, w)),
		"",
		"> " + input,
	}
	if p.problem != "" {
		lines = append(lines, "", st.Error.Render(render.Cut(p.problem, w)))
	}
	return strings.Join(lines, "\n")
}

func (p *prompt) help() []key.Binding {
	k := p.c.keys
	return []key.Binding{withHelp(k.Submit, "enter", "ok"), k.Cancel}
}

// picker chooses a class: type to filter, ↑↓ to move, enter to choose.
type picker struct {
	c        *common
	verb     string
	question string
	options  []string
	filter   lineEdit
	shown    []int // options matching the filter
	cur      int   // position in shown
}

func newPicker(c *common, verb, question string, options []string, initial string) *picker {
	p := &picker{c: c, verb: verb, question: question, options: options}
	p.refilter()
	for i, o := range p.shown {
		if p.options[o] == initial {
			p.cur = i
		}
	}
	return p
}

func (p *picker) refilter() {
	f := strings.ToLower(p.filter.String())
	p.shown = p.shown[:0]
	for i, o := range p.options {
		if strings.Contains(strings.ToLower(o), f) {
			p.shown = append(p.shown, i)
		}
	}
	p.cur = max(0, min(p.cur, len(p.shown)-1))
}

func (p *picker) Update(msg tea.KeyPressMsg) (dialog, tea.Cmd) {
	k := p.c.keys
	switch {
	case key.Matches(msg, k.Cancel):
		return nil, notice("cancelled", false)
	case key.Matches(msg, k.Submit):
		if len(p.shown) == 0 {
			return p, nil
		}
		verb, arg := p.verb, p.options[p.shown[p.cur]]
		return nil, func() tea.Msg { return dialogDoneMsg{verb: verb, arg: arg} }
	case msg.String() == "up":
		p.cur = max(0, p.cur-1)
	case msg.String() == "down":
		p.cur = min(len(p.shown)-1, p.cur+1)
	default:
		if p.filter.handle(msg) {
			p.refilter()
		}
	}
	return p, nil
}

func (p *picker) View(w, h int) string {
	st := &p.c.styles
	input, _ := p.filter.view(max(1, w-10), st.RowCur)
	lines := []string{st.Title.Render(render.Cut(p.question, w)), "filter " + input, ""}
	rows := max(1, h-len(lines))
	first := 0
	if p.cur >= rows {
		first = p.cur - rows + 1
	}
	for i := first; i < min(len(p.shown), first+rows); i++ {
		text := render.Cut(" "+render.Sanitize(p.options[p.shown[i]])+" ", w)
		if i == p.cur {
			text = st.RowCur.wrap(text + strings.Repeat(" ", max(0, min(w, 24)-ansi.StringWidth(text))))
		}
		lines = append(lines, text)
	}
	if len(p.shown) == 0 {
		lines = append(lines, st.Faint.Render("no class matches"))
	}
	return strings.Join(lines, "\n")
}

func (p *picker) help() []key.Binding {
	k := p.c.keys
	return []key.Binding{withHelp(k.Submit, "enter", "choose"), withHelp(k.Up, "↑↓", "move"), k.Cancel}
}

// withHelp is b with other help text.
func withHelp(b key.Binding, keys, desc string) key.Binding {
	b.SetHelp(keys, desc)
	return b
}
