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
    --box N          detection: relabel only ground-truth box N (0 is the first of the
                     sample's ground_truth list) of the one sample QUERY selects
  --drop             leave the samples out of the new version
  --weight W         set the sample weight (a number >= 0)
  --mine K           queue the K nearest pool samples of each (cosine similarity of
                     the embedding column) for addition, with the model's predicted
                     label and needs_review; the pool is --pool PATH (its
                     predictions --pool-pred PATH) or the dataset's unlabeled rows

list: the effective state, per sample: final label, boxes relabeled
(detection), tags, dropped, weight, mined (from which sample), needs
review. --json for a JSON object.

undo: reverts the last entry not yet undone, by appending an undo entry.

apply: writes the new training set to --out PATH as Parquet: labels changed,
dropped rows removed, mined rows appended, columns tags, weight and
needs_review added, schema metadata kept; written to a temporary file and
renamed, never over an input. Prints a summary, also written to
PATH.summary.json. Journal samples no longer in the dataset are reported,
not applied, as are box relabels whose box is out of range or no longer the
box queued (same index, label and bbox).

export: the queued relabels and mined samples for people: Label Studio tasks
(the image, the current label, the model's prediction and the proposed label
as pre-annotations; for detection the ground truth with the queued box
relabels), COCO annotations (detection; box relabels applied) or a CSV of
key, box (detection), label, proposed label, mined and needs_review. Mined
samples (from a pool, after the dataset's) carry the prediction mine
recorded and are marked needs_review.

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
	box := fs.Int("box", 0, "relabel only this ground-truth box (detection)")
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
	if flagSet(fs, "box") && !flagSet(fs, "relabel") {
		return usagef("queue add: --box goes with --relabel")
	}
	if flagSet(fs, "box") && *box < 0 {
		return usagef("--box %d: want a box index, 0 or more", *box)
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
	gt := ds.Roles[dataset.RoleGroundTruth]
	if flagSet(fs, "box") && (ds.Task != dataset.TaskDetection || gt == "") {
		return usagef("queue add: --box relabels a ground-truth box, and %s is not a detection dataset (no ground_truth column)", path)
	}
	var boxRef curate.BoxRef
	var keys []curate.Key
	if flagSet(fs, "box") {
		keys, boxRef, err = selectBox(ctx, s, *where, *box)
	} else {
		keys, err = selectKeys(ctx, s, *where)
	}
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
		if flagSet(fs, "box") {
			entry, err = curate.RelabelBox(chosen, boxRef, *relabel, ds.Classes, *newClass)
		} else {
			entry, err = curate.Relabel(chosen, *relabel, ds.Classes, *newClass)
		}
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
	if b := written.Args.Box; b != nil {
		what = fmt.Sprintf("relabel box %d of sample %s: %s -> %s", b.Index, render.Sanitize(written.Keys[0].String()),
			render.Sanitize(strconv.Quote(b.From)), render.Sanitize(strconv.Quote(written.Args.Label)))
	}
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

// selectBox runs the query, which must select one sample, and reads its
// ground-truth box at index.
func selectBox(ctx context.Context, s *evalview.Session, where string, index int) ([]curate.Key, curate.BoxRef, error) {
	prog, err := s.Compile(where)
	if err != nil {
		return nil, curate.BoxRef{}, &usageError{query.FormatError(where, err)}
	}
	sel, err := s.Select(ctx, prog)
	if err != nil {
		return nil, curate.BoxRef{}, err
	}
	if sel.Len() != 1 {
		return nil, curate.BoxRef{}, usagef("--box relabels a box of one sample; the query selects %s samples", render.Count(sel.Len()))
	}
	ds := s.Dataset()
	win, err := s.Rows(ctx, sel, 0, 1, []string{ds.Key, ds.Roles[dataset.RoleGroundTruth]})
	if err != nil {
		return nil, curate.BoxRef{}, err
	}
	defer win.Release()
	keys, err := curate.KeysOfArray(win.Cols[0])
	if err != nil {
		return nil, curate.BoxRef{}, err
	}
	box, err := curate.GroundTruthBox(win.Cols[1], 0, index)
	if err != nil {
		return nil, curate.BoxRef{}, usagef("--box %d of sample %s: %s", index, render.Sanitize(keys[0].String()), err)
	}
	return keys, box, nil
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
	// The boxes column shows when some sample has a box relabel.
	withBoxes := false
	for _, smp := range state.Samples {
		withBoxes = withBoxes || len(smp.Boxes) > 0
	}
	header := []string{"key", "label", "tags", "dropped", "weight", "mined", "needs_review", "entries"}
	if withBoxes {
		header = slices.Insert(header, 2, "boxes")
	}
	rows := make([][]string, len(keys))
	for i, k := range keys {
		rows[i] = sampleRow(k, state.Samples[k])
		if withBoxes {
			rows[i] = slices.Insert(rows[i], 2, boxesCell(state.Samples[k].Boxes))
		}
	}
	fmt.Fprint(e.stdout, render.Table(header, rows, 0))
	return nil
}

// boxesCell lists box relabels as "#1 cat->dog", sanitized.
func boxesCell(boxes []curate.BoxLabel) string {
	cells := make([]string, len(boxes))
	for i, b := range boxes {
		cells[i] = fmt.Sprintf("#%d %s->%s", b.Index, render.Sanitize(b.From), render.Sanitize(b.Label))
	}
	return strings.Join(cells, " ")
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
		GroundTruthColumn: ds.Roles[dataset.RoleGroundTruth], Classes: ds.Classes, State: state, Out: *out, Inputs: inputs})
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
		fmt.Fprintf(w, "relabeled %s: %s\n", render.Count(int64(s.Relabeled)), pairsText(s.RelabeledBy))
	}
	if s.RelabeledBoxes > 0 {
		fmt.Fprintf(w, "relabeled %s boxes: %s\n", render.Count(int64(s.RelabeledBoxes)), pairsText(s.RelabeledBoxesBy))
	}
	for _, m := range s.BoxesNotApplied {
		fmt.Fprintf(w, "box %d of sample %s not relabeled: %s\n", m.Index, render.Sanitize(m.Key.String()), render.Sanitize(m.Reason))
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

// pairsText lists class pairs as "a -> b (3), ...", sanitized.
func pairsText(ps []curate.ClassPair) string {
	var pairs []string
	for _, p := range ps {
		pairs = append(pairs, fmt.Sprintf("%s -> %s (%d)", render.Sanitize(cmp.Or(p.From, "(none)")), render.Sanitize(p.To), p.N))
	}
	return strings.Join(pairs, ", ")
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
	// Label Studio and CSV get the samples with a queued relabel (of the
	// sample or of a box) and the mined ones; COCO every sample the queue
	// names that is not dropped.
	exported := func(smp *curate.Sample) bool {
		return smp != nil && !smp.Dropped && (*format == "coco" || smp.Label != nil || len(smp.Boxes) > 0 || smp.Mined != nil)
	}
	var rows []int64
	mined := 0
	for r, k := range keys {
		if smp := state.Samples[k]; exported(smp) {
			rows = append(rows, int64(r))
			if smp.Mined != nil {
				mined++
			}
		}
	}
	req := exportRequest(ds, tb.Schema(), path)
	req.Table, req.Rows, req.State = tb, rows, state
	pools, err := minedPools(ctx, state, ds, exported)
	if err != nil {
		return err
	}
	defer func() {
		for _, p := range pools {
			p.Table.Release()
		}
	}()
	n := len(rows)
	for _, p := range pools {
		n += len(p.Rows)
		mined += len(p.Rows)
	}
	for _, en := range state.Live {
		if en.Args.Pool != "" {
			inputs = append(inputs, en.Args.Pool)
		}
	}
	if n == 0 {
		return fmt.Errorf("the queue has nothing to export as %s (no queued relabels or mined samples)", *format)
	}
	if err := writeForPeople(*out, *format, req, inputs, pools...); err != nil {
		return err
	}
	warn(e, s)
	fmt.Fprintf(e.stdout, "wrote %s: %s samples (%s mined)\n", render.Sanitize(*out), render.Count(int64(n)), render.Count(int64(mined)))
	return nil
}

// minedPools reads, from each pool file the live mine entries name, the
// rows of the mined samples to export, in the order they were mined; the
// caller releases each Table.
func minedPools(ctx context.Context, state *curate.State, ds *dataset.Dataset, exported func(*curate.Sample) bool) ([]curate.ExportRequest, error) {
	var parts []curate.ExportRequest
	done := map[string]bool{}
	for _, en := range state.Live {
		pool := en.Args.Pool
		if en.Action != curate.ActionMine || pool == "" || done[pool] {
			continue
		}
		done[pool] = true
		pds, err := dataset.Open(dataset.Options{Path: pool, Key: cmp.Or(en.Args.PoolKeyColumn, en.KeyColumn)})
		if err != nil {
			return nil, fmt.Errorf("mined samples: %w", err)
		}
		tb, _, err := pds.Load(ctx, dataset.LoadOptions{Columns: exportColumns(pds)})
		pds.Close()
		if err != nil {
			return nil, fmt.Errorf("mined samples: %w", err)
		}
		keys, err := curate.KeysOf(tb, pds.Key, allRows(tb.NumRows()))
		if err != nil {
			tb.Release()
			return nil, fmt.Errorf("mined samples: pool %s: %w", pool, err)
		}
		row := make(map[curate.Key]int64, len(keys))
		for r, k := range keys {
			row[k] = int64(r)
		}
		req := exportRequest(pds, tb.Schema(), pool)
		req.Table, req.State, req.Classes = tb, state, ds.Classes
		for _, m := range state.Mined {
			smp := state.Samples[m.Key]
			if r, ok := row[m.Key]; ok && smp.Pool == pool && exported(smp) {
				req.Rows = append(req.Rows, r)
			}
		}
		parts = append(parts, req)
	}
	return parts, nil
}

func allRows(n int64) []int64 {
	rows := make([]int64, n)
	for i := range rows {
		rows[i] = int64(i)
	}
	return rows
}

// writeForPeople writes a Label Studio, COCO or CSV export of req's rows
// and then more's (the pools mined rows come from) atomically.
func writeForPeople(out, format string, req curate.ExportRequest, inputs []string, more ...curate.ExportRequest) error {
	parts := append([]curate.ExportRequest{req}, more...)
	return sink.WriteFile(out, inputs, func(w io.Writer) error {
		switch format {
		case "labelstudio":
			return curate.WriteLabelStudio(w, parts...)
		case "coco":
			return curate.WriteCOCO(w, parts...)
		}
		return curate.WriteRelabelCSV(w, parts...)
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
