package evalview

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"triage/dataset"
	"triage/query"
)

// Config says what a Session opens and how it evaluates.
type Config struct {
	Data dataset.Options
	Eval Options
	// Mem allocates every column; nil means memory.DefaultAllocator.
	Mem memory.Allocator
	// Interactive keeps every column a query or window reads in memory,
	// so that the next query is instant (the TUI). Without it, queries
	// that can stream through the file do, holding one part per core.
	Interactive bool
	// Progress, if set, is told how reading and evaluating advance. It
	// may be called from several goroutines, never at once.
	Progress func(Progress)
}

// Progress is how far a long step has come.
type Progress struct {
	Step        string // "reading" or "evaluating"
	Done, Total int64  // rows; Total is -1 when unknown
}

// Session is an opened dataset with what evaluation adds to it: the one
// engine the command line and the TUI share. It knows the schema, derived
// fields included, before reading any data; it reads columns only when a
// query, a window or the report needs them. Its methods may be called
// from several goroutines at once.
type Session struct {
	ds      *dataset.Dataset
	cfg     Config
	mem     memory.Allocator
	schema  *arrow.Schema // the dataset's columns with the derived fields
	derived []arrow.Field

	progressMu sync.Mutex

	mu    sync.Mutex // guards what follows
	cols  map[string]*arrow.Chunked
	joins *dataset.LoadInfo // set by the first Load
	evals []*Evaluation     // full reports, once evaluated
	// evalWarnings are what any evaluation (a report, or the fields a
	// query needed) warned about.
	evalWarnings []string
	loading      *sync.Mutex // one load at a time: a second one waits and finds the columns
}

// Open opens the dataset and its predictions and works out the derived
// fields. It reads no data beyond what dataset.Open reads.
func Open(cfg Config) (*Session, error) {
	ds, err := dataset.Open(cfg.Data)
	if err != nil {
		return nil, err
	}
	if p := cfg.Eval.Positive; p != "" && ds.Classes != nil && !slices.Contains(ds.Classes, p) {
		ds.Close()
		return nil, &OptionError{Option: "positive", Msg: fmt.Sprintf("%q is not one of the classes (%s)", p, strings.Join(ds.Classes, ", "))}
	}
	s := &Session{ds: ds, cfg: cfg, mem: cfg.Mem, cols: map[string]*arrow.Chunked{}, loading: &sync.Mutex{}}
	if s.mem == nil {
		s.mem = memory.DefaultAllocator
	}
	if s.derived, err = DerivedFields(ds, cfg.Eval); err != nil {
		ds.Close()
		return nil, fmt.Errorf("%s: %w", cfg.Data.Path, err)
	}
	s.schema = withFields(ds.Schema(), s.derived)
	return s, nil
}

// OptionError is an option that does not fit the dataset.
type OptionError struct {
	Option string // as in Options: "positive"
	Msg    string
}

func (e *OptionError) Error() string { return e.Option + ": " + e.Msg }

// Close releases the columns held and closes the files.
func (s *Session) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.cols {
		c.Release()
	}
	s.cols = nil
	return s.ds.Close()
}

// Dataset is the opened dataset: roles, classes, key, task.
func (s *Session) Dataset() *dataset.Dataset { return s.ds }

// Schema is every column a query can name: the dataset's, then the
// derived fields (detection replaces its list columns with copies whose
// boxes carry eval, eval_iou and eval_id).
func (s *Session) Schema() *arrow.Schema { return s.schema }

// Derived lists the fields evaluation adds.
func (s *Session) Derived() []arrow.Field { return s.derived }

// IsDerived reports whether name is a field evaluation adds.
func (s *Session) IsDerived(name string) bool {
	return slices.ContainsFunc(s.derived, func(f arrow.Field) bool { return f.Name == name })
}

// NumRows is the dataset's row count, or -1 until a read tells it.
func (s *Session) NumRows() int64 { return s.ds.NumRows() }

// Env is what a query sees: every column, the classes, label and pred.
func (s *Session) Env() query.Env {
	return query.Env{Schema: s.schema, Classes: s.ds.Classes, Label: s.ds.Roles[dataset.RoleLabel], Pred: s.ds.Roles[dataset.RolePred]}
}

// Compile checks a query against the session's columns. The error is a
// query.ErrorList; query.FormatError shows it with a caret.
func (s *Session) Compile(src string) (*query.Program, error) {
	return query.Compile(src, s.Env())
}

// ClassesFor returns the class names of an integer column whose values
// index them (label and every pred), else nil.
func (s *Session) ClassesFor(col string) []string {
	r := s.ds.Roles
	if col == r[dataset.RoleLabel] || col == r[dataset.RolePred] {
		return s.ds.Classes
	}
	for _, p := range s.ds.PredictionSets() {
		if col == p.Roles[dataset.RolePred] {
			return s.ds.Classes
		}
	}
	return nil
}

// Joins says how each prediction file met the samples; nil until the
// first read that needed a prediction column.
func (s *Session) Joins() []dataset.JoinStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.joins == nil {
		return nil
	}
	return s.joins.Joins
}

// Warnings are what opening, joining and evaluating found doubtful, each
// once.
func (s *Session) Warnings() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	add := func(ws []string) {
		for _, w := range ws {
			if !slices.Contains(out, w) {
				out = append(out, w)
			}
		}
	}
	add(s.ds.Warnings)
	if s.joins != nil {
		add(s.joins.Warnings)
	}
	add(s.evalWarnings)
	return out
}

// withFields returns base with fields added, or replacing the columns of
// the same name.
func withFields(base *arrow.Schema, add []arrow.Field) *arrow.Schema {
	fields := append([]arrow.Field(nil), base.Fields()...)
	for _, f := range add {
		if i := base.FieldIndices(f.Name); len(i) > 0 {
			fields[i[0]] = f
		} else {
			fields = append(fields, f)
		}
	}
	md := base.Metadata()
	return arrow.NewSchema(fields, &md)
}

func (s *Session) progress(p Progress) {
	if s.cfg.Progress == nil {
		return
	}
	s.progressMu.Lock()
	defer s.progressMu.Unlock()
	s.cfg.Progress(p)
}

// checkColumns reports a name that is neither a column nor a derived field.
func (s *Session) checkColumns(cols []string) error {
	for _, c := range cols {
		if len(s.schema.FieldIndices(c)) == 0 {
			return fmt.Errorf("%s: no column %q", s.ds.Path, c)
		}
	}
	return nil
}
