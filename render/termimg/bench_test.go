package termimg

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"testing"

	"triage/render/picture"
)

// photo is a 1024×768 JPEG (quality 85) with smooth shapes and noise, so
// that it compresses about as a photograph does.
func photo(b *testing.B) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 1024, 768))
	rng := rand.New(rand.NewPCG(3, 4))
	for y := range 768 {
		for x := range 1024 {
			n := rng.IntN(24)
			img.SetRGBA(x, y, color.RGBA{
				uint8(128 + 100*math.Sin(float64(x)/90) + float64(n)/2),
				uint8(float64(y)/3 + float64(n)),
				uint8(128 + 100*math.Cos(float64(x+y)/140)),
				255,
			})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkRender decodes a 1024×768 JPEG, scales it into a 100×40-cell
// pane with three boxes and encodes it, per protocol, as the TUI does:
// decoded at an eighth of its size where the picture is that much smaller
// (half-blocks: 100×75 pixels), in full otherwise.
func BenchmarkRender(b *testing.B) {
	data := photo(b)
	boxes := []picture.Box{
		{X: 100, Y: 100, W: 300, H: 200, Verdict: picture.TP, Label: "tp car 0.97"},
		{X: 500, Y: 300, W: 200, H: 300, Verdict: picture.FP, Label: "fp dog 0.91", Highlight: true},
		{X: 50, Y: 500, W: 400, H: 200, Verdict: picture.FN, Label: "fn car"},
	}
	for _, p := range []Protocol{Blocks, Blocks256, Kitty, Sixel, ITerm} {
		b.Run(p.String(), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			defer reportCPU(b)()
			for b.Loop() {
				opt := Options{Protocol: p, Cols: 100, Rows: 40, ID: 1, Boxes: boxes}
				w, h := opt.PixelBox()
				img, size, _, err := picture.DecodeScaled(data, picture.DefaultLimits, w, h)
				if err != nil {
					b.Fatal(err)
				}
				opt.Size = size
				if _, err := Render(img, opt); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDecodeJPEG is the decoding alone, for comparison: in full, and
// at an eighth of the size.
func BenchmarkDecodeJPEG(b *testing.B) {
	data := photo(b)
	for _, box := range []int{0, 100} {
		name := "full"
		if box > 0 {
			name = "eighth"
		}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			defer reportCPU(b)()
			for b.Loop() {
				if _, _, _, err := picture.DecodeScaled(data, picture.DefaultLimits, box, box); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
