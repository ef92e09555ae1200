package termimg

import (
	"image"
	"strconv"
	"strings"
)

// HalfBlocks draws img with one character per two pixels stacked
// vertically: "▀" in the top pixel's colour over the bottom pixel's as
// background. Pixels less than half opaque are left to the terminal's
// background ("▄" or a space where the top one is). With palette256 the
// colours are the nearest of the xterm 256-colour palette, else 24-bit.
//
// The result has ceil(height/2) lines of width cells, joined by "\n" with
// no final newline; each line ends by resetting its attributes. An empty
// image gives "".
func HalfBlocks(img *image.RGBA, palette256 bool) string {
	b := img.Bounds()
	var sb strings.Builder
	sb.Grow(b.Dx() * (b.Dy() + 1) / 2 * 24)
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		if y > b.Min.Y {
			sb.WriteByte('\n')
		}
		var cur cellStyle
		for x := b.Min.X; x < b.Max.X; x++ {
			top, bottom := pixel(img, x, y), pixel(img, x, y+1)
			glyph, next := "▀", cellStyle{fg: top, bg: bottom}
			switch {
			case !top.opaque && !bottom.opaque:
				glyph, next = " ", cellStyle{}
			case !top.opaque:
				glyph, next = "▄", cellStyle{fg: bottom}
			}
			next.write(&sb, cur, palette256)
			cur = next
			sb.WriteString(glyph)
		}
		sb.WriteString("\x1b[0m")
	}
	return sb.String()
}

// rgb is a pixel as a cell colour; the zero value is "the terminal's own".
type rgb struct {
	r, g, b uint8
	opaque  bool
}

func pixel(img *image.RGBA, x, y int) rgb {
	if !(image.Point{x, y}.In(img.Rect)) {
		return rgb{}
	}
	p := img.Pix[img.PixOffset(x, y):]
	if p[3] < 0x80 {
		return rgb{}
	}
	// Pixels are premultiplied; undo it for the partly transparent.
	if a := uint32(p[3]); a < 0xff {
		return rgb{uint8(uint32(p[0]) * 0xff / a), uint8(uint32(p[1]) * 0xff / a), uint8(uint32(p[2]) * 0xff / a), true}
	}
	return rgb{p[0], p[1], p[2], true}
}

type cellStyle struct{ fg, bg rgb }

// write emits the SGR sequence that changes the style from cur to s; at the
// start of a line cur is the zero style, which matches a reset terminal.
func (s cellStyle) write(sb *strings.Builder, cur cellStyle, palette256 bool) {
	if s == cur {
		return
	}
	sb.WriteString("\x1b[")
	sep := false
	if s.fg != cur.fg {
		writeColor(sb, s.fg, 38, palette256)
		sep = true
	}
	if s.bg != cur.bg {
		if sep {
			sb.WriteByte(';')
		}
		writeColor(sb, s.bg, 48, palette256)
	}
	sb.WriteByte('m')
}

// writeColor writes the SGR parameters for c as foreground (base 38) or
// background (48); the terminal's own colour is 39 or 49.
func writeColor(sb *strings.Builder, c rgb, base int, palette256 bool) {
	switch {
	case !c.opaque:
		sb.WriteString(strconv.Itoa(base + 1))
	case palette256:
		sb.WriteString(strconv.Itoa(base))
		sb.WriteString(";5;")
		sb.WriteString(strconv.Itoa(int(xterm256(c.r, c.g, c.b))))
	default:
		sb.WriteString(strconv.Itoa(base))
		sb.WriteString(";2;")
		sb.WriteString(strconv.Itoa(int(c.r)))
		sb.WriteByte(';')
		sb.WriteString(strconv.Itoa(int(c.g)))
		sb.WriteByte(';')
		sb.WriteString(strconv.Itoa(int(c.b)))
	}
}

// cubeLevels are the six intensities of the xterm 256-colour cube.
var cubeLevels = [6]int{0x00, 0x5f, 0x87, 0xaf, 0xd7, 0xff}

// xterm256 returns the xterm palette index nearest to an RGB colour: the
// nearest of the 6×6×6 cube (16–231) or the grey ramp (232–255), whichever
// is closer in RGB, as tmux maps colours.
func xterm256(r, g, b uint8) uint8 {
	qr, qg, qb := to6(r), to6(g), to6(b)
	cr, cg, cb := cubeLevels[qr], cubeLevels[qg], cubeLevels[qb]
	avg := (int(r) + int(g) + int(b)) / 3
	gi := 23
	if avg <= 238 {
		gi = max(0, (avg-3)/10)
	}
	grey := 8 + 10*gi
	if dist2(grey, grey, grey, r, g, b) < dist2(cr, cg, cb, r, g, b) {
		return uint8(232 + gi)
	}
	return uint8(16 + 36*qr + 6*qg + qb)
}

func to6(v uint8) int {
	switch {
	case v < 48:
		return 0
	case v < 114:
		return 1
	}
	return (int(v) - 35) / 40
}

func dist2(r, g, b int, r2, g2, b2 uint8) int {
	dr, dg, db := r-int(r2), g-int(g2), b-int(b2)
	return dr*dr + dg*dg + db*db
}
