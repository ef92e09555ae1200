package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"strconv"

	"triage/evalview"
	"triage/render"
)

var evalCmd = &command{
	name:    "eval",
	summary: "metrics report: per class, confusion matrix, label issues (--json)",
	usage: `Usage: triage eval [open flags] DATASET [--json]

Evaluates the predictions against the ground truth and prints a report.

Classification: accuracy, balanced accuracy, per-class precision, recall,
F1 and support, macro / weighted / micro averages, the confusion matrix,
log loss, ROC AUC, top-k accuracy, Cohen's kappa, MCC (all as scikit-learn
1.2.1 computes them); binary tasks (--positive) add TP/FP/FN/TN, precision,
recall, F1, ROC AUC and average precision at --threshold; with probs, a
confident-learning summary (cleanlab 2.9.0's find_label_issues with
--cl-filter): how many suspects, the estimated noise rate per class and the
class pairs most often swapped.

Detection: the 12 COCO stats (as pycocotools' COCOeval computes them),
per-class AP and AP50, TP/FP/FN at --iou. A COCO annotation file with a COCO
results file works too:

  triage eval instances.json --pred results.json

With several --pred files each is evaluated, side by side.

  --json       one JSON object (SPEC §4 keys); with several prediction
               files, an object of them keyed by name
  --plots DIR  write plots as PNG and SVG into DIR and list the files:
               precision–recall curves (one class against the rest;
               detection at IoU 0.5 and 0.75), ROC curves, the confusion
               matrix, scores of right and wrong predictions, and a
               reliability diagram with the expected calibration error

` + openFlagsHelp,
	run: runEval,
}

func runEval(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	var of openFlags
	of.register(fs)
	asJSON := fs.Bool("json", false, "JSON output")
	plots := fs.String("plots", "", "write plots (PNG and SVG) into this folder")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("want one DATASET, got %d arguments (see `triage help eval`)", len(pos))
	}
	s, err := of.openSession(pos[0])
	if err != nil {
		return err
	}
	defer s.Close()
	evals, err := s.Evaluations(ctx)
	if err != nil {
		return err
	}
	warn(e, s)
	if *plots != "" {
		return writePlots(ctx, e, s, *plots)
	}
	if *asJSON {
		return writeEvalJSON(e, evals)
	}
	if len(evals) > 1 {
		fmt.Fprintln(e.stdout, compareTable(evals))
	}
	for i, ev := range evals {
		if i > 0 {
			fmt.Fprintln(e.stdout)
		}
		if len(evals) > 1 || ev.Name != "" {
			fmt.Fprintf(e.stdout, "== predictions %s ==\n\n", render.Sanitize(ev.Name))
		}
		if err := writeEvalText(e, ev); err != nil {
			return err
		}
	}
	return nil
}

func report(ev *evalview.Evaluation) json.Marshaler {
	if ev.Det != nil {
		return ev.Det
	}
	return ev.Class
}

func writeEvalText(e *env, ev *evalview.Evaluation) error {
	if ev.Det != nil {
		return ev.Det.WriteText(e.stdout)
	}
	return ev.Class.WriteText(e.stdout)
}

func writeEvalJSON(e *env, evals []*evalview.Evaluation) error {
	var out any
	if len(evals) == 1 {
		out = report(evals[0])
	} else {
		m := map[string]json.Marshaler{}
		for _, ev := range evals {
			m[ev.Name] = report(ev)
		}
		out = m
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(e.stdout, "%s\n", b)
	return err
}

// compareTable puts the headline numbers of several prediction sets side by
// side, one row each.
func compareTable(evals []*evalview.Evaluation) string {
	num := func(v float64) string {
		if math.IsNaN(v) {
			return "-"
		}
		return strconv.FormatFloat(v, 'f', 4, 64)
	}
	var header []string
	var rows [][]string
	for _, ev := range evals {
		row := []string{render.Sanitize(ev.Name)}
		switch {
		case ev.Det != nil:
			header = []string{"predictions", "AP", "AP50", "AP75", "AR100", "TP", "FP", "FN"}
			st := ev.Det.Stats
			row = append(row, num(st.AP), num(st.AP50), num(st.AP75), num(st.AR100),
				strconv.FormatInt(ev.Det.TP, 10), strconv.FormatInt(ev.Det.FP, 10), strconv.FormatInt(ev.Det.FN, 10))
		case ev.Class != nil:
			header = []string{"predictions", "accuracy", "balanced", "macro F1", "log loss", "suspects"}
			c := ev.Class
			suspects := "-"
			if c.LabelIssues != nil {
				suspects = strconv.Itoa(c.LabelIssues.NumFlagged)
			}
			row = append(row, num(c.Accuracy), num(c.BalancedAccuracy), num(c.MacroAvg.F1), num(c.LogLoss), suspects)
		}
		rows = append(rows, row)
	}
	return render.Table(header, rows, 0)
}
