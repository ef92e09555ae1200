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
	Cell  picture.Cell
	ID    uint32 // kitty image id, 1 to 2^32-1 (see Cache.NextID)
	Tmux  bool   // wrap Raw for tmux passthrough
	Boxes []picture.Box
}

// Render scales img to fit opt's cells with its aspect ratio, draws
// opt.Boxes (in img's pixels) on it, and encodes it for opt.Protocol.
func Render(img image.Image, opt Options) (Picture, error) {
	b := img.Bounds()
	cell := opt.Cell
	switch {
	case opt.Protocol == Blocks || opt.Protocol == Blocks256:
		cell = picture.HalfBlock
	case !opt.Protocol.Graphics():
		return Picture{}, fmt.Errorf("render image: no way to draw it with --images %s", opt.Protocol)
	case cell.W <= 0 || cell.H <= 0:
		cell = picture.DefaultCell
	}
	maxCols, maxRows := opt.Cols, opt.Rows
	if opt.Protocol == Kitty {
		maxCols, maxRows = min(maxCols, MaxKittyCells), min(maxRows, MaxKittyCells)
		if opt.ID == 0 {
			return Picture{}, errors.New("render image: kitty needs an image id")
		}
	}
	w, h, cols, rows := picture.Fit(b.Dx(), b.Dy(), maxCols, maxRows, cell)
	if w == 0 {
		return Picture{}, fmt.Errorf("render image: no room for a %d×%d image in %d×%d cells", b.Dx(), b.Dy(), opt.Cols, opt.Rows)
	}
	scaled := picture.Scale(img, w, h)
	picture.DrawBoxes(scaled, b.Dx(), b.Dy(), opt.Boxes)

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

func blank(cols, rows int) string {
	line := strings.Repeat(" ", cols)
	return strings.TrimSuffix(strings.Repeat(line+"\n", rows), "\n")
}
