package picture

import (
	"image"
	"image/color"
	"image/draw"
	"math"
)

// Cell is the size of one terminal cell in image pixels.
type Cell struct{ W, H int }

// Cells are about twice as tall as wide. HalfBlock is the cell of a
// half-block rendering (the upper and lower half of a cell are one pixel
// each); DefaultCell is a guess for graphics protocols when the terminal has
// not said its cell size.
var (
	HalfBlock   = Cell{1, 2}
	DefaultCell = Cell{10, 20}
)

// Fit returns the pixel size (w, h) to scale an imgW×imgH image to so that
// it fills as much of a maxCols×maxRows box of cells as it can without
// changing its aspect ratio, and the cells (cols, rows) that size covers.
// The result is at least 1×1 when every argument is positive, and all zero
// otherwise.
func Fit(imgW, imgH, maxCols, maxRows int, cell Cell) (w, h, cols, rows int) {
	if imgW <= 0 || imgH <= 0 || maxCols <= 0 || maxRows <= 0 || cell.W <= 0 || cell.H <= 0 {
		return 0, 0, 0, 0
	}
	boxW, boxH := float64(maxCols*cell.W), float64(maxRows*cell.H)
	s := math.Min(boxW/float64(imgW), boxH/float64(imgH))
	w = max(1, min(int(math.Round(float64(imgW)*s)), maxCols*cell.W))
	h = max(1, min(int(math.Round(float64(imgH)*s)), maxRows*cell.H))
	cols = (w + cell.W - 1) / cell.W
	rows = (h + cell.H - 1) / cell.H
	return w, h, cols, rows
}

// Scale returns src resized to w×h pixels. Shrinking averages the source
// pixels under each destination pixel (a box filter: fast, and faithful for
// the large reductions a terminal asks for); enlarging repeats pixels
// (nearest neighbour), which keeps an 8×8 digit crisp. The result's bounds
// start at (0, 0). Scale panics if w or h is not positive.
func Scale(src image.Image, w, h int) *image.RGBA {
	if w <= 0 || h <= 0 {
		panic("picture: Scale to an empty size")
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	b := src.Bounds()
	if b.Empty() {
		return dst
	}
	xs, ys := spans(b.Dx(), w), spans(b.Dy(), h)
	switch s := src.(type) {
	case *image.YCbCr:
		scaleYCbCr(dst, s, xs, ys)
	case *image.Gray:
		scaleGray(dst, s, xs, ys)
	case *image.RGBA:
		scaleRGBA(dst, s, xs, ys)
	default:
		// Convert once with image/draw, which has fast paths for the
		// other standard types (NRGBA, Paletted, CMYK, 16-bit).
		rgba := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
		draw.Draw(rgba, rgba.Bounds(), src, b.Min, draw.Src)
		scaleRGBA(dst, rgba, xs, ys)
	}
	return dst
}

// spans maps each of n destination pixels to the half-open range of the m
// source pixels it covers: a partition of [0, m) when shrinking, and a
// single pixel when enlarging.
func spans(m, n int) [][2]int {
	s := make([][2]int, n)
	for i := range s {
		lo, hi := i*m/n, (i+1)*m/n
		if hi <= lo {
			hi = lo + 1
		}
		s[i] = [2]int{lo, hi}
	}
	return s
}

func scaleYCbCr(dst *image.RGBA, src *image.YCbCr, xs, ys [][2]int) {
	// Chroma is averaged on its own, subsampled plane, over the chroma
	// samples under each span: a quarter of the work for JPEG's 4:2:0.
	hx, hy := chromaFactors(src.SubsampleRatio)
	org := src.Rect.Min
	cxs := chromaSpans(xs, org.X, hx)
	cys := chromaSpans(ys, org.Y, hy)
	for dy, yr := range ys {
		row := dst.Pix[dy*dst.Stride:]
		cyr := cys[dy]
		for dx, xr := range xs {
			var sy, n uint64
			for y := yr[0]; y < yr[1]; y++ {
				for _, v := range src.Y[y*src.YStride+xr[0] : y*src.YStride+xr[1]] {
					sy += uint64(v)
				}
			}
			n = uint64((yr[1] - yr[0]) * (xr[1] - xr[0]))
			var scb, scr, m uint64
			cxr := cxs[dx]
			for cy := cyr[0]; cy < cyr[1]; cy++ {
				base := cy * src.CStride
				for _, v := range src.Cb[base+cxr[0] : base+cxr[1]] {
					scb += uint64(v)
				}
				for _, v := range src.Cr[base+cxr[0] : base+cxr[1]] {
					scr += uint64(v)
				}
			}
			m = uint64((cyr[1] - cyr[0]) * (cxr[1] - cxr[0]))
			// The conversion is affine but for clamping, so converting
			// the mean is converting each pixel and taking the mean.
			r, g, b := color.YCbCrToRGB(uint8((sy+n/2)/n), uint8((scb+m/2)/m), uint8((scr+m/2)/m))
			p := row[4*dx : 4*dx+4 : 4*dx+4]
			p[0], p[1], p[2], p[3] = r, g, b, 0xff
		}
	}
}

// chromaFactors returns how many pixels across and down share one chroma
// sample.
func chromaFactors(r image.YCbCrSubsampleRatio) (hx, hy int) {
	switch r {
	case image.YCbCrSubsampleRatio422:
		return 2, 1
	case image.YCbCrSubsampleRatio420:
		return 2, 2
	case image.YCbCrSubsampleRatio440:
		return 1, 2
	case image.YCbCrSubsampleRatio411:
		return 4, 1
	case image.YCbCrSubsampleRatio410:
		return 4, 2
	}
	return 1, 1
}

// chromaSpans maps pixel spans (relative to the image's origin org) to the
// chroma samples they touch, as image.YCbCr.COffset indexes them.
func chromaSpans(spans [][2]int, org, h int) [][2]int {
	out := make([][2]int, len(spans))
	for i, s := range spans {
		out[i] = [2]int{(org+s[0])/h - org/h, (org+s[1]-1)/h - org/h + 1}
	}
	return out
}

func scaleGray(dst *image.RGBA, src *image.Gray, xs, ys [][2]int) {
	for dy, yr := range ys {
		row := dst.Pix[dy*dst.Stride:]
		for dx, xr := range xs {
			var sum, n uint64
			for y := yr[0]; y < yr[1]; y++ {
				line := src.Pix[y*src.Stride+xr[0] : y*src.Stride+xr[1]]
				for _, v := range line {
					sum += uint64(v)
				}
				n += uint64(len(line))
			}
			v := uint8((sum + n/2) / n)
			p := row[4*dx : 4*dx+4 : 4*dx+4]
			p[0], p[1], p[2], p[3] = v, v, v, 0xff
		}
	}
}

func scaleRGBA(dst *image.RGBA, src *image.RGBA, xs, ys [][2]int) {
	for dy, yr := range ys {
		row := dst.Pix[dy*dst.Stride:]
		for dx, xr := range xs {
			var r, g, b, a, n uint64
			for y := yr[0]; y < yr[1]; y++ {
				line := src.Pix[y*src.Stride+4*xr[0] : y*src.Stride+4*xr[1]]
				for i := 0; i+3 < len(line); i += 4 {
					r += uint64(line[i])
					g += uint64(line[i+1])
					b += uint64(line[i+2])
					a += uint64(line[i+3])
				}
				n += uint64(xr[1] - xr[0])
			}
			p := row[4*dx : 4*dx+4 : 4*dx+4]
			p[0], p[1], p[2], p[3] = uint8((r+n/2)/n), uint8((g+n/2)/n), uint8((b+n/2)/n), uint8((a+n/2)/n)
		}
	}
}
