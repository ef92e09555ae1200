package curate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"triage/dataset/internal/filelock"
	"triage/dataset/sink"
)

// FormatVersion is the newest journal format this package reads and
// writes; it reads older ones too. Version 2 added box relabels (Args.Box);
// an entry is written with the oldest version that holds it, so a journal
// without box relabels stays readable by a triage that knows version 1,
// and one that does not know boxes refuses an entry it would misread.
const FormatVersion = 2

// version is the oldest format version that holds e.
func (e Entry) version() int {
	if e.Args.Box != nil {
		return 2
	}
	return 1
}

// Action is what an entry does.
type Action string

const (
	ActionTag     Action = "tag"
	ActionUntag   Action = "untag"
	ActionRelabel Action = "relabel"
	ActionDrop    Action = "drop"
	ActionWeight  Action = "weight"
	ActionMine    Action = "mine"
	ActionUndo    Action = "undo"
)

// Entry is one line of the journal.
type Entry struct {
	Version int       `json:"v"`
	ID      int64     `json:"id"` // 1, 2, ... in journal order
	Time    time.Time `json:"time"`
	Action  Action    `json:"action"`
	Args    Args      `json:"args"`
	// KeyColumn names the column Keys come from.
	KeyColumn string `json:"key_column,omitempty"`
	Keys      []Key  `json:"keys"`
	// Query is the query or view that chose the samples.
	Query string `json:"query,omitempty"`
}

// Args are an action's arguments; each action uses its own.
type Args struct {
	Tag   string `json:"tag,omitempty"`   // tag, untag
	Label string `json:"label,omitempty"` // relabel: the class name
	// Box, for a relabel, is the one ground-truth box relabeled
	// (detection); nil relabels the sample (classification).
	Box      *BoxRef  `json:"box,omitempty"`
	NewClass bool     `json:"new_class,omitempty"` // relabel: Label may be outside the class list
	Weight   *float64 `json:"weight,omitempty"`    // weight
	K        int      `json:"k,omitempty"`         // mine: neighbours per chosen sample
	// Pool is the file mined from; "" means the dataset's unlabeled rows.
	Pool          string  `json:"pool,omitempty"`
	PoolKeyColumn string  `json:"pool_key_column,omitempty"`
	Mined         []Mined `json:"mined,omitempty"`  // mine: what was found
	Undoes        int64   `json:"undoes,omitempty"` // undo: the entry reverted
}

// Mined is one pool sample a mine action found.
type Mined struct {
	Key    Key     `json:"key"`
	Source Key     `json:"source"` // the chosen sample it is nearest to
	Score  float64 `json:"score"`  // cosine similarity to Source
	// Pred is the model's predicted class for it, "" when there is none.
	Pred string `json:"pred,omitempty"`
}

// DefaultPath is the journal beside a dataset: DATASET.triage/queue.jsonl.
func DefaultPath(dataset string) string {
	return filepath.Join(filepath.Clean(dataset)+".triage", "queue.jsonl")
}

// Read returns the journal's entries. A missing journal is empty. Lines
// that are not whole entries (a write torn by a crash) are skipped, each
// with a warning; an entry with a newer format version is an error.
func Read(path string) (entries []Entry, warnings []string, err error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read journal: %w", err)
	}
	defer f.Close()
	if err := filelock.RLock(f); err != nil {
		return nil, nil, fmt.Errorf("lock %s: %w", path, err)
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", path, err)
	}
	return parse(path, data)
}

// parse decodes journal lines.
func parse(path string, data []byte) ([]Entry, []string, error) {
	var entries []Entry
	var warnings []string
	for n := 1; len(data) > 0; n++ {
		line, rest, whole := bytes.Cut(data, []byte{'\n'})
		data = rest
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var e Entry
		if err := json.Unmarshal(line, &e); err != nil || e.ID <= 0 || e.Action == "" {
			what := "an incomplete entry"
			if !whole {
				what = "a torn last line"
			}
			warnings = append(warnings, fmt.Sprintf("%s line %d: skipped %s (%d bytes), left by an interrupted write", path, n, what, len(line)))
			continue
		}
		if e.Version > FormatVersion {
			return nil, nil, fmt.Errorf("%s line %d: journal format version %d is newer than this triage reads (%d); use a newer triage", path, n, e.Version, FormatVersion)
		}
		entries = append(entries, e)
	}
	return entries, warnings, nil
}

// headers reads each line's version and id. Lines this package wrote
// start with them ({"v":1,"id":7,...}); any other line is decoded whole.
// A torn line's id still counts: ids stay unique, with a gap at worst.
func headers(path string, data []byte) ([]Entry, error) {
	var entries []Entry
	for n := 1; len(data) > 0; n++ {
		line, rest, _ := bytes.Cut(data, []byte{'\n'})
		data = rest
		var h struct {
			Version int   `json:"v"`
			ID      int64 `json:"id"`
		}
		if v, id, ok := header(line); ok {
			h.Version, h.ID = v, id
		} else if json.Unmarshal(line, &h) != nil {
			continue
		}
		if h.Version > FormatVersion {
			return nil, fmt.Errorf("%s line %d: journal format version %d is newer than this triage reads (%d); use a newer triage", path, n, h.Version, FormatVersion)
		}
		entries = append(entries, Entry{Version: h.Version, ID: h.ID})
	}
	return entries, nil
}

// header parses the prefix {"v":V,"id":ID, of a line.
func header(line []byte) (v int, id int64, ok bool) {
	rest, found := bytes.CutPrefix(line, []byte(`{"v":`))
	if !found {
		return 0, 0, false
	}
	vs, rest, found := bytes.Cut(rest, []byte(`,"id":`))
	if !found {
		return 0, 0, false
	}
	ids, _, found := bytes.Cut(rest, []byte(","))
	if !found {
		return 0, 0, false
	}
	v, err1 := strconv.Atoi(string(vs))
	id, err2 := strconv.ParseInt(string(ids), 10, 64)
	return v, id, err1 == nil && err2 == nil
}

// Append adds e to the journal at path, creating the file and its folder
// if needed, and returns e as written, with its ID, Version and Time (if
// zero) filled in. The line is written with one write, under an exclusive
// lock so that two processes never interleave, and fsync'd before Append
// returns. After a torn last line the entry starts on a fresh line.
func Append(path string, e Entry) (Entry, error) {
	var out Entry
	err := locked(path, false, func(f *os.File, entries []Entry, tornTail bool) error {
		out = e
		out.Version = e.version()
		out.ID = nextID(entries)
		if out.Time.IsZero() {
			out.Time = time.Now().UTC()
		}
		return writeEntry(f, out, tornTail)
	})
	return out, err
}

// Undo appends an entry that reverts the last entry not yet undone, and
// returns it. Undo entries themselves are not undone.
func Undo(path string, query string) (Entry, error) {
	var out Entry
	err := locked(path, true, func(f *os.File, entries []Entry, tornTail bool) error {
		target := LastUndoable(entries)
		if target == nil {
			return errors.New("nothing to undo")
		}
		out = Entry{Version: 1, ID: nextID(entries), Time: time.Now().UTC(), Action: ActionUndo,
			Args: Args{Undoes: target.ID}, KeyColumn: target.KeyColumn, Keys: target.Keys, Query: query}
		return writeEntry(f, out, tornTail)
	})
	return out, err
}

// LastUndoable returns the last entry that is not an undo and not undone,
// or nil.
func LastUndoable(entries []Entry) *Entry {
	undone := undoneIDs(entries)
	for i := len(entries) - 1; i >= 0; i-- {
		if e := &entries[i]; e.Action != ActionUndo && !undone[e.ID] {
			return e
		}
	}
	return nil
}

func nextID(entries []Entry) int64 {
	var id int64
	for _, e := range entries {
		id = max(id, e.ID)
	}
	return id + 1
}

// locked opens the journal for appending under an exclusive lock, reads
// what is there, and calls fn with the file, its entries and whether its
// last line is torn (has no newline). Unless needEntries, the entries hold
// only their Version and ID: enough for the next id, and much faster to
// read than whole entries with thousands of keys.
func locked(path string, needEntries bool, fn func(f *os.File, entries []Entry, tornTail bool) error) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	defer f.Close()
	if err := filelock.Lock(f); err != nil {
		return fmt.Errorf("lock %s: %w", path, err)
	}
	defer filelock.Unlock(f)
	data, err := io.ReadAll(f)
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	var entries []Entry
	if needEntries {
		if entries, _, err = parse(path, data); err != nil {
			return err
		}
	} else if entries, err = headers(path, data); err != nil {
		return err
	}
	if err := fn(f, entries, len(data) > 0 && data[len(data)-1] != '\n'); err != nil {
		return err
	}
	if len(data) == 0 {
		// A new file: make its directory entry durable too.
		return sink.SyncDir(filepath.Dir(path))
	}
	return nil
}

// writeEntry writes e as one line with one write, and fsyncs.
func writeEntry(f *os.File, e Entry, tornTail bool) error {
	b, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	line := make([]byte, 0, len(b)+2)
	if tornTail {
		line = append(line, '\n')
	}
	line = append(append(line, b...), '\n')
	if _, err := f.Write(line); err != nil {
		return fmt.Errorf("append to %s: %w", f.Name(), err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", f.Name(), err)
	}
	return nil
}

// undoneIDs is the set of entry ids some undo entry reverts.
func undoneIDs(entries []Entry) map[int64]bool {
	undone := map[int64]bool{}
	for _, e := range entries {
		if e.Action == ActionUndo {
			undone[e.Args.Undoes] = true
		}
	}
	return undone
}
