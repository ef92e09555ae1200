package tui

import (
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
}

// pictureCacheBytes bounds the encoded pictures kept.
const pictureCacheBytes = 64 << 20

// detectTimeout is how long to wait for a terminal's answers: inside tmux
// the kitty reply may never come.
const detectTimeout = 400 * time.Millisecond

// detectDoneMsg ends the wait for the terminal's answers.
type detectDoneMsg struct{}

func newPictureState(p termimg.Protocol, tmux bool) pictureState {
	s := pictureState{protocol: p, tmux: tmux, cache: termimg.NewCache(pictureCacheBytes), sent: map[uint32]bool{}}
	if p != termimg.Auto {
		s.reason = p.String() + ": asked for with --images"
	}
	s.protocol, s.reason = drawable(s.protocol, s.reason)
	return s
}

// drawable maps a protocol to one this program draws: sixel and iTerm2
// images are placed outside the frame, which a cell-diffing renderer
// redraws over, so they become half-blocks here.
func drawable(p termimg.Protocol, reason string) (termimg.Protocol, string) {
	if p == termimg.Sixel || p == termimg.ITerm {
		return termimg.Blocks, reason + "; drawn as half-blocks (sixel and iTerm2 images are not drawn inside the TUI yet)"
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
	s.tmux = d.Tmux
	s.protocol, s.reason = drawable(d.Protocol, d.Reason)
}

// pictureMsg carries a sample's picture, rendered.
type pictureMsg struct {
	seq int
	pic termimg.Picture
	err error
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
	proto := s.protocol
	if proto == termimg.Auto || proto == termimg.Off || src.empty() || cols < 2 || rows < 1 {
		return nil
	}
	key := termimg.Key{Sample: sample, Cols: cols, Rows: rows, Protocol: proto, Variant: variant}
	cache, tmux := s.cache, s.tmux
	return func() tea.Msg {
		pic, err := cache.Do(key, func() (termimg.Picture, error) {
			decoded, _, err := decodeSource(src)
			if err != nil {
				return termimg.Picture{}, err
			}
			return termimg.Render(decoded, termimg.Options{Protocol: proto, Cols: cols, Rows: rows, ID: cache.NextID(), Tmux: tmux, Boxes: boxes})
		})
		return pictureMsg{seq: seq, pic: pic, err: err}
	}
}

func decodeSource(src imageSource) (image.Image, string, error) {
	if len(src.data) > 0 {
		return picture.Decode(src.data, picture.DefaultLimits)
	}
	return picture.DecodeFile(src.path, picture.DefaultLimits)
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
	}
	return p.String()
}
