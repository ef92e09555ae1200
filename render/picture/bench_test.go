package picture

import (
	"image"
	"testing"
)

// BenchmarkScale shrinks a 1024×768 photo, decoded from JPEG (YCbCr 4:2:0),
// to a 100×75 half-block pane, and the same as RGBA.
func BenchmarkScale(b *testing.B) {
	img, _, err := Decode(encode(b, "jpeg", gradient(1024, 768)), DefaultLimits)
	if err != nil {
		b.Fatal(err)
	}
	rgba := Scale(img, 1024, 768)
	for _, src := range []image.Image{img, rgba} {
		name := "ycbcr"
		if _, ok := src.(*image.RGBA); ok {
			name = "rgba"
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				Scale(src, 100, 75)
			}
		})
	}
}
