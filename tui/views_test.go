package tui

import (
	"fmt"
	"strings"
	"testing"
)

// screens walks through the main views of the demo as a person would and
// calls see with each screen's name.
func screens(t *testing.T, w, h int, see func(name string, d *driver)) {
	d := newDriver(t, openDemo(t), w, h)
	k := d.m.c.keys
	see("evaluation", d)
	d.press(k.PerClass)
	see("evaluation_classes", d)
	d.press(k.Slices)
	see("evaluation_slices", d)
	d.press(k.Charts)
	see("evaluation_charts", d)
	d.press(k.Down) // the PR curve of the next class
	see("evaluation_charts_next", d)
	d.press(k.Up)
	d.press(k.Confusion, k.Open) // the cell with the most errors: 8 → 1
	see("cell", d)
	d.press(k.Open)
	see("detail", d)
	d.press(k.Close)
	d.press(k.Query)
	d.typ(`lable == "3"`)
	see("query_error", d)
	d.press(k.Cancel, k.Close) // back to all rows
	see("samples", d)
	d.press(k.Relabel)
	see("relabel", d)
	d.press(k.Submit, k.Tag)
	d.typ("blurry")
	d.press(k.Submit, k.QueueView)
	see("queue", d)
	d.press(k.Help)
	see("help", d)
}

// TestViews compares the main screens with golden files at 80×24 and
// 160×48 (ANSI stripped; -update rewrites them).
func TestViews(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			screens(t, size[0], size[1], func(name string, d *driver) {
				out := d.m.Render()
				checkScreen(t, name, out, size[0], size[1])
				golden(t, name, d.screen())
			})
		})
	}
}

// TestWidthSweep draws every main screen at many sizes: never a line
// wider than the terminal, always exactly its height.
func TestWidthSweep(t *testing.T) {
	if testing.Short() {
		t.Skip("the sweep opens the demo many times")
	}
	for _, h := range []int{6, 24, 50} {
		for w := 20; w <= 220; w += 25 {
			screens(t, w, h, func(name string, d *driver) {
				checkScreen(t, name, d.m.Render(), w, h)
				// Resizing keeps every view in shape too.
				d.send(sizeMsg(w+13, h+3))
				checkScreen(t, name+" resized", d.m.Render(), w+13, h+3)
				d.send(sizeMsg(w, h))
			})
		}
	}
}

func TestEvaluationStartsOnWorstCell(t *testing.T) {
	d := newDriver(t, openDemo(t), 120, 40)
	scr := d.screen()
	for _, want := range []string{"accuracy 0.9047", "label 8 → pred 1: 7", "where it fails", "split = train"} {
		if !strings.Contains(scr, want) {
			t.Errorf("evaluation view lacks %q:\n%s", want, scr)
		}
	}
	k := d.m.c.keys
	d.press(k.Open)
	sh := d.m.samples.top()
	if got, want := sh.query, `label == "8" and pred == "1"`; got != want {
		t.Errorf("enter on the worst cell opened %q, want %q", got, want)
	}
	if sh.len() != 7 {
		t.Errorf("the 8 → 1 cell has %d rows, want 7", sh.len())
	}
}

// detectionScreens walks a detection dataset's views.
func detectionScreens(t *testing.T, w, h int, see func(name string, d *driver)) {
	s := openSession(t, "../testdata/reference/coco-small/dataset.parquet", "../testdata/reference/coco-small/predictions.parquet")
	d := newDriver(t, s, w, h)
	k := d.m.c.keys
	see("evaluation", d)
	d.press(k.Charts)
	see("evaluation_charts", d)
	d.press(k.Boxes)
	see("boxes", d)
	d.press(k.Open)
	see("box_detail", d)
	d.press(k.Back, k.Back, k.NextView)
	see("samples", d)
}

func TestViewsDetection(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			detectionScreens(t, size[0], size[1], func(name string, d *driver) {
				checkScreen(t, name, d.m.Render(), size[0], size[1])
				golden(t, name, d.screen())
			})
		})
	}
}

func TestViewsSeveralSets(t *testing.T) {
	second := writeSecondPreds(t)
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			s := openSession(t, "../testdata/demo/digits.parquet", "lr=../testdata/demo/digits-preds.parquet", "oracle="+second)
			d := newDriver(t, s, size[0], size[1])
			checkScreen(t, "evaluation", d.m.Render(), size[0], size[1])
			golden(t, "evaluation", d.screen())
			d.press(d.m.c.keys.Regressions)
			checkScreen(t, "regressions", d.m.Render(), size[0], size[1])
			golden(t, "regressions", d.screen())
		})
	}
}

func TestWidthSweepDetection(t *testing.T) {
	if testing.Short() {
		t.Skip("the sweep opens the data many times")
	}
	for _, h := range []int{6, 24, 50} {
		for w := 20; w <= 220; w += 25 {
			detectionScreens(t, w, h, func(name string, d *driver) {
				checkScreen(t, name, d.m.Render(), w, h)
			})
		}
	}
}
