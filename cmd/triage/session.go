package main

import (
	"errors"
	"fmt"
	"slices"

	"triage/dataset"
	"triage/evalview"
	"triage/render"
)

// openSession opens the dataset the flags and path name as an engine
// session for a script's one query.
func (o *openFlags) openSession(path string) (*evalview.Session, error) {
	return o.openSessionWith(path, evalview.Config{})
}

// openSessionWith opens it with cfg's Interactive, Progress and Mem.
func (o *openFlags) openSessionWith(path string, cfg evalview.Config) (*evalview.Session, error) {
	opts, err := o.options(path)
	if err != nil {
		return nil, err
	}
	cfg.Data = opts
	cfg.Eval = evalview.Options{Positive: o.positive, Threshold: o.threshold, IoU: o.iou, CLFilter: o.clFilter}
	s, err := evalview.Open(cfg)
	var bad *evalview.OptionError
	if errors.As(err, &bad) {
		return nil, usagef("--%s %s", bad.Option, bad.Msg)
	}
	return s, err
}

// defaultColumns are the columns a result table shows when none were
// asked for: the key, the fields the query mentions, label, pred, score.
func defaultColumns(s *evalview.Session, mentioned []string) []string {
	ds := s.Dataset()
	r := ds.Roles
	cols := appendNew(nil, ds.Key)
	for _, c := range mentioned {
		switch c {
		case r[dataset.RoleImage], r[dataset.RoleEmbedding], r[dataset.RoleProbs]:
			continue // too wide for a table; ask with --columns
		}
		cols = appendNew(cols, c)
	}
	cols = appendNew(cols, r[dataset.RoleLabel], r[dataset.RolePred], r[dataset.RoleScore])
	if ds.Task == dataset.TaskDetection {
		cols = appendNew(cols, "tp", "fp", "fn")
	}
	// A table with no roles: show its first columns.
	for _, f := range ds.Schema().Fields() {
		if len(cols) >= 8 {
			break
		}
		if ds.Task == dataset.TaskNone {
			cols = appendNew(cols, f.Name)
		}
	}
	return cols
}

// warn prints the session's warnings to stderr.
func warn(e *env, s *evalview.Session) {
	for _, w := range s.Warnings() {
		fmt.Fprintf(e.stderr, "triage: warning: %s\n", render.Sanitize(w))
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
