package tui

import (
	"bytes"
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	uv "github.com/charmbracelet/ultraviolet"
	"github.com/charmbracelet/x/ansi"

	"triage/render/termimg"
)

// placeDriver runs the program as the driver does, and after every Update
// draws the frame as bubbletea v2's renderer would (ultraviolet diffing a
// cell buffer; a tea.ClearScreen repaints everything) through a
// termimg.Placer, so that a test sees the bytes a terminal would get. A
// frame after every Update is the most frames the renderer could draw, so
// the most chances to send an image twice.
type placeDriver struct {
	driver
	term  bytes.Buffer // everything the terminal received
	frame bytes.Buffer
	scr   *uv.TerminalRenderer
	cells uv.ScreenBuffer
}

func newPlaceDriver(t *testing.T, w, h int) *placeDriver {
	t.Helper()
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	d := &placeDriver{driver: driver{t: t}}
	d.before = func(msg tea.Msg) {
		if msg == screenCleared {
			d.scr.Erase() // as bubbletea's renderer does, before Update
		}
	}
	d.after = d.draw
	d.raw = func(s string) { d.term.WriteString(s) }
	placer := termimg.NewPlacer(&d.term)
	d.m = New(context.Background(), openDemo(t), Options{Title: "test", Images: termimg.Sixel, Placer: placer})
	d.cells = uv.NewScreenBuffer(w, h)
	d.scr = uv.NewTerminalRenderer(&d.frame, []string{"TERM=xterm-256color"})
	d.send(tea.WindowSizeMsg{Width: w, Height: h})
	d.run(d.m.Init())
	return d
}

func (d *placeDriver) draw() {
	d.t.Helper()
	d.cells.Clear()
	uv.NewStyledString(d.m.Render()).Draw(d.cells, d.cells.Bounds())
	d.scr.Render(d.cells.RenderBuffer)
	if err := d.scr.Flush(); err != nil {
		d.t.Fatal(err)
	}
	if d.frame.Len() > 0 {
		if _, err := d.m.pics.placer.Write(d.frame.Bytes()); err != nil {
			d.t.Fatal(err)
		}
	}
	d.frame.Reset()
}

// step presses keys and returns the sixel images the terminal got for
// them, as "row;col" (1-based, where each was placed).
func (d *placeDriver) step(msgs ...tea.Msg) []string {
	before := d.term.Len()
	for _, m := range msgs {
		d.send(m)
	}
	var at []string
	for _, m := range sixelAt.FindAllStringSubmatch(d.term.String()[before:], -1) {
		at = append(at, m[1])
	}
	return at
}

// sixelAt is termimg.PlaceAt around a sixel image.
var sixelAt = regexp.MustCompile("\x1b7\x1b\\[([0-9]+;[0-9]+)H\x1bP0;1;0q")

// markedAt is where the screen's picture markers start, as "row;col"
// (1-based), or "" when there are none.
func (d *placeDriver) markedAt() string {
	for row, line := range strings.Split(d.m.Render(), "\n") {
		if i := strings.Index(line, "\x1bP~triage-picture:"); i >= 0 {
			return strconv.Itoa(row+1) + ";" + strconv.Itoa(ansi.StringWidth(line[:i])+1)
		}
	}
	return ""
}

// TestSixelPlaced checks the bytes a sixel terminal gets while the detail
// view shows the demo's digits: each picture is sent once, after the
// frame that makes room for it, at the cell the view marks, and not again
// while nothing over it changes; going away it is cleared, not sent.
func TestSixelPlaced(t *testing.T) {
	d := newPlaceDriver(t, 100, 18)
	k := d.m.c.keys
	key := func(b key.Binding) tea.Msg { return keyPress(b.Keys()[0]) }
	once := func(what string, got []string) {
		t.Helper()
		want := d.markedAt()
		if want == "" {
			t.Fatalf("%s: no picture marked on screen:\n%s", what, d.screen())
		}
		if len(got) != 1 || got[0] != want {
			t.Errorf("%s: sixel sent at %q, want once at %s", what, got, want)
		}
	}
	none := func(what string, got []string) {
		t.Helper()
		if len(got) != 0 {
			t.Errorf("%s: sixel sent at %q, want not at all", what, got)
		}
	}

	once("open the detail view", d.step(key(k.Open), key(k.Open)))
	if !strings.Contains(d.screen(), "sixel") {
		t.Errorf("the image line does not say sixel:\n%s", d.screen())
	}
	first := d.m.pics.placed
	none("tag a row (the notice changes)", d.step(key(k.Mark)))
	// Each line scrolled moves the picture, until it is cut.
	once("scroll a line", d.step(key(k.Down)))
	once("scroll another line", d.step(key(k.Down)))
	none("scroll on: the picture is cut", d.step(key(k.Down)))
	if d.markedAt() != "" || d.m.pics.placed.id != 0 {
		t.Error("a cut picture is still marked")
	}
	for range 3 {
		once("scroll back", d.step(key(k.Up)))
	}
	if d.markedAt() != "5;1" {
		t.Errorf("scrolled back, the picture is at %s, want 5;1", d.markedAt())
	}
	once("the next sample", d.step(key(k.Right)))
	if d.m.pics.placed.id == first.id {
		t.Error("the next sample shows the same image")
	}
	none("help over the picture", d.step(key(k.Help)))
	if d.markedAt() != "" {
		t.Error("the picture is marked under the help")
	}
	once("help closed", d.step(key(k.Help)))
	none("the detail view closed", d.step(key(k.Close)))
	if d.m.pics.placed.id != 0 || d.m.pics.clearing {
		t.Errorf("after closing: placed %+v, clearing %v", d.m.pics.placed, d.m.pics.clearing)
	}

	// A resize repaints everything: the picture is sent again at its new
	// size, last, where the view marks it.
	once("opened again", d.step(key(k.Open)))
	d.cells = uv.NewScreenBuffer(160, 48)
	d.scr.Resize(160, 48)
	d.scr.Erase()
	got := d.step(tea.WindowSizeMsg{Width: 160, Height: 48})
	if want := d.markedAt(); len(got) == 0 || got[len(got)-1] != want || want == "" {
		t.Errorf("after a resize: sixel sent at %q, want last at %s", got, want)
	}
	if len(got) > 2 {
		t.Errorf("after a resize: sixel sent %d times, want at most 2 (the old picture repainted, then the new size)", len(got))
	}
}
