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
	"os"

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
	if len(data) == 0 {
		return nil, "", errors.New("empty image")
	}
	if lim.MaxBytes > 0 && len(data) > lim.MaxBytes {
		return nil, "", fmt.Errorf("image of %d bytes: %w of %d bytes", len(data), ErrTooLarge, lim.MaxBytes)
	}
	defer func() {
		if r := recover(); r != nil {
			img, err = nil, fmt.Errorf("decode %s image: corrupt (decoder panic: %v)", format, r)
		}
	}()
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		if errors.Is(err, image.ErrFormat) {
			return nil, "", errors.New("not an image in a known format (png, jpeg, gif, bmp, tiff, webp)")
		}
		return nil, format, fmt.Errorf("decode %s header: %w", format, err)
	}
	if err := checkSize(cfg.Width, cfg.Height, lim); err != nil {
		return nil, format, fmt.Errorf("%s %w", format, err)
	}
	img, _, err = image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, format, fmt.Errorf("decode %s image: %w", format, err)
	}
	// The header and the pixel data can disagree (WebP's container and
	// its frame, for one); trust neither alone.
	b := img.Bounds()
	if err := checkSize(b.Dx(), b.Dy(), lim); err != nil {
		return nil, format, fmt.Errorf("%s %w", format, err)
	}
	return img, format, nil
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
	f, err := os.Open(path)
	if err != nil {
		return nil, "", fmt.Errorf("open image: %w", err)
	}
	defer f.Close()
	max := int64(lim.MaxBytes)
	if max <= 0 {
		max = int64(DefaultLimits.MaxBytes)
	}
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, "", fmt.Errorf("read image %s: %w", path, err)
	}
	if int64(len(data)) > max {
		return nil, "", fmt.Errorf("%s: image file %w of %d bytes", path, ErrTooLarge, max)
	}
	img, format, err := Decode(data, lim)
	if err != nil {
		return nil, format, fmt.Errorf("%s: %w", path, err)
	}
	return img, format, nil
}
