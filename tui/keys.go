package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
)

// KeyMap is every key binding. The help line, the help overlay and the
// key map in docs/tui.md are generated from it.
type KeyMap struct {
	// everywhere
	Help, Query, NextView, PrevView, QueueView, Back, Close, Quit key.Binding
	// moving
	Up, Down, Left, Right, PageUp, PageDown, HalfUp, HalfDown, Top, Bottom key.Binding
	// tables
	Open, SortAsc, SortDesc, Pop key.Binding
	// selection
	Mark, MarkRange, MarkAll key.Binding
	// actions
	Tag, Relabel, Mine, Drop, Undo key.Binding
	// evaluation view
	FalsePos, FalseNeg, Suspects, ConfidentErrors, Hardest, Regressions, Fixes key.Binding
	Confusion, PerClass, Slices, Charts, Boxes                                 key.Binding
	// query bar
	Submit, Complete, HistoryPrev, HistoryNext, Cancel key.Binding
}

// DefaultKeyMap returns the bindings.
func DefaultKeyMap() KeyMap {
	b := func(keys []string, help, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	k := func(keys ...string) []string { return keys }
	return KeyMap{
		Help:      b(k("?"), "?", "help"),
		Query:     b(k("/"), "/", "query"),
		NextView:  b(k("tab"), "tab", "next view"),
		PrevView:  b(k("shift+tab"), "shift+tab", "previous view"),
		QueueView: b(k("A"), "A", "action queue"),
		Back:      b(k("q"), "q", "back / quit"),
		Close:     b(k("esc"), "esc", "close / back"),
		Quit:      b(k("ctrl+c"), "ctrl+c", "cancel / quit"),

		Up:       b(k("up", "k"), "↑/k", "up"),
		Down:     b(k("down", "j"), "↓/j", "down"),
		Left:     b(k("left", "h"), "←/h", "left"),
		Right:    b(k("right", "l"), "→/l", "right"),
		PageUp:   b(k("pgup"), "pgup", "page up"),
		PageDown: b(k("pgdown"), "pgdn", "page down"),
		HalfUp:   b(k("ctrl+u"), "ctrl+u", "half page up"),
		HalfDown: b(k("ctrl+d"), "ctrl+d", "half page down"),
		Top:      b(k("g", "home"), "g", "first"),
		Bottom:   b(k("G", "end"), "G", "last"),

		Open:     b(k("enter"), "enter", "open"),
		SortAsc:  b(k("["), "[", "sort ascending"),
		SortDesc: b(k("]"), "]", "sort descending"),
		Pop:      b(k("backspace"), "backspace", "previous sheet"),

		Mark:      b(k("space"), "space", "select"),
		MarkRange: b(k("v"), "v", "select range"),
		MarkAll:   b(k("*"), "*", "select all in view"),

		Tag:     b(k("t"), "t", "tag"),
		Relabel: b(k("r"), "r", "relabel"),
		Mine:    b(k("m"), "m", "mine similar"),
		Drop:    b(k("x"), "x", "drop"),
		Undo:    b(k("u"), "u", "undo last action"),

		FalsePos:        b(k("1"), "1", "false positives"),
		FalseNeg:        b(k("2"), "2", "false negatives"),
		Suspects:        b(k("3"), "3", "suspects"),
		ConfidentErrors: b(k("4"), "4", "confident errors"),
		Hardest:         b(k("5"), "5", "hardest"),
		Regressions:     b(k("6"), "6", "regressions"),
		Fixes:           b(k("7"), "7", "fixes"),
		Confusion:       b(k("c"), "c", "confusion"),
		PerClass:        b(k("p"), "p", "per class"),
		Slices:          b(k("w"), "w", "where it fails"),
		Charts:          b(k("s"), "s", "scores, PR curve"),
		Boxes:           b(k("b"), "b", "boxes"),

		Submit:      b(k("enter"), "enter", "run"),
		Complete:    b(k("tab"), "tab", "complete"),
		HistoryPrev: b(k("up"), "↑", "older"),
		HistoryNext: b(k("down"), "↓", "newer"),
		Cancel:      b(k("esc"), "esc", "cancel"),
	}
}

// helpGroup is a titled column of the full help.
type helpGroup struct {
	title    string
	bindings []key.Binding
}

// groups are the full help, column by column.
func (k KeyMap) groups() []helpGroup {
	return []helpGroup{
		{"everywhere", []key.Binding{k.Help, k.Query, k.NextView, k.PrevView, k.QueueView, k.Back, k.Close, k.Quit}},
		{"query bar", []key.Binding{k.Submit, k.Complete, k.HistoryPrev, k.HistoryNext, k.Cancel}},
		{"move", []key.Binding{k.Up, k.Down, k.Left, k.Right, k.PageUp, k.PageDown, k.HalfUp, k.HalfDown, k.Top, k.Bottom}},
		{"samples", []key.Binding{k.Open, k.SortAsc, k.SortDesc, k.Pop, k.Mark, k.MarkRange, k.MarkAll}},
		{"actions", []key.Binding{k.Tag, k.Relabel, k.Mine, k.Drop, k.Undo}},
		{"evaluation", []key.Binding{k.FalsePos, k.FalseNeg, k.Suspects, k.ConfidentErrors, k.Hardest, k.Regressions, k.Fixes, k.Confusion, k.PerClass, k.Slices, k.Charts, k.Boxes}},
	}
}

// Cheatsheet is the key map as a Markdown table, for docs/tui.md.
func (k KeyMap) Cheatsheet() string {
	var b strings.Builder
	for _, g := range k.groups() {
		b.WriteString("| " + g.title + " | |\n| --- | --- |\n")
		for _, bd := range g.bindings {
			h := bd.Help()
			b.WriteString("| `" + h.Key + "` | " + h.Desc + " |\n")
		}
		b.WriteString("\n")
	}
	return strings.TrimSuffix(b.String(), "\n")
}
