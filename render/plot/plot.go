// Package plot writes evaluation plots as PNG and SVG files with
// gonum/plot: precision–recall and ROC curves, the confusion matrix as a
// heatmap with counts, score histograms of correct against wrong
// predictions, and a reliability diagram with the expected calibration
// error. Its inputs are plain slices and structs (and package curve's
// bins), so it depends on nothing of the evaluation code; `triage eval
// --plots DIR` computes them and calls Write.
package plot

import (
	"errors"
	"fmt"
	"math"

	"triage/evalview/curve"
)

// Curve is one line of a plot: a class's precision–recall or ROC points.
type Curve struct {
	Name string // the legend entry, such as "cat (AP 0.912)"
	X, Y []float64
}

// PRCurve names a precision–recall curve with its class and average
// precision, which comes from the whole curve (the one drawn may be
// thinned, or COCO's interpolated one).
func PRCurve(class string, ap float64, pr curve.PR) Curve {
	return Curve{Name: fmt.Sprintf("%s (AP %s)", class, fixed3(ap)), X: pr.Recall, Y: pr.Precision}
}

// ROCCurve names a ROC curve with its class and area under the curve.
func ROCCurve(class string, auc float64, roc curve.ROC) Curve {
	return Curve{Name: fmt.Sprintf("%s (AUC %s)", class, fixed3(auc)), X: roc.FPR, Y: roc.TPR}
}

func fixed3(v float64) string {
	if math.IsNaN(v) {
		return "undefined"
	}
	return fmt.Sprintf("%.3f", v)
}

// Confusion is a confusion matrix: Counts[i][j] samples of true class
// Classes[i] predicted as Classes[j].
type Confusion struct {
	Classes []string
	Counts  [][]int64
}

// Report is what `triage eval --plots` draws; Write skips what is empty.
type Report struct {
	Name string // the dataset, for titles; may be ""

	// PR holds precision–recall curves, one a class (one-vs-rest for
	// classification; at IoU 0.5 for detection, with PR75 at IoU 0.75).
	PR, PR75 []Curve
	// ROC holds ROC curves (binary tasks: the positive class).
	ROC       []Curve
	Confusion *Confusion
	// Correct and Wrong are the scores (confidence of the predicted class)
	// of correct and wrong predictions.
	Correct, Wrong []float64
	// Calibration is a reliability diagram's bins, with its ECE.
	Calibration []curve.Bin
	ECE         float64
}

// Write draws r into dir (which must exist) as PNG and SVG files and
// returns their paths in the order written: pr (or pr_iou50 and pr_iou75
// for detection), roc, confusion, scores, calibration. Each file is
// written to a temporary name and renamed into place, so a failure leaves
// no half-written plot.
func Write(dir string, r Report) ([]string, error) {
	var figs []named
	prName := "pr"
	if len(r.PR75) > 0 {
		prName = "pr_iou50"
	}
	if len(r.PR) > 0 {
		title := "Precision–recall, one class against the rest"
		if len(r.PR75) > 0 {
			title = "Precision–recall at IoU 0.5"
		}
		figs = append(figs, named{prName, PRFigure(titled(r.Name, title), r.PR)})
	}
	if len(r.PR75) > 0 {
		figs = append(figs, named{"pr_iou75", PRFigure(titled(r.Name, "Precision–recall at IoU 0.75"), r.PR75)})
	}
	if len(r.ROC) > 0 {
		figs = append(figs, named{"roc", ROCFigure(titled(r.Name, "ROC"), r.ROC)})
	}
	if r.Confusion != nil && len(r.Confusion.Classes) > 0 {
		figs = append(figs, named{"confusion", ConfusionFigure(titled(r.Name, "Confusion matrix"), *r.Confusion)})
	}
	if len(r.Correct)+len(r.Wrong) > 0 {
		figs = append(figs, named{"scores", ScoresFigure(titled(r.Name, "Scores of correct and wrong predictions"), r.Correct, r.Wrong)})
	}
	if len(r.Calibration) > 0 {
		figs = append(figs, named{"calibration", ReliabilityFigure(titled(r.Name, "Reliability"), r.Calibration, r.ECE)})
	}
	if len(figs) == 0 {
		return nil, errors.New("write plots: nothing to plot")
	}
	var files []string
	for _, f := range figs {
		written, err := Save(f.fig, dir, f.name)
		files = append(files, written...)
		if err != nil {
			return files, err
		}
	}
	return files, nil
}

type named struct {
	name string
	fig  Figure
}

func titled(name, title string) string {
	if name == "" {
		return title
	}
	return title + ": " + name
}
