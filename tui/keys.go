package tui

import "charm.land/bubbles/v2/key"

// KeyMap holds the table's key bindings. Help text comes from the bindings.
type KeyMap struct {
	Up, Down, PageUp, PageDown, Top, Bottom, Left, Right, Quit key.Binding
}

// DefaultKeyMap returns the default bindings.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		PageUp:   key.NewBinding(key.WithKeys("pgup", "b"), key.WithHelp("pgup/b", "page up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown", "space", "f"), key.WithHelp("pgdn/f", "page down")),
		Top:      key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("g", "top")),
		Bottom:   key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("G", "bottom")),
		Left:     key.NewBinding(key.WithKeys("left", "h"), key.WithHelp("←/h", "columns left")),
		Right:    key.NewBinding(key.WithKeys("right", "l"), key.WithHelp("→/l", "columns right")),
		Quit:     key.NewBinding(key.WithKeys("q", "ctrl+c", "esc"), key.WithHelp("q", "quit")),
	}
}

// helpLine is the one-line help shown under the table.
func (k KeyMap) helpLine() string {
	var s string
	for _, b := range []key.Binding{k.Up, k.Down, k.PageDown, k.Top, k.Bottom, k.Left, k.Right, k.Quit} {
		h := b.Help()
		if s != "" {
			s += "  "
		}
		s += h.Key + " " + h.Desc
	}
	return s
}
