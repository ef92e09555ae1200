package main

import (
	"context"
	"flag"
	"os"
	"path/filepath"

	tea "charm.land/bubbletea/v2"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"triage/dataset"
	"triage/evalview"
	"triage/tui"
)

var tuiCmd = &command{
	name:    "tui",
	summary: "the interactive terminal program",
	usage: `Usage: triage [open flags] [DATASET]

Opens the dataset in the terminal program. With no DATASET, opens the
built-in demo: 1,500 handwritten digits with a model's out-of-fold
predictions and 6% injected label noise.

` + openFlagsHelp,
	run: runTUI,
}

func runTUI(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("triage", flag.ContinueOnError)
	var of openFlags
	of.register(fs)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return usagef("want at most one DATASET, got %d arguments (see `triage help`)", len(pos))
	}
	var path, title string
	if len(pos) == 1 {
		path, title = pos[0], pos[0]
	} else {
		if path, err = of.demoDir(); err != nil {
			return err
		}
		defer os.RemoveAll(filepath.Dir(path))
		title = "demo: handwritten digits"
	}
	s, err := of.openSession(path, true)
	if err != nil {
		return err
	}
	defer s.Close()
	// Every column, and the derived fields (correct, suspect, ...) when
	// there is something to evaluate: --cl-filter, --positive and --iou
	// shape them.
	var cols []string
	for _, f := range s.Schema().Fields() {
		cols = appendNew(cols, f.Name)
	}
	if err := s.Preload(ctx, cols); err != nil {
		return err
	}
	n := s.NumRows()
	w, err := s.Rows(ctx, evalview.AllRows(n), 0, n, cols)
	if err != nil {
		return err
	}
	t := dataset.NewTable(w.Schema, []arrow.RecordBatch{array.NewRecordBatch(w.Schema, w.Cols, int64(len(w.Rows)))})
	w.Release()
	defer t.Release()
	ds := s.Dataset()
	classCols := []string{ds.Roles[dataset.RoleLabel], ds.Roles[dataset.RolePred]}
	m := tui.New(title, t, ds.Classes, classCols)
	p := tea.NewProgram(m, tea.WithContext(ctx), tea.WithInput(e.stdin), tea.WithOutput(e.stdout))
	_, err = p.Run()
	return err
}
