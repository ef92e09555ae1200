package tui

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"triage/dataset/curate"
	"triage/evalview"
	"triage/render/termimg"
)

// TestBoxRelabel: in the box view, r on a false positive says only
// ground-truth boxes can be relabeled; on a true positive it opens the
// class picker on the box's class and queues a relabel of the matched
// ground-truth box in the journal; on a missed box esc cancels.
func TestBoxRelabel(t *testing.T) {
	s := openSession(t, "../testdata/reference/coco-small/dataset.parquet", "../testdata/reference/coco-small/predictions.parquet")
	path := filepath.Join(t.TempDir(), "queue.jsonl")
	q, _, err := OpenJournal(path, s.Dataset().Key, s.Dataset().Classes, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	d := &driver{t: t, queue: q}
	d.m = New(context.Background(), s, Options{Queue: q, Images: termimg.Blocks})
	d.send(sizeMsg(120, 40))
	d.run(d.m.Init())
	k := d.m.c.keys
	d.press(k.Boxes)
	v := d.m.boxView
	if v == nil {
		t.Fatal("b opened no box view")
	}
	// goTo moves the cursor to the first box of a kind.
	goTo := func(kind uint8) int {
		t.Helper()
		d.press(k.Top)
		for p, i := range v.order {
			if v.boxes.Kind[i] == kind {
				for range p {
					d.press(k.Down)
				}
				if got, _ := d.m.boxView.current(); got != i {
					t.Fatalf("cursor on box %d, want %d", got, i)
				}
				return i
			}
		}
		t.Fatalf("no %s box", evalview.BoxKindName(kind))
		return -1
	}

	goTo(evalview.BoxFP)
	d.press(k.Relabel)
	if d.m.dialog != nil {
		t.Fatalf("r on a false positive opened %T", d.m.dialog)
	}
	if scr := d.screen(); !strings.Contains(scr, "only ground-truth boxes (tp, fn) can be relabeled") {
		t.Errorf("no reason given on the status line:\n%s", scr)
	}

	fn := goTo(evalview.BoxFN)
	d.press(k.Relabel)
	p, ok := d.m.dialog.(*picker)
	if !ok {
		t.Fatalf("r on a missed box opened %T, want the class picker", d.m.dialog)
	}
	if got := p.options[p.shown[p.cur]]; got != v.className(fn) {
		t.Errorf("the picker starts on %q, want the box's class %q", got, v.className(fn))
	}
	d.press(k.Cancel)
	if d.m.dialog != nil || q.Len() != 0 {
		t.Fatalf("esc left a dialog (%T) or queued %d", d.m.dialog, q.Len())
	}

	tp := goTo(evalview.BoxTP)
	from := v.className(tp)
	// A class other than the box's that no other class name contains.
	to := ""
	for _, c := range s.Dataset().Classes {
		n := 0
		for _, o := range s.Dataset().Classes {
			if strings.Contains(strings.ToLower(o), strings.ToLower(c)) {
				n++
			}
		}
		if c != from && n == 1 {
			to = c
			break
		}
	}
	d.press(k.Relabel)
	if _, ok := d.m.dialog.(*picker); !ok {
		t.Fatalf("r on a true positive opened %T, want the class picker", d.m.dialog)
	}
	d.typ(to)
	d.press(k.Submit)

	entries, _, err := curate.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Fatalf("%d journal entries, want 1: %+v", len(entries), entries)
	}
	e := entries[0]
	keys, err := sampleKeys(context.Background(), s, []int64{v.boxes.Row[tp]})
	if err != nil {
		t.Fatal(err)
	}
	matched := int(v.boxes.Matched[tp])
	if e.Action != curate.ActionRelabel || e.Args.Label != to || e.Args.Box == nil || len(e.Keys) != 1 || e.Keys[0] != keys[0] || e.Version != 2 || e.Query != "box view" {
		t.Fatalf("entry %+v, want a version 2 relabel of sample %s to %q with a box", e, keys[0], to)
	}
	if b := e.Args.Box; b.Index != matched || b.From != from || b.BBox[2] <= 0 || b.BBox[3] <= 0 {
		t.Errorf("box %+v, want index %d (the matched ground-truth box) labelled %q with a bbox", b, matched, from)
	}
	want := "relabeled box " + strconv.Itoa(matched) + " of sample " + keys[0].String() + ` from "` + from + `" to "` + to + `"`
	if scr := d.screen(); !strings.Contains(scr, want) {
		t.Errorf("status line lacks %q:\n%s", want, scr)
	}
	d.press(k.Back, k.QueueView)
	if scr := d.screen(); !strings.Contains(scr, "relabel box "+strconv.Itoa(matched)+` as "`) || !strings.Contains(scr, "box view") {
		t.Errorf("queue view:\n%s", scr)
	}
}
