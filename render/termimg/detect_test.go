package termimg

import (
	"flag"
	"slices"
	"testing"

	tea "charm.land/bubbletea/v2"
	uv "github.com/charmbracelet/ultraviolet"

	"triage/render/picture"
)

func TestProtocolFlag(t *testing.T) {
	for _, p := range []Protocol{Auto, Off, Blocks, Blocks256, Kitty, Sixel, ITerm} {
		var got Protocol
		if err := got.Set(p.String()); err != nil || got != p {
			t.Errorf("Set(%q) = %v, %v; want %v", p.String(), got, err, p)
		}
	}
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.SetOutput(discard{})
	var p Protocol
	fs.Var(&p, "images", "")
	if err := fs.Parse([]string{"--images", "KITTY"}); err != nil || p != Kitty {
		t.Errorf("--images KITTY = %v, %v; want kitty", p, err)
	}
	if err := fs.Parse([]string{"--images", "png"}); err == nil {
		t.Error("--images png accepted")
	}
	if Kitty.Graphics() != true || Blocks.Graphics() != false {
		t.Error("Graphics is wrong")
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

func TestQueries(t *testing.T) {
	if got, want := Queries(false), "\x1b[>0q\x1b_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA\x1b\\\x1b[16t\x1b[c"; got != want {
		t.Errorf("Queries(false) = %q, want %q", got, want)
	}
	if got, want := Queries(true), "\x1b[>0q\x1bPtmux;\x1b\x1b_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA\x1b\x1b\\\x1b\\\x1b[16t\x1b[c"; got != want {
		t.Errorf("Queries(true) = %q, want %q", got, want)
	}
}

// replies are terminal answers to Queries. "tmux 3.3a, captured" is what
// tmux 3.3a answered to Queries(true) in a detached session on this
// project's machine; the other lines follow what those terminals are known
// to send (the iTerm2 one is made up to reach the iTerm2 rule).
var replies = []struct {
	name  string
	input string
	tmux  bool
	want  Protocol
	wrap  bool
}{
	{"kitty", "\x1bP>|kitty(0.35.2)\x1b\\\x1b_Gi=31;OK\x1b\\\x1b[?62;c", false, Kitty, false},
	{"ghostty, keys typed meanwhile", "jj\x1bP>|ghostty 1.1.3\x1b\\k\x1b_Gi=31;OK\x1b\\\x1b[?62;22c", false, Kitty, false},
	{"xterm -ti vt340", "\x1bP>|XTerm(390)\x1b\\\x1b[6;17;9t\x1b[?63;1;2;4;6;9;15;16;22;28c", false, Sixel, false},
	{"xterm, no cell size", "\x1bP>|XTerm(390)\x1b\\\x1b[?63;1;2;4;6;9;15;16;22;28c", false, Blocks, false},
	{"wezterm", "\x1bP>|WezTerm 20240203-110809-5046fc22\x1b\\\x1b[6;22;11t\x1b[?65;4;6;18;22c", false, Sixel, false},
	{"iterm2 (made up)", "\x1bP>|iTerm2 3.5.0\x1b\\\x1b[?62;22c", false, ITerm, false},
	{"vte", "\x1bP>|VTE(7600)\x1b\\\x1b[?65;1;9c", false, Blocks, false},
	{"kitty error", "\x1b_Gi=31;ENOTSUPPORTED:no\x1b\\\x1b[?62;c", false, Blocks, false},
	{"only DA1", "\x1b[?1;2c", false, Blocks, false},
	{"nothing", "", false, Blocks, false},
	{"reply cut off", "\x1b_Gi=31;OK", false, Blocks, false},
	{"tmux 3.3a, captured", "\x1bP>|tmux 3.3a\x1b\\\x1b[?1;2c", true, Blocks, true},
	{"tmux with sixel, passthrough off", "\x1bP>|tmux 3.4\x1b\\\x1b[?1;2;4c", true, Blocks, true},
	{"tmux, $TMUX unset", "\x1bP>|tmux 3.4\x1b\\\x1b[?1;2;4c", false, Blocks, true},
	{"tmux, passthrough to kitty", "\x1bP>|tmux 3.4\x1b\\\x1b[?1;2;4c\x1b_Gi=31;OK\x1b\\", true, Kitty, true},
}

func TestDecide(t *testing.T) {
	for _, tt := range replies {
		r := ParseReplies([]byte(tt.input))
		d := Decide(r, tt.tmux)
		if d.Protocol != tt.want || d.Tmux != tt.wrap || d.Reason == "" || d.Cell != r.Cell {
			t.Errorf("%s: Decide(%+v) = %+v, want %v (tmux %v)", tt.name, r, d, tt.want, tt.wrap)
		}
	}
}

func TestParseReplies(t *testing.T) {
	want := Replies{Version: "kitty(0.35.2)", Kitty: "OK", KittySeen: true, DA1: []int{62, 4, 0}, DA1Seen: true, Cell: picture.Cell{W: 9, H: 18}}
	for _, in := range []string{
		"\x1bP>|kitty(0.35.2)\x1b\\\x1b_Gi=31;OK\x1b\\\x1b[6;18;9t\x1b[?62;4;c",
		"\x1bP>|kitty(0.35.2)\a\x1b_Gi=31;OK\a\x1b[6;18;9t\x1b[?62;4;c", // BEL ends strings too
	} {
		r := ParseReplies([]byte(in))
		if r.Version != want.Version || r.Kitty != want.Kitty || !r.KittySeen || !slices.Equal(r.DA1, want.DA1) || !r.DA1Seen || r.Cell != want.Cell {
			t.Errorf("ParseReplies(%q) = %+v, want %+v", in, r, want)
		}
	}
	// A kitty reply to another image id is not ours.
	if r := ParseReplies([]byte("\x1b_Gi=5;OK\x1b\\")); r.KittySeen {
		t.Errorf("reply for image 5 taken as ours: %+v", r)
	}
	if !want.Complete(false) || !want.Complete(true) {
		t.Error("Complete is wrong")
	}
	if (Replies{DA1Seen: true}).Complete(true) {
		t.Error("inside tmux, Complete without the kitty reply")
	}
}

// TestObserve feeds the same replies through ultraviolet's input decoder,
// which bubbletea v2 reads the terminal with, and checks that Observe
// collects from those messages what ParseReplies finds in the bytes.
func TestObserve(t *testing.T) {
	for _, tt := range replies {
		var got Replies
		var dec uv.EventDecoder
		buf := []byte(tt.input)
		for len(buf) > 0 {
			n, ev := dec.Decode(buf)
			if n == 0 {
				break
			}
			buf = buf[n:]
			// bubbletea's translateInputEvent renames this one event and
			// passes the other two through unchanged.
			var msg tea.Msg = ev
			if v, ok := ev.(uv.TerminalVersionEvent); ok {
				msg = tea.TerminalVersionMsg(v)
			}
			got.Observe(msg)
		}
		want := ParseReplies([]byte(tt.input))
		if got.Version != want.Version || got.Kitty != want.Kitty || got.KittySeen != want.KittySeen ||
			!slices.Equal(got.DA1, want.DA1) || got.DA1Seen != want.DA1Seen || got.Cell != want.Cell {
			t.Errorf("%s: Observe collected %+v, ParseReplies %+v", tt.name, got, want)
		}
	}
	var r Replies
	if r.Observe(tea.KeyPressMsg{Code: 'j'}) {
		t.Error("Observe took a key press")
	}
}
