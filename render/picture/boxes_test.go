package picture

import (
	"image"
	"image/color"
	"math"
	"testing"
)

func blank(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 0x10
	}
	return img
}

func TestDrawBoxes(t *testing.T) {
	// A 200×100 source shown at 40×20: a scale of 1/5.
	dst := blank(40, 20)
	DrawBoxes(dst, 200, 100, []Box{
		{X: 10, Y: 10, W: 50, H: 50, Verdict: TP},
		{X: 100, Y: 20, W: 60, H: 40, Verdict: FP, Highlight: true},
		{X: 150, Y: 50, W: 100, H: 100, Verdict: FN},     // past the corner: clipped
		{X: 300, Y: 300, W: 10, H: 10, Verdict: FP},      // wholly outside: dropped
		{X: math.NaN(), Y: 0, W: 10, H: 10, Verdict: FP}, // not drawn
		{X: 0, Y: 0, W: 0, H: 10, Verdict: FP},           // empty: not drawn
	})
	bg := color.RGBA{0x10, 0x10, 0x10, 0x10}
	white := color.RGBA{0xff, 0xff, 0xff, 0xff}
	tests := []struct {
		x, y int
		want color.RGBA
	}{
		{2, 2, TP.Color()}, {11, 2, TP.Color()}, {2, 11, TP.Color()}, {11, 11, TP.Color()}, // TP corners (2..11)
		{6, 6, bg},           // inside the TP box
		{20, 4, FP.Color()},  // highlighted FP, 2 px wide: (20,4)-(32,12)
		{21, 5, FP.Color()},  // its second line
		{22, 6, bg},          // inside
		{19, 3, white},       // its white outline
		{39, 19, FN.Color()}, // the clipped FN box is drawn along the image edge
		{34, 10, FN.Color()}, // its top edge
		{0, 0, bg},
	}
	for _, tt := range tests {
		if got := dst.RGBAAt(tt.x, tt.y); got != tt.want {
			t.Errorf("pixel (%d,%d) = %v, want %v", tt.x, tt.y, got, tt.want)
		}
	}
}

func TestDrawBoxesHighlightOnTop(t *testing.T) {
	// Two boxes share their outline; the highlighted one is listed first
	// but drawn last.
	dst := blank(10, 10)
	DrawBoxes(dst, 10, 10, []Box{
		{X: 2, Y: 2, W: 6, H: 6, Verdict: FN, Highlight: true},
		{X: 2, Y: 2, W: 6, H: 6, Verdict: TP},
	})
	if got := dst.RGBAAt(2, 2); got != FN.Color() {
		t.Errorf("shared corner = %v, want the highlighted box's %v", got, FN.Color())
	}
}

func TestDrawBoxesLabel(t *testing.T) {
	// Labels need room: none on a small rendering, one above the box on a
	// large one.
	small := blank(40, 20)
	DrawBoxes(small, 40, 20, []Box{{X: 5, Y: 10, W: 20, H: 8, Verdict: FP, Label: "fp dog 0.91"}})
	if got := small.RGBAAt(6, 5); got != (color.RGBA{0x10, 0x10, 0x10, 0x10}) {
		t.Errorf("small image: pixel above the box = %v, want no label", got)
	}
	large := blank(300, 200)
	DrawBoxes(large, 300, 200, []Box{{X: 50, Y: 100, W: 100, H: 50, Verdict: FP, Label: "fp dog 0.91"}})
	tab, ink := 0, 0
	for y := 87; y < 100; y++ {
		for x := 50; x < 50+11*7+2; x++ {
			switch large.RGBAAt(x, y) {
			case FP.Color():
				tab++
			case color.RGBA{0, 0, 0, 0xff}, color.RGBA{0xff, 0xff, 0xff, 0xff}:
				ink++
			}
		}
	}
	if tab == 0 || ink < 50 {
		t.Errorf("large image: label tab has %d tab pixels and %d ink pixels, want both", tab, ink)
	}
}

func TestParseVerdict(t *testing.T) {
	for _, v := range []Verdict{TP, FP, FN, Ignored} {
		if got := ParseVerdict(v.String()); got != v {
			t.Errorf("ParseVerdict(%q) = %v, want %v", v.String(), got, v)
		}
	}
	if got := ParseVerdict("TP"); got != Unmatched {
		t.Errorf(`ParseVerdict("TP") = %v, want Unmatched`, got)
	}
}
