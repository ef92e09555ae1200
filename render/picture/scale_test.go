package picture

import (
	"image"
	"image/color"
	"image/draw"
	"testing"
)

func TestFit(t *testing.T) {
	tests := []struct {
		imgW, imgH, cols, rows int
		cell                   Cell
		w, h, c, r             int
	}{
		{8, 8, 20, 10, HalfBlock, 20, 20, 20, 10},          // square into a 20×20-pixel box
		{8, 8, 40, 10, HalfBlock, 20, 20, 20, 10},          // height bound
		{1024, 768, 80, 24, HalfBlock, 64, 48, 64, 24},     // 4:3 photo
		{1024, 768, 80, 24, DefaultCell, 640, 480, 64, 24}, // the same cells at 10×20 px
		{100, 10, 10, 10, HalfBlock, 10, 1, 10, 1},         // a wide strip keeps one row
		{10, 1000, 10, 5, HalfBlock, 1, 10, 1, 5},          // a tall strip keeps one column
		{8, 8, 0, 10, HalfBlock, 0, 0, 0, 0},
		{0, 8, 10, 10, HalfBlock, 0, 0, 0, 0},
		{8, 8, 10, 10, Cell{}, 0, 0, 0, 0},
	}
	for _, tt := range tests {
		w, h, c, r := Fit(tt.imgW, tt.imgH, tt.cols, tt.rows, tt.cell)
		if w != tt.w || h != tt.h || c != tt.c || r != tt.r {
			t.Errorf("Fit(%d, %d, %d, %d, %v) = %d, %d, %d, %d; want %d, %d, %d, %d",
				tt.imgW, tt.imgH, tt.cols, tt.rows, tt.cell, w, h, c, r, tt.w, tt.h, tt.c, tt.r)
		}
	}
}

func TestScaleGray(t *testing.T) {
	src := image.NewGray(image.Rect(0, 0, 4, 2))
	copy(src.Pix, []uint8{
		0, 10, 100, 200,
		20, 30, 50, 50,
	})
	got := Scale(src, 2, 1)
	// Each destination pixel is the rounded mean of a 2×2 block.
	for i, want := range []uint8{15, 100} {
		if c := got.RGBAAt(i, 0); c != (color.RGBA{want, want, want, 255}) {
			t.Errorf("Scale 4×2→2×1 pixel %d = %v, want grey %d", i, c, want)
		}
	}
	up := Scale(src, 8, 4) // nearest neighbour: each source pixel becomes 2×2
	for y := range 4 {
		for x := range 8 {
			if want := src.GrayAt(x/2, y/2).Y; up.RGBAAt(x, y).R != want {
				t.Errorf("Scale 4×2→8×4 at (%d,%d) = %d, want %d", x, y, up.RGBAAt(x, y).R, want)
			}
		}
	}
}

// TestScaleFastPaths checks each typed scaler against the generic path
// (convert to RGBA, then average) on the same picture.
func TestScaleFastPaths(t *testing.T) {
	src := gradient(97, 61)
	ycc := image.NewYCbCr(src.Bounds(), image.YCbCrSubsampleRatio420)
	for y := range 61 {
		for x := range 97 {
			c := src.RGBAAt(x, y)
			yy, cb, cr := color.RGBToYCbCr(c.R, c.G, c.B)
			ycc.Y[ycc.YOffset(x, y)] = yy
			ycc.Cb[ycc.COffset(x, y)] = cb
			ycc.Cr[ycc.COffset(x, y)] = cr
		}
	}
	gray := image.NewGray(src.Bounds())
	draw.Draw(gray, gray.Bounds(), src, image.Point{}, draw.Src)
	nrgba := image.NewNRGBA(src.Bounds())
	draw.Draw(nrgba, nrgba.Bounds(), src, image.Point{}, draw.Src)
	// A sub-image, so that bounds not at the origin are exercised.
	sub := ycc.SubImage(image.Rect(10, 7, 97, 61)).(*image.YCbCr)
	for _, img := range []image.Image{ycc, gray, nrgba, sub} {
		b := img.Bounds()
		ref := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
		draw.Draw(ref, ref.Bounds(), img, b.Min, draw.Src)
		for _, size := range [][2]int{{20, 13}, {7, 5}, {200, 90}} {
			got, want := Scale(img, size[0], size[1]), Scale(ref, size[0], size[1])
			if d := maxDiff(got, want); d > 3 {
				t.Errorf("Scale(%T %v, %v) differs from the generic path by %d", img, b, size, d)
			}
		}
	}
}

func maxDiff(a, b *image.RGBA) int {
	d := 0
	for i := range a.Pix {
		d = max(d, int(a.Pix[i])-int(b.Pix[i]), int(b.Pix[i])-int(a.Pix[i]))
	}
	return d
}
