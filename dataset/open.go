package dataset

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// PredSpec names a prediction file: --pred [NAME=]PATH.
type PredSpec struct {
	Name, Path string
}

// ParsePredSpec parses "NAME=PATH" or "PATH" (NAME is the file stem).
func ParsePredSpec(s string) PredSpec {
	if name, path, ok := strings.Cut(s, "="); ok && name != "" && !strings.ContainsAny(name, "/\\") {
		return PredSpec{Name: name, Path: path}
	}
	base := filepath.Base(s)
	return PredSpec{Name: strings.TrimSuffix(base, filepath.Ext(base)), Path: s}
}

// Options are the open flags of SPEC §3 that concern reading and joining.
type Options struct {
	Path    string
	Preds   []PredSpec
	Key     string          // join key; "" means "id"
	Roles   map[Role]string // role overrides (--label is Roles[RoleLabel])
	Classes []string        // --classes
	Task    Task            // --task; "" detects it from the roles
}

// Task is what the predictions predict.
type Task string

const (
	TaskNone           Task = "" // no ground truth or predictions found
	TaskClassification Task = "classification"
	TaskDetection      Task = "detection"
)

// Dataset is an opened dataset with its prediction files: schemas, roles
// and classes are known; data is read by Load, only the columns asked for.
type Dataset struct {
	Path  string
	Key   string // the join key column, "" when there is none
	Roles Roles
	// Classes is the class list and ClassesSource where it came from; both
	// are empty until Load when the list comes from the labels themselves.
	Classes       []string
	ClassesSource string
	Task          Task
	// Warnings are what Open found doubtful; each Load adds its own.
	Warnings []string

	data     Source
	preds    []predSource
	schema   *arrow.Schema
	origins  []columnOrigin // for each column of schema, where it is read from
	predSets []PredictionSet
}

type predSource struct {
	spec PredSpec
	src  Source
}

// PredictionSet is one prediction file's columns, by role, under their
// joined names (NAME.pred when there are several files).
type PredictionSet struct {
	Name  string
	Roles Roles
}

// predictionRoles are the roles a prediction file provides.
var predictionRoles = []Role{RolePred, RoleScore, RoleProbs, RoleDetections}

// columnOrigin is the source (-1: the dataset, i: prediction i) and the
// column name in that source that a joined column comes from.
type columnOrigin struct {
	source int
	name   string
}

// Open opens the dataset and its prediction files and works out the joined
// schema, the roles and the classes. It reads no data except the first pass
// CSV and JSON Lines need.
func Open(opts Options) (*Dataset, error) {
	var data Source
	var err error
	if isCOCO(opts.Path) {
		data, opts.Preds, err = openCOCO(opts.Path, opts.Preds)
	} else {
		data, err = OpenPath(opts.Path)
	}
	if err != nil {
		return nil, err
	}
	ds := &Dataset{Path: opts.Path, data: data, Warnings: notesOf(data)}
	for _, p := range opts.Preds {
		src, err := OpenPath(p.Path)
		if err != nil {
			ds.Close()
			return nil, err
		}
		ds.preds = append(ds.preds, predSource{spec: p, src: src})
		ds.Warnings = append(ds.Warnings, notesOf(src)...)
	}
	if err := ds.resolveKey(opts.Key); err != nil {
		ds.Close()
		return nil, err
	}
	ds.buildSchema()
	if ds.Roles, err = DetectRoles(ds.schema, opts.Roles); err != nil {
		ds.Close()
		var re *RoleError
		if errors.As(err, &re) {
			re.Path = ds.columnPath(re.Column)
			return nil, re
		}
		return nil, fmt.Errorf("%s: %w", opts.Path, err)
	}
	ds.detectPredictionRoles(opts.Roles)
	ds.Task = detectTask(ds.Roles)
	if opts.Task != TaskNone {
		ds.Task = opts.Task
	}
	if err := ds.resolveClasses(opts.Classes); err != nil {
		ds.Close()
		return nil, err
	}
	if ds.Classes == nil && ds.Task != "" {
		// No metadata names the classes: read the labels to list them,
		// so that everything downstream can count on a class list. The
		// caller's own Load reports the joins.
		t, _, err := ds.Load(context.Background(), LoadOptions{Columns: ds.classRoleColumns()})
		if err != nil {
			ds.Close()
			return nil, err
		}
		ds.deriveClasses(t)
		t.Release()
	}
	return ds, nil
}

// columnPath is the file a joined column is read from: the dataset's, or
// a prediction file's. A name no file has gets the dataset's path.
func (ds *Dataset) columnPath(name string) string {
	if idx := ds.schema.FieldIndices(name); len(idx) > 0 {
		if o := ds.origins[idx[0]]; o.source >= 0 {
			return ds.preds[o.source].src.Path()
		}
	}
	return ds.data.Path()
}

// Close closes the files.
func (ds *Dataset) Close() error {
	if ds.data != nil {
		ds.data.Close()
	}
	for _, p := range ds.preds {
		p.src.Close()
	}
	return nil
}

// resolveKey checks the key column exists, with one kind, on every side.
// With no key column anywhere, rows join by position.
func (ds *Dataset) resolveKey(key string) error {
	explicit := key != ""
	if !explicit {
		key = "id"
	}
	dataField, inData := field(ds.data.Schema(), key)
	if !explicit && !inData {
		for _, p := range ds.preds {
			if _, ok := field(p.src.Schema(), key); ok {
				return fmt.Errorf("%s: no key column %q, but predictions %s have one (use --key)", ds.data.Path(), key, p.src.Path())
			}
		}
		return nil // no keys anywhere: positional
	}
	if !inData {
		return fmt.Errorf("%s: no key column %q (columns: %s)", ds.data.Path(), key, columnList(ds.data.Schema()))
	}
	dataKind, err := keyKind(dataField.Type)
	if err != nil {
		return fmt.Errorf("%s: key column %q %v", ds.data.Path(), key, err)
	}
	for _, p := range ds.preds {
		pf, ok := field(p.src.Schema(), key)
		if !ok {
			return fmt.Errorf("%s: no key column %q in the predictions (columns: %s)", p.src.Path(), key, columnList(p.src.Schema()))
		}
		kind, err := keyKind(pf.Type)
		if err != nil {
			return fmt.Errorf("%s: key column %q %v", p.src.Path(), key, err)
		}
		// A side with no rows has no keys to mismatch (and a CSV file with
		// only a header has no values to type its key by).
		if kind != dataKind && ds.data.NumRows() != 0 && p.src.NumRows() != 0 {
			return fmt.Errorf("%s: key column %q is %s (%s) but in %s it is %s (%s): the keys cannot match", p.src.Path(), key, kind, pf.Type, ds.data.Path(), dataKind, dataField.Type)
		}
	}
	ds.Key = key
	return nil
}

func field(schema *arrow.Schema, name string) (arrow.Field, bool) {
	idx := schema.FieldIndices(name)
	if len(idx) == 0 {
		return arrow.Field{}, false
	}
	return schema.Field(idx[0]), true
}

// buildSchema lays out the joined columns: the dataset's, then each
// prediction file's (but its key). With one prediction file its columns
// keep their names unless the dataset has the same name; with several they
// are named NAME.column.
func (ds *Dataset) buildSchema() {
	fields := append([]arrow.Field(nil), ds.data.Schema().Fields()...)
	for _, f := range fields {
		ds.origins = append(ds.origins, columnOrigin{source: -1, name: f.Name})
	}
	md := ds.data.Schema().Metadata()
	keys, values := append([]string(nil), md.Keys()...), append([]string(nil), md.Values()...)
	for i, p := range ds.preds {
		for _, f := range p.src.Schema().Fields() {
			if f.Name == ds.Key && ds.Key != "" {
				continue
			}
			name := f.Name
			if len(ds.preds) > 1 || len(ds.data.Schema().FieldIndices(name)) > 0 {
				name = p.spec.Name + "." + f.Name
			}
			g := f
			g.Name = name
			g.Nullable = true
			fields = append(fields, g)
			ds.origins = append(ds.origins, columnOrigin{source: i, name: f.Name})
		}
		// The dataset's own metadata wins; predictions may add, say,
		// triage.classes.
		pmd := p.src.Schema().Metadata()
		for j, k := range pmd.Keys() {
			if md.FindKey(k) < 0 && !slices.Contains(keys, k) {
				keys = append(keys, k)
				values = append(values, pmd.Values()[j])
			}
		}
	}
	meta := arrow.NewMetadata(keys, values)
	ds.schema = arrow.NewSchema(fields, &meta)
}

func detectTask(r Roles) Task {
	switch {
	case r[RoleGroundTruth] != "" || r[RoleDetections] != "":
		return TaskDetection
	case r[RoleLabel] != "" || r[RolePred] != "":
		return TaskClassification
	}
	return TaskNone
}

func (ds *Dataset) resolveClasses(flag []string) error {
	if len(flag) > 0 {
		ds.Classes, ds.ClassesSource = flag, ClassesFromFlag
		return checkClassList(flag, ClassesFromFlag)
	}
	label := ds.Roles[RoleLabel]
	if label == "" {
		label = ds.Roles[RoleGroundTruth]
	}
	// The dataset's own metadata defines its labels; a prediction file's
	// is used only when the dataset has none.
	sources := []Source{ds.data}
	for _, p := range ds.preds {
		sources = append(sources, p.src)
	}
	for _, src := range sources {
		classes, source, err := classesFromMetadata(src.Schema(), label)
		if err == nil {
			err = checkClassList(classes, source)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", src.Path(), err)
		}
		if classes != nil {
			ds.Classes, ds.ClassesSource = classes, source
			return nil
		}
	}
	return nil
}

// checkClassList refuses a class list that names a class twice: labels
// and probs columns could not say which of the two they mean.
func checkClassList(classes []string, source string) error {
	seen := make(map[string]int, len(classes))
	for i, c := range classes {
		if j, dup := seen[c]; dup {
			return fmt.Errorf("%s: class %q listed twice (positions %d and %d)", source, c, j+1, i+1)
		}
		seen[c] = i
	}
	return nil
}

// Schema is the joined schema: every column a query or view can ask for,
// before evaluation adds its derived fields.
func (ds *Dataset) Schema() *arrow.Schema { return ds.schema }

// NumRows is the dataset's row count, or -1 if known only after a read.
func (ds *Dataset) NumRows() int64 { return ds.data.NumRows() }

// LoadInfo is how a Load met the prediction files.
type LoadInfo struct {
	Joins    []JoinStats // one per prediction file
	Warnings []string    // samples without predictions, and the like
}

// LoadOptions say what Load reads.
type LoadOptions struct {
	// Columns names joined columns to read; nil reads all.
	Columns  []string
	Progress func(Progress)
	Mem      memory.Allocator
}

// Load reads the requested columns, joins the predictions by key and
// returns the table, with how the join went. It does not change ds, so
// several Loads may run at once.
func (ds *Dataset) Load(ctx context.Context, opts LoadOptions) (*Table, LoadInfo, error) {
	var info LoadInfo
	t, err := ds.load(ctx, opts, &info)
	return t, info, err
}

func (ds *Dataset) load(ctx context.Context, opts LoadOptions, info *LoadInfo) (*Table, error) {
	mem := opts.Mem
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	cols := opts.Columns
	if cols == nil {
		for _, f := range ds.schema.Fields() {
			cols = append(cols, f.Name)
		}
	}
	// Split the wanted columns by the source they come from.
	perSource := make(map[int][]string)
	var wanted []int // joined schema indices, in schema order
	for i, f := range ds.schema.Fields() {
		if slices.Contains(cols, f.Name) {
			wanted = append(wanted, i)
			o := ds.origins[i]
			perSource[o.source] = append(perSource[o.source], o.name)
		}
	}
	for _, c := range cols {
		if len(ds.schema.FieldIndices(c)) == 0 {
			return nil, fmt.Errorf("%s: no column %q", ds.Path, c)
		}
	}
	dataCols := perSource[-1]
	if ds.Key != "" && len(ds.preds) > 0 {
		dataCols = appendMissing(dataCols, ds.Key)
	}
	batches, err := ds.data.Read(ctx, ReadOptions{Columns: orNone(dataCols), Progress: opts.Progress, Mem: mem})
	if err != nil {
		return nil, err
	}
	dataTable := readTable(ds.data, dataCols, batches)
	defer dataTable.Release()

	var newFields []arrow.Field
	var newCols []arrow.Array
	defer func() {
		for _, c := range newCols {
			c.Release()
		}
	}()
	for i, p := range ds.preds {
		predCols := perSource[i]
		fields, arrs, st, err := ds.joinOne(ctx, mem, dataTable, p, predCols, info)
		if err != nil {
			return nil, err
		}
		info.Joins = append(info.Joins, st)
		newCols = append(newCols, arrs...)
		for j, f := range fields {
			idx := ds.schemaIndex(i, f.Name)
			jf := ds.schema.Field(idx)
			jf.Type = arrs[j].DataType()
			newFields = append(newFields, jf)
		}
	}
	joined, err := dataTable.WithColumns(newFields, newCols)
	if err != nil {
		return nil, err
	}
	// Keep only the wanted columns, in schema order.
	return joined.selectColumns(ds.wantedNames(wanted))
}

func (ds *Dataset) wantedNames(idx []int) []string {
	out := make([]string, len(idx))
	for i, j := range idx {
		out[i] = ds.schema.Field(j).Name
	}
	return out
}

func (ds *Dataset) schemaIndex(source int, name string) int {
	for i, o := range ds.origins {
		if o.source == source && o.name == name {
			return i
		}
	}
	panic("dataset: unknown joined column " + name)
}

// orNone turns an empty column list into an explicit empty read (nil would
// read every column).
func orNone(cols []string) []string {
	if cols == nil {
		return []string{}
	}
	return cols
}

func appendMissing(list []string, names ...string) []string {
	for _, n := range names {
		if n != "" && !slices.Contains(list, n) {
			list = append(list, n)
		}
	}
	return list
}

// joinOne reads a prediction file's columns and aligns them with the
// dataset's rows by key (or by position).
func (ds *Dataset) joinOne(ctx context.Context, mem memory.Allocator, data *Table, p predSource, cols []string, info *LoadInfo) ([]arrow.Field, []arrow.Array, JoinStats, error) {
	readCols := cols
	if ds.Key != "" {
		readCols = appendMissing(append([]string(nil), cols...), ds.Key)
	}
	batches, err := p.src.Read(ctx, ReadOptions{Columns: orNone(readCols), Mem: mem})
	if err != nil {
		return nil, nil, JoinStats{}, err
	}
	pt := readTable(p.src, readCols, batches)
	defer pt.Release()

	var rows []int64
	var st JoinStats
	if ds.Key == "" {
		if pt.NumRows() != data.NumRows() {
			return nil, nil, st, fmt.Errorf("%s: no key column to join by, and the row counts differ (%d predictions, %d samples); add an id column or use --key", p.src.Path(), pt.NumRows(), data.NumRows())
		}
		rows = make([]int64, data.NumRows())
		for i := range rows {
			rows[i] = int64(i)
		}
		st = JoinStats{Rows: pt.NumRows(), Matched: pt.NumRows(), Positional: true}
		info.Warnings = append(info.Warnings, fmt.Sprintf("%s: no key column: predictions matched to samples by position", p.src.Path()))
	} else {
		dk := data.ColumnByName(ds.Key)
		defer dk.Release()
		pk := pt.ColumnByName(ds.Key)
		defer pk.Release()
		predIx, err := buildKeyIndex(pk)
		if err != nil {
			return nil, nil, st, fmt.Errorf("%s: key %q: %w", p.src.Path(), ds.Key, err)
		}
		rows, st, err = matchRows(dk, predIx, int64(pk.Len()))
		if err != nil {
			return nil, nil, st, fmt.Errorf("%s: key %q: %w", ds.data.Path(), ds.Key, err)
		}
		if st.SamplesWithoutPrediction > 0 {
			info.Warnings = append(info.Warnings, fmt.Sprintf("%s: %d samples have no prediction", p.src.Path(), st.SamplesWithoutPrediction))
		}
		if st.PredictionsWithoutSample > 0 {
			info.Warnings = append(info.Warnings, fmt.Sprintf("%s: %d predictions match no sample", p.src.Path(), st.PredictionsWithoutSample))
		}
	}
	st.Name, st.Path = p.spec.Name, p.src.Path()

	var fields []arrow.Field
	var arrs []arrow.Array
	for _, c := range cols {
		col := pt.ColumnByName(c)
		taken, err := takeRows(ctx, mem, col, rows)
		col.Release()
		if err != nil {
			for _, a := range arrs {
				a.Release()
			}
			return nil, nil, st, fmt.Errorf("%s: column %q: %w", p.src.Path(), c, err)
		}
		f, _ := field(pt.Schema(), c)
		fields = append(fields, f)
		arrs = append(arrs, taken)
	}
	return fields, arrs, st, nil
}

// tableOf makes a table of batches read from one source. Shards may differ
// in key-value metadata, so every batch is given the first one's schema.
func tableOf(batches []arrow.RecordBatch) *Table {
	if len(batches) == 0 {
		return NewTable(arrow.NewSchema(nil, nil), nil)
	}
	schema := batches[0].Schema()
	for i, b := range batches {
		if !b.Schema().Equal(schema) {
			nb := array.NewRecordBatch(schema, b.Columns(), b.NumRows())
			b.Release()
			batches[i] = nb
		}
	}
	return NewTable(schema, batches)
}

// readTable is tableOf for the columns cols of src: with no batch (a file
// of 0 rows) the table still has those columns, as src declares them.
func readTable(src Source, cols []string, batches []arrow.RecordBatch) *Table {
	if len(batches) > 0 {
		return tableOf(batches)
	}
	var fields []arrow.Field
	for _, c := range cols {
		if f, ok := field(src.Schema(), c); ok {
			fields = append(fields, f)
		}
	}
	md := src.Schema().Metadata()
	return NewTable(arrow.NewSchema(fields, &md), nil)
}

// selectColumns returns a table of the named columns, in that order. The
// receiver is released.
func (t *Table) selectColumns(names []string) (*Table, error) {
	defer t.Release()
	idx, err := columnIndices("", t.schema, names)
	if err != nil {
		return nil, err
	}
	batches := make([]arrow.RecordBatch, len(t.batches))
	var schema *arrow.Schema
	for i, b := range t.batches {
		batches[i], err = project(t.schema, b, idx)
		if err != nil {
			releaseAll(batches[:i])
			return nil, err
		}
		schema = batches[i].Schema()
	}
	if schema == nil {
		fields := make([]arrow.Field, len(idx))
		for i, j := range idx {
			fields[i] = t.schema.Field(j)
		}
		md := t.schema.Metadata()
		schema = arrow.NewSchema(fields, &md)
	}
	return &Table{schema: schema, batches: batches, rows: t.rows}, nil
}

// deriveClasses falls back to the labels themselves: integer labels name
// classes 0..max, string labels the sorted distinct values.
func (ds *Dataset) deriveClasses(t *Table) {
	ints := map[int64]bool{}
	strs := map[string]bool{}
	for _, name := range ds.classRoleColumns() {
		col := t.ColumnByName(name)
		if col == nil {
			continue
		}
		if elem := listElem(col.DataType()); elem != nil {
			labels, err := boxLabels(col)
			col.Release()
			if err != nil {
				continue
			}
			col = labels
		}
		_ = forEachValue(col, func(i int64, s string, isStr bool) {
			if isStr {
				strs[s] = true
			} else {
				ints[i] = true
			}
		})
		col.Release()
	}
	switch {
	case len(strs) > 0:
		for s := range strs {
			ds.Classes = append(ds.Classes, s)
		}
		sort.Strings(ds.Classes)
		ds.ClassesSource = ClassesFromValues
		ds.Warnings = append(ds.Warnings, fmt.Sprintf("no class list in the metadata: using the %d sorted distinct labels (set --classes to fix the order)", len(ds.Classes)))
	case len(ints) > 0:
		var max int64
		for i := range ints {
			max = maxInt(max, i)
		}
		for i := int64(0); i <= max; i++ {
			ds.Classes = append(ds.Classes, strconv.FormatInt(i, 10))
		}
		ds.ClassesSource = ClassesFromValues
		ds.Warnings = append(ds.Warnings, fmt.Sprintf("no class names in the metadata: integer labels name classes 0..%d", max))
	}
}

func maxInt(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

// forEachValue calls f with each non-null value of an integer or string
// column.
func forEachValue(col *arrow.Chunked, f func(i int64, s string, isStr bool)) error {
	for _, c := range col.Chunks() {
		if d, ok := c.(*array.Dictionary); ok {
			dict, ok := d.Dictionary().(interface{ Value(int) string })
			if !ok {
				return fmt.Errorf("unsupported dictionary values %s", d.Dictionary().DataType())
			}
			for j := 0; j < d.Len(); j++ {
				if d.IsValid(j) {
					f(0, dict.Value(d.GetValueIndex(j)), true)
				}
			}
			continue
		}
		for j := 0; j < c.Len(); j++ {
			if c.IsNull(j) {
				continue
			}
			switch a := c.(type) {
			case *array.String:
				f(0, a.Value(j), true)
			case *array.LargeString:
				f(0, a.Value(j), true)
			default:
				v, err := strconv.ParseInt(c.ValueStr(j), 10, 64)
				if err != nil {
					f(0, c.ValueStr(j), true)
				} else {
					f(v, "", false)
				}
			}
		}
	}
	return nil
}

// Format is the dataset file's format.
func (ds *Dataset) Format() Format { return ds.data.Format() }

// PredictionSets returns each prediction file's roles. The dataset's own
// Roles name the first file's columns, so bare names mean the first set.
func (ds *Dataset) PredictionSets() []PredictionSet { return ds.predSets }

// detectPredictionRoles finds pred, score, probs and detections in each
// prediction file's own schema and maps them to joined column names.
func (ds *Dataset) detectPredictionRoles(overrides map[Role]string) {
	for i, p := range ds.preds {
		own := map[Role]string{}
		for _, r := range predictionRoles {
			if c, ok := overrides[r]; ok && len(p.src.Schema().FieldIndices(c)) > 0 {
				own[r] = c
			}
		}
		roles, err := DetectRoles(p.src.Schema(), own)
		if err != nil {
			continue // overrides were checked against the joined schema
		}
		set := PredictionSet{Name: p.spec.Name, Roles: Roles{}}
		for _, r := range predictionRoles {
			if c, ok := roles[r]; ok && c != ds.Key {
				set.Roles[r] = ds.schema.Field(ds.schemaIndex(i, c)).Name
			}
		}
		ds.predSets = append(ds.predSets, set)
	}
	if len(ds.predSets) > 0 {
		for r, c := range ds.predSets[0].Roles {
			if _, ok := ds.Roles[r]; !ok {
				ds.Roles[r] = c
			}
		}
	}
}

// classRoleColumns are the columns whose values name classes: label and
// pred, or the boxes of ground_truth and every detections column.
func (ds *Dataset) classRoleColumns() []string {
	var cols []string
	switch ds.Task {
	case TaskClassification:
		cols = appendMissing(cols, ds.Roles[RoleLabel], ds.Roles[RolePred])
	case TaskDetection:
		cols = appendMissing(cols, ds.Roles[RoleGroundTruth], ds.Roles[RoleDetections])
		for _, p := range ds.predSets {
			cols = appendMissing(cols, p.Roles[RoleDetections])
		}
	}
	return cols
}

// boxLabels returns the "label" field of every box in a list<struct>
// column, as one chunked column. The caller releases it.
func boxLabels(col *arrow.Chunked) (*arrow.Chunked, error) {
	var chunks []arrow.Array
	for _, c := range col.Chunks() {
		l, ok := c.(array.ListLike)
		if !ok {
			return nil, fmt.Errorf("not a list column")
		}
		st, ok := l.ListValues().(*array.Struct)
		if !ok {
			return nil, fmt.Errorf("list elements are not structs")
		}
		i, ok := st.DataType().(*arrow.StructType).FieldIdx("label")
		if !ok {
			return nil, fmt.Errorf("boxes have no label field")
		}
		f := st.Field(i)
		f.Retain()
		chunks = append(chunks, f)
	}
	if len(chunks) == 0 {
		return nil, fmt.Errorf("no boxes")
	}
	out := arrow.NewChunked(chunks[0].DataType(), chunks)
	for _, c := range chunks {
		c.Release()
	}
	return out, nil
}

// Direct reports whether every one of cols is read from the dataset file
// itself, with no join: then it can be read part by part (see Parts).
func (ds *Dataset) Direct(cols []string) bool {
	for _, c := range cols {
		idx := ds.schema.FieldIndices(c)
		if len(idx) == 0 || ds.origins[idx[0]].source != -1 {
			return false
		}
	}
	return true
}

// Parts returns the row counts of the dataset file's parts (row groups,
// shards), which ReadPart reads one at a time; nil when the file reads
// only whole.
func (ds *Dataset) Parts() []int64 { return SourceParts(ds.data) }

// ScanPart reads part p (see Parts) of columns that Direct accepts a
// batch at a time: fn gets each batch, in order, as a table of one batch
// that is released when fn returns. A Parquet row group is decoded a few
// pages at a time, so a scan holds about one batch per column, not the
// part.
func (ds *Dataset) ScanPart(ctx context.Context, p int, cols []string, mem memory.Allocator, fn func(*Table) error) error {
	if !ds.Direct(cols) {
		return fmt.Errorf("%s: ScanPart of joined columns %q", ds.Path, cols)
	}
	var fnErr error // fn's own error, returned as it is, not as a read error
	_, err := ds.data.Read(ctx, ReadOptions{Columns: orNone(cols), Parts: []int{p}, Mem: mem, OnBatch: func(b arrow.RecordBatch) error {
		b.Retain()
		t := tableOf([]arrow.RecordBatch{b})
		defer t.Release()
		fnErr = fn(t)
		return fnErr
	}})
	if fnErr != nil {
		return fnErr
	}
	return err
}

// ReadPart reads part p (see Parts) of columns that Direct accepts.
func (ds *Dataset) ReadPart(ctx context.Context, p int, cols []string, mem memory.Allocator) (*Table, error) {
	if !ds.Direct(cols) {
		return nil, fmt.Errorf("%s: ReadPart of joined columns %q", ds.Path, cols)
	}
	batches, err := ds.data.Read(ctx, ReadOptions{Columns: orNone(cols), Parts: []int{p}, Mem: mem})
	if err != nil {
		return nil, err
	}
	if len(batches) == 0 { // an empty part still has its columns
		fields := make([]arrow.Field, len(cols))
		for i, c := range cols {
			fields[i], _ = field(ds.schema, c)
		}
		return NewTable(arrow.NewSchema(fields, nil), nil), nil
	}
	return tableOf(batches), nil
}
