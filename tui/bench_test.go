package tui

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	tea "charm.land/bubbletea/v2"
)

// The TUI's responsiveness on ten million rows: drawing a frame and
// handling a key must not depend on the row count. The data is the
// bench's cls_10m.parquet (../shared/bench; TRIAGE_BENCH_DATA names its
// folder); without it the benchmarks run on the demo.

func benchSession(b *testing.B) (d *driver, rows string) {
	dir := os.Getenv("TRIAGE_BENCH_DATA")
	if dir == "" {
		dir = "/tmp/bd"
	}
	path := filepath.Join(dir, "cls_10m.parquet")
	if _, err := os.Stat(path); err != nil {
		b.Logf("no %s: on the demo", path)
		return newDriver(b, openDemo(b), 250, 70), "1500"
	}
	return newDriver(b, openSession(b, path), 250, 70), "10M"
}

func BenchmarkView(b *testing.B) {
	d, rows := benchSession(b)
	k := d.m.c.keys
	for _, size := range [][2]int{{80, 24}, {250, 70}} {
		d.send(sizeMsg(size[0], size[1]))
		d.m.view = viewEval
		b.Run(rows+"/evaluation/"+strconv.Itoa(size[0])+"x"+strconv.Itoa(size[1]), func(b *testing.B) {
			for b.Loop() {
				_ = d.m.View()
			}
		})
		d.m.view = viewSamples
		d.press(k.HalfDown, k.HalfDown, k.Right)
		b.Run(rows+"/samples/"+strconv.Itoa(size[0])+"x"+strconv.Itoa(size[1]), func(b *testing.B) {
			for b.Loop() {
				_ = d.m.View()
			}
		})
	}
}

// BenchmarkKeystroke times Update for a key: moving in the table (the
// rows stay fetched), and typing in the query bar (each key checks the
// query).
func BenchmarkKeystroke(b *testing.B) {
	d, rows := benchSession(b)
	d.m.view = viewSamples
	d.press(d.m.c.keys.HalfDown)
	down, up := keyPress("j"), keyPress("k")
	b.Run(rows+"/move", func(b *testing.B) {
		m := tea.Model(d.m)
		i := 0
		for b.Loop() {
			msg := down
			if i%2 == 1 {
				msg = up
			}
			m, _ = m.Update(msg)
			i++
		}
	})
	d.press(d.m.c.keys.Query)
	d.typ(`label == "cat" and score > 0.5 and not correc`)
	b.Run(rows+"/type", func(b *testing.B) {
		m := tea.Model(d.m)
		t, back := keyPress("t"), keyPress("backspace")
		i := 0
		for b.Loop() {
			msg := t
			if i%2 == 1 {
				msg = back
			}
			m, _ = m.Update(msg)
			i++
		}
	})
}
