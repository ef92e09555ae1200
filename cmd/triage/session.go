package main

import (
	"context"
	"fmt"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"triage/dataset"
	"triage/evalview"
	"triage/render"
)

// session is an opened dataset with what evaluation adds to it: the one
// engine the query, eval and TUI commands share.
type session struct {
	ds      *dataset.Dataset
	opts    evalview.Options
	derived []arrow.Field // the fields evaluation adds, known before reading
	evals   []*evalview.Evaluation
	notes   []string
}

func openSession(path string, of *openFlags) (*session, error) {
	ds, err := of.open(path)
	if err != nil {
		return nil, err
	}
	s := &session{ds: ds, opts: evalview.Options{Positive: of.positive, Threshold: of.threshold, IoU: of.iou, CLFilter: of.clFilter}}
	if s.derived, err = evalview.DerivedFields(ds, s.opts); err != nil {
		ds.Close()
		return nil, err
	}
	return s, nil
}

func (s *session) close() { s.ds.Close() }

// schema is the dataset's columns with the derived fields added (or, for
// the list columns detection rewrites, replaced).
func (s *session) schema(base *arrow.Schema) *arrow.Schema {
	fields := append([]arrow.Field(nil), base.Fields()...)
	for _, f := range s.derived {
		if i := base.FieldIndices(f.Name); len(i) > 0 {
			fields[i[0]] = f
		} else {
			fields = append(fields, f)
		}
	}
	md := base.Metadata()
	return arrow.NewSchema(fields, &md)
}

func (s *session) isDerived(name string) bool {
	for _, f := range s.derived {
		if f.Name == name {
			return true
		}
	}
	return false
}

// needsEvaluation reports whether any of cols is a derived field.
func (s *session) needsEvaluation(cols []string) bool {
	for _, c := range cols {
		if s.isDerived(c) {
			return true
		}
	}
	return false
}

// checkColumns reports a column that neither the dataset nor evaluation has.
func (s *session) checkColumns(cols []string) error {
	schema := s.schema(s.ds.Schema())
	for _, c := range cols {
		if len(schema.FieldIndices(c)) == 0 {
			return fmt.Errorf("no column %q", c)
		}
	}
	return nil
}

// load reads the columns named (dataset or derived) and evaluates when a
// derived one is among them.
func (s *session) load(ctx context.Context, cols []string, mem memory.Allocator) (*dataset.Table, error) {
	var base []string
	evaluate := false
	for _, c := range cols {
		if s.isDerived(c) {
			evaluate = true
		}
		if len(s.ds.Schema().FieldIndices(c)) > 0 {
			base = appendNew(base, c)
		}
	}
	if evaluate {
		base = appendNew(base, evalview.Columns(s.ds)...)
	}
	t, err := s.ds.Load(ctx, dataset.LoadOptions{Columns: orEmpty(base), Mem: mem})
	if err != nil {
		return nil, err
	}
	if !evaluate {
		return t, nil
	}
	defer t.Release()
	out, evals, err := evalview.Evaluate(s.ds, t, s.opts, mem)
	if err != nil {
		return nil, fmt.Errorf("evaluate: %w", err)
	}
	s.evals = evals
	return out, nil
}

func orEmpty(cols []string) []string {
	if cols == nil {
		return []string{}
	}
	return cols
}

// defaultColumns are the columns a result table shows when none were
// asked for: the key, the fields the query mentions, label, pred, score.
func (s *session) defaultColumns(mentioned []string) []string {
	r := s.ds.Roles
	cols := appendNew(nil, s.ds.Key)
	for _, c := range mentioned {
		switch c {
		case r[dataset.RoleImage], r[dataset.RoleEmbedding], r[dataset.RoleProbs]:
			continue // too wide for a table; ask with --columns
		}
		cols = appendNew(cols, c)
	}
	cols = appendNew(cols, r[dataset.RoleLabel], r[dataset.RolePred], r[dataset.RoleScore])
	if s.ds.Task == "detection" {
		cols = appendNew(cols, "tp", "fp", "fn")
	}
	// A table with no roles: show its first columns.
	for _, f := range s.ds.Schema().Fields() {
		if len(cols) >= 8 {
			break
		}
		if s.ds.Task == "" {
			cols = appendNew(cols, f.Name)
		}
	}
	return cols
}

// classesFor returns the class names for an integer label or pred column.
func (s *session) classesFor(col string) []string {
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

// warn prints the dataset's and evaluation's warnings to stderr.
func (s *session) warn(e *env) {
	for _, w := range s.ds.Warnings {
		fmt.Fprintf(e.stderr, "triage: warning: %s\n", render.Sanitize(w))
	}
	for _, ev := range s.evals {
		for _, w := range ev.Warnings {
			fmt.Fprintf(e.stderr, "triage: warning: %s\n", render.Sanitize(w))
		}
	}
}

// appendNew appends the names not already in list (and not empty).
func appendNew(list []string, names ...string) []string {
	for _, n := range names {
		if n != "" && slices.Index(list, n) < 0 {
			list = append(list, n)
		}
	}
	return list
}
