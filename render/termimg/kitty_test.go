package termimg

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"image"
	"image/color"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	uv "github.com/charmbracelet/ultraviolet"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/ansi/kitty"
)

// tiny is a 3×2 image of six distinct colours.
func tiny() *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, 3, 2))
	for i, c := range []color.RGBA{
		{255, 0, 0, 255}, {0, 255, 0, 255}, {0, 0, 255, 255},
		{255, 255, 255, 255}, {0, 0, 0, 255}, {128, 64, 32, 255},
	} {
		img.SetRGBA(i%3, i/3, c)
	}
	return img
}

func noise(w, h int) *image.RGBA {
	rng := rand.New(rand.NewPCG(1, 2))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = uint8(rng.IntN(256))
		if i%4 == 3 {
			img.Pix[i] = 0xff
		}
	}
	return img
}

// quoted shows an escape-sequence stream one sequence a line, Go-quoted,
// so that a golden file can be read and checked by hand.
func quoted(s string) string {
	var sb strings.Builder
	for s != "" {
		end := strings.Index(s, "\x1b\\")
		if end < 0 {
			end = len(s)
		} else {
			end += 2
		}
		// A tmux wrapper ends in a doubled-ESC ST and then its own ST.
		for strings.HasPrefix(s[end:], "\x1b\\") {
			end += 2
		}
		sb.WriteString(strconv.Quote(s[:end]))
		sb.WriteByte('\n')
		s = s[end:]
	}
	return sb.String()
}

// kittyCommand is one parsed APC G command.
type kittyCommand struct {
	keys    map[string]string
	payload string
}

func parseKitty(t *testing.T, s string) []kittyCommand {
	t.Helper()
	var cmds []kittyCommand
	for s != "" {
		body, ok := strings.CutPrefix(s, "\x1b_G")
		end := strings.Index(body, "\x1b\\")
		if !ok || end < 0 {
			t.Fatalf("not a kitty command: %q", s)
		}
		keys, payload, _ := strings.Cut(body[:end], ";")
		cmd := kittyCommand{keys: map[string]string{}, payload: payload}
		for kv := range strings.SplitSeq(keys, ",") {
			k, v, _ := strings.Cut(kv, "=")
			cmd.keys[k] = v
		}
		cmds = append(cmds, cmd)
		s = body[end+2:]
	}
	return cmds
}

// kittyPixels joins the payloads and undoes base64 and zlib.
func kittyPixels(t *testing.T, cmds []kittyCommand) []byte {
	t.Helper()
	var b64 strings.Builder
	for _, c := range cmds {
		b64.WriteString(c.payload)
	}
	z, err := base64.StdEncoding.DecodeString(b64.String())
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zlib.NewReader(bytes.NewReader(z))
	if err != nil {
		t.Fatal(err)
	}
	px, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return px
}

func rgbBytes(img *image.RGBA) []byte {
	var out []byte
	for i := 0; i < len(img.Pix); i += 4 {
		out = append(out, img.Pix[i:i+3]...)
	}
	return out
}

// unwrapTmux undoes TmuxWrap on each wrapped sequence of s.
func unwrapTmux(t *testing.T, s string) string {
	t.Helper()
	var out strings.Builder
	for s != "" {
		body, ok := strings.CutPrefix(s, "\x1bPtmux;")
		if !ok {
			t.Fatalf("not wrapped for tmux: %q", s)
		}
		// The wrapper's own ST is the first ESC \ whose ESC is not doubled.
		i := 0
		for ; i < len(body); i++ {
			if body[i] == 0x1b {
				if body[i+1] == 0x1b {
					out.WriteByte(0x1b)
					i++
					continue
				}
				break
			}
			out.WriteByte(body[i])
		}
		if !strings.HasPrefix(body[i:], "\x1b\\") {
			t.Fatalf("tmux wrapper not closed: %q", body)
		}
		s = body[i+2:]
	}
	return out.String()
}

func TestKittyTransmit(t *testing.T) {
	img := tiny()
	seq := KittyTransmit(img, 7, 2, 1, false)
	golden(t, "tiny.txt", quoted(seq))
	cmds := parseKitty(t, seq)
	if len(cmds) != 1 {
		t.Fatalf("%d commands, want 1", len(cmds))
	}
	want := map[string]string{"a": "T", "U": "1", "i": "7", "f": "24", "s": "3", "v": "2", "c": "2", "r": "1", "o": "z", "q": "2", "m": "0"}
	for k, v := range want {
		if cmds[0].keys[k] != v {
			t.Errorf("key %s = %q, want %q", k, cmds[0].keys[k], v)
		}
	}
	if got := kittyPixels(t, cmds); !bytes.Equal(got, rgbBytes(img)) {
		t.Errorf("payload decodes to %v, want %v", got, rgbBytes(img))
	}
}

func TestKittyTransmitChunks(t *testing.T) {
	img := noise(100, 80) // incompressible: about 32 KB of base64
	seq := KittyTransmit(img, 300, 10, 4, false)
	cmds := parseKitty(t, seq)
	if len(cmds) < 3 {
		t.Fatalf("%d chunks, want several", len(cmds))
	}
	for i, c := range cmds {
		if len(c.payload) > 4096 {
			t.Errorf("chunk %d carries %d bytes, over 4096", i, len(c.payload))
		}
		wantM := "1"
		if i == len(cmds)-1 {
			wantM = "0"
		}
		if c.keys["m"] != wantM {
			t.Errorf("chunk %d: m=%s, want %s", i, c.keys["m"], wantM)
		}
		if i > 0 && len(c.keys) != 2 { // m and q only after the first
			t.Errorf("chunk %d has keys %v, want only m and q", i, c.keys)
		}
	}
	if got := kittyPixels(t, cmds); !bytes.Equal(got, rgbBytes(img)) {
		t.Error("chunked payload does not decode to the image")
	}
	wrapped := KittyTransmit(img, 300, 10, 4, true)
	if got := unwrapTmux(t, wrapped); got != seq {
		t.Error("tmux-wrapped transmission does not unwrap to the plain one")
	}
	if n := strings.Count(wrapped, "\x1bPtmux;"); n != len(cmds) {
		t.Errorf("%d tmux wrappers, want one a chunk (%d)", n, len(cmds))
	}
}

// TestKittyPlaceholders draws the placeholder text into ultraviolet's cell
// buffer, as bubbletea's renderer does, with both of its width methods, and
// checks that every cell still names its row, column and image.
func TestKittyPlaceholders(t *testing.T) {
	tests := []struct {
		id     uint32
		wantFg color.Color
		extra  bool
	}{
		{7, ansi.IndexedColor(7), false},
		{0x123456, ansi.RGBColor{R: 0x12, G: 0x34, B: 0x56}, false},
		{0x05123456, ansi.RGBColor{R: 0x12, G: 0x34, B: 0x56}, true},
	}
	const cols, rows = 5, 3
	for _, tt := range tests {
		text := KittyPlaceholders(tt.id, cols, rows)
		for i, line := range strings.Split(text, "\n") {
			if w := ansi.StringWidth(line); w != cols {
				t.Errorf("id %d: line %d is %d cells wide, want %d", tt.id, i, w, cols)
			}
		}
		for _, method := range []ansi.Method{ansi.WcWidth, ansi.GraphemeWidth} {
			scr := uv.NewScreenBuffer(cols+2, rows+1)
			scr.Method = method
			uv.NewStyledString(text).Draw(scr, scr.Bounds())
			for y := range rows {
				for x := range cols {
					c := scr.CellAt(x, y)
					want := string([]rune{kitty.Placeholder, kitty.Diacritic(y), kitty.Diacritic(x)})
					if tt.extra {
						want += string(kitty.Diacritic(int(tt.id >> 24)))
					}
					if c == nil || c.Content != want || c.Width != 1 {
						t.Fatalf("id %d, method %v: cell (%d,%d) = %+v, want %q of width 1", tt.id, method, x, y, c, want)
					}
					if !colorsEqual(c.Style.Fg, tt.wantFg) {
						t.Errorf("id %d: cell (%d,%d) fg = %v, want %v", tt.id, x, y, c.Style.Fg, tt.wantFg)
					}
				}
			}
			if c := scr.CellAt(cols, 0); c != nil && c.Content != " " && c.Content != "" {
				t.Errorf("id %d: placeholders spill into column %d: %q", tt.id, cols, c.Content)
			}
		}
	}
}

func colorsEqual(a, b color.Color) bool {
	if a == nil || b == nil {
		return a == b
	}
	r1, g1, b1, a1 := a.RGBA()
	r2, g2, b2, a2 := b.RGBA()
	return r1 == r2 && g1 == g2 && b1 == b2 && a1 == a2
}

func TestKittyRender(t *testing.T) {
	p, err := Render(tiny(), Options{Protocol: Kitty, Cols: 6, Rows: 2, ID: 9, Tmux: true})
	if err != nil {
		t.Fatal(err)
	}
	// 3×2 pixels fill 6×2 cells of 10×20: 3:2 is 60×40 px in 6×2 cells.
	if p.ID != 9 || p.Cols != 6 || p.Rows != 2 {
		t.Errorf("Render = id %d, %d×%d cells; want id 9, 6×2", p.ID, p.Cols, p.Rows)
	}
	cmds := parseKitty(t, unwrapTmux(t, p.Raw))
	if cmds[0].keys["s"] != "60" || cmds[0].keys["v"] != "40" || cmds[0].keys["c"] != "6" || cmds[0].keys["r"] != "2" {
		t.Errorf("transmission keys %v, want s=60 v=40 c=6 r=2", cmds[0].keys)
	}
	if p.Text != KittyPlaceholders(9, 6, 2) {
		t.Error("Render's text is not the placeholders")
	}
	if got := KittyDelete(9, false); got != "\x1b_Ga=d,d=I,i=9,q=2\x1b\\" {
		t.Errorf("KittyDelete = %q", got)
	}
}
