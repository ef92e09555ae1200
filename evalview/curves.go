package evalview

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"

	"triage/dataset"
	"triage/evalview/classify"
	"triage/evalview/curve"
)

// Curves are one prediction set's curves and score distributions: what
// `triage eval --plots` and the TUI's charts draw.
type Curves struct {
	Name    string
	Classes []string
	// PR is a precision–recall curve a class: one class against the rest
	// from probs (classification), or COCO's at IoU 0.5 (detection, with
	// PR75 at IoU 0.75). A class without positives has an empty curve.
	PR, PR75 []curve.PR
	// AP and AP75 are each class's average precision: scikit-learn's
	// average_precision_score of PR, or COCO's AP at IoU 0.5 and 0.75
	// (NaN where undefined).
	AP, AP75 []float64
	// ROC is the positive class's curve in a binary task, else one a
	// class against the rest; empty without probs.
	ROC []curve.ROC
	// ROCClasses names the classes of ROC, and AUC is each curve's area.
	ROCClasses []string
	AUC        []float64
	Confusion  [][]int64 // classification: [label][pred]
	// Correct and Wrong are the confidences of right and wrong
	// predictions, each sorted (NaN first, as slices.Sort leaves them);
	// Calibration bins them (10 equal-width bins) with the expected
	// calibration error.
	Correct, Wrong []float64
	Calibration    []curve.Bin
	ECE            float64
}

// curveStep is the finest detail a drawn curve keeps: a 4096-pixel plot
// shows no more. The average precision and the AUC come from the whole
// curve.
const curveStep = 1.0 / 4096

// Curves computes every prediction set's curves, evaluating first. The
// curves are thinned for drawing (see curve.PR.Thin); AP and AUC are
// computed before.
func (s *Session) Curves(ctx context.Context) ([]Curves, error) {
	evals, err := s.Evaluations(ctx)
	if err != nil {
		return nil, err
	}
	sets := predSets(s.ds)
	out := make([]Curves, 0, len(evals))
	for i, ev := range evals {
		c := Curves{Name: ev.Name, Classes: s.ds.Classes}
		switch {
		case ev.Det != nil:
			for i, class := range ev.Det.Classes {
				c.PR = append(c.PR, detPR(ev.Det.PRCurve(class, 0.5)))
				c.PR75 = append(c.PR75, detPR(ev.Det.PRCurve(class, 0.75)))
				c.AP = append(c.AP, ev.Det.PerClass[i].AP50)
				c.AP75 = append(c.AP75, ev.Det.PerClass[i].AP75)
			}
			c.Classes = ev.Det.Classes
		case ev.Class != nil && i < len(sets):
			if err := s.classCurves(ctx, &c, sets[i], ev.Class); err != nil {
				return nil, err
			}
		}
		out = append(out, c)
	}
	return out, nil
}

func detPR(recall, precision []float64) curve.PR {
	return curve.PR{Recall: recall, Precision: precision}
}

// classColumns names a classification set's label, pred, score and probs
// columns, "" where the set has none.
func (s *Session) classColumns(set predSet) [4]string {
	return [4]string{s.ds.Roles[dataset.RoleLabel], set.roles[dataset.RolePred], set.roles[dataset.RoleScore], set.roles[dataset.RoleProbs]}
}

// classCurves fills c for one classification set from its report and the
// held columns.
func (s *Session) classCurves(ctx context.Context, c *Curves, set predSet, r *classify.Report) error {
	c.Confusion = r.Confusion
	cols := s.classColumns(set)
	if err := s.splitScores(ctx, c, cols); err != nil {
		return err
	}
	c.Calibration, c.ECE = curve.CalibrationSplit(c.Correct, c.Wrong, 10)
	slices.Sort(c.Correct)
	slices.Sort(c.Wrong)
	if cols[3] == "" {
		return nil
	}
	// The curves rank every row's probs of each class: they need them all.
	t, err := s.baseTable(ctx, []string{cols[0], cols[3]})
	if err != nil {
		return err
	}
	defer t.Release()
	label, probs := t.ColumnByName(cols[0]), t.ColumnByName(cols[3])
	defer label.Release()
	defer probs.Release()
	in, _, err := classify.NewInput(s.ds.Classes, label, nil, nil, probs)
	if err != nil {
		return fmt.Errorf("%s: %w", s.ds.Path, err)
	}
	if err := in.SetPositive(s.cfg.Eval.Positive); err != nil {
		return err
	}
	probCurves(c, in)
	return nil
}

// baseTable reads the named dataset columns the session does not hold
// yet and returns them as one table (the dataset's own columns, never the
// derived copies). The caller releases it.
func (s *Session) baseTable(ctx context.Context, names []string) (*dataset.Table, error) {
	s.loading.Lock()
	err := s.loadBase(ctx, names)
	s.loading.Unlock()
	if err != nil {
		return nil, err
	}
	return s.heldTable(names, own)
}

// splitScores puts the confidence of every right and of every wrong
// prediction in c.Correct and c.Wrong, in row order, skipping rows
// without a label, a prediction or a confidence. It converts the held
// columns a batch at a time: converting whole columns would add 16 bytes
// a row (label and prediction indexes, scores as float64) to what the
// session holds, 160 MiB on 10M rows. c.Confusion sizes the slices.
func (s *Session) splitScores(ctx context.Context, c *Curves, cols [4]string) error {
	var names []string
	for _, n := range cols {
		if n != "" && !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	t, err := s.baseTable(ctx, names)
	if err != nil {
		return err
	}
	defer t.Release()
	var right, all int64
	for l, row := range c.Confusion {
		right += row[l]
		for _, v := range row {
			all += v
		}
	}
	c.Correct, c.Wrong = withCap(right), withCap(all-right)
	for _, b := range t.Batches() {
		if err := ctx.Err(); err != nil {
			return err
		}
		in, err := batchInput(s.ds.Classes, b, cols)
		if err != nil {
			return fmt.Errorf("%s: %w", s.ds.Path, err)
		}
		// NewInput makes Pred the argmax of probs without a pred column.
		for i, p := range in.Pred {
			if in.Label[i] < 0 || p < 0 {
				continue
			}
			score := scoreOf(in, i, int(p))
			if math.IsNaN(score) {
				continue
			}
			if p == in.Label[i] {
				c.Correct = append(c.Correct, score)
			} else {
				c.Wrong = append(c.Wrong, score)
			}
		}
	}
	return nil
}

// withCap is an empty slice of capacity n, nil for 0.
func withCap(n int64) []float64 {
	if n == 0 {
		return nil
	}
	return make([]float64, 0, n)
}

// batchInput converts one batch of a set's columns (named by cols, "" where
// absent) to a classification input. Its warnings are dropped: the
// evaluation gave them for the whole columns.
func batchInput(classes []string, b arrow.RecordBatch, cols [4]string) (*classify.Input, error) {
	var chunks [4]*arrow.Chunked
	for i, name := range cols {
		if name == "" {
			continue
		}
		a := b.Column(b.Schema().FieldIndices(name)[0])
		chunks[i] = arrow.NewChunked(a.DataType(), []arrow.Array{a})
		defer chunks[i].Release()
	}
	in, _, err := classify.NewInput(classes, chunks[0], chunks[1], chunks[2], chunks[3])
	return in, err
}

// probCurves adds the precision–recall and ROC curves of one class against
// the rest, over the rows with a label and full probs. Each class's
// samples are sorted once for both curves, the classes on every core.
func probCurves(c *Curves, in *classify.Input) {
	k := len(in.Classes)
	n := len(in.Label)
	var rows []int
	for i := range n {
		if in.Label[i] >= 0 && !math.IsNaN(in.Probs[i*k]) {
			rows = append(rows, i)
		}
	}
	withROC := func(class int) bool { return in.Positive < 0 || class == in.Positive }
	prs, rocs := make([]curve.PR, k), make([]curve.ROC, k)
	classes := make(chan int, k)
	for class := range k {
		classes <- class
	}
	close(classes)
	var wg sync.WaitGroup
	for range min(k, runtime.GOMAXPROCS(0)) {
		wg.Go(func() {
			positive := make([]bool, len(rows))
			score := make([]float64, len(rows))
			for class := range classes {
				for j, i := range rows {
					positive[j] = int(in.Label[i]) == class
					score[j] = in.Probs[i*k+class]
				}
				counts := curve.Cumulate(positive, score)
				prs[class] = counts.PrecisionRecall()
				if withROC(class) {
					rocs[class] = counts.ROC()
				}
			}
		})
	}
	wg.Wait()
	for _, pr := range prs {
		c.AP = append(c.AP, pr.AveragePrecision())
		c.PR = append(c.PR, pr.Thin(curveStep))
	}
	for class, roc := range rocs {
		if withROC(class) {
			c.AUC = append(c.AUC, roc.AUC())
			c.ROC = append(c.ROC, roc.Thin(curveStep))
			c.ROCClasses = append(c.ROCClasses, in.Classes[class])
		}
	}
}

// scoreOf is the confidence of prediction p: score, or p's probability.
func scoreOf(in *classify.Input, i, p int) float64 {
	if in.Score != nil && !math.IsNaN(in.Score[i]) {
		return in.Score[i]
	}
	if in.Probs != nil {
		return in.Probs[i*len(in.Classes)+p]
	}
	return math.NaN()
}
