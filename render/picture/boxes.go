package picture

import (
	"image"
	"image/color"
	"image/draw"
	"math"
	"slices"
	"strings"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// Verdict is a box's evaluation outcome (the `eval` field of SPEC §4).
type Verdict uint8

const (
	Unmatched Verdict = iota // no verdict: drawn in white
	TP                       // a detection matched to a ground-truth box
	FP                       // a detection with no match
	FN                       // a ground-truth box no detection found
	Ignored                  // matched to a crowd region, or a crowd region
)

// ParseVerdict reads the `eval` strings "tp", "fp", "fn" and "ignored";
// anything else is Unmatched.
func ParseVerdict(s string) Verdict {
	switch s {
	case "tp":
		return TP
	case "fp":
		return FP
	case "fn":
		return FN
	case "ignored":
		return Ignored
	}
	return Unmatched
}

// String returns the `eval` string of v, or "" for Unmatched.
func (v Verdict) String() string {
	return [...]string{"", "tp", "fp", "fn", "ignored"}[min(int(v), 4)]
}

// Color is the colour boxes of verdict v are drawn in: green for a true
// positive, red for a false positive, orange for a miss, grey for ignored.
func (v Verdict) Color() color.RGBA {
	switch v {
	case TP:
		return color.RGBA{0x2e, 0xcc, 0x40, 0xff}
	case FP:
		return color.RGBA{0xff, 0x41, 0x36, 0xff}
	case FN:
		return color.RGBA{0xff, 0x85, 0x1b, 0xff}
	case Ignored:
		return color.RGBA{0x99, 0x99, 0x99, 0xff}
	}
	return color.RGBA{0xff, 0xff, 0xff, 0xff}
}

// A Box is a rectangle in source-image pixels, [X, Y, W, H] with a top-left
// origin as COCO's bbox has it.
type Box struct {
	X, Y, W, H float64
	Verdict    Verdict
	Label      string // drawn above the box where there is room, e.g. "fp dog 0.91"
	Highlight  bool   // the box the user selected: drawn last, thicker, outlined in white
}

// labelFace is the font of box labels; labels need an image at least
// minLabelHeight pixels tall, so half-block renderings (a few dozen pixels)
// show boxes without them.
var labelFace = basicfont.Face7x13

const minLabelHeight = 6 * 13

// DrawBoxes draws boxes onto dst, an image that shows a source image of
// srcW×srcH pixels scaled to dst's size. Lines are one pixel wide (more on
// large images) so that they survive at terminal resolution. Ignored boxes
// are drawn first and the highlighted box last, so it is never hidden.
// Boxes with a non-finite or empty extent are skipped; boxes partly
// outside the image are clipped.
func DrawBoxes(dst *image.RGBA, srcW, srcH int, boxes []Box) {
	b := dst.Bounds()
	if srcW <= 0 || srcH <= 0 || b.Empty() {
		return
	}
	sx, sy := float64(b.Dx())/float64(srcW), float64(b.Dy())/float64(srcH)
	thick := max(1, min(b.Dx(), b.Dy())/200)
	order := slices.Clone(boxes)
	slices.SortStableFunc(order, func(p, q Box) int { return drawRank(p) - drawRank(q) })
	for _, box := range order {
		r, ok := boxRect(box, sx, sy, b)
		if !ok {
			continue
		}
		t := thick
		if box.Highlight {
			t = 2 * thick
			outline(dst, r.Inset(-t), t, color.RGBA{0xff, 0xff, 0xff, 0xff})
		}
		outline(dst, r, t, box.Verdict.Color())
		if box.Label != "" && b.Dy() >= minLabelHeight {
			drawLabel(dst, r, box.Label, box.Verdict.Color())
		}
	}
}

func drawRank(b Box) int {
	switch {
	case b.Highlight:
		return 3
	case b.Verdict == Ignored:
		return 0
	case b.Verdict == TP:
		return 1
	}
	return 2
}

// boxRect maps a source box to the destination pixels it covers.
func boxRect(box Box, sx, sy float64, bounds image.Rectangle) (image.Rectangle, bool) {
	for _, v := range []float64{box.X, box.Y, box.W, box.H} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return image.Rectangle{}, false
		}
	}
	if box.W <= 0 || box.H <= 0 {
		return image.Rectangle{}, false
	}
	x0 := int(math.Floor(box.X * sx))
	y0 := int(math.Floor(box.Y * sy))
	x1 := max(x0+1, int(math.Ceil((box.X+box.W)*sx)))
	y1 := max(y0+1, int(math.Ceil((box.Y+box.H)*sy)))
	r := image.Rect(x0, y0, x1, y1).Add(bounds.Min)
	// A box that reaches past an edge is drawn along that edge; one
	// wholly outside is dropped.
	if !r.Overlaps(bounds) {
		return image.Rectangle{}, false
	}
	return r.Intersect(bounds), true
}

// outline draws the border of r, t pixels wide inward, clipped to dst.
func outline(dst *image.RGBA, r image.Rectangle, t int, c color.RGBA) {
	src := image.NewUniform(c)
	t = min(t, (r.Dx()+1)/2, (r.Dy()+1)/2)
	for _, edge := range []image.Rectangle{
		image.Rect(r.Min.X, r.Min.Y, r.Max.X, r.Min.Y+t), // top
		image.Rect(r.Min.X, r.Max.Y-t, r.Max.X, r.Max.Y), // bottom
		image.Rect(r.Min.X, r.Min.Y, r.Min.X+t, r.Max.Y), // left
		image.Rect(r.Max.X-t, r.Min.Y, r.Max.X, r.Max.Y), // right
	} {
		draw.Draw(dst, edge.Intersect(dst.Bounds()), src, image.Point{}, draw.Src)
	}
}

// drawLabel writes text on a tab of colour c above the box's top-left
// corner, or just inside the box when the box touches the top edge. The
// text is cut to the characters that fit in the image; a label with fewer
// than three characters of room is left out.
func drawLabel(dst *image.RGBA, box image.Rectangle, text string, c color.RGBA) {
	b := dst.Bounds()
	adv, h := labelFace.Advance, labelFace.Height
	x := max(box.Min.X, b.Min.X)
	room := (b.Max.X - x - 2) / adv
	if room < 3 {
		return
	}
	text = asciiOnly(text)
	if len(text) > room {
		text = text[:room]
	}
	y := box.Min.Y - h
	if y < b.Min.Y {
		y = max(box.Min.Y, b.Min.Y)
	}
	if y+h > b.Max.Y {
		return
	}
	tab := image.Rect(x, y, x+len(text)*adv+2, y+h)
	draw.Draw(dst, tab.Intersect(b), image.NewUniform(c), image.Point{}, draw.Src)
	ink := image.Black
	if luma(c) < 0x80 {
		ink = image.White
	}
	d := font.Drawer{Dst: dst, Src: ink, Face: labelFace, Dot: fixed.P(x+1, y+labelFace.Ascent)}
	d.DrawString(text)
}

// asciiOnly replaces what the 7×13 font cannot draw with '?'.
func asciiOnly(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e {
			return '?'
		}
		return r
	}, s)
}

func luma(c color.RGBA) int {
	return (299*int(c.R) + 587*int(c.G) + 114*int(c.B)) / 1000
}
