package termimg

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"fmt"
	"image"
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi/kitty"
)

// MaxKittyCells is the most rows or columns a Unicode-placeholder placement
// can address: the row and column diacritics have 297 values.
const MaxKittyCells = 297

// kittyChunk is the most base64 bytes one graphics command may carry.
const kittyChunk = 4096

// KittyTransmit returns the commands that send img to the terminal as image
// id and create a virtual placement of cols×rows cells for Unicode
// placeholders to show (a=T, U=1). Pixels go as zlib-compressed RGB
// (f=24, o=z), base64 in chunks of 4096 bytes; the terminal is asked not to
// reply (q=2). With tmux each chunk is wrapped for passthrough. Send the
// result once per id with tea.Raw; sending it again replaces the image.
//
// KittyTransmit panics if id is 0 or cols or rows is outside
// [1, MaxKittyCells].
func KittyTransmit(img *image.RGBA, id uint32, cols, rows int, tmux bool) string {
	checkKitty(id, cols, rows)
	b := img.Bounds()
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestSpeed)
	line := make([]byte, 3*b.Dx())
	for y := b.Min.Y; y < b.Max.Y; y++ {
		row := img.Pix[img.PixOffset(b.Min.X, y):]
		for x := range b.Dx() {
			// Premultiplied over black is what RGB can carry.
			copy(line[3*x:3*x+3], row[4*x:4*x+3])
		}
		zw.Write(line)
	}
	zw.Close()
	payload := base64.StdEncoding.EncodeToString(z.Bytes())

	var sb strings.Builder
	first := fmt.Sprintf("a=T,U=1,i=%d,f=24,s=%d,v=%d,c=%d,r=%d,o=z,q=2", id, b.Dx(), b.Dy(), cols, rows)
	for len(payload) > 0 || first != "" {
		n := min(len(payload), kittyChunk)
		more := "0"
		if n < len(payload) {
			more = "1"
		}
		keys := "m=" + more + ",q=2"
		if first != "" {
			keys, first = first+",m="+more, ""
		}
		seq := "\x1b_G" + keys + ";" + payload[:n] + "\x1b\\"
		if tmux {
			seq = TmuxWrap(seq)
		}
		sb.WriteString(seq)
		payload = payload[n:]
	}
	return sb.String()
}

// KittyPlaceholders returns the text that shows image id's virtual
// placement in a cols×rows area: each cell holds U+10EEEE followed by the
// diacritics of its row and column (and of the id's top byte when the id
// needs more than 24 bits), in a foreground colour that carries the id.
// Every cell carries its own position, so a renderer may redraw any subset
// of cells. Ids up to 255 are written as 256-colour indexes, which survive a
// renderer that reduces colours to 256; larger ids as 24-bit colours.
//
// KittyPlaceholders panics if id is 0 or cols or rows is outside
// [1, MaxKittyCells].
func KittyPlaceholders(id uint32, cols, rows int) string {
	checkKitty(id, cols, rows)
	var fg string
	if id < 256 {
		fg = "\x1b[38;5;" + strconv.Itoa(int(id)) + "m"
	} else {
		fg = fmt.Sprintf("\x1b[38;2;%d;%d;%dm", id>>16&0xff, id>>8&0xff, id&0xff)
	}
	var sb strings.Builder
	sb.Grow(rows * (len(fg) + cols*12 + 8))
	for r := range rows {
		if r > 0 {
			sb.WriteByte('\n')
		}
		sb.WriteString(fg)
		for c := range cols {
			sb.WriteRune(kitty.Placeholder)
			sb.WriteRune(kitty.Diacritic(r))
			sb.WriteRune(kitty.Diacritic(c))
			if id >= 1<<24 {
				sb.WriteRune(kitty.Diacritic(int(id >> 24)))
			}
		}
		sb.WriteString("\x1b[0m")
	}
	return sb.String()
}

// KittyDelete returns the command that frees image id and its placements
// in the terminal.
func KittyDelete(id uint32, tmux bool) string {
	seq := "\x1b_Ga=d,d=I,i=" + strconv.FormatUint(uint64(id), 10) + ",q=2\x1b\\"
	if tmux {
		seq = TmuxWrap(seq)
	}
	return seq
}

func checkKitty(id uint32, cols, rows int) {
	if id == 0 || cols < 1 || rows < 1 || cols > MaxKittyCells || rows > MaxKittyCells {
		panic(fmt.Sprintf("termimg: kitty image id %d in %d×%d cells", id, cols, rows))
	}
}
