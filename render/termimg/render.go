package termimg

import (
	"errors"
	"fmt"
	"image"
	"strings"

	"triage/render/picture"
)

// Picture is an image encoded for a terminal, covering Cols×Rows cells.
type Picture struct {
	Protocol   Protocol
	Cols, Rows int
	// Text is what View draws in the picture's cells: Rows lines of Cols
	// cells joined by "\n". Half-blocks and kitty placeholders are the
	// picture itself; for sixel and iTerm2 it is blank cells that keep the
	// space free.
	Text string
	// Raw goes to the terminal outside View, with tea.Raw: for kitty the
	// transmission, sent once per ID before Text is shown; for sixel and
	// iTerm2 the image, drawn at the area's top-left cell with PlaceAt
	// after each frame that changes the area. Empty for half-blocks.
	Raw string
	ID  uint32 // the kitty image id
}

// Options say how to render a picture.
type Options struct {
	Protocol   Protocol // Blocks, Blocks256, Kitty, Sixel or ITerm
	Cols, Rows int      // the most cells the picture may cover
	// Cell is a cell's size in pixels, for Kitty, Sixel and ITerm; zero
	// means picture.DefaultCell. Half-blocks are always two pixels a cell.
	Cell picture.Cell
	// Size is the image's full size when img was decoded reduced
	// (picture.DecodeScaled): the aspect ratio and the boxes' pixels are
	// its. Zero means img's own size.
	Size  image.Point
	ID    uint32 // kitty image id, 1 to 2^32-1 (see Cache.NextID)
	Tmux  bool   // wrap Raw for tmux passthrough
	Boxes []picture.Box
}

// Render scales img to fit opt's cells with its aspect ratio, draws
// opt.Boxes (in img's pixels) on it, and encodes it for opt.Protocol.
func Render(img image.Image, opt Options) (Picture, error) {
	size := opt.Size
	if size.X <= 0 || size.Y <= 0 {
		size = img.Bounds().Size()
	}
	if !opt.Protocol.Graphics() && opt.Protocol != Blocks && opt.Protocol != Blocks256 {
		return Picture{}, fmt.Errorf("render image: no way to draw it with --images %s", opt.Protocol)
	}
	cell := opt.cell()
	maxCols, maxRows := opt.Cols, opt.Rows
	if opt.Protocol == Kitty {
		maxCols, maxRows = min(maxCols, MaxKittyCells), min(maxRows, MaxKittyCells)
		if opt.ID == 0 {
			return Picture{}, errors.New("render image: kitty needs an image id")
		}
	}
	w, h, cols, rows := picture.Fit(size.X, size.Y, maxCols, maxRows, cell)
	if w == 0 {
		return Picture{}, fmt.Errorf("render image: no room for a %d×%d image in %d×%d cells", size.X, size.Y, opt.Cols, opt.Rows)
	}
	scaled := picture.Scale(img, w, h)
	picture.DrawBoxes(scaled, size.X, size.Y, opt.Boxes)

	p := Picture{Protocol: opt.Protocol, Cols: cols, Rows: rows}
	switch opt.Protocol {
	case Blocks, Blocks256:
		p.Text = HalfBlocks(scaled, opt.Protocol == Blocks256)
	case Kitty:
		p.ID = opt.ID
		p.Raw = KittyTransmit(scaled, opt.ID, cols, rows, opt.Tmux)
		p.Text = KittyPlaceholders(opt.ID, cols, rows)
	case Sixel:
		p.Raw = SixelImage(scaled)
		p.Text = blank(cols, rows)
	case ITerm:
		seq, err := ITermImage(scaled, cols, rows)
		if err != nil {
			return Picture{}, err
		}
		p.Raw = seq
		p.Text = blank(cols, rows)
	}
	if opt.Tmux && (opt.Protocol == Sixel || opt.Protocol == ITerm) {
		p.Raw = TmuxWrap(p.Raw)
	}
	return p, nil
}

// cell is the size of a cell in the picture's pixels.
func (o Options) cell() picture.Cell {
	switch {
	case o.Protocol == Blocks || o.Protocol == Blocks256:
		return picture.HalfBlock
	case o.Cell.W <= 0 || o.Cell.H <= 0:
		return picture.DefaultCell
	}
	return o.Cell
}

// PixelBox is the most pixels a picture rendered with o may take, to
// decode an image for it with picture.DecodeScaled.
func (o Options) PixelBox() (w, h int) {
	c := o.cell()
	cols, rows := o.Cols, o.Rows
	if o.Protocol == Kitty {
		cols, rows = min(cols, MaxKittyCells), min(rows, MaxKittyCells)
	}
	return cols * c.W, rows * c.H
}

func blank(cols, rows int) string {
	line := strings.Repeat(" ", cols)
	return strings.TrimSuffix(strings.Repeat(line+"\n", rows), "\n")
}
