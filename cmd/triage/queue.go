package main

import (
	"cmp"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"triage/dataset"
	"triage/dataset/curate"
	"triage/dataset/sink"
	"triage/evalview"
	"triage/query"
	"triage/render"
)

var queueCmd = &command{
	name:    "queue",
	summary: "queue actions on samples and apply them to a new training set",
	usage: `Usage:
  triage queue add    [open flags] DATASET --where QUERY ACTION
  triage queue list   [open flags] DATASET [--json]
  triage queue undo   [open flags] DATASET
  triage queue apply  [open flags] DATASET --out PATH
  triage queue export [open flags] DATASET --format labelstudio|coco|csv --out PATH

Records decisions about samples in an append-only journal beside the
dataset, DATASET.triage/queue.jsonl (or --queue PATH), and applies them to a
new version of the training set. The input files are never touched.

add: the samples QUERY selects get one ACTION:
  --tag T            add tag T
  --untag T          remove tag T
  --relabel CLASS    set the label (a class of the class list; --new-class allows another)
  --drop             leave the samples out of the new version
  --weight W         set the sample weight (a number >= 0)
  --mine K           queue the K nearest pool samples of each (cosine similarity of
                     the embedding column) for addition, with the model's predicted
                     label and needs_review; the pool is --pool PATH (its
                     predictions --pool-pred PATH) or the dataset's unlabeled rows

list: the effective state, per sample: final label, tags, dropped, weight,
mined (from which sample), needs review. --json for a JSON object.

undo: reverts the last entry not yet undone, by appending an undo entry.

apply: writes the new training set to --out PATH as Parquet: labels changed,
dropped rows removed, mined rows appended, columns tags, weight and
needs_review added, schema metadata kept; written to a temporary file and
renamed, never over an input. Prints a summary, also written to
PATH.summary.json. Journal samples no longer in the dataset are reported,
not applied.

export: the queued relabels for people: Label Studio tasks (the image, the
current label, the model's prediction and the proposed label as
pre-annotations), COCO annotations (detection) or a CSV of key, label and
proposed label.

  --queue PATH     the journal (default DATASET.triage/queue.jsonl)

` + openFlagsHelp,
	run: runQueue,
}

func runQueue(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return usagef("want add, list, undo, apply or export (see `triage help queue`)")
	}
	switch args[0] {
	case "add":
		return queueAdd(ctx, e, args[1:])
	case "list":
		return queueList(e, args[1:])
	case "undo":
		return queueUndo(e, args[1:])
	case "apply":
		return queueApply(ctx, e, args[1:])
	case "export":
		return queueExport(ctx, e, args[1:])
	}
	return usagef("unknown queue command %q: want add, list, undo, apply or export", args[0])
}

// queueFlags are the flags every queue command has.
type queueFlags struct {
	open  openFlags
	queue string
}

func (q *queueFlags) register(fs *flag.FlagSet) {
	q.open.register(fs)
	fs.StringVar(&q.queue, "queue", "", "the journal (default DATASET.triage/queue.jsonl)")
}

func (q *queueFlags) journal(dataset string) string {
	return cmp.Or(q.queue, curate.DefaultPath(dataset))
}

// readJournal reads the journal and prints its warnings (torn lines).
func readJournal(e *env, path string) ([]curate.Entry, error) {
	entries, warnings, err := curate.Read(path)
	for _, w := range warnings {
		fmt.Fprintf(e.stderr, "triage: warning: %s\n", render.Sanitize(w))
	}
	return entries, err
}

func oneDataset(pos []string) (string, error) {
	if len(pos) != 1 {
		return "", usagef("want one DATASET, got %d arguments (see `triage help queue`)", len(pos))
	}
	return pos[0], nil
}

func queueAdd(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("queue add", flag.ContinueOnError)
	var qf queueFlags
	qf.register(fs)
	where := fs.String("where", "", "the query that chooses the samples")
	tag := fs.String("tag", "", "add a tag")
	untag := fs.String("untag", "", "remove a tag")
	relabel := fs.String("relabel", "", "set the label")
	newClass := fs.Bool("new-class", false, "allow a class outside the class list")
	drop := fs.Bool("drop", false, "drop the samples")
	weight := fs.String("weight", "", "set the sample weight")
	mine := fs.Int("mine", 0, "mine K nearest pool samples of each")
	pool := fs.String("pool", "", "the pool to mine (default: the dataset's unlabeled rows)")
	poolPred := fs.String("pool-pred", "", "the pool's prediction file")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	path, err := oneDataset(pos)
	if err != nil {
		return err
	}
	if *where == "" {
		return usagef("queue add: --where QUERY is required (use --where true for every sample)")
	}
	var actions []string
	for _, a := range []string{"tag", "untag", "relabel", "drop", "weight", "mine"} {
		if flagSet(fs, a) {
			actions = append(actions, "--"+a)
		}
	}
	if len(actions) != 1 {
		return usagef("queue add: want one action (--tag, --untag, --relabel, --drop, --weight or --mine), got %d", len(actions))
	}
	if (flagSet(fs, "pool") || flagSet(fs, "pool-pred")) && !flagSet(fs, "mine") {
		return usagef("queue add: --pool and --pool-pred go with --mine")
	}
	var w float64
	if flagSet(fs, "weight") {
		if w, err = strconv.ParseFloat(*weight, 64); err != nil || w < 0 || math.IsInf(w, 0) {
			return usagef("--weight %q: want a number >= 0", *weight)
		}
	}
	if flagSet(fs, "drop") && !*drop {
		return usagef("queue add: --drop=false is no action")
	}
	if flagSet(fs, "mine") && *mine <= 0 {
		return usagef("--mine %d: want a count of samples, 1 or more", *mine)
	}

	s, err := qf.open.openSession(path)
	if err != nil {
		return err
	}
	defer s.Close()
	ds := s.Dataset()
	if ds.Key == "" {
		return fmt.Errorf("%s has no key column: the queue records samples by key (--key COL)", path)
	}
	keys, err := selectKeys(ctx, s, *where)
	if err != nil {
		return err
	}
	chosen := curate.Selection{KeyColumn: ds.Key, Keys: keys, Query: *where}
	var entry curate.Entry
	switch actions[0] {
	case "--tag":
		entry, err = curate.Tag(chosen, *tag)
	case "--untag":
		entry, err = curate.Untag(chosen, *untag)
	case "--relabel":
		entry, err = curate.Relabel(chosen, *relabel, ds.Classes, *newClass)
		if err != nil {
			return usagef("%s", strings.Replace(err.Error(), "(or allow a new class)", "(or --new-class)", 1))
		}
	case "--drop":
		entry, err = curate.Drop(chosen)
	case "--weight":
		entry, err = curate.Weight(chosen, w)
	case "--mine":
		entry, err = mineEntry(ctx, e, s, qf, path, chosen, *mine, *pool, *poolPred)
	}
	if err != nil {
		return err
	}
	written, err := curate.Append(qf.journal(path), entry)
	if err != nil {
		return err
	}
	warn(e, s)
	what := fmt.Sprintf("%s on %s samples", written.Action, render.Count(int64(len(written.Keys))))
	if written.Action == curate.ActionMine {
		what = fmt.Sprintf("mine: %s samples near %s chosen ones", render.Count(int64(len(written.Args.Mined))), render.Count(int64(len(written.Keys))))
	}
	fmt.Fprintf(e.stdout, "queued entry %d: %s\n", written.ID, what)
	return nil
}

// selectKeys runs the query and returns the keys of the rows it selects.
func selectKeys(ctx context.Context, s *evalview.Session, where string) ([]curate.Key, error) {
	prog, err := s.Compile(where)
	if err != nil {
		return nil, &usageError{query.FormatError(where, err)}
	}
	sel, err := s.Select(ctx, prog)
	if err != nil {
		return nil, err
	}
	if sel.Len() == 0 {
		return nil, fmt.Errorf("the query selects no samples")
	}
	win, err := s.Rows(ctx, sel, 0, sel.Len(), []string{s.Dataset().Key})
	if err != nil {
		return nil, err
	}
	defer win.Release()
	return curate.KeysOfArray(win.Cols[0])
}

// mineEntry finds the pool samples nearest the chosen ones.
func mineEntry(ctx context.Context, e *env, s *evalview.Session, qf queueFlags, path string, chosen curate.Selection, k int, poolPath, poolPred string) (curate.Entry, error) {
	ds := s.Dataset()
	emb := ds.Roles[dataset.RoleEmbedding]
	if emb == "" {
		return curate.Entry{}, fmt.Errorf("mine: %s has no embedding column (a list of floats) to find neighbours by; name one with --role embedding=COL", path)
	}
	cols := appendNew(nil, ds.Key, emb, ds.Roles[dataset.RoleLabel], ds.Roles[dataset.RolePred])
	data, _, err := ds.Load(ctx, dataset.LoadOptions{Columns: cols})
	if err != nil {
		return curate.Entry{}, err
	}
	defer data.Release()
	entries, err := readJournal(e, qf.journal(path))
	if err != nil {
		return curate.Entry{}, err
	}
	req := curate.MineRequest{Chosen: chosen, K: k, Dataset: data, EmbeddingColumn: emb, LabelColumn: ds.Roles[dataset.RoleLabel],
		PredColumn: ds.Roles[dataset.RolePred], Classes: ds.Classes, State: curate.Replay(entries)}
	if poolPath != "" {
		abs, err := filepath.Abs(poolPath)
		if err != nil {
			return curate.Entry{}, err
		}
		opts := dataset.Options{Path: abs, Key: qf.open.key}
		if poolPred != "" {
			opts.Preds = []dataset.PredSpec{dataset.ParsePredSpec(poolPred)}
		}
		pds, err := dataset.Open(opts)
		if err != nil {
			return curate.Entry{}, err
		}
		defer pds.Close()
		pcols := appendNew(nil, pds.Key, emb, pds.Roles[dataset.RolePred])
		for _, c := range pcols {
			if len(pds.Schema().FieldIndices(c)) == 0 {
				return curate.Entry{}, fmt.Errorf("mine: the pool %s has no %q column", poolPath, c)
			}
		}
		pool, _, err := pds.Load(ctx, dataset.LoadOptions{Columns: pcols})
		if err != nil {
			return curate.Entry{}, err
		}
		defer pool.Release()
		req.Pool, req.PoolPath, req.PoolKeyColumn, req.PredColumn = pool, abs, pds.Key, pds.Roles[dataset.RolePred]
	} else if req.LabelColumn == "" {
		return curate.Entry{}, fmt.Errorf("mine: %s has no label column, so no unlabeled rows to mine; give a pool with --pool PATH", path)
	}
	return curate.Mine(ctx, req)
}

func queueList(e *env, args []string) error {
	fs := flag.NewFlagSet("queue list", flag.ContinueOnError)
	var qf queueFlags
	qf.register(fs) // open flags are accepted, as SPEC §3 has them, and not needed
	asJSON := fs.Bool("json", false, "JSON output")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	path, err := oneDataset(pos)
	if err != nil {
		return err
	}
	entries, err := readJournal(e, qf.journal(path))
	if err != nil {
		return err
	}
	state := curate.Replay(entries)
	keys := make([]curate.Key, 0, len(state.Samples))
	for k := range state.Samples {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b curate.Key) int {
		return cmp.Or(cmp.Compare(btoi(a.IsStr), btoi(b.IsStr)), cmp.Compare(a.Int, b.Int), cmp.Compare(a.Str, b.Str))
	})
	if *asJSON {
		type sample struct {
			Key curate.Key `json:"key"`
			*curate.Sample
		}
		out := struct {
			Entries int      `json:"entries"`
			Undone  int      `json:"undone"`
			Samples []sample `json:"samples"`
		}{Entries: len(state.Live), Undone: state.Undone, Samples: []sample{}}
		for _, k := range keys {
			out.Samples = append(out.Samples, sample{k, state.Samples[k]})
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	fmt.Fprintf(e.stdout, "%s entries in effect (%s undone), %s samples\n", render.Count(int64(len(state.Live))), render.Count(int64(state.Undone)), render.Count(int64(len(keys))))
	if len(keys) == 0 {
		return nil
	}
	rows := make([][]string, len(keys))
	for i, k := range keys {
		rows[i] = sampleRow(k, state.Samples[k])
	}
	fmt.Fprint(e.stdout, render.Table([]string{"key", "label", "tags", "dropped", "weight", "mined", "needs_review", "entries"}, rows, 0))
	return nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// sampleRow is one line of queue list; cells are sanitized for the terminal.
func sampleRow(k curate.Key, s *curate.Sample) []string {
	key := k.Str
	if !k.IsStr {
		key = k.String()
	}
	row := []string{render.Sanitize(key), "", render.Sanitize(strings.Join(s.Tags, ",")), "", "", "", "", ""}
	if s.Label != nil {
		row[1] = render.Sanitize(*s.Label)
	}
	if len(s.Untagged) > 0 {
		row[2] = strings.TrimPrefix(row[2]+",-"+render.Sanitize(strings.Join(s.Untagged, ",-")), ",")
	}
	if s.Dropped {
		row[3] = "yes"
	}
	if s.Weight != nil {
		row[4] = strconv.FormatFloat(*s.Weight, 'g', -1, 64)
	}
	if s.Mined != nil {
		row[5] = fmt.Sprintf("near %s (%.4f)", render.Sanitize(s.Mined.Source.String()), s.Mined.Score)
	}
	if s.NeedsReview {
		row[6] = "yes"
	}
	ids := make([]string, len(s.Entries))
	for i, id := range s.Entries {
		ids[i] = strconv.FormatInt(id, 10)
	}
	row[7] = strings.Join(ids, ",")
	return row
}

func queueUndo(e *env, args []string) error {
	fs := flag.NewFlagSet("queue undo", flag.ContinueOnError)
	var qf queueFlags
	qf.register(fs)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	path, err := oneDataset(pos)
	if err != nil {
		return err
	}
	journal := qf.journal(path)
	entries, err := readJournal(e, journal)
	if err != nil {
		return err
	}
	target := curate.LastUndoable(entries)
	u, err := curate.Undo(journal, "")
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "entry %d: undid entry %d (%s on %s samples)\n", u.ID, u.Args.Undoes, target.Action, render.Count(int64(len(target.Keys))))
	return nil
}

// inputFiles lists every file the dataset options read, for the refusal
// to write over one: the dataset (a file, a folder, or a glob's files) and
// the prediction files.
func inputFiles(opts dataset.Options) []string {
	var files []string
	for _, p := range append([]string{opts.Path}, predPaths(opts)...) {
		if matches, err := filepath.Glob(p); err == nil && len(matches) > 0 {
			files = append(files, matches...)
		} else {
			files = append(files, p)
		}
	}
	return files
}

func predPaths(opts dataset.Options) []string {
	var paths []string
	for _, p := range opts.Preds {
		paths = append(paths, p.Path)
	}
	return paths
}

func queueApply(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("queue apply", flag.ContinueOnError)
	var qf queueFlags
	qf.register(fs)
	out := fs.String("out", "", "the new training set (Parquet)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	path, err := oneDataset(pos)
	if err != nil {
		return err
	}
	if *out == "" {
		return usagef("queue apply: --out PATH is required")
	}
	opts, err := qf.open.options(path)
	if err != nil {
		return err
	}
	journal := qf.journal(path)
	inputs := append(inputFiles(opts), journal)
	if err := sink.CheckNotInput(*out, inputs); err != nil {
		return err
	}
	entries, err := readJournal(e, journal)
	if err != nil {
		return err
	}
	state := curate.Replay(entries)
	for _, en := range state.Live {
		if en.Args.Pool != "" {
			inputs = append(inputs, en.Args.Pool)
		}
	}
	// The new version holds the dataset's own columns: open it without
	// the predictions.
	own := opts
	own.Preds = nil
	ds, err := dataset.Open(own)
	if err != nil {
		return err
	}
	defer ds.Close()
	if ds.Key == "" {
		return fmt.Errorf("%s has no key column: the queue records samples by key (--key COL)", path)
	}
	tb, _, err := ds.Load(ctx, dataset.LoadOptions{})
	if err != nil {
		return err
	}
	defer tb.Release()
	sum, err := curate.Apply(ctx, curate.ApplyRequest{Dataset: tb, Schema: ds.Schema(), KeyColumn: ds.Key, LabelColumn: ds.Roles[dataset.RoleLabel],
		Classes: ds.Classes, State: state, Out: *out, Inputs: inputs})
	if err != nil {
		return err
	}
	printSummary(e.stdout, sum)
	return nil
}

func printSummary(w io.Writer, s *curate.Summary) {
	fmt.Fprintf(w, "wrote %s: %s rows (%s in, %s dropped, %s mined)\n", render.Sanitize(s.Output), render.Count(s.OutputRows),
		render.Count(s.InputRows), render.Count(int64(s.Dropped)), render.Count(int64(s.Mined)))
	if s.Relabeled > 0 {
		var pairs []string
		for _, p := range s.RelabeledBy {
			pairs = append(pairs, fmt.Sprintf("%s -> %s (%d)", render.Sanitize(cmp.Or(p.From, "(none)")), render.Sanitize(p.To), p.N))
		}
		fmt.Fprintf(w, "relabeled %s: %s\n", render.Count(int64(s.Relabeled)), strings.Join(pairs, ", "))
	}
	if s.Tagged > 0 {
		tags := make([]string, 0, len(s.TaggedBy))
		for t := range s.TaggedBy {
			tags = append(tags, t)
		}
		slices.Sort(tags)
		for i, t := range tags {
			tags[i] = fmt.Sprintf("%s (%d)", render.Sanitize(t), s.TaggedBy[t])
		}
		fmt.Fprintf(w, "tagged %s: %s\n", render.Count(int64(s.Tagged)), strings.Join(tags, ", "))
	}
	if s.Weighted > 0 {
		fmt.Fprintf(w, "weighted %s\n", render.Count(int64(s.Weighted)))
	}
	if len(s.Missing) > 0 {
		keys := make([]string, 0, min(len(s.Missing), 10))
		for _, k := range s.Missing[:min(len(s.Missing), 10)] {
			keys = append(keys, render.Sanitize(k.String()))
		}
		more := ""
		if len(s.Missing) > 10 {
			more = fmt.Sprintf(" and %d more", len(s.Missing)-10)
		}
		fmt.Fprintf(w, "not in the dataset, not applied: %s%s\n", strings.Join(keys, ", "), more)
	}
	for _, warning := range s.Warnings {
		fmt.Fprintf(w, "warning: %s\n", render.Sanitize(warning))
	}
	fmt.Fprintf(w, "summary: %s\n", render.Sanitize(curate.SummaryPath(s.Output)))
}

func queueExport(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("queue export", flag.ContinueOnError)
	var qf queueFlags
	qf.register(fs)
	out := fs.String("out", "", "the output file")
	format := fs.String("format", "", "labelstudio, coco or csv")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	path, err := oneDataset(pos)
	if err != nil {
		return err
	}
	if *out == "" {
		return usagef("queue export: --out PATH is required")
	}
	switch *format {
	case "labelstudio", "coco", "csv":
	default:
		return usagef("queue export: --format %q: want labelstudio, coco or csv", *format)
	}
	entries, err := readJournal(e, qf.journal(path))
	if err != nil {
		return err
	}
	state := curate.Replay(entries)
	s, err := qf.open.openSession(path)
	if err != nil {
		return err
	}
	defer s.Close()
	ds := s.Dataset()
	if ds.Key == "" {
		return fmt.Errorf("%s has no key column: the queue records samples by key (--key COL)", path)
	}
	opts, _ := qf.open.options(path)
	inputs := append(inputFiles(opts), qf.journal(path))
	tb, _, err := ds.Load(ctx, dataset.LoadOptions{Columns: exportColumns(ds)})
	if err != nil {
		return err
	}
	defer tb.Release()
	keys, err := curate.KeysOf(tb, ds.Key, allRows(tb.NumRows()))
	if err != nil {
		return err
	}
	// Label Studio and CSV get the samples with a queued relabel; COCO
	// every sample the queue names that is not dropped.
	var rows []int64
	for r, k := range keys {
		smp := state.Samples[k]
		if smp == nil || smp.Dropped || (*format != "coco" && smp.Label == nil) {
			continue
		}
		rows = append(rows, int64(r))
	}
	if len(rows) == 0 {
		return fmt.Errorf("the queue has nothing to export as %s (no queued relabels of samples in the dataset)", *format)
	}
	req := exportRequest(ds, tb.Schema(), path)
	req.Table, req.Rows, req.State = tb, rows, state
	if err := writeForPeople(*out, *format, req, inputs); err != nil {
		return err
	}
	warn(e, s)
	fmt.Fprintf(e.stdout, "wrote %s: %s samples\n", render.Sanitize(*out), render.Count(int64(len(rows))))
	return nil
}

func allRows(n int64) []int64 {
	rows := make([]int64, n)
	for i := range rows {
		rows[i] = int64(i)
	}
	return rows
}

// writeForPeople writes a Label Studio, COCO or CSV export atomically.
func writeForPeople(out, format string, req curate.ExportRequest, inputs []string) error {
	return sink.WriteFile(out, inputs, func(w io.Writer) error {
		switch format {
		case "labelstudio":
			return curate.WriteLabelStudio(w, req)
		case "coco":
			return curate.WriteCOCO(w, req)
		}
		return curate.WriteRelabelCSV(w, req)
	})
}

// exportColumns are the columns the exports for people read, those the
// dataset has.
func exportColumns(ds *dataset.Dataset) []string {
	r := ds.Roles
	cols := appendNew(nil, ds.Key)
	for _, c := range []string{r[dataset.RoleLabel], r[dataset.RolePred], r[dataset.RoleScore], r[dataset.RoleImage], r[dataset.RoleFilepath],
		r[dataset.RoleGroundTruth], r[dataset.RoleDetections], "width", "height"} {
		if c != "" && len(ds.Schema().FieldIndices(c)) > 0 {
			cols = appendNew(cols, c)
		}
	}
	return cols
}

// exportRequest names the columns of t by role.
func exportRequest(ds *dataset.Dataset, schema *arrow.Schema, path string) curate.ExportRequest {
	r := ds.Roles
	has := func(c string) string {
		if c != "" && len(schema.FieldIndices(c)) > 0 {
			return c
		}
		return ""
	}
	req := curate.ExportRequest{Key: ds.Key, Label: has(r[dataset.RoleLabel]), Pred: has(r[dataset.RolePred]), Score: has(r[dataset.RoleScore]),
		Image: has(r[dataset.RoleImage]), Filepath: has(r[dataset.RoleFilepath]), Dir: filepath.Dir(path),
		GroundTruth: has(r[dataset.RoleGroundTruth]), Detections: has(r[dataset.RoleDetections]), Width: has("width"), Height: has("height"),
		Classes: ds.Classes}
	if sets := ds.PredictionSets(); len(sets) > 0 {
		req.ModelVersion = sets[0].Name
	}
	return req
}
