package picture

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
)

func gradient(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetRGBA(x, y, color.RGBA{uint8(x * 255 / w), uint8(y * 255 / h), 0x80, 0xff})
		}
	}
	return img
}

func encode(t testing.TB, format string, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	var err error
	switch format {
	case "png":
		err = png.Encode(&buf, img)
	case "jpeg":
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90})
	case "gif":
		err = gif.Encode(&buf, img, nil)
	case "bmp":
		err = bmp.Encode(&buf, img)
	case "tiff":
		err = tiff.Encode(&buf, img, nil)
	}
	if err != nil {
		t.Fatalf("encode %s: %v", format, err)
	}
	return buf.Bytes()
}

func TestDecodeFormats(t *testing.T) {
	src := gradient(37, 23)
	for _, format := range []string{"png", "jpeg", "gif", "bmp", "tiff"} {
		img, got, err := Decode(encode(t, format, src), DefaultLimits)
		if err != nil {
			t.Errorf("Decode(%s) error: %v", format, err)
			continue
		}
		if got != format || img.Bounds() != src.Bounds() {
			t.Errorf("Decode(%s) = %s %v, want %s %v", format, got, img.Bounds(), format, src.Bounds())
		}
	}
	// A lossy WebP from golang.org/x/image's test data (150×100).
	data, err := os.ReadFile(filepath.Join("testdata", "blue-purple-pink.lossy.webp"))
	if err != nil {
		t.Fatal(err)
	}
	img, format, err := Decode(data, DefaultLimits)
	if err != nil || format != "webp" || img.Bounds().Dx() != 150 || img.Bounds().Dy() != 100 {
		t.Errorf("Decode(webp) = %s %v, %v; want webp 150×100", format, img.Bounds(), err)
	}
}

// pngChunk returns one PNG chunk with its length and CRC.
func pngChunk(typ string, data []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, uint32(len(data)))
	b.WriteString(typ)
	b.Write(data)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	return b.Bytes()
}

// pngWithHeader returns a PNG whose IHDR claims w×h 8-bit grey pixels and
// whose IDAT holds idat.
func pngWithHeader(w, h uint32, idat []byte) []byte {
	var ihdr bytes.Buffer
	binary.Write(&ihdr, binary.BigEndian, w)
	binary.Write(&ihdr, binary.BigEndian, h)
	ihdr.Write([]byte{8, 0, 0, 0, 0}) // bit depth 8, greyscale, no interlace
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	b.Write(pngChunk("IHDR", ihdr.Bytes()))
	b.Write(pngChunk("IDAT", idat))
	b.Write(pngChunk("IEND", nil))
	return b.Bytes()
}

// bomb is a valid PNG of 6000×6000 black pixels: 36 MB of pixels in about
// 35 KB of zlib stream.
func bomb(t testing.TB) []byte {
	const side = 6000
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	row := make([]byte, side+1) // filter byte 0, then the pixels
	for range side {
		zw.Write(row)
	}
	zw.Close()
	return pngWithHeader(side, side, z.Bytes())
}

// jpegClaiming returns a small valid JPEG whose frame header (SOF0) is
// rewritten to claim w×h pixels. SOF holds 16-bit sizes, so 65535×65535
// is the largest claim a JPEG can make.
func jpegClaiming(t testing.TB, w, h uint16) []byte {
	data := encode(t, "jpeg", gradient(16, 16))
	i := bytes.Index(data, []byte{0xff, 0xc0})
	if i < 0 {
		t.Fatal("no SOF0 marker")
	}
	binary.BigEndian.PutUint16(data[i+5:], h)
	binary.BigEndian.PutUint16(data[i+7:], w)
	return data
}

func TestDecodeBadImages(t *testing.T) {
	good := encode(t, "png", gradient(64, 64))
	goodJPEG := encode(t, "jpeg", gradient(64, 64))
	tests := []struct {
		name    string
		data    []byte
		lim     Limits
		wantErr string
		tooBig  bool
	}{
		{"empty", nil, DefaultLimits, "empty image", false},
		{"text", []byte("hello, world"), DefaultLimits, "not an image", false},
		{"png signature only", good[:8], DefaultLimits, "png", false},
		{"png cut in IHDR", good[:20], DefaultLimits, "png", false},
		{"png cut in IDAT", good[:len(good)/2], DefaultLimits, "decode png image", false},
		{"png without IEND", good[:len(good)-12], DefaultLimits, "decode png image", false},
		{"jpeg cut in scan", goodJPEG[:len(goodJPEG)*2/3], DefaultLimits, "decode jpeg image", false},
		{"png 100000×100000", pngWithHeader(100000, 100000, nil), DefaultLimits, "100000×100000", true},
		{"png 1×2^31-1", pngWithHeader(1, 1<<31-1, nil), DefaultLimits, "over the limit", true},
		{"png 0×5", pngWithHeader(0, 5, nil), DefaultLimits, "png", false},
		{"jpeg 65535×65535", jpegClaiming(t, 65535, 65535), DefaultLimits, "65535×65535", true},
		{"png bomb", bomb(t), DefaultLimits, "6000×6000", true},
		{"over byte limit", good, Limits{MaxPixels: 1 << 20, MaxBytes: 100}, "over the limit", true},
	}
	for _, tt := range tests {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		start := time.Now()
		img, _, err := Decode(tt.data, tt.lim)
		elapsed := time.Since(start)
		runtime.ReadMemStats(&after)
		if err == nil {
			t.Errorf("%s: Decode = %v, want an error", tt.name, img.Bounds())
			continue
		}
		if !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%s: Decode error %q, want it to mention %q", tt.name, err, tt.wantErr)
		}
		if errors.Is(err, ErrTooLarge) != tt.tooBig {
			t.Errorf("%s: errors.Is(%q, ErrTooLarge) = %v, want %v", tt.name, err, !tt.tooBig, tt.tooBig)
		}
		// Refusing must cost next to nothing: no pixel buffer, no long
		// inflate. The bounds are loose for a loaded machine, and far below
		// what decoding the claimed pixels would take (36 MB to 40 GB).
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 2<<20 {
			t.Errorf("%s: Decode allocated %d bytes before failing", tt.name, alloc)
		}
		if elapsed > 2*time.Second {
			t.Errorf("%s: Decode took %v before failing", tt.name, elapsed)
		}
	}
}

// TestDecodeBombUnderLimit checks that the limit is what refuses the bomb:
// with room for it, the same bytes decode to 6000×6000 black pixels.
func TestDecodeBombUnderLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("decodes 36 MB of pixels")
	}
	img, _, err := Decode(bomb(t), Limits{MaxPixels: 6000 * 6000})
	if err != nil {
		t.Fatal(err)
	}
	if g, ok := img.(*image.Gray); !ok || g.Bounds().Dx() != 6000 || g.Pix[len(g.Pix)-1] != 0 {
		t.Errorf("bomb decoded to %T %v", img, img.Bounds())
	}
}

func TestDecodeFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.png")
	if err := os.WriteFile(path, encode(t, "png", gradient(5, 3)), 0o644); err != nil {
		t.Fatal(err)
	}
	img, format, err := DecodeFile(path, DefaultLimits)
	if err != nil || format != "png" || img.Bounds().Dx() != 5 {
		t.Errorf("DecodeFile = %v %s %v", img, format, err)
	}
	if _, _, err := DecodeFile(path, Limits{MaxBytes: 10}); !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), path) {
		t.Errorf("DecodeFile over MaxBytes: error %v, want ErrTooLarge naming the file", err)
	}
	if _, _, err := DecodeFile(filepath.Join(dir, "missing.png"), DefaultLimits); err == nil {
		t.Error("DecodeFile(missing) succeeded")
	}
	bad := filepath.Join(dir, "bad.jpg")
	os.WriteFile(bad, []byte("\xff\xd8\xff garbage"), 0o644)
	if _, _, err := DecodeFile(bad, DefaultLimits); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("DecodeFile(corrupt) error %v, want one naming the file", err)
	}
}

// FuzzDecode mutates small images of each format: Decode must return an
// image within the limits or an error, never panic or decode more pixels
// than the limit allows.
func FuzzDecode(f *testing.F) {
	for _, format := range []string{"png", "jpeg", "gif", "bmp", "tiff"} {
		f.Add(encode(f, format, gradient(9, 7)))
	}
	if data, err := os.ReadFile(filepath.Join("testdata", "blue-purple-pink.lossy.webp")); err == nil {
		f.Add(data)
	}
	lim := Limits{MaxPixels: 1 << 16, MaxBytes: 1 << 20}
	f.Fuzz(func(t *testing.T, data []byte) {
		// Also at an eighth of the size, which a 2×2 box asks for.
		if img, size, _, err := DecodeScaled(data, lim, 2, 2); err == nil {
			if b := img.Bounds(); b.Empty() || size.X*size.Y > lim.MaxPixels || b.Dx() > size.X || b.Dy() > size.Y {
				t.Fatalf("DecodeScaled returned a %v image of a %v one, outside the limits", b, size)
			}
		}
		img, _, err := Decode(data, lim)
		if err != nil {
			return
		}
		if b := img.Bounds(); b.Empty() || b.Dx()*b.Dy() > lim.MaxPixels {
			t.Fatalf("Decode returned a %v image, outside the limits", b)
		}
	})
}

// TestDecodeScaled: a JPEG that shrinks by 8 or more to fit the box is
// decoded at an eighth of its size, and scaled to the picture it looks
// as the full decode does; others are decoded in full.
func TestDecodeScaled(t *testing.T) {
	jpg := encode(t, "jpeg", gradient(1024, 768))
	tests := []struct {
		name       string
		data       []byte
		boxW, boxH int
		want       image.Point // the decoded size
	}{
		{"jpeg, a half-block pane", jpg, 100, 80, image.Pt(128, 96)},
		{"jpeg, exactly an eighth", jpg, 128, 200, image.Pt(128, 96)},
		{"jpeg, shrinks by less than 8", jpg, 129, 97, image.Pt(1024, 768)},
		{"jpeg, no box", jpg, 0, 0, image.Pt(1024, 768)},
		{"png", encode(t, "png", gradient(1024, 768)), 100, 80, image.Pt(1024, 768)},
	}
	for _, tt := range tests {
		img, size, _, err := DecodeScaled(tt.data, DefaultLimits, tt.boxW, tt.boxH)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got := img.Bounds().Size(); got != tt.want || size != image.Pt(1024, 768) {
			t.Errorf("%s: decoded %v of %v, want %v of 1024×768", tt.name, got, size, tt.want)
		}
	}
	full, _, _ := Decode(jpg, DefaultLimits)
	small, _, _, _ := DecodeScaled(jpg, DefaultLimits, 100, 80)
	// The blocks' edges do not fall on the spans' edges, so each span
	// moves by up to 4 source pixels, a few levels of this gradient.
	if d := maxDiff(Scale(full, 100, 75), Scale(small, 100, 75)); d > 6 {
		t.Errorf("scaled to 100×75, the eighth-size decode differs from the full one by up to %d", d)
	}
	if _, _, _, err := DecodeScaled(jpg[:len(jpg)/2], DefaultLimits, 100, 80); err == nil {
		t.Error("a truncated JPEG decoded at an eighth with no error")
	}
}
