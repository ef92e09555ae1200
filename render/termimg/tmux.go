package termimg

import (
	"strconv"
	"strings"
)

// TmuxWrap wraps seq for tmux to pass to the terminal outside it:
// ESC P tmux; seq ESC \, with every ESC in seq doubled. tmux forwards it
// only with `set -g allow-passthrough on`.
func TmuxWrap(seq string) string {
	return "\x1bPtmux;" + strings.ReplaceAll(seq, "\x1b", "\x1b\x1b") + "\x1b\\"
}

// PlaceAt returns seq (sixel or iTerm2 image data, which draw at the
// cursor) wrapped so that it is drawn with its top-left corner at cell
// (col, row), counted from 0, and the cursor is put back where it was.
func PlaceAt(seq string, col, row int) string {
	return "\x1b7\x1b[" + strconv.Itoa(row+1) + ";" + strconv.Itoa(col+1) + "H" + seq + "\x1b8"
}
