package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"triage/evalview"
	"triage/render/plot"
)

// writePlots draws every prediction set's curves into dir (a folder a
// set when there are several) and prints the files written.
func writePlots(ctx context.Context, e *env, s *evalview.Session, dir string) error {
	sets, err := s.Curves(ctx)
	if err != nil {
		return err
	}
	for _, c := range sets {
		out := dir
		if len(sets) > 1 {
			out = filepath.Join(dir, c.Name)
		}
		if err := os.MkdirAll(out, 0o755); err != nil {
			return fmt.Errorf("--plots: %w", err)
		}
		files, err := plot.Write(out, plotReport(s, c))
		if err != nil {
			return fmt.Errorf("--plots: %w", err)
		}
		for _, f := range files {
			fmt.Fprintln(e.stdout, f)
		}
	}
	return nil
}

// plotReport names the curves for the legends.
func plotReport(s *evalview.Session, c evalview.Curves) plot.Report {
	r := plot.Report{Name: filepath.Base(s.Dataset().Path), Correct: c.Correct, Wrong: c.Wrong, Calibration: c.Calibration, ECE: c.ECE}
	if c.Name != "" {
		r.Name += " · " + c.Name
	}
	for i, pr := range c.PR {
		if len(pr.Recall) > 0 {
			r.PR = append(r.PR, plot.PRCurve(c.Classes[i], c.AP[i], pr))
		}
	}
	for i, pr := range c.PR75 {
		if len(pr.Recall) > 0 {
			r.PR75 = append(r.PR75, plot.PRCurve(c.Classes[i], c.AP75[i], pr))
		}
	}
	for i, roc := range c.ROC {
		r.ROC = append(r.ROC, plot.ROCCurve(c.ROCClasses[i], c.AUC[i], roc))
	}
	if c.Confusion != nil {
		r.Confusion = &plot.Confusion{Classes: c.Classes, Counts: c.Confusion}
	}
	return r
}
