package render

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// Fit pads or cuts s to exactly w display columns: cut with "…" when
// wider, padded with spaces on the right (or, with right set, on the left,
// for numbers). Widths are display widths, so wide (CJK) characters line
// up; a wide character that would straddle the edge is replaced by a
// space. s may hold styling escape sequences; they take no width.
func Fit(s string, w int, right bool) string {
	if w <= 0 {
		return ""
	}
	sw := ansi.StringWidth(s)
	if sw > w {
		s = ansi.Truncate(s, w, "…")
		sw = ansi.StringWidth(s)
	}
	if sw == w {
		return s
	}
	pad := strings.Repeat(" ", w-sw)
	if right {
		return pad + s
	}
	return s + pad
}

// Cut shortens s to at most w display columns, ending it with "…" when
// it was cut.
func Cut(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if ansi.StringWidth(s) <= w {
		return s
	}
	return ansi.Truncate(s, w, "…")
}

// CutLeft keeps the last w display columns of s, starting with "…" when
// it was cut: for breadcrumbs and paths, whose end matters most.
func CutLeft(s string, w int) string {
	if w <= 0 {
		return ""
	}
	sw := ansi.StringWidth(s)
	if sw <= w {
		return s
	}
	if w == 1 {
		return "…"
	}
	return "…" + ansi.TruncateLeft(s, sw-w+1, "")
}
