package evalview

import (
	"errors"
	"fmt"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"triage/dataset"
	"triage/evalview/classify"
	"triage/evalview/detect"
)

// Options set evaluation as the open flags of SPEC §3 do.
type Options struct {
	Positive  string  // --positive: the positive class of a binary task
	Threshold float64 // --threshold (binary); 0 means 0.5
	IoU       float64 // --iou (detection); 0 means 0.5
	CLFilter  string  // --cl-filter; "" means prune_by_noise_rate

	fieldsOnly bool // the per-sample fields are wanted, not the report
	noEntropy  bool // nor hardness and confidence_weighted_entropy
}

// Evaluation is one prediction set's evaluation.
type Evaluation struct {
	Name     string // the prediction set's name; "" for predictions inside the dataset
	Class    *classify.Report
	Det      *detect.Report
	Warnings []string
}

// predSet is a prediction set's columns and the prefix its derived fields
// take.
type predSet struct {
	name, prefix string
	roles        dataset.Roles
}

// predSets lists what Evaluate evaluates: each prediction file, or the
// predictions inside the dataset when there is no file.
// A classification set needs a pred or a probs column; one without
// either is left out.
func predSets(ds *dataset.Dataset) []predSet {
	sets := ds.PredictionSets()
	if len(sets) == 0 {
		sets = []dataset.PredictionSet{{Roles: ds.Roles}}
	}
	var out []predSet
	for _, s := range sets {
		if ds.Task == "classification" && s.Roles[dataset.RolePred] == "" && s.Roles[dataset.RoleProbs] == "" {
			continue
		}
		p := predSet{name: s.Name, roles: s.Roles}
		if len(sets) > 1 {
			p.prefix = s.Name + "."
		}
		out = append(out, p)
	}
	return out
}

// errNothingToEvaluate says what evaluation needs.
var errNothingToEvaluate = errors.New("nothing to evaluate: it needs a label column and a pred or probs column, or ground_truth boxes (see triage schema; --pred joins a predictions file)")

// Columns lists the dataset columns Evaluate reads: the ground truth and
// every prediction set's predictions.
func Columns(ds *dataset.Dataset) []string {
	var cols []string
	add := func(c string) {
		if c != "" && !slices.Contains(cols, c) {
			cols = append(cols, c)
		}
	}
	switch ds.Task {
	case "classification":
		add(ds.Roles[dataset.RoleLabel])
		for _, s := range predSets(ds) {
			add(s.roles[dataset.RolePred])
			add(s.roles[dataset.RoleScore])
			add(s.roles[dataset.RoleProbs])
		}
	case "detection":
		add(ds.Key)
		add(ds.Roles[dataset.RoleGroundTruth])
		for _, s := range predSets(ds) {
			add(s.roles[dataset.RoleDetections])
		}
	}
	return cols
}

// Evaluate evaluates every prediction set of ds on t, which must hold
// Columns(ds), and returns a new table with the derived fields of SPEC §4
// added: bare names for the first (or only) set, and NAME.field for each set
// when there are several. Detection replaces the ground-truth and
// detections list columns with copies whose boxes carry eval, eval_iou and
// eval_id. The caller releases the returned table; t is left as it was.
// The classification reports keep their metrics only (the fields hold
// the per-sample values; see classify.Report.DropRows).
func Evaluate(ds *dataset.Dataset, t *dataset.Table, opts Options, mem memory.Allocator) (*dataset.Table, []*Evaluation, error) {
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	var fields []arrow.Field
	var cols []arrow.Array
	defer func() {
		for _, c := range cols {
			c.Release()
		}
	}()
	sets := predSets(ds)
	if len(sets) == 0 || ds.Task == "" {
		return nil, nil, errNothingToEvaluate
	}
	var evals []*Evaluation
	for i, s := range sets {
		ev, f, c, err := evaluateSet(ds, t, s, opts, mem, true)
		if err != nil {
			return nil, nil, err
		}
		evals = append(evals, ev)
		for j := range f {
			if s.prefix != "" {
				named := f[j]
				named.Name = s.prefix + named.Name
				c[j].Retain()
				fields, cols = append(fields, named), append(cols, c[j])
			}
			if i == 0 {
				c[j].Retain()
				fields, cols = append(fields, f[j]), append(cols, c[j])
			}
			c[j].Release() // evaluateSet's reference
		}
	}
	out, err := t.WithColumns(fields, cols)
	if err != nil {
		return nil, nil, err
	}
	return out, evals, nil
}

// Report evaluates every prediction set as Evaluate does, without making
// the per-sample fields: what a metrics report needs.
func Report(ds *dataset.Dataset, t *dataset.Table, opts Options) ([]*Evaluation, error) {
	sets := predSets(ds)
	if len(sets) == 0 || ds.Task == "" {
		return nil, errNothingToEvaluate
	}
	var evals []*Evaluation
	for _, s := range sets {
		ev, _, _, err := evaluateSet(ds, t, s, opts, nil, false)
		if err != nil {
			return nil, err
		}
		evals = append(evals, ev)
	}
	return evals, nil
}

// evaluateSet evaluates one prediction set and, when fields is set,
// makes its per-sample fields.
func evaluateSet(ds *dataset.Dataset, t *dataset.Table, s predSet, opts Options, mem memory.Allocator, fields bool) (*Evaluation, []arrow.Field, []arrow.Array, error) {
	ev := &Evaluation{Name: s.name}
	column := func(name string) *arrow.Chunked {
		if name == "" {
			return nil
		}
		return t.ColumnByName(name)
	}
	release := func(cs ...*arrow.Chunked) {
		for _, c := range cs {
			if c != nil {
				c.Release()
			}
		}
	}
	classes := ds.Classes
	if len(classes) == 0 && t.NumRows() == 0 {
		// An empty dataset has no labels to name the classes: a stand-in
		// class (the positive one, if set) types the derived fields,
		// which are empty columns.
		classes = []string{opts.Positive}
	}
	switch ds.Task {
	case "classification":
		label := column(ds.Roles[dataset.RoleLabel])
		pred, score, probs := column(s.roles[dataset.RolePred]), column(s.roles[dataset.RoleScore]), column(s.roles[dataset.RoleProbs])
		defer release(label, pred, score, probs)
		if label == nil {
			return nil, nil, nil, errors.New("no label column to evaluate against")
		}
		in, warnings, err := classify.NewInput(classes, label, pred, score, probs)
		if err != nil {
			return nil, nil, nil, err
		}
		ev.Warnings = warnings
		if err := in.SetPositive(opts.Positive); err != nil {
			return nil, nil, nil, err
		}
		if in.Positive < 0 && len(ds.Classes) == 2 && opts.Positive == "" {
			ev.Warnings = append(ev.Warnings, fmt.Sprintf("two classes: set --positive %s (or %s) for binary metrics (tp, fp, fn, tn, ROC AUC)", ds.Classes[1], ds.Classes[0]))
		}
		in.Threshold = opts.Threshold
		in.CLFilter = opts.CLFilter
		in.FieldsOnly = opts.fieldsOnly
		in.NoEntropy = opts.noEntropy
		if ev.Class, err = classify.Evaluate(in); err != nil {
			return nil, nil, nil, err
		}
		var f []arrow.Field
		var c []arrow.Array
		if fields {
			f, c = ev.Class.Fields(mem)
		}
		// The report outlives the evaluation (the session keeps it) but
		// only its metrics are read again: its per-sample values are
		// the fields' data, 13 bytes a row or more, copied.
		ev.Class.DropRows()
		return ev, f, c, nil
	case "detection":
		gtName, dtName := ds.Roles[dataset.RoleGroundTruth], s.roles[dataset.RoleDetections]
		gt, dets := column(gtName), column(dtName)
		defer release(gt, dets)
		if gt == nil {
			return nil, nil, nil, errors.New("no ground_truth column to evaluate against")
		}
		ids, err := imageIDs(ds, t)
		if err != nil {
			return nil, nil, nil, err
		}
		var warnings []string
		ev.Det, warnings, err = detect.Evaluate(&detect.Input{Classes: classes, ImageIDs: ids, GT: gt, Dets: dets, IoU: opts.IoU})
		if err != nil {
			return nil, nil, nil, err
		}
		ev.Warnings = warnings
		if !fields {
			return ev, nil, nil, nil
		}
		f, c := ev.Det.Fields(mem)
		for i := range f { // the list columns keep the dataset's own names
			switch f[i].Name {
			case "ground_truth":
				f[i].Name = gtName
			case "detections":
				f[i].Name = dtName
			}
		}
		return ev, f, c, nil
	}
	return nil, nil, nil, errNothingToEvaluate
}

// imageIDs returns the integer key of each row, or the row number when the
// key is not an integer.
func imageIDs(ds *dataset.Dataset, t *dataset.Table) ([]int64, error) {
	ids := make([]int64, 0, t.NumRows())
	if ds.Key != "" {
		if col := t.ColumnByName(ds.Key); col != nil {
			defer col.Release()
			if col.DataType().ID() == arrow.INT64 {
				for _, c := range col.Chunks() {
					ids = append(ids, c.(*array.Int64).Int64Values()...)
				}
				return ids, nil
			}
		}
	}
	for i := int64(0); i < t.NumRows(); i++ {
		ids = append(ids, i)
	}
	return ids, nil
}

// DerivedFields returns the fields Evaluate would add to ds, with their
// types, without reading any data: it evaluates an empty table of ds's
// schema. Queries are type-checked against them before anything is read.
func DerivedFields(ds *dataset.Dataset, opts Options) ([]arrow.Field, error) {
	cols := Columns(ds)
	if len(predSets(ds)) == 0 || ds.Task == "" {
		return nil, nil // nothing to evaluate: no derived fields
	}
	mem := memory.DefaultAllocator
	var fields []arrow.Field
	var arrs []arrow.Array
	for _, c := range cols {
		idx := ds.Schema().FieldIndices(c)
		if len(idx) == 0 {
			return nil, fmt.Errorf("no column %q", c)
		}
		f := ds.Schema().Field(idx[0])
		fields = append(fields, f)
		a := array.MakeArrayOfNull(mem, f.Type, 0)
		defer a.Release()
		arrs = append(arrs, a)
	}
	empty := dataset.NewTable(arrow.NewSchema(fields, nil), []arrow.RecordBatch{array.NewRecordBatch(arrow.NewSchema(fields, nil), arrs, 0)})
	defer empty.Release()
	out, _, err := Evaluate(ds, empty, opts, mem)
	if err != nil {
		return nil, err
	}
	defer out.Release()
	var derived []arrow.Field // new columns, and the list columns detection replaces
	for _, f := range out.Schema().Fields() {
		if i := indexOfField(fields, f.Name); i < 0 || !arrow.TypeEqual(fields[i].Type, f.Type) {
			derived = append(derived, f)
		}
	}
	// Confident learning needs two labeled classes, which an empty table
	// lacks; with probs it runs on real data, so its field is promised.
	if ds.Task == "classification" {
		for i, s := range predSets(ds) {
			if s.roles[dataset.RoleProbs] == "" {
				continue
			}
			names := []string{s.prefix + classify.FieldSuspect}
			if i == 0 && s.prefix != "" {
				names = append(names, classify.FieldSuspect)
			}
			for _, n := range names {
				if indexOfField(derived, n) < 0 {
					derived = append(derived, arrow.Field{Name: n, Type: arrow.FixedWidthTypes.Boolean, Nullable: true})
				}
			}
		}
	}
	return derived, nil
}

func indexOfField(fields []arrow.Field, name string) int {
	for i, f := range fields {
		if f.Name == name {
			return i
		}
	}
	return -1
}
