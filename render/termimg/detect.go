package termimg

import (
	"bytes"
	"slices"
	"strconv"
	"strings"

	"triage/render/picture"
)

// The in-band queries. Environment variables do not cross SSH, so a
// program asks the terminal itself and reads the replies from its input.
const (
	// KittyQuery asks a kitty-protocol terminal to check (a=q), without
	// storing, a 1×1 RGB image with id 31; it answers ESC _Gi=31;OK ESC \.
	KittyQuery = "\x1b_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA\x1b\\"
	// XTVersionQuery asks for the terminal's name and version; the answer
	// is DCS >| text ST, e.g. "kitty(0.35.2)", "WezTerm 20240203", "tmux 3.4".
	XTVersionQuery = "\x1b[>0q"
	// DA1Query asks for the primary device attributes; the answer is
	// CSI ? a;b;... c, where attribute 4 means sixel graphics.
	DA1Query = "\x1b[c"
	// CellSizeQuery asks for a cell's size in pixels (XTWINOPS 16); the
	// answer is CSI 6 ; height ; width t. Sixel needs it: its images are
	// sized in pixels, and one taller than its cells spills over the lines
	// below.
	CellSizeQuery = "\x1b[16t"
)

// kittyQueryID is the image id KittyQuery uses.
const kittyQueryID = "31"

// Queries returns the bytes to send to detect a terminal's graphics:
// XTVERSION, then the kitty query (inside tmux wrapped for passthrough, so
// that it reaches the terminal outside), the cell size, then DA1. Every terminal answers
// DA1, and answers in order, so outside tmux the DA1 reply means the others
// have arrived or never will. tmux answers DA1 itself, at once, and the
// kitty reply comes through later if at all, so inside tmux wait for the
// kitty reply or a deadline (a few hundred milliseconds).
func Queries(tmux bool) string {
	kitty := KittyQuery
	if tmux {
		kitty = TmuxWrap(kitty)
	}
	return XTVersionQuery + kitty + CellSizeQuery + DA1Query
}

// Replies are what a terminal answered to Queries.
type Replies struct {
	Version   string // the XTVERSION text
	Kitty     string // the kitty reply's message: "OK", or an error such as "EINVAL:..."
	KittySeen bool   // a kitty reply for the query's image id arrived
	DA1       []int  // the primary device attributes
	DA1Seen   bool   // a DA1 reply arrived
	// Cell is a cell's size in pixels, zero when the terminal did not say.
	Cell picture.Cell
}

// Complete reports whether every reply worth waiting for has arrived (see
// Queries for why tmux differs).
func (r Replies) Complete(tmux bool) bool {
	return r.DA1Seen && (!tmux || r.KittySeen)
}

// ParseReplies finds the replies to Queries in raw terminal input b (bytes
// read from the terminal after sending them), skipping anything else, such
// as keys typed meanwhile. A reply cut off at the end of b is ignored.
func ParseReplies(b []byte) Replies {
	var r Replies
	for i := 0; i < len(b); i++ {
		if b[i] != 0x1b || i+1 >= len(b) {
			continue
		}
		rest := b[i+2:]
		switch b[i+1] {
		case 'P': // DCS: XTVERSION is DCS >| text ST
			body, n := untilST(rest)
			if n < 0 {
				return r
			}
			if v, ok := bytes.CutPrefix(body, []byte(">|")); ok {
				r.Version = string(v)
			}
			i += 1 + n
		case '_': // APC: kitty is APC G keys ; message ST
			body, n := untilST(rest)
			if n < 0 {
				return r
			}
			r.observeKitty(body)
			i += 1 + n
		case '[': // CSI: DA1 is CSI ? params c
			j := 0
			for j < len(rest) && rest[j] >= 0x20 && rest[j] <= 0x3f {
				j++
			}
			if j == len(rest) {
				return r
			}
			switch {
			case rest[j] == 'c' && j > 0 && rest[0] == '?':
				r.DA1, r.DA1Seen = parseParams(string(rest[1:j])), true
			case rest[j] == 't':
				if p := parseParams(string(rest[:j])); len(p) == 3 && p[0] == 6 {
					r.setCell(p[2], p[1])
				}
			}
			i += 1 + j
		}
	}
	return r
}

// untilST returns the string body before ST (ESC \, or BEL, which some
// terminals end replies with) and the bytes it and ST take, or n = -1 when
// b ends first.
func untilST(b []byte) (body []byte, n int) {
	for j := range b {
		switch {
		case b[j] == 0x07:
			return b[:j], j + 1
		case b[j] == 0x1b && j+1 < len(b) && b[j+1] == '\\':
			return b[:j], j + 2
		}
	}
	return nil, -1
}

// observeKitty records an APC body "Gi=31;OK" answering our query.
func (r *Replies) observeKitty(body []byte) {
	keys, msg, _ := strings.Cut(string(body), ";")
	keys, ok := strings.CutPrefix(keys, "G")
	if !ok {
		return
	}
	for kv := range strings.SplitSeq(keys, ",") {
		if kv == "i="+kittyQueryID {
			r.Kitty, r.KittySeen = msg, true
			return
		}
	}
}

// setCell records a reported cell size, if it is a plausible one.
func (r *Replies) setCell(w, h int) {
	if w > 0 && h > 0 && w <= 1000 && h <= 1000 {
		r.Cell = picture.Cell{W: w, H: h}
	}
}

// parseParams reads "62;4;" as [62 4 0]: an empty parameter is 0, as
// ultraviolet's decoder (and ECMA-48) has it.
func parseParams(s string) []int {
	var ps []int
	for f := range strings.SplitSeq(s, ";") {
		n, _ := strconv.Atoi(f)
		ps = append(ps, n)
	}
	return ps
}

// Detection is the protocol chosen for a terminal, and why.
type Detection struct {
	Protocol Protocol
	Tmux     bool   // inside tmux: wrap kitty and iTerm2 sequences for passthrough
	Reason   string // one line for a status bar or --debug
	// Cell is the cell size the terminal reported, zero when it did not.
	Cell picture.Cell
}

// Decide picks the protocol for a terminal from its replies; tmux says
// whether the program runs inside tmux ($TMUX is set), which an XTVERSION
// reply naming tmux also establishes. In order:
//
//   - kitty, when the terminal answered the graphics query "OK" (inside
//     tmux that reply came through passthrough, which proves it is on);
//   - inside tmux, half-blocks otherwise: tmux answers DA1 and XTVERSION
//     itself and says nothing of the terminal outside;
//   - sixel, when DA1 lists attribute 4 and the terminal reported its cell
//     size (half-blocks when it did not: a sixel image is sized in pixels);
//   - iTerm2 inline images, when XTVERSION names iTerm2 or WezTerm;
//   - half-blocks otherwise, including when nothing answered.
func Decide(r Replies, tmux bool) Detection {
	d := decide(r, tmux)
	d.Cell = r.Cell
	return d
}

func decide(r Replies, tmux bool) Detection {
	version := strings.ToLower(r.Version)
	if strings.HasPrefix(version, "tmux") {
		tmux = true
	}
	switch {
	case r.KittySeen && r.Kitty == "OK":
		return Detection{Protocol: Kitty, Tmux: tmux, Reason: "kitty graphics: the terminal answered the graphics query"}
	case tmux && r.KittySeen:
		return Detection{Protocol: Blocks, Tmux: true, Reason: "half-blocks: inside tmux, and the kitty graphics query failed: " + r.Kitty}
	case tmux:
		return Detection{Protocol: Blocks, Tmux: true, Reason: "half-blocks: inside tmux, and no terminal answered the kitty graphics query through passthrough (tmux: set -g allow-passthrough on)"}
	case slices.Contains(r.DA1, 4) && r.Cell.W > 0:
		return Detection{Protocol: Sixel, Reason: "sixel: the terminal lists sixel graphics (4) in its device attributes"}
	case slices.Contains(r.DA1, 4):
		return Detection{Protocol: Blocks, Reason: "half-blocks: the terminal lists sixel graphics but did not report its cell size in pixels"}
	case strings.Contains(version, "iterm2") || strings.Contains(version, "wezterm"):
		return Detection{Protocol: ITerm, Reason: "iTerm2 inline images: the terminal says it is " + r.Version}
	case !r.DA1Seen:
		return Detection{Protocol: Blocks, Reason: "half-blocks: the terminal did not answer the device attributes query"}
	}
	return Detection{Protocol: Blocks, Reason: "half-blocks: the terminal offers no graphics protocol"}
}
