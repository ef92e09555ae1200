package termimg

import (
	"strconv"

	tea "charm.land/bubbletea/v2"
	uv "github.com/charmbracelet/ultraviolet"
)

// Observe records msg in r when it is one of the replies to Queries as a
// bubbletea v2 program receives them, and reports whether it was:
// tea.TerminalVersionMsg (XTVERSION), uv.CellSizeEvent,
// uv.PrimaryDeviceAttributesEvent (DA1) and uv.KittyGraphicsEvent (the
// kitty reply). bubbletea passes the last three to Update as the
// ultraviolet events themselves.
func (r *Replies) Observe(msg any) bool {
	switch m := msg.(type) {
	case tea.TerminalVersionMsg:
		r.Version = m.Name
	case uv.CellSizeEvent:
		r.setCell(m.Width, m.Height)
	case uv.PrimaryDeviceAttributesEvent:
		r.DA1, r.DA1Seen = []int(m), true
	case uv.KittyGraphicsEvent:
		if strconv.Itoa(m.Options.ID) != kittyQueryID {
			return false
		}
		r.Kitty, r.KittySeen = string(m.Payload), true
	default:
		return false
	}
	return true
}
