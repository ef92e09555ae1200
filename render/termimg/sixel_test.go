package termimg

import (
	"image"
	"image/color"
	"strconv"
	"strings"
	"testing"
)

// decodeSixel is a small sixel decoder for tests: it reads what SixelImage
// writes (raster attributes, RGB colour definitions in percent, colour
// selection, repeats, carriage returns and new lines) into an image whose
// undrawn pixels stay transparent.
func decodeSixel(t *testing.T, seq string) *image.RGBA {
	t.Helper()
	body, ok := strings.CutPrefix(seq, "\x1bP0;1;0q")
	if !ok || !strings.HasSuffix(body, "\x1b\\") {
		t.Fatalf("not a sixel sequence: %q", seq)
	}
	s := strings.TrimSuffix(body, "\x1b\\")
	num := func() int {
		j := 0
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		n, err := strconv.Atoi(s[:j])
		if err != nil {
			t.Fatalf("number expected at %q", s)
		}
		s = s[j:]
		return n
	}
	if s[0] != '"' {
		t.Fatal("no raster attributes")
	}
	s = s[1:]
	var ra [4]int
	for i := range ra {
		if i > 0 {
			s = s[1:] // ';'
		}
		ra[i] = num()
	}
	if ra[0] != 1 || ra[1] != 1 {
		t.Errorf("pixel aspect %d:%d, want 1:1", ra[0], ra[1])
	}
	img := image.NewRGBA(image.Rect(0, 0, ra[2], ra[3]))
	palette := map[int]color.RGBA{}
	cur, x, y := -1, 0, 0
	paint := func(ch byte, n int) {
		bits := ch - 63
		for range n {
			for k := range 6 {
				if bits&(1<<k) != 0 {
					if x >= ra[2] || y+k >= ra[3] {
						t.Fatalf("pixel (%d,%d) outside %d×%d", x, y+k, ra[2], ra[3])
					}
					img.SetRGBA(x, y+k, palette[cur])
				}
			}
			x++
		}
	}
	for len(s) > 0 {
		switch c := s[0]; {
		case c == '#':
			s = s[1:]
			i := num()
			if strings.HasPrefix(s, ";2;") {
				s = s[3:]
				r := num()
				s = s[1:]
				g := num()
				s = s[1:]
				b := num()
				palette[i] = color.RGBA{uint8((r*255 + 50) / 100), uint8((g*255 + 50) / 100), uint8((b*255 + 50) / 100), 255}
			} else {
				if _, ok := palette[i]; !ok {
					t.Fatalf("colour %d used before it is defined", i)
				}
				cur = i
			}
		case c == '!':
			s = s[1:]
			n := num()
			ch := s[0]
			s = s[1:]
			paint(ch, n)
		case c == '$':
			x, s = 0, s[1:]
		case c == '-':
			x, y, s = 0, y+6, s[1:]
		case c >= 63 && c <= 126:
			paint(c, 1)
			s = s[1:]
		default:
			t.Fatalf("unexpected %q in sixel data", c)
		}
	}
	return img
}

func TestSixel(t *testing.T) {
	// Two bands (7 rows), three colours, one transparent pixel.
	img := image.NewRGBA(image.Rect(0, 0, 5, 7))
	red, blue, grey := color.RGBA{255, 0, 0, 255}, color.RGBA{0, 0, 255, 255}, color.RGBA{128, 128, 128, 255}
	for y := range 7 {
		for x := range 5 {
			c := grey
			switch {
			case x == y:
				c = red
			case y == 6:
				c = blue
			}
			img.SetRGBA(x, y, c)
		}
	}
	img.SetRGBA(4, 0, color.RGBA{})
	seq := SixelImage(img)
	golden(t, "tiny.txt", quoted(seq))
	back := decodeSixel(t, seq)
	for y := range 7 {
		for x := range 5 {
			want, got := img.RGBAAt(x, y), back.RGBAAt(x, y)
			if want.A == 0 {
				if got.A != 0 {
					t.Errorf("transparent pixel (%d,%d) drawn as %v", x, y, got)
				}
				continue
			}
			// Sixel colours are whole percents: 128 reads back as 127.
			if d := colorDist(want, got); d > 2 {
				t.Errorf("pixel (%d,%d) = %v, want %v", x, y, got, want)
			}
		}
	}
}

// TestSixelDithered checks an image of more than 256 colours: dithered to
// the cube, it keeps its local average colours.
func TestSixelDithered(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 64, 64))
	for y := range 64 {
		for x := range 64 {
			img.SetRGBA(x, y, color.RGBA{uint8(x * 4), uint8(y * 4), 160, 255})
		}
	}
	seq := SixelImage(img)
	if n := strings.Count(seq, ";2;"); n > 256 {
		t.Errorf("%d palette entries, over 256", n)
	}
	back := decodeSixel(t, seq)
	for by := 0; by < 64; by += 8 {
		for bx := 0; bx < 64; bx += 8 {
			if d := colorDist(blockMean(img, bx, by), blockMean(back, bx, by)); d > 6 {
				t.Errorf("8×8 block at (%d,%d): mean %v, want about %v", bx, by, blockMean(back, bx, by), blockMean(img, bx, by))
			}
		}
	}
}

func blockMean(img *image.RGBA, x0, y0 int) color.RGBA {
	var r, g, b int
	for y := y0; y < y0+8; y++ {
		for x := x0; x < x0+8; x++ {
			c := img.RGBAAt(x, y)
			r, g, b = r+int(c.R), g+int(c.G), b+int(c.B)
		}
	}
	return color.RGBA{uint8(r / 64), uint8(g / 64), uint8(b / 64), 255}
}

func colorDist(a, b color.RGBA) int {
	d := 0
	for _, p := range [][2]uint8{{a.R, b.R}, {a.G, b.G}, {a.B, b.B}, {a.A, b.A}} {
		d = max(d, int(p[0])-int(p[1]), int(p[1])-int(p[0]))
	}
	return d
}

func TestSixelRender(t *testing.T) {
	p, err := Render(tiny(), Options{Protocol: Sixel, Cols: 3, Rows: 1, Cell: pictureCell(8, 16)})
	if err != nil {
		t.Fatal(err)
	}
	// 3×2 pixels in 3×1 cells of 8×16: 24×16 pixels, 3×1 cells.
	back := decodeSixel(t, p.Raw)
	if back.Bounds().Dx() != 24 || back.Bounds().Dy() != 16 || p.Cols != 3 || p.Rows != 1 {
		t.Errorf("Render = %v image in %d×%d cells, want 24×16 in 3×1", back.Bounds(), p.Cols, p.Rows)
	}
	if p.Text != "   " {
		t.Errorf("Text = %q, want 3 blank cells", p.Text)
	}
	wrapped, _ := Render(tiny(), Options{Protocol: Sixel, Cols: 3, Rows: 1, Cell: pictureCell(8, 16), Tmux: true})
	if unwrapTmux(t, wrapped.Raw) != p.Raw {
		t.Error("tmux-wrapped sixel does not unwrap to the plain one")
	}
	if got := PlaceAt("X", 4, 2); got != "\x1b7\x1b[3;5HX\x1b8" {
		t.Errorf("PlaceAt = %q", got)
	}
}
