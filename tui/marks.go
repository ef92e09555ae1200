package tui

import (
	"math/bits"
	"triage/render"

	tea "charm.land/bubbletea/v2"
)

// marks is the set of selected samples, one bit per dataset row: toggling
// and testing a row cost the same for ten rows or ten million.
type marks struct {
	words []uint64
	n     int64 // rows marked
}

func (m *marks) has(row int64) bool {
	w := row >> 6
	return row >= 0 && w < int64(len(m.words)) && m.words[w]&(1<<(row&63)) != 0
}

func (m *marks) grow(row int64) {
	if need := int(row>>6) + 1; need > len(m.words) {
		m.words = append(m.words, make([]uint64, need-len(m.words))...)
	}
}

func (m *marks) set(row int64, on bool) {
	if row < 0 || m.has(row) == on {
		return
	}
	m.grow(row)
	m.words[row>>6] ^= 1 << (row & 63)
	if on {
		m.n++
	} else {
		m.n--
	}
}

func (m *marks) toggle(row int64) { m.set(row, !m.has(row)) }

// rows lists the marked rows in ascending order.
func (m *marks) rows() []int64 {
	out := make([]int64, 0, m.n)
	for w, word := range m.words {
		for word != 0 {
			b := bits.TrailingZeros64(word)
			out = append(out, int64(w)<<6|int64(b))
			word &= word - 1
		}
	}
	return out
}

// markRange selects the rows from the sheet's anchor (the last row marked
// with space) to the current row.
func markRange(c *common, sh *sheet, m *marks) tea.Cmd {
	if !sh.ready() || sh.len() == 0 {
		return nil
	}
	from, to := min(sh.anchor, sh.cur), max(sh.anchor, sh.cur)
	if sh.anchor < 0 {
		from, to = 0, sh.cur
	}
	return markPositions(sh, m, from, to+1)
}

// markAll selects every row of the sheet, or, when they all are already,
// unselects them.
func markAll(c *common, sh *sheet, m *marks) tea.Cmd {
	if !sh.ready() || sh.len() == 0 {
		return nil
	}
	return markPositions(sh, m, 0, sh.len())
}

// bigMark is where marking moves off the Update path.
const bigMark = 100_000

// markPositions selects the sheet's rows at positions [from, to); when
// they are all selected already, it unselects them. Many rows are marked
// by a command working on a copy.
func markPositions(sh *sheet, m *marks, from, to int64) tea.Cmd {
	sel := sh.sel
	apply := func(dst *marks) int64 {
		all := true
		for p := from; p < to && all; p++ {
			all = dst.has(sel.Row(p))
		}
		before := dst.n
		for p := from; p < to; p++ {
			dst.set(sel.Row(p), !all)
		}
		return dst.n - before
	}
	if to-from <= bigMark {
		added := apply(m)
		return notice(markedText(added, m.n), false)
	}
	cp := marks{words: append([]uint64(nil), m.words...), n: m.n}
	return func() tea.Msg {
		added := apply(&cp)
		return marksDoneMsg{marks: cp, added: added}
	}
}

func markedText(added, total int64) string {
	verb := "selected "
	if added < 0 {
		verb, added = "unselected ", -added
	}
	return verb + render.Count(added) + " · " + render.Count(total) + " selected"
}
