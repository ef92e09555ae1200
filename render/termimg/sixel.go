package termimg

import (
	"image"
	"strconv"
	"strings"
)

// SixelImage returns img as a DEC sixel image: DCS 0;1;0 q (pixels left at 0
// stay transparent), raster attributes for square pixels and the image
// size, a palette of at most 256 colours, then bands of six pixel rows,
// each written colour by colour with run-length compression, and ST. An
// image of at most 256 distinct colours keeps them exactly (to the 1%
// steps sixel colours have); a richer one is dithered (Floyd–Steinberg)
// to a 6×7×6 colour cube. Pixels less than half opaque are not drawn.
//
// Write the result at the picture's top-left cell (see PlaceAt).
func SixelImage(img *image.RGBA) string {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	idx, palette := quantize(img)

	var sb strings.Builder
	sb.Grow(w*h/2 + 16*len(palette))
	sb.WriteString("\x1bP0;1;0q\"1;1;")
	sb.WriteString(strconv.Itoa(w))
	sb.WriteByte(';')
	sb.WriteString(strconv.Itoa(h))
	for i, c := range palette {
		sb.WriteByte('#')
		sb.WriteString(strconv.Itoa(i))
		sb.WriteString(";2;")
		sb.WriteString(strconv.Itoa(percent(c[0])))
		sb.WriteByte(';')
		sb.WriteString(strconv.Itoa(percent(c[1])))
		sb.WriteByte(';')
		sb.WriteString(strconv.Itoa(percent(c[2])))
	}

	// bits[c][x] holds the six-pixel column of colour c at x in the band;
	// band[c] is the last band (plus one) that used colour c.
	bits := make([][]byte, len(palette))
	band := make([]int, len(palette))
	var used []int
	for y0 := 0; y0 < h; y0 += 6 {
		used = used[:0]
		for k := 0; k < 6 && y0+k < h; k++ {
			for x, c := range idx[(y0+k)*w : (y0+k+1)*w] {
				if c < 0 {
					continue
				}
				if band[c] != y0/6+1 {
					band[c] = y0/6 + 1
					used = append(used, int(c))
					if bits[c] == nil {
						bits[c] = make([]byte, w)
					}
				}
				bits[c][x] |= 1 << k
			}
		}
		for i, c := range used {
			if i > 0 {
				sb.WriteByte('$') // back to the band's first column
			}
			sb.WriteByte('#')
			sb.WriteString(strconv.Itoa(c))
			writeRuns(&sb, bits[c])
			clear(bits[c])
		}
		if y0+6 < h {
			sb.WriteByte('-') // next band
		}
	}
	sb.WriteString("\x1b\\")
	return sb.String()
}

// writeRuns writes one colour's sixel characters for a band, dropping
// trailing empty columns and repeating runs of four or more as !n.
func writeRuns(sb *strings.Builder, row []byte) {
	end := len(row)
	for end > 0 && row[end-1] == 0 {
		end--
	}
	for x := 0; x < end; {
		n := 1
		for x+n < end && row[x+n] == row[x] {
			n++
		}
		ch := byte(63 + row[x])
		if n >= 4 {
			sb.WriteByte('!')
			sb.WriteString(strconv.Itoa(n))
			sb.WriteByte(ch)
		} else {
			for range n {
				sb.WriteByte(ch)
			}
		}
		x += n
	}
}

// percent maps 0..255 to sixel's 0..100.
func percent(v uint8) int { return (int(v)*100 + 127) / 255 }

// quantize returns, for each pixel in row order, its palette index or -1
// for a transparent pixel, and the palette.
func quantize(img *image.RGBA) ([]int16, [][3]uint8) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	idx := make([]int16, w*h)
	seen := map[[3]uint8]int16{}
	var palette [][3]uint8
	exact := true
	for y := range h {
		for x := range w {
			p := pixel(img, b.Min.X+x, b.Min.Y+y)
			if !p.opaque {
				idx[y*w+x] = -1
				continue
			}
			c := [3]uint8{p.r, p.g, p.b}
			i, ok := seen[c]
			if !ok {
				if len(palette) == 256 {
					exact = false
					break
				}
				i = int16(len(palette))
				seen[c] = i
				palette = append(palette, c)
			}
			idx[y*w+x] = i
		}
		if !exact {
			break
		}
	}
	if exact {
		return idx, palette
	}
	return ditherCube(img, idx)
}

// The 6×7×6 cube: green, which the eye resolves best, gets seven levels.
const cubeR, cubeG, cubeB = 6, 7, 6

func cubeLevel(i, levels int) int { return (i*255 + (levels-1)/2) / (levels - 1) }

// ditherCube maps img onto the colour cube with Floyd–Steinberg error
// diffusion (7/16 right, 3/16 down-left, 5/16 down, 1/16 down-right).
func ditherCube(img *image.RGBA, idx []int16) ([]int16, [][3]uint8) {
	palette := make([][3]uint8, 0, cubeR*cubeG*cubeB)
	for r := range cubeR {
		for g := range cubeG {
			for b := range cubeB {
				palette = append(palette, [3]uint8{uint8(cubeLevel(r, cubeR)), uint8(cubeLevel(g, cubeG)), uint8(cubeLevel(b, cubeB))})
			}
		}
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	// Errors for this row and the next, in 1/16ths, with a column of
	// margin on each side.
	cur, next := make([][3]int, w+2), make([][3]int, w+2)
	levels := [3]int{cubeR, cubeG, cubeB}
	for y := range h {
		for x := range w {
			p := pixel(img, b.Min.X+x, b.Min.Y+y)
			if !p.opaque {
				idx[y*w+x] = -1
				continue
			}
			want := [3]int{int(p.r), int(p.g), int(p.b)}
			var q [3]int
			for ch := range 3 {
				v := min(255, max(0, want[ch]+cur[x+1][ch]/16))
				q[ch] = (v*(levels[ch]-1) + 127) / 255
				e := v - cubeLevel(q[ch], levels[ch])
				cur[x+2][ch] += 7 * e
				next[x][ch] += 3 * e
				next[x+1][ch] += 5 * e
				next[x+2][ch] += e
			}
			idx[y*w+x] = int16((q[0]*cubeG+q[1])*cubeB + q[2])
		}
		cur, next = next, cur
		clear(next)
	}
	return idx, palette
}
