package tui

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"triage/dataset/curate"
	"triage/evalview"
	"triage/evalview/curve"
	"triage/render/termimg"
)

// hold sends a message and returns the command that comes back without
// running it: the operation it starts stays in flight.
func (d *driver) hold(msg tea.Msg) tea.Cmd {
	d.t.Helper()
	next, cmd := d.m.Update(msg)
	d.m = next.(Model)
	return cmd
}

func count(t *testing.T, s *evalview.Session, q string) int64 {
	t.Helper()
	prog, err := s.Compile(q)
	if err != nil {
		t.Fatalf("Compile(%q): %v", q, err)
	}
	n, err := s.Count(context.Background(), prog)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestCtrlC: the first ctrl+c cancels what runs, the second quits.
func TestCtrlC(t *testing.T) {
	d := newDriver(t, openDemo(t), 100, 30)
	k := d.m.c.keys
	held := d.hold(openQueryMsg{title: "slow", query: "not correct"})
	if d.m.c.busy() == nil {
		t.Fatal("no operation in flight after opening a query")
	}
	d.press(k.Quit)
	if d.quit {
		t.Fatal("ctrl+c quit while a query ran")
	}
	if !strings.Contains(d.screen(), "cancelled query") {
		t.Errorf("no word of the cancelled query:\n%s", d.screen())
	}
	d.run(held) // the query ends, cancelled
	if sh := d.m.samples.top(); sh.err == nil || !isCancel(sh.err) {
		t.Errorf("the cancelled sheet's error is %v, want a cancellation", sh.err)
	}
	d.press(k.Quit)
	if !d.quit {
		t.Error("the second ctrl+c did not quit")
	}
}

// TestNewerQuerySupersedes: results of a query replaced by a newer one
// are dropped, whatever order they arrive in.
func TestNewerQuerySupersedes(t *testing.T) {
	s := openDemo(t)
	d := newDriver(t, s, 100, 30)
	first := d.hold(openQueryMsg{title: "a", query: "correct"})
	second := d.hold(openQueryMsg{title: "b", query: "not correct"})
	if o := d.m.c.busy(); o == nil || len(d.m.c.ops) != 2 || !d.m.c.ops[0].cancelled {
		t.Errorf("the first query was not cancelled when the second started: %+v", d.m.c.ops)
	}
	d.run(second)
	d.run(first) // late, for a sheet no longer on the stack
	sh := d.m.samples.top()
	if sh.query != "not correct" || sh.len() != count(t, s, "not correct") {
		t.Errorf("top sheet %q has %d rows, want the newer query's %d", sh.query, sh.len(), count(t, s, "not correct"))
	}
	if got := d.m.samples.breadcrumb(); !slices.Equal(got, []string{"all", "b"}) {
		t.Errorf("breadcrumb %v, want [all b]", got)
	}
	// An older window of the same sheet does not replace a newer one.
	old := window{seq: 1, offset: 0, rows: []int64{0}}
	sh.fetchSeq = 3
	sh.takeWindow(window{seq: 3, offset: 10, rows: []int64{10}})
	sh.takeWindow(old)
	if sh.win.seq != 3 {
		t.Errorf("window seq %d after a stale one arrived, want 3", sh.win.seq)
	}
}

// TestSortKeys: [ and ] sort by the current column by adding a sort
// stage to the sheet's query.
func TestSortKeys(t *testing.T) {
	d := newDriver(t, openDemo(t), 120, 30)
	k := d.m.c.keys
	d.press(k.Open) // the 8 → 1 cell
	d.press(k.Right, k.Right, k.Right, k.SortDesc)
	sh := d.m.samples.top()
	if want := `label == "8" and pred == "1" | sort score desc`; sh.query != want {
		t.Fatalf("query %q, want %q", sh.query, want)
	}
	d.press(k.SortAsc)
	sh = d.m.samples.top()
	if want := `label == "8" and pred == "1" | sort score asc`; sh.query != want {
		t.Errorf("query %q, want %q (the sort replaced)", sh.query, want)
	}
	if n := len(d.m.samples.stack); n != 2 {
		t.Errorf("sorting pushed sheets: %d on the stack", n)
	}
	scr := d.screen()
	if !strings.Contains(scr, "score↑") || !strings.Contains(scr, "sort score asc") {
		t.Errorf("the screen does not show the sort:\n%s", scr)
	}
	// The rows come in score order.
	var prev float64
	for i, row := range sh.win.cells {
		v, err := strconv.ParseFloat(row[3], 64)
		if err != nil {
			t.Fatalf("score cell %q: %v", row[3], err)
		}
		if i > 0 && v < prev {
			t.Errorf("row %d: score %v after %v", i, v, prev)
		}
		prev = v
	}
}

// TestQueryBar: live errors, completion, refining, history.
func TestQueryBar(t *testing.T) {
	s := openDemo(t)
	d := newDriver(t, s, 100, 30)
	k := d.m.c.keys
	d.press(k.Query)
	d.typ(`lable == "3"`)
	scr := d.screen()
	if !strings.Contains(scr, `^~~~~ unknown column "lable", did you mean "label"?`) {
		t.Errorf("no caret and suggestion:\n%s", scr)
	}
	d.press(k.Submit) // refused while wrong
	if !d.m.bar.active {
		t.Fatal("enter ran a wrong query")
	}
	d.send(keyPress("home"))
	for range 5 {
		d.send(keyPress("right"))
	}
	d.press(k.Complete) // tab takes the suggestion
	if got := d.m.bar.edit.String(); got != `label == "3"` {
		t.Fatalf("after tab: %q, want the suggestion put in", got)
	}
	d.press(k.Submit)
	if sh := d.m.samples.top(); sh.query != `label == "3"` || sh.len() != count(t, s, `label == "3"`) {
		t.Errorf("sheet %q with %d rows", sh.query, sh.len())
	}
	// A query typed on a sheet refines it.
	d.press(k.Query)
	d.typ("not corr")
	d.press(k.Complete)
	if got := d.m.bar.edit.String(); got != "not correct" {
		t.Errorf("completion gave %q, want \"not correct\"", got)
	}
	d.press(k.Submit)
	sh := d.m.samples.top()
	if want := `label == "3" | not correct`; sh.query != want || sh.len() != count(t, s, want) {
		t.Errorf("sheet %q with %d rows, want %q with %d", sh.query, sh.len(), want, count(t, s, want))
	}
	if crumbs := d.m.samples.breadcrumb(); !slices.Equal(crumbs, []string{"all", `label == "3"`, "not correct"}) {
		t.Errorf("breadcrumb %q", crumbs)
	}
	// Several completions: a list, and tab walks it.
	d.press(k.Query)
	d.typ("s")
	d.press(k.Complete)
	if len(d.m.bar.cands) < 2 {
		t.Fatalf("completing %q offered %v", "s", d.m.bar.cands)
	}
	d.press(k.Complete)
	first := d.m.bar.edit.String()
	d.press(k.Complete)
	if second := d.m.bar.edit.String(); second == first {
		t.Errorf("a second tab left %q", second)
	}
	d.press(k.Cancel)
	// History: saved, and read back by a new program.
	data, err := os.ReadFile(HistoryPath())
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Split(strings.TrimSpace(string(data)), "\n"); !slices.Equal(got, []string{`label == "3"`, "not correct"}) {
		t.Errorf("history file holds %q", got)
	}
	d2 := &driver{t: t}
	d2.m = New(context.Background(), s, Options{HistoryPath: HistoryPath(), Images: termimg.Blocks})
	d2.send(sizeMsg(100, 30))
	d2.run(d2.m.Init())
	d2.press(k.Query, k.HistoryPrev, k.HistoryPrev)
	if got := d2.m.bar.edit.String(); got != `label == "3"` {
		t.Errorf("two ↑ in a new program: %q", got)
	}
	d2.press(k.HistoryNext, k.HistoryNext)
	if got := d2.m.bar.edit.String(); got != "" {
		t.Errorf("back down to the draft: %q", got)
	}
}

// TestBackAndQuit: esc closes the detail view and pops sheets; q leaves
// the samples view for the evaluation and quits from there.
func TestBackAndQuit(t *testing.T) {
	d := newDriver(t, openDemo(t), 100, 30)
	k := d.m.c.keys
	d.press(k.Open, k.Open)
	if d.m.detail == nil {
		t.Fatal("enter on a row opened no detail")
	}
	d.press(k.Close)
	if d.m.detail != nil || len(d.m.samples.stack) != 2 {
		t.Fatal("esc did not close the detail view alone")
	}
	d.press(k.Close)
	if len(d.m.samples.stack) != 1 || d.m.view != viewSamples {
		t.Fatalf("esc did not pop the sheet: %d sheets, view %d", len(d.m.samples.stack), d.m.view)
	}
	d.press(k.Close)
	if d.m.view != viewSamples || d.quit {
		t.Fatal("esc on the last sheet left the view")
	}
	d.press(k.Open, k.Help)
	steps := []func() bool{
		func() bool { return !d.m.help && d.m.detail != nil },
		func() bool { return d.m.detail == nil && d.m.view == viewSamples },
		func() bool { return d.m.view == viewEval },
		func() bool { return d.quit },
	}
	for i, ok := range steps {
		d.press(k.Back)
		if !ok() {
			t.Fatalf("q number %d did not step back (view %d, %d sheets, quit %v)", i+1, d.m.view, len(d.m.samples.stack), d.quit)
		}
	}
}

// TestActions: select, tag, relabel with the picker on the prediction,
// drop, undo; the queue holds the keys.
func TestActions(t *testing.T) {
	d := newDriver(t, openDemo(t), 100, 30)
	k := d.m.c.keys
	d.press(k.Open)                      // 8 → 1: ids 100 602 661 736 1061 1291 1493
	d.press(k.Mark, k.Down, k.MarkRange) // 100, then 602..661
	if d.m.marks.n != 3 {
		t.Fatalf("%d selected, want 3", d.m.marks.n)
	}
	if !strings.Contains(d.screen(), "3 selected") {
		t.Errorf("the status line does not count the selection:\n%s", d.screen())
	}
	d.press(k.Tag)
	d.typ("blurry")
	d.press(k.Submit)
	d.press(k.Relabel)
	p, ok := d.m.dialog.(*picker)
	if !ok {
		t.Fatalf("r opened %T, want the class picker", d.m.dialog)
	}
	if got := p.options[p.shown[p.cur]]; got != "1" {
		t.Errorf("the picker starts on %q, want the prediction 1", got)
	}
	d.typ("8")
	d.press(k.Submit)
	d.press(k.MarkAll) // all 7
	d.press(k.Drop)
	entries := d.queue.Entries()
	if len(entries) != 3 {
		t.Fatalf("%d entries, want 3: %+v", len(entries), entries)
	}
	keys := func(a Action) []string {
		var out []string
		for _, k := range a.Keys {
			out = append(out, k.String())
		}
		return out
	}
	want := []struct {
		verb, arg string
		keys      []string
	}{
		{VerbTag, "blurry", []string{"100", "602", "661"}},
		{VerbRelabel, "8", []string{"100", "602", "661"}},
		{VerbDrop, "", []string{"100", "602", "661", "736", "1061", "1291", "1493"}},
	}
	for i, w := range want {
		a := entries[i]
		if a.Verb != w.verb || a.Arg != w.arg || !slices.Equal(keys(a), w.keys) || a.Query != `label == "8" and pred == "1"` {
			t.Errorf("entry %d = %s %q %v %q, want %s %q %v", i, a.Verb, a.Arg, keys(a), a.Query, w.verb, w.arg, w.keys)
		}
	}
	d.press(k.Undo)
	if d.queue.Len() != 2 || !d.queue.Entries()[2].Undone {
		t.Errorf("undo left %d in effect", d.queue.Len())
	}
	d.press(k.QueueView)
	if scr := d.screen(); !strings.Contains(scr, "(undone)") || !strings.Contains(scr, `relabel as "8"`) {
		t.Errorf("queue view:\n%s", scr)
	}
}

// TestResizeKeepsRow: after a resize the current row is still on screen
// and the screen is full.
func TestResizeKeepsRow(t *testing.T) {
	d := newDriver(t, openDemo(t), 100, 30)
	k := d.m.c.keys
	d.press(k.NextView, k.Bottom)
	sh := d.m.samples.top()
	if sh.cur != 1499 {
		t.Fatalf("G: current row %d, want 1499", sh.cur)
	}
	d.send(sizeMsg(100, 50))
	page := int64(d.m.samples.page())
	if sh.cur < sh.top || sh.cur >= sh.top+page || sh.top != 1500-page {
		t.Errorf("after growing: top %d, current %d, page %d", sh.top, sh.cur, page)
	}
	if !strings.Contains(d.screen(), " 1499 ") {
		t.Errorf("the last row is not on screen:\n%s", d.screen())
	}
	d.send(sizeMsg(100, 12))
	if sh.cur < sh.top || sh.cur >= sh.top+int64(d.m.samples.page()) {
		t.Errorf("after shrinking: top %d, current %d", sh.top, sh.cur)
	}
}

// TestPresets: each preset opens the query it says.
func TestPresets(t *testing.T) {
	s := openDemo(t)
	d := newDriver(t, s, 100, 30)
	k := d.m.c.keys
	for _, tt := range []struct {
		name string
		b    func() // press the preset
		want string
	}{
		{"false positives", func() { d.press(k.FalsePos) }, `fp("8")`},
		{"false negatives", func() { d.press(k.FalseNeg) }, `fn("8")`},
		{"suspects", func() { d.press(k.Suspects) }, "suspect | sort self_confidence asc"},
		{"confident errors", func() { d.press(k.ConfidentErrors) }, "not correct | sort score desc"},
		{"hardest", func() { d.press(k.Hardest) }, "sort hardness desc"},
	} {
		tt.b()
		sh := d.m.samples.top()
		if sh.query != tt.want || sh.len() != count(t, s, tt.want) {
			t.Errorf("%s: %q with %d rows, want %q with %d", tt.name, sh.query, sh.len(), tt.want, count(t, s, tt.want))
		}
		d.press(k.Back) // back to the evaluation view
	}
	// A slice and a class open their queries too.
	d.press(k.Slices, k.Open)
	if sh := d.m.samples.top(); sh.query != `split == "train" and not correct` {
		t.Errorf("the first slice opened %q", sh.query)
	}
	d.press(k.Back, k.PerClass, k.Open)
	if sh := d.m.samples.top(); sh.query != `(label == "8" or pred == "8") and not correct` {
		t.Errorf("the class opened %q", sh.query)
	}
}

// TestEscapesInData: labels with escape sequences and a bell are shown
// escaped, and nothing of them reaches the screen raw.
func TestEscapesInData(t *testing.T) {
	labels := []string{"\x1b]0;pwned\x07", "\x1b[2J", "bell\a", "cat"}
	var b strings.Builder
	for i := range 40 {
		l, p := labels[i%4], labels[(i/4)%4]
		lj, _ := json.Marshal(l)
		pj, _ := json.Marshal(p)
		b.WriteString(`{"id":` + strconv.Itoa(i) + `,"label":` + string(lj) + `,"pred":` + string(pj) + `,"score":0.5}` + "\n")
	}
	path := filepath.Join(t.TempDir(), "escapes.jsonl")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	d := newDriver(t, openSession(t, path), 120, 40)
	k := d.m.c.keys
	check := func(where string) {
		t.Helper()
		raw := d.m.Render()
		for _, bad := range []string{"\x1b]", "\x1b[2J", "\a"} {
			if strings.Contains(raw, bad) {
				t.Errorf("%s: the screen carries %q raw", where, bad)
			}
		}
		checkScreen(t, where, raw, 120, 40)
	}
	check("evaluation")
	if scr := d.screen(); !strings.Contains(scr, `\x1b]0;pwned\a`) {
		t.Errorf("the evaluation view does not show the label escaped:\n%s", scr)
	}
	d.press(k.Open)
	check("cell")
	d.press(k.Open)
	check("detail")
	if scr := d.screen(); !strings.Contains(scr, `\x1b[2J`) && !strings.Contains(scr, `\x1b]0;pwned\a`) {
		t.Errorf("the detail view shows neither label escaped:\n%s", scr)
	}
	d.press(k.Close, k.Close)
	check("samples")
	if scr := d.screen(); !strings.Contains(scr, `bell\a`) {
		t.Errorf("the table does not show the bell escaped:\n%s", scr)
	}
}

// writeSecondPreds writes predictions for the demo that differ from its
// own: right wherever id % 5 == 0, one class off wherever id % 7 == 0.
func writeSecondPreds(t *testing.T) string {
	t.Helper()
	s := openDemo(t)
	w, err := s.Rows(context.Background(), evalview.AllRows(s.NumRows()), 0, s.NumRows(), []string{"id", "label"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Release()
	var b strings.Builder
	for i := range w.Cols[0].Len() {
		id, _ := strconv.Atoi(w.Cols[0].ValueStr(i))
		label, _ := strconv.Atoi(w.Cols[1].ValueStr(i))
		pred := label
		if id%7 == 0 && id%5 != 0 {
			pred = (label + 1) % 10
		}
		b.WriteString(`{"id":` + strconv.Itoa(id) + `,"pred":` + strconv.Itoa(pred) + `,"score":0.9}` + "\n")
	}
	path := filepath.Join(t.TempDir(), "second.jsonl")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestSeveralPredictionSets: the sets side by side, and the regressions
// and fixes presets.
func TestSeveralPredictionSets(t *testing.T) {
	second := writeSecondPreds(t)
	s := openSession(t, filepath.Join(demoDir, "digits.parquet"), "lr="+filepath.Join(demoDir, "digits-preds.parquet"), "oracle="+second)
	d := newDriver(t, s, 120, 40)
	k := d.m.c.keys
	scr := d.screen()
	for _, want := range []string{"set", "lr", "oracle", "6 regressions lr ✓ oracle ✗", "7 fixes lr ✗ oracle ✓"} {
		if !strings.Contains(scr, want) {
			t.Errorf("the evaluation view lacks %q:\n%s", want, scr)
		}
	}
	for _, tt := range []struct {
		b    func()
		want string
	}{
		{func() { d.press(k.Regressions) }, "`lr.correct` and not `oracle.correct`"},
		{func() { d.press(k.Fixes) }, "not `lr.correct` and `oracle.correct`"},
	} {
		tt.b()
		sh := d.m.samples.top()
		if sh.query != tt.want || sh.len() != count(t, s, tt.want) || sh.len() == 0 {
			t.Errorf("preset opened %q with %d rows, want %q with %d (> 0)", sh.query, sh.len(), tt.want, count(t, s, tt.want))
		}
		d.press(k.Back)
	}
}

// TestDetection: COCO numbers, per class counts, the box view and a box
// opened in the detail view.
func TestDetection(t *testing.T) {
	s := openSession(t, "../testdata/reference/coco-small/dataset.parquet", "../testdata/reference/coco-small/predictions.parquet")
	d := newDriver(t, s, 120, 40)
	k := d.m.c.keys
	scr := d.screen()
	for _, want := range []string{"AP 0.3345", "AP50 0.5954", "262 tp", "290 fp", "140 fn", "person"} {
		if !strings.Contains(scr, want) {
			t.Errorf("the detection view lacks %q:\n%s", want, scr)
		}
	}
	d.press(k.Boxes)
	if d.m.boxView == nil {
		t.Fatal("b opened no box view")
	}
	scr = d.screen()
	if !strings.Contains(scr, "692 · 262 tp · 290 fp · 140 fn") || !strings.Contains(scr, "204623") {
		t.Errorf("box view:\n%s", scr)
	}
	d.press(k.Open)
	if d.m.detail == nil || d.m.detail.mark.index != 0 || !d.m.detail.mark.det {
		t.Fatal("enter on a box opened no detail with the box marked")
	}
	if scr := d.screen(); !strings.Contains(scr, "▶ 0  person") {
		t.Errorf("detail without the marked box:\n%s", scr)
	}
	d.press(k.Back, k.Back)
	d.press(k.FalsePos)
	if sh := d.m.samples.top(); sh.query != "fp > 0 | sort fp desc" || sh.len() != count(t, s, "fp > 0") {
		t.Errorf("false positives opened %q with %d rows", sh.query, sh.len())
	}
}

// TestJournalQueue: actions taken in the program land in the journal
// that `triage queue` reads, and undo is an entry too.
func TestJournalQueue(t *testing.T) {
	s := openDemo(t)
	path := filepath.Join(t.TempDir(), "queue.jsonl")
	var mined []curate.Selection
	mine := func(_ context.Context, chosen curate.Selection, k int) (curate.Entry, error) {
		mined = append(mined, chosen)
		return curate.Entry{Action: curate.ActionMine, Args: curate.Args{K: k, Mined: []curate.Mined{{Key: curate.IntKey(5000), Source: chosen.Keys[0]}}}, KeyColumn: chosen.KeyColumn, Keys: chosen.Keys, Query: chosen.Query}, nil
	}
	q, _, err := OpenJournal(path, "id", s.Dataset().Classes, mine)
	if err != nil {
		t.Fatal(err)
	}
	d := &driver{t: t, queue: q}
	d.m = New(context.Background(), s, Options{Queue: q, Images: termimg.Blocks})
	d.send(sizeMsg(100, 30))
	d.run(d.m.Init())
	k := d.m.c.keys
	d.press(k.Open) // 8 → 1, on id 100
	d.press(k.Relabel)
	d.press(k.Submit) // the picker starts on the prediction, 1
	d.press(k.Mine)
	d.press(k.Submit) // 10
	d.press(k.Down, k.Tag)
	d.typ("odd")
	d.press(k.Submit, k.Undo)
	entries, _, err := curate.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, string(e.Action)+" "+e.Args.Label+e.Args.Tag+strconv.Itoa(e.Args.K)+" "+fmt.Sprint(e.Keys)+" "+e.Query)
	}
	q8 := `label == "8" and pred == "1"`
	want := []string{"relabel 10 [100] " + q8, "mine 10 [100] " + q8, "tag odd0 [602] " + q8, "undo 0 [602] " + q8}
	if !slices.Equal(got, want) {
		t.Errorf("journal:\n%q\nwant\n%q", got, want)
	}
	state := curate.Replay(entries)
	if l := state.Samples[curate.IntKey(100)].Label; l == nil || *l != "1" {
		t.Errorf("sample 100 relabeled to %v, want 1", l)
	}
	if len(mined) != 1 {
		t.Errorf("mine ran %d times", len(mined))
	}
	if q.Len() != 2 {
		t.Errorf("%d actions in effect, want 2 (the tag was undone)", q.Len())
	}
	d.press(k.QueueView)
	if scr := d.screen(); !strings.Contains(scr, "journal "+path) || !strings.Contains(scr, "mine 10 similar: 1 found") || !strings.Contains(scr, "(undone)") {
		t.Errorf("queue view:\n%s", scr)
	}
}

// TestSyncOutputOverSSH: with SyncOutput the program asks the terminal
// for synchronized output itself (bubbletea does not under SSH_TTY).
func TestSyncOutputOverSSH(t *testing.T) {
	s := openDemo(t)
	for _, sync := range []bool{false, true} {
		m := New(context.Background(), s, Options{SyncOutput: sync, Images: termimg.Blocks})
		asked := false
		pending := []tea.Cmd{m.Init()}
		for len(pending) > 0 {
			c := pending[0]
			pending = pending[1:]
			if c == nil {
				continue
			}
			switch msg := c().(type) {
			case tea.BatchMsg:
				pending = append(pending, msg...)
			case tea.RawMsg:
				if msg.Msg == ansi.RequestModeSynchronizedOutput {
					asked = true
				}
			}
		}
		if asked != sync {
			t.Errorf("SyncOutput %v: asked for mode 2026: %v", sync, asked)
		}
	}
}

// TestChartsAfterCurves: the charts appear once the curves arrive, and
// the result of a superseded load is dropped, even when it arrives first.
func TestChartsAfterCurves(t *testing.T) {
	d := newDriver(t, openDemo(t), 160, 48)
	evals := d.m.c.evals
	if !strings.Contains(d.screen(), "▲ correct n=1,357") {
		t.Fatalf("no score histogram after the evaluation:\n%s", d.screen())
	}
	// Two evaluations in a row: the first one's curves are stale.
	older := d.hold(evalDoneMsg{evals: evals})
	newer := d.hold(evalDoneMsg{evals: evals})
	scr := d.screen()
	if !strings.Contains(scr, "computing the score histogram") || strings.Contains(scr, "▲ correct") {
		t.Fatalf("charts shown before the curves arrived:\n%s", scr)
	}
	d.run(older)
	if scr := d.screen(); strings.Contains(scr, "▲ correct") || !strings.Contains(scr, "computing the score histogram") {
		t.Errorf("a superseded load's curves were taken:\n%s", scr)
	}
	d.run(newer)
	scr = d.screen()
	for _, want := range []string{"s scores · ECE 0.0854", "▲ correct n=1,357", "▼ wrong n=143", "PR curve of 8 · AP 0.8500", "precision vs recall", "AP by class"} {
		if !strings.Contains(scr, want) {
			t.Errorf("the charts lack %q:\n%s", want, scr)
		}
	}
	// A stale message with other numbers changes nothing.
	d.send(curvesMsg{op: d.m.eval.curvesOp - 1, curves: &evalview.Curves{Classes: []string{"x"}, AP: []float64{0.1234}, Correct: []float64{0.5}}})
	if got := d.screen(); got != scr {
		t.Errorf("a stale curves message changed the screen:\n%s", got)
	}
	if d.m.c.busy() != nil {
		t.Errorf("operations left running: %+v", d.m.c.ops)
	}
}

// TestChartsClass: the PR curve follows the confusion row, and ↑ ↓ step
// through the classes when the charts have the focus, round the end.
func TestChartsClass(t *testing.T) {
	d := newDriver(t, openDemo(t), 80, 24)
	k := d.m.c.keys
	if strings.Contains(d.screen(), "PR curve") {
		t.Errorf("the charts do not fit at 80×24 beside the confusion matrix, yet show:\n%s", d.screen())
	}
	d.press(k.Charts)
	ap := d.m.eval.curves.AP
	for _, step := range []struct {
		press key.Binding
		class string
		ap    float64
	}{{k.Down, "9", ap[9]}, {k.Down, "0", ap[0]}, {k.Up, "9", ap[9]}, {k.Up, "8", ap[8]}} {
		d.press(step.press)
		want := "PR curve of " + step.class + " · AP " + formatMetric(step.ap)
		if scr := d.screen(); !strings.Contains(scr, want) {
			t.Errorf("after %s: no %q:\n%s", step.press.Help().Key, want, scr)
		}
	}
	d.press(k.Confusion, k.Up, k.Charts)
	if scr := d.screen(); !strings.Contains(scr, "PR curve of 7") {
		t.Errorf("the PR curve does not follow the confusion row (7):\n%s", scr)
	}
}

// TestThinPR: thinning keeps the ends, and every point it drops is within
// a grid step, in both recall and precision, of the point kept before it.
func TestThinPR(t *testing.T) {
	var pr curve.PR
	for i := range 100001 {
		x := float64(i) / 100000
		pr.Recall = append(pr.Recall, x)
		pr.Precision = append(pr.Precision, 1-x*x)
	}
	const grid = 1000
	got := thinPR(pr, grid)
	n := len(got.Recall)
	// Recall and precision each move by 1 in all, so at most 2·grid
	// steps and at least grid are needed.
	if n < grid || n > 2*grid+2 {
		t.Errorf("thinPR kept %d points of 100,001 on a %d grid", n, grid)
	}
	if got.Recall[0] != 0 || got.Precision[0] != 1 || got.Recall[n-1] != 1 || got.Precision[n-1] != 0 {
		t.Errorf("thinPR lost an end: (%v, %v) … (%v, %v)", got.Recall[0], got.Precision[0], got.Recall[n-1], got.Precision[n-1])
	}
	k := 0 // the kept point at or before i
	for i := range pr.Recall {
		if k+1 < n && pr.Recall[i] == got.Recall[k+1] {
			k++
			continue
		}
		if dx, dy := math.Abs(pr.Recall[i]-got.Recall[k]), math.Abs(pr.Precision[i]-got.Precision[k]); dx >= 1.0/grid || dy >= 1.0/grid {
			t.Fatalf("point %d (%v, %v) dropped %v, %v from the kept point before it", i, pr.Recall[i], pr.Precision[i], dx, dy)
		}
	}
	gap := curve.PR{Recall: []float64{0, 0.5, math.NaN(), 0.5000001, 1}, Precision: []float64{1, 1, math.NaN(), 1, 0}}
	if got := thinPR(gap, 1000); len(got.Recall) != 5 {
		t.Errorf("thinPR(%v) = %v, want the NaN break and the points around it kept", gap, got)
	}
}

// TestProgressOfAnEndedOp: when an operation ends while another still
// runs, the status line names the one that runs, not the progress the
// ended one last reported (a "reading 100%" that stayed up while the
// curves of a million rows were sorted).
func TestProgressOfAnEndedOp(t *testing.T) {
	d := newDriver(t, openDemo(t), 160, 48)
	held := d.hold(evalDoneMsg{evals: d.m.c.evals}) // starts slicing, charts and loading
	d.send(progressMsg(evalview.Progress{Step: "reading", Done: 1500, Total: 1500}))
	if !strings.Contains(d.screen(), "reading") {
		t.Fatalf("no progress shown:\n%s", d.screen())
	}
	var slicing int
	for _, o := range d.m.c.ops {
		if o.name == "slicing" {
			slicing = o.id
		}
	}
	if slicing == 0 {
		t.Fatalf("no slicing op among %+v", d.m.c.ops)
	}
	rep, err := d.m.c.sess.FailureSlices(context.Background())
	d.send(slicesDoneMsg{op: slicing, rep: rep, err: err})
	top := strings.SplitN(d.screen(), "\n", 2)[0]
	if strings.Contains(top, "reading") || !strings.Contains(top, " …") {
		t.Errorf("after the op that read ended, the status line shows %q, want the running op's name", top)
	}
	d.run(held)
	if top := strings.SplitN(d.screen(), "\n", 2)[0]; strings.Contains(top, "…") || d.m.c.busy() != nil {
		t.Errorf("once every op ended, the status line still shows %q (%+v)", top, d.m.c.ops)
	}
}
