package evalview

import (
	"context"
	"fmt"
	"math"
	"slices"

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
			in, err := s.classInput(ctx, sets[i])
			if err != nil {
				return nil, err
			}
			classCurves(&c, in, ev.Class)
		}
		out = append(out, c)
	}
	return out, nil
}

func detPR(recall, precision []float64) curve.PR {
	return curve.PR{Recall: recall, Precision: precision}
}

// classInput reads one prediction set's classification input.
func (s *Session) classInput(ctx context.Context, set predSet) (*classify.Input, error) {
	names := []string{s.ds.Roles[dataset.RoleLabel]}
	for _, r := range []dataset.Role{dataset.RolePred, dataset.RoleScore, dataset.RoleProbs} {
		names = append(names, set.roles[r])
	}
	var want []string
	for _, n := range names {
		if n != "" {
			want = append(want, n)
		}
	}
	s.loading.Lock()
	err := s.loadBase(ctx, want)
	s.loading.Unlock()
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	label, pred, score, probs := s.cols[names[0]], s.cols[names[1]], s.cols[names[2]], s.cols[names[3]]
	s.mu.Unlock()
	in, _, err := classify.NewInput(s.ds.Classes, label, pred, score, probs)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.ds.Path, err)
	}
	if err := in.SetPositive(s.cfg.Eval.Positive); err != nil {
		return nil, err
	}
	return in, nil
}

// classCurves fills c from a classification input and its report.
func classCurves(c *Curves, in *classify.Input, r *classify.Report) {
	k := len(in.Classes)
	c.Confusion = r.Confusion
	n := len(in.Label)
	for i := range n {
		p, ok := predOf(in, i)
		if in.Label[i] < 0 || !ok {
			continue
		}
		s := scoreOf(in, i, p)
		if math.IsNaN(s) {
			continue
		}
		if int32(p) == in.Label[i] {
			c.Correct = append(c.Correct, s)
		} else {
			c.Wrong = append(c.Wrong, s)
		}
	}
	c.Calibration, c.ECE = curve.CalibrationSplit(c.Correct, c.Wrong, 10)
	slices.Sort(c.Correct)
	slices.Sort(c.Wrong)
	if in.Probs == nil {
		return
	}
	// One class against the rest, over rows with a label and full probs.
	var rows []int
	for i := range n {
		if in.Label[i] >= 0 && !math.IsNaN(in.Probs[i*k]) {
			rows = append(rows, i)
		}
	}
	positive := make([]bool, len(rows))
	score := make([]float64, len(rows))
	curveFor := func(class int) ([]bool, []float64) {
		for j, i := range rows {
			positive[j] = int(in.Label[i]) == class
			score[j] = in.Probs[i*k+class]
		}
		return positive, score
	}
	for class := range k {
		pos, sc := curveFor(class)
		pr := curve.PrecisionRecall(pos, sc)
		c.AP = append(c.AP, pr.AveragePrecision())
		c.PR = append(c.PR, pr.Thin(curveStep))
	}
	rocClasses := make([]int, k)
	for i := range rocClasses {
		rocClasses[i] = i
	}
	if in.Positive >= 0 {
		rocClasses = []int{in.Positive}
	}
	for _, class := range rocClasses {
		pos, sc := curveFor(class)
		roc := curve.ROCCurve(pos, sc)
		c.AUC = append(c.AUC, roc.AUC())
		c.ROC = append(c.ROC, roc.Thin(curveStep))
		c.ROCClasses = append(c.ROCClasses, in.Classes[class])
	}
}

// predOf is row i's predicted class: pred, or the argmax of probs.
func predOf(in *classify.Input, i int) (int, bool) {
	if in.Pred != nil {
		return int(in.Pred[i]), in.Pred[i] >= 0
	}
	if in.Probs == nil {
		return 0, false
	}
	k := len(in.Classes)
	best := -1
	for j := range k {
		if v := in.Probs[i*k+j]; !math.IsNaN(v) && (best < 0 || v > in.Probs[i*k+best]) {
			best = j
		}
	}
	return best, best >= 0
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
