package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"triage"
	"triage/dataset"
)

// openFlags are the flags every command that opens a dataset shares
// (SPEC §3).
type openFlags struct {
	preds     []string
	key       string
	label     string
	roles     []string
	classes   string
	positive  string
	task      string
	iou       float64
	threshold float64
	clFilter  string
}

const openFlagsHelp = `Open flags:
  --pred [NAME=]PATH   prediction file joined to the dataset by key (repeatable)
  --key COL            join key column (default id; without one, rows match by position when counts agree)
  --label COL          ground-truth column (default: detected)
  --role ROLE=COL      set any role: id, label, pred, score, probs, ground_truth, detections, image, filepath, embedding, split
  --classes a,b,c      class names, in the order of probs
  --positive CLASS     the positive class of a binary task
  --task T             classification or detection (default: detected)
  --iou X              IoU threshold for per-sample detection fields (default 0.5)
  --threshold X        binary: positive when p(positive) >= X (default 0.5)
  --cl-filter MODE     confident-learning filter: prune_by_noise_rate (default), prune_by_class, both, confident_learning, predicted_neq_given
`

func (o *openFlags) register(fs *flag.FlagSet) {
	fs.Func("pred", "prediction file [NAME=]PATH (repeatable)", func(s string) error {
		o.preds = append(o.preds, s)
		return nil
	})
	fs.StringVar(&o.key, "key", "", "join key column")
	fs.StringVar(&o.label, "label", "", "ground-truth column")
	fs.Func("role", "ROLE=COL", func(s string) error {
		if _, _, ok := strings.Cut(s, "="); !ok {
			return fmt.Errorf("want ROLE=COLUMN, got %q", s)
		}
		o.roles = append(o.roles, s)
		return nil
	})
	fs.StringVar(&o.classes, "classes", "", "class names a,b,c")
	fs.StringVar(&o.positive, "positive", "", "positive class")
	fs.StringVar(&o.task, "task", "", "classification or detection")
	fs.Float64Var(&o.iou, "iou", 0.5, "IoU threshold")
	fs.Float64Var(&o.threshold, "threshold", 0.5, "binary decision threshold")
	fs.StringVar(&o.clFilter, "cl-filter", "prune_by_noise_rate", "confident-learning filter")
}

// options turns the flags into dataset options for path.
func (o *openFlags) options(path string) (dataset.Options, error) {
	opts := dataset.Options{Path: path, Key: o.key, Roles: map[dataset.Role]string{}}
	for _, p := range o.preds {
		spec := dataset.ParsePredSpec(p)
		if spec.Path == "" {
			return opts, usagef("--pred %q: the path is empty (want [NAME=]PATH)", p)
		}
		opts.Preds = append(opts.Preds, spec)
	}
	if o.label != "" {
		opts.Roles[dataset.RoleLabel] = o.label
	}
	for _, r := range o.roles {
		role, col, _ := strings.Cut(r, "=")
		if !isRole(role) {
			return opts, usagef("--role %s: unknown role %q", r, role)
		}
		opts.Roles[dataset.Role(role)] = col
	}
	if o.classes != "" {
		opts.Classes = strings.Split(o.classes, ",")
		for i, c := range opts.Classes {
			if j := slices.Index(opts.Classes, c); j < i {
				return opts, usagef("--classes: class %q listed twice (positions %d and %d)", c, j+1, i+1)
			}
		}
	}
	switch opts.Task = dataset.Task(o.task); opts.Task {
	case dataset.TaskNone, dataset.TaskClassification, dataset.TaskDetection:
	default:
		return opts, usagef("--task %q: want classification or detection", o.task)
	}
	if o.iou <= 0 || o.iou > 1 {
		return opts, usagef("--iou %v: want a number in (0, 1]", o.iou)
	}
	if o.threshold < 0 || o.threshold > 1 {
		return opts, usagef("--threshold %v: want a number in [0, 1]", o.threshold)
	}
	switch o.clFilter {
	case "prune_by_noise_rate", "prune_by_class", "both", "confident_learning", "predicted_neq_given":
	default:
		return opts, usagef("--cl-filter %q: want prune_by_noise_rate, prune_by_class, both, confident_learning or predicted_neq_given", o.clFilter)
	}
	return opts, nil
}

func isRole(s string) bool {
	for _, r := range dataset.AllRoles {
		if string(r) == s {
			return true
		}
	}
	return false
}

// demoDir writes the built-in demo into a new temporary directory and sets
// the flags to join its predictions. The caller removes the directory.
func (o *openFlags) demoDir() (string, error) {
	dir, err := os.MkdirTemp("", "triage-demo-")
	if err != nil {
		return "", err
	}
	if err := triage.WriteDemo(dir); err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	if len(o.preds) == 0 {
		o.preds = []string{filepath.Join(dir, triage.DemoPreds)}
	}
	return filepath.Join(dir, triage.DemoData), nil
}
