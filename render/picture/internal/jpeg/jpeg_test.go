package jpeg

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	stdjpeg "image/jpeg"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// testImages are the JPEGs of Go's own image tests: every subsampling
// ratio, progressive and baseline, restart intervals, grey, RGB and CMYK.
func testImages(t *testing.T) map[string][]byte {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(runtime.GOROOT(), "src", "image", "testdata", "*.jpeg"))
	if err != nil || len(paths) < 20 {
		t.Fatalf("Go's JPEG test images: %d found, %v", len(paths), err)
	}
	out := map[string][]byte{}
	for _, p := range paths {
		if strings.Contains(p, "truncated") {
			continue
		}
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(p)] = data
	}
	return out
}

func rgba(img image.Image) *image.RGBA {
	out := image.NewRGBA(image.Rect(0, 0, img.Bounds().Dx(), img.Bounds().Dy()))
	draw.Draw(out, out.Bounds(), img, img.Bounds().Min, draw.Src)
	return out
}

// TestDecodeSameAsStd: the copy decodes every test image as image/jpeg
// does, pixel for pixel.
func TestDecodeSameAsStd(t *testing.T) {
	for name, data := range testImages(t) {
		want, err := stdjpeg.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: image/jpeg: %v", name, err)
		}
		var d decoder
		got, err := d.decode(bytes.NewReader(data), false)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !bytes.Equal(rgba(got).Pix, rgba(want).Pix) || got.Bounds() != want.Bounds() {
			t.Errorf("%s: decoded differently from image/jpeg", name)
		}
	}
}

// TestDecodeEighth compares each pixel of the eighth-size image with the
// mean of its 8×8 block in the full decode, per channel of the YCbCr,
// grey or CMYK samples before any conversion to RGB. They differ by
// rounding (under 0.6 on average), and by up to 21 where the full decode
// clamped samples that ringing pushed past 0 or 255 (those bounds hold for
// every test image, with a little room).
func TestDecodeEighth(t *testing.T) {
	for name, data := range testImages(t) {
		full, err := stdjpeg.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		small, err := DecodeEighth(bytes.NewReader(data))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		fb, sb := full.Bounds(), small.Bounds()
		if sb.Dx() != (fb.Dx()+7)/8 || sb.Dy() != (fb.Dy()+7)/8 {
			t.Errorf("%s: %v at an eighth of %v", name, sb, fb)
			continue
		}
		var sum, n float64
		worst := 0
		for y := range sb.Dy() {
			for x := range sb.Dx() {
				got := channels(small.At(sb.Min.X+x, sb.Min.Y+y))
				var mean [4]float64
				cnt := 0
				for yy := 8 * y; yy < min(8*y+8, fb.Dy()); yy++ {
					for xx := 8 * x; xx < min(8*x+8, fb.Dx()); xx++ {
						c := channels(full.At(fb.Min.X+xx, fb.Min.Y+yy))
						for i := range 4 {
							mean[i] += float64(c[i])
						}
						cnt++
					}
				}
				switch small.(type) {
				case *image.YCbCr, *image.RGBA:
					// Chroma (in an RGB JPEG, G and B) is the mean of its
					// own subsampled block, which may cover more than this
					// pixel's 8×8: compare luma (R).
					mean[1], mean[2], got[1], got[2] = 0, 0, 0, 0
				}
				for i := range 4 {
					d := int(got[i]) - int(mean[i]/float64(cnt)+0.5)
					d = max(d, -d)
					worst = max(worst, d)
					sum += float64(d)
					n++
				}
			}
		}
		if avg := sum / n; avg > 0.6 || worst > 24 {
			t.Errorf("%s: differs from the block means by %.2f on average, %d at worst", name, avg, worst)
		}
	}
}

// channels returns a colour's own samples: Y, Cb, Cr; grey; C, M, Y, K;
// or R, G, B, A.
func channels(c color.Color) [4]uint8 {
	switch c := c.(type) {
	case color.YCbCr:
		return [4]uint8{c.Y, c.Cb, c.Cr}
	case color.Gray:
		return [4]uint8{c.Y}
	case color.CMYK:
		return [4]uint8{c.C, c.M, c.Y, c.K}
	}
	r, g, b, a := c.RGBA()
	return [4]uint8{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), uint8(a >> 8)}
}

// TestDecodeEighthCorrupt: a truncated image fails as it does in full.
func TestDecodeEighthCorrupt(t *testing.T) {
	data := testImages(t)["video-001.jpeg"]
	for _, n := range []int{2, 100, len(data) / 2} {
		if _, err := DecodeEighth(bytes.NewReader(data[:n])); err == nil {
			t.Errorf("DecodeEighth of the first %d bytes: no error", n)
		}
	}
}
