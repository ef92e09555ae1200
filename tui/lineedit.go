package tui

import (
	"strings"
	"unicode"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"triage/render"
)

// lineEdit is a one-line text editor with the usual readline keys. It
// works in runes; display widths come from the sanitized text, so a wide
// character or an escaped control character moves the cursor by what it
// takes on screen.
type lineEdit struct {
	text []rune
	pos  int // cursor, in runes
}

func (e *lineEdit) String() string { return string(e.text) }

func (e *lineEdit) set(s string) {
	e.text = []rune(s)
	e.pos = len(e.text)
}

// bytePos is the cursor as a byte offset into String().
func (e *lineEdit) bytePos() int { return len(string(e.text[:e.pos])) }

// setBytePos moves the cursor to a byte offset.
func (e *lineEdit) setBytePos(b int) { e.pos = len([]rune(e.String()[:min(b, len(e.String()))])) }

// insert puts s at the cursor. Line breaks (from a paste) become spaces.
func (e *lineEdit) insert(s string) {
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == '\t' {
			return ' '
		}
		return r
	}, s)
	rs := []rune(s)
	e.text = append(e.text[:e.pos], append(rs, e.text[e.pos:]...)...)
	e.pos += len(rs)
}

// replace swaps the bytes [from, to) for s and puts the cursor after it.
func (e *lineEdit) replace(from, to int, s string) {
	v := e.String()
	from, to = max(0, min(from, len(v))), max(0, min(to, len(v)))
	e.set(v[:from] + s + v[to:])
	e.setBytePos(from + len(s))
}

// handle applies an editing key; false when msg is not one.
func (e *lineEdit) handle(msg tea.KeyPressMsg) bool {
	switch msg.String() {
	case "left", "ctrl+b":
		e.pos = max(0, e.pos-1)
	case "right", "ctrl+f":
		e.pos = min(len(e.text), e.pos+1)
	case "home", "ctrl+a":
		e.pos = 0
	case "end", "ctrl+e":
		e.pos = len(e.text)
	case "alt+left", "alt+b", "ctrl+left":
		e.pos = e.wordStart()
	case "alt+right", "alt+f", "ctrl+right":
		e.pos = e.wordEnd()
	case "backspace", "ctrl+h":
		if e.pos > 0 {
			e.text = append(e.text[:e.pos-1], e.text[e.pos:]...)
			e.pos--
		}
	case "delete", "ctrl+d":
		if e.pos < len(e.text) {
			e.text = append(e.text[:e.pos], e.text[e.pos+1:]...)
		}
	case "ctrl+w", "alt+backspace":
		start := e.wordStart()
		e.text = append(e.text[:start], e.text[e.pos:]...)
		e.pos = start
	case "ctrl+u":
		e.text = e.text[e.pos:]
		e.pos = 0
	case "ctrl+k":
		e.text = e.text[:e.pos]
	default:
		if msg.Text == "" || msg.Mod&(tea.ModCtrl|tea.ModAlt) != 0 {
			return false
		}
		e.insert(msg.Text)
	}
	return true
}

func (e *lineEdit) wordStart() int {
	i := e.pos
	for i > 0 && unicode.IsSpace(e.text[i-1]) {
		i--
	}
	for i > 0 && !unicode.IsSpace(e.text[i-1]) {
		i--
	}
	return i
}

func (e *lineEdit) wordEnd() int {
	i := e.pos
	for i < len(e.text) && unicode.IsSpace(e.text[i]) {
		i++
	}
	for i < len(e.text) && !unicode.IsSpace(e.text[i]) {
		i++
	}
	return i
}

// view draws the text in width columns with a block cursor (cursor
// span), scrolled so the cursor shows. It returns the line and the display
// column where the text starts (negative when scrolled): a caret under
// the text adds it.
func (e *lineEdit) view(width int, cursor span) (string, int) {
	if width <= 1 {
		return "", 0
	}
	before := render.Sanitize(string(e.text[:e.pos]))
	at := " "
	after := ""
	if e.pos < len(e.text) {
		at = render.Sanitize(string(e.text[e.pos]))
		after = render.Sanitize(string(e.text[e.pos+1:]))
	}
	bw, aw := ansi.StringWidth(before), ansi.StringWidth(at)
	shift := 0
	if bw+aw > width {
		shift = bw + aw - width
		before = ansi.TruncateLeft(before, shift, "")
	}
	line := before + cursor.wrap(at) + after
	return ansi.Truncate(line, width, ""), -shift
}
