package curate

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"triage/dataset"
	"triage/dataset/sink"
)

// Columns Apply adds (or updates, when the dataset has them already).
const (
	TagsColumn        = "tags"         // list<string>
	WeightColumn      = "weight"       // float64, 1 unless set
	NeedsReviewColumn = "needs_review" // bool
)

// ApplyRequest says what to apply and where to write it.
type ApplyRequest struct {
	// Dataset holds all of the dataset's own columns (no joined
	// predictions): they are all written.
	Dataset *dataset.Table
	// Schema is the dataset file's own schema (dataset.Dataset.Schema), if
	// known: a column the reader handed over dictionary-encoded is written
	// with the file's type.
	Schema      *arrow.Schema
	KeyColumn   string
	LabelColumn string // "" when the dataset has no label
	// GroundTruthColumn is the detection dataset's list of ground-truth
	// boxes, where box relabels go; "" for classification.
	GroundTruthColumn string
	Classes           []string
	State             *State
	// Out is the Parquet file to write; Inputs are the files it must not
	// be (the dataset, the predictions, the pools, the journal).
	Out    string
	Inputs []string
	// Pools are the tables mined rows come from, by the path their mine
	// entries recorded; a pool not given is opened from that path.
	Pools map[string]*dataset.Table
	Mem   memory.Allocator
}

// Summary is what Apply changed. It is also written as JSON beside the
// output, as OUT.summary.json.
type Summary struct {
	Output     string `json:"output"`
	InputRows  int64  `json:"input_rows"`
	OutputRows int64  `json:"output_rows"`
	Relabeled  int    `json:"relabeled"`
	// RelabeledBy counts relabels by (from, to) class pair, most first.
	RelabeledBy []ClassPair `json:"relabeled_by_pair"`
	// RelabeledBoxes counts ground-truth boxes relabeled (detection), and
	// RelabeledBoxesBy by class pair, most first. BoxesNotApplied are the
	// queued box relabels whose box is out of range or no longer the one
	// queued: reported, not applied.
	RelabeledBoxes   int            `json:"relabeled_boxes,omitempty"`
	RelabeledBoxesBy []ClassPair    `json:"relabeled_boxes_by_pair,omitempty"`
	BoxesNotApplied  []BoxMiss      `json:"boxes_not_applied,omitempty"`
	Dropped          int            `json:"dropped"`
	Mined            int            `json:"mined"`
	Tagged           int            `json:"tagged"`
	TaggedBy         map[string]int `json:"tagged_by_tag"`
	Weighted         int            `json:"weighted"`
	// Entries is the number of journal entries in effect, Undone those an
	// undo reverted.
	Entries int `json:"entries"`
	Undone  int `json:"undone"`
	// Missing are journal keys found neither in the dataset nor in the
	// pool they were mined from: reported, not applied.
	Missing  []Key    `json:"missing"`
	Warnings []string `json:"warnings"`
}

// ClassPair counts the relabels from one class to another; From is ""
// for a sample that had no label.
type ClassPair struct {
	From string `json:"from"`
	To   string `json:"to"`
	N    int    `json:"n"`
}

// SummaryPath is where Apply writes the summary of out.
func SummaryPath(out string) string { return out + ".summary.json" }

// Apply writes the dataset with the journal's state applied as a new
// Parquet file at req.Out: labels changed (the label column keeps its
// type: strings stay strings, integer class indices stay integers), dropped
// rows left out, mined rows appended (pool columns matched to the
// dataset's by name, missing ones null), and the tags, weight and
// needs_review columns added; the schema metadata is kept, and every other
// value is the input's. Queued box relabels change only the label of
// their ground-truth box; one whose box is out of range or no longer the
// one queued is reported in the summary, not applied. The file is written atomically, never over an
// input. Keys in the journal that are not in the dataset are reported in
// the summary, not applied.
func Apply(ctx context.Context, req ApplyRequest) (*Summary, error) {
	if req.Mem == nil {
		req.Mem = memory.DefaultAllocator
	}
	if err := sink.CheckNotInput(req.Out, req.Inputs); err != nil {
		return nil, err
	}
	a, err := newApplier(req)
	if err != nil {
		return nil, err
	}
	defer a.release()
	if err := a.loadPools(ctx); err != nil {
		return nil, err
	}
	err = sink.WriteFile(req.Out, req.Inputs, func(w io.Writer) error {
		a.resetSummary()
		return sink.WriteParquet(w, a.schema, func(emit func(arrow.RecordBatch) error) error {
			return a.write(ctx, emit)
		})
	})
	if err != nil {
		return nil, err
	}
	sum := a.summary
	err = sink.WriteFile(SummaryPath(req.Out), req.Inputs, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(sum)
	})
	return sum, err
}

// applier holds what Apply works out before writing.
type applier struct {
	req      ApplyRequest
	ctx      context.Context
	schema   *arrow.Schema
	labelIdx int // index of the label column in the dataset, -1 if none
	gtIdx    int // index of the ground-truth column, -1 if none
	existing map[string]int
	decode   []bool // columns read dictionary-encoded, written decoded
	enc      *labelEncoder
	rowState map[int64]*Sample // dataset row -> its state
	rowKey   map[int64]Key     // dataset row -> its key, for rows with a state
	// pooled lists, per pool path, the mined samples to append.
	pooled    map[string][]Key
	poolOrder []string
	pools     map[string]*poolTable
	summary   *Summary
	missing   []Key
}

type poolTable struct {
	t     *dataset.Table
	owned bool
	index map[Key]int64
}

func newApplier(req ApplyRequest) (*applier, error) {
	a := &applier{req: req, labelIdx: -1, gtIdx: -1, existing: map[string]int{}, rowState: map[int64]*Sample{}, rowKey: map[int64]Key{},
		pooled: map[string][]Key{}, pools: map[string]*poolTable{}}
	in := req.Dataset.Schema()
	if req.LabelColumn != "" {
		idx := in.FieldIndices(req.LabelColumn)
		if len(idx) == 0 {
			return nil, fmt.Errorf("apply: no label column %q", req.LabelColumn)
		}
		a.labelIdx = idx[0]
	}
	if req.GroundTruthColumn != "" {
		idx := in.FieldIndices(req.GroundTruthColumn)
		if len(idx) == 0 {
			return nil, fmt.Errorf("apply: no ground-truth column %q", req.GroundTruthColumn)
		}
		a.gtIdx = idx[0]
	}
	index, err := keyIndex(req.Dataset, req.KeyColumn)
	if err != nil {
		return nil, fmt.Errorf("apply: %w", err)
	}
	for k, smp := range req.State.Samples {
		if r, ok := index[k]; ok {
			a.rowState[r] = smp
			a.rowKey[r] = k
			continue
		}
		if smp.Mined != nil && smp.Pool != "" {
			if _, seen := a.pooled[smp.Pool]; !seen {
				a.poolOrder = append(a.poolOrder, smp.Pool)
			}
			a.pooled[smp.Pool] = append(a.pooled[smp.Pool], k)
			continue
		}
		a.missing = append(a.missing, k)
	}
	// Append mined rows in the order they were mined.
	order := map[Key]int{}
	for i, m := range req.State.Mined {
		order[m.Key] = i
	}
	for _, keys := range a.pooled {
		slices.SortFunc(keys, func(x, y Key) int { return cmp.Compare(order[x], order[y]) })
	}
	slices.Sort(a.poolOrder)

	var labelType arrow.DataType
	if a.labelIdx >= 0 {
		labelType = in.Field(a.labelIdx).Type
		if d, ok := labelType.(*arrow.DictionaryType); ok && req.Schema != nil {
			if idx := req.Schema.FieldIndices(req.LabelColumn); len(idx) > 0 && arrow.TypeEqual(req.Schema.Field(idx[0]).Type, d.ValueType) {
				labelType = d.ValueType
			}
		}
	}
	a.enc, err = newLabelEncoder(labelType, req.Classes)
	if err != nil {
		return nil, fmt.Errorf("apply: label column %q: %w", req.LabelColumn, err)
	}
	for _, smp := range req.State.Samples {
		if len(smp.Boxes) > 0 && a.gtIdx < 0 {
			return nil, fmt.Errorf("apply: the journal relabels ground-truth boxes but the dataset has no ground-truth column")
		}
		if smp.Label != nil {
			if a.labelIdx < 0 {
				return nil, fmt.Errorf("apply: the journal relabels samples but the dataset has no label column")
			}
			if err := a.enc.add(*smp.Label); err != nil {
				return nil, fmt.Errorf("apply: label column %q: %w", req.LabelColumn, err)
			}
		}
	}
	if a.schema, err = a.outputSchema(); err != nil {
		return nil, fmt.Errorf("apply: %w", err)
	}
	return a, nil
}

// outputSchema is the dataset's schema with the three columns added or
// kept, and triage.classes extended by new classes of an integer label.
func (a *applier) outputSchema() (*arrow.Schema, error) {
	in := a.req.Dataset.Schema()
	fields := slices.Clone(in.Fields())
	a.decode = make([]bool, len(fields))
	for i, f := range fields {
		dict, ok := f.Type.(*arrow.DictionaryType)
		if !ok || a.req.Schema == nil {
			continue
		}
		if idx := a.req.Schema.FieldIndices(f.Name); len(idx) > 0 && arrow.TypeEqual(a.req.Schema.Field(idx[0]).Type, dict.ValueType) {
			fields[i].Type = dict.ValueType
			a.decode[i] = true
		}
	}
	for _, f := range []arrow.Field{
		{Name: TagsColumn, Type: arrow.ListOf(arrow.BinaryTypes.String), Nullable: true},
		{Name: WeightColumn, Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: NeedsReviewColumn, Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	} {
		if idx := in.FieldIndices(f.Name); len(idx) > 0 {
			if !arrow.TypeEqual(in.Field(idx[0]).Type, f.Type) {
				return nil, fmt.Errorf("the dataset's column %q is %v, want %v to update it", f.Name, in.Field(idx[0]).Type, f.Type)
			}
			a.existing[f.Name] = idx[0]
			continue
		}
		fields = append(fields, f)
	}
	md := in.Metadata()
	if added := a.enc.added(); len(added) > 0 {
		keys, values := slices.Clone(md.Keys()), slices.Clone(md.Values())
		classes, _ := json.Marshal(a.enc.classes)
		if i := md.FindKey("triage.classes"); i >= 0 {
			values[i] = string(classes)
		} else if a.enc.integer {
			keys, values = append(keys, "triage.classes"), append(values, string(classes))
		}
		md = arrow.NewMetadata(keys, values)
	}
	return arrow.NewSchema(fields, &md), nil
}

func (a *applier) loadPools(ctx context.Context) error {
	for _, path := range a.poolOrder {
		p := &poolTable{t: a.req.Pools[path]}
		if p.t == nil {
			ds, err := dataset.Open(dataset.Options{Path: path})
			if err != nil {
				return fmt.Errorf("apply: pool: %w", err)
			}
			p.t, _, err = ds.Load(ctx, dataset.LoadOptions{Mem: a.req.Mem})
			ds.Close()
			if err != nil {
				return fmt.Errorf("apply: pool: %w", err)
			}
			p.owned = true
		}
		a.pools[path] = p
		var keyCol string
		for _, m := range a.req.State.Live {
			if m.Action == ActionMine && m.Args.Pool == path {
				keyCol = cmp.Or(m.Args.PoolKeyColumn, m.KeyColumn)
			}
		}
		var err error
		if p.index, err = keyIndex(p.t, cmp.Or(keyCol, a.req.KeyColumn)); err != nil {
			return fmt.Errorf("apply: pool %s: %w", path, err)
		}
	}
	return nil
}

func (a *applier) release() {
	for _, p := range a.pools {
		if p.owned {
			p.t.Release()
		}
	}
}

func (a *applier) resetSummary() {
	a.summary = &Summary{Output: a.req.Out, InputRows: a.req.Dataset.NumRows(), TaggedBy: map[string]int{},
		Entries: len(a.req.State.Live), Undone: a.req.State.Undone, Missing: slices.Clone(a.missing), Warnings: []string{}}
	if added := a.enc.added(); len(added) > 0 {
		a.summary.Warnings = append(a.summary.Warnings, fmt.Sprintf("new classes %s added to the class list", quoteList(added)))
	}
}

// write emits the output batches: each dataset batch with its changes,
// then the mined rows of each pool.
func (a *applier) write(ctx context.Context, emit func(arrow.RecordBatch) error) error {
	ctx = compute.WithAllocator(ctx, a.req.Mem)
	var offset int64
	pairs, boxPairs := map[[2]string]int{}, map[[2]string]int{}
	// send emits a batch made for the output (none: nothing to write).
	send := func(rec arrow.RecordBatch, err error) error {
		if err != nil || rec == nil {
			return err
		}
		defer rec.Release()
		return emit(rec)
	}
	for _, b := range a.req.Dataset.Batches() {
		if err := ctx.Err(); err != nil {
			return err
		}
		rec, err := a.datasetBatch(ctx, b, offset, pairs, boxPairs)
		offset += b.NumRows()
		if err := send(rec, err); err != nil {
			return err
		}
	}
	for _, path := range a.poolOrder {
		if err := send(a.poolBatch(ctx, path)); err != nil {
			return err
		}
	}
	s := a.summary
	s.RelabeledBy, s.Relabeled = sortPairs(pairs)
	s.RelabeledBoxesBy, s.RelabeledBoxes = sortPairs(boxPairs)
	slices.SortFunc(s.Missing, compareKeys)
	slices.SortFunc(s.BoxesNotApplied, func(x, y BoxMiss) int { return cmp.Or(compareKeys(x.Key, y.Key), cmp.Compare(x.Index, y.Index)) })
	return nil
}

// sortPairs lists the class pairs, most first, and their total.
func sortPairs(pairs map[[2]string]int) ([]ClassPair, int) {
	var out []ClassPair
	total := 0
	for p, n := range pairs {
		out = append(out, ClassPair{From: p[0], To: p[1], N: n})
		total += n
	}
	slices.SortFunc(out, func(x, y ClassPair) int {
		return cmp.Or(cmp.Compare(y.N, x.N), cmp.Compare(x.From, y.From), cmp.Compare(x.To, y.To))
	})
	return out, total
}

func compareKeys(x, y Key) int {
	if x.IsStr != y.IsStr {
		if x.IsStr {
			return 1
		}
		return -1
	}
	return cmp.Or(cmp.Compare(x.Int, y.Int), cmp.Compare(x.Str, y.Str))
}

// datasetBatch applies the state to one batch of the dataset, whose first
// row is global row offset. It returns nil when every row is dropped.
func (a *applier) datasetBatch(ctx context.Context, b arrow.RecordBatch, offset int64, pairs, boxPairs map[[2]string]int) (arrow.RecordBatch, error) {
	mem := a.req.Mem
	n := int(b.NumRows())
	keepB := array.NewInt64Builder(mem)
	defer keepB.Release()
	states := make([]*Sample, 0, n)
	keys := make([]Key, 0, n)
	for i := range n {
		smp := a.rowState[offset+int64(i)]
		if smp != nil && smp.Dropped {
			a.summary.Dropped++
			continue
		}
		keepB.Append(int64(i))
		states = append(states, smp)
		keys = append(keys, a.rowKey[offset+int64(i)])
	}
	keep := keepB.NewArray()
	defer keep.Release()
	if keep.Len() == 0 {
		return nil, nil
	}
	var origLabels arrow.Array
	cols := make([]arrow.Array, a.schema.NumFields())
	defer releaseAll(cols)
	for i := range int(b.NumCols()) {
		taken, err := compute.TakeArray(ctx, b.Column(i), keep)
		if err != nil {
			return nil, fmt.Errorf("take column %q: %w", b.ColumnName(i), err)
		}
		if a.decode[i] {
			plain, err := compute.CastArray(ctx, taken, compute.SafeCastOptions(a.schema.Field(i).Type))
			taken.Release()
			if err != nil {
				return nil, fmt.Errorf("decode column %q: %w", b.ColumnName(i), err)
			}
			taken = plain
		}
		cols[i] = taken
		if i == a.labelIdx {
			origLabels = taken
		}
	}
	if a.labelIdx >= 0 {
		labels, err := a.labels(origLabels, states, pairs)
		if err != nil {
			return nil, err
		}
		cols[a.labelIdx].Release()
		cols[a.labelIdx] = labels
	}
	if a.gtIdx >= 0 {
		gt, misses, err := relabelBoxes(a.req.Mem, cols[a.gtIdx], states, keys, boxPairs)
		if err != nil {
			return nil, fmt.Errorf("column %q: %w", a.req.GroundTruthColumn, err)
		}
		cols[a.gtIdx].Release()
		cols[a.gtIdx] = gt
		a.summary.BoxesNotApplied = append(a.summary.BoxesNotApplied, misses...)
	}
	for _, smp := range states {
		if smp == nil {
			continue
		}
		if smp.Mined != nil {
			a.summary.Mined++
		}
		if smp.Weight != nil {
			a.summary.Weighted++
		}
		a.countTags(smp)
	}
	if err := a.extraColumns(cols, states); err != nil {
		return nil, err
	}
	a.summary.OutputRows += int64(keep.Len())
	return array.NewRecordBatch(a.schema, cols, int64(keep.Len())), nil
}

func (a *applier) countTags(smp *Sample) {
	if len(smp.Tags) > 0 {
		a.summary.Tagged++
	}
	for _, t := range smp.Tags {
		a.summary.TaggedBy[t]++
	}
}

// labels rebuilds the label column of the kept rows with the new labels.
func (a *applier) labels(orig arrow.Array, states []*Sample, pairs map[[2]string]int) (arrow.Array, error) {
	lb := array.NewBuilder(a.req.Mem, orig.DataType())
	defer lb.Release()
	for i, smp := range states {
		from, had := className(orig, i, a.req.Classes)
		if smp == nil || smp.Label == nil || (had && from == *smp.Label) {
			if err := appendFrom(lb, orig, i); err != nil {
				return nil, err
			}
			continue
		}
		if err := a.enc.append(lb, *smp.Label); err != nil {
			return nil, err
		}
		if smp.Mined == nil {
			pairs[[2]string{from, *smp.Label}]++
		}
	}
	return lb.NewArray(), nil
}

// extraColumns fills the tags, weight and needs_review columns of the kept
// rows, starting from the dataset's own when it has them.
func (a *applier) extraColumns(cols []arrow.Array, states []*Sample) error {
	mem := a.req.Mem
	n := len(states)
	old := func(name string) arrow.Array {
		if i, ok := a.existing[name]; ok {
			return cols[i]
		}
		return nil
	}
	oldTags, _ := old(TagsColumn).(*array.List)
	oldWeight, _ := old(WeightColumn).(*array.Float64)
	oldReview, _ := old(NeedsReviewColumn).(*array.Boolean)

	tb := array.NewListBuilder(mem, arrow.BinaryTypes.String)
	defer tb.Release()
	tv := tb.ValueBuilder().(*array.StringBuilder)
	wb := array.NewFloat64Builder(mem)
	defer wb.Release()
	rb := array.NewBooleanBuilder(mem)
	defer rb.Release()
	for i := range n {
		smp := states[i]
		if smp == nil {
			smp = &Sample{}
		}
		tb.Append(true)
		var have []string
		if oldTags != nil && oldTags.IsValid(i) {
			s, e := oldTags.ValueOffsets(i)
			vals := oldTags.ListValues().(*array.String)
			for j := s; j < e; j++ {
				if t := vals.Value(int(j)); !slices.Contains(smp.Untagged, t) && !slices.Contains(have, t) {
					have = append(have, t)
				}
			}
		}
		for _, t := range smp.Tags {
			if !slices.Contains(have, t) {
				have = append(have, t)
			}
		}
		for _, t := range have {
			tv.Append(t)
		}
		switch {
		case smp.Weight != nil:
			wb.Append(*smp.Weight)
		case oldWeight != nil:
			if oldWeight.IsValid(i) {
				wb.Append(oldWeight.Value(i))
			} else {
				wb.AppendNull()
			}
		default:
			wb.Append(1)
		}
		switch {
		case smp.Mined != nil || smp.Reviewed:
			rb.Append(smp.NeedsReview)
		case oldReview != nil:
			if oldReview.IsValid(i) {
				rb.Append(oldReview.Value(i))
			} else {
				rb.AppendNull()
			}
		default:
			rb.Append(false)
		}
	}
	for name, bld := range map[string]array.Builder{TagsColumn: tb, WeightColumn: wb, NeedsReviewColumn: rb} {
		i := a.schema.FieldIndices(name)[0]
		if cols[i] != nil {
			cols[i].Release()
		}
		cols[i] = bld.NewArray()
	}
	return nil
}

// poolBatch builds the rows mined from one pool, in the dataset's columns.
func (a *applier) poolBatch(ctx context.Context, path string) (arrow.RecordBatch, error) {
	mem := a.req.Mem
	p := a.pools[path]
	var rows []int64
	var states []*Sample
	for _, k := range a.pooled[path] {
		smp := a.req.State.Samples[k]
		r, ok := p.index[k]
		if !ok {
			a.summary.Missing = append(a.summary.Missing, k)
			continue
		}
		if smp.Dropped {
			continue
		}
		rows = append(rows, r)
		states = append(states, smp)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	ib := array.NewInt64Builder(mem)
	ib.AppendValues(rows, nil)
	idx := ib.NewArray()
	ib.Release()
	defer idx.Release()

	cols := make([]arrow.Array, a.schema.NumFields())
	defer releaseAll(cols)
	for i, f := range a.schema.Fields() {
		if _, extra := a.existing[f.Name]; extra || i >= a.req.Dataset.Schema().NumFields() {
			continue // filled by extraColumns
		}
		if i == a.labelIdx {
			lb := array.NewBuilder(mem, f.Type)
			for _, smp := range states {
				if smp.Label == nil {
					lb.AppendNull()
				} else if err := a.enc.append(lb, *smp.Label); err != nil {
					lb.Release()
					return nil, err
				}
			}
			cols[i] = lb.NewArray()
			lb.Release()
			continue
		}
		col, err := poolColumn(ctx, p.t, f, idx, path)
		if err != nil {
			return nil, err
		}
		cols[i] = col
	}
	if err := a.extraColumns(cols, states); err != nil {
		return nil, err
	}
	for _, smp := range states {
		a.summary.Mined++
		if smp.Weight != nil {
			a.summary.Weighted++
		}
		a.countTags(smp)
	}
	a.summary.OutputRows += int64(len(rows))
	return array.NewRecordBatch(a.schema, cols, int64(len(rows))), nil
}

// poolColumn takes the pool rows at idx of the pool column named like f,
// cast to f's type; all nulls when the pool has no such column.
func poolColumn(ctx context.Context, pool *dataset.Table, f arrow.Field, idx arrow.Array, path string) (arrow.Array, error) {
	mem := compute.GetAllocator(ctx)
	ch := pool.ColumnByName(f.Name)
	if ch == nil {
		if !f.Nullable {
			return nil, fmt.Errorf("pool %s has no column %q, which the dataset requires", path, f.Name)
		}
		return array.MakeArrayOfNull(mem, f.Type, idx.Len()), nil
	}
	defer ch.Release()
	whole, err := array.Concatenate(ch.Chunks(), mem)
	if err != nil {
		return nil, fmt.Errorf("pool %s column %q: %w", path, f.Name, err)
	}
	defer whole.Release()
	taken, err := compute.TakeArray(ctx, whole, idx)
	if err != nil {
		return nil, fmt.Errorf("pool %s column %q: %w", path, f.Name, err)
	}
	if arrow.TypeEqual(taken.DataType(), f.Type) {
		return taken, nil
	}
	defer taken.Release()
	cast, err := compute.CastArray(ctx, taken, compute.SafeCastOptions(f.Type))
	if err != nil {
		return nil, fmt.Errorf("pool %s column %q is %v, the dataset's is %v: %w", path, f.Name, taken.DataType(), f.Type, err)
	}
	return cast, nil
}

func releaseAll(arrs []arrow.Array) {
	for _, a := range arrs {
		if a != nil {
			a.Release()
		}
	}
}

// labelEncoder turns class names into values of the label column's type.
type labelEncoder struct {
	integer bool
	classes []string // the class list, extended by new classes
	known   int      // how many classes the list had
	index   map[string]int
}

func newLabelEncoder(dt arrow.DataType, classes []string) (*labelEncoder, error) {
	e := &labelEncoder{classes: slices.Clone(classes), known: len(classes), index: map[string]int{}}
	for i, c := range classes {
		e.index[c] = i
	}
	if dt == nil {
		return e, nil
	}
	switch dt.ID() {
	case arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW:
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
		e.integer = true
	default:
		return nil, fmt.Errorf("type %v: can only relabel string or integer labels", dt)
	}
	return e, nil
}

// add makes sure a class has a value: an integer label's new class gets
// the next index (without a class list, the name must be the integer).
func (e *labelEncoder) add(name string) error {
	if _, ok := e.index[name]; ok || !e.integer {
		if !ok {
			e.index[name] = len(e.classes)
			e.classes = append(e.classes, name)
		}
		return nil
	}
	if e.known == 0 {
		if _, err := strconv.ParseInt(name, 10, 64); err != nil {
			return fmt.Errorf("%q is not an integer class, and there is no class list to name it", name)
		}
		return nil
	}
	e.index[name] = len(e.classes)
	e.classes = append(e.classes, name)
	return nil
}

func (e *labelEncoder) added() []string {
	if e.known == 0 {
		return nil
	}
	return e.classes[e.known:]
}

func (e *labelEncoder) append(b array.Builder, name string) error {
	if !e.integer {
		switch b := b.(type) {
		case *array.StringBuilder:
			b.Append(name)
		case *array.LargeStringBuilder:
			b.Append(name)
		case *array.StringViewBuilder:
			b.Append(name)
		default:
			return fmt.Errorf("label builder %T", b)
		}
		return nil
	}
	var v int64
	if i, ok := e.index[name]; ok {
		v = int64(i)
	} else if p, err := strconv.ParseInt(name, 10, 64); err == nil && e.known == 0 {
		v = p
	} else {
		return fmt.Errorf("no integer value for class %q", name)
	}
	return appendInt(b, v)
}

func appendInt(b array.Builder, v int64) error {
	switch b := b.(type) {
	case *array.Int64Builder:
		b.Append(v)
	case *array.Int32Builder:
		b.Append(int32(v))
	case *array.Int16Builder:
		b.Append(int16(v))
	case *array.Int8Builder:
		b.Append(int8(v))
	case *array.Uint64Builder:
		b.Append(uint64(v))
	case *array.Uint32Builder:
		b.Append(uint32(v))
	case *array.Uint16Builder:
		b.Append(uint16(v))
	case *array.Uint8Builder:
		b.Append(uint8(v))
	default:
		return fmt.Errorf("label builder %T", b)
	}
	return nil
}

// appendFrom copies value i of a (a string or integer array) to b.
func appendFrom(b array.Builder, a arrow.Array, i int) error {
	if a.IsNull(i) {
		b.AppendNull()
		return nil
	}
	switch a := a.(type) {
	case *array.String:
		b.(*array.StringBuilder).Append(a.Value(i))
		return nil
	case *array.LargeString:
		b.(*array.LargeStringBuilder).Append(a.Value(i))
		return nil
	case *array.StringView:
		b.(*array.StringViewBuilder).Append(a.Value(i))
		return nil
	}
	if v, ok := intAt(a, i); ok {
		return appendInt(b, v)
	}
	return fmt.Errorf("label type %v", a.DataType())
}
