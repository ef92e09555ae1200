// Package termimg shows pictures in a terminal. It encodes an image as
// half-blocks (which every truecolor or 256-colour terminal draws), as kitty
// graphics with Unicode placeholders (which survive tmux and a cell-diffing
// renderer such as bubbletea's), as sixel, or as an iTerm2 inline image;
// it holds the in-band queries and the decision of which of these a
// terminal supports; and it caches encoded pictures by sample and size.
//
// Everything here is pure or safe for concurrent use: decoding and encoding
// belong in a tea.Cmd, never in View.
package termimg

import (
	"fmt"
	"strings"
)

// Protocol is how pictures reach the terminal. It is a flag.Value for
// --images auto|kitty|sixel|iterm|blocks|off.
type Protocol uint8

const (
	Auto      Protocol = iota // decide from the terminal's replies (see Decide)
	Off                       // show no pictures
	Blocks                    // half-blocks in 24-bit colour
	Blocks256                 // half-blocks in the xterm 256-colour palette
	Kitty                     // kitty graphics, Unicode placeholders
	Sixel                     // DEC sixel graphics
	ITerm                     // iTerm2 inline images (OSC 1337), also WezTerm
)

var protocolNames = [...]string{"auto", "off", "blocks", "blocks256", "kitty", "sixel", "iterm"}

// String returns the flag spelling of p.
func (p Protocol) String() string {
	if int(p) < len(protocolNames) {
		return protocolNames[p]
	}
	return fmt.Sprintf("Protocol(%d)", p)
}

// Set parses a flag value: auto, kitty, sixel, iterm, blocks, blocks256 or
// off (case-insensitive).
func (p *Protocol) Set(s string) error {
	for i, name := range protocolNames {
		if strings.EqualFold(s, name) {
			*p = Protocol(i)
			return nil
		}
	}
	return fmt.Errorf("unknown image mode %q, want auto, kitty, sixel, iterm, blocks or off", s)
}

// Graphics reports whether p draws pixels (kitty, sixel, iTerm2) rather
// than characters.
func (p Protocol) Graphics() bool { return p == Kitty || p == Sixel || p == ITerm }
