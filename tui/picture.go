package tui

import (
	"context"
	"image"
	"os"
	"path/filepath"
	"strconv"
	"time"

	tea "charm.land/bubbletea/v2"

	"triage/render/picture"
	"triage/render/termimg"
)

// Pictures in the detail view: the sample's image with its boxes, drawn
// by render/termimg in the protocol the terminal answers to (--images
// auto) or the one asked for. Decoding and encoding run in a command and
// are cached by sample and size.

// pictureState is how the program draws pictures.
type pictureState struct {
	protocol termimg.Protocol // Auto until decided
	tmux     bool
	reason   string // why this protocol: for --debug and the detail view
	replies  termimg.Replies
	cache    *termimg.Cache
	sent     map[uint32]bool // kitty images transmitted
	cell     picture.Cell    // a cell's size in pixels, zero until the terminal says

	// placer draws sixel and iTerm2 pictures where the view marks them;
	// without one they are drawn as half-blocks.
	placer   *termimg.Placer
	placed   placement // the picture the view marks, if any
	clearing bool      // a placed picture is being cleared off the screen
}

// pictureCacheBytes bounds the encoded pictures kept.
const pictureCacheBytes = 64 << 20

// detectTimeout is how long to wait for a terminal's answers: inside tmux
// the kitty reply may never come.
const detectTimeout = 400 * time.Millisecond

// detectDoneMsg ends the wait for the terminal's answers.
type detectDoneMsg struct{}

func newPictureState(p termimg.Protocol, tmux bool, placer *termimg.Placer) pictureState {
	s := pictureState{protocol: p, tmux: tmux, cache: termimg.NewCache(pictureCacheBytes), sent: map[uint32]bool{}, placer: placer}
	if p != termimg.Auto {
		s.reason = p.String() + ": asked for with --images"
	}
	s.protocol, s.reason = s.drawable(s.protocol, s.reason)
	return s
}

// drawable maps a protocol to one this program draws: sixel and iTerm2
// images lie outside the cells, and only a Placer can draw them in step
// with the frames; without one they become half-blocks.
func (s *pictureState) drawable(p termimg.Protocol, reason string) (termimg.Protocol, string) {
	if (p == termimg.Sixel || p == termimg.ITerm) && s.placer == nil {
		return termimg.Blocks, reason + "; drawn as half-blocks (no writer to place sixel and iTerm2 images)"
	}
	return p, reason
}

// detectCmd asks the terminal what it can draw, when the protocol is auto.
func (s *pictureState) detectCmd() tea.Cmd {
	if s.protocol != termimg.Auto {
		return nil
	}
	return tea.Batch(
		tea.Raw(termimg.Queries(s.tmux)),
		tea.Tick(detectTimeout, func(time.Time) tea.Msg { return detectDoneMsg{} }),
	)
}

// observe takes a reply to the queries; true when msg was one.
func (s *pictureState) observe(msg tea.Msg) bool {
	if s.protocol != termimg.Auto {
		return false
	}
	if _, ok := msg.(detectDoneMsg); ok {
		s.decide()
		return true
	}
	if !s.replies.Observe(msg) {
		return false
	}
	if s.replies.Complete(s.tmux) {
		s.decide()
	}
	return true
}

func (s *pictureState) decide() {
	if s.protocol != termimg.Auto {
		return
	}
	d := termimg.Decide(s.replies, s.tmux)
	s.tmux, s.cell = d.Tmux, d.Cell
	s.protocol, s.reason = s.drawable(d.Protocol, d.Reason)
}

// pictureMsg carries a sample's picture, rendered.
type pictureMsg struct {
	seq int
	pic termimg.Picture
	// placeID names a sixel or iTerm2 picture to the Placer, 0 otherwise.
	placeID uint64
	err     error
}

// imageSource is where a sample's image is: bytes in the dataset, or a
// file.
type imageSource struct {
	data []byte
	path string
}

func (src imageSource) empty() bool { return len(src.data) == 0 && src.path == "" }

// renderPicture decodes and encodes a sample's picture for a box of
// cols × rows cells, through the cache.
func (s *pictureState) renderPicture(seq int, sample string, src imageSource, boxes []picture.Box, variant string, cols, rows int) tea.Cmd {
	render := s.renderer(sample, src, boxes, variant, cols, rows)
	if render == nil {
		return nil
	}
	placer := s.placer
	return func() tea.Msg {
		pic, err := render()
		msg := pictureMsg{seq: seq, pic: pic, err: err}
		if err == nil && placed(pic.Protocol) && placer != nil {
			msg.placeID = placer.Keep(pic.Raw)
		}
		return msg
	}
}

// renderer returns what renders a sample's picture through the cache, or
// nil when there is nothing to draw. It may be called from any goroutine.
func (s *pictureState) renderer(sample string, src imageSource, boxes []picture.Box, variant string, cols, rows int) func() (termimg.Picture, error) {
	proto := s.protocol
	if proto == termimg.Auto || proto == termimg.Off || src.empty() || cols < 2 || rows < 1 {
		return nil
	}
	key := termimg.Key{Sample: sample, Cols: cols, Rows: rows, Protocol: proto, Variant: variant}
	cache, tmux, cell := s.cache, s.tmux, s.cell
	return func() (termimg.Picture, error) {
		return cache.Do(key, func() (termimg.Picture, error) {
			opt := termimg.Options{Protocol: proto, Cols: cols, Rows: rows, Cell: cell, Tmux: tmux, Boxes: boxes}
			decoded, size, err := decodeSource(src, opt)
			if err != nil {
				return termimg.Picture{}, err
			}
			opt.Size, opt.ID = size, cache.NextID()
			return termimg.Render(decoded, opt)
		})
	}
}

// Prefetch: while the detail view shows a sample, the pictures of its
// neighbours in the sheet are rendered into the cache, so that stepping
// to one shows it at once. One command renders them in turn; a newer
// prefetch cancels it between pictures, so at most one runs per detail
// view, plus the picture it was in the middle of when cancelled.

// prefetchSteps are the neighbours fetched ahead, nearest first: the next
// sample, the one before, and the one after next (people mostly step
// forward).
var prefetchSteps = []int64{1, -1, 2}

// prefetchedMsg reports that a prefetch has ended.
type prefetchedMsg struct{}

// prefetch renders the neighbours' pictures into the cache, in the size
// and protocol the sample on screen has.
func (d *detailModel) prefetch(ps *pictureState) tea.Cmd {
	if d.cancelPrefetch != nil {
		d.cancelPrefetch()
		d.cancelPrefetch = nil
	}
	if d.sheet == nil || !d.sheet.ready() || d.mark.index >= 0 || !d.prefetching {
		return nil
	}
	var rows []int64
	for _, step := range prefetchSteps {
		if p := d.pos + step; p >= 0 && p < d.sheet.len() {
			rows = append(rows, d.sheet.sel.Row(p))
		}
	}
	if len(rows) == 0 {
		return nil
	}
	ctx, cancel := context.WithCancel(d.c.ctx)
	d.cancelPrefetch = cancel
	s, full := d.c.sess, d.c.fetchKinds().derived
	cols, prows := d.pictureArea()
	return func() tea.Msg {
		defer cancel()
		for _, row := range rows {
			if ctx.Err() != nil {
				break
			}
			data, err := fetchDetail(ctx, s, row, full)
			if err != nil {
				continue
			}
			if render := ps.renderer(strconv.FormatInt(row, 10), data.src, data.boxes, "", cols, prows); render != nil {
				render() // an error is cached too, and shown when the row is
			}
		}
		return prefetchedMsg{}
	}
}

// placed reports whether p's pictures are drawn by the Placer.
func placed(p termimg.Protocol) bool { return p == termimg.Sixel || p == termimg.ITerm }

// A sixel or iTerm2 picture is drawn over blank cells that the view marks
// (termimg.Marker), and the Placer draws it after each frame that paints
// them. Model.place keeps the marks in step with what the screen should
// show.

// placement is a sixel or iTerm2 picture on the screen: its image (a
// Placer id) and its top-left cell. The zero value is none.
type placement struct {
	id       uint64
	col, row int
}

// bodyTop is the screen row where a view starts: under the status line and
// the tabs (see Model.Render).
const bodyTop = 2

// wantPlacement is where the screen should show a sixel or iTerm2 picture:
// in the detail view, with no help or dialog over it, and wholly on
// screen.
func (m Model) wantPlacement() placement {
	if m.pics.placer == nil || m.help || m.dialog != nil || m.detail == nil {
		return placement{}
	}
	col, row, ok := m.detail.pictureSpot()
	if !ok {
		return placement{}
	}
	return placement{id: m.detail.picID, col: col, row: bodyTop + row}
}

// screenCleared is the message bubbletea passes to Update after its
// renderer has taken a tea.ClearScreen: from then on, the next frame is a
// whole new screen.
var screenCleared = tea.ClearScreen()

// place brings the marked picture in step with wantPlacement after each
// Update. A picture appears by marking its cells. One that goes or moves
// is cleared off the screen first (tea.ClearScreen), since text written
// over sixel pixels does not hide them in every terminal; the new one is
// marked only once the renderer has taken the clear, so that it is drawn
// once, after it.
func (m Model) place(msg tea.Msg, cmd tea.Cmd) (Model, tea.Cmd) {
	if m.pics.placer == nil {
		return m, cmd
	}
	if msg == screenCleared {
		m.pics.clearing = false
	}
	want := m.wantPlacement()
	switch {
	case m.pics.clearing || want == m.pics.placed:
	case m.pics.placed.id != 0:
		m.pics.placed, m.pics.clearing = placement{}, true
		cmd = tea.Batch(cmd, tea.ClearScreen)
	default:
		m.pics.placed = want
	}
	if m.detail != nil {
		m.detail.placed = m.pics.placed
	}
	return m, cmd
}

// decodeSource decodes an image for a picture rendered with opt, reduced
// when the picture is much smaller (picture.DecodeScaled); size is its
// full size.
func decodeSource(src imageSource, opt termimg.Options) (img image.Image, size image.Point, err error) {
	w, h := opt.PixelBox()
	if len(src.data) > 0 {
		img, size, _, err = picture.DecodeScaled(src.data, picture.DefaultLimits, w, h)
	} else {
		img, size, _, err = picture.DecodeFileScaled(src.path, picture.DefaultLimits, w, h)
	}
	return img, size, err
}

// transmit is what must reach the terminal before a picture shows: a
// kitty image's data, once per image.
func (s *pictureState) transmit(pic termimg.Picture) tea.Cmd {
	if pic.Protocol != termimg.Kitty || pic.Raw == "" || s.sent[pic.ID] {
		return nil
	}
	s.sent[pic.ID] = true
	return tea.Raw(pic.Raw)
}

// resolvePath finds a filepath column's file: as written when absolute,
// else relative to the dataset's folder (SPEC §2.3).
func resolvePath(dataset, p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	dir := dataset
	if st, err := os.Stat(dataset); err != nil || !st.IsDir() {
		dir = filepath.Dir(dataset)
	}
	return filepath.Join(dir, p)
}

// boxLabel is what a box says on a large picture: "fp dog 0.91".
func boxLabel(eval, label string, score float64, hasScore bool) string {
	s := eval
	if label != "" {
		if s != "" {
			s += " "
		}
		s += label
	}
	if hasScore {
		s += " " + strconv.FormatFloat(score, 'f', 2, 64)
	}
	return s
}

// protocolName says how a picture is drawn, for people.
func protocolName(p termimg.Protocol) string {
	switch p {
	case termimg.Blocks:
		return "half-blocks"
	case termimg.Blocks256:
		return "half-blocks, 256 colours"
	case termimg.Kitty:
		return "kitty graphics"
	case termimg.ITerm:
		return "iTerm2 image"
	}
	return p.String()
}
