package termimg

import (
	"bytes"
	"hash/fnv"
	"io"
	"slices"
	"strconv"
	"sync"
)

// Sixel and iTerm2 images in a cell-diffing program.
//
// A sixel or iTerm2 image is drawn at the cursor and lies over the cells,
// outside the grid a renderer such as bubbletea's keeps. The image must be
// written after the frame that makes room for it, and again whenever a
// frame repaints a cell under it. bubbletea v2 writes raw output
// (tea.Raw) before the frame of the same tick, so an image sent that way
// is painted over by the very frame that blanks its area. Instead:
//
//	program View      cells of the picture's area carry Marker(id, col, row)
//	    │             (ultraviolet keeps DCS strings in a cell's content and
//	    ▼             writes them when, and only when, it paints that cell)
//	renderer diff     writes only the cells that changed
//	    │
//	    ▼
//	Placer.Write      takes the markers out; after a write that held any,
//	    │             draws image id at (col, row) with PlaceAt, inside the
//	    ▼             frame's synchronized update when it has one
//	terminal
//
// So the image is sent once for each frame that repaints any cell under
// it, at the cell the view put it, and never when nothing there changed.
// Taking an image off the screen is the program's part: a terminal may keep
// sixel pixels under text written over them (xterm draws graphics above
// text), so the program clears the screen (tea.ClearScreen) when it removes
// or moves a placed image.

// markerPrefix starts every marker: DCS with the private final byte "~"
// and "triage-picture:" as its data. A terminal that saw one would ignore
// it, but the Placer takes them all out.
const markerPrefix = "\x1bP~triage-picture:"

// Marker returns the string to put before each cell of a placed picture's
// area: it names image id (see Placer.Keep) and the area's top-left cell
// (col, row), counted from 0 on the screen. It takes no cell of its own.
func Marker(id uint64, col, row int) string {
	return markerPrefix + strconv.FormatUint(id, 10) + ":" + strconv.Itoa(col) + ":" + strconv.Itoa(row) + "\x1b\\"
}

// MarkedBlank is a picture area of cols×rows blank cells, each carrying
// Marker(id, col, row): rows lines joined by "\n".
func MarkedBlank(id uint64, col, row, cols, rows int) string {
	cell := Marker(id, col, row) + " "
	var b bytes.Buffer
	b.Grow(rows * (cols*len(cell) + 1))
	for r := range rows {
		if r > 0 {
			b.WriteByte('\n')
		}
		for range cols {
			b.WriteString(cell)
		}
	}
	return b.String()
}

// placerKeep is how many images a Placer holds: the one on screen and the
// few the program rendered ahead.
const placerKeep = 16

// Placer is the writer between a program and its terminal that draws
// sixel and iTerm2 images where the program's view marks them (see
// Marker). It passes everything else through unchanged, in one write per
// write. When the terminal is a file (a tty), so is the Placer: Fd, Read
// and Close reach it, so that a program can still set the tty up.
type Placer struct {
	out io.Writer

	mu     sync.Mutex // guards images and order
	images map[uint64]string
	order  []uint64 // oldest first

	wmu sync.Mutex // one write at a time; guards buf
	buf []byte
}

// NewPlacer returns a Placer writing to out.
func NewPlacer(out io.Writer) *Placer {
	return &Placer{out: out, images: map[uint64]string{}}
}

// Keep holds raw (an image's bytes as Render made them) for markers to
// name, and returns its id: the same bytes get the same id. The Placer
// keeps the images it was given last, up to 16.
func (p *Placer) Keep(raw string) uint64 {
	h := fnv.New64a()
	io.WriteString(h, raw)
	id := h.Sum64() | 1 // never 0, which means "no picture"
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.images[id]; ok {
		for i, o := range p.order {
			if o == id {
				p.order = append(p.order[:i], p.order[i+1:]...)
				break
			}
		}
	}
	p.images[id] = raw
	p.order = append(p.order, id)
	if len(p.order) > placerKeep {
		delete(p.images, p.order[0])
		p.order = p.order[1:]
	}
	return id
}

func (p *Placer) image(id uint64) (string, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	raw, ok := p.images[id]
	return raw, ok
}

// endSync ends a synchronized update (mode 2026); the images go before it
// so that the terminal shows the frame and its images at once.
const endSync = "\x1b[?2026l"

// Write writes b to the terminal without its markers, then draws each
// image they named, once, at the cell they named. It reports len(b)
// written when the terminal took everything.
func (p *Placer) Write(b []byte) (int, error) {
	if !bytes.Contains(b, []byte(markerPrefix)) {
		return p.out.Write(b)
	}
	p.wmu.Lock()
	defer p.wmu.Unlock()
	out := p.buf[:0]
	var spots []spot
	rest := b
	for {
		i := bytes.Index(rest, []byte(markerPrefix))
		if i < 0 {
			out = append(out, rest...)
			break
		}
		out = append(out, rest[:i]...)
		body := rest[i+len(markerPrefix):]
		end := bytes.Index(body, []byte("\x1b\\"))
		if end < 0 { // cut off: nothing of it may reach the terminal
			break
		}
		if s, ok := parseSpot(body[:end]); ok && !slices.Contains(spots, s) {
			spots = append(spots, s)
		}
		rest = body[end+2:]
	}
	tail := []byte(nil)
	if bytes.HasSuffix(out, []byte(endSync)) {
		out, tail = out[:len(out)-len(endSync)], []byte(endSync)
	}
	for _, s := range spots {
		if raw, ok := p.image(s.id); ok {
			out = append(out, PlaceAt(raw, s.col, s.row)...)
		}
	}
	out = append(out, tail...)
	p.buf = out[:0]
	if _, err := p.out.Write(out); err != nil {
		return 0, err
	}
	return len(b), nil
}

// spot is what a marker names: an image and its top-left cell.
type spot struct {
	id       uint64
	col, row int
}

func parseSpot(body []byte) (s spot, ok bool) {
	f := bytes.Split(body, []byte(":"))
	if len(f) != 3 {
		return s, false
	}
	var err1, err2, err3 error
	s.id, err1 = strconv.ParseUint(string(f[0]), 10, 64)
	s.col, err2 = strconv.Atoi(string(f[1]))
	s.row, err3 = strconv.Atoi(string(f[2]))
	return s, err1 == nil && err2 == nil && err3 == nil && s.col >= 0 && s.row >= 0
}

// Fd returns the terminal's file descriptor, or ^uintptr(0) (no file)
// when it is not a file.
func (p *Placer) Fd() uintptr {
	if f, ok := p.out.(interface{ Fd() uintptr }); ok {
		return f.Fd()
	}
	return ^uintptr(0)
}

// Read reads from the terminal, when it can be read.
func (p *Placer) Read(b []byte) (int, error) {
	if r, ok := p.out.(io.Reader); ok {
		return r.Read(b)
	}
	return 0, io.EOF
}

// Close closes the terminal, when it can be closed.
func (p *Placer) Close() error {
	if c, ok := p.out.(io.Closer); ok {
		return c.Close()
	}
	return nil
}
