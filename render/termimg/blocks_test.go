package termimg

import (
	"fmt"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"triage/render/picture"
)

// cell is one parsed half-block cell: the colours of its two pixels, nil
// where the terminal's background shows.
type cell struct{ top, bottom *color.RGBA }

// parseHalfBlocks reads HalfBlocks output back into pixels, following the
// SGR sequences it uses, so that tests check what a terminal would show.
func parseHalfBlocks(t *testing.T, s string) [][]cell {
	t.Helper()
	var rows [][]cell
	for _, line := range strings.Split(s, "\n") {
		var fg, bg *color.RGBA
		var row []cell
		for i := 0; i < len(line); {
			if strings.HasPrefix(line[i:], "\x1b[") {
				end := strings.IndexByte(line[i:], 'm')
				fg, bg = applySGR(t, line[i+2:i+end], fg, bg)
				i += end + 1
				continue
			}
			r, size := []rune(line[i:])[0], len(string([]rune(line[i:])[0]))
			switch r {
			case '▀':
				row = append(row, cell{fg, bg})
			case '▄':
				row = append(row, cell{bg, fg})
			case ' ':
				row = append(row, cell{bg, bg})
			default:
				t.Fatalf("unexpected %q in half-block line %q", r, line)
			}
			i += size
		}
		if fg != nil || bg != nil {
			t.Errorf("line %q does not end with a reset", line)
		}
		rows = append(rows, row)
	}
	return rows
}

func applySGR(t *testing.T, params string, fg, bg *color.RGBA) (*color.RGBA, *color.RGBA) {
	ps := strings.Split(params, ";")
	num := func(i int) int {
		n, err := strconv.Atoi(ps[i])
		if err != nil {
			t.Fatalf("bad SGR %q", params)
		}
		return n
	}
	for i := 0; i < len(ps); i++ {
		switch p := num(i); p {
		case 0:
			fg, bg = nil, nil
		case 39:
			fg = nil
		case 49:
			bg = nil
		case 38, 48:
			var c color.RGBA
			switch num(i + 1) {
			case 2:
				c = color.RGBA{uint8(num(i + 2)), uint8(num(i + 3)), uint8(num(i + 4)), 0xff}
				i += 4
			case 5:
				r, g, b, _ := ansi.IndexedColor(num(i + 2)).RGBA()
				c = color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), 0xff}
				i += 2
			}
			if p == 38 {
				fg = &c
			} else {
				bg = &c
			}
		default:
			t.Fatalf("unexpected SGR %d in %q", p, params)
		}
	}
	return fg, bg
}

// sketch draws parsed cells as text, two characters a pixel row so that
// pixels look square: a shade from " .:-=+*#%@" by brightness, or the
// letter of a verdict colour (T, F, N, I; W for a highlight's white).
func sketch(rows [][]cell) string {
	names := map[color.RGBA]byte{
		picture.TP.Color(): 'T', picture.FP.Color(): 'F', picture.FN.Color(): 'N',
		picture.Ignored.Color(): 'I', {0xff, 0xff, 0xff, 0xff}: 'W',
	}
	const ramp = " .:-=+*#%@"
	px := func(c *color.RGBA) byte {
		if c == nil {
			return '~'
		}
		if ch, ok := names[*c]; ok {
			return ch
		}
		l := (299*int(c.R) + 587*int(c.G) + 114*int(c.B)) / 1000
		return ramp[l*len(ramp)/256]
	}
	var sb strings.Builder
	for _, row := range rows {
		for half := range 2 {
			for _, c := range row {
				p := c.top
				if half == 1 {
					p = c.bottom
				}
				sb.WriteByte(px(p))
				sb.WriteByte(px(p))
			}
			sb.WriteByte('\n')
		}
	}
	return sb.String()
}

func digit(t *testing.T) image.Image {
	t.Helper()
	// The image.bytes of row id 0 of testdata/demo/digits.parquet: labelled
	// 7, a 0 in fact (one of the demo's injected label errors).
	data, err := os.ReadFile(filepath.Join("testdata", "digit-id0.png"))
	if err != nil {
		t.Fatal(err)
	}
	img, _, err := picture.Decode(data, picture.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// threeBoxes is a 64×48 grey gradient with a true positive, a false
// positive (highlighted) and a missed ground-truth box.
func threeBoxes() (image.Image, []picture.Box) {
	img := image.NewGray(image.Rect(0, 0, 64, 48))
	for y := range 48 {
		for x := range 64 {
			img.Pix[y*64+x] = uint8(40 + x)
		}
	}
	return img, []picture.Box{
		{X: 4, Y: 4, W: 24, H: 20, Verdict: picture.TP, Label: "tp car 0.97"},
		{X: 36, Y: 8, W: 20, H: 14, Verdict: picture.FP, Label: "fp dog 0.91", Highlight: true},
		{X: 10, Y: 30, W: 44, H: 14, Verdict: picture.FN, Label: "fn car"},
	}
}

func TestHalfBlocks(t *testing.T) {
	img, boxes := threeBoxes()
	tests := []struct {
		name       string
		img        image.Image
		boxes      []picture.Box
		cols, rows int
		protocol   Protocol
	}{
		{"digit", digit(t), nil, 16, 8, Blocks},
		{"digit256", digit(t), nil, 16, 8, Blocks256},
		{"boxes", img, boxes, 32, 12, Blocks},
	}
	for _, tt := range tests {
		p, err := Render(tt.img, Options{Protocol: tt.protocol, Cols: tt.cols, Rows: tt.rows, Boxes: tt.boxes})
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if p.Cols != tt.cols || p.Rows != tt.rows || p.Raw != "" {
			t.Errorf("%s: Render = %d×%d cells, Raw %q; want %d×%d, no Raw", tt.name, p.Cols, p.Rows, p.Raw, tt.cols, tt.rows)
		}
		lines := strings.Split(p.Text, "\n")
		if len(lines) != p.Rows {
			t.Errorf("%s: %d lines, want %d", tt.name, len(lines), p.Rows)
		}
		for i, l := range lines {
			if w := ansi.StringWidth(l); w != p.Cols {
				t.Errorf("%s: line %d is %d cells wide, want %d", tt.name, i, w, p.Cols)
			}
		}
		golden(t, tt.name+".ans", p.Text)
		golden(t, tt.name+".txt", sketch(parseHalfBlocks(t, p.Text)))
	}
}

// TestHalfBlocksRoundTrip parses the output back and checks every pixel,
// including odd heights and transparent pixels.
func TestHalfBlocksRoundTrip(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 5, 3))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 37)
	}
	for i := 3; i < len(img.Pix); i += 4 {
		img.Pix[i] = 0xff
	}
	img.SetRGBA(1, 0, color.RGBA{}) // transparent over opaque: "▄"
	img.SetRGBA(2, 0, color.RGBA{})
	img.SetRGBA(2, 1, color.RGBA{}) // both transparent: " "
	rows := parseHalfBlocks(t, HalfBlocks(img, false))
	if len(rows) != 2 {
		t.Fatalf("%d rows, want 2", len(rows))
	}
	for y := range 4 {
		for x := range 5 {
			c := rows[y/2][x].top
			if y%2 == 1 {
				c = rows[y/2][x].bottom
			}
			want := img.RGBAAt(x, y)
			if y == 3 || want.A == 0 {
				if c != nil {
					t.Errorf("pixel (%d,%d) = %v, want the background", x, y, *c)
				}
				continue
			}
			if c == nil || *c != want {
				t.Errorf("pixel (%d,%d) = %v, want %v", x, y, c, want)
			}
		}
	}
}

func TestRenderErrors(t *testing.T) {
	img := digit(t)
	for _, opt := range []Options{
		{Protocol: Off, Cols: 10, Rows: 10},
		{Protocol: Auto, Cols: 10, Rows: 10},
		{Protocol: Blocks, Cols: 0, Rows: 10},
		{Protocol: Kitty, Cols: 10, Rows: 10}, // no id
	} {
		if _, err := Render(img, opt); err == nil {
			t.Errorf("Render(%+v) succeeded", opt)
		}
	}
}

func ExampleRender() {
	img := image.NewGray(image.Rect(0, 0, 4, 4))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 16)
	}
	p, _ := Render(img, Options{Protocol: Blocks, Cols: 2, Rows: 1})
	fmt.Printf("%d×%d cells: %q\n", p.Cols, p.Rows, p.Text)
	// Output:
	// 2×1 cells: "\x1b[38;2;40;40;40;48;2;168;168;168m▀\x1b[38;2;72;72;72;48;2;200;200;200m▀\x1b[0m"
}

// TestXterm256 checks the palette mapping against the palette itself:
// every cube and grey colour maps to its own index, and any colour maps to
// an index no farther from it than the nearest cube or grey entry.
func TestXterm256(t *testing.T) {
	rgbOf := func(i int) (int, int, int) {
		r, g, b, _ := ansi.IndexedColor(i).RGBA()
		return int(r >> 8), int(g >> 8), int(b >> 8)
	}
	for i := 16; i < 256; i++ {
		r, g, b := rgbOf(i)
		if got := xterm256(uint8(r), uint8(g), uint8(b)); int(got) != i {
			t.Errorf("xterm256 of palette colour %d (%d,%d,%d) = %d", i, r, g, b, got)
		}
	}
	for _, c := range [][3]uint8{{1, 2, 3}, {250, 10, 10}, {128, 128, 129}, {47, 48, 115}, {200, 180, 20}} {
		got := xterm256(c[0], c[1], c[2])
		r, g, b := rgbOf(int(got))
		d := dist2(r, g, b, c[0], c[1], c[2])
		for i := 16; i < 256; i++ {
			r, g, b := rgbOf(i)
			if dist2(r, g, b, c[0], c[1], c[2]) < d/2 {
				t.Errorf("xterm256%v = %d at distance² %d, but %d is at %d", c, got, d, i, dist2(r, g, b, c[0], c[1], c[2]))
			}
		}
	}
}
