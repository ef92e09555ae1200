package tui

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"triage/render/termimg"
)

// pictureKey is the cache key of a row's picture in the detail view.
func pictureKey(d *detailModel, ps *pictureState, row int64) termimg.Key {
	cols, rows := d.pictureArea()
	return termimg.Key{Sample: strconv.FormatInt(row, 10), Cols: cols, Rows: rows, Protocol: ps.protocol}
}

// TestPrefetch: with a sample's detail open, the pictures of the one
// before, the next and the one after next are in the cache, so that
// stepping to the next renders nothing; a prefetch started anew cancels
// the one before it.
func TestPrefetch(t *testing.T) {
	d := newDriver(t, openDemo(t), 100, 30)
	k := d.m.c.keys
	d.press(k.Open, k.Open, k.Right, k.Right) // the third row of a sheet
	det := d.m.detail
	if det == nil || det.pic == nil || det.pos != 2 {
		t.Fatalf("no picture in the detail view of row 3: %+v", det)
	}
	cached := func(pos int64) bool {
		_, ok, _ := d.m.pics.cache.Get(pictureKey(det, &d.m.pics, det.sheet.sel.Row(pos)))
		return ok
	}
	for _, pos := range []int64{1, 3, 4} {
		if !cached(pos) {
			t.Errorf("the picture of row %d of the sheet is not fetched ahead", pos+1)
		}
	}
	if cached(5) {
		t.Error("row 6 fetched ahead from row 3")
	}

	n, _ := d.m.pics.cache.Len()
	d.m.detail.prefetching = false // this step must not fetch more
	d.press(k.Right)
	if d.m.detail.pic == nil || d.m.detail.pos != 3 {
		t.Fatal("no picture after stepping to the next row")
	}
	if n2, _ := d.m.pics.cache.Len(); n2 != n {
		t.Errorf("stepping to a fetched row rendered %d pictures", n2-n)
	}

	// A superseded prefetch renders nothing.
	det = d.m.detail
	det.prefetching = true
	first := det.prefetch(&d.m.pics)
	second := det.prefetch(&d.m.pics)
	if first == nil || second == nil {
		t.Fatal("no prefetch from row 4")
	}
	n, _ = d.m.pics.cache.Len()
	if _, ok := first().(prefetchedMsg); !ok {
		t.Error("a cancelled prefetch did not report its end")
	}
	if n2, _ := d.m.pics.cache.Len(); n2 != n {
		t.Errorf("a cancelled prefetch rendered %d pictures", n2-n)
	}
	second()
	if n2, _ := d.m.pics.cache.Len(); n2 != n+1 { // row 6; rows 3 and 5 are cached
		t.Errorf("the prefetch from row 4 rendered %d pictures, want 1", n2-n)
	}
}

// photoDataset writes n 1024×768 JPEGs (quality 85, smooth shapes and
// noise, so that they compress about as photographs do) and a CSV naming
// them, and returns the CSV's path.
func photoDataset(b *testing.B, n int) string {
	dir := b.TempDir()
	var csv strings.Builder
	csv.WriteString("id,label,pred,score,filepath\n")
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range n {
		img := image.NewRGBA(image.Rect(0, 0, 1024, 768))
		for y := range 768 {
			for x := range 1024 {
				v := rng.IntN(24)
				img.SetRGBA(x, y, color.RGBA{
					uint8(128 + 100*math.Sin(float64(x+40*i)/90) + float64(v)/2),
					uint8(float64(y)/3 + float64(v)),
					uint8(128 + 100*math.Cos(float64(x+y)/140)),
					255,
				})
			}
		}
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}); err != nil {
			b.Fatal(err)
		}
		name := fmt.Sprintf("p%d.jpg", i)
		if err := os.WriteFile(filepath.Join(dir, name), buf.Bytes(), 0o644); err != nil {
			b.Fatal(err)
		}
		fmt.Fprintf(&csv, "%d,cat,dog,0.%d,%s\n", i, 50+i, name)
	}
	path := filepath.Join(dir, "photos.csv")
	if err := os.WriteFile(path, []byte(csv.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	return path
}

// loop runs the program as bubbletea does: each command in its own
// goroutine, their messages to Update one at a time. Nothing sleeps:
// until returns when a condition holds after a message.
type loop struct {
	m       Model
	msgs    chan tea.Msg
	running int
}

func (l *loop) run(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	l.running++
	go func() { l.msgs <- cmd() }()
}

// until handles messages until done() holds; with no condition it waits
// for every command to end.
func (l *loop) until(done func() bool) {
	for done == nil && l.running > 0 || done != nil && !done() {
		if l.running == 0 {
			panic("loop: waiting for a condition with no command running; screen:\n" + ansi.Strip(l.m.Render()))
		}
		msg := <-l.msgs
		l.running--
		switch msg := msg.(type) {
		case nil:
		case tea.BatchMsg:
			for _, c := range msg {
				l.run(c)
			}
		default:
			next, cmd := l.m.Update(msg)
			l.m = next.(Model)
			l.run(cmd)
		}
	}
}

func (l *loop) press(b tea.KeyPressMsg) {
	next, cmd := l.m.Update(b)
	l.m = next.(Model)
	l.run(cmd)
}

// BenchmarkDetailNext is the time from → in the detail view to the next
// sample's picture on screen, for 1024×768 JPEG files drawn in
// half-blocks at 100×30: with the neighbours' pictures fetched ahead (the
// prefetch of the sample before ended while it was on screen), and
// without.
func BenchmarkDetailNext(b *testing.B) {
	path := photoDataset(b, 8)
	for _, ahead := range []bool{true, false} {
		b.Run("prefetch="+strconv.FormatBool(ahead), func(b *testing.B) {
			b.Setenv("XDG_STATE_HOME", b.TempDir())
			s := openSession(b, path)
			l := &loop{msgs: make(chan tea.Msg, 64)}
			l.m = New(context.Background(), s, Options{Images: termimg.Blocks})
			next, cmd := l.m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
			l.m = next.(Model)
			l.run(cmd)
			l.run(l.m.Init())
			k := l.m.c.keys
			l.until(func() bool { return l.m.c.shown && l.m.c.evalDone })
			if l.m.view == viewEval { // a confusion cell's samples, then one of them
				l.press(keyPress(k.Open.Keys()[0]))
				l.until(func() bool {
					sh := l.m.samples.top()
					_, ok := sh.row(sh.cur)
					return l.m.view == viewSamples && ok
				})
			}
			l.press(keyPress(k.Open.Keys()[0]))
			l.until(func() bool { return l.m.detail != nil && (l.m.detail.pic != nil || l.m.detail.picErr != nil) })
			if l.m.detail.picErr != nil {
				b.Fatal(l.m.detail.picErr)
			}
			pos := l.m.detail.pos
			nextRow := l.m.detail.sheet.sel.Row(pos + 1)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				// Back to the first row, with a cache that holds nothing, as
				// if each step went to a sample not seen before.
				l.until(nil)
				l.m.pics.cache = termimg.NewCache(pictureCacheBytes)
				l.m.detail.pos, l.m.detail.row = pos, l.m.detail.sheet.sel.Row(pos)
				l.m.detail.prefetching = ahead
				l.run(l.m.detail.load())
				l.until(func() bool { d := l.m.detail; return d.data != nil && d.data.row == d.row && d.pic != nil })
				l.until(nil) // the user looks at the picture; the prefetch ends
				b.StartTimer()
				l.press(keyPress(k.Right.Keys()[0]))
				l.until(func() bool { d := l.m.detail; return d.data != nil && d.data.row == nextRow && d.pic != nil })
			}
			b.StopTimer()
			l.until(nil)
		})
	}
}
