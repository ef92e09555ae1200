package tui

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/charmbracelet/x/ansi"

	"triage/dataset"
	"triage/evalview"
	"triage/render/termimg"
)

var update = flag.Bool("update", false, "rewrite golden files")

const demoDir = "../testdata/demo"

// openSession opens a dataset for a test; it is closed, and its memory
// checked, when the test ends.
func openSession(t testing.TB, path string, preds ...string) *evalview.Session {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	opts := dataset.Options{Path: path}
	for _, p := range preds {
		opts.Preds = append(opts.Preds, dataset.ParsePredSpec(p))
	}
	s, err := evalview.Open(evalview.Config{Data: opts, Mem: mem, Interactive: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.Close()
		if tt, ok := t.(*testing.T); ok {
			mem.AssertSize(tt, 0)
		}
	})
	return s
}

func openDemo(t testing.TB) *evalview.Session {
	return openSession(t, filepath.Join(demoDir, "digits.parquet"), filepath.Join(demoDir, "digits-preds.parquet"))
}

// driver runs the program without a terminal: it feeds messages to
// Update and runs the commands that come back, one after the other, until
// none is left. Nothing sleeps: a command's result is the next message.
type driver struct {
	t     testing.TB
	m     Model
	quit  bool
	queue Queue

	// Hooks for a driver that also draws frames (placeDriver): before
	// and after each Update, and raw output a command asks to write
	// (without one, a tea.RawMsg goes to Update like any message).
	before func(tea.Msg)
	after  func()
	raw    func(string)
}

func newDriver(t testing.TB, s *evalview.Session, w, h int) *driver {
	t.Helper()
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	q := NewMemoryQueue()
	q.now = func() time.Time { return time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC) }
	d := &driver{t: t, queue: q}
	d.m = New(context.Background(), s, Options{Title: "test", Queue: q, HistoryPath: HistoryPath(), Dark: true, Images: termimg.Blocks})
	d.send(tea.WindowSizeMsg{Width: w, Height: h})
	d.run(d.m.Init())
	return d
}

func (d *driver) send(msg tea.Msg) {
	d.t.Helper()
	if d.before != nil {
		d.before(msg)
	}
	next, cmd := d.m.Update(msg)
	d.m = next.(Model)
	if d.after != nil {
		d.after()
	}
	d.run(cmd)
}

// run runs a command and everything it leads to.
func (d *driver) run(cmd tea.Cmd) {
	d.t.Helper()
	pending := []tea.Cmd{cmd}
	for len(pending) > 0 {
		c := pending[0]
		pending = pending[1:]
		if c == nil {
			continue
		}
		switch msg := c().(type) {
		case nil:
		case tea.BatchMsg:
			pending = append(pending, msg...)
		case tea.QuitMsg:
			d.quit = true
		case tea.RawMsg:
			if d.raw == nil {
				d.send(msg)
				continue
			}
			d.raw(msg.Msg.(string))
		default:
			d.send(msg)
		}
	}
}

// press presses each binding's first key.
func (d *driver) press(bs ...key.Binding) {
	d.t.Helper()
	for _, b := range bs {
		d.send(keyPress(b.Keys()[0]))
	}
}

// typ types text into whatever has the keys.
func (d *driver) typ(s string) {
	d.t.Helper()
	for _, r := range s {
		d.send(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

// screen is the screen as plain text.
func (d *driver) screen() string { return ansi.Strip(d.m.Render()) }

// keyPress makes the message a terminal sends for a key as bindings name
// it: "enter", "ctrl+c", "shift+tab", "G".
func keyPress(k string) tea.KeyPressMsg {
	named := map[string]rune{
		"enter": tea.KeyEnter, "esc": tea.KeyEscape, "tab": tea.KeyTab, "backspace": tea.KeyBackspace,
		"up": tea.KeyUp, "down": tea.KeyDown, "left": tea.KeyLeft, "right": tea.KeyRight,
		"pgup": tea.KeyPgUp, "pgdown": tea.KeyPgDown, "home": tea.KeyHome, "end": tea.KeyEnd,
		"space": tea.KeySpace, "delete": tea.KeyDelete,
	}
	var mod tea.KeyMod
	for {
		switch {
		case strings.HasPrefix(k, "ctrl+"):
			mod |= tea.ModCtrl
			k = k[5:]
			continue
		case strings.HasPrefix(k, "shift+"):
			mod |= tea.ModShift
			k = k[6:]
			continue
		case strings.HasPrefix(k, "alt+"):
			mod |= tea.ModAlt
			k = k[4:]
			continue
		}
		break
	}
	if r, ok := named[k]; ok {
		msg := tea.KeyPressMsg{Code: r, Mod: mod}
		if r == tea.KeySpace {
			msg.Text = " "
		}
		return msg
	}
	r := []rune(k)[0]
	if mod != 0 {
		return tea.KeyPressMsg{Code: r, Mod: mod}
	}
	return tea.KeyPressMsg{Code: r, Text: k}
}

// golden compares got with testdata/<test>/<name>.golden; -update
// rewrites it.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", t.Name(), name+".golden")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from %s:\n--- got\n%s\n--- want\n%s", name, path, got, want)
	}
}

// checkScreen checks a screen's shape: exactly h lines, none wider than w,
// no escape sequence but styling.
func checkScreen(t *testing.T, what string, out string, w, h int) {
	t.Helper()
	lines := strings.Split(out, "\n")
	if len(lines) != h {
		t.Errorf("%s at %d×%d: %d lines, want %d", what, w, h, len(lines), h)
	}
	for i, line := range lines {
		if lw := ansi.StringWidth(line); lw > w {
			t.Errorf("%s at %d×%d: line %d is %d wide: %q", what, w, h, i, lw, ansi.Strip(line))
		}
		if strings.ContainsAny(ansi.Strip(line), "\x1b\a\x9b") {
			t.Errorf("%s at %d×%d: line %d carries a raw control: %q", what, w, h, i, line)
		}
	}
}

func sizeMsg(w, h int) tea.WindowSizeMsg { return tea.WindowSizeMsg{Width: w, Height: h} }
