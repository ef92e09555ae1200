package termimg

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/png"
)

// ITermImage returns img as an iTerm2 inline image (OSC 1337 File=, which
// WezTerm also reads): a PNG, shown in cols×rows cells with its aspect
// ratio kept. Write the result at the picture's top-left cell (see
// PlaceAt).
func ITermImage(img *image.RGBA, cols, rows int) (string, error) {
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, img); err != nil {
		return "", fmt.Errorf("encode png for iterm2: %w", err)
	}
	return fmt.Sprintf("\x1b]1337;File=inline=1;size=%d;width=%d;height=%d;preserveAspectRatio=1:%s\a",
		buf.Len(), cols, rows, base64.StdEncoding.EncodeToString(buf.Bytes())), nil
}
