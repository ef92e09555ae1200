package evalview

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"triage/dataset"
	"triage/evalview/classify"
)

// The session holds whole columns once read: the dataset's under their
// names in cols, and the derived fields under derivedKey(name), since
// detection's derived list columns share the names of the columns they
// are computed from.

func derivedKey(name string) string { return "\x00derived:" + name }

// key is where the session holds a column the schema names.
func (s *Session) key(name string) string {
	if s.IsDerived(name) {
		return derivedKey(name)
	}
	return name
}

// table returns the named columns over every row, reading and evaluating
// what the session does not hold yet. The caller releases it.
func (s *Session) table(ctx context.Context, names []string) (*dataset.Table, error) {
	if err := s.checkColumns(names); err != nil {
		return nil, err
	}
	if len(names) == 0 { // no columns, but the rows still count
		t, _, err := s.ds.Load(ctx, dataset.LoadOptions{Columns: []string{}, Mem: s.mem})
		return t, err
	}
	if err := s.ensure(ctx, names); err != nil {
		return nil, err
	}
	return s.heldTable(names, s.key)
}

// holds reports whether every named column is in memory.
func (s *Session) holds(names []string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range names {
		if s.cols[s.key(n)] == nil {
			return false
		}
	}
	return true
}

// Preload reads (and, for derived fields, evaluates) the named columns so
// that later queries and windows find them in memory.
func (s *Session) Preload(ctx context.Context, names []string) error {
	if err := s.checkColumns(names); err != nil {
		return err
	}
	return s.ensure(ctx, names)
}

// ensure reads the named columns the session does not hold, and evaluates
// when a derived field is among them. One load runs at a time; a caller
// that waited finds what the other one read.
func (s *Session) ensure(ctx context.Context, names []string) error {
	if s.holds(names) { // no waiting behind another load
		return nil
	}
	s.loading.Lock()
	defer s.loading.Unlock()
	if s.holds(names) {
		return nil
	}
	var base []string
	evaluate := false
	for _, n := range names {
		if s.IsDerived(n) {
			evaluate = true
		} else {
			base = append(base, n)
		}
	}
	if evaluate {
		base = append(base, Columns(s.ds)...)
	}
	if err := s.loadBase(ctx, base); err != nil {
		return err
	}
	if evaluate && !s.holds(names) {
		return s.evaluateAll(ctx, names)
	}
	return nil
}

// loadBase reads the dataset columns among names that are not held yet.
func (s *Session) loadBase(ctx context.Context, names []string) error {
	var missing []string
	s.mu.Lock()
	for _, n := range names {
		if s.cols[n] == nil && !slices.Contains(missing, n) {
			missing = append(missing, n)
		}
	}
	s.mu.Unlock()
	if len(missing) == 0 {
		return nil
	}
	t, info, err := s.ds.Load(ctx, dataset.LoadOptions{Columns: missing, Mem: s.mem, Progress: func(p dataset.Progress) {
		s.progress(Progress{Step: "reading", Done: p.Rows, Total: p.TotalRows})
	}})
	if err != nil {
		return err
	}
	defer t.Release()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.joins == nil && len(info.Joins) > 0 {
		s.joins = &info
	}
	for _, n := range missing {
		s.cols[n] = t.ColumnByName(n) // retained; released by Close
	}
	return nil
}

// evaluateAll evaluates every prediction set on the held evaluation
// columns and keeps the derived fields and the reports. A script's
// session makes the entropy fields only when names asks for one: they
// cost a logarithm per probability.
func (s *Session) evaluateAll(ctx context.Context, names []string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.progress(Progress{Step: "evaluating", Done: 0, Total: -1})
	in, err := s.heldTable(Columns(s.ds), own)
	if err != nil {
		return err
	}
	defer in.Release()
	// A script's query wants the fields; the TUI also shows the report.
	opts := s.cfg.Eval
	opts.fieldsOnly = !s.cfg.Interactive
	opts.noEntropy = opts.fieldsOnly && !slices.ContainsFunc(names, isEntropyField)
	out, evals, err := Evaluate(s.ds, in, opts, s.mem)
	if err != nil {
		return fmt.Errorf("%s: %w", s.ds.Path, err)
	}
	defer out.Release()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.derived {
		col := out.ColumnByName(f.Name)
		if col == nil && opts.noEntropy && isEntropyField(f.Name) {
			continue
		}
		if col == nil {
			return fmt.Errorf("evalview: evaluation did not produce %q", f.Name)
		}
		if old := s.cols[derivedKey(f.Name)]; old != nil {
			old.Release()
		}
		s.cols[derivedKey(f.Name)] = col
	}
	for _, ev := range evals {
		s.evalWarnings = appendNew(s.evalWarnings, ev.Warnings...)
	}
	if !opts.fieldsOnly {
		s.evals = evals
	}
	return nil
}

// isEntropyField reports whether name is a prediction set's hardness or
// confidence_weighted_entropy.
func isEntropyField(name string) bool {
	for _, f := range []string{classify.FieldHardness, classify.FieldCWE} {
		if name == f || strings.HasSuffix(name, "."+f) {
			return true
		}
	}
	return false
}

// heldTable is the named columns, held already, as a table; keyOf says
// where each is held (the dataset's own columns under their names, or
// s.key, which prefers the derived copies).
func (s *Session) heldTable(names []string, keyOf func(string) string) (*dataset.Table, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fields := make([]arrow.Field, len(names))
	cols := make([]*arrow.Chunked, len(names))
	for i, n := range names {
		if cols[i] = s.cols[keyOf(n)]; cols[i] == nil {
			return nil, fmt.Errorf("evalview: column %q not held", n)
		}
		fields[i] = arrow.Field{Name: n, Type: cols[i].DataType(), Nullable: true}
	}
	md := s.schema.Metadata()
	return alignedTable(arrow.NewSchema(fields, &md), cols), nil
}

// own is the key of a dataset column, never its derived copy.
func own(name string) string { return name }

// alignedTable makes record batches of whole columns whose chunks may
// break at different rows: each batch ends wherever any column's chunk
// ends. The slices share the columns' buffers.
func alignedTable(schema *arrow.Schema, cols []*arrow.Chunked) *dataset.Table {
	if len(cols) == 0 {
		return dataset.NewTable(schema, nil)
	}
	var bounds []int64 // ends of chunks, over all columns
	for _, c := range cols {
		var end int64
		for _, ch := range c.Chunks() {
			end += int64(ch.Len())
			bounds = append(bounds, end)
		}
	}
	slices.Sort(bounds)
	bounds = slices.Compact(bounds)
	pos := make([]struct{ chunk, off int }, len(cols)) // each column's cursor
	var batches []arrow.RecordBatch
	var start int64
	for _, end := range bounds {
		n := end - start
		if n == 0 {
			continue
		}
		arrs := make([]arrow.Array, len(cols))
		for i, c := range cols {
			p := &pos[i]
			for p.chunk < len(c.Chunks()) && p.off == c.Chunk(p.chunk).Len() {
				p.chunk, p.off = p.chunk+1, 0
			}
			arrs[i] = array.NewSlice(c.Chunk(p.chunk), int64(p.off), int64(p.off)+n)
			p.off += int(n)
		}
		batches = append(batches, array.NewRecordBatch(schema, arrs, n))
		for _, a := range arrs {
			a.Release()
		}
		start = end
	}
	return dataset.NewTable(schema, batches)
}

// Evaluations evaluates every prediction set, once, and returns the
// reports. An interactive session keeps the per-sample fields it makes
// along the way; otherwise only the report is computed.
func (s *Session) Evaluations(ctx context.Context) ([]*Evaluation, error) {
	s.mu.Lock()
	evals := s.evals
	s.mu.Unlock()
	if evals != nil {
		return evals, nil
	}
	if len(s.derived) == 0 {
		return nil, fmt.Errorf("%s: %w", s.ds.Path, errNothingToEvaluate)
	}
	if s.cfg.Interactive {
		if err := s.ensure(ctx, []string{s.derived[0].Name}); err != nil {
			return nil, err
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.evals, nil
	}
	// The dataset's own ground truth and detections, not the derived
	// copies that share their names.
	s.loading.Lock()
	err := s.loadBase(ctx, Columns(s.ds))
	s.loading.Unlock()
	if err != nil {
		return nil, err
	}
	t, err := s.heldTable(Columns(s.ds), own)
	if err != nil {
		return nil, err
	}
	defer t.Release()
	if t.NumRows() == 0 {
		// A file of 0 rows is a dataset (SPEC §7), but it has no metrics.
		return nil, fmt.Errorf("%s: nothing to evaluate: the dataset has 0 rows", s.ds.Path)
	}
	s.progress(Progress{Step: "evaluating", Total: -1})
	evals, err = Report(s.ds, t, s.cfg.Eval)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.ds.Path, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.evals == nil {
		s.evals = evals
		for _, ev := range evals {
			s.evalWarnings = appendNew(s.evalWarnings, ev.Warnings...)
		}
	}
	return s.evals, nil
}
