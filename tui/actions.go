package tui

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"

	"triage/dataset"
	"triage/dataset/curate"
	"triage/evalview"
	"triage/render"
)

// Actions on samples: tag, untag, relabel, drop, mine more like them,
// and undo. They go to a Queue: the durable journal beside the dataset
// when the program is given one, else a queue held in memory for the
// session. Nothing touches the input files; `triage queue apply` turns
// the journal into a new training set.

// Verbs of the actions, as the journal names them.
const (
	VerbTag     = "tag"
	VerbUntag   = "untag"
	VerbRelabel = "relabel"
	VerbDrop    = "drop"
	VerbMine    = "mine"
)

// Action is one entry of the queue.
type Action struct {
	ID     int64
	Verb   string // VerbTag, ...
	Arg    string // the tag, the class, K for mine; "" for drop
	Keys   []curate.Key
	Query  string // the query that chose the samples
	Time   time.Time
	Undone bool // an undo reverted it
	Mined  int  // mine: how many samples it found (-1: not searched yet)
	// Box, for a relabel in the box view, is the one ground-truth box of
	// the one sample (Keys[0]) relabeled.
	Box *curate.BoxRef
}

// Queue takes actions. Its methods may be called from several goroutines
// at once (commands add, views read); Add and Undo may be slow (a file,
// a neighbour search) and run in commands, Entries and Len are quick.
type Queue interface {
	// Add records an action and returns it with its ID and time set.
	Add(ctx context.Context, a Action) (Action, error)
	// Undo reverts the last action not undone yet and returns it; query
	// is what was on show.
	Undo(query string) (Action, error)
	// Entries are every action, oldest first, undone ones included.
	Entries() []Action
	// Len is the number of actions in effect (not undone).
	Len() int
}

// MemoryQueue is a Queue held in memory.
type MemoryQueue struct {
	mu      sync.Mutex
	entries []Action
	now     func() time.Time // the clock; tests set it
}

// NewMemoryQueue returns an empty queue.
func NewMemoryQueue() *MemoryQueue { return &MemoryQueue{now: time.Now} }

func (q *MemoryQueue) Add(_ context.Context, a Action) (Action, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	a.ID = int64(len(q.entries) + 1)
	if a.Verb == VerbMine {
		a.Mined = -1 // the neighbours are searched when the queue goes to a journal
	}
	if a.Time.IsZero() {
		a.Time = q.now()
	}
	q.entries = append(q.entries, a)
	return a, nil
}

func (q *MemoryQueue) Undo(string) (Action, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for i := len(q.entries) - 1; i >= 0; i-- {
		if !q.entries[i].Undone {
			q.entries[i].Undone = true
			return q.entries[i], nil
		}
	}
	return Action{}, fmt.Errorf("nothing to undo")
}

func (q *MemoryQueue) Entries() []Action {
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([]Action(nil), q.entries...)
}

func (q *MemoryQueue) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := 0
	for _, e := range q.entries {
		if !e.Undone {
			n++
		}
	}
	return n
}

// actionDoneMsg says an action was queued (or undone).
type actionDoneMsg struct {
	action Action
	undo   bool
	err    error
}

// queueAction reads the keys of the rows and adds the action.
func queueAction(ctx context.Context, s *evalview.Session, q Queue, a Action, rows []int64) tea.Cmd {
	return func() tea.Msg {
		keys, err := sampleKeys(ctx, s, rows)
		if err != nil {
			return actionDoneMsg{err: err}
		}
		a.Keys = keys
		a, err = q.Add(ctx, a)
		return actionDoneMsg{action: a, err: err}
	}
}

// queueBoxRelabel reads the key of the row and its ground-truth box at
// index (its label and bbox, which the journal records) and queues the
// relabel of that box.
func queueBoxRelabel(ctx context.Context, s *evalview.Session, q Queue, a Action, row int64, index int) tea.Cmd {
	return func() tea.Msg {
		keys, err := sampleKeys(ctx, s, []int64{row})
		if err != nil {
			return actionDoneMsg{err: err}
		}
		gt := s.Dataset().Roles[dataset.RoleGroundTruth]
		w, err := s.Rows(ctx, evalview.SelectRows([]int64{row}), 0, 1, []string{gt})
		if err != nil {
			return actionDoneMsg{err: err}
		}
		defer w.Release()
		box, err := curate.GroundTruthBox(w.Cols[0], 0, index)
		if err != nil {
			return actionDoneMsg{err: err}
		}
		a.Keys, a.Box = keys, &box
		a, err = q.Add(ctx, a)
		return actionDoneMsg{action: a, err: err}
	}
}

// undoAction undoes the last action.
func undoAction(q Queue, query string) tea.Cmd {
	return func() tea.Msg {
		a, err := q.Undo(query)
		return actionDoneMsg{action: a, undo: true, err: err}
	}
}

// sampleKeys reads the key of each dataset row; without a key column the
// row number is the key.
func sampleKeys(ctx context.Context, s *evalview.Session, rows []int64) ([]curate.Key, error) {
	keyCol := s.Dataset().Key
	if keyCol == "" {
		out := make([]curate.Key, len(rows))
		for i, r := range rows {
			out[i] = curate.IntKey(r)
		}
		return out, nil
	}
	w, err := s.Rows(ctx, evalview.SelectRows(rows), 0, int64(len(rows)), []string{keyCol})
	if err != nil {
		return nil, err
	}
	defer w.Release()
	return curate.KeysOfArray(w.Cols[0])
}

// describe says what an action did, for the status line.
func describe(a Action, undo bool) string {
	n := render.Count(int64(len(a.Keys)))
	noun := " samples"
	if len(a.Keys) == 1 {
		noun = " sample"
	}
	var s string
	switch a.Verb {
	case VerbTag:
		s = "tagged " + n + noun + " " + quoteString(a.Arg)
	case VerbUntag:
		s = "untagged " + n + noun + " " + quoteString(a.Arg)
	case VerbRelabel:
		s = "relabeled " + n + noun + " as " + quoteString(a.Arg)
		if a.Box != nil && len(a.Keys) == 1 {
			s = "relabeled box " + strconv.Itoa(a.Box.Index) + " of sample " + render.Sanitize(strings.Trim(a.Keys[0].String(), `"`)) +
				" from " + quoteString(a.Box.From) + " to " + quoteString(a.Arg)
		}
	case VerbDrop:
		s = "dropped " + n + noun
	case VerbMine:
		s = "mine " + a.Arg + " more like each of " + n + noun
		if a.Mined >= 0 {
			s = "mined " + render.Count(int64(a.Mined)) + " samples like " + n + noun
		}
	default:
		s = a.Verb + " " + n + noun
	}
	if undo {
		return "undid: " + s
	}
	return s + " · u undoes"
}
