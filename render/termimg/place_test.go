package termimg

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	uv "github.com/charmbracelet/ultraviolet"
)

// screen draws frames as bubbletea v2's renderer does (ultraviolet's
// TerminalRenderer diffing a cell buffer) and writes each through a
// Placer, recording what reached the terminal for each frame.
type screen struct {
	term  bytes.Buffer // what the terminal received, all frames
	frame bytes.Buffer // the renderer's output for one frame
	scr   *uv.TerminalRenderer
	cells uv.ScreenBuffer
	p     *Placer
}

func newScreen(p *Placer, w, h int) *screen {
	s := &screen{p: p, cells: uv.NewScreenBuffer(w, h)}
	s.scr = uv.NewTerminalRenderer(&s.frame, []string{"TERM=xterm-256color"})
	return s
}

// draw renders content as the next frame and returns what the terminal
// received for it.
func (s *screen) draw(t *testing.T, content string) string {
	t.Helper()
	s.cells.Clear()
	uv.NewStyledString(content).Draw(s.cells, s.cells.Bounds())
	s.scr.Render(s.cells.RenderBuffer)
	if err := s.scr.Flush(); err != nil {
		t.Fatal(err)
	}
	before := s.term.Len()
	if s.frame.Len() > 0 {
		if n, err := s.p.Write(s.frame.Bytes()); err != nil || n != s.frame.Len() {
			t.Fatalf("Placer.Write = %d, %v, want %d, nil", n, err, s.frame.Len())
		}
	}
	s.frame.Reset()
	return s.term.String()[before:]
}

// layout is a 20×6 screen with a title, a 4×2 picture area at (3, 2) when
// id is not 0, and a footer.
func layout(id uint64, footer string) string {
	area := "    \n    "
	if id != 0 {
		area = MarkedBlank(id, 3, 2, 4, 2)
	}
	rows := strings.Split(area, "\n")
	return "title\n\n" + "abc" + rows[0] + "def\n" + "abc" + rows[1] + "def\n\n" + footer
}

func TestPlacer(t *testing.T) {
	p := NewPlacer(nil)
	s := newScreen(p, 20, 6)
	p.out = &s.term
	raw := SixelImage(tiny())
	id := p.Keep(raw)
	if id == 0 || p.Keep(raw) != id {
		t.Fatalf("Keep gave %d, then another id for the same image", id)
	}
	place := PlaceAt(raw, 3, 2)

	steps := []struct {
		name    string
		content string
		images  int // how many times the image is drawn
	}{
		{"first frame, no picture", layout(0, "footer"), 0},
		{"the picture appears", layout(id, "footer"), 1},
		{"nothing changed", layout(id, "footer"), 0},
		{"only the footer changed", layout(id, "footer 2"), 0},
		{"the picture goes", layout(0, "footer 2"), 0},
		{"it comes back", layout(id, "footer 2"), 1},
	}
	for _, st := range steps {
		out := s.draw(t, st.content)
		if n := strings.Count(out, place); n != st.images {
			t.Errorf("%s: image drawn %d times at (3,2), want %d; output %q", st.name, n, st.images, out)
		}
		if n := strings.Count(out, "\x1bP"); n != st.images {
			t.Errorf("%s: %d DCS strings reached the terminal, want %d (markers must not)", st.name, n, st.images)
		}
		if st.images > 0 && !strings.HasSuffix(out, place) {
			t.Errorf("%s: the image is not written after the frame: %q", st.name, out)
		}
	}

	// A full repaint (after a resize or a clear) draws it again.
	s.scr.Erase()
	if out := s.draw(t, layout(id, "footer 2")); strings.Count(out, place) != 1 {
		t.Errorf("after a full repaint the image is drawn %d times, want 1", strings.Count(out, place))
	}
}

// TestPlacerSync puts the images inside a frame's synchronized update,
// and drops an image it does not hold.
func TestPlacerSync(t *testing.T) {
	var term bytes.Buffer
	p := NewPlacer(&term)
	id := p.Keep("IMG")
	frame := "\x1b[?2026h" + "ab" + Marker(id, 1, 0) + " " + Marker(id, 1, 0) + " " + Marker(99, 0, 0) + "c" + endSync
	if _, err := p.Write([]byte(frame)); err != nil {
		t.Fatal(err)
	}
	want := "\x1b[?2026h" + "ab  c" + PlaceAt("IMG", 1, 0) + endSync
	if got := term.String(); got != want {
		t.Errorf("wrote %q, want %q", got, want)
	}

	// Writes without markers pass through as they are.
	term.Reset()
	if _, err := p.Write([]byte("plain\x1b[1mtext")); err != nil || term.String() != "plain\x1b[1mtext" {
		t.Errorf("plain write became %q, %v", term.String(), err)
	}

	// A marker cut off by the end of a write does not reach the terminal.
	term.Reset()
	if _, err := p.Write([]byte("x" + markerPrefix + "12:3")); err != nil || term.String() != "x" {
		t.Errorf("cut marker: wrote %q, %v", term.String(), err)
	}
}

// TestPlacerKeep holds the 16 images given last.
func TestPlacerKeep(t *testing.T) {
	p := NewPlacer(&bytes.Buffer{})
	var ids []uint64
	for i := range placerKeep + 1 {
		ids = append(ids, p.Keep(strings.Repeat("x", i+1)))
	}
	if _, ok := p.image(ids[0]); ok {
		t.Error("the oldest of 17 images is still held")
	}
	for _, id := range ids[1:] {
		if _, ok := p.image(id); !ok {
			t.Errorf("image %d was dropped", id)
		}
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("gone") }

func TestPlacerError(t *testing.T) {
	p := NewPlacer(failWriter{})
	if _, err := p.Write([]byte("a" + Marker(p.Keep("I"), 0, 0) + " ")); err == nil {
		t.Error("a failed write reported no error")
	}
	if p.Fd() != ^uintptr(0) {
		t.Error("a Placer over a non-file has a file descriptor")
	}
}
