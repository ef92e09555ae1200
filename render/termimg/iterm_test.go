package termimg

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/png"
	"strconv"
	"strings"
	"testing"

	"triage/render/picture"
)

func pictureCell(w, h int) picture.Cell { return picture.Cell{W: w, H: h} }

func TestITerm(t *testing.T) {
	img := tiny()
	seq, err := ITermImage(img, 6, 2)
	if err != nil {
		t.Fatal(err)
	}
	body, ok := strings.CutPrefix(seq, "\x1b]1337;File=")
	if !ok || !strings.HasSuffix(body, "\a") {
		t.Fatalf("not an OSC 1337 File sequence: %q", seq)
	}
	args, data, _ := strings.Cut(strings.TrimSuffix(body, "\a"), ":")
	raw, err := base64.StdEncoding.DecodeString(data)
	if err != nil {
		t.Fatal(err)
	}
	want := "inline=1;size=" + strconv.Itoa(len(raw)) + ";width=6;height=2;preserveAspectRatio=1"
	if args != want {
		t.Errorf("arguments %q, want %q", args, want)
	}
	back, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	b := back.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r1, g1, b1, a1 := back.At(x, y).RGBA()
			r2, g2, b2, a2 := img.At(x, y).RGBA()
			if r1 != r2 || g1 != g2 || b1 != b2 || a1 != a2 {
				t.Errorf("pixel (%d,%d) = %v, want %v", x, y, back.At(x, y), img.At(x, y))
			}
		}
	}
	if b != img.Bounds() {
		t.Errorf("PNG is %v, want %v", b, img.Bounds())
	}
	p, err := Render(image.Image(img), Options{Protocol: ITerm, Cols: 6, Rows: 2})
	if err != nil || !strings.HasPrefix(p.Raw, "\x1b]1337;File=inline=1;") || p.Cols != 6 || p.Rows != 2 {
		t.Errorf("Render(iterm) = %d×%d, %.30q, %v", p.Cols, p.Rows, p.Raw, err)
	}
}
