package curate

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func sel(keys ...int64) Selection {
	s := Selection{KeyColumn: "id", Query: "label != pred"}
	for _, k := range keys {
		s.Keys = append(s.Keys, IntKey(k))
	}
	return s
}

func mustAppend(t *testing.T, path string, e Entry, err error) Entry {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	out, err := Append(path, e)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestJournalRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data.parquet.triage", "queue.jsonl")
	e1, err := Tag(Selection{KeyColumn: "name", Keys: []Key{StrKey("a\nb"), StrKey("é")}, Query: `split == "val"`}, "blurry")
	w1 := mustAppend(t, path, e1, err)
	e2, err := Relabel(sel(1<<62+1, -3), "7", []string{"6", "7"}, false)
	w2 := mustAppend(t, path, e2, err)
	e3, err := RelabelBox(sel(5), BoxRef{Index: 2, From: "cat", BBox: [4]float64{1, 2.5, 3, 4}}, "dog", []string{"cat", "dog"}, false)
	w3 := mustAppend(t, path, e3, err)
	// Entries are written with the oldest version that holds them: only
	// a box relabel needs version 2.
	if w1.ID != 1 || w2.ID != 2 || w3.ID != 3 || w1.Version != 1 || w2.Version != 1 || w3.Version != 2 || w1.Time.IsZero() {
		t.Errorf("ids %d, %d, %d, versions %d, %d, %d, time %v", w1.ID, w2.ID, w3.ID, w1.Version, w2.Version, w3.Version, w1.Time)
	}
	got, warnings, err := Read(path)
	if err != nil || len(warnings) > 0 {
		t.Fatalf("Read: %v %v", err, warnings)
	}
	if diff := cmp.Diff([]Entry{w1, w2, w3}, got); diff != "" {
		t.Errorf("read back (-want +got):\n%s", diff)
	}
	data, _ := os.ReadFile(path)
	if !bytes.Contains(data, []byte(`"box":{"index":2,"from":"cat","bbox":[1,2.5,3,4]}`)) {
		t.Errorf("box relabel is not written as an index, label and bbox:\n%s", data)
	}
	if !bytes.Contains(data, []byte(`"keys":[4611686018427387905,-3]`)) || !bytes.Contains(data, []byte(`"keys":["a\nb","é"]`)) {
		t.Errorf("keys are not written as JSON numbers and strings:\n%s", data)
	}
	if _, err := time.Parse(time.RFC3339, got[0].Time.Format(time.RFC3339)); err != nil {
		t.Error(err)
	}
	if entries, warnings, err := Read(filepath.Join(t.TempDir(), "none.jsonl")); entries != nil || warnings != nil || err != nil {
		t.Errorf("missing journal: %v %v %v, want empty", entries, warnings, err)
	}
	if got, want := DefaultPath("data/x.parquet"), filepath.Join("data", "x.parquet.triage", "queue.jsonl"); got != want {
		t.Errorf("DefaultPath = %q, want %q", got, want)
	}
}

func TestUndo(t *testing.T) {
	path := filepath.Join(t.TempDir(), "q.jsonl")
	if _, err := Undo(path, ""); err == nil || !strings.Contains(err.Error(), "nothing to undo") {
		t.Errorf("undo on an empty journal: %v", err)
	}
	e, err := Tag(sel(1), "a")
	mustAppend(t, path, e, err)
	e, err = Drop(sel(2))
	mustAppend(t, path, e, err)
	for _, want := range []int64{2, 1} {
		u, err := Undo(path, "")
		if err != nil {
			t.Fatal(err)
		}
		if u.Action != ActionUndo || u.Args.Undoes != want {
			t.Errorf("undo = %+v, want one that reverts entry %d", u, want)
		}
	}
	if _, err := Undo(path, ""); err == nil {
		t.Error("third undo of two entries: no error")
	}
	entries, _, _ := Read(path)
	if len(entries) != 4 {
		t.Errorf("%d entries, want 4: undo appends, never erases", len(entries))
	}
	if s := Replay(entries); len(s.Samples) != 0 || s.Undone != 2 || len(s.Live) != 0 {
		t.Errorf("after undoing everything: %+v", s)
	}
}

// TestTornLine simulates a crash in the middle of an append: the partial
// line is skipped with a warning, and the next append starts on a fresh
// line.
func TestTornLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "q.jsonl")
	e, err := Tag(sel(1), "a")
	mustAppend(t, path, e, err)
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"v":1,"id":2,"time":"2026-01-01T00:00:00Z","action":"dr`)
	f.Close()

	entries, warnings, err := Read(path)
	if err != nil || len(entries) != 1 || len(warnings) != 1 || !strings.Contains(warnings[0], "line 2: skipped a torn last line") {
		t.Fatalf("Read = %d entries, %q, %v; want 1 entry and a warning about line 2", len(entries), warnings, err)
	}
	e, err = Drop(sel(5))
	w := mustAppend(t, path, e, err)
	if w.ID != 3 {
		t.Errorf("id after a torn line = %d, want 3 (the torn line's id 2 is not reused)", w.ID)
	}
	entries, warnings, err = Read(path)
	if err != nil || len(entries) != 2 || entries[1].Action != ActionDrop || len(warnings) != 1 || !strings.Contains(warnings[0], "incomplete entry") {
		t.Errorf("after appending: %d entries, %q, %v", len(entries), warnings, err)
	}
}

func TestNewerVersionRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "q.jsonl")
	os.WriteFile(path, []byte(`{"v":1,"id":1,"time":"2026-01-01T00:00:00Z","action":"drop","args":{},"keys":[1]}
{"v":7,"id":2,"time":"2026-01-01T00:00:00Z","action":"glow","args":{},"keys":[1]}
`), 0o644)
	_, _, err := Read(path)
	if err == nil || !strings.Contains(err.Error(), "line 2: journal format version 7 is newer") {
		t.Errorf("Read = %v, want the version named", err)
	}
	if _, err := Append(path, Entry{Action: ActionDrop, Keys: []Key{IntKey(1)}}); err == nil {
		t.Error("Append to a newer journal: no error")
	}
}

// TestConcurrentAppend runs two processes that append many entries at
// once; every line must be whole and every id used once.
func TestConcurrentAppend(t *testing.T) {
	if path := os.Getenv("CURATE_APPEND_JOURNAL"); path != "" {
		who := os.Getenv("CURATE_APPEND_WHO")
		for i := range 100 {
			// Long keys make each line several kilobytes, so a write
			// that was not whole would show.
			s := Selection{KeyColumn: "id", Query: who}
			for k := range 1000 {
				s.Keys = append(s.Keys, IntKey(int64(i*1000+k)))
			}
			e, _ := Tag(s, fmt.Sprintf("%s-%d", who, i))
			if _, err := Append(path, e); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
		}
		os.Exit(0)
	}
	path := filepath.Join(t.TempDir(), "q.jsonl")
	var cmds []*exec.Cmd
	for _, who := range []string{"a", "b"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestConcurrentAppend$")
		cmd.Env = append(os.Environ(), "CURATE_APPEND_JOURNAL="+path, "CURATE_APPEND_WHO="+who)
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	for _, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatal(err)
		}
	}
	entries, warnings, err := Read(path)
	if err != nil || len(warnings) > 0 {
		t.Fatalf("Read: %v %q", err, warnings)
	}
	if len(entries) != 200 {
		t.Fatalf("%d entries, want 200", len(entries))
	}
	next := map[string]int{}
	for i, e := range entries {
		if e.ID != int64(i+1) {
			t.Fatalf("entry %d has id %d", i, e.ID)
		}
		who := e.Query
		if want := fmt.Sprintf("%s-%d", who, next[who]); e.Args.Tag != want || len(e.Keys) != 1000 {
			t.Fatalf("entry %d: tag %q with %d keys, want %q with 1000", i, e.Args.Tag, len(e.Keys), want)
		}
		next[who]++
	}
	data, _ := os.ReadFile(path)
	if n := bytes.Count(data, []byte("\n")); n != 200 {
		t.Errorf("%d lines, want 200", n)
	}
}
