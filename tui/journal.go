package tui

import (
	"context"
	"fmt"
	"strconv"
	"sync"

	"triage/dataset/curate"
)

// JournalQueue is a Queue kept in the durable journal beside the dataset
// (dataset/curate): what is queued here is what `triage queue list` shows
// and `triage queue apply` applies.
type JournalQueue struct {
	path      string
	keyColumn string
	classes   []string
	mine      MineFunc

	mu      sync.Mutex
	entries []curate.Entry // the journal as last read or written
}

// MineFunc finds, for each chosen sample, k more like it and returns the
// journal entry that records them (see curate.Mine); nil when there is
// nothing to mine from.
type MineFunc func(ctx context.Context, chosen curate.Selection, k int) (curate.Entry, error)

// OpenJournal reads the journal at path (a missing one is empty). Its
// warnings are lines a crash left torn.
func OpenJournal(path, keyColumn string, classes []string, mine MineFunc) (*JournalQueue, []string, error) {
	entries, warnings, err := curate.Read(path)
	if err != nil {
		return nil, warnings, err
	}
	return &JournalQueue{path: path, keyColumn: keyColumn, classes: classes, mine: mine, entries: entries}, warnings, nil
}

// Path is the journal's file.
func (q *JournalQueue) Path() string { return q.path }

func (q *JournalQueue) Add(ctx context.Context, a Action) (Action, error) {
	sel := curate.Selection{KeyColumn: q.keyColumn, Keys: a.Keys, Query: a.Query}
	var e curate.Entry
	var err error
	switch a.Verb {
	case VerbTag:
		e, err = curate.Tag(sel, a.Arg)
	case VerbUntag:
		e, err = curate.Untag(sel, a.Arg)
	case VerbRelabel:
		if a.Box != nil {
			e, err = curate.RelabelBox(sel, *a.Box, a.Arg, q.classes, false)
		} else {
			e, err = curate.Relabel(sel, a.Arg, q.classes, false)
		}
	case VerbDrop:
		e, err = curate.Drop(sel)
	case VerbMine:
		k, convErr := strconv.Atoi(a.Arg)
		switch {
		case convErr != nil:
			err = fmt.Errorf("mine: %q is not a count", a.Arg)
		case q.mine == nil:
			err = fmt.Errorf("mine: nothing to mine from (give --pool PATH)")
		default:
			e, err = q.mine(ctx, sel, k)
		}
	default:
		err = fmt.Errorf("unknown action %q", a.Verb)
	}
	if err != nil {
		return Action{}, err
	}
	written, err := curate.Append(q.path, e)
	if err != nil {
		return Action{}, err
	}
	q.mu.Lock()
	q.entries = append(q.entries, written)
	q.mu.Unlock()
	return actionOf(written, false), nil
}

func (q *JournalQueue) Undo(query string) (Action, error) {
	u, err := curate.Undo(q.path, query)
	if err != nil {
		return Action{}, err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	q.entries = append(q.entries, u)
	for _, e := range q.entries {
		if e.ID == u.Args.Undoes {
			return actionOf(e, true), nil
		}
	}
	return Action{}, fmt.Errorf("undo: entry %d is not in the journal", u.Args.Undoes)
}

func (q *JournalQueue) Entries() []Action {
	q.mu.Lock()
	defer q.mu.Unlock()
	undone := map[int64]bool{}
	for _, e := range q.entries {
		if e.Action == curate.ActionUndo {
			undone[e.Args.Undoes] = true
		}
	}
	var out []Action
	for _, e := range q.entries {
		if e.Action != curate.ActionUndo {
			out = append(out, actionOf(e, undone[e.ID]))
		}
	}
	return out
}

func (q *JournalQueue) Len() int {
	n := 0
	for _, a := range q.Entries() {
		if !a.Undone {
			n++
		}
	}
	return n
}

// actionOf is a journal entry as the queue view shows it.
func actionOf(e curate.Entry, undone bool) Action {
	a := Action{ID: e.ID, Verb: string(e.Action), Keys: e.Keys, Query: e.Query, Time: e.Time.Local(), Undone: undone}
	switch e.Action {
	case curate.ActionTag, curate.ActionUntag:
		a.Arg = e.Args.Tag
	case curate.ActionRelabel:
		a.Arg, a.Box = e.Args.Label, e.Args.Box
	case curate.ActionWeight:
		if e.Args.Weight != nil {
			a.Arg = strconv.FormatFloat(*e.Args.Weight, 'g', -1, 64)
		}
	case curate.ActionMine:
		a.Arg = strconv.Itoa(e.Args.K)
		a.Mined = len(e.Args.Mined)
	}
	return a
}
