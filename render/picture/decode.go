// Package picture decodes sample images within fixed limits, scales them to
// a box of terminal cells keeping their aspect ratio, and draws detection
// boxes on them, coloured by their evaluation verdict. It knows nothing of
// terminals: package termimg turns its pictures into escape sequences.
package picture

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"io"
	"math"
	"os"

	"triage/render/picture/internal/jpeg"

	// The formats Decode reads. PNG and JPEG come first; GIF, BMP, TIFF
	// and WebP cost nothing at run time until an image uses them.
	_ "image/gif"
	_ "image/jpeg"
	_ "image/png"

	_ "golang.org/x/image/bmp"
	_ "golang.org/x/image/tiff"
	_ "golang.org/x/image/webp"
)

// Limits bound what Decode accepts, so that a corrupt or hostile image costs
// little time and memory.
type Limits struct {
	// MaxPixels caps width×height, read from the header before any pixel is
	// decoded (a decompression bomb is a small file with a huge header).
	MaxPixels int
	// MaxBytes caps the encoded size.
	MaxBytes int
}

// DefaultLimits allow 16.7 megapixels (4096×4096; 64 MiB as RGBA) in at most
// 64 MiB of encoded bytes: any photo a dataset holds, and no bomb.
var DefaultLimits = Limits{MaxPixels: 1 << 24, MaxBytes: 64 << 20}

// ErrTooLarge is wrapped by the errors for images over a limit.
var ErrTooLarge = errors.New("over the limit")

// Decode decodes a PNG, JPEG, GIF (first frame), BMP, TIFF or WebP image. It
// reads the header first and refuses an image whose width×height is over
// lim.MaxPixels, or that claims a zero size, before decoding a pixel. A
// truncated or corrupt image gives an error naming its format; so does a
// decoder panic, which is recovered. format is the name the format
// registered ("png", "jpeg", ...).
func Decode(data []byte, lim Limits) (img image.Image, format string, err error) {
	img, _, format, err = DecodeScaled(data, lim, 0, 0)
	return img, format, err
}

// DecodeScaled decodes as Decode does, for a picture that is to be shrunk
// to fit a boxW×boxH pixel box: a JPEG that shrinks by 8 or more in both
// directions to fit is decoded at an eighth of its width and height, each
// pixel the mean of an 8×8 block read from the block's DC coefficient (no
// inverse DCT runs), in about half the time; Scale's box filter then
// shrinks it the rest of the way. size is the image's full size, the one
// boxes are given in. A zero box decodes in full.
func DecodeScaled(data []byte, lim Limits, boxW, boxH int) (img image.Image, size image.Point, format string, err error) {
	if len(data) == 0 {
		return nil, size, "", errors.New("empty image")
	}
	if lim.MaxBytes > 0 && len(data) > lim.MaxBytes {
		return nil, size, "", fmt.Errorf("image of %d bytes: %w of %d bytes", len(data), ErrTooLarge, lim.MaxBytes)
	}
	defer func() {
		if r := recover(); r != nil {
			img, err = nil, fmt.Errorf("decode %s image: corrupt (decoder panic: %v)", format, r)
		}
	}()
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		if errors.Is(err, image.ErrFormat) {
			return nil, size, "", errors.New("not an image in a known format (png, jpeg, gif, bmp, tiff, webp)")
		}
		return nil, size, format, fmt.Errorf("decode %s header: %w", format, err)
	}
	if err := checkSize(cfg.Width, cfg.Height, lim); err != nil {
		return nil, size, format, fmt.Errorf("%s %w", format, err)
	}
	if format == "jpeg" && shrinksByEight(cfg.Width, cfg.Height, boxW, boxH) {
		img, err = jpeg.DecodeEighth(bytes.NewReader(data))
		if err != nil {
			return nil, size, format, fmt.Errorf("decode %s image: %w", format, err)
		}
		return img, image.Pt(cfg.Width, cfg.Height), format, nil
	}
	img, _, err = image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, size, format, fmt.Errorf("decode %s image: %w", format, err)
	}
	// The header and the pixel data can disagree (WebP's container and
	// its frame, for one); trust neither alone.
	b := img.Bounds()
	if err := checkSize(b.Dx(), b.Dy(), lim); err != nil {
		return nil, size, format, fmt.Errorf("%s %w", format, err)
	}
	return img, b.Size(), format, nil
}

// shrinksByEight reports whether a w×h image, fitted into a boxW×boxH box
// with its aspect ratio kept, shrinks by 8 or more in each direction.
func shrinksByEight(w, h, boxW, boxH int) bool {
	if boxW <= 0 || boxH <= 0 {
		return false
	}
	return math.Min(float64(boxW)/float64(w), float64(boxH)/float64(h)) <= 1.0/8
}

func checkSize(w, h int, lim Limits) error {
	if w <= 0 || h <= 0 {
		return fmt.Errorf("image is %d×%d pixels: nothing to show", w, h)
	}
	if lim.MaxPixels > 0 && (w > lim.MaxPixels/h) {
		return fmt.Errorf("image is %d×%d pixels: %w of %d pixels", w, h, ErrTooLarge, lim.MaxPixels)
	}
	return nil
}

// DecodeFile reads and decodes the image at path, within lim.
func DecodeFile(path string, lim Limits) (image.Image, string, error) {
	img, _, format, err := DecodeFileScaled(path, lim, 0, 0)
	return img, format, err
}

// DecodeFileScaled reads and decodes the image at path as DecodeScaled
// does.
func DecodeFileScaled(path string, lim Limits, boxW, boxH int) (image.Image, image.Point, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, image.Point{}, "", fmt.Errorf("open image: %w", err)
	}
	defer f.Close()
	max := int64(lim.MaxBytes)
	if max <= 0 {
		max = int64(DefaultLimits.MaxBytes)
	}
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, image.Point{}, "", fmt.Errorf("read image %s: %w", path, err)
	}
	if int64(len(data)) > max {
		return nil, image.Point{}, "", fmt.Errorf("%s: image file %w of %d bytes", path, ErrTooLarge, max)
	}
	img, size, format, err := DecodeScaled(data, lim, boxW, boxH)
	if err != nil {
		return nil, size, format, fmt.Errorf("%s: %w", path, err)
	}
	return img, size, format, nil
}
